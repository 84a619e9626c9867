/*
 * lib/os_common.c - the platform-neutral half of the OS layer: the cached
 * capabilities (with the build's forced page size applied), the fault
 * injection seam, the live address-space counter, and the dual mapping's
 * answer where the build has no memfd.
 */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include "os.h"

static pv__os_caps caps_value;
static atomic_int caps_state; /* 0 unset, 1 filling, 2 ready */

const pv__os_caps *pv__os_caps_get(void) {
  if (atomic_load_explicit(&caps_state, memory_order_acquire) == 2)
    return &caps_value;
  int expected = 0;
  if (atomic_compare_exchange_strong(&caps_state, &expected, 1)) {
    pv__os_caps c;
    memset(&c, 0, sizeof c);
    pv__os_caps_query(&c);
    c.os_page_size = c.page_size;
#if PV_FORCE_PAGE_SIZE > 0
    /* A test build can treat the page as larger than the OS's (16 or 64
     * KiB) to prove nothing assumes 4 KiB: every length, offset and
     * reservation is then rounded to that granule. */
    if (c.page_size < PV_FORCE_PAGE_SIZE) c.page_size = PV_FORCE_PAGE_SIZE;
#endif
    if (c.alloc_granularity < c.page_size) c.alloc_granularity = c.page_size;
    caps_value = c;
    atomic_store_explicit(&caps_state, 2, memory_order_release);
  } else {
    while (atomic_load_explicit(&caps_state, memory_order_acquire) != 2) {
      /* another thread is filling; the query is a few syscalls */
    }
  }
  return &caps_value;
}

/* ---- fault injection ---------------------------------------------------- */

static atomic_ulong fault_countdown; /* 0: off; else calls left until the fault */
static atomic_ulong fault_calls;
static atomic_int fault_err;

void pv__os_fault_set(unsigned long n, int err) {
  atomic_store(&fault_err, err);
  atomic_store(&fault_calls, 0);
  atomic_store(&fault_countdown, n);
}

unsigned long pv__os_fault_calls(void) { return atomic_load(&fault_calls); }

int pv__os_fault_hit(void) {
  atomic_fetch_add_explicit(&fault_calls, 1, memory_order_relaxed);
  unsigned long left = atomic_load_explicit(&fault_countdown, memory_order_relaxed);
  if (left == 0) return 0;
  /* Decrement; the caller that takes it from 1 to 0 receives the fault. */
  while (left != 0 &&
         !atomic_compare_exchange_weak(&fault_countdown, &left, left - 1)) {
  }
  return left == 1 ? atomic_load(&fault_err) : 0;
}

/* ---- live address space ------------------------------------------------- */

static atomic_llong live_bytes;

long long pv__os_live_bytes(void) { return atomic_load(&live_bytes); }
void pv__os_live_add(long long delta) { atomic_fetch_add(&live_bytes, delta); }

/* ---- dual mapping without memfd ----------------------------------------- */

#ifndef PV_HAVE_MEMFD_CREATE
/* The dual mapping needs an anonymous file seen at two addresses (memfd).
 * Without one there is nothing to fall back to: on Windows its counterpart
 * of deny_execmem (Arbitrary Code Guard) refuses file-backed executable
 * views as well. */
int pv__os_dual_map(size_t size, void **rw, void **rx, intptr_t *handle) {
  (void)size;
  (void)rw;
  (void)rx;
  (void)handle;
  return PV_ENOTSUP;
}

int pv__os_dual_grow(intptr_t handle, void *rw, void *rx, size_t old_size,
                     size_t new_size, unsigned wprot, unsigned xprot) {
  (void)handle;
  (void)rw;
  (void)rx;
  (void)old_size;
  (void)new_size;
  (void)wprot;
  (void)xprot;
  return PV_ENOTSUP;
}

int pv__os_dual_unmap(intptr_t handle, void *rw, void *rx, size_t size) {
  (void)handle;
  (void)rw;
  (void)rx;
  (void)size;
  return PV_ENOTSUP;
}
#endif

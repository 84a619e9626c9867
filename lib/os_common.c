/*
 * lib/os_common.c - the platform-neutral half of the OS layer: the cached
 * capabilities (with the build's forced page size applied), the fault
 * injection seam, the live address-space counter, and the dual mapping's
 * answer where the build has no memfd.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"

/* The query, with the build's forced page size applied. */
static void caps_fill(pv__os_caps *c) {
  memset(c, 0, sizeof *c);
  pv__os_caps_query(c);
  c->os_page_size = c->page_size;
#if PV_FORCE_PAGE_SIZE > 0
  /* A test build can treat the page as larger than the OS's (16 or 64
   * KiB) to prove nothing assumes 4 KiB: every length, offset and
   * reservation is then rounded to that granule. */
  if (c->page_size < PV_FORCE_PAGE_SIZE) c->page_size = PV_FORCE_PAGE_SIZE;
#endif
  if (c->alloc_granularity < c->page_size) c->alloc_granularity = c->page_size;
}

/* Nobody waits for another thread here: each first caller fills a slot of
 * its own and publishes it with one compare-and-swap (the query is the
 * same for all, so whichever lands first is the answer).  A thread that
 * waited for another's query would wait forever in a child forked while
 * that query ran (the region cache's fork test caught exactly that).
 * Callers past the last slot fill a malloc'd copy (freed if another lands
 * first); only if that malloc fails do they wait for a published answer.
 * (No _Thread_local: on mingw it would make the DLL need libgcc's.) */
#define CAPS_SLOTS 8
static pv__os_caps caps_slots[CAPS_SLOTS];
static atomic_uint caps_next;
static _Atomic(const pv__os_caps *) caps_ready;

/* Publish mine unless another caller already did; the answer either way. */
static const pv__os_caps *caps_publish(const pv__os_caps *mine) {
  const pv__os_caps *expected = NULL;
  if (atomic_compare_exchange_strong_explicit(&caps_ready, &expected, mine,
                                              memory_order_acq_rel,
                                              memory_order_acquire))
    return mine;
  return expected;
}

const pv__os_caps *pv__os_caps_get(void) {
  const pv__os_caps *r = atomic_load_explicit(&caps_ready, memory_order_acquire);
  if (r != NULL) return r;
  unsigned i = atomic_fetch_add_explicit(&caps_next, 1, memory_order_relaxed);
  if (i < CAPS_SLOTS) {
    caps_fill(&caps_slots[i]);
    return caps_publish(&caps_slots[i]);
  }
  pv__os_caps *own = malloc(sizeof *own);
  if (own != NULL) {
    caps_fill(own);
    r = caps_publish(own);
    if (r != own) free(own);
    return r;
  }
  while ((r = atomic_load_explicit(&caps_ready, memory_order_acquire)) == NULL) {
    /* a slot's owner is filling it */
  }
  return r;
}

/* The test seam's copy (os.h): published like a query's answer. */
static pv__os_caps caps_forced;

void pv__os_caps_force(const pv__os_caps *c) {
  caps_forced = *c;
  atomic_store_explicit(&caps_ready, &caps_forced, memory_order_release);
}

/* ---- fault injection ---------------------------------------------------- */

/* Until a test first calls pv__os_fault_set, the seam is one relaxed load
 * per fallible call (a plain load on x86-64 and ARM64): a program never
 * pays the counting, an atomic read-modify-write that made up about 2% of
 * a small vector's create + push 16 + destroy. */
atomic_int pv__os_fault_armed;
static atomic_ulong fault_countdown; /* 0: off; else calls left until the fault */
static atomic_ulong fault_calls;
static atomic_int fault_err;

void pv__os_fault_set(unsigned long n, int err) {
  atomic_store(&fault_err, err);
  atomic_store(&fault_calls, 0);
  atomic_store(&fault_countdown, n);
  atomic_store(&pv__os_fault_armed, 1);
}

unsigned long pv__os_fault_calls(void) { return atomic_load(&fault_calls); }

int pv__os_fault_take(void) {
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

/* ---- files: errno -> PV_E* (the table in os.h, "files") ---------------- */

int pv__os_file_errno(int e) {
  switch (e) {
  case ENOENT:
  case ENOTDIR:
  case ENAMETOOLONG:
  case ELOOP:
    return PV_ENOENT;
  case EACCES:
  case EPERM:
  case EROFS:
  case ETXTBSY:
    return PV_EACCES;
  case EEXIST:
    return PV_EEXIST;
  case EBADF:
  case EINVAL:
  case EISDIR:
  case EFAULT:
    return PV_EINVAL;
  case ENOSPC:
  case EFBIG:
    return PV_ENOSPC;
  case ENOMEM:
    return PV_ENOMEM;
  case EOVERFLOW:
    return PV_EOVERFLOW;
  case ENOTSUP:
    return PV_ENOTSUP;
  default:
    return PV_EIO;
  }
}

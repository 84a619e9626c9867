/*
 * tests/test_oom.c - real out-of-memory: in a forked child whose address
 * space is capped with RLIMIT_AS a little above what it already uses, grow
 * until the kernel refuses.  The refusing call must return PV_ENOMEM and
 * leave everything as it was: every element pushed before it intact, the
 * vector (len, cap, data) unchanged and still usable, nothing leaked.
 *
 * Sanitizers reserve terabytes of shadow address space and valgrind runs
 * the program inside its own, so an RLIMIT_AS there measures them, not us:
 * the suite skips itself with a message under them.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "childrun.h"
#include "os.h"
#include "paged_vec.h"
#include "store.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define PV_OOM_SANITIZED 1
#endif
#endif
#if PV__ASAN || defined(__SANITIZE_THREAD__)
#define PV_OOM_SANITIZED 1
#endif

/* Room above the current address space: enough for a few growths, small
 * enough to run out fast.  A multiple of every page size in use. */
#define BUDGET ((size_t)96 << 20)

static void skip_if_unmeasurable(void) {
#ifdef PV_OOM_SANITIZED
  cr_skip_test("built with a sanitizer: its shadow memory makes RLIMIT_AS "
               "meaningless, so the real-OOM tests are skipped");
#endif
  const char *pre = getenv("LD_PRELOAD");
  if (pre != NULL && strstr(pre, "vgpreload") != NULL)
    cr_skip_test("running under valgrind: RLIMIT_AS would limit valgrind, "
                 "so the real-OOM tests are skipped");
}

/* The process's address space now, from /proc/self/status (VmSize). */
static size_t vm_size(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return 0;
  char line[256];
  unsigned long long kb = 0;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "VmSize: %llu kB", &kb) == 1) break;
  fclose(f);
  return (size_t)kb * 1024u;
}

/* Cap the address space at what is in use plus BUDGET. */
static int cap_address_space(cr_child_report *r) {
  size_t now = vm_size();
  if (now == 0) {
    child_fail(r, "cannot read VmSize");
    return -1;
  }
  /* Warm up the library first, so that its first-use work is not what
   * runs out. */
  (void)pv_page_size();
  struct rlimit rl = {now + BUDGET, now + BUDGET};
  if (setrlimit(RLIMIT_AS, &rl) != 0) {
    child_fail(r, "setrlimit(RLIMIT_AS) failed");
    return -1;
  }
  return 0;
}

struct grow_arg {
  pv_grow grow;
  unsigned flags;
};

/* Push uint64 values 0, 1, 2, ... until a push fails. */
static void grow_until_refused(cr_child_report *r, void *varg) {
  const struct grow_arg *a = varg;
  if (cap_address_space(r) != 0) return;
  long long live0 = pv__os_live_bytes();
  pv_vec v;
  pv_vec_opts o = {.elem_size = sizeof(uint64_t), .grow = a->grow,
                   .flags = a->flags};
  if (a->grow == PV_GROW_STABLE) o.max_len = SIZE_MAX / 2 / sizeof(uint64_t);
  int rc = pv_vec_init_opts(&v, &o);
  if (a->grow == PV_GROW_STABLE) {
    /* The reservation itself does not fit: refused at init, v untouched. */
    CHILD_CHECK(r, rc == PV_ENOMEM, "STABLE init over the limit: %s",
                pv_errname(rc));
    CHILD_CHECK(r, pv__os_live_bytes() == live0, "STABLE init leaked");
    o.max_len = BUDGET / 2 / sizeof(uint64_t);
    rc = pv_vec_init_opts(&v, &o);
  }
  CHILD_CHECK(r, rc == 0, "init: %s", pv_errname(rc));
  if (rc != 0) return;
  uint64_t i = 0;
  for (;; i++) {
    rc = pv_vec_push(&v, &i);
    if (rc != 0) break;
  }
  /* STABLE stops at its own limit; the others at the kernel's. */
  int want = a->grow == PV_GROW_STABLE ? PV_ENOSPC : PV_ENOMEM;
  CHILD_CHECK(r, rc == want, "the failing push returned %s, want %s",
              pv_errname(rc), pv_errname(want));
  CHILD_CHECK(r, v.len == i, "len %zu after %llu pushes", v.len,
              (unsigned long long)i);
  CHILD_CHECK(r, i > 1000, "only %llu pushes fit in the budget",
              (unsigned long long)i);
  pv_vec before = v;
  /* A bigger request is refused the same way and changes nothing. */
  rc = pv_vec_reserve_exact(&v, v.cap - v.len + BUDGET / sizeof(uint64_t));
  CHILD_CHECK(r, rc == want, "reserve past the limit: %s", pv_errname(rc));
  CHILD_CHECK(r, memcmp(&before, &v, sizeof v) == 0,
              "the vector changed on a failed reserve");
  const uint64_t *d = v.data;
  for (uint64_t k = 0; k < v.len; k++) {
    if (d[k] != k) {
      child_fail(r, "element %llu is %llu after OOM", (unsigned long long)k,
                 (unsigned long long)d[k]);
      break;
    }
  }
  /* Still usable: room freed by popping is room to push again. */
  uint64_t last;
  rc = pv_vec_pop(&v, &last);
  CHILD_CHECK(r, rc == 0 && last == i - 1, "pop after OOM: %s", pv_errname(rc));
  rc = pv_vec_push(&v, &last);
  CHILD_CHECK(r, rc == 0, "push after pop: %s", pv_errname(rc));
  r->n[0] = (unsigned long)i;
  r->n[1] = (unsigned long)(pv__store_bytes(&v) >> 20);
  rc = pv_vec_destroy(&v);
  CHILD_CHECK(r, rc == 0, "destroy: %s", pv_errname(rc));
  CHILD_CHECK(r, pv__os_live_bytes() == live0, "address space leaked: %lld bytes",
              pv__os_live_bytes() - live0);
}

static void run_grow(const char *name, pv_grow grow, unsigned flags) {
  skip_if_unmeasurable();
  struct grow_arg a = {grow, flags};
  cr_child_report r = child_run(grow_until_refused, &a);
  cr_assert_eq(r.failed, 0, "%s: %s", name, r.msg);
  fprintf(stderr, "oom %s: %lu elements pushed before the refusal, %lu MiB "
          "committed\n", name, r.n[0], r.n[1]);
}

Test(oom, remap_push_until_refused) { run_grow("remap", PV_GROW_REMAP, 0); }
Test(oom, remap_guard_push_until_refused) {
  run_grow("remap guard", PV_GROW_REMAP, PV_VEC_GUARD);
}
Test(oom, remap_huge_push_until_refused) {
  run_grow("remap huge", PV_GROW_REMAP, PV_VEC_HUGE);
}
Test(oom, copy_push_until_refused) { run_grow("copy", PV_GROW_COPY, 0); }
Test(oom, stable_reservation_refused) {
  run_grow("stable", PV_GROW_STABLE, 0);
}

/* The page core: a map over the limit, then a resize over it. */
static void pages_refused(cr_child_report *r, void *arg) {
  (void)arg;
  if (cap_address_space(r) != 0) return;
  long long live0 = pv__os_live_bytes();
  pv_pages p, junk;
  memset(&junk, 0x5a, sizeof junk);
  p = junk;
  int rc = pv_pages_map(&p, 2 * BUDGET, PV_PROT_READ | PV_PROT_WRITE, 0);
  CHILD_CHECK(r, rc == PV_ENOMEM, "map over the limit: %s", pv_errname(rc));
  CHILD_CHECK(r, memcmp(&p, &junk, sizeof p) == 0, "failed map wrote *p");
  size_t len = BUDGET / 4;
  rc = pv_pages_map(&p, len, PV_PROT_READ | PV_PROT_WRITE, 0);
  CHILD_CHECK(r, rc == 0, "map within the limit: %s", pv_errname(rc));
  if (rc != 0) return;
  unsigned char *b = p.addr;
  for (size_t i = 0; i < len; i += pv_page_size()) b[i] = (unsigned char)(i >> 12);
  pv_pages before = p;
  rc = pv_pages_resize(&p, 2 * BUDGET);
  CHILD_CHECK(r, rc == PV_ENOMEM, "resize over the limit: %s", pv_errname(rc));
  CHILD_CHECK(r, memcmp(&p, &before, sizeof p) == 0, "failed resize changed *p");
  for (size_t i = 0; i < len; i += pv_page_size())
    if (b[i] != (unsigned char)(i >> 12)) {
      child_fail(r, "byte %zu changed by a failed resize", i);
      break;
    }
  rc = pv_pages_unmap(&p);
  CHILD_CHECK(r, rc == 0, "unmap: %s", pv_errname(rc));
  CHILD_CHECK(r, pv__os_live_bytes() == live0, "address space leaked");
}

Test(oom, pages_map_and_resize_refused) {
  skip_if_unmeasurable();
  cr_child_report r = child_run(pages_refused, NULL);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
}

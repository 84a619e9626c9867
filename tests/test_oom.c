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
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "childrun.h"
#include "os.h"
#include "paged_vec.h"
#include "store.h"
#include "relutil.h"

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

/* A build that forces a page larger than the OS's keeps every region on
 * that granule, which a plain mremap does not: its fallback is an aligned
 * move to the granule, at the aligned price (lib/os.h). */
static bool forced_page(void) {
  const pv__os_caps *c = pv__os_caps_get();
  return c->alloc_granularity > c->os_page_size;
}
#define FORCED_PAGE_NOTE                                                    \
  "the build forces a page larger than the OS's: the move fallback keeps " \
  "that granule, so it pays the aligned price (lib/os.h)"

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

/* Elements 0 .. n-1 of v hold 0 .. n-1, as the children push them; the
 * first that does not is reported, with `when`. */
static void child_check_seq(cr_child_report *r, const pv_vec *v, size_t n,
                            const char *when) {
  const uint64_t *d = v->data;
  for (uint64_t k = 0; k < n; k++)
    if (d[k] != k) {
      child_fail(r, "element %llu is %llu %s", (unsigned long long)k,
                 (unsigned long long)d[k], when);
      return;
    }
}

/* Cap the address space at what is in use plus `budget`. */
static int cap_address_space_by(cr_child_report *r, size_t budget) {
  size_t now = child_vm_size();
  if (now == 0) {
    child_fail(r, "cannot read VmSize");
    return -1;
  }
  /* Warm up the library first, so that its first-use work is not what
   * runs out. */
  (void)pv_page_size();
  struct rlimit rl = {now + budget, now + budget};
  if (setrlimit(RLIMIT_AS, &rl) != 0) {
    child_fail(r, "setrlimit(RLIMIT_AS) failed");
    return -1;
  }
  return 0;
}

/* Cap the address space at what is in use plus BUDGET. */
static int cap_address_space(cr_child_report *r) {
  return cap_address_space_by(r, BUDGET);
}

struct grow_arg {
  pv_grow grow;
  unsigned flags;
};

/* Push uint64 values 0, 1, 2, ... until a push fails. */
static void grow_until_refused(cr_child_report *r, void *varg) {
  const struct grow_arg *a = varg;
  if (cap_address_space(r) != 0) return;
  long long live0 = ru_live_bytes();
  pv_vec v;
  pv_vec_opts o = {.elem_size = sizeof(uint64_t), .grow = a->grow,
                   .flags = a->flags};
  if (a->grow == PV_GROW_STABLE) o.max_len = SIZE_MAX / 2 / sizeof(uint64_t);
  int rc = pv_vec_init_opts(&v, &o);
  if (a->grow == PV_GROW_STABLE) {
    /* The reservation itself does not fit: refused at init, v untouched. */
    CHILD_CHECK(r, rc == PV_ENOMEM, "STABLE init over the limit: %s",
                pv_errname(rc));
    CHILD_CHECK(r, ru_live_bytes() == live0, "STABLE init leaked");
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
  child_check_seq(r, &v, v.len, "after OOM");
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
  CHILD_CHECK(r, ru_live_bytes() == live0, "address space leaked: %lld bytes",
              ru_live_bytes() - live0);
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
  long long live0 = ru_live_bytes();
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
  CHILD_CHECK(r, ru_live_bytes() == live0, "address space leaked");
}

Test(oom, pages_map_and_resize_refused) {
  skip_if_unmeasurable();
  cr_child_report r = child_run(pages_refused, NULL);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
}

/* ---- address-space limits: a vector reaches what realloc reaches -------- */

/* Under RLIMIT_AS the largest vector is decided by what one growth needs at
 * once.  realloc of a large block is mremap(MREMAP_MAYMOVE), charged only
 * the growth; an aligned move (reserve the new region, then move onto it)
 * is charged old + 2 * new - old, so before the OS layer fell back to a
 * plain move a vector stopped at half of realloc's.  Each child measures
 * both under the same limit: first a realloc-doubling vector of u64, freed,
 * then the pv vector; both push 0, 1, 2, ... until refused. */

/* Default room above the address space in use; PV_TEST_AS_BUDGETS_MIB
 * ("2048,4096,8192") measures at other limits. */
#define REACH_BUDGET_MIB 256ul

/* The length a doubling realloc vector of u64 reaches: the next doubling
 * was refused. */
static size_t realloc_reach(void) {
  uint64_t *d = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      size_t ncap = cap == 0 ? 1 : 2 * cap;
      void *nd = realloc(d, ncap * sizeof *d);
      if (nd == NULL) break;
      d = nd;
      cap = ncap;
    }
    d[len] = len;
    len++;
  }
  free(d);
  return len;
}

struct reach_arg {
  pv_grow grow;
  unsigned flags;
  size_t budget;
};

/* In the child: n[0] realloc's length, n[1] the vector's, n[2] growths that
 * kept the data where it was, n[3] growths. */
static void reach_child(cr_child_report *r, void *varg) {
  const struct reach_arg *a = varg;
  if (cap_address_space_by(r, a->budget) != 0) return;
  long long live0 = ru_live_bytes();
  r->n[0] = (unsigned long)realloc_reach();
  pv_vec v;
  pv_vec_opts o = {.elem_size = sizeof(uint64_t), .grow = a->grow, .flags = a->flags};
  int rc = pv_vec_init_opts(&v, &o);
  CHILD_CHECK(r, rc == 0, "init: %s", pv_errname(rc));
  if (rc != 0) return;
  uint64_t i = 0;
  for (;; i++) {
    void *was = v.data;
    size_t cap = v.cap;
    rc = pv_vec_push(&v, &i);
    if (rc != 0) break;
    if (v.cap != cap && cap != 0) {
      r->n[3]++;
      if (v.data == was) r->n[2]++;
    }
  }
  CHILD_CHECK(r, rc == PV_ENOMEM, "the refused push returned %s, want PV_ENOMEM",
              pv_errname(rc));
  CHILD_CHECK(r, v.len == i, "len %zu after %llu pushes", v.len, (unsigned long long)i);
  child_check_seq(r, &v, v.len, "after the refusal");
  r->n[1] = (unsigned long)i;
  rc = pv_vec_destroy(&v);
  CHILD_CHECK(r, rc == 0, "destroy: %s", pv_errname(rc));
  CHILD_CHECK(r, ru_live_bytes() == live0, "address space leaked");
}

/* Run the measurement at each budget; the ratio pv / realloc must be at
 * least min_ratio.  Without mremap a moving growth copies (into a fresh
 * reservation, or on every growth once the reservation fell back to the
 * exact size: lib/store_map.c, map_reservation), holding old and new at
 * once as COPY does, so there the floor is COPY's 0.5. */
static void run_reach(const char *name, pv_grow grow, unsigned flags, double min_ratio) {
  skip_if_unmeasurable();
  size_t budgets[8] = {REACH_BUDGET_MIB};
  size_t nb = 1;
  const char *env = getenv("PV_TEST_AS_BUDGETS_MIB");
  if (env != NULL && env[0] != '\0') {
    nb = 0;
    for (char *end; nb < 8 && *env != '\0'; env = *end == ',' ? end + 1 : end) {
      unsigned long mib = strtoul(env, &end, 10);
      cr_assert(end != env && mib > 0, "PV_TEST_AS_BUDGETS_MIB: bad list");
      budgets[nb++] = mib;
    }
  }
  const bool moves_pages = pv__os_caps_get()->can_remap || grow == PV_GROW_COPY;
  const double want = moves_pages || min_ratio < 0.5 ? min_ratio : 0.5;
  for (size_t b = 0; b < nb; b++) {
    struct reach_arg a = {grow, flags, (size_t)budgets[b] << 20};
    cr_child_report r = child_run(reach_child, &a);
    cr_assert_eq(r.failed, 0, "%s, %zu MiB: %s", name, budgets[b], r.msg);
    double ratio = (double)r.n[1] / (double)r.n[0];
    fprintf(stderr, "as-limit %s: RLIMIT_AS = in use + %zu MiB: realloc reached "
            "%lu MiB, paged_vec %lu MiB, ratio %.3f (%lu of %lu growths kept "
            "the address)\n", name, budgets[b], r.n[0] * 8 >> 20, r.n[1] * 8 >> 20,
            ratio, r.n[2], r.n[3]);
    if (forced_page() && min_ratio > 0.5)
      cr_skip_test("%s: ratio %.3f, not checked: " FORCED_PAGE_NOTE, name, ratio);
    cr_assert_geq(ratio, want, "%s, %zu MiB: paged_vec reached %lu MiB, "
                  "realloc %lu MiB", name, budgets[b], r.n[1] * 8 >> 20,
                  r.n[0] * 8 >> 20);
    if (flags & PV_VEC_MOVE_ON_GROW)
      cr_assert_eq(r.n[2], 0, "%s: %lu growths did not move", name, r.n[2]);
  }
}

Test(oom_reach, remap_reaches_realloc) { run_reach("remap", PV_GROW_REMAP, 0, 0.95); }
Test(oom_reach, remap_huge_reaches_realloc) {
  run_reach("remap huge", PV_GROW_REMAP, PV_VEC_HUGE, 0.95);
}
Test(oom_reach, move_on_grow_reaches_realloc) {
  run_reach("move_on_grow", PV_GROW_REMAP, PV_VEC_MOVE_ON_GROW, 0.95);
}
/* COPY holds the old and the new region during the copy: where realloc's
 * next doubling fits but old + new does not, it stops one doubling short. */
Test(oom_reach, copy_needs_old_and_new) { run_reach("copy", PV_GROW_COPY, 0, 0.5); }
/* A guarded growth whose reservation (or the move onto it) is refused
 * moves without one and makes the guard after (lib/store_map.c). */
Test(oom_reach, guard_reaches_realloc) {
  run_reach("guard", PV_GROW_REMAP, PV_VEC_GUARD, 0.95);
}

/* ---- the fallbacks fail all-or-nothing ----------------------------------- */

/* Size of the region whose growth or mapping must take the fallback: a
 * multiple of every huge page size in use, small enough to be quick. */
#define FALLBACK_BYTES ((size_t)32 << 20)

/* Map one page right after [addr, addr + len) (a hint: NULL when the
 * address was taken, which blocks growth in place just as well). */
static void *block_after(void *addr, size_t len) {
  char *end = (char *)addr + len;
  void *p = mmap(end, pv_page_size(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  if (p != end) {
    munmap(p, pv_page_size());
    return NULL;
  }
  return p;
}

/* A vector of FALLBACK_BYTES, full, whose doubling cannot grow in place and
 * whose aligned move does not fit under the limit (in use + 1.5x its size),
 * while the plain move, charged the growth only, does.  Fail the k-th OS
 * call for k = 1, 2, ...: each failure returns PV_ENOMEM and changes
 * nothing (struct, elements, address space held, mappings); the fault at
 * the fallback (the second call: the first is the remap itself) must be one
 * of them.  Then the unfaulted growth succeeds through the fallback. */
static void remap_fallback_faults(cr_child_report *r, void *varg) {
  const unsigned *flags = varg;
  pv_vec v;
  pv_vec_opts o = {.elem_size = sizeof(uint64_t), .flags = *flags};
  int rc = pv_vec_init_opts(&v, &o);
  if (rc == 0) rc = pv_vec_reserve_exact(&v, FALLBACK_BYTES / sizeof(uint64_t));
  CHILD_CHECK(r, rc == 0, "setup: %s", pv_errname(rc));
  if (rc != 0) return;
  for (uint64_t k = 0; v.len < v.cap; k++) pv_vec_push(&v, &k);
  void *blocker = (*flags & PV_VEC_MOVE_ON_GROW) ? NULL : block_after(v.data, pv__store_bytes(&v));
  if (cap_address_space_by(r, pv__store_bytes(&v) + pv__store_bytes(&v) / 2) != 0) return;
  long long live = ru_live_bytes();
  size_t maps = ru_maps_count();
  unsigned long fallback_failed = 0, failures = 0;
  for (unsigned long k = 1;; k++) {
    pv_vec before = v;
    pv__os_fault_set(k, PV_ENOMEM);
    rc = pv_vec_reserve(&v, v.cap - v.len + 1);
    unsigned long calls = pv__os_fault_calls();
    pv__os_fault_set(0, 0);
    if (rc == 0) {
      CHILD_CHECK(r, k > calls || k > 2, "fault %lu of %lu absorbed", k, calls);
      break;
    }
    failures++;
    if (k == 2 && calls == 2) fallback_failed = 1;
    CHILD_CHECK(r, rc == PV_ENOMEM, "fault %lu: %s", k, pv_errname(rc));
    CHILD_CHECK(r, memcmp(&v, &before, sizeof v) == 0, "fault %lu changed the vector", k);
    CHILD_CHECK(r, ru_live_bytes() == live, "fault %lu: address space held changed", k);
    CHILD_CHECK(r, ru_maps_count() == maps, "fault %lu: %zu mappings, was %zu", k,
                ru_maps_count(), maps);
    CHILD_CHECK(r, k <= calls, "refused with no fault left to inject: %s",
                pv_errname(rc));
    if (r->failed) break;
  }
  CHILD_CHECK(r, fallback_failed, "the fallback's fault point was not reached");
  CHILD_CHECK(r, pv__store_bytes(&v) >= 2 * FALLBACK_BYTES, "grew to %zu bytes", pv__store_bytes(&v));
  child_check_seq(r, &v, FALLBACK_BYTES / sizeof(uint64_t), "after the fallback");
  r->n[0] = failures;
  pv_vec_destroy(&v);
  if (blocker != NULL) munmap(blocker, pv_page_size());
}

static void run_remap_fallback(const char *name, unsigned flags) {
  skip_if_unmeasurable();
  if (!pv__os_caps_get()->can_remap) cr_skip_test("no mremap: no remap fallback");
  if (forced_page()) cr_skip_test("%s: " FORCED_PAGE_NOTE, name);
  cr_child_report r = child_run(remap_fallback_faults, &flags);
  cr_assert_eq(r.failed, 0, "%s: %s", name, r.msg);
  fprintf(stderr, "oom fallback %s: %lu injected faults refused cleanly, then "
          "the plain move grew the vector\n", name, r.n[0]);
}

Test(oom_fallback, remap_fallback_fault_changes_nothing) {
  run_remap_fallback("remap", 0);
}
Test(oom_fallback, move_on_grow_fallback_fault_changes_nothing) {
  run_remap_fallback("move_on_grow", PV_VEC_MOVE_ON_GROW);
}

/* A huge-aligned map whose over-reservation does not fit under the limit
 * (in use + the size + half a huge page) falls back to an exact map; fail
 * each OS call in turn: PV_ENOMEM, *p untouched, nothing held, and the
 * fault at the fallback (the second call) is among them. */
static void map_fallback_faults(cr_child_report *r, void *arg) {
  (void)arg;
  const size_t huge = pv__os_caps_get()->huge_page_size;
  if (cap_address_space_by(r, FALLBACK_BYTES + huge / 2) != 0) return;
  long long live = ru_live_bytes();
  size_t maps = ru_maps_count();
  unsigned long fallback_failed = 0;
  pv_pages p, junk;
  memset(&junk, 0x5a, sizeof junk);
  for (unsigned long k = 1;; k++) {
    p = junk;
    pv__os_fault_set(k, PV_ENOMEM);
    int rc = pv_pages_map(&p, FALLBACK_BYTES, PV_PROT_READ | PV_PROT_WRITE, PV_MAP_HUGE);
    unsigned long calls = pv__os_fault_calls();
    pv__os_fault_set(0, 0);
    if (rc == 0) {
      CHILD_CHECK(r, k > calls, "fault %lu of %lu absorbed", k, calls);
      break;
    }
    if (k == 2 && calls == 2) fallback_failed = 1;
    CHILD_CHECK(r, rc == PV_ENOMEM, "fault %lu: %s", k, pv_errname(rc));
    CHILD_CHECK(r, memcmp(&p, &junk, sizeof p) == 0, "fault %lu wrote *p", k);
    CHILD_CHECK(r, ru_live_bytes() == live, "fault %lu: address space held", k);
    CHILD_CHECK(r, ru_maps_count() == maps, "fault %lu: mappings", k);
    CHILD_CHECK(r, k <= calls, "refused with no fault left to inject: %s",
                pv_errname(rc));
    if (r->failed) return;
  }
  CHILD_CHECK(r, fallback_failed, "the fallback's fault point was not reached");
  CHILD_CHECK(r, p.len == FALLBACK_BYTES, "len %zu", p.len);
  unsigned char *b = p.addr;
  b[0] = 1;
  b[FALLBACK_BYTES - 1] = 2;
  r->n[0] = ((uintptr_t)p.addr & (huge - 1)) == 0;
  CHILD_CHECK(r, pv_pages_unmap(&p) == 0, "unmap");
  CHILD_CHECK(r, ru_live_bytes() == live, "leaked");
}

Test(oom_fallback, huge_map_fallback_fault_changes_nothing) {
  skip_if_unmeasurable();
  const pv__os_caps *c = pv__os_caps_get();
  if (c->huge_page_size <= c->alloc_granularity)
    cr_skip_test("no huge page larger than the mapping granule: nothing to align");
  cr_child_report r = child_run(map_fallback_faults, NULL);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
  fprintf(stderr, "oom fallback huge map: exact map, %s\n",
          r.n[0] ? "aligned by luck" : "not huge-aligned");
}

/* ---- pv_vec_read_fd running out midway ------------------------------------
 * In the capped child, a vector of 1000 elements reads a pipe that a
 * grandchild fills without end: the geometric growth runs into the limit
 * midway.  The refusal is PV_ENOMEM with len and the elements as before
 * (nread says how many bytes the pipe lost); a regular (sparse) file too
 * large for the budget is refused up front, before a byte is taken. */
static void read_refused(cr_child_report *r, void *arg) {
  (void)arg;
  int fds[2];
  if (pipe(fds) != 0) {
    child_fail(r, "pipe");
    return;
  }
  pid_t writer = fork();
  if (writer == 0) {
    close(fds[0]);
    static unsigned char buf[1 << 16];
    memset(buf, 0xab, sizeof buf);
    for (;;)
      if (write(fds[1], buf, sizeof buf) < 0) _exit(0); /* EPIPE: reader gone */
  }
  close(fds[1]);
  if (writer < 0) {
    child_fail(r, "fork");
    return;
  }
  signal(SIGPIPE, SIG_DFL);
  pv_vec v;
  int rc = pv_vec_init(&v, sizeof(uint64_t));
  CHILD_CHECK(r, rc == 0, "init: %s", pv_errname(rc));
  for (uint64_t i = 0; i < 1000 && rc == 0; i++) rc = pv_vec_push(&v, &i);
  CHILD_CHECK(r, rc == 0, "push: %s", pv_errname(rc));
  if (cap_address_space(r) != 0) return;
  size_t got = 0;
  rc = pv_vec_read_fd(&v, fds[0], 0, &got);
  CHILD_CHECK(r, rc == PV_ENOMEM, "read_fd past the limit: %s", pv_errname(rc));
  CHILD_CHECK(r, v.len == 1000, "len %zu after the refusal", v.len);
  CHILD_CHECK(r, got > BUDGET / 4, "refused after only %zu bytes", got);
  child_check_seq(r, &v, v.len, "after the refused read");
  r->n[0] = (unsigned long)(got >> 20);
  close(fds[0]);
  int status;
  waitpid(writer, &status, 0);
  char path[] = "/tmp/pv-oom-read-XXXXXX";
  int fd = mkstemp(path);
  CHILD_CHECK(r, fd >= 0 && ftruncate(fd, 2 * (off_t)BUDGET) == 0,
              "a sparse file of %zu MiB", 2 * BUDGET >> 20);
  if (fd >= 0) {
    pv_vec before = v;
    rc = pv_vec_read_fd(&v, fd, 0, &got);
    CHILD_CHECK(r, rc == PV_ENOMEM, "read_fd of a file past the limit: %s",
                pv_errname(rc));
    CHILD_CHECK(r, memcmp(&before, &v, sizeof v) == 0,
                "a refused file read changed the vector");
    CHILD_CHECK(r, lseek(fd, 0, SEEK_CUR) == 0, "the refused read took bytes");
    close(fd);
    unlink(path);
  }
  /* Still usable. */
  uint64_t x = 1000;
  rc = pv_vec_push(&v, &x);
  CHILD_CHECK(r, rc == 0, "push after the refusal: %s", pv_errname(rc));
  pv_vec_destroy(&v);
}

Test(oom, read_fd_refused_midway) {
  skip_if_unmeasurable();
  cr_child_report r = child_run(read_refused, NULL);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
  fprintf(stderr, "oom read_fd: refused after %lu MiB from the pipe\n", r.n[0]);
}

/*
 * tests/test_vec_populate.c - pv_vec_populate (vec.h, lib/store_populate.c):
 * after reserve + populate the committed capacity is resident, no byte
 * changed (elements, and older bytes past len after a truncate), len, cap
 * and data unchanged; with 0, 1, 2 and 64 threads, in every growth mode
 * (REMAP is RESERVE in a --disable-mremap build), with a guard page that
 * still faults, with huge pages, through the touching fallback (forced
 * through the fault seam: an injected PV_EINVAL at the populate call is
 * taken as a kernel without MADV_POPULATE_WRITE); the no-op cases (small,
 * empty, nothing past len), a frozen vector (PV_EACCES), every OS call
 * failed in turn (the code, and every committed byte unchanged), and
 * RLIMIT_AS in a forked child (no thread stack can be mapped: the caller
 * does all the work).  Bad input: tests/badinput_vec.def; the sweep over
 * every configuration: tests/test_fault_vec.c; under ThreadSanitizer:
 * tests/test_threads.c.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "childrun.h"
#include "paged_vec/typed.h"
#include "testutil.h"
#include "vecutil.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PV_POP_SANITIZED 1
#endif
#endif
#if PV__ASAN || defined(__SANITIZE_THREAD__)
#ifndef PV_POP_SANITIZED
#define PV_POP_SANITIZED 1
#endif
#endif

#define EXPECT_UNCHANGED(vp, code, call, what)                                \
  SW_EXPECT_UNCHANGED(vp, 0, 0, code, call, what)

static const unsigned THREADS[] = {0, 1, 2, 64};
#define NTHREADS (sizeof THREADS / sizeof THREADS[0])

/* The chunk unit the library uses: the huge page, else the page. */
static size_t unit(void) {
  size_t h = pv_huge_page_size();
  return h > pv_page_size() ? h : pv_page_size();
}

/* A capacity of three units and a few pages: several chunks, a partial
 * one at the end. */
static size_t cap_elems(size_t es) { return (3 * unit() + 5 * pv_page_size()) / es; }

/* Make the touching fallback this process's path from now on. */
static void force_touching(void) {
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, PV_VEC_PAGES);
  cr_assert_eq(pv_vec_reserve(&v, 1), 0, "reserve");
  pv__os_fault_set(1, PV_EINVAL);
  int rc = pv_vec_populate(&v, 1);
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, 0, "populate with the fallback forced: %s", pv_errname(rc));
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  cr_assert_eq(pv_cache_trim(), 0, "cache trim");
}

/* Destroy v and empty the region cache, so that the next vector's pages
 * come fresh from the kernel (zero, not resident). */
static void destroy_fresh(pv_vec *v, const char *what) {
  cr_assert_eq(pv_vec_destroy(v), 0, "%s: destroy", what);
  cr_assert_eq(pv_cache_trim(), 0, "%s: cache trim", what);
}

typedef struct mode {
  const char *name;
  pv_grow grow;
  unsigned flags;
  size_t es;
} mode;

static void init_mode(pv_vec *v, const mode *m) {
  vu_init(v, m->grow, m->es, m->grow == PV_GROW_STABLE ? 2 * cap_elems(m->es) : 0,
          m->flags);
}

/* The whole committed range is in RAM (where the platform can tell). */
static void assert_resident(const pv_vec *v, const char *what) {
  size_t r = 0;
  int rc = pv_vec_resident(v, &r);
  if (rc == PV_ENOTSUP) return;
  cr_assert_eq(rc, 0, "%s: resident: %s", what, pv_errname(rc));
  cr_assert_eq(r, pv__store_bytes(v), "%s: %zu of %zu bytes resident", what, r,
               pv__store_bytes(v));
}

/* reserve + populate on a fresh vector: all resident, still zero, len,
 * cap and data unchanged; then fill it. */
static void fresh(const mode *m, unsigned threads) {
  char what[96];
  snprintf(what, sizeof what, "%s, fresh, %u threads", m->name, threads);
  pv_vec v;
  init_mode(&v, m);
  cr_assert_eq(pv_vec_reserve_exact(&v, cap_elems(m->es)), 0, "%s: reserve", what);
  pv_vec was = v;
  int rc = pv_vec_populate(&v, threads);
  cr_assert_eq(rc, 0, "%s: populate: %s", what, pv_errname(rc));
  cr_assert_eq(memcmp(&v, &was, sizeof v), 0, "%s: the struct changed", what);
  assert_resident(&v, what);
  vu_unpoison(&v);
  cr_assert(tu_all_zero(v.data, pv__store_bytes(&v)), "%s: fresh bytes not zero", what);
  size_t room = 0;
  unsigned char *p = pv_vec_spare(&v, &room);
  cr_assert_eq(room, v.cap, "%s: spare", what);
  tu_fill(p, room * m->es, 7);
  cr_assert_eq(pv_vec_set_len(&v, room), 0, "%s: set_len", what);
  cr_assert_eq(tu_check(v.data, room * m->es, 7), room * m->es, "%s: fill", what);
  destroy_fresh(&v, what);
}

/* Fill the capacity with a pattern, truncate to a length that ends inside
 * a page, optionally trim, populate: every byte that was there is still
 * there (trimmed pages read as zero where decommit zeroes them). */
static void kept(const mode *m, unsigned threads, bool trim) {
  char what[96];
  snprintf(what, sizeof what, "%s, pattern%s, %u threads", m->name,
           trim ? " trimmed" : "", threads);
  pv_vec v;
  init_mode(&v, m);
  size_t n = cap_elems(m->es);
  void *first;
  cr_assert_eq(pv_vec_extend_uninit(&v, n, &first), 0, "%s: extend", what);
  vu_unpoison(&v);
  size_t held = pv__store_bytes(&v);
  tu_fill(v.data, held, 3);
  size_t len = n / 3 + 1;
  cr_assert_eq(pv_vec_truncate(&v, len), 0, "%s: truncate", what);
  size_t keep = held;
  if (trim) {
    cr_assert_eq(pv_vec_trim(&v), 0, "%s: trim", what);
    size_t page = pv_page_size();
    keep = (len * m->es + page - 1) / page * page;
  }
  pv_vec was = v;
  int rc = pv_vec_populate(&v, threads);
  cr_assert_eq(rc, 0, "%s: populate: %s", what, pv_errname(rc));
  cr_assert_eq(memcmp(&v, &was, sizeof v), 0, "%s: the struct changed", what);
  assert_resident(&v, what);
  vu_unpoison(&v);
  size_t bad = tu_check(v.data, keep, 3);
  cr_assert_eq(bad, keep, "%s: byte %zu of %zu changed", what, bad, keep);
  if (trim && vu_caps()->decommit_zeroes)
    cr_assert(tu_all_zero((char *)v.data + keep, held - keep),
              "%s: trimmed bytes not zero", what);
  destroy_fresh(&v, what);
}

static void run_mode(const mode *m) {
  for (size_t i = 0; i < NTHREADS; i++) {
    fresh(m, THREADS[i]);
    kept(m, THREADS[i], false);
    kept(m, THREADS[i], true);
  }
}

#define MODES(X)                                                               \
  X(remap, PV_GROW_REMAP, 0, 8)                                                \
  X(remap_odd_size, PV_GROW_REMAP, 0, 24)                                      \
  X(stable, PV_GROW_STABLE, 0, 8)                                              \
  X(copy, PV_GROW_COPY, 0, 8)                                                  \
  X(guard, PV_GROW_REMAP, PV_VEC_GUARD, 8)                                     \
  X(stable_guard, PV_GROW_STABLE, PV_VEC_GUARD, 8)                             \
  X(huge, PV_GROW_REMAP, PV_VEC_HUGE, 8)                                       \
  X(no_huge, PV_GROW_REMAP, PV_VEC_NO_HUGE, 8)                                 \
  X(default_mode, PV_GROW_DEFAULT, 0, 8)

#define MODE_TESTS(id, grow, flags, es)                                        \
  Test(populate, id) {                                                         \
    const mode m = {#id, grow, flags, es};                                     \
    run_mode(&m);                                                              \
  }                                                                            \
  Test(populate_touching, id) {                                                \
    force_touching();                                                          \
    const mode m = {#id " (touching)", grow, flags, es};                       \
    run_mode(&m);                                                              \
  }
MODES(MODE_TESTS)

/* In a build without mremap the default REMAP vector is held as a
 * reservation committed in place: the test above ran on it. */
Test(populate, kind_of_remap_is_reserve_without_mremap) {
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, PV_VEC_PAGES);
  cr_assert_eq(pv_vec_reserve(&v, 1), 0, "reserve");
  pv__store_kind want = vu_caps()->can_remap ? PV__STORE_REMAP : PV__STORE_RESERVE;
  cr_assert_eq(pv__store_inspect(&v).kind, want, "kind");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* Huge pages: a huge vector populated with 2 threads is backed by huge
 * pages where the kernel gives them (THP "always" or "madvise"). */
Test(populate, huge_vector_gets_huge_pages) {
  size_t h = pv_huge_page_size();
  if (h == 0 || !vu_caps()->thp) cr_skip_test("no transparent huge pages here");
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, PV_VEC_HUGE);
  cr_assert_eq(pv_vec_reserve_exact(&v, 4 * h / 8), 0, "reserve");
  cr_assert_eq((uintptr_t)v.data % h, 0, "a huge vector starts on a huge page");
  cr_assert_eq(pv_vec_populate(&v, 2), 0, "populate");
  size_t huge = 0;
  if (!ru_anon_huge(v.data, pv__store_bytes(&v), &huge))
    cr_skip_test("no AnonHugePages in smaps");
  /* Not asserted to be all: THP may be out of huge pages.  Report it. */
  fprintf(stderr, "populate: %zu of %zu bytes in huge pages\n", huge,
          pv__store_bytes(&v));
  assert_resident(&v, "huge");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* ---- the guard page still faults ------------------------------------------ */

static void write_past_populated_guard(bool touching) {
  if (touching) force_touching();
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, PV_VEC_GUARD);
  cr_assert_eq(pv_vec_reserve_exact(&v, cap_elems(8)), 0, "reserve");
  cr_assert_eq(pv_vec_populate(&v, 2), 0, "populate");
  assert_resident(&v, "guard");
  volatile char *guard = (char *)v.data + pv__store_bytes(&v);
  *guard = 1; /* must fault */
}

Test(populate, guard_page_still_faults, .signal = SIGSEGV) {
  write_past_populated_guard(false);
}
Test(populate_touching, guard_page_still_faults, .signal = SIGSEGV) {
  write_past_populated_guard(true);
}

/* ---- where it cannot help: no-op successes --------------------------------- */

Test(populate, small_vector_is_a_noop) {
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 8, 0, 0);
  vu_push_seq(&v, 0, 5);
  cr_assert_eq(pv__store_inspect(&v).kind, PV__STORE_SMALL, "small");
  for (size_t i = 0; i < NTHREADS; i++)
    EXPECT_UNCHANGED(&v, 0, pv_vec_populate(&v, THREADS[i]), "small");
  vu_check_seq(&v, 5);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(populate, empty_vector_is_a_noop) {
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, PV_VEC_PAGES);
  EXPECT_UNCHANGED(&v, 0, pv_vec_populate(&v, 2), "empty, nothing mapped");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  vu_init(&v, PV_GROW_STABLE, 8, 1000, 0);
  EXPECT_UNCHANGED(&v, 0, pv_vec_populate(&v, 2), "STABLE, reserved only");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* len == cap filling whole pages: nothing past len, no OS call. */
Test(populate, nothing_past_len_is_a_noop) {
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, PV_VEC_PAGES);
  cr_assert_eq(pv_vec_reserve_exact(&v, 4 * pv_page_size() / 8), 0, "reserve");
  vu_push_seq(&v, 0, v.cap);
  cr_assert_eq(v.cap * 8, pv__store_bytes(&v), "whole pages");
  /* Any OS call would fail. */
  SW_EXPECT_UNCHANGED(&v, 1, PV_ENOMEM, 0, pv_vec_populate(&v, 2), "full");
  vu_check_seq(&v, v.cap);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* Read-only pages cannot be populated for writing: PV_EACCES, as every
 * mutator answers for a frozen vector. */
Test(populate, frozen_vector_is_eacces) {
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, PV_VEC_PAGES);
  cr_assert_eq(pv_vec_reserve_exact(&v, cap_elems(8)), 0, "reserve");
  vu_push_seq(&v, 0, 10);
  cr_assert_eq(pv_vec_freeze(&v), 0, "freeze");
  for (size_t i = 0; i < NTHREADS; i++)
    EXPECT_UNCHANGED(&v, PV_EACCES, pv_vec_populate(&v, THREADS[i]), "frozen");
  cr_assert_eq(pv_vec_thaw(&v), 0, "thaw");
  cr_assert_eq(pv_vec_populate(&v, 2), 0, "thawed");
  vu_check_seq(&v, 10);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(populate, null_and_destroyed_are_einval) {
  cr_assert_eq(pv_vec_populate(NULL, 2), PV_EINVAL, "NULL");
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, 0);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_populate(&v, 2), "destroyed");
}

/* ---- every OS call failed in turn ----------------------------------------- */

/*
 * Fail call 1, 2, ... of one populate with PV_ENOMEM until it completes
 * without reaching the fault.  Each failed call returns PV_ENOMEM with
 * every committed byte (past len too), the struct and the private state
 * as they were; an absorbed one (the CPU count, the helpers' handles, a
 * thread that does not start) succeeds with everything resident.  Then the
 * retry succeeds.  Returns the number of failures seen.
 */
static unsigned long sweep_populate(unsigned threads) {
  unsigned long failed = 0, absorbed = 0;
  for (unsigned long n = 1;; n++) {
    cr_assert_lt(n, 1000ul, "the sweep does not end");
    pv_vec v;
    vu_init(&v, PV_GROW_REMAP, 8, 0, PV_VEC_PAGES);
    cr_assert_eq(pv_vec_reserve_exact(&v, cap_elems(8)), 0, "reserve");
    vu_unpoison(&v);
    size_t held = pv__store_bytes(&v);
    /* A pattern in a few pages past len, the rest never touched. */
    tu_fill(v.data, 3 * pv_page_size(), 11);
    vu_push_seq(&v, 0, 100);
    unsigned char *copy = malloc(3 * pv_page_size());
    cr_assert_not_null(copy);
    memcpy(copy, v.data, 3 * pv_page_size());
    pv_vec was = v;
    pv__store_info st = pv__store_inspect(&v);
    pv__os_fault_set(n, PV_ENOMEM);
    int rc = pv_vec_populate(&v, threads);
    unsigned long calls = pv__os_fault_calls();
    pv__os_fault_set(0, 0);
    char what[96];
    snprintf(what, sizeof what, "%u threads, PV_ENOMEM at OS call %lu", threads, n);
    cr_assert_eq(memcmp(&v, &was, sizeof v), 0, "%s: struct changed", what);
    pv__store_info st2 = pv__store_inspect(&v);
    cr_assert_eq(memcmp(&st, &st2, sizeof st), 0, "%s: private state changed", what);
    vu_unpoison(&v);
    cr_assert_eq(memcmp(copy, v.data, 3 * pv_page_size()), 0, "%s: bytes changed", what);
    free(copy);
    bool done = calls < n;
    if (rc == 0) {
      if (!done) absorbed++;
      assert_resident(&v, what);
      cr_assert(tu_all_zero((char *)v.data + 3 * pv_page_size(),
                            held - 3 * pv_page_size()),
                "%s: fresh bytes not zero", what);
    } else {
      cr_assert(!done, "%s: failed without a fault: %s", what, pv_errname(rc));
      cr_assert_eq(rc, PV_ENOMEM, "%s: returned %s", what, pv_errname(rc));
      failed++;
      cr_assert_eq(pv_vec_populate(&v, threads), 0, "%s: retry", what);
      assert_resident(&v, what);
    }
    vu_check_seq(&v, 100);
    destroy_fresh(&v, what);
    if (done) break;
  }
  fprintf(stderr, "populate sweep, %u threads: %lu failures, %lu absorbed\n", threads,
          failed, absorbed);
  return failed;
}

Test(populate_fault, every_call_fails_in_turn) {
  for (size_t i = 0; i < NTHREADS; i++)
    cr_assert_gt(sweep_populate(THREADS[i]), 0, "no fault point reached");
}

Test(populate_fault, every_call_fails_in_turn_touching) {
  force_touching();
  for (size_t i = 0; i < NTHREADS; i++)
    cr_assert_gt(sweep_populate(THREADS[i]), 0, "no fault point reached");
}

/* Helpers that cannot be had leave their share to the caller: with no
 * memory for their handles the call still succeeds, all resident (a thread
 * that does not start: the sweep above, and RLIMIT_AS below). */
Test(populate_fault, no_helpers) {
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, PV_VEC_PAGES);
  cr_assert_eq(pv_vec_reserve_exact(&v, cap_elems(8)), 0, "reserve");
  /* The first call of a populate with explicit threads is the fault seam of
   * the helpers' handles, then each thread start: fail the handles. */
  pv__os_fault_set(1, PV_ENOMEM);
  int rc = pv_vec_populate(&v, 4);
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, 0, "populate without helpers: %s", pv_errname(rc));
  assert_resident(&v, "no helpers");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* ---- RLIMIT_AS: no thread stack can be mapped ------------------------------ */

static void populate_capped(cr_child_report *r, void *arg) {
  (void)arg;
  pv_vec v;
  pv_vec_opts o = {.elem_size = 8, .flags = PV_VEC_PAGES};
  CHILD_CHECK(r, pv_vec_init_opts(&v, &o) == 0, "init");
  CHILD_CHECK(r, pv_vec_reserve_exact(&v, cap_elems(8)) == 0, "reserve");
  if (r->failed) return;
  vu_unpoison(&v);
  size_t held = pv__store_bytes(&v), page = pv_page_size(), cap = v.cap;
  tu_fill(v.data, held / 2, 5); /* half written before, half fresh */
  size_t now = child_vm_size();
  CHILD_CHECK(r, now != 0, "cannot read VmSize");
  /* Room for a page table or two, not for a thread's stack. */
  struct rlimit rl = {now + 16 * page, now + 16 * page};
  CHILD_CHECK(r, setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit");
  if (r->failed) return;
  int rc = pv_vec_populate(&v, 4);
  CHILD_CHECK(r, rc == 0, "populate under RLIMIT_AS: %s", pv_errname(rc));
  size_t res = 0;
  if (pv_vec_resident(&v, &res) == 0)
    CHILD_CHECK(r, res == held, "%zu of %zu resident", res, held);
  CHILD_CHECK(r, tu_check(v.data, held / 2, 5) == held / 2, "written bytes changed");
  CHILD_CHECK(r, tu_all_zero((char *)v.data + held / 2, held - held / 2),
              "fresh bytes not zero");
  CHILD_CHECK(r, v.len == 0 && v.cap == cap, "len/cap changed");
}

Test(populate, under_rlimit_as_the_caller_does_the_work) {
#ifdef PV_POP_SANITIZED
  cr_skip_test("built with a sanitizer: its shadow memory makes RLIMIT_AS meaningless");
#endif
  const char *pre = getenv("LD_PRELOAD");
  if (pre != NULL && strstr(pre, "vgpreload") != NULL)
    cr_skip_test("under valgrind: RLIMIT_AS would limit valgrind");
  cr_child_report r = child_run(populate_capped, NULL);
  cr_assert(!r.failed, "%s", r.msg);
}

/* ---- the typed layer ------------------------------------------------------- */

PV_VEC_DEFINE(pop_u64, uint64_t);

Test(populate, typed_reserve_populate_fill) {
  pop_u64 a;
  cr_assert_eq(pop_u64_init(&a), 0, "init");
  size_t n = cap_elems(8);
  cr_assert_eq(pop_u64_reserve(&a, n), 0, "reserve");
  cr_assert_eq(pop_u64_populate(&a, 2), 0, "populate");
  for (size_t i = 0; i < n; i++) cr_assert_eq(pop_u64_push(&a, i), 0, "push");
  for (size_t i = 0; i < n; i++) cr_assert_eq(*pop_u64_at(&a, i), i, "element %zu", i);
  cr_assert_eq(pop_u64_frozen(&a), false);
  pop_u64_destroy(&a);
}

/*
 * tests/test_store.c - the storage layer (lib/store.h): the small phase
 * (a default vector in malloc'd memory until its capacity reaches the
 * threshold), crossing into pages, freezing a small vector, shrinking back
 * below the threshold, PV_VEC_PAGES and the options that skip the phase,
 * the huge-page rounding that shrink keeps, and every failure on the way
 * (fault injection at each call: code checked, vector unchanged).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#include "childrun.h"
#include "paged_vec/typed.h"
#include "vecutil.h"

PV_VEC_DEFINE(u64vec, uint64_t);

static pv__store_kind kind(const pv_vec *v) { return pv__store_inspect(v).kind; }

static bool small(const pv_vec *v) { return kind(v) == PV__STORE_SMALL; }

/* The kind a default REMAP vector takes in pages. */
static pv__store_kind remap_kind(void) {
  return vu_caps()->can_remap ? PV__STORE_REMAP : PV__STORE_RESERVE;
}

/* Elements of 8 bytes that fit below the threshold. */
static size_t below_threshold(void) { return pv__store_small_max() / 8 - 1; }

static bool huge_usable(void) {
  const pv__os_caps *c = vu_caps();
  size_t h = c->huge_page_size;
  return c->thp && h > c->alloc_granularity && (h & (h - 1)) == 0;
}

/* ---- the phase ------------------------------------------------------------ */

Test(store, struct_is_six_words) {
  cr_assert_leq(sizeof(pv_vec), 6 * sizeof(void *), "sizeof(pv_vec) = %zu",
                sizeof(pv_vec));
}

/* docs/container.md: a first capacity of 16 elements, at least 128 bytes
 * and at most 1 KiB, and never fewer than 4 elements.  Written out per
 * range rather than by store_small.c's formula. */
static size_t first_cap_of(size_t es) {
  if (es <= 8) return 128 / es;   /* 128 bytes: 128 .. 16 elements */
  if (es <= 64) return 16;        /* 16 elements: 144 bytes .. 1 KiB */
  if (es <= 256) return 1024 / es; /* 1 KiB: 15 .. 4 elements */
  return 4;
}

Test(store, the_first_capacity_is_16_elements_within_128_bytes_and_1_KiB) {
  static unsigned char elem[2048];
  for (size_t es = 1; es <= sizeof elem; es++) {
    pv_vec v;
    cr_assert_eq(pv_vec_init(&v, es), 0, "init es %zu", es);
    cr_assert_eq(pv_vec_push(&v, elem), 0, "push es %zu", es);
    size_t want = first_cap_of(es);
    cr_assert_eq(v.cap, want, "es %zu: first capacity %zu, want %zu", es, v.cap, want);
    cr_assert(small(&v), "es %zu: not small", es);
    cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  }
}

Test(store, default_vector_starts_small_without_os_calls) {
  long long live = ru_live_bytes();
  pv__os_fault_set(0, 0); /* zeroes the call counter */
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  cr_assert(small(&v), "held as %d", (int)kind(&v));
  vu_push_seq(&v, 0, 16);
  vu_check_seq(&v, 16);
  cr_assert(small(&v), "16 elements left the small phase");
  cr_assert_eq(ru_live_bytes(), live, "a small vector mapped pages");
  /* Only the seam checks of malloc/realloc, no mapping. */
  cr_assert_leq(pv__os_fault_calls(), 16, "%lu fallible calls", pv__os_fault_calls());
  cr_assert_eq((uintptr_t)v.data % alignof(max_align_t), 0, "data %p", v.data);
  cr_assert_eq(pv__store_bytes(&v), v.cap * 8, "a small block is exactly cap");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  cr_assert_eq(ru_live_bytes(), live, "leak");
}

/* Push one by one: the vector stays small while its capacity is below the
 * threshold, then moves once into pages, page-aligned, elements intact. */
static void cross(pv_grow g, pv__store_kind want) {
  long long live = ru_live_bytes();
  pv_vec v;
  vu_init(&v, g, 8, 0, 0);
  size_t t = pv__store_small_max(), last_small = 0;
  while (small(&v)) {
    cr_assert_lt(v.cap * 8, t, "small with %zu bytes, threshold %zu", v.cap * 8, t);
    last_small = v.cap;
    vu_push_seq(&v, v.len, 1);
  }
  cr_assert_eq(kind(&v), want, "in pages as %d, want %d", (int)kind(&v), (int)want);
  cr_assert_gt(last_small, 0, "never small");
  cr_assert_geq(v.cap * 8, t, "moved at %zu bytes, below the threshold %zu",
                v.cap * 8, t);
  cr_assert_eq((uintptr_t)v.data % pv_page_size(), 0, "not page-aligned");
  if (huge_usable())
    cr_assert_eq((uintptr_t)v.data % vu_caps()->huge_page_size, 0,
                 "past one huge page, not huge-aligned");
  cr_assert_gt(ru_live_bytes(), live, "no mapping");
  vu_push_seq(&v, v.len, 3 * t / 8);
  vu_check_seq(&v, v.len);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  cr_assert_eq(ru_live_bytes(), live, "leak");
}

Test(store, remap_crosses_the_threshold_into_pages) { cross(PV_GROW_REMAP, remap_kind()); }
Test(store, copy_crosses_the_threshold_into_pages) { cross(PV_GROW_COPY, PV__STORE_COPY); }

Test(store, typed_push_crosses_the_threshold) {
  u64vec v;
  cr_assert_eq(u64vec_init(&v), 0, "init");
  size_t n = 2 * pv__store_small_max() / 8;
  for (size_t i = 0; i < n; i++) cr_assert_eq(u64vec_push(&v, i), 0, "push %zu", i);
  cr_assert(!small(&v.v), "still small");
  for (size_t i = 0; i < n; i++) cr_assert_eq(*u64vec_at(&v, i), i, "element %zu", i);
  uint64_t x;
  cr_assert_eq(u64vec_pop(&v, &x), 0, "pop");
  cr_assert_eq(x, n - 1, "popped");
  cr_assert_eq(u64vec_destroy(&v), 0, "destroy");
}

Test(store, reserve_exact_past_the_threshold_goes_straight_to_pages) {
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  vu_push_seq(&v, 0, 5);
  size_t want = pv__store_small_max() / 8;
  cr_assert_eq(pv_vec_reserve_exact(&v, want), 0, "reserve_exact");
  cr_assert(!small(&v), "still small");
  cr_assert_geq(v.cap, want + 5, "cap");
  vu_check_seq(&v, 5);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(store, initial_capacity_below_the_threshold_is_small_and_exact) {
  pv_vec_opts o = {.elem_size = 24, .initial_cap = 7};
  pv_vec v;
  cr_assert_eq(pv_vec_init_opts(&v, &o), 0, "init");
  cr_assert(small(&v), "not small");
  cr_assert_eq(v.cap, 7, "cap %zu", v.cap);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(store, pages_flag_and_the_page_options_skip_the_phase) {
  const struct {
    pv_vec_opts o;
    const char *what;
  } cases[] = {
      {{.elem_size = 8, .flags = PV_VEC_PAGES}, "PV_VEC_PAGES"},
      {{.elem_size = 8, .grow = PV_GROW_COPY, .flags = PV_VEC_PAGES}, "COPY + PAGES"},
      {{.elem_size = 8, .flags = PV_VEC_GUARD}, "PV_VEC_GUARD"},
      {{.elem_size = 8, .flags = PV_VEC_MOVE_ON_GROW}, "PV_VEC_MOVE_ON_GROW"},
      {{.elem_size = 8, .flags = PV_VEC_HUGE}, "PV_VEC_HUGE"},
      {{.elem_size = 8, .grow = PV_GROW_STABLE, .max_len = 1000}, "STABLE"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    long long live = ru_live_bytes();
    pv_vec v;
    cr_assert_eq(pv_vec_init_opts(&v, &cases[i].o), 0, "%s: init", cases[i].what);
    cr_assert(!small(&v), "%s: small", cases[i].what);
    vu_push_seq(&v, 0, 1);
    cr_assert_eq((uintptr_t)v.data % pv_page_size(), 0, "%s: first element not "
                 "page-aligned", cases[i].what);
    cr_assert_gt(ru_live_bytes(), live, "%s: no pages", cases[i].what);
    cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  }
}

/* ---- what a small vector answers ------------------------------------------ */

Test(store, trim_advise_resident_of_a_small_vector) {
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  vu_push_seq(&v, 0, 100);
  cr_assert_eq(pv_vec_truncate(&v, 3), 0, "truncate");
  sw_snap s;
  sw_take_vec(&s, &v);
  cr_assert_eq(pv_vec_trim(&v), 0, "trim");
  sw_assert_same(&s, "trim of a small vector");
  cr_assert_eq(pv_vec_advise(&v, PV_ADVISE_WILLNEED), 0, "advise");
  sw_assert_same(&s, "advise of a small vector");
  size_t bytes = 0;
  int rc = pv_vec_resident(&v, &bytes);
  if (vu_caps()->can_resident) {
    cr_assert_eq(rc, 0, "resident: %s", pv_errname(rc));
    cr_assert_eq(bytes, v.cap * 8, "resident %zu, the block is %zu", bytes, v.cap * 8);
  } else {
    cr_assert_eq(rc, PV_ENOTSUP, "resident: %s", pv_errname(rc));
  }
  sw_drop(&s);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(store, shrink_of_a_small_vector_is_exact) {
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  vu_push_seq(&v, 0, 100);
  cr_assert_eq(pv_vec_truncate(&v, 37), 0, "truncate");
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink");
  cr_assert_eq(v.cap, 37, "cap %zu", v.cap);
  vu_check_seq(&v, 37);
  cr_assert_eq(pv_vec_clear(&v), 0, "clear");
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink empty");
  cr_assert_eq(v.cap, 0, "cap %zu", v.cap);
  cr_assert_null(v.data, "data %p", v.data);
  vu_push_seq(&v, 0, 10);
  vu_check_seq(&v, 10);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* Once in pages a vector stays in pages (vec.h): shrinking below the
 * threshold keeps whole pages, shrinking to nothing releases them. */
Test(store, shrinking_back_below_the_threshold_stays_in_pages) {
  long long live = ru_live_bytes();
  pv_vec_opts o = {.elem_size = 8, .flags = PV_VEC_NO_HUGE};
  pv_vec v;
  cr_assert_eq(pv_vec_init_opts(&v, &o), 0, "init");
  vu_push_seq(&v, 0, 2 * pv__store_small_max() / 8);
  pv__store_kind k = kind(&v);
  cr_assert_neq(k, PV__STORE_SMALL, "not in pages");
  cr_assert_eq(pv_vec_truncate(&v, 10), 0, "truncate");
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink");
  cr_assert_eq(kind(&v), k, "changed phase");
  cr_assert_eq(v.cap, pv_page_size() / 8, "cap %zu: one page", v.cap);
  cr_assert_eq((uintptr_t)v.data % pv_page_size(), 0, "not page-aligned");
  vu_check_seq(&v, 10);
  cr_assert_eq(pv_vec_clear(&v), 0, "clear");
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink empty");
  cr_assert_eq(v.cap, 0, "cap %zu", v.cap);
  cr_assert_eq(kind(&v), k, "changed phase");
  if (vu_caps()->can_remap)
    cr_assert_eq(ru_live_bytes(), live, "pages kept after shrinking to nothing");
  vu_push_seq(&v, 0, 10); /* pages again, from the first element */
  cr_assert_eq((uintptr_t)v.data % pv_page_size(), 0, "not page-aligned");
  vu_check_seq(&v, 10);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  cr_assert_eq(ru_live_bytes(), live, "leak");
}

/* ---- freezing a small vector ---------------------------------------------- */

Test(store, freezing_a_small_vector_moves_it_into_read_only_pages) {
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  vu_push_seq(&v, 0, 20);
  size_t cap = v.cap;
  cr_assert_eq(pv_vec_freeze(&v), 0, "freeze");
  cr_assert(pv_vec_frozen(&v), "not frozen");
  cr_assert(!small(&v), "still small");
  cr_assert_eq((uintptr_t)v.data % pv_page_size(), 0, "not page-aligned");
  cr_assert_geq(v.cap, cap, "cap lowered");
  vu_check_seq(&v, 20);
  cr_assert_eq(pv_vec_push(&v, &(uint64_t){1}), PV_EACCES, "push frozen");
  cr_assert_eq(pv_vec_thaw(&v), 0, "thaw");
  cr_assert(!small(&v), "back to small on thaw");
  vu_push_seq(&v, 20, 5);
  vu_check_seq(&v, 25);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(store, raw_write_to_a_frozen_small_vector_faults, .signal = SIGSEGV) {
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  vu_push_seq(&v, 0, 3);
  ((volatile uint64_t *)v.data)[1] = 7; /* writable before the freeze */
  cr_assert_eq(pv_vec_freeze(&v), 0, "freeze");
  ((volatile uint64_t *)v.data)[1] = 8;
}

Test(store, freezing_an_empty_small_vector) {
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  cr_assert_eq(pv_vec_freeze(&v), 0, "freeze");
  cr_assert(pv_vec_frozen(&v), "not frozen");
  cr_assert_eq(v.pv_room, 0, "room while frozen");
  cr_assert_eq(pv_vec_push(&v, &(uint64_t){1}), PV_EACCES, "push frozen");
  cr_assert_eq(pv_vec_thaw(&v), 0, "thaw");
  vu_push_seq(&v, 0, 3);
  vu_check_seq(&v, 3);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* ---- failures: each call in turn, code checked, nothing changed ----------- */

typedef int (*vec_op)(pv_vec *);

/* Build with `build`, then for k = 1, 2, ... fail the k-th fallible call of
 * `op`: it returns the injected code with the vector unchanged, or
 * succeeds (the failed call was a hint: huge-page advice), and succeeds
 * once k passes the calls it makes.  No leak either way. */
static void each_failure(void (*build)(pv_vec *), vec_op op, const char *what) {
  long long live = ru_live_bytes();
  unsigned failures = 0;
  for (unsigned long k = 1;; k++) {
    pv_vec v;
    build(&v);
    sw_snap s;
    sw_take_vec(&s, &v);
    pv__os_fault_set(k, PV_ENOMEM);
    int rc = op(&v);
    bool fired = k <= pv__os_fault_calls();
    pv__os_fault_set(0, 0);
    if (fired && rc != 0) {
      cr_assert_eq(rc, PV_ENOMEM, "%s: fault %lu gave %s", what, k, pv_errname(rc));
      sw_assert_failed(&s, rc, PV_ENOMEM, what);
      failures++;
    } else {
      cr_assert_eq(rc, 0, "%s: %s", what, pv_errname(rc));
    }
    sw_drop(&s);
    cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
    cr_assert_eq(ru_live_bytes(), live, "%s fault %lu: %lld bytes leaked", what, k,
                 ru_live_bytes() - live);
    if (!fired) break;
  }
  cr_assert_gt(failures, 0, "%s: no fallible call", what);
}

/* A small vector whose next growth crosses the threshold. */
static void build_at_threshold(pv_vec *v) {
  cr_assert_eq(pv_vec_init(v, 8), 0, "init");
  vu_push_seq(v, 0, 1);
  cr_assert_eq(pv_vec_reserve_exact(v, below_threshold() - 1), 0, "reserve");
  vu_push_seq(v, 1, v->cap - v->len);
  cr_assert(small(v) && v->len == v->cap, "setup: small and full");
}
static void build_small(pv_vec *v) {
  cr_assert_eq(pv_vec_init(v, 8), 0, "init");
  vu_push_seq(v, 0, 4);
  while (v->len < v->cap) vu_push_seq(v, v->len, 1);
}
static void build_small_slack(pv_vec *v) {
  build_small(v);
  cr_assert_eq(pv_vec_truncate(v, 1), 0, "truncate");
}
static void build_empty(pv_vec *v) { cr_assert_eq(pv_vec_init(v, 8), 0, "init"); }

static int op_push(pv_vec *v) { return pv_vec_push(v, &(uint64_t){42}); }
static int op_freeze(pv_vec *v) { return pv_vec_freeze(v); }
static int op_shrink(pv_vec *v) { return pv_vec_shrink_to_fit(v); }
static pv_vec copy_src; /* past the threshold, made by the test */
static int op_copy_big(pv_vec *v) { return pv_vec_copy(v, &copy_src); }

Test(store_fault, the_move_into_pages) {
  each_failure(build_at_threshold, op_push, "push across the threshold");
}
Test(store_fault, a_small_growth) { each_failure(build_small, op_push, "small push"); }
Test(store_fault, the_first_allocation) { each_failure(build_empty, op_push, "first push"); }
Test(store_fault, freezing_a_small_vector) {
  each_failure(build_small, op_freeze, "freeze small");
}
Test(store_fault, freezing_an_empty_small_vector) {
  each_failure(build_empty, op_freeze, "freeze empty small");
}
Test(store_fault, shrinking_a_small_vector) {
  each_failure(build_small_slack, op_shrink, "shrink small");
}
Test(store_fault, copying_past_the_threshold) {
  cr_assert_eq(pv_vec_init(&copy_src, 8), 0, "source");
  cr_assert_eq(pv_vec_resize(&copy_src, 2 * below_threshold(), NULL), 0, "source");
  each_failure(build_small, op_copy_big, "copy past the threshold");
  cr_assert_eq(pv_vec_destroy(&copy_src), 0, "destroy source");
}

Test(store_fault, init_refused_leaves_v_untouched) {
  const pv_vec_opts cases[] = {
      {.elem_size = 8, .initial_cap = 5},       /* the small block */
      {.elem_size = 8, .flags = PV_VEC_PAGES},  /* the state block */
      {.elem_size = 8, .initial_cap = 1u << 20} /* straight into pages */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    long long live = ru_live_bytes();
    for (unsigned long k = 1;; k++) {
      pv_vec v, junk;
      memset(&v, 0x5a, sizeof v);
      junk = v;
      pv__os_fault_set(k, PV_ENOMEM);
      int rc = pv_vec_init_opts(&v, &cases[i]);
      bool fired = k <= pv__os_fault_calls();
      pv__os_fault_set(0, 0);
      if (rc == 0) { /* past its calls, or the failed call was a hint */
        cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
        if (!fired) break;
        continue;
      }
      cr_assert_eq(rc, PV_ENOMEM, "case %zu fault %lu: %s", i, k, pv_errname(rc));
      cr_assert_eq(memcmp(&v, &junk, sizeof v), 0, "case %zu: *v written", i);
      cr_assert_eq(ru_live_bytes(), live, "case %zu fault %lu: leak", i, k);
    }
  }
}

/* ---- shrink keeps the huge-page rounding (vec.h) ---------------------------- */

Test(store, shrink_keeps_whole_huge_pages_for_pv_vec_huge) {
  if (!huge_usable()) cr_skip_test("no usable transparent huge pages");
  size_t h = vu_caps()->huge_page_size;
  pv_vec_opts o = {.elem_size = sizeof(int), .flags = PV_VEC_HUGE};
  pv_vec v;
  cr_assert_eq(pv_vec_init_opts(&v, &o), 0, "init");
  for (int i = 0; i < 100; i++) cr_assert_eq(pv_vec_push(&v, &i), 0, "push");
  cr_assert_eq(pv__store_bytes(&v), h, "HUGE: %zu bytes", pv__store_bytes(&v));
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink");
  cr_assert_eq(pv__store_bytes(&v), h, "HUGE shrank to %zu bytes, want one huge page",
               pv__store_bytes(&v));
  cr_assert_eq(v.cap, h / sizeof(int), "cap %zu", v.cap);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(store, shrink_of_a_large_default_vector_rounds_to_huge_pages) {
  if (!huge_usable()) cr_skip_test("no usable transparent huge pages");
  size_t h = vu_caps()->huge_page_size, mib = (size_t)1 << 20;
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 1), 0, "init");
  cr_assert_eq(pv_vec_resize(&v, 16 * mib, NULL), 0, "16 MiB");
  cr_assert_eq(pv_vec_truncate(&v, 3 * mib + 4), 0, "truncate");
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink");
  size_t want = (3 * mib + 4 + h - 1) / h * h; /* 4 MiB with 2 MiB huge pages */
  cr_assert_eq(pv__store_bytes(&v), want, "shrank to %zu bytes, want %zu",
               pv__store_bytes(&v), want);
  cr_assert_eq(v.cap, want, "cap %zu", v.cap);
  /* Below one huge page a default vector goes back to whole pages. */
  cr_assert_eq(pv_vec_truncate(&v, 100), 0, "truncate");
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink");
  cr_assert_eq(pv__store_bytes(&v), pv_page_size(), "shrank to %zu bytes",
               pv__store_bytes(&v));
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* The region's huge-page advice state, which a released plain region
 * carries to pv__store_region_release: set once advised, kept through
 * growth and shrink (the advice stays on the mapping), never for NO_HUGE. */
Test(store, the_huge_advice_state_follows_the_region) {
  if (!huge_usable()) cr_skip_test("no usable transparent huge pages");
  size_t h = vu_caps()->huge_page_size;
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 1), 0, "init");
  cr_assert_eq(pv_vec_resize(&v, h / 2, NULL), 0, "resize");
  cr_assert_eq(pv__store_inspect(&v).flags & PV__ST_HUGE, 0, "below one huge page");
  cr_assert_eq(pv_vec_resize(&v, 2 * h, NULL), 0, "resize");
  cr_assert_neq(pv__store_inspect(&v).flags & PV__ST_HUGE, 0, "past one huge page");
  cr_assert_eq(pv_vec_truncate(&v, 10), 0, "truncate");
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink");
  cr_assert_neq(pv__store_inspect(&v).flags & PV__ST_HUGE, 0, "advice kept on shrink");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  pv_vec_opts o = {.elem_size = 1, .flags = PV_VEC_NO_HUGE};
  cr_assert_eq(pv_vec_init_opts(&v, &o), 0, "init");
  cr_assert_eq(pv_vec_resize(&v, 2 * h, NULL), 0, "resize");
  cr_assert_eq(pv__store_inspect(&v).flags & PV__ST_HUGE, 0, "NO_HUGE advised");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* ---- the region cache behind the plain regions (lib/cache.h) ------------ */

/* Wide bounds, no decay, nothing held: what the cache holds next is what
 * the test released. */
static void cache_reset(void) {
  cr_assert_eq(pv_cache_set_limits(SIZE_MAX, PV_CACHE_MAX_REGIONS, 0), 0, "limits");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
}

static pv_cache_info cache_info(void) {
  pv_cache_info s;
  cr_assert_eq(pv_cache_stats(&s), 0, "stats");
  return s;
}

/* The options of a vector in its own plain pages (PV_GROW_COPY: plain with
 * or without mremap; REMAP is a reservation where the kernel cannot remap,
 * which the cache never takes). */
static pv_vec_opts plain_opts(unsigned flags) {
  pv_vec_opts o = {.elem_size = 8, .grow = PV_GROW_COPY, .flags = PV_VEC_PAGES | flags};
  return o;
}

/* A vector in its own plain pages of `bytes` (a page multiple), full. */
static void plain_full(pv_vec *v, unsigned flags, size_t bytes) {
  pv_vec_opts o = plain_opts(flags);
  cr_assert_eq(pv_vec_init_opts(v, &o), 0, "init");
  cr_assert_eq(pv_vec_reserve_exact(v, bytes / 8), 0, "reserve");
  vu_push_seq(v, 0, v->cap);
}

/* Every byte of the vector's pages is read-write: the kernel says so and
 * a write to each page lands (the byte is put back). */
static void assert_rw_everywhere(const pv_vec *v, const char *what) {
  vu_unpoison(v); /* the bytes past len are read on purpose */
  char perms[5];
  size_t bytes = pv__store_bytes(v);
  ru_perms(v->data, bytes, perms);
  cr_assert_str_eq(perms, "rw-p", "%s: %s", what, perms);
  volatile unsigned char *d = v->data;
  for (size_t off = 0; off < bytes; off += pv_page_size()) {
    unsigned char was = d[off];
    d[off] = (unsigned char)~was;
    cr_assert_eq(d[off], (unsigned char)~was, "%s: write at %zu lost", what, off);
    d[off] = was;
  }
}

Test(store_cache, a_destroyed_vectors_region_serves_the_next_one) {
  cache_reset();
  size_t bytes = 16 * pv_page_size();
  pv_vec v;
  plain_full(&v, 0, bytes);
  void *was = v.data;
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  pv_cache_info before = cache_info();
  cr_assert_eq(before.regions, 1, "the region is held");
  long long live = pv__os_live_bytes();
  size_t maps = ru_maps_count();
  pv_vec_opts o = plain_opts(0);
  int rc = pv_vec_init_opts(&v, &o);
  if (rc == 0) rc = pv_vec_reserve_exact(&v, bytes / 8);
  cr_assert_eq(rc, 0, "second vector: %s", pv_errname(rc));
  pv_cache_info after = cache_info();
  cr_assert_eq(after.hits, before.hits + 1, "hits %llu -> %llu",
               (unsigned long long)before.hits, (unsigned long long)after.hits);
  cr_assert_eq(after.misses, before.misses, "a miss");
  cr_assert_eq(v.data, was, "not the released region");
  cr_assert_eq(pv__os_live_bytes(), live, "new address space mapped");
  cr_assert_eq(ru_maps_count(), maps, "new mapping");
  assert_rw_everywhere(&v, "reused");
  vu_push_seq(&v, 0, v.cap);
  vu_check_seq(&v, v.len);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
}

/* A vector growing out of the small phase takes the larger region an
 * earlier vector left (all of it as capacity: no fresh pages for the
 * growths to come); an exact growth keeps the class bound. */
Test(store_cache, a_vector_leaving_the_small_phase_takes_a_larger_region) {
  if (remap_kind() != PV__STORE_REMAP) cr_skip_test("no mremap: no plain region");
  cache_reset();
  size_t t = pv__store_small_max(), n = 4 * t / 8; /* four times the threshold */
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  vu_push_seq(&v, 0, n);
  cr_assert_eq(pv__store_bytes(&v), 4 * t, "held %zu", pv__store_bytes(&v));
  void *was = v.data;
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  uint64_t hits = cache_info().hits;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  vu_push_seq(&v, 0, t / 8); /* the push that crosses the threshold */
  cr_assert(!small(&v), "still small");
  cr_assert_eq(cache_info().hits, hits + 1, "not served from the cache");
  cr_assert_eq(v.data, was, "not the released region");
  cr_assert_eq(v.cap, n, "cap %zu: not all of the region", v.cap);
  vu_push_seq(&v, t / 8, n - t / 8);
  vu_check_seq(&v, n);
  cr_assert_eq(v.data, was, "moved while growing into its region");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  /* reserve_exact across the threshold: only its class (a fresh region). */
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  cr_assert_eq(pv_vec_reserve_exact(&v, t / 8), 0, "reserve_exact");
  cr_assert(!small(&v), "still small");
  cr_assert_neq(v.data, was, "an exact growth took a region twice its size");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
}

/* A region a PV_VEC_HUGE vector released, reused by a PV_VEC_NO_HUGE one
 * (and back): the kernel sees the advice of the vector holding it. */
Test(store_cache, a_reused_region_takes_the_new_vectors_huge_advice) {
  if (!huge_usable()) cr_skip_test("no transparent huge pages");
  cache_reset();
  size_t h = vu_caps()->huge_page_size;
  pv_vec v;
  plain_full(&v, PV_VEC_HUGE, h);
  char a = ru_huge_advice(v.data);
  if (a == 0 || a == '-') {
    cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
    cr_skip_test("no smaps, or this kernel ignores MADV_HUGEPAGE");
  }
  cr_assert_eq(a, 'h', "HUGE vector: advice %c", a);
  void *was = v.data;
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  uint64_t hits = cache_info().hits;
  plain_full(&v, PV_VEC_NO_HUGE, h);
  cr_assert_eq(cache_info().hits, hits + 1, "not served from the cache");
  cr_assert_eq(v.data, was, "not the released region");
  cr_assert_eq(ru_huge_advice(v.data), 'n', "NO_HUGE vector on a reused HUGE region");
  assert_rw_everywhere(&v, "NO_HUGE on a reused region");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  plain_full(&v, PV_VEC_HUGE, h);
  cr_assert_eq(v.data, was, "not the released region");
  cr_assert_eq(ru_huge_advice(v.data), 'h', "HUGE vector on a reused NO_HUGE region");
  assert_rw_everywhere(&v, "HUGE on a reused region");
  vu_check_seq(&v, v.len);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
}

/* Advice from pv_vec_advise that stays on the pages (SEQUENTIAL, RANDOM,
 * HUGEPAGE, NOHUGEPAGE) is not what the flags say, so the cache would
 * hand it to the next vector: such a region is unmapped at destroy, never
 * cached; one-time advice (WILLNEED) keeps the region cacheable. */
Test(store_cache, a_region_with_lasting_advice_is_not_cached) {
  static const pv_advice lasting[] = {PV_ADVISE_SEQUENTIAL, PV_ADVISE_RANDOM,
                                      PV_ADVISE_HUGEPAGE, PV_ADVISE_NOHUGEPAGE};
  size_t bytes = 16 * pv_page_size();
  for (size_t k = 0; k <= sizeof lasting / sizeof lasting[0]; k++) {
    bool lasts = k < sizeof lasting / sizeof lasting[0];
    pv_advice a = lasts ? lasting[k] : PV_ADVISE_WILLNEED;
    cache_reset();
    pv_vec v;
    plain_full(&v, PV_VEC_NO_HUGE, bytes);
    cr_assert_eq(pv_vec_advise(&v, a), 0, "advice %d", (int)a);
    void *was = v.data;
    pv_cache_info s0 = cache_info();
    cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
    pv_cache_info s1 = cache_info();
    if (lasts) {
      cr_assert_eq(s1.regions, s0.regions, "advice %d: the region was cached", (int)a);
      cr_assert_eq(s1.kept, s0.kept, "advice %d: counted as kept", (int)a);
      cr_assert(ru_unmapped(was, bytes), "advice %d: still mapped", (int)a);
    } else {
      cr_assert_eq(s1.kept, s0.kept + 1, "WILLNEED: the region was not cached");
    }
  }
  cr_assert_eq(pv_cache_trim(), 0, "trim");
}

/* A vector below one huge page never takes a cached region of one huge
 * page or more: at that size it would have to start on a huge page and be
 * whole huge pages, advised for them (vec.h), which the cache cannot
 * promise for what it holds; so it gets a region of its own class. */
Test(store_cache, a_region_past_the_huge_threshold_serves_no_smaller_vector) {
  if (!huge_usable()) cr_skip_test("no transparent huge pages");
  cache_reset();
  size_t h = vu_caps()->huge_page_size;
  pv_vec v;
  plain_full(&v, 0, h);
  void *was = v.data;
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  cr_assert_eq(cache_info().regions, 1, "the huge region is held");
  pv_vec_opts o = plain_opts(0);
  cr_assert_eq(pv_vec_init_opts(&v, &o), 0, "init");
  cr_assert_eq(pv_vec_reserve_exact(&v, 3 * h / 4 / 8), 0, "reserve three quarters");
  cr_assert_neq(v.data, was, "a vector of %zu bytes took the huge region",
                pv__store_bytes(&v));
  cr_assert_lt(pv__store_bytes(&v), h, "held %zu bytes", pv__store_bytes(&v));
  cr_assert_eq(cache_info().regions, 1, "the huge region is still held");
  cr_assert_eq(pv_vec_reserve_exact(&v, h / 8 - v.len), 0, "reserve one huge page");
  cr_assert_eq((uintptr_t)v.data % h, 0, "one huge page, not on a huge page");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
}

Test(store_cache, a_frozen_vectors_region_is_read_write_when_reused) {
  cache_reset();
  size_t bytes = 8 * pv_page_size();
  pv_vec v;
  plain_full(&v, 0, bytes);
  cr_assert_eq(pv_vec_freeze(&v), 0, "freeze");
  char perms[5];
  ru_perms(v.data, bytes, perms);
  cr_assert_str_eq(perms, "r--p", "frozen: %s", perms);
  void *was = v.data;
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  uint64_t hits = cache_info().hits;
  plain_full(&v, 0, bytes);
  cr_assert_eq(cache_info().hits, hits + 1, "not served from the cache");
  cr_assert_eq(v.data, was, "not the released region");
  assert_rw_everywhere(&v, "reused after a freeze");
  vu_check_seq(&v, v.len);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
}

/* PV_CACHE=0, read at the cache's first use (in a child: this process may
 * have used it): a destroyed vector's pages go straight back. */
static void child_cache_off(cr_child_report *r, void *arg) {
  (void)arg;
  CHILD_CHECK(r, setenv("PV_CACHE", "0", 1) == 0, "setenv");
  long long live = pv__os_live_bytes();
  pv_vec v;
  pv_vec_opts o = plain_opts(0);
  int rc = pv_vec_init_opts(&v, &o);
  if (rc == 0) rc = pv_vec_reserve_exact(&v, 16 * pv_page_size() / 8);
  CHILD_CHECK(r, rc == 0, "vector: %s", pv_errname(rc));
  if (rc != 0) return;
  void *was = v.data;
  CHILD_CHECK(r, pv_vec_destroy(&v) == 0, "destroy");
  pv_cache_info s;
  CHILD_CHECK(r, pv_cache_stats(&s) == 0, "stats");
  CHILD_CHECK(r, s.max_bytes == 0 && s.max_regions == 0, "bounds %zu bytes %zu regions",
              s.max_bytes, s.max_regions);
  CHILD_CHECK(r, s.regions == 0 && s.kept == 0, "held %zu regions, kept %llu",
              s.regions, (unsigned long long)s.kept);
  CHILD_CHECK(r, pv__os_live_bytes() == live, "destroy left %lld bytes mapped",
              pv__os_live_bytes() - live);
  CHILD_CHECK(r, ru_unmapped(was, 16 * pv_page_size()), "the region is still mapped");
}

Test(store_cache, pv_cache_0_in_the_environment_disables_it) {
  cr_child_report r = child_run(child_cache_off, NULL);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
}

/* ---- address-space limits: the guarded growth and RESERVE fall back ------ */

/* Under RLIMIT_AS the largest vector is decided by what one growth needs at
 * once.  A guarded growth reserves its new region and guard beside the old
 * region (old + new at once); when that is refused it moves the data
 * without a reservation, charged only the growth (lib/store_map.c
 * move_guarded).  Without mremap, RESERVE's reservation RESERVE_AHEAD times
 * the size falls back to exactly what is needed, so it reaches what a copy
 * reaches.  Each check runs in a forked child (tests/childrun.h) that
 * lowers its own limit. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "childrun.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PV_AS_SANITIZED 1
#endif
#endif
#if PV__ASAN || defined(__SANITIZE_THREAD__)
#define PV_AS_SANITIZED 1
#endif

/* Room above the address space in use for the reach measurements, in MiB;
 * PV_TEST_AS_BUDGET_MIB measures at another. */
#define AS_REACH_BUDGET_MIB 256ul

static size_t as_reach_budget(void) {
  const char *env = getenv("PV_TEST_AS_BUDGET_MIB");
  unsigned long mib = env != NULL ? strtoul(env, NULL, 10) : 0;
  return (size_t)(mib != 0 ? mib : AS_REACH_BUDGET_MIB) << 20;
}

static void as_skip_if_unmeasurable(void) {
#ifdef PV_AS_SANITIZED
  cr_skip_test("built with a sanitizer: its shadow memory makes RLIMIT_AS meaningless");
#endif
  const char *pre = getenv("LD_PRELOAD");
  if (pre != NULL && strstr(pre, "vgpreload") != NULL)
    cr_skip_test("under valgrind: RLIMIT_AS would limit valgrind");
  const pv__os_caps *c = vu_caps();
  if (c->alloc_granularity > c->os_page_size)
    cr_skip_test("the build forces a page larger than the OS's: every move "
                 "keeps that granule, so it pays the aligned price (lib/os.h)");
}

/* Read /proc/self/maps with no allocation: the number of mappings, and the
 * permissions ("rwxp") of the one holding addr in perms (empty if none). */
static size_t as_maps(const void *addr, char perms[5]) {
  int fd = open("/proc/self/maps", O_RDONLY);
  perms[0] = '\0';
  if (fd < 0) return 0;
  char buf[4096], line[512];
  size_t n = 0, ll = 0;
  ssize_t got;
  while ((got = read(fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < got; i++) {
      if (buf[i] != '\n') {
        if (ll < sizeof line - 1) line[ll++] = buf[i];
        continue;
      }
      line[ll] = '\0';
      ll = 0;
      n++;
      unsigned long lo, hi;
      char p[5];
      if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 &&
          (uintptr_t)addr >= lo && (uintptr_t)addr < hi)
        memcpy(perms, p, 5);
    }
  }
  close(fd);
  return n;
}

/* Cap the address space at what is in use plus budget. */
static int as_cap(cr_child_report *r, size_t budget) {
  (void)pv_page_size(); /* the library's first-use work, before the cap */
  size_t now = child_vm_size();
  struct rlimit rl = {now + budget, now + budget};
  if (now == 0 || setrlimit(RLIMIT_AS, &rl) != 0) {
    child_fail(r, "cannot cap the address space");
    return -1;
  }
  return 0;
}

/* The length a doubling realloc vector of u64 reaches. */
static size_t as_realloc_reach(void) {
  uint64_t *d = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      void *nd = realloc(d, (cap == 0 ? 1 : 2 * cap) * sizeof *d);
      if (nd == NULL) break;
      d = nd;
      cap = cap == 0 ? 1 : 2 * cap;
    }
    d[len] = len;
    len++;
  }
  free(d);
  return len;
}

/* In the child: n[0] realloc's length, n[1] the vector's (flags in arg). */
static void as_reach_child(cr_child_report *r, void *arg) {
  unsigned flags = *(const unsigned *)arg;
  if (as_cap(r, as_reach_budget()) != 0) return;
  long long live0 = pv__os_live_bytes();
  r->n[0] = (unsigned long)as_realloc_reach();
  pv_vec v;
  pv_vec_opts o = {.elem_size = sizeof(uint64_t), .grow = PV_GROW_REMAP, .flags = flags};
  int rc = pv_vec_init_opts(&v, &o);
  CHILD_CHECK(r, rc == 0, "init: %s", pv_errname(rc));
  if (rc != 0) return;
  uint64_t i = 0;
  while ((rc = pv_vec_push(&v, &i)) == 0) i++;
  CHILD_CHECK(r, rc == PV_ENOMEM, "the refused push: %s", pv_errname(rc));
  for (uint64_t k = 0; k < v.len; k++)
    if (((const uint64_t *)v.data)[k] != k) {
      child_fail(r, "element %llu changed", (unsigned long long)k);
      break;
    }
  r->n[1] = (unsigned long)v.len;
  CHILD_CHECK(r, pv_vec_destroy(&v) == 0, "destroy");
  CHILD_CHECK(r, pv__os_live_bytes() == live0, "address space leaked");
}

/* The reach of a REMAP vector with flags against realloc's, printed. */
static double as_reach(const char *name, unsigned flags) {
  cr_child_report r = child_run(as_reach_child, &flags);
  cr_assert_eq(r.failed, 0, "%s: %s", name, r.msg);
  double ratio = (double)r.n[1] / (double)r.n[0];
  fprintf(stderr, "as-limit %s%s: RLIMIT_AS = in use + %zu MiB: realloc reached %lu MiB, "
          "paged_vec %lu MiB, ratio %.3f\n", name,
          vu_caps()->can_remap ? "" : " (no mremap)", as_reach_budget() >> 20,
          r.n[0] * 8 >> 20, r.n[1] * 8 >> 20, ratio);
  return ratio;
}

/* With mremap a guarded vector moves its data without a reservation once
 * the reserved move does not fit: it reaches realloc's length.  Without
 * mremap it copies into a reservation that falls back to the exact size,
 * which reaches what a copy does (old and new at once: one doubling
 * short of realloc's, which keeps mremap there). */
Test(store_as, guard_reaches_realloc) {
  as_skip_if_unmeasurable();
  double ratio = as_reach("guard no_huge", PV_VEC_GUARD | PV_VEC_NO_HUGE);
  cr_assert_geq(ratio, vu_caps()->can_remap ? 0.95 : 0.5, "guard: ratio %.3f", ratio);
}

/* The other moving modes' figures.  With mremap, REMAP, HUGE and
 * MOVE_ON_GROW move through the OS layer's own fallback (lib/os_posix.c),
 * and so does a guarded vector that asks for huge pages (the default past
 * a huge page): its move is aligned; without mremap all of them reserve
 * ahead and fall back to the exact size. */
Test(store_as, moving_modes_reach_what_a_copy_reaches_without_mremap) {
  as_skip_if_unmeasurable();
  static const struct { const char *name; unsigned flags; } modes[] = {
      {"remap", 0},
      {"remap huge", PV_VEC_HUGE},
      {"move_on_grow", PV_VEC_MOVE_ON_GROW},
      {"guard", PV_VEC_GUARD},
  };
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
    double ratio = as_reach(modes[m].name, modes[m].flags);
    if (!vu_caps()->can_remap)
      cr_assert_geq(ratio, 0.5, "%s without mremap: ratio %.3f", modes[m].name, ratio);
  }
}

/* ---- the fallbacks under fault injection --------------------------------- */

/* A vector of `flags` holding AS_FB_LEN u64 (0, 1, ...) in exactly that
 * capacity, then a cap on the address space that lets its doubling grow by
 * the growth but not hold old and new at once: the new region cannot be
 * reserved (proven by a raw map of it being refused), or, with
 * room_to_reserve, it can but the move onto it is refused.  The growth to
 * twice the length is then made with the k-th fallible OS call failing
 * with PV_ENOMEM: it must either fail with PV_ENOMEM and change nothing
 * (struct, private state, bytes, live address space, mappings) or succeed
 * whole (the elements kept, the page after the new capacity a guard where
 * flags ask for one).  n[0]: the growth's return code, n[1]: fallible
 * calls it made, n[2]: 1 if the fault left the refused reservation mapped
 * (see below). */
#define AS_FB_LEN ((size_t)1 << 21) /* 16 MiB of u64 */

struct as_fb_arg {
  unsigned flags;
  unsigned long k;
  bool room_to_reserve; /* the cap lets the new region be reserved (then the
                           move onto it is refused: it is charged its
                           growth on top) */
};

static bool as_elements_kept(const pv_vec *v) {
  for (size_t i = 0; i < v->len; i++)
    if (((const uint64_t *)v->data)[i] != i) return false;
  return true;
}

/* Build the vector and cap the address space; false (with r failed) if the
 * setup could not be made. */
static bool as_fb_setup(cr_child_report *r, unsigned flags, bool room_to_reserve,
                        pv_vec *v) {
  pv_vec_opts o = {.elem_size = sizeof(uint64_t), .grow = PV_GROW_REMAP,
                   .flags = flags | PV_VEC_PAGES, .initial_cap = AS_FB_LEN};
  int rc = pv_vec_init_opts(v, &o);
  CHILD_CHECK(r, rc == 0, "init: %s", pv_errname(rc));
  if (rc != 0) return false;
  for (uint64_t i = 0; i < AS_FB_LEN; i++) pv_vec_push(v, &i);
  CHILD_CHECK(r, v->len == AS_FB_LEN && v->cap == AS_FB_LEN, "setup: len %zu cap %zu",
              v->len, v->cap);
  size_t old = AS_FB_LEN * sizeof(uint64_t);
  size_t budget = room_to_reserve ? 2 * old + old / 2 : old + old / 4;
  if (r->failed || as_cap(r, budget) != 0) return false;
  void *p = mmap(NULL, 2 * old, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHILD_CHECK(r, (p == MAP_FAILED) != room_to_reserve, "the cap %s the new region",
              room_to_reserve ? "refuses" : "lets old and new hold");
  if (p != MAP_FAILED) munmap(p, 2 * old);
  return !r->failed;
}

static void as_fb_child(cr_child_report *r, void *varg) {
  const struct as_fb_arg *a = varg;
  pv_vec v;
  if (!as_fb_setup(r, a->flags, a->room_to_reserve, &v)) return;
  pv_vec was = v;
  pv__store_info st0 = pv__store_inspect(&v);
  long long live0 = pv__os_live_bytes();
  char perms[5];
  size_t maps0 = as_maps(v.data, perms);
  pv__os_fault_set(a->k, PV_ENOMEM);
  int rc = pv_vec_reserve_exact(&v, AS_FB_LEN);
  r->n[1] = pv__os_fault_calls();
  pv__os_fault_set(0, 0);
  r->n[0] = (unsigned long)(long)rc;
  CHILD_CHECK(r, as_elements_kept(&v), "call %lu: elements changed", a->k);
  size_t maps1 = as_maps((char *)v.data + pv__store_bytes(&v), perms);
  if (rc != 0) {
    pv__store_info st1 = pv__store_inspect(&v);
    CHILD_CHECK(r, rc == PV_ENOMEM, "call %lu: %s, want PV_ENOMEM", a->k, pv_errname(rc));
    CHILD_CHECK(r, memcmp(&v, &was, sizeof v) == 0, "call %lu: the struct changed", a->k);
    CHILD_CHECK(r, memcmp(&st1, &st0, sizeof st1) == 0, "call %lu: private state changed",
                a->k);
    /* The one exception: the fault refused the unmap that gives back the
     * reservation the move onto was refused (a whole PROT_NONE mapping,
     * which munmap cannot really refuse: it splits nothing), and that
     * reservation is left mapped, as by every such rollback in the
     * library.  Counted in n[2] and printed. */
    long long grown = pv__os_live_bytes() - live0;
    long long reservation = (long long)(2 * AS_FB_LEN * sizeof(uint64_t) +
                                        pv__store_guard(PV_VEC_GUARD));
    if (a->room_to_reserve && grown == reservation && maps1 == maps0 + 1) {
      r->n[2] = 1;
      grown = 0;
      maps1 = maps0;
    }
    CHILD_CHECK(r, grown == 0, "call %lu: live %lld -> %lld", a->k, live0,
                pv__os_live_bytes());
    CHILD_CHECK(r, maps1 == maps0, "call %lu: mappings %zu -> %zu", a->k, maps0, maps1);
  } else {
    CHILD_CHECK(r, v.cap >= 2 * AS_FB_LEN, "call %lu: cap %zu", a->k, v.cap);
    if (a->flags & PV_VEC_GUARD)
      CHILD_CHECK(r, strcmp(perms, "---p") == 0,
                  "call %lu: the page after the data is '%s', not a guard", a->k, perms);
  }
  CHILD_CHECK(r, pv_vec_destroy(&v) == 0, "destroy");
}

/* Every fallible call of the growth in turn, until one is not reached;
 * must_grow: the growth with no fault must succeed. */
static void as_fb_sweep(const char *name, unsigned flags, bool room_to_reserve,
                        bool must_grow) {
  as_skip_if_unmeasurable();
  unsigned long k = 1, ok = 0; /* growths that succeeded with their fault */
  unsigned long kept = 0;       /* rollback unmaps refused (as_fb_child) */
  int last;                     /* the growth with no fault */
  for (;; k++) {
    struct as_fb_arg a = {flags, k, room_to_reserve};
    cr_child_report r = child_run(as_fb_child, &a);
    cr_assert_eq(r.failed, 0, "%s: %s", name, r.msg);
    last = (int)(long)r.n[0];
    if (r.n[1] < k) break;
    if (last == 0) ok++;
    kept += r.n[2];
  }
  cr_assert(!must_grow || last == 0, "%s: the growth with no fault failed: %s", name,
            pv_errname(last));
  fprintf(stderr, "as-fallback %s%s%s: %lu fallible calls; with the fault at each, %lu "
          "growths failed whole (%lu of them leaving the refused reservation "
          "mapped: its rollback unmap faulted) and %lu succeeded whole; with none: %s\n",
          name, room_to_reserve ? " (room to reserve)" : "",
          vu_caps()->can_remap ? "" : " (no mremap)", k - 1, k - 1 - ok, kept, ok,
          pv_errname(last));
}

/* Page-aligned, the guarded move is a plain one: it must fit.  Huge, it is
 * an aligned move, which fits where the OS layer falls back to a plain move
 * (lib/os_posix.c): all-or-nothing is checked either way. */
Test(store_as_fault, the_guarded_move_without_a_reservation) {
  for (int room = 0; room < 2; room++) {
    as_fb_sweep("guard no_huge", PV_VEC_GUARD | PV_VEC_NO_HUGE, room, true);
    as_fb_sweep("guard", PV_VEC_GUARD, room, false);
  }
}
Test(store_as_fault, the_reservation_that_falls_back_to_the_exact_size) {
  if (vu_caps()->can_remap) cr_skip_test("RESERVE is the kind of REMAP without mremap");
  as_fb_sweep("reserve", 0, false, true);
  as_fb_sweep("reserve guard", PV_VEC_GUARD, false, true);
}

/* The guard made by the fallback is a guard: a write past the data faults,
 * whether the old guard travelled onto the tail or (its move refused: the
 * fallback's third call, after the refused reservation and the move) the
 * tail was made PROT_NONE; without mremap, the guard of the exact-size
 * reservation.  The write is made in a forked child and must kill it with
 * SIGSEGV (a fork, not .signal, so that the test can skip). */
static void as_guard_write_child(unsigned long fault_at) {
  pv_vec v;
  cr_child_report r;
  memset(&r, 0, sizeof r);
  if (!as_fb_setup(&r, PV_VEC_GUARD | PV_VEC_NO_HUGE, false, &v)) _exit(2);
  pv__os_fault_set(fault_at, PV_ENOMEM);
  int rc = pv_vec_reserve_exact(&v, AS_FB_LEN);
  unsigned long calls = pv__os_fault_calls();
  pv__os_fault_set(0, 0);
  if (rc != 0 || calls < fault_at) _exit(3);
  volatile char *end = (char *)v.data + pv__store_bytes(&v);
  end[-1] = 1; /* the last byte of the capacity is writable */
  *end = 1;    /* the first past it must fault */
  _exit(4);
}

static void as_guard_write(unsigned long fault_at) {
  as_skip_if_unmeasurable();
  if (fault_at != 0 && !vu_caps()->can_remap)
    cr_skip_test("the guarded move is mremap's; without it the guard is the "
                 "reservation's (the_travelled_guard_faults)");
  fflush(NULL);
  pid_t pid = fork();
  cr_assert_neq(pid, -1, "fork");
  if (pid == 0) as_guard_write_child(fault_at);
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid, "waitpid");
  cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
            "the write past the guarded data did not fault (%s %d: 2 setup, "
            "3 growth refused or fault not reached, 4 no fault)",
            WIFSIGNALED(status) ? "signal" : "exit",
            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}
Test(store_as, the_travelled_guard_faults) { as_guard_write(0); }
Test(store_as, the_protected_tail_faults) { as_guard_write(3); }

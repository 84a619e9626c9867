/*
 * tests/test_vec_range.c - the fill-and-commit, callback-with-context and
 * range operations of the container (vec.h): pv_vec_extend_uninit,
 * pv_vec_spare, pv_vec_set_len, pv_vec_sort_r, pv_vec_bsearch_r,
 * pv_vec_retain, pv_vec_dedup, pv_vec_split_off,
 * pv_vec_extend_from_within, pv_vec_swap, pv_vec_shrink_to, pv_vec_last.
 *
 * Each runs on a small vector (malloc'd block) and on one in pages
 * (PV_VEC_PAGES), with element sizes 1, 8 and 24; every error path checks
 * the code and that nothing changed (tests/sweep.h).  Their bad-input rows
 * are in tests/badinput_vec.def, their fault sweep in test_fault_vec.c.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vecutil.h"

#define EXPECT_UNCHANGED(vp, code, call, what)                                \
  SW_EXPECT_UNCHANGED(vp, 0, 0, code, call, what)

/* The configurations every behaviour test runs in. */
typedef struct cfg {
  size_t es;
  unsigned flags; /* 0: small (malloc'd), PV_VEC_PAGES: in pages */
} cfg;
static const cfg CFGS[] = {
    {1, 0}, {8, 0}, {24, 0}, {1, PV_VEC_PAGES}, {8, PV_VEC_PAGES}, {24, PV_VEC_PAGES}};
#define NCFG (sizeof CFGS / sizeof CFGS[0])

/* Element with key k: the key's low byte for elem_size 1; else k in the
 * first 8 bytes and a pattern of k in the rest. */
static void put(void *p, size_t es, uint64_t k) {
  unsigned char *b = p;
  if (es < sizeof k) {
    memset(b, (int)(k & 0xff), es);
    return;
  }
  memcpy(b, &k, sizeof k);
  for (size_t i = sizeof k; i < es; i++) b[i] = (unsigned char)(k * 31 + i);
}
static uint64_t key(const void *p, size_t es) {
  uint64_t k = 0;
  if (es < sizeof k) return *(const unsigned char *)p;
  memcpy(&k, p, sizeof k);
  return k;
}
static uint64_t key_at(const pv_vec *v, size_t i) {
  return key(pv_vec_at(v, i), v->elem_size);
}

static void mk(pv_vec *v, const cfg *c) {
  pv_vec_opts o = {.elem_size = c->es, .flags = c->flags};
  cr_assert_eq(pv_vec_init_opts(v, &o), 0, "init");
}

/* Push keys k(0..n-1) = f(i). */
static void fill(pv_vec *v, size_t n, uint64_t (*f)(size_t)) {
  unsigned char e[32];
  for (size_t i = 0; i < n; i++) {
    put(e, v->elem_size, f(i));
    cr_assert_eq(pv_vec_push(v, e), 0, "push %zu", i);
  }
}
static uint64_t ident(size_t i) { return i; }
static uint64_t scrambled(size_t i) { return (i * 2654435761u) % 1000; }

/* A REMAP vector of n u64 values 0..n-1 with `flags`. */
static pv_vec mkseq(unsigned flags, size_t n) {
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, flags);
  vu_push_seq(&v, 0, n);
  return v;
}

static bool is_small(const pv_vec *v) {
  return pv__store_inspect(v).kind == PV__STORE_SMALL;
}
static void check_phase(const pv_vec *v, const cfg *c, const char *what) {
  if (c->flags & PV_VEC_PAGES)
    cr_assert(!is_small(v), "%s: es %zu in pages", what, c->es);
}

/* ---- extend_uninit / spare / set_len -------------------------------------- */

Test(range, extend_uninit) {
  for (size_t ci = 0; ci < NCFG; ci++) {
    const cfg *c = &CFGS[ci];
    pv_vec v;
    mk(&v, c);
    fill(&v, 5, ident);
    void *first = NULL;
    cr_assert_eq(pv_vec_extend_uninit(&v, 100, &first), 0, "extend");
    cr_assert_eq(v.len, 105);
    cr_assert_eq(first, (char *)v.data + 5 * c->es, "first is the old end");
    for (size_t i = 0; i < 100; i++) put((char *)first + i * c->es, c->es, 5 + i);
    for (size_t i = 0; i < 105; i++) cr_assert_eq(key_at(&v, i), i & (c->es == 1 ? 0xff : ~0ull));
    cr_assert_eq(pv_vec_extend_uninit(&v, 0, &first), 0, "n 0");
    cr_assert_eq(v.len, 105);
    cr_assert_eq(first, (char *)v.data + 105 * c->es);
    check_phase(&v, c, "extend_uninit");
    pv_vec_destroy(&v);
  }
}

Test(range, extend_uninit_moves_into_pages) {
  /* A default vector crosses the small threshold in one call. */
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0);
  vu_push_seq(&v, 0, 10);
  cr_assert(is_small(&v));
  size_t n = pv__store_small_max() / 8 + 1;
  uint64_t *p = NULL;
  cr_assert_eq(pv_vec_extend_uninit(&v, n, (void **)&p), 0);
  cr_assert(!is_small(&v), "in pages");
  for (size_t i = 0; i < n; i++) p[i] = 10 + i;
  for (size_t i = 0; i < 10 + n; i++) cr_assert_eq(*(uint64_t *)pv_vec_at(&v, i), i);
  pv_vec_destroy(&v);
}

Test(range, extend_uninit_errors) {
  pv_vec v = mkseq(PV_VEC_PAGES, 100);
  void *first = (void *)&v;
  SW_EXPECT_UNCHANGED(&v, 1, PV_ENOMEM, PV_ENOMEM,
                      pv_vec_extend_uninit(&v, v.cap, &first), "grows, kernel refuses");
  cr_assert_eq(first, (void *)&v, "*first untouched");
  EXPECT_UNCHANGED(&v, PV_EOVERFLOW, pv_vec_extend_uninit(&v, SIZE_MAX, &first), "n SIZE_MAX");
  EXPECT_UNCHANGED(&v, PV_EOVERFLOW, pv_vec_extend_uninit(&v, SIZE_MAX / 4, &first),
                   "bytes overflow");
  EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_extend_uninit(&v, 1, NULL), "first NULL");
  cr_assert_eq(pv_vec_extend_uninit(NULL, 1, &first), PV_EINVAL);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  EXPECT_UNCHANGED(&v, PV_EACCES, pv_vec_extend_uninit(&v, 1, &first), "frozen");
  cr_assert_eq(first, (void *)&v, "*first untouched");
  pv_vec_destroy(&v);

  pv_vec s;
  vu_init(&s, PV_GROW_STABLE, 8, 16, 0);
  vu_push_seq(&s, 0, 10);
  EXPECT_UNCHANGED(&s, PV_ENOSPC, pv_vec_extend_uninit(&s, 7, &first), "STABLE past max_len");
  cr_assert_eq(pv_vec_extend_uninit(&s, 6, &first), 0, "STABLE to max_len");
  pv_vec_destroy(&s);
}

Test(range, spare_and_set_len) {
  for (size_t ci = 0; ci < NCFG; ci++) {
    const cfg *c = &CFGS[ci];
    pv_vec v;
    mk(&v, c);
    size_t n = 77;
    cr_assert_null(pv_vec_spare(&v, &n), "empty vector, no capacity");
    cr_assert_eq(n, 0);
    fill(&v, 3, ident);
    cr_assert_eq(pv_vec_reserve(&v, 50), 0);
    char *p = pv_vec_spare(&v, &n);
    cr_assert_eq(p, (char *)v.data + 3 * c->es);
    cr_assert_eq(n, v.cap - 3);
    for (size_t i = 0; i < n; i++) put(p + i * c->es, c->es, 3 + i);
    size_t cap = v.cap;
    cr_assert_eq(pv_vec_set_len(&v, cap), 0, "commit all");
    cr_assert_eq(v.len, cap);
    for (size_t i = 0; i < cap; i++)
      cr_assert_eq(key_at(&v, i), i & (c->es == 1 ? 0xff : ~0ull), "elem %zu", i);
    cr_assert_null(pv_vec_spare(&v, &n), "full");
    cr_assert_eq(n, 0);
    cr_assert_null(pv_vec_spare(&v, NULL), "n may be NULL");
    EXPECT_UNCHANGED(&v, PV_ERANGE, pv_vec_set_len(&v, cap + 1), "past cap");
    EXPECT_UNCHANGED(&v, PV_ERANGE, pv_vec_set_len(&v, SIZE_MAX), "SIZE_MAX");
    cr_assert_eq(pv_vec_set_len(&v, 2), 0, "shrink");
    cr_assert_eq(v.len, 2);
    cr_assert_eq(v.cap, cap, "capacity kept");
    cr_assert_eq(key_at(&v, 1), 1);
    cr_assert_eq(pv_vec_freeze(&v), 0);
    cr_assert_null(pv_vec_spare(&v, &n), "frozen");
    cr_assert_eq(n, 0);
    EXPECT_UNCHANGED(&v, PV_EACCES, pv_vec_set_len(&v, 1), "frozen");
    pv_vec_destroy(&v);
    cr_assert_eq(pv_vec_set_len(&v, 0), PV_EINVAL, "destroyed");
    cr_assert_null(pv_vec_spare(&v, &n), "destroyed");
  }
  cr_assert_eq(pv_vec_set_len(NULL, 0), PV_EINVAL);
}

/* ---- sort_r / bsearch_r --------------------------------------------------- */

typedef struct sctx {
  size_t es;
  int dir;      /* 1 ascending, -1 descending */
  size_t calls; /* the context is really passed */
} sctx;

static int cmp_r(const void *a, const void *b, void *ctx) {
  sctx *s = ctx;
  s->calls++;
  uint64_t x = key(a, s->es), y = key(b, s->es);
  return s->dir * ((x > y) - (x < y));
}

Test(range, sort_r) {
  static const size_t lens[] = {0, 1, 2, 3, 10, 257, 5000};
  for (size_t ci = 0; ci < NCFG; ci++) {
    const cfg *c = &CFGS[ci];
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
      for (int dir = -1; dir <= 1; dir += 2) {
        pv_vec v;
        mk(&v, c);
        fill(&v, lens[li], scrambled);
        /* The multiset before: a count per key (keys < 1000). */
        size_t *count = calloc(1000, sizeof *count);
        cr_assert_not_null(count);
        for (size_t i = 0; i < v.len; i++) count[key_at(&v, i) % 1000]++;
        sctx s = {c->es, dir, 0};
        cr_assert_eq(pv_vec_sort_r(&v, cmp_r, &s), 0);
        cr_assert_eq(v.len, lens[li]);
        if (lens[li] > 1) cr_assert_gt(s.calls, 0, "ctx reached cmp");
        for (size_t i = 0; i < v.len; i++) {
          uint64_t k = key_at(&v, i);
          unsigned char want[32];
          put(want, c->es, k);
          cr_assert_eq(memcmp(pv_vec_at(&v, i), want, c->es), 0, "element whole");
          cr_assert_gt(count[k % 1000]--, 0, "a permutation");
          if (i > 0) {
            uint64_t p = key_at(&v, i - 1);
            cr_assert(dir > 0 ? p <= k : p >= k, "order at %zu (es %zu n %zu)", i,
                      c->es, lens[li]);
          }
        }
        free(count);
        pv_vec_destroy(&v);
      }
    }
  }
}

Test(range, sort_r_errors) {
  pv_vec v = mkseq(0, 20);
  sctx s = {8, 1, 0};
  EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_sort_r(&v, NULL, &s), "cmp NULL");
  cr_assert_eq(pv_vec_sort_r(NULL, cmp_r, &s), PV_EINVAL);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  EXPECT_UNCHANGED(&v, PV_EACCES, pv_vec_sort_r(&v, cmp_r, &s), "frozen");
  cr_assert_eq(s.calls, 0, "cmp never called on error");
  pv_vec_destroy(&v);
  cr_assert_eq(pv_vec_sort_r(&v, cmp_r, &s), PV_EINVAL, "destroyed");
}

Test(range, bsearch_r) {
  for (size_t ci = 0; ci < NCFG; ci++) {
    const cfg *c = &CFGS[ci];
    pv_vec v;
    mk(&v, c);
    /* keys 0, 2, 2, 4, 6, ... (even, 2 twice) */
    unsigned char e[32];
    size_t n = c->es == 1 ? 100 : 1000;
    for (size_t i = 0; i < n; i++) {
      put(e, c->es, 2 * i);
      cr_assert_eq(pv_vec_push(&v, e), 0);
      if (i == 1) cr_assert_eq(pv_vec_push(&v, e), 0);
    }
    sctx s = {c->es, 1, 0};
    size_t ix = 999999;
    put(e, c->es, 2);
    cr_assert_eq(pv_vec_bsearch_r(&v, e, cmp_r, &s, &ix), 0);
    cr_assert_eq(ix, 1, "first match");
    cr_assert_gt(s.calls, 0);
    put(e, c->es, 7);
    cr_assert_eq(pv_vec_bsearch_r(&v, e, cmp_r, &s, &ix), PV_ENOENT);
    cr_assert_eq(ix, 5, "insertion point");
    put(e, c->es, 2 * (n - 1));
    cr_assert_eq(pv_vec_bsearch_r(&v, e, cmp_r, &s, &ix), 0);
    cr_assert_eq(ix, n, "last");
    put(e, c->es, 2 * n + 1);
    cr_assert_eq(pv_vec_bsearch_r(&v, e, cmp_r, &s, &ix), PV_ENOENT);
    cr_assert_eq(ix, n + 1, "past the end");
    /* frozen vectors may be searched */
    cr_assert_eq(pv_vec_freeze(&v), 0);
    put(e, c->es, 0);
    cr_assert_eq(pv_vec_bsearch_r(&v, e, cmp_r, &s, &ix), 0);
    cr_assert_eq(ix, 0);
    EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_bsearch_r(&v, NULL, cmp_r, &s, &ix), "key NULL");
    EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_bsearch_r(&v, e, NULL, &s, &ix), "cmp NULL");
    EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_bsearch_r(&v, e, cmp_r, &s, NULL), "index NULL");
    pv_vec_destroy(&v);
  }
}

/* ---- retain / dedup ------------------------------------------------------- */

typedef struct kctx {
  size_t es, calls;
  uint64_t mod;
} kctx;

static bool keep_mod(const void *elem, void *ctx) {
  kctx *k = ctx;
  k->calls++;
  return key(elem, k->es) % k->mod == 0;
}

Test(range, retain) {
  for (size_t ci = 0; ci < NCFG; ci++) {
    const cfg *c = &CFGS[ci];
    pv_vec v;
    mk(&v, c);
    fill(&v, 200, ident);
    size_t cap = v.cap;
    kctx k = {c->es, 0, 3};
    cr_assert_eq(pv_vec_retain(&v, keep_mod, &k), 0);
    cr_assert_eq(k.calls, 200, "once per element");
    cr_assert_eq(v.len, 67);
    cr_assert_eq(v.cap, cap, "capacity kept");
    for (size_t i = 0; i < v.len; i++) cr_assert_eq(key_at(&v, i), 3 * i, "order");
    k.mod = 1000;
    cr_assert_eq(pv_vec_retain(&v, keep_mod, &k), 0);
    cr_assert_eq(v.len, 1, "only 0 is left");
    k.mod = 7;
    cr_assert_eq(pv_vec_truncate(&v, 0), 0);
    cr_assert_eq(pv_vec_retain(&v, keep_mod, &k), 0, "empty");
    pv_vec_destroy(&v);
  }
  pv_vec v = mkseq(0, 20);
  kctx k = {8, 0, 2};
  EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_retain(&v, NULL, &k), "keep NULL");
  cr_assert_eq(pv_vec_retain(NULL, keep_mod, &k), PV_EINVAL);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  EXPECT_UNCHANGED(&v, PV_EACCES, pv_vec_retain(&v, keep_mod, &k), "frozen");
  cr_assert_eq(k.calls, 0);
  pv_vec_destroy(&v);
}

static uint64_t runs(size_t i) { return i / 3 + (i / 3) % 2; } /* 0 0 0 2 2 2 2 2 2 4 ... */

Test(range, dedup) {
  for (size_t ci = 0; ci < NCFG; ci++) {
    const cfg *c = &CFGS[ci];
    pv_vec v;
    mk(&v, c);
    fill(&v, 90, runs);
    sctx s = {c->es, 1, 0};
    cr_assert_eq(pv_vec_dedup(&v, cmp_r, &s), 0);
    cr_assert_gt(s.calls, 0);
    for (size_t i = 1; i < v.len; i++)
      cr_assert_neq(key_at(&v, i), key_at(&v, i - 1), "no equal neighbours");
    /* runs(i) takes the values 0, 2, 2, 4, 4, ... by thirds: distinct keys */
    cr_assert_eq(v.len, 16, "es %zu: %zu kept", c->es, v.len);
    cr_assert_eq(key_at(&v, 0), 0);
    cr_assert_eq(key_at(&v, 1), 2);
    size_t len = v.len;
    cr_assert_eq(pv_vec_dedup(&v, cmp_r, &s), 0, "again: nothing to drop");
    cr_assert_eq(v.len, len);
    pv_vec_destroy(&v);
  }
  pv_vec v = mkseq(0, 20);
  sctx s = {8, 1, 0};
  EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_dedup(&v, NULL, &s), "cmp NULL");
  cr_assert_eq(pv_vec_dedup(NULL, cmp_r, &s), PV_EINVAL);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  EXPECT_UNCHANGED(&v, PV_EACCES, pv_vec_dedup(&v, cmp_r, &s), "frozen");
  pv_vec_destroy(&v);
}

/* ---- split_off ------------------------------------------------------------ */

Test(range, split_off) {
  for (size_t ci = 0; ci < NCFG; ci++) {
    const cfg *c = &CFGS[ci];
    static const size_t ats[] = {0, 17, 40};
    for (size_t ai = 0; ai < 3; ai++) {
      pv_vec v, d;
      mk(&v, c);
      mk(&d, c);
      fill(&v, 40, ident);
      size_t cap = v.cap;
      cr_assert_eq(pv_vec_split_off(&v, ats[ai], &d), 0);
      cr_assert_eq(v.len, ats[ai]);
      cr_assert_eq(v.cap, cap, "v keeps its capacity");
      cr_assert_eq(d.len, 40 - ats[ai]);
      for (size_t i = 0; i < v.len; i++) cr_assert_eq(key_at(&v, i), i);
      for (size_t i = 0; i < d.len; i++) cr_assert_eq(key_at(&d, i), ats[ai] + i);
      check_phase(&v, c, "split_off v");
      if (d.len != 0) check_phase(&d, c, "split_off dst");
      pv_vec_destroy(&v);
      pv_vec_destroy(&d);
    }
  }
}

Test(range, split_off_errors) {
  pv_vec v = mkseq(PV_VEC_PAGES, 100);
  pv_vec d;
  vu_init(&d, PV_GROW_REMAP, 8, 0, 0);
  sw_snap sd, sv;
  /* dst cannot grow: neither changes.  Fault k of dst's growth (a small
   * dst: its malloc first) fails, k = 1, 2, ... until the call gets past
   * them; test_fault_vec sweeps a dst of every configuration. */
  unsigned long refused = 0;
  for (unsigned long k = 1;; k++) {
    cr_assert_lt(k, 20, "split_off never got past the injected faults");
    sw_take_vec(&sv, &v);
    sw_take_vec(&sd, &d);
    pv__os_fault_set(k, PV_ENOMEM);
    int rc = pv_vec_split_off(&v, 10, &d);
    pv__os_fault_set(0, 0);
    if (rc != 0) {
      refused++;
      sw_assert_failed(&sv, rc, PV_ENOMEM, "split_off, dst refused memory");
      sw_assert_same(&sd, "dst after the refused growth");
    }
    sw_drop(&sv);
    sw_drop(&sd);
    if (rc == 0) break;
  }
  cr_assert_gt(refused, 0, "no fault reached dst's growth");
  cr_assert_eq(v.len, 10);
  cr_assert_eq(d.len, 90);
  cr_assert_eq(*(uint64_t *)pv_vec_at(&d, 0), 10);
  /* back as it was for the cases below */
  cr_assert_eq(pv_vec_append(&v, d.data, d.len), 0);
  cr_assert_eq(pv_vec_clear(&d), 0);
  pv_vec s;
  vu_init(&s, PV_GROW_STABLE, 8, 16, 0);
  sw_take_vec(&sd, &s);
  EXPECT_UNCHANGED(&v, PV_ENOSPC, pv_vec_split_off(&v, 10, &s), "dst STABLE too small");
  sw_assert_same(&sd, "STABLE dst");
  sw_drop(&sd);
  cr_assert_eq(pv_vec_split_off(&v, 84, &s), 0, "16 fit");
  cr_assert_eq(s.len, 16);
  cr_assert_eq(*(uint64_t *)pv_vec_at(&s, 0), 84);
  EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_split_off(&v, 0, &s), "dst not empty");
  EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_split_off(&v, 0, &v), "dst == v");
  EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_split_off(&v, 0, NULL), "dst NULL");
  EXPECT_UNCHANGED(&v, PV_ERANGE, pv_vec_split_off(&v, 85, &d), "at > len");
  pv_vec w;
  cr_assert_eq(pv_vec_init(&w, 4), 0);
  EXPECT_UNCHANGED(&v, PV_EINVAL, pv_vec_split_off(&v, 0, &w), "elem_size differs");
  cr_assert_eq(pv_vec_freeze(&d), 0);
  EXPECT_UNCHANGED(&v, PV_EACCES, pv_vec_split_off(&v, 0, &d), "dst frozen");
  cr_assert_eq(pv_vec_freeze(&v), 0);
  cr_assert_eq(pv_vec_thaw(&d), 0);
  EXPECT_UNCHANGED(&d, PV_EACCES, pv_vec_split_off(&v, 0, &d), "v frozen");
  cr_assert_eq(pv_vec_split_off(NULL, 0, &d), PV_EINVAL);
  pv_vec_destroy(&v);
  pv_vec_destroy(&d);
  pv_vec_destroy(&s);
  pv_vec_destroy(&w);
}

/* ---- extend_from_within / swap / last ------------------------------------- */

Test(range, extend_from_within) {
  for (size_t ci = 0; ci < NCFG; ci++) {
    const cfg *c = &CFGS[ci];
    pv_vec v;
    mk(&v, c);
    fill(&v, 10, ident);
    cr_assert_eq(pv_vec_shrink_to_fit(&v), 0);
    /* twice over a full vector: each one grows (and may move) */
    cr_assert_eq(pv_vec_extend_from_within(&v, 2, 5), 0);
    cr_assert_eq(pv_vec_extend_from_within(&v, 0, v.len), 0);
    cr_assert_eq(v.len, 30);
    for (size_t i = 0; i < 30; i++) {
      size_t j = i % 15;
      cr_assert_eq(key_at(&v, i), j < 10 ? j : j - 8, "elem %zu", i);
    }
    cr_assert_eq(pv_vec_extend_from_within(&v, 30, 0), 0, "n 0 at len");
    cr_assert_eq(v.len, 30);
    EXPECT_UNCHANGED(&v, PV_ERANGE, pv_vec_extend_from_within(&v, 31, 0), "i > len");
    EXPECT_UNCHANGED(&v, PV_ERANGE, pv_vec_extend_from_within(&v, 20, 11), "i + n > len");
    EXPECT_UNCHANGED(&v, PV_ERANGE, pv_vec_extend_from_within(&v, 1, SIZE_MAX), "wraps");
    pv_vec_destroy(&v);
  }
  pv_vec v = mkseq(PV_VEC_PAGES, 100);
  cr_assert_eq(pv_vec_resize(&v, v.cap, NULL), 0);
  SW_EXPECT_UNCHANGED(&v, 1, PV_ENOMEM, PV_ENOMEM, pv_vec_extend_from_within(&v, 0, 1),
                      "grows, kernel refuses");
  cr_assert_eq(pv_vec_extend_from_within(NULL, 0, 1), PV_EINVAL);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  EXPECT_UNCHANGED(&v, PV_EACCES, pv_vec_extend_from_within(&v, 0, 1), "frozen");
  pv_vec_destroy(&v);
  pv_vec s;
  vu_init(&s, PV_GROW_STABLE, 8, 16, 0);
  vu_push_seq(&s, 0, 10);
  EXPECT_UNCHANGED(&s, PV_ENOSPC, pv_vec_extend_from_within(&s, 0, 7), "STABLE past max_len");
  pv_vec_destroy(&s);
}

Test(range, swap_and_last) {
  for (size_t ci = 0; ci < NCFG; ci++) {
    const cfg *c = &CFGS[ci];
    pv_vec v;
    mk(&v, c);
    cr_assert_null(pv_vec_last(&v), "empty");
    fill(&v, 9, ident);
    cr_assert_eq(pv_vec_last(&v), pv_vec_at(&v, 8));
    cr_assert_eq(pv_vec_swap(&v, 0, 8), 0);
    cr_assert_eq(key_at(&v, 0), 8);
    cr_assert_eq(key_at(&v, 8), 0);
    unsigned char want[32];
    put(want, c->es, 8);
    cr_assert_eq(memcmp(pv_vec_at(&v, 0), want, c->es), 0, "whole element moved");
    cr_assert_eq(pv_vec_swap(&v, 4, 4), 0, "i == j");
    cr_assert_eq(key_at(&v, 4), 4);
    EXPECT_UNCHANGED(&v, PV_ERANGE, pv_vec_swap(&v, 9, 0), "i == len");
    EXPECT_UNCHANGED(&v, PV_ERANGE, pv_vec_swap(&v, 0, SIZE_MAX), "j SIZE_MAX");
    cr_assert_eq(pv_vec_freeze(&v), 0);
    EXPECT_UNCHANGED(&v, PV_EACCES, pv_vec_swap(&v, 0, 1), "frozen");
    cr_assert_eq(pv_vec_last(&v), pv_vec_at(&v, 8), "frozen: still readable");
    pv_vec_destroy(&v);
    cr_assert_null(pv_vec_last(&v), "destroyed");
  }
  cr_assert_eq(pv_vec_swap(NULL, 0, 0), PV_EINVAL);
  cr_assert_null(pv_vec_last(NULL));
}

/* ---- shrink_to ------------------------------------------------------------ */

Test(range, shrink_to_small) {
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 24), 0);
  cr_assert_eq(pv_vec_reserve_exact(&v, 100), 0);
  fill(&v, 10, ident);
  cr_assert(is_small(&v));
  cr_assert_eq(pv_vec_shrink_to(&v, 200), 0, "above cap: nothing");
  cr_assert_eq(v.cap, 100);
  cr_assert_eq(pv_vec_shrink_to(&v, 50), 0);
  cr_assert_eq(v.cap, 50, "exactly min_cap while small");
  cr_assert_eq(pv_vec_shrink_to(&v, 3), 0);
  cr_assert_eq(v.cap, 10, "not below len");
  for (size_t i = 0; i < 10; i++) cr_assert_eq(key_at(&v, i), i);
  cr_assert(is_small(&v));
  pv_vec_destroy(&v);
}

Test(range, shrink_to_pages) {
  size_t ps = pv_page_size();
  for (size_t es = 1; es <= 24; es = es == 1 ? 8 : es * 3) {
    pv_vec v;
    pv_vec_opts o = {.elem_size = es, .flags = PV_VEC_PAGES | PV_VEC_NO_HUGE};
    cr_assert_eq(pv_vec_init_opts(&v, &o), 0);
    cr_assert_eq(pv_vec_reserve_exact(&v, 64 * ps / es), 0);
    fill(&v, 10, ident);
    size_t min = 10 * ps / es + 1; /* needs 11 pages */
    cr_assert_eq(pv_vec_shrink_to(&v, min), 0);
    cr_assert_eq(pv__store_bytes(&v), 11 * ps, "es %zu: whole pages for min_cap", es);
    cr_assert_geq(v.cap, min);
    cr_assert_eq(pv_vec_shrink_to(&v, 0), 0, "floor is len");
    cr_assert_eq(pv__store_bytes(&v), ps, "one page for 10 elements");
    cr_assert_eq(key_at(&v, 9), 9);
    cr_assert(!is_small(&v), "stays in pages");
    pv_vec_destroy(&v);
  }
}

Test(range, shrink_to_errors) {
  pv_vec v = mkseq(PV_VEC_PAGES, 10);
  cr_assert_eq(pv_vec_reserve_exact(&v, 64 * pv_page_size()), 0);
  SW_EXPECT_UNCHANGED(&v, 1, PV_ENOMEM, PV_ENOMEM, pv_vec_shrink_to(&v, 100), "kernel refuses");
  cr_assert_eq(pv_vec_shrink_to(NULL, 0), PV_EINVAL);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  EXPECT_UNCHANGED(&v, PV_EACCES, pv_vec_shrink_to(&v, 0), "frozen");
  pv_vec_destroy(&v);
  cr_assert_eq(pv_vec_shrink_to(&v, 0), PV_EINVAL, "destroyed");
}

/* ---- ASan: spare opens the tail, set_len closes it ----------------------- */

#define NOT_ASAN (!PV__ASAN)

/* After pv_vec_spare the spare capacity may be written; the next
 * pv_vec_set_len poisons past the new len again: a read there is
 * reported (the test passes by dying with ASan's exit code). */
Test(range_asan, past_len_after_spare_and_set_len_is_reported, .exit_code = 1,
     .disabled = NOT_ASAN) {
  pv_vec v = mkseq(PV_VEC_PAGES, 100);
  size_t room = 0;
  uint64_t *p = pv_vec_spare(&v, &room);
  cr_assert_gt(room, 2, "room past len");
  p[0] = 100; /* addressable now */
  p[1] = 101;
  cr_assert_eq(pv_vec_set_len(&v, 101), 0, "commit one");
  volatile uint64_t x = ((volatile uint64_t *)v.data)[101];
  (void)x;
  cr_assert_fail("a read past len after spare + set_len was not reported");
}

/*
 * tests/test_typed.c - the typed layer (PV_VEC_DEFINE) with int, double, a
 * 24-byte struct and a pointer type: every generated function, the error
 * codes it passes on from the generic API, and that nothing changes after
 * an error.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"    /* pv__os_fault_set: the fault seam */
#include "store.h" /* pv__store_inspect, pv__store_small_max */
#include "paged_vec/typed.h"

typedef struct rec {
  double x, y;
  int32_t id;
  float w;
} rec; /* 24 bytes and no padding, so bytewise equality is value equality */
_Static_assert(sizeof(rec) == 24, "rec is meant to be a 24-byte struct");

PV_VEC_DEFINE(ivec, int);
PV_VEC_DEFINE(dvec, double);
PV_VEC_DEFINE(rvec, rec);
PV_VEC_DEFINE(svec, const char *);

_Static_assert(sizeof(ivec) == sizeof(pv_vec), "a typed vector is a pv_vec");
_Static_assert(sizeof(svec_elem) == sizeof(const char *), "elem is T");

/* ---- helpers ------------------------------------------------------------ */

/* What a vector looked like, to prove that a failed call changed nothing. */
typedef struct snap {
  void *data;
  size_t len, cap, elem_size;
  unsigned char *bytes;
} snap;

static snap take(const pv_vec *v) {
  snap s;
  s.data = v->data;
  s.len = v->len;
  s.cap = v->cap;
  s.elem_size = v->elem_size;
  s.bytes = malloc(s.len * s.elem_size + 1);
  cr_assert_not_null(s.bytes, "test malloc failed");
  if (s.len > 0)
    memcpy(s.bytes, v->data, s.len * s.elem_size);
  return s;
}

static void unchanged(const pv_vec *v, snap *s, const char *what) {
  cr_assert_eq(v->data, s->data, "%s: data moved", what);
  cr_assert_eq(v->len, s->len, "%s: len %zu became %zu", what, s->len, v->len);
  cr_assert_eq(v->cap, s->cap, "%s: cap %zu became %zu", what, s->cap, v->cap);
  cr_assert_eq(v->elem_size, s->elem_size, "%s: elem_size changed", what);
  if (s->len > 0)
    cr_assert_eq(memcmp(v->data, s->bytes, s->len * s->elem_size), 0,
                 "%s: contents changed", what);
  free(s->bytes);
  s->bytes = NULL;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cmp_rec_id(const void *a, const void *b) {
  int32_t x = ((const rec *)a)->id, y = ((const rec *)b)->id;
  return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static rec mkrec(int32_t id) {
  rec r;
  r.x = id * 1.5;
  r.y = -id * 0.25;
  r.id = id;
  r.w = (float)id / 8.0f;
  return r;
}

static int rec_same(rec a, rec b) {
  return memcmp(&a, &b, sizeof a) == 0;
}

/* An int vector holding 0 .. n-1. */
static void ivec_iota(ivec *v, int n) {
  cr_assert_eq(ivec_init(v), 0, "ivec_init");
  for (int i = 0; i < n; i++)
    cr_assert_eq(ivec_push(v, i), 0, "push %d", i);
}

/* ---- lifecycle --------------------------------------------------------- */

Test(typed, init_sets_element_size_from_type) {
  ivec i;
  dvec d;
  rvec r;
  svec s;
  cr_assert_eq(ivec_init(&i), 0, "ivec_init");
  cr_assert_eq(dvec_init(&d), 0, "dvec_init");
  cr_assert_eq(rvec_init(&r), 0, "rvec_init");
  cr_assert_eq(svec_init(&s), 0, "svec_init");
  cr_assert_eq(i.v.elem_size, sizeof(int), "int elem_size");
  cr_assert_eq(d.v.elem_size, sizeof(double), "double elem_size");
  cr_assert_eq(r.v.elem_size, sizeof(rec), "struct elem_size");
  cr_assert_eq(s.v.elem_size, sizeof(const char *), "pointer elem_size");
  cr_assert_eq(ivec_len(&i), 0, "new vector is empty");
  cr_assert_eq(ivec_cap(&i), 0, "new vector owns no memory");
  cr_assert_null(ivec_data(&i), "new vector has no data");
  cr_assert_eq(ivec_destroy(&i), 0, "destroy int");
  cr_assert_eq(dvec_destroy(&d), 0, "destroy double");
  cr_assert_eq(rvec_destroy(&r), 0, "destroy struct");
  cr_assert_eq(svec_destroy(&s), 0, "destroy pointer");
}

Test(typed, init_opts_fills_elem_size_and_checks_it) {
  pv_vec_opts o;
  rvec r;
  memset(&o, 0, sizeof o);
  o.initial_cap = 100;
  cr_assert_eq(rvec_init_opts(&r, &o), 0, "elem_size 0 is filled in");
  cr_assert_eq(r.v.elem_size, sizeof(rec), "elem_size is sizeof(T)");
  cr_assert_geq(rvec_cap(&r), 100, "initial_cap honoured");
  cr_assert_eq(o.elem_size, 0, "the caller's opts are not written");
  cr_assert_eq(rvec_destroy(&r), 0, "destroy");

  o.elem_size = sizeof(rec);
  cr_assert_eq(rvec_init_opts(&r, &o), 0, "elem_size == sizeof(T) accepted");
  cr_assert_eq(rvec_destroy(&r), 0, "destroy");

  /* A mismatched size (opts meant for another type) and NULL opts are
   * PV_EINVAL, and the vector struct is not touched. */
  rvec before;
  memset(&r, 0xA5, sizeof r);
  memcpy(&before, &r, sizeof r);
  o.elem_size = sizeof(rec) + 1;
  cr_assert_eq(rvec_init_opts(&r, &o), PV_EINVAL, "wrong elem_size");
  cr_assert_eq(memcmp(&r, &before, sizeof r), 0, "struct untouched (size)");
  cr_assert_eq(rvec_init_opts(&r, NULL), PV_EINVAL, "NULL opts");
  cr_assert_eq(memcmp(&r, &before, sizeof r), 0, "struct untouched (NULL)");
  o.elem_size = 0;
  o.grow = PV_GROW_STABLE; /* max_len 0: invalid in the generic API */
  cr_assert_eq(rvec_init_opts(&r, &o), PV_EINVAL, "generic error passed on");
  cr_assert_eq(memcmp(&r, &before, sizeof r), 0, "struct untouched (opts)");
}

Test(typed, destroy_twice_and_use_after_destroy) {
  ivec v;
  ivec_iota(&v, 10);
  cr_assert_eq(ivec_destroy(&v), 0, "first destroy");
  cr_assert_eq(ivec_destroy(&v), 0, "second destroy is a no-op");
  cr_assert_eq(ivec_len(&v), 0, "destroyed vector is empty");
  cr_assert_null(ivec_at(&v, 0), "nothing to reach after destroy");
  cr_assert_eq(ivec_push(&v, 1), PV_EINVAL, "push after destroy");
  int *slot = (int *)&v; /* any non-NULL marker */
  cr_assert_eq(ivec_push_slot(&v, &slot), PV_EINVAL, "push_slot after destroy");
  cr_assert_eq(slot, (int *)&v, "slot untouched after failure");
  cr_assert_eq(ivec_len(&v), 0, "still empty");
}

/* ---- push / pop / access ------------------------------------------------ */

Test(typed, push_int_grows_and_keeps_values) {
  ivec v;
  const int n = 300000; /* > 1 MiB of ints: many growths */
  ivec_iota(&v, n);
  cr_assert_eq(ivec_len(&v), (size_t)n, "len after pushes");
  cr_assert_geq(ivec_cap(&v), ivec_len(&v), "cap >= len");
  int *d = ivec_data(&v);
  for (int i = 0; i < n; i++)
    if (d[i] != i)
      cr_assert_fail("element %d is %d", i, d[i]);
  cr_assert_eq(*ivec_at(&v, (size_t)n - 1), n - 1, "last element");
  cr_assert_eq(ivec_destroy(&v), 0, "destroy");
}

Test(typed, push_fills_capacity_inline_then_grows) {
  ivec v;
  cr_assert_eq(ivec_init(&v), 0, "init");
  cr_assert_eq(ivec_reserve(&v, 1), 0, "reserve");
  size_t cap = ivec_cap(&v);
  int *data = ivec_data(&v);
  cr_assert_gt(cap, 1, "a page holds more than one int");
  /* Up to cap, a push never grows (the inline path). */
  for (size_t i = 0; i < cap; i++) {
    cr_assert_eq(ivec_push(&v, (int)i * 3), 0, "push %zu", i);
    cr_assert_eq(ivec_cap(&v), cap, "cap unchanged at %zu", i);
    cr_assert_eq(ivec_data(&v), data, "data unchanged at %zu", i);
  }
  /* The next one goes through the library and grows. */
  cr_assert_eq(ivec_push(&v, -1), 0, "push past cap");
  cr_assert_gt(ivec_cap(&v), cap, "grew");
  cr_assert_eq(ivec_len(&v), cap + 1, "len");
  for (size_t i = 0; i < cap; i++)
    cr_assert_eq(*ivec_at(&v, i), (int)i * 3, "element %zu kept", i);
  cr_assert_eq(*ivec_at(&v, cap), -1, "new element");
  ivec_destroy(&v);
}

/* Lengths of an int vector, one in each phase of growth: empty, a small
 * block, the last small block before the move into pages, pages.  The
 * failure tests fill to len == cap at about each, then fail one push. */
enum { PHASES = 5 };
static void growth_phases(size_t at[PHASES]) {
  const size_t small = pv__store_small_max() / sizeof(int);
  at[0] = 0;
  at[1] = 16;
  at[2] = 1000;
  at[3] = small - 1;
  at[4] = 2 * small;
}

/* A push that must grow and cannot (the growth's malloc, realloc or
 * mapping fails) returns the code and leaves the vector as it was, in
 * every phase of growth_phases. */
Test(typed, push_growth_failure_changes_nothing) {
  ivec v;
  size_t at[PHASES];
  cr_assert_eq(ivec_init(&v), 0, "init");
  growth_phases(at);
  for (size_t k = 0; k < PHASES; k++) {
    while (ivec_len(&v) < at[k] || ivec_len(&v) < ivec_cap(&v))
      cr_assert_eq(ivec_push(&v, (int)ivec_len(&v)), 0, "fill");
    pv__store_info was = pv__store_inspect(&v.v);
    snap s = take(&v.v);
    pv__os_fault_set(1, PV_ENOMEM);
    int rc = ivec_push(&v, -7);
    pv__os_fault_set(0, 0);
    cr_assert_eq(rc, PV_ENOMEM, "at %zu: %s", at[k], pv_errname(rc));
    unchanged(&v.v, &s, "failed push");
    cr_assert_eq(pv__store_inspect(&v.v).kind, was.kind, "kind changed");
    cr_assert_eq(ivec_push(&v, (int)ivec_len(&v)), 0, "push after the failure");
  }
  cr_assert_neq(pv__store_inspect(&v.v).kind, PV__STORE_SMALL, "reached pages");
  for (size_t i = 0; i < ivec_len(&v); i++)
    cr_assert_eq(*ivec_at(&v, i), (int)i, "element %zu", i);
  ivec_destroy(&v);
}

/* ---- batches ----------------------------------------------------------- */

/* A batch is local state: what it holds is compared field by field. */
static void batch_same(const ivec_batch *b, const ivec_batch *was, const char *what) {
  cr_assert_eq(b->pv_a, was->pv_a, "%s: batch vector changed", what);
  cr_assert_eq(b->pv_data, was->pv_data, "%s: batch data changed", what);
  cr_assert_eq(b->pv_len, was->pv_len, "%s: batch len changed", what);
  cr_assert_eq(b->pv_room, was->pv_room, "%s: batch room changed", what);
}

/* Pushes through a batch land where plain pushes would, across every
 * phase (the small block, the move into pages, growth in pages), onto a
 * vector that already holds elements; len reaches the vector at end. */
Test(typed, batch_pushes_cross_every_phase) {
  ivec v;
  const size_t n = 3 * (pv__store_small_max() / sizeof(int));
  ivec_iota(&v, 10);
  ivec_batch b = ivec_batch_begin(&v);
  for (size_t i = 10; i < n; i++)
    cr_assert_eq(ivec_batch_push(&b, (int)i), 0, "batch push %zu", i);
  ivec_batch_end(&b);
  cr_assert_eq(ivec_len(&v), n, "len after end");
  cr_assert_neq(pv__store_inspect(&v.v).kind, PV__STORE_SMALL, "reached pages");
  for (size_t i = 0; i < n; i++)
    if (*ivec_at(&v, i) != (int)i)
      cr_assert_fail("element %zu is %d", i, *ivec_at(&v, i));
  /* A second batch goes on from there; an empty one changes nothing. */
  b = ivec_batch_begin(&v);
  cr_assert_eq(ivec_batch_push(&b, -1), 0, "second batch");
  ivec_batch_end(&b);
  b = ivec_batch_begin(&v);
  ivec_batch_end(&b);
  cr_assert_eq(ivec_len(&v), n + 1, "len after the second batch");
  cr_assert_eq(*ivec_last(&v), -1, "the second batch's element");
  ivec_destroy(&v);
}

/* A batch push that must grow and cannot returns the code and changes
 * neither the vector (its len is the batch's, given to it by the failed
 * push) nor the batch, in every phase; the batch then goes on. */
Test(typed, batch_growth_failure_changes_nothing) {
  ivec v;
  size_t at[PHASES];
  cr_assert_eq(ivec_init(&v), 0, "init");
  growth_phases(at);
  ivec_batch b = ivec_batch_begin(&v);
  for (size_t k = 0; k < PHASES; k++) {
    while (b.pv_len < at[k] || b.pv_len < b.pv_room)
      cr_assert_eq(ivec_batch_push(&b, (int)b.pv_len), 0, "fill");
    ivec_batch was = b;
    v.v.len = b.pv_len; /* what the failed push gives the vector */
    snap s = take(&v.v);
    pv__os_fault_set(1, PV_ENOMEM);
    int rc = ivec_batch_push(&b, -7);
    pv__os_fault_set(0, 0);
    cr_assert_eq(rc, PV_ENOMEM, "at %zu: %s", at[k], pv_errname(rc));
    unchanged(&v.v, &s, "failed batch push");
    batch_same(&b, &was, "failed batch push");
    cr_assert_eq(ivec_batch_push(&b, (int)b.pv_len), 0, "push after the failure");
  }
  ivec_batch_end(&b);
  for (size_t i = 0; i < ivec_len(&v); i++)
    cr_assert_eq(*ivec_at(&v, i), (int)i, "element %zu", i);
  ivec_destroy(&v);
}

/* The batch refuses what push refuses, with push's codes: a frozen
 * vector (PV_EACCES), a full STABLE one (PV_ENOSPC). */
Test(typed, batch_refuses_frozen_and_full_vectors) {
  ivec v;
  ivec_iota(&v, 100);
  cr_assert_eq(ivec_freeze(&v), 0, "freeze");
  snap s = take(&v.v);
  ivec_batch b = ivec_batch_begin(&v), was = b;
  cr_assert_eq(ivec_batch_push(&b, 1), PV_EACCES, "push into a frozen vector");
  unchanged(&v.v, &s, "frozen");
  batch_same(&b, &was, "frozen");
  ivec_batch_end(&b);
  cr_assert_eq(ivec_len(&v), 100, "len after end");
  cr_assert_eq(ivec_destroy(&v), 0, "destroy");

  pv_vec_opts o;
  memset(&o, 0, sizeof o);
  o.grow = PV_GROW_STABLE;
  o.max_len = 1000; /* not a whole page of ints */
  cr_assert_eq(ivec_init_opts(&v, &o), 0, "init STABLE");
  b = ivec_batch_begin(&v);
  for (int i = 0; i < 1000; i++)
    cr_assert_eq(ivec_batch_push(&b, i), 0, "push %d", i);
  was = b;
  v.v.len = b.pv_len;
  s = take(&v.v);
  cr_assert_eq(ivec_batch_push(&b, -1), PV_ENOSPC, "push past max_len");
  unchanged(&v.v, &s, "STABLE full");
  batch_same(&b, &was, "STABLE full");
  ivec_batch_end(&b);
  cr_assert_eq(ivec_len(&v), 1000, "len after end");
  ivec_destroy(&v);
}

/* NULL batches, batches of a NULL vector and ended batches: PV_EINVAL,
 * and nothing is written. */
Test(typed, batch_null_and_ended) {
  ivec v;
  ivec_iota(&v, 5);
  cr_assert_eq(ivec_batch_push(NULL, 1), PV_EINVAL, "NULL batch");
  ivec_batch_end(NULL); /* nothing to end */
  ivec_batch b = ivec_batch_begin(NULL);
  cr_assert_eq(ivec_batch_push(&b, 1), PV_EINVAL, "batch of a NULL vector");
  ivec_batch_end(&b);
  b = ivec_batch_begin(&v);
  cr_assert_eq(ivec_batch_push(&b, 5), 0, "push");
  ivec_batch_end(&b);
  snap s = take(&v.v);
  cr_assert_eq(ivec_batch_push(&b, 6), PV_EINVAL, "push after end");
  ivec_batch_end(&b); /* a second end changes nothing */
  unchanged(&v.v, &s, "ended batch");
  cr_assert_eq(ivec_len(&v), 6, "len");
  ivec_destroy(&v);
}

Test(typed, push_slot_gives_a_writable_slot) {
  rvec v;
  rec *slot = NULL;
  cr_assert_eq(rvec_init(&v), 0, "init");
  for (int32_t i = 0; i < 1000; i++) {
    cr_assert_eq(rvec_push_slot(&v, &slot), 0, "push_slot %d", (int)i);
    cr_assert_eq(slot, rvec_at(&v, (size_t)i), "slot is the new last element");
    *slot = mkrec(i);
  }
  for (int32_t i = 0; i < 1000; i++)
    cr_assert(rec_same(*rvec_at(&v, (size_t)i), mkrec(i)), "record %d", (int)i);

  snap s = take(&v.v);
  cr_assert_eq(rvec_push_slot(&v, NULL), PV_EINVAL, "NULL slot");
  unchanged(&v.v, &s, "push_slot(NULL)");
  rvec_destroy(&v);
}

Test(typed, pop_returns_last_and_empty_is_erange) {
  dvec v;
  double x = 0;
  cr_assert_eq(dvec_init(&v), 0, "init");
  for (int i = 0; i < 5; i++)
    cr_assert_eq(dvec_push(&v, i + 0.5), 0, "push");
  cr_assert_eq(dvec_pop(&v, &x), 0, "pop");
  cr_assert_eq(x, 4.5, "popped the last");
  cr_assert_eq(dvec_pop(&v, NULL), 0, "pop without out");
  cr_assert_eq(dvec_len(&v), 3, "len after two pops");
  cr_assert_eq(*dvec_at(&v, 2), 2.5, "new last element");
  while (dvec_len(&v) > 0)
    cr_assert_eq(dvec_pop(&v, &x), 0, "drain");
  cr_assert_eq(x, 0.5, "first element popped last");

  x = 42.0;
  snap s = take(&v.v);
  cr_assert_eq(dvec_pop(&v, &x), PV_ERANGE, "pop empty");
  cr_assert_eq(x, 42.0, "out untouched on failure");
  unchanged(&v.v, &s, "pop empty");

  dvec fresh;
  cr_assert_eq(dvec_init(&fresh), 0, "init");
  cr_assert_eq(dvec_pop(&fresh, &x), PV_ERANGE, "pop on a never-used vector");
  dvec_destroy(&fresh);
  dvec_destroy(&v);
}

Test(typed, at_get_set_and_their_ranges) {
  ivec v;
  ivec_iota(&v, 100);
  cr_assert_eq(*ivec_at(&v, 0), 0, "first");
  cr_assert_eq(*ivec_at(&v, 99), 99, "last");
  cr_assert_null(ivec_at(&v, 100), "at(len) is NULL");
  cr_assert_null(ivec_at(&v, SIZE_MAX), "at(SIZE_MAX) is NULL");
  cr_assert_eq(ivec_at(&v, 7), ivec_data(&v) + 7, "at is data + i");

  int x = -1;
  cr_assert_eq(ivec_get(&v, 42, &x), 0, "get");
  cr_assert_eq(x, 42, "got element 42");
  cr_assert_eq(ivec_set(&v, 42, -42), 0, "set");
  cr_assert_eq(*ivec_at(&v, 42), -42, "set stored");
  cr_assert_eq(ivec_set(&v, 99, 1000), 0, "set last");
  cr_assert_eq(*ivec_at(&v, 99), 1000, "last stored");

  snap s = take(&v.v);
  x = 7;
  cr_assert_eq(ivec_get(&v, 100, &x), PV_ERANGE, "get(len)");
  cr_assert_eq(x, 7, "out untouched");
  cr_assert_eq(ivec_get(&v, 0, NULL), PV_EINVAL, "get with NULL out");
  cr_assert_eq(ivec_set(&v, 100, 5), PV_ERANGE, "set(len)");
  cr_assert_eq(ivec_set(&v, SIZE_MAX, 5), PV_ERANGE, "set(SIZE_MAX)");
  unchanged(&v.v, &s, "get/set out of range");
  ivec_destroy(&v);
}

/* ---- bulk mutation (double) -------------------------------------------- */

Test(typed, append_insert_remove_double) {
  dvec v;
  const double a[] = {1.0, 2.0, 3.0, 4.0};
  const double mid[] = {9.5, 9.75};
  double out[3] = {0, 0, 0};
  cr_assert_eq(dvec_init(&v), 0, "init");
  cr_assert_eq(dvec_append(&v, a, 4), 0, "append");
  cr_assert_eq(dvec_append(&v, NULL, 0), 0, "append 0 with NULL");
  cr_assert_eq(dvec_insert(&v, 1, mid, 2), 0, "insert in the middle");
  cr_assert_eq(dvec_insert(&v, dvec_len(&v), a, 1), 0, "insert at len appends");
  cr_assert_eq(dvec_insert(&v, 0, a + 3, 1), 0, "insert at 0");
  /* 4 1 9.5 9.75 2 3 4 1 */
  const double want1[] = {4, 1, 9.5, 9.75, 2, 3, 4, 1};
  cr_assert_eq(dvec_len(&v), 8, "len after inserts");
  cr_assert_arr_eq(dvec_data(&v), want1, sizeof want1, "after inserts");

  cr_assert_eq(dvec_remove(&v, 2, 3, out), 0, "remove 3 from index 2");
  cr_assert_eq(out[0], 9.5, "removed[0]");
  cr_assert_eq(out[1], 9.75, "removed[1]");
  cr_assert_eq(out[2], 2.0, "removed[2]");
  cr_assert_eq(dvec_remove(&v, 1, 0, NULL), 0, "remove 0 is a no-op");
  cr_assert_eq(dvec_remove(&v, dvec_len(&v), 0, NULL), 0, "remove 0 at len");
  /* 4 1 3 4 1 */
  cr_assert_eq(dvec_swap_remove(&v, 0, out), 0, "swap_remove first");
  cr_assert_eq(out[0], 4.0, "swap_removed value");
  /* 1 1 3 4 */
  cr_assert_eq(dvec_swap_remove(&v, 3, NULL), 0, "swap_remove last");
  const double want2[] = {1, 1, 3};
  cr_assert_eq(dvec_len(&v), 3, "len after removes");
  cr_assert_arr_eq(dvec_data(&v), want2, sizeof want2, "after removes");
  cr_assert_eq(dvec_push(&v, 2.0), 0, "push");
  cr_assert_eq(dvec_sort(&v, cmp_double), 0, "sort doubles");
  const double want3[] = {1, 1, 2, 3};
  cr_assert_arr_eq(dvec_data(&v), want3, sizeof want3, "sorted");
  double key = 2.0;
  size_t idx = 0;
  cr_assert_eq(dvec_bsearch(&v, &key, cmp_double, &idx), 0, "bsearch 2.0");
  cr_assert_eq(idx, 2, "2.0 is third");

  snap s = take(&v.v);
  cr_assert_eq(dvec_insert(&v, 5, a, 1), PV_ERANGE, "insert past len");
  cr_assert_eq(dvec_remove(&v, 3, 2, out), PV_ERANGE, "remove past len");
  cr_assert_eq(dvec_remove(&v, 1, SIZE_MAX, out), PV_ERANGE, "i + n overflows");
  cr_assert_eq(dvec_swap_remove(&v, 4, out), PV_ERANGE, "swap_remove(len)");
  cr_assert_eq(dvec_append(&v, NULL, 1), PV_EINVAL, "append NULL elems");
  cr_assert_eq(dvec_append(&v, a, SIZE_MAX), PV_EOVERFLOW, "append SIZE_MAX");
  cr_assert_eq(dvec_insert(&v, 0, a, SIZE_MAX / 2), PV_EOVERFLOW,
               "insert SIZE_MAX/2 doubles");
  unchanged(&v.v, &s, "failed bulk mutations");
  dvec_destroy(&v);
}

Test(typed, append_from_itself) {
  ivec v;
  ivec_iota(&v, 1000);
  cr_assert_eq(ivec_append(&v, ivec_data(&v), 1000), 0, "self append");
  cr_assert_eq(ivec_len(&v), 2000, "doubled");
  for (int i = 0; i < 2000; i++)
    cr_assert_eq(*ivec_at(&v, (size_t)i), i % 1000, "element %d", i);
  ivec_destroy(&v);
}

Test(typed, resize_truncate_clear) {
  dvec v;
  double fill = 2.5;
  cr_assert_eq(dvec_init(&v), 0, "init");
  cr_assert_eq(dvec_resize(&v, 10, &fill), 0, "resize up with fill");
  cr_assert_eq(dvec_resize(&v, 20, NULL), 0, "resize up with zeros");
  cr_assert_eq(dvec_len(&v), 20, "len");
  for (size_t i = 0; i < 20; i++)
    cr_assert_eq(*dvec_at(&v, i), i < 10 ? 2.5 : 0.0, "element %zu", i);
  size_t cap = dvec_cap(&v);
  cr_assert_eq(dvec_resize(&v, 5, &fill), 0, "resize down");
  cr_assert_eq(dvec_len(&v), 5, "len after shrink");
  cr_assert_eq(dvec_cap(&v), cap, "shrinking keeps cap");
  cr_assert_eq(dvec_truncate(&v, 100), 0, "truncate past len is a no-op");
  cr_assert_eq(dvec_len(&v), 5, "still 5");
  cr_assert_eq(dvec_truncate(&v, 2), 0, "truncate");
  cr_assert_eq(dvec_len(&v), 2, "len after truncate");
  cr_assert_eq(*dvec_at(&v, 1), 2.5, "kept element");

  snap s = take(&v.v);
  cr_assert_eq(dvec_resize(&v, SIZE_MAX, &fill), PV_EOVERFLOW,
               "resize to SIZE_MAX doubles");
  unchanged(&v.v, &s, "failed resize");

  cr_assert_eq(dvec_clear(&v), 0, "clear");
  cr_assert_eq(dvec_len(&v), 0, "empty");
  cr_assert_eq(dvec_cap(&v), cap, "clear keeps cap");
  dvec_destroy(&v);
}

/* ---- capacity ----------------------------------------------------------- */

Test(typed, reserve_shrink_trim) {
  dvec v;
  cr_assert_eq(dvec_init(&v), 0, "init");
  cr_assert_eq(dvec_reserve(&v, 5000), 0, "reserve");
  cr_assert_geq(dvec_cap(&v), 5000, "cap after reserve");
  cr_assert_eq(dvec_reserve(&v, 0), 0, "reserve 0");
  cr_assert_eq(dvec_reserve_exact(&v, 20000), 0, "reserve_exact");
  size_t cap = dvec_cap(&v);
  cr_assert_geq(cap, 20000, "cap after reserve_exact");
  /* "no more than whole pages": less than one page of slack. */
  cr_assert_lt((cap - 20000) * sizeof(double), pv_page_size(),
               "reserve_exact rounds to pages only");
  for (int i = 0; i < 100; i++)
    cr_assert_eq(dvec_push(&v, i), 0, "push");
  double *data = dvec_data(&v);
  cr_assert_eq(dvec_trim(&v), 0, "trim");
  cr_assert_eq(dvec_cap(&v), cap, "trim keeps cap");
  cr_assert_eq(dvec_data(&v), data, "trim does not move");
  for (int i = 0; i < 100; i++)
    cr_assert_eq(*dvec_at(&v, (size_t)i), (double)i, "element %d after trim", i);
  cr_assert_eq(dvec_shrink_to_fit(&v), 0, "shrink_to_fit");
  cr_assert_lt(dvec_cap(&v), cap, "cap lowered");
  cr_assert_geq(dvec_cap(&v), 100, "elements still fit");
  for (int i = 0; i < 100; i++)
    cr_assert_eq(*dvec_at(&v, (size_t)i), (double)i, "element %d after shrink", i);

  snap s = take(&v.v);
  cr_assert_eq(dvec_reserve(&v, SIZE_MAX), PV_EOVERFLOW, "reserve SIZE_MAX");
  cr_assert_eq(dvec_reserve_exact(&v, SIZE_MAX), PV_EOVERFLOW,
               "reserve_exact SIZE_MAX");
  unchanged(&v.v, &s, "failed reserve");
  dvec_destroy(&v);
}

Test(typed, stable_vector_full_is_enospc_on_the_inline_path) {
  /* max_len is not a whole page of ints: the typed push must stop at
   * max_len exactly like the generic one. */
  pv_vec_opts o;
  ivec v;
  const size_t max = 1000;
  memset(&o, 0, sizeof o);
  o.grow = PV_GROW_STABLE;
  o.max_len = max;
  cr_assert_eq(ivec_init_opts(&v, &o), 0, "init STABLE");
  cr_assert_eq(ivec_push(&v, 0), 0, "first push");
  int *first = ivec_at(&v, 0);
  for (size_t i = 1; i < max; i++)
    cr_assert_eq(ivec_push(&v, (int)i), 0, "push %zu", i);
  cr_assert_eq(ivec_at(&v, 0), first, "STABLE: element 0 never moved");
  snap s = take(&v.v);
  cr_assert_eq(ivec_push(&v, -1), PV_ENOSPC, "push past max_len");
  int *slot = NULL;
  cr_assert_eq(ivec_push_slot(&v, &slot), PV_ENOSPC, "push_slot past max_len");
  cr_assert_null(slot, "slot untouched");
  unchanged(&v.v, &s, "STABLE full");
  ivec_destroy(&v);
}

/* ---- whole vector (24-byte struct, pointer type) ------------------------ */

Test(typed, copy_equal_sort_bsearch_struct) {
  rvec a, b;
  cr_assert_eq(rvec_init(&a), 0, "init a");
  cr_assert_eq(rvec_init(&b), 0, "init b");
  /* ids 0, 7, 14, ... in a scrambled order */
  for (int32_t i = 0; i < 500; i++)
    cr_assert_eq(rvec_push(&a, mkrec((i * 37 % 500) * 7)), 0, "push");
  cr_assert(rvec_equal(&a, &a), "equal to itself");
  cr_assert(!rvec_equal(&a, &b), "not equal to an empty one");
  cr_assert_eq(rvec_copy(&b, &a), 0, "copy");
  cr_assert(rvec_equal(&a, &b), "equal after copy");
  cr_assert_neq(rvec_data(&a), rvec_data(&b), "a copy has its own data");
  cr_assert_eq(rvec_set(&b, 3, mkrec(-1)), 0, "set in the copy");
  cr_assert(!rvec_equal(&a, &b), "differs after set");
  cr_assert(rec_same(*rvec_at(&a, 3), mkrec((3 * 37 % 500) * 7)),
            "original untouched by the copy's set");

  cr_assert_eq(rvec_sort(&a, cmp_rec_id), 0, "sort");
  for (int32_t i = 0; i < 500; i++)
    cr_assert(rec_same(*rvec_at(&a, (size_t)i), mkrec(i * 7)),
              "sorted record %d", (int)i);

  size_t idx = SIZE_MAX;
  rec key = mkrec(0);
  key.id = 70;
  cr_assert_eq(rvec_bsearch(&a, &key, cmp_rec_id, &idx), 0, "found");
  cr_assert_eq(idx, 10, "index of id 70");
  key.id = 71;
  cr_assert_eq(rvec_bsearch(&a, &key, cmp_rec_id, &idx), PV_ENOENT, "absent");
  cr_assert_eq(idx, 11, "insertion point of id 71");
  key.id = -5;
  cr_assert_eq(rvec_bsearch(&a, &key, cmp_rec_id, &idx), PV_ENOENT, "below");
  cr_assert_eq(idx, 0, "insertion point at the front");

  snap s = take(&a.v);
  cr_assert_eq(rvec_copy(&a, &a), PV_EINVAL, "copy onto itself");
  cr_assert_eq(rvec_sort(&a, NULL), PV_EINVAL, "sort without cmp");
  cr_assert_eq(rvec_bsearch(&a, NULL, cmp_rec_id, &idx), PV_EINVAL, "NULL key");
  cr_assert_eq(rvec_bsearch(&a, &key, cmp_rec_id, NULL), PV_EINVAL, "NULL index");
  unchanged(&a.v, &s, "failed whole-vector calls");
  rvec_destroy(&a);
  rvec_destroy(&b);
}

Test(typed, pointer_elements) {
  static const char *const words[] = {"pear", "apple", "fig", "kiwi", "date"};
  const size_t nw = sizeof words / sizeof words[0];
  svec v, w;
  cr_assert_eq(svec_init(&v), 0, "init");
  /* A `const char *const *` is a `const svec_elem *`: the typedef keeps the
   * const on the pointer, not on the chars. */
  cr_assert_eq(svec_append(&v, words, nw), 0, "append words");
  cr_assert_eq(svec_push(&v, "banana"), 0, "push a literal");
  cr_assert_eq(svec_len(&v), nw + 1, "len");
  cr_assert_eq(*svec_at(&v, 0), words[0], "same pointer stored");
  cr_assert_eq(svec_sort(&v, cmp_str), 0, "sort by string");
  const char *want[] = {"apple", "banana", "date", "fig", "kiwi", "pear"};
  for (size_t i = 0; i < nw + 1; i++)
    cr_assert_str_eq(*svec_at(&v, i), want[i], "sorted word %zu", i);
  const char *key = "fig";
  size_t idx = 0;
  cr_assert_eq(svec_bsearch(&v, &key, cmp_str, &idx), 0, "bsearch word");
  cr_assert_eq(idx, 3, "fig is fourth");

  const char *got = NULL;
  cr_assert_eq(svec_pop(&v, &got), 0, "pop");
  cr_assert_str_eq(got, "pear", "popped pointer");
  cr_assert_eq(svec_swap_remove(&v, 0, &got), 0, "swap_remove");
  cr_assert_str_eq(got, "apple", "swap_removed pointer");
  cr_assert_str_eq(*svec_at(&v, 0), "kiwi", "last moved into the hole");
  const char *null_fill = NULL;
  cr_assert_eq(svec_resize(&v, 10, &null_fill), 0, "resize with NULL pointers");
  cr_assert_null(*svec_at(&v, 9), "filled with NULL");
  cr_assert_eq(svec_init(&w), 0, "init w");
  cr_assert_eq(svec_copy(&w, &v), 0, "copy pointers");
  cr_assert(svec_equal(&w, &v), "copies equal");
  cr_assert_eq(svec_remove(&w, 0, 4, NULL), 0, "remove");
  cr_assert_eq(svec_len(&w), 6, "len after remove");
  svec_destroy(&w);
  svec_destroy(&v);
}

/* ---- freeze ------------------------------------------------------------- */

Test(typed, frozen_vector_refuses_every_mutator) {
  ivec v, other;
  ivec_iota(&v, 10); /* len 10, cap a page: the push fast path has room */
  cr_assert_lt(ivec_len(&v), ivec_cap(&v), "room left for an inline push");
  cr_assert_eq(ivec_init(&other), 0, "init other");
  cr_assert_eq(ivec_freeze(&v), 0, "freeze");
  cr_assert(ivec_frozen(&v), "frozen");
  cr_assert_eq(ivec_freeze(&v), 0, "freeze twice is a no-op");

  snap s = take(&v.v);
  int x = 99, *slot = NULL;
  const int three[] = {1, 2, 3};
  cr_assert_eq(ivec_push(&v, 1), PV_EACCES, "push");
  cr_assert_eq(ivec_push_slot(&v, &slot), PV_EACCES, "push_slot");
  cr_assert_null(slot, "slot untouched");
  cr_assert_eq(ivec_pop(&v, &x), PV_EACCES, "pop");
  cr_assert_eq(x, 99, "pop out untouched");
  cr_assert_eq(ivec_set(&v, 0, 5), PV_EACCES, "set");
  cr_assert_eq(ivec_append(&v, three, 3), PV_EACCES, "append");
  cr_assert_eq(ivec_insert(&v, 0, three, 3), PV_EACCES, "insert");
  cr_assert_eq(ivec_remove(&v, 0, 1, NULL), PV_EACCES, "remove");
  cr_assert_eq(ivec_swap_remove(&v, 0, NULL), PV_EACCES, "swap_remove");
  cr_assert_eq(ivec_resize(&v, 20, NULL), PV_EACCES, "resize");
  cr_assert_eq(ivec_truncate(&v, 1), PV_EACCES, "truncate");
  cr_assert_eq(ivec_clear(&v), PV_EACCES, "clear");
  cr_assert_eq(ivec_sort(&v, cmp_int), PV_EACCES, "sort");
  cr_assert_eq(ivec_reserve(&v, 1000000), PV_EACCES, "reserve");
  cr_assert_eq(ivec_shrink_to_fit(&v), PV_EACCES, "shrink_to_fit");
  cr_assert_eq(ivec_trim(&v), PV_EACCES, "trim");
  unchanged(&v.v, &s, "frozen mutators");

  /* Reading still works; so does copying out of it. */
  cr_assert_eq(ivec_get(&v, 3, &x), 0, "get from frozen");
  cr_assert_eq(x, 3, "value read");
  cr_assert_eq(*ivec_at(&v, 9), 9, "at on frozen");
  cr_assert_eq(ivec_copy(&other, &v), 0, "copy from frozen");
  cr_assert(ivec_equal(&other, &v), "copy equal");
  cr_assert_eq(ivec_copy(&v, &other), PV_EACCES, "copy into frozen");

  cr_assert_eq(ivec_thaw(&v), 0, "thaw");
  cr_assert(!ivec_frozen(&v), "not frozen");
  cr_assert_eq(ivec_push(&v, 10), 0, "push after thaw");
  cr_assert_eq(ivec_set(&v, 0, -7), 0, "set after thaw");
  cr_assert_eq(*ivec_at(&v, 0), -7, "set stored");
  cr_assert_eq(*ivec_at(&v, 10), 10, "push stored");
  ivec_destroy(&other);
  ivec_destroy(&v);
}

Test(typed, frozen_raw_write_through_data_faults, .signal = SIGSEGV) {
  dvec v;
  cr_assert_eq(dvec_init(&v), 0, "init");
  cr_assert_eq(dvec_push(&v, 1.0), 0, "push");
  cr_assert_eq(dvec_freeze(&v), 0, "freeze");
  volatile double *d = dvec_data(&v);
  d[0] = 2.0; /* must fault */
  cr_assert_fail("a write to a frozen vector did not fault");
}

/* ---- the rest of the family and NULL handling --------------------------- */

Test(typed, advise_and_resident_forward) {
  ivec v;
  ivec_iota(&v, 100000);
  cr_assert_eq(ivec_advise(&v, PV_ADVISE_SEQUENTIAL), 0, "advise");
  cr_assert_eq(ivec_advise(&v, (pv_advice)12345), PV_EINVAL, "unknown advice");
  size_t bytes = 0;
  int rc = ivec_resident(&v, &bytes);
  if (rc == PV_ENOTSUP)
    cr_skip_test("resident: not available on this platform");
  cr_assert_eq(rc, 0, "resident");
  cr_assert_geq(bytes, 100000 * sizeof(int) / 2,
                "the pages just written are mostly resident");
  cr_assert_eq(ivec_resident(&v, NULL), PV_EINVAL, "NULL bytes");
  ivec_destroy(&v);
}

Test(typed, null_vector_gives_the_generic_answers) {
  ivec *n = NULL;
  int x = 3, *slot = NULL;
  size_t idx = 0, bytes = 0;
  pv_vec_opts o;
  memset(&o, 0, sizeof o);
  cr_assert_eq(ivec_init(n), PV_EINVAL, "init");
  cr_assert_eq(ivec_init_opts(n, &o), PV_EINVAL, "init_opts");
  cr_assert_eq(ivec_destroy(n), PV_EINVAL, "destroy");
  cr_assert_eq(ivec_push(n, 1), PV_EINVAL, "push");
  cr_assert_eq(ivec_push_slot(n, &slot), PV_EINVAL, "push_slot");
  cr_assert_eq(ivec_pop(n, &x), PV_EINVAL, "pop");
  cr_assert_null(ivec_at(n, 0), "at");
  cr_assert_eq(ivec_get(n, 0, &x), PV_EINVAL, "get");
  cr_assert_eq(ivec_set(n, 0, 1), PV_EINVAL, "set");
  cr_assert_null(ivec_data(n), "data");
  cr_assert_eq(ivec_len(n), 0, "len");
  cr_assert_eq(ivec_cap(n), 0, "cap");
  cr_assert_eq(ivec_reserve(n, 1), PV_EINVAL, "reserve");
  cr_assert_eq(ivec_reserve_exact(n, 1), PV_EINVAL, "reserve_exact");
  cr_assert_eq(ivec_append(n, &x, 1), PV_EINVAL, "append");
  cr_assert_eq(ivec_insert(n, 0, &x, 1), PV_EINVAL, "insert");
  cr_assert_eq(ivec_remove(n, 0, 1, NULL), PV_EINVAL, "remove");
  cr_assert_eq(ivec_swap_remove(n, 0, NULL), PV_EINVAL, "swap_remove");
  cr_assert_eq(ivec_resize(n, 1, NULL), PV_EINVAL, "resize");
  cr_assert_eq(ivec_truncate(n, 0), PV_EINVAL, "truncate");
  cr_assert_eq(ivec_clear(n), PV_EINVAL, "clear");
  cr_assert_eq(ivec_shrink_to_fit(n), PV_EINVAL, "shrink_to_fit");
  cr_assert_eq(ivec_trim(n), PV_EINVAL, "trim");
  cr_assert_eq(ivec_copy(n, n), PV_EINVAL, "copy");
  cr_assert(!ivec_equal(n, n), "equal");
  cr_assert_eq(ivec_sort(n, cmp_int), PV_EINVAL, "sort");
  cr_assert_eq(ivec_bsearch(n, &x, cmp_int, &idx), PV_EINVAL, "bsearch");
  cr_assert_eq(ivec_freeze(n), PV_EINVAL, "freeze");
  cr_assert_eq(ivec_thaw(n), PV_EINVAL, "thaw");
  cr_assert(!ivec_frozen(n), "frozen");
  cr_assert_eq(ivec_advise(n, PV_ADVISE_NORMAL), PV_EINVAL, "advise");
  cr_assert_eq(ivec_resident(n, &bytes), PV_EINVAL, "resident");
  cr_assert_null(slot, "slot untouched");
  cr_assert_eq(x, 3, "out untouched");
}

/* ---- a small model test of the inline paths ----------------------------- */

/* A seeded xorshift so a failure can be replayed. */
static uint64_t rng_next(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

Test(typed, random_ops_match_a_plain_array) {
  /* The inline push/pop/get/set paths and the forwarded bulk calls against
   * a plain array, crossing the fast/slow boundary many times. */
  enum { OPS = 60000, MAXLEN = 20000 };
  const char *env = getenv("PV_TYPED_SEED");
  uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : 0x9E3779B97F4A7C15u;
  uint64_t s = seed;
  int *ref = malloc((MAXLEN + 1) * sizeof(int));
  size_t n = 0;
  ivec v;
  cr_assert_not_null(ref, "malloc");
  cr_assert_eq(ivec_init(&v), 0, "init");
  for (int op = 0; op < OPS; op++) {
    uint64_t r = rng_next(&s);
    int val = (int)(r >> 40);
    int rc;
    if (n == MAXLEN) { /* keep the reference array in bounds */
      rc = ivec_truncate(&v, n / 2);
      cr_assert_eq(rc, 0, "seed %#llx op %d: truncate at the bound",
                   (unsigned long long)seed, op);
      n /= 2;
    }
    switch (r % 8) {
    case 0:
    case 1:
    case 2: /* push, the most common */
      rc = ivec_push(&v, val);
      cr_assert_eq(rc, 0, "seed %#llx op %d: push", (unsigned long long)seed, op);
      ref[n++] = val;
      break;
    case 3: { /* pop */
      int out = 0;
      rc = ivec_pop(&v, &out);
      if (n == 0) {
        cr_assert_eq(rc, PV_ERANGE, "seed %#llx op %d: pop empty",
                     (unsigned long long)seed, op);
      } else {
        cr_assert_eq(rc, 0, "seed %#llx op %d: pop", (unsigned long long)seed, op);
        cr_assert_eq(out, ref[--n], "seed %#llx op %d: popped value",
                     (unsigned long long)seed, op);
      }
      break;
    }
    case 4: { /* set and get at a random index, sometimes out of range */
      size_t i = (size_t)(r >> 8) % (n + 2);
      rc = ivec_set(&v, i, val);
      cr_assert_eq(rc, i < n ? 0 : PV_ERANGE, "seed %#llx op %d: set",
                   (unsigned long long)seed, op);
      if (i < n)
        ref[i] = val;
      int got = 0;
      rc = ivec_get(&v, i, &got);
      cr_assert_eq(rc, i < n ? 0 : PV_ERANGE, "seed %#llx op %d: get",
                   (unsigned long long)seed, op);
      if (i < n)
        cr_assert_eq(got, val, "seed %#llx op %d: get value",
                     (unsigned long long)seed, op);
      break;
    }
    case 5: { /* push_slot */
      int *slot = NULL;
      rc = ivec_push_slot(&v, &slot);
      cr_assert_eq(rc, 0, "seed %#llx op %d: push_slot",
                   (unsigned long long)seed, op);
      *slot = val;
      ref[n++] = val;
      break;
    }
    case 6: { /* swap_remove or insert */
      if (n > 0 && (r & 256)) {
        size_t i = (size_t)(r >> 12) % n;
        rc = ivec_swap_remove(&v, i, NULL);
        cr_assert_eq(rc, 0, "seed %#llx op %d: swap_remove",
                     (unsigned long long)seed, op);
        ref[i] = ref[--n];
      } else {
        size_t i = (size_t)(r >> 12) % (n + 1);
        rc = ivec_insert(&v, i, &val, 1);
        cr_assert_eq(rc, 0, "seed %#llx op %d: insert",
                     (unsigned long long)seed, op);
        memmove(ref + i + 1, ref + i, (n - i) * sizeof(int));
        ref[i] = val;
        n++;
      }
      break;
    }
    default: /* truncate now and then, else a batch of pushes */
      if (((r >> 3) & 0x1F) == 0) {
        size_t keep = n / 2;
        rc = ivec_truncate(&v, keep);
        cr_assert_eq(rc, 0, "seed %#llx op %d: truncate",
                     (unsigned long long)seed, op);
        n = keep;
      } else {
        size_t k = (size_t)(r >> 16) % 64u;
        ivec_batch b = ivec_batch_begin(&v);
        for (size_t j = 0; j < k && n < MAXLEN; j++) {
          rc = ivec_batch_push(&b, val + (int)j);
          cr_assert_eq(rc, 0, "seed %#llx op %d: batch push",
                       (unsigned long long)seed, op);
          ref[n++] = val + (int)j;
        }
        ivec_batch_end(&b);
      }
      break;
    }
    if (op % 1000 == 999 || op == OPS - 1) {
      cr_assert_eq(ivec_len(&v), n, "seed %#llx op %d: len",
                   (unsigned long long)seed, op);
      if (n > 0)
        cr_assert_eq(memcmp(ivec_data(&v), ref, n * sizeof(int)), 0,
                     "seed %#llx op %d: contents", (unsigned long long)seed, op);
    }
  }
  ivec_destroy(&v);
  free(ref);
}

/* ---- ASan --------------------------------------------------------------- */

/* Built with ASan, push and pop go through the library, which keeps the
 * bytes past len poisoned: a raw write there is reported (exit code 1). */
#define NOT_ASAN (!PV__ASAN)

Test(typed_asan, write_past_len_is_reported, .exit_code = 1, .disabled = NOT_ASAN) {
  ivec v;
  cr_assert_eq(ivec_init(&v), 0, "init");
  for (int i = 0; i < 10; i++) cr_assert_eq(ivec_push(&v, i), 0, "push %d", i);
  ((volatile int *)ivec_data(&v))[10] = 1;
  cr_assert_fail("a write past len was not reported (cap %zu)", ivec_cap(&v));
}

/* The fill-and-commit, callback and range functions with T in their
 * signatures (each forwards to the generic one, tested in
 * test_vec_range.c); here: the types line up and the values come back. */
static int icmp_r(const void *a, const void *b, void *ctx) {
  int x = *(const int *)a, y = *(const int *)b;
  return *(const int *)ctx * ((x > y) - (x < y));
}
static bool keep_odd(const void *e, void *ctx) {
  (*(int *)ctx)++;
  return *(const int *)e % 2 != 0;
}

Test(typed, range_operations_int) {
  ivec v, d;
  cr_assert_eq(ivec_init(&v), 0);
  cr_assert_eq(ivec_init(&d), 0);
  int *first = NULL;
  cr_assert_eq(ivec_extend_uninit(&v, 10, &first), 0);
  cr_assert_eq(first, ivec_data(&v));
  for (int i = 0; i < 10; i++) first[i] = 9 - i;
  int asc = 1;
  cr_assert_eq(ivec_sort_r(&v, icmp_r, &asc), 0);
  for (int i = 0; i < 10; i++) cr_assert_eq(*ivec_at(&v, (size_t)i), i);
  size_t ix = 99;
  int key = 6;
  cr_assert_eq(ivec_bsearch_r(&v, &key, icmp_r, &asc, &ix), 0);
  cr_assert_eq(ix, 6);
  cr_assert_eq(*ivec_last(&v), 9);
  cr_assert_eq(ivec_swap(&v, 0, 9), 0);
  cr_assert_eq(*ivec_at(&v, 0), 9);
  cr_assert_eq(ivec_swap(&v, 0, 9), 0);
  cr_assert_eq(ivec_extend_from_within(&v, 0, 2), 0); /* 0..9 0 1 */
  cr_assert_eq(ivec_len(&v), 12);
  cr_assert_eq(*ivec_last(&v), 1);
  cr_assert_eq(ivec_split_off(&v, 10, &d), 0);
  cr_assert_eq(ivec_len(&d), 2);
  cr_assert_eq(*ivec_at(&d, 1), 1);
  int calls = 0;
  cr_assert_eq(ivec_retain(&v, keep_odd, &calls), 0); /* 1 3 5 7 9 */
  cr_assert_eq(calls, 10);
  cr_assert_eq(ivec_len(&v), 5);
  cr_assert_eq(*ivec_at(&v, 2), 5);
  cr_assert_eq(ivec_set_len(&v, 3), 0);
  cr_assert_eq(ivec_extend_from_within(&v, 2, 1), 0); /* 1 3 5 5 */
  cr_assert_eq(ivec_dedup(&v, icmp_r, &asc), 0);
  cr_assert_eq(ivec_len(&v), 3);
  size_t room = 0;
  cr_assert_eq(ivec_reserve(&v, 8), 0);
  int *sp = ivec_spare(&v, &room);
  cr_assert_eq(sp, ivec_data(&v) + 3);
  cr_assert_geq(room, 8);
  sp[0] = 42;
  cr_assert_eq(ivec_set_len(&v, 4), 0);
  cr_assert_eq(*ivec_last(&v), 42);
  cr_assert_eq(ivec_shrink_to(&v, 0), 0);
  cr_assert_eq(ivec_cap(&v), 4, "a small vector shrinks to len");
  cr_assert_eq(ivec_set_len(&v, 5), PV_ERANGE);
  cr_assert_eq(ivec_extend_uninit(NULL, 1, &first), PV_EINVAL);
  cr_assert_null(ivec_last(NULL));
  cr_assert_null(ivec_spare(NULL, &room));
  ivec_destroy(&v);
  ivec_destroy(&d);
}

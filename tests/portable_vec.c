/*
 * tests/portable_vec.c - the container on every platform, in each growth
 * mode: the API walk, freeze and the guard page proven by faults, the
 * error codes with "nothing changed", injected OS failures, and a reduced
 * randomized model test against the reference model (tests/model.h).
 */
#include "portable_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "os.h"
#include "paged_vec.h"
#include "store.h"

/* An element whose size is not a power of two, so capacities are not
 * page-multiples of elements and every size computation is exercised. */
typedef struct elem {
  uint32_t a, b, c;
} elem;

static elem mk(size_t i) {
  elem e = {(uint32_t)i, (uint32_t)(i * 7u + 1u), (uint32_t)~i};
  return e;
}
static bool eq(elem x, elem y) { return x.a == y.a && x.b == y.b && x.c == y.c; }

static const char *mode_name(pv_grow g) {
  switch (g) {
  case PV_GROW_DEFAULT: return "default";
  case PV_GROW_REMAP: return "remap";
  case PV_GROW_STABLE: return "stable";
  case PV_GROW_COPY: return "copy";
  }
  return "?";
}

/* Elements per page-ish unit used to size the scenarios. */
static size_t per_page(void) { return pv_page_size() / sizeof(elem); }

/* A vector's struct and its private state (lib/store.h), to compare. */
typedef struct vsnap {
  pv_vec v;
  pv__store_info st;
} vsnap;

static vsnap snap_of(const pv_vec *v) {
  vsnap s;
  s.v = *v;
  s.st = pv__store_inspect(v);
  return s;
}

static bool same_vec(const pv_vec *a, const vsnap *b) {
  pv__store_info st = pv__store_inspect(a);
  return memcmp(a, &b->v, sizeof *a) == 0 && memcmp(&st, &b->st, sizeof st) == 0;
}

/* Elements 0..len-1 are mk(base + i)? */
static size_t first_bad(const pv_vec *v, size_t base) {
  for (size_t i = 0; i < v->len; i++)
    if (!eq(((const elem *)v->data)[i], mk(base + i))) return i;
  return v->len;
}

/* init_opts for a mode (REMAP too: without mremap it commits in place
 * inside a reservation and copies when that is full). */
static bool make_vec(pv_vec *v, pv_grow g, unsigned flags, size_t max_len) {
  pv_vec_opts o = {sizeof(elem), 0, g == PV_GROW_STABLE ? max_len : 0, g, flags};
  int rc = pv_vec_init_opts(v, &o);
  PT_CHECK(rc == 0, "init %s: %s", mode_name(g), pv_errname(rc));
  return rc == 0;
}

/* ---- the API walk, once per mode --------------------------------------- */

static void walk(pv_grow g, unsigned flags) {
  const long long live = (pv_cache_trim(), pv__os_live_bytes());
  const size_t n = 5 * per_page() + 3; /* several growths */
  pv_vec v;
  /* PV_VEC_PAGES: the walk checks page behaviour from the first element. */
  if (!make_vec(&v, g, flags | PV_VEC_PAGES, 4 * n)) return;
  PT_CHECK(v.len == 0, "new vector not empty");
  void *stable_data = v.data;
  for (size_t i = 0; i < n; i++) {
    elem e = mk(i);
    int rc = pv_vec_push(&v, &e);
    PT_REQUIRE(rc == 0, "%s: push %zu: %s", mode_name(g), i, pv_errname(rc));
    if (g == PV_GROW_STABLE)
      PT_REQUIRE(v.data == stable_data, "STABLE data moved at push %zu", i);
  }
  PT_CHECK(v.len == n && v.cap >= n, "len %zu cap %zu after %zu pushes", v.len, v.cap, n);
  PT_CHECK((uintptr_t)v.data % pv_page_size() == 0, "data not page-aligned");
  PT_CHECK(first_bad(&v, 0) == n, "%s: element %zu wrong after pushes", mode_name(g),
           first_bad(&v, 0));

  elem e, got;
  PT_CHECK(pv_vec_get(&v, n - 1, &got) == 0 && eq(got, mk(n - 1)), "get last");
  PT_CHECK(pv_vec_at(&v, n) == NULL, "at(len) is not NULL");
  e = mk(1000000);
  PT_CHECK(pv_vec_set(&v, 2, &e) == 0 && eq(*(elem *)pv_vec_at(&v, 2), e), "set");
  e = mk(2);
  PT_CHECK(pv_vec_set(&v, 2, &e) == 0, "set back");

  /* remove 3 at 10, insert them back */
  elem removed[3];
  PT_CHECK(pv_vec_remove(&v, 10, 3, removed) == 0, "remove");
  PT_CHECK(eq(removed[0], mk(10)) && eq(removed[2], mk(12)), "removed the wrong elements");
  PT_CHECK(pv_vec_insert(&v, 10, removed, 3) == 0, "insert");
  PT_CHECK(first_bad(&v, 0) == n, "remove + insert broke element %zu", first_bad(&v, 0));

  PT_CHECK(pv_vec_pop(&v, &got) == 0 && eq(got, mk(n - 1)), "pop");
  PT_CHECK(pv_vec_push(&v, &got) == 0, "push back");

  /* swap_remove: the last element moves into the hole. */
  PT_CHECK(pv_vec_swap_remove(&v, 0, &got) == 0 && eq(got, mk(0)), "swap_remove");
  PT_CHECK(eq(((elem *)v.data)[0], mk(n - 1)) && v.len == n - 1, "swap_remove moved");
  e = mk(0);
  PT_CHECK(pv_vec_set(&v, 0, &e) == 0 && pv_vec_push(&v, (elem[]){mk(n - 1)}) == 0,
           "undo swap_remove");
  PT_CHECK(first_bad(&v, 0) == n, "element %zu wrong after swap_remove", first_bad(&v, 0));

  /* resize up with zero fill and with a fill element, then back down. */
  PT_CHECK(pv_vec_resize(&v, n + 10, NULL) == 0, "resize zero");
  elem zero = {0, 0, 0};
  PT_CHECK(eq(((elem *)v.data)[n + 9], zero), "resize did not zero");
  e = mk(77);
  PT_CHECK(pv_vec_resize(&v, n + 20, &e) == 0, "resize fill");
  PT_CHECK(eq(((elem *)v.data)[n + 19], e) && eq(((elem *)v.data)[n + 10], e), "fill");
  PT_CHECK(pv_vec_truncate(&v, n) == 0 && v.len == n, "truncate");

  /* Appending a range of the vector itself, possibly across a growth. */
  PT_CHECK(pv_vec_append(&v, v.data, n) == 0, "self-append");
  PT_CHECK(v.len == 2 * n, "len after self-append");
  PT_CHECK(memcmp((elem *)v.data + n, v.data, n * sizeof(elem)) == 0,
           "self-append copied wrong bytes");
  PT_CHECK(pv_vec_truncate(&v, n) == 0, "truncate");

  /* Capacity: shrink, trim, reserve. */
  PT_CHECK(pv_vec_shrink_to_fit(&v) == 0, "shrink_to_fit");
  PT_CHECK(v.cap >= v.len && v.cap * sizeof(elem) < v.len * sizeof(elem) + pv_page_size(),
           "cap %zu after shrink_to_fit of %zu", v.cap, v.len);
  PT_CHECK(first_bad(&v, 0) == n, "shrink lost element %zu", first_bad(&v, 0));
  PT_CHECK(pv_vec_reserve(&v, 3 * per_page()) == 0, "reserve");
  size_t cap = v.cap;
  PT_CHECK(pv_vec_trim(&v) == 0 && v.cap == cap, "trim changed cap");
  PT_CHECK(first_bad(&v, 0) == n, "trim lost element %zu", first_bad(&v, 0));
  size_t res = 0;
  int rc = pv_vec_resident(&v, &res);
  if (pv__os_caps_get()->can_resident) {
    PT_CHECK(rc == 0, "resident: %s", pv_errname(rc));
    PT_CHECK(res >= n * sizeof(elem) && res <= pv__store_bytes(&v),
             "resident %zu for %zu bytes of elements in %zu committed", res,
             n * sizeof(elem), pv__store_bytes(&v));
  } else {
    PT_CHECK(rc == PV_ENOTSUP, "resident where the platform cannot tell: %s",
             pv_errname(rc));
  }

  /* Freeze: mutators refused, raw writes fault, thaw restores. */
  PT_REQUIRE(pv_vec_freeze(&v) == 0, "freeze");
  vsnap was = snap_of(&v);
  e = mk(5);
  PT_CHECK(pv_vec_push(&v, &e) == PV_EACCES, "push on frozen");
  PT_CHECK(pv_vec_set(&v, 0, &e) == PV_EACCES, "set on frozen");
  PT_CHECK(pv_vec_pop(&v, NULL) == PV_EACCES, "pop on frozen");
  PT_CHECK(same_vec(&v, &was), "refused mutators changed the vector");
  pt_access_arg a = {(unsigned char *)v.data + 3, 0x42};
  pt_fault f = pt_faults(pt_do_write, &a);
  PT_CHECK(f.faulted, "%s: writing a frozen vector did not fault", mode_name(g));
  PT_CHECK(f.addr == (const void *)a.p, "fault at %p, wrote %p", f.addr, (void *)a.p);
  PT_CHECK(first_bad(&v, 0) == n, "frozen data changed");
  PT_REQUIRE(pv_vec_thaw(&v) == 0, "thaw");
  PT_CHECK(pv_vec_push(&v, &e) == 0, "push after thaw");

  if (flags & PV_VEC_GUARD) {
    a.p = (unsigned char *)v.data + pv__store_bytes(&v);
    f = pt_faults(pt_do_write, &a);
    PT_CHECK(f.faulted, "%s: writing the guard page did not fault", mode_name(g));
  }
  if (g == PV_GROW_STABLE) PT_CHECK(v.data == stable_data, "STABLE data moved");

  PT_CHECK(pv_vec_destroy(&v) == 0, "destroy");
  PT_CHECK(pv_vec_destroy(&v) == 0, "second destroy");
  PT_CHECK((pv_cache_trim(), pv__os_live_bytes()) == live, "%s: address space leaked: %lld bytes",
           mode_name(g), (pv_cache_trim(), pv__os_live_bytes()) - live);
}

static void walk_default(void) { walk(PV_GROW_DEFAULT, 0); }
static void walk_remap(void) { walk(PV_GROW_REMAP, 0); }
static void walk_remap_guard(void) { walk(PV_GROW_REMAP, PV_VEC_GUARD); }
static void walk_remap_move(void) { walk(PV_GROW_REMAP, PV_VEC_MOVE_ON_GROW); }
static void walk_stable(void) { walk(PV_GROW_STABLE, 0); }
static void walk_stable_guard(void) { walk(PV_GROW_STABLE, PV_VEC_GUARD); }
static void walk_copy(void) { walk(PV_GROW_COPY, 0); }
static void walk_copy_guard(void) { walk(PV_GROW_COPY, PV_VEC_GUARD); }

/* The small phase in mode g (REMAP or COPY): malloc'd until the threshold,
 * then pages; freezing a small vector gives read-only pages that fault. */
static void walk_small(pv_grow g) {
  const long long live = (pv_cache_trim(), pv__os_live_bytes());
  pv_vec v;
  if (!make_vec(&v, g, 0, 0)) return;
  PT_CHECK(pv__store_inspect(&v).kind == PV__STORE_SMALL, "%s: not small", mode_name(g));
  size_t n = 0;
  while (pv__store_inspect(&v).kind == PV__STORE_SMALL) {
    PT_REQUIRE(pv_vec_push(&v, (elem[]){mk(n)}) == 0, "push %zu", n);
    n++;
  }
  PT_CHECK((pv_cache_trim(), pv__os_live_bytes()) > live, "%s: in pages without a mapping", mode_name(g));
  PT_CHECK((uintptr_t)v.data % pv_page_size() == 0, "%s: pages not aligned", mode_name(g));
  PT_CHECK(v.len * sizeof(elem) < pv__store_small_max() + sizeof(elem),
           "%s: moved late, at %zu elements", mode_name(g), v.len);
  PT_CHECK(first_bad(&v, 0) == n, "%s: element %zu wrong after the move", mode_name(g),
           first_bad(&v, 0));
  PT_CHECK(pv_vec_destroy(&v) == 0, "destroy");

  if (!make_vec(&v, g, 0, 0)) return;
  for (size_t i = 0; i < 10; i++) PT_REQUIRE(pv_vec_push(&v, (elem[]){mk(i)}) == 0, "push");
  PT_REQUIRE(pv_vec_freeze(&v) == 0, "freeze small");
  PT_CHECK(pv__store_inspect(&v).kind != PV__STORE_SMALL, "%s: frozen but small",
           mode_name(g));
  pt_access_arg a = {(unsigned char *)v.data + 3, 0x42};
  pt_fault f = pt_faults(pt_do_write, &a);
  PT_CHECK(f.faulted, "%s: writing a frozen small vector did not fault", mode_name(g));
  PT_CHECK(first_bad(&v, 0) == 10, "frozen data changed");
  PT_REQUIRE(pv_vec_thaw(&v) == 0, "thaw");
  PT_CHECK(pv_vec_destroy(&v) == 0, "destroy");
  PT_CHECK((pv_cache_trim(), pv__os_live_bytes()) == live, "%s: leaked %lld bytes", mode_name(g),
           (pv_cache_trim(), pv__os_live_bytes()) - live);
}
static void walk_small_remap(void) { walk_small(PV_GROW_REMAP); }
static void walk_small_copy(void) { walk_small(PV_GROW_COPY); }

/* ---- errors ------------------------------------------------------------- */

static void init_errors(void) {
  pv_vec v, was;
  memset(&v, 0x5a, sizeof v);
  was = v;
  const struct {
    pv_vec_opts o;
    int want;
    const char *what;
  } cases[] = {
      {{0, 0, 0, PV_GROW_DEFAULT, 0}, PV_EINVAL, "elem_size 0"},
      {{4, 0, 0, (pv_grow)9, 0}, PV_EINVAL, "unknown mode"},
      {{4, 0, 0, PV_GROW_DEFAULT, 1u << 12}, PV_EINVAL, "unknown flag"},
      {{4, 0, 0, PV_GROW_DEFAULT, PV_VEC_HUGE | PV_VEC_NO_HUGE}, PV_EINVAL, "HUGE+NO_HUGE"},
      {{4, 0, 0, PV_GROW_STABLE, 0}, PV_EINVAL, "STABLE without max_len"},
      {{4, 9, 8, PV_GROW_STABLE, 0}, PV_EINVAL, "initial_cap > max_len"},
      {{8, SIZE_MAX / 4, 0, PV_GROW_COPY, 0}, PV_EOVERFLOW, "initial_cap overflow"},
      {{8, 0, SIZE_MAX / 4, PV_GROW_STABLE, 0}, PV_EOVERFLOW, "max_len overflow"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int rc = pv_vec_init_opts(&v, &cases[i].o);
    PT_CHECK(rc == cases[i].want, "%s: %s", cases[i].what, pv_errname(rc));
    PT_CHECK(memcmp(&v, &was, sizeof v) == 0, "%s: struct touched", cases[i].what);
  }
  PT_CHECK(pv_vec_init(NULL, 4) == PV_EINVAL, "NULL vector");
  PT_CHECK(pv_vec_init_opts(&v, NULL) == PV_EINVAL, "NULL opts");
}

static void mutator_errors_change_nothing(void) {
  pv_vec v;
  if (!make_vec(&v, PV_GROW_STABLE, 0, 100)) return;
  for (size_t i = 0; i < 100; i++) PT_REQUIRE(pv_vec_push(&v, (elem[]){mk(i)}) == 0, "push");
  vsnap was = snap_of(&v);
  elem e = mk(9), out = {1, 2, 3};
  PT_CHECK(pv_vec_push(&v, &e) == PV_ENOSPC, "push past max_len");
  PT_CHECK(pv_vec_reserve(&v, 1) == PV_ENOSPC, "reserve past max_len");
  PT_CHECK(pv_vec_get(&v, 100, &out) == PV_ERANGE, "get past len");
  PT_CHECK(eq(out, (elem){1, 2, 3}), "failed get wrote *out");
  PT_CHECK(pv_vec_set(&v, 100, &e) == PV_ERANGE, "set past len");
  PT_CHECK(pv_vec_remove(&v, 99, 2, NULL) == PV_ERANGE, "remove past len");
  PT_CHECK(pv_vec_remove(&v, 1, SIZE_MAX, NULL) == PV_ERANGE, "remove overflow");
  PT_CHECK(pv_vec_insert(&v, 101, &e, 1) == PV_ERANGE, "insert past len");
  PT_CHECK(pv_vec_swap_remove(&v, 100, NULL) == PV_ERANGE, "swap_remove past len");
  PT_CHECK(pv_vec_append(&v, NULL, 1) == PV_EINVAL, "append NULL");
  PT_CHECK(pv_vec_set(&v, 0, NULL) == PV_EINVAL, "set NULL");
  PT_CHECK(same_vec(&v, &was), "failed calls changed the vector");
  PT_CHECK(first_bad(&v, 0) == 100, "failed calls changed element %zu", first_bad(&v, 0));
  PT_CHECK(pv_vec_destroy(&v) == 0, "destroy");

  pv_vec c;
  if (!make_vec(&c, PV_GROW_COPY, 0, 0)) return;
  PT_REQUIRE(pv_vec_push(&c, &e) == 0, "push");
  was = snap_of(&c);
  PT_CHECK(pv_vec_reserve(&c, SIZE_MAX) == PV_EOVERFLOW, "reserve SIZE_MAX");
  PT_CHECK(pv_vec_reserve(&c, SIZE_MAX / sizeof(elem)) == PV_EOVERFLOW,
           "reserve past SIZE_MAX bytes");
  PT_CHECK(same_vec(&c, &was), "failed reserve changed the vector");
  PT_CHECK(pv_vec_destroy(&c) == 0, "destroy");
}

/* Growth refused by the OS (injected): each mode keeps its elements. */
static void refused_growth_changes_nothing(void) {
  const pv_grow modes[] = {PV_GROW_DEFAULT, PV_GROW_STABLE, PV_GROW_COPY, PV_GROW_REMAP};
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
    const long long live = (pv_cache_trim(), pv__os_live_bytes());
    pv_vec v;
    if (!make_vec(&v, modes[m], 0, 10 * per_page())) continue;
    /* Fill to exactly cap, so the next push must grow. */
    do {
      PT_REQUIRE(pv_vec_push(&v, (elem[]){mk(v.len)}) == 0, "push");
    } while (v.len < v.cap);
    vsnap was = snap_of(&v);
    pv__os_fault_set(1, PV_ENOMEM);
    int rc = pv_vec_push(&v, (elem[]){mk(v.len)});
    pv__os_fault_set(0, 0);
    PT_CHECK(rc == PV_ENOMEM, "%s: injected ENOMEM: %s", mode_name(modes[m]),
             pv_errname(rc));
    PT_CHECK(same_vec(&v, &was), "%s: refused growth changed the vector",
             mode_name(modes[m]));
    PT_CHECK(first_bad(&v, 0) == v.len, "%s: element %zu changed", mode_name(modes[m]),
             first_bad(&v, 0));
    PT_CHECK(pv_vec_push(&v, (elem[]){mk(v.len)}) == 0, "%s: push after the failure",
             mode_name(modes[m]));
    PT_CHECK(pv_vec_destroy(&v) == 0, "destroy");
    PT_CHECK((pv_cache_trim(), pv__os_live_bytes()) == live, "%s: address space leaked",
             mode_name(modes[m]));
  }
}

/* ---- randomized model test ---------------------------------------------- */

enum { MODEL_OPS = 4000 }; /* reduced from the Criterion suite's count */

/* Random operations on a vector of uint32_t and on the reference model
 * (tests/model.h): the same code, length and bytes after every one. */
static void model_run(pv_grow g, unsigned flags, uint64_t seed) {
  const long long live = (pv_cache_trim(), pv__os_live_bytes());
  pv_vec_opts o = {sizeof(uint32_t), 0, 0, g, flags};
  if (g == PV_GROW_STABLE) o.max_len = 64 * pv_page_size();
  pv_vec v;
  int rc = pv_vec_init_opts(&v, &o);
  PT_REQUIRE(rc == 0, "init: %s", pv_errname(rc));
  pvm m;
  pvm_init(&m, sizeof(uint32_t), g == PV_GROW_STABLE ? o.max_len : SIZE_MAX);
  pt_rng r = {seed};
  uint32_t buf[64];
  for (int op = 0; op < MODEL_OPS; op++) {
    unsigned kind = (unsigned)pt_below(&r, 14);
    size_t n = 1 + pt_below(&r, 40);
    for (size_t i = 0; i < n; i++) buf[i] = (uint32_t)pt_next(&r);
    int want = 0; /* an op skipped (nothing to remove) leaves rc == want */
    rc = 0;
    bool model_ok = true; /* the model's own malloc worked */
    switch (kind) {
    case 0:
    case 1: /* push */
      want = pvm_grow_code(&m, m.len + 1);
      rc = pv_vec_push(&v, &buf[0]);
      if (rc == 0) model_ok = pvm_insert(&m, m.len, &buf[0], 1);
      break;
    case 2: /* append */
      want = pvm_insert_code(&m, m.len, n);
      rc = pv_vec_append(&v, buf, n);
      if (rc == 0) model_ok = pvm_insert(&m, m.len, buf, n);
      break;
    case 3: { /* insert */
      size_t i = pt_below(&r, m.len + 1);
      want = pvm_insert_code(&m, i, n);
      rc = pv_vec_insert(&v, i, buf, n);
      if (rc == 0) model_ok = pvm_insert(&m, i, buf, n);
      break;
    }
    case 4: { /* remove, sometimes past the end */
      size_t i = pt_below(&r, m.len + 1), k = pt_below(&r, 8);
      want = pvm_remove_code(&m, i, k);
      rc = pv_vec_remove(&v, i, k, NULL);
      if (rc == 0) pvm_remove(&m, i, k);
      break;
    }
    case 5: /* pop, also of an empty vector */
      want = pvm_pop_code(&m);
      rc = pv_vec_pop(&v, NULL);
      if (rc == 0) pvm_truncate(&m, m.len - 1);
      break;
    case 6: /* swap_remove */
      if (m.len == 0) break;
      {
        size_t i = pt_below(&r, m.len);
        want = pvm_set_code(&m, i);
        rc = pv_vec_swap_remove(&v, i, NULL);
        if (rc == 0) pvm_swap_remove(&m, i);
      }
      break;
    case 7: /* set */
      if (m.len == 0) break;
      {
        size_t i = pt_below(&r, m.len);
        want = pvm_set_code(&m, i);
        rc = pv_vec_set(&v, i, &buf[0]);
        if (rc == 0) pvm_set(&m, i, &buf[0]);
      }
      break;
    case 8: { /* resize */
      size_t to = pt_below(&r, m.len + 80);
      const bool zero = pt_below(&r, 2) == 0;
      want = pvm_resize_code(&m, to);
      rc = pv_vec_resize(&v, to, zero ? NULL : &buf[0]);
      if (rc == 0) model_ok = pvm_resize(&m, to, zero ? NULL : &buf[0]);
      break;
    }
    case 9: /* shrink, trim or reserve */
      if (pt_below(&r, 3) == 0) {
        want = pvm_mut_code(&m);
        rc = pv_vec_shrink_to_fit(&v);
      } else if (pt_below(&r, 2) == 0) {
        want = pvm_mut_code(&m);
        rc = pv_vec_trim(&v);
      } else {
        want = pvm_grow_code(&m, m.len + n * 10);
        rc = pv_vec_reserve(&v, n * 10);
      }
      break;
    case 10: /* self-append of a random range */
      if (m.len == 0) break;
      {
        size_t i = pt_below(&r, m.len), k = 1 + pt_below(&r, m.len - i);
        if (k > 40) k = 40;
        memcpy(buf, pvm_at(&m, i), k * sizeof buf[0]); /* the model's source */
        want = pvm_insert_code(&m, m.len, k);
        rc = pv_vec_append(&v, (uint32_t *)v.data + i, k);
        if (rc == 0) model_ok = pvm_insert(&m, m.len, buf, k);
      }
      break;
    case 11: /* populate, with 0..3 threads: nothing changes */
      want = pvm_mut_code(&m);
      rc = pv_vec_populate(&v, (unsigned)pt_below(&r, 4));
      break;
    case 12: { /* read_file of n elements, sometimes with a partial one */
      const char *path = "pv-portable-model.bin";
      size_t bytes = n * sizeof buf[0] - (pt_below(&r, 3) == 0 ? 1 + pt_below(&r, 3) : 0);
      FILE *f = fopen(path, "wb");
      PT_REQUIRE(f != NULL, "fopen %s", path);
      PT_REQUIRE(fwrite(buf, 1, bytes, f) == bytes && fclose(f) == 0, "write %s", path);
      want = pvm_read_file_code(&m, bytes);
      rc = pv_vec_read_file(&v, path);
      PT_CHECK(remove(path) == 0, "remove %s", path);
      if (rc == 0) model_ok = pvm_read(&m, buf, bytes);
      break;
    }
    default: /* truncate, rarely to zero */
      want = pvm_mut_code(&m);
      if (pt_below(&r, 8) == 0) {
        rc = pv_vec_clear(&v);
        if (rc == 0) pvm_truncate(&m, 0);
      } else {
        size_t to = pt_below(&r, m.len + 1);
        rc = pv_vec_truncate(&v, to);
        if (rc == 0) pvm_truncate(&m, to);
      }
      break;
    }
    PT_REQUIRE(model_ok, "the model is out of memory");
    PT_REQUIRE(rc == want, "%s op %d (kind %u): %s, the model says %s", mode_name(g), op,
               kind, pv_errname(rc), pv_errname(want));
    PT_REQUIRE(v.len == m.len, "%s op %d (kind %u): len %zu, model %zu", mode_name(g), op,
               kind, v.len, m.len);
    PT_REQUIRE(v.len <= v.cap, "len past cap");
    PT_REQUIRE(pvm_diff(&m, v.data) == SIZE_MAX,
               "%s op %d (kind %u): contents differ from the model", mode_name(g), op,
               kind);
  }
  pvm_free(&m);
  PT_CHECK(pv_vec_destroy(&v) == 0, "destroy");
  PT_CHECK((pv_cache_trim(), pv__os_live_bytes()) == live, "%s: address space leaked", mode_name(g));
}

/* REMAP where the kernel cannot remap (Windows, --disable-mremap): most
 * growths commit in place inside the reservation, every element survives
 * the ones that copy, and shrinking keeps a working vector. */
static void remap_grows_in_place_mostly(void) {
  const long long live = (pv_cache_trim(), pv__os_live_bytes());
  pv_vec v;
  if (!make_vec(&v, PV_GROW_REMAP, 0, 0)) return;
  size_t growths = 0, moves = 0, cap = v.cap;
  void *data = v.data;
  const size_t n = 2048 * per_page(); /* 2048 pages: several reservations */
  for (size_t i = 0; i < n; i++) {
    elem e = mk(i);
    int rc = pv_vec_push(&v, &e);
    PT_REQUIRE(rc == 0, "push %zu: %s", i, pv_errname(rc));
    if (v.cap != cap) {
      growths++;
      if (data != NULL && v.data != data) moves++;
      cap = v.cap;
      data = v.data;
    }
  }
  PT_CHECK(first_bad(&v, 0) == n, "element %zu wrong", first_bad(&v, 0));
  pt_note("remap: %zu growths, %zu moved the data (can_remap %d)", growths, moves,
          (int)pv__os_caps_get()->can_remap);
  if (!pv__os_caps_get()->can_remap)
    PT_CHECK(moves * 3 <= growths, "%zu of %zu growths moved the data", moves,
             growths);
  PT_CHECK(pv_vec_truncate(&v, 10) == 0 && pv_vec_shrink_to_fit(&v) == 0,
           "shrink");
  PT_CHECK(first_bad(&v, 0) == 10, "elements lost by the shrink");
  for (size_t i = 10; i < 5 * per_page(); i++) {
    elem e = mk(i);
    PT_REQUIRE(pv_vec_push(&v, &e) == 0, "push after shrink %zu", i);
  }
  PT_CHECK(first_bad(&v, 0) == v.len, "element %zu wrong after regrowth",
           first_bad(&v, 0));
  PT_CHECK(pv_vec_destroy(&v) == 0, "destroy");
  PT_CHECK((pv_cache_trim(), pv__os_live_bytes()) == live, "address space leaked");
}

/* File vectors (paged_vec/file.h): every platform that has them (POSIX,
 * Windows) passes the same walk.  Where they are missing: PV_ENOTSUP
 * before the path is touched, *v not written. */
static const char file_path[] = "pv_portable_file.npy";

/* The whole file's bytes in a malloc'd buffer (*n bytes); NULL on error. */
static unsigned char *file_bytes(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  unsigned char *b = NULL;
  size_t cap = 0, len = 0, got;
  do {
    if (len == cap) {
      cap = cap == 0 ? 4096 : 2 * cap;
      unsigned char *nb = realloc(b, cap);
      if (nb == NULL) break;
      b = nb;
    }
    got = fread(b + len, 1, cap - len, f);
    len += got;
  } while (got != 0);
  fclose(f);
  *n = len;
  return b;
}

static pv_vec_file_opts file_opts(size_t elem_size, unsigned flags) {
  pv_vec_file_opts o;
  memset(&o, 0, sizeof o);
  o.elem_size = elem_size;
  o.flags = flags;
  return o;
}

/* Refused, with *v untouched (junk compared as bytes) and no file made. */
static void file_unsupported(int rc, const pv_vec *v, const pv_vec *junk) {
  PT_CHECK(rc == PV_ENOTSUP, "no file vectors here: %s, want PV_ENOTSUP", pv_errname(rc));
  PT_CHECK(memcmp(v, junk, sizeof *v) == 0, "a refused open wrote *v");
  FILE *f = fopen(file_path, "rb");
  PT_CHECK(f == NULL, "a refused open created the file");
  if (f != NULL) fclose(f);
  pt_note("file vectors: PV_ENOTSUP on this platform");
}

/* Create (EXCL), push across several growths, shrink, sync, close. */
static size_t file_fill(pv_vec *v) {
  size_t n = 20 * per_page(), growths = 0, cap = v->cap;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    elem e = mk(i);
    rc = pv_vec_push(v, &e);
    if (v->cap != cap) growths++, cap = v->cap;
  }
  PT_CHECK(rc == 0 && v->len == n, "push: %s", pv_errname(rc));
  PT_CHECK(growths >= 3, "only %zu growths", growths);
  PT_CHECK(first_bad(v, 0) == n, "element %zu wrong while open", first_bad(v, 0));
  PT_CHECK(pv_vec_shrink_to_fit(v) == 0 && first_bad(v, 0) == n, "shrink");
  PT_CHECK(pv_vec_sync(v, PV_SYNC_WAIT) == 0, "sync");
  PT_CHECK(pv_vec_destroy(v) == 0, "close");
  size_t bytes = 0;
  unsigned char *b = file_bytes(file_path, &bytes);
  PT_CHECK(b != NULL && bytes == PV_FILE_DATA_OFFSET + n * sizeof(elem),
           "closed file of %zu bytes, want the header and the elements", bytes);
  if (b != NULL)
    PT_CHECK(memcmp(b + PV_FILE_DATA_OFFSET + 5 * sizeof(elem), (elem[]){mk(5)},
                    sizeof(elem)) == 0, "element 5 in the file's bytes");
  free(b);
  return n;
}

/* Reopened read-only: len and elem_size from the header, every element,
 * mutators refused with the vector unchanged. */
static void file_check_readonly(size_t n) {
  pv_vec v;
  pv_vec_file_opts o = file_opts(0, PV_OPEN_READONLY);
  int rc = pv_vec_open(&v, file_path, &o);
  PT_CHECK(rc == 0 && v.len == n && v.elem_size == sizeof(elem), "reopen: %s len %zu",
           pv_errname(rc), rc == 0 ? v.len : 0);
  if (rc != 0) return;
  PT_CHECK(first_bad(&v, 0) == n, "element %zu wrong after reopen", first_bad(&v, 0));
  vsnap before = snap_of(&v);
  PT_CHECK(pv_vec_push(&v, (elem[]){mk(n)}) == PV_EACCES, "read-only refuses push");
  PT_CHECK(pv_vec_truncate(&v, 1) == PV_EACCES, "read-only refuses truncate");
  PT_CHECK(pv_vec_reserve(&v, 2 * n) == PV_EACCES, "read-only refuses reserve");
  PT_CHECK(same_vec(&v, &before) && first_bad(&v, 0) == n, "a refusal changed the vector");
  /* The view itself is read-only: a raw write faults, nothing changes. */
  pt_access_arg a = {(unsigned char *)v.data + 3, 0x42};
  pt_fault f = pt_faults(pt_do_write, &a);
  PT_CHECK(f.faulted, "writing a READONLY file vector did not fault");
  PT_CHECK(f.addr == (const void *)a.p, "fault at %p, wrote %p", f.addr, (void *)a.p);
  PT_CHECK(first_bad(&v, 0) == n, "READONLY data changed");
  PT_CHECK(pv_vec_destroy(&v) == 0, "close read-only");
}

/* A second writer while one holds the file: PV_EBUSY, its *v untouched;
 * the first writer goes on pushing. */
static void file_second_writer(size_t n) {
  pv_vec a, b;
  pv_vec_file_opts o = file_opts(sizeof(elem), 0);
  int rc = pv_vec_open(&a, file_path, &o);
  PT_CHECK(rc == 0 && a.len == n, "writable reopen: %s", pv_errname(rc));
  if (rc != 0) return;
  memset(&b, 0x5a, sizeof b);
  pv_vec junk = b;
  rc = pv_vec_open(&b, file_path, &o);
  PT_CHECK(rc == PV_EBUSY, "second writer: %s, want PV_EBUSY", pv_errname(rc));
  PT_CHECK(memcmp(&b, &junk, sizeof b) == 0, "a refused open wrote *v");
  if (rc == 0) (void)pv_vec_destroy(&b);
  elem e = mk(n);
  PT_CHECK(pv_vec_push(&a, &e) == 0 && first_bad(&a, 0) == n + 1, "push after reopen");
  /* Frozen, the writable view is read-only: a raw write faults; thawed,
   * pushing goes on. */
  PT_CHECK(pv_vec_freeze(&a) == 0, "freeze a file vector");
  pt_access_arg acc = {(unsigned char *)a.data + 5, 0x42};
  pt_fault f = pt_faults(pt_do_write, &acc);
  PT_CHECK(f.faulted && f.addr == (const void *)acc.p, "writing a frozen file vector");
  PT_CHECK(first_bad(&a, 0) == n + 1, "frozen file data changed");
  PT_CHECK(pv_vec_thaw(&a) == 0, "thaw");
  e = mk(n + 1);
  PT_CHECK(pv_vec_push(&a, &e) == 0 && pv_vec_pop(&a, NULL) == 0, "push after thaw");
  PT_CHECK(pv_vec_sync(&a, PV_SYNC_WAIT) == 0, "sync");
  /* A reader maps the file while the writer closes (and cuts it). */
  pv_vec_file_opts ro = file_opts(0, PV_OPEN_READONLY);
  rc = pv_vec_open(&b, file_path, &ro);
  PT_CHECK(rc == 0 && b.len == n + 1, "reader beside the writer: %s", pv_errname(rc));
  PT_CHECK(pv_vec_destroy(&a) == 0, "the writer's close with a reader open");
  if (rc == 0) {
    PT_CHECK(first_bad(&b, 0) == n + 1, "the reader sees element %zu wrong",
             first_bad(&b, 0));
    PT_CHECK(pv_vec_destroy(&b) == 0, "the reader's close");
  }
  size_t bytes = 0;
  free(file_bytes(file_path, &bytes));
  PT_CHECK(bytes >= PV_FILE_DATA_OFFSET + (n + 1) * sizeof(elem), "file cut below its elements");
  pt_note("file vectors: closed beside a reader, the file holds %zu bytes (elements end at %zu)",
          bytes, (size_t)PV_FILE_DATA_OFFSET + (n + 1) * sizeof(elem));
}

/* A file whose header says another item size: PV_EBADF, byte for byte
 * the same file afterwards. */
static void file_bad_elem_size(void) {
  size_t n0 = 0, n1 = 0;
  unsigned char *b0 = file_bytes(file_path, &n0);
  PT_REQUIRE(b0 != NULL && n0 != 0, "read the file");
  pv_vec v;
  memset(&v, 0x3c, sizeof v);
  pv_vec junk = v;
  pv_vec_file_opts o = file_opts(sizeof(elem) + 1, 0);
  int rc = pv_vec_open(&v, file_path, &o);
  PT_CHECK(rc == PV_EBADF, "another item size: %s, want PV_EBADF", pv_errname(rc));
  PT_CHECK(memcmp(&v, &junk, sizeof v) == 0, "a refused open wrote *v");
  if (rc == 0) (void)pv_vec_destroy(&v);
  unsigned char *b1 = file_bytes(file_path, &n1);
  PT_CHECK(b1 != NULL && n1 == n0 && memcmp(b0, b1, n0) == 0,
           "the refused file changed (%zu bytes, was %zu)", n1, n0);
  free(b0);
  free(b1);
}

/* The size of the file at path, or -1. */
static long long file_size_of(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return -1;
  long long n = fseek(f, 0, SEEK_END) == 0 ? (long long)ftell(f) : -1;
  fclose(f);
  return n;
}

/* A copy of the file at `from` as it is now (its writer still has it open
 * and mapped: what a crash of the writer would leave). */
static bool copy_file(const char *from, const char *to) {
  size_t n = 0;
  unsigned char *b = file_bytes(from, &n);
  FILE *f = b != NULL ? fopen(to, "wb") : NULL;
  bool ok = f != NULL && fwrite(b, 1, n, f) == n;
  if (f != NULL) ok = fclose(f) == 0 && ok;
  free(b);
  return ok;
}

/* STABLE file vectors: data never moves and stops at max_len.  Where views
 * cannot be placed in a reservation (Windows) the file holds the whole
 * maximum from the open (sparse), growth makes no OS call, and a crash
 * leaves the file at that size with the header's len right: checked on a
 * copy taken while the writer has it open, reopened with that len. */
static void file_stable(void) {
  static const char path[] = "pv_portable_stable.npy", crash[] = "pv_portable_crash.npy";
  remove(path);
  remove(crash);
  const bool whole = !pv__os_caps_get()->can_map_files_at;
  pv_vec v;
  pv_vec_file_opts o = file_opts(sizeof(elem), PV_OPEN_CREATE | PV_OPEN_EXCL);
  o.grow = PV_GROW_STABLE;
  o.max_len = 64 * per_page();
  int rc = pv_vec_open(&v, path, &o);
  PT_CHECK(rc == 0, "STABLE open: %s", pv_errname(rc));
  if (rc != 0) return;
  const long long full = (long long)(PV_FILE_DATA_OFFSET + o.max_len * sizeof(elem));
  if (whole)
    PT_CHECK(file_size_of(path) >= full, "the file holds the maximum: %lld of %lld bytes",
             file_size_of(path), full);
  const void *data = NULL;
  size_t synced = o.max_len / 2, growths = 0, calls = 0;
  for (size_t i = 0; i < o.max_len && rc == 0; i++) {
    elem e = mk(i);
    const size_t cap = v.cap;
    if (whole) pv__os_fault_set(0, 0); /* count the OS calls of the push */
    rc = pv_vec_push(&v, &e);
    if (whole) calls += pv__os_fault_calls();
    if (v.cap != cap) growths++;
    if (i == 0) data = v.data;
    if (v.len == synced && rc == 0) rc = pv_vec_sync(&v, PV_SYNC_WAIT);
  }
  PT_CHECK(rc == 0 && v.data == data && first_bad(&v, 0) == o.max_len,
           "STABLE push: %s, moved %d", pv_errname(rc), v.data != data);
  PT_CHECK(growths >= 3, "only %zu growths", growths);
  if (whole) PT_CHECK(calls == 0, "growths made %zu OS calls", calls);
  vsnap before = snap_of(&v);
  rc = pv_vec_push(&v, (elem[]){mk(0)});
  PT_CHECK(rc == PV_ENOSPC && same_vec(&v, &before), "past max_len: %s", pv_errname(rc));
  PT_CHECK(pv_vec_truncate(&v, synced) == 0 && pv_vec_shrink_to_fit(&v) == 0 &&
               v.data == data && first_bad(&v, 0) == synced, "truncate, shrink");
  PT_CHECK(pv_vec_sync(&v, PV_SYNC_WAIT) == 0, "sync STABLE");
  PT_CHECK(copy_file(path, crash), "copy of the open file");
  PT_CHECK(pv_vec_destroy(&v) == 0, "close STABLE");
  PT_CHECK(file_size_of(path) == (long long)(PV_FILE_DATA_OFFSET + synced * sizeof(elem)),
           "close cut the file to %lld bytes", file_size_of(path));
  if (whole)
    PT_CHECK(file_size_of(crash) >= full, "a crash leaves the full size: %lld bytes",
             file_size_of(crash));
  /* The "crashed" file reopens STABLE with the header's len. */
  o.flags = 0;
  rc = pv_vec_open(&v, crash, &o);
  PT_CHECK(rc == 0 && v.len == synced && first_bad(&v, 0) == synced,
           "reopen after a crash: %s, len %zu of %zu", pv_errname(rc), rc == 0 ? v.len : 0,
           synced);
  if (rc == 0) PT_CHECK(pv_vec_destroy(&v) == 0, "close the reopened file");
  PT_CHECK(file_size_of(crash) == (long long)(PV_FILE_DATA_OFFSET + synced * sizeof(elem)),
           "and its close cut it");
  pt_note("file vectors: STABLE %s", whole ? "maps its whole maximum (no view in a reservation)"
                                           : "grows the file inside a reservation");
  remove(path);
  remove(crash);
}

/* Shrink gives the view's tail back: where a mapped file cannot be cut
 * (Windows) a shorter view of the file replaces the longer one (data may
 * move; no byte is copied), and the file is cut where the system lets it,
 * else at close.  The elements stay, the vector grows again. */
static void file_shrink(void) {
  static const char path[] = "pv_portable_shrink.npy";
  remove(path);
  pv_vec v;
  pv_vec_file_opts o = file_opts(sizeof(elem), PV_OPEN_CREATE | PV_OPEN_EXCL);
  int rc = pv_vec_open(&v, path, &o);
  PT_CHECK(rc == 0, "open: %s", pv_errname(rc));
  if (rc != 0) return;
  const size_t n = 40 * per_page(), keep = per_page();
  for (size_t i = 0; i < n && rc == 0; i++) rc = pv_vec_push(&v, (elem[]){mk(i)});
  PT_CHECK(rc == 0 && pv_vec_truncate(&v, keep) == 0, "push, truncate: %s", pv_errname(rc));
  const size_t cap = v.cap;
  const long long live = pv__os_live_bytes();
  rc = pv_vec_shrink_to_fit(&v);
  PT_CHECK(rc == 0 && v.len == keep && first_bad(&v, 0) == keep, "shrink: %s, element %zu",
           pv_errname(rc), first_bad(&v, 0));
  PT_CHECK(v.cap < cap / 4, "the capacity went down: %zu -> %zu", cap, v.cap);
  PT_CHECK(pv__os_live_bytes() < live, "the view's tail was released: %lld -> %lld bytes",
           live, pv__os_live_bytes());
  const long long fs = file_size_of(path);
  PT_CHECK(fs >= (long long)(PV_FILE_DATA_OFFSET + keep * sizeof(elem)),
           "the file keeps the elements: %lld bytes", fs);
  pt_note("file vectors: shrink to %zu elements: capacity %zu -> %zu, file %lld bytes", keep,
          cap, v.cap, fs);
  for (size_t i = keep; i < n && rc == 0; i++) rc = pv_vec_push(&v, (elem[]){mk(i)});
  PT_CHECK(rc == 0 && first_bad(&v, 0) == n, "grown again: %s", pv_errname(rc));
  PT_CHECK(pv_vec_destroy(&v) == 0, "close");
  PT_CHECK(file_size_of(path) == (long long)(PV_FILE_DATA_OFFSET + n * sizeof(elem)),
           "close cut the file");
  remove(path);
}

/* Every OS call of open, push (growths), sync and close failed in turn
 * (PV_EIO injected): exactly that call's operation returns the code, a
 * refused push leaves the elements as they were, a refused close leaves a
 * vector that closes on the next try, and no address space leaks.  Each
 * round has a path of its own: an injected close failure keeps the handle
 * (the fault point comes before the close). */
static void file_fault_sweep(void) {
  long long live = pv__os_live_bytes();
  const size_t n = 3 * per_page();
  unsigned long k;
  enum { SWEEP_LIMIT = 1000 }; /* far more OS calls than the walk makes */
  for (k = 1; k < SWEEP_LIMIT; k++) {
    char path[64];
    snprintf(path, sizeof path, "pv_portable_sweep_%lu.npy", k);
    remove(path);
    pv_vec v;
    pv_vec_file_opts o = file_opts(sizeof(elem), PV_OPEN_CREATE | PV_OPEN_EXCL);
    pv__os_fault_set(k, PV_EIO);
    int rc = pv_vec_open(&v, path, &o);
    const bool opened = rc == 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
      elem e = mk(i);
      rc = pv_vec_push(&v, &e);
    }
    if (rc == 0) rc = pv_vec_sync(&v, PV_SYNC_WAIT);
    if (opened) PT_CHECK(first_bad(&v, 0) == v.len, "k %lu: elements lost", k);
    int crc = opened ? pv_vec_destroy(&v) : 0;
    const unsigned long calls = pv__os_fault_calls();
    pv__os_fault_set(0, 0);
    if (opened && crc != 0) PT_CHECK(pv_vec_destroy(&v) == 0, "k %lu: second close", k);
    if (calls < k) { /* no call failed: every one has had its turn */
      PT_CHECK(rc == 0 && crc == 0, "k %lu: %s %s with no fault", k, pv_errname(rc),
               pv_errname(crc));
      remove(path);
      break;
    }
    PT_CHECK((rc == PV_EIO) != (crc == PV_EIO) && (rc == 0 || crc == 0),
             "k %lu: open/push/sync %s, close %s, want one PV_EIO", k, pv_errname(rc),
             pv_errname(crc));
    remove(path);
  }
  PT_CHECK(k > 10 && k < SWEEP_LIMIT, "the sweep made %lu rounds", k);
  pt_note("file vectors: %lu OS calls failed in turn", k - 1);
  PT_CHECK((pv_cache_trim(), pv__os_live_bytes()) == live, "address space leaked");
}

static void file_round_trip(void) {
  remove(file_path);
  long long live = pv__os_live_bytes();
  pv_vec v;
  memset(&v, 0x3c, sizeof v);
  pv_vec junk = v; /* junk: compared as bytes, never looked into */
  pv_vec_file_opts o = file_opts(sizeof(elem), PV_OPEN_CREATE | PV_OPEN_EXCL);
  int rc = pv_vec_open(&v, file_path, &o);
  if (!pv__os_caps_get()->can_map_files) {
    file_unsupported(rc, &v, &junk);
    return;
  }
  PT_CHECK(rc == 0, "open: %s", pv_errname(rc));
  if (rc != 0) return;
  size_t n = file_fill(&v);
  /* EXCL on a path that exists: PV_EEXIST (nobody holds it: not PV_EBUSY). */
  memset(&v, 0x3c, sizeof v);
  rc = pv_vec_open(&v, file_path, &o);
  PT_CHECK(rc == PV_EEXIST, "EXCL on an existing file: %s, want PV_EEXIST", pv_errname(rc));
  PT_CHECK(memcmp(&v, &junk, sizeof v) == 0, "a refused open wrote *v");
  file_check_readonly(n);
  file_second_writer(n);
  file_check_readonly(n + 1);
  file_bad_elem_size();
  file_stable();
  file_shrink();
  file_fault_sweep();
  PT_CHECK((pv_cache_trim(), pv__os_live_bytes()) == live, "address space leaked");
  remove(file_path);
}

static void model_default(void) { model_run(PV_GROW_DEFAULT, 0, 0x9e3779b97f4a7c15u); }
static void model_remap(void) { model_run(PV_GROW_REMAP, PV_VEC_GUARD, 0x2545f4914f6cdd1du); }
static void model_stable(void) { model_run(PV_GROW_STABLE, PV_VEC_GUARD, 0x1234567887654321u); }
static void model_copy(void) { model_run(PV_GROW_COPY, PV_VEC_MOVE_ON_GROW, 0xdeadbeefcafef00du); }

/* ---- read_file: a round trip through a file --------------------------- */

static void read_file_round_trip(void) {
  const char *path = "pv-portable-read.bin";
  const size_t n = 3 * per_page() + 5;
  FILE *f = fopen(path, "wb");
  PT_REQUIRE(f != NULL, "fopen %s", path);
  for (size_t i = 0; i < n; i++) {
    elem e = mk(i);
    PT_CHECK(fwrite(&e, sizeof e, 1, f) == 1, "fwrite %zu", i);
  }
  PT_CHECK(fclose(f) == 0, "fclose");
  pv_vec v;
  if (!make_vec(&v, PV_GROW_DEFAULT, 0, 0)) return;
  int rc = pv_vec_read_file(&v, path);
  PT_CHECK(rc == 0, "read_file: %s", pv_errname(rc));
  PT_CHECK(v.len == n, "len %zu, want %zu", v.len, n);
  PT_CHECK(first_bad(&v, 0) == v.len, "element %zu wrong", first_bad(&v, 0));
  /* Errors change nothing: no such file, a directory, a partial element. */
  vsnap s = snap_of(&v);
  rc = pv_vec_read_file(&v, "pv-no-such-file.bin");
  PT_CHECK(rc == PV_ENOENT && same_vec(&v, &s), "missing file: %s", pv_errname(rc));
  rc = pv_vec_read_file(&v, ".");
  PT_CHECK(rc == PV_EINVAL && same_vec(&v, &s), "a directory: %s", pv_errname(rc));
  f = fopen(path, "ab");
  PT_REQUIRE(f != NULL, "fopen %s for append", path);
  PT_CHECK(fputc('x', f) == 'x' && fclose(f) == 0, "append a byte");
  PT_CHECK(pv_vec_reserve(&v, n + 1) == 0, "reserve");
  s = snap_of(&v);
  rc = pv_vec_read_file(&v, path);
  PT_CHECK(rc == PV_EINVAL && same_vec(&v, &s), "a partial element: %s",
           pv_errname(rc));
  PT_CHECK(first_bad(&v, 0) == v.len, "elements changed");
  pv_vec_destroy(&v);
  PT_CHECK(remove(path) == 0, "remove %s", path);
}

/* pv_vec_populate with 2 threads (Windows: _beginthreadex, and touching:
 * there is no MADV_POPULATE_WRITE): resident where the platform can tell,
 * the bytes past len kept, len and cap unchanged, then filled. */
static void populate_two_threads(void) {
  pv_vec v;
  PT_CHECK(make_vec(&v, PV_GROW_REMAP, PV_VEC_PAGES, 0), "init");
  size_t h = pv_huge_page_size(), unit = h > pv_page_size() ? h : pv_page_size();
  size_t n = (3 * unit + pv_page_size()) / sizeof(elem);
  PT_CHECK(pv_vec_resize(&v, n, NULL) == 0, "resize");
  for (size_t i = 0; i < n; i++) ((elem *)v.data)[i] = mk(i);
  PT_CHECK(pv_vec_truncate(&v, 3) == 0, "truncate");
  const size_t cap = v.cap;
  PT_CHECK(pv_vec_populate(&v, 2) == 0, "populate");
  PT_CHECK(v.len == 3 && v.cap == cap, "populate changed len or cap");
  pv__store_unpoison_tail(&v);
  PT_CHECK(first_bad(&v, 0) == 3, "populate changed element %zu", first_bad(&v, 0));
  size_t i = 3;
  while (i < n && eq(((elem *)v.data)[i], mk(i))) i++;
  PT_CHECK(i == n, "populate changed the element past len at %zu", i);
  size_t res = 0;
  if (pv_vec_resident(&v, &res) == 0)
    PT_CHECK(res == pv__store_bytes(&v), "%zu of %zu bytes resident", res,
             pv__store_bytes(&v));
  PT_CHECK(pv_vec_set_len(&v, n) == 0, "set_len");
  PT_CHECK(first_bad(&v, 0) == n, "element %zu wrong after set_len", first_bad(&v, 0));
  PT_CHECK(pv_vec_destroy(&v) == 0, "destroy");
}

const pt_test pt_vec_tests[] = {
    {"vec/walk_default", walk_default},
    {"vec/walk_remap", walk_remap},
    {"vec/walk_remap_guard", walk_remap_guard},
    {"vec/walk_remap_move_on_grow", walk_remap_move},
    {"vec/walk_stable", walk_stable},
    {"vec/walk_stable_guard", walk_stable_guard},
    {"vec/walk_copy", walk_copy},
    {"vec/walk_copy_guard", walk_copy_guard},
    {"vec/walk_small_remap", walk_small_remap},
    {"vec/walk_small_copy", walk_small_copy},
    {"vec/remap_grows_in_place_mostly", remap_grows_in_place_mostly},
    {"vec/init_errors", init_errors},
    {"vec/mutator_errors_change_nothing", mutator_errors_change_nothing},
    {"vec/refused_growth_changes_nothing", refused_growth_changes_nothing},
    {"vec/model_default", model_default},
    {"vec/model_remap_guard", model_remap},
    {"vec/model_stable_guard", model_stable},
    {"vec/model_copy_move_on_grow", model_copy},
    {"vec/file_round_trip", file_round_trip},
    {"vec/read_file_round_trip", read_file_round_trip},
    {"vec/populate_two_threads", populate_two_threads},
    {NULL, NULL}};

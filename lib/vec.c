/*
 * lib/vec.c - the container's element operations (pv_vec_*): they check
 * their arguments and move elements within the bytes the storage layer
 * (lib/store.h) holds for the vector.  No OS call and no knowledge of how
 * the bytes are held: growth, shrink, freeze, trim, advice, population,
 * resident and release go through store.h, and len changes through
 * pv__store_set_len, which keeps ASan's poison of the tail in step
 * (lib/store.c).
 *
 * A zeroed struct is a destroyed vector: elem_size 0 means "not
 * initialised" and every call but destroy answers PV_EINVAL.
 *
 * Failure rule: every operation makes its fallible storage call before it
 * touches an element, so that on any error the vector and its bytes are
 * exactly as before (the storage layer keeps the same rule).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paged_vec/file.h"
#include "store.h"

#define USER_FLAGS                                                              \
  (PV_VEC_HUGE | PV_VEC_NO_HUGE | PV_VEC_GUARD | PV_VEC_MOVE_ON_GROW |         \
   PV_VEC_PAGES)

_Static_assert(sizeof(pv_vec) <= 6 * sizeof(void *),
               "pv_vec is at most six words (48 bytes on LP64): a hash table "
               "pays it per bucket");

static bool valid(const pv_vec *v) { return v != NULL && v->elem_size != 0; }

/* The entry check of every mutator. */
static int check_mut(const pv_vec *v) { return pv__store_check_mut(v); }

static char *elem_ptr(const pv_vec *v, size_t i) {
  return (char *)v->data + i * v->elem_size;
}

/* Make room for len + additional elements (the caller checked v). */
static inline int reserve_impl(pv_vec *v, size_t additional, bool exact) {
  if (additional <= v->cap - v->len) return 0;
  if (additional > SIZE_MAX - v->len) return PV_EOVERFLOW;
  return pv__store_grow(v, v->len + additional, exact);
}

/* If p points into the bytes v holds, its offset there (so that it can be
 * found again after a growth moved the data), else SIZE_MAX.  Compared as
 * integers: relational operators on unrelated pointers are undefined. */
static size_t offset_in(const pv_vec *v, const void *p) {
  uintptr_t lo = (uintptr_t)v->data, x = (uintptr_t)p;
  if (v->data == NULL || x < lo || x - lo >= pv__store_bytes(v)) return SIZE_MAX;
  return (size_t)(x - lo);
}

/* Exchange n bytes at a and b (distinct, not overlapping) through a small
 * stack buffer: no allocation, so sort and swap cannot fail. */
static void swap_bytes(char *a, char *b, size_t n) {
  char t[64];
  while (n > 0) {
    size_t k = n < sizeof t ? n : sizeof t;
    memcpy(t, a, k);
    memcpy(a, b, k);
    memcpy(b, t, k);
    a += k;
    b += k;
    n -= k;
  }
}

/* ---- lifecycle ---------------------------------------------------------- */

/* pv_vec_init_opts; static inline so that pv_vec_init calls it directly
 * (an exported function calls another through the PLT) and, with its
 * options constant, folds the checks away. */
static inline int init_impl(pv_vec *v, const pv_vec_opts *opts) {
  if (v == NULL || opts == NULL || opts->elem_size == 0) return PV_EINVAL;
  if ((unsigned)opts->grow > (unsigned)PV_GROW_COPY) return PV_EINVAL;
  if (opts->flags & ~(unsigned)USER_FLAGS) return PV_EINVAL;
  if ((opts->flags & PV_VEC_HUGE) && (opts->flags & PV_VEC_NO_HUGE))
    return PV_EINVAL;
  if (opts->grow == PV_GROW_STABLE &&
      (opts->max_len == 0 || opts->initial_cap > opts->max_len))
    return PV_EINVAL;
  if (opts->initial_cap > SIZE_MAX / opts->elem_size) return PV_EOVERFLOW;

  pv_vec n;
  if (opts->initial_cap == 0) {
    /* The common case, which cannot fail: an empty small vector, written
     * field by field straight into *v (a pv_vec built on the stack and
     * copied is a store-forwarding stall, its 16-byte loads over 8-byte
     * stores: a tenth of create + push 16 + destroy). */
    pv__store *s = pv__store_small_for(opts);
    if (s != NULL) {
      v->data = NULL;
      v->len = v->cap = v->pv_room = 0;
      v->elem_size = opts->elem_size;
      v->pv_store = s;
      return 0;
    }
  }
  memset(&n, 0, sizeof n);
  n.elem_size = opts->elem_size;
  int rc = pv__store_init(&n, opts);
  if (rc != 0) return rc;
  *v = n;
  return 0;
}

int pv_vec_init(pv_vec *v, size_t elem_size) {
  pv_vec_opts o = {0};
  o.elem_size = elem_size;
  return init_impl(v, &o);
}

int pv_vec_init_opts(pv_vec *v, const pv_vec_opts *opts) {
  return init_impl(v, opts);
}

#define OPEN_FLAGS \
  (PV_OPEN_CREATE | PV_OPEN_EXCL | PV_OPEN_READONLY | PV_OPEN_TRUNCATE)
/* The most a creation mode may say: permission, setuid/setgid, sticky. */
#define MODE_BITS 07777u

int pv_vec_open(pv_vec *v, const char *path, const pv_vec_file_opts *o) {
  if (v == NULL || path == NULL || o == NULL) return PV_EINVAL;
  unsigned f = o->flags;
  if (f & ~(unsigned)OPEN_FLAGS) return PV_EINVAL;
  if ((f & PV_OPEN_READONLY) &&
      (f & (PV_OPEN_CREATE | PV_OPEN_EXCL | PV_OPEN_TRUNCATE)))
    return PV_EINVAL;
  if ((f & PV_OPEN_EXCL) && !(f & PV_OPEN_CREATE)) return PV_EINVAL;
  if ((f & (PV_OPEN_CREATE | PV_OPEN_TRUNCATE)) && o->elem_size == 0)
    return PV_EINVAL;
  if (o->grow != PV_GROW_DEFAULT && o->grow != PV_GROW_REMAP &&
      o->grow != PV_GROW_STABLE)
    return PV_EINVAL;
  if (o->grow == PV_GROW_STABLE && o->max_len == 0) return PV_EINVAL;
  if (o->mode & ~MODE_BITS) return PV_EINVAL;

  pv_vec n;
  memset(&n, 0, sizeof n);
  int rc = pv__store_file_open(&n, path, o);
  if (rc != 0) return rc;
  *v = n;
  return 0;
}

int pv_vec_sync(pv_vec *v, unsigned flags) {
  if (!valid(v) || !pv__store_is_file(v)) return PV_EINVAL;
  if (flags != PV_SYNC_WAIT && flags != PV_SYNC_ASYNC) return PV_EINVAL;
  return pv__store_file_sync(v, flags == PV_SYNC_WAIT);
}

int pv_vec_destroy(pv_vec *v) {
  if (v == NULL) return PV_EINVAL;
  return pv__store_release(v);
}

/* ---- access ------------------------------------------------------------- */

void *pv_vec_at(const pv_vec *v, size_t i) {
  if (v == NULL || i >= v->len) return NULL;
  return elem_ptr(v, i);
}

int pv_vec_get(const pv_vec *v, size_t i, void *out) {
  if (!valid(v) || out == NULL) return PV_EINVAL;
  if (i >= v->len) return PV_ERANGE;
  memcpy(out, elem_ptr(v, i), v->elem_size);
  return 0;
}

int pv_vec_set(pv_vec *v, size_t i, const void *elem) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (elem == NULL) return PV_EINVAL;
  if (i >= v->len) return PV_ERANGE;
  /* memmove: elem may be another element of the same vector. */
  memmove(elem_ptr(v, i), elem, v->elem_size);
  return 0;
}

void *pv_vec_data(const pv_vec *v) { return v == NULL ? NULL : v->data; }
size_t pv_vec_len(const pv_vec *v) { return v == NULL ? 0 : v->len; }
size_t pv_vec_cap(const pv_vec *v) { return v == NULL ? 0 : v->cap; }
size_t pv_vec_elem_size(const pv_vec *v) { return v == NULL ? 0 : v->elem_size; }

void *pv_vec_last(const pv_vec *v) {
  if (v == NULL || v->len == 0) return NULL;
  return elem_ptr(v, v->len - 1);
}

/* ---- mutation ----------------------------------------------------------- */

int pv_vec_append(pv_vec *v, const void *elems, size_t n) {
  int rc = check_mut(v);
  if (rc != 0 || n == 0) return rc;
  if (elems == NULL) return PV_EINVAL;
  size_t off = offset_in(v, elems);
  rc = reserve_impl(v, n, false);
  if (rc != 0) return rc;
  /* n <= cap - len now, so n * elem_size cannot overflow. */
  char *slot = elem_ptr(v, v->len);
  pv__store_set_len(v, v->len + n);
  if (off != SIZE_MAX)
    memmove(slot, (char *)v->data + off, n * v->elem_size);
  else
    memcpy(slot, elems, n * v->elem_size);
  return 0;
}

/* Put *elem in the slot past len (len < cap), which cannot overlap it.
 * Constant-size copies for the common element sizes compile to one or two
 * moves instead of a call to memcpy. */
static inline void put_one(pv_vec *v, const void *elem) {
  char *slot = elem_ptr(v, v->len);
  pv__store_set_len(v, v->len + 1);
  switch (v->elem_size) {
  case 1: memcpy(slot, elem, 1); break;
  case 2: memcpy(slot, elem, 2); break;
  case 4: memcpy(slot, elem, 4); break;
  case 8: memcpy(slot, elem, 8); break;
  case 16: memcpy(slot, elem, 16); break;
  default: memcpy(slot, elem, v->elem_size); break;
  }
}

/* Parenthesised: vec.h defines pv_vec_push as its inline common case. */
int (pv_vec_push)(pv_vec *v, const void *elem) {
  /* The common case first: room left, not frozen (cap > 0 implies an
   * initialised vector); nothing moves, so elem stays valid. */
  if (v != NULL && elem != NULL && v->len < v->pv_room) {
    put_one(v, elem);
    return 0;
  }
  /* Full (or an error): pv_vec_append's path for one element, without
   * its call through the PLT and its memcpy of a variable size. */
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (elem == NULL) return PV_EINVAL;
  size_t off = offset_in(v, elem);
  rc = reserve_impl(v, 1, false);
  if (rc != 0) return rc;
  put_one(v, off != SIZE_MAX ? (const char *)v->data + off : elem);
  return 0;
}

int pv_vec_push_slot(pv_vec *v, void **slot) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (slot == NULL) return PV_EINVAL;
  rc = reserve_impl(v, 1, false);
  if (rc != 0) return rc;
  *slot = elem_ptr(v, v->len);
  pv__store_set_len(v, v->len + 1);
  return 0;
}

int pv_vec_extend_uninit(pv_vec *v, size_t n, void **first) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (first == NULL) return PV_EINVAL;
  rc = reserve_impl(v, n, false);
  if (rc != 0) return rc;
  *first = v->data == NULL ? NULL : elem_ptr(v, v->len);
  pv__store_set_len(v, v->len + n);
  return 0;
}

void *pv_vec_spare(pv_vec *v, size_t *n) {
  if (n != NULL) *n = 0;
  if (check_mut(v) != 0 || v->len == v->cap) return NULL;
  /* The caller writes there before pv_vec_set_len: under ASan the tail
   * is opened now and closed again by the next pv_vec_set_len. */
  pv__store_unpoison_tail(v);
  if (n != NULL) *n = v->cap - v->len;
  return elem_ptr(v, v->len);
}

int pv_vec_set_len(pv_vec *v, size_t len) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (len > v->cap) return PV_ERANGE;
  pv__store_set_len(v, len);
  pv__store_poison_tail(v); /* what pv_vec_spare opened past len */
  return 0;
}

int pv_vec_pop(pv_vec *v, void *out) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (v->len == 0) return PV_ERANGE;
  if (out != NULL) memcpy(out, elem_ptr(v, v->len - 1), v->elem_size);
  pv__store_set_len(v, v->len - 1);
  return 0;
}

int pv_vec_insert(pv_vec *v, size_t i, const void *elems, size_t n) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (i > v->len) return PV_ERANGE;
  if (n == 0) return 0;
  if (elems == NULL) return PV_EINVAL;
  size_t off = offset_in(v, elems);
  rc = reserve_impl(v, n, false);
  if (rc != 0) return rc;
  size_t es = v->elem_size, gap = i * es, len = n * es, old = v->len;
  char *d = v->data;
  pv__store_set_len(v, old + n);
  memmove(d + gap + len, d + gap, (old - i) * es);
  if (off == SIZE_MAX) {
    memcpy(d + gap, elems, len);
  } else {
    /* The source is inside the vector: its bytes below the gap stayed,
     * the ones at or after it moved up by len.  Neither part overlaps the
     * gap, so two plain copies fill it. */
    size_t below = off < gap ? (gap - off < len ? gap - off : len) : 0;
    memcpy(d + gap, d + off, below);
    size_t from = off + below; /* source offset of the rest, before the move */
    memcpy(d + gap + below, d + from + len, len - below);
  }
  return 0;
}

int pv_vec_remove(pv_vec *v, size_t i, size_t n, void *out) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (i > v->len || n > v->len - i) return PV_ERANGE;
  if (n == 0) return 0;
  size_t es = v->elem_size;
  if (out != NULL) memcpy(out, elem_ptr(v, i), n * es);
  memmove(elem_ptr(v, i), elem_ptr(v, i + n), (v->len - i - n) * es);
  pv__store_set_len(v, v->len - n);
  return 0;
}

int pv_vec_swap_remove(pv_vec *v, size_t i, void *out) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (i >= v->len) return PV_ERANGE;
  if (out != NULL) memcpy(out, elem_ptr(v, i), v->elem_size);
  if (i != v->len - 1) memcpy(elem_ptr(v, i), elem_ptr(v, v->len - 1), v->elem_size);
  pv__store_set_len(v, v->len - 1);
  return 0;
}

int pv_vec_swap(pv_vec *v, size_t i, size_t j) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (i >= v->len || j >= v->len) return PV_ERANGE;
  if (i != j) swap_bytes(elem_ptr(v, i), elem_ptr(v, j), v->elem_size);
  return 0;
}

int pv_vec_extend_from_within(pv_vec *v, size_t i, size_t n) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (i > v->len || n > v->len - i) return PV_ERANGE;
  if (n == 0) return 0;
  rc = reserve_impl(v, n, false);
  if (rc != 0) return rc;
  /* After the growth (data may have moved); [i, i + n) is below len, so
   * it does not overlap the new slots. */
  size_t old = v->len;
  pv__store_set_len(v, old + n);
  memcpy(elem_ptr(v, old), elem_ptr(v, i), n * v->elem_size);
  return 0;
}

int pv_vec_split_off(pv_vec *v, size_t at, pv_vec *dst) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  rc = check_mut(dst);
  if (rc != 0) return rc;
  if (dst == v || dst->elem_size != v->elem_size || dst->len != 0)
    return PV_EINVAL;
  if (at > v->len) return PV_ERANGE;
  size_t n = v->len - at;
  /* dst grows first: if it cannot, neither vector has changed. */
  rc = reserve_impl(dst, n, true);
  if (rc != 0) return rc;
  pv__store_set_len(dst, n);
  if (n != 0) memcpy(dst->data, elem_ptr(v, at), n * v->elem_size);
  pv__store_set_len(v, at);
  return 0;
}

int pv_vec_retain(pv_vec *v, bool (*keep)(const void *, void *), void *ctx) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (keep == NULL) return PV_EINVAL;
  size_t w = 0, es = v->elem_size;
  for (size_t r = 0; r < v->len; r++) {
    if (!keep(elem_ptr(v, r), ctx)) continue;
    if (w != r) memcpy(elem_ptr(v, w), elem_ptr(v, r), es);
    w++;
  }
  pv__store_set_len(v, w);
  return 0;
}

int pv_vec_dedup(pv_vec *v, int (*cmp)(const void *, const void *, void *),
                 void *ctx) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (cmp == NULL) return PV_EINVAL;
  if (v->len < 2) return 0;
  size_t w = 1, es = v->elem_size;
  for (size_t r = 1; r < v->len; r++) {
    if (cmp(elem_ptr(v, w - 1), elem_ptr(v, r), ctx) == 0) continue;
    if (w != r) memcpy(elem_ptr(v, w), elem_ptr(v, r), es);
    w++;
  }
  pv__store_set_len(v, w);
  return 0;
}

int pv_vec_resize(pv_vec *v, size_t n, const void *fill) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (n <= v->len) {
    pv__store_set_len(v, n);
    return 0;
  }
  size_t off = fill == NULL ? SIZE_MAX : offset_in(v, fill);
  rc = reserve_impl(v, n - v->len, false);
  if (rc != 0) return rc;
  size_t es = v->elem_size, total = (n - v->len) * es;
  char *d = elem_ptr(v, v->len);
  pv__store_set_len(v, n);
  if (fill == NULL) {
    /* Explicitly: the tail may hold old elements (truncate keeps them). */
    memset(d, 0, total);
  } else {
    memcpy(d, off == SIZE_MAX ? fill : (char *)v->data + off, es);
    /* Double the filled prefix each step: O(log n) memcpy calls. */
    for (size_t done = es; done < total;) {
      size_t k = done < total - done ? done : total - done;
      memcpy(d + done, d, k);
      done += k;
    }
  }
  return 0;
}

int pv_vec_truncate(pv_vec *v, size_t n) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (n < v->len) pv__store_set_len(v, n);
  return 0;
}

int pv_vec_clear(pv_vec *v) { return pv_vec_truncate(v, 0); }

/* ---- capacity ----------------------------------------------------------- */

int pv_vec_reserve(pv_vec *v, size_t additional) {
  int rc = check_mut(v);
  return rc != 0 ? rc : reserve_impl(v, additional, false);
}

int pv_vec_reserve_exact(pv_vec *v, size_t additional) {
  int rc = check_mut(v);
  return rc != 0 ? rc : reserve_impl(v, additional, true);
}

int pv_vec_shrink_to_fit(pv_vec *v) {
  int rc = check_mut(v);
  return rc != 0 ? rc : pv__store_shrink(v, 0);
}

int pv_vec_shrink_to(pv_vec *v, size_t min_cap) {
  int rc = check_mut(v);
  return rc != 0 ? rc : pv__store_shrink(v, min_cap);
}

int pv_vec_trim(pv_vec *v) {
  int rc = check_mut(v);
  return rc != 0 ? rc : pv__store_trim(v);
}

/* ---- whole vector ------------------------------------------------------- */

int pv_vec_copy(pv_vec *dst, const pv_vec *src) {
  if (!valid(dst) || !valid(src) || dst == src || dst->elem_size != src->elem_size)
    return PV_EINVAL;
  if (pv__store_frozen(dst)) return PV_EACCES;
  if (src->len > dst->cap) {
    /* Exact: a copy is usually made once, at its final size. */
    int rc = reserve_impl(dst, src->len - dst->len, true);
    if (rc != 0) return rc;
  }
  pv__store_set_len(dst, src->len);
  if (src->len != 0) memcpy(dst->data, src->data, src->len * src->elem_size);
  return 0;
}

bool pv_vec_equal(const pv_vec *a, const pv_vec *b) {
  if (!valid(a) || !valid(b)) return false;
  if (a->elem_size != b->elem_size || a->len != b->len) return false;
  return a->len == 0 || memcmp(a->data, b->data, a->len * a->elem_size) == 0;
}

int pv_vec_sort(pv_vec *v, int (*cmp)(const void *, const void *)) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (cmp == NULL) return PV_EINVAL;
  if (v->len > 1) qsort(v->data, v->len, v->elem_size, cmp);
  return 0;
}

/* Heapsort's sift-down of element root in the heap d[0, n). */
static void sift_down(char *d, size_t es, size_t root, size_t n,
                      int (*cmp)(const void *, const void *, void *), void *ctx) {
  /* root has a child while root <= (n - 2) / 2: 2 * root + 2 cannot
   * overflow then. */
  while (n >= 2 && root <= (n - 2) / 2) {
    size_t c = 2 * root + 1;
    if (c + 1 < n && cmp(d + c * es, d + (c + 1) * es, ctx) < 0) c++;
    if (cmp(d + root * es, d + c * es, ctx) >= 0) return;
    swap_bytes(d + root * es, d + c * es, es);
    root = c;
  }
}

int pv_vec_sort_r(pv_vec *v, int (*cmp)(const void *, const void *, void *),
                  void *ctx) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (cmp == NULL) return PV_EINVAL;
  /* Heapsort in place: O(n log n) at worst, no memory to ask for (so no
   * PV_ENOMEM), no platform's qsort_r (they differ, mingw has none). */
  char *d = v->data;
  size_t n = v->len, es = v->elem_size;
  for (size_t i = n / 2; i-- > 0;) sift_down(d, es, i, n, cmp, ctx);
  for (size_t end = n; end > 1; end--) {
    swap_bytes(d, d + (end - 1) * es, es);
    sift_down(d, es, 0, end - 1, cmp, ctx);
  }
  return 0;
}

int pv_vec_bsearch_r(const pv_vec *v, const void *key,
                     int (*cmp)(const void *, const void *, void *), void *ctx,
                     size_t *index) {
  if (!valid(v) || key == NULL || cmp == NULL || index == NULL) return PV_EINVAL;
  /* Lower bound: the first element not less than key. */
  size_t lo = 0, hi = v->len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (cmp(key, elem_ptr(v, mid), ctx) > 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *index = lo;
  return (lo < v->len && cmp(key, elem_ptr(v, lo), ctx) == 0) ? 0 : PV_ENOENT;
}

/* pv_vec_bsearch's comparator, carried to bsearch_r as its context (a
 * function pointer cannot travel as a void *). */
struct plain_cmp {
  int (*cmp)(const void *, const void *);
};
static int call_plain(const void *a, const void *b, void *ctx) {
  return ((const struct plain_cmp *)ctx)->cmp(a, b);
}

int pv_vec_bsearch(const pv_vec *v, const void *key,
                   int (*cmp)(const void *, const void *), size_t *index) {
  if (cmp == NULL) return PV_EINVAL;
  struct plain_cmp pc = {cmp};
  return pv_vec_bsearch_r(v, key, call_plain, &pc, index);
}

int pv_vec_freeze(pv_vec *v) {
  return valid(v) ? pv__store_freeze(v) : PV_EINVAL;
}

int pv_vec_thaw(pv_vec *v) { return valid(v) ? pv__store_thaw(v) : PV_EINVAL; }

bool pv_vec_frozen(const pv_vec *v) { return valid(v) && pv__store_frozen(v); }

int pv_vec_advise(pv_vec *v, pv_advice advice) {
  if (!valid(v) || (unsigned)advice > (unsigned)PV_ADVISE_PAGEOUT)
    return PV_EINVAL;
  return pv__store_advise(v, advice);
}

int pv_vec_populate(pv_vec *v, unsigned threads) {
  int rc = check_mut(v);
  return rc != 0 ? rc : pv__store_populate(v, threads);
}

int pv_vec_resident(const pv_vec *v, size_t *bytes) {
  if (!valid(v) || bytes == NULL) return PV_EINVAL;
  return pv__store_resident(v, bytes);
}

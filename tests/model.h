/*
 * tests/model.h - the one reference model of a pv_vec: a plain malloc'd
 * array of fixed-size elements, and the codes include/paged_vec/vec.h
 * promises for each operation, worked out from the model's state alone.
 *
 * Plain C11 and no test framework, so that every randomized or
 * differential test uses it: tests/test_vec_model.c (Criterion),
 * fuzz/fuzz_vec.c (libFuzzer) and tests/portable_vec.c (the portable
 * program, also built with mingw and run under wine).
 *
 * Use: before a call, pvm_*_code() says what the library must return;
 * after a successful call, the matching pvm_*() applies the operation to
 * the model (with a copy of the source elements taken before the call
 * when they may alias the vector); pvm_diff() compares the bytes.  The
 * appliers return false only when the model's own malloc fails.
 */
#ifndef PV_MODEL_H
#define PV_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paged_vec.h"

typedef struct pvm {
  unsigned char *b; /* len elements of es bytes, room for cap */
  size_t len, cap, es;
  size_t max;       /* the most elements a growth may reach (STABLE's
                       max_len), SIZE_MAX when unbounded */
  bool frozen;      /* mutators answer PV_EACCES */
} pvm;

/* An empty model of es-byte elements that may grow to max (SIZE_MAX: no
 * limit).  Allocates nothing. */
static inline void pvm_init(pvm *m, size_t es, size_t max) {
  m->b = NULL;
  m->len = m->cap = 0;
  m->es = es;
  m->max = max;
  m->frozen = false;
}

static inline void pvm_free(pvm *m) {
  free(m->b);
  m->b = NULL;
  m->len = m->cap = 0;
}

/* Element i (i <= len). */
static inline unsigned char *pvm_at(const pvm *m, size_t i) { return m->b + i * m->es; }

/* Room for n elements; false on overflow or when malloc fails. */
static inline bool pvm_room(pvm *m, size_t n) {
  if (n <= m->cap) return true;
  size_t c = m->cap != 0 ? m->cap : 1;
  while (c < n) {
    if (c > SIZE_MAX / 2) return false;
    c *= 2;
  }
  if (c > SIZE_MAX / m->es) return false;
  unsigned char *nb = realloc(m->b, c * m->es);
  if (nb == NULL) return false;
  m->b = nb;
  m->cap = c;
  return true;
}

/* ---- the codes the header promises -------------------------------------- */

/* A mutator that cannot fail otherwise (truncate, clear, sort, trim, ...). */
static inline int pvm_mut_code(const pvm *m) { return m->frozen ? PV_EACCES : 0; }

/* Growing to `need` elements (push, append, reserve, ...). */
static inline int pvm_grow_code(const pvm *m, size_t need) {
  if (m->frozen) return PV_EACCES;
  return need > m->max ? PV_ENOSPC : 0;
}

/* insert(i, n); append is insert at len. */
static inline int pvm_insert_code(const pvm *m, size_t i, size_t n) {
  if (m->frozen) return PV_EACCES;
  if (i > m->len) return PV_ERANGE;
  return n == 0 ? 0 : pvm_grow_code(m, m->len + n);
}

/* remove(i, n): the range must lie inside len (i + n may overflow). */
static inline int pvm_remove_code(const pvm *m, size_t i, size_t n) {
  if (m->frozen) return PV_EACCES;
  return (i > m->len || n > m->len - i) ? PV_ERANGE : 0;
}

/* get(i): reading needs no write access. */
static inline int pvm_get_code(const pvm *m, size_t i) {
  return i >= m->len ? PV_ERANGE : 0;
}

/* set(i) and swap_remove(i). */
static inline int pvm_set_code(const pvm *m, size_t i) {
  return m->frozen ? PV_EACCES : pvm_get_code(m, i);
}

static inline int pvm_pop_code(const pvm *m) {
  if (m->frozen) return PV_EACCES;
  return m->len == 0 ? PV_ERANGE : 0;
}

/* resize(n): shrinking always works. */
static inline int pvm_resize_code(const pvm *m, size_t n) {
  if (m->frozen) return PV_EACCES;
  return n <= m->len ? 0 : pvm_grow_code(m, n);
}

/* swap(i, j). */
static inline int pvm_swap_code(const pvm *m, size_t i, size_t j) {
  if (m->frozen) return PV_EACCES;
  return (i >= m->len || j >= m->len) ? PV_ERANGE : 0;
}

/* extend_from_within(i, n): a range inside len, then a growth. */
static inline int pvm_within_code(const pvm *m, size_t i, size_t n) {
  int rc = pvm_remove_code(m, i, n);
  return (rc != 0 || n == 0) ? rc : pvm_grow_code(m, m->len + n);
}

/* split_off(at) into an empty, writable destination that can grow. */
static inline int pvm_split_code(const pvm *m, size_t at) {
  if (m->frozen) return PV_EACCES;
  return at > m->len ? PV_ERANGE : 0;
}

/* set_len(n) on a vector whose capacity is cap (the library's: the model
 * has none of its own). */
static inline int pvm_set_len_code(const pvm *m, size_t n, size_t cap) {
  if (m->frozen) return PV_EACCES;
  return n > cap ? PV_ERANGE : 0;
}

/* read_fd of a regular file at offset 0 holding `size` bytes, with
 * max_bytes (0: no limit): the room for the bytes to be read (partial
 * element rounded up) is reserved first, so a STABLE vector without it is
 * PV_ENOSPC before any byte is read.  *got: the bytes the call takes. */
static inline int pvm_read_fd_code(const pvm *m, size_t size, size_t max_bytes,
                                   size_t *got) {
  size_t want = (max_bytes != 0 && max_bytes < size) ? max_bytes : size;
  size_t n = want / m->es + (want % m->es != 0);
  int rc = m->frozen ? PV_EACCES : n == 0 ? 0 : pvm_grow_code(m, m->len + n);
  *got = rc == 0 ? want : 0;
  return rc;
}

/* read_file of a file of `size` bytes: read_fd's codes, then PV_EINVAL
 * when the file is not whole elements. */
static inline int pvm_read_file_code(const pvm *m, size_t size) {
  size_t got;
  int rc = pvm_read_fd_code(m, size, 0, &got);
  return (rc != 0 || size % m->es == 0) ? rc : PV_EINVAL;
}

/* populate changes no element, len or capacity: pvm_mut_code's codes
 * (PV_EACCES frozen, else 0), and nothing to apply. */

/* ---- the operations, applied after the library succeeded ---------------- */

/* n elements from src at i (i <= len); src must not point into the model. */
static inline bool pvm_insert(pvm *m, size_t i, const void *src, size_t n) {
  if (n == 0) return true;
  if (!pvm_room(m, m->len + n)) return false;
  memmove(pvm_at(m, i + n), pvm_at(m, i), (m->len - i) * m->es);
  memcpy(pvm_at(m, i), src, n * m->es);
  m->len += n;
  return true;
}

/* read_fd or read_file took the `got` bytes at `bytes`: their whole
 * elements are appended; a trailing partial element is not part of len. */
static inline bool pvm_read(pvm *m, const void *bytes, size_t got) {
  return pvm_insert(m, m->len, bytes, got / m->es);
}

/* Removes [i, i + n) (inside len). */
static inline void pvm_remove(pvm *m, size_t i, size_t n) {
  if (n == 0) return; /* the model may hold no array yet */
  memmove(pvm_at(m, i), pvm_at(m, i + n), (m->len - i - n) * m->es);
  m->len -= n;
}

/* The last element moves into i (i < len). */
static inline void pvm_swap_remove(pvm *m, size_t i) {
  memmove(pvm_at(m, i), pvm_at(m, m->len - 1), m->es);
  m->len--;
}

/* Exchange elements i and j (both < len). */
static inline void pvm_swap(pvm *m, size_t i, size_t j) {
  unsigned char *a = pvm_at(m, i), *b = pvm_at(m, j);
  for (size_t k = 0; i != j && k < m->es; k++) {
    unsigned char t = a[k];
    a[k] = b[k];
    b[k] = t;
  }
}

/* Appends a copy of [i, i + n) (inside len). */
static inline bool pvm_extend_from_within(pvm *m, size_t i, size_t n) {
  if (n == 0) return true;
  if (!pvm_room(m, m->len + n)) return false;
  memcpy(pvm_at(m, m->len), pvm_at(m, i), n * m->es);
  m->len += n;
  return true;
}

/* Keeps, in order, the elements keep(elem, ctx) accepts. */
static inline void pvm_retain(pvm *m, bool (*keep)(const void *, void *), void *ctx) {
  size_t w = 0;
  for (size_t r = 0; r < m->len; r++)
    if (keep(pvm_at(m, r), ctx)) memmove(pvm_at(m, w++), pvm_at(m, r), m->es);
  m->len = w;
}

/* Drops each element equal to the one kept before it. */
static inline void pvm_dedup(pvm *m, int (*cmp)(const void *, const void *, void *),
                             void *ctx) {
  if (m->len < 2) return;
  size_t w = 1;
  for (size_t r = 1; r < m->len; r++)
    if (cmp(pvm_at(m, w - 1), pvm_at(m, r), ctx) != 0)
      memmove(pvm_at(m, w++), pvm_at(m, r), m->es);
  m->len = w;
}

/* Moves [at, len) to the end of the empty model dst. */
static inline bool pvm_split_off(pvm *m, size_t at, pvm *dst) {
  if (at == m->len) return true; /* the model may hold no array yet */
  if (!pvm_insert(dst, 0, pvm_at(m, at), m->len - at)) return false;
  m->len = at;
  return true;
}

static inline void pvm_set(pvm *m, size_t i, const void *elem) {
  memcpy(pvm_at(m, i), elem, m->es);
}

/* To n elements: new ones are copies of *fill, or zero bytes (fill NULL). */
static inline bool pvm_resize(pvm *m, size_t n, const void *fill) {
  if (n > m->len) {
    if (!pvm_room(m, n)) return false;
    for (size_t k = m->len; k < n; k++) {
      if (fill == NULL) memset(pvm_at(m, k), 0, m->es);
      else memcpy(pvm_at(m, k), fill, m->es);
    }
  }
  m->len = n;
  return true;
}

/* To at most n elements. */
static inline void pvm_truncate(pvm *m, size_t n) {
  if (n < m->len) m->len = n;
}

static inline void pvm_sort(pvm *m, int (*cmp)(const void *, const void *)) {
  if (m->len > 1) qsort(m->b, m->len, m->es, cmp);
}

/* The first index whose element is not below key (the model sorted). */
static inline size_t pvm_lower_bound(const pvm *m, const void *key,
                                     int (*cmp)(const void *, const void *)) {
  size_t lo = 0;
  while (lo < m->len && cmp(pvm_at(m, lo), key) < 0) lo++;
  return lo;
}

/* The first byte where data (len * es bytes) differs from the model, or
 * SIZE_MAX when they agree. */
static inline size_t pvm_diff(const pvm *m, const void *data) {
  size_t n = m->len * m->es;
  if (n == 0 || memcmp(data, m->b, n) == 0) return SIZE_MAX;
  const unsigned char *a = data;
  size_t i = 0;
  while (a[i] == m->b[i]) i++;
  return i;
}

#endif /* PV_MODEL_H */

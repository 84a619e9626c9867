/*
 * tests/test_vec_model.c - the randomized model test: random operations on
 * a pv_vec and on the reference model (tests/model.h), in every growth mode
 * (REMAP, STABLE, COPY) and for element sizes 1, 3, 8, 24 and 4104 bytes,
 * and on file vectors (FILE_REMAP, FILE_STABLE).
 * After every operation the return code, the length and the capacity
 * invariants are checked; after every batch every byte is compared.
 *
 * Reproducible: the seed is fixed unless PV_TEST_SEED is set, every failure
 * message starts with it, and the op count is given by PV_TEST_MODEL_OPS
 * (default MODEL_OPS per mode and element size).  Lengths stay below
 * MODEL_BYTES of data (plus one read op's file) so that the huge-page
 * threshold never matters here (test_vec_modes.c covers huge pages) and
 * the run stays short.  The read ops (read_fd, read_file) read a fresh
 * file of random bytes under $TMPDIR (or /tmp), removed at once.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "model.h"
#include "vecutil.h"

enum {
  MODEL_OPS = 200000,       /* operations per (mode, element size) */
  MODEL_BYTES = 32 * 1024,  /* the longest vector, in bytes ... */
  MODEL_MIN_LEN = 16,       /* ... but at least this many elements */
  MODEL_BATCH = 64,         /* full byte comparison every this many ops */
  MODEL_FILE_PAGES = 3      /* a read op's file: up to this many pages and an element */
};
#define DEFAULT_SEED UINT64_C(0x5eed2024c0ffee01)

/* ---- random numbers: splitmix64, tiny and good enough ------------------- */

static uint64_t rng_state;
static uint64_t base_seed; /* PV_TEST_SEED, or DEFAULT_SEED */
static uint64_t seed_used; /* base_seed mixed with the mode and size */

static uint64_t rnd(void) {
  uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0; the bias is irrelevant here). */
static size_t below(size_t n) { return (size_t)(rnd() % n); }

static void rnd_bytes(unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)rnd();
}

static uint64_t env_u64(const char *name, uint64_t dflt) {
  const char *s = getenv(name);
  if (s == NULL || *s == '\0') return dflt;
  return strtoull(s, NULL, 0);
}

struct run;
static void model_fail(const struct run *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Every failure message names the seed, the mode, the size and the op. */
#define M_ASSERT(cond, ...)                                                   \
  do {                                                                        \
    if (!(cond)) model_fail(t, __VA_ARGS__);                                  \
  } while (0)

/* The library returned the code the model says. */
#define M_CODE(rc, want)                                                      \
  M_ASSERT((rc) == (want), "rc %s, want %s", pv_errname(rc), pv_errname(want))

/* ---- one run ------------------------------------------------------------ */

typedef struct run {
  pv_grow grow;
  bool file;          /* t->v is a file vector (paged_vec/file.h) */
  char path[256];     /* ... in this file */
  size_t es, limit, op;
  const char *op_name;
  pv_vec v, other;
  pvm m;               /* the reference (tests/model.h) */
  size_t most;        /* the most elements one insert/append adds */
  void *stable_base;
  unsigned char *buf; /* scratch for elements going in or coming out */
  unsigned char *buf2;
  unsigned char *fbuf; /* a read op's file contents: up to fmax bytes */
  size_t fmax;
  size_t counts[32];
} run;

static void model_fail(const run *t, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cr_assert_fail("[PV_TEST_SEED=%#" PRIx64 " %s%s es=%zu op #%zu %s] %s", base_seed,
                 t->file ? "FILE_" : "", vu_mode_name(t->grow), t->es, t->op, t->op_name,
                 msg);
}

static size_t sort_es; /* qsort's comparator has no context argument */
static int cmp_bytes(const void *a, const void *b) { return memcmp(a, b, sort_es); }

/* A fresh element-aligned pointer to n random elements in t->buf. */
static const unsigned char *fresh(run *t, size_t n) {
  rnd_bytes(t->buf, n * t->es);
  return t->buf;
}

static void check_invariants(run *t) {
  pv_vec *v = &t->v;
  M_ASSERT(v->len == t->m.len, "len %zu, model %zu", v->len, t->m.len);
  M_ASSERT(v->cap >= v->len, "cap %zu < len %zu", v->cap, v->len);
  M_ASSERT(v->elem_size == t->es, "elem_size changed to %zu", v->elem_size);
  /* Page-aligned once in pages; a small vector's block is malloc's. */
  bool small = pv__store_inspect(v).kind == PV__STORE_SMALL;
  size_t align = small ? _Alignof(max_align_t) : pv_page_size();
  if (v->data != NULL)
    M_ASSERT((uintptr_t)v->data % align == 0, "data %p not %zu-aligned (%s)",
             v->data, align, small ? "small" : "pages");
  if (small)
    M_ASSERT(v->cap * v->elem_size < pv__store_small_max(),
             "small vector of %zu bytes, past the threshold", v->cap * v->elem_size);
  if (t->grow == PV_GROW_STABLE) {
    M_ASSERT(v->data == t->stable_base, "STABLE data moved %p -> %p",
             t->stable_base, v->data);
    M_ASSERT(v->cap <= t->limit, "STABLE cap %zu > max_len %zu", v->cap, t->limit);
  }
}

static void check_bytes(run *t) {
  size_t i = pvm_diff(&t->m, t->v.data);
  if (i == SIZE_MAX) return;
  const unsigned char *a = t->v.data;
  M_ASSERT(0, "byte %zu (element %zu) is %#x, model %#x", i, i / t->es, a[i],
           t->m.b[i]);
}

/* How many elements an op may add (at most `most`, which the scratch
 * buffers hold): usually within the limit; STABLE now and then asks past it
 * to prove PV_ENOSPC changes nothing. */
static size_t add_count(run *t, size_t most) {
  size_t room = t->limit > t->m.len ? t->limit - t->m.len : 0;
  if (t->grow == PV_GROW_STABLE && below(16) == 0 && room + 4 <= most)
    return room + 1 + below(4);
  size_t n = room < most ? room : most;
  return below(n + 1);
}

/* The n elements the library wrote to t->buf are the model's from i. */
static void out_is(run *t, size_t i, size_t n, const char *what) {
  M_ASSERT(n == 0 || memcmp(t->buf, pvm_at(&t->m, i), n * t->es) == 0,
           "%s elements differ from the model's %zu..%zu", what, i, i + n);
}

enum op {
  OP_PUSH, OP_PUSH_SLOT, OP_POP, OP_APPEND, OP_INSERT, OP_REMOVE,
  OP_SWAP_REMOVE, OP_RESIZE, OP_TRUNCATE, OP_CLEAR, OP_SET, OP_GET,
  OP_RESERVE, OP_RESERVE_EXACT, OP_SHRINK, OP_TRIM, OP_COPY, OP_SORT,
  OP_FREEZE, OP_SWAP, OP_WITHIN, OP_RETAIN, OP_DEDUP, OP_EXTEND_UNINIT,
  OP_SPLIT_OFF, OP_READ_FD, OP_READ_FILE, OP_POPULATE, OP_COUNT
};
static const char *const op_names[OP_COUNT] = {
  "push", "push_slot", "pop", "append", "insert", "remove", "swap_remove",
  "resize", "truncate", "clear", "set", "get", "reserve", "reserve_exact",
  "shrink_to_fit", "trim", "copy", "sort", "freeze", "swap",
  "extend_from_within", "retain", "dedup", "extend_uninit", "split_off",
  "read_fd", "read_file", "populate"};
/* Relative weights: mostly the everyday operations, with enough capacity
 * operations to exercise every growth and shrink path thousands of times. */
static const unsigned op_weight[OP_COUNT] = {
  88, 24, 40, 32, 28, 28, 24, 16, 12, 2, 24, 20, 12, 8, 4, 4, 3, 1, 2,
  12, 8, 2, 2, 16, 3, 2, 2, 2};

static enum op pick_op(void) {
  unsigned total = 0;
  for (int i = 0; i < OP_COUNT; i++) total += op_weight[i];
  unsigned r = (unsigned)below(total);
  for (int i = 0; i < OP_COUNT; i++) {
    if (r < op_weight[i]) return (enum op)i;
    r -= op_weight[i];
  }
  return OP_PUSH;
}

/* dedup's comparator: the first *ctx bytes (a prefix, so that runs occur). */
static int cmp_prefix_r(const void *a, const void *b, void *ctx) {
  return memcmp(a, b, *(const size_t *)ctx);
}
/* retain's predicate: the first byte's bit *ctx. */
static bool keep_bit(const void *e, void *ctx) {
  return (*(const unsigned char *)e >> *(const unsigned *)ctx) & 1;
}

/* A new file under $TMPDIR (or /tmp) of *size random bytes (0 .. fmax,
 * sometimes a whole number of elements, often not), kept in t->fbuf; its
 * path in t->path-sized path.  Returns its fd (read-write, offset 0). */
static int read_file_make(run *t, char *path, size_t pathsz, size_t *size) {
  const char *d = getenv("TMPDIR");
  snprintf(path, pathsz, "%s/pv_model_rd_XXXXXX", d != NULL && *d ? d : "/tmp");
  int fd = mkstemp(path);
  M_ASSERT(fd >= 0, "mkstemp %s", path);
  size_t n = below(t->fmax + 1);
  if (below(2) == 0) n -= n % t->es;
  rnd_bytes(t->fbuf, n);
  M_ASSERT(n == 0 || write(fd, t->fbuf, n) == (ssize_t)n, "write %zu bytes", n);
  M_ASSERT(lseek(fd, 0, SEEK_SET) == 0, "lseek");
  *size = n;
  return fd;
}

/* read_fd (from_path false) or read_file of a fresh file; after a success
 * the whole elements are the model's new tail and, for read_fd, the
 * partial element's bytes wait at pv_vec_spare and the offset is past
 * what was read; after an error len and the elements are as before (the
 * caller's checks) and the offset is back at 0. */
static void do_read(run *t, bool from_path) {
  pv_vec *v = &t->v;
  pvm *m = &t->m;
  size_t es = t->es, size, got = 0, want_got = 0;
  char path[sizeof t->path];
  int fd = read_file_make(t, path, sizeof path, &size);
  int rc, want;
  if (from_path) {
    want = pvm_read_file_code(m, size);
    rc = pv_vec_read_file(v, path);
    M_ASSERT(rc == want, "read_file of %zu bytes (len %zu): rc %s, want %s", size,
             m->len, pv_errname(rc), pv_errname(want));
    if (rc == 0) got = want_got = size;
  } else {
    int k = (int)below(4); /* no limit, the size, any (0 included), past it */
    size_t max = k == 0 ? 0 : k == 1 ? size : below(size + 2 * es + 1);
    want = pvm_read_fd_code(m, size, max, &want_got);
    got = SIZE_MAX;
    rc = pv_vec_read_fd(v, fd, max, &got);
    M_ASSERT(rc == want && got == want_got,
             "read_fd of %zu bytes, max %zu (len %zu): rc %s nread %zu, want %s %zu",
             size, max, m->len, pv_errname(rc), got, pv_errname(want), want_got);
    off_t at = lseek(fd, 0, SEEK_CUR);
    M_ASSERT(at == (off_t)got, "read_fd left the offset at %lld, read %zu",
             (long long)at, got);
  }
  close(fd);
  unlink(path);
  if (rc != 0) return;
  size_t part = got % es;
  if (part != 0) {
    size_t room = 0;
    const unsigned char *p = pv_vec_spare(v, &room);
    M_ASSERT(p != NULL && room >= 1 && memcmp(p, t->fbuf + got - part, part) == 0,
             "the partial element's %zu bytes are not at pv_vec_spare", part);
  }
  M_ASSERT(pvm_read(m, t->fbuf, got), "model malloc");
}

static void do_op(run *t, enum op op) {
  pv_vec *v = &t->v;
  pvm *m = &t->m;
  size_t es = t->es;
  int rc, want;
  switch (op) {
  case OP_PUSH: {
    const unsigned char *e;
    /* Sometimes push one of its own elements: growth must not lose it. */
    if (m->len > 0 && below(4) == 0) {
      size_t j = below(m->len);
      memcpy(t->buf2, pvm_at(m, j), es);
      e = pv_vec_at(v, j);
    } else {
      e = fresh(t, 1);
      memcpy(t->buf2, e, es);
    }
    want = pvm_grow_code(m, m->len + 1);
    rc = pv_vec_push(v, e);
    M_CODE(rc, want);
    if (rc == 0) M_ASSERT(pvm_insert(m, m->len, t->buf2, 1), "model malloc");
    break;
  }
  case OP_PUSH_SLOT: {
    void *slot = (void *)t; /* must stay untouched on failure */
    want = pvm_grow_code(m, m->len + 1);
    rc = pv_vec_push_slot(v, &slot);
    M_CODE(rc, want);
    if (rc == 0) {
      M_ASSERT(slot == pv_vec_at(v, v->len - 1), "slot is not the last element");
      memcpy(slot, fresh(t, 1), es);
      M_ASSERT(pvm_insert(m, m->len, t->buf, 1), "model malloc");
    } else {
      M_ASSERT(slot == (void *)t, "slot written on failure");
    }
    break;
  }
  case OP_POP: {
    want = pvm_pop_code(m);
    bool with_out = below(2) == 0;
    rc = pv_vec_pop(v, with_out ? t->buf : NULL);
    M_CODE(rc, want);
    if (rc == 0) {
      if (with_out)
        out_is(t, m->len - 1, 1, "popped");
      m->len--;
    }
    break;
  }
  case OP_APPEND: {
    size_t n = add_count(t, t->most);
    const void *src;
    if (m->len > 0 && below(4) == 0) {
      /* Append a run of its own elements (may overlap where they go). */
      size_t j = below(m->len);
      if (n > m->len - j) n = m->len - j;
      memcpy(t->buf2, pvm_at(m, j), n * es);
      src = pv_vec_at(v, j);
    } else {
      src = fresh(t, n);
      memcpy(t->buf2, src, n * es);
    }
    want = pvm_insert_code(m, m->len, n);
    rc = pv_vec_append(v, n == 0 && below(2) ? NULL : src, n);
    M_ASSERT(rc == want, "append %zu: rc %s, want %s", n, pv_errname(rc),
             pv_errname(want));
    if (rc == 0) M_ASSERT(pvm_insert(m, m->len, t->buf2, n), "model malloc");
    break;
  }
  case OP_INSERT: {
    size_t n = add_count(t, t->most);
    bool bad = below(16) == 0;
    size_t i = bad ? m->len + 1 + below(3) : below(m->len + 1);
    const void *src;
    if (!bad && m->len > 0 && below(3) == 0) {
      /* From inside the vector: below, across or above the gap. */
      size_t j = below(m->len);
      if (n > m->len - j) n = m->len - j;
      memcpy(t->buf2, pvm_at(m, j), n * es);
      src = pv_vec_at(v, j);
    } else {
      src = fresh(t, n);
      memcpy(t->buf2, src, n * es);
    }
    want = pvm_insert_code(m, i, n);
    rc = pv_vec_insert(v, i, src, n);
    M_ASSERT(rc == want, "insert %zu at %zu (len %zu): rc %s, want %s", n, i,
             m->len, pv_errname(rc), pv_errname(want));
    if (rc == 0) M_ASSERT(pvm_insert(m, i, t->buf2, n), "model malloc");
    break;
  }
  case OP_REMOVE: {
    size_t i = below(m->len + 2), n = below(t->most / 2 + 1);
    if (below(32) == 0) n = SIZE_MAX - below(2); /* i + n overflows */
    want = pvm_remove_code(m, i, n);
    bool with_out = below(2) == 0;
    rc = pv_vec_remove(v, i, n, with_out ? t->buf : NULL);
    M_ASSERT(rc == want, "remove %zu at %zu (len %zu): rc %s, want %s", n, i,
             m->len, pv_errname(rc), pv_errname(want));
    if (rc == 0) {
      if (with_out)
        out_is(t, i, n, "removed");
      pvm_remove(m, i, n);
    }
    break;
  }
  case OP_SWAP_REMOVE: {
    size_t i = below(m->len + 1);
    want = pvm_set_code(m, i);
    rc = pv_vec_swap_remove(v, i, t->buf);
    M_CODE(rc, want);
    if (rc == 0) {
      out_is(t, i, 1, "swap-removed");
      pvm_swap_remove(m, i);
    }
    break;
  }
  case OP_RESIZE: {
    size_t n;
    if (below(2) == 0)
      n = below(m->len + 1); /* shrink */
    else
      n = m->len + add_count(t, 4 * t->most);
    int kind = (int)below(3); /* 0 zero fill, 1 fill element, 2 own element */
    const void *fill = NULL;
    if (kind == 1 || (kind == 2 && m->len == 0)) {
      fill = fresh(t, 1);
      memcpy(t->buf2, fill, es);
    } else if (kind == 2) {
      size_t j = below(m->len);
      fill = pv_vec_at(v, j);
      memcpy(t->buf2, fill, es);
    } else {
      memset(t->buf2, 0, es);
    }
    want = pvm_resize_code(m, n);
    rc = pv_vec_resize(v, n, fill);
    M_ASSERT(rc == want, "resize %zu (len %zu): rc %s, want %s", n, m->len,
             pv_errname(rc), pv_errname(want));
    if (rc == 0) M_ASSERT(pvm_resize(m, n, t->buf2), "model malloc");
    break;
  }
  case OP_TRUNCATE: {
    size_t n = below(m->len + 3);
    size_t cap = v->cap;
    rc = pv_vec_truncate(v, n);
    M_ASSERT(rc == 0, "rc %s", pv_errname(rc));
    M_ASSERT(v->cap == cap, "truncate changed cap %zu -> %zu", cap, v->cap);
    pvm_truncate(m, n);
    break;
  }
  case OP_CLEAR:
    rc = pv_vec_clear(v);
    M_ASSERT(rc == 0, "rc %s", pv_errname(rc));
    pvm_truncate(m, 0);
    break;
  case OP_SET: {
    size_t i = below(m->len + 1);
    want = pvm_set_code(m, i);
    rc = pv_vec_set(v, i, fresh(t, 1));
    M_CODE(rc, want);
    if (rc == 0) pvm_set(m, i, t->buf);
    break;
  }
  case OP_GET: {
    size_t i = below(m->len + 1);
    want = pvm_get_code(m, i);
    rc = pv_vec_get(v, i, t->buf);
    M_CODE(rc, want);
    if (rc == 0) {
      out_is(t, i, 1, "got");
      M_ASSERT(pv_vec_at(v, i) == (char *)v->data + i * es, "at(%zu) wrong", i);
    } else {
      M_ASSERT(pv_vec_at(v, i) == NULL, "at(%zu) past the end is not NULL", i);
    }
    break;
  }
  case OP_RESERVE:
  case OP_RESERVE_EXACT: {
    size_t n = add_count(t, 4 * t->most);
    want = pvm_grow_code(m, m->len + n);
    rc = op == OP_RESERVE ? pv_vec_reserve(v, n) : pv_vec_reserve_exact(v, n);
    M_ASSERT(rc == want, "reserve %zu (len %zu): rc %s, want %s", n, m->len,
             pv_errname(rc), pv_errname(want));
    if (rc == 0) M_ASSERT(v->cap >= m->len + n, "cap %zu < %zu", v->cap, m->len + n);
    break;
  }
  case OP_SHRINK: {
    rc = pv_vec_shrink_to_fit(v);
    M_ASSERT(rc == 0, "rc %s", pv_errname(rc));
    /* The capacity is what the whole pages holding the elements fit. */
    size_t ps = pv_page_size();
    size_t want_cap = (m->len * es + ps - 1) / ps * ps / es;
    if (t->grow == PV_GROW_STABLE && want_cap > t->limit) want_cap = t->limit;
    /* A small vector's block is exactly its elements. */
    if (pv__store_inspect(v).kind == PV__STORE_SMALL) want_cap = m->len;
    M_ASSERT(v->cap == want_cap, "shrink left cap %zu for len %zu, want %zu",
             v->cap, m->len, want_cap);
    break;
  }
  case OP_TRIM: {
    size_t cap = v->cap;
    void *data = v->data;
    rc = pv_vec_trim(v);
    M_ASSERT(rc == 0, "rc %s", pv_errname(rc));
    M_ASSERT(v->cap == cap && v->data == data, "trim changed cap or data");
    break;
  }
  case OP_COPY: {
    rc = pv_vec_copy(&t->other, v);
    M_ASSERT(rc == 0, "copy out: rc %s", pv_errname(rc));
    M_ASSERT(pv_vec_equal(&t->other, v), "copy is not equal");
    if (below(2) == 0) {
      /* And back in, over a vector that may be longer or shorter. */
      rc = pv_vec_copy(v, &t->other);
      M_ASSERT(rc == 0, "copy back: rc %s", pv_errname(rc));
    }
    break;
  }
  case OP_SORT: {
    sort_es = es;
    rc = pv_vec_sort(v, cmp_bytes);
    M_ASSERT(rc == 0, "rc %s", pv_errname(rc));
    pvm_sort(m, cmp_bytes);
    /* Sorted now: every element is found, at an index holding equal bytes. */
    if (m->len > 0) {
      size_t j = below(m->len), idx = SIZE_MAX;
      memcpy(t->buf, pvm_at(m, j), es);
      rc = pv_vec_bsearch(v, t->buf, cmp_bytes, &idx);
      M_ASSERT(rc == 0 && idx < m->len && memcmp(pvm_at(m, idx), t->buf, es) == 0,
               "bsearch of element %zu: rc %s idx %zu", j, pv_errname(rc), idx);
    }
    break;
  }
  case OP_FREEZE: {
    rc = pv_vec_freeze(v);
    M_ASSERT(rc == 0, "freeze: rc %s", pv_errname(rc));
    sw_snap s;
    sw_take_vec(&s, v);
    rc = pv_vec_push(v, fresh(t, 1));
    M_ASSERT(rc == PV_EACCES, "push on frozen: rc %s", pv_errname(rc));
    rc = pv_vec_insert(v, 0, t->buf, 1);
    M_ASSERT(rc == PV_EACCES, "insert on frozen: rc %s", pv_errname(rc));
    sw_assert_same(&s, "mutators on a frozen vector");
    sw_drop(&s);
    rc = pv_vec_thaw(v);
    M_ASSERT(rc == 0, "thaw: rc %s", pv_errname(rc));
    break;
  }
  case OP_SWAP: {
    size_t i = below(m->len + 1), j = below(m->len + 1);
    want = pvm_swap_code(m, i, j);
    rc = pv_vec_swap(v, i, j);
    M_CODE(rc, want);
    if (rc == 0) pvm_swap(m, i, j);
    break;
  }
  case OP_WITHIN: {
    size_t i = below(m->len + 2), n = add_count(t, t->most);
    if (below(32) == 0) n = SIZE_MAX - below(2); /* i + n overflows */
    want = pvm_within_code(m, i, n);
    rc = pv_vec_extend_from_within(v, i, n);
    M_ASSERT(rc == want, "extend_from_within %zu at %zu (len %zu): rc %s, want %s", n,
             i, m->len, pv_errname(rc), pv_errname(want));
    if (rc == 0) M_ASSERT(pvm_extend_from_within(m, i, n), "model malloc");
    break;
  }
  case OP_RETAIN: {
    unsigned bit = (unsigned)below(8);
    rc = pv_vec_retain(v, keep_bit, &bit);
    M_CODE(rc, 0);
    pvm_retain(m, keep_bit, &bit);
    break;
  }
  case OP_DEDUP: {
    size_t pre = 1 + below(es < 2 ? 1 : 2);
    rc = pv_vec_dedup(v, cmp_prefix_r, &pre);
    M_CODE(rc, 0);
    pvm_dedup(m, cmp_prefix_r, &pre);
    break;
  }
  case OP_EXTEND_UNINIT: {
    /* n slots filled in place, then set_len gives a few back */
    size_t n = add_count(t, t->most);
    void *first = (void *)t; /* must stay untouched on failure */
    want = pvm_grow_code(m, m->len + n);
    rc = pv_vec_extend_uninit(v, n, &first);
    M_CODE(rc, want);
    if (rc != 0) {
      M_ASSERT(first == (void *)t, "*first written on failure");
      break;
    }
    const unsigned char *src = fresh(t, n);
    if (n != 0) memcpy(first, src, n * es);
    M_ASSERT(pvm_insert(m, m->len, src, n), "model malloc");
    size_t back = below(n + 1);
    rc = pv_vec_set_len(v, v->len - back);
    M_CODE(rc, 0);
    pvm_truncate(m, m->len - back);
    break;
  }
  case OP_SPLIT_OFF: {
    /* the tail into the other vector (emptied), then appended back */
    size_t at = below(m->len + 2);
    rc = pv_vec_clear(&t->other);
    M_CODE(rc, 0);
    want = at > m->len ? PV_ERANGE : 0;
    rc = pv_vec_split_off(v, at, &t->other);
    M_CODE(rc, want);
    if (rc != 0) break;
    M_ASSERT(t->other.len == m->len - at, "split_off moved %zu of %zu", t->other.len,
             m->len - at);
    M_ASSERT(t->other.len == 0 ||
                 memcmp(t->other.data, pvm_at(m, at), t->other.len * es) == 0,
             "split_off: the moved elements differ");
    pvm_truncate(m, at);
    if (below(2) == 0) {
      size_t n = t->other.len;
      rc = pv_vec_append(v, t->other.data, n);
      M_CODE(rc, 0);
      M_ASSERT(pvm_insert(m, m->len, t->other.data, n), "model malloc");
    }
    break;
  }
  case OP_READ_FD:
  case OP_READ_FILE:
    do_read(t, op == OP_READ_FILE);
    break;
  case OP_POPULATE: {
    size_t cap = v->cap;
    void *data = v->data;
    rc = pv_vec_populate(v, (unsigned)below(4));
    M_CODE(rc, pvm_mut_code(m));
    M_ASSERT(v->cap == cap && v->data == data, "populate changed cap or data");
    check_bytes(t);
    break;
  }
  case OP_COUNT:
    break;
  }
}

/* t->v as a new file vector in a fresh file under $TMPDIR (or /tmp). */
static void open_file_vec(run *t, unsigned flags) {
  const char *d = getenv("TMPDIR");
  snprintf(t->path, sizeof t->path, "%s/pv_model_XXXXXX", d != NULL && *d ? d : "/tmp");
  int fd = mkstemp(t->path);
  cr_assert_geq(fd, 0, "mkstemp %s", t->path);
  close(fd);
  pv_vec_file_opts o = {0};
  o.elem_size = t->es;
  o.flags = flags;
  o.grow = t->grow;
  o.max_len = t->limit;
  int rc = pv_vec_open(&t->v, t->path, &o);
  cr_assert_eq(rc, 0, "pv_vec_open %s: %s", t->path, pv_errname(rc));
}

/* Close the file vector, reopen it read-only: the model's bytes, exactly. */
static void reopen_file_vec(run *t) {
  cr_assert_eq(pv_vec_destroy(&t->v), 0, "destroy the file vector");
  pv_vec_file_opts o = {0};
  o.flags = PV_OPEN_READONLY;
  int rc = pv_vec_open(&t->v, t->path, &o);
  cr_assert_eq(rc, 0, "reopen %s: %s", t->path, pv_errname(rc));
  t->op_name = "reopened";
  M_ASSERT(t->v.len == t->m.len && t->v.elem_size == t->es, "reopened len %zu es %zu",
           t->v.len, t->v.elem_size);
  check_bytes(t);
}

static void model_run_in(pv_grow grow, size_t es, bool file) {
  run rs, *t = &rs;
  memset(t, 0, sizeof *t);
  t->grow = grow;
  t->file = file;
  t->es = es;
  t->limit = MODEL_BYTES / es < MODEL_MIN_LEN ? MODEL_MIN_LEN : MODEL_BYTES / es;
  pvm_init(&t->m, es, grow == PV_GROW_STABLE ? t->limit : SIZE_MAX);
  t->op_name = "init";
  /* Small element sizes take big steps so that growth crosses many pages;
   * big ones take at least a few elements at a time. */
  t->most = t->limit / 32 < 8 ? 8 : t->limit / 32;
  base_seed = env_u64("PV_TEST_SEED", DEFAULT_SEED);
  seed_used = base_seed ^ (uint64_t)grow * 1000003u ^ es;
  rng_state = seed_used;
  size_t ops = (size_t)env_u64("PV_TEST_MODEL_OPS", MODEL_OPS);

  /* Element sizes and lengths here stay far below a huge page; NO_HUGE
   * anyway so that nothing depends on the THP setting.  The odd sizes run
   * with a guard page, which changes every growth and shrink path (REMAP
   * then always moves); the others without, to keep in-place growth. */
  unsigned flags = PV_VEC_NO_HUGE | ((es == 3 || es == 24) ? PV_VEC_GUARD : 0);
  long long live0 = ru_live_bytes();
  if (file) {
    flags = 0; /* a file vector takes no PV_VEC_* flags */
    open_file_vec(t, PV_OPEN_CREATE);
  } else {
    vu_init(&t->v, grow, es, t->limit, flags);
  }
  vu_init(&t->other, grow, es, t->limit, PV_VEC_NO_HUGE);
  t->stable_base = t->v.data;
  size_t scratch = (4 * t->most + 8) * es;
  t->buf = malloc(scratch);
  t->buf2 = malloc(scratch);
  t->fmax = MODEL_FILE_PAGES * pv_page_size() + es;
  t->fbuf = malloc(t->fmax);
  cr_assert(t->buf && t->buf2 && t->fbuf, "scratch malloc");

  for (t->op = 0; t->op < ops; t->op++) {
    enum op op = pick_op();
    /* REMAP and COPY have no maximum: keep them near the limit by turning
     * additions there into truncations (which also exercise regrowth). */
    if (grow != PV_GROW_STABLE && t->m.len >= t->limit &&
        (op == OP_PUSH || op == OP_PUSH_SLOT || op == OP_APPEND || op == OP_INSERT ||
         op == OP_WITHIN || op == OP_EXTEND_UNINIT || op == OP_READ_FD ||
         op == OP_READ_FILE))
      op = OP_TRUNCATE;
    t->op_name = op_names[op];
    t->counts[op]++;
    do_op(t, op);
    check_invariants(t);
    if (t->op % MODEL_BATCH == MODEL_BATCH - 1) check_bytes(t);
  }
  t->op_name = "end";
  check_bytes(t);
  if (file) reopen_file_vec(t);

  char line[512];
  int off = snprintf(line, sizeof line, "model %s%s%s es=%zu PV_TEST_SEED=%#" PRIx64 ": %zu ops (",
                     file ? "FILE_" : "", vu_mode_name(grow), (flags & PV_VEC_GUARD) ? "+GUARD" : "", es,
                     base_seed, ops);
  for (int i = 0; i < OP_COUNT && off > 0 && (size_t)off < sizeof line; i++)
    off += snprintf(line + off, sizeof line - (size_t)off, "%s%s %zu",
                    i ? ", " : "", op_names[i], t->counts[i]);
  /* Logged for --verbose runs and also printed to stderr, which lands in
   * the test's .log under make check, so the counts can be quoted. */
  cr_log_info("%s)", line);
  fprintf(stderr, "# %s)\n", line);

  cr_assert_eq(pv_vec_destroy(&t->v), 0, "destroy");
  cr_assert_eq(pv_vec_destroy(&t->other), 0, "destroy other");
  if (file) unlink(t->path);
  cr_assert_eq(ru_live_bytes(), live0, "address space leaked: %lld bytes",
               ru_live_bytes() - live0);
  pvm_free(&t->m);
  free(t->buf);
  free(t->buf2);
  free(t->fbuf);
}

static void model_run(pv_grow grow, size_t es) { model_run_in(grow, es, false); }

#define MODEL_TEST(mode, es)                                                  \
  Test(vec_model, mode##_es##es) { model_run(PV_GROW_##mode, es); }

/* The same model on a vector that lives in a file (paged_vec/file.h),
 * reopened read-only at the end and compared again. */
#define FILE_MODEL_TEST(mode, es)                                             \
  Test(vec_model, FILE_##mode##_es##es) { model_run_in(PV_GROW_##mode, es, true); }
FILE_MODEL_TEST(REMAP, 1)
FILE_MODEL_TEST(REMAP, 8)
FILE_MODEL_TEST(REMAP, 24)
FILE_MODEL_TEST(STABLE, 3)
FILE_MODEL_TEST(STABLE, 8)
FILE_MODEL_TEST(STABLE, 4104)

MODEL_TEST(REMAP, 1)
MODEL_TEST(REMAP, 3)
MODEL_TEST(REMAP, 8)
MODEL_TEST(REMAP, 24)
MODEL_TEST(REMAP, 4104)
MODEL_TEST(STABLE, 1)
MODEL_TEST(STABLE, 3)
MODEL_TEST(STABLE, 8)
MODEL_TEST(STABLE, 24)
MODEL_TEST(STABLE, 4104)
MODEL_TEST(COPY, 1)
MODEL_TEST(COPY, 3)
MODEL_TEST(COPY, 8)
MODEL_TEST(COPY, 24)
MODEL_TEST(COPY, 4104)

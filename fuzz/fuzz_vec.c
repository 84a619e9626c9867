/*
 * fuzz/fuzz_vec.c - differential fuzzing of the container.
 *
 * The input picks an element size, a growth mode and flags, then a sequence
 * of operations.  Each is applied to a pv_vec and to the reference model
 * of tests/model.h (which works out the codes the header promises), and
 * after every step the two must agree: the code, the
 * length, every byte, capacity >= length, page-aligned data, a STABLE
 * vector never moving, the frozen state.  An operation can also run with an
 * OS-layer fault injected at its k-th call: then it must either succeed
 * (and match the reference) or fail with the injected code and change
 * nothing at all (read_fd and read_file excepted: on an error their
 * capacity may have grown, so only len and the elements must be as
 * before).  After each input the library must hold no address space.
 * The read ops read a temporary file of a few KiB under $TMPDIR (or /tmp),
 * removed right after the call.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "model.h"
#include "os.h"
#include "paged_vec.h"
#include "store.h"

/* Bytes a vector may reach: 32 pages of 4 KiB, enough to cross pages and
 * capacities many times while keeping one input fast. */
#define MAX_BYTES ((size_t)128 << 10)
/* The most bytes a read op's file holds: two 4 KiB pages and a bit, so
 * that one input stays cheap. */
#define FILE_BYTES ((size_t)(8 << 10) + 100)

static unsigned char scratch[MAX_BYTES]; /* element sources and outputs */
static unsigned char scratch2[MAX_BYTES];
static unsigned seq; /* makes every generated element different */

/* n elements of fresh content in scratch. */
static const unsigned char *gen(size_t n, size_t es) {
  for (size_t i = 0; i < n * es; i++)
    scratch[i] = (unsigned char)((seq * 131u + i * 7u) >> 1);
  seq++;
  return scratch;
}

static int cmp_bytes_es; /* element size for the comparator */
static int cmp_elem(const void *a, const void *b) {
  return memcmp(a, b, (size_t)cmp_bytes_es);
}
/* The same order through a context: ctx points to the element size. */
static int cmp_elem_r(const void *a, const void *b, void *ctx) {
  return memcmp(a, b, *(const size_t *)ctx);
}
/* retain's predicate: keeps elements whose first byte has bit *ctx set. */
static bool keep_bit(const void *elem, void *ctx) {
  return (*(const unsigned char *)elem >> *(const unsigned *)ctx) & 1;
}

/* A fresh file of `size` bytes of generated content (also left in
 * scratch), its path in path[256]; returns its fd, read-write at offset 0. */
static int file_make(char path[256], size_t size) {
  const char *d = getenv("TMPDIR");
  snprintf(path, 256, "%s/pv_fuzz_rd_XXXXXX", d != NULL && *d ? d : "/tmp");
  int fd = mkstemp(path);
  FUZZ_CHECK(fd >= 0, "mkstemp %s", path);
  const unsigned char *b = gen(size, 1);
  FUZZ_CHECK(size == 0 || write(fd, b, size) == (ssize_t)size, "write %zu bytes", size);
  FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
  return fd;
}

/* The vector agrees with the model; stable_data: where a STABLE vector's
 * data must stay (NULL for the other modes). */
static void agree(const pv_vec *v, const pvm *m, const void *stable_data,
                  const char *op) {
  FUZZ_CHECK(v->len == m->len, "%s: len %zu, reference %zu", op, v->len, m->len);
  FUZZ_CHECK(v->cap >= v->len, "%s: cap %zu < len %zu", op, v->cap, v->len);
  FUZZ_CHECK(v->elem_size == m->es, "%s: elem_size changed", op);
  FUZZ_CHECK(pv_vec_frozen(v) == m->frozen, "%s: frozen state", op);
  /* Page-aligned once in pages; a small vector's block is malloc's. */
  bool small = pv__store_inspect(v).kind == PV__STORE_SMALL;
  if (v->cap != 0)
    FUZZ_CHECK((uintptr_t)v->data % (small ? _Alignof(max_align_t) : pv_page_size()) == 0,
               "%s: data not aligned", op);
  if (stable_data != NULL) FUZZ_CHECK(v->data == stable_data, "%s: STABLE moved", op);
  FUZZ_CHECK(pvm_diff(m, v->data) == SIZE_MAX, "%s: elements differ from the reference",
             op);
}

/* The model applied an operation (only its own malloc can fail). */
#define MODEL_DID(call) FUZZ_CHECK((call), "the reference model is out of memory")

enum {
  OP_PUSH, OP_PUSH_SLOT, OP_POP, OP_APPEND, OP_APPEND_SELF, OP_INSERT,
  OP_REMOVE, OP_SWAP_REMOVE, OP_RESIZE, OP_TRUNCATE, OP_CLEAR, OP_RESERVE,
  OP_RESERVE_EXACT, OP_SHRINK, OP_TRIM, OP_SET, OP_GET, OP_FREEZE, OP_THAW,
  OP_COPY, OP_SORT, OP_BSEARCH, OP_ADVISE, OP_RESIDENT, OP_SORT_R, OP_BSEARCH_R,
  OP_RETAIN, OP_DEDUP, OP_SWAP, OP_SPLIT_OFF, OP_WITHIN, OP_EXTEND_UNINIT,
  OP_SPARE, OP_SHRINK_TO, OP_READ_FD, OP_READ_FILE, OP_POPULATE, OP_FAULT,
  OP_COUNT
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_in in = {data, size};
  const pv__os_caps *caps = pv__os_caps_get();
  /* ---- the vector's shape */
  unsigned h = fz_u8(&in);
  size_t es = (h & 0x80) ? 1 + fz_u16(&in) % 4500 : 1 + (h & 0x3f);
  unsigned mode = fz_u8(&in);
  unsigned fl = fz_u8(&in);
  pv_vec_opts o = {.elem_size = es};
  switch (mode % 4) {
  case 0: o.grow = PV_GROW_DEFAULT; break;
  case 1: o.grow = PV_GROW_REMAP; break;
  case 2: o.grow = PV_GROW_STABLE; break;
  default: o.grow = PV_GROW_COPY; break;
  }
  if (fl & 1) o.flags |= PV_VEC_GUARD;
  if ((fl & 6) == 2) o.flags |= PV_VEC_HUGE;
  if ((fl & 6) == 4) o.flags |= PV_VEC_NO_HUGE;
  if (fl & 8) o.flags |= PV_VEC_MOVE_ON_GROW;
  size_t max = MAX_BYTES / es;
  if (o.grow == PV_GROW_STABLE) o.max_len = max = 1 + fz_count(&in, max - 1);
  o.initial_cap = fz_count(&in, max);

  const bool stable = o.grow == PV_GROW_STABLE;
  bool sorted = false; /* bsearch is defined on sorted data only */
  pvm m;
  pvm_init(&m, es, stable ? max : SIZE_MAX);
  pv_vec v, w;
  int rc = pv_vec_init_opts(&v, &o);
  FUZZ_CHECK(rc == 0, "init: %s", pv_errname(rc));
  FUZZ_CHECK(v.cap >= o.initial_cap, "init: cap below initial_cap");
  const void *stable_data = stable ? v.data : NULL;
  rc = pv_vec_init(&w, es);
  FUZZ_CHECK(rc == 0, "init w: %s", pv_errname(rc));

  unsigned long fault_at = 0; /* arm a fault for the next operation */
  for (unsigned steps = 0; fz_more(&in) && steps < 200; steps++) {
    unsigned op = fz_u8(&in) % OP_COUNT;
    size_t n = fz_count(&in, max), i = fz_count(&in, m.len + 1);
    pv_vec before = v;
    int want = 0;
    const char *name = "?";
    if (fault_at != 0) pv__os_fault_set(fault_at, PV_ENOMEM);
    switch (op) {
    case OP_PUSH: {
      name = "push";
      want = pvm_grow_code(&m, m.len + 1);
      if (m.len + 1 > max && want == 0) want = 1; /* beyond the memory bound */
      if (want == 1) break;
      const unsigned char *e = gen(1, es);
      rc = pv_vec_push(&v, e);
      if (rc == 0) MODEL_DID(pvm_insert(&m, m.len, e, 1));
      break;
    }
    case OP_PUSH_SLOT: {
      name = "push_slot";
      want = pvm_grow_code(&m, m.len + 1);
      if (m.len + 1 > max && want == 0) want = 1;
      if (want == 1) break;
      void *slot = NULL;
      rc = pv_vec_push_slot(&v, &slot);
      if (rc == 0) {
        const unsigned char *e = gen(1, es);
        memcpy(slot, e, es);
        MODEL_DID(pvm_insert(&m, m.len, e, 1));
      } else {
        FUZZ_CHECK(slot == NULL, "push_slot wrote *slot on failure");
      }
      break;
    }
    case OP_POP:
      name = "pop";
      want = pvm_pop_code(&m);
      rc = pv_vec_pop(&v, scratch2);
      if (rc == 0) {
        FUZZ_CHECK(memcmp(scratch2, pvm_at(&m, m.len - 1), es) == 0, "pop: wrong element");
        pvm_truncate(&m, m.len - 1);
      }
      break;
    case OP_APPEND:
    case OP_APPEND_SELF: {
      name = op == OP_APPEND ? "append" : "append from itself";
      const unsigned char *src;
      if (op == OP_APPEND_SELF) {
        /* elements k .. k+n of the vector itself (aliasing allowed) */
        if (m.len == 0) { want = 1; break; }
        size_t k = i % m.len;
        if (n > m.len - k) n = m.len - k;
        src = (const unsigned char *)v.data + k * es;
        memcpy(scratch2, pvm_at(&m, k), n * es);
      } else {
        src = gen(n, es);
        memcpy(scratch2, src, n * es);
      }
      if (m.len + n > max && !(stable && !m.frozen)) { want = 1; break; }
      want = pvm_insert_code(&m, m.len, n);
      rc = pv_vec_append(&v, src, n);
      if (rc == 0) MODEL_DID(pvm_insert(&m, m.len, scratch2, n));
      break;
    }
    case OP_INSERT: {
      name = "insert";
      if (m.len + n > max && !(stable && !m.frozen)) { want = 1; break; }
      want = pvm_insert_code(&m, i, n);
      const unsigned char *src = gen(n, es);
      rc = pv_vec_insert(&v, i, src, n);
      if (rc == 0) MODEL_DID(pvm_insert(&m, i, src, n));
      break;
    }
    case OP_REMOVE:
      name = "remove";
      if (fz_u8(&in) & 1) n = SIZE_MAX - (i & 3); /* overflowing ranges */
      want = pvm_remove_code(&m, i, n);
      rc = pv_vec_remove(&v, i, n, scratch2);
      if (rc == 0) {
        FUZZ_CHECK(n == 0 || memcmp(scratch2, pvm_at(&m, i), n * es) == 0, "remove: out");
        pvm_remove(&m, i, n);
      }
      break;
    case OP_SWAP_REMOVE:
      name = "swap_remove";
      want = pvm_set_code(&m, i);
      rc = pv_vec_swap_remove(&v, i, scratch2);
      if (rc == 0) {
        FUZZ_CHECK(memcmp(scratch2, pvm_at(&m, i), es) == 0, "swap_remove: out");
        pvm_swap_remove(&m, i);
      }
      break;
    case OP_RESIZE: {
      name = "resize";
      bool self = (fz_u8(&in) & 1) && m.len != 0; /* fill from inside */
      const unsigned char *fill = NULL;
      if (self) {
        fill = (const unsigned char *)v.data + (i % m.len) * es;
        memcpy(scratch2, pvm_at(&m, i % m.len), es);
      } else if (fz_u8(&in) & 1) {
        fill = gen(1, es);
        memcpy(scratch2, fill, es);
      }
      want = pvm_resize_code(&m, n);
      rc = pv_vec_resize(&v, n, fill);
      if (rc == 0) MODEL_DID(pvm_resize(&m, n, fill == NULL ? NULL : scratch2));
      break;
    }
    case OP_TRUNCATE:
      name = "truncate";
      want = pvm_mut_code(&m);
      rc = pv_vec_truncate(&v, i);
      if (rc == 0) pvm_truncate(&m, i);
      break;
    case OP_CLEAR:
      name = "clear";
      want = pvm_mut_code(&m);
      rc = pv_vec_clear(&v);
      if (rc == 0) pvm_truncate(&m, 0);
      break;
    case OP_RESERVE:
    case OP_RESERVE_EXACT:
      name = op == OP_RESERVE ? "reserve" : "reserve_exact";
      if (m.len + n > max && !stable) { want = 1; break; }
      want = pvm_grow_code(&m, m.len + n);
      rc = op == OP_RESERVE ? pv_vec_reserve(&v, n) : pv_vec_reserve_exact(&v, n);
      if (rc == 0) FUZZ_CHECK(v.cap - v.len >= n, "%s: room %zu < %zu", name,
                              v.cap - v.len, n);
      break;
    case OP_SHRINK:
      name = "shrink_to_fit";
      want = pvm_mut_code(&m);
      rc = pv_vec_shrink_to_fit(&v);
      break;
    case OP_TRIM:
      name = "trim";
      want = pvm_mut_code(&m);
      rc = pv_vec_trim(&v);
      break;
    case OP_SET: {
      name = "set";
      want = pvm_set_code(&m, i);
      const unsigned char *e = gen(1, es);
      rc = pv_vec_set(&v, i, e);
      if (rc == 0) pvm_set(&m, i, e);
      break;
    }
    case OP_GET:
      name = "get";
      want = pvm_get_code(&m, i);
      rc = pv_vec_get(&v, i, scratch2);
      if (rc == 0) FUZZ_CHECK(memcmp(scratch2, pvm_at(&m, i), es) == 0, "get");
      FUZZ_CHECK((pv_vec_at(&v, i) == NULL) == (i >= m.len), "at(%zu)", i);
      break;
    case OP_FREEZE:
      name = "freeze";
      rc = pv_vec_freeze(&v);
      if (rc == 0) m.frozen = true;
      break;
    case OP_THAW:
      name = "thaw";
      rc = pv_vec_thaw(&v);
      if (rc == 0) m.frozen = false;
      break;
    case OP_COPY:
      name = "copy";
      /* Into w (never frozen, default growth), and compare. */
      rc = pv_vec_copy(&w, &v);
      if (rc == 0) FUZZ_CHECK(pv_vec_equal(&w, &v), "copy: not equal");
      break;
    case OP_SORT:
      name = "sort";
      want = pvm_mut_code(&m);
      cmp_bytes_es = (int)es;
      rc = pv_vec_sort(&v, cmp_elem);
      if (rc == 0) {
        pvm_sort(&m, cmp_elem);
        sorted = true;
      }
      break;
    case OP_BSEARCH: {
      name = "bsearch";
      if (!sorted) { want = 1; break; } /* only defined on sorted data */
      cmp_bytes_es = (int)es;
      const unsigned char *key = (fz_u8(&in) & 1) && m.len != 0
                                     ? pvm_at(&m, i % m.len) : gen(1, es);
      size_t ix = SIZE_MAX;
      rc = pv_vec_bsearch(&v, key, cmp_elem, &ix);
      /* the lower bound, found or not */
      size_t lo = pvm_lower_bound(&m, key, cmp_elem);
      bool found = lo < m.len && cmp_elem(pvm_at(&m, lo), key) == 0;
      want = found ? 0 : PV_ENOENT;
      FUZZ_CHECK(ix == lo, "bsearch: index %zu, lower bound %zu", ix, lo);
      break;
    }
    case OP_ADVISE:
      name = "advise";
      /* Every advice, and the one past the last. */
      rc = pv_vec_advise(&v, (pv_advice)(n % (PV_ADVISE_PAGEOUT + 2)));
      want = n % (PV_ADVISE_PAGEOUT + 2) > PV_ADVISE_PAGEOUT ? PV_EINVAL : 0;
      break;
    case OP_RESIDENT: {
      name = "resident";
      size_t bytes = 0;
      rc = pv_vec_resident(&v, &bytes);
      want = caps->can_resident ? 0 : PV_ENOTSUP;
      if (rc == 0) FUZZ_CHECK(bytes <= pv__store_bytes(&v), "resident: %zu of %zu bytes",
                              bytes, pv__store_bytes(&v));
      break;
    }
    case OP_SORT_R:
      name = "sort_r";
      want = pvm_mut_code(&m);
      rc = pv_vec_sort_r(&v, cmp_elem_r, &es);
      if (rc == 0) {
        /* equal under memcmp means equal bytes: any order gives the same */
        cmp_bytes_es = (int)es;
        pvm_sort(&m, cmp_elem);
        sorted = true;
      }
      break;
    case OP_BSEARCH_R: {
      name = "bsearch_r";
      if (!sorted) { want = 1; break; }
      cmp_bytes_es = (int)es;
      const unsigned char *key = (fz_u8(&in) & 1) && m.len != 0
                                     ? pvm_at(&m, i % m.len) : gen(1, es);
      size_t ix = SIZE_MAX;
      rc = pv_vec_bsearch_r(&v, key, cmp_elem_r, &es, &ix);
      size_t lo = pvm_lower_bound(&m, key, cmp_elem);
      want = lo < m.len && cmp_elem(pvm_at(&m, lo), key) == 0 ? 0 : PV_ENOENT;
      FUZZ_CHECK(ix == lo, "bsearch_r: index %zu, lower bound %zu", ix, lo);
      break;
    }
    case OP_RETAIN: {
      name = "retain";
      unsigned bit = (unsigned)(n % 8);
      want = pvm_mut_code(&m);
      rc = pv_vec_retain(&v, keep_bit, &bit);
      if (rc == 0) pvm_retain(&m, keep_bit, &bit);
      break;
    }
    case OP_DEDUP: {
      name = "dedup";
      /* compare a prefix of 1..es bytes, so that runs occur */
      size_t pre = 1 + n % es;
      want = pvm_mut_code(&m);
      rc = pv_vec_dedup(&v, cmp_elem_r, &pre);
      if (rc == 0) pvm_dedup(&m, cmp_elem_r, &pre);
      break;
    }
    case OP_SWAP: {
      name = "swap";
      size_t j = fz_count(&in, m.len + 1);
      want = pvm_swap_code(&m, i, j);
      rc = pv_vec_swap(&v, i, j);
      if (rc == 0) pvm_swap(&m, i, j);
      break;
    }
    case OP_SPLIT_OFF: {
      name = "split_off";
      /* into w, emptied first (w: never frozen, default growth) */
      rc = pv_vec_clear(&w);
      FUZZ_CHECK(rc == 0, "clear w: %s", pv_errname(rc));
      want = pvm_split_code(&m, i);
      pvm dm;
      pvm_init(&dm, es, SIZE_MAX);
      rc = pv_vec_split_off(&v, i, &w);
      if (rc == 0) {
        MODEL_DID(pvm_split_off(&m, i, &dm));
        FUZZ_CHECK(w.len == dm.len && pvm_diff(&dm, w.data) == SIZE_MAX,
                   "split_off: the moved elements differ");
      } else {
        FUZZ_CHECK(w.len == 0, "split_off: dst changed on failure");
      }
      pvm_free(&dm);
      break;
    }
    case OP_WITHIN:
      name = "extend_from_within";
      if (m.len + n > max && !(stable && !m.frozen)) { want = 1; break; }
      if (fz_u8(&in) & 1) n = SIZE_MAX - (i & 3); /* overflowing ranges */
      want = pvm_within_code(&m, i, n);
      rc = pv_vec_extend_from_within(&v, i, n);
      if (rc == 0) MODEL_DID(pvm_extend_from_within(&m, i, n));
      break;
    case OP_EXTEND_UNINIT: {
      /* n slots, filled, then set_len gives back the last few */
      name = "extend_uninit";
      if (m.len + n > max && !(stable && !m.frozen)) { want = 1; break; }
      want = pvm_grow_code(&m, m.len + n);
      void *first = NULL;
      rc = pv_vec_extend_uninit(&v, n, &first);
      if (rc != 0) {
        FUZZ_CHECK(first == NULL, "extend_uninit wrote *first on failure");
        break;
      }
      const unsigned char *src = gen(n, es);
      if (n != 0) memcpy(first, src, n * es);
      MODEL_DID(pvm_insert(&m, m.len, src, n));
      size_t back = fz_count(&in, n);
      int rc2 = pv_vec_set_len(&v, v.len - back);
      FUZZ_CHECK(rc2 == 0, "set_len after extend_uninit: %s", pv_errname(rc2));
      pvm_truncate(&m, m.len - back);
      break;
    }
    case OP_SPARE: {
      /* fill part of the spare capacity, commit it with set_len; or ask
       * set_len for a length past the capacity */
      name = "spare + set_len";
      size_t room = SIZE_MAX;
      unsigned char *p = pv_vec_spare(&v, &room);
      FUZZ_CHECK((p == NULL) == (room == 0), "spare: pointer and count disagree");
      FUZZ_CHECK(m.frozen ? p == NULL : room == v.cap - v.len, "spare: %zu of %zu",
                 room, v.cap - v.len);
      if (fz_u8(&in) & 1) {
        size_t past = v.cap + 1 + (n & 3);
        want = pvm_set_len_code(&m, past, v.cap);
        rc = pv_vec_set_len(&v, past);
        break;
      }
      size_t k = room == 0 ? 0 : n % (room + 1);
      const unsigned char *src = gen(k, es);
      if (k != 0) memcpy(p, src, k * es);
      want = pvm_set_len_code(&m, v.len + k, v.cap);
      rc = pv_vec_set_len(&v, v.len + k);
      if (rc == 0) MODEL_DID(pvm_insert(&m, m.len, src, k));
      break;
    }
    case OP_SHRINK_TO: {
      name = "shrink_to";
      want = pvm_mut_code(&m);
      size_t cap = v.cap;
      rc = pv_vec_shrink_to(&v, n);
      if (rc == 0) {
        size_t floor = n > m.len ? n : m.len;
        FUZZ_CHECK(v.cap >= (floor < cap ? floor : cap), "shrink_to: cap %zu below %zu",
                   v.cap, floor);
        FUZZ_CHECK(v.cap <= cap, "shrink_to: cap grew");
      }
      break;
    }
    case OP_READ_FD:
    case OP_READ_FILE: {
      /* a file of 0 .. FILE_BYTES bytes, often not whole elements;
       * read_fd with max_bytes none, the size, or any (0 or past it) */
      name = op == OP_READ_FD ? "read_fd" : "read_file";
      size_t fsize = fz_u16(&in) % (FILE_BYTES + 1);
      unsigned sel = fz_u8(&in);
      if (sel & 1) fsize -= fsize % es;
      size_t max_bytes = (sel & 6) == 0 ? 0 : (sel & 6) == 2 ? fsize : n;
      size_t need = (fsize + es - 1) / es;
      if (m.len + need > max && !(stable && !m.frozen)) { want = 1; break; }
      char path[256];
      int fd = file_make(path, fsize);
      size_t got = SIZE_MAX, want_got = 0;
      if (op == OP_READ_FD) {
        want = pvm_read_fd_code(&m, fsize, max_bytes, &want_got);
        rc = pv_vec_read_fd(&v, fd, max_bytes, &got);
      } else {
        want = pvm_read_file_code(&m, fsize);
        want_got = got = want == 0 ? fsize : 0;
        rc = pv_vec_read_file(&v, path);
      }
      unlink(path);
      bool hit = fault_at != 0 && pv__os_fault_calls() >= fault_at;
      off_t at = lseek(fd, 0, SEEK_CUR);
      close(fd);
      if (rc == 0 || !hit) {
        /* nread, and read_fd's offset: past what was read, or back at 0 */
        FUZZ_CHECK(got == want_got, "%s: nread %zu, want %zu", name, got, want_got);
        if (op == OP_READ_FD)
          FUZZ_CHECK(at == (off_t)(rc == 0 ? got : 0), "%s: offset %lld after %zu bytes",
                     name, (long long)at, got);
      }
      if (rc != 0) break;
      size_t part = got % es;
      if (part != 0) {
        /* the partial element's bytes wait at pv_vec_spare */
        const unsigned char *p = pv_vec_spare(&v, NULL);
        FUZZ_CHECK(p != NULL && memcmp(p, scratch + got - part, part) == 0,
                   "%s: the partial element's %zu bytes are not at spare", name, part);
      }
      MODEL_DID(pvm_read(&m, scratch, got));
      break;
    }
    case OP_POPULATE:
      name = "populate";
      want = pvm_mut_code(&m);
      rc = pv_vec_populate(&v, (unsigned)(n % 4));
      if (rc == 0) FUZZ_CHECK(v.cap == before.cap && v.data == before.data,
                              "populate changed cap or data");
      break;
    case OP_FAULT:
      name = "arm fault";
      fault_at = 1 + n % 6;
      pv__os_fault_set(0, 0);
      agree(&v, &m, stable_data, name);
      continue;
    }
    bool faulted = fault_at != 0 && pv__os_fault_calls() >= fault_at;
    pv__os_fault_set(0, 0);
    if (fz_trace())
      fprintf(stderr,
              "step %u: %s -> %s (want %s)%s; kind %d flags %#x es %zu: "
              "data %p len %zu cap %zu bytes %zu reserved %zu stale %p\n",
              steps, name, pv_errname(rc), pv_errname(want),
              faulted ? " [fault hit]" : "", pv__store_inspect(&v).kind, pv__store_inspect(&v).flags, es, v.data,
              v.len, v.cap, pv__store_bytes(&v), pv__store_inspect(&v).reserved, pv__store_inspect(&v).stale);
    fault_at = 0;
    if (want == 1) { /* skipped: past the memory bound */
      agree(&v, &m, stable_data, name);
      continue;
    }
    /* read_fd and read_file may grow the capacity before an error, and
     * take OS calls (fstat) before they see that a STABLE vector has no
     * room: an injected fault may come first. */
    const bool may_grow = op == OP_READ_FD || op == OP_READ_FILE;
    if (op != OP_FREEZE && op != OP_THAW && op != OP_COPY) {
      if (faulted && rc != 0 && (want == 0 || (may_grow && rc == PV_ENOMEM))) {
        /* The injected failure: nothing may have changed. */
        FUZZ_CHECK(rc == PV_ENOMEM, "%s: fault gave %s", name, pv_errname(rc));
        FUZZ_CHECK(may_grow ? v.len == before.len : memcmp(&v, &before, sizeof v) == 0,
                   "%s: changed on failure", name);
      } else {
        FUZZ_CHECK(rc == want, "%s: returned %s, reference says %s", name,
                   pv_errname(rc), pv_errname(want));
      }
    } else if (rc != 0) {
      FUZZ_CHECK(faulted && rc == PV_ENOMEM, "%s: %s without a fault", name,
                 pv_errname(rc));
      if (op != OP_COPY)
        FUZZ_CHECK(memcmp(&v, &before, sizeof v) == 0, "%s: changed on failure", name);
    }
    if (rc != 0)
      FUZZ_CHECK(may_grow ? v.len == before.len : memcmp(&v, &before, sizeof v) == 0,
                 "%s: %s changed the vector", name, pv_errname(rc));
    if (rc == 0 && op != OP_SORT && op != OP_BSEARCH && op != OP_GET &&
        op != OP_COPY && op != OP_RESIDENT && op != OP_ADVISE && op != OP_FREEZE &&
        op != OP_THAW && op != OP_RESERVE && op != OP_RESERVE_EXACT &&
        op != OP_SHRINK && op != OP_TRIM && op != OP_SORT_R && op != OP_BSEARCH_R &&
        op != OP_SHRINK_TO && op != OP_POPULATE)
      sorted = false;
    agree(&v, &m, stable_data, name);
  }
  rc = pv_vec_destroy(&v);
  FUZZ_CHECK(rc == 0, "destroy: %s", pv_errname(rc));
  rc = pv_vec_destroy(&w);
  FUZZ_CHECK(rc == 0, "destroy w: %s", pv_errname(rc));
  FUZZ_CHECK((pv_cache_trim(), pv__os_live_bytes()) == 0, "%lld bytes of address space leaked",
             (pv_cache_trim(), pv__os_live_bytes()));
  pvm_free(&m);
  return 0;
}

/*
 * tests/test_fault_vec.c - fault injection through the OS seam (lib/os.h)
 * into every fallible function of the container, in every configuration
 * of tests/sweep.h's SW_CONFIGS.
 *
 * The operation table (vops) says, for each operation, the state setup
 * leaves the vector in, the call, and the postcondition of a success.
 * Every row of SW_CONFIGS is one test that sweeps every row of vops
 * (sw_sweep: OS call 1, 2, 3, ... fails in turn; after each failure the
 * code, "nothing changed" and "nothing leaked" are checked, then the retry
 * must succeed with the postcondition).  The page core's sweep is
 * tests/test_fault_pages.c.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asan.h"
#include "os.h"
#include "paged_vec.h"
#include "store.h"
#include "sweep.h"
#include "testutil.h"

/* ---- the states an operation starts from -------------------------------- */

/* The state setup leaves the vector in before the operation. */
enum vstate {
  VS_NONE,   /* no vector yet (init): the struct holds junk */
  VS_EMPTY,  /* initialised, nothing mapped (or STABLE: reserved only) */
  VS_FULL,   /* len == cap: the next element grows it */
  VS_SLACK,  /* a few elements in a capacity of many touched pages */
  VS_FROZEN, /* VS_FULL, then frozen */
  VS_CLEARED, /* VS_FULL, then cleared: pages committed, no element */
  VS_HUGE_EDGE, /* full just below one huge page (if the system has them) */
  VS_STALE,  /* REMAP + GUARD: a growth could not release its old guard
                page (kept in the private state's stale for later), then full again */
  VS_SPARE   /* a few elements in a capacity of two huge pages and more
                (several populate chunks: helper threads start) */
};

typedef struct vctx vctx;
struct vctx {
  const char *name;
  pv_vec_opts opts;
  enum vstate state;
  int (*call)(vctx *);
  void (*model)(vctx *, const char *where); /* checks the successful result */
  size_t a;            /* count argument */
  enum sw_phase phase; /* the storage phase the row pins (sweep.h) */
  bool uncached;       /* the region cache off from setup to teardown */
  /* state */
  pv_vec v;
  pv_vec src;          /* pv_vec_copy's source */
  const sw_snap *s;    /* the state before the operation (set by v_ok) */
  size_t page;
  int fd;              /* read_fd's file, open from setup to teardown */
  pv_cache_info cache_was; /* the bounds before an uncached row's setup */
};

/* Source elements for push/append/insert: a pattern distinct from the
 * fill so that a misplaced copy shows. */
static unsigned char *elems_src(size_t bytes) {
  static unsigned char *buf;
  static size_t have;
  if (bytes > have) {
    free(buf);
    buf = malloc(bytes);
    cr_assert_not_null(buf, "malloc %zu", bytes);
    tu_fill(buf, bytes, 11);
    have = bytes;
  }
  return buf;
}

static size_t ebytes(const pv_vec *v, size_t n) { return n * v->elem_size; }

static void v_fill_to(vctx *c, size_t n) {
  pv_vec *v = &c->v;
  int rc = pv_vec_resize(v, n, NULL);
  cr_assert_eq(rc, 0, "%s: setup resize to %zu: %s", c->name, n, pv_errname(rc));
  tu_fill(v->data, ebytes(v, v->len), 5);
}

static int vcall_copy(vctx *c);
static int vcall_split_off(vctx *c);
static void make_split_dst(vctx *c);
static int vcall_freeze(vctx *c);
static int vcall_destroy(vctx *c);
static int vcall_populate(vctx *c);
static void warm_thread_stacks(vctx *c);
static void make_copy_src(vctx *c);
static int vcall_read_fd(vctx *c);
static char read_path[64]; /* read_file's file; "" while there is none */
static int vcall_read_file(vctx *c);
static void make_read_file(vctx *c);

/* The vector is in its small phase (a malloc'd block, lib/store.h); false
 * for a destroyed one. */
static bool v_small(const pv_vec *v) {
  return v->pv_store != NULL && pv__store_inspect(v).kind == PV__STORE_SMALL;
}

/* SW_CROSS: fill a small vector to an exact capacity just below the
 * small-phase threshold, so that its next growth is the move into pages. */
static void v_fill_below_threshold(vctx *c) {
  pv_vec *v = &c->v;
  int rc = pv_vec_reserve_exact(v, (pv__store_small_max() - c->page) / v->elem_size);
  cr_assert_eq(rc, 0, "%s: setup reserve: %s", c->name, pv_errname(rc));
  v_fill_to(c, v->cap);
  cr_assert(v_small(v), "%s: setup: not small below the threshold", c->name);
}

static void v_setup(void *vctx_) {
  vctx *c = vctx_;
  c->page = pv_page_size();
  memset(&c->v, 0x5a, sizeof c->v);
  /* Make the source elements now: a malloc inside the operation would
   * show up as a new mapping. */
  elems_src((c->a + 1) * c->opts.elem_size);
  if (c->call == vcall_copy) make_copy_src(c);
  if (c->call == vcall_split_off) make_split_dst(c);
  c->fd = -1;
  if (c->call == vcall_read_fd || c->call == vcall_read_file) make_read_file(c);
  if (c->call == vcall_populate) warm_thread_stacks(c);
  if (c->uncached) {
    /* Every release of a plain region is then its unmap: a fault point
     * that a cached release never reaches. */
    cr_assert_eq(pv_cache_stats(&c->cache_was), 0, "%s: cache stats", c->name);
    cr_assert_eq(pv_cache_set_limits(0, 0, 0), 0, "%s: cache off", c->name);
  }
  if (c->state == VS_NONE) return;
  int rc = pv_vec_init_opts(&c->v, &c->opts);
  cr_assert_eq(rc, 0, "%s: setup init: %s", c->name, pv_errname(rc));
  pv_vec *v = &c->v;
  switch (c->state) {
  case VS_NONE:
  case VS_EMPTY: break;
  case VS_FULL:
  case VS_FROZEN:
  case VS_CLEARED:
    v_fill_to(c, 3);
    v_fill_to(c, v->cap);
    if (c->phase == SW_CROSS) v_fill_below_threshold(c);
    if (c->state == VS_FROZEN) {
      rc = pv_vec_freeze(v);
      cr_assert_eq(rc, 0, "%s: setup freeze: %s", c->name, pv_errname(rc));
    }
    if (c->state == VS_CLEARED) {
      rc = pv_vec_clear(v);
      cr_assert_eq(rc, 0, "%s: setup clear: %s", c->name, pv_errname(rc));
    }
    break;
  case VS_SLACK:
    rc = pv_vec_reserve_exact(v, 4 * c->page / v->elem_size + 3);
    cr_assert_eq(rc, 0, "%s: setup reserve: %s", c->name, pv_errname(rc));
    v_fill_to(c, v->cap);
    rc = pv_vec_truncate(v, 3);
    cr_assert_eq(rc, 0, "%s: setup truncate: %s", c->name, pv_errname(rc));
    break;
  case VS_STALE:
    v_fill_to(c, 3);
    v_fill_to(c, v->cap);
    /* Fail each call of one growth in turn until one fails in a way the
     * growth survives: the release of the old guard page. */
    for (unsigned long n = 1; pv__store_inspect(v).stale == NULL; n++) {
      cr_assert_lt(n, 20, "%s: no growth leaves a stale guard", c->name);
      size_t len = v->len;
      pv__os_fault_set(n, PV_ENOMEM);
      rc = pv_vec_reserve(v, v->cap - v->len + 1);
      pv__os_fault_set(0, 0);
      cr_assert_eq(v->len, len, "%s: setup: reserve changed len", c->name);
    }
    v_fill_to(c, v->cap);
    break;
  case VS_SPARE: {
    size_t unit = pv_huge_page_size() > c->page ? pv_huge_page_size() : c->page;
    rc = pv_vec_reserve_exact(v, (2 * unit + 2 * c->page) / v->elem_size);
    cr_assert_eq(rc, 0, "%s: setup reserve: %s", c->name, pv_errname(rc));
    v_fill_to(c, 3);
    break;
  }
  case VS_HUGE_EDGE: {
    size_t h = pv_huge_page_size();
    rc = pv_vec_reserve_exact(v, (h - c->page) / v->elem_size);
    cr_assert_eq(rc, 0, "%s: setup reserve: %s", c->name, pv_errname(rc));
    v_fill_to(c, v->cap);
    break;
  }
  }
  if (c->phase == SW_SMALL && c->state != VS_FROZEN)
    cr_assert(v_small(v), "%s: setup: not small", c->name);
}

/* The vector, or (init) the junk struct alone. */
static void v_take(void *vctx_, sw_snap *s) {
  vctx *c = vctx_;
  if (c->state == VS_NONE) sw_take(s, &c->v, sizeof c->v, NULL, 0, NULL, 0);
  else sw_take_vec(s, &c->v);
}

/* The guard page, when asked for, sits right after the committed bytes. */
static void v_guard_ok(const vctx *c, const char *where) {
  const pv_vec *v = &c->v;
  if (!(c->opts.flags & PV_VEC_GUARD) || pv__store_bytes(v) == 0) return;
  char g[5];
  ru_perms((char *)v->data + pv__store_bytes(v), c->page, g);
  cr_assert_str_eq(g, "---p", "%s: no guard page after the data (%s)", where, g);
}

/*
 * A guard page that an earlier growth could not release is kept in the
 * private state's stale (pv__store_inspect).  A later growth releases it only after it succeeded
 * (a failed growth changes nothing); destroy releases it first thing, and
 * if destroy then fails the leftover page is gone but nothing the caller
 * can see changed (len, cap, data, bytes, protection): that is not a
 * change of the object, and it holds less address space, not more.  So
 * for destroy the snapshot allows exactly that: stale reset, one page
 * of address space and one mapping fewer.
 */
static void v_allow(void *vctx_, sw_snap *s) {
  vctx *c = vctx_;
  if (c->call == vcall_populate) {
    /* Helper threads: the threading runtime, not the library, may give
     * back a stack mapping it kept from earlier threads (glibc's stack
     * cache; under ASan its thread registry too), so one mapping may be
     * gone; the address space the library holds is still checked. */
    s->maps_may_drop = true;
    return;
  }
  if (c->call == vcall_read_fd || c->call == vcall_read_file) {
    /* A read that failed after its growth keeps the capacity (vec.h): then
     * len and the elements, at their new place, are what must be as
     * before; the rest is compared as it is now. */
    const pv_vec *v = &c->v;
    cr_assert_eq(v->len, s->was.v.len, "%s: a failed read changed len %zu -> %zu",
                 c->name, s->was.v.len, v->len);
    if (v->cap == s->was.v.cap) return; /* nothing grew: everything is as before */
    cr_assert_gt(v->cap, s->was.v.cap, "%s: a failed read shrank the vector", c->name);
    cr_assert_eq(memcmp(v->data, s->bytes, s->nbytes), 0,
                 "%s: a failed read changed the elements", c->name);
    sw_drop(s);
    sw_take_vec(s, v);
    return;
  }
  if (c->call != vcall_destroy || s->st.stale == NULL ||
      pv__store_inspect(&c->v).stale != NULL)
    return;
  s->st.stale = NULL;
  s->live -= (long long)pv_page_size();
  s->maps_may_drop = true;
}

/* Invariants of any vector after a successful operation. */
static void v_sane(vctx *c, const char *where) {
  pv_vec *v = &c->v;
  cr_assert_leq(v->len, v->cap, "%s: len %zu > cap %zu", where, v->len, v->cap);
  cr_assert_leq(ebytes(v, v->cap), pv__store_bytes(v),
                "%s: cap past committed bytes", where);
  /* Page-aligned once in pages; a small vector's block is malloc's. */
  bool small = v_small(v);
  if (c->opts.flags & PV_VEC_PAGES)
    cr_assert(!small, "%s: a PV_VEC_PAGES vector in the small phase", where);
  /* Frozen vectors are in pages (a freeze moves a small one there). */
  if (c->phase == SW_SMALL && c->state != VS_FROZEN && c->call != vcall_freeze &&
      c->call != vcall_destroy)
    cr_assert(small, "%s: left the small phase", where);
  if (c->phase == SW_CROSS && c->state == VS_FULL && v->cap > c->s->was.v.cap)
    cr_assert(!small, "%s: grew past the threshold and stayed small", where);
  cr_assert_eq((uintptr_t)v->data % (small ? _Alignof(max_align_t) : c->page), 0,
               "%s: data not aligned (%s)", where, small ? "small" : "pages");
  /* A small vector's block is the C heap's: its protection is the heap's
   * (valgrind's heap is rwx), not the library's. */
  if (!small && pv__store_bytes(v) != 0) {
    char now[5];
    ru_perms(v->data, pv__store_bytes(v), now);
    cr_assert_str_eq(now, pv_vec_frozen(v) ? "r--p" : "rw-p",
                     "%s: data protection %s", where, now);
  }
  if (c->opts.grow == PV_GROW_STABLE && c->state != VS_NONE && v->elem_size != 0)
    cr_assert_eq(v->data, c->s->was.v.data, "%s: a STABLE vector moved", where);
  v_guard_ok(c, where);
}

/* The first `keep` elements are the old ones (an emptied vector may have
 * no data pointer left to compare). */
static void v_kept(vctx *c, size_t keep, const char *where) {
  if (keep == 0) return;
  cr_assert_eq(memcmp(c->v.data, c->s->bytes, ebytes(&c->v, keep)), 0,
               "%s: old elements changed", where);
}

static void v_teardown(void *vctx_) {
  vctx *c = vctx_;
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  if (read_path[0] != '\0') unlink(read_path);
  read_path[0] = '\0';
  int rc = pv_vec_destroy(&c->v);
  cr_assert_eq(rc, 0, "%s: teardown destroy: %s", c->name, pv_errname(rc));
  rc = pv_vec_destroy(&c->src);
  cr_assert_eq(rc, 0, "%s: teardown destroy src: %s", c->name, pv_errname(rc));
  if (c->uncached) {
    const pv_cache_info *w = &c->cache_was;
    rc = pv_cache_set_limits(w->max_bytes, w->max_regions, w->decay_ms);
    cr_assert_eq(rc, 0, "%s: cache back on: %s", c->name, pv_errname(rc));
  }
}

static int v_op(void *vctx_) {
  vctx *c = vctx_;
  return c->call(c);
}

static void v_ok(void *vctx_, const sw_snap *before, const char *where) {
  vctx *c = vctx_;
  c->s = before;
  v_sane(c, where);
  c->model(c, where);
}

/* init ------------------------------------------------------------------ */
static int vcall_init(vctx *c) { return pv_vec_init_opts(&c->v, &c->opts); }
static void m_init(vctx *c, const char *where) {
  cr_assert_eq(c->v.len, 0, "%s: len", where);
  cr_assert_geq(c->v.cap, c->opts.initial_cap, "%s: cap %zu < initial %zu",
                where, c->v.cap, c->opts.initial_cap);
  cr_assert_eq(c->v.elem_size, c->opts.elem_size, "%s: elem_size", where);
  /* No zero check: a vector's block (malloc's while small, or a region
   * the cache reuses) holds unspecified bytes past len; v_sane checked
   * that its pages are read-write. */
}

/* destroy --------------------------------------------------------------- */
static int vcall_destroy(vctx *c) { return pv_vec_destroy(&c->v); }
static void m_destroy(vctx *c, const char *where) {
  pv_vec zero;
  memset(&zero, 0, sizeof zero);
  cr_assert_eq(memcmp(&c->v, &zero, sizeof zero), 0, "%s: not reset", where);
  /* A plain region may wait in the region cache: empty it first. */
  cr_assert_eq(pv_cache_trim(), 0, "%s: cache trim", where);
  if (c->s->st.reserved != 0)
    cr_assert(ru_unmapped(c->s->was.v.data, c->s->st.reserved),
              "%s: still mapped", where);
}

/* push / push_slot / append / insert / resize --------------------------- */
static int vcall_push(vctx *c) { return pv_vec_push(&c->v, elems_src(c->v.elem_size)); }
static int vcall_push_slot(vctx *c) {
  void *slot = NULL;
  int rc = pv_vec_push_slot(&c->v, &slot);
  if (rc == 0) memcpy(slot, elems_src(c->v.elem_size), c->v.elem_size);
  return rc;
}
static int vcall_append(vctx *c) {
  return pv_vec_append(&c->v, elems_src(ebytes(&c->v, c->a)), c->a);
}
static void m_appended(vctx *c, const char *where) {
  size_t old = c->s->was.v.len;
  cr_assert_eq(c->v.len, old + c->a, "%s: len %zu, want %zu", where, c->v.len,
               old + c->a);
  v_kept(c, old, where);
  cr_assert_eq(memcmp((char *)c->v.data + c->s->nbytes, elems_src(ebytes(&c->v, c->a)),
                      ebytes(&c->v, c->a)),
               0, "%s: appended elements wrong", where);
}
/* Appends all its own elements (the source moves if the growth does). */
static int vcall_append_self(vctx *c) {
  return pv_vec_append(&c->v, c->v.data, c->v.len);
}
static void m_appended_self(vctx *c, const char *where) {
  size_t old = c->s->was.v.len;
  cr_assert_eq(c->v.len, 2 * old, "%s: len %zu, want %zu", where, c->v.len, 2 * old);
  v_kept(c, old, where);
  cr_assert_eq(memcmp((char *)c->v.data + c->s->nbytes, c->s->bytes, c->s->nbytes), 0,
               "%s: appended copy of itself wrong", where);
}
static int vcall_insert0(vctx *c) {
  return pv_vec_insert(&c->v, 0, elems_src(ebytes(&c->v, c->a)), c->a);
}
static void m_inserted0(vctx *c, const char *where) {
  size_t n = ebytes(&c->v, c->a);
  cr_assert_eq(c->v.len, c->s->was.v.len + c->a, "%s: len", where);
  cr_assert_eq(memcmp(c->v.data, elems_src(n), n), 0, "%s: inserted wrong", where);
  cr_assert_eq(memcmp((char *)c->v.data + n, c->s->bytes, c->s->nbytes), 0,
               "%s: old elements not moved up intact", where);
}
/* extend_uninit, then the caller fills the slots (m_appended). */
static int vcall_extend_uninit(vctx *c) {
  void *first = NULL;
  int rc = pv_vec_extend_uninit(&c->v, c->a, &first);
  if (rc == 0) memcpy(first, elems_src(ebytes(&c->v, c->a)), ebytes(&c->v, c->a));
  else cr_assert_null(first, "%s: *first written on failure", c->name);
  return rc;
}
/* Appends a copy of all its elements (m_appended_self). */
static int vcall_extend_from_within(vctx *c) {
  return pv_vec_extend_from_within(&c->v, 0, c->v.len);
}
/* Grows by a elements (the tail reads as zero). */
static int vcall_resize(vctx *c) {
  return pv_vec_resize(&c->v, c->v.len + c->a, NULL);
}
static void m_resized(vctx *c, const char *where) {
  cr_assert_eq(c->v.len, c->s->was.v.len + c->a, "%s: len", where);
  v_kept(c, c->s->was.v.len, where);
  cr_assert(tu_all_zero((char *)c->v.data + c->s->nbytes, ebytes(&c->v, c->a)),
            "%s: new elements not zero", where);
}

/* reserve / reserve_exact / shrink_to_fit / trim ------------------------ */
static int vcall_reserve(vctx *c) { return pv_vec_reserve(&c->v, c->a); }
static int vcall_reserve_exact(vctx *c) { return pv_vec_reserve_exact(&c->v, c->a); }
static void m_reserved(vctx *c, const char *where) {
  cr_assert_eq(c->v.len, c->s->was.v.len, "%s: len changed", where);
  cr_assert_geq(c->v.cap - c->v.len, c->a, "%s: room %zu < %zu", where,
                c->v.cap - c->v.len, c->a);
  v_kept(c, c->s->was.v.len, where);
}
static int vcall_shrink(vctx *c) { return pv_vec_shrink_to_fit(&c->v); }
static void m_shrunk(vctx *c, const char *where) {
  cr_assert_eq(c->v.len, c->s->was.v.len, "%s: len changed", where);
  size_t want = (c->s->nbytes + c->page - 1) / c->page * c->page;
  /* Whole huge pages while the vector asks for them (vec.h), never more
   * than it held. */
  const pv__os_caps *caps = pv__os_caps_get();
  size_t h = caps->huge_page_size;
  if (caps->thp && h > caps->alloc_granularity && !(c->opts.flags & PV_VEC_NO_HUGE) &&
      ((c->opts.flags & PV_VEC_HUGE) || want >= h))
    want = (want + h - 1) / h * h;
  if (want > c->s->st.bytes) want = c->s->st.bytes;
  /* A small vector's block is exactly its elements. */
  if (c->s->st.kind == PV__STORE_SMALL) want = c->s->nbytes;
  cr_assert_eq(pv__store_bytes(&c->v), want, "%s: %zu bytes committed, want %zu",
               where, pv__store_bytes(&c->v), want);
  v_kept(c, c->s->was.v.len, where);
}
/* shrink_to a floor of a elements. */
static int vcall_shrink_to(vctx *c) { return pv_vec_shrink_to(&c->v, c->a); }
static void m_shrunk_to(vctx *c, const char *where) {
  size_t floor = c->a < c->s->was.v.cap ? c->a : c->s->was.v.cap;
  cr_assert_eq(c->v.len, c->s->was.v.len, "%s: len changed", where);
  cr_assert_geq(c->v.cap, floor, "%s: cap %zu below the floor %zu", where, c->v.cap,
                floor);
  cr_assert_leq(pv__store_bytes(&c->v), c->s->st.bytes, "%s: grew", where);
  v_kept(c, c->s->was.v.len, where);
}
static int vcall_trim(vctx *c) { return pv_vec_trim(&c->v); }
static void m_same_elems(vctx *c, const char *where) {
  cr_assert_eq(c->v.len, c->s->was.v.len, "%s: len changed", where);
  cr_assert_eq(c->v.cap, c->s->was.v.cap, "%s: cap changed", where);
  cr_assert_eq(c->v.data, c->s->was.v.data, "%s: data moved", where);
  v_kept(c, c->s->was.v.len, where);
}

/* copy ------------------------------------------------------------------ */
static int vcall_copy(vctx *c) { return pv_vec_copy(&c->v, &c->src); }
/* The source of pv_vec_copy, made by setup (not under the fault). */
static void make_copy_src(vctx *c) {
  pv_vec_opts o = {.elem_size = c->opts.elem_size};
  int rc = pv_vec_init_opts(&c->src, &o);
  cr_assert_eq(rc, 0, "%s: source init: %s", c->name, pv_errname(rc));
  rc = pv_vec_append(&c->src, elems_src(ebytes(&c->src, c->a)), c->a);
  cr_assert_eq(rc, 0, "%s: source append: %s", c->name, pv_errname(rc));
}
static void m_copied(vctx *c, const char *where) {
  cr_assert(pv_vec_equal(&c->v, &c->src), "%s: copy differs from source", where);
}

/* split_off ------------------------------------------------------------- */
/* The empty destination, made by setup (not under the fault) with the
 * configuration's options, so that its growth is the configuration's. */
static void make_split_dst(vctx *c) {
  pv_vec_opts o = c->opts;
  o.initial_cap = 0;
  int rc = pv_vec_init_opts(&c->src, &o);
  cr_assert_eq(rc, 0, "%s: split dst init: %s", c->name, pv_errname(rc));
}
/* Moves the upper half into src; on failure src must still be empty. */
static int vcall_split_off(vctx *c) {
  int rc = pv_vec_split_off(&c->v, c->v.len / 2, &c->src);
  if (rc != 0) cr_assert_eq(c->src.len, 0, "%s: dst changed on failure", c->name);
  return rc;
}
static void m_split(vctx *c, const char *where) {
  size_t old = c->s->was.v.len, at = old / 2;
  cr_assert_eq(c->v.len, at, "%s: len %zu, want %zu", where, c->v.len, at);
  cr_assert_eq(c->src.len, old - at, "%s: dst len %zu", where, c->src.len);
  v_kept(c, at, where);
  cr_assert_eq(memcmp(c->src.data, c->s->bytes + ebytes(&c->v, at),
                      ebytes(&c->v, old - at)),
               0, "%s: moved elements wrong", where);
}

/* freeze / thaw / advise / resident ------------------------------------- */
static int vcall_freeze(vctx *c) { return pv_vec_freeze(&c->v); }
static void m_frozen(vctx *c, const char *where) {
  cr_assert(pv_vec_frozen(&c->v), "%s: not frozen", where);
  if (c->s->st.kind == PV__STORE_SMALL) {
    /* A small vector moves into read-only pages of at least its capacity. */
    cr_assert_eq(c->v.len, c->s->was.v.len, "%s: len changed", where);
    cr_assert_geq(c->v.cap, c->s->was.v.cap, "%s: cap lowered", where);
    cr_assert_neq(pv__store_inspect(&c->v).kind, PV__STORE_SMALL, "%s: not in pages",
                  where);
    v_kept(c, c->s->was.v.len, where);
    return;
  }
  m_same_elems(c, where);
}
static int vcall_thaw(vctx *c) { return pv_vec_thaw(&c->v); }
static void m_thawed(vctx *c, const char *where) {
  cr_assert(!pv_vec_frozen(&c->v), "%s: still frozen", where);
  m_same_elems(c, where);
}
static int vcall_advise(vctx *c) {
  return pv_vec_advise(&c->v, (pv_advice)c->a);
}
/* read_fd / read_file of a file of c->a elements (elems_src's, so that
 * m_appended checks them); the offset a failure moved back is where the
 * retry starts. */
static void make_read_file(vctx *c) {
  strcpy(read_path, "/tmp/pv-fault-read-XXXXXX");
  int fd = mkstemp(read_path);
  cr_assert_geq(fd, 0, "mkstemp %s", read_path);
  size_t n = c->a * c->opts.elem_size;
  cr_assert_eq(write(fd, elems_src(n), n), (ssize_t)n, "write %s", read_path);
  close(fd);
  if (c->call == vcall_read_fd) c->fd = open(read_path, O_RDONLY);
}
static int vcall_read_fd(vctx *c) {
  size_t got = SIZE_MAX;
  int rc = pv_vec_read_fd(&c->v, c->fd, 0, &got);
  if (rc == 0)
    cr_assert_eq(got, ebytes(&c->v, c->a), "%s: nread %zu", c->name, got);
  return rc;
}
static int vcall_read_file(vctx *c) { return pv_vec_read_file(&c->v, read_path); }

static int vcall_resident(vctx *c) {
  size_t bytes = SIZE_MAX;
  int rc = pv_vec_resident(&c->v, &bytes);
  if (rc == 0)
    cr_assert_leq(bytes, pv__store_bytes(&c->v), "%s: %zu resident of %zu", c->name,
                  bytes, pv__store_bytes(&c->v));
  return rc;
}

/* populate -------------------------------------------------------------- */
static int vcall_populate(vctx *c) { return pv_vec_populate(&c->v, (unsigned)c->a); }
/* The C library keeps the stacks of joined threads mapped for the next
 * ones (glibc's stack cache): start c->a - 1 helpers once, before any
 * snapshot, so that the mapping count a failed populate is checked
 * against already includes their stacks. */
static void warm_thread_stacks(vctx *c) {
  static size_t warm; /* the most threads warmed up for so far */
  if (c->a <= warm) return;
  warm = c->a;
  pv_vec w;
  pv_vec_opts o = {.elem_size = 1, .flags = PV_VEC_PAGES};
  size_t unit = pv_huge_page_size() > c->page ? pv_huge_page_size() : c->page;
  cr_assert_eq(pv_vec_init_opts(&w, &o), 0, "%s: warm-up init", c->name);
  cr_assert_eq(pv_vec_reserve_exact(&w, 4 * c->a * unit), 0, "%s: warm-up reserve",
               c->name);
  cr_assert_eq(pv_vec_populate(&w, (unsigned)c->a), 0, "%s: warm-up", c->name);
  cr_assert_eq(pv_vec_destroy(&w), 0, "%s: warm-up destroy", c->name);
  cr_assert_eq(pv_cache_trim(), 0, "%s: warm-up cache trim", c->name);
}
/* Elements, len, cap and data as before, and the committed bytes in RAM. */
static void m_populated(vctx *c, const char *where) {
  m_same_elems(c, where);
  size_t r = 0;
  if (pv_vec_resident(&c->v, &r) == PV_ENOTSUP) return;
  cr_assert_eq(r, pv__store_bytes(&c->v), "%s: %zu of %zu bytes resident", where, r,
               pv__store_bytes(&c->v));
}

typedef struct vop {
  const char *name;
  enum vstate state;
  int (*call)(vctx *);
  void (*model)(vctx *, const char *);
  size_t a;
  bool prot; /* a protection change: EACCES is a kernel answer too */
  bool uncached; /* run with the region cache off (vctx) */
} vop;

/* `a` values are element counts; big ones are scaled in run_vop. */
#define A_GROW ((size_t)-1) /* "enough to grow past the current capacity" */
#define A_FILE ((size_t)-2) /* a file of three pages' worth of elements */

static const vop vops[] = {
    {"init", VS_NONE, vcall_init, m_init, 0, false, false},
    {"destroy empty", VS_EMPTY, vcall_destroy, m_destroy, 0, false, false},
    {"destroy full", VS_FULL, vcall_destroy, m_destroy, 0, false, false},
    {"destroy frozen", VS_FROZEN, vcall_destroy, m_destroy, 0, false, false},
    {"destroy full uncached", VS_FULL, vcall_destroy, m_destroy, 0, false, true},
    {"destroy frozen uncached", VS_FROZEN, vcall_destroy, m_destroy, 0, false, true},
    {"push first", VS_EMPTY, vcall_push, m_appended, 1, false, false},
    {"push growing", VS_FULL, vcall_push, m_appended, 1, false, false},
    {"push_slot growing", VS_FULL, vcall_push_slot, m_appended, 1, false, false},
    {"append growing", VS_FULL, vcall_append, m_appended, A_GROW, false, false},
    {"append from itself", VS_FULL, vcall_append_self, m_appended_self, 0, false, false},
    {"append huge edge", VS_HUGE_EDGE, vcall_append, m_appended, A_GROW, false, false},
    {"insert growing", VS_FULL, vcall_insert0, m_inserted0, A_GROW, false, false},
    {"resize growing", VS_FULL, vcall_resize, m_resized, A_GROW, false, false},
    {"extend_uninit growing", VS_FULL, vcall_extend_uninit, m_appended, A_GROW,
     false, false},
    {"extend_uninit first", VS_EMPTY, vcall_extend_uninit, m_appended, A_GROW,
     false, false},
    {"extend_from_within growing", VS_FULL, vcall_extend_from_within, m_appended_self, 0,
     false, false},
    {"split_off into empty", VS_FULL, vcall_split_off, m_split, 0, false, false},
    {"reserve", VS_FULL, vcall_reserve, m_reserved, A_GROW, false, false},
    {"reserve empty", VS_EMPTY, vcall_reserve, m_reserved, A_GROW, false, false},
    {"reserve_exact", VS_FULL, vcall_reserve_exact, m_reserved, A_GROW, false, false},
    {"reserve across huge", VS_HUGE_EDGE, vcall_reserve, m_reserved, A_GROW,
     false, false},
    {"shrink_to_fit", VS_SLACK, vcall_shrink, m_shrunk, 0, false, false},
    {"shrink_to_fit emptied", VS_CLEARED, vcall_shrink, m_shrunk, 0, false, false},
    {"shrink_to", VS_SLACK, vcall_shrink_to, m_shrunk_to, 2, false, false},
    {"trim", VS_SLACK, vcall_trim, m_same_elems, 0, false, false},
    {"copy into empty", VS_EMPTY, vcall_copy, m_copied, A_GROW, false, false},
    {"copy growing", VS_FULL, vcall_copy, m_copied, A_GROW, false, false},
    {"freeze", VS_FULL, vcall_freeze, m_frozen, 0, true, false},
    {"thaw", VS_FROZEN, vcall_thaw, m_thawed, 0, true, false},
    {"advise willneed", VS_FULL, vcall_advise, m_same_elems, PV_ADVISE_WILLNEED,
     false, false},
    {"advise random", VS_FULL, vcall_advise, m_same_elems, PV_ADVISE_RANDOM,
     false, false},
    {"advise pageout", VS_FULL, vcall_advise, m_same_elems, PV_ADVISE_PAGEOUT,
     false, false},
    {"resident", VS_FULL, vcall_resident, m_same_elems, 0, false, false},
    {"read_fd growing", VS_FULL, vcall_read_fd, m_appended, A_FILE, false, false},
    {"read_fd into room", VS_SLACK, vcall_read_fd, m_appended, A_FILE, false, false},
    {"read_fd first", VS_EMPTY, vcall_read_fd, m_appended, A_FILE, false, false},
    {"read_file growing", VS_FULL, vcall_read_file, m_appended, A_FILE, false, false},
    {"read_file into room", VS_SLACK, vcall_read_file, m_appended, A_FILE, false, false},
    {"populate slack", VS_SLACK, vcall_populate, m_populated, 2, false, false},
    {"populate with helpers", VS_SPARE, vcall_populate, m_populated, 3, false, false},
    {"push with a stale guard", VS_STALE, vcall_push, m_appended, 1, false, false},
    {"reserve with a stale guard", VS_STALE, vcall_reserve, m_reserved, A_GROW,
     false, false},
    {"shrink with a stale guard", VS_STALE, vcall_shrink, m_shrunk, 0, false, false},
    {"destroy with a stale guard", VS_STALE, vcall_destroy, m_destroy, 0, false, false},
};

/* The initial capacity the init row asks for, in every configuration. */
enum { INIT_CAP = 1000 };

/* Runs every operation of vops in one mode; returns the fault points. */
static unsigned long run_mode(const sw_config *m) {
  const sw_ops o = {v_setup, v_take, v_op, v_ok, v_teardown, v_allow};
  unsigned long total = 0;
  const size_t page = pv_page_size();
  for (size_t i = 0; i < sizeof vops / sizeof vops[0]; i++) {
    const vop *op = &vops[i];
    if (op->state == VS_HUGE_EDGE && pv_huge_page_size() == 0) continue;
    /* Crossing the threshold is SW_CROSS's row, not SW_SMALL's. */
    if (op->state == VS_HUGE_EDGE && m->phase == SW_SMALL) continue;
    if (op->state == VS_SPARE && m->phase == SW_SMALL) continue;
    if (op->state == VS_STALE &&
        (!(m->flags & PV_VEC_GUARD) || !pv__os_caps_get()->can_remap ||
         (m->grow != PV_GROW_REMAP && m->grow != PV_GROW_DEFAULT)))
      continue;
    vctx c;
    memset(&c, 0, sizeof c);
    char name[128];
    snprintf(name, sizeof name, "%s: %s", m->name, op->name);
    c.name = name;
    c.opts.elem_size = m->elem_size;
    c.opts.grow = m->grow;
    c.opts.flags = m->flags;
    c.opts.initial_cap = op->state == VS_NONE ? INIT_CAP : 0;
    c.opts.max_len = m->grow == PV_GROW_STABLE ? (64 << 20) / m->elem_size : 0;
    c.state = op->state;
    c.phase = m->phase;
    c.uncached = op->uncached;
    c.call = op->call;
    c.model = op->model;
    /* Growth past the capacity: two pages' worth more than a full
     * vector of one huge page, whatever the setup left. */
    c.a = op->a == A_GROW ? (pv_huge_page_size() + 2 * page) / m->elem_size / 2 + 1
          : op->a == A_FILE ? 3 * page / m->elem_size + 5
                            : op->a;
    total += sw_sweep(name, &o, &c, PV_ENOMEM).points;
    if (op->prot) total += sw_sweep(name, &o, &c, PV_EACCES).points;
  }
  return total;
}

/* One test per configuration, so that a failure in one does not hide the
 * others. */
#define CONFIG_TEST(suite, id, grow, flags, es, phase)                         \
  Test(suite, id) {                                                            \
    const sw_config m = {#suite " " #id, grow, flags, es, phase};              \
    unsigned long points = run_mode(&m);                                       \
    cr_assert_gt(points, 0, "%s: no fault point reached", m.name);             \
  }
SW_CONFIGS(CONFIG_TEST)

/*
 * lib/vec.c - the container (pv_vec_*), portable: it sees the OS only
 * through lib/os.h and branches on the capabilities it reports.
 *
 * Memory layout of a vector (all three modes):
 *
 *   pv_base == data                data + pv_bytes
 *   |<------- committed RW ------->|<- guard ->|<-- reserved (see below) -->|
 *   |<--------------------------- pv_reserved ------------------------------>|
 *
 * - pv_bytes is the committed (accessible) size, a multiple of the page
 *   size; cap is what fits in it: pv_bytes / elem_size (STABLE: at most
 *   max_len, so that the typed layer's `len < cap` test is the whole check).
 * - The guard (PV_VEC_GUARD) is one PROT_NONE page right after pv_bytes.
 *   STABLE gets it for free from its reservation (plus one extra page at
 *   the very end); REMAP/COPY map it with the data and carry it along.
 * - pv_reserved is the address space to unmap at destroy.
 * - REMAP without mremap (Windows, --disable-mremap) lays out like STABLE:
 *   a reservation larger than the committed bytes, committed in place as
 *   the vector grows, and copied to a larger reservation when full.
 * - A zeroed struct is a destroyed vector: elem_size 0 means "not
 *   initialised" and every call but destroy answers PV_EINVAL.
 *
 * ASan builds (lib/asan.h): bytes [len * elem_size, pv_bytes) are poisoned
 * and everything else in the committed pages is not.  Functions that add
 * elements unpoison the slots just before writing them; functions that
 * drop elements poison them; growth and shrinking unpoison what they may
 * move or release first and poison the new tail after (or the old one
 * again on failure).  Guard and reserved pages are never poisoned, so an
 * overrun there still faults.  The cost is per element added or removed
 * and per growth, like the work itself; without ASan it is nothing.
 *
 * Failure rule: every operation does its fallible system call before it
 * touches the struct, and undoes earlier calls when a later one fails, so
 * that on any error the vector and its bytes are exactly as before.  Usage
 * hints (huge-page advice) are not part of that rule: a refused hint leaves
 * a correct, slightly slower vector, so it is ignored rather than undone.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asan.h"
#include "os.h"
#include "paged_vec/vec.h"

#define USER_FLAGS \
  (PV_VEC_HUGE | PV_VEC_NO_HUGE | PV_VEC_GUARD | PV_VEC_MOVE_ON_GROW)
/* State bits kept in pv_flags above the public flags. */
#define ST_FROZEN PV_VEC_STATE_FROZEN /* data pages are read-only (vec.h) */
#define ST_MOVE (1u << 17)   /* every growth moves (flag or PV_DEBUG_MOVE) */

/* Geometric growth: each growth at least doubles the committed bytes, so
 * n pushes cost O(n) in total and at most half the capacity is unused.
 * With mremap a larger factor buys nothing (no bytes are copied), and 2
 * keeps the worst-case over-commit of a huge vector at 2x. */
#define GROWTH_FACTOR 2

/* REMAP without mremap reserves address space RESERVE_AHEAD times the
 * committed size, so that three doublings in four commit in place (no copy,
 * no move) and only every fourth copies into a fresh, larger reservation:
 * the bytes copied over a vector's life stay below about half of its final
 * committed size, and fall to 1/15 of it just before the next copy, where
 * a copy on every growth copies about all of it.  Reserved pages are
 * address space, not memory: PROT_NONE / MEM_RESERVE is not charged. */
#define RESERVE_AHEAD 8

static const pv__os_caps *caps(void) { return pv__os_caps_get(); }

static bool valid(const pv_vec *v) { return v != NULL && v->elem_size != 0; }

static bool is_frozen(const pv_vec *v) { return (v->pv_flags & ST_FROZEN) != 0; }

/* The vector lives in a reservation it commits in place: STABLE, and REMAP
 * where the kernel cannot remap. */
static bool in_reservation(const pv_vec *v) {
  return v->pv_grow == PV_GROW_STABLE ||
         (v->pv_grow == PV_GROW_REMAP && !caps()->can_remap);
}


/* The entry check of every mutator. */
static int check_mut(const pv_vec *v) {
  if (!valid(v)) return PV_EINVAL;
  if (is_frozen(v)) return PV_EACCES;
  return 0;
}

static size_t guard_size(unsigned flags) {
  return (flags & PV_VEC_GUARD) ? caps()->page_size : 0;
}

/* PV_DEBUG_MOVE=1 (any non-empty value but "0"), read once per process.
 * Two threads racing on the first read compute the same answer. */
static bool debug_move(void) {
  static atomic_int state; /* 0 unread, 1 off, 2 on */
  int s = atomic_load_explicit(&state, memory_order_relaxed);
  if (s == 0) {
    const char *e = getenv("PV_DEBUG_MOVE");
    s = (e != NULL && e[0] != '\0' && strcmp(e, "0") != 0) ? 2 : 1;
    atomic_store_explicit(&state, s, memory_order_relaxed);
  }
  return s == 2;
}

/* Huge pages can help this vector at all: THP is usable, the huge page is
 * a power of two larger than the mapping granule, and the user did not opt
 * out. */
static bool huge_allowed(unsigned flags) {
  const pv__os_caps *c = caps();
  size_t h = c->huge_page_size;
  return !(flags & PV_VEC_NO_HUGE) && c->thp && h > c->alloc_granularity &&
         (h & (h - 1)) == 0;
}

/* A region of `bytes` asks for huge pages: it is at least one huge page
 * (smaller regions could never hold one), or the user asked from the start. */
static bool huge_for(unsigned flags, size_t bytes) {
  return huge_allowed(flags) &&
         (bytes >= caps()->huge_page_size || (flags & PV_VEC_HUGE));
}

/* Alignment for a new region of `bytes`: huge pages only back ranges that
 * are huge-page aligned, so a huge region starts on a huge page. */
static size_t align_for(unsigned flags, size_t bytes) {
  return huge_for(flags, bytes) ? caps()->huge_page_size : 0;
}

/* Ask for huge pages on a region of `bytes` followed by `guard` bytes.
 * The guard gets the same advice so that its flags match the data's: the
 * guarded growth below needs data and guard to merge into one mapping.
 * The hint is best effort (see the file comment). */
static void advise_huge(void *addr, size_t bytes, size_t guard, unsigned flags) {
  if (bytes != 0 && huge_for(flags, bytes))
    (void)pv__os_advise(addr, bytes + guard, PV_ADVISE_HUGEPAGE);
}

static size_t cap_of(const pv_vec *v, size_t bytes) {
  size_t c = bytes / v->elem_size;
  if (v->pv_grow == PV_GROW_STABLE && c > v->pv_max_len) c = v->pv_max_len;
  return c;
}

/* cap follows the committed bytes; pv_room mirrors it while the vector is
 * writable, so that the inline push needs one compare, not a frozen test. */
static void set_cap(pv_vec *v, size_t nb) {
  v->cap = cap_of(v, nb);
  v->pv_room = is_frozen(v) ? 0 : v->cap;
}

/* Round a byte count to the vector's granule: pages, and whole huge pages
 * once the region asks for them (a partial huge page is never huge). */
static int round_bytes(unsigned flags, size_t bytes, size_t *out) {
  size_t r;
  if (!pv__round_up(bytes, caps()->page_size, &r)) return PV_EOVERFLOW;
  if (huge_for(flags, r) && !pv__round_up(r, caps()->huge_page_size, &r))
    return PV_EOVERFLOW;
  *out = r;
  return 0;
}

/* Committed bytes for a capacity of at least `need` elements; geometric
 * growth also asks for GROWTH_FACTOR times the current size.  The result is
 * always larger than pv_bytes when need > cap. */
static int plan_bytes(const pv_vec *v, size_t need, bool geometric, size_t *out) {
  if (need > SIZE_MAX / v->elem_size) return PV_EOVERFLOW;
  size_t target;
  int rc = round_bytes(v->pv_flags, need * v->elem_size, &target);
  if (rc != 0) return rc;
  if (geometric && v->pv_bytes <= SIZE_MAX / GROWTH_FACTOR) {
    size_t g;
    /* If rounding the doubled size overflows, the exact size still fits. */
    if (round_bytes(v->pv_flags, v->pv_bytes * GROWTH_FACTOR, &g) == 0 &&
        g > target)
      target = g;
  }
  if (v->pv_grow == PV_GROW_STABLE) {
    /* Never past the reservation; need <= max_len keeps the exact size in. */
    size_t limit = v->pv_reserved - guard_size(v->pv_flags);
    if (target > limit) target = limit;
  }
  *out = target;
  return 0;
}

/* A fresh RW region of `bytes`, followed by `guard` bytes of PROT_NONE. */
static int map_region(size_t bytes, size_t guard, size_t align, void **out) {
  if (guard == 0) return pv__os_map(bytes, align, PV__PROT_RW, out);
  if (bytes > SIZE_MAX - guard) return PV_EOVERFLOW;
  void *p;
  int rc = pv__os_map(bytes + guard, align, PV_PROT_NONE, &p);
  if (rc != 0) return rc;
  rc = pv__os_commit(p, bytes, PV__PROT_RW);
  if (rc != 0) {
    pv__os_unmap(p, bytes + guard);
    return rc;
  }
  *out = p;
  return 0;
}

/* Release a guard page an earlier growth could not (see below). */
static int release_stale(pv_vec *v) {
  if (v->pv_stale == NULL) return 0;
  int rc = pv__os_unmap(v->pv_stale, guard_size(v->pv_flags));
  if (rc == 0) v->pv_stale = NULL;
  return rc;
}

/* REMAP with a guard page: the data cannot grow in place (its guard is in
 * the way), so reserve the new region with its guard (PROT_NONE), move the
 * data onto its start, growing it on the way, and release the old guard.
 * (The old guard cannot travel with the data: after a first move the data
 * mapping and the guard are two kernel mappings that never merge back, and
 * mremap moves one mapping.)  Once the data has moved the growth has
 * happened and cannot be undone safely (its old address is no longer ours),
 * so if releasing the old guard fails the growth still succeeds and the
 * page, PROT_NONE and holding no memory, is kept in pv_stale and released
 * by the next guarded growth or by destroy.  Both releases happen only
 * after the growth succeeded, so a growth that fails changes nothing, not
 * even pv_stale.  (Should the stale page and the old guard both fail to
 * go in one growth, which takes two failed munmaps of whole single-page
 * mappings, this growth's old guard stays mapped until the process
 * exits.) */
static int grow_remap_guarded(pv_vec *v, size_t nb, size_t align, void **out) {
  size_t g = guard_size(v->pv_flags);
  if (nb > SIZE_MAX - g) return PV_EOVERFLOW;
  void *dest;
  int rc = pv__os_map(nb + g, align, PV_PROT_NONE, &dest);
  if (rc != 0) return rc;
  char *old_guard = (char *)v->data + v->pv_bytes;
  rc = pv__os_remap_fixed(v->data, v->pv_bytes, dest, nb);
  if (rc != 0) {
    pv__os_unmap(dest, nb + g);
    return rc;
  }
  (void)release_stale(v); /* kept in pv_stale if it fails again */
  if (pv__os_unmap(old_guard, g) != 0 && v->pv_stale == NULL)
    v->pv_stale = old_guard;
  *out = dest;
  return 0;
}

/* Commit [pv_bytes, nb) in place, inside the vector's reservation, and
 * advise the whole committed range so that it stays one mapping. */
static int commit_in_place(pv_vec *v, size_t nb) {
  int rc = pv__os_commit((char *)v->data + v->pv_bytes, nb - v->pv_bytes, PV__PROT_RW);
  if (rc == 0) advise_huge(v->data, nb, 0, v->pv_flags);
  return rc;
}

/* REMAP without mremap: commit in place while the reservation has room for
 * nb bytes and the guard (which is the reservation's next, still PROT_NONE
 * page), else copy into a fresh reservation RESERVE_AHEAD times larger.
 * PV_VEC_MOVE_ON_GROW / PV_DEBUG_MOVE always take the copy. */
static int grow_reserved(pv_vec *v, size_t nb, size_t align, void **out,
                         size_t *reserved) {
  unsigned flags = v->pv_flags;
  size_t g = guard_size(flags);
  if (nb > SIZE_MAX - g) return PV_EOVERFLOW;
  int rc;
  if (v->pv_reserved != 0 && !(flags & ST_MOVE) && nb + g <= v->pv_reserved) {
    rc = commit_in_place(v, nb);
    if (rc != 0) return rc;
    *out = v->data;
    *reserved = v->pv_reserved;
    return 0;
  }
  /* Reserve ahead while that stays below 1/16 of the address space: always
   * on 64 bits; on 32 bits a vector past 32 MiB reserves what it commits
   * (and then copies on every growth, like COPY) rather than fail. */
  size_t total = nb + g;
  if (nb <= (SIZE_MAX / 16 - g) / RESERVE_AHEAD) total = nb * RESERVE_AHEAD + g;
  void *p;
  rc = pv__os_map(total, align, PV_PROT_NONE, &p);
  if (rc != 0) return rc;
  rc = pv__os_commit(p, nb, PV__PROT_RW);
  if (rc == 0) {
    /* Advise before the copy so that its first touch faults huge pages. */
    advise_huge(p, nb, 0, flags);
    if (v->len != 0) memcpy(p, v->data, v->len * v->elem_size);
    if (v->pv_reserved != 0) rc = pv__os_unmap(v->pv_base, v->pv_reserved);
  }
  if (rc != 0) {
    pv__os_unmap(p, total);
    return rc;
  }
  *out = p;
  *reserved = total;
  return 0;
}

/* Grow the committed size to nb > pv_bytes.  Changes *v only on success. */
static int grow_to(pv_vec *v, size_t nb) {
  unsigned flags = v->pv_flags;
  size_t g = guard_size(flags);
  size_t align = align_for(flags, nb);
  /* The address space the grown vector holds: its region and guard, unless
   * grow_reserved says otherwise.  (nb + g only wraps where map_region or
   * grow_remap_guarded refuses the growth first.) */
  size_t reserved = nb + g;
  void *p;
  int rc;

  if (v->pv_grow == PV_GROW_STABLE) {
    rc = commit_in_place(v, nb);
    if (rc != 0) return rc;
    v->pv_bytes = nb;
    set_cap(v, nb);
    return 0;
  }

  if (v->pv_grow == PV_GROW_REMAP && !caps()->can_remap) {
    rc = grow_reserved(v, nb, align, &p, &reserved);
    if (rc != 0) return rc;
  } else if (v->pv_bytes == 0) {
    /* First growth (or after shrinking to nothing, which unmapped
     * everything): a fresh region. */
    rc = map_region(nb, g, align, &p);
    if (rc != 0) return rc;
    advise_huge(p, nb, g, flags);
  } else if (v->pv_grow == PV_GROW_REMAP) {
    if (g != 0) {
      rc = grow_remap_guarded(v, nb, align, &p);
    } else {
      unsigned rf = (flags & ST_MOVE) ? PV__OS_REMAP_MOVE : 0;
      /* Growing in place would keep a start that is not huge-aligned;
       * move once, when the region first asks for huge pages. */
      if (align != 0 && ((uintptr_t)v->data & (align - 1)) != 0)
        rf |= PV__OS_REMAP_MOVE;
      rc = pv__os_remap(v->data, v->pv_bytes, nb, align, rf, &p);
    }
    if (rc != 0) return rc;
    /* The whole region: the first time it turns huge, its old part too. */
    advise_huge(p, nb, g, flags);
  } else {
    /* COPY: new region, advise before the copy so that the copy's first
     * touch already faults huge pages, copy the live elements, unmap. */
    rc = map_region(nb, g, align, &p);
    if (rc != 0) return rc;
    advise_huge(p, nb, g, flags);
    memcpy(p, v->data, v->len * v->elem_size);
    rc = pv__os_unmap(v->pv_base, v->pv_reserved);
    if (rc != 0) {
      pv__os_unmap(p, nb + g);
      return rc;
    }
  }
  v->data = p;
  v->pv_base = p;
  v->pv_bytes = nb;
  v->pv_reserved = reserved;
  set_cap(v, nb);
  return 0;
}

static char *elem_ptr(const pv_vec *v, size_t i) {
  return (char *)v->data + i * v->elem_size;
}

/* ASan: poison / unpoison elements [from, to) (to <= capacity), and the
 * tail [len, pv_bytes) as a whole. */
static void poison_elems(const pv_vec *v, size_t from, size_t to) {
  if (from < to) pv__asan_poison(elem_ptr(v, from), (to - from) * v->elem_size);
}
static void unpoison_elems(const pv_vec *v, size_t from, size_t to) {
  if (from < to) pv__asan_unpoison(elem_ptr(v, from), (to - from) * v->elem_size);
}
static void poison_tail(const pv_vec *v) {
  if (v->pv_bytes != 0)
    pv__asan_poison(elem_ptr(v, v->len), v->pv_bytes - v->len * v->elem_size);
}
static void unpoison_tail(const pv_vec *v) {
  if (v->pv_bytes != 0)
    pv__asan_unpoison(elem_ptr(v, v->len), v->pv_bytes - v->len * v->elem_size);
}

/* Make room for len + additional elements (the caller checked v). */
static int reserve_impl(pv_vec *v, size_t additional, bool exact) {
  if (additional <= v->cap - v->len) return 0;
  if (additional > SIZE_MAX - v->len) return PV_EOVERFLOW;
  size_t need = v->len + additional;
  if (v->pv_grow == PV_GROW_STABLE && need > v->pv_max_len) return PV_ENOSPC;
  size_t nb;
  int rc = plan_bytes(v, need, !exact, &nb);
  if (rc != 0) return rc;
  /* The growth may move or release the old pages: their poison goes first
   * and comes back on the tail that results (the old one on failure). */
  unpoison_tail(v);
  rc = grow_to(v, nb);
  poison_tail(v);
  return rc;
}

/* If p points into v's committed pages, its offset there (so that it can
 * be found again after a growth moved the data), else SIZE_MAX.  Compared
 * as integers: relational operators on unrelated pointers are undefined. */
static size_t offset_in(const pv_vec *v, const void *p) {
  uintptr_t lo = (uintptr_t)v->data, x = (uintptr_t)p;
  if (v->data == NULL || x < lo || x - lo >= v->pv_bytes) return SIZE_MAX;
  return (size_t)(x - lo);
}

/* ---- lifecycle ---------------------------------------------------------- */

int pv_vec_init(pv_vec *v, size_t elem_size) {
  pv_vec_opts o = {0};
  o.elem_size = elem_size;
  return pv_vec_init_opts(v, &o);
}

static int init_stable(pv_vec *n, const pv_vec_opts *o) {
  size_t limit, g = guard_size(n->pv_flags);
  if (o->max_len > SIZE_MAX / o->elem_size) return PV_EOVERFLOW;
  if (!pv__round_up(o->max_len * o->elem_size, caps()->page_size, &limit) ||
      limit > SIZE_MAX - g)
    return PV_EOVERFLOW;
  void *base;
  int rc = pv__os_map(limit + g, align_for(n->pv_flags, limit), PV_PROT_NONE,
                      &base);
  if (rc != 0) return rc;
  n->data = base;
  n->pv_base = base;
  n->pv_reserved = limit + g;
  rc = reserve_impl(n, o->initial_cap, true);
  if (rc != 0) {
    pv__os_unmap(base, limit + g);
    return rc;
  }
  return 0;
}

int pv_vec_init_opts(pv_vec *v, const pv_vec_opts *opts) {
  if (v == NULL || opts == NULL || opts->elem_size == 0) return PV_EINVAL;
  if ((unsigned)opts->grow > (unsigned)PV_GROW_COPY) return PV_EINVAL;
  if (opts->flags & ~(unsigned)USER_FLAGS) return PV_EINVAL;
  if ((opts->flags & PV_VEC_HUGE) && (opts->flags & PV_VEC_NO_HUGE))
    return PV_EINVAL;
  /* REMAP everywhere: without mremap it commits in place inside a
   * reservation and copies when that is full (grow_reserved). */
  pv_grow grow = opts->grow == PV_GROW_DEFAULT ? PV_GROW_REMAP : opts->grow;
  if (grow == PV_GROW_STABLE &&
      (opts->max_len == 0 || opts->initial_cap > opts->max_len))
    return PV_EINVAL;
  if (opts->initial_cap > SIZE_MAX / opts->elem_size) return PV_EOVERFLOW;

  pv_vec n;
  memset(&n, 0, sizeof n);
  n.elem_size = opts->elem_size;
  n.pv_grow = (unsigned)grow;
  n.pv_flags = opts->flags;
  if (grow == PV_GROW_STABLE) {
    n.pv_max_len = opts->max_len;
  } else if ((opts->flags & PV_VEC_MOVE_ON_GROW) || debug_move()) {
    n.pv_flags |= ST_MOVE;
  }
  int rc = grow == PV_GROW_STABLE ? init_stable(&n, opts)
                                  : reserve_impl(&n, opts->initial_cap, true);
  if (rc != 0) return rc;
  *v = n;
  return 0;
}

int pv_vec_destroy(pv_vec *v) {
  if (v == NULL) return PV_EINVAL;
  int rc = release_stale(v);
  if (rc != 0) return rc;
  if (v->pv_reserved != 0) {
    /* munmap ignores protections, so a frozen vector goes too. */
    unpoison_tail(v);
    rc = pv__os_unmap(v->pv_base, v->pv_reserved);
    if (rc != 0) {
      poison_tail(v);
      return rc;
    }
  }
  memset(v, 0, sizeof *v);
  return 0;
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

/* ---- mutation ----------------------------------------------------------- */

int pv_vec_append(pv_vec *v, const void *elems, size_t n) {
  int rc = check_mut(v);
  if (rc != 0 || n == 0) return rc;
  if (elems == NULL) return PV_EINVAL;
  size_t off = offset_in(v, elems);
  rc = reserve_impl(v, n, false);
  if (rc != 0) return rc;
  /* n <= cap - len now, so n * elem_size cannot overflow. */
  unpoison_elems(v, v->len, v->len + n);
  if (off != SIZE_MAX)
    memmove(elem_ptr(v, v->len), (char *)v->data + off, n * v->elem_size);
  else
    memcpy(elem_ptr(v, v->len), elems, n * v->elem_size);
  v->len += n;
  return 0;
}

int pv_vec_push(pv_vec *v, const void *elem) {
  /* The common case first: room left, not frozen (cap > 0 implies an
   * initialised vector); nothing moves, so elem stays valid.  The slot is
   * past len, so elem (a live element or the caller's) cannot overlap it.
   * Constant-size copies for the common element sizes compile to one or
   * two moves instead of a call to memcpy. */
  if (v != NULL && elem != NULL && v->len < v->pv_room) {
    char *slot = elem_ptr(v, v->len);
    unpoison_elems(v, v->len, v->len + 1);
    switch (v->elem_size) {
    case 1: memcpy(slot, elem, 1); break;
    case 2: memcpy(slot, elem, 2); break;
    case 4: memcpy(slot, elem, 4); break;
    case 8: memcpy(slot, elem, 8); break;
    case 16: memcpy(slot, elem, 16); break;
    default: memcpy(slot, elem, v->elem_size); break;
    }
    v->len++;
    return 0;
  }
  return pv_vec_append(v, elem, 1);
}

int pv_vec_push_slot(pv_vec *v, void **slot) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (slot == NULL) return PV_EINVAL;
  rc = reserve_impl(v, 1, false);
  if (rc != 0) return rc;
  unpoison_elems(v, v->len, v->len + 1);
  *slot = elem_ptr(v, v->len);
  v->len++;
  return 0;
}

int pv_vec_pop(pv_vec *v, void *out) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (v->len == 0) return PV_ERANGE;
  if (out != NULL) memcpy(out, elem_ptr(v, v->len - 1), v->elem_size);
  v->len--;
  poison_elems(v, v->len, v->len + 1);
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
  size_t es = v->elem_size, gap = i * es, len = n * es;
  char *d = v->data;
  unpoison_elems(v, v->len, v->len + n);
  memmove(d + gap + len, d + gap, (v->len - i) * es);
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
  v->len += n;
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
  v->len -= n;
  poison_elems(v, v->len, v->len + n);
  return 0;
}

int pv_vec_swap_remove(pv_vec *v, size_t i, void *out) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (i >= v->len) return PV_ERANGE;
  if (out != NULL) memcpy(out, elem_ptr(v, i), v->elem_size);
  if (i != v->len - 1) memcpy(elem_ptr(v, i), elem_ptr(v, v->len - 1), v->elem_size);
  v->len--;
  poison_elems(v, v->len, v->len + 1);
  return 0;
}

int pv_vec_resize(pv_vec *v, size_t n, const void *fill) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (n <= v->len) {
    poison_elems(v, n, v->len);
    v->len = n;
    return 0;
  }
  size_t off = fill == NULL ? SIZE_MAX : offset_in(v, fill);
  rc = reserve_impl(v, n - v->len, false);
  if (rc != 0) return rc;
  size_t es = v->elem_size, total = (n - v->len) * es;
  char *d = elem_ptr(v, v->len);
  unpoison_elems(v, v->len, n);
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
  v->len = n;
  return 0;
}

int pv_vec_truncate(pv_vec *v, size_t n) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  if (n < v->len) {
    poison_elems(v, n, v->len);
    v->len = n;
  }
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

/* Bytes of whole pages holding the live elements. */
static size_t used_pages_bytes(const pv_vec *v) {
  /* len * elem_size <= pv_bytes, a page multiple: neither step overflows,
   * and pv_bytes is the answer if it somehow did. */
  size_t r = v->pv_bytes;
  (void)pv__round_up(v->len * v->elem_size, caps()->page_size, &r);
  return r;
}

/* shrink_to_fit's work: commit only nb < pv_bytes bytes. */
static int shrink_pages(pv_vec *v, size_t nb) {
  size_t cut = v->pv_bytes - nb;
  char *d = v->data;
  int rc;

  if (in_reservation(v) && (nb != 0 || v->pv_grow == PV_GROW_STABLE)) {
    /* Back to reserved: memory and commit charge go, the address stays
     * (and so does the PROT_NONE guard right after the new end). */
    rc = pv__os_uncommit(d + nb, cut);
    if (rc != 0) return rc;
  } else if (nb == 0) {
    rc = pv__os_unmap(v->pv_base, v->pv_reserved);
    if (rc != 0) return rc;
    v->data = NULL;
    v->pv_base = NULL;
    v->pv_reserved = 0;
  } else {
    size_t g = guard_size(v->pv_flags);
    /* With a guard, the first page past the new end becomes the guard and
     * everything after it (rest of the data and the old guard) goes.  The
     * new guard is made by a protection change, not by uncommitting (which
     * maps a fresh page): that keeps it part of the data's own kernel
     * mapping, so undoing it merges the two again and the data stays one
     * mapping that mremap can move. */
    if (g != 0 && (rc = pv__os_protect(d + nb, g, PV_PROT_NONE)) != 0) return rc;
    rc = pv__os_release_tail(d + nb + g, cut);
    if (rc != 0) {
      if (g != 0) pv__os_protect(d + nb, g, PV__PROT_RW);
      return rc;
    }
    /* Where the tail is only decommitted (Windows), the address space
     * stays ours until the whole reservation is released. */
    if (caps()->partial_release) v->pv_reserved = nb + g;
  }
  v->pv_bytes = nb;
  set_cap(v, nb);
  return 0;
}

int pv_vec_shrink_to_fit(pv_vec *v) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  size_t nb = used_pages_bytes(v);
  if (nb >= v->pv_bytes) return 0;
  /* The cut pages are released or become the guard: no poison on them
   * (back on them if the shrink fails). */
  char *cut = (char *)v->data + nb;
  size_t cut_len = v->pv_bytes - nb;
  pv__asan_unpoison(cut, cut_len);
  rc = shrink_pages(v, nb);
  if (rc != 0) pv__asan_poison(cut, cut_len);
  return rc;
}

int pv_vec_trim(pv_vec *v) {
  int rc = check_mut(v);
  if (rc != 0) return rc;
  size_t start = used_pages_bytes(v);
  if (start >= v->pv_bytes) return 0;
  return pv__os_decommit((char *)v->data + start, v->pv_bytes - start);
}

/* ---- whole vector ------------------------------------------------------- */

int pv_vec_copy(pv_vec *dst, const pv_vec *src) {
  if (!valid(dst) || !valid(src) || dst == src || dst->elem_size != src->elem_size)
    return PV_EINVAL;
  if (is_frozen(dst)) return PV_EACCES;
  if (src->len > dst->cap) {
    /* Exact: a copy is usually made once, at its final size. */
    int rc = reserve_impl(dst, src->len - dst->len, true);
    if (rc != 0) return rc;
  }
  unpoison_elems(dst, dst->len, src->len); /* each a no-op when empty */
  poison_elems(dst, src->len, dst->len);
  if (src->len != 0) memcpy(dst->data, src->data, src->len * src->elem_size);
  dst->len = src->len;
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

int pv_vec_bsearch(const pv_vec *v, const void *key,
                   int (*cmp)(const void *, const void *), size_t *index) {
  if (!valid(v) || key == NULL || cmp == NULL || index == NULL) return PV_EINVAL;
  /* Lower bound: the first element not less than key. */
  size_t lo = 0, hi = v->len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (cmp(key, elem_ptr(v, mid)) > 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *index = lo;
  return (lo < v->len && cmp(key, elem_ptr(v, lo)) == 0) ? 0 : PV_ENOENT;
}

int pv_vec_freeze(pv_vec *v) {
  if (!valid(v)) return PV_EINVAL;
  if (is_frozen(v)) return 0;
  if (v->pv_bytes != 0) {
    int rc = pv__os_protect(v->data, v->pv_bytes, PV_PROT_READ);
    if (rc != 0) return rc;
  }
  v->pv_flags |= ST_FROZEN;
  v->pv_room = 0;
  return 0;
}

int pv_vec_thaw(pv_vec *v) {
  if (!valid(v)) return PV_EINVAL;
  if (!is_frozen(v)) return 0;
  if (v->pv_bytes != 0) {
    int rc = pv__os_protect(v->data, v->pv_bytes, PV__PROT_RW);
    if (rc != 0) return rc;
  }
  v->pv_flags &= ~ST_FROZEN;
  v->pv_room = v->cap;
  return 0;
}

bool pv_vec_frozen(const pv_vec *v) { return valid(v) && is_frozen(v); }

int pv_vec_advise(pv_vec *v, pv_advice advice) {
  if (!valid(v) || (unsigned)advice > (unsigned)PV_ADVISE_NOHUGEPAGE)
    return PV_EINVAL;
  if (v->pv_bytes == 0) return 0;
  return pv__os_advise(v->data, v->pv_bytes, advice);
}

int pv_vec_resident(const pv_vec *v, size_t *bytes) {
  if (!valid(v) || bytes == NULL) return PV_EINVAL;
  if (!caps()->can_resident) return PV_ENOTSUP;
  if (v->pv_bytes == 0) {
    *bytes = 0;
    return 0;
  }
  return pv__os_resident(v->data, v->pv_bytes, bytes);
}

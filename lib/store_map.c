/*
 * lib/store_map.c - vectors in their own pages (lib/store.h): fresh
 * regions, growth for each page kind, shrink, the STABLE reservation and
 * the guard pages.  Sees the OS only through lib/os.h.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "cache.h"
#include "os.h"
#include "store.h"

/* RESERVE reserves address space RESERVE_AHEAD times the committed size,
 * so that three doublings in four commit in place (no copy, no move) and
 * only every fourth copies into a fresh, larger reservation: the bytes
 * copied over a vector's life stay below about half of its final committed
 * size, and fall to 1/15 of it just before the next copy, where a copy on
 * every growth copies about all of it.  Reserved pages are address space,
 * not memory: PROT_NONE / MEM_RESERVE is not charged. */
#define RESERVE_AHEAD 8

static const pv__os_caps *caps(void) { return pv__os_caps_get(); }

static pv__store *st(const pv_vec *v) { return v->pv_store; }

/* ---- the two doors to plain regions ---------------------------------------- */

int pv__store_region_map(size_t min_bytes, size_t max_bytes, size_t align, bool huge,
                         void **p, size_t *got) {
  return pv__cache_map(min_bytes, max_bytes, align, huge, p, got);
}

int pv__store_region_release(void *p, size_t bytes, bool huge) {
  return pv__cache_release(p, bytes, huge);
}

/* A kind whose region is plain RW from data to data + reserved. */
static bool plain(pv__store_kind kind, unsigned flags) {
  return (kind == PV__STORE_REMAP || kind == PV__STORE_COPY) &&
         !(flags & PV_VEC_GUARD);
}

/* ---- fresh regions ------------------------------------------------------------ */

/* A fresh RW region of `bytes`, followed by `guard` bytes of PROT_NONE. */
static int map_guarded(size_t bytes, size_t guard, size_t align, void **out) {
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

/* RESERVE: a reservation RESERVE_AHEAD times nb (while that stays below
 * 1/16 of the address space: always on 64 bits; on 32 bits a vector past
 * 32 MiB reserves what it commits, and then copies on every growth, like
 * COPY, rather than fail), nb bytes of it committed.  Where the address
 * space cannot hold that much (RLIMIT_AS), the reservation falls back to
 * exactly nb + g: the vector then reaches what a copy can (old and new
 * held at once), copying on each growth past that point. */
static int map_reservation(size_t nb, size_t g, size_t align, pv__store_region *out) {
  size_t total = nb + g;
  if (nb <= (SIZE_MAX / 16 - g) / RESERVE_AHEAD) total = nb * RESERVE_AHEAD + g;
  void *p;
  int rc = pv__os_map(total, align, PV_PROT_NONE, &p);
  if (rc == PV_ENOMEM && total != nb + g) {
    total = nb + g;
    rc = pv__os_map(total, align, PV_PROT_NONE, &p);
  }
  if (rc != 0) return rc;
  rc = pv__os_commit(p, nb, PV__PROT_RW);
  if (rc != 0) {
    pv__os_unmap(p, total);
    return rc;
  }
  out->data = p;
  out->bytes = nb;
  out->reserved = total;
  out->huge = false; /* advised by the caller */
  return 0;
}

/* The largest region the cache may give for nb bytes: its class (less
 * than twice nb), or any size with `any`; and less than one huge page
 * while nb is, where a vector of one huge page asks for them: such a
 * region would have to start on a huge page and be whole huge pages
 * (vec.h), which a held one need not be, and it would be advised against
 * huge pages for the size that was asked. */
static size_t region_max(unsigned flags, size_t nb, bool huge, bool any) {
  size_t max = any || nb > SIZE_MAX / 2 ? SIZE_MAX : 2 * nb - 1;
  size_t h = pv__os_caps_get()->huge_page_size;
  if (!huge && pv__store_huge_for(flags, h) && max >= h) max = h - 1;
  return max;
}

int pv__store_map_fresh(pv__store_kind kind, unsigned flags, size_t nb,
                        bool any, pv__store_region *out) {
  size_t g = pv__store_guard(flags), align = pv__store_align_for(flags, nb);
  if (nb > SIZE_MAX - g) return PV_EOVERFLOW;
  int rc;
  bool huge = pv__store_huge_for(flags, nb);
  if (kind == PV__STORE_RESERVE) {
    rc = map_reservation(nb, g, align, out);
  } else if (plain(kind, flags)) {
    size_t got = 0;
    rc = pv__store_region_map(nb, region_max(flags, nb, huge, any), align, huge,
                              &out->data, &got);
    out->bytes = got;
    out->reserved = got;
    out->huge = huge;
    return rc; /* advised by region_map */
  } else {
    rc = map_guarded(nb, g, align, &out->data);
    out->bytes = nb;
    out->reserved = nb + g;
  }
  /* Advise before any copy so that its first touch faults huge pages. */
  if (rc == 0) pv__store_advise_huge(out->data, nb, kind == PV__STORE_RESERVE ? 0 : g, flags);
  out->huge = huge;
  return rc;
}

/* A released region the cache may keep: plain, with no advice of the
 * user's on it that the flags do not describe (PV__ST_ADVISED), and not a
 * vector's that moves on every growth (PV__ST_MOVE): the cache keeps a
 * region mapped read-write for the next vector, so a stale pointer into it
 * would neither fault nor stay harmless (vec.h, PV_VEC_MOVE_ON_GROW). */
static bool cacheable(pv__store_kind kind, unsigned flags) {
  return plain(kind, flags) && !(flags & (PV__ST_ADVISED | PV__ST_MOVE));
}

int pv__store_map_free(pv__store_kind kind, unsigned flags, void *data,
                       size_t reserved, bool huge) {
  return cacheable(kind, flags) ? pv__store_region_release(data, reserved, huge)
                                : pv__os_unmap(data, reserved);
}

/* ---- growth ----------------------------------------------------------------- */

/* A fresh region of v's kind, the live elements copied into it, the old
 * region released (REMAP from nothing, RESERVE when full, COPY). */
static int move_to_fresh(pv_vec *v, size_t nb, pv__store_region *out) {
  pv__store *s = st(v);
  int rc = pv__store_map_fresh(s->kind, s->flags, nb, false, out);
  if (rc != 0) return rc;
  if (v->len != 0) memcpy(out->data, v->data, v->len * v->elem_size);
  if (s->reserved != 0) {
    rc = pv__store_map_free(s->kind, s->flags, v->data, s->reserved,
                            (s->flags & PV__ST_HUGE) != 0);
    if (rc != 0) {
      pv__store_map_free(s->kind, s->flags, out->data, out->reserved, out->huge);
      return rc;
    }
  }
  return 0;
}

/* Commit [bytes, nb) in place, inside the vector's reservation, and advise
 * the whole committed range so that it stays one mapping. */
static int commit_in_place(pv_vec *v, size_t nb, pv__store_region *out) {
  pv__store *s = st(v);
  int rc = pv__os_commit((char *)v->data + s->bytes, nb - s->bytes, PV__PROT_RW);
  if (rc != 0) return rc;
  pv__store_advise_huge(v->data, nb, 0, s->flags);
  out->data = v->data;
  out->bytes = nb;
  out->reserved = s->reserved;
  out->huge = (s->flags & PV__ST_HUGE) || pv__store_huge_for(s->flags, nb);
  return 0;
}

/* REMAP: mremap, in place when it can. */
static int grow_remap(pv_vec *v, size_t nb, pv__store_region *out) {
  pv__store *s = st(v);
  size_t align = pv__store_align_for(s->flags, nb);
  unsigned rf = (s->flags & PV__ST_MOVE) ? PV__OS_REMAP_MOVE : 0;
  /* Growing in place would keep a start that is not huge-aligned; move
   * once, when the region first asks for huge pages. */
  if (align != 0 && ((uintptr_t)v->data & (align - 1)) != 0) rf |= PV__OS_REMAP_MOVE;
  void *p;
  int rc = pv__os_remap(v->data, s->bytes, nb, align, rf, &p);
  if (rc != 0) return rc;
  /* The whole region: the first time it turns huge, its old part too. */
  pv__store_advise_huge(p, nb, 0, s->flags);
  out->data = p;
  out->bytes = nb;
  out->reserved = nb;
  out->huge = (s->flags & PV__ST_HUGE) || pv__store_huge_for(s->flags, nb);
  return 0;
}

int pv__store_map_release_stale(pv__store *s) {
  if (s->stale == NULL) return 0;
  int rc = pv__os_unmap(s->stale, pv__store_guard(s->flags));
  if (rc == 0) s->stale = NULL;
  return rc;
}

/* Release the old guard of a growth that has happened; kept in `stale`
 * (PROT_NONE, holding no memory) if the unmap fails, so that the growth
 * still succeeds (see grow_remap_guarded). */
static void drop_old_guard(pv__store *s, char *old_guard, size_t g) {
  if (pv__os_unmap(old_guard, g) != 0 && s->stale == NULL) s->stale = old_guard;
}

/* REMAP_GUARD's fallback where the new region and its guard cannot be
 * reserved beside the old one (RLIMIT_AS: that reservation costs old + new
 * at once): move the data with pv__os_remap, grown to nb plus one guard
 * more, which is charged only the growth, and make that last part the
 * guard.  The guard's place is exact by construction: it moved with the
 * data, so no other mapping can be there.  (The remap cannot grow in
 * place, the old guard being mapped right after the data, so it moves;
 * asking for no move lets the OS layer use a plain move where no
 * alignment is needed.)  Two exact ways to make the guard, so that one
 * failed call after the move still ends with a guard: first the old guard
 * travels onto the tail (pv__os_remap_fixed: no new mapping, and its old
 * place is released in the same call); if that fails, the old guard is
 * released (one mapping and g bytes fewer, what a protection change that
 * splits the mapping may need) and the tail is made PROT_NONE.  The move
 * fails with nothing changed; once it has happened the data's old address
 * is no longer ours, so the growth cannot be undone: should both ways
 * fail (two failed calls, after a move that the first of them repeats),
 * the growth still succeeds and the tail stays RW, unguarded.  Returns the
 * new start in *out. */
static int move_guarded(pv_vec *v, size_t nb, size_t g, void **out) {
  pv__store *s = st(v);
  char *old_guard = (char *)v->data + s->bytes;
  void *p;
  int rc = pv__os_remap(v->data, s->bytes, nb + g, pv__store_align_for(s->flags, nb),
                        0, &p);
  if (rc != 0) return rc;
  char *guard = (char *)p + nb;
  bool travelled = pv__os_remap_fixed(old_guard, g, guard, g) == 0;
  (void)pv__store_map_release_stale(s); /* kept in stale if it fails again */
  if (!travelled) {
    drop_old_guard(s, old_guard, g);
    (void)pv__os_protect(guard, g, PV_PROT_NONE); /* the last way: see above */
  }
  *out = p;
  return 0;
}

/* REMAP_GUARD: the data cannot grow in place (its guard is in the way), so
 * reserve the new region with its guard (PROT_NONE), move the data onto its
 * start, growing it on the way, and release the old guard.  (The old guard
 * cannot travel with the data: after a first move the data mapping and the
 * guard are two kernel mappings that never merge back, and mremap moves
 * one mapping.)  When that reservation or the move onto it is refused for
 * want of room (PV_ENOMEM: under RLIMIT_AS the move is charged its growth
 * on top of the reservation it replaces), move_guarded moves without one.
 * Once the data has moved the growth has happened and cannot be undone
 * safely (its old address is no longer ours), so if releasing the old
 * guard fails the growth still succeeds and the page, PROT_NONE and
 * holding no memory, is kept in `stale` and released by the next guarded
 * growth or by destroy.  Both
 * releases happen only after the growth succeeded, so a growth that fails
 * changes nothing, not even `stale`.  (Should the stale page and the old
 * guard both fail to go in one growth, which takes two failed munmaps of
 * whole single-page mappings, this growth's old guard stays mapped until
 * the process exits.) */
static int grow_remap_guarded(pv_vec *v, size_t nb, pv__store_region *out) {
  pv__store *s = st(v);
  size_t g = pv__store_guard(s->flags);
  if (nb > SIZE_MAX - g) return PV_EOVERFLOW;
  char *old_guard = (char *)v->data + s->bytes;
  void *dest;
  int rc = pv__os_map(nb + g, pv__store_align_for(s->flags, nb), PV_PROT_NONE, &dest);
  if (rc == 0) {
    rc = pv__os_remap_fixed(v->data, s->bytes, dest, nb);
    if (rc != 0) {
      pv__os_unmap(dest, nb + g);
    } else {
      (void)pv__store_map_release_stale(s); /* kept in stale if it fails again */
      drop_old_guard(s, old_guard, g);
    }
  }
  if (rc == PV_ENOMEM) rc = move_guarded(v, nb, g, &dest);
  if (rc != 0) return rc;
  pv__store_advise_huge(dest, nb, g, s->flags);
  out->data = dest;
  out->bytes = nb;
  out->reserved = nb + g;
  out->huge = (s->flags & PV__ST_HUGE) || pv__store_huge_for(s->flags, nb);
  return 0;
}

int pv__store_map_grow(pv_vec *v, size_t nb, pv__store_region *out) {
  pv__store *s = st(v);
  size_t g = pv__store_guard(s->flags);
  switch (s->kind) {
  case PV__STORE_STABLE:
    return commit_in_place(v, nb, out);
  case PV__STORE_RESERVE:
    /* In place while the reservation has room for nb bytes and the guard
     * (its next, still PROT_NONE page); PV__ST_MOVE always copies. */
    if (s->reserved != 0 && !(s->flags & PV__ST_MOVE) && nb <= SIZE_MAX - g &&
        nb + g <= s->reserved)
      return commit_in_place(v, nb, out);
    return move_to_fresh(v, nb, out);
  case PV__STORE_REMAP:
    return s->bytes == 0 ? move_to_fresh(v, nb, out) : grow_remap(v, nb, out);
  case PV__STORE_REMAP_GUARD:
    return s->bytes == 0 ? move_to_fresh(v, nb, out) : grow_remap_guarded(v, nb, out);
  case PV__STORE_COPY:
    return move_to_fresh(v, nb, out);
  case PV__STORE_SMALL:
  case PV__STORE_FILE:
  case PV__STORE_FILE_STABLE:
    break;
  }
  return PV_EINVAL; /* SMALL grows in store_small.c, FILE in store_file.c */
}

/* ---- shrink, STABLE --------------------------------------------------------- */

int pv__store_map_shrink(pv_vec *v, size_t nb, pv__store_region *out) {
  pv__store *s = st(v);
  size_t cut = s->bytes - nb;
  char *d = v->data;
  int rc;
  out->data = d;
  out->bytes = nb;
  out->reserved = s->reserved;
  out->huge = (s->flags & PV__ST_HUGE) != 0;
  if (s->kind == PV__STORE_STABLE || (s->kind == PV__STORE_RESERVE && nb != 0)) {
    /* Back to reserved: memory and commit charge go, the address stays
     * (and so does the PROT_NONE guard right after the new end). */
    return pv__os_uncommit(d + nb, cut);
  }
  if (nb == 0) {
    rc = pv__store_map_free(s->kind, s->flags, d, s->reserved, out->huge);
    if (rc != 0) return rc;
    out->data = NULL;
    out->reserved = 0;
    out->huge = false;
    return 0;
  }
  size_t g = pv__store_guard(s->flags);
  /* With a guard, the first page past the new end becomes the guard and
   * everything after it (rest of the data and the old guard) goes.  The new
   * guard is made by a protection change, not by uncommitting (which maps a
   * fresh page): that keeps it part of the data's own kernel mapping, so
   * undoing it merges the two again and the data stays one mapping that
   * mremap can move. */
  if (g != 0 && (rc = pv__os_protect(d + nb, g, PV_PROT_NONE)) != 0) return rc;
  rc = pv__os_release_tail(d + nb + g, cut);
  if (rc != 0) {
    if (g != 0) pv__os_protect(d + nb, g, PV__PROT_RW);
    return rc;
  }
  /* Where the tail is only decommitted (Windows), the address space stays
   * ours until the whole reservation is released. */
  if (caps()->partial_release) out->reserved = nb + g;
  return 0;
}

int pv__store_map_stable(unsigned flags, size_t max_len, size_t elem_size,
                         pv__store_region *out) {
  size_t limit, g = pv__store_guard(flags);
  if (max_len > SIZE_MAX / elem_size) return PV_EOVERFLOW;
  if (!pv__round_up(max_len * elem_size, caps()->page_size, &limit) ||
      limit > SIZE_MAX - g)
    return PV_EOVERFLOW;
  void *base;
  int rc = pv__os_map(limit + g, pv__store_align_for(flags, limit), PV_PROT_NONE,
                      &base);
  if (rc != 0) return rc;
  out->data = base;
  out->bytes = 0;
  out->reserved = limit + g;
  out->huge = false;
  return 0;
}

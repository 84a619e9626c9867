/*
 * lib/store.c - the storage layer's dispatch and common rules (lib/store.h):
 * deciding at init how a vector is held, planning growth, adopting a new
 * region (the one writer of cap and pv_room), shrink, trim, freeze, advise,
 * resident and release.  The work on mappings is in store_map.c, the
 * small (malloc) phase in store_small.c; here each operation dispatches on
 * the kind decided at init (or by the move into pages).
 *
 * ASan builds (lib/asan.h): bytes [len * elem_size, bytes held) are
 * poisoned and the rest of what the vector holds is not.  pv__store_set_len
 * (store.h) keeps that in step with len; growth and shrinking unpoison what
 * they may move or release first and poison the new tail after (or the old
 * one again on failure).  Guard and reserved pages are never poisoned, so
 * an overrun there still faults.
 *
 * Failure rule: every operation does its fallible calls before it touches
 * the struct, and undoes earlier calls when a later one fails, so that on
 * any error the vector and its bytes are exactly as before.  Usage hints
 * (huge-page advice) are not part of that rule: a refused hint leaves a
 * correct, slightly slower vector, so it is ignored rather than undone.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "store.h"

static const pv__os_caps *caps(void) { return pv__os_caps_get(); }

static pv__store *st(const pv_vec *v) { return v->pv_store; }

size_t pv__store_guard(unsigned flags) {
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
bool pv__store_huge_for(unsigned flags, size_t bytes) {
  return huge_allowed(flags) &&
         (bytes >= caps()->huge_page_size || (flags & PV_VEC_HUGE));
}

/* Alignment for a new region of `bytes`: huge pages only back ranges that
 * are huge-page aligned, so a huge region starts on a huge page. */
size_t pv__store_align_for(unsigned flags, size_t bytes) {
  return pv__store_huge_for(flags, bytes) ? caps()->huge_page_size : 0;
}

/* Ask for huge pages on a region of `bytes` followed by `guard` bytes.
 * The guard gets the same advice so that its flags match the data's: the
 * guarded growth needs data and guard to merge into one mapping.  The hint
 * is best effort (see the file comment). */
void pv__store_advise_huge(void *addr, size_t bytes, size_t guard, unsigned flags) {
  if (bytes != 0 && pv__store_huge_for(flags, bytes))
    (void)pv__os_advise(addr, bytes + guard, PV_ADVISE_HUGEPAGE);
}

/* Round a byte count to the vector's granule: pages, and whole huge pages
 * once the region asks for them (a partial huge page is never huge). */
int pv__store_round(unsigned flags, size_t bytes, size_t *out) {
  size_t r;
  if (!pv__round_up(bytes, caps()->page_size, &r)) return PV_EOVERFLOW;
  if (pv__store_huge_for(flags, r) && !pv__round_up(r, caps()->huge_page_size, &r))
    return PV_EOVERFLOW;
  *out = r;
  return 0;
}

/* pv_room mirrors cap while the vector is writable, so that the inline
 * push needs one compare, not a frozen test.  Its only writer. */
static void sync_room(pv_vec *v) { v->pv_room = pv__store_frozen(v) ? 0 : v->cap; }

/* The one place a vector in pages takes a (new or resized) region: data,
 * the bytes held and cap follow it (a SMALL vector's block:
 * pv__store_adopt_small in store.h). */
void pv__store_adopt(pv_vec *v, const pv__store_region *r) {
  pv__store *s = st(v);
  size_t c = r->bytes / v->elem_size;
  v->data = r->data;
  s->bytes = r->bytes;
  s->reserved = r->reserved;
  s->flags = r->huge ? (s->flags | PV__ST_HUGE) : (s->flags & ~PV__ST_HUGE);
  if ((s->kind == PV__STORE_STABLE || s->kind == PV__STORE_FILE_STABLE) &&
      c > s->max_len)
    c = s->max_len;
  v->cap = c;
  sync_room(v);
}

int pv__store_block_new(pv__store_kind kind, unsigned flags, pv__store **out) {
  int rc = pv__os_fault_hit(); /* the sweeps fail this malloc too */
  if (rc != 0) return rc;
  pv__store *s = malloc(sizeof *s);
  if (s == NULL) return PV_ENOMEM;
  memset(s, 0, sizeof *s);
  s->kind = kind;
  s->next = kind;
  s->flags = flags;
  *out = s;
  return 0;
}

void pv__store_block_free(pv__store *s) { free(s); }

/* ---- init and release ------------------------------------------------------ */

/* The kind of pages a vector of this mode and flags lives in. */
static pv__store_kind page_kind(pv_grow grow, unsigned flags) {
  if (grow == PV_GROW_STABLE) return PV__STORE_STABLE;
  if (grow == PV_GROW_COPY) return PV__STORE_COPY;
  if (!caps()->can_remap) return PV__STORE_RESERVE;
  return (flags & PV_VEC_GUARD) ? PV__STORE_REMAP_GUARD : PV__STORE_REMAP;
}

/* The kind of pages a vector of these options lives in, and in *flags
 * its flags with the state bits init adds (PV__ST_MOVE). */
static pv__store_kind init_kind(const pv_vec_opts *o, unsigned *flags) {
  /* REMAP everywhere: without mremap it commits in place inside a
   * reservation and copies when that is full (RESERVE). */
  pv_grow grow = o->grow == PV_GROW_DEFAULT ? PV_GROW_REMAP : o->grow;
  *flags = o->flags;
  if (grow != PV_GROW_STABLE && ((*flags & PV_VEC_MOVE_ON_GROW) || debug_move()))
    *flags |= PV__ST_MOVE;
  return page_kind(grow, *flags);
}

/* NULL until the first default vector (and while PV_DEBUG_MOVE puts
 * default vectors in pages); store.h's pv__store_small_for reads it. */
_Atomic(pv__store *) pv__store_dflt;

pv__store *pv__store_small_find(const pv_vec_opts *o) {
  /* The answer for pv_vec_init's options (the default mode, no flags)
   * depends only on the process (the caps, PV_DEBUG_MOVE): kept after the
   * first call.  Relaxed: it points to a constant descriptor, and racing
   * first callers store the same pointer. */
  bool is_default = o->grow == PV_GROW_DEFAULT && o->flags == 0;
  unsigned flags;
  pv__store_kind kind = init_kind(o, &flags);
  if (kind == PV__STORE_STABLE ||
      (flags & (PV_VEC_GUARD | PV_VEC_HUGE | PV_VEC_PAGES | PV__ST_MOVE)))
    return NULL;
  pv__store *d = pv__store_small_desc(kind, flags);
  if (is_default) atomic_store_explicit(&pv__store_dflt, d, memory_order_relaxed);
  return d;
}

int pv__store_init(pv_vec *n, const pv_vec_opts *o) {
  unsigned flags;
  pv__store_kind kind = init_kind(o, &flags);
  int rc = 0;
  /* The small phase: no allocation until the first growth. */
  n->pv_store = pv__store_small_for(o);
  if (n->pv_store == NULL) {
    pv__store *s;
    rc = pv__store_block_new(kind, flags, &s);
    if (rc != 0) return rc;
    n->pv_store = s;
  }
  if (kind == PV__STORE_STABLE) {
    pv__store *s = n->pv_store;
    pv__store_region r;
    s->max_len = o->max_len;
    rc = pv__store_map_stable(flags, o->max_len, n->elem_size, &r);
    if (rc != 0) {
      pv__store_block_free(s);
      return rc;
    }
    pv__store_adopt(n, &r);
  }
  if (o->initial_cap > n->cap) {
    rc = pv__store_grow(n, o->initial_cap, true);
    /* Nothing was given to the caller yet: release what init made.  (A
     * failing release here leaks a reservation rather than report a
     * second error.) */
    if (rc != 0) (void)pv__store_release(n);
  }
  return rc;
}

/* The release of a vector in pages, out of line so that the SMALL case
 * saves no registers it does not use. */
static PV__NOINLINE int release_pages(pv_vec *v);

int pv__store_release(pv_vec *v) {
  pv__store *s = st(v);
  if (s != NULL && s->kind == PV__STORE_SMALL) {
    pv__store_unpoison_tail(v);
    pv__store_small_free(v);
    memset(v, 0, sizeof *v);
    return 0;
  }
  return release_pages(v);
}

static int release_pages(pv_vec *v) {
  pv__store *s = st(v);
  if (pv__store_is_file(v)) {
    /* Closing either fails with v unchanged or releases everything, even
     * when the file's close reports an error (store_file.c). */
    pv__store_unpoison_tail(v);
    int rc = pv__store_file_close(v);
    if (v->pv_store != NULL) {
      pv__store_poison_tail(v);
      return rc;
    }
    memset(v, 0, sizeof *v);
    return rc;
  }
  if (s != NULL) {
    int rc = pv__store_map_release_stale(s);
    if (rc != 0) return rc;
    if (s->reserved != 0) {
      /* munmap ignores protections, so a frozen vector goes too. */
      pv__store_unpoison_tail(v);
      rc = pv__store_map_free(s->kind, s->flags, v->data, s->reserved,
                              (s->flags & PV__ST_HUGE) != 0);
      if (rc != 0) {
        pv__store_poison_tail(v);
        return rc;
      }
    }
    pv__store_block_free(s);
  }
  memset(v, 0, sizeof *v);
  return 0;
}

/* ---- capacity -------------------------------------------------------------- */

/* Bytes for a capacity of at least `need` elements (need * elem_size fits);
 * geometric growth also asks for PV__STORE_GROWTH times the current size.
 * The result is always larger than the bytes held when need > cap. */
static int plan_bytes(const pv_vec *v, size_t need, bool geometric, size_t *out) {
  const pv__store *s = st(v);
  size_t cur = pv__store_bytes(v), target;
  int rc = pv__store_round(s->flags, need * v->elem_size, &target);
  if (rc != 0) return rc;
  if (geometric && cur <= SIZE_MAX / PV__STORE_GROWTH) {
    size_t g;
    /* If rounding the doubled size overflows, the exact size still fits. */
    if (pv__store_round(s->flags, cur * PV__STORE_GROWTH, &g) == 0 && g > target)
      target = g;
  }
  if (s->kind == PV__STORE_STABLE) {
    /* Never past the reservation; need <= max_len keeps the exact size in. */
    size_t limit = s->reserved - pv__store_guard(s->flags);
    if (target > limit) target = limit;
  }
  *out = target;
  return 0;
}

/* Move a SMALL vector into pages of nb bytes (0: none yet) and adopt them,
 * with `state` bits added; v unchanged on failure.  `protect` (a PV_PROT_*
 * value, or PV__PROT_RW for none) is applied to the new pages before they
 * are adopted.
 *
 * `any` (a geometric growth): take the smallest region the cache holds of
 * at least nb bytes, however much larger, and all of it as capacity.  A
 * vector that crosses the threshold is growing, and the region an earlier
 * vector left (the size it reached) is memory already faulted in: taking
 * it saves the fresh pages of every growth to come.  In the paired
 * build-and-free loop of 10^6 u64 (bench_pair.c, glibc process, 7
 * rounds), each vector faulted 8 MiB of fresh huge pages (87% of its time
 * in the kernel's clear_page): the region it moved into at 2 MiB was new,
 * the 8 MiB one in the cache being outside its class.  Exact growth and
 * freeze keep the class bound (less than twice nb). */
static int small_to_pages(pv_vec *v, size_t nb, bool any, unsigned state,
                          unsigned protect) {
  pv__store_move m;
  int rc = pv__store_small_prepare(v, nb, any, &m);
  if (rc != 0) return rc;
  if (protect != PV__PROT_RW && m.region.bytes != 0) {
    rc = pv__os_protect(m.region.data, m.region.bytes, protect);
    if (rc != 0) {
      pv__store_small_abort(&m);
      return rc;
    }
  }
  m.block->flags |= state;
  pv__store_small_commit(v, &m);
  return 0;
}

/* pv__store_grow (store.h) past the small growth: the growth into pages,
 * or of a vector in pages. */
int pv__store_grow_pages(pv_vec *v, size_t need, bool exact) {
  pv__store *s = st(v);
  int rc;
  size_t need_bytes;
  if ((s->kind == PV__STORE_STABLE || s->kind == PV__STORE_FILE_STABLE) &&
      need > s->max_len)
    return PV_ENOSPC;
  if (!pv__store_mul(need, v->elem_size, &need_bytes)) return PV_EOVERFLOW;
  size_t nb = 0;
  /* A file vector plans its own bytes (store_file.c). */
  rc = pv__store_is_file(v) ? 0 : plan_bytes(v, need, !exact, &nb);
  if (rc != 0) return rc;
  pv__store_unpoison_tail(v);
  if (pv__store_is_file(v)) {
    rc = pv__store_file_grow(v, need, exact);
  } else if (s->kind == PV__STORE_SMALL) {
    rc = small_to_pages(v, nb, !exact, 0, PV__PROT_RW);
  } else {
    pv__store_region r;
    rc = pv__store_map_grow(v, nb, &r);
    if (rc == 0) pv__store_adopt(v, &r);
  }
  pv__store_poison_tail(v);
  return rc;
}

/* Bytes of the granules holding keep (<= cap) elements: whole pages, and
 * whole huge pages while the vector asks for them (vec.h). */
static size_t used_bytes(const pv_vec *v, size_t keep) {
  /* keep * elem_size <= the bytes held, a page multiple: the page rounding
   * cannot overflow, and the bytes held are the answer if rounding to huge
   * pages would. */
  size_t r = pv__store_bytes(v);
  (void)pv__store_round(st(v)->flags, keep * v->elem_size, &r);
  return r;
}

int pv__store_shrink(pv_vec *v, size_t keep) {
  if (keep < v->len) keep = v->len;
  if (keep > v->cap) keep = v->cap;
  if (st(v)->kind == PV__STORE_SMALL || pv__store_is_file(v)) {
    pv__store_unpoison_tail(v);
    int rc = pv__store_is_file(v) ? pv__store_file_shrink(v, keep)
                                  : pv__store_small_shrink(v, keep);
    pv__store_poison_tail(v);
    return rc;
  }
  size_t nb = used_bytes(v, keep), held = pv__store_bytes(v);
  if (nb >= held) return 0;
  /* The cut pages are released or become the guard: no poison on them
   * (back on them if the shrink fails). */
  char *cut = (char *)v->data + nb;
  pv__asan_unpoison(cut, held - nb);
  pv__store_region r;
  int rc = pv__store_map_shrink(v, nb, &r);
  if (rc != 0) {
    pv__asan_poison(cut, held - nb);
    return rc;
  }
  pv__store_adopt(v, &r);
  return 0;
}

int pv__store_trim(pv_vec *v) {
  /* A malloc'd block has no pages of its own to give back; a file
   * vector's capacity is file space, which shrink gives back (the page
   * cache, not the process, holds its pages: file.h). */
  if (st(v)->kind == PV__STORE_SMALL || pv__store_is_file(v)) return 0;
  size_t held = pv__store_bytes(v), start = held;
  /* len * elem_size <= held, a page multiple: cannot overflow. */
  (void)pv__round_up(v->len * v->elem_size, caps()->page_size, &start);
  if (start >= held) return 0;
  return pv__os_decommit((char *)v->data + start, held - start);
}

/* ---- protection, advice, measure ------------------------------------------ */

int pv__store_freeze(pv_vec *v) {
  pv__store *s = st(v);
  if (s->flags & PV__ST_FROZEN) return 0;
  if (s->kind == PV__STORE_SMALL) {
    /* Into read-only pages of the same capacity first, so that a raw
     * write faults as it does for any frozen vector. */
    size_t nb = 0;
    int rc = pv__store_round(s->flags, v->cap * v->elem_size, &nb);
    if (rc != 0) return rc;
    pv__store_unpoison_tail(v);
    rc = small_to_pages(v, nb, false, PV__ST_FROZEN, PV_PROT_READ);
    pv__store_poison_tail(v);
    return rc;
  }
  if (pv__store_is_file(v)) {
    int rc = pv__store_file_protect(v, PV_PROT_READ);
    if (rc != 0) return rc;
  } else if (s->bytes != 0) {
    int rc = pv__os_protect(v->data, s->bytes, PV_PROT_READ);
    if (rc != 0) return rc;
  }
  s->flags |= PV__ST_FROZEN;
  sync_room(v);
  return 0;
}

int pv__store_thaw(pv_vec *v) {
  pv__store *s = st(v);
  if (!(s->flags & PV__ST_FROZEN)) return 0;
  if (pv__store_is_file(v)) {
    int rc = pv__store_file_protect(v, PV__PROT_RW);
    if (rc != 0) return rc;
  } else if (s->bytes != 0) {
    int rc = pv__os_protect(v->data, s->bytes, PV__PROT_RW);
    if (rc != 0) return rc;
  }
  s->flags &= ~PV__ST_FROZEN;
  sync_room(v);
  return 0;
}

/* Advice that stays on the pages after the call (the kernel keeps it in
 * the mapping), as opposed to a one-time action (WILLNEED, PAGEOUT). */
static bool advice_stays(pv_advice advice) {
  return advice == PV_ADVISE_SEQUENTIAL || advice == PV_ADVISE_RANDOM ||
         advice == PV_ADVISE_HUGEPAGE || advice == PV_ADVISE_NOHUGEPAGE;
}

int pv__store_advise(pv_vec *v, pv_advice advice) {
  if (pv__store_is_file(v)) return pv__store_file_advise(v, advice);
  size_t b = pv__store_bytes(v);
  /* A malloc'd block shares its pages with other objects: no advice. */
  if (b == 0 || st(v)->kind == PV__STORE_SMALL) return 0;
  int rc = pv__os_advise(v->data, b, advice);
  /* The region cache knows a region's advice only from the flags: one
   * that got other advice would take it to the next vector. */
  if (rc == 0 && advice_stays(advice)) st(v)->flags |= PV__ST_ADVISED;
  return rc;
}

int pv__store_resident(const pv_vec *v, size_t *bytes) {
  if (!caps()->can_resident) return PV_ENOTSUP;
  if (pv__store_is_file(v)) return pv__store_file_resident(v, bytes);
  size_t b = pv__store_bytes(v);
  /* A malloc'd block is not pages of its own that the kernel can be asked
   * about: its size is what it can hold in RAM at most (vec.h). */
  if (b == 0 || st(v)->kind == PV__STORE_SMALL) {
    *bytes = b;
    return 0;
  }
  return pv__os_resident(v->data, b, bytes);
}

pv__store_info pv__store_inspect(const pv_vec *v) {
  pv__store_info i;
  memset(&i, 0, sizeof i);
  const pv__store *s = v != NULL ? st(v) : NULL;
  if (s == NULL) return i;
  i.kind = s->kind;
  i.flags = s->flags;
  i.bytes = pv__store_bytes(v);
  if (s->kind != PV__STORE_SMALL) {
    i.reserved = s->reserved;
    i.max_len = s->max_len;
    i.stale = s->stale;
  }
  return i;
}

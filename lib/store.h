/*
 * lib/store.h - the storage layer of the container, private: how a
 * vector's bytes are held, grown, shrunk, frozen, trimmed, advised,
 * populated, measured and released (lib/store.c, store_map.c,
 * store_small.c, store_populate.c).
 *
 * Arrows run one way: vec.c (element operations, no OS call) -> this
 * header -> os.h.  The storage layer never calls an element operation.
 *
 * How a vector is held is one value, v->pv_store->kind, decided at init
 * and when the vector changes phase (the small phase moving into pages),
 * never re-derived from the options and the capabilities on each call:
 *
 *   SMALL        malloc'd block of exactly cap * elem_size bytes (none
 *                while cap is 0); pv_store points to a constant descriptor
 *                shared by every small vector of that configuration, whose
 *                `next` is the kind it becomes in pages.  It moves into
 *                pages (one copy of len elements) when its capacity would
 *                reach pv__store_small_max() bytes, or on freeze.
 *   REMAP        its own mapping, grown by mremap (no copy).
 *   REMAP_GUARD  REMAP with a PROT_NONE guard page after the data: every
 *                growth moves the data (the guard is in the way).
 *   RESERVE      REMAP where the kernel cannot remap: a reservation larger
 *                than the committed bytes, committed in place while it
 *                lasts, copied into a larger one when full.
 *   STABLE       one reservation of max_len elements, committed in place;
 *                never moves.
 *   COPY         its own mapping; growth maps a new one, copies, unmaps.
 *   FILE         a file mapped shared from offset 0 (store_file.c): data
 *                is the mapping + the header's size; growth extends the
 *                file, then the mapping (mremap, or a fresh mapping of the
 *                file: no byte is copied either way).
 *   FILE_STABLE  FILE inside one reservation of max_len elements; the file
 *                is mapped over more of it as it grows; never moves.
 * Every kind but SMALL has its own malloc'd pv__store block (allocated at
 * init, or by the move into pages); a zeroed pv_vec (pv_store NULL,
 * elem_size 0) is a destroyed vector.
 *
 * Memory layout of a vector in pages:
 *
 *   data                           data + bytes
 *   |<------- committed RW ------->|<- guard ->|<-- reserved (RESERVE,
 *   |<------------------------------ reserved ---------------------->|  STABLE)
 *
 * State both halves need has one writer here: cap and pv_room (adopt in
 * store.c, and pv__store_adopt_small below for the small block), the frozen bit, and the ASan poison of the tail
 * [len * elem_size, bytes), which pv__store_set_len keeps in step with len.
 */
#ifndef PV_LIB_STORE_H
#define PV_LIB_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "asan.h"
#include "paged_vec/vec.h"

/* Out of line on purpose: the rare half of a function split so that its
 * common case saves no registers it does not use (store.c). */
#if defined(__GNUC__) || defined(__clang__)
#  define PV__NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#  define PV__NOINLINE __declspec(noinline)
#else
#  define PV__NOINLINE
#endif

typedef enum pv__store_kind {
  PV__STORE_SMALL,
  PV__STORE_REMAP,
  PV__STORE_REMAP_GUARD,
  PV__STORE_RESERVE,
  PV__STORE_STABLE,
  PV__STORE_COPY,
  PV__STORE_FILE,
  PV__STORE_FILE_STABLE
} pv__store_kind;

/* Geometric growth (small and in pages): each growth at least doubles the bytes held, so n
 * pushes cost O(n) in total and at most half the capacity is unused.
 * With mremap a larger factor buys nothing (no bytes are copied), and 2
 * keeps the worst-case over-commit of a huge vector at 2x. */
#define PV__STORE_GROWTH 2

/* State bits kept in pv__store.flags above the public PV_VEC_* flags. */
#define PV__ST_FROZEN (1u << 16) /* data pages are read-only */
#define PV__ST_MOVE (1u << 17)   /* every growth moves (flag or PV_DEBUG_MOVE) */
#define PV__ST_HUGE (1u << 18)   /* the region was advised HUGEPAGE (the advice
                                    stays on it through remap and shrink) */
#define PV__ST_RDONLY (1u << 19) /* FILE kinds: mapped read-only for good
                                    (PV_OPEN_READONLY; frozen, never thawed) */
#define PV__ST_ADVISED (1u << 20) /* pv_vec_advise left advice on the region
                                     that the flags do not describe: it is
                                     unmapped, never cached (store_map.c) */

/* How one vector is held (see the file comment). */
struct pv__store {
  pv__store_kind kind;
  pv__store_kind next; /* SMALL: the kind it becomes in pages; else kind */
  unsigned flags;      /* PV_VEC_* flags and PV__ST_* state bits */
  size_t bytes;        /* committed bytes from data, a page multiple */
  size_t reserved;     /* address space from data to release */
  size_t max_len;      /* STABLE: the most elements it can hold */
  void *stale;         /* REMAP_GUARD: a guard page an earlier growth could
                          not release; released by the next growth/destroy */
};
typedef struct pv__store pv__store;

/* ---- the interface vec.c uses --------------------------------------------
 * v is an initialised vector unless said otherwise; every function that can
 * fail leaves *v and its bytes exactly as they were on failure. */

/* Fill *n (zeroed, elem_size set, opts already validated by vec.c) with the
 * storage that opts ask for, including opts->initial_cap.  Returns 0,
 * PV_EOVERFLOW, PV_ENOMEM; on failure nothing is held. */
int pv__store_init(pv_vec *n, const pv_vec_opts *opts);

/* The descriptor of the small phase a vector of these options (validated)
 * starts in, or NULL when it starts in pages.  pv__store_init's decision;
 * vec.c's pv_vec_init takes it directly when no initial_cap is asked.
 * Inline for the default options, whose answer store.c keeps in
 * pv__store_dflt after the first call (it depends only on the process:
 * the caps, PV_DEBUG_MOVE); pv__store_small_find decides the rest. */
extern _Atomic(pv__store *) pv__store_dflt;
pv__store *pv__store_small_find(const pv_vec_opts *opts);
static inline pv__store *pv__store_small_for(const pv_vec_opts *opts) {
  if (opts->grow == PV_GROW_DEFAULT && opts->flags == 0) {
    /* Relaxed: it points to a constant descriptor. */
    pv__store *d = atomic_load_explicit(&pv__store_dflt, memory_order_relaxed);
    if (d != NULL) return d;
  }
  return pv__store_small_find(opts);
}

/* Release everything v holds and zero *v.  Returns 0 or the code of the
 * failed release (then *v is unchanged). */
int pv__store_release(pv_vec *v);


/* Lower the capacity to what max(len, keep) elements need (see vec.h:
 * pv_vec_shrink_to_fit is keep 0, pv_vec_shrink_to keep = min_cap); a
 * capacity already at or below that is left alone.  0 or PV_ENOMEM. */
int pv__store_shrink(pv_vec *v, size_t keep);

/* Return the physical memory of the whole pages past len (vec.h). */
int pv__store_trim(pv_vec *v);

/* Freeze (a SMALL vector first moves into pages) / thaw. */
int pv__store_freeze(pv_vec *v);
int pv__store_thaw(pv_vec *v);

/* pv_vec_advise / pv_vec_resident over the vector's own pages. */
int pv__store_advise(pv_vec *v, pv_advice advice);
int pv__store_resident(const pv_vec *v, size_t *bytes);

/* pv_vec_populate (store_populate.c): fault in the committed pages past
 * len with up to `threads` threads (0: the online CPUs); v not frozen.
 * 0 (also where there is nothing to do: SMALL, nothing past len) or
 * PV_ENOMEM; on failure the bytes, len and cap are as they were (pages
 * faulted in before it stay in RAM). */
int pv__store_populate(pv_vec *v, unsigned threads);


/* The vector is frozen (false for a destroyed one).  Inline: every mutator
 * asks. */
static inline bool pv__store_frozen(const pv_vec *v) {
  return v->pv_store != NULL && (v->pv_store->flags & PV__ST_FROZEN) != 0;
}

/* The entry check of every mutator (vec.c, vec_io.c): PV_EINVAL for NULL
 * or a destroyed vector, PV_EACCES for a frozen one, else 0. */
static inline int pv__store_check_mut(const pv_vec *v) {
  if (v == NULL || v->elem_size == 0) return PV_EINVAL;
  if (pv__store_frozen(v)) return PV_EACCES;
  return 0;
}

/* Bytes the vector holds from data: its committed pages, or its small
 * block, which is exactly cap elements (0 for a destroyed vector). */
static inline size_t pv__store_bytes(const pv_vec *v) {
  const pv__store *s = v->pv_store;
  if (s == NULL) return 0;
  return s->kind == PV__STORE_SMALL ? v->cap * v->elem_size : s->bytes;
}

/* Set len to n (n <= cap) and keep the ASan poison of the tail in step:
 * slots added are unpoisoned (call it before writing them), slots dropped
 * are poisoned (call it after reading them). */
static inline void pv__store_set_len(pv_vec *v, size_t n) {
  char *d = (char *)v->data;
  if (n > v->len)
    pv__asan_unpoison(d + v->len * v->elem_size, (n - v->len) * v->elem_size);
  else if (n < v->len)
    pv__asan_poison(d + n * v->elem_size, (v->len - n) * v->elem_size);
  v->len = n;
}

/* The ASan poison of the tail [len * elem_size, bytes held): put on after
 * a growth or shrink, taken off before one (it may move or release those
 * bytes).  Inline, and the runtime tested first, so that without ASan
 * they are one test of a weak symbol. */
static inline void pv__store_poison_tail(const pv_vec *v) {
  if (!pv__asan_active()) return;
  size_t b = pv__store_bytes(v);
  if (b != 0)
    pv__asan_poison((char *)v->data + v->len * v->elem_size,
                    b - v->len * v->elem_size);
}
static inline void pv__store_unpoison_tail(const pv_vec *v) {
  if (!pv__asan_active()) return;
  size_t b = pv__store_bytes(v);
  if (b != 0)
    pv__asan_unpoison((char *)v->data + v->len * v->elem_size,
                      b - v->len * v->elem_size);
}

/* Make cap >= need (need > cap), geometrically unless exact.  Returns 0,
 * PV_ENOSPC (STABLE past max_len), PV_EOVERFLOW, PV_ENOMEM.  Inline: its
 * common case, a small vector staying small, is one call from vec.c to
 * pv__store_small_grow; the rest is pv__store_grow_pages (store.c).  The
 * growth may move or release the old bytes: their poison goes first and
 * comes back on the tail that results (the old one on failure). */
int pv__store_grow_pages(pv_vec *v, size_t need, bool exact);
/* store_small.c: grow a SMALL vector that stays small to the next capacity
 * for need > cap elements (geometric unless exact, at least the first
 * capacity: realloc).  0, PV_ENOMEM (v unchanged), or PV__STORE_SMALL_FULL
 * when that capacity would reach the threshold (or overflow): then nothing
 * was done and the vector moves into pages instead. */
#define PV__STORE_SMALL_FULL 1
int pv__store_small_grow(pv_vec *v, size_t need, bool exact);
static inline int pv__store_grow(pv_vec *v, size_t need, bool exact) {
  if (v->pv_store->kind == PV__STORE_SMALL) {
    pv__store_unpoison_tail(v);
    int rc = pv__store_small_grow(v, need, exact);
    pv__store_poison_tail(v);
    if (rc != PV__STORE_SMALL_FULL) return rc;
  }
  return pv__store_grow_pages(v, need, exact);
}

/* The vector lives in a file (store_file.c). */
static inline bool pv__store_is_file(const pv_vec *v) {
  const pv__store *s = v->pv_store;
  return s != NULL && (s->kind == PV__STORE_FILE || s->kind == PV__STORE_FILE_STABLE);
}

/* Open the file vector *n (zeroed; o and path checked by vec.c).  Returns
 * what pv_vec_open documents; on failure nothing is held. */
struct pv_vec_file_opts;
int pv__store_file_open(pv_vec *n, const char *path, const struct pv_vec_file_opts *o);

/* pv_vec_sync on a file vector (wait: PV_SYNC_WAIT). */
int pv__store_file_sync(pv_vec *v, bool wait);

/* For tests: a copy of the private state (all zero for a destroyed
 * vector), to compare before and after a failed call. */
typedef struct pv__store_info {
  pv__store_kind kind;
  unsigned flags;
  size_t bytes;    /* pv__store_bytes */
  size_t reserved; /* address space held (0 for SMALL) */
  size_t max_len;
  void *stale;
} pv__store_info;
pv__store_info pv__store_inspect(const pv_vec *v);

/* The small-phase threshold in bytes (store_small.c). */
size_t pv__store_small_max(void);

/* a * b in *out, false when it would overflow size_t.  Operands below
 * half the width of size_t (every small vector) skip the division. */
static inline bool pv__store_mul(size_t a, size_t b, size_t *out) {
  const size_t half = (size_t)1 << (sizeof(size_t) * 4);
  if ((a | b) >= half && a != 0 && b > SIZE_MAX / a) return false;
  *out = a * b;
  return true;
}

/* ---- inside the storage layer --------------------------------------------- */

/* A SMALL vector takes a (new or resized) block of cap elements: the
 * small phase's adopt (store.c's pv__store_adopt is that of the page
 * kinds), with no division by elem_size.  A SMALL vector is never frozen
 * (freeze moves it into pages), so pv_room is cap. */
static inline void pv__store_adopt_small(pv_vec *v, void *data, size_t cap) {
  v->data = data;
  v->cap = cap;
  v->pv_room = cap;
}

/* A new region for a vector: where it starts, the bytes committed from
 * there and the address space to release with it. */
typedef struct pv__store_region {
  void *data;
  size_t bytes;
  size_t reserved;
  bool huge; /* advised HUGEPAGE (PV__ST_HUGE once adopted) */
} pv__store_region;

/* store.c */
size_t pv__store_guard(unsigned flags);
bool pv__store_huge_for(unsigned flags, size_t bytes);
size_t pv__store_align_for(unsigned flags, size_t bytes);
void pv__store_advise_huge(void *addr, size_t bytes, size_t guard, unsigned flags);
int pv__store_round(unsigned flags, size_t bytes, size_t *out);
void pv__store_adopt(pv_vec *v, const pv__store_region *r);

/* store_map.c: the two doors to plain RW regions (no guard, not a
 * reservation): every fresh one is mapped by region_map and every one
 * released by region_release; they are the region cache's (lib/cache.h:
 * pv__cache_map, pv__cache_release), which only ever sees such regions.
 * region_map hands back at least min_bytes (a page multiple) starting on a
 * multiple of align (0: the allocation granule), advised for huge pages
 * when `huge`; *got may be larger than asked, up to max_bytes (see
 * lib/cache.h) and the contents are not necessarily zero (a reused region
 * holds an earlier vector's bytes).
 * region_release takes a whole such region back (its whole reserved length,
 * *got of the map that made it, or what remap and shrink made of it) with
 * its huge-page advice state, whatever its protection. */
int pv__store_region_map(size_t min_bytes, size_t max_bytes, size_t align, bool huge,
                         void **p, size_t *got);
int pv__store_region_release(void *p, size_t bytes, bool huge);

/* A fresh region of `kind` (REMAP, REMAP_GUARD, RESERVE, COPY) for nb
 * committed bytes (more for a plain kind when the cache has it: less than
 * twice nb, or any size with `any`); nothing copied.  pv__store_map_free
 * releases one. */
int pv__store_map_fresh(pv__store_kind kind, unsigned flags, size_t nb,
                        bool any, pv__store_region *out);
int pv__store_map_free(pv__store_kind kind, unsigned flags, void *data,
                       size_t reserved, bool huge);
/* Grow v (a page kind) to nb > bytes committed; *out is the new region
 * (v unchanged but for a stale guard page released on the way). */
int pv__store_map_grow(pv_vec *v, size_t nb, pv__store_region *out);
/* Commit only nb < bytes; *out is the region after. */
int pv__store_map_shrink(pv_vec *v, size_t nb, pv__store_region *out);
/* STABLE: reserve the address space of max_len elements. */
int pv__store_map_stable(unsigned flags, size_t max_len, size_t elem_size,
                         pv__store_region *out);
/* Release a guard page an earlier growth could not; 0 if none. */
int pv__store_map_release_stale(pv__store *s);

/* A malloc'd state block for a vector in pages (through the fault seam,
 * PV_ENOMEM when malloc fails), and its release. */
int pv__store_block_new(pv__store_kind kind, unsigned flags, pv__store **out);
void pv__store_block_free(pv__store *s);

/* store_file.c: the FILE kinds' side of store.c's operations (v a file
 * vector; the same contracts as pv__store_*). */
int pv__store_file_close(pv_vec *v);
int pv__store_file_grow(pv_vec *v, size_t need, bool exact);
int pv__store_file_shrink(pv_vec *v, size_t keep);
/* Freeze (PV_PROT_READ) or thaw (PV__PROT_RW) the whole mapping; thaw of a
 * read-only file vector is PV_EACCES. */
int pv__store_file_protect(pv_vec *v, unsigned prot);
int pv__store_file_advise(pv_vec *v, pv_advice advice);
int pv__store_file_resident(const pv_vec *v, size_t *bytes);

/* store_small.c */
/* The descriptor of a small vector whose pages will be `next`. */
pv__store *pv__store_small_desc(pv__store_kind next, unsigned flags);
/* (pv__store_small_grow is declared above pv__store_grow.) */
/* Shrink a SMALL vector's block to keep (len <= keep < cap) elements (free
 * it when keep is 0). */
int pv__store_small_shrink(pv_vec *v, size_t keep);
/* Move a SMALL vector into pages of at least nb bytes, of its `next` kind
 * (`any`: a growth, which takes any larger region the cache holds, see
 * store.c): prepare makes the block and the region and copies the
 * elements, leaving v as it was; commit then frees the small block and
 * adopts them, abort releases them. */
typedef struct pv__store_move {
  pv__store *block;
  pv__store_region region;
} pv__store_move;
int pv__store_small_prepare(const pv_vec *v, size_t nb, bool any,
                            pv__store_move *m);
void pv__store_small_commit(pv_vec *v, pv__store_move *m);
void pv__store_small_abort(pv__store_move *m);
/* Free a SMALL vector's block (cannot fail); inline, the release of every
 * small vector.  (abort ignores a failed unmap of the region it just
 * mapped: that leaks address space rather than report a second error.) */
static inline void pv__store_small_free(pv_vec *v) { free(v->data); }

#endif /* PV_LIB_STORE_H */

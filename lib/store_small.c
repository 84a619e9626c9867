/*
 * lib/store_small.c - the small phase (lib/store.h): a default vector
 * starts in a block from the C library's malloc/realloc, as cheap as a
 * hand-written realloc vector, and moves into its own pages (one copy of
 * its elements, less than the threshold) when its capacity would reach
 * pv__store_small_max() bytes, or when it is frozen.  Vectors that need
 * pages from the first element (STABLE, PV_VEC_GUARD, PV_VEC_HUGE,
 * PV_VEC_PAGES, PV_VEC_MOVE_ON_GROW / PV_DEBUG_MOVE) never start here.
 *
 * Every malloc/realloc first asks the fault seam (pv__os_fault_hit), so
 * that the fault sweeps fail them like the OS calls.
 *
 * The threshold, and how it was chosen (bench/probe_small.c, measured on
 * the 2-vCPU development machine, glibc 2.x, THP "madvise"): building and
 * freeing a vector of 4 KiB .. 1 MiB repeatedly, a realloc vector was
 * 18-25x faster than a vector in its own pages at every size (medians of
 * 7 paired rounds: 4 KiB 0.55 us vs 11.3 us, 64 KiB 5.9 vs 153 us, 1 MiB
 * 87 vs 1738 us), because malloc hands back memory it already faulted in
 * while each new mapping faults fresh zeroed pages; create + push 16 +
 * destroy: 0.10 us vs 13 us.  Pages start to pay where they give what a
 * malloc block does not: huge pages, which need a huge-page-aligned region
 * of at least one huge page.  So the threshold is the huge page size where
 * transparent huge pages can be used (2 MiB on x86-64), and SMALL_PAGES
 * pages elsewhere (the same 2 MiB with 4 KiB pages).  Re-measured with
 * the region cache in place (bench/probe_small 7, same machine, loaded by
 * other builds): a vector in its own pages still cost 8-14x the realloc
 * vector at every size (4 KiB 1.65 us vs 0.96, 64 KiB 77 vs 6.7, 1 MiB
 * 1399 vs 103; push 16: 1.31 vs 0.14 us; the default vector's ratio
 * realloc / default 0.83-1.72).  So the threshold stays.  Re-measure with
 * the probe when the cost of a region in pages changes.
 */
#include "config.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "store.h"

/* Threshold in pages where huge pages cannot be used (see above). */
#define SMALL_PAGES 512

/* The first capacity a geometric growth gives a small vector, in
 * elements: SMALL_FIRST_CAP, the first capacity hand-written C vectors
 * commonly take (bench/bench_rvec.c's PVB_RVEC_FIRST_CAP), within two
 * bounds in bytes.  At least SMALL_MIN_BYTES, so that a vector of small
 * elements mallocs once for its first 16 u64 (with 4 elements a vector of
 * 16 u64 reallocated three times and cost 4.0x the realloc vector's
 * build-and-free time; with 128 bytes it costs about what that does).  At
 * most SMALL_MAX_BYTES, glibc's largest tcache size class, so that a
 * vector of one large element wastes at most 1 KiB; and never fewer than
 * SMALL_MIN_CAP elements (as Rust's RawVec for elements up to 1 KiB).
 * Why 16 elements and not 128 bytes for the mid sizes: a hash table of
 * 10^5 buckets of 24-byte records, 4 per bucket on average (bench
 * pair_hash), with 5 elements (120 bytes) reallocated a fifth of its
 * buckets and its frees filled glibc's fastbins (malloc_consolidate was
 * 13% of its time); it took 1.37-1.51x the realloc vector's time, with 16
 * elements 1.15-1.26x (the same benchmark program, one library and the
 * other, 3 processes of 7 rounds each).  The waste stays bounded: at most
 * SMALL_MAX_BYTES, or half the block once it has doubled. */
#define SMALL_FIRST_CAP 16
#define SMALL_MIN_CAP 4
#define SMALL_MIN_BYTES 128
#define SMALL_MAX_BYTES 1024
_Static_assert(SMALL_MIN_CAP <= SMALL_FIRST_CAP &&
                   SMALL_MIN_BYTES <= SMALL_MAX_BYTES,
               "the bounds are ordered");

static const pv__os_caps *caps(void) { return pv__os_caps_get(); }

/* The threshold from the caps (they never change in a process). */
static size_t small_max_of_caps(void) {
  const pv__os_caps *c = caps();
  size_t h = c->huge_page_size;
  if (c->thp && h > c->alloc_granularity && (h & (h - 1)) == 0) return h;
  return SMALL_PAGES * c->page_size;
}

/* Kept after the first call, and read inline: every small growth asks.
 * Relaxed: racing first callers store the same value. */
static atomic_size_t small_max_kept;
static inline size_t small_max(void) {
  size_t m = atomic_load_explicit(&small_max_kept, memory_order_relaxed);
  if (m == 0) {
    m = small_max_of_caps();
    atomic_store_explicit(&small_max_kept, m, memory_order_relaxed);
  }
  return m;
}

size_t pv__store_small_max(void) { return small_max(); }

/* One constant descriptor per configuration a small vector can have: the
 * kind of pages it will move into, and PV_VEC_NO_HUGE or not.  They are
 * never written (nothing of a SMALL vector's state lives in them). */
#define SMALL_DESC(next, flags) {PV__STORE_SMALL, (next), (flags), 0, 0, 0, NULL}
static const pv__store small_descs[3][2] = {
    {SMALL_DESC(PV__STORE_REMAP, 0), SMALL_DESC(PV__STORE_REMAP, PV_VEC_NO_HUGE)},
    {SMALL_DESC(PV__STORE_RESERVE, 0), SMALL_DESC(PV__STORE_RESERVE, PV_VEC_NO_HUGE)},
    {SMALL_DESC(PV__STORE_COPY, 0), SMALL_DESC(PV__STORE_COPY, PV_VEC_NO_HUGE)}};

pv__store *pv__store_small_desc(pv__store_kind next, unsigned flags) {
  size_t i = next == PV__STORE_REMAP ? 0 : next == PV__STORE_RESERVE ? 1 : 2;
  /* Cast: the pointer type is shared with the writable blocks of page
   * kinds; nothing writes through a SMALL vector's descriptor. */
  return (pv__store *)&small_descs[i][(flags & PV_VEC_NO_HUGE) ? 1 : 0];
}

/* realloc through the fault seam; *out untouched on failure.  The first
 * block comes from malloc: glibc's realloc(NULL, n) is a detour to it. */
static inline int small_realloc(void *old, size_t bytes, void **out) {
  int rc = pv__os_fault_hit();
  if (rc != 0) return rc;
  void *p = old == NULL ? malloc(bytes) : realloc(old, bytes);
  if (p == NULL) return PV_ENOMEM;
  *out = p;
  return 0;
}

/* The first capacity by element size (see SMALL_FIRST_CAP): a table
 * built by the compiler for every size up to SMALL_MAX_BYTES /
 * SMALL_MIN_CAP, past which it is SMALL_MIN_CAP, so that the growth
 * neither divides (a division was a quarter of the small growth's time in
 * perf) nor loops. */
#define SMALL_LEAST(a, b) ((a) < (b) ? (a) : (b))
#define SMALL_MOST(a, b) ((a) > (b) ? (a) : (b))
#define SMALL_FIRST(e)                                              \
  SMALL_MOST(SMALL_MOST(SMALL_MIN_BYTES / (e),                      \
                        SMALL_LEAST(SMALL_FIRST_CAP,                \
                                    SMALL_MAX_BYTES / (e))),        \
             SMALL_MIN_CAP)
/* Each entry is cast: clang checks the conversion of both arms of every
 * ?: above (SMALL_MAX_BYTES / 1 does not fit a byte, though it is never
 * chosen); the assertion below the table proves every chosen value fits. */
#define SMALL_ENTRY(e) ((unsigned char)SMALL_FIRST(e))
#define SMALL_FIRST4(e) \
  SMALL_ENTRY(e), SMALL_ENTRY(e + 1), SMALL_ENTRY(e + 2), SMALL_ENTRY(e + 3)
#define SMALL_FIRST16(e)                                            \
  SMALL_FIRST4(e), SMALL_FIRST4(e + 4), SMALL_FIRST4(e + 8),        \
      SMALL_FIRST4(e + 12)
#define SMALL_FIRST64(e)                                                  \
  SMALL_FIRST16(e), SMALL_FIRST16(e + 16), SMALL_FIRST16(e + 32),         \
      SMALL_FIRST16(e + 48)
static const unsigned char small_first[] = {
    0, SMALL_FIRST64(1), SMALL_FIRST64(65), SMALL_FIRST64(129),
    SMALL_FIRST64(193)};
#define SMALL_FIRST_MAX (sizeof small_first / sizeof small_first[0] - 1)
_Static_assert(SMALL_FIRST_MAX == SMALL_MAX_BYTES / SMALL_MIN_CAP,
               "one entry per element size up to the last above SMALL_MIN_CAP");
/* An entry is at most the largest of SMALL_MIN_BYTES (for one-byte
 * elements), SMALL_FIRST_CAP and SMALL_MIN_CAP (at most SMALL_FIRST_CAP). */
_Static_assert(SMALL_MIN_BYTES <= UCHAR_MAX && SMALL_FIRST_CAP <= UCHAR_MAX,
               "the first capacities fit the table's bytes");

static size_t small_min_cap(size_t elem_size) {
  return elem_size > SMALL_FIRST_MAX ? SMALL_MIN_CAP : small_first[elem_size];
}

/* The next capacity in elements for need > cap (geometric unless exact,
 * at least the first capacity), or 0 when that capacity would reach the
 * threshold (or overflow). */
static size_t small_cap(const pv_vec *v, size_t need, bool exact) {
  size_t es = v->elem_size, c = need, bytes;
  if (!exact && v->cap != 0) {
    if (v->cap <= SIZE_MAX / PV__STORE_GROWTH && v->cap * PV__STORE_GROWTH > c)
      c = v->cap * PV__STORE_GROWTH;
  } else if (!exact && c < SMALL_MIN_BYTES) {
    /* The first capacity, at most SMALL_MIN_BYTES elements (es 1). */
    size_t m = small_min_cap(es);
    if (c < m) c = m;
  }
  if (!pv__store_mul(c, es, &bytes) || bytes >= small_max()) return 0;
  return c;
}

int pv__store_small_grow(pv_vec *v, size_t need, bool exact) {
  size_t cap = small_cap(v, need, exact);
  if (cap == 0) return PV__STORE_SMALL_FULL;
  void *p;
  int rc = small_realloc(v->data, cap * v->elem_size, &p);
  if (rc != 0) return rc;
  pv__store_adopt_small(v, p, cap);
  return 0;
}

int pv__store_small_shrink(pv_vec *v, size_t keep) {
  void *p = NULL;
  if (keep >= v->cap) return 0;
  if (keep == 0) {
    free(v->data);
  } else {
    int rc = small_realloc(v->data, keep * v->elem_size, &p);
    if (rc != 0) return rc;
  }
  pv__store_adopt_small(v, p, keep);
  return 0;
}

int pv__store_small_prepare(const pv_vec *v, size_t nb, bool any,
                            pv__store_move *m) {
  const pv__store *s = v->pv_store;
  int rc = pv__store_block_new(s->next, s->flags, &m->block);
  if (rc != 0) return rc;
  memset(&m->region, 0, sizeof m->region);
  if (nb == 0) return 0;
  rc = pv__store_map_fresh(s->next, s->flags, nb, any, &m->region);
  if (rc != 0) {
    pv__store_block_free(m->block);
    return rc;
  }
  if (v->len != 0) memcpy(m->region.data, v->data, v->len * v->elem_size);
  return 0;
}

void pv__store_small_commit(pv_vec *v, pv__store_move *m) {
  free(v->data);
  v->pv_store = m->block;
  pv__store_adopt(v, &m->region);
}

void pv__store_small_abort(pv__store_move *m) {
  if (m->region.reserved != 0)
    (void)pv__store_map_free(m->block->kind, m->block->flags, m->region.data,
                             m->region.reserved, m->region.huge);
  pv__store_block_free(m->block);
}

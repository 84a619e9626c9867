/*
 * paged_vec/cache.h - the region cache: bounds, trim and statistics.
 *
 * Vectors that hold their own mapping release it on destroy, on shrink and
 * when a growth moves them.  Instead of returning it to the kernel at once,
 * the library keeps a few such regions and hands them to the next vector
 * that needs one of that size, so that a build-and-free loop does not pay
 * a system call and a page fault per page on every round.  The cache is
 * process-wide and thread-safe; docs/cache.md and pv_cache(3) describe the
 * policy and how the defaults were measured.
 *
 * Bounds: at most max_bytes bytes in at most max_regions regions; a region
 * held longer than decay_ms milliseconds goes back to the kernel at the next
 * call that uses the cache (there is no background thread: an idle process
 * keeps what it holds until then, or until pv_cache_trim).  Defaults:
 * PV_CACHE_DEFAULT_BYTES, PV_CACHE_DEFAULT_REGIONS, PV_CACHE_DEFAULT_DECAY_MS.
 * The environment variable PV_CACHE=0, read at the first use, starts the
 * process with the cache disabled (both bounds 0).
 *
 * Regions served from the cache hold whatever the last vector left there:
 * the cache serves vectors only, never pv_pages_map, whose new pages read as
 * zero.
 */
#ifndef PAGED_VEC_CACHE_H
#define PAGED_VEC_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include "paged_vec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default bounds (see docs/cache.md for the measurements behind them). */
#define PV_CACHE_DEFAULT_BYTES ((size_t)64 << 20)
#define PV_CACHE_DEFAULT_REGIONS 32
#define PV_CACHE_DEFAULT_DECAY_MS 1000u
/* The largest max_regions pv_cache_set_limits accepts. */
#define PV_CACHE_MAX_REGIONS 128

/* What the cache holds now, its bounds, and counters since the process
 * started (they only grow). */
typedef struct pv_cache_info {
  size_t regions;     /* regions held now */
  size_t bytes;       /* bytes held now */
  size_t max_regions; /* bounds in effect */
  size_t max_bytes;
  unsigned decay_ms;  /* 0: regions never decay by time */
  uint64_t hits;      /* requests served from the cache */
  uint64_t misses;    /* requests that went to the kernel */
  uint64_t kept;      /* released regions the cache kept */
  uint64_t dropped;   /* released regions it unmapped at once (over the
                         bounds, disabled, or not restorable to read-write) */
  uint64_t evicted;   /* held regions returned to make room */
  uint64_t decayed;   /* held regions returned after decay_ms */
  uint64_t trimmed;   /* held regions returned by pv_cache_trim or by
                         pv_cache_set_limits */
} pv_cache_info;

/*
 * pv_cache_set_limits - bound the cache to max_bytes bytes in max_regions
 * regions, each returned to the kernel after decay_ms milliseconds (0: no
 * time limit).  max_bytes == 0 or max_regions == 0 disables the cache.
 * What the cache holds beyond the new bounds goes back to the kernel now.
 * Returns 0; PV_EINVAL if max_regions > PV_CACHE_MAX_REGIONS (then nothing
 * changes); or the code of an unmap that failed while returning regions:
 * the new bounds are in effect and the regions that could not be returned
 * stay held (counted in pv_cache_stats) until a later call returns them.
 */
PV_EXPORT int pv_cache_set_limits(size_t max_bytes, size_t max_regions,
                                  unsigned decay_ms);

/*
 * pv_cache_trim - return every region the cache holds to the kernel.
 * Returns 0, or the code of the first unmap that failed: the regions that
 * could not be unmapped stay held (pv_cache_stats counts them).
 */
PV_EXPORT int pv_cache_trim(void);

/*
 * pv_cache_stats - fill *out with what the cache holds, its bounds and its
 * counters.  Makes no system call.  Returns 0, or PV_EINVAL if out is NULL.
 */
PV_EXPORT int pv_cache_stats(pv_cache_info *out);

#ifdef __cplusplus
}
#endif

#endif /* PAGED_VEC_CACHE_H */

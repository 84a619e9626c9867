/*
 * lib/cache.h - the region cache (private): plain read-write regions that
 * vectors release are kept and handed to the next vector that asks for a
 * region of that size, instead of going back to the kernel and being
 * faulted in again.  It sits under the storage layer and sees the OS only
 * through lib/os.h.  The public half (bounds, trim, statistics) is
 * include/paged_vec/cache.h; docs/cache.md describes the policy.
 *
 * Regions here are whole reservations made by pv__os_map (or handed out by
 * pv__cache_map), committed over their whole length, with no guard page.
 * Their contents are unspecified when reused (not zeroed): the page core
 * (lib/pages.c), which promises zeroed pages, never uses the cache.
 *
 * Size classes: a cached region of `b` bytes serves a request for `min`
 * bytes when min <= b < 2 * min (any b >= min for a request that may take
 * more: a vector growing into pages) and its start is a multiple of the
 * asked alignment; among those the smallest wins, then one in the asked
 * huge-page state, then the most recently released.  Vectors grow by
 * doubling, so their regions are powers of two of pages (or of huge pages)
 * and a request is mostly served by a region of exactly its size.
 *
 * Thread-safe (one spinlock; no system call is made while holding it) and
 * fork-safe (pthread_atfork through pv__os_atfork: the child inherits a
 * consistent cache with the lock free).
 */
#ifndef PV_LIB_CACHE_H
#define PV_LIB_CACHE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * pv__cache_map - a read-write region of at least min_bytes (a non-zero
 * multiple of the page size) whose start is a multiple of `align` (0: the
 * allocation granularity; else a power of two that is a multiple of it), in
 * huge-page state `huge` (advised HUGEPAGE when true; when false, a reused
 * region that had been advised HUGEPAGE is advised NOHUGEPAGE).  From the
 * cache when a held region of min_bytes to max_bytes fits (then *got is
 * its size: the caller's class bound, e.g. less than 2 * min_bytes, or
 * SIZE_MAX for any size), else fresh from pv__os_map
 * (*got == min_bytes).
 * Huge-page advice is a hint: a refused one is ignored.
 * Returns 0, or the PV_E* code of pv__os_map; on failure *out, *got and the
 * cache are unchanged.
 */
int pv__cache_map(size_t min_bytes, size_t max_bytes, size_t align, bool huge,
                  void **out, size_t *got);

/*
 * pv__cache_release - give back [p, p + bytes), a whole region as described
 * above (read-write or not), whose huge-page advice state is `huge`.  It is
 * kept if the bounds allow (older regions are returned to the kernel to
 * make room), and then made read-write again; if the bounds do not allow
 * it, or making it read-write fails, it is unmapped.
 * Returns 0 (kept or unmapped), or the PV_E* code of a failed unmap: then
 * the region is still mapped and still the caller's, with the protection
 * it had (it is made read-write only once it is sure to be kept).
 */
int pv__cache_release(void *p, size_t bytes, bool huge);

#endif /* PV_LIB_CACHE_H */

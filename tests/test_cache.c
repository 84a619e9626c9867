/*
 * tests/test_cache.c - the region cache (lib/cache.h, paged_vec/cache.h):
 *   - a released region is handed to the next request of its class, and
 *     only within the class bound (min <= size < 2 * min) and alignment;
 *   - the bounds (bytes, count), eviction of the oldest, decay, trim,
 *     disabling by pv_cache_set_limits and by PV_CACHE=0;
 *   - huge-page state restored on reuse, protections restored on release;
 *   - every error path (map, protect, unmap, advise failing by fault
 *     injection): the code returned, nothing lost or leaked
 *     (pv__os_live_bytes), the cache's contents as before;
 *   - pv_pages_map never takes a cached region (new pages read as zero);
 *   - threads hammering it at once, and fork while another thread holds
 *     the lock.
 * The same file builds twice: tests/test_cache under Criterion, and
 * tests/test_cache_plain with tests/minicrit.h, which the ThreadSanitizer
 * step runs (.ci/steps/61-tsan.sh).  Under minicrit every test runs in one
 * process, so each test starts from reset() and compares counters as
 * differences.
 */
#include "config.h"

#ifdef PV_MINICRIT
#include "minicrit.h"
#else
#include <criterion/criterion.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "os.h"
#include "paged_vec.h"
#include "relutil.h"

static size_t page(void) { return pv__os_caps_get()->page_size; }

/* Start every test from an empty cache with wide bounds and no decay; the
 * address space the library holds then is the baseline. */
static long long reset(void) {
  pv__os_fault_set(0, 0);
  cr_assert_eq(pv_cache_set_limits(SIZE_MAX, PV_CACHE_MAX_REGIONS, 0), 0, "limits");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  return pv__os_live_bytes();
}

static pv_cache_info info(void) {
  pv_cache_info s;
  cr_assert_eq(pv_cache_stats(&s), 0, "stats");
  return s;
}

/* The class bound the storage layer passes for a request of `bytes`: less
 * than twice it (lib/store_map.c). */
static size_t class_max(size_t bytes) { return 2 * bytes - 1; }

/* Map through the cache, asserting success and the size bound. */
static void *cmap(size_t bytes, size_t align, bool huge, size_t *got) {
  void *p = NULL;
  size_t g = 0;
  int rc = pv__cache_map(bytes, class_max(bytes), align, huge, &p, &g);
  cr_assert_eq(rc, 0, "cache map %zu: %s", bytes, pv_errname(rc));
  cr_assert(p != NULL && g >= bytes && g < 2 * bytes, "got %zu for %zu", g, bytes);
  cr_assert(align == 0 || ((uintptr_t)p & (align - 1)) == 0, "aligned");
  if (got != NULL) *got = g;
  return p;
}

static void crel(void *p, size_t bytes, bool huge) {
  int rc = pv__cache_release(p, bytes, huge);
  cr_assert_eq(rc, 0, "cache release: %s", pv_errname(rc));
}

/* ---- reuse and size classes -------------------------------------------- */

Test(cache, reuses_a_released_region) {
  long long base = reset();
  pv_cache_info s0 = info();
  size_t b = 2 * page(), got;
  char *p = cmap(b, 0, false, &got);
  cr_assert_eq(got, b, "fresh: exactly the size");
  memset(p, 0xab, b);
  crel(p, b, false);
  pv_cache_info s1 = info();
  cr_assert_eq(s1.regions, 1, "held");
  cr_assert_eq(s1.bytes, b, "held bytes");
  cr_assert_eq(s1.kept - s0.kept, 1, "kept");
  cr_assert_eq(s1.misses - s0.misses, 1, "a miss");
  cr_assert_eq(pv__os_live_bytes(), base + (long long)b, "still mapped");
  char *q = cmap(b, 0, false, &got);
  cr_assert_eq(q, p, "the same region again");
  cr_assert_eq(got, b, "its size");
  q[b - 1] = 1; /* writable */
  pv_cache_info s2 = info();
  cr_assert_eq(s2.hits - s1.hits, 1, "a hit");
  cr_assert_eq(s2.regions, 0, "taken out");
  crel(q, b, false);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  pv_cache_info s3 = info();
  cr_assert_eq(s3.regions, 0, "empty");
  cr_assert_eq(s3.bytes, 0, "empty");
  cr_assert_eq(s3.trimmed - s2.trimmed, 1, "trimmed");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing left mapped");
}

Test(cache, serves_only_within_the_class_bound) {
  long long base = reset();
  size_t pg = page();
  char *p = cmap(4 * pg, 0, false, NULL);
  crel(p, 4 * pg, false);
  /* 4 pages is twice 2 pages: too large for a request of 2. */
  char *a = cmap(2 * pg, 0, false, NULL);
  cr_assert_neq(a, p, "4 pages do not serve 2");
  /* ... and too small for 5. */
  char *c = cmap(5 * pg, 0, false, NULL);
  cr_assert_neq(c, p, "4 pages do not serve 5");
  size_t got;
  char *b = cmap(3 * pg, 0, false, &got);
  cr_assert_eq(b, p, "4 pages serve 3");
  cr_assert_eq(got, 4 * pg, "and say they are 4");
  crel(a, 2 * pg, false);
  crel(b, got, false);
  crel(c, 5 * pg, false);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

/* `any` (a vector growing into pages): any held region of at least the
 * request serves it, the smallest first; without it only the class. */
Test(cache, any_takes_the_smallest_larger_region) {
  long long base = reset();
  size_t pg = page(), got = 0;
  char *big = cmap(16 * pg, 0, false, NULL);
  char *mid = cmap(8 * pg, 0, false, NULL);
  crel(big, 16 * pg, false);
  crel(mid, 8 * pg, false);
  pv_cache_info s0 = info();
  void *p = NULL;
  cr_assert_eq(pv__cache_map(2 * pg, SIZE_MAX, 0, false, &p, &got), 0, "any");
  cr_assert_eq(p, (void *)mid, "the smallest that holds 2 pages: 8");
  cr_assert_eq(got, 8 * pg, "and all of it");
  pv_cache_info s1 = info();
  cr_assert_eq(s1.hits - s0.hits, 1, "a hit");
  cr_assert_eq(s1.regions, 1, "the 16 pages stay");
  /* Without any, 16 pages do not serve 2: a fresh region. */
  char *fresh = cmap(2 * pg, 0, false, NULL);
  cr_assert_neq(fresh, big, "the class bound holds without any");
  /* Too small is too small with any too. */
  void *q = NULL;
  size_t qgot = 0;
  cr_assert_eq(pv__cache_map(32 * pg, SIZE_MAX, 0, false, &q, &qgot), 0, "fresh");
  cr_assert_neq(q, (void *)big, "16 pages do not hold 32");
  cr_assert_eq(qgot, 32 * pg, "a fresh region is what was asked");
  crel(p, got, false);
  crel(fresh, 2 * pg, false);
  crel(q, qgot, false);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, prefers_the_smallest_fit) {
  long long base = reset();
  size_t pg = page();
  char *big = cmap(7 * pg, 0, false, NULL);
  char *small = cmap(5 * pg, 0, false, NULL);
  crel(small, 5 * pg, false);
  crel(big, 7 * pg, false); /* newer, but larger */
  size_t got;
  char *p = cmap(4 * pg, 0, false, &got);
  cr_assert_eq(p, small, "the 5-page region serves 4");
  cr_assert_eq(got, 5 * pg, "size");
  crel(p, got, false);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, honours_the_alignment) {
  long long base = reset();
  size_t pg = page(), b = 2 * pg;
  char *p = cmap(b, 0, false, NULL);
  /* The largest power of two p is a multiple of, and twice it. */
  uintptr_t low = (uintptr_t)p & (~(uintptr_t)p + 1);
  crel(p, b, false);
  char *q = cmap(b, (size_t)low * 2, false, NULL);
  cr_assert_neq(q, p, "a region that is not aligned is not served");
  char *r = cmap(b, (size_t)low, false, NULL);
  cr_assert_eq(r, p, "served when aligned");
  crel(q, b, false);
  crel(r, b, false);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, restores_read_write_on_release) {
  long long base = reset();
  size_t b = page();
  char *p = cmap(b, 0, false, NULL);
  cr_assert_eq(pv__os_protect(p, b, PV_PROT_NONE), 0, "protect none");
  crel(p, b, false);
  char *q = cmap(b, 0, false, NULL);
  cr_assert_eq(q, p, "reused");
  q[0] = 7; /* would fault if still PROT_NONE */
  cr_assert_eq(q[0], 7, "written");
  crel(q, b, false);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

/* The page core promises zeroed pages: it never takes a cached region. */
Test(cache, pages_map_never_takes_a_cached_region) {
  long long base = reset();
  size_t b = 2 * page();
  char *p = cmap(b, 0, false, NULL);
  memset(p, 0x5a, b);
  crel(p, b, false);
  pv_cache_info s0 = info();
  pv_pages pg;
  cr_assert_eq(pv_pages_map(&pg, b, PV_PROT_READ | PV_PROT_WRITE, 0), 0, "map");
  const unsigned char *z = pg.addr;
  for (size_t i = 0; i < b; i++) cr_assert_eq(z[i], 0, "byte %zu is zero", i);
  pv_cache_info s1 = info();
  cr_assert_eq(s1.hits, s0.hits, "no hit");
  cr_assert_eq(s1.regions, 1, "still held");
  cr_assert_eq(pv_pages_unmap(&pg), 0, "unmap");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

/* ---- bounds, eviction, decay, disabling -------------------------------- */

Test(cache, count_bound_evicts_the_oldest) {
  long long base = reset();
  size_t pg = page();
  cr_assert_eq(pv_cache_set_limits(SIZE_MAX, 2, 0), 0, "limits");
  pv_cache_info s0 = info();
  char *a = cmap(pg, 0, false, NULL), *b = cmap(2 * pg, 0, false, NULL),
       *c = cmap(4 * pg, 0, false, NULL);
  crel(a, pg, false);
  crel(b, 2 * pg, false);
  crel(c, 4 * pg, false);
  pv_cache_info s1 = info();
  cr_assert_eq(s1.regions, 2, "two held");
  cr_assert_eq(s1.bytes, 6 * pg, "the two newest");
  cr_assert_eq(s1.evicted - s0.evicted, 1, "one evicted");
  cr_assert_eq(pv__os_live_bytes(), base + (long long)(6 * pg), "a unmapped");
  cr_assert_eq(cmap(2 * pg, 0, false, NULL), b, "b still held");
  crel(b, 2 * pg, false);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, byte_bound_evicts_and_drops) {
  long long base = reset();
  size_t pg = page();
  cr_assert_eq(pv_cache_set_limits(3 * pg, PV_CACHE_MAX_REGIONS, 0), 0, "limits");
  pv_cache_info s0 = info();
  char *a = cmap(2 * pg, 0, false, NULL), *b = cmap(2 * pg, 0, false, NULL),
       *c = cmap(4 * pg, 0, false, NULL);
  crel(a, 2 * pg, false);
  crel(b, 2 * pg, false); /* 4 pages > 3: a goes */
  pv_cache_info s1 = info();
  cr_assert_eq(s1.regions, 1, "one held");
  cr_assert_eq(s1.evicted - s0.evicted, 1, "a evicted");
  crel(c, 4 * pg, false); /* larger than the bound: unmapped at once */
  pv_cache_info s2 = info();
  cr_assert_eq(s2.dropped - s1.dropped, 1, "c dropped");
  cr_assert_eq(s2.regions, 1, "b still held");
  cr_assert_eq(s2.bytes, 2 * pg, "b's bytes");
  cr_assert_eq(pv__os_live_bytes(), base + (long long)(2 * pg), "only b mapped");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, set_limits_returns_what_exceeds_and_validates) {
  long long base = reset();
  size_t pg = page();
  for (int i = 0; i < 3; i++) crel(cmap(pg, 0, false, NULL), pg, false);
  /* cmap above took the one held region each time: hold three at once. */
  char *r[3];
  for (int i = 0; i < 3; i++) r[i] = cmap(pg, 0, false, NULL);
  for (int i = 0; i < 3; i++) crel(r[i], pg, false);
  pv_cache_info s0 = info();
  cr_assert_eq(s0.regions, 3, "three held");
  cr_assert_eq(pv_cache_set_limits(SIZE_MAX, PV_CACHE_MAX_REGIONS + 1, 0),
               PV_EINVAL, "too many regions");
  pv_cache_info s1 = info();
  cr_assert_eq(s1.max_regions, s0.max_regions, "bounds unchanged");
  cr_assert_eq(s1.regions, 3, "contents unchanged");
  cr_assert_eq(pv_cache_set_limits(SIZE_MAX, 1, 250), 0, "shrink");
  pv_cache_info s2 = info();
  cr_assert_eq(s2.regions, 1, "one left");
  cr_assert_eq(s2.max_regions, 1, "bound");
  cr_assert_eq(s2.decay_ms, 250, "decay");
  cr_assert_eq(s2.trimmed - s1.trimmed, 2, "two returned");
  cr_assert_eq(pv_cache_set_limits(0, 5, 0), 0, "disable");
  pv_cache_info s3 = info();
  cr_assert_eq(s3.regions, 0, "emptied");
  cr_assert_eq(s3.max_bytes, 0, "disabled");
  cr_assert_eq(s3.max_regions, 0, "disabled: both bounds say so");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
  cr_assert_eq(pv_cache_stats(NULL), PV_EINVAL, "stats NULL");
}

Test(cache, disabled_cache_maps_and_unmaps) {
  long long base = reset();
  size_t b = page();
  cr_assert_eq(pv_cache_set_limits(SIZE_MAX, 0, 0), 0, "disable");
  pv_cache_info s0 = info();
  char *p = cmap(b, 0, false, NULL);
  crel(p, b, false);
  char *q = cmap(b, 0, false, NULL);
  crel(q, b, false);
  pv_cache_info s1 = info();
  cr_assert_eq(s1.hits, s0.hits, "never a hit");
  cr_assert_eq(s1.misses - s0.misses, 2, "two misses");
  cr_assert_eq(s1.dropped - s0.dropped, 2, "both dropped");
  cr_assert_eq(s1.regions, 0, "holds nothing");
  cr_assert_eq(pv__os_live_bytes(), base, "unmapped at once");
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

Test(cache, regions_decay_on_the_next_call) {
  long long base = reset();
  size_t pg = page();
  const unsigned decay = 20;
  cr_assert_eq(pv_cache_set_limits(SIZE_MAX, PV_CACHE_MAX_REGIONS, decay), 0, "limits");
  pv_cache_info s0 = info();
  crel(cmap(2 * pg, 0, false, NULL), 2 * pg, false);
  cr_assert_eq(info().regions, 1, "held");
  sleep_ms(3 * (long)decay);
  cr_assert_eq(info().regions, 1, "stats alone does not decay");
  /* A call for another class: the old region goes back on the way. */
  char *p = cmap(pg, 0, false, NULL);
  pv_cache_info s1 = info();
  cr_assert_eq(s1.regions, 0, "decayed");
  cr_assert_eq(s1.decayed - s0.decayed, 1, "counted");
  cr_assert_eq(pv__os_live_bytes(), base + (long long)pg, "only p mapped");
  crel(p, pg, false);
  cr_assert_eq(info().regions, 1, "a fresh release is held");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

#ifndef PV_MINICRIT
/* Criterion runs each test in a fresh process: the cache's first use is
 * here, after the variable is set. */
Test(cache, environment_disables) {
  cr_assert_eq(setenv("PV_CACHE", "0", 1), 0, "setenv");
  long long base = pv__os_live_bytes();
  pv_cache_info s = info();
  cr_assert_eq(s.max_bytes, 0, "disabled");
  cr_assert_eq(s.max_regions, 0, "disabled");
  crel(cmap(page(), 0, false, NULL), page(), false);
  cr_assert_eq(info().regions, 0, "holds nothing");
  cr_assert_eq(pv__os_live_bytes(), base, "unmapped at once");
}

Test(cache, defaults_without_the_environment) {
  cr_assert_eq(unsetenv("PV_CACHE"), 0, "unsetenv");
  pv_cache_info s = info();
  cr_assert_eq(s.max_bytes, PV_CACHE_DEFAULT_BYTES, "default bytes");
  cr_assert_eq(s.max_regions, PV_CACHE_DEFAULT_REGIONS, "default count");
  cr_assert_eq(s.decay_ms, PV_CACHE_DEFAULT_DECAY_MS, "default decay");
}
#endif

/* ---- huge-page state ----------------------------------------------------- */

/* The fallible calls one cache map makes (the OS layer counts them). */
static unsigned long calls_of_map(size_t b, size_t align, bool huge, void **p,
                                  size_t *got) {
  pv__os_fault_set(0, 0);
  cr_assert_eq(pv__cache_map(b, class_max(b), align, huge, p, got), 0, "map");
  return pv__os_fault_calls();
}

Test(cache, huge_state_is_restored_on_reuse) {
  long long base = reset();
  size_t b = 2 * page(), got;
  void *p, *q;
  /* Fresh: the map, and the advice when huge. */
  cr_assert_eq(calls_of_map(b, 0, true, &p, &got), 2, "fresh huge: map + advise");
  crel(p, got, true);
  cr_assert_eq(calls_of_map(b, 0, true, &q, &got), 0, "same state: no call");
  cr_assert_eq(q, p, "reused");
  crel(q, got, true);
  cr_assert_eq(calls_of_map(b, 0, false, &q, &got), 1, "huge to plain: NOHUGEPAGE");
  cr_assert_eq(q, p, "reused");
  crel(q, got, false);
  cr_assert_eq(calls_of_map(b, 0, false, &q, &got), 0, "plain to plain: nothing");
  crel(q, got, false);
  cr_assert_eq(calls_of_map(b, 0, true, &q, &got), 1, "plain to huge: HUGEPAGE");
  crel(q, got, true);
  cr_assert_eq(calls_of_map(2 * b, 0, false, &q, &got), 1, "fresh plain: map only");
  crel(q, got, false);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, the_kernel_sees_the_restored_advice) {
  long long base = reset();
  size_t b = 2 * page(), got;
  void *p = cmap(b, 0, true, &got);
  char a = ru_huge_advice(p);
  if (a == 0 || a == '-') {
    crel(p, got, true);
    cr_assert_eq(pv_cache_trim(), 0, "trim");
    cr_skip_test("no smaps, or this kernel ignores MADV_HUGEPAGE");
  }
  cr_assert_eq(a, 'h', "fresh huge: MADV_HUGEPAGE");
  crel(p, got, true);
  void *q = cmap(b, 0, false, &got);
  cr_assert_eq(q, p, "reused");
  cr_assert_eq(ru_huge_advice(q), 'n', "reused plain: MADV_NOHUGEPAGE");
  crel(q, got, false);
  q = cmap(b, 0, true, &got);
  cr_assert_eq(q, p, "reused");
  cr_assert_eq(ru_huge_advice(q), 'h', "reused huge: MADV_HUGEPAGE again");
  crel(q, got, true);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, prefers_the_asked_huge_state) {
  long long base = reset();
  size_t b = page();
  void *h = cmap(b, 0, true, NULL), *n = cmap(b, 0, false, NULL);
  crel(n, b, false);
  crel(h, b, true); /* newer */
  cr_assert_eq(cmap(b, 0, false, NULL), n, "the plain one for a plain request");
  crel(n, b, false);
  cr_assert_eq(cmap(b, 0, true, NULL), h, "the huge one for a huge request");
  crel(h, b, true);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

/* ---- error paths --------------------------------------------------------- */

Test(cache, map_whose_os_map_fails) {
  long long base = reset();
  size_t pg = page();
  crel(cmap(4 * pg, 0, false, NULL), 4 * pg, false); /* held, no fit for 1 */
  pv_cache_info s0 = info();
  void *p = &p;
  size_t got = 12345;
  pv__os_fault_set(1, PV_ENOMEM);
  cr_assert_eq(pv__cache_map(pg, class_max(pg), 0, false, &p, &got), PV_ENOMEM,
               "the map's code");
  pv__os_fault_set(0, 0);
  cr_assert_eq(p, (void *)&p, "out unchanged");
  cr_assert_eq(got, 12345, "got unchanged");
  pv_cache_info s1 = info();
  cr_assert_eq(s1.regions, s0.regions, "contents unchanged");
  cr_assert_eq(s1.bytes, s0.bytes, "contents unchanged");
  cr_assert_eq(pv__os_live_bytes(), base + (long long)(4 * pg), "nothing mapped");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, map_whose_advice_fails_still_serves) {
  long long base = reset();
  size_t b = page(), got;
  char *p = cmap(b, 0, false, NULL);
  crel(p, b, false);
  void *q;
  pv__os_fault_set(1, PV_EINVAL); /* the HUGEPAGE advice on reuse */
  cr_assert_eq(pv__cache_map(b, class_max(b), 0, true, &q, &got), 0, "a hint: ignored");
  cr_assert_eq(pv__os_fault_calls(), 1, "the advice was tried");
  pv__os_fault_set(0, 0);
  cr_assert_eq(q, (void *)p, "served");
  crel(q, got, true);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, release_whose_protect_fails_unmaps) {
  long long base = reset();
  size_t b = page();
  char *p = cmap(b, 0, false, NULL);
  pv_cache_info s0 = info();
  pv__os_fault_set(1, PV_EACCES); /* the protect */
  cr_assert_eq(pv__cache_release(p, b, false), 0, "unmapped instead");
  cr_assert_eq(pv__os_fault_calls(), 2, "protect, then unmap");
  pv__os_fault_set(0, 0);
  pv_cache_info s1 = info();
  cr_assert_eq(s1.regions, 0, "not kept");
  cr_assert_eq(s1.dropped - s0.dropped, 1, "dropped");
  cr_assert_eq(pv__os_live_bytes(), base, "unmapped");
}

/* A release the cache does not keep is unmapped as it is: if the unmap
 * fails, the region is the caller's with its bytes and its protection
 * (a frozen vector's read-only pages stay read-only). */
static void unkept_release_whose_unmap_fails(unsigned prot, const char *perms) {
  long long base = reset();
  size_t b = page();
  cr_assert_eq(pv_cache_set_limits(0, 0, 0), 0, "disabled: release unmaps");
  char *p = cmap(b, 0, false, NULL);
  memset(p, 0x3c, b);
  cr_assert_eq(pv__os_protect(p, b, prot), 0, "protect %s", perms);
  pv_cache_info s0 = info();
  pv__os_fault_set(1, PV_ENOMEM); /* the unmap, the only call */
  cr_assert_eq(pv__cache_release(p, b, false), PV_ENOMEM, "the unmap's code");
  cr_assert_eq(pv__os_fault_calls(), 1, "no protect before the unmap");
  pv__os_fault_set(0, 0);
  pv_cache_info s1 = info();
  cr_assert_eq(s1.dropped, s0.dropped, "not counted");
  cr_assert_eq(s1.regions, 0, "not held");
  cr_assert_eq(pv__os_live_bytes(), base + (long long)b, "still mapped");
  char now[5];
  ru_perms(p, b, now);
  cr_assert(strcmp(now, perms) == 0, "protection %s, was %s", now, perms);
  for (size_t i = 0; i < b; i++) cr_assert_eq((unsigned char)p[i], 0x3c, "bytes kept");
  crel(p, b, false);
  cr_assert_eq(pv__os_live_bytes(), base, "released now");
}

Test(cache, release_whose_unmap_fails_stays_the_callers) {
  unkept_release_whose_unmap_fails(PV__PROT_RW, "rw-p");
}
Test(cache, read_only_release_whose_unmap_fails_stays_read_only) {
  unkept_release_whose_unmap_fails(PV_PROT_READ, "r--p");
}

Test(cache, trim_whose_unmap_fails_keeps_the_region) {
  long long base = reset();
  size_t pg = page();
  char *a = cmap(pg, 0, false, NULL), *b = cmap(2 * pg, 0, false, NULL);
  crel(a, pg, false);
  crel(b, 2 * pg, false);
  pv_cache_info s0 = info();
  pv__os_fault_set(1, PV_ENOMEM);
  cr_assert_eq(pv_cache_trim(), PV_ENOMEM, "the unmap's code");
  pv__os_fault_set(0, 0);
  pv_cache_info s1 = info();
  cr_assert_eq(s1.regions, 1, "the one that failed is still held");
  cr_assert_eq(s1.trimmed - s0.trimmed, 1, "the other was returned");
  cr_assert_eq(pv__os_live_bytes(), base + (long long)s1.bytes, "exactly it mapped");
  /* It is whole and can be handed out again. */
  size_t want = s1.bytes;
  char *c = cmap(want, 0, false, NULL);
  cr_assert(c == a || c == b, "one of the two");
  c[want - 1] = 1;
  crel(c, want, false);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, eviction_whose_unmap_fails_keeps_both) {
  long long base = reset();
  size_t pg = page();
  cr_assert_eq(pv_cache_set_limits(SIZE_MAX, 1, 0), 0, "one region");
  char *a = cmap(pg, 0, false, NULL), *b = cmap(2 * pg, 0, false, NULL);
  crel(a, pg, false);
  pv__os_fault_set(1, PV_ENOMEM); /* a's eviction fails, then b's protect */
  cr_assert_eq(pv__cache_release(b, 2 * pg, false), 0, "b kept");
  pv__os_fault_set(0, 0);
  pv_cache_info s = info();
  cr_assert_eq(s.regions, 2, "a stays held, over the bound until a later call");
  cr_assert_eq(pv__os_live_bytes(), base + (long long)(3 * pg), "both mapped");
  /* The next call evicts again. */
  char *c = cmap(4 * pg, 0, false, NULL);
  crel(c, 4 * pg, false);
  cr_assert_eq(info().regions, 1, "back within the bound");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, decay_whose_unmap_fails_keeps_it_held) {
  long long base = reset();
  size_t pg = page();
  cr_assert_eq(pv_cache_set_limits(SIZE_MAX, PV_CACHE_MAX_REGIONS, 1), 0, "1 ms");
  crel(cmap(2 * pg, 0, false, NULL), 2 * pg, false);
  sleep_ms(10);
  void *p;
  size_t got;
  pv__os_fault_set(1, PV_ENOMEM); /* the decayed region's unmap */
  cr_assert_eq(pv__cache_map(pg, class_max(pg), 0, false, &p, &got), 0,
               "the map still works");
  cr_assert_eq(pv__os_fault_calls(), 2, "the unmap, then the fresh map");
  pv__os_fault_set(0, 0);
  pv_cache_info s = info();
  cr_assert_eq(s.regions, 1, "the region is held again");
  cr_assert_eq(s.bytes, 2 * pg, "its bytes");
  cr_assert_eq(pv__os_live_bytes(), base + (long long)(3 * pg), "both mapped");
  crel(p, got, false);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, set_limits_whose_unmap_fails) {
  long long base = reset();
  size_t pg = page();
  char *a = cmap(pg, 0, false, NULL);
  crel(a, pg, false);
  pv__os_fault_set(1, PV_ENOMEM);
  cr_assert_eq(pv_cache_set_limits(0, 0, 0), PV_ENOMEM, "the unmap's code");
  pv__os_fault_set(0, 0);
  pv_cache_info s = info();
  cr_assert_eq(s.max_regions, 0, "the bounds are in effect");
  cr_assert_eq(s.regions, 1, "the region is still held");
  cr_assert_eq(pv__os_live_bytes(), base + (long long)pg, "and mapped");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

/* ---- threads and fork --------------------------------------------------- */

enum { THREADS = 4, ROUNDS = 2000, SIZES = 4 };

typedef struct worker {
  pthread_t tid;
  unsigned id;
  atomic_int *stop; /* NULL: run ROUNDS rounds */
  int rc;
  char msg[160];
} worker;

/* Map, fill with this thread's pattern, check it, release: two threads
 * ever handed the same region at once would see each other's bytes. */
static void *hammer(void *arg) {
  worker *w = arg;
  const size_t pg = pv__os_caps_get()->page_size;
  for (unsigned r = 0; w->stop != NULL ? !atomic_load(w->stop) : r < ROUNDS; r++) {
    size_t b = pg << ((r + w->id) % SIZES), got;
    void *p;
    int rc = pv__cache_map(b, class_max(b), 0, (r & 1) != 0, &p, &got);
    if (rc != 0) {
      w->rc = rc;
      snprintf(w->msg, sizeof w->msg, "thread %u map: %s", w->id, pv_errname(rc));
      return NULL;
    }
    uint32_t *u = p;
    size_t n = got / sizeof *u;
    for (size_t i = 0; i < n; i += 64) u[i] = w->id * 0x10001u + r;
    for (size_t i = 0; i < n; i += 64)
      if (u[i] != w->id * 0x10001u + r) {
        w->rc = -1;
        snprintf(w->msg, sizeof w->msg, "thread %u: region shared", w->id);
        return NULL;
      }
    if ((rc = pv__cache_release(p, got, (r & 1) != 0)) != 0) {
      w->rc = rc;
      snprintf(w->msg, sizeof w->msg, "thread %u release: %s", w->id, pv_errname(rc));
      return NULL;
    }
  }
  return NULL;
}

/* Reads the cache's counts in a loop until *stop: the most regions and
 * bytes it ever held (a release being made read-write is counted). */
typedef struct watch {
  pthread_t tid;
  atomic_int *stop;
  size_t regions, bytes;
} watch;

static void *stats_watch(void *arg) {
  watch *w = arg;
  pv_cache_info s;
  while (!atomic_load(w->stop)) {
    (void)pv_cache_stats(&s);
    if (s.regions > w->regions) w->regions = s.regions;
    if (s.bytes > w->bytes) w->bytes = s.bytes;
  }
  return NULL;
}

/* THREADS hammer the cache while another watches its counts: never more
 * than the bounds, at any moment (releases racing one that is being kept
 * see the bounds it takes). */
static void threads_within(size_t max_regions, size_t max_bytes) {
  long long base = reset();
  cr_assert_eq(pv_cache_set_limits(max_bytes, max_regions, 1), 0, "tight bounds, fast decay");
  atomic_int stop = 0;
  watch wt = {.stop = &stop};
  cr_assert_eq(pthread_create(&wt.tid, NULL, stats_watch, &wt), 0, "create");
  worker ws[THREADS];
  memset(ws, 0, sizeof ws);
  for (unsigned i = 0; i < THREADS; i++) {
    ws[i].id = i;
    cr_assert_eq(pthread_create(&ws[i].tid, NULL, hammer, &ws[i]), 0, "create");
  }
  for (unsigned i = 0; i < THREADS; i++)
    cr_assert_eq(pthread_join(ws[i].tid, NULL), 0, "join");
  atomic_store(&stop, 1);
  cr_assert_eq(pthread_join(wt.tid, NULL), 0, "join");
  for (unsigned i = 0; i < THREADS; i++) cr_assert_eq(ws[i].rc, 0, "%s", ws[i].msg);
  cr_assert(wt.regions <= max_regions, "held %zu regions, bound %zu", wt.regions,
            max_regions);
  cr_assert(wt.bytes <= max_bytes, "held %zu bytes, bound %zu", wt.bytes, max_bytes);
  pv_cache_info s = info();
  cr_assert_eq(pv__os_live_bytes(), base + (long long)s.bytes, "only the held");
  cr_assert_eq(pv_cache_trim(), 0, "trim");
  cr_assert_eq(pv__os_live_bytes(), base, "nothing leaked");
}

Test(cache, threads_map_and_release_at_once) { threads_within(8, SIZE_MAX); }
Test(cache, threads_release_into_one_region) { threads_within(1, SIZE_MAX); }
Test(cache, threads_release_into_few_bytes) {
  threads_within(PV_CACHE_MAX_REGIONS, pv__os_caps_get()->page_size << (SIZES - 1));
}

/* In the child: the cache works (map, write, release, trim). */
static int child_uses_cache(void) {
  const size_t pg = pv__os_caps_get()->page_size;
  for (int i = 0; i < 16; i++) {
    void *p;
    size_t got;
    size_t b = pg << (i % SIZES);
    if (pv__cache_map(b, class_max(b), 0, false, &p, &got) != 0) return 1;
    memset(p, i, got);
    if (pv__cache_release(p, got, false) != 0) return 2;
  }
  pv_cache_info s;
  if (pv_cache_trim() != 0 || pv_cache_stats(&s) != 0 || s.regions != 0) return 3;
  return 0;
}

/* Takes and frees the cache's lock in a tight loop (pv_cache_stats makes
 * no system call), so that a fork often happens while it is held. */
static void *stats_spin(void *arg) {
  atomic_int *stop = arg;
  pv_cache_info s;
  while (!atomic_load(stop)) (void)pv_cache_stats(&s);
  return NULL;
}

#ifndef PV_MINICRIT
/* The process's first cache call, from a thread. */
static void *first_call(void *arg) {
  (void)arg;
  pv_cache_info s;
  (void)pv_cache_stats(&s);
  return NULL;
}

/* One fresh child makes its first cache call from a thread while it forks;
 * the grandchild must be able to use the cache.  Returns the grandchild's
 * status as child_uses_cache, or 100 + the signal that ended it. */
static int first_use_races_fork(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, first_call, NULL) != 0) return 90;
  pid_t pid = fork();
  if (pid == 0) {
    alarm(10); /* a grandchild stuck on an inherited lock dies of SIGALRM */
    _exit(child_uses_cache());
  }
  int st = 0;
  if (pid == -1 || waitpid(pid, &st, 0) != pid) return 91;
  (void)pthread_join(t, NULL);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The fork handlers exist before the first call: a fork racing it gives a
 * child that can use the cache (each trial in a fresh child of this
 * process, which never uses the cache itself).  Criterion only: under
 * minicrit earlier tests in the same process already used the cache, so
 * the race is not a first, and ThreadSanitizer, which that build is for,
 * refuses a thread started after a fork of its multithreaded process. */
Test(cache, fork_racing_the_first_call) {
  for (int k = 0; k < 40; k++) {
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork");
    if (pid == 0) _exit(first_use_races_fork());
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid, "waitpid");
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "trial %d: status %d (%d%s)", k, st,
              WIFEXITED(st) ? WEXITSTATUS(st) : -1,
              WIFEXITED(st) && WEXITSTATUS(st) == 100 + SIGALRM ? ": deadlocked" : "");
  }
}
#endif

Test(cache, fork_while_another_thread_uses_it) {
  reset();
  atomic_int stop = 0;
  worker w;
  memset(&w, 0, sizeof w);
  w.stop = &stop;
  pthread_t spinner;
  cr_assert_eq(pthread_create(&w.tid, NULL, hammer, &w), 0, "create");
  cr_assert_eq(pthread_create(&spinner, NULL, stats_spin, &stop), 0, "create");
  for (int k = 0; k < 20; k++) {
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork");
    if (pid == 0) {
      alarm(10); /* a child stuck on an inherited lock dies of SIGALRM */
      _exit(child_uses_cache());
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid, "waitpid");
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "child %d: status %d%s", k, st,
              WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? " (deadlocked)" : "");
  }
  atomic_store(&stop, 1);
  cr_assert_eq(pthread_join(w.tid, NULL), 0, "join");
  cr_assert_eq(pthread_join(spinner, NULL), 0, "join");
  cr_assert_eq(w.rc, 0, "%s", w.msg);
  cr_assert_eq(pv_cache_trim(), 0, "trim");
}

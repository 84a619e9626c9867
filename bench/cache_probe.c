/*
 * bench/cache_probe.c - the measurement behind the region cache's defaults
 * (docs/cache.md): a build-and-free loop of N u64 (N = 10^3 .. 10^7) whose
 * region comes from
 *   os     pv__os_map + first touch + pv__os_unmap (no cache),
 *   cache  pv__cache_map + first touch + pv__cache_release,
 *   malloc malloc + first touch + free (glibc, for reference),
 * one region of the page-rounded power of two a doubling vector ends at.
 * Prints one row per N: median nanoseconds per round of each, and the
 * ratios.  A second table prints the cost of one cache round trip at
 * N = 10^3 while the cache holds k other regions that do not fit (the
 * table is scanned linearly: this is what a larger count bound costs).
 * Usage: bench/cache_probe [rounds] (default 15).
 *
 *   make bench/cache_probe && bench/cache_probe
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "os.h"
#include "paged_vec.h"

enum { DEFAULT_ROUNDS = 15, MAX_ROUNDS = 101, WARMUP = 2 };

typedef enum { SRC_OS, SRC_CACHE, SRC_MALLOC } source;

/* The bytes a doubling vector of n u64 ends with: the page-rounded power
 * of two at or above n * 8. */
static size_t region_bytes(size_t n) {
  size_t b = pv_page_size();
  while (b < n * sizeof(uint64_t)) b *= 2;
  return b;
}

/* One round: get a region, write n u64 (the build), give it back. */
static int one_round(source src, size_t n, size_t bytes, uint64_t *sink) {
  void *p = NULL;
  size_t got = bytes;
  int rc = 0;
  if (src == SRC_OS) rc = pv__os_map(bytes, 0, PV__PROT_RW, &p);
  else if (src == SRC_CACHE) rc = pv__cache_map(bytes, 0, false, false, &p, &got);
  else if ((p = malloc(bytes)) == NULL) rc = PV_ENOMEM;
  if (rc != 0) return rc;
  uint64_t *a = p;
  for (size_t i = 0; i < n; i++) a[i] = i;
  *sink += a[n / 2];
  if (src == SRC_OS) rc = pv__os_unmap(p, bytes);
  else if (src == SRC_CACHE) rc = pv__cache_release(p, got, false);
  else free(p);
  return rc;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Median ns per round over `rounds` rounds after a warm-up. */
static int median_ns(source src, size_t n, int rounds, uint64_t *out,
                     uint64_t *sink) {
  uint64_t t[MAX_ROUNDS];
  size_t bytes = region_bytes(n);
  for (int r = 0; r < WARMUP + rounds; r++) {
    uint64_t t0 = pv__os_now_ns();
    int rc = one_round(src, n, bytes, sink);
    if (rc != 0) return rc;
    if (r >= WARMUP) t[r - WARMUP] = pv__os_now_ns() - t0;
  }
  qsort(t, (size_t)rounds, sizeof t[0], cmp_u64);
  *out = t[rounds / 2];
  return 0;
}

/* The second table: k one-page regions held (a 2-page request never takes
 * them), then the median round trip of N = 10^3. */
static int scan_table(int rounds, uint64_t *sink) {
  const size_t page = pv_page_size(), ks[] = {0, 8, 32, PV_CACHE_MAX_REGIONS - 1};
  printf("\n%10s %12s\n", "held", "cache_ns");
  for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) {
    for (size_t k = 0; k < ks[j]; k++) {
      void *p;
      int rc = pv__os_map(page, 0, PV__PROT_RW, &p);
      if (rc == 0 && (rc = pv__cache_release(p, page, false)) != 0)
        pv__os_unmap(p, page);
      if (rc != 0) return rc;
    }
    uint64_t ns;
    int rc = median_ns(SRC_CACHE, 1000, rounds, &ns, sink);
    if (rc == 0) rc = pv_cache_trim();
    if (rc != 0) return rc;
    printf("%10zu %12llu\n", ks[j], (unsigned long long)ns);
  }
  return 0;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : DEFAULT_ROUNDS;
  if (rounds < 1 || rounds > MAX_ROUNDS) {
    fprintf(stderr, "rounds: 1..%d\n", MAX_ROUNDS);
    return 2;
  }
  /* The probe measures the cache at any size: bounds wide open. */
  if (pv_cache_set_limits(SIZE_MAX, PV_CACHE_MAX_REGIONS, 0) != 0) return 1;
  uint64_t sink = 0;
  printf("%10s %12s %10s %12s %12s %10s %10s\n", "N", "region", "os_ns",
         "cache_ns", "malloc_ns", "os/cache", "malloc/cache");
  for (size_t n = 1000; n <= 10000000; n *= 10) {
    uint64_t os, ca, ma;
    int rc = median_ns(SRC_OS, n, rounds, &os, &sink);
    if (rc == 0) rc = median_ns(SRC_CACHE, n, rounds, &ca, &sink);
    if (rc == 0) rc = median_ns(SRC_MALLOC, n, rounds, &ma, &sink);
    if (rc == 0) rc = pv_cache_trim();
    if (rc != 0) {
      fprintf(stderr, "N=%zu: %s\n", n, pv_strerror(rc));
      return 1;
    }
    printf("%10zu %12zu %10llu %12llu %12llu %10.2f %10.2f\n", n,
           region_bytes(n), (unsigned long long)os, (unsigned long long)ca,
           (unsigned long long)ma, (double)os / (double)ca,
           (double)ma / (double)ca);
  }
  return scan_table(rounds, &sink) != 0 ? 1
         : sink == 42 ? 3 : 0; /* keeps the writes observable */
}

/*
 * bench/bench_pair.c - paired benchmarks: two peers alternated inside one
 * process, each iteration running both, in alternating order (A B, B A,
 * ...), each timed by this thread's CPU clock.
 *
 * On a shared machine the cost of the kernel's page zeroing drifts by tens
 * of percent from one minute to the next; two peers measured in separate
 * processes can land on different sides of such a drift.  Alternating them
 * in one process exposes both to the same conditions, so their ratio is
 * what is measured, not the drift.  The row "pair/pv_PEER/N" reports
 * counters a_ns (the peer: touch1, the first-touch limit, or glibc_thp)
 * and b_ns (pv, the typed layer), both per element, and ratio: the median
 * over the iterations of b / a, each from two neighbouring runs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"

static const size_t pvb_sizes_pair[] = {10000000, 100000000, 0};

typedef struct pvb_pair {
  int (*a)(size_t n);
  int (*b)(size_t n);
} pvb_pair;

static const pvb_pair pvb_pair_pv_touch1 = {pvb_once_touch1, pvb_once_pv};
static const pvb_pair pvb_pair_pv_rvec = {pvb_once_rvec, pvb_once_pv};

/* The per-iteration ratios of one run, for their median. */
#define PVB_PAIR_MAX 1024
static double pvb_pair_ratio[PVB_PAIR_MAX];
static double pvb_pair_a[PVB_PAIR_MAX], pvb_pair_b[PVB_PAIR_MAX];

static int pvb_cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

static double pvb_median(double *v, size_t n) {
  qsort(v, n, sizeof v[0], pvb_cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void pvb_body_pair(pvb_state *s, const void *ctx) {
  const pvb_pair *pr = (const pvb_pair *)ctx;
  size_t n = pvb_size(s);
  uint64_t a_ns = 0, b_ns = 0, iters = 0;
  size_t nr = 0;
  while (pvb_keep_running(s)) {
    /* Alternate the order so that neither always runs on memory the other
     * has just freed. */
    const int a_first = iters % 2 == 0;
    int (*first)(size_t) = a_first ? pr->a : pr->b;
    int (*second)(size_t) = a_first ? pr->b : pr->a;
    uint64_t t0 = pvb_cpu_ns();
    int r1 = first(n);
    uint64_t t1 = pvb_cpu_ns();
    int r2 = second(n);
    uint64_t t2 = pvb_cpu_ns();
    uint64_t da = a_first ? t1 - t0 : t2 - t1;
    uint64_t db = a_first ? t2 - t1 : t1 - t0;
    a_ns += da;
    b_ns += db;
    if (nr < PVB_PAIR_MAX && da > 0) {
      pvb_pair_a[nr] = (double)da;
      pvb_pair_b[nr] = (double)db;
      pvb_pair_ratio[nr++] = (double)db / (double)da;
    }
    iters++;
    if (r1 != 0 || r2 != 0) {
      pvb_fail(s, "a peer failed");
      return;
    }
  }
  if (iters > 0 && a_ns > 0) {
    double per = (double)iters * (double)n;
    pvb_counter(s, "a_ns", (double)a_ns / per, false);
    pvb_counter(s, "b_ns", (double)b_ns / per, false);
    /* The median of the ratios of neighbouring runs: each pair ran within
     * a fraction of a second, so a slow phase of the machine hits both. */
    pvb_counter(s, "ratio", pvb_median(pvb_pair_ratio, nr), false);
    /* Also each peer's own median time per element, and the ratio of the
     * totals: when one peer has a heavy tail (a slow phase of page zeroing
     * hitting some of its runs) the three tell different stories, and the
     * table shows them all. */
    pvb_counter(s, "a_med_ns", pvb_median(pvb_pair_a, nr) / (double)n, false);
    pvb_counter(s, "b_med_ns", pvb_median(pvb_pair_b, nr) / (double)n, false);
    pvb_counter(s, "ratio_total", (double)b_ns / (double)a_ns, false);
  }
  /* Both peers' elements: the row's own time per element is their sum. */
  pvb_set_work(s, 2 * n, sizeof(uint64_t));
}

PVB_REGISTER_FN(pair_register) {
  pvb_bench b;
  b.name = "pair/pv_touch1";
  b.fn = pvb_body_pair;
  b.ctx = &pvb_pair_pv_touch1;
  b.sizes = pvb_sizes_pair;
  b.flags = 0;
  (void)pvb_register(&b);
  /* glibc with the hugetlb tunable: run in the process that has it (pv
   * does not use malloc for its data, so the tunable does not touch it).
   * Plain glibc is far enough behind not to need pairing. */
  if (strcmp(pvb_rvec_name(), "glibc_thp") == 0) {
    b.name = "pair/pv_glibc_thp";
    b.ctx = &pvb_pair_pv_rvec;
    (void)pvb_register(&b);
  }
}

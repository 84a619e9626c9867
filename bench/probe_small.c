/*
 * bench/probe_small.c - the measurement behind the small-phase threshold
 * (PV__STORE_SMALL_MAX in lib/store.h, docs/container.md "The small phase").
 *
 * For each size from 4 KiB to 1 MiB (u64 elements, typed push from empty),
 * it times three ways of building a vector of that size and freeing it:
 *   realloc  a hand-written realloc-doubling vector (the peer);
 *   pages    a paged_vec with PV_VEC_PAGES (its own mapping from the first
 *            element: what every default vector was before the small phase);
 *   default  a default paged_vec (small phase, then pages past the threshold).
 * and create + push 16 + destroy for the same three.  The methods alternate
 * in one process in a balanced order (bench/order.h), ROUNDS rounds; each cell
 * is the median time per build and the median of the per-round ratios
 * realloc / method (above 1: the method is faster than realloc).
 *
 * Usage: bench/probe_small [rounds]   (default 9)
 * It is a probe, not part of `make bench`: build it with
 * `make bench/probe_small`.
 */
#include "config.h" /* clock_gettime: the system extensions */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paged_vec/typed.h"

#include "order.h"

PV_VEC_DEFINE(u64vec, uint64_t);

typedef struct rvec {
  uint64_t *d;
  size_t len, cap;
} rvec;

/* The peer: push with capacity doubling from 4 elements. */
static int rvec_push(rvec *r, uint64_t x) {
  if (r->len == r->cap) {
    size_t nc = r->cap ? r->cap * 2 : 4;
    uint64_t *p = realloc(r->d, nc * sizeof *p);
    if (p == NULL) return -1;
    r->d = p;
    r->cap = nc;
  }
  r->d[r->len++] = x;
  return 0;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static volatile uint64_t sink;

/* One build and free of n elements, `reps` times; seconds per build. */
static double run_realloc(size_t n, size_t reps) {
  double t0 = now_s();
  for (size_t k = 0; k < reps; k++) {
    rvec r = {0};
    for (size_t i = 0; i < n; i++)
      if (rvec_push(&r, i) != 0) abort();
    sink += r.d[n / 2];
    free(r.d);
  }
  return (now_s() - t0) / (double)reps;
}

static double run_pv(size_t n, size_t reps, unsigned flags) {
  pv_vec_opts o = {0};
  o.flags = flags;
  double t0 = now_s();
  for (size_t k = 0; k < reps; k++) {
    u64vec v;
    if (u64vec_init_opts(&v, &o) != 0) abort();
    for (size_t i = 0; i < n; i++)
      if (u64vec_push(&v, i) != 0) abort();
    sink += u64vec_data(&v)[n / 2];
    u64vec_destroy(&v);
  }
  return (now_s() - t0) / (double)reps;
}

enum { M_REALLOC, M_PAGES, M_DEFAULT, M_COUNT };
static const char *const mname[M_COUNT] = {"realloc", "pages", "default"};

static double run(int m, size_t n, size_t reps) {
  switch (m) {
  case M_REALLOC: return run_realloc(n, reps);
  case M_PAGES: return run_pv(n, reps, PV_VEC_PAGES);
  default: return run_pv(n, reps, 0);
  }
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *x, size_t n) {
  qsort(x, n, sizeof *x, cmp_d);
  return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

#define MAX_ROUNDS 64

/* Paired rounds for n elements; prints one line. */
static void row(const char *label, size_t n, size_t rounds) {
  /* About 20 ms of work per method and round. */
  size_t reps = 2000000 / (n + 16) + 1;
  double t[M_COUNT][MAX_ROUNDS], ratio[M_COUNT][MAX_ROUNDS];
  for (int m = 0; m < M_COUNT; m++) (void)run(m, n, reps / 4 + 1); /* warm */
  for (size_t r = 0; r < rounds; r++) {
    double cur[M_COUNT];
    for (int j = 0; j < M_COUNT; j++) {
      int m = (int)pvb_order(r, (size_t)j, M_COUNT);
      cur[m] = run(m, n, reps);
    }
    for (int m = 0; m < M_COUNT; m++) {
      t[m][r] = cur[m];
      ratio[m][r] = cur[M_REALLOC] / cur[m];
    }
  }
  printf("%-14s", label);
  for (int m = 0; m < M_COUNT; m++) {
    double mt = median(t[m], rounds);
    printf("  %9.2f us", mt * 1e6);
    if (m != M_REALLOC) printf(" (%5.2fx)", median(ratio[m], rounds));
  }
  printf("\n");
}

int main(int argc, char **argv) {
  size_t rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 9;
  if (rounds < 1 || rounds > MAX_ROUNDS) rounds = 9;
  printf("paged_vec small-phase probe: %zu paired rounds, medians; "
         "(x) = realloc time / method time\n", rounds);
  printf("%-14s", "build+free");
  for (int m = 0; m < M_COUNT; m++) printf("  %-22s", mname[m]);
  printf("\n");
  row("push16", 16, rounds);
  for (size_t bytes = 4096; bytes <= (size_t)1 << 20; bytes *= 2) {
    char label[32];
    snprintf(label, sizeof label, "%zu KiB", bytes >> 10);
    row(label, bytes / sizeof(uint64_t), rounds);
  }
  return (int)(sink & 0);
}

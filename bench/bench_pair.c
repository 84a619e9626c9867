/*
 * bench/bench_pair.c - the paired workloads: every method (peer) that this
 * process offers (pvb_method) runs the same workload inside one process,
 * round after round, in a balanced order (bench/order.h: every method
 * runs right after every other equally often), each run timed alone.  The
 * ratios the targets quote are taken inside each round, between
 * neighbouring runs, and reported as the median over the rounds with
 * their minimum and maximum.
 *
 * Why: on a shared virtual machine the cost of a first-touch page fault
 * drifts by tens of percent from one minute to the next and by an order of
 * magnitude between hosts.  Methods measured in separate processes land on
 * different sides of such drifts; alternated in one process they see the
 * same conditions, so their ratio is what is measured, not the drift.
 *
 * A row "pair_<workload>/<process>/<N>" (process: the allocator of this
 * process, pvb_rvec_name: glibc, glibc_thp, jemalloc, ...) runs once (one
 * Google Benchmark iteration, PVB_COLD) and reports, for every method m:
 *   m.t, m.tmin, m.tmax   CPU ns per element (the process's, all threads;
 *                         wall-clock ns for a PVB_M_WALL method and for
 *                         every method of pair_populate): median, min,
 *                         max over the rounds
 *   m.r, m.rmin, m.rmax   m's time / pv's time in the same round: median,
 *                         min, max (a PVB_M_WALL method against pv's
 *                         wall-clock time)
 *   m.l, m.lmin, m.lmax   m's time / touch1's (the first-touch limit) in
 *                         the same round, where touch1 runs: median, min,
 *                         max (by the clock m's ratios use)
 *   m.g, m.gmin, m.gmax   m's time / glibc's (the realloc vector on glibc
 *                         malloc) in the same round, where glibc runs
 *   m.rss                 peak RSS of one run above the RSS before it
 *                         (median over rounds, bytes)
 *   m.wall                1 if m's ratios are by the wall clock
 *   m.fail                1 (and nothing else) if a run of m failed: it
 *                         left the row, the others went on
 * and "rounds", the number of rounds.  The methods are those named in
 * PVB_METHODS (the runner sets it from the peer files' "host" field), else
 * all that registered.  The runner starts the rows in several processes
 * (make bench: 3) and the table reports the spread across them.
 *
 * The rounds: PVB_ROUNDS in the environment (at least PVB_ROUNDS_MIN, the
 * default), after one untimed warm-up round below PVB_WARM_MAX elements (a
 * round at 10^8 costs seconds, and a first run is then one more sample of
 * what a program that builds one large vector pays).
 *
 * The host's memory: these virtual machines give guest memory that stays
 * free for about a second back to the host (virtio_balloon free page
 * reporting), and the next first touch of it faults on the host too, at
 * 5-8x the cost.  A one-time warm-up is undone within seconds, so without
 * more the run after any pause (the first of a row, the one after a slow
 * teardown) pays it, whichever method that is.  So before each timed run
 * that builds at least PVB_WARM_MAX elements (build, reserve, populate),
 * untimed, pvb_warm_host touches and frees twice the bytes the run stores:
 * every method then faults memory that the host backs.
 *
 * "pair_slurp/<process>/<bytes>" reads a file of that many bytes (made
 * once per process in $TMPDIR, read once to warm it in the page cache
 * before the rounds, removed after them) whole into a byte buffer and
 * indexes its lines (the offset of every '\n' into a vector of uint64_t):
 * pv_vec_read_file against read(2) into a realloc-doubling buffer (the
 * methods with a slurp operation); its times are per byte.
 *
 * "limit_as/<process>/<MiB>" is the largest-vector workload: each method in
 * a child process under RLIMIT_AS of its address space at start plus MiB,
 * pushing until a push fails; m.frac is the bytes it reached / MiB, -1 if
 * the child died instead of failing the push (GLib aborts, for one).
 */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "order.h"
#include "peer.h"

/* ---- the methods ------------------------------------------------------ */

#define PVB_METHODS_MAX 16
#define PVB_METHOD_NAME 32
typedef struct pvb_meth {
  char name[PVB_METHOD_NAME];
  const pvb_ops *ops;
  const void *ctx;
  unsigned flags;
} pvb_meth;
static pvb_meth pvb_meths[PVB_METHODS_MAX];
static size_t pvb_nmeths;

void pvb_method(const char *name, const pvb_ops *ops, const void *ctx,
                unsigned flags) {
  pvb_meth *m;
  if (pvb_nmeths == PVB_METHODS_MAX || ops == NULL)
    return; /* the rows then lack it: visible in the table */
  m = &pvb_meths[pvb_nmeths++];
  snprintf(m->name, sizeof m->name, "%s", name);
  m->ops = ops;
  m->ctx = ctx;
  m->flags = flags;
}

/* ---- the workloads ---------------------------------------------------- */

enum { PVB_P_BUILD, PVB_P_RESERVE, PVB_P_LIVE, PVB_P_HASH, PVB_P_MIXED, PVB_P_SLURP,
       PVB_P_LARGEST, PVB_P_POPULATE };

typedef struct pvb_pwl {
  const char *name;
  int kind;
  const size_t *sizes; /* N: elements, vectors or buckets; 0-terminated */
  size_t per;          /* live: elements per vector; hash: records per bucket */
} pvb_pwl;

/* The build-and-free loop at every power of ten and at 16 (create, push
 * 16, destroy: the small-vector cost), so that the crossover is a line. */
static const size_t pvb_sz_build[] = {16,      100,      1000,      10000,
                                      100000,  1000000,  10000000,  100000000,
                                      0};
static const size_t pvb_sz_reserve[] = {1000, 100000, 10000000, 0};
static const size_t pvb_sz_live[] = {1000000, 0};
static const size_t pvb_sz_hash[] = {100000, 1000000, 0};
/* The mixed program: this many vectors, sizes log-uniform in
 * [1, PVB_MIXED_MAX], the last PVB_MIXED_LIVE of them alive at a time. */
static const size_t pvb_sz_mixed[] = {32, 0};
/* The file the slurp reads: 1 GiB. */
static const size_t pvb_sz_slurp[] = {(size_t)1 << 30, 0};
#define PVB_MIXED_MAX 10000000.0
#define PVB_MIXED_LIVE 8u
#define PVB_MIXED_COUNT_MAX 32u
/* Elements per vector in live; records per bucket in hash (a hash table
 * at load factor 4). */
#define PVB_LIVE_PER 16u
#define PVB_HASH_PER 4u

/* Building a vector of known size: pv reserves, populates with
 * PVB_POPULATE_THREADS threads (pv_vec_populate) and pushes; the limits
 * write a pre-sized buffer once, touch1 from one thread (the single-thread
 * first touch the target divides by), touchp from every core.  Timed by
 * the wall clock for every method (threads: the CPU clock would add them
 * up).  10^7 is bench-quick's size, 10^8 the target's. */
static const size_t pvb_sz_populate[] = {10000000, 100000000, 0};
#define PVB_POPULATE_THREADS 2u

static const pvb_pwl pvb_pwls[] = {
    {"pair_build", PVB_P_BUILD, pvb_sz_build, 0},
    {"pair_reserve", PVB_P_RESERVE, pvb_sz_reserve, 0},
    {"pair_live16", PVB_P_LIVE, pvb_sz_live, PVB_LIVE_PER},
    {"pair_hash", PVB_P_HASH, pvb_sz_hash, PVB_HASH_PER},
    {"pair_mixed", PVB_P_MIXED, pvb_sz_mixed, 0},
    {"pair_slurp", PVB_P_SLURP, pvb_sz_slurp, 0},
    {"pair_populate", PVB_P_POPULATE, pvb_sz_populate, 0},
};

/* A run of build or reserve repeats the loop until it has pushed at least
 * this many elements: long enough for the clock at N = 16. */
#define PVB_RUN_ELEMS ((size_t)1 << 20)
#define PVB_ROUNDS_MIN 7u
#define PVB_ROUNDS_MAX 64u
#define PVB_WARM_MAX ((size_t)10000000)

static size_t pvb_mixed_sizes[PVB_MIXED_COUNT_MAX];

/* The mixed program's sizes: log-uniform, from a fixed seed (the same
 * program for every method and every run). */
static size_t pvb_mixed_make(size_t count) {
  uint64_t rng = 12345;
  size_t k, total = 0;
  for (k = 0; k < count && k < PVB_MIXED_COUNT_MAX; k++) {
    double u;
    rng = rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    u = (double)(rng >> 11) / 9007199254740992.0; /* [0, 1), 53 bits */
    pvb_mixed_sizes[k] = (size_t)exp(u * log(PVB_MIXED_MAX));
    if (pvb_mixed_sizes[k] == 0)
      pvb_mixed_sizes[k] = 1;
    total += pvb_mixed_sizes[k];
  }
  return total;
}

/* ---- the slurp's file ------------------------------------------------- */

/* Lines of 1 to PVB_SLURP_LINE_MAX bytes (newline included), from a fixed
 * seed; written in blocks of PVB_SLURP_BLOCK bytes. */
#define PVB_SLURP_LINE_MAX 128u
#define PVB_SLURP_BLOCK ((size_t)1 << 20)
static char pvb_slurp_path[512];

/* Makes a file of n bytes of lines at pvb_slurp_path and reads it once
 * (into the page cache).  0, or -1 with no file left behind. */
static int pvb_slurp_make(size_t n) {
  const char *dir = getenv("TMPDIR");
  char *buf = (char *)malloc(PVB_SLURP_BLOCK);
  uint64_t rng = 54321;
  size_t done = 0, line = 0;
  int fd;
  snprintf(pvb_slurp_path, sizeof pvb_slurp_path, "%s/pvb-slurp-XXXXXX",
           dir != NULL && dir[0] != '\0' ? dir : "/tmp");
  fd = buf != NULL ? mkstemp(pvb_slurp_path) : -1;
  while (fd >= 0 && done < n) {
    size_t k = n - done < PVB_SLURP_BLOCK ? n - done : PVB_SLURP_BLOCK, i;
    for (i = 0; i < k; i++) {
      if (line == 0) {
        rng = rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        line = 1 + (size_t)(rng >> 33) % PVB_SLURP_LINE_MAX;
      }
      buf[i] = --line == 0 ? '\n' : (char)('a' + (done + i) % 26);
    }
    if (write(fd, buf, k) != (ssize_t)k) {
      close(fd);
      unlink(pvb_slurp_path);
      fd = -1;
    }
    done += k;
  }
  if (fd >= 0) {
    /* Warm: every page of it in the page cache before the first round. */
    (void)lseek(fd, 0, SEEK_SET);
    while (read(fd, buf, PVB_SLURP_BLOCK) > 0) {
    }
    close(fd);
  }
  free(buf);
  return fd >= 0 ? 0 : -1;
}

/* Whether method m runs workload w at n. */
static int pvb_runs(const pvb_pwl *w, const pvb_meth *m, size_t n) {
  const pvb_ops *o = m->ops;
  if ((m->flags & PVB_M_LIMIT) && n < PVB_LIMIT_MIN_N)
    return 0;
  switch (w->kind) {
  case PVB_P_BUILD: return o->build != NULL;
  case PVB_P_RESERVE: return o->reserve_fill != NULL;
  case PVB_P_LIVE: return o->live != NULL;
  case PVB_P_HASH: return o->hash != NULL;
  case PVB_P_MIXED: return o->mixed != NULL;
  case PVB_P_SLURP: return o->slurp != NULL;
  case PVB_P_POPULATE:
    /* pv's populate, and the limits' build (a first touch of n elements). */
    return o->populate_fill != NULL || ((m->flags & PVB_M_LIMIT) && o->build != NULL);
  default: return o->largest != NULL;
  }
}

/* The elements one run of w at n stores (for the per-element times) and
 * their bytes (for nothing but the peak RSS ratio the table may show). */
static size_t pvb_run_elems(const pvb_pwl *w, size_t n, size_t *times) {
  *times = 1;
  switch (w->kind) {
  case PVB_P_BUILD:
  case PVB_P_RESERVE:
    *times = n >= PVB_RUN_ELEMS ? 1 : (PVB_RUN_ELEMS + n - 1) / n;
    return n * *times;
  case PVB_P_LIVE:
  case PVB_P_HASH: return n * w->per;
  case PVB_P_SLURP: return n;
  case PVB_P_POPULATE: return n;
  default: return pvb_mixed_make(n);
  }
}

/* One run of m: 0, or -1 if the peer failed. */
static int pvb_run(const pvb_pwl *w, const pvb_meth *m, size_t n, size_t times) {
  const pvb_ops *o = m->ops;
  switch (w->kind) {
  case PVB_P_BUILD: return o->build(m->ctx, n, times);
  case PVB_P_RESERVE: return o->reserve_fill(m->ctx, n, times);
  case PVB_P_LIVE: return o->live(m->ctx, n, w->per);
  case PVB_P_HASH: return o->hash(m->ctx, n, n * w->per);
  case PVB_P_SLURP: return o->slurp(m->ctx, pvb_slurp_path, n);
  case PVB_P_POPULATE:
    return o->populate_fill != NULL ? o->populate_fill(m->ctx, n, PVB_POPULATE_THREADS)
                                    : o->build(m->ctx, n, times);
  default:
    return o->mixed(m->ctx, pvb_mixed_sizes, n < PVB_MIXED_COUNT_MAX ? n : PVB_MIXED_COUNT_MAX,
                    PVB_MIXED_LIVE);
  }
}

/* ---- statistics ------------------------------------------------------- */

static int pvb_cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Sorts v[0 .. n-1] (n >= 1) and gives its median, min and max. */
static void pvb_stats(double *v, size_t n, double *med, double *lo, double *hi) {
  qsort(v, n, sizeof v[0], pvb_cmp_double);
  *med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  *lo = v[0];
  *hi = v[n - 1];
}

static size_t pvb_rounds(void) {
  const char *e = getenv("PVB_ROUNDS");
  unsigned long r = e != NULL ? strtoul(e, NULL, 10) : 0;
  if (r < PVB_ROUNDS_MIN)
    r = PVB_ROUNDS_MIN;
  if (r > PVB_ROUNDS_MAX)
    r = PVB_ROUNDS_MAX;
  return (size_t)r;
}

/* ---- the paired body -------------------------------------------------- */

/* The methods that run w at n here, as indexes into pvb_meths (idx has
 * room for PVB_METHODS_MAX): those named in PVB_METHODS (space-separated,
 * in that order; the runner sets it from the peer files' "host" field) or,
 * without it, every registered one.  Returns how many. */
static size_t pvb_chosen(const pvb_pwl *w, size_t n, size_t *idx) {
  const char *list = getenv("PVB_METHODS");
  size_t k, nm = 0;
  if (list == NULL) {
    for (k = 0; k < pvb_nmeths; k++)
      if (pvb_runs(w, &pvb_meths[k], n))
        idx[nm++] = k;
    return nm;
  }
  while (*list != '\0' && nm < PVB_METHODS_MAX) {
    size_t len = strcspn(list, " ");
    for (k = 0; k < pvb_nmeths; k++)
      if (strlen(pvb_meths[k].name) == len && strncmp(pvb_meths[k].name, list, len) == 0 &&
          pvb_runs(w, &pvb_meths[k], n))
        idx[nm++] = k;
    list += len;
    list += strspn(list, " ");
  }
  return nm;
}

/* Per round and method: CPU ns, wall ns, peak RSS bytes. */
static double pvb_cpu[PVB_ROUNDS_MAX][PVB_METHODS_MAX];
static double pvb_wall[PVB_ROUNDS_MAX][PVB_METHODS_MAX];
static double pvb_rss[PVB_ROUNDS_MAX][PVB_METHODS_MAX];

/* Touches and frees `bytes` of fresh memory (see the top of the file),
 * in huge pages where the kernel has them; quietly nothing if it cannot
 * map them (the run then goes on unwarmed). */
static void pvb_warm_host(size_t bytes) {
  const size_t ps = pvb_page_size();
  unsigned char *p;
  size_t k;
  p = (unsigned char *)mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return;
#ifdef MADV_HUGEPAGE
  (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
  for (k = 0; k < bytes; k += ps)
    p[k] = 1;
  (void)munmap(p, bytes);
}

/* Whether a run of w at n is large enough to warm the host's memory for:
 * the workloads that build n elements of uint64_t, from PVB_WARM_MAX. */
static int pvb_warms(const pvb_pwl *w, size_t n) {
  return n >= PVB_WARM_MAX &&
         (w->kind == PVB_P_BUILD || w->kind == PVB_P_RESERVE || w->kind == PVB_P_POPULATE);
}

/* The clocks and the RSS around one timed run: started just before it,
 * stopped into round r's slot i just after. */
typedef struct pvb_clock {
  size_t rss0;
  uint64_t c0, w0;
} pvb_clock;
static pvb_clock pvb_clock_start(void) {
  pvb_clock c;
  c.rss0 = pvb_rss_bytes();
  pvb_peak_reset();
  c.c0 = pvb_cpu_ns();
  c.w0 = pvb_now_ns();
  return c;
}
static void pvb_clock_stop(const pvb_clock *c, size_t r, size_t i) {
  size_t peak;
  pvb_wall[r][i] = (double)(pvb_now_ns() - c->w0);
  pvb_cpu[r][i] = (double)(pvb_cpu_ns() - c->c0);
  peak = pvb_peak_bytes();
  pvb_rss[r][i] = peak > c->rss0 ? (double)(peak - c->rss0) : 0.0;
}

/* Times one run of m into round r's slot i.  0, or -1 on failure. */
static int pvb_timed(const pvb_pwl *w, const pvb_meth *m, size_t n,
                     size_t times, size_t r, size_t i) {
  pvb_clock c;
  int rc;
  if (pvb_warms(w, n))
    pvb_warm_host(2 * n * sizeof(uint64_t));
  c = pvb_clock_start();
  rc = pvb_run(w, m, n, times);
  pvb_clock_stop(&c, r, i);
  return rc;
}

/* The methods every other method's time is divided by in the same round,
 * where they run, and the stat family each ratio is reported under; self:
 * whether the method reports its ratio to itself (pv's m.r is 1, so that
 * every method of a row has one; a limit's is left out). */
typedef struct pvb_ref {
  const char *method, *stat;
  int self;
} pvb_ref;
static const pvb_ref pvb_refs[] = {{"pv", "r", 1}, {"touch1", "l", 0}, {"glibc", "g", 0}};
#define PVB_NREFS (sizeof pvb_refs / sizeof pvb_refs[0])

/* ref[k]: the slot of pvb_refs[k] among the nm methods named[], SIZE_MAX
 * where it does not run here or failed (no ratios to a failed run). */
static void pvb_ref_slots(const char *const *named, const int *failed, size_t nm,
                          size_t *ref) {
  size_t k, j;
  for (k = 0; k < PVB_NREFS; k++) {
    ref[k] = SIZE_MAX;
    for (j = 0; j < nm; j++)
      if (!failed[j] && strcmp(named[j], pvb_refs[k].method) == 0)
        ref[k] = j;
  }
}

/* Counter "<method>.<stat>" and its "min" and "max": the statistics of
 * v[0 .. rounds). */
static void pvb_put3(pvb_state *s, const char *method, const char *stat, double *v,
                     size_t rounds) {
  static const char *const part[3] = {"", "min", "max"};
  double x[3];
  char name[PVB_METHOD_NAME + 16];
  size_t k;
  pvb_stats(v, rounds, &x[0], &x[1], &x[2]);
  for (k = 0; k < 3; k++) {
    snprintf(name, sizeof name, "%s.%s%s", method, stat, part[k]);
    pvb_counter(s, name, x[k], false);
  }
}

/* Reports the counters of method m, whose runs are in slot i (see the top
 * of the file); ref as pvb_ref_slots sets it; w is the paired workload
 * (NULL for the file rows, timed as m's flags say). */
static void pvb_report(pvb_state *s, const pvb_pwl *w, const pvb_meth *m, size_t i,
                       const size_t *ref, size_t rounds, double elems) {
  double t[PVB_ROUNDS_MAX], x[PVB_ROUNDS_MAX], med, lo, hi;
  const int wall = (m->flags & PVB_M_WALL) != 0 || (w != NULL && w->kind == PVB_P_POPULATE);
  double(*const clock)[PVB_METHODS_MAX] = wall ? pvb_wall : pvb_cpu;
  char name[PVB_METHOD_NAME + 8];
  size_t r, k;
  for (r = 0; r < rounds; r++) {
    t[r] = clock[r][i] / elems;
    x[r] = pvb_rss[r][i];
  }
  pvb_put3(s, m->name, "t", t, rounds);
  for (k = 0; k < PVB_NREFS; k++) {
    if (ref[k] == SIZE_MAX || (ref[k] == i && !pvb_refs[k].self)) continue;
    for (r = 0; r < rounds; r++)
      t[r] = clock[r][ref[k]] > 0 ? clock[r][i] / clock[r][ref[k]] : 0.0;
    pvb_put3(s, m->name, pvb_refs[k].stat, t, rounds);
  }
  pvb_stats(x, rounds, &med, &lo, &hi);
  snprintf(name, sizeof name, "%s.rss", m->name);
  pvb_counter(s, name, med, false);
  snprintf(name, sizeof name, "%s.wall", m->name);
  pvb_counter(s, name, wall ? 1.0 : 0.0, false);
}

static void pvb_body_paired(pvb_state *s, const void *ctx) {
  const pvb_pwl *w = (const pvb_pwl *)ctx;
  const size_t n = pvb_size(s), rounds = pvb_rounds();
  size_t idx[PVB_METHODS_MAX], nm = 0, ref[PVB_NREFS], times, elems, r, k;
  int failed[PVB_METHODS_MAX] = {0};
  const char *named[PVB_METHODS_MAX];
  char name[PVB_METHOD_NAME + 8];
  nm = pvb_chosen(w, n, idx);
  for (k = 0; k < nm; k++)
    named[k] = pvb_meths[idx[k]].name;
  elems = pvb_run_elems(w, n, &times);
  if (w->kind == PVB_P_SLURP && nm != 0 && pvb_slurp_make(n) != 0) {
    pvb_fail(s, "cannot write the file to read in $TMPDIR");
    return;
  }
  while (pvb_keep_running(s)) {
    if (nm == 0) {
      pvb_fail(s, "no method runs this workload here");
      return;
    }
    /* A method that fails (a peer out of memory) drops out of the row and
     * is reported as failed; the others go on. */
    if (n < PVB_WARM_MAX)
      for (k = 0; k < nm; k++)
        if (pvb_run(w, &pvb_meths[idx[k]], n, times) != 0)
          failed[k] = 1;
    for (r = 0; r < rounds; r++)
      for (k = 0; k < nm; k++) {
        const size_t j = pvb_order(r, k, nm);
        if (!failed[j] && pvb_timed(w, &pvb_meths[idx[j]], n, times, r, j) != 0)
          failed[j] = 1;
      }
  }
  pvb_ref_slots(named, failed, nm, ref);
  for (k = 0; k < nm; k++) {
    if (failed[k]) {
      snprintf(name, sizeof name, "%s.fail", pvb_meths[idx[k]].name);
      pvb_counter(s, name, 1.0, false);
    } else {
      pvb_report(s, w, &pvb_meths[idx[k]], k, ref, rounds, (double)elems);
    }
  }
  if (w->kind == PVB_P_SLURP)
    unlink(pvb_slurp_path);
  pvb_counter(s, "rounds", (double)rounds, false);
  pvb_set_work(s, elems, w->kind == PVB_P_SLURP ? 1 : sizeof(uint64_t));
}

/* ---- the largest vector under RLIMIT_AS ------------------------------- */

static const size_t pvb_sz_limit_as[] = {1024, 0}; /* MiB of address space */
static const pvb_pwl pvb_pwl_largest = {"limit_as", PVB_P_LARGEST, pvb_sz_limit_as, 0};
#define PVB_MIB ((size_t)1 << 20)

/* The process's address space now (VmSize from statm), in bytes. */
static size_t pvb_vm_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long long pages = 0;
  int got;
  if (f == NULL)
    return 0;
  got = fscanf(f, "%llu", &pages);
  fclose(f);
  return got == 1 ? (size_t)pages * pvb_page_size() : 0;
}

/* In a child under RLIMIT_AS = its address space + room: how many elements
 * method m reached.  -1 if the child did not report (it died). */
static double pvb_largest_in_child(const pvb_meth *m, size_t room) {
  int fds[2], status = 0;
  size_t got = 0;
  ssize_t rd;
  pid_t pid;
  if (pipe(fds) != 0)
    return -1;
  pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    struct rlimit rl;
    size_t n;
    close(fds[0]);
    rl.rlim_cur = rl.rlim_max = (rlim_t)(pvb_vm_bytes() + room);
    if (setrlimit(RLIMIT_AS, &rl) != 0)
      _exit(1);
    n = m->ops->largest(m->ctx);
    if (write(fds[1], &n, sizeof n) != (ssize_t)sizeof n)
      _exit(1);
    _exit(0);
  }
  close(fds[1]);
  rd = read(fds[0], &got, sizeof got);
  close(fds[0]);
  (void)waitpid(pid, &status, 0);
  if (rd != (ssize_t)sizeof got || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return -1;
  return (double)got;
}

static void pvb_body_limit_as(pvb_state *s, const void *ctx) {
  const size_t room = pvb_size(s) * PVB_MIB;
  char name[PVB_METHOD_NAME + 8];
  size_t idx[PVB_METHODS_MAX], nm, k;
  (void)ctx;
  nm = pvb_chosen(&pvb_pwl_largest, pvb_size(s), idx);
  while (pvb_keep_running(s)) {
    for (k = 0; k < nm; k++) {
      const pvb_meth *m = &pvb_meths[idx[k]];
      double n = pvb_largest_in_child(m, room);
      snprintf(name, sizeof name, "%s.frac", m->name);
      pvb_counter(s, name, n < 0 ? -1.0 : n * (double)sizeof(uint64_t) / (double)room,
                  false);
    }
  }
}

/* ---- files: a vector in a file against write(2) / read(2) ------------ */

/*
 * "pair_filepush/<process>/N": N u64 pushed one by one into a file vector
 * (pv_vec_open, push, destroy: the file is then the header and the
 * elements) against the realloc vector of bench_rvec.c's kind (doubling)
 * written to a file with write(2) and closed.  Neither syncs: both end
 * with the bytes in the page cache, which is what a program that builds a
 * file pays; durability costs the same device writes for both.
 * "pair_filesum/<process>/N": the file reopened and summed: pv_vec_open
 * read-only and a loop over data, against open + read(2) of the elements
 * into a malloc'd buffer and the same loop; the page cache holds the file.
 * "pair_filesumcold/<process>/N": the same with the file's pages dropped from
 * the page cache before every run (fdatasync, then posix_fadvise
 * POSIX_FADV_DONTNEED, untimed: needs no privilege, unlike drop_caches);
 * "cold" is 1 when the drop was accepted, and "cold_resident" the fraction
 * of the file still cached after it (mincore), so a drop the system did
 * not honour shows in the row.
 * Methods "pv" and "write" / "read", timed by the wall clock (the kernel's
 * file work is part of the cost), PVB_FILE_ROUNDS rounds (whatever
 * PVB_ROUNDS says: 800 MB a run) in bench/order.h's order, which for two
 * methods alternates; only in the default allocator's process (the file
 * side is the kernel's, not malloc's), and not in `make bench-quick`
 * (bench/run.sh).  Files go to $TMPDIR (default /tmp).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "paged_vec.h"

enum { PVB_F_PUSH, PVB_F_SUM_WARM, PVB_F_SUM_COLD };
typedef struct pvb_fwl {
  const char *name;
  int kind;
} pvb_fwl;
static const pvb_fwl pvb_fwls[] = {{"pair_filepush", PVB_F_PUSH},
                                   {"pair_filesum", PVB_F_SUM_WARM},
                                   {"pair_filesumcold", PVB_F_SUM_COLD}};
static const size_t pvb_sz_file[] = {100000000, 0};
/* Each run moves 800 MB through the page cache: fewer rounds than the
 * memory rows (the spread over them is reported as for every row). */
#define PVB_FILE_ROUNDS 3u
/* The realloc vector's first capacity (as bench_rvec.c's doubling). */
#define PVB_FILE_RVEC_MIN 16u
#define PVB_FILE_HDR PV_FILE_DATA_OFFSET

static char pvb_fpath[2][512]; /* the pv file, the write(2) file */
static volatile uint64_t pvb_fsink;

static void pvb_file_paths(void) {
  const char *t = getenv("TMPDIR");
  if (t == NULL || *t == '\0') t = "/tmp";
  snprintf(pvb_fpath[0], sizeof pvb_fpath[0], "%s/pvb_file_%ld_pv.npy", t, (long)getpid());
  snprintf(pvb_fpath[1], sizeof pvb_fpath[1], "%s/pvb_file_%ld_raw.bin", t, (long)getpid());
}

static int pvb_file_pv_push(size_t n) {
  pv_vec_file_opts o;
  pv_vec v;
  uint64_t i;
  memset(&o, 0, sizeof o);
  o.elem_size = sizeof(uint64_t);
  o.flags = PV_OPEN_CREATE | PV_OPEN_TRUNCATE;
  o.dtype = "<u8";
  if (pv_vec_open(&v, pvb_fpath[0], &o) != 0)
    return -1;
  for (i = 0; i < n; i++)
    if (pv_vec_push(&v, &i) != 0) {
      pv_vec_destroy(&v);
      return -1;
    }
  return pv_vec_destroy(&v) == 0 ? 0 : -1;
}

/* All of [p, p + len) written to fd. */
static int pvb_write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w <= 0)
      return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

static int pvb_file_raw_push(size_t n) {
  uint64_t *b = NULL, i;
  size_t cap = 0;
  int fd, rc;
  for (i = 0; i < n; i++) {
    if (i == cap) {
      size_t nc = cap == 0 ? PVB_FILE_RVEC_MIN : 2 * cap;
      uint64_t *nb = realloc(b, nc * sizeof *b);
      if (nb == NULL) {
        free(b);
        return -1;
      }
      b = nb;
      cap = nc;
    }
    b[i] = i;
  }
  fd = open(pvb_fpath[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  rc = fd < 0 ? -1 : pvb_write_all(fd, (const char *)b, n * sizeof *b);
  if (fd >= 0 && close(fd) != 0)
    rc = -1;
  free(b);
  return rc;
}

static int pvb_file_pv_sum(size_t n) {
  pv_vec_file_opts o;
  pv_vec v;
  const uint64_t *d;
  uint64_t sum = 0;
  size_t i;
  memset(&o, 0, sizeof o);
  o.flags = PV_OPEN_READONLY;
  if (pv_vec_open(&v, pvb_fpath[0], &o) != 0)
    return -1;
  d = pv_vec_data(&v);
  for (i = 0; i < v.len; i++)
    sum += d[i];
  pvb_fsink = sum;
  i = v.len;
  pv_vec_destroy(&v);
  return i == n ? 0 : -1;
}

/* open + read(2) of the same file's elements into a buffer, then the sum. */
static int pvb_file_raw_sum(size_t n) {
  size_t len = n * sizeof(uint64_t), got = 0, i;
  uint64_t *b = malloc(len), sum = 0;
  int fd = open(pvb_fpath[0], O_RDONLY | O_CLOEXEC);
  if (b == NULL || fd < 0 || lseek(fd, (off_t)PVB_FILE_HDR, SEEK_SET) < 0) {
    free(b);
    if (fd >= 0)
      close(fd);
    return -1;
  }
  while (got < len) {
    ssize_t r = read(fd, (char *)b + got, len - got);
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  for (i = 0; i < got / sizeof *b; i++)
    sum += b[i];
  pvb_fsink = sum;
  free(b);
  return got == len ? 0 : -1;
}

/* Drop the pv file's pages from the page cache; 0 if the kernel took it.
 * *resident: the fraction still cached afterwards (mincore), -1 unknown. */
static int pvb_file_drop(double *resident) {
  struct stat st;
  int fd = open(pvb_fpath[0], O_RDONLY | O_CLOEXEC), rc = -1;
  *resident = -1.0;
  if (fd < 0)
    return -1;
  if (fstat(fd, &st) == 0 && fdatasync(fd) == 0 &&
      posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0)
    rc = 0;
  if (rc == 0 && st.st_size > 0) {
    size_t ps = pvb_page_size(), pages = ((size_t)st.st_size + ps - 1) / ps, in = 0, k;
    unsigned char *vec = malloc(pages);
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (vec != NULL && m != MAP_FAILED && mincore(m, (size_t)st.st_size, vec) == 0) {
      for (k = 0; k < pages; k++)
        in += vec[k] & 1;
      *resident = (double)in / (double)pages;
    }
    if (m != MAP_FAILED)
      munmap(m, (size_t)st.st_size);
    free(vec);
  }
  close(fd);
  return rc;
}

static int pvb_file_run(int kind, size_t method, size_t n) {
  if (kind == PVB_F_PUSH)
    return method == 0 ? pvb_file_pv_push(n) : pvb_file_raw_push(n);
  return method == 0 ? pvb_file_pv_sum(n) : pvb_file_raw_sum(n);
}

static void pvb_body_file(pvb_state *s, const void *ctx) {
  const pvb_fwl *w = (const pvb_fwl *)ctx;
  const size_t n = pvb_size(s);
  pvb_meth m[2];
  double resident = -1.0, res_sum = 0.0;
  int failed[2] = {0, 0}, dropped = 1;
  size_t r, k, drops = 0, ref[PVB_NREFS];
  const char *named[2];
  memset(m, 0, sizeof m);
  snprintf(m[0].name, sizeof m[0].name, "pv");
  snprintf(m[1].name, sizeof m[1].name, "%s", w->kind == PVB_F_PUSH ? "write" : "read");
  m[0].flags = m[1].flags = PVB_M_WALL;
  pvb_file_paths();
  if (w->kind != PVB_F_PUSH && pvb_file_pv_push(n) != 0) {
    pvb_fail(s, "cannot write the file to read");
    unlink(pvb_fpath[0]);
    return;
  }
  while (pvb_keep_running(s)) {
    for (r = 0; r < PVB_FILE_ROUNDS; r++)
      for (k = 0; k < 2; k++) {
        const size_t j = pvb_order(r, k, 2);
        pvb_clock c;
        if (failed[j])
          continue;
        if (w->kind == PVB_F_SUM_COLD) {
          if (pvb_file_drop(&resident) != 0)
            dropped = 0;
          else if (resident >= 0) {
            res_sum += resident;
            drops++;
          }
        }
        c = pvb_clock_start();
        if (pvb_file_run(w->kind, j, n) != 0)
          failed[j] = 1;
        pvb_clock_stop(&c, r, j);
      }
  }
  unlink(pvb_fpath[0]);
  unlink(pvb_fpath[1]);
  named[0] = m[0].name;
  named[1] = m[1].name;
  pvb_ref_slots(named, failed, 2, ref);
  for (k = 0; k < 2; k++) {
    if (failed[k]) {
      char name[PVB_METHOD_NAME + 8];
      snprintf(name, sizeof name, "%.31s.fail", m[k].name);
      pvb_counter(s, name, 1.0, false);
    } else {
      pvb_report(s, NULL, &m[k], k, ref, PVB_FILE_ROUNDS, (double)n);
    }
  }
  if (w->kind == PVB_F_SUM_COLD) {
    pvb_counter(s, "cold", dropped ? 1.0 : 0.0, false);
    pvb_counter(s, "cold_resident", drops ? res_sum / (double)drops : -1.0, false);
  }
  pvb_counter(s, "rounds", (double)PVB_FILE_ROUNDS, false);
  pvb_set_work(s, n, sizeof(uint64_t));
}

PVB_REGISTER_FN(pair_register) {
  char name[128];
  size_t k;
  pvb_bench b;
  for (k = 0; k < sizeof pvb_pwls / sizeof pvb_pwls[0]; k++) {
    snprintf(name, sizeof name, "%s/%s", pvb_pwls[k].name, pvb_rvec_name());
    b.name = name;
    b.fn = pvb_body_paired;
    b.ctx = &pvb_pwls[k];
    b.sizes = pvb_pwls[k].sizes;
    b.flags = PVB_COLD;
    (void)pvb_register(&b);
  }
  snprintf(name, sizeof name, "limit_as/%s", pvb_rvec_name());
  b.name = name;
  b.fn = pvb_body_limit_as;
  b.ctx = NULL;
  b.sizes = pvb_pwl_largest.sizes;
  b.flags = PVB_COLD;
  (void)pvb_register(&b);
  if (strcmp(pvb_rvec_name(), "glibc") != 0)
    return; /* the file rows: the default allocator's process only */
  for (k = 0; k < sizeof pvb_fwls / sizeof pvb_fwls[0]; k++) {
    snprintf(name, sizeof name, "%s/%s", pvb_fwls[k].name, pvb_rvec_name());
    b.name = name;
    b.fn = pvb_body_file;
    b.ctx = &pvb_fwls[k];
    b.sizes = pvb_sz_file;
    b.flags = PVB_COLD;
    (void)pvb_register(&b);
  }
}

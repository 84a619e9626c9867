/*
 * bench/harness.h - the small C API the benchmark bodies are written against.
 *
 * The bodies (bench/bodies.h, instantiated once per peer by the
 * bench/bench_<peer>.c files) know nothing of C++ or of Google Benchmark:
 * they see an opaque state, a keep-running loop, a size argument and a way
 * to say how much work one iteration did.  bench/harness_gbench.cc is the
 * one file that maps this onto Google Benchmark and adds the counters every
 * benchmark reports:
 *
 *   ns_per_elem   CPU time per element (time of the timed region / elements)
 *   bytes_per_second, items_per_second   the same as rates
 *   peak_rss      bytes the process's resident set grew to above what it held
 *                 when the benchmark started (VmHWM, reset through
 *                 /proc/self/clear_refs before each repetition)
 *   rss_ratio     peak_rss / the workload's data size
 *   minflt        minor page faults per iteration (getrusage)
 *
 * A body:
 *
 *   static void push(pvb_state *s, const void *ctx) {
 *     size_t n = pvb_size(s);
 *     while (pvb_keep_running(s)) {
 *       ... push n elements, then free them ...
 *     }
 *     pvb_set_work(s, n, sizeof(uint64_t));
 *   }
 *   static const size_t sizes[] = { 1000, 1000000, 0 };
 *   PVB_REGISTER_FN(add_mine) {
 *     pvb_bench b = { "push/mypeer", push, NULL, sizes, 0 };
 *     pvb_register(&b);
 *   }
 */
#ifndef PVB_HARNESS_H
#define PVB_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The running benchmark: opaque to the bodies. */
typedef struct pvb_state pvb_state;

/* A body: runs the pvb_keep_running loop once; ctx is pvb_bench.ctx. */
typedef void (*pvb_fn)(pvb_state *s, const void *ctx);

/* One registration.  The name is "workload/peer"; each size in `sizes`
 * becomes one benchmark "workload/peer/SIZE".  pvb_register copies the
 * struct and the name; `sizes` and `ctx` must have static storage. */
typedef struct pvb_bench {
  const char *name;
  pvb_fn fn;
  const void *ctx;     /* handed to fn unchanged */
  const size_t *sizes; /* 0-terminated; must hold at least one size */
  unsigned flags;      /* PVB_COLD or 0 */
} pvb_bench;

/* pvb_bench.flags: exactly one iteration, no warm-up, one repetition: the
 * cost in a process that has never done this before (the runner starts one
 * process per measurement and takes the median over processes). */
#define PVB_COLD 1u

/* pvb_register - add a benchmark.  May be called before main (from a
 * constructor, see PVB_REGISTER).  Returns 0, or -1 when the table is full
 * or b is incomplete (the program then reports it and exits non-zero). */
int pvb_register(const pvb_bench *b);

/* Registration from file scope: a constructor so that linking a peer's
 * object file is all it takes to add its benchmarks. */
#define PVB_REGISTER_FN(fn)                                                   \
  __attribute__((constructor)) static void fn(void)

/* pvb_keep_running - true while the harness wants another iteration; the
 * timed region is everything between the first call and the call that
 * returns false, minus pauses. */
bool pvb_keep_running(pvb_state *s);

/* pvb_size - the size argument of this run (from pvb_bench.sizes). */
size_t pvb_size(const pvb_state *s);

/* pvb_pause / pvb_resume - leave untimed work (refilling a vector before a
 * timed shrink) out of the measurement.  Each pair costs about a
 * microsecond: use them only around work much longer than that. */
void pvb_pause(pvb_state *s);
void pvb_resume(pvb_state *s);

/* pvb_set_work - what one iteration did: `elems` elements of `elem_size`
 * bytes.  Call once after the loop; the per-element counters and the RSS
 * ratio are computed from it. */
void pvb_set_work(pvb_state *s, size_t elems, size_t elem_size);

/* pvb_counter - an extra counter: `value` per iteration when per_iteration
 * is true (the harness divides the total by the iteration count), else as
 * given. */
void pvb_counter(pvb_state *s, const char *name, double value,
                 bool per_iteration);

/* pvb_fail - the body could not run (a peer returned an error): the
 * benchmark is reported as an error with this message and no timing. */
void pvb_fail(pvb_state *s, const char *msg);

/* pvb_escape / pvb_clobber - keep the compiler from deleting work whose
 * result is never read (the usual empty-asm idiom of Google Benchmark's
 * DoNotOptimize, in C). */
static inline void pvb_escape(const void *p) {
  __asm__ __volatile__("" : : "g"(p) : "memory");
}
static inline void pvb_clobber(void) { __asm__ __volatile__("" : : : "memory"); }

#ifdef __cplusplus
}
#endif

#endif /* PVB_HARNESS_H */

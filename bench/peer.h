/*
 * bench/peer.h - what every peer file includes first: the element types the
 * workloads use and the few helpers the peers share.
 *
 * A peer file (bench/bench_<peer>.c, or bench/peer_stdvector.cc) includes
 * this header, then defines its vector types and operations under the fixed
 * names listed in bench/bodies.h, then includes bench/bodies.h, which turns
 * them into the benchmark bodies.  So every peer runs exactly the same loop,
 * with its own operations inlined into it.
 */
#ifndef PVB_PEER_H
#define PVB_PEER_H

#include <stddef.h>
#include <stdint.h>
#include "harness.h"

#if defined(__GNUC__) || defined(__clang__)
#  define PVB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define PVB_NOINLINE __attribute__((noinline))
#else
#  define PVB_UNLIKELY(x) (x)
#  define PVB_NOINLINE
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The 24-byte element of the push24 workload: three words, the size of a
 * small record (a pointer, a length and a tag) that does not divide a page. */
typedef struct pvb_e24 {
  uint64_t a, b, c;
} pvb_e24;

/* pvb_page_size / pvb_huge_page_size - from the OS (sysconf, and the
 * kernel's transparent huge page size in sysfs; 0 when it has none). */
size_t pvb_page_size(void);
size_t pvb_huge_page_size(void);

/* pvb_rss_bytes - the resident set of this process right now (statm). */
size_t pvb_rss_bytes(void);

/* pvb_now_ns - a monotonic clock in nanoseconds, for counters that time one
 * operation inside an iteration. */
uint64_t pvb_now_ns(void);

/* pvb_cpu_ns - this process's CPU time (all its threads) in nanoseconds,
 * for bodies that time parts of an iteration themselves (the paired
 * workloads). */
uint64_t pvb_cpu_ns(void);

/* The operations a peer offers the paired workloads (bench/bench_pair.c),
 * made from the peer's inline operations by bench/bodies.h (PVB_WANT_OPS).
 * Each does its work from scratch and returns 0, or -1 if the peer failed;
 * a member is NULL where the peer lacks what the workload needs. */
typedef struct pvb_ops {
  /* `times` x (init, push 0 .. n-1, destroy): the build-and-free loop. */
  int (*build)(const void *ctx, size_t n, size_t times);
  /* `times` x (init, reserve n, push n, destroy). */
  int (*reserve_fill)(const void *ctx, size_t n, size_t times);
  /* nvec vectors live at once, `per` elements pushed to each round robin
   * (one to every vector, then the next), read once, all destroyed. */
  int (*live)(const void *ctx, size_t nvec, size_t per);
  /* A hash table of `buckets` vectors of 24-byte records: `records`
   * records pushed to the bucket of their key, read once, destroyed. */
  int (*hash)(const void *ctx, size_t buckets, size_t records);
  /* The mixed program: sizes[0 .. count-1] built in turn, the last `live`
   * vectors kept alive (a ring), all destroyed at the end. */
  int (*mixed)(const void *ctx, const size_t *sizes, size_t count, size_t live);
  /* Pushes until a push fails: how many elements one vector reached. */
  size_t (*largest)(const void *ctx);
  /* The file at path (`bytes` long) read whole into the peer's byte
   * buffer, then its lines indexed: the offset of every '\n' pushed to a
   * vector of uint64_t. */
  int (*slurp)(const void *ctx, const char *path, size_t bytes);
  /* init, reserve n, populate with `threads` threads, push n, destroy:
   * building a vector of known size (pv_vec_populate). */
  int (*populate_fill)(const void *ctx, size_t n, unsigned threads);
} pvb_ops;

/* pvb_method flags: a limit (a buffer of the final size, not a vector:
 * build and reserve_fill only, from PVB_LIMIT_MIN_N elements) timed by the
 * wall clock (it uses several threads). */
#define PVB_M_LIMIT 1u
#define PVB_M_WALL 2u
#define PVB_LIMIT_MIN_N ((size_t)1000000)

/* pvb_method - offer `ops` (bound to ctx) to the paired workloads under
 * the peer name `name`.  Called from the peers' constructors; `ops` and
 * `ctx` must have static storage, the name is copied. */
void pvb_method(const char *name, const pvb_ops *ops, const void *ctx,
                unsigned flags);

/* pvb_peak_reset / pvb_peak_bytes - the kernel's resident high-water mark
 * (VmHWM) reset to the current RSS, and read back: the peak RSS of what ran
 * in between is pvb_peak_bytes() - the RSS at the reset. */
void pvb_peak_reset(void);
size_t pvb_peak_bytes(void);

/* pvb_rvec_name - the realloc-vector peer's name in this process:
 * "glibc_thp" under GLIBC_TUNABLES=glibc.malloc.hugetlb=1, else the
 * allocator's name. */
const char *pvb_rvec_name(void);

/* pvb_context - add a key/value to the JSON context of the run (which
 * allocator this binary uses, ...).  Both strings are copied. */
void pvb_context(const char *key, const char *value);

#ifdef __cplusplus
}
#endif

#endif /* PVB_PEER_H */

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

/* pvb_cpu_ns - this thread's CPU time in nanoseconds, for bodies that
 * time parts of an iteration themselves (the paired benchmarks). */
uint64_t pvb_cpu_ns(void);

/* One push iteration (init, push 0 .. n-1, destroy) of a peer with its
 * default options, exported by the peer files for bench/bench_pair.c.
 * 0, or -1 if the peer failed. */
int pvb_once_pv(size_t n);
int pvb_once_touch1(size_t n);
int pvb_once_rvec(size_t n);

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

/*
 * bench/bodies.h - the benchmark bodies, written once for every peer.
 *
 * Included at the end of a peer file, after the peer has defined, as
 * static inline functions (so that they inline into the loops below):
 *
 *   peer_vec                          a vector of uint64_t
 *   void  peer_setup(ctx, bytes)      before the timed loop, with the bytes
 *                                     the body will store (the "written
 *                                     again" limit maps its buffer here)
 *   int   peer_init(v, ctx, expect)   an empty vector; `expect` is how many
 *                                     elements the body will add, which only
 *                                     the pre-sized limits may use
 *   void  peer_destroy(v)
 *   int   peer_push(v, x)             0 or nonzero on failure
 *   uint64_t *peer_data(v), size_t peer_len(v)
 *
 * and, when it defines the macro, the optional operations:
 *
 *   PVB_HAS_APPEND   int peer_append(v, const uint64_t *src, size_t n)
 *   PVB_HAS_RESERVE  int peer_reserve(v, n)          room for n elements
 *   PVB_HAS_POPULATE int peer_populate(v, threads)   fault in the room,
 *                    uint64_t *peer_spare(v)         the room's first slot,
 *                    int peer_set_len(v, n)          n slots written
 *                                                    (with PVB_HAS_RESERVE)
 *   PVB_HAS_READ     uint64_t peer_get(const v, i)   the peer's own accessor
 *   PVB_HAS_INSERT   int peer_insert_front(v, x)
 *   PVB_HAS_COPY     int peer_copy(dst, const src)   dst from peer_init
 *   PVB_HAS_SHRINK   int peer_truncate(v, n), int peer_shrink(v)
 *   PVB_HAS_TRIM     int peer_trim(v)                (with PVB_HAS_SHRINK)
 *   PVB_HAS_E24      peer_vec24 with peer24_init(v, ctx, expect),
 *                    peer24_push(v, pvb_e24), peer24_data(v),
 *                    peer24_destroy(v)
 *   PVB_HAS_SLURP    peer_bytes with int peer_slurp(b, path) (the whole
 *                    file read into b: 0 or -1), peer_bytes_data(b),
 *                    peer_bytes_len(b), peer_bytes_free(b)
 *
 * It then calls pvb_register_peer(name, ctx, workloads) from a constructor
 * for each variant it offers.  A peer that defines PVB_WANT_OPS before
 * including this file also gets `pvb_peer_ops`, its operations for the
 * paired workloads (peer.h, pvb_ops), to hand to pvb_method; a limit (a
 * pre-sized buffer, not a vector) defines PVB_IS_LIMIT as well and offers
 * only the workloads whose final size is known.  The code here is C that also compiles as
 * C++, so that std::vector runs the very same bodies.
 *
 * Every body does all of its work inside the timed loop, allocation and
 * freeing included, because that is what a program pays; only the vector a
 * read-only workload reads is built before the loop (once per process, see
 * pvb_prepared), so its peak RSS counts what the workload itself adds.
 */
#ifndef PVB_BODIES_H
#define PVB_BODIES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peer.h"

/* The workloads, as bits for pvb_register_peer. */
enum {
  PVB_W_PUSH = 1u << 0,         /* push N from empty */
  PVB_W_PUSH24 = 1u << 1,       /* the same with 24-byte elements */
  PVB_W_APPEND = 1u << 2,       /* bulk append in 4 KiB chunks */
  PVB_W_RESERVE_FILL = 1u << 3, /* reserve N, then push N */
  PVB_W_SUM = 1u << 4,          /* sequential sum of N */
  PVB_W_RAND_READ = 1u << 5,    /* N reads at random indices */
  PVB_W_INSERT_FRONT = 1u << 6, /* N inserts at index 0 (small N) */
  PVB_W_SMALL = 1u << 7,        /* create, push 16, destroy */
  PVB_W_COPY = 1u << 8,         /* copy a vector of N */
  PVB_W_SHRINK = 1u << 9,       /* fill N, keep a quarter, shrink to fit */
  PVB_W_TRIM = 1u << 10,        /* fill N, keep a quarter, trim */
  PVB_W_PUSH_COLD = 1u << 11,   /* push once in a fresh process */
  PVB_W_ALL = (1u << 12) - 1u
};

/* Sizes (0-terminated).  Powers of ten so that rows line up across
 * workloads.  Only push goes to 10^8 (800 MB): on a machine where a 4 KiB
 * page fault costs microseconds, one 10^8 row of a peer that faults 4 KiB
 * pages takes seconds per repetition, and `make bench` must stay within
 * about ten minutes on two cores. */
static const size_t pvb_sizes_push[] = {1000, 10000, 100000, 1000000,
                                        10000000, 100000000, 0};
static const size_t pvb_sizes_cold[] = {1000, 100000, 1000000, 10000000, 0};
static const size_t pvb_sizes_push24[] = {1000, 10000, 100000, 1000000, 0};
static const size_t pvb_sizes_append[] = {100000, 1000000, 10000000, 0};
static const size_t pvb_sizes_mid[] = {1000, 100000, 10000000, 0};
static const size_t pvb_sizes_insert[] = {100, 1000, 10000, 0};
/* The small-vector workload's elements per vector. */
static const size_t pvb_sizes_small[] = {16, 0};

/* The bulk-append chunk: 4 KiB of elements, the size of a typical read(2)
 * buffer.  This is the workload's definition, not an assumption about the
 * page size. */
#define PVB_CHUNK_BYTES 4096u
#define PVB_CHUNK_ELEMS (PVB_CHUNK_BYTES / sizeof(uint64_t))

/* Shrink and trim keep this fraction (1/PVB_KEEP_DIV) of the elements. */
#define PVB_KEEP_DIV 4u

/* Random indices: a 64-bit LCG (Knuth's MMIX constants) mapped onto [0, n)
 * by a multiply-shift, which costs a few cycles where % would cost dozens. */
#define PVB_LCG_MUL UINT64_C(6364136223846793005)
#define PVB_LCG_ADD UINT64_C(1442695040888963407)
static inline size_t pvb_rand_index(uint64_t *state, size_t n) {
  *state = *state * PVB_LCG_MUL + PVB_LCG_ADD;
  return (size_t)(((*state >> 32) * (uint64_t)n) >> 32);
}

/* The vector the read-only workloads read (sum, random reads, the source
 * of copy): 0 .. n-1, built once per process and kept, because Google
 * Benchmark calls a body several times (warm-up, each repetition, and the
 * runs that find the iteration count), and rebuilding 80 MB each time
 * would cost more than the measurement.  After the build it is read once,
 * untimed: on some virtual machines the first touch of pages that mremap
 * moved costs a hidden (hypervisor) fault per 4 KiB page, which is part of
 * building the vector, not of reading it.  NULL if it cannot be built. */
static peer_vec pvb_prepared_vec;
static const void *pvb_prepared_ctx;
static size_t pvb_prepared_n;
static int pvb_prepared_ok;

static const peer_vec *pvb_prepared(const void *ctx, size_t n) {
  size_t i;
  uint64_t acc = 0;
  const uint64_t *d;
  if (pvb_prepared_ok && pvb_prepared_ctx == ctx && pvb_prepared_n == n)
    return &pvb_prepared_vec;
  if (pvb_prepared_ok)
    peer_destroy(&pvb_prepared_vec);
  pvb_prepared_ok = 0;
  if (peer_init(&pvb_prepared_vec, ctx, n) != 0)
    return NULL;
  for (i = 0; i < n; i++) {
    if (peer_push(&pvb_prepared_vec, (uint64_t)i) != 0) {
      peer_destroy(&pvb_prepared_vec);
      return NULL;
    }
  }
  d = peer_data(&pvb_prepared_vec);
  for (i = 0; i < n; i++)
    acc += d[i];
  pvb_escape(&acc);
  pvb_prepared_ctx = ctx;
  pvb_prepared_n = n;
  pvb_prepared_ok = 1;
  return &pvb_prepared_vec;
}

/* One vector: init, push 0..n-1, destroy.  0, PVB_BUILD_INIT if init
 * failed, PVB_BUILD_PUSH if a push did (the vector is destroyed then). */
enum { PVB_BUILD_INIT = -1, PVB_BUILD_PUSH = -2 };
static int pvb_build_once(const void *ctx, size_t n) {
  peer_vec v;
  size_t i;
  int rc = 0;
  if (peer_init(&v, ctx, n) != 0)
    return PVB_BUILD_INIT;
  for (i = 0; i < n; i++) {
    if (PVB_UNLIKELY(peer_push(&v, (uint64_t)i) != 0)) {
      rc = PVB_BUILD_PUSH;
      break;
    }
  }
  pvb_escape(peer_data(&v));
  peer_destroy(&v);
  return rc;
}

/* pvb_build_once every iteration: the loop of both "push" (large vectors,
 * after peer_setup) and "small" (no setup). */
static void pvb_push_loop(pvb_state *s, const void *ctx, size_t n) {
  while (pvb_keep_running(s)) {
    int rc = pvb_build_once(ctx, n);
    if (rc != 0) {
      pvb_fail(s, rc == PVB_BUILD_INIT ? "init failed" : "push failed");
      break;
    }
  }
  pvb_set_work(s, n, sizeof(uint64_t));
}

static void pvb_body_push(pvb_state *s, const void *ctx) {
  size_t n = pvb_size(s);
  peer_setup(ctx, n * sizeof(uint64_t));
  pvb_push_loop(s, ctx, n);
}

#ifdef PVB_HAS_E24
static void pvb_body_push24(pvb_state *s, const void *ctx) {
  size_t n = pvb_size(s);
  peer_setup(ctx, n * sizeof(pvb_e24));
  while (pvb_keep_running(s)) {
    peer_vec24 v;
    size_t i;
    int bad = 0;
    if (peer24_init(&v, ctx, n) != 0) {
      pvb_fail(s, "init failed");
      break;
    }
    for (i = 0; i < n; i++) {
      pvb_e24 e;
      e.a = (uint64_t)i;
      e.b = (uint64_t)i + 1u;
      e.c = (uint64_t)i + 2u;
      if (PVB_UNLIKELY(peer24_push(&v, e) != 0)) {
        bad = 1;
        break;
      }
    }
    pvb_escape(peer24_data(&v));
    peer24_destroy(&v);
    if (bad) {
      pvb_fail(s, "push failed");
      break;
    }
  }
  pvb_set_work(s, n, sizeof(pvb_e24));
}
#endif

#ifdef PVB_HAS_APPEND
static void pvb_body_append(pvb_state *s, const void *ctx) {
  size_t n = pvb_size(s);
  uint64_t chunk[PVB_CHUNK_ELEMS];
  size_t i;
  for (i = 0; i < PVB_CHUNK_ELEMS; i++)
    chunk[i] = (uint64_t)i;
  peer_setup(ctx, n * sizeof(uint64_t));
  while (pvb_keep_running(s)) {
    peer_vec v;
    size_t done = 0;
    int bad = 0;
    if (peer_init(&v, ctx, n) != 0) {
      pvb_fail(s, "init failed");
      break;
    }
    while (done < n) {
      size_t k = n - done < PVB_CHUNK_ELEMS ? n - done : PVB_CHUNK_ELEMS;
      /* The source changes between chunks, as a read buffer would. */
      chunk[0] = (uint64_t)done;
      if (PVB_UNLIKELY(peer_append(&v, chunk, k) != 0)) {
        bad = 1;
        break;
      }
      done += k;
    }
    pvb_escape(peer_data(&v));
    peer_destroy(&v);
    if (bad) {
      pvb_fail(s, "append failed");
      break;
    }
  }
  pvb_set_work(s, n, sizeof(uint64_t));
}
#endif

#ifdef PVB_HAS_RESERVE
static void pvb_body_reserve_fill(pvb_state *s, const void *ctx) {
  size_t n = pvb_size(s);
  peer_setup(ctx, n * sizeof(uint64_t));
  while (pvb_keep_running(s)) {
    peer_vec v;
    size_t i;
    int bad = 0;
    if (peer_init(&v, ctx, n) != 0) {
      pvb_fail(s, "init failed");
      break;
    }
    if (peer_reserve(&v, n) != 0) {
      peer_destroy(&v);
      pvb_fail(s, "reserve failed");
      break;
    }
    for (i = 0; i < n; i++) {
      if (PVB_UNLIKELY(peer_push(&v, (uint64_t)i) != 0)) {
        bad = 1;
        break;
      }
    }
    pvb_escape(peer_data(&v));
    peer_destroy(&v);
    if (bad) {
      pvb_fail(s, "push failed");
      break;
    }
  }
  pvb_set_work(s, n, sizeof(uint64_t));
}
#endif

static void pvb_body_sum(pvb_state *s, const void *ctx) {
  size_t n = pvb_size(s);
  peer_vec *v = (peer_vec *)pvb_prepared(ctx, n);
  if (v == NULL) {
    pvb_fail(s, "fill failed");
    return;
  }
  while (pvb_keep_running(s)) {
    const uint64_t *d = peer_data(v);
    size_t len = peer_len(v), i;
    uint64_t acc = 0;
    for (i = 0; i < len; i++)
      acc += d[i];
    pvb_escape(&acc);
  }
  pvb_set_work(s, n, sizeof(uint64_t));
}

#ifdef PVB_HAS_READ
static void pvb_body_rand_read(pvb_state *s, const void *ctx) {
  size_t n = pvb_size(s);
  const peer_vec *v = pvb_prepared(ctx, n);
  uint64_t rng = 1;
  if (v == NULL) {
    pvb_fail(s, "fill failed");
    return;
  }
  while (pvb_keep_running(s)) {
    uint64_t acc = 0;
    size_t i;
    for (i = 0; i < n; i++)
      acc += peer_get(v, pvb_rand_index(&rng, n));
    pvb_escape(&acc);
  }
  pvb_set_work(s, n, sizeof(uint64_t));
}
#endif

#ifdef PVB_HAS_INSERT
static void pvb_body_insert_front(pvb_state *s, const void *ctx) {
  size_t n = pvb_size(s);
  while (pvb_keep_running(s)) {
    peer_vec v;
    size_t i;
    int bad = 0;
    if (peer_init(&v, ctx, n) != 0) {
      pvb_fail(s, "init failed");
      break;
    }
    for (i = 0; i < n; i++) {
      if (PVB_UNLIKELY(peer_insert_front(&v, (uint64_t)i) != 0)) {
        bad = 1;
        break;
      }
    }
    pvb_escape(peer_data(&v));
    peer_destroy(&v);
    if (bad) {
      pvb_fail(s, "insert failed");
      break;
    }
  }
  pvb_set_work(s, n, sizeof(uint64_t));
}
#endif

/* Many short-lived small vectors (a field per record, a list per node):
 * here every allocation is a fixed cost that the elements cannot amortise. */
static void pvb_body_small(pvb_state *s, const void *ctx) {
  pvb_push_loop(s, ctx, pvb_size(s));
}

#ifdef PVB_HAS_COPY
static void pvb_body_copy(pvb_state *s, const void *ctx) {
  size_t n = pvb_size(s);
  const peer_vec *src = pvb_prepared(ctx, n);
  if (src == NULL) {
    pvb_fail(s, "fill failed");
    return;
  }
  while (pvb_keep_running(s)) {
    peer_vec dst;
    int rc;
    if (peer_init(&dst, ctx, n) != 0) {
      pvb_fail(s, "init failed");
      break;
    }
    rc = peer_copy(&dst, src);
    pvb_escape(peer_data(&dst));
    peer_destroy(&dst);
    if (rc != 0) {
      pvb_fail(s, "copy failed");
      break;
    }
  }
  pvb_set_work(s, n, sizeof(uint64_t));
}
#endif

#ifdef PVB_HAS_SHRINK
/* Fill n, keep n / PVB_KEEP_DIV, then release the rest with `op` (shrink
 * to fit, or trim).  The whole sequence is timed (a program pays for the
 * fill too); the counters add the release alone (op_ns) and what stays
 * resident after it (rss_after, measured once, untimed). */
static void pvb_shrink_like(pvb_state *s, const void *ctx,
                            int (*op)(peer_vec *)) {
  size_t n = pvb_size(s);
  size_t keep = n / PVB_KEEP_DIV;
  size_t base = pvb_rss_bytes();
  uint64_t op_ns = 0, iters = 0;
  double rss_after = 0;
  int measured = 0;
  while (pvb_keep_running(s)) {
    peer_vec v;
    size_t i;
    uint64_t t0;
    int bad = 0;
    if (peer_init(&v, ctx, n) != 0) {
      pvb_fail(s, "init failed");
      break;
    }
    for (i = 0; i < n; i++) {
      if (PVB_UNLIKELY(peer_push(&v, (uint64_t)i) != 0)) {
        bad = 1;
        break;
      }
    }
    if (!bad && peer_truncate(&v, keep) != 0)
      bad = 1;
    t0 = pvb_now_ns();
    if (!bad && op(&v) != 0)
      bad = 1;
    op_ns += pvb_now_ns() - t0;
    iters++;
    if (!bad && !measured) {
      size_t now;
      pvb_pause(s);
      now = pvb_rss_bytes();
      rss_after = now > base ? (double)(now - base) : 0.0;
      measured = 1;
      pvb_resume(s);
    }
    pvb_escape(peer_data(&v));
    peer_destroy(&v);
    if (bad) {
      pvb_fail(s, "shrink failed");
      break;
    }
  }
  if (iters > 0) {
    pvb_counter(s, "op_ns", (double)op_ns / (double)iters, false);
    pvb_counter(s, "rss_after", rss_after, false);
  }
  pvb_set_work(s, n, sizeof(uint64_t));
}
static void pvb_body_shrink(pvb_state *s, const void *ctx) {
  pvb_shrink_like(s, ctx, peer_shrink);
}
#ifdef PVB_HAS_TRIM
static void pvb_body_trim(pvb_state *s, const void *ctx) {
  pvb_shrink_like(s, ctx, peer_trim);
}
#endif
#endif

static void pvb_add(const char *workload, const char *peer, pvb_fn fn,
                    const void *ctx, const size_t *sizes, unsigned flags) {
  char name[128];
  pvb_bench b;
  snprintf(name, sizeof name, "%s/%s", workload, peer);
  b.name = name;
  b.fn = fn;
  b.ctx = ctx;
  b.sizes = sizes;
  b.flags = flags;
  (void)pvb_register(&b); /* a full table is reported by main */
}

/* pvb_register_peer - register the bodies in `workloads` (PVB_W_* bits)
 * that this peer supports, as "workload/peer/N". */
static void pvb_register_peer(const char *peer, const void *ctx,
                              unsigned workloads) {
  if (workloads & PVB_W_PUSH)
    pvb_add("push", peer, pvb_body_push, ctx, pvb_sizes_push, 0);
  /* The same body, once per process: what a program that builds one
   * vector pays, with no memory left over from a previous round. */
  if (workloads & PVB_W_PUSH_COLD)
    pvb_add("push_cold", peer, pvb_body_push, ctx, pvb_sizes_cold, PVB_COLD);
#ifdef PVB_HAS_E24
  if (workloads & PVB_W_PUSH24)
    pvb_add("push24", peer, pvb_body_push24, ctx, pvb_sizes_push24, 0);
#endif
#ifdef PVB_HAS_APPEND
  if (workloads & PVB_W_APPEND)
    pvb_add("append", peer, pvb_body_append, ctx, pvb_sizes_append, 0);
#endif
#ifdef PVB_HAS_RESERVE
  if (workloads & PVB_W_RESERVE_FILL)
    pvb_add("reserve_fill", peer, pvb_body_reserve_fill, ctx, pvb_sizes_mid, 0);
#endif
  if (workloads & PVB_W_SUM)
    pvb_add("sum", peer, pvb_body_sum, ctx, pvb_sizes_mid, 0);
#ifdef PVB_HAS_READ
  if (workloads & PVB_W_RAND_READ)
    pvb_add("rand_read", peer, pvb_body_rand_read, ctx, pvb_sizes_mid, 0);
#endif
#ifdef PVB_HAS_INSERT
  if (workloads & PVB_W_INSERT_FRONT)
    pvb_add("insert_front", peer, pvb_body_insert_front, ctx,
            pvb_sizes_insert, 0);
#endif
  if (workloads & PVB_W_SMALL)
    pvb_add("small", peer, pvb_body_small, ctx, pvb_sizes_small, 0);
#ifdef PVB_HAS_COPY
  if (workloads & PVB_W_COPY)
    pvb_add("copy", peer, pvb_body_copy, ctx, pvb_sizes_mid, 0);
#endif
#ifdef PVB_HAS_SHRINK
  if (workloads & PVB_W_SHRINK)
    pvb_add("shrink", peer, pvb_body_shrink, ctx, pvb_sizes_mid, 0);
#ifdef PVB_HAS_TRIM
  if (workloads & PVB_W_TRIM)
    pvb_add("trim", peer, pvb_body_trim, ctx, pvb_sizes_mid, 0);
#endif
#endif
}

#ifdef PVB_WANT_OPS
/* ---- the paired workloads' operations (peer.h, pvb_ops) ---------------- */

static int pvb_op_build(const void *ctx, size_t n, size_t times) {
  size_t t;
  for (t = 0; t < times; t++)
    if (pvb_build_once(ctx, n) != 0)
      return -1;
  return 0;
}

#ifdef PVB_HAS_RESERVE
static int pvb_op_reserve_fill(const void *ctx, size_t n, size_t times) {
  size_t t, i;
  for (t = 0; t < times; t++) {
    peer_vec v;
    int bad = 0;
    if (peer_init(&v, ctx, n) != 0)
      return -1;
    if (peer_reserve(&v, n) != 0)
      bad = 1;
    for (i = 0; !bad && i < n; i++)
      if (PVB_UNLIKELY(peer_push(&v, (uint64_t)i) != 0))
        bad = 1;
    pvb_escape(peer_data(&v));
    peer_destroy(&v);
    if (bad)
      return -1;
  }
  return 0;
}
#  define PVB_OP_RESERVE_FILL pvb_op_reserve_fill
#else
#  define PVB_OP_RESERVE_FILL NULL
#endif

#ifdef PVB_HAS_POPULATE
/* Building a vector of known size as a user of pv_vec_populate would:
 * reserve, populate, store into the spare capacity, commit the length
 * (what the populate docs show: plain stores, no per-element check). */
static int pvb_op_populate_fill(const void *ctx, size_t n, unsigned threads) {
  peer_vec v;
  size_t i;
  int bad = 0;
  if (peer_init(&v, ctx, n) != 0)
    return -1;
  if (peer_reserve(&v, n) != 0 || peer_populate(&v, threads) != 0)
    bad = 1;
  if (!bad) {
    uint64_t *p = peer_spare(&v);
    for (i = 0; i < n; i++)
      p[i] = (uint64_t)i;
    bad = peer_set_len(&v, n) != 0;
  }
  pvb_escape(peer_data(&v));
  peer_destroy(&v);
  return bad ? -1 : 0;
}
#  define PVB_OP_POPULATE_FILL pvb_op_populate_fill
#else
#  define PVB_OP_POPULATE_FILL NULL
#endif

#ifndef PVB_IS_LIMIT
/* An array of nvec vector headers, from malloc (the same for every peer:
 * a program keeps its vectors somewhere).  NULL on overflow or failure. */
static void *pvb_headers(size_t nvec, size_t size) {
  if (nvec == 0 || nvec > SIZE_MAX / size)
    return NULL;
  return malloc(nvec * size);
}

static int pvb_op_live(const void *ctx, size_t nvec, size_t per) {
  peer_vec *vs = (peer_vec *)pvb_headers(nvec, sizeof(peer_vec));
  size_t i, r, made = 0;
  uint64_t acc = 0;
  int bad = 0;
  if (vs == NULL)
    return -1;
  for (; made < nvec; made++)
    if (peer_init(&vs[made], ctx, per) != 0) {
      bad = 1;
      break;
    }
  for (r = 0; !bad && r < per; r++)
    for (i = 0; i < nvec; i++)
      if (PVB_UNLIKELY(peer_push(&vs[i], (uint64_t)(r + i)) != 0)) {
        bad = 1;
        break;
      }
  for (i = 0; !bad && i < nvec; i++)
    acc += peer_data(&vs[i])[peer_len(&vs[i]) - 1u];
  pvb_escape(&acc);
  for (i = 0; i < made; i++)
    peer_destroy(&vs[i]);
  free(vs);
  return bad ? -1 : 0;
}

#ifdef PVB_HAS_E24
static int pvb_op_hash(const void *ctx, size_t buckets, size_t records) {
  peer_vec24 *bs = (peer_vec24 *)pvb_headers(buckets, sizeof(peer_vec24));
  size_t i, made = 0;
  uint64_t key = 1;
  int bad = 0;
  if (bs == NULL)
    return -1;
  for (; made < buckets; made++)
    if (peer24_init(&bs[made], ctx, 0) != 0) {
      bad = 1;
      break;
    }
  for (i = 0; !bad && i < records; i++) {
    pvb_e24 e;
    size_t b = pvb_rand_index(&key, buckets);
    e.a = key;
    e.b = (uint64_t)i;
    e.c = ~key;
    if (PVB_UNLIKELY(peer24_push(&bs[b], e) != 0))
      bad = 1;
  }
  for (i = 0; i < made; i++) {
    pvb_escape(peer24_data(&bs[i]));
    peer24_destroy(&bs[i]);
  }
  free(bs);
  return bad ? -1 : 0;
}
#  define PVB_OP_HASH pvb_op_hash
#else
#  define PVB_OP_HASH NULL
#endif

static int pvb_op_mixed(const void *ctx, const size_t *sizes, size_t count,
                        size_t live) {
  peer_vec *ring = (peer_vec *)pvb_headers(live, sizeof(peer_vec));
  size_t k, i, slots, hole = SIZE_MAX; /* hole: a slot left empty */
  int bad = 0;
  if (ring == NULL)
    return -1;
  for (k = 0; k < count; k++) {
    peer_vec *v = &ring[k % live];
    if (k >= live)
      peer_destroy(v); /* the oldest goes */
    if (peer_init(v, ctx, sizes[k]) != 0) {
      hole = k % live;
      bad = 1;
      break;
    }
    for (i = 0; i < sizes[k]; i++)
      if (PVB_UNLIKELY(peer_push(v, (uint64_t)i) != 0)) {
        bad = 1;
        break;
      }
    pvb_escape(peer_data(v));
    if (bad) {
      k++; /* this one is alive */
      break;
    }
  }
  slots = k < live ? k : live;
  for (i = 0; i < slots; i++)
    if (i != hole)
      peer_destroy(&ring[i]);
  free(ring);
  return bad ? -1 : 0;
}

#ifdef PVB_HAS_SLURP
/* The file read whole, then the offset of every '\n' pushed to a vector. */
static int pvb_op_slurp(const void *ctx, const char *path, size_t bytes) {
  peer_bytes b;
  peer_vec idx;
  const char *d, *p, *end;
  int bad = 0;
  if (peer_slurp(&b, path) != 0)
    return -1;
  if (peer_bytes_len(&b) != bytes || peer_init(&idx, ctx, 0) != 0) {
    peer_bytes_free(&b);
    return -1;
  }
  d = peer_bytes_data(&b);
  end = d + peer_bytes_len(&b);
  for (p = d; !bad && (p = (const char *)memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
    if (PVB_UNLIKELY(peer_push(&idx, (uint64_t)(p - d)) != 0))
      bad = 1;
  pvb_escape(peer_data(&idx));
  peer_destroy(&idx);
  peer_bytes_free(&b);
  return bad ? -1 : 0;
}
#  define PVB_OP_SLURP pvb_op_slurp
#else
#  define PVB_OP_SLURP NULL
#endif

static size_t pvb_op_largest(const void *ctx) {
  peer_vec v;
  size_t n = 0;
  if (peer_init(&v, ctx, 0) != 0)
    return 0;
  while (peer_push(&v, (uint64_t)n) == 0)
    n++;
  peer_destroy(&v);
  return n;
}
#endif /* !PVB_IS_LIMIT */

static const pvb_ops pvb_peer_ops = {
    pvb_op_build, PVB_OP_RESERVE_FILL,
#ifdef PVB_IS_LIMIT
    NULL, NULL, NULL, NULL, NULL,
#else
    pvb_op_live, PVB_OP_HASH, pvb_op_mixed, pvb_op_largest, PVB_OP_SLURP,
#endif
    PVB_OP_POPULATE_FILL
};
#endif /* PVB_WANT_OPS */

#endif /* PVB_BODIES_H */

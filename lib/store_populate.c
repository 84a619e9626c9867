/*
 * lib/store_populate.c - pv__store_populate (lib/store.h): fault in the
 * committed pages of a vector past len with several threads, so that a
 * fill that follows takes no page faults (pv_vec_populate, vec.h).
 *
 * The range [len * elem_size rounded down to a page, bytes held) is cut
 * into chunks of whole huge pages, on huge-page boundaries of the address
 * space, so that no two threads fault into the same huge page; threads
 * claim chunks from one atomic counter (a thread that starts late or runs
 * slow leaves its chunks to the others, and a thread that cannot start at
 * all leaves its share to the caller, who works too).  Each chunk is one
 * pv__os_populate (MADV_POPULATE_WRITE); where the build or the kernel
 * lacks it, the chunk is touched instead: one byte per OS page read and
 * written back, which faults the page in for writing and changes no byte
 * (bytes past len may hold older elements after a truncate: they stay).
 * The read-then-write is not atomic, which is fine: the vector is not
 * shared during the call (vec.h), and the chunks are disjoint.  (Never an
 * atomic read-modify-write on the data: OpenJDK's old pretouch did that
 * and fragmented huge pages.  The counter is the only atomic.)
 *
 * Threads live only during the call: every started thread is joined
 * before it returns, on success and on failure.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "os.h"
#include "store.h"

/* Chunks per thread: more than one, so that the counter can even out
 * threads that start late or run slowly; few, so that each chunk is still
 * many pages per system call. */
#define CHUNKS_PER_THREAD 4

/* One call's work, shared by the caller and its helper threads. */
typedef struct job {
  char *lo;          /* the range to populate: [lo, lo + len) */
  size_t len;
  size_t skew;       /* lo's offset in its chunk-aligned unit */
  size_t chunk;      /* bytes per chunk, whole huge pages */
  size_t nchunks;
  size_t stride;     /* the touching fallback's step: the OS page */
  atomic_size_t next; /* the next chunk to claim */
  atomic_int err;     /* the first failure, 0 while none */
} job;

/* Read one byte of every page in [p, p + n) and write it back. */
static void touch(char *p, size_t n, size_t stride) {
  for (size_t off = 0; off < n; off += stride) {
    volatile char *b = p + off;
    *b = *b;
  }
}

/* Chunk k of j, clipped to the range: *off and *n relative to lo. */
static void chunk_range(const job *j, size_t k, size_t *off, size_t *n) {
  size_t a = k * j->chunk, b = a + j->chunk; /* relative to lo - skew */
  a = a > j->skew ? a - j->skew : 0;
  b -= j->skew;
  if (b > j->len) b = j->len;
  *off = a;
  *n = b - a;
}

/* Populate one chunk: the OS call, or touching where it has none. */
static int populate_chunk(const job *j, size_t k) {
  size_t off, n;
  chunk_range(j, k, &off, &n);
  int rc = pv__os_populate(j->lo + off, n);
  if (rc == PV_ENOTSUP) {
    touch(j->lo + off, n, j->stride);
    rc = 0;
  }
  return rc;
}

/* Every thread's loop (the caller's too): claim chunks until none is left
 * or one has failed. */
static void work(void *p) {
  job *j = p;
  while (atomic_load_explicit(&j->err, memory_order_relaxed) == 0) {
    size_t k = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
    if (k >= j->nchunks) return;
    int rc = populate_chunk(j, k);
    if (rc != 0) {
      int none = 0;
      atomic_compare_exchange_strong(&j->err, &none, rc);
      return;
    }
  }
}

/* The chunk alignment: the huge page where there is one the vector could
 * use, else the page. */
static size_t chunk_unit(void) {
  const pv__os_caps *c = pv__os_caps_get();
  size_t h = c->huge_page_size;
  if (h > c->page_size && (h & (h - 1)) == 0) return h;
  return c->page_size;
}

/* Threads asked for: `threads`, or the online CPUs for 0 (one if the
 * system cannot tell). */
static size_t threads_wanted(unsigned threads) {
  unsigned n = threads;
  if (n == 0 && pv__os_cpu_count(&n) != 0) n = 1;
  return n;
}

/* Cut [lo, lo + len) into chunks for up to `threads` threads; returns the
 * number of threads worth running (never more than the chunks). */
static size_t plan(job *j, char *lo, size_t len, unsigned threads) {
  const size_t unit = chunk_unit();
  j->lo = lo;
  j->len = len;
  j->skew = (size_t)((uintptr_t)lo & (unit - 1));
  j->stride = pv__os_caps_get()->os_page_size;
  /* span = skew + len <= the bytes held, which fit size_t with room for
   * the rounding to a unit (the region is unit-aligned or smaller). */
  size_t span = j->skew + len, units = span / unit + (span % unit != 0);
  size_t n = threads_wanted(threads), parts;
  if (n > units) n = units;
  if (!pv__store_mul(n, CHUNKS_PER_THREAD, &parts) || parts > units) parts = units;
  size_t per = units / parts + (units % parts != 0);
  j->chunk = per * unit;
  j->nchunks = span / j->chunk + (span % j->chunk != 0);
  atomic_init(&j->next, 0);
  atomic_init(&j->err, 0);
  return n;
}

/* Run j with the caller and up to n - 1 helpers; a helper that cannot be
 * had (no memory for the handles, a thread that does not start) leaves its
 * share to the others.  Returns the first failure. */
static int run(job *j, size_t n) {
  size_t want = n - 1, started = 0, bytes;
  pv__os_thread *t = NULL;
  if (want != 0 && pv__store_mul(want, sizeof *t, &bytes) && pv__os_fault_hit() == 0)
    t = malloc(bytes);
  for (; t != NULL && started < want; started++)
    if (pv__os_thread_start(&t[started], work, j) != 0) break;
  work(j);
  int rc = 0;
  for (size_t i = 0; i < started; i++) {
    int r = pv__os_thread_join(&t[i]);
    if (rc == 0) rc = r;
  }
  free(t);
  int e = atomic_load(&j->err);
  return e != 0 ? e : rc;
}

int pv__store_populate(pv_vec *v, unsigned threads) {
  const pv__store *s = v->pv_store;
  size_t held = pv__store_bytes(v), start;
  /* A malloc'd block shares its pages with the heap: nothing of its own. */
  if (s->kind == PV__STORE_SMALL || held == 0) return 0;
  /* len * elem_size <= held; the page holding the last element may never
   * have been written (pv_vec_set_len), so it is populated too. */
  start = v->len * v->elem_size;
  start -= start % pv__os_caps_get()->page_size;
  if (start >= held) return 0;
  job j;
  size_t n = plan(&j, (char *)v->data + start, held - start, threads);
  /* The touching fallback reads and writes the tail: no ASan poison there
   * meanwhile (the vector is not shared during the call). */
  pv__store_unpoison_tail(v);
  int rc = run(&j, n);
  pv__store_poison_tail(v);
  return rc;
}

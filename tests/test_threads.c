/*
 * tests/test_threads.c - what docs/reliability.md promises about threads:
 *   - the library's global state (the capabilities read once from the OS,
 *     the PV_DEBUG_MOVE switch, the address-space counter) is safe to reach
 *     from many threads at once, including the very first call;
 *   - distinct vectors and page mappings may be used from distinct threads
 *     with no locking;
 *   - one vector may be read from many threads at once while nobody
 *     mutates it;
 *   - pv_vec_populate's helper threads (MADV_POPULATE_WRITE, and the
 *     touching fallback) hand the vector back to the caller race-free.
 * The same file builds twice: tests/test_threads under Criterion, and
 * tests/test_threads_plain with tests/minicrit.h, which is what the
 * ThreadSanitizer build runs (Criterion cannot start under TSan).
 */
#include "config.h"

#ifdef PV_MINICRIT
#include "minicrit.h" /* the TSan build: Criterion cannot run there */
#else
#include <criterion/criterion.h>
#endif
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os.h"
#include "paged_vec.h"
#include "relutil.h"

enum { THREADS = 8 };

typedef struct worker {
  pthread_t tid;
  unsigned id;
  pthread_barrier_t *start;
  int rc;                /* first failing code, or 0 */
  char msg[200];         /* what failed */
  size_t page;           /* pv_page_size() as this thread saw it first */
  const pv_vec *shared;  /* read-only vector for the readers */
  unsigned long checksum;
} worker;

static void fail(worker *w, int rc, const char *what) {
  if (w->rc != 0 || w->msg[0] != 0) return;
  w->rc = rc != 0 ? rc : -1000;
  snprintf(w->msg, sizeof w->msg, "thread %u: %s (%s)", w->id, what,
           pv_errname(rc));
}

static void run_threads(worker *ws, void *(*fn)(void *)) {
  pthread_barrier_t start;
  cr_assert_eq(pthread_barrier_init(&start, NULL, THREADS), 0, "barrier");
  for (unsigned i = 0; i < THREADS; i++) {
    ws[i].id = i;
    ws[i].start = &start;
    cr_assert_eq(pthread_create(&ws[i].tid, NULL, fn, &ws[i]), 0,
                 "pthread_create %u", i);
  }
  for (unsigned i = 0; i < THREADS; i++)
    cr_assert_eq(pthread_join(ws[i].tid, NULL), 0, "pthread_join %u", i);
  pthread_barrier_destroy(&start);
  for (unsigned i = 0; i < THREADS; i++)
    cr_assert_eq(ws[i].rc, 0, "%s", ws[i].msg);
}

/* ---- first use from many threads at once -------------------------------- */

static void *first_use(void *arg) {
  worker *w = arg;
  pthread_barrier_wait(w->start);
  /* All threads race on the lazy capability query. */
  w->page = pv_page_size();
  pv_vec v;
  int rc = pv_vec_init(&v, sizeof(uint32_t));
  if (rc != 0) fail(w, rc, "init");
  uint32_t x = w->id;
  if (rc == 0 && (rc = pv_vec_push(&v, &x)) != 0) fail(w, rc, "push");
  pv_vec_destroy(&v);
  return NULL;
}

Test(threads, first_calls_race_on_the_capabilities) {
  worker ws[THREADS];
  memset(ws, 0, sizeof ws);
  run_threads(ws, first_use);
  size_t want = (size_t)sysconf(_SC_PAGESIZE);
  for (unsigned i = 0; i < THREADS; i++) {
    cr_assert_eq(ws[i].page, ws[0].page, "thread %u saw page size %zu, thread 0 %zu",
                 i, ws[i].page, ws[0].page);
    cr_assert_geq(ws[i].page, want, "page size %zu below the OS page %zu",
                  ws[i].page, want);
  }
}

/* ---- each thread its own vectors ---------------------------------------- */

static const struct {
  pv_grow grow;
  unsigned flags;
} modes[] = {
    {PV_GROW_DEFAULT, 0},
    {PV_GROW_DEFAULT, PV_VEC_GUARD},
    {PV_GROW_STABLE, 0},
    {PV_GROW_STABLE, PV_VEC_GUARD},
    {PV_GROW_COPY, 0},
    {PV_GROW_COPY, PV_VEC_GUARD},
    {PV_GROW_DEFAULT, PV_VEC_HUGE},
    {PV_GROW_DEFAULT, PV_VEC_MOVE_ON_GROW},
};

enum { ROUNDS = 6, ELEMS = 50000 };

static void *own_vectors(void *arg) {
  worker *w = arg;
  pthread_barrier_wait(w->start);
  for (unsigned round = 0; round < ROUNDS && w->rc == 0; round++) {
    unsigned m = (w->id + round) % (sizeof modes / sizeof modes[0]);
    pv_vec_opts o = {.elem_size = sizeof(uint64_t), .grow = modes[m].grow,
                     .flags = modes[m].flags};
    if (o.grow == PV_GROW_STABLE) o.max_len = ELEMS;
    pv_vec v;
    int rc = pv_vec_init_opts(&v, &o);
    if (rc != 0) {
      fail(w, rc, "init");
      break;
    }
    uint64_t tag = (uint64_t)w->id << 32;
    for (uint64_t i = 0; i < ELEMS && rc == 0; i++) {
      uint64_t x = tag | i;
      rc = pv_vec_push(&v, &x);
    }
    if (rc != 0) fail(w, rc, "push");
    const uint64_t *d = pv_vec_data(&v);
    for (uint64_t i = 0; rc == 0 && i < v.len; i++)
      if (d[i] != (tag | i)) {
        fail(w, 0, "an element changed: another thread's write?");
        break;
      }
    if ((rc = pv_vec_truncate(&v, ELEMS / 3)) != 0) fail(w, rc, "truncate");
    if ((rc = pv_vec_shrink_to_fit(&v)) != 0) fail(w, rc, "shrink_to_fit");
    if ((rc = pv_vec_freeze(&v)) != 0) fail(w, rc, "freeze");
    if ((rc = pv_vec_thaw(&v)) != 0) fail(w, rc, "thaw");
    if ((rc = pv_vec_destroy(&v)) != 0) fail(w, rc, "destroy");
    /* The page core too: map, grow, shrink, unmap. */
    pv_pages p;
    size_t page = pv_page_size();
    if ((rc = pv_pages_map(&p, page, PV_PROT_READ | PV_PROT_WRITE, 0)) != 0) {
      fail(w, rc, "pages map");
      break;
    }
    memset(p.addr, (int)w->id, page);
    if ((rc = pv_pages_resize(&p, 16 * page)) != 0) fail(w, rc, "pages resize");
    if (((unsigned char *)p.addr)[page - 1] != (unsigned char)w->id)
      fail(w, 0, "pages lost a byte in a resize");
    if ((rc = pv_pages_unmap(&p)) != 0) fail(w, rc, "pages unmap");
  }
  return NULL;
}

Test(threads, each_thread_grows_and_destroys_its_own_vectors) {
  worker ws[THREADS];
  memset(ws, 0, sizeof ws);
  long long live0 = ru_live_bytes();
  run_threads(ws, own_vectors);
  cr_assert_eq(ru_live_bytes(), live0,
               "address space counter off by %lld after all threads",
               ru_live_bytes() - live0);
}

/* ---- one vector, many readers ------------------------------------------- */

static int cmp_u64(const void *a, const void *b) {
  uint64_t x, y;
  memcpy(&x, a, sizeof x);
  memcpy(&y, b, sizeof y);
  return (x > y) - (x < y);
}

static void *reader(void *arg) {
  worker *w = arg;
  pthread_barrier_wait(w->start);
  const pv_vec *v = w->shared;
  unsigned long sum = 0;
  for (size_t i = w->id; i < pv_vec_len(v); i += 7) {
    uint64_t x;
    int rc = pv_vec_get(v, i, &x);
    if (rc != 0 || x != 3 * (uint64_t)i) {
      fail(w, rc, "get returned a wrong element");
      break;
    }
    const uint64_t *p = pv_vec_at(v, i);
    size_t ix = 0;
    rc = pv_vec_bsearch(v, p, cmp_u64, &ix);
    if (rc != 0 || ix != i) {
      fail(w, rc, "bsearch did not find an element");
      break;
    }
    sum += (unsigned long)x;
  }
  if (!pv_vec_equal(v, v)) fail(w, 0, "vector not equal to itself");
  size_t res;
  int rc = pv_vec_resident(v, &res);
  if (rc != 0 && rc != PV_ENOTSUP) fail(w, rc, "resident");
  w->checksum = sum;
  return NULL;
}

Test(threads, many_readers_of_one_frozen_vector) {
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, sizeof(uint64_t)), 0, "init");
  for (uint64_t i = 0; i < 100000; i++) {
    uint64_t x = 3 * i;
    cr_assert_eq(pv_vec_push(&v, &x), 0, "push %llu", (unsigned long long)i);
  }
  /* Frozen: any stray write from a reader would fault. */
  cr_assert_eq(pv_vec_freeze(&v), 0, "freeze");
  worker ws[THREADS];
  memset(ws, 0, sizeof ws);
  for (unsigned i = 0; i < THREADS; i++) ws[i].shared = &v;
  run_threads(ws, reader);
  for (unsigned i = 0; i < THREADS; i++) {
    unsigned long want = 0;
    for (size_t k = i; k < v.len; k += 7) want += 3 * (unsigned long)k;
    cr_assert_eq(ws[i].checksum, want, "thread %u read a wrong sum", i);
  }
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* ---- pv_vec_populate's helper threads ------------------------------------ */

/* Three chunks of the populate unit (the huge page, else the page) and a
 * bit: helpers start. */
static size_t populate_elems(void) {
  size_t page = pv_page_size(), h = pv_huge_page_size();
  return (3 * (h > page ? h : page) + page) / sizeof(uint64_t);
}

/* reserve, a pattern past len, populate with helpers, fill; every element
 * and the pattern checked.  0 or a description of what failed in msg. */
static int populate_and_fill(unsigned threads, char *msg, size_t n) {
  pv_vec v;
  memset(&v, 0, sizeof v); /* destroyable whatever fails */
  msg[0] = 0;
  int rc = pv_vec_init_opts(&v, &(pv_vec_opts){.elem_size = sizeof(uint64_t),
                                               .flags = PV_VEC_PAGES});
  size_t want = populate_elems(), half = want / 2;
  if (rc == 0) rc = pv_vec_reserve_exact(&v, want);
  /* Older bytes past len: written, then truncated away. */
  for (size_t i = 0; rc == 0 && i < half; i++)
    rc = pv_vec_push(&v, &(uint64_t){~(uint64_t)i});
  if (rc == 0) rc = pv_vec_truncate(&v, 1);
  if (rc == 0) rc = pv_vec_populate(&v, threads);
  if (rc != 0) {
    snprintf(msg, n, "populate with %u threads: %s", threads, pv_errname(rc));
    pv_vec_destroy(&v);
    return rc;
  }
  /* The truncated elements are initialised: take them back (reading past
   * len would be a use-after-poison under ASan) and check them. */
  rc = pv_vec_set_len(&v, half);
  const uint64_t *d = v.data;
  for (size_t i = 1; rc == 0 && i < half; i++)
    if (d[i] != ~(uint64_t)i) {
      snprintf(msg, n, "populate changed the byte past len at element %zu", i);
      rc = -1000;
    }
  size_t room = 0;
  uint64_t *p = rc == 0 ? pv_vec_spare(&v, &room) : NULL;
  for (size_t i = 0; i < room; i++) p[i] = 5 * (uint64_t)(half + i);
  if (rc == 0) rc = pv_vec_set_len(&v, half + room);
  for (size_t i = half; rc == 0 && i < v.len; i++)
    if (d[i] != 5 * (uint64_t)i) {
      snprintf(msg, n, "fill after populate lost element %zu", i);
      rc = -1000;
    }
  if (rc == 0 && v.len != v.cap) {
    snprintf(msg, n, "filled %zu of %zu", v.len, v.cap);
    rc = -1000;
  }
  if (rc != 0 && msg[0] == 0) snprintf(msg, n, "set_len: %s", pv_errname(rc));
  pv_vec_destroy(&v);
  return rc;
}

static void *populate_own(void *arg) {
  worker *w = arg;
  pthread_barrier_wait(w->start);
  char msg[160];
  int rc = populate_and_fill(w->id % 3 + 1, msg, sizeof msg);
  if (rc != 0) fail(w, rc, msg);
  return NULL;
}

/* Distinct vectors populated from distinct threads at once, each with
 * helpers of its own. */
Test(threads, each_thread_populates_its_own_vector) {
  worker ws[THREADS];
  memset(ws, 0, sizeof ws);
  run_threads(ws, populate_own);
}

Test(threads, populate_with_helpers) {
  char msg[160] = "";
  cr_assert_eq(populate_and_fill(4, msg, sizeof msg), 0, "%s", msg);
  cr_assert_eq(populate_and_fill(0, msg, sizeof msg), 0, "%s", msg);
}

/* The touching fallback (forced through the fault seam: an injected
 * PV_EINVAL at the populate call is taken as a kernel without
 * MADV_POPULATE_WRITE): helpers read and write back the vector's bytes,
 * the caller then reads them. */
Test(threads, populate_touching_with_helpers) {
  pv_vec v;
  cr_assert_eq(pv_vec_init_opts(&v, &(pv_vec_opts){.elem_size = 1, .flags = PV_VEC_PAGES}),
               0, "init");
  cr_assert_eq(pv_vec_reserve(&v, 1), 0, "reserve");
  pv__os_fault_set(1, PV_EINVAL);
  int rc = pv_vec_populate(&v, 1);
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, 0, "populate with the fallback forced: %s", pv_errname(rc));
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  char msg[160] = "";
  cr_assert_eq(populate_and_fill(4, msg, sizeof msg), 0, "%s", msg);
}

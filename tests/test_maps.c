/*
 * tests/test_maps.c - running out of mappings (vm.max_map_count).
 *
 * Linux limits the number of mappings (VMAs) a process may have; every
 * guard page and every protection change in the middle of a mapping costs
 * one.  In a forked child (nothing else may map meanwhile, and malloc is
 * unusable at the limit) we create pages, then guard and frozen vectors,
 * until the kernel refuses.  The refusing call must return PV_EMAPS (not
 * PV_ENOMEM: the mapping limit has its own code) and leave its object as it
 * was; calls on the existing objects at the limit must fail cleanly or
 * succeed; after destroying everything, exactly as many objects can be
 * created again.  An ordinary refusal of memory (RLIMIT_AS), far from the
 * limit or a little below it, stays PV_ENOMEM.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "childrun.h"
#include "os.h"
#include "paged_vec.h"
#include "store.h"
#include "relutil.h"

/* Above this the limit is not reachable in a test's time and memory. */
#define MAX_TRIED_LIMIT 1000000ul

static unsigned long max_map_count(void) {
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  unsigned long n = 0;
  if (f == NULL) return 0;
  if (fscanf(f, "%lu", &n) != 1) n = 0;
  fclose(f);
  return n;
}

static void skip_unless_limited(void) {
  unsigned long lim = max_map_count();
  if (lim == 0) cr_skip_test("no /proc/sys/vm/max_map_count (not Linux)");
  if (lim > MAX_TRIED_LIMIT)
    cr_skip_test("vm.max_map_count is %lu: too high to exhaust in a test", lim);
}

/* Storage for the objects, mapped straight from the kernel before the
 * limit is reached (one mapping). */
static void *slab(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* ---- an ordinary refusal stays PV_ENOMEM --------------------------------- */

/* Mappings left free below the limit for the check near it: far more than
 * the few a single call can need, few enough that the process is still
 * close to the limit. */
#define NEAR_LIMIT 64

/* With the soft RLIMIT_AS at 0 (below what the process uses, so no new
 * address space at all) every growth is refused for memory, not for
 * mappings: a page map, a huge-aligned page map (its over-reservation and
 * the exact fallback both refused) and a vector's first growth return
 * PV_ENOMEM, write nothing and leak nothing.  The limit goes back after. */
static void ordinary_enomem(cr_child_report *r, const char *where) {
  struct rlimit was;
  if (getrlimit(RLIMIT_AS, &was) != 0) {
    child_fail(r, "%s: getrlimit failed", where);
    return;
  }
  struct rlimit none = {0, was.rlim_max};
  if (setrlimit(RLIMIT_AS, &none) != 0) {
    child_fail(r, "%s: setrlimit failed", where);
    return;
  }
  long long live = pv__os_live_bytes();
  const unsigned flags[] = {0, PV_MAP_HUGE};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    pv_pages p, junk;
    memset(&junk, 0x5a, sizeof junk);
    p = junk;
    int rc = pv_pages_map(&p, 4 * pv_page_size(), PV_PROT_READ | PV_PROT_WRITE,
                          flags[i]);
    CHILD_CHECK(r, rc == PV_ENOMEM, "%s: map (flags %#x) under RLIMIT_AS 0: %s, "
                "want PV_ENOMEM", where, flags[i], pv_errname(rc));
    CHILD_CHECK(r, memcmp(&p, &junk, sizeof p) == 0, "%s: failed map wrote *p",
                where);
  }
  /* In pages from the first element (PV_VEC_PAGES): a small vector's
   * malloc may be served from heap the process already has. */
  pv_vec v;
  pv_vec_opts o = {.elem_size = 8, .flags = PV_VEC_PAGES};
  int rc = pv_vec_init_opts(&v, &o);
  CHILD_CHECK(r, rc == 0, "%s: init: %s", where, pv_errname(rc));
  if (rc == 0) {
    pv_vec before = v;
    uint64_t x = 1;
    rc = pv_vec_push(&v, &x);
    CHILD_CHECK(r, rc == PV_ENOMEM, "%s: push under RLIMIT_AS 0: %s, want "
                "PV_ENOMEM", where, pv_errname(rc));
    CHILD_CHECK(r, memcmp(&v, &before, sizeof v) == 0,
                "%s: the failed push changed the vector", where);
    pv_vec_destroy(&v);
  }
  CHILD_CHECK(r, pv__os_live_bytes() == live, "%s: leaked", where);
  CHILD_CHECK(r, setrlimit(RLIMIT_AS, &was) == 0, "%s: restoring RLIMIT_AS",
              where);
}

static void ordinary_enomem_far(cr_child_report *r, void *arg) {
  (void)arg;
  (void)pv_page_size(); /* the capabilities, queried before the limit */
  ordinary_enomem(r, "far from the mapping limit");
  r->n[0] = ru_maps_count();
}

Test(maps, ordinary_enomem_far_from_the_limit_is_enomem) {
  if (max_map_count() == 0) cr_skip_test("no /proc/sys/vm/max_map_count (not Linux)");
  cr_child_report r = child_run(ordinary_enomem_far, NULL);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
  fprintf(stderr, "maps ordinary ENOMEM: PV_ENOMEM at %lu mappings of "
          "vm.max_map_count %lu\n", r.n[0], max_map_count());
}

/* ---- pages -------------------------------------------------------------- */

/* Map one-page mappings, alternately read-write and inaccessible so that
 * neighbours never merge, until refused; returns how many were made. */
static size_t pages_fill(cr_child_report *r, pv_pages *ps, size_t room) {
  const size_t page = pv_page_size();
  size_t n = 0;
  for (; n < room; n++) {
    unsigned prot = (n & 1) ? PV_PROT_NONE : PV_PROT_READ | PV_PROT_WRITE;
    pv_pages junk;
    memset(&junk, 0x5a, sizeof junk);
    ps[n] = junk;
    long long live = pv__os_live_bytes();
    int rc = pv_pages_map(&ps[n], page, prot, 0);
    if (rc == 0) continue;
    CHILD_CHECK(r, rc == PV_EMAPS, "map #%zu: %s, want PV_EMAPS", n,
                pv_errname(rc));
    CHILD_CHECK(r, memcmp(&ps[n], &junk, sizeof junk) == 0,
                "map #%zu wrote *p on failure", n);
    CHILD_CHECK(r, pv__os_live_bytes() == live, "map #%zu leaked on failure", n);
    break;
  }
  return n;
}

static void pages_exhaust(cr_child_report *r, void *arg) {
  (void)arg;
  const size_t room = max_map_count() + 16;
  pv_pages *ps = slab(room * sizeof *ps);
  CHILD_CHECK(r, ps != NULL, "no memory for the table");
  if (ps == NULL) return;
  long long live0 = pv__os_live_bytes();
  size_t maps0 = ru_maps_count();
  size_t first = pages_fill(r, ps, room);
  CHILD_CHECK(r, first < room, "never refused after %zu mappings", first);
  size_t maps_full = ru_maps_count();

  /* At the limit: splitting a mapping is refused, whole-mapping calls
   * still work, and nothing changes on a refusal. */
  if (first >= 2) {
    pv_pages *p = &ps[0]; /* read-write, one page: grow it */
    pv_pages before = *p;
    int rc = pv_pages_resize(p, 64 * pv_page_size());
    CHILD_CHECK(r, rc == 0 || rc == PV_EMAPS, "resize at the limit: %s",
                pv_errname(rc));
    if (rc != 0)
      CHILD_CHECK(r, memcmp(p, &before, sizeof before) == 0,
                  "failed resize changed *p");
    rc = pv_pages_protect(&ps[1], PV_PROT_READ);
    CHILD_CHECK(r, rc == 0, "whole-mapping protect at the limit: %s",
                pv_errname(rc));
  }
  /* A little below the limit, a refusal for memory is still PV_ENOMEM. */
  size_t kept = first;
  if (first > NEAR_LIMIT) {
    for (; kept > first - NEAR_LIMIT; kept--)
      CHILD_CHECK(r, pv_pages_unmap(&ps[kept - 1]) == 0, "unmap #%zu", kept - 1);
    r->n[2] = ru_maps_count();
    ordinary_enomem(r, "near the mapping limit");
  }
  for (size_t i = 0; i < kept; i++) {
    int rc = pv_pages_unmap(&ps[i]);
    if (rc != 0) {
      child_fail(r, "unmap #%zu: %s", i, pv_errname(rc));
      break;
    }
  }
  CHILD_CHECK(r, pv__os_live_bytes() == live0, "address space leaked");
  CHILD_CHECK(r, ru_maps_count() == maps0, "mappings left: %zu, was %zu",
              ru_maps_count(), maps0);
  size_t again = pages_fill(r, ps, room);
  for (size_t i = 0; i < again; i++) pv_pages_unmap(&ps[i]);
  CHILD_CHECK(r, again == first, "%zu mappings the first time, %zu the second",
              first, again);
  r->n[0] = first;
  r->n[1] = maps_full;
}

Test(maps, pages_until_max_map_count) {
  skip_unless_limited();
  cr_child_report r = child_run(pages_exhaust, NULL);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
  cr_assert_gt(r.n[0], 1000, "only %lu mappings before the refusal", r.n[0]);
  fprintf(stderr, "maps pages: %lu one-page mappings, process at %lu mappings "
          "of vm.max_map_count %lu; PV_EMAPS there, PV_ENOMEM for RLIMIT_AS "
          "at %lu mappings\n", r.n[0], r.n[1], max_map_count(), r.n[2]);
}

/* ---- vectors ------------------------------------------------------------ */

/* Each vector has a guard page (two mappings: data and guard); every
 * second one is frozen (its data read-only), and the vectors alternate
 * between REMAP/COPY and STABLE.  Make them until one call is refused. */
static size_t vecs_fill(cr_child_report *r, pv_vec *vs, size_t room,
                        int *refused_at) {
  size_t n = 0;
  for (; n < room; n++) {
    pv_vec_opts o = {.elem_size = 8, .flags = PV_VEC_GUARD};
    if (n % 3 == 2) {
      o.grow = PV_GROW_STABLE;
      o.max_len = 4096;
    }
    pv_vec junk;
    memset(&junk, 0x5a, sizeof junk);
    vs[n] = junk;
    long long live = pv__os_live_bytes();
    int rc = pv_vec_init_opts(&vs[n], &o);
    if (rc != 0) {
      *refused_at = 0;
      CHILD_CHECK(r, rc == PV_EMAPS, "init #%zu: %s", n, pv_errname(rc));
      CHILD_CHECK(r, memcmp(&vs[n], &junk, sizeof junk) == 0,
                  "failed init #%zu wrote *v", n);
      CHILD_CHECK(r, pv__os_live_bytes() == live, "init #%zu leaked", n);
      break;
    }
    /* Commit the first page (no memory used until touched). */
    pv_vec before = vs[n];
    pv__store_info before_st = pv__store_inspect(&vs[n]);
    rc = pv_vec_reserve(&vs[n], 1);
    if (rc != 0) {
      *refused_at = 1;
      CHILD_CHECK(r, rc == PV_EMAPS, "reserve #%zu: %s", n, pv_errname(rc));
      CHILD_CHECK(r, memcmp(&vs[n], &before, sizeof before) == 0,
                  "failed reserve #%zu changed the vector", n);
      pv__store_info now_st = pv__store_inspect(&vs[n]);
      CHILD_CHECK(r, memcmp(&now_st, &before_st, sizeof now_st) == 0,
                  "failed reserve #%zu changed the vector's state", n);
      CHILD_CHECK(r, pv__os_live_bytes() == live + (long long)before_st.reserved,
                  "reserve #%zu leaked", n);
      n++; /* it exists: destroy it with the others */
      break;
    }
    if (n % 2 == 1) {
      before = vs[n];
      rc = pv_vec_freeze(&vs[n]);
      if (rc != 0) {
        *refused_at = 2;
        CHILD_CHECK(r, rc == PV_EMAPS, "freeze #%zu: %s", n, pv_errname(rc));
        CHILD_CHECK(r, memcmp(&vs[n], &before, sizeof before) == 0,
                    "failed freeze #%zu changed the vector", n);
        n++;
        break;
      }
    }
  }
  return n;
}

static void vecs_exhaust(cr_child_report *r, void *arg) {
  (void)arg;
  const size_t room = max_map_count() + 16;
  pv_vec *vs = slab(room * sizeof *vs);
  CHILD_CHECK(r, vs != NULL, "no memory for the table");
  if (vs == NULL) return;
  long long live0 = pv__os_live_bytes();
  size_t maps0 = ru_maps_count();
  int where = -1;
  size_t first = vecs_fill(r, vs, room, &where);
  CHILD_CHECK(r, first < room, "never refused after %zu vectors", first);
  size_t maps_full = ru_maps_count();

  /* At the limit: growing, thawing, freezing, shrinking the existing
   * vectors either works or fails with PV_EMAPS and changes nothing. */
  size_t grew = 0, refused = 0;
  for (size_t i = 0; i < first && i < 64; i++) {
    pv_vec *v = &vs[i];
    pv_vec before = v[0];
    int rc = pv_vec_frozen(v) ? pv_vec_thaw(v) : pv_vec_reserve(v, 2000);
    if (rc == 0) {
      grew++;
      continue;
    }
    refused++;
    CHILD_CHECK(r, rc == PV_EMAPS, "vector %zu at the limit: %s", i,
                pv_errname(rc));
    CHILD_CHECK(r, memcmp(v, &before, sizeof before) == 0,
                "vector %zu changed by a refused call", i);
  }
  for (size_t i = 0; i < first; i++) {
    int rc = pv_vec_destroy(&vs[i]);
    if (rc != 0) {
      child_fail(r, "destroy #%zu: %s", i, pv_errname(rc));
      break;
    }
  }
  CHILD_CHECK(r, pv__os_live_bytes() == live0, "address space leaked: %lld",
              pv__os_live_bytes() - live0);
  /* The first round may leave the C allocator's heap in more mappings than
   * before (it held the vectors' state blocks, lib/store.h; one more with
   * glibc, two with ASan's allocator); the library's own mappings are all
   * gone (live bytes above), and a second round must leave no more. */
  size_t maps1 = ru_maps_count();
  int where2 = -1;
  size_t again = vecs_fill(r, vs, room, &where2);
  for (size_t i = 0; i < again; i++) pv_vec_destroy(&vs[i]);
  CHILD_CHECK(r, ru_maps_count() == maps1, "mappings left after a second round: "
              "%zu, was %zu", ru_maps_count(), maps1);
  /* Each mapping the heap kept is one vector fewer the second time. */
  size_t heap_kept = maps1 > maps0 ? maps1 - maps0 : 0;
  CHILD_CHECK(r, again + heap_kept >= first && again <= first,
              "%zu vectors the first time, %zu the second (the heap kept %zu "
              "more mappings)", first, again, heap_kept);
  r->n[0] = first;
  r->n[1] = maps_full;
  r->n[2] = (unsigned long)where;
  r->n[3] = grew;
  r->n[4] = refused;
}

Test(maps, guard_and_frozen_vectors_until_max_map_count) {
  skip_unless_limited();
  cr_child_report r = child_run(vecs_exhaust, NULL);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
  cr_assert_gt(r.n[0], 1000, "only %lu vectors before the refusal", r.n[0]);
  static const char *const step[] = {"init", "reserve", "freeze"};
  fprintf(stderr, "maps vectors: %lu guard vectors (every 2nd frozen, every "
          "3rd STABLE), process at %lu mappings of vm.max_map_count %lu; "
          "refused at %s; at the limit %lu later calls worked, %lu refused\n",
          r.n[0], r.n[1], max_map_count(), r.n[2] < 3 ? step[r.n[2]] : "?",
          r.n[3], r.n[4]);
}

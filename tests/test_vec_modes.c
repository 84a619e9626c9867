/*
 * tests/test_vec_modes.c - what the growth modes promise: STABLE addresses
 * and PV_ENOSPC, guard pages kept across growth (faults proven by signals),
 * move-on-grow (stale pointers fault), huge pages (alignment, AnonHugePages
 * in /proc/self/smaps), trim and shrink per mode.  Fault injection into
 * every OS call of every operation, in every mode and flag set, is
 * tests/test_fault_vec.c (the sweep of tests/sweep.h).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "relutil.h"
#include "vecutil.h"

static const pv_grow all_modes[] = {PV_GROW_REMAP, PV_GROW_STABLE, PV_GROW_COPY};
#define N_MODES (sizeof all_modes / sizeof all_modes[0])

/* ---- /proc/self/maps and smaps ------------------------------------------ */

/* The page holding addr has the permissions `want` ("rw-p", "---p"; "hole"
 * when nothing maps it), as /proc/self/maps says (relutil.h). */
static void assert_perms(const void *addr, const char *want, const char *what) {
  char p[5];
  ru_perms(addr, 1, p);
  cr_assert_eq(strcmp(p, want), 0, "%s: %p is %s, want %s", what, addr, p, want);
}

/* The guard page right after the committed bytes is mapped PROT_NONE. */
static void assert_guard(const pv_vec *v, const char *what) {
  assert_perms((const char *)v->data + pv__store_bytes(v), "---p", what);
  assert_perms((const char *)v->data + pv__store_bytes(v) - 1, "rw-p", what);
}

/* Sum of AnonHugePages (bytes) over the mappings overlapping the range. */
static size_t anon_huge_bytes(const void *start, size_t len) {
  size_t bytes;
  if (!ru_anon_huge(start, len, &bytes)) cr_skip_test("no /proc/self/smaps on this system");
  return bytes;
}

/* The THP mode in brackets: "always", "madvise" or "never" ("" if none). */
static const char *thp_mode(void) {
  static char mode[32];
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  mode[0] = '\0';
  if (f == NULL) return mode;
  char line[128];
  if (fgets(line, sizeof line, f) != NULL) {
    char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
    if (a && b && (size_t)(b - a - 1) < sizeof mode) {
      memcpy(mode, a + 1, (size_t)(b - a - 1));
      mode[b - a - 1] = '\0';
    }
  }
  fclose(f);
  return mode;
}

static void require_thp(void) {
  const pv__os_caps *c = vu_caps();
  if (c->huge_page_size == 0)
    cr_skip_test("no transparent huge pages on this system");
  if (!c->thp)
    cr_skip_test("transparent huge pages are 'never' (%s): nothing to show",
                 thp_mode());
}

/* ---- defaults ----------------------------------------------------------- */

Test(vec_modes, default_is_remap) {
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  /* In pages once past the small phase (test_store.c checks the phase). */
  cr_assert_eq(pv_vec_reserve_exact(&v, pv__store_small_max() / 8), 0, "reserve");
  pv__store_kind k = pv__store_inspect(&v).kind;
  cr_assert(k == (vu_caps()->can_remap ? PV__STORE_REMAP : PV__STORE_RESERVE),
            "default held as %d, want REMAP", (int)k);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* Without mremap, REMAP commits in place inside a reservation several
 * times the committed size and copies only when it is full: most growths
 * keep `data` where it is.  (With mremap the kernel decides.) */
Test(vec_modes, remap_without_mremap_grows_in_place_mostly) {
  if (vu_caps()->can_remap)
    cr_skip_test("this build has mremap; see the --disable-mremap build");
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, 0);
  size_t growths = 0, moves = 0, cap = v.cap;
  void *data = v.data;
  const size_t n = (size_t)16 << 20; /* 128 MiB: past the huge page size */
  for (uint64_t i = 0; i < n; i++) {
    cr_assert_eq(pv_vec_push(&v, &i), 0, "push %llu", (unsigned long long)i);
    if (v.cap != cap) {
      growths++;
      if (v.data != data && data != NULL) moves++;
      cap = v.cap;
      data = v.data;
    }
  }
  vu_check_seq(&v, n);
  fprintf(stderr, "remap without mremap: %zu growths, %zu moved the data\n",
          growths, moves);
  cr_assert_geq(growths, 10, "only %zu growths for %zu pushes", growths, n);
  cr_assert_leq(moves * 3, growths, "%zu of %zu growths moved the data", moves,
                growths);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* ---- STABLE ------------------------------------------------------------- */

Test(vec_stable, addresses_never_move_up_to_ten_million) {
  const size_t max = 10000000, mid = max / 2;
  pv_vec v;
  vu_init(&v, PV_GROW_STABLE, 8, max, 0);
  void *base = v.data;
  cr_assert_not_null(base, "STABLE reserves at init");
  cr_assert_eq(v.cap, 0, "nothing committed yet");
  vu_push_seq(&v, 0, 1);
  void *first = pv_vec_at(&v, 0);
  cr_assert_eq(first, base, "element 0 is not at the reservation's start");
  vu_push_seq(&v, 1, mid);
  void *middle = pv_vec_at(&v, mid);
  cr_assert_not_null(middle, "middle");
  vu_push_seq(&v, mid + 1, max - mid - 1);
  cr_assert_eq(v.len, max, "len");
  cr_assert_eq(v.cap, max, "a full STABLE vector's cap is max_len, got %zu", v.cap);
  cr_assert_eq(pv_vec_at(&v, 0), first, "element 0 moved");
  cr_assert_eq(pv_vec_at(&v, mid), middle, "element %zu moved", mid);
  cr_assert_eq(v.data, base, "data moved");
  vu_check_seq(&v, max);

  uint64_t x = 1;
  uint64_t two[2] = {1, 2};
  void *slot = NULL;
  sw_snap s;
  sw_take_vec(&s, &v);
  cr_assert_eq(pv_vec_push(&v, &x), PV_ENOSPC, "push past max_len");
  cr_assert_eq(pv_vec_push_slot(&v, &slot), PV_ENOSPC, "push_slot past max_len");
  cr_assert_null(slot, "slot written on failure");
  cr_assert_eq(pv_vec_append(&v, two, 2), PV_ENOSPC, "append past max_len");
  cr_assert_eq(pv_vec_insert(&v, 0, two, 1), PV_ENOSPC, "insert past max_len");
  cr_assert_eq(pv_vec_reserve(&v, 1), PV_ENOSPC, "reserve past max_len");
  cr_assert_eq(pv_vec_reserve_exact(&v, 1), PV_ENOSPC, "reserve_exact past max_len");
  cr_assert_eq(pv_vec_resize(&v, max + 1, NULL), PV_ENOSPC, "resize past max_len");
  sw_assert_same(&s, "PV_ENOSPC");
  sw_assert_no_leak(&s, "PV_ENOSPC");
  sw_drop(&s);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(vec_stable, append_across_the_maximum_is_all_or_nothing) {
  pv_vec v;
  vu_init(&v, PV_GROW_STABLE, 8, 100, 0);
  vu_push_seq(&v, 0, 98);
  uint64_t three[3] = {98, 99, 100};
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_ENOSPC, pv_vec_append(&v, three, 3),
                      "append 3 with room for 2");
  cr_assert_eq(pv_vec_append(&v, three, 2), 0, "append 2 with room for 2");
  vu_check_seq(&v, 100);
  cr_assert_eq(v.cap, 100, "cap is clamped to max_len: %zu", v.cap);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(vec_stable, reservation_costs_no_memory_and_shrink_keeps_the_address) {
  /* 64 GiB of address space: fine, it is PROT_NONE and uncharged. */
  const size_t max = (size_t)1 << 33;
  pv_vec v;
  vu_init(&v, PV_GROW_STABLE, 8, max, PV_VEC_NO_HUGE);
  void *base = v.data;
  size_t bytes = 1;
  if (vu_caps()->can_resident) {
    cr_assert_eq(pv_vec_resident(&v, &bytes), 0, "resident");
    cr_assert_eq(bytes, 0, "an empty STABLE vector holds %zu bytes", bytes);
  }
  char p[5];
  ru_perms(base, 1, p);
  if (strcmp(p, "hole") != 0) cr_assert_eq(strcmp(p, "---p"), 0, "reservation is %s", p);
  vu_push_seq(&v, 0, 100000);
  cr_assert_eq(pv_vec_truncate(&v, 10), 0, "truncate");
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink");
  cr_assert_eq(v.data, base, "shrink moved a STABLE vector");
  cr_assert_eq(v.cap, pv_page_size() / 8, "cap after shrink %zu", v.cap);
  assert_perms((char *)base + pv_page_size(), "---p", "decommitted tail");
  vu_check_seq(&v, 10);
  vu_push_seq(&v, 10, 100000);
  vu_check_seq(&v, 100010);
  cr_assert_eq(v.data, base, "regrowth moved a STABLE vector");
  cr_assert_eq(pv_vec_clear(&v), 0, "clear");
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink empty");
  cr_assert_eq(v.cap, 0, "cap");
  cr_assert_eq(v.data, base, "an empty STABLE vector keeps its address");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(vec_stable, move_on_grow_is_ignored) {
  pv_vec v;
  vu_init(&v, PV_GROW_STABLE, 8, 1 << 20, PV_VEC_MOVE_ON_GROW);
  void *base = v.data;
  vu_push_seq(&v, 0, 1 << 20);
  cr_assert_eq(v.data, base, "a STABLE vector moved");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* ---- guard pages -------------------------------------------------------- */

/* Grow a guarded vector through many growths, checking the guard each time. */
static pv_vec guarded(pv_grow g, size_t n) {
  pv_vec v;
  vu_init(&v, g, 8, 1 << 24, PV_VEC_GUARD);
  size_t last = 0;
  for (uint64_t i = 0; i < n; i++) {
    cr_assert_eq(pv_vec_push(&v, &i), 0, "push %llu", (unsigned long long)i);
    if (v.cap != last) {
      last = v.cap;
      assert_guard(&v, vu_mode_name(g));
    }
  }
  vu_check_seq(&v, n);
  return v;
}

Test(vec_guard, kept_after_the_capacity_across_growth) {
  for (size_t k = 0; k < N_MODES; k++) {
    pv_vec v = guarded(all_modes[k], 300000);
    /* shrink_to_fit keeps it right after the new end too */
    cr_assert_eq(pv_vec_truncate(&v, 1000), 0, "truncate");
    cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "shrink");
    assert_guard(&v, "after shrink_to_fit");
    vu_check_seq(&v, 1000);
    vu_push_seq(&v, 1000, 50000);
    assert_guard(&v, "regrown after shrink");
    vu_check_seq(&v, 51000);
    long long live = pv__os_live_bytes();
    cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
    cr_assert_lt(pv__os_live_bytes(), live, "destroy unmapped nothing");
  }
}

/* The write right past the capacity faults (and the one before it works). */
static void overrun(pv_grow g) {
  pv_vec v = guarded(g, 100000);
  cr_assert_eq(v.cap * 8, pv__store_bytes(&v), "8-byte elements fill whole pages");
  volatile unsigned char *end = (unsigned char *)v.data + v.cap * 8;
  vu_unpoison(&v); /* past len: ASan would report it first */
  end[-1] = 1;     /* last byte of the capacity: fine */
  end[0] = 1;  /* first byte past it: the guard */
  cr_assert_fail("%s: a write past the capacity did not fault", vu_mode_name(g));
}

Test(vec_guard, overrun_faults_remap, .signal = SIGSEGV) {
  overrun(PV_GROW_REMAP);
}
Test(vec_guard, overrun_faults_stable, .signal = SIGSEGV) { overrun(PV_GROW_STABLE); }
Test(vec_guard, overrun_faults_copy, .signal = SIGSEGV) { overrun(PV_GROW_COPY); }

/* A guarded vector that commits inside its reservation (PV__STORE_RESERVE:
 * the build without mremap), asked for exactly the bytes the reservation
 * holds, moves to a new one: committing the old one whole would leave no
 * guard page after the capacity. */
Test(vec_guard, an_exact_fill_of_the_reservation_keeps_the_guard) {
  pv_vec v;
  vu_init(&v, PV_GROW_REMAP, 8, 0, PV_VEC_GUARD | PV_VEC_NO_HUGE);
  vu_push_seq(&v, 0, 1000);
  const pv__store *s = v.pv_store;
  if (s->kind != PV__STORE_RESERVE) {
    cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
    cr_skip_test("guarded vectors grow by mremap in this build, not in a reservation");
  }
  size_t fill = s->reserved / 8;
  cr_assert_gt(s->reserved, s->bytes + pv_page_size(), "the reservation has room left");
  cr_assert_eq(pv_vec_reserve_exact(&v, fill - v.len), 0, "reserve_exact to the reservation");
  cr_assert_geq(v.cap, fill, "capacity");
  /* The guard is this vector's own page, inside its reservation (the page
   * after a reservation may be another mapping's PROT_NONE). */
  s = v.pv_store;
  cr_assert_geq(s->reserved, s->bytes + pv_page_size(),
                "no room for the guard in the reservation (%zu bytes committed of %zu)",
                s->bytes, s->reserved);
  assert_guard(&v, "after filling the reservation exactly");
  vu_check_seq(&v, 1000);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(vec_guard, overrun_at_the_stable_maximum_faults, .signal = SIGSEGV) {
  /* A full STABLE vector: the guard is the extra page after the reservation. */
  size_t n = 4 * pv_page_size() / 8;
  pv_vec v;
  vu_init(&v, PV_GROW_STABLE, 8, n, PV_VEC_GUARD);
  vu_push_seq(&v, 0, n);
  cr_assert_eq(v.cap, n, "full");
  volatile uint64_t *d = v.data;
  d[n - 1] = 7;
  d[n] = 7;
  cr_assert_fail("a write past a full STABLE vector did not fault");
}

/* ---- move on grow ------------------------------------------------------- */

/* Each growth of a moving vector lands somewhere new and leaves nothing
 * mapped where the data was. */
static void check_moves(pv_vec *v, size_t growths) {
  for (size_t k = 0; k < growths; k++) {
    void *old = v->data;
    size_t cap = v->cap;
    while (v->cap == cap) vu_push_seq(v, v->len, 1);
    cr_assert_neq(v->data, old, "growth %zu did not move", k);
    char p[5];
    ru_perms(old, 1, p);
    cr_assert(strcmp(p, "rw-p") != 0,
              "growth %zu left the old data accessible (%s)", k, p);
    vu_check_seq(v, v->len);
  }
}

/* With the region cache as it is by default, and off: a moved-from region
 * is unmapped, never kept for the next vector. */
Test(vec_move, every_growth_moves_with_the_flag) {
  for (int cached = 1; cached >= 0; cached--) {
    if (!cached) cr_assert_eq(pv_cache_set_limits(0, 0, 0), 0, "cache off");
    for (size_t k = 0; k < N_MODES; k++) {
      if (all_modes[k] == PV_GROW_STABLE) continue;
      for (unsigned guard = 0; guard <= PV_VEC_GUARD; guard += PV_VEC_GUARD) {
        pv_vec v;
        vu_init(&v, all_modes[k], 8, 0, PV_VEC_MOVE_ON_GROW | guard);
        vu_push_seq(&v, 0, 1);
        check_moves(&v, 12);
        cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
      }
    }
  }
}

Test(vec_move, env_switch_moves_default_vectors) {
  /* Each Criterion test runs in a fresh process, and the library reads the
   * variable at the first vector init: set it before that. */
  cr_assert_eq(setenv("PV_DEBUG_MOVE", "1", 1), 0, "setenv");
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init");
  vu_push_seq(&v, 0, 1);
  check_moves(&v, 12);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* A pointer taken before a growth faults after it, the region cache on
 * (the default): a moved-from region does not stay mapped in the cache. */
static void stale_read(pv_grow g) {
  pv_vec v;
  vu_init(&v, g, 8, 0, PV_VEC_MOVE_ON_GROW);
  vu_push_seq(&v, 0, 10);
  volatile uint64_t *stale = pv_vec_at(&v, 3);
  cr_assert_eq(*stale, 3, "fresh pointer reads");
  size_t cap = v.cap;
  vu_push_seq(&v, 10, cap); /* grows: the data moves */
  cr_assert_neq((void *)stale, pv_vec_at(&v, 3), "did not move");
  uint64_t x = *stale; /* must fault */
  cr_assert_fail("%s: a stale pointer still read %llu", vu_mode_name(g),
                 (unsigned long long)x);
}

Test(vec_move, stale_pointer_read_faults, .signal = SIGSEGV) {
  stale_read(PV_GROW_DEFAULT);
}
Test(vec_move, stale_pointer_read_faults_copy, .signal = SIGSEGV) {
  stale_read(PV_GROW_COPY);
}

/* ---- huge pages --------------------------------------------------------- */

Test(vec_huge, large_vector_is_aligned_and_rounded_to_huge_pages) {
  require_thp();
  size_t h = vu_caps()->huge_page_size;
  for (size_t k = 0; k < N_MODES; k++) {
    pv_vec v;
    vu_init(&v, all_modes[k], 8, 8 * h / 8, 0);
    size_t last = 0;
    /* Reserve in steps (nothing is touched, so this is cheap) up to 8 huge
     * pages; every capacity past one huge page is aligned and whole. */
    for (size_t bytes = pv_page_size(); bytes <= 8 * h; bytes += bytes / 2) {
      cr_assert_eq(pv_vec_reserve(&v, bytes / 8 - v.len), 0, "reserve %zu", bytes);
      if (pv__store_bytes(&v) == last) continue;
      last = pv__store_bytes(&v);
      if (pv__store_bytes(&v) >= h) {
        cr_assert_eq((uintptr_t)v.data % h, 0, "%s: %zu bytes at %p, not huge-aligned",
                     vu_mode_name(all_modes[k]), pv__store_bytes(&v), v.data);
        cr_assert_eq(pv__store_bytes(&v) % h, 0, "%s: %zu bytes is not whole huge pages",
                     vu_mode_name(all_modes[k]), pv__store_bytes(&v));
      }
    }
    cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  }
}

Test(vec_huge, flags_huge_and_no_huge) {
  /* Without the region cache: each growth maps exactly what it asks (a
   * reused region may be up to twice that). */
  cr_assert_eq(pv_cache_set_limits(0, 0, 0), 0, "cache off");
  require_thp();
  size_t h = vu_caps()->huge_page_size, ps = pv_page_size();
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 8, 0, PV_VEC_HUGE);
  vu_push_seq(&v, 0, 1);
  cr_assert_eq(pv__store_bytes(&v), h, "PV_VEC_HUGE: first growth maps %zu bytes, want %zu",
               pv__store_bytes(&v), h);
  cr_assert_eq((uintptr_t)v.data % h, 0, "PV_VEC_HUGE: not aligned");
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");

  /* Past one huge page the default rounds to whole huge pages; NO_HUGE
   * stays at whole small pages. */
  vu_init(&v, PV_GROW_DEFAULT, 8, 0, 0);
  cr_assert_eq(pv_vec_reserve_exact(&v, (h + ps) / 8), 0, "reserve_exact");
  cr_assert_eq(pv__store_bytes(&v), 2 * h, "default: %zu bytes, want %zu", pv__store_bytes(&v), 2 * h);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  vu_init(&v, PV_GROW_DEFAULT, 8, 0, PV_VEC_NO_HUGE);
  cr_assert_eq(pv_vec_reserve_exact(&v, (h + ps) / 8), 0, "reserve_exact");
  cr_assert_eq(pv__store_bytes(&v), h + ps, "NO_HUGE: %zu bytes, want %zu", pv__store_bytes(&v), h + ps);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(vec_huge, pushed_512_mib_vector_is_mostly_huge_pages) {
  require_thp();
  const size_t n = ((size_t)512 << 20) / 8;
  pv_vec v;
  cr_assert_eq(pv_vec_init(&v, 8), 0, "init (default flags)");
  for (uint64_t i = 0; i < n; i++)
    if (pv_vec_push(&v, &i) != 0) cr_assert_fail("push %llu", (unsigned long long)i);
  size_t bytes = n * 8, huge = anon_huge_bytes(v.data, bytes);
  cr_log_info("512 MiB pushed vector (THP '%s'): %zu MiB of %zu MiB in huge pages",
              thp_mode(), huge >> 20, bytes >> 20);
  fprintf(stderr, "# 512 MiB pushed vector (THP '%s'): %zu MiB of %zu MiB in huge pages\n",
          thp_mode(), huge >> 20, bytes >> 20);
  cr_assert_gt(huge, bytes / 2,
               "only %zu of %zu bytes are AnonHugePages (THP '%s')", huge, bytes,
               thp_mode());
  const uint64_t *d = v.data;
  for (size_t i = 0; i < n; i += 4099)
    cr_assert_eq(d[i], i, "element %zu", i);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

/* ---- trim per mode ------------------------------------------------------ */

Test(vec_modes, trim_drops_resident_memory_in_every_mode) {
  if (!vu_caps()->can_resident) cr_skip_test("this platform cannot tell residency");
  size_t ps = pv_page_size();
  for (size_t k = 0; k < N_MODES; k++) {
    pv_vec v;
    vu_init(&v, all_modes[k], 8, 1 << 20, PV_VEC_NO_HUGE | PV_VEC_GUARD);
    vu_push_seq(&v, 0, 128 * ps / 8);
    size_t before, after;
    cr_assert_eq(pv_vec_resident(&v, &before), 0, "resident");
    cr_assert_eq(pv_vec_truncate(&v, 100), 0, "truncate");
    void *data = v.data;
    size_t cap = v.cap;
    cr_assert_eq(pv_vec_trim(&v), 0, "trim");
    cr_assert(v.data == data && v.cap == cap, "trim moved or resized");
    cr_assert_eq(pv_vec_resident(&v, &after), 0, "resident");
    cr_assert_leq(after, ps, "%s: %zu bytes resident after trim (before %zu)",
                  vu_mode_name(all_modes[k]), after, before);
    cr_assert_geq(before, 128 * ps, "%s: only %zu resident before",
                  vu_mode_name(all_modes[k]), before);
    vu_check_seq(&v, 100);
    cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
  }
}

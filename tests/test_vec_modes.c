/*
 * tests/test_vec_modes.c - what the growth modes promise: STABLE addresses
 * and PV_ENOSPC, guard pages kept across growth (faults proven by signals),
 * move-on-grow (stale pointers fault), huge pages (alignment, AnonHugePages
 * in /proc/self/smaps), trim and shrink per mode, and fault injection into
 * every OS call a growth makes ("nothing changed, nothing leaked").
 */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "vecutil.h"

static const pv_grow all_modes[] = {PV_GROW_REMAP, PV_GROW_STABLE, PV_GROW_COPY};
#define N_MODES (sizeof all_modes / sizeof all_modes[0])

/* ---- /proc/self/maps and smaps ------------------------------------------ */

/* The permissions ("rw-p", "---p", ...) of the mapping holding addr; false
 * when no mapping holds it.  Skips the test where there is no /proc. */
static bool vm_perms(const void *addr, char perms[5]) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (f == NULL) cr_skip_test("no /proc/self/maps on this system");
  char line[512];
  bool found = false;
  uintptr_t a = (uintptr_t)addr;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long lo, hi;
    char p[5];
    if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 && a >= lo && a < hi) {
      memcpy(perms, p, 5);
      found = true;
      break;
    }
  }
  fclose(f);
  return found;
}

static void assert_perms(const void *addr, const char *want, const char *what) {
  char p[5] = "";
  cr_assert(vm_perms(addr, p), "%s: %p is not mapped", what, addr);
  cr_assert_eq(strcmp(p, want), 0, "%s: %p is %s, want %s", what, addr, p, want);
}

/* The guard page right after the committed bytes is mapped PROT_NONE. */
static void assert_guard(const pv_vec *v, const char *what) {
  assert_perms((const char *)v->data + pv__store_bytes(v), "---p", what);
  assert_perms((const char *)v->data + pv__store_bytes(v) - 1, "rw-p", what);
}

/* Sum of AnonHugePages (bytes) over the mappings overlapping [lo, hi). */
static size_t anon_huge_bytes(const void *start, size_t len) {
  FILE *f = fopen("/proc/self/smaps", "r");
  if (f == NULL) cr_skip_test("no /proc/self/smaps on this system");
  uintptr_t lo = (uintptr_t)start, hi = lo + len;
  char line[512];
  bool in = false;
  size_t total = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long a, b;
    unsigned long long kb;
    char perms[5];
    if (sscanf(line, "%lx-%lx %4s", &a, &b, perms) == 3) {
      in = a < hi && b > lo;
    } else if (in && sscanf(line, "AnonHugePages: %llu kB", &kb) == 1) {
      total += (size_t)kb * 1024u;
    }
  }
  fclose(f);
  return total;
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
  vu_snap s = vu_take(&v);
  cr_assert_eq(pv_vec_push(&v, &x), PV_ENOSPC, "push past max_len");
  cr_assert_eq(pv_vec_push_slot(&v, &slot), PV_ENOSPC, "push_slot past max_len");
  cr_assert_null(slot, "slot written on failure");
  cr_assert_eq(pv_vec_append(&v, two, 2), PV_ENOSPC, "append past max_len");
  cr_assert_eq(pv_vec_insert(&v, 0, two, 1), PV_ENOSPC, "insert past max_len");
  cr_assert_eq(pv_vec_reserve(&v, 1), PV_ENOSPC, "reserve past max_len");
  cr_assert_eq(pv_vec_reserve_exact(&v, 1), PV_ENOSPC, "reserve_exact past max_len");
  cr_assert_eq(pv_vec_resize(&v, max + 1, NULL), PV_ENOSPC, "resize past max_len");
  vu_assert_same(&v, s, "PV_ENOSPC");
  vu_drop(&s);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
}

Test(vec_stable, append_across_the_maximum_is_all_or_nothing) {
  pv_vec v;
  vu_init(&v, PV_GROW_STABLE, 8, 100, 0);
  vu_push_seq(&v, 0, 98);
  uint64_t three[3] = {98, 99, 100};
  vu_snap s = vu_take(&v);
  cr_assert_eq(pv_vec_append(&v, three, 3), PV_ENOSPC, "append 3 with room for 2");
  vu_assert_same(&v, s, "append across max");
  vu_drop(&s);
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
  if (vm_perms(base, p)) cr_assert_eq(strcmp(p, "---p"), 0, "reservation is %s", p);
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
    cr_assert(!vm_perms(old, p) || strcmp(p, "rw-p") != 0,
              "growth %zu left the old data accessible (%s)", k, p);
    vu_check_seq(v, v->len);
  }
}

Test(vec_move, every_growth_moves_with_the_flag) {
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

Test(vec_move, stale_pointer_read_faults, .signal = SIGSEGV) {
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 8, 0, PV_VEC_MOVE_ON_GROW);
  vu_push_seq(&v, 0, 10);
  volatile uint64_t *stale = pv_vec_at(&v, 3);
  cr_assert_eq(*stale, 3, "fresh pointer reads");
  size_t cap = v.cap;
  vu_push_seq(&v, 10, cap); /* grows: the data moves */
  cr_assert_neq((void *)stale, pv_vec_at(&v, 3), "did not move");
  uint64_t x = *stale; /* must fault */
  cr_assert_fail("a stale pointer still read %llu", (unsigned long long)x);
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

/* ---- fault injection: every OS call of every growth path ---------------- */

typedef int (*vec_op)(pv_vec *v);

static int op_push(pv_vec *v) {
  uint64_t x = v->len;
  return pv_vec_push(v, &x);
}
static int op_reserve_big(pv_vec *v) { return pv_vec_reserve(v, 4 * v->cap); }
/* Across the huge page threshold: REMAP moves once to an aligned start. */
static int op_reserve_huge(pv_vec *v) {
  return pv_vec_reserve(v, 2 * vu_caps()->huge_page_size / 8);
}
static int op_shrink(pv_vec *v) {
  pv_vec_truncate(v, v->len / 3);
  return pv_vec_shrink_to_fit(v);
}
static int op_shrink_empty(pv_vec *v) {
  pv_vec_clear(v);
  return pv_vec_shrink_to_fit(v);
}
static int op_trim(pv_vec *v) {
  pv_vec_truncate(v, 1);
  return pv_vec_trim(v);
}
static int op_freeze(pv_vec *v) { return pv_vec_freeze(v); }
static int op_self_append(pv_vec *v) { return pv_vec_append(v, v->data, v->len); }

/* Build a vector whose next growth is due (len == cap), several growths in. */
static void build_full(pv_vec *v, pv_grow g, unsigned flags) {
  vu_init(v, g, 8, 1 << 24, flags | PV_VEC_PAGES); /* OS calls from the start */
  vu_push_seq(v, 0, 3 * pv_page_size() / 8 + 1);
  while (v->len < v->cap) vu_push_seq(v, v->len, 1);
}

/* A guarded REMAP growth absorbs any one refused call: a refused
 * reservation, or move onto it, falls back to a move without one
 * (lib/store_map.c move_guarded), and each call of that fallback comes
 * after a call that was refused.  Its failures are swept under RLIMIT_AS,
 * where the first refusal is the kernel's (tests/test_store.c). */
static bool absorbs_one_fault(pv_grow g, unsigned flags, vec_op op) {
  return g == PV_GROW_REMAP && (flags & PV_VEC_GUARD) && vu_caps()->can_remap &&
         (op == op_push || op == op_reserve_big || op == op_reserve_huge ||
          op == op_self_append);
}

/* For k = 1, 2, ...: make the k-th OS call of `op` fail.  The op either
 * succeeds (the failing call was a hint) or returns PV_ENOMEM having
 * changed nothing; the vector stays usable and nothing leaks.  Stops once
 * k passes the number of calls op makes. */
static void inject(pv_grow g, unsigned flags, vec_op op, const char *name) {
  long long live = pv__os_live_bytes();
  unsigned failures = 0;
  for (unsigned long k = 1;; k++) {
    pv_vec v;
    build_full(&v, g, flags);
    /* the part of op before the growth (truncate/clear) is not an OS call */
    vu_snap s = vu_take(&v);
    pv__os_fault_set(k, PV_ENOMEM);
    int rc = op(&v);
    unsigned long calls = pv__os_fault_calls();
    pv__os_fault_set(0, 0);
    bool fired = k <= calls;
    if (rc != 0) {
      cr_assert(fired, "%s %s flags %#x: %s without an injected fault",
                vu_mode_name(g), name, flags, pv_errname(rc));
      cr_assert_eq(rc, PV_ENOMEM, "%s %s: fault %lu gave %s", vu_mode_name(g), name,
                   k, pv_errname(rc));
      /* ops that truncate first legitimately change len before the call */
      s.v.len = v.len;
      vu_assert_same(&v, s, name);
      failures++;
    }
    vu_drop(&s);
    /* Still a working vector: it grows again and keeps its elements. */
    vu_snap now = vu_take(&v);
    if (pv_vec_frozen(&v)) cr_assert_eq(pv_vec_thaw(&v), 0, "thaw");
    rc = pv_vec_reserve(&v, v.cap - v.len + 1);
    cr_assert_eq(rc, 0, "%s %s fault %lu: growing afterwards: %s", vu_mode_name(g),
                 name, k, pv_errname(rc));
    vu_push_seq(&v, v.len, 1);
    cr_assert_eq(memcmp(v.data, now.bytes, now.v.len * 8), 0,
                 "%s %s fault %lu: elements lost afterwards", vu_mode_name(g), name, k);
    vu_drop(&now);
    cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
    cr_assert_eq(pv__os_live_bytes(), live, "%s %s flags %#x fault %lu: %lld bytes leaked",
                 vu_mode_name(g), name, flags, k, pv__os_live_bytes() - live);
    if (!fired) break;
  }
  /* PV_VEC_HUGE keeps whole huge pages on shrink (vec.h): a third of one
   * huge page still needs it, so that shrink makes no call at all. */
  if ((flags & PV_VEC_HUGE) && op == op_shrink) return;
  if (absorbs_one_fault(g, flags, op)) return;
  cr_assert_gt(failures, 0, "%s %s flags %#x: no injected fault made it fail",
               vu_mode_name(g), name, flags);
}

static void inject_all(pv_grow g) {
  const unsigned flag_sets[] = {0, PV_VEC_GUARD, PV_VEC_MOVE_ON_GROW,
                                PV_VEC_GUARD | PV_VEC_MOVE_ON_GROW, PV_VEC_HUGE};
  struct {
    vec_op op;
    const char *name;
  } ops[] = {{op_push, "push"},
             {op_reserve_big, "reserve"},
             {op_reserve_huge, "reserve past a huge page"},
             {op_self_append, "append"},
             {op_shrink, "shrink_to_fit"},
             {op_shrink_empty, "shrink_to_fit(empty)"},
             {op_trim, "trim"},
             {op_freeze, "freeze"}};
  for (size_t f = 0; f < sizeof flag_sets / sizeof flag_sets[0]; f++) {
    if ((flag_sets[f] & PV_VEC_HUGE) && !vu_caps()->thp) continue;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
      inject(g, flag_sets[f], ops[i].op, ops[i].name);
  }
}

Test(vec_fault, every_os_call_of_remap) { inject_all(PV_GROW_REMAP); }
Test(vec_fault, every_os_call_of_stable) { inject_all(PV_GROW_STABLE); }
Test(vec_fault, every_os_call_of_copy) { inject_all(PV_GROW_COPY); }

Test(vec_fault, init_with_capacity) {
  long long live = pv__os_live_bytes();
  for (size_t m = 0; m < N_MODES; m++) {
    for (unsigned guard = 0; guard <= PV_VEC_GUARD; guard += PV_VEC_GUARD) {
      unsigned failures = 0;
      for (unsigned long k = 1;; k++) {
        pv_vec v, was;
        memset(&v, 0x5a, sizeof v);
        was = v;
        pv_vec_opts o = {.elem_size = 8, .initial_cap = 1000, .max_len = 100000,
                         .grow = all_modes[m], .flags = guard};
        pv__os_fault_set(k, PV_ENOMEM);
        int rc = pv_vec_init_opts(&v, &o);
        unsigned long calls = pv__os_fault_calls();
        pv__os_fault_set(0, 0);
        if (rc != 0) {
          cr_assert_eq(rc, PV_ENOMEM, "%s fault %lu: %s", vu_mode_name(all_modes[m]),
                       k, pv_errname(rc));
          cr_assert_eq(memcmp(&v, &was, sizeof v), 0, "failed init touched *v");
          failures++;
        } else {
          cr_assert_geq(v.cap, 1000, "cap");
          cr_assert_eq(pv_vec_destroy(&v), 0, "destroy");
        }
        cr_assert_eq(pv__os_live_bytes(), live, "%s fault %lu leaked",
                     vu_mode_name(all_modes[m]), k);
        if (k > calls) break;
      }
      cr_assert_gt(failures, 0, "no fault made init fail");
    }
  }
}

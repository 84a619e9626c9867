/*
 * tests/portable_pages.c - the page core on every platform: map, protect
 * (faults proven with pt_faults), resize, decommit, advise, and each error
 * code with "nothing changed", including failures injected into the OS
 * layer.
 */
#include "portable_test.h"

#include <string.h>

#include "os.h"
#include "paged_vec.h"


static unsigned char pattern(size_t i, unsigned seed) {
  uint32_t x = (uint32_t)i * 2654435761u + seed * 40503u;
  return (unsigned char)(x >> 24);
}
static void fill(void *p, size_t len, unsigned seed) {
  unsigned char *b = p;
  for (size_t i = 0; i < len; i++) b[i] = pattern(i, seed);
}
/* Offset of the first byte of [p, p + len) off the pattern that was
 * filled from p - from, or len. */
static size_t check_from(const void *p, size_t from, size_t len, unsigned seed) {
  const unsigned char *b = p;
  for (size_t i = 0; i < len; i++)
    if (b[i] != pattern(from + i, seed)) return i;
  return len;
}
static size_t check(const void *p, size_t len, unsigned seed) {
  return check_from(p, 0, len, seed);
}
static bool all_zero(const void *p, size_t len) {
  const unsigned char *b = p;
  for (size_t i = 0; i < len; i++)
    if (b[i] != 0) return false;
  return true;
}
static bool same_pages(const pv_pages *a, const pv_pages *b) {
  return a->addr == b->addr && a->len == b->len && a->pv_prot == b->pv_prot &&
         a->pv_flags == b->pv_flags;
}

static void map_rounds_up_aligned_and_zeroed(void) {
  const size_t ps = pv_page_size();
  const size_t lens[] = {1, ps - 1, ps, ps + 1, 5 * ps + 3};
  const long long live = pv__os_live_bytes();
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    pv_pages p;
    int rc = pv_pages_map(&p, lens[i], PV__PROT_RW, 0);
    PT_REQUIRE(rc == 0, "map %zu: %s", lens[i], pv_errname(rc));
    size_t want = (lens[i] + ps - 1) / ps * ps;
    PT_CHECK(p.len == want, "len %zu rounded to %zu, want %zu", lens[i], p.len, want);
    PT_CHECK((uintptr_t)p.addr % pv__os_caps_get()->alloc_granularity == 0,
             "addr %p not aligned to the allocation granularity", p.addr);
    PT_CHECK(all_zero(p.addr, p.len), "fresh pages not zero");
    fill(p.addr, p.len, 1);
    PT_CHECK(check(p.addr, p.len, 1) == p.len, "pattern did not stick");
    PT_CHECK(pv_pages_unmap(&p) == 0, "unmap");
    PT_CHECK(p.addr == NULL && p.len == 0, "unmap did not reset the struct");
    PT_CHECK(pv_pages_unmap(&p) == 0, "second unmap is a no-op");
  }
  PT_CHECK(pv__os_live_bytes() == live, "address space leaked: %lld bytes",
           pv__os_live_bytes() - live);
}

static void map_errors_leave_struct_untouched(void) {
  pv_pages p, was;
  memset(&p, 0x5a, sizeof p);
  was = p;
  const struct {
    size_t len;
    unsigned prot, flags;
    int want;
    const char *what;
  } cases[] = {
      {0, PV__PROT_RW, 0, PV_EINVAL, "zero length"},
      {SIZE_MAX, PV__PROT_RW, 0, PV_EOVERFLOW, "SIZE_MAX"},
      {1, 1u << 5, 0, PV_EINVAL, "unknown prot"},
      {1, PV__PROT_RW, 1u << 9, PV_EINVAL, "unknown flag"},
#ifdef PV_ENABLE_EXEC
      {1, PV_PROT_READ | PV_PROT_EXEC, 0, PV_EACCES, "EXEC without ALLOW_EXEC"},
      {1, PV__PROT_RW | PV_PROT_EXEC, PV_MAP_ALLOW_EXEC, PV_EACCES, "W+X without ALLOW_WX"},
#else
      {1, PV_PROT_READ | PV_PROT_EXEC, PV_MAP_ALLOW_EXEC, PV_ENOTSUP, "EXEC compiled out"},
#endif
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int rc = pv_pages_map(&p, cases[i].len, cases[i].prot, cases[i].flags);
    PT_CHECK(rc == cases[i].want, "%s: %s", cases[i].what, pv_errname(rc));
    PT_CHECK(memcmp(&p, &was, sizeof p) == 0, "%s: struct touched", cases[i].what);
  }
  PT_CHECK(pv_pages_map(NULL, 1, PV__PROT_RW, 0) == PV_EINVAL, "NULL struct");
}

/* The kernel refusing: injected at the OS layer, the code comes through
 * and nothing was mapped. */
static void refused_map_changes_nothing(void) {
  pv_pages p, was;
  memset(&p, 0x5a, sizeof p);
  was = p;
  const long long live = pv__os_live_bytes();
  pv__os_fault_set(1, PV_ENOMEM);
  int rc = pv_pages_map(&p, 3 * pv_page_size(), PV__PROT_RW, 0);
  pv__os_fault_set(0, 0);
  PT_CHECK(rc == PV_ENOMEM, "injected ENOMEM: %s", pv_errname(rc));
  PT_CHECK(memcmp(&p, &was, sizeof p) == 0, "struct touched");
  PT_CHECK(pv__os_live_bytes() == live, "address space changed");
  /* A reservation the size of half the address space: really refused. */
  rc = pv_pages_map(&p, SIZE_MAX / 2 + 1, PV__PROT_RW, 0);
  PT_CHECK(rc == PV_ENOMEM, "half the address space: %s", pv_errname(rc));
  PT_CHECK(memcmp(&p, &was, sizeof p) == 0, "struct touched by a huge map");
}

static void read_only_pages_fault_on_write(void) {
  const size_t ps = pv_page_size();
  pv_pages p;
  PT_REQUIRE(pv_pages_map(&p, 2 * ps, PV__PROT_RW, 0) == 0, "map");
  fill(p.addr, p.len, 2);
  PT_REQUIRE(pv_pages_protect(&p, PV_PROT_READ) == 0, "protect READ");
  pt_access_arg a = {(unsigned char *)p.addr + ps + 5, 0};
  pt_fault f = pt_faults(pt_do_read, &a);
  PT_CHECK(!f.faulted, "reading read-only pages faulted");
  PT_CHECK(a.value == pattern(ps + 5, 2), "read the wrong byte");
  a.value = 0x77;
  f = pt_faults(pt_do_write, &a);
  PT_CHECK(f.faulted, "writing read-only pages did not fault");
  PT_CHECK(f.addr == (const void *)a.p, "fault at %p, wrote to %p", f.addr, (void *)a.p);
  PT_CHECK(f.access == PT_ACCESS_UNKNOWN || f.access == PT_ACCESS_WRITE,
           "fault recorded as access kind %d, not a write", (int)f.access);
  PT_CHECK(check(p.addr, p.len, 2) == p.len, "the faulting write changed data");
  PT_REQUIRE(pv_pages_protect(&p, PV_PROT_NONE) == 0, "protect NONE");
  f = pt_faults(pt_do_read, &a);
  PT_CHECK(f.faulted, "reading PROT_NONE pages did not fault");
  PT_REQUIRE(pv_pages_protect(&p, PV__PROT_RW) == 0, "protect PV__PROT_RW");
  PT_CHECK(check(p.addr, p.len, 2) == p.len, "data lost across protections");
  f = pt_faults(pt_do_write, &a);
  PT_CHECK(!f.faulted, "writing PV__PROT_RW pages faulted");
  PT_CHECK(pv_pages_unmap(&p) == 0, "unmap");
}

static void protect_errors_change_nothing(void) {
  pv_pages p;
  PT_REQUIRE(pv_pages_map(&p, pv_page_size(), PV__PROT_RW, 0) == 0, "map");
  pv_pages was = p;
  int rc = pv_pages_protect(&p, 1u << 6);
  PT_CHECK(rc == PV_EINVAL, "unknown prot: %s", pv_errname(rc));
  rc = pv_pages_protect(&p, PV_PROT_READ | PV_PROT_EXEC);
#ifdef PV_ENABLE_EXEC
  PT_CHECK(rc == PV_EACCES, "EXEC without ALLOW_EXEC: %s", pv_errname(rc));
#else
  PT_CHECK(rc == PV_ENOTSUP, "EXEC compiled out: %s", pv_errname(rc));
#endif
  pv__os_fault_set(1, PV_ENOMEM);
  rc = pv_pages_protect(&p, PV_PROT_READ);
  pv__os_fault_set(0, 0);
  PT_CHECK(rc == PV_ENOMEM, "injected ENOMEM: %s", pv_errname(rc));
  PT_CHECK(same_pages(&p, &was), "struct changed");
  /* Still writable: the refused protections did not take effect. */
  pt_access_arg a = {p.addr, 9};
  PT_CHECK(!pt_faults(pt_do_write, &a).faulted, "page no longer writable");
  pv_pages none;
  memset(&none, 0, sizeof none);
  PT_CHECK(pv_pages_protect(&none, PV__PROT_RW) == PV_EINVAL, "unmapped struct");
  PT_CHECK(pv_pages_protect(NULL, PV__PROT_RW) == PV_EINVAL, "NULL struct");
  PT_CHECK(pv_pages_unmap(&p) == 0, "unmap");
}

static void resize_keeps_contents(void) {
  const size_t ps = pv_page_size();
  const long long live = pv__os_live_bytes();
  pv_pages p;
  PT_REQUIRE(pv_pages_map(&p, 3 * ps, PV__PROT_RW, 0) == 0, "map");
  fill(p.addr, p.len, 3);
  int rc = pv_pages_resize(&p, 40 * ps);
  PT_REQUIRE(rc == 0, "grow: %s", pv_errname(rc));
  PT_CHECK(p.len == 40 * ps, "len after grow %zu", p.len);
  PT_CHECK(check(p.addr, 3 * ps, 3) == 3 * ps, "grow lost data");
  PT_CHECK(all_zero((char *)p.addr + 3 * ps, 37 * ps), "grown bytes not zero");
  fill(p.addr, p.len, 4);
  rc = pv_pages_resize(&p, ps + 1);
  PT_REQUIRE(rc == 0, "shrink: %s", pv_errname(rc));
  PT_CHECK(p.len == 2 * ps, "len after shrink %zu", p.len);
  PT_CHECK(check(p.addr, p.len, 4) == p.len, "shrink lost data");
  PT_CHECK(pv_pages_resize(&p, p.len) == 0, "same size is a no-op");
  pv_pages was = p;
  PT_CHECK(pv_pages_resize(&p, 0) == PV_EINVAL, "zero length");
  PT_CHECK(pv_pages_resize(&p, SIZE_MAX) == PV_EOVERFLOW, "SIZE_MAX");
  pv__os_fault_set(1, PV_ENOMEM);
  rc = pv_pages_resize(&p, 9 * ps);
  pv__os_fault_set(0, 0);
  PT_CHECK(rc == PV_ENOMEM, "injected ENOMEM: %s", pv_errname(rc));
  PT_CHECK(same_pages(&p, &was), "failed resizes changed the struct");
  PT_CHECK(check(p.addr, p.len, 4) == p.len, "failed resizes changed data");
  PT_CHECK(pv_pages_unmap(&p) == 0, "unmap");
  PT_CHECK(pv__os_live_bytes() == live, "address space leaked: %lld bytes",
           pv__os_live_bytes() - live);
}

/* Without mremap a resize copies, which reads the old pages: READ is added
 * to them for the copy only. */
static void resize_of_unreadable_pages(void) {
  const size_t ps = pv_page_size();
  pv_pages p;
  PT_REQUIRE(pv_pages_map(&p, ps, PV__PROT_RW, 0) == 0, "map");
  fill(p.addr, p.len, 5);
  PT_REQUIRE(pv_pages_protect(&p, PV_PROT_NONE) == 0, "protect NONE");
  int rc = pv_pages_resize(&p, 4 * ps);
  PT_CHECK(rc == 0, "resize of PROT_NONE pages: %s", pv_errname(rc));
  PT_CHECK(p.len == 4 * ps && p.pv_prot == PV_PROT_NONE, "len %zu prot %u",
           p.len, p.pv_prot);
  PT_REQUIRE(pv_pages_protect(&p, PV__PROT_RW) == 0, "protect PV__PROT_RW");
  PT_CHECK(check(p.addr, ps, 5) == ps, "data lost");
  PT_CHECK(all_zero((char *)p.addr + ps, 3 * ps), "grown pages not zero");
  PT_CHECK(pv_pages_unmap(&p) == 0, "unmap");
}

static void decommit_returns_memory_and_stays_usable(void) {
  const size_t ps = pv_page_size();
  pv_pages p;
  PT_REQUIRE(pv_pages_map(&p, 8 * ps, PV__PROT_RW, 0) == 0, "map");
  fill(p.addr, p.len, 6);
  char *b = p.addr;
  const bool can_tell = pv__os_caps_get()->can_resident;
  size_t res = 0;
  if (can_tell) {
    PT_CHECK(pv__os_resident(b + 2 * ps, 3 * ps, &res) == 0, "resident before");
    PT_CHECK(res == 3 * ps, "%zu of %zu written bytes resident", res, 3 * ps);
  }
  int rc = pv_pages_decommit(&p, 2 * ps, 3 * ps);
  PT_REQUIRE(rc == 0, "decommit: %s", pv_errname(rc));
  if (can_tell && pv__os_caps_get()->decommit_zeroes) {
    PT_CHECK(pv__os_resident(b + 2 * ps, 3 * ps, &res) == 0, "resident after");
    PT_CHECK(res == 0, "%zu bytes still resident after decommit", res);
  }
  PT_CHECK(check(b, 2 * ps, 6) == 2 * ps, "bytes before the range changed");
  PT_CHECK(check_from(b + 5 * ps, 5 * ps, 3 * ps, 6) == 3 * ps,
           "bytes after the range changed");
  if (pv__os_caps_get()->decommit_zeroes)
    PT_CHECK(all_zero(b + 2 * ps, 3 * ps), "decommitted range does not read zero");
  /* Still mapped with its protection: writable again at once. */
  memset(b + 2 * ps, 0xab, 3 * ps);
  PT_CHECK(b[2 * ps] == (char)0xab && b[5 * ps - 1] == (char)0xab, "range not writable");
  /* A read-only mapping keeps READ only across a decommit. */
  PT_REQUIRE(pv_pages_protect(&p, PV_PROT_READ) == 0, "protect READ");
  PT_REQUIRE(pv_pages_decommit(&p, 0, ps) == 0, "decommit read-only");
  pt_access_arg a = {(unsigned char *)b, 1};
  PT_CHECK(!pt_faults(pt_do_read, &a).faulted, "read after decommit faulted");
  PT_CHECK(pt_faults(pt_do_write, &a).faulted, "decommit made read-only pages writable");
  PT_CHECK(pv_pages_unmap(&p) == 0, "unmap");
}

static void decommit_and_advise_errors(void) {
  const size_t ps = pv_page_size();
  pv_pages p;
  PT_REQUIRE(pv_pages_map(&p, 4 * ps, PV__PROT_RW, 0) == 0, "map");
  fill(p.addr, p.len, 7);
  pv_pages was = p;
  PT_CHECK(pv_pages_decommit(&p, 1, ps) == PV_EINVAL, "misaligned offset");
  PT_CHECK(pv_pages_decommit(&p, 0, 0) == PV_EINVAL, "zero length");
  PT_CHECK(pv_pages_decommit(&p, 4 * ps, 1) == PV_ERANGE, "offset at the end");
  PT_CHECK(pv_pages_decommit(&p, 3 * ps, ps + 1) == PV_ERANGE, "runs past the end");
  PT_CHECK(pv_pages_decommit(&p, ps, SIZE_MAX) == PV_ERANGE, "SIZE_MAX length");
  PT_CHECK(pv_pages_advise(&p, 0, ps, (pv_advice)99) == PV_EINVAL, "unknown advice");
  PT_CHECK(pv_pages_advise(&p, ps, 4 * ps, PV_ADVISE_RANDOM) == PV_ERANGE, "advise past end");
  pv__os_fault_set(1, PV_ENOMEM);
  int rc = pv_pages_decommit(&p, 0, ps);
  pv__os_fault_set(0, 0);
  PT_CHECK(rc == PV_ENOMEM, "injected ENOMEM: %s", pv_errname(rc));
  PT_CHECK(same_pages(&p, &was), "struct changed");
  PT_CHECK(check(p.addr, p.len, 7) == p.len, "failed calls changed data");
  const pv_advice all[] = {PV_ADVISE_NORMAL, PV_ADVISE_SEQUENTIAL, PV_ADVISE_RANDOM,
                           PV_ADVISE_WILLNEED, PV_ADVISE_HUGEPAGE, PV_ADVISE_NOHUGEPAGE,
                           PV_ADVISE_PAGEOUT};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    rc = pv_pages_advise(&p, 0, p.len, all[i]);
    PT_CHECK(rc == 0, "advice %d: %s", (int)all[i], pv_errname(rc));
  }
  PT_CHECK(check(p.addr, p.len, 7) == p.len, "advice changed data");
  PT_CHECK(pv_pages_unmap(&p) == 0, "unmap");
}

static void huge_flag_is_a_hint(void) {
  const size_t hp = pv_huge_page_size();
  size_t len = hp != 0 ? 2 * hp : 16 * pv_page_size();
  pv_pages p;
  int rc = pv_pages_map(&p, len, PV__PROT_RW, PV_MAP_HUGE);
  PT_REQUIRE(rc == 0, "map HUGE: %s", pv_errname(rc));
  if (hp != 0 && pv__os_caps_get()->thp)
    PT_CHECK((uintptr_t)p.addr % hp == 0, "HUGE mapping not aligned to %zu", hp);
  fill(p.addr, p.len, 8);
  PT_CHECK(check(p.addr, p.len, 8) == p.len, "pattern");
  PT_CHECK(pv_pages_unmap(&p) == 0, "unmap");
}

const pt_test pt_pages_tests[] = {
    {"pages/map_rounds_up_aligned_and_zeroed", map_rounds_up_aligned_and_zeroed},
    {"pages/map_errors_leave_struct_untouched", map_errors_leave_struct_untouched},
    {"pages/refused_map_changes_nothing", refused_map_changes_nothing},
    {"pages/read_only_pages_fault_on_write", read_only_pages_fault_on_write},
    {"pages/protect_errors_change_nothing", protect_errors_change_nothing},
    {"pages/resize_keeps_contents", resize_keeps_contents},
    {"pages/resize_of_unreadable_pages", resize_of_unreadable_pages},
    {"pages/decommit_returns_memory_and_stays_usable", decommit_returns_memory_and_stays_usable},
    {"pages/decommit_and_advise_errors", decommit_and_advise_errors},
    {"pages/huge_flag_is_a_hint", huge_flag_is_a_hint},
    {NULL, NULL}};

/*
 * tests/test_pages.c - the page core: map, protect (faults proven by
 * signals), exec, resize, decommit, advise.  Every error case checks the
 * code and that the struct and the bytes did not change.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "os.h"
#include "paged_vec.h"
#include "testutil.h"


/* Assert that *p still equals the snapshot `was` field by field. */
#define assert_pages_same(p, was, what)                                       \
  do {                                                                        \
    cr_assert_eq((p)->addr, (was).addr, "%s: addr changed", what);           \
    cr_assert_eq((p)->len, (was).len, "%s: len changed", what);              \
    cr_assert_eq((p)->pv_prot, (was).pv_prot, "%s: prot changed", what);     \
    cr_assert_eq((p)->pv_flags, (was).pv_flags, "%s: flags changed", what);  \
  } while (0)

static pv_pages map_rw(size_t len) {
  pv_pages p;
  int rc = pv_pages_map(&p, len, PV__PROT_RW, 0);
  cr_assert_eq(rc, 0, "map %zu bytes: %s", len, pv_errname(rc));
  return p;
}

/* ---- page size ----------------------------------------------------------- */

Test(pages, page_size_comes_from_the_os) {
  size_t ps = pv_page_size();
  cr_assert_neq(ps, 0, "page size is 0");
  cr_assert_eq(ps & (ps - 1), 0, "page size %zu is not a power of two", ps);
#if PV_FORCE_PAGE_SIZE > 0
  cr_assert_eq(ps, PV_FORCE_PAGE_SIZE > (size_t)sysconf(_SC_PAGESIZE)
                       ? (size_t)PV_FORCE_PAGE_SIZE
                       : (size_t)sysconf(_SC_PAGESIZE),
               "forced page size not applied: %zu", ps);
#else
  cr_assert_eq(ps, (size_t)sysconf(_SC_PAGESIZE), "pv_page_size %zu != sysconf", ps);
#endif
}

/* ---- map ----------------------------------------------------------------- */

Test(pages_map, length_rounds_up_to_whole_pages) {
  size_t ps = pv_page_size();
  const size_t lens[] = {1, ps - 1, ps, ps + 1, 3 * ps + 7};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    pv_pages p = map_rw(lens[i]);
    size_t want = (lens[i] + ps - 1) / ps * ps;
    cr_assert_eq(p.len, want, "len %zu rounded to %zu, want %zu", lens[i], p.len, want);
    cr_assert_eq((uintptr_t)p.addr % ps, 0, "addr %p not page-aligned", p.addr);
    cr_assert_eq(pv_pages_unmap(&p), 0, "unmap");
  }
}

Test(pages_map, new_pages_read_as_zero_and_are_writable) {
  size_t len = 64 * pv_page_size();
  pv_pages p = map_rw(len);
  cr_assert(tu_all_zero(p.addr, p.len), "fresh pages are not zero");
  tu_fill(p.addr, p.len, 1);
  cr_assert_eq(tu_check(p.addr, p.len, 1), p.len, "pattern did not stick");
  cr_assert_eq(pv_pages_unmap(&p), 0, "unmap");
  cr_assert_null(p.addr, "unmap must reset addr");
  cr_assert_eq(p.len, 0, "unmap must reset len");
}

Test(pages_map, bad_lengths_give_codes_and_leave_struct_untouched) {
  pv_pages p, was;
  memset(&p, 0x5a, sizeof p);
  was = p;
  cr_assert_eq(pv_pages_map(&p, 0, PV__PROT_RW, 0), PV_EINVAL, "zero length");
  cr_assert_eq(memcmp(&p, &was, sizeof p), 0, "struct touched by zero length");
  cr_assert_eq(pv_pages_map(&p, SIZE_MAX, PV__PROT_RW, 0), PV_EOVERFLOW, "SIZE_MAX");
  cr_assert_eq(memcmp(&p, &was, sizeof p), 0, "struct touched by SIZE_MAX");
  cr_assert_eq(pv_pages_map(&p, SIZE_MAX - pv_page_size() + 2, PV__PROT_RW, 0), PV_EOVERFLOW,
               "a length that overflows when rounded");
  int rc = pv_pages_map(&p, SIZE_MAX / 2, PV__PROT_RW, 0);
  cr_assert_eq(rc, PV_ENOMEM, "SIZE_MAX/2 must be refused by the kernel, got %s",
               pv_errname(rc));
  cr_assert_eq(memcmp(&p, &was, sizeof p), 0, "struct touched by SIZE_MAX/2");
  cr_assert_eq(pv_pages_map(NULL, 1, PV__PROT_RW, 0), PV_EINVAL, "NULL struct");
}

Test(pages_map, unknown_bits_are_einval) {
  pv_pages p, was;
  memset(&p, 0x33, sizeof p);
  was = p;
  cr_assert_eq(pv_pages_map(&p, 1, PV__PROT_RW | (1u << 7), 0), PV_EINVAL, "unknown prot bit");
  cr_assert_eq(pv_pages_map(&p, 1, PV__PROT_RW, 1u << 9), PV_EINVAL, "unknown flag bit");
  cr_assert_eq(memcmp(&p, &was, sizeof p), 0, "struct touched");
}

Test(pages_map, huge_flag_aligns_large_mappings) {
  size_t huge = pv_huge_page_size();
  if (huge == 0) cr_skip_test("the system reports no huge page size");
  pv_pages p;
  cr_assert_eq(pv_pages_map(&p, 4 * huge, PV__PROT_RW, PV_MAP_HUGE), 0, "map huge");
  cr_assert_eq((uintptr_t)p.addr % huge, 0, "%p not aligned to %zu", p.addr, huge);
  memset(p.addr, 1, p.len);
  cr_assert_eq(pv_pages_unmap(&p), 0, "unmap");
}

Test(pages_map, unmap_twice_is_a_noop) {
  pv_pages p = map_rw(1);
  cr_assert_eq(pv_pages_unmap(&p), 0, "first unmap");
  cr_assert_eq(pv_pages_unmap(&p), 0, "second unmap is a no-op");
  cr_assert_eq(pv_pages_unmap(NULL), PV_EINVAL, "NULL");
  pv_pages z = {0};
  cr_assert_eq(pv_pages_protect(&z, PV_PROT_READ), PV_EINVAL, "protect unmapped");
  cr_assert_eq(pv_pages_resize(&z, 1), PV_EINVAL, "resize unmapped");
  cr_assert_eq(pv_pages_decommit(&z, 0, 1), PV_EINVAL, "decommit unmapped");
  cr_assert_eq(pv_pages_advise(&z, 0, 1, PV_ADVISE_NORMAL), PV_EINVAL, "advise unmapped");
  cr_assert_null(pv_pages_fn(&z, 0), "fn of unmapped");
}

Test(pages_map, no_address_space_leaks) {
  long long before = pv__os_live_bytes();
  for (int i = 0; i < 100; i++) {
    pv_pages p = map_rw((size_t)(i + 1) * pv_page_size());
    cr_assert_eq(pv_pages_resize(&p, (size_t)(i + 3) * pv_page_size()), 0, "resize");
    cr_assert_eq(pv_pages_unmap(&p), 0, "unmap");
  }
  cr_assert_eq(pv__os_live_bytes(), before, "library holds %lld bytes more",
               pv__os_live_bytes() - before);
}

/* ---- protect ------------------------------------------------------------- */

Test(pages_protect, write_to_read_only_faults, .signal = SIGSEGV) {
  pv_pages p = map_rw(1);
  ((volatile char *)p.addr)[0] = 1;
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ), 0, "protect READ");
  cr_assert_eq(((volatile char *)p.addr)[0], 1, "still readable");
  ((volatile char *)p.addr)[0] = 2; /* must fault */
  cr_assert_fail("a write to READ-only pages did not fault");
}

Test(pages_protect, read_of_none_faults, .signal = SIGSEGV) {
  pv_pages p = map_rw(1);
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_NONE), 0, "protect NONE");
  volatile char c = ((volatile char *)p.addr)[0]; /* must fault */
  (void)c;
  cr_assert_fail("a read of NONE pages did not fault");
}

Test(pages_protect, back_to_writable_keeps_bytes) {
  pv_pages p = map_rw(8 * pv_page_size());
  tu_fill(p.addr, p.len, 7);
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_NONE), 0, "NONE");
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ), 0, "READ");
  cr_assert_eq(pv_pages_protect(&p, PV__PROT_RW), 0, "PV__PROT_RW");
  cr_assert_eq(tu_check(p.addr, p.len, 7), p.len, "bytes changed by protection changes");
  pv_pages_unmap(&p);
}

Test(pages_protect, wx_refused_unless_allowed) {
  pv_pages p, was;
  cr_assert_eq(pv_pages_map(&p, 1, PV__PROT_RW, PV_MAP_ALLOW_EXEC), 0, "map allow-exec");
  was = p;
  cr_assert_eq(pv_pages_protect(&p, PV__PROT_RW | PV_PROT_EXEC), PV_EACCES, "W+X must be refused");
  assert_pages_same(&p, was, "after refused W+X");
  cr_assert_eq(pv_pages_map(&was, 1, PV__PROT_RW | PV_PROT_EXEC, PV_MAP_ALLOW_EXEC), PV_EACCES,
               "W+X at map time must be refused");
  pv_pages_unmap(&p);

  cr_assert_eq(pv_pages_map(&p, 1, PV__PROT_RW | PV_PROT_EXEC, PV_MAP_ALLOW_WX), 0,
               "W+X with PV_MAP_ALLOW_WX");
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ | PV_PROT_EXEC), 0, "RX with ALLOW_WX");
  pv_pages_unmap(&p);
}

Test(pages_protect, exec_refused_without_allow_exec) {
  pv_pages p = map_rw(1), was = p;
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ | PV_PROT_EXEC), PV_EACCES,
               "EXEC on a mapping without PV_MAP_ALLOW_EXEC");
  assert_pages_same(&p, was, "after refused EXEC");
  cr_assert_null(pv_pages_fn(&p, 0), "no function pointer into data pages");
  pv_pages q;
  cr_assert_eq(pv_pages_map(&q, 1, PV_PROT_READ | PV_PROT_EXEC, 0), PV_EACCES,
               "EXEC at map time without the flag");
  pv_pages_unmap(&p);
}

Test(pages_protect, unknown_bits_einval) {
  pv_pages p = map_rw(1), was = p;
  cr_assert_eq(pv_pages_protect(&p, 1u << 5), PV_EINVAL, "unknown bit");
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ | (1u << 31)), PV_EINVAL, "high bit");
  assert_pages_same(&p, was, "after unknown bits");
  cr_assert_eq(pv_pages_protect(NULL, PV_PROT_READ), PV_EINVAL, "NULL");
  pv_pages_unmap(&p);
}

/* ---- exec ---------------------------------------------------------------- */

#if defined(__x86_64__) && defined(PV_ENABLE_EXEC)
/* lea rax, [rdi + rsi]; ret  -- long add(long, long) in the SysV ABI. */
static const unsigned char add_code[] = {0x48, 0x8d, 0x04, 0x37, 0xc3};
typedef long (*add_fn)(long, long);

static pv_pages map_add(void) {
  pv_pages p;
  cr_assert_eq(pv_pages_map(&p, sizeof add_code, PV__PROT_RW, PV_MAP_ALLOW_EXEC), 0, "map");
  memcpy(p.addr, add_code, sizeof add_code);
  return p;
}

Test(pages_exec, generated_code_runs) {
  pv_pages p = map_add();
  cr_assert_null(pv_pages_fn(&p, 0), "fn must be NULL before EXEC");
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ | PV_PROT_EXEC), 0, "protect RX");
  pv_fn fn = pv_pages_fn(&p, 0);
  cr_assert_not_null(fn, "fn of RX pages");
  cr_assert_null(pv_pages_fn(&p, p.len), "fn past the end");
  add_fn add = (add_fn)fn;
  long checked = 0;
  for (long a = -1000; a <= 1000; a += 7)
    for (long b = -300; b <= 300; b += 13) {
      cr_assert_eq(add(a, b), a + b, "add(%ld, %ld)", a, b);
      checked++;
    }
  cr_assert_eq(add(INT64_MAX, 0), INT64_MAX, "extreme argument");
  cr_log_info("exec: %ld argument pairs checked", checked);
  pv_pages_unmap(&p);
}

Test(pages_exec, calling_non_exec_pages_faults, .signal = SIGSEGV) {
  pv_pages p = map_add();
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ), 0, "protect READ");
  add_fn add;
  void *code = p.addr;
  memcpy(&add, &code, sizeof add);
  add(1, 2); /* must fault: READ without EXEC */
  cr_assert_fail("calling into non-executable pages did not fault");
}
#endif

#if !defined(PV_ENABLE_EXEC)
Test(pages_exec, exec_is_not_supported_in_this_build) {
  pv_pages p;
  cr_assert_eq(pv_pages_map(&p, 1, PV__PROT_RW, PV_MAP_ALLOW_EXEC), PV_ENOTSUP, "ALLOW_EXEC");
  p = map_rw(1);
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ | PV_PROT_EXEC), PV_ENOTSUP, "EXEC");
  pv_pages_unmap(&p);
}
#endif

/* ---- resize -------------------------------------------------------------- */

Test(pages_resize, grow_and_shrink_keep_contents) {
  const size_t max = (size_t)256 << 20;
  const size_t steps[] = {1, max / 64, 3, max / 2, max / 8, max, 5 * pv_page_size() + 1, max / 4, 1};
  pv_pages p = map_rw(steps[0]);
  tu_fill(p.addr, p.len, 11);
  size_t valid = p.len; /* bytes known to hold the pattern */
  for (size_t i = 1; i < sizeof steps / sizeof steps[0]; i++) {
    size_t old = p.len;
    cr_assert_eq(pv_pages_resize(&p, steps[i]), 0, "resize %zu -> %zu", old, steps[i]);
    size_t keep = valid < p.len ? valid : p.len;
    cr_assert_eq(tu_check(p.addr, keep, 11), keep, "step %zu: pattern broken", i);
    if (p.len > old)
      cr_assert(tu_all_zero((char *)p.addr + old, p.len - old), "step %zu: new bytes not zero", i);
    tu_fill(p.addr, p.len, 11);
    valid = p.len;
  }
  pv_pages_unmap(&p);
}

Test(pages_resize, keeps_protection_and_rejects_bad_input) {
  pv_pages p = map_rw(1);
  tu_fill(p.addr, p.len, 3);
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ), 0, "READ");
  cr_assert_eq(pv_pages_resize(&p, 16 * pv_page_size()), 0, "grow read-only");
  cr_assert_eq(p.pv_prot, PV_PROT_READ, "protection kept");
  cr_assert_eq(tu_check(p.addr, pv_page_size(), 3), pv_page_size(), "contents kept");
  pv_pages was = p;
  cr_assert_eq(pv_pages_resize(&p, 0), PV_EINVAL, "zero length");
  cr_assert_eq(pv_pages_resize(&p, SIZE_MAX), PV_EOVERFLOW, "SIZE_MAX");
  int rc = pv_pages_resize(&p, SIZE_MAX / 2);
  cr_assert_eq(rc, PV_ENOMEM, "SIZE_MAX/2: %s", pv_errname(rc));
  assert_pages_same(&p, was, "after refused resizes");
  cr_assert_eq(tu_check(p.addr, pv_page_size(), 3), pv_page_size(), "contents after errors");
  cr_assert_eq(pv_pages_resize(NULL, 1), PV_EINVAL, "NULL");
  pv_pages_unmap(&p);
}

/* A copy has to read the old pages: READ is lent to them for the copy and
 * the protection the caller set is what the grown mapping has.  Advice on
 * part of the mapping splits it, which mremap cannot grow: copied too. */
Test(pages_resize, unreadable_and_split_mappings_grow) {
  const size_t ps = pv_page_size();
  const unsigned prots[] = {PV_PROT_NONE, PV_PROT_WRITE, PV_PROT_READ};
  for (size_t i = 0; i < sizeof prots / sizeof prots[0]; i++) {
    for (int split = 0; split < 2; split++) {
      pv_pages p = map_rw(4 * ps);
      tu_fill(p.addr, p.len, 21);
      if (split)
        cr_assert_eq(pv_pages_advise(&p, ps, ps, PV_ADVISE_RANDOM), 0,
                     "advise the second page");
      cr_assert_eq(pv_pages_protect(&p, prots[i]), 0, "protect %u", prots[i]);
      int rc = pv_pages_resize(&p, 64 * ps);
      cr_assert_eq(rc, 0, "prot %u split %d: grow: %s", prots[i], split,
                   pv_errname(rc));
      cr_assert_eq(p.pv_prot, prots[i], "prot %u split %d: protection kept",
                   prots[i], split);
      rc = pv_pages_resize(&p, 3 * ps);
      cr_assert_eq(rc, 0, "prot %u split %d: shrink: %s", prots[i], split,
                   pv_errname(rc));
      cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ), 0, "protect READ");
      cr_assert_eq(tu_check(p.addr, p.len, 21), p.len,
                   "prot %u split %d: contents lost", prots[i], split);
      cr_assert_eq(pv_pages_unmap(&p), 0, "unmap");
    }
  }
}

/* The protection is kept by a copy: reading grown NONE pages faults. */
Test(pages_resize, copied_none_pages_still_fault, .signal = SIGSEGV) {
  const size_t ps = pv_page_size();
  pv_pages p = map_rw(2 * ps);
  cr_assert_eq(pv_pages_advise(&p, 0, ps, PV_ADVISE_RANDOM), 0, "split");
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_NONE), 0, "protect NONE");
  cr_assert_eq(pv_pages_resize(&p, 32 * ps), 0, "grow a split NONE mapping");
  volatile char c = ((volatile char *)p.addr)[0]; /* must fault */
  (void)c;
  cr_assert_fail("a read of NONE pages after a resize did not fault");
}

/* ---- decommit ------------------------------------------------------------ */

Test(pages_decommit, memory_returns_and_reads_zero) {
  size_t len = (size_t)64 << 20;
  pv_pages p = map_rw(len);
  memset(p.addr, 0xee, p.len);
  size_t before = tu_resident(p.addr, p.len);
  cr_assert_geq(before, p.len * 9 / 10, "only %zu of %zu resident after writing", before, p.len);
  size_t half = p.len / 2;
  cr_assert_eq(pv_pages_decommit(&p, half, half), 0, "decommit second half");
  size_t after = tu_resident(p.addr, p.len);
  cr_assert_leq(after, half + half / 10, "resident %zu after decommit of %zu", after, half);
  if (pv__os_caps_get()->decommit_zeroes)
    cr_assert(tu_all_zero((char *)p.addr + half, half), "decommitted range must read zero");
  const unsigned char *b = p.addr;
  cr_assert_eq(b[0], 0xee, "first half kept");
  cr_assert_eq(b[half - 1], 0xee, "first half kept to its end");
  memset((char *)p.addr + half, 1, half); /* still mapped and writable */
  pv_pages_unmap(&p);
}

Test(pages_decommit, bad_ranges_refused) {
  size_t ps = pv_page_size();
  pv_pages p = map_rw(4 * ps), was = p;
  tu_fill(p.addr, p.len, 5);
  cr_assert_eq(pv_pages_decommit(&p, 1, ps), PV_EINVAL, "misaligned offset");
  cr_assert_eq(pv_pages_decommit(&p, 0, 0), PV_EINVAL, "zero length");
  cr_assert_eq(pv_pages_decommit(&p, 4 * ps, ps), PV_ERANGE, "offset at the end");
  cr_assert_eq(pv_pages_decommit(&p, 2 * ps, 3 * ps), PV_ERANGE, "runs past the end");
  cr_assert_eq(pv_pages_decommit(&p, ps, SIZE_MAX), PV_ERANGE, "length SIZE_MAX");
  cr_assert_eq(pv_pages_decommit(&p, SIZE_MAX - ps + 1, ps), PV_ERANGE, "offset near SIZE_MAX");
  cr_assert_eq(pv_pages_decommit(NULL, 0, ps), PV_EINVAL, "NULL");
  assert_pages_same(&p, was, "after bad decommits");
  cr_assert_eq(tu_check(p.addr, p.len, 5), p.len, "bytes changed by refused decommits");
  cr_assert_eq(pv_pages_decommit(&p, 3 * ps, ps), 0, "last page, exact");
  cr_assert_eq(pv_pages_decommit(&p, 0, 1), 0, "length rounds up");
  pv_pages_unmap(&p);
}

/* ---- advise -------------------------------------------------------------- */

Test(pages_advise, every_advice_succeeds) {
  pv_pages p = map_rw((size_t)8 << 20);
  tu_fill(p.addr, p.len, 9);
  const pv_advice all[] = {PV_ADVISE_NORMAL, PV_ADVISE_SEQUENTIAL, PV_ADVISE_RANDOM,
                           PV_ADVISE_WILLNEED, PV_ADVISE_HUGEPAGE, PV_ADVISE_NOHUGEPAGE,
                           PV_ADVISE_PAGEOUT};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    int rc = pv_pages_advise(&p, 0, p.len, all[i]);
    cr_assert_eq(rc, 0, "advice %d: %s", (int)all[i], pv_errname(rc));
    rc = pv_pages_advise(&p, pv_page_size(), pv_page_size(), all[i]);
    cr_assert_eq(rc, 0, "advice %d on one page: %s", (int)all[i], pv_errname(rc));
  }
  cr_assert_eq(tu_check(p.addr, p.len, 9), p.len, "advice changed the bytes");
  pv_pages_unmap(&p);
}

Test(pages_advise, pageout_keeps_every_byte) {
  /* Memory pages go to swap (there may be none: then they stay); either
   * way they read back as written, in every protection. */
  size_t ps = pv_page_size();
  pv_pages p = map_rw((size_t)8 << 20);
  tu_fill(p.addr, p.len, 5);
  pv_pages was = p;
  cr_assert_eq(pv_pages_advise(&p, 0, p.len, PV_ADVISE_PAGEOUT), 0, "whole");
  cr_assert_eq(pv_pages_advise(&p, 3 * ps, 5 * ps, PV_ADVISE_PAGEOUT), 0, "part");
  assert_pages_same(&p, was, "after pageout");
  cr_assert_eq(tu_check(p.addr, p.len, 5), p.len, "pageout changed the bytes");
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ), 0);
  cr_assert_eq(pv_pages_advise(&p, 0, p.len, PV_ADVISE_PAGEOUT), 0, "read-only");
  cr_assert_eq(tu_check(p.addr, p.len, 5), p.len, "read-only pageout changed the bytes");
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_NONE), 0);
  cr_assert_eq(pv_pages_advise(&p, 0, p.len, PV_ADVISE_PAGEOUT), 0, "no access");
  cr_assert_eq(pv_pages_protect(&p, PV__PROT_RW), 0);
  cr_assert_eq(tu_check(p.addr, p.len, 5), p.len, "PROT_NONE pageout changed the bytes");
  pv_pages_unmap(&p);
}

Test(pages_advise, paged_out_read_only_pages_fault_on_write, .signal = SIGSEGV) {
  pv_pages p = map_rw((size_t)1 << 20);
  tu_fill(p.addr, p.len, 6);
  cr_assert_eq(pv_pages_protect(&p, PV_PROT_READ), 0);
  cr_assert_eq(pv_pages_advise(&p, 0, p.len, PV_ADVISE_PAGEOUT), 0);
  ((volatile char *)p.addr)[0] = 1;
}

Test(pages_advise, bad_input_refused) {
  size_t ps = pv_page_size();
  pv_pages p = map_rw(2 * ps), was = p;
  cr_assert_eq(pv_pages_advise(&p, 0, ps, (pv_advice)99), PV_EINVAL, "unknown advice");
  cr_assert_eq(pv_pages_advise(&p, 0, ps, (pv_advice)-1), PV_EINVAL, "negative advice");
  cr_assert_eq(pv_pages_advise(&p, 0, ps, (pv_advice)(PV_ADVISE_PAGEOUT + 1)), PV_EINVAL,
               "one past the last advice");
  cr_assert_eq(pv_pages_advise(&p, 7, ps, PV_ADVISE_NORMAL), PV_EINVAL, "misaligned");
  cr_assert_eq(pv_pages_advise(&p, 0, 0, PV_ADVISE_NORMAL), PV_EINVAL, "zero length");
  cr_assert_eq(pv_pages_advise(&p, ps, 2 * ps, PV_ADVISE_NORMAL), PV_ERANGE, "past the end");
  cr_assert_eq(pv_pages_advise(&p, 2 * ps, ps, PV_ADVISE_NORMAL), PV_ERANGE, "at the end");
  assert_pages_same(&p, was, "after bad advice");
  pv_pages_unmap(&p);
}

/* ---- second checks of rollbacks (a mutation run found one test each) ---- */

#include "relutil.h"

/* The OS calls a successful resize of a fresh copy of this mapping makes:
 * `setup` builds the mapping, the copy is resized and unmapped. */
static unsigned long resize_calls(void (*setup)(pv_pages *), size_t new_len) {
  pv_pages q;
  setup(&q);
  pv__os_fault_set(0, 0);
  int rc = pv_pages_resize(&q, new_len);
  unsigned long calls = pv__os_fault_calls();
  cr_assert_eq(rc, 0, "dry-run resize: %s", pv_errname(rc));
  cr_assert_eq(pv_pages_unmap(&q), 0, "dry-run unmap");
  return calls;
}

/* Four patterned pages, split by advice on the second (mremap cannot grow
 * a split mapping, so every build takes the copy), then PROT_NONE. */
static void split_none(pv_pages *p) {
  const size_t ps = pv_page_size();
  *p = map_rw(4 * ps);
  tu_fill(p->addr, p->len, 31);
  cr_assert_eq(pv_pages_advise(p, ps, ps, PV_ADVISE_RANDOM), 0, "split");
  cr_assert_eq(pv_pages_protect(p, PV_PROT_NONE), 0, "protect NONE");
}

/* A resize by copy lends READ to unreadable pages for the copy; when its
 * last step (releasing the old mapping) fails, READ is taken back: the old
 * pages, which the caller still holds, fault on a read again. */
Test(pages_resize_rollback, failed_copy_takes_the_lent_read_back, .signal = SIGSEGV) {
  const size_t ps = pv_page_size();
  unsigned long last = resize_calls(split_none, 32 * ps);
  pv_pages p;
  split_none(&p);
  pv_pages was = p;
  pv__os_fault_set(last, PV_ENOMEM); /* the old mapping's release */
  int rc = pv_pages_resize(&p, 32 * ps);
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, PV_ENOMEM, "resize with its last OS call failing: %s",
               pv_errname(rc));
  assert_pages_same(&p, was, "failed resize");
  char perms[5];
  ru_perms(p.addr, p.len, perms);
  cr_assert_str_eq(perms, "---p", "protection after the failed resize");
  volatile char c = ((volatile char *)p.addr)[0]; /* must fault */
  (void)c;
  cr_assert_fail("the old pages stayed readable after a failed resize");
}

/* A huge mapping whose huge-page advice is refused is given back: no
 * address space held, no mapping left, the struct untouched. */
Test(pages_map_rollback, refused_huge_advice_leaves_no_mapping) {
  if (!pv__os_caps_get()->thp)
    cr_skip_test("transparent huge pages are off: a HUGE map asks no advice");
  const size_t len = 2 * pv_huge_page_size();
  const long long live = pv__os_live_bytes();
  const size_t maps = ru_maps_count();
  pv_pages p, was;
  memset(&p, 0x5a, sizeof p);
  was = p;
  pv__os_fault_set(2, PV_ENOMEM); /* 1: the map, 2: the advice */
  int rc = pv_pages_map(&p, len, PV__PROT_RW, PV_MAP_HUGE);
  unsigned long calls = pv__os_fault_calls();
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, PV_ENOMEM, "map with refused advice: %s", pv_errname(rc));
  cr_assert_geq(calls, 2, "the advice was not asked for");
  cr_assert_eq(memcmp(&p, &was, sizeof p), 0, "struct touched");
  cr_assert_eq(pv__os_live_bytes(), live, "address space still held");
  if (!ru_under_valgrind())
    cr_assert_eq(ru_maps_count(), maps, "a mapping was left behind");
}

/* A HUGE mapping's remap reserves an aligned destination first and then
 * moves the pages onto it; a mapping split by advice cannot move (mremap
 * answers EFAULT), so the resize falls back to a copy, and the reserved
 * destination must be given back first: after the resize and the unmap,
 * the process maps what it mapped before. */
Test(pages_resize_rollback, refused_aligned_remap_leaves_no_reservation) {
  const size_t ps = pv_page_size(), huge = pv_huge_page_size();
  if (!pv__os_caps_get()->can_remap)
    cr_skip_test("no mremap in this build: a resize copies, no remap to undo");
  if (huge <= ps) cr_skip_test("no huge pages here: a HUGE mapping is not aligned");
  const size_t before = ru_mapped_bytes();
  cr_assert_gt(before, 0, "cannot read /proc/self/maps");
  pv_pages p;
  int rc = pv_pages_map(&p, huge, PV__PROT_RW, PV_MAP_HUGE);
  cr_assert_eq(rc, 0, "map: %s", pv_errname(rc));
  tu_fill(p.addr, p.len, 33);
  cr_assert_eq(pv_pages_advise(&p, ps, ps, PV_ADVISE_RANDOM), 0, "split");
  rc = pv_pages_resize(&p, 8 * huge);
  cr_assert_eq(rc, 0, "resize a split HUGE mapping: %s", pv_errname(rc));
  cr_assert_eq(tu_check(p.addr, huge, 33), huge, "contents kept");
  cr_assert_eq(pv_pages_unmap(&p), 0, "unmap");
  const size_t after = ru_mapped_bytes();
  cr_assert_lt(after, before + huge, "%zu KiB more mapped after resize and unmap",
               (after - before) / 1024);
}

/* A HUGE mapping that grew in place and then had the huge-page advice for
 * its new tail refused shrinks back: the resize reports the refusal and
 * nothing changed.  Growing in place needs free address space right after
 * the mapping, which an aligned map never leaves (it trims its tail), so
 * the mapping is made in a hole right below a sentinel (raw mmap, as the
 * library's accounting is not about it), and the sentinel is then
 * unmapped.  A miss (the mapping lands elsewhere) is kept until the end. */
enum { SHRINK_TRIES = 16 };

Test(pages_resize_rollback, refused_advice_after_growth_in_place_shrinks_back) {
  const size_t ps = pv_page_size(), huge = pv_huge_page_size();
  if (!pv__os_caps_get()->can_remap)
    cr_skip_test("no mremap in this build: nothing grows in place");
  if (huge <= ps || !pv__os_caps_get()->thp)
    cr_skip_test("no transparent huge pages here: a HUGE resize asks no advice");
  const size_t hole = 2 * huge, sent = 4 * huge;
  pv_pages p, miss[SHRINK_TRIES];
  char *q;
  size_t misses = 0;
  for (;;) {
    q = mmap(NULL, hole + sent, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq((void *)q, MAP_FAILED, "sentinel mmap");
    cr_assert_eq(munmap(q, hole), 0, "open the hole");
    int rc = pv_pages_map(&p, huge, PV__PROT_RW, PV_MAP_HUGE);
    cr_assert_eq(rc, 0, "map: %s", pv_errname(rc));
    if ((char *)p.addr >= q && (char *)p.addr + p.len <= q + hole) break;
    if (misses == SHRINK_TRIES)
      cr_skip_test("mappings are not placed top-down here: never in the hole");
    miss[misses++] = p;
    cr_assert_eq(munmap(q + hole, sent), 0, "unmap a missed sentinel");
  }
  cr_assert_eq(munmap(q + hole, sent), 0, "unmap the sentinel: room after p");
  for (size_t i = 0; i < misses; i++) pv_pages_unmap(&miss[i]);
  tu_fill(p.addr, p.len, 35);
  pv_pages was = p;
  pv__os_fault_set(2, PV_ENOMEM); /* 1: the remap (in place), 2: the advice */
  int rc = pv_pages_resize(&p, 2 * huge);
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, PV_ENOMEM, "resize with the new tail's advice refused: %s",
               pv_errname(rc));
  assert_pages_same(&p, was, "refused advice after growth");
  cr_assert(ru_unmapped((char *)p.addr + p.len, huge), "the grown tail is still mapped");
  cr_assert_eq(tu_check(p.addr, p.len, 35), p.len, "contents changed");
  cr_assert_eq(pv_pages_unmap(&p), 0, "unmap");
}

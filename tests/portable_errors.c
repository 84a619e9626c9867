/*
 * tests/portable_errors.c - the error model on every platform: the PV_E*
 * table, pv_strerror / pv_errname, the version string, and the OS
 * capabilities each backend reports (the data the portable core branches
 * on, so a wrong answer here breaks everything above it).
 */
#include "portable_test.h"

#include <stdio.h>
#include <string.h>

#include "os.h"
#include "paged_vec.h"

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#else
#include <unistd.h>
#endif

static void codes_are_distinct_negative_and_named(void) {
#define ROW(name, value, msg) {PV_##name, "PV_" #name, msg},
  static const struct {
    int code;
    const char *name;
    const char *msg;
  } rows[] = {PV_ERRNO_MAP(ROW)};
#undef ROW
  const size_t n = sizeof rows / sizeof rows[0];
  for (size_t i = 0; i < n; i++) {
    PT_CHECK(rows[i].code < 0, "%s = %d is not negative", rows[i].name, rows[i].code);
    PT_CHECK(strcmp(pv_errname(rows[i].code), rows[i].name) == 0, "pv_errname(%d) = %s",
             rows[i].code, pv_errname(rows[i].code));
    PT_CHECK(strcmp(pv_strerror(rows[i].code), rows[i].msg) == 0, "pv_strerror(%s) = %s",
             rows[i].name, pv_strerror(rows[i].code));
    for (size_t j = 0; j < i; j++)
      PT_CHECK(rows[i].code != rows[j].code, "%s and %s share %d", rows[i].name,
               rows[j].name, rows[i].code);
  }
  PT_CHECK(n >= 7, "only %zu error codes", n);
  /* The mapping limit has its own code on every platform (only Linux can
   * return it), and its message says which limit. */
  PT_CHECK(PV_EMAPS == -9 && PV_EMAPS != PV_ENOMEM, "PV_EMAPS = %d", PV_EMAPS);
  PT_CHECK(strstr(pv_strerror(PV_EMAPS), "vm.max_map_count") != NULL,
           "pv_strerror(PV_EMAPS) = %s", pv_strerror(PV_EMAPS));
}

static void success_and_unknown_codes(void) {
  PT_CHECK(strcmp(pv_errname(0), "PV_OK") == 0, "pv_errname(0) = %s", pv_errname(0));
  PT_CHECK(strcmp(pv_strerror(0), "success") == 0, "pv_strerror(0) = %s", pv_strerror(0));
  const int unknown[] = {1, PV_ERRNO_LAST, -1000, 12345};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    PT_CHECK(strcmp(pv_errname(unknown[i]), "PV_UNKNOWN") == 0, "pv_errname(%d) = %s",
             unknown[i], pv_errname(unknown[i]));
    PT_CHECK(strcmp(pv_strerror(unknown[i]), "unknown error") == 0,
             "pv_strerror(%d) = %s", unknown[i], pv_strerror(unknown[i]));
  }
}

static void version_matches_the_header(void) {
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", PV_VERSION_MAJOR, PV_VERSION_MINOR,
           PV_VERSION_PATCH);
  PT_CHECK(strcmp(pv_version(), want) == 0, "pv_version() = %s, header says %s",
           pv_version(), want);
}

/* The capabilities every backend reports, against the platform's own
 * answer and the contract's invariants. */
static void caps_match_the_platform(void) {
  const pv__os_caps *c = pv__os_caps_get();
  size_t os_page, granularity;
#ifdef _WIN32
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  os_page = si.dwPageSize;
  granularity = si.dwAllocationGranularity;
  PT_CHECK(!c->can_remap, "Windows cannot remap");
  PT_CHECK(!c->partial_release, "Windows releases only whole reservations");
  PT_CHECK(!c->overcommits, "Windows charges commit at MEM_COMMIT");
  PT_CHECK(c->decommit_zeroes, "MEM_DECOMMIT + recommit reads zero");
#else
  os_page = (size_t)sysconf(_SC_PAGESIZE);
  granularity = os_page;
  PT_CHECK(c->partial_release, "POSIX munmap releases any page range");
#ifdef PV_HAVE_MREMAP
  PT_CHECK(c->can_remap, "built with mremap but can_remap is false");
#else
  PT_CHECK(!c->can_remap, "built without mremap but can_remap is true");
#endif
#endif
  pt_note("os page %zu, page %zu, granularity %zu, huge %zu, remap %d, resident %d",
          c->os_page_size, c->page_size, c->alloc_granularity, c->huge_page_size,
          c->can_remap, c->can_resident);
  PT_CHECK(c->os_page_size == os_page, "os_page_size %zu, the OS says %zu",
           c->os_page_size, os_page);
  size_t want_page = os_page;
#if PV_FORCE_PAGE_SIZE > 0
  if (want_page < PV_FORCE_PAGE_SIZE) want_page = PV_FORCE_PAGE_SIZE;
#endif
  PT_CHECK(c->page_size == want_page && pv_page_size() == want_page,
           "page size %zu (pv_page_size %zu), want %zu", c->page_size, pv_page_size(),
           want_page);
  PT_CHECK((c->page_size & (c->page_size - 1)) == 0, "page size not a power of two");
  PT_CHECK(c->alloc_granularity >= granularity &&
               c->alloc_granularity % c->page_size == 0,
           "granularity %zu (OS %zu) not a multiple of the page", c->alloc_granularity,
           granularity);
#ifdef PV_ENABLE_EXEC
  PT_CHECK(c->can_exec, "exec compiled in but can_exec is false");
#else
  PT_CHECK(!c->can_exec, "exec compiled out but can_exec is true");
#endif
}

const pt_test pt_errors_tests[] = {
    {"errors/codes_are_distinct_negative_and_named", codes_are_distinct_negative_and_named},
    {"errors/success_and_unknown_codes", success_and_unknown_codes},
    {"errors/version_matches_the_header", version_matches_the_header},
    {"errors/caps_match_the_platform", caps_match_the_platform},
    {NULL, NULL}};

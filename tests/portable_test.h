/*
 * tests/portable_test.h - a tiny test harness in plain C for the portable
 * test program (tests/portable_*.c).  Why it exists: Criterion does not
 * build with mingw (nor run under wine), so the scenarios that must hold on
 * every platform are written against this instead; the same program runs
 * natively in `make check` and as a Windows .exe under wine.  (The three
 * harnesses and why each exists: tests/local.mk.)
 *
 * Output is TAP ("ok 3 - pages/map_rounds_up"), one line per test, with
 * "# file:line: message" diagnostics for each failed check, and a final
 * "# N passed, N failed" line.
 *
 * Faults are proven without a signal-per-process framework: pt_faults runs
 * a function and reports whether it took an access violation, and where.
 * POSIX catches SIGSEGV/SIGBUS with sigsetjmp/siglongjmp; Windows uses a
 * vectored exception handler that records EXCEPTION_ACCESS_VIOLATION and
 * resumes at a landing point that longjmps back.
 */
#ifndef PV_PORTABLE_TEST_H
#define PV_PORTABLE_TEST_H

#include "config.h"

/* mingw: C99 printf (%zu, %lld) from mingw's own stdio, not msvcrt's. */
#if defined(_WIN32) && !defined(__USE_MINGW_ANSI_STDIO)
#define __USE_MINGW_ANSI_STDIO 1
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__MINGW32__)
#define PT_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define PT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PT_PRINTF(f, a)
#endif

/* Record one check; a test fails if any of its checks failed. */
void pt_check(bool ok, const char *file, int line, const char *fmt, ...)
    PT_PRINTF(4, 5);
#define PT_CHECK(cond, ...) pt_check((cond) ? true : false, __FILE__, __LINE__, __VA_ARGS__)
/* Check and leave the test at once when the check fails (later checks
 * would only follow a broken state). */
#define PT_REQUIRE(cond, ...)                                   \
  do {                                                          \
    bool pt_ok_ = (cond) ? true : false;                        \
    pt_check(pt_ok_, __FILE__, __LINE__, __VA_ARGS__);          \
    if (!pt_ok_) return;                                        \
  } while (0)

/* Print a diagnostic line ("# ...") under the current test. */
void pt_note(const char *fmt, ...) PT_PRINTF(1, 2);

/* The kinds of access a fault can be recorded for (Windows tells; POSIX
 * reports PT_ACCESS_UNKNOWN). */
typedef enum pt_access {
  PT_ACCESS_UNKNOWN = 0,
  PT_ACCESS_READ,
  PT_ACCESS_WRITE,
  PT_ACCESS_EXEC
} pt_access;

typedef struct pt_fault {
  bool faulted;      /* fn took an access violation */
  const void *addr;  /* the address that faulted (data or instruction) */
  pt_access access;  /* what the access was, where the platform says */
} pt_fault;

/* Run fn(arg); return what happened.  fn must not hold resources across
 * the faulting access: it is abandoned at the fault. */
pt_fault pt_faults(void (*fn)(void *), void *arg);

/* The faulting accesses tests need, each a function pt_faults can run. */
typedef struct pt_access_arg {
  volatile unsigned char *p;
  unsigned char value; /* read result or the byte to write */
} pt_access_arg;
void pt_do_read(void *arg);
void pt_do_write(void *arg);

/* A test, and the tables each portable_*.c file exports. */
typedef struct pt_test {
  const char *name;
  void (*fn)(void);
} pt_test;

extern const pt_test pt_errors_tests[];
extern const pt_test pt_pages_tests[];
extern const pt_test pt_vec_tests[];
extern const pt_test pt_exec_tests[];

/* Deterministic pseudo-random numbers (xorshift64*) for the model tests. */
typedef struct pt_rng {
  uint64_t s;
} pt_rng;
static inline uint64_t pt_next(pt_rng *r) {
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * UINT64_C(2685821657736338717);
}
static inline size_t pt_below(pt_rng *r, size_t n) {
  return n == 0 ? 0 : (size_t)(pt_next(r) % n);
}

#endif /* PV_PORTABLE_TEST_H */

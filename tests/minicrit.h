/*
 * tests/minicrit.h - just enough of Criterion's interface (Test, cr_assert_*,
 * cr_skip_test) to build a suite as a plain program that prints TAP.
 * (The three harnesses and why each exists: tests/local.mk.)
 *
 * Why this one: Criterion cannot start under ThreadSanitizer (its BoxFort arena
 * fails: "Could not initialize inheritable arena", Criterion issue #274),
 * yet the thread-safety suite is exactly what TSan must check.  So
 * tests/test_threads.c is written against Criterion's names and also built
 * with this header (PV_MINICRIT) into a program that runs the tests in
 * order, in one process, and prints TAP like tests/criterion-tap.sh expects.
 * Only what test_threads.c uses is here.
 */
#ifndef PV_MINICRIT_H
#define PV_MINICRIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct mc_test {
  const char *suite, *name;
  void (*fn)(void);
} mc_test;

enum { MC_MAX_TESTS = 64 };
static mc_test mc_tests[MC_MAX_TESTS];
static int mc_count;
static jmp_buf mc_jump;
static char mc_msg[512];

static void mc_register(const char *suite, const char *name, void (*fn)(void)) {
  if (mc_count < MC_MAX_TESTS) mc_tests[mc_count++] = (mc_test){suite, name, fn};
}

/* 1: failed, 2: skipped; the message is in mc_msg. */
static void mc_leave(int how, const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = snprintf(mc_msg, sizeof mc_msg, "%s:%d: ", file, line);
  if (n < 0 || (size_t)n >= sizeof mc_msg) n = 0;
  vsnprintf(mc_msg + n, sizeof mc_msg - (size_t)n, fmt, ap);
  va_end(ap);
  longjmp(mc_jump, how);
}

#define Test(suite, name, ...)                                                \
  static void suite##_##name(void);                                           \
  __attribute__((constructor)) static void mc_reg_##suite##_##name(void) {    \
    mc_register(#suite, #name, suite##_##name);                               \
  }                                                                           \
  static void suite##_##name(void)

#define cr_assert(cond, ...) \
  do { if (!(cond)) mc_leave(1, __FILE__, __LINE__, __VA_ARGS__); } while (0)
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...) cr_assert((a) >= (b), __VA_ARGS__)
#define cr_assert_gt(a, b, ...) cr_assert((a) > (b), __VA_ARGS__)
#define cr_skip_test(...) mc_leave(2, __FILE__, __LINE__, __VA_ARGS__)

int main(void) {
  volatile int failed = 0; /* volatile: kept across longjmp */
  printf("1..%d\n", mc_count);
  for (volatile int i = 0; i < mc_count; i++) {
    int how = setjmp(mc_jump);
    if (how == 0) {
      mc_tests[i].fn();
      printf("ok %d - %s::%s\n", i + 1, mc_tests[i].suite, mc_tests[i].name);
    } else if (how == 2) {
      printf("ok %d - %s::%s # SKIP %s\n", i + 1, mc_tests[i].suite,
             mc_tests[i].name, mc_msg);
    } else {
      failed++;
      printf("not ok %d - %s::%s\n  # %s\n", i + 1, mc_tests[i].suite,
             mc_tests[i].name, mc_msg);
    }
    fflush(stdout);
  }
  fprintf(stderr, "[====] Synthesis: Tested: %d | Failing: %d\n", mc_count, failed);
  return failed != 0;
}

#endif /* PV_MINICRIT_H */

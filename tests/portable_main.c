/*
 * tests/portable_main.c - the portable test program: the harness
 * (tests/portable_test.h), fault catching for POSIX and Windows, and main.
 *
 *   portable_main [--tap=FILE] [SUBSTRING]
 *
 * runs every test whose "area/name" contains SUBSTRING (all by default) and
 * writes TAP to FILE (stdout by default; tests/criterion-tap.sh passes
 * --tap=/dev/stdout, as it does to the Criterion suites).  Exit status 0
 * when every test passed.
 */
#include "portable_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#else
#include <setjmp.h>
#include <signal.h>
#endif

static FILE *out;
static unsigned checks_failed; /* in the current test */

void pt_check(bool ok, const char *file, int line, const char *fmt, ...) {
  if (ok) return;
  checks_failed++;
  const char *base = strrchr(file, '/');
  fprintf(out, "# %s:%d: ", base != NULL ? base + 1 : file, line);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(out, fmt, ap);
  va_end(ap);
  fputc('\n', out);
}

void pt_note(const char *fmt, ...) {
  fputs("# ", out);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(out, fmt, ap);
  va_end(ap);
  fputc('\n', out);
}

/* ---- fault catching ------------------------------------------------------ */

/* What the last fault was; globals rather than locals of pt_faults, which
 * a longjmp could leave clobbered. */
static volatile int fault_armed;
static volatile int fault_hit;
static const void *volatile fault_addr;
static volatile int fault_access;

void pt_do_read(void *arg) {
  pt_access_arg *a = arg;
  a->value = *a->p;
}

void pt_do_write(void *arg) {
  pt_access_arg *a = arg;
  *a->p = a->value;
}

#ifdef _WIN32
/*
 * Windows: a vectored exception handler sees the access violation first.
 * It records the faulting address and kind, then resumes execution at
 * `landing` on a fresh stack slot below the faulting frame; landing jumps
 * back into pt_faults with __builtin_longjmp, which restores the frame and
 * stack pointers and needs no unwind information (longjmp out of an
 * exception handler would have to unwind through the OS dispatcher).
 */
static void *jump[5]; /* __builtin_setjmp's buffer: five words */

static void landing(void) { __builtin_longjmp(jump, 1); }

static LONG CALLBACK on_exception(PEXCEPTION_POINTERS ep) {
  const EXCEPTION_RECORD *er = ep->ExceptionRecord;
  if (!fault_armed || er->ExceptionCode != EXCEPTION_ACCESS_VIOLATION ||
      er->NumberParameters < 2)
    return EXCEPTION_CONTINUE_SEARCH;
  fault_armed = 0;
  fault_hit = 1;
  fault_addr = (const void *)er->ExceptionInformation[1];
  switch (er->ExceptionInformation[0]) {
  case 0: fault_access = PT_ACCESS_READ; break;
  case 1: fault_access = PT_ACCESS_WRITE; break;
  case 8: fault_access = PT_ACCESS_EXEC; break; /* DEP */
  default: fault_access = PT_ACCESS_UNKNOWN; break;
  }
  CONTEXT *ctx = ep->ContextRecord;
#if defined(__x86_64__) || defined(_M_X64)
  /* As if landing had just been called: rsp = 8 mod 16, below the frame. */
  ctx->Rsp = (ctx->Rsp & ~(DWORD64)15) - 8;
  ctx->Rip = (DWORD64)(uintptr_t)landing;
#elif defined(__aarch64__) || defined(_M_ARM64)
  ctx->Sp = (ctx->Sp & ~(DWORD64)15) - 16;
  ctx->Pc = (DWORD64)(uintptr_t)landing;
#else
#error "pt_faults: unknown Windows architecture"
#endif
  return EXCEPTION_CONTINUE_EXECUTION;
}

pt_fault pt_faults(void (*fn)(void *), void *arg) {
  static PVOID handler;
  if (handler == NULL) handler = AddVectoredExceptionHandler(1, on_exception);
  fault_hit = 0;
  fault_addr = NULL;
  fault_access = PT_ACCESS_UNKNOWN;
  if (__builtin_setjmp(jump) == 0) {
    fault_armed = 1;
    fn(arg);
    fault_armed = 0;
  }
  pt_fault r = {fault_hit != 0, fault_addr, (pt_access)fault_access};
  return r;
}

#else /* POSIX */

static sigjmp_buf jump;

static void on_signal(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  if (!fault_armed) {
    /* Not ours: let the default action happen (the signal is re-raised
     * by the faulting instruction once the handler returns). */
    signal(sig, SIG_DFL);
    return;
  }
  fault_armed = 0;
  fault_hit = 1;
  fault_addr = si->si_addr;
  siglongjmp(jump, 1);
}

pt_fault pt_faults(void (*fn)(void *), void *arg) {
  struct sigaction sa, old_segv, old_bus;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
  fault_hit = 0;
  fault_addr = NULL;
  fault_access = PT_ACCESS_UNKNOWN;
  /* savemask = 1: siglongjmp unblocks the signal the handler ran under. */
  if (sigsetjmp(jump, 1) == 0) {
    fault_armed = 1;
    fn(arg);
    fault_armed = 0;
  }
  sigaction(SIGSEGV, &old_segv, NULL);
  sigaction(SIGBUS, &old_bus, NULL);
  pt_fault r = {fault_hit != 0, fault_addr, (pt_access)fault_access};
  return r;
}
#endif

/* ---- main ---------------------------------------------------------------- */

static const pt_test *const tables[] = {pt_errors_tests, pt_pages_tests,
                                        pt_vec_tests, pt_exec_tests};
#define NTABLES (sizeof tables / sizeof tables[0])

static bool selected(const char *name, const char *filter) {
  return filter == NULL || strstr(name, filter) != NULL;
}

int main(int argc, char **argv) {
  const char *filter = NULL, *tap = NULL;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--tap=", 6) == 0)
      tap = argv[i] + 6;
    else if (argv[i][0] == '-') {
      fprintf(stderr, "usage: %s [--tap=FILE] [SUBSTRING]\n", argv[0]);
      return 2;
    } else
      filter = argv[i];
  }
  out = stdout;
#ifdef _WIN32
  /* TAP lines end in \n: text mode would make the plan "1..N\r". */
  _setmode(_fileno(stdout), _O_BINARY);
#endif
  if (tap != NULL && strcmp(tap, "-") != 0 && strcmp(tap, "/dev/stdout") != 0) {
    out = fopen(tap, "wb");
    if (out == NULL) {
      perror(tap);
      return 2;
    }
  }
  /* Line-buffered-like behaviour even when stdout is a pipe: a crash still
   * leaves every finished test in the log. */
  setvbuf(out, NULL, _IONBF, 0);

  unsigned total = 0;
  for (size_t t = 0; t < NTABLES; t++)
    for (const pt_test *x = tables[t]; x->name != NULL; x++)
      total += selected(x->name, filter);
  fprintf(out, "1..%u\n", total);

  unsigned n = 0, passed = 0, failed = 0;
  for (size_t t = 0; t < NTABLES; t++) {
    for (const pt_test *x = tables[t]; x->name != NULL; x++) {
      if (!selected(x->name, filter)) continue;
      checks_failed = 0;
      x->fn();
      n++;
      if (checks_failed == 0) {
        passed++;
        fprintf(out, "ok %u - %s\n", n, x->name);
      } else {
        failed++;
        fprintf(out, "not ok %u - %s\n", n, x->name);
      }
    }
  }
  fprintf(out, "# %u passed, %u failed\n", passed, failed);
  if (out != stdout) fclose(out);
  return failed == 0 ? 0 : 1;
}

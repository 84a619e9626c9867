/*
 * tests/test_code.c - the JIT code buffer (pv_code_*): append, seal, run,
 * reopen, patch, growth without moving, W^X proven by faults, both mapping
 * schemes (the dual memfd mapping forced with PV_CODE_FORCE_DUAL), and every
 * error path checked for its code and for "nothing changed", including
 * failures injected into each OS call.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "os.h"
#include "paged_vec.h"
#include "testutil.h"

#ifdef PV_ENABLE_EXEC

/* Machine code for the host, when we know how to write it:
 *   add(a, b)   returns a + b            (two long arguments)
 *   ret42()     returns 42               (int)
 *   call_plus1  calls a function at a PC-relative address and adds 1. */
#if defined(__x86_64__)
#define HAVE_HOST_CODE 1
static const unsigned char code_add[] = {0x48, 0x8d, 0x04, 0x37, /* lea rax,[rdi+rsi] */
                                         0xc3};                  /* ret */
static const unsigned char code_ret42[] = {0xb8, 42, 0, 0, 0, /* mov eax, 42 */
                                           0xc3};             /* ret */
#define TRAP_BYTE 0xcc /* int3 */
#elif defined(__aarch64__)
#define HAVE_HOST_CODE 1
static const unsigned char code_add[] = {0x00, 0x00, 0x01, 0x8b,  /* add x0, x0, x1 */
                                         0xc0, 0x03, 0x5f, 0xd6}; /* ret */
static const unsigned char code_ret42[] = {0x40, 0x05, 0x80, 0x52,  /* mov w0, #42 */
                                           0xc0, 0x03, 0x5f, 0xd6}; /* ret */
#define TRAP_BYTE 0x00 /* udf #0 once four of them line up */
#else
#define HAVE_HOST_CODE 0
#define TRAP_BYTE 0x00
#endif

typedef long (*add_fn)(long, long);
typedef int (*int_fn)(void);

#define SCHEMES_ALL(X) X(anon, 0) X(dual, PV_CODE_FORCE_DUAL)

/* Assert that *c still equals the snapshot `was`, field by field. */
#define assert_code_same(c, was, what)                                        \
  do {                                                                        \
    cr_assert_eq((c)->len, (was).len, "%s: len changed", what);              \
    cr_assert_eq((c)->cap, (was).cap, "%s: cap changed", what);              \
    cr_assert_eq((c)->pv_write, (was).pv_write, "%s: write view moved", what); \
    cr_assert_eq((c)->pv_exec, (was).pv_exec, "%s: exec view moved", what);  \
    cr_assert_eq((c)->pv_max, (was).pv_max, "%s: max changed", what);        \
    cr_assert_eq((c)->pv_scheme, (was).pv_scheme, "%s: scheme changed", what); \
    cr_assert_eq((c)->pv_sealed, (was).pv_sealed, "%s: state changed", what); \
  } while (0)

static pv_code make(unsigned flags, size_t max, size_t initial) {
  pv_code c;
  pv_code_opts o = {max, initial, flags};
  int rc = pv_code_init(&c, &o);
  cr_assert_eq(rc, 0, "init (flags %u): %s", flags, pv_errname(rc));
  return c;
}

static add_fn as_add(pv_fn f) { return (add_fn)f; }
static int_fn as_int(pv_fn f) { return (int_fn)f; }

/* ---- schemes and the basic cycle ------------------------------------------ */

Test(code, init_gives_an_open_empty_buffer) {
  pv_code c;
  cr_assert_eq(pv_code_init(&c, NULL), 0, "init with default options");
  int s = pv_code_scheme(&c);
  cr_assert(s == PV_CODE_SCHEME_ANON || s == PV_CODE_SCHEME_DUAL,
            "scheme %d (%s)", s, pv_code_scheme_name(s));
  cr_assert_eq(c.len, 0, "new buffer has code");
  cr_assert_eq(c.cap, pv_page_size(), "initial commit is one page, got %zu", c.cap);
  cr_assert_eq(c.pv_max, PV_CODE_DEFAULT_MAX, "default reservation");
  cr_assert_not(pv_code_sealed(&c), "new buffer is sealed");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
  cr_assert_eq(pv_code_scheme(&c), PV_CODE_SCHEME_NONE, "destroy resets the scheme");
  cr_assert_eq(pv_code_destroy(&c), 0, "second destroy is a no-op");
}

Test(code, scheme_names) {
  cr_assert_str_eq(pv_code_scheme_name(PV_CODE_SCHEME_ANON), "anon", "anon");
  cr_assert_str_eq(pv_code_scheme_name(PV_CODE_SCHEME_DUAL), "dual", "dual");
  cr_assert_str_eq(pv_code_scheme_name(PV_CODE_SCHEME_NONE), "none", "none");
  cr_assert_str_eq(pv_code_scheme_name(99), "unknown", "unknown value");
  cr_assert_eq(pv_code_scheme(NULL), PV_CODE_SCHEME_NONE, "NULL buffer");
}

Test(code_dual, forcing_dual_gives_two_views_of_the_same_bytes) {
  pv_code c = make(PV_CODE_FORCE_DUAL, 0, 0);
  cr_assert_eq(pv_code_scheme(&c), PV_CODE_SCHEME_DUAL, "scheme %s",
               pv_code_scheme_name(pv_code_scheme(&c)));
  void *w;
  size_t off;
  cr_assert_eq(pv_code_emit(&c, 64, &w, &off), 0, "emit");
  cr_assert_eq(off, 0, "first emit at offset 0");
  const void *x = pv_code_exec_addr(&c, 0);
  cr_assert_neq(w, x, "dual views share an address");
  tu_fill(w, 64, 7);
  cr_assert_eq(pv_code_seal(&c), 0, "seal");
  /* Sealed: the exec view is readable and shows what the write view got. */
  cr_assert_eq(tu_check(x, 64, 7), 64, "exec view does not show the written bytes");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code, anon_views_coincide) {
  pv_code c = make(PV_CODE_NO_DUAL, 0, 0);
  cr_assert_eq(pv_code_scheme(&c), PV_CODE_SCHEME_ANON, "NO_DUAL gives anon");
  void *w;
  cr_assert_eq(pv_code_emit(&c, 1, &w, NULL), 0, "emit");
  cr_assert_eq(w, pv_code_exec_addr(&c, 0), "anon write and exec address differ");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

#if HAVE_HOST_CODE
static void append_seal_run(unsigned flags) {
  pv_code c = make(flags, 0, 0);
  size_t off_add, off_42;
  cr_assert_eq(pv_code_append(&c, code_add, sizeof code_add, &off_add), 0, "append add");
  cr_assert_eq(pv_code_align(&c, 16, TRAP_BYTE), 0, "align");
  cr_assert_eq(c.len % 16, 0, "len %zu not aligned to 16", c.len);
  cr_assert_eq(pv_code_append(&c, code_ret42, sizeof code_ret42, &off_42), 0, "append ret42");
  cr_assert_eq(off_42, 16, "second function at %zu, want 16", off_42);
  cr_assert_null(pv_code_fn(&c, off_add), "fn on an open buffer must be NULL");
  cr_assert_eq(pv_code_seal(&c), 0, "seal");
  cr_assert(pv_code_sealed(&c), "not sealed after seal");
  cr_assert_eq(pv_code_seal(&c), 0, "second seal is a no-op");
  add_fn add = as_add(pv_code_fn(&c, off_add));
  cr_assert_not_null(add, "fn");
  cr_assert_eq((const void *)pv_code_exec_addr(&c, off_add),
               (const void *)pv_code_exec_addr(&c, 0), "exec addr of offset 0");
  cr_assert_eq(add(40, 2), 42, "add(40, 2) = %ld", add(40, 2));
  cr_assert_eq(add(-7, 3), -4, "add(-7, 3) = %ld", add(-7, 3));
  cr_assert_eq(as_int(pv_code_fn(&c, off_42))(), 42, "ret42");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code, append_seal_and_run_anon) { append_seal_run(PV_CODE_NO_DUAL); }
Test(code_dual, append_seal_and_run_through_the_exec_view) {
  append_seal_run(PV_CODE_FORCE_DUAL);
}

/* Reopen, patch the immediate of `mov eax, 42`, seal, run the new code. */
static void reopen_patch(unsigned flags) {
  pv_code c = make(flags, 0, 0);
  size_t off;
  cr_assert_eq(pv_code_append(&c, code_ret42, sizeof code_ret42, &off), 0, "append");
  cr_assert_eq(pv_code_seal(&c), 0, "seal");
  cr_assert_eq(as_int(pv_code_fn(&c, off))(), 42, "before the patch");
  cr_assert_eq(pv_code_reopen(&c), 0, "reopen");
  cr_assert_not(pv_code_sealed(&c), "still sealed after reopen");
  cr_assert_eq(pv_code_reopen(&c), 0, "second reopen is a no-op");
#if defined(__x86_64__)
  const unsigned char imm[] = {7, 0, 0, 0};
  cr_assert_eq(pv_code_patch(&c, off + 1, imm, sizeof imm), 0, "patch");
#else
  const unsigned char movw7[] = {0xe0, 0x00, 0x80, 0x52}; /* mov w0, #7 */
  cr_assert_eq(pv_code_patch(&c, off, movw7, sizeof movw7), 0, "patch");
#endif
  cr_assert_eq(pv_code_seal(&c), 0, "seal again");
  cr_assert_eq(as_int(pv_code_fn(&c, off))(), 7, "the patched code did not run");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code, reopen_patch_and_reseal_anon) { reopen_patch(PV_CODE_NO_DUAL); }
Test(code_dual, reopen_patch_and_reseal) { reopen_patch(PV_CODE_FORCE_DUAL); }
#endif /* HAVE_HOST_CODE */

/* ---- growth -------------------------------------------------------------- */

#if defined(__x86_64__)
/* A function far from the first one (several pages later, so the buffer has
 * grown in between) that calls the first with a PC-relative call built from
 * exec addresses: proves that growth moves nothing and that code is built
 * for where it runs, not where it was written. */
static void growth_keeps_addresses(unsigned flags) {
  const size_t page = pv_page_size();
  pv_code c = make(flags, 0, 0);
  size_t off_42;
  cr_assert_eq(pv_code_append(&c, code_ret42, sizeof code_ret42, &off_42), 0, "ret42");
  const void *x0 = pv_code_exec_addr(&c, 0);
  const size_t cap0 = c.cap;
  /* Pad with int3 past three pages: several commits. */
  void *pad;
  cr_assert_eq(pv_code_emit(&c, 3 * page, &pad, NULL), 0, "emit padding");
  memset(pad, TRAP_BYTE, 3 * page);
  cr_assert_gt(c.cap, cap0, "the buffer did not grow");
  cr_assert_eq(pv_code_exec_addr(&c, 0), x0, "growth moved the code");
  size_t off_call = c.len;
  const uintptr_t next = (uintptr_t)pv_code_exec_addr(&c, off_call) + 5;
  const intptr_t rel = (intptr_t)((uintptr_t)x0 - next);
  cr_assert(rel >= INT32_MIN && rel <= INT32_MAX, "rel32 out of reach");
  int32_t rel32 = (int32_t)rel;
  unsigned char call[5 + 4] = {0xe8, 0, 0, 0, 0, /* call ret42 */
                               0x83, 0xc0, 0x01, /* add eax, 1 */
                               0xc3};            /* ret */
  memcpy(call + 1, &rel32, sizeof rel32);
  cr_assert_eq(pv_code_append(&c, call, sizeof call, NULL), 0, "append caller");
  cr_assert_eq(pv_code_seal(&c), 0, "seal");
  cr_assert_eq(as_int(pv_code_fn(&c, off_call))(), 43, "call through rel32");
  cr_assert_eq(as_int(pv_code_fn(&c, off_42))(), 42, "first function still there");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code, growth_moves_nothing_anon) { growth_keeps_addresses(PV_CODE_NO_DUAL); }
Test(code_dual, growth_moves_nothing) { growth_keeps_addresses(PV_CODE_FORCE_DUAL); }
#endif

static void growth_is_geometric(unsigned flags) {
  const size_t page = pv_page_size();
  pv_code c = make(flags, 0, 0);
  unsigned char b = TRAP_BYTE;
  size_t commits = 0, last = c.cap;
  for (size_t i = 0; i < 64 * page; i++) {
    cr_assert_eq(pv_code_append(&c, &b, 1, NULL), 0, "append byte %zu", i);
    if (c.cap != last) {
      cr_assert_geq(c.cap, 2 * last, "cap grew %zu -> %zu, not doubling", last, c.cap);
      commits++;
      last = c.cap;
    }
  }
  cr_assert_eq(c.len, 64 * page, "len");
  cr_assert_leq(commits, 6, "%zu commits for 64 pages", commits);
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code, growth_is_geometric_anon) { growth_is_geometric(PV_CODE_NO_DUAL); }
Test(code_dual, growth_is_geometric) { growth_is_geometric(PV_CODE_FORCE_DUAL); }

Test(code, reservation_limit_is_enospc_and_changes_nothing) {
  const size_t page = pv_page_size();
  pv_code c = make(0, 2 * page, 0);
  void *w;
  cr_assert_eq(pv_code_emit(&c, 2 * page, &w, NULL), 0, "fill the reservation");
  tu_fill(w, 2 * page, 3);
  pv_code was = c;
  unsigned char b = 0;
  cr_assert_eq(pv_code_append(&c, &b, 1, NULL), PV_ENOSPC, "one byte past max");
  assert_code_same(&c, was, "ENOSPC");
  cr_assert_eq(tu_check(w, 2 * page, 3), 2 * page, "bytes changed by ENOSPC");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code, truncate_rolls_back_and_reuses) {
  pv_code c = make(0, 0, 0);
  unsigned char bytes[100];
  tu_fill(bytes, sizeof bytes, 9);
  cr_assert_eq(pv_code_append(&c, bytes, sizeof bytes, NULL), 0, "append");
  cr_assert_eq(pv_code_truncate(&c, 40), 0, "truncate");
  cr_assert_eq(c.len, 40, "len after truncate");
  size_t off;
  cr_assert_eq(pv_code_append(&c, bytes, 10, &off), 0, "append after truncate");
  cr_assert_eq(off, 40, "appended at %zu, want 40", off);
  pv_code was = c;
  cr_assert_eq(pv_code_truncate(&c, 51), PV_ERANGE, "truncate past len");
  assert_code_same(&c, was, "truncate ERANGE");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

/* ---- W^X, proven by faults ------------------------------------------------ */

static void write_after_seal(unsigned flags) {
  pv_code c = make(flags, 0, 0);
  void *w;
  cr_assert_eq(pv_code_emit(&c, 16, &w, NULL), 0, "emit");
  cr_assert_eq(pv_code_seal(&c), 0, "seal");
  *(volatile unsigned char *)w = 1; /* must fault */
  cr_assert_fail("writing to a sealed buffer did not fault (scheme %s)",
          pv_code_scheme_name(pv_code_scheme(&c)));
}

Test(code, write_to_sealed_buffer_faults_anon, .signal = SIGSEGV) {
  write_after_seal(PV_CODE_NO_DUAL);
}
Test(code_dual, write_view_of_sealed_buffer_faults, .signal = SIGSEGV) {
  write_after_seal(PV_CODE_FORCE_DUAL);
}

/* The exec view of a dual mapping is never writable, sealed or not. */
Test(code_dual, exec_view_is_never_writable, .signal = SIGSEGV) {
  pv_code c = make(PV_CODE_FORCE_DUAL, 0, 0);
  unsigned char b = 0;
  cr_assert_eq(pv_code_append(&c, &b, 1, NULL), 0, "append");
  cr_assert_eq(pv_code_seal(&c), 0, "seal");
  *(volatile unsigned char *)(uintptr_t)pv_code_exec_addr(&c, 0) = 1;
  cr_assert_fail("writing through the exec view did not fault");
}

/* While open, the exec view cannot even be read: no view is executable. */
Test(code_dual, exec_view_of_open_buffer_is_inaccessible, .signal = SIGSEGV) {
  pv_code c = make(PV_CODE_FORCE_DUAL, 0, 0);
  unsigned char b = 0x5a;
  cr_assert_eq(pv_code_append(&c, &b, 1, NULL), 0, "append");
  volatile const unsigned char *x = pv_code_exec_addr(&c, 0);
  cr_log_info("read %u", (unsigned)*x); /* must fault */
  cr_assert_fail("reading the exec view of an open buffer did not fault");
}

#if HAVE_HOST_CODE
static void call_after_reopen(unsigned flags) {
  pv_code c = make(flags, 0, 0);
  size_t off;
  cr_assert_eq(pv_code_append(&c, code_ret42, sizeof code_ret42, &off), 0, "append");
  cr_assert_eq(pv_code_seal(&c), 0, "seal");
  int_fn f = as_int(pv_code_fn(&c, off));
  cr_assert_eq(f(), 42, "runs while sealed");
  cr_assert_eq(pv_code_reopen(&c), 0, "reopen");
  int r = f(); /* must fault: open means not executable */
  cr_assert_fail("calling into an open buffer did not fault (got %d)", r);
}

Test(code, call_into_reopened_buffer_faults_anon, .signal = SIGSEGV) {
  call_after_reopen(PV_CODE_NO_DUAL);
}
Test(code_dual, call_into_reopened_buffer_faults, .signal = SIGSEGV) {
  call_after_reopen(PV_CODE_FORCE_DUAL);
}
#endif

/* Past cap the reservation has no access: running off the end faults. */
Test(code, bytes_past_the_commit_fault, .signal = SIGSEGV) {
  pv_code c = make(0, 0, 0);
  void *w;
  cr_assert_eq(pv_code_emit(&c, 1, &w, NULL), 0, "emit");
  *((volatile unsigned char *)w + c.cap) = 1; /* first reserved byte */
  cr_assert_fail("the reservation past cap is accessible");
}

/* ---- errors: the code, and nothing changed --------------------------------- */

Test(code_errors, init_rejects_bad_options_untouched) {
  pv_code c, was;
  memset(&c, 0x5a, sizeof c);
  was = c;
  const size_t page = pv_page_size();
  const struct {
    pv_code_opts o;
    int want;
    const char *what;
  } cases[] = {
      {{0, 0, 1u << 7}, PV_EINVAL, "unknown flag"},
      {{0, 0, PV_CODE_FORCE_DUAL | PV_CODE_NO_DUAL}, PV_EINVAL, "both scheme flags"},
      {{page, 2 * page, 0}, PV_EINVAL, "initial_size > max_size"},
      {{0, PV_CODE_DEFAULT_MAX + 1, 0}, PV_EINVAL, "initial_size > default max"},
      {{SIZE_MAX, 0, 0}, PV_EOVERFLOW, "max_size rounds past SIZE_MAX"},
      {{SIZE_MAX, SIZE_MAX, 0}, PV_EOVERFLOW, "both round past SIZE_MAX"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int rc = pv_code_init(&c, &cases[i].o);
    cr_assert_eq(rc, cases[i].want, "%s: got %s", cases[i].what, pv_errname(rc));
    cr_assert_eq(memcmp(&c, &was, sizeof c), 0, "%s: struct touched", cases[i].what);
  }
  cr_assert_eq(pv_code_init(NULL, NULL), PV_EINVAL, "NULL buffer");
}

Test(code_errors, huge_reservation_is_enomem_untouched) {
  pv_code c, was;
  memset(&c, 0x5a, sizeof c);
  was = c;
  const long long live = pv__os_live_bytes();
  /* Half the address space rounded to a page: no kernel reserves that. */
  pv_code_opts o = {SIZE_MAX / 2 + 1, 0, PV_CODE_NO_DUAL};
  int rc = pv_code_init(&c, &o);
  cr_assert_eq(rc, PV_ENOMEM, "got %s", pv_errname(rc));
  cr_assert_eq(memcmp(&c, &was, sizeof c), 0, "struct touched");
  cr_assert_eq(pv__os_live_bytes(), live, "address space leaked");
}

Test(code_errors, calls_on_null_or_destroyed_buffers) {
  pv_code c;
  memset(&c, 0, sizeof c); /* the destroyed state */
  unsigned char b = 0;
  void *w = &b;
  size_t off = 77;
  cr_assert_eq(pv_code_append(&c, &b, 1, &off), PV_EINVAL, "append destroyed");
  cr_assert_eq(pv_code_append(NULL, &b, 1, &off), PV_EINVAL, "append NULL");
  cr_assert_eq(pv_code_emit(&c, 1, &w, &off), PV_EINVAL, "emit destroyed");
  cr_assert_eq(w, (void *)&b, "emit touched *dst");
  cr_assert_eq(off, 77, "failed calls touched *off");
  cr_assert_eq(pv_code_align(&c, 16, 0), PV_EINVAL, "align destroyed");
  cr_assert_eq(pv_code_patch(&c, 0, &b, 0), PV_EINVAL, "patch destroyed");
  cr_assert_eq(pv_code_truncate(&c, 0), PV_EINVAL, "truncate destroyed");
  cr_assert_eq(pv_code_seal(&c), PV_EINVAL, "seal destroyed");
  cr_assert_eq(pv_code_reopen(NULL), PV_EINVAL, "reopen NULL");
  cr_assert_eq(pv_code_destroy(NULL), PV_EINVAL, "destroy NULL");
  cr_assert_null(pv_code_fn(&c, 0), "fn destroyed");
  cr_assert_null(pv_code_exec_addr(&c, 0), "exec_addr destroyed");
  cr_assert_null(pv_code_exec_addr(NULL, 0), "exec_addr NULL");
  cr_assert_not(pv_code_sealed(NULL), "sealed NULL");
}

Test(code_errors, bad_arguments_change_nothing) {
  pv_code c = make(0, 0, 0);
  unsigned char bytes[32];
  tu_fill(bytes, sizeof bytes, 4);
  cr_assert_eq(pv_code_append(&c, bytes, sizeof bytes, NULL), 0, "append");
  pv_code was = c;
  size_t off = 77;
  void *w = NULL;
  cr_assert_eq(pv_code_append(&c, NULL, 1, &off), PV_EINVAL, "NULL bytes");
  cr_assert_eq(pv_code_append(&c, bytes, SIZE_MAX, &off), PV_EOVERFLOW, "len overflow");
  cr_assert_eq(pv_code_emit(&c, 1, NULL, &off), PV_EINVAL, "emit NULL dst");
  cr_assert_eq(pv_code_emit(&c, SIZE_MAX - 1, &w, &off), PV_EOVERFLOW, "emit overflow");
  cr_assert_eq(pv_code_emit(&c, SIZE_MAX / 2, &w, &off), PV_ENOSPC, "emit past max");
  cr_assert_null(w, "failed emit set *dst");
  cr_assert_eq(off, 77, "failed calls set *off");
  cr_assert_eq(pv_code_align(&c, 0, 0), PV_EINVAL, "align 0");
  cr_assert_eq(pv_code_align(&c, 12, 0), PV_EINVAL, "align 12");
  cr_assert_eq(pv_code_align(&c, 2 * pv_page_size(), 0), PV_EINVAL, "align > page");
  cr_assert_eq(pv_code_patch(&c, 0, NULL, 1), PV_EINVAL, "patch NULL bytes");
  cr_assert_eq(pv_code_patch(&c, 30, bytes, 3), PV_ERANGE, "patch past len");
  cr_assert_eq(pv_code_patch(&c, 33, bytes, 0), PV_ERANGE, "patch offset past len");
  cr_assert_eq(pv_code_patch(&c, 1, bytes, SIZE_MAX), PV_ERANGE, "patch overflow");
  cr_assert_null(pv_code_exec_addr(&c, 33), "exec_addr past len");
  cr_assert_not_null(pv_code_exec_addr(&c, 32), "exec_addr at len is allowed");
  assert_code_same(&c, was, "bad arguments");
  cr_assert_eq(tu_check(pv_code_exec_addr(&c, 0), 32, 4), 32, "bytes changed");
  cr_assert_eq(pv_code_append(&c, bytes, 0, &off), 0, "zero-length append");
  cr_assert_eq(off, 32, "zero-length append reports len");
  cr_assert_eq(pv_code_append(&c, NULL, 0, NULL), 0, "zero-length NULL append");
  assert_code_same(&c, was, "zero-length appends");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

static void sealed_refuses_writes(unsigned flags) {
  pv_code c = make(flags, 0, 0);
  unsigned char bytes[8];
  tu_fill(bytes, sizeof bytes, 5);
  cr_assert_eq(pv_code_append(&c, bytes, sizeof bytes, NULL), 0, "append");
  cr_assert_eq(pv_code_seal(&c), 0, "seal");
  pv_code was = c;
  void *w = NULL;
  cr_assert_eq(pv_code_append(&c, bytes, 1, NULL), PV_EACCES, "append sealed");
  cr_assert_eq(pv_code_emit(&c, 1, &w, NULL), PV_EACCES, "emit sealed");
  cr_assert_null(w, "emit sealed set *dst");
  cr_assert_eq(pv_code_align(&c, 16, 0), PV_EACCES, "align sealed");
  cr_assert_eq(pv_code_patch(&c, 0, bytes, 1), PV_EACCES, "patch sealed");
  cr_assert_eq(pv_code_truncate(&c, 0), PV_EACCES, "truncate sealed");
  assert_code_same(&c, was, "sealed");
  cr_assert_eq(tu_check(pv_code_exec_addr(&c, 0), sizeof bytes, 5), sizeof bytes,
               "bytes changed");
  cr_assert_null(pv_code_fn(&c, sizeof bytes), "fn at len");
  cr_assert_not_null(pv_code_fn(&c, sizeof bytes - 1), "fn at the last byte");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy a sealed buffer");
}

Test(code_errors, sealed_buffer_refuses_writes_anon) { sealed_refuses_writes(PV_CODE_NO_DUAL); }
Test(code_errors, sealed_buffer_refuses_writes_dual) {
  sealed_refuses_writes(PV_CODE_FORCE_DUAL);
}

/* ---- injected OS failures --------------------------------------------------- */

/* Fail the k-th OS call of pv_code_init for every k until init succeeds:
 * each failure must return the injected code, leave *c and the address
 * space as they were. */
static void init_survives_every_failure(unsigned flags) {
  const long long live = pv__os_live_bytes();
  for (unsigned long k = 1;; k++) {
    cr_assert_lt(k, 32, "init never stopped making OS calls");
    pv_code c, was;
    memset(&c, 0x5a, sizeof c);
    was = c;
    pv__os_fault_set(k, PV_ENOMEM);
    int rc = pv_code_init(&c, &(pv_code_opts){0, 0, flags});
    pv__os_fault_set(0, 0);
    if (rc == 0) {
      cr_assert_gt(k, 1, "init made no OS call");
      cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
      break;
    }
    cr_assert_eq(rc, PV_ENOMEM, "call %lu: got %s", k, pv_errname(rc));
    cr_assert_eq(memcmp(&c, &was, sizeof c), 0, "call %lu: struct touched", k);
    cr_assert_eq(pv__os_live_bytes(), live, "call %lu: address space leaked", k);
  }
  cr_assert_eq(pv__os_live_bytes(), live, "leak after destroy");
}

Test(code_faults, init_anon) { init_survives_every_failure(PV_CODE_NO_DUAL); }
Test(code_faults, init_dual) { init_survives_every_failure(PV_CODE_FORCE_DUAL); }

/* Without a flag, an anon exec refusal (what deny_execmem answers) falls
 * back to the dual mapping; with NO_DUAL it is reported. */
Test(code_faults, exec_refusal_falls_back_to_dual) {
  pv_code c;
  /* Calls of init_anon: map, commit, protect RX (the probe). */
  pv__os_fault_set(3, PV_EACCES);
  int rc = pv_code_init(&c, NULL);
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, 0, "fallback init: %s", pv_errname(rc));
  cr_assert_eq(pv_code_scheme(&c), PV_CODE_SCHEME_DUAL, "did not fall back to dual");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");

  pv_code d, was;
  memset(&d, 0x5a, sizeof d);
  was = d;
  pv__os_fault_set(3, PV_EACCES);
  rc = pv_code_init(&d, &(pv_code_opts){0, 0, PV_CODE_NO_DUAL});
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, PV_EACCES, "NO_DUAL refusal: %s", pv_errname(rc));
  cr_assert_eq(memcmp(&d, &was, sizeof d), 0, "struct touched");
}

/* Under a tight commit limit the doubled commit may be refused where the
 * pages actually needed are not: growth retries with exactly those. */
static void growth_failure(unsigned flags) {
  const size_t page = pv_page_size();
  pv_code c = make(flags, 0, 2 * page);
  void *w;
  cr_assert_eq(pv_code_emit(&c, 2 * page, &w, NULL), 0, "fill two pages");
  tu_fill(w, 2 * page, 6);
  unsigned char b = 1;
  pv__os_fault_set(1, PV_ENOMEM); /* the doubled commit (to 4 pages) fails */
  int rc = pv_code_append(&c, &b, 1, NULL);
  unsigned long calls = pv__os_fault_calls();
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, 0, "the exact retry should succeed: %s", pv_errname(rc));
  /* The refused call, then the retry: one growth, which passes two fault
   * points in the dual scheme (one before each view is mapped). */
  const unsigned long retry = pv_code_scheme(&c) == PV_CODE_SCHEME_DUAL ? 2 : 1;
  cr_assert_eq(calls, 1 + retry, "%lu OS calls, want the refused one and the retry",
               calls);
  cr_assert_eq(c.cap, 3 * page, "cap after the retry is %zu pages", c.cap / page);
  cr_assert_eq(c.len, 2 * page + 1, "len");
  cr_assert_eq(tu_check(w, 2 * page, 6), 2 * page, "old bytes changed");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code_faults, growth_retries_exactly_under_enomem_anon) { growth_failure(PV_CODE_NO_DUAL); }
Test(code_faults, growth_retries_exactly_under_enomem_dual) {
  growth_failure(PV_CODE_FORCE_DUAL);
}

/* A growth whose every commit is refused changes nothing.  The fault seam
 * fails one call, so use a buffer at cap == page and a commit that must be
 * exact (the doubled size would exceed max): one refused call, no retry. */
static void growth_refused(unsigned flags) {
  const size_t page = pv_page_size();
  pv_code c = make(flags, 2 * page, 0);
  void *w;
  cr_assert_eq(pv_code_emit(&c, page, &w, NULL), 0, "fill the first page");
  tu_fill(w, page, 8);
  pv_code was = c;
  unsigned char b = 1;
  size_t off = 77;
  pv__os_fault_set(1, PV_ENOMEM);
  int rc = pv_code_append(&c, &b, 1, &off);
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, PV_ENOMEM, "refused growth: %s", pv_errname(rc));
  assert_code_same(&c, was, "refused growth");
  cr_assert_eq(off, 77, "refused growth set *off");
  cr_assert_eq(tu_check(w, page, 8), page, "bytes changed");
  /* And the buffer still works. */
  cr_assert_eq(pv_code_append(&c, &b, 1, &off), 0, "append after the failure");
  cr_assert_eq(off, page, "offset after the failure");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code_faults, refused_growth_changes_nothing_anon) { growth_refused(PV_CODE_NO_DUAL); }
Test(code_faults, refused_growth_changes_nothing_dual) { growth_refused(PV_CODE_FORCE_DUAL); }

/* Seal and reopen: fail each of their OS calls in turn; the buffer stays in
 * its state with its bytes, and the same call then succeeds. */
static void transitions_survive_failures(unsigned flags) {
  pv_code c = make(flags, 0, 0);
  unsigned char bytes[64];
  tu_fill(bytes, sizeof bytes, 2);
  cr_assert_eq(pv_code_append(&c, bytes, sizeof bytes, NULL), 0, "append");
  for (int round = 0; round < 2; round++) {
    const bool sealing = round == 0;
    for (unsigned long k = 1;; k++) {
      cr_assert_lt(k, 8, "transition never stopped making OS calls");
      pv_code was = c;
      pv__os_fault_set(k, PV_ENOMEM);
      int rc = sealing ? pv_code_seal(&c) : pv_code_reopen(&c);
      pv__os_fault_set(0, 0);
      if (rc == 0 && pv_code_sealed(&c) == sealing) break;
      cr_assert_eq(rc, PV_ENOMEM, "%s call %lu: %s", sealing ? "seal" : "reopen", k,
                   pv_errname(rc));
      assert_code_same(&c, was, sealing ? "failed seal" : "failed reopen");
    }
    /* The state is really what it says: read the bytes through the view
     * that is accessible now. */
    const void *view = sealing ? pv_code_exec_addr(&c, 0) : c.pv_write;
    cr_assert_eq(tu_check(view, sizeof bytes, 2), sizeof bytes, "bytes after %s",
                 sealing ? "seal" : "reopen");
  }
  /* Open again: writing works. */
  cr_assert_eq(pv_code_patch(&c, 0, bytes, 1), 0, "patch after reopen");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code_faults, seal_and_reopen_anon) { transitions_survive_failures(PV_CODE_NO_DUAL); }
Test(code_faults, seal_and_reopen_dual) { transitions_survive_failures(PV_CODE_FORCE_DUAL); }

Test(code_faults, failed_destroy_keeps_the_buffer) {
  const long long live = pv__os_live_bytes();
  for (int dual = 0; dual < 2; dual++) {
    pv_code c = make(dual ? PV_CODE_FORCE_DUAL : PV_CODE_NO_DUAL, 0, 0);
    pv_code was = c;
    pv__os_fault_set(1, PV_ENOMEM);
    int rc = pv_code_destroy(&c);
    pv__os_fault_set(0, 0);
    cr_assert_eq(rc, PV_ENOMEM, "destroy: %s", pv_errname(rc));
    assert_code_same(&c, was, "failed destroy");
    cr_assert_eq(pv_code_destroy(&c), 0, "retried destroy");
  }
  cr_assert_eq(pv__os_live_bytes(), live, "address space leaked");
}

#else /* !PV_ENABLE_EXEC */

Test(code_errors, disabled_exec_build_refuses_init_untouched) {
  pv_code c, was;
  memset(&c, 0x5a, sizeof c);
  was = c;
  cr_assert_eq(pv_code_init(&c, NULL), PV_ENOTSUP, "init in a --disable-exec build");
  cr_assert_eq(memcmp(&c, &was, sizeof c), 0, "struct touched");
}

#endif

/* ---- failed transitions and growth: the view that must still work ------- */

#ifdef PV_ENABLE_EXEC

/* Seal and reopen of a dual buffer, each OS call failing in turn: after
 * every failure the buffer is still in its old state and that state works.
 * A failed seal leaves the write view writable (a raw store through it);
 * a failed reopen leaves the exec view executable (a call through it, on
 * hosts whose machine code we know; a read elsewhere).  A rollback that
 * was dropped leaves the view with no access: the store or call faults. */
static void dual_transition_failures_keep_the_view(void) {
  pv_code c = make(PV_CODE_FORCE_DUAL, 0, 0);
  size_t off;
  cr_assert_eq(pv_code_append(&c, code_ret42, sizeof code_ret42, &off), 0, "append");
  unsigned long seal_fails = 0, reopen_fails = 0;
  for (unsigned long k = 1;; k++) {
    cr_assert_lt(k, 8, "seal never stopped making OS calls");
    pv_code was = c;
    pv__os_fault_set(k, PV_ENOMEM);
    int rc = pv_code_seal(&c);
    pv__os_fault_set(0, 0);
    if (rc == 0) break;
    cr_assert_eq(rc, PV_ENOMEM, "seal call %lu: %s", k, pv_errname(rc));
    assert_code_same(&c, was, "failed seal");
    volatile unsigned char *w = c.pv_write;
    w[c.len] = TRAP_BYTE; /* past len, inside cap: a raw store must work */
    cr_assert_eq(w[c.len], TRAP_BYTE, "seal call %lu: store lost", k);
    seal_fails++;
  }
  cr_assert(pv_code_sealed(&c), "sealed");
  for (unsigned long k = 1;; k++) {
    cr_assert_lt(k, 8, "reopen never stopped making OS calls");
    pv_code was = c;
    pv__os_fault_set(k, PV_ENOMEM);
    int rc = pv_code_reopen(&c);
    pv__os_fault_set(0, 0);
    if (rc == 0) break;
    cr_assert_eq(rc, PV_ENOMEM, "reopen call %lu: %s", k, pv_errname(rc));
    assert_code_same(&c, was, "failed reopen");
#if HAVE_HOST_CODE
    cr_assert_eq(as_int(pv_code_fn(&c, off))(), 42, "reopen call %lu: call", k);
#else
    const volatile unsigned char *x = pv_code_exec_addr(&c, off);
    cr_assert_eq(x[0], code_ret42[0], "reopen call %lu: read", k);
#endif
    reopen_fails++;
  }
  cr_assert_geq(seal_fails, 2, "seal made fewer than two OS calls");
  cr_assert_geq(reopen_fails, 2, "reopen made fewer than two OS calls");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code_dual_faults, failed_transitions_keep_the_working_view) {
  dual_transition_failures_keep_the_view();
}

/* Dual growth maps the object into the write view, then into the exec
 * view.  When the second mapping fails, the first is undone: cap is what
 * it was, and the write view past cap is reserved again (no access). */
static pv_code dual_growth_fails_between_the_views(void) {
  const size_t page = pv_page_size();
  pv_code c = make(PV_CODE_FORCE_DUAL, 2 * page, 0);
  void *w;
  cr_assert_eq(pv_code_emit(&c, page, &w, NULL), 0, "fill the first page");
  tu_fill(w, page, 12);
  pv_code was = c;
  unsigned char b = 1;
  /* Calls of the growth: pv__os_dual_grow's entry, then the seam between
   * its two mmaps. */
  pv__os_fault_set(2, PV_ENOMEM);
  int rc = pv_code_append(&c, &b, 1, NULL);
  unsigned long calls = pv__os_fault_calls();
  pv__os_fault_set(0, 0);
  cr_assert_eq(rc, PV_ENOMEM, "growth with the exec-view mapping failing: %s",
               pv_errname(rc));
  cr_assert_eq(calls, 2, "%lu OS calls, want the growth's two", calls);
  assert_code_same(&c, was, "failed dual growth");
  cr_assert_eq(tu_check(w, page, 12), page, "bytes changed");
  return c;
}

Test(code_dual_faults, failed_growth_between_the_views_changes_nothing) {
  pv_code c = dual_growth_fails_between_the_views();
  unsigned char b = 2;
  size_t off;
  cr_assert_eq(pv_code_append(&c, &b, 1, &off), 0, "append after the failure");
  cr_assert_eq(off, pv_page_size(), "offset after the failure");
  cr_assert_eq(pv_code_destroy(&c), 0, "destroy");
}

Test(code_dual_faults, failed_growth_between_the_views_faults_past_cap,
     .signal = SIGSEGV) {
  pv_code c = dual_growth_fails_between_the_views();
  *((volatile unsigned char *)c.pv_write + c.cap) = 1; /* must fault */
  cr_assert_fail("the write view past cap is accessible after a failed growth");
}

#include <sys/resource.h>

#include "relutil.h"

/* Dual init reserves the write view, then the exec view.  With the address
 * space capped so that only the first fits, init fails and gives the first
 * back: the process maps what it mapped before.  (The fault seam sits at
 * the entry of pv__os_dual_map, so only a real refusal reaches this.) */
Test(code_dual_faults, refused_exec_view_leaves_no_reservation) {
#if PV__ASAN || defined(__SANITIZE_THREAD__)
  cr_skip_test("built with a sanitizer: its shadow memory makes RLIMIT_AS meaningless");
#endif
  if (ru_under_valgrind()) cr_skip_test("under valgrind RLIMIT_AS would limit valgrind");
  const size_t max = PV_CODE_DEFAULT_MAX;
  (void)pv_page_size(); /* first-use work before the cap */
  const size_t before = ru_mapped_bytes();
  cr_assert_gt(before, 0, "cannot read /proc/self/maps");
  struct rlimit old, rl;
  cr_assert_eq(getrlimit(RLIMIT_AS, &old), 0, "getrlimit");
  rl.rlim_cur = before + max + max / 2; /* room for one view, not two */
  rl.rlim_max = old.rlim_max;
  if (old.rlim_max != RLIM_INFINITY && old.rlim_max < rl.rlim_cur)
    cr_skip_test("the hard RLIMIT_AS is already below the test's cap");
  cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0, "setrlimit");
  pv_code c, was;
  memset(&c, 0x5a, sizeof c);
  was = c;
  int rc = pv_code_init(&c, &(pv_code_opts){max, 0, PV_CODE_FORCE_DUAL});
  const size_t after = ru_mapped_bytes();
  cr_assert_eq(setrlimit(RLIMIT_AS, &old), 0, "restore RLIMIT_AS");
  cr_assert_eq(rc, PV_ENOMEM, "init with room for one view: %s", pv_errname(rc));
  cr_assert_eq(memcmp(&c, &was, sizeof c), 0, "struct touched");
  cr_assert_lt(after, before + max / 2, "%zu MiB more mapped after the failed init",
               (after - before) >> 20);
}

#endif /* PV_ENABLE_EXEC */

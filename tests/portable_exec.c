/*
 * tests/portable_exec.c - executable pages and the JIT code buffer on every
 * platform: W^X refusals, code that runs (x86-64, in the host's calling
 * convention: SysV passes the first two integers in rdi/rsi, Win64 in
 * rcx/rdx), and the faults that prove W^X (a write to sealed code, a call
 * into pages that are not executable).
 */
#include "portable_test.h"

#include <string.h>

#include "os.h"
#include "paged_vec.h"

#define RX (PV_PROT_READ | PV_PROT_EXEC)

#if defined(PV_ENABLE_EXEC) && (defined(__x86_64__) || defined(_M_X64))
#define HAVE_CODE 1
/* add(a, b) = a + b as `lea rax, [a + b]; ret`. */
#if defined(_WIN32)
static const unsigned char code_add[] = {0x48, 0x8d, 0x04, 0x11, 0xc3}; /* [rcx+rdx] */
#else
static const unsigned char code_add[] = {0x48, 0x8d, 0x04, 0x37, 0xc3}; /* [rdi+rsi] */
#endif
typedef long long (*add_fn)(long long, long long);

/* Run add(a, b) under pt_faults: a call into pages that are not
 * executable must fault at the function's first byte. */
typedef struct call_arg {
  add_fn fn;
  long long result;
} call_arg;
static void do_call(void *arg) {
  call_arg *c = arg;
  c->result = c->fn(20, 22);
}
static add_fn as_add(const void *code) {
  add_fn f;
  memcpy(&f, &code, sizeof f);
  return f;
}
#else
#define HAVE_CODE 0
#endif

#ifdef PV_ENABLE_EXEC

static void wx_requests_are_refused(void) {
  pv_pages p, was;
  memset(&p, 0x5a, sizeof p);
  was = p;
  int rc = pv_pages_map(&p, 1, PV__PROT_RW | PV_PROT_EXEC, PV_MAP_ALLOW_EXEC);
  PT_CHECK(rc == PV_EACCES, "W+X map without ALLOW_WX: %s", pv_errname(rc));
  PT_CHECK(memcmp(&p, &was, sizeof p) == 0, "struct touched");
  PT_REQUIRE(pv_pages_map(&p, 1, PV__PROT_RW, PV_MAP_ALLOW_EXEC) == 0, "map");
  was = p;
  rc = pv_pages_protect(&p, PV__PROT_RW | PV_PROT_EXEC);
  PT_CHECK(rc == PV_EACCES, "W+X protect: %s", pv_errname(rc));
  PT_CHECK(memcmp(&p, &was, sizeof p) == 0, "struct changed");
  PT_CHECK(pv_pages_fn(&p, 0) == NULL, "fn of pages that are not executable");
  PT_CHECK(pv_pages_unmap(&p) == 0, "unmap");
}

#if HAVE_CODE
static void exec_pages_run_and_fault(void) {
  pv_pages p;
  PT_REQUIRE(pv_pages_map(&p, sizeof code_add, PV__PROT_RW, PV_MAP_ALLOW_EXEC) == 0, "map");
  memcpy(p.addr, code_add, sizeof code_add);
  /* Not executable yet: a call faults at the function's first byte (DEP on
   * Windows, NX on Linux). */
  call_arg c = {as_add(p.addr), 0};
  pt_fault f = pt_faults(do_call, &c);
  PT_CHECK(f.faulted, "calling read-write pages did not fault");
  PT_CHECK(f.addr == p.addr, "exec fault at %p, code at %p", f.addr, p.addr);
  PT_CHECK(f.access == PT_ACCESS_UNKNOWN || f.access == PT_ACCESS_EXEC,
           "fault recorded as access kind %d, not an execute", (int)f.access);
  PT_REQUIRE(pv_pages_protect(&p, RX) == 0, "protect RX");
  add_fn add = (add_fn)pv_pages_fn(&p, 0);
  PT_REQUIRE(add != NULL, "pv_pages_fn");
  c.fn = add;
  f = pt_faults(do_call, &c);
  PT_CHECK(!f.faulted && c.result == 42, "add(20, 22) = %lld (faulted %d)", c.result,
           f.faulted);
  PT_CHECK(add(-5, 3) == -2, "add(-5, 3)");
  /* Executable means not writable. */
  pt_access_arg a = {p.addr, 0x90};
  f = pt_faults(pt_do_write, &a);
  PT_CHECK(f.faulted, "writing executable pages did not fault");
  PT_CHECK(memcmp(p.addr, code_add, sizeof code_add) == 0, "code changed");
  PT_CHECK(pv_pages_unmap(&p) == 0, "unmap");
}

/* The code buffer: append, seal, run, reopen (a call faults), patch, run. */
static void code_buffer(unsigned flags) {
  const long long live = pv__os_live_bytes();
  pv_code c;
  pv_code_opts o = {0, 0, flags};
  int rc = pv_code_init(&c, &o);
#ifdef _WIN32
  if (flags & PV_CODE_FORCE_DUAL) {
    PT_CHECK(rc == PV_ENOTSUP, "dual mapping on Windows: %s", pv_errname(rc));
    return;
  }
#endif
  PT_REQUIRE(rc == 0, "init: %s", pv_errname(rc));
  pt_note("scheme %s", pv_code_scheme_name(pv_code_scheme(&c)));
  if (flags & PV_CODE_FORCE_DUAL)
    PT_CHECK(pv_code_scheme(&c) == PV_CODE_SCHEME_DUAL, "forced dual");
  size_t off0, off1;
  PT_REQUIRE(pv_code_append(&c, code_add, sizeof code_add, &off0) == 0, "append");
  /* Pad past a few pages, so the second copy lands after growth. */
  void *pad;
  PT_REQUIRE(pv_code_emit(&c, 3 * pv_page_size(), &pad, NULL) == 0, "emit");
  memset(pad, 0xcc, 3 * pv_page_size()); /* int3 */
  const void *x0 = pv_code_exec_addr(&c, off0);
  PT_REQUIRE(pv_code_append(&c, code_add, sizeof code_add, &off1) == 0, "append 2");
  PT_CHECK(pv_code_exec_addr(&c, off0) == x0, "growth moved the code");
  PT_REQUIRE(pv_code_seal(&c) == 0, "seal");
  call_arg k = {(add_fn)pv_code_fn(&c, off0), 0};
  pt_fault f = pt_faults(do_call, &k);
  PT_CHECK(!f.faulted && k.result == 42, "first add = %lld (faulted %d)", k.result,
           f.faulted);
  k.fn = (add_fn)pv_code_fn(&c, off1);
  k.result = 0;
  f = pt_faults(do_call, &k);
  PT_CHECK(!f.faulted && k.result == 42, "second add = %lld (faulted %d)", k.result,
           f.faulted);
  /* Sealed: no view is writable. */
  pt_access_arg a = {(unsigned char *)(uintptr_t)x0, 0x90};
  PT_CHECK(pt_faults(pt_do_write, &a).faulted, "sealed code is writable");
  PT_REQUIRE(pv_code_reopen(&c) == 0, "reopen");
  PT_REQUIRE(pv_code_reopen(&c) == 0, "second reopen is a no-op");
  /* Open: not executable. */
  f = pt_faults(do_call, &k);
  PT_CHECK(f.faulted, "calling into an open buffer did not fault");
  PT_CHECK(f.addr == pv_code_exec_addr(&c, off1), "fault at %p, code at %p", f.addr,
           pv_code_exec_addr(&c, off1));
  /* Patch the second copy into a subtraction: sub rax-form via lea is not
   * possible, so emit `mov rax, a; sub rax, b; ret`. */
#if defined(_WIN32)
  const unsigned char sub[] = {0x48, 0x89, 0xc8, 0x48, 0x29, 0xd0, 0xc3}; /* rcx, rdx */
#else
  const unsigned char sub[] = {0x48, 0x89, 0xf8, 0x48, 0x29, 0xf0, 0xc3}; /* rdi, rsi */
#endif
  PT_CHECK(pv_code_patch(&c, off1, sub, sizeof sub) == PV_ERANGE, "patch past len");
  PT_REQUIRE(pv_code_truncate(&c, off1) == 0, "truncate");
  PT_REQUIRE(pv_code_append(&c, sub, sizeof sub, &off1) == 0, "append sub");
  PT_REQUIRE(pv_code_seal(&c) == 0, "seal again");
  k.fn = (add_fn)pv_code_fn(&c, off1);
  f = pt_faults(do_call, &k);
  PT_CHECK(!f.faulted && k.result == -2, "sub(20, 22) = %lld (faulted %d)", k.result,
           f.faulted);
  PT_CHECK(pv_code_destroy(&c) == 0, "destroy");
  PT_CHECK(pv__os_live_bytes() == live, "address space leaked");
}
static void code_buffer_default(void) { code_buffer(0); }
static void code_buffer_dual(void) { code_buffer(PV_CODE_FORCE_DUAL); }
#endif /* HAVE_CODE */

/* The code buffer's errors, on every architecture. */
static void code_buffer_errors(void) {
  pv_code c, was;
  memset(&c, 0x5a, sizeof c);
  was = c;
  pv_code_opts bad = {0, 0, PV_CODE_FORCE_DUAL | PV_CODE_NO_DUAL};
  PT_CHECK(pv_code_init(&c, &bad) == PV_EINVAL, "both scheme flags");
  bad.flags = 0;
  bad.max_size = SIZE_MAX;
  PT_CHECK(pv_code_init(&c, &bad) == PV_EOVERFLOW, "max_size overflow");
  PT_CHECK(memcmp(&c, &was, sizeof c) == 0, "struct touched");
  pv__os_fault_set(1, PV_ENOMEM);
  int rc = pv_code_init(&c, NULL);
  pv__os_fault_set(0, 0);
  PT_CHECK(rc == PV_ENOMEM, "injected ENOMEM: %s", pv_errname(rc));
  PT_CHECK(memcmp(&c, &was, sizeof c) == 0, "struct touched by a refused init");
  pv_code_opts small = {pv_page_size(), 0, 0};
  PT_REQUIRE(pv_code_init(&c, &small) == 0, "init one page");
  void *w;
  PT_REQUIRE(pv_code_emit(&c, pv_page_size(), &w, NULL) == 0, "fill");
  memset(w, 0xcc, pv_page_size());
  was = c;
  PT_CHECK(pv_code_append(&c, "x", 1, NULL) == PV_ENOSPC, "past max_size");
  PT_REQUIRE(pv_code_seal(&c) == 0, "seal");
  PT_CHECK(pv_code_append(&c, "x", 1, NULL) == PV_EACCES, "append while sealed");
  PT_CHECK(c.len == was.len && c.cap == was.cap, "failed appends changed the buffer");
  PT_CHECK(pv_code_destroy(&c) == 0, "destroy");
}

#else /* !PV_ENABLE_EXEC */

static void exec_compiled_out(void) {
  pv_pages p;
  PT_CHECK(pv_pages_map(&p, 1, RX, PV_MAP_ALLOW_EXEC) == PV_ENOTSUP, "exec map");
  pv_code c;
  PT_CHECK(pv_code_init(&c, NULL) == PV_ENOTSUP, "code buffer");
}

#endif

const pt_test pt_exec_tests[] = {
#ifdef PV_ENABLE_EXEC
    {"exec/wx_requests_are_refused", wx_requests_are_refused},
#if HAVE_CODE
    {"exec/exec_pages_run_and_fault", exec_pages_run_and_fault},
    {"exec/code_buffer", code_buffer_default},
    {"exec/code_buffer_forced_dual", code_buffer_dual},
#endif
    {"exec/code_buffer_errors", code_buffer_errors},
#else
    {"exec/exec_compiled_out", exec_compiled_out},
#endif
    {NULL, NULL}};

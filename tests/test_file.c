/*
 * tests/test_file.c - vectors that live in files (paged_vec/file.h,
 * lib/store_file.c): create / push / close / reopen, every option and
 * error code with "nothing changed" (the vector and the file's bytes),
 * read-only and frozen mappings faulting on a raw write, malformed files,
 * the crash test (a child SIGKILLed while pushing: the reopened file is a
 * prefix), a full disk (RLIMIT_FSIZE), a second writer, a reader in
 * another process, the file never cut below len, STABLE file vectors,
 * advice (WILLNEED reads ahead without dirtying; PAGEOUT drops synced
 * pages and keeps every byte), populate on a file, and the fault sweep
 * over open, growth, shrink, sync and close.
 *
 * Every test works in its own fresh directory under $TMPDIR (or /tmp).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "childrun.h"
#include "npy.h"
#include "testutil.h"
#include "vecutil.h"

/* ---- helpers ---------------------------------------------------------------- */

static char dir[256];

/* A fresh directory for this test (Criterion runs each test in its own
 * process, so one static path is enough). */
static void fresh_dir(void) {
  const char *t = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/pv_file_XXXXXX", t != NULL && *t ? t : "/tmp");
  cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

/* The path of `name` in the test's directory (a static buffer per slot). */
static const char *path_of(const char *name) {
  static char buf[4][512];
  static int slot;
  char *p = buf[slot++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", dir, name);
  return p;
}

static void rm_dir(void) {
  DIR *d = opendir(dir);
  if (d == NULL) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      unlink(path_of(e->d_name));
  closedir(d);
  rmdir(dir);
}

TestSuite(file, .init = fresh_dir, .fini = rm_dir);

static long long file_size(const char *p) {
  struct stat st;
  if (stat(p, &st) != 0) return -1;
  return (long long)st.st_size;
}

/* The whole file in a malloc'd buffer (*n bytes). */
static unsigned char *slurp(const char *p, size_t *n) {
  FILE *f = fopen(p, "rb");
  cr_assert_not_null(f, "fopen %s: %s", p, strerror(errno));
  long long sz = file_size(p);
  unsigned char *b = malloc((size_t)sz + 1);
  cr_assert_not_null(b);
  cr_assert_eq(fread(b, 1, (size_t)sz, f), (size_t)sz);
  fclose(f);
  *n = (size_t)sz;
  return b;
}

/* Assert that the file at p still holds the n bytes of `before` (a slurp
 * taken earlier), then free them. */
static void expect_file_is(const char *p, unsigned char *before, size_t n,
                           const char *what) {
  size_t n1;
  unsigned char *after = slurp(p, &n1);
  cr_assert(n1 == n && memcmp(before, after, n) == 0, "%s: file bytes changed", what);
  free(before);
  free(after);
}

static void spit(const char *p, const void *b, size_t n) {
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f, "fopen %s: %s", p, strerror(errno));
  cr_assert_eq(fwrite(b, 1, n, f), n);
  cr_assert_eq(fclose(f), 0);
}

/* Descriptors this process has open (a leak shows as one more). */
static int fd_count(void) {
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) return -1;
  int n = 0;
  while (readdir(d) != NULL) n++;
  closedir(d);
  return n;
}

static pv_vec_file_opts u64_opts(unsigned flags) {
  pv_vec_file_opts o;
  memset(&o, 0, sizeof o);
  o.elem_size = 8;
  o.flags = flags;
  o.dtype = "<u8";
  return o;
}

/* A new file vector of n u64 0..n-1, closed. */
static void make_u64(const char *p, size_t n) {
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE | PV_OPEN_TRUNCATE);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  vu_push_seq(&v, 0, n);
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

/* The header of the file at p, parsed by the library's own parser. */
static pv__npy_header header_of(const char *p) {
  size_t n;
  unsigned char *b = slurp(p, &n);
  pv__npy_header h;
  cr_assert_eq(pv__npy_parse(b, n, n, &h), 0, "%s: header does not parse", p);
  free(b);
  return h;
}

/* ---- create, reopen -------------------------------------------------------- */

Test(file, create_push_close_reopen) {
  const char *p = path_of("a.npy");
  make_u64(p, 100000);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + 100000 * 8),
               "closed: header + len elements");
  pv__npy_header h = header_of(p);
  cr_assert_eq(h.len, 100000);
  cr_assert_eq(h.data_offset, PV_FILE_DATA_OFFSET);
  cr_assert_str_eq(h.descr, "<u8");

  pv_vec v;
  pv_vec_file_opts o;
  memset(&o, 0, sizeof o); /* elem_size 0: from the header */
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  cr_assert_eq(v.len, 100000);
  cr_assert_eq(v.elem_size, 8);
  cr_assert_geq(v.cap, v.len);
  cr_assert_eq((uintptr_t)v.data % pv_page_size(), 0, "data page-aligned");
  vu_check_seq(&v, 100000);
  vu_push_seq(&v, 100000, 5);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(header_of(p).len, 100005);

  o.dtype = "<u8";
  cr_assert_eq(pv_vec_open(&v, p, &o), 0, "the same dtype");
  vu_check_seq(&v, 100005);
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

Test(file, default_dtype_is_raw_bytes) {
  const char *p = path_of("raw.npy");
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  o.elem_size = 24;
  o.dtype = NULL;
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  unsigned char e[24];
  memset(e, 7, sizeof e);
  cr_assert_eq(pv_vec_push(&v, e), 0);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  pv__npy_header h = header_of(p);
  cr_assert_str_eq(h.descr, "|V24");
  cr_assert_eq(h.len, 1);
  cr_assert_eq(h.elem_size, 24);
}

/* Opening with options that disagree with the file: PV_EBADF, nothing
 * written, nothing held. */
Test(file, mismatched_reopen_changes_nothing) {
  const char *p = path_of("m.npy");
  make_u64(p, 1000);
  size_t n0;
  unsigned char *before = slurp(p, &n0);
  long long live0 = ru_live_bytes();
  int fds0 = fd_count();
  pv_vec v;
  memset(&v, 0xab, sizeof v);
  pv_vec w = v;
  pv_vec_file_opts o = u64_opts(0);
  o.elem_size = 4;
  o.dtype = NULL;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EBADF, "item size 8, asked 4");
  o = u64_opts(0);
  o.dtype = "<i8";
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EBADF, "dtype <u8, asked <i8");
  o.flags = PV_OPEN_READONLY;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EBADF, "read-only too");
  o = u64_opts(0);
  o.grow = PV_GROW_STABLE;
  o.max_len = 999;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "STABLE below the file's len");
  cr_assert_eq(memcmp(&v, &w, sizeof v), 0, "*v not written");
  cr_assert_eq(ru_live_bytes(), live0, "nothing mapped");
  cr_assert_eq(fd_count(), fds0, "no descriptor left open");
  expect_file_is(p, before, n0, "unchanged");
}

/* ---- argument errors --------------------------------------------------------- */

Test(file, bad_arguments) {
  const char *p = path_of("x.npy");
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(NULL, p, &o), PV_EINVAL);
  cr_assert_eq(pv_vec_open(&v, NULL, &o), PV_EINVAL);
  cr_assert_eq(pv_vec_open(&v, p, NULL), PV_EINVAL);
  o.flags = 1u << 9;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "unknown flag");
  o.flags = PV_OPEN_READONLY | PV_OPEN_CREATE;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "READONLY + CREATE");
  o.flags = PV_OPEN_READONLY | PV_OPEN_TRUNCATE;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "READONLY + TRUNCATE");
  o.flags = PV_OPEN_EXCL;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "EXCL without CREATE");
  o = u64_opts(PV_OPEN_CREATE);
  o.elem_size = 0;
  o.dtype = NULL;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "CREATE without elem_size");
  o = u64_opts(PV_OPEN_CREATE);
  o.dtype = "<u4";
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "dtype of another size");
  o.dtype = "O";
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "dtype not accepted");
  o = u64_opts(PV_OPEN_CREATE);
  o.grow = PV_GROW_COPY;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "COPY");
  o.grow = (pv_grow)42;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "unknown grow");
  o.grow = PV_GROW_STABLE;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "STABLE with max_len 0");
  o = u64_opts(PV_OPEN_CREATE);
  o.mode = 010000;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EINVAL, "mode");
  cr_assert_eq(file_size(p), -1, "no file was made by any of them");
  o = u64_opts(0);
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_ENOENT, "no such file");
  cr_assert_eq(pv_vec_open(&v, dir, &o), PV_EINVAL, "a directory");
  o.flags = PV_OPEN_READONLY;
  cr_assert_eq(pv_vec_open(&v, dir, &o), PV_EINVAL, "a directory, read-only");

  /* sync */
  cr_assert_eq(pv_vec_sync(NULL, PV_SYNC_WAIT), PV_EINVAL);
  pv_vec m;
  cr_assert_eq(pv_vec_init(&m, 8), 0);
  cr_assert_eq(pv_vec_sync(&m, PV_SYNC_WAIT), PV_EINVAL, "not a file vector");
  pv_vec_destroy(&m);
  cr_assert_eq(pv_vec_sync(&m, PV_SYNC_WAIT), PV_EINVAL, "destroyed");
  make_u64(p, 3);
  o = u64_opts(0);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  cr_assert_eq(pv_vec_sync(&v, 0), PV_EINVAL, "no flag");
  cr_assert_eq(pv_vec_sync(&v, PV_SYNC_WAIT | PV_SYNC_ASYNC), PV_EINVAL, "both");
  cr_assert_eq(pv_vec_sync(&v, 1u << 7), PV_EINVAL, "unknown");
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

Test(file, mode_is_masked_by_umask) {
  mode_t old = umask(022);
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, path_of("d.npy"), &o), 0);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  o.mode = 0600;
  cr_assert_eq(pv_vec_open(&v, path_of("m.npy"), &o), 0);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  umask(old);
  struct stat st;
  cr_assert_eq(stat(path_of("d.npy"), &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0644, "0666 & ~022: %o", st.st_mode & 0777);
  cr_assert_eq(stat(path_of("m.npy"), &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0600, "mode 0600: %o", st.st_mode & 0777);
}

Test(file, descriptor_is_close_on_exec) {
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  int before = fd_count();
  cr_assert_eq(pv_vec_open(&v, path_of("c.npy"), &o), 0);
  cr_assert_eq(fd_count(), before + 1);
  /* Find the vector's descriptor: the one /proc says is the file. */
  int found = -1;
  char want[PATH_MAX], link[64], got[PATH_MAX];
  cr_assert_not_null(realpath(path_of("c.npy"), want));
  for (int fd = 0; fd < 1024 && found < 0; fd++) {
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, got, sizeof got - 1);
    if (n <= 0) continue;
    got[n] = '\0';
    if (strcmp(got, want) == 0) found = fd;
  }
  cr_assert_geq(found, 0, "the file's descriptor");
  cr_assert_neq(fcntl(found, F_GETFD) & FD_CLOEXEC, 0, "FD_CLOEXEC on fd %d", found);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(fd_count(), before, "closed");
}

/* ---- EXCL, TRUNCATE, an empty file ------------------------------------------ */

Test(file, excl_refuses_an_existing_file_and_a_symlink) {
  const char *p = path_of("e.npy"), *target = path_of("target"), *link = path_of("link");
  make_u64(p, 10);
  pv_vec v, junk;
  memset(&v, 0x5a, sizeof v);
  junk = v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE | PV_OPEN_EXCL);
  size_t n0, n1;
  unsigned char *b0 = slurp(p, &n0);
  /* PV_EEXIST, not PV_EBUSY: nobody holds the file, it is just there. */
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EEXIST, "exists");
  cr_assert_eq(memcmp(&v, &junk, sizeof v), 0, "a refused open wrote *v");
  unsigned char *b1 = slurp(p, &n1);
  cr_assert(n1 == n0 && memcmp(b0, b1, n0) == 0, "the file changed");
  free(b0);
  free(b1);
  cr_assert_eq(header_of(p).len, 10, "untouched");
  cr_assert_eq(symlink(target, link), 0);
  cr_assert_eq(pv_vec_open(&v, link, &o), PV_EEXIST, "a planted symlink");
  cr_assert_eq(memcmp(&v, &junk, sizeof v), 0, "a refused open wrote *v");
  cr_assert_eq(file_size(target), -1, "the link was not followed");
  /* Without EXCL a symlink is followed, as open(2) does. */
  o.flags = PV_OPEN_CREATE;
  cr_assert_eq(pv_vec_open(&v, link, &o), 0);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(file_size(target), (long long)PV_FILE_DATA_OFFSET);
  o.flags = PV_OPEN_CREATE | PV_OPEN_EXCL;
  cr_assert_eq(pv_vec_open(&v, path_of("new.npy"), &o), 0, "a new path");
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

Test(file, truncate_starts_over) {
  const char *p = path_of("t.npy");
  make_u64(p, 5000);
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_TRUNCATE);
  o.elem_size = 4;
  o.dtype = "<f4";
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  cr_assert_eq(v.len, 0);
  cr_assert_eq(v.elem_size, 4);
  float x = 1.5f;
  cr_assert_eq(pv_vec_push(&v, &x), 0);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  pv__npy_header h = header_of(p);
  cr_assert_eq(h.len, 1);
  cr_assert_str_eq(h.descr, "<f4");
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + 4));
}

Test(file, empty_file_needs_create) {
  const char *p = path_of("empty.npy");
  spit(p, "", 0);
  pv_vec v;
  pv_vec_file_opts o = u64_opts(0);
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EBADF, "empty, no CREATE");
  o.flags = PV_OPEN_READONLY;
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_EBADF, "empty, read-only");
  cr_assert_eq(file_size(p), 0, "untouched");
  o.flags = PV_OPEN_CREATE;
  cr_assert_eq(pv_vec_open(&v, p, &o), 0, "CREATE makes it a vector");
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(header_of(p).len, 0);
}

/* ---- read-only and frozen ---------------------------------------------------- */

static void open_ro(pv_vec *v, const char *p) {
  pv_vec_file_opts o;
  memset(&o, 0, sizeof o);
  o.flags = PV_OPEN_READONLY;
  cr_assert_eq(pv_vec_open(v, p, &o), 0);
}

Test(file, readonly_refuses_every_mutator) {
  const char *p = path_of("r.npy");
  make_u64(p, 3000);
  size_t n0;
  unsigned char *before = slurp(p, &n0);
  pv_vec v, other;
  open_ro(&v, p);
  cr_assert(pv_vec_frozen(&v), "a read-only vector is frozen");
  vu_check_seq(&v, 3000);
  cr_assert_eq(pv_vec_init(&other, 8), 0);
  uint64_t x = 1, out;
  void *slot;
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_push(&v, &x), "push");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_push_slot(&v, &slot), "push_slot");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_set(&v, 0, &x), "set");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_pop(&v, &out), "pop");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_append(&v, &x, 1), "append");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_insert(&v, 0, &x, 1), "insert");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_remove(&v, 0, 1, NULL), "remove");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_truncate(&v, 1), "truncate");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_clear(&v), "clear");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_reserve(&v, 100000), "reserve");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_shrink_to_fit(&v), "shrink_to_fit");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_swap(&v, 0, 1), "swap");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_split_off(&v, 1, &other), "split_off");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_copy(&v, &other), "copy into");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_thaw(&v), "thaw");
  SW_EXPECT_UNCHANGED(&v, 0, 0, 0, pv_vec_freeze(&v), "freeze: already");
  SW_EXPECT_UNCHANGED(&v, 0, 0, 0, pv_vec_sync(&v, PV_SYNC_WAIT), "sync: nothing to write");
  cr_assert_eq(pv_vec_copy(&other, &v), 0, "reading from it works");
  cr_assert(pv_vec_equal(&other, &v));
  cr_assert_eq(pv_vec_destroy(&other), 0);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  expect_file_is(p, before, n0, "unchanged");
}

Test(file, readonly_raw_write_faults, .signal = SIGSEGV) {
  const char *p = path_of("rw.npy");
  make_u64(p, 10);
  pv_vec v;
  open_ro(&v, p);
  ((volatile uint64_t *)v.data)[0] = 42; /* PROT_READ: SIGSEGV */
}

Test(file, frozen_raw_write_faults, .signal = SIGSEGV) {
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, path_of("f.npy"), &o), 0);
  vu_push_seq(&v, 0, 1000);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  ((volatile uint64_t *)v.data)[0] = 42;
}

Test(file, freeze_sync_thaw_close) {
  const char *p = path_of("fz.npy");
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  vu_push_seq(&v, 0, 777);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  cr_assert_eq(header_of(p).len, 777, "freeze wrote the len");
  uint64_t x = 5;
  cr_assert_eq(pv_vec_push(&v, &x), PV_EACCES);
  cr_assert_eq(pv_vec_sync(&v, PV_SYNC_WAIT), 0, "sync while frozen");
  cr_assert_eq(pv_vec_thaw(&v), 0);
  vu_push_seq(&v, 777, 1);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  cr_assert_eq(pv_vec_destroy(&v), 0, "destroy while frozen");
  cr_assert_eq(header_of(p).len, 778);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + 778 * 8));
}

/* ---- a file another program wrote -------------------------------------------- */

/* A NumPy-style v1.0 file: header padded to `total` (a multiple of 64),
 * then n u64 0..n-1. */
static void write_foreign(const char *p, size_t total, size_t n, const char *dict_fmt) {
  size_t bytes = total + n * 8;
  unsigned char *b = calloc(1, bytes);
  cr_assert_not_null(b);
  memcpy(b, "\x93NUMPY\x01\x00", 8);
  b[8] = (unsigned char)((total - 10) & 0xff);
  b[9] = (unsigned char)((total - 10) >> 8);
  char dict[512];
  int k = snprintf(dict, sizeof dict, dict_fmt, n);
  cr_assert(k > 0 && (size_t)k + 11 <= total);
  memset(b + 10, ' ', total - 10);
  memcpy(b + 10, dict, (size_t)k);
  b[total - 1] = '\n';
  for (size_t i = 0; i < n; i++) {
    uint64_t x = i;
    memcpy(b + total + i * 8, &x, 8);
  }
  spit(p, b, bytes);
  free(b);
}

static const char numpy_dict[] = "{'descr': '<u8', 'fortran_order': False, 'shape': (%zu,), }";

Test(file, foreign_file_opens_readonly_only) {
  const char *p = path_of("np.npy");
  write_foreign(p, 128, 1000, numpy_dict);
  size_t n0;
  unsigned char *before = slurp(p, &n0);
  pv_vec v;
  open_ro(&v, p);
  cr_assert_eq(v.len, 1000);
  cr_assert_eq(v.elem_size, 8);
  cr_assert_eq((uintptr_t)v.data % pv_page_size(), 128, "data where NumPy put it: 128 bytes in");
  vu_check_seq(&v, 1000);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  pv_vec_file_opts o = u64_opts(0);
  long long live0 = ru_live_bytes();
  cr_assert_eq(pv_vec_open(&v, p, &o), PV_ENOTSUP, "writable: cannot rewrite its len");
  cr_assert_eq(ru_live_bytes(), live0);
  expect_file_is(p, before, n0, "unchanged");
}

/* Every malformed file: PV_EBADF, writable or read-only, bytes unchanged. */
Test(file, malformed_files_are_ebadf_and_untouched) {
  static const char *const dicts[] = {
      "{'descr': '<u8', 'fortran_order': True, 'shape': (%zu,), }",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (%zu, 2), }",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (), }%.0zu",
      "{'descr': 'O', 'fortran_order': False, 'shape': (%zu,), }",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (%zu,) ",
      "{'descr': '<u8', 'shape': (%zu,), }",
      "not a dict at all %zu",
  };
  const char *p = path_of("bad.npy");
  long long live0 = ru_live_bytes();
  int fds0 = fd_count();
  for (size_t i = 0; i < sizeof dicts / sizeof dicts[0] + 3; i++) {
    if (i < sizeof dicts / sizeof dicts[0]) {
      write_foreign(p, 128, 16, dicts[i]);
    } else if (i == sizeof dicts / sizeof dicts[0]) {
      write_foreign(p, 128, 16, numpy_dict); /* then cut short: */
      cr_assert_eq(truncate(p, 128 + 16 * 8 - 1), 0);
    } else if (i == sizeof dicts / sizeof dicts[0] + 1) {
      make_u64(p, 16); /* wrong magic */
      FILE *f = fopen(p, "r+b");
      fputc('X', f);
      fclose(f);
    } else {
      make_u64(p, 16); /* a header longer than the file */
      cr_assert_eq(truncate(p, 4096), 0);
    }
    size_t n0;
    unsigned char *before = slurp(p, &n0);
    for (int ro = 0; ro < 2; ro++) {
      pv_vec v;
      memset(&v, 0x5a, sizeof v);
      pv_vec w = v;
      pv_vec_file_opts o;
      memset(&o, 0, sizeof o);
      o.flags = ro ? PV_OPEN_READONLY : 0;
      int rc = pv_vec_open(&v, p, &o);
      cr_assert_eq(rc, PV_EBADF, "case %zu %s: %s", i, ro ? "ro" : "rw", pv_errname(rc));
      cr_assert_eq(memcmp(&v, &w, sizeof v), 0, "case %zu: *v not written", i);
    }
    char what[32];
    snprintf(what, sizeof what, "case %zu", i);
    expect_file_is(p, before, n0, what);
    cr_assert_eq(ru_live_bytes(), live0, "case %zu: nothing mapped", i);
    cr_assert_eq(fd_count(), fds0, "case %zu: nothing open", i);
  }
}

/* ---- sharing ---------------------------------------------------------------- */

Test(file, second_writer_is_ebusy_readers_are_not) {
  const char *p = path_of("s.npy");
  pv_vec w, w2, r;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&w, p, &o), 0);
  vu_push_seq(&w, 0, 4096);
  cr_assert_eq(pv_vec_sync(&w, PV_SYNC_WAIT), 0);
  long long live0 = ru_live_bytes();
  int fds0 = fd_count();
  o.flags = 0;
  cr_assert_eq(pv_vec_open(&w2, p, &o), PV_EBUSY, "a second writer, same process");
  o.flags = PV_OPEN_TRUNCATE;
  cr_assert_eq(pv_vec_open(&w2, p, &o), PV_EBUSY, "TRUNCATE never cuts a writer's file");
  cr_assert_eq(ru_live_bytes(), live0);
  cr_assert_eq(fd_count(), fds0);
  open_ro(&r, p);
  vu_check_seq(&r, 4096);
  cr_assert_eq(pv_vec_destroy(&r), 0);
  cr_assert_eq(pv_vec_destroy(&w), 0);
  o.flags = 0;
  cr_assert_eq(pv_vec_open(&w2, p, &o), 0, "the lock went with the writer");
  cr_assert_eq(pv_vec_destroy(&w2), 0);
}

static void reader_child(cr_child_report *rep, void *arg) {
  const char *p = arg;
  pv_vec r;
  pv_vec_file_opts o;
  memset(&o, 0, sizeof o);
  o.flags = PV_OPEN_READONLY;
  int rc = pv_vec_open(&r, p, &o);
  CHILD_CHECK(rep, rc == 0, "reader open: %s", pv_errname(rc));
  if (rc != 0) return;
  rep->n[0] = r.len;
  for (size_t i = 0; i < r.len; i++)
    if (((uint64_t *)r.data)[i] != i) {
      child_fail(rep, "element %zu is %llu", i, (unsigned long long)((uint64_t *)r.data)[i]);
      break;
    }
  pv_vec_destroy(&r);
  o.flags = 0;
  rc = pv_vec_open(&r, p, &o);
  CHILD_CHECK(rep, rc == PV_EBUSY, "writer in another process: %s", pv_errname(rc));
}

Test(file, reader_process_sees_synced_data) {
  const char *p = path_of("share.npy");
  pv_vec w;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&w, p, &o), 0);
  vu_push_seq(&w, 0, 50000);
  cr_assert_eq(pv_vec_sync(&w, PV_SYNC_ASYNC), 0);
  cr_child_report r = child_run(reader_child, (void *)p);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
  cr_assert_eq(r.n[0], 50000, "the reader saw the synced len");
  vu_push_seq(&w, 50000, 50000);
  cr_assert_eq(pv_vec_sync(&w, PV_SYNC_WAIT), 0);
  r = child_run(reader_child, (void *)p);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
  cr_assert_eq(r.n[0], 100000);
  cr_assert_eq(pv_vec_destroy(&w), 0);
}

/* ---- the file never shorter than len ---------------------------------------- */

Test(file, file_never_cut_below_len) {
  const char *p = path_of("n.npy");
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  for (int round = 0; round < 4; round++) {
    vu_push_seq(&v, v.len, 30000);
    cr_assert_geq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + v.len * 8));
    cr_assert_geq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + v.cap * 8),
                  "the whole capacity is file");
    cr_assert_eq(pv_vec_truncate(&v, v.len / 2), 0);
    cr_assert_eq(pv_vec_shrink_to_fit(&v), 0);
    cr_assert_geq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + v.len * 8),
                  "shrink keeps len");
    cr_assert_leq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + v.len * 8 + pv_page_size()),
                  "shrink gave the rest back");
    cr_assert_eq(header_of(p).len, v.len, "shrink wrote the len");
    cr_assert_eq(pv_vec_shrink_to(&v, v.len + 100000), 0, "above cap: nothing");
    cr_assert_eq(pv_vec_trim(&v), 0);
    cr_assert_geq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + v.cap * 8));
  }
  size_t len = v.len;
  vu_check_seq(&v, len);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + len * 8));
}

/* ---- STABLE ----------------------------------------------------------------- */

/* STABLE's promises, in whichever way the platform keeps them (the file
 * grown inside a reservation, or one view of the whole maximum). */
static void check_stable_never_moves(void) {
  const char *p = path_of("st.npy");
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  o.grow = PV_GROW_STABLE;
  o.max_len = 100000;
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  cr_assert_eq(pv__store_inspect(&v).kind, PV__STORE_FILE_STABLE);
  void *d = v.data;
  vu_push_seq(&v, 0, 100000);
  cr_assert_eq(v.data, d, "data never moves");
  cr_assert_eq(v.cap, 100000, "cap stops at max_len");
  uint64_t x = 1;
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_ENOSPC, pv_vec_push(&v, &x), "past max_len");
  cr_assert_eq(pv_vec_truncate(&v, 10), 0);
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0);
  cr_assert_eq(v.data, d);
  vu_push_seq(&v, 10, 50000);
  cr_assert_eq(v.data, d);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  o.flags = 0;
  o.max_len = 200000;
  cr_assert_eq(pv_vec_open(&v, p, &o), 0, "reopened STABLE");
  cr_assert_eq(v.len, 50010);
  d = v.data;
  vu_push_seq(&v, 50010, 100000);
  cr_assert_eq(v.data, d);
  vu_check_seq(&v, 150010);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + 150010 * 8), "cut at close");
}

Test(file, stable_never_moves_and_stops_at_max_len) { check_stable_never_moves(); }

/* ---- every element operation: the model test over a file vector ------------ */

Test(file, model_ops_on_a_file_vector) {
  /* tests/test_vec_model.c runs the full randomized model on file vectors
   * (FILE_*); here every operation once, against a memory twin. */
  const char *p = path_of("ops.npy");
  pv_vec f, m;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&f, p, &o), 0);
  cr_assert_eq(pv_vec_init(&m, 8), 0);
  uint64_t a[64];
  for (int i = 0; i < 64; i++) a[i] = (uint64_t)i * 7;
  for (int k = 0; k < 2; k++) {
    pv_vec *v = k ? &m : &f;
    cr_assert_eq(pv_vec_append(v, a, 64), 0);
    cr_assert_eq(pv_vec_insert(v, 3, a, 10), 0);
    cr_assert_eq(pv_vec_remove(v, 5, 4, NULL), 0);
    cr_assert_eq(pv_vec_swap_remove(v, 1, NULL), 0);
    cr_assert_eq(pv_vec_swap(v, 0, 7), 0);
    cr_assert_eq(pv_vec_extend_from_within(v, 2, 20), 0);
    cr_assert_eq(pv_vec_resize(v, 200, &a[3]), 0);
    cr_assert_eq(pv_vec_reserve(v, 10000), 0);
    cr_assert_eq(pv_vec_set(v, 4, &a[9]), 0);
    cr_assert_eq(pv_vec_pop(v, NULL), 0);
    cr_assert_eq(pv_vec_dedup(v, NULL, NULL), PV_EINVAL);
    cr_assert_eq(pv_vec_shrink_to_fit(v), 0);
    cr_assert_eq(pv_vec_sort(v, NULL), PV_EINVAL);
  }
  cr_assert(pv_vec_equal(&f, &m), "file vector and memory vector agree");
  size_t res = 0;
  int rc = pv_vec_resident(&f, &res);
  cr_assert(rc == 0 || rc == PV_ENOTSUP);
  cr_assert_eq(pv_vec_advise(&f, PV_ADVISE_SEQUENTIAL), 0);
  cr_assert_eq(pv_vec_advise(&f, PV_ADVISE_HUGEPAGE), 0);
  size_t len = f.len;
  cr_assert_eq(pv_vec_destroy(&f), 0);
  open_ro(&f, p);
  cr_assert_eq(f.len, len);
  cr_assert(pv_vec_equal(&f, &m), "and after the reopen");
  cr_assert_eq(pv_vec_destroy(&f), 0);
  cr_assert_eq(pv_vec_destroy(&m), 0);
}

/* ---- crash: SIGKILL while pushing ------------------------------------------- */

Test(file, sigkill_leaves_a_prefix) {
  const char *p = path_of("crash.npy");
  int fds[2];
  cr_assert_eq(pipe(fds), 0);
  fflush(NULL);
  pid_t pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0) {
    close(fds[0]);
    pv_vec v;
    pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
    if (pv_vec_open(&v, p, &o) != 0) _exit(2);
    for (uint64_t i = 0;; i++) {
      if (pv_vec_push(&v, &i) != 0) _exit(3);
      if (i == 300000) (void)!write(fds[1], "x", 1); /* "killed mid-way" */
    }
  }
  close(fds[1]);
  char c;
  cr_assert_eq(read(fds[0], &c, 1), 1, "the child pushed");
  usleep(20000); /* let it push (and grow) some more */
  kill(pid, SIGKILL);
  int st;
  waitpid(pid, &st, 0);
  close(fds[0]);
  cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed");
  pv__npy_header h = header_of(p); /* parses: never more than the file holds */
  cr_assert_geq(h.len, 300000 / 2, "a recent growth's len: %zu", h.len);
  pv_vec v;
  pv_vec_file_opts o = u64_opts(0);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0, "reopened after SIGKILL");
  cr_assert_eq(v.len, h.len);
  vu_check_seq(&v, v.len); /* a prefix of what was pushed */
  fprintf(stderr, "# sigkill: reopened with len %zu (file %lld bytes)\n", v.len, file_size(p));
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

/* ---- a full disk: RLIMIT_FSIZE ----------------------------------------------- */

static void fsize_child(cr_child_report *rep, void *arg) {
  const char *p = arg;
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit rl = {(rlim_t)(PV_FILE_DATA_OFFSET + (1u << 20)),
                      (rlim_t)(PV_FILE_DATA_OFFSET + (1u << 20))};
  CHILD_CHECK(rep, setrlimit(RLIMIT_FSIZE, &rl) == 0, "setrlimit");
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  int rc = pv_vec_open(&v, p, &o);
  CHILD_CHECK(rep, rc == 0, "open: %s", pv_errname(rc));
  if (rc != 0) return;
  uint64_t i = 0;
  for (;; i++) {
    if (v.len == v.cap) {
      pv_vec was = v;
      rc = pv_vec_push(&v, &i);
      if (rc != 0) {
        CHILD_CHECK(rep, rc == PV_ENOSPC, "push at the limit: %s", pv_errname(rc));
        CHILD_CHECK(rep, memcmp(&was, &v, sizeof v) == 0, "vector changed");
        break;
      }
    } else if ((rc = pv_vec_push(&v, &i)) != 0) {
      child_fail(rep, "push with room: %s", pv_errname(rc));
      return;
    }
  }
  rep->n[0] = v.len;
  for (size_t k = 0; k < v.len; k++)
    if (((uint64_t *)v.data)[k] != k) {
      child_fail(rep, "element %zu changed", k);
      break;
    }
  rc = pv_vec_reserve_exact(&v, 1000000);
  CHILD_CHECK(rep, rc == PV_ENOSPC, "reserve past the limit: %s", pv_errname(rc));
  rc = pv_vec_destroy(&v);
  CHILD_CHECK(rep, rc == 0, "destroy: %s", pv_errname(rc));
}

Test(file, file_size_limit_is_enospc_and_changes_nothing) {
  const char *p = path_of("full.npy");
  cr_child_report r = child_run(fsize_child, (void *)p);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
  cr_assert_gt(r.n[0], 0);
  cr_assert_leq(r.n[0] * 8, 1u << 20);
  pv_vec v;
  open_ro(&v, p);
  cr_assert_eq(v.len, r.n[0], "the file holds what the vector held");
  vu_check_seq(&v, v.len);
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

/* ---- the fault sweep: every OS call of open, growth, shrink, sync, close --- */

/* The state a swept operation starts from. */
enum fstate {
  FS_NONE,    /* no vector, no file (open creating) */
  FS_CLOSED,  /* a closed file of FILE_N elements (open existing) */
  FS_FULL,    /* open, len == cap: the next push grows */
  FS_SLACK,   /* open, a few elements in a large capacity */
  FS_FROZEN   /* FS_FULL, frozen */
};

enum { FILE_N = 1000 };

typedef struct fctx {
  const char *name;
  enum fstate state;
  unsigned flags;  /* PV_OPEN_* of the open (setup and op) */
  pv_grow grow;
  int (*op)(struct fctx *);
  pv_vec v;
  size_t len0;     /* len before the op */
  int fds;         /* descriptors open before the op */
} fctx;

static const char *fpath(void) { return path_of("sweep.npy"); }

static pv_vec_file_opts fopts(const fctx *c, unsigned flags) {
  pv_vec_file_opts o = u64_opts(flags);
  o.grow = c->grow;
  o.max_len = c->grow == PV_GROW_STABLE ? 1u << 20 : 0;
  if (flags & PV_OPEN_READONLY) o.dtype = NULL, o.elem_size = 0;
  return o;
}

static void f_setup(void *ctx) {
  fctx *c = ctx;
  unlink(fpath());
  memset(&c->v, 0x6b, sizeof c->v); /* junk until opened */
  if (c->state == FS_NONE) return;
  make_u64(fpath(), FILE_N);
  if (c->state == FS_CLOSED) return;
  pv_vec_file_opts o = fopts(c, 0);
  cr_assert_eq(pv_vec_open(&c->v, fpath(), &o), 0, "%s: setup open", c->name);
  pv_vec *v = &c->v;
  if (c->state == FS_SLACK) {
    cr_assert_eq(pv_vec_reserve_exact(v, 8 * pv_page_size()), 0);
    cr_assert_eq(pv_vec_truncate(v, 3), 0);
  } else {
    vu_push_seq(v, v->len, v->cap - v->len);
  }
  if (c->state == FS_FROZEN) cr_assert_eq(pv_vec_freeze(v), 0);
}

static bool f_open_state(const fctx *c) { return c->state == FS_NONE || c->state == FS_CLOSED; }

static void f_take(void *ctx, sw_snap *s) {
  fctx *c = ctx;
  c->len0 = f_open_state(c) ? 0 : c->v.len;
  if (f_open_state(c)) sw_take(s, &c->v, sizeof c->v, NULL, 0, NULL, 0);
  else sw_take_vec(s, &c->v);
  c->fds = fd_count();
}

/* A failure closed nothing it should not and left nothing open; a close
 * whose last step (the descriptor's close) failed has released the vector
 * all the same (file.h): then the snapshot is of the released vector. */
static void f_allow(void *ctx, sw_snap *s) {
  fctx *c = ctx;
  if (c->v.pv_store == NULL && !f_open_state(c)) {
    cr_assert_eq(fd_count(), c->fds - 1, "%s: a failed close keeps its descriptor", c->name);
    sw_drop(s);
    sw_take(s, &c->v, sizeof c->v, NULL, 0, NULL, 0);
    return;
  }
  cr_assert_eq(fd_count(), c->fds, "%s: a failure opened or closed a descriptor (%d -> %d)",
               c->name, c->fds, fd_count());
}

static void f_after(void *ctx, const sw_snap *before, const char *where) {
  fctx *c = ctx;
  (void)before;
  pv_vec *v = &c->v;
  if (c->op == NULL) return;
  if (v->pv_store == NULL) { /* closed */
    const long long cut = (long long)(PV_FILE_DATA_OFFSET + c->len0 * 8);
    if (!pv__os_caps_get()->can_cut_mapped && file_size(fpath()) != cut) {
      /* Where the cut comes after the unmap (Windows), a failed cut leaves
       * the file longer, with the header's len right (file.h). */
      cr_assert_gt(file_size(fpath()), cut, "%s: cut below the elements", where);
      cr_assert_eq(header_of(fpath()).len, c->len0, "%s: the header's len", where);
    } else {
      cr_assert_eq(file_size(fpath()), cut, "%s: the file cut to its elements", where);
    }
    pv_vec r;
    open_ro(&r, fpath());
    vu_check_seq(&r, c->len0);
    cr_assert_eq(pv_vec_destroy(&r), 0);
    return;
  }
  size_t want = c->state == FS_NONE || (c->flags & PV_OPEN_TRUNCATE) ? 0
                : c->state == FS_CLOSED                      ? FILE_N
                                                             : c->len0;
  if (c->state == FS_FULL && v->len == c->len0 + 1) want++;
  vu_check_seq(v, want);
  cr_assert_geq(file_size(fpath()), (long long)(PV_FILE_DATA_OFFSET + v->len * 8), "%s", where);
}

static void f_teardown(void *ctx) {
  fctx *c = ctx;
  pv__os_fault_set(0, 0);
  if (!f_open_state(c) || c->v.pv_store != NULL) {
    /* an opened vector, or one the op opened */
    if (c->v.elem_size != 0 && c->v.elem_size != (size_t)0x6b6b6b6b6b6b6b6bull)
      cr_assert_eq(pv_vec_destroy(&c->v), 0, "%s: teardown", c->name);
  }
}

static int fop_open(fctx *c) {
  pv_vec_file_opts o = fopts(c, c->flags);
  return pv_vec_open(&c->v, fpath(), &o);
}
static int fop_push(fctx *c) {
  uint64_t x = c->v.len;
  return pv_vec_push(&c->v, &x);
}
static int fop_shrink(fctx *c) { return pv_vec_shrink_to_fit(&c->v); }
static int fop_sync_wait(fctx *c) { return pv_vec_sync(&c->v, PV_SYNC_WAIT); }
static int fop_sync_async(fctx *c) { return pv_vec_sync(&c->v, PV_SYNC_ASYNC); }
static int fop_freeze(fctx *c) { return pv_vec_freeze(&c->v); }
static int fop_thaw(fctx *c) { return pv_vec_thaw(&c->v); }
static int fop_close(fctx *c) { return pv_vec_destroy(&c->v); }

/* sw_ops wants int (*)(void *): one trampoline. */
static int f_op(void *ctx) {
  fctx *c = ctx;
  return c->op(c);
}

static void sweep_file(const char *name, enum fstate st, unsigned flags, pv_grow grow,
                       int (*op)(fctx *)) {
  static const int errs[] = {PV_ENOMEM, PV_EIO};
  for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
    fctx c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.state = st;
    c.flags = flags;
    c.grow = grow;
    c.op = op;
    sw_ops o = {f_setup, f_take, f_op, f_after, f_teardown, f_allow};
    char full[128];
    snprintf(full, sizeof full, "file %s", name);
    sw_result r = sw_sweep(full, &o, &c, errs[i]);
    cr_assert_gt(r.points, 0, "%s: no OS call was swept", name);
  }
}

Test(file, fault_sweep_open) {
  sweep_file("open_create", FS_NONE, PV_OPEN_CREATE, PV_GROW_DEFAULT, fop_open);
  sweep_file("open_create_stable", FS_NONE, PV_OPEN_CREATE, PV_GROW_STABLE, fop_open);
  sweep_file("open_existing", FS_CLOSED, 0, PV_GROW_DEFAULT, fop_open);
  sweep_file("open_existing_stable", FS_CLOSED, 0, PV_GROW_STABLE, fop_open);
  sweep_file("open_readonly", FS_CLOSED, PV_OPEN_READONLY, PV_GROW_DEFAULT, fop_open);
  sweep_file("open_truncate", FS_CLOSED, PV_OPEN_TRUNCATE, PV_GROW_DEFAULT, fop_open);
}

Test(file, fault_sweep_grow_shrink) {
  sweep_file("push_grows", FS_FULL, 0, PV_GROW_DEFAULT, fop_push);
  sweep_file("push_grows_stable", FS_FULL, 0, PV_GROW_STABLE, fop_push);
  sweep_file("shrink_to_fit", FS_SLACK, 0, PV_GROW_DEFAULT, fop_shrink);
  sweep_file("shrink_to_fit_stable", FS_SLACK, 0, PV_GROW_STABLE, fop_shrink);
}

Test(file, fault_sweep_sync_freeze_close) {
  sweep_file("sync_wait", FS_FULL, 0, PV_GROW_DEFAULT, fop_sync_wait);
  sweep_file("sync_async", FS_FULL, 0, PV_GROW_DEFAULT, fop_sync_async);
  sweep_file("freeze", FS_FULL, 0, PV_GROW_DEFAULT, fop_freeze);
  sweep_file("thaw", FS_FROZEN, 0, PV_GROW_DEFAULT, fop_thaw);
  sweep_file("close", FS_FULL, 0, PV_GROW_DEFAULT, fop_close);
  sweep_file("close_stable", FS_FULL, 0, PV_GROW_STABLE, fop_close);
  sweep_file("close_slack", FS_SLACK, 0, PV_GROW_DEFAULT, fop_close);
}

/* ---- the typed layer: name_open ------------------------------------------- */

PV_VEC_DEFINE(u64file, uint64_t);
PV_VEC_DEFINE(u32file, uint32_t);

Test(file, typed_open) {
  const char *p = path_of("typed.npy");
  u64file a;
  pv_vec_file_opts o;
  memset(&o, 0, sizeof o);
  o.flags = PV_OPEN_CREATE; /* elem_size 0: sizeof(uint64_t) */
  o.dtype = "<u8";
  cr_assert_eq(u64file_open(&a, p, &o), 0);
  for (uint64_t i = 0; i < 10000; i++) cr_assert_eq(u64file_push(&a, i * 3), 0);
  cr_assert_eq(u64file_destroy(&a), 0);
  memset(&o, 0, sizeof o);
  cr_assert_eq(u64file_open(&a, p, &o), 0, "reopened typed");
  cr_assert_eq(u64file_len(&a), 10000);
  cr_assert_eq(*u64file_at(&a, 9999), 9999u * 3);
  cr_assert_eq(u64file_destroy(&a), 0);
  u32file b;
  memset(&b, 0x21, sizeof b);
  u32file junk = b;
  cr_assert_eq(u32file_open(&b, p, &o), PV_EBADF, "item size 8 into a uint32_t vector");
  o.elem_size = 8;
  cr_assert_eq(u32file_open(&b, p, &o), PV_EINVAL, "elem_size not sizeof(T)");
  cr_assert_eq(u32file_open(&b, p, NULL), PV_EINVAL, "opts NULL");
  cr_assert_eq(u32file_open(NULL, p, &o), PV_EINVAL, "a NULL vector");
  cr_assert_eq(memcmp(&b, &junk, sizeof b), 0, "never written");
}

/* ---- advice: WILLNEED reads ahead, it does not dirty the file ------------ */

/* kB of the mapping holding addr (/proc/self/smaps): the sum of its
 * "NAME: n kB" lines whose NAME is one of names (NULL-terminated), -1 if
 * the mapping is not found. */
static long smaps_kb(const void *addr, const char *const *names) {
  FILE *f = fopen("/proc/self/smaps", "r");
  if (f == NULL) return -1;
  char line[512];
  long kb = -1, v;
  int in = 0;
  unsigned long lo, hi;
  while (fgets(line, sizeof line, f) != NULL) {
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') == line + strcspn(line, "-")) {
      in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
      if (in) kb = 0;
      continue;
    }
    size_t c = strcspn(line, ":");
    for (const char *const *n = names; in && line[c] == ':' && *n != NULL; n++)
      if (strlen(*n) == c && strncmp(line, *n, c) == 0 && sscanf(line + c + 1, "%ld", &v) == 1)
        kb += v;
  }
  fclose(f);
  return kb;
}

/* Dirty kB of the mapping holding addr ("Shared_Dirty" + "Private_Dirty"). */
static long dirty_kb(const void *addr) {
  static const char *const names[] = {"Shared_Dirty", "Private_Dirty", NULL};
  return smaps_kb(addr, names);
}

/* Resident kB of the mapping holding addr in this process ("Rss"). */
static long rss_kb(const void *addr) {
  static const char *const names[] = {"Rss", NULL};
  return smaps_kb(addr, names);
}

Test(file, willneed_does_not_dirty_the_file) {
  const char *p = path_of("wn.npy");
  make_u64(p, 1 << 20); /* 8 MiB */
  pv_vec v;
  pv_vec_file_opts o = u64_opts(0);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  long before = dirty_kb(v.data);
  if (before < 0) cr_skip_test("no /proc/self/smaps here");
  cr_assert_eq(pv_vec_advise(&v, PV_ADVISE_WILLNEED), 0);
  long after = dirty_kb(v.data);
  cr_assert_leq(after, before + 64, "WILLNEED dirtied %ld kB of the file (before %ld kB)",
                after - before, before);
  vu_check_seq(&v, 1 << 20); /* and reading works as ever */
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

/* ---- advice: PAGEOUT drops clean pages, keeps every byte ------------------ */

/* Why PAGEOUT cannot drop a file's pages here, or NULL when it can: the
 * build or the running kernel lacks MADV_PAGEOUT (before 5.4: EINVAL on a
 * page of our own), or the test directory is on tmpfs, whose pages are
 * memory (they can only go to swap). */
static const char *pageout_lacking(void) {
#ifndef PV_HAVE_MADV_PAGEOUT
  return "this build has no MADV_PAGEOUT";
#else
  size_t ps = (size_t)sysconf(_SC_PAGESIZE);
  void *a = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  cr_assert_neq(a, MAP_FAILED);
  int r = madvise(a, ps, MADV_PAGEOUT), e = errno;
  munmap(a, ps);
  if (r != 0 && e == EINVAL) return "the running kernel has no MADV_PAGEOUT (Linux < 5.4)";
  struct statfs fs;
  if (statfs(dir, &fs) == 0 && fs.f_type == TMPFS_MAGIC)
    return "the test directory is on tmpfs (its pages can only go to swap)";
  return NULL;
#endif
}

/* Bytes of v's elements in RAM, asked of the kernel (mincore: for a file
 * mapping, the page cache's pages). */
static size_t elems_resident(const pv_vec *v) {
  return tu_resident(v->data, v->len * v->elem_size);
}

/* v holds 0..n-1 with every page written back: after PAGEOUT its pages
 * must have left the process (the mapping's Rss) and the page cache
 * (mincore), while no field of v changed.  First every element is read,
 * so that every page is mapped here (without mremap a growth maps the
 * file anew, and pages written through the old mapping are in the page
 * cache but not mapped: PAGEOUT acts on mapped pages only).  Measured
 * before anything reads the elements again, which faults them back. */
static void expect_paged_out(pv_vec *v, size_t n, const char *what) {
  vu_check_seq(v, n);
  long rss0 = rss_kb(v->data);
  if (rss0 < 0) cr_skip_test("no /proc/self/smaps here");
  size_t pc0 = elems_resident(v);
  cr_assert_geq(rss0, (long)(n * 8 / 1024 / 2), "%s: only %ld kB of %zu kB are resident", what,
                rss0, n * 8 / 1024);
  pv_vec was = *v;
  cr_assert_eq(pv_vec_advise(v, PV_ADVISE_PAGEOUT), 0, "%s", what);
  long rss1 = rss_kb(v->data);
  size_t pc1 = elems_resident(v);
  /* The kernel may keep a few pages (one it is busy with); most must go. */
  cr_assert_leq(rss1, rss0 / 8, "%s: %ld of %ld kB stay mapped in the process", what, rss1,
                rss0);
  cr_assert_leq(pc1, pc0 / 8, "%s: %zu of %zu bytes stay in the page cache", what, pc1, pc0);
  cr_assert_eq(memcmp(&was, v, sizeof *v), 0, "%s: the vector's fields changed", what);
  vu_check_seq(v, n); /* read back from the file */
}

Test(file, pageout_after_sync_drops_the_pages_and_keeps_every_byte) {
  const char *why = pageout_lacking();
  if (why != NULL) cr_skip_test("%s", why);
  const char *p = path_of("po.npy");
  const size_t n = (size_t)1 << 20; /* 8 MiB */
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  vu_push_seq(&v, 0, n);
  cr_assert_eq(pv_vec_sync(&v, PV_SYNC_WAIT), 0);
  expect_paged_out(&v, n, "pageout after sync");
  cr_assert_eq(pv_vec_destroy(&v), 0);
  size_t n0;
  unsigned char *before = slurp(p, &n0);
  /* A read-only vector: its pages leave the process just the same (this
   * process owns the file), and the file does not change. */
  open_ro(&v, p);
  expect_paged_out(&v, n, "pageout read-only");
  cr_assert(pv_vec_frozen(&v), "still read-only");
  cr_assert_eq(pv_vec_destroy(&v), 0);
  expect_file_is(p, before, n0, "unchanged");
}

Test(file, pageout_keeps_dirty_pages_until_they_are_written_back) {
  /* Without a sync the pages are dirty: the kernel keeps them (or writes
   * them back first); either way no byte is lost, now or in the file. */
  const char *p = path_of("pd.npy");
  const size_t n = (size_t)1 << 19;
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  vu_push_seq(&v, 0, n);
  cr_assert_eq(pv_vec_sync(&v, PV_SYNC_WAIT), 0);
  uint64_t *d = v.data;
  for (size_t i = 0; i < n; i += 3) d[i] = ~(uint64_t)i; /* dirty again, unsynced */
  SW_EXPECT_UNCHANGED(&v, 0, 0, 0, pv_vec_advise(&v, PV_ADVISE_PAGEOUT), "pageout dirty");
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(d[i], i % 3 == 0 ? ~(uint64_t)i : i, "element %zu lost its write", i);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  open_ro(&v, p);
  cr_assert_eq(v.len, n);
  d = v.data;
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(d[i], i % 3 == 0 ? ~(uint64_t)i : i, "element %zu after the reopen", i);
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

Test(file, pageout_on_a_frozen_vector_keeps_it_frozen) {
  const char *p = path_of("pf.npy");
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  vu_push_seq(&v, 0, 100000);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  cr_assert_eq(pv_vec_sync(&v, PV_SYNC_WAIT), 0);
  SW_EXPECT_UNCHANGED(&v, 0, 0, 0, pv_vec_advise(&v, PV_ADVISE_PAGEOUT), "pageout frozen");
  cr_assert(pv_vec_frozen(&v));
  vu_check_seq(&v, 100000);
  uint64_t x = 1;
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_push(&v, &x), "push after pageout");
  cr_assert_eq(pv_vec_thaw(&v), 0);
  cr_assert_eq(pv_vec_push(&v, &x), 0, "thawed, it grows again");
  cr_assert_eq(pv_vec_destroy(&v), 0);
  open_ro(&v, p);
  cr_assert_eq(v.len, 100001);
  cr_assert_eq(((const uint64_t *)v.data)[100000], 1);
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

Test(file, frozen_paged_out_raw_write_faults, .signal = SIGSEGV) {
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, path_of("pw.npy"), &o), 0);
  vu_push_seq(&v, 0, 100000);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  cr_assert_eq(pv_vec_sync(&v, PV_SYNC_WAIT), 0);
  cr_assert_eq(pv_vec_advise(&v, PV_ADVISE_PAGEOUT), 0);
  ((volatile uint64_t *)v.data)[0] = 42; /* the page faults back read-only */
}

/* ---- populate on a file vector --------------------------------------------- */

Test(file, populate_dirties_the_capacity_and_close_cuts_it) {
  /* pv_vec_populate faults the capacity past len in for writing: on a file
   * that makes it resident and dirty in the page cache (its bytes stay as
   * they were: zero); the close cuts the file back to the elements. */
  const char *p = path_of("pp.npy");
  const size_t n = 1000, more = (size_t)1 << 20;
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  vu_push_seq(&v, 0, n);
  cr_assert_eq(pv_vec_reserve(&v, more), 0);
  cr_assert_eq(pv_vec_sync(&v, PV_SYNC_WAIT), 0);
  long d0 = dirty_kb(v.data);
  void *data = v.data;
  size_t cap = v.cap;
  /* One thread: a helper's cached stack would show in the mapping count. */
  SW_EXPECT_UNCHANGED(&v, 0, 0, 0, pv_vec_populate(&v, 1), "populate");
  cr_assert(v.data == data && v.cap == cap && v.len == n);
  size_t cap_bytes = v.cap * 8, res = tu_resident(v.data, cap_bytes);
  cr_assert_geq(res, cap_bytes - cap_bytes / 16, "populated %zu of %zu bytes", res, cap_bytes);
  long d1 = dirty_kb(v.data);
  if (d0 >= 0)
    cr_assert_geq(d1 - d0, (long)((cap_bytes - n * 8) / 1024 / 2),
                  "the capacity is dirty after populate (%ld kB more)", d1 - d0);
  vu_check_seq(&v, n);
  vu_unpoison(&v); /* ASan builds poison the bytes past len */
  cr_assert(tu_all_zero((const uint64_t *)v.data + n, cap_bytes - n * 8), "past len: zero");
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + n * 8), "cut at close");
  open_ro(&v, p);
  vu_check_seq(&v, n);
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_populate(&v, 2), "populate read-only");
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

/* ---- STABLE as one view of the whole maximum (Windows' way, run here) ------ */

/* From now on this process takes the path of a platform that cannot place
 * a view inside a reservation (files_at false: STABLE maps its whole
 * maximum) or cannot cut a file below a mapped view (cut_mapped false:
 * shrink maps a shorter view, close unmaps before the cut): Windows. */
static void force_file_caps(bool files_at, bool cut_mapped) {
  pv__os_caps c = *pv__os_caps_get();
  c.can_map_files_at = files_at;
  c.can_cut_mapped = cut_mapped;
  pv__os_caps_force(&c);
}

static void force_whole_stable(void) { force_file_caps(false, true); }

/* The file size of a STABLE vector of max_len u64 (header included). */
static long long whole_size(size_t max_len) {
  size_t ps = pv_page_size();
  return (long long)((PV_FILE_DATA_OFFSET + max_len * 8 + ps - 1) / ps * ps);
}

static pv_vec_file_opts stable_opts(unsigned flags, size_t max_len) {
  pv_vec_file_opts o = u64_opts(flags);
  o.grow = PV_GROW_STABLE;
  o.max_len = max_len;
  return o;
}

Test(file, whole_stable_never_moves_and_stops_at_max_len) {
  force_whole_stable();
  check_stable_never_moves();
}

Test(file, whole_stable_maps_the_maximum_sparse_and_grows_without_os_calls) {
  force_whole_stable();
  const char *p = path_of("ws.npy");
  const size_t max = (size_t)1 << 22; /* 32 MiB of elements */
  pv_vec v;
  pv_vec_file_opts o = stable_opts(PV_OPEN_CREATE, max);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  cr_assert_eq(pv__store_inspect(&v).kind, PV__STORE_FILE_STABLE);
  cr_assert_eq(file_size(p), whole_size(max), "the file holds the maximum from the open");
  struct stat st;
  cr_assert_eq(stat(p, &st), 0);
  cr_assert_lt((long long)st.st_blocks * 512, whole_size(max) / 4,
               "sparse: %lld bytes on disk", (long long)st.st_blocks * 512);
  cr_assert_lt(v.cap, max, "the capacity still grows geometrically");
  void *d = v.data;
  size_t grew = 0;
  while (v.len < max) {
    uint64_t x = v.len;
    bool grows = v.len == v.cap;
    pv__os_fault_set(0, 0); /* count the OS calls of this push */
    cr_assert_eq(pv_vec_push(&v, &x), 0);
    cr_assert_eq(pv__os_fault_calls(), 0, "push at len %zu made an OS call", v.len);
    if (grows) {
      grew++;
      cr_assert_eq(header_of(p).len, v.len - 1, "growth wrote the len to the header");
    }
  }
  cr_assert_gt(grew, 3, "grew %zu times", grew);
  cr_assert_eq(v.data, d, "never moved");
  cr_assert_eq(v.cap, max);
  uint64_t x = 1;
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_ENOSPC, pv_vec_push(&v, &x), "past max_len");
  cr_assert_eq(pv_vec_truncate(&v, 1000), 0);
  size_t cap = v.cap;
  pv__os_fault_set(0, 0);
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0);
  cr_assert_eq(pv__os_fault_calls(), 0, "shrink keeps the view: no OS call");
  cr_assert(v.cap == cap && v.data == d);
  cr_assert_eq(file_size(p), whole_size(max), "the file stays whole until close");
  cr_assert_eq(pv_vec_freeze(&v), 0);
  cr_assert_eq(pv_vec_thaw(&v), 0);
  cr_assert_eq(pv_vec_sync(&v, PV_SYNC_WAIT), 0);
  cr_assert_eq(header_of(p).len, 1000);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + 1000 * 8), "cut at close");
  open_ro(&v, p);
  vu_check_seq(&v, 1000);
  cr_assert_eq(pv_vec_destroy(&v), 0);
}

Test(file, whole_stable_frozen_raw_write_faults, .signal = SIGSEGV) {
  force_whole_stable();
  pv_vec v;
  pv_vec_file_opts o = stable_opts(PV_OPEN_CREATE, 100000);
  cr_assert_eq(pv_vec_open(&v, path_of("wf.npy"), &o), 0);
  vu_push_seq(&v, 0, 1000);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  ((volatile uint64_t *)v.data)[10] = 42;
}

/* A child that syncs at `synced` elements, pushes a few more without a
 * growth, and is killed (SIGKILL, by itself): a crash with the file at its
 * full STABLE size. */
enum { W_MAX = 1000000, W_SYNCED = 200000 };

static void whole_crash_child(const char *p) {
  pv_vec v;
  pv_vec_file_opts o = stable_opts(PV_OPEN_CREATE, W_MAX);
  if (pv_vec_open(&v, p, &o) != 0) _exit(2);
  for (uint64_t i = 0; i < W_SYNCED; i++)
    if (pv_vec_push(&v, &i) != 0) _exit(3);
  if (pv_vec_sync(&v, PV_SYNC_WAIT) != 0) _exit(4);
  for (uint64_t i = W_SYNCED; v.len < v.cap && i < W_SYNCED + 10; i++)
    if (pv_vec_push(&v, &i) != 0) _exit(5);
  raise(SIGKILL);
  _exit(6);
}

Test(file, whole_stable_crash_leaves_the_full_size_and_reopens_with_the_len) {
  force_whole_stable();
  const char *p = path_of("wc.npy");
  fflush(NULL);
  pid_t pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0) whole_crash_child(p);
  int st;
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed (status %#x)", st);
  cr_assert_eq(file_size(p), whole_size(W_MAX), "a crash leaves the file at its full size");
  cr_assert_eq(header_of(p).len, W_SYNCED, "the header says what is valid");
  /* Reopened read-only (as REMAP would): the header's len, the whole file
   * as capacity. */
  pv_vec v;
  open_ro(&v, p);
  cr_assert_eq(v.len, W_SYNCED);
  cr_assert_eq(v.cap, (size_t)(whole_size(W_MAX) - (long long)PV_FILE_DATA_OFFSET) / 8);
  vu_check_seq(&v, W_SYNCED);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(file_size(p), whole_size(W_MAX), "a reader does not cut");
  /* Reopened STABLE with a smaller maximum than the file holds. */
  pv_vec_file_opts o = stable_opts(0, W_SYNCED + 5000);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0, "reopened after the crash");
  cr_assert_eq(v.len, W_SYNCED);
  vu_check_seq(&v, W_SYNCED);
  cr_assert_eq(v.cap, W_SYNCED + 5000, "cap is max_len");
  vu_push_seq(&v, W_SYNCED, 5000);
  uint64_t x = 0;
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_ENOSPC, pv_vec_push(&v, &x), "past the new max_len");
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + (W_SYNCED + 5000) * 8));
  /* And with a larger one: the file is extended to it. */
  o = stable_opts(0, 2 * W_MAX);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  cr_assert_eq(file_size(p), whole_size(2 * W_MAX));
  vu_check_seq(&v, W_SYNCED + 5000);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + (W_SYNCED + 5000) * 8));
}

/* RLIMIT_FSIZE below header + max_len elements: the extension is refused,
 * PV_ENOSPC, *v unwritten; an existing file keeps every byte and its size,
 * a new one is left empty (file.h). */
static void whole_fsize_child(cr_child_report *rep, void *arg) {
  const char *p = arg, *fresh = path_of("wfresh.npy");
  signal(SIGXFSZ, SIG_IGN);
  const rlim_t lim = (rlim_t)(PV_FILE_DATA_OFFSET + (1u << 20));
  struct rlimit rl = {lim, lim};
  CHILD_CHECK(rep, setrlimit(RLIMIT_FSIZE, &rl) == 0, "setrlimit");
  size_t n0;
  unsigned char *before = slurp(p, &n0);
  pv_vec v, junk;
  memset(&v, 0x5a, sizeof v);
  junk = v;
  pv_vec_file_opts o = stable_opts(0, 1u << 20); /* 8 MiB of elements */
  int rc = pv_vec_open(&v, p, &o);
  CHILD_CHECK(rep, rc == PV_ENOSPC, "existing file: %s", pv_errname(rc));
  CHILD_CHECK(rep, memcmp(&v, &junk, sizeof v) == 0, "a refused open wrote *v");
  size_t n1;
  unsigned char *after = slurp(p, &n1);
  CHILD_CHECK(rep, n0 == n1 && memcmp(before, after, n0) == 0, "the file changed");
  free(before);
  free(after);
  o = stable_opts(PV_OPEN_CREATE, 1u << 20);
  rc = pv_vec_open(&v, fresh, &o);
  CHILD_CHECK(rep, rc == PV_ENOSPC, "new file: %s", pv_errname(rc));
  CHILD_CHECK(rep, file_size(fresh) == 0, "a refused create is left empty");
  o.max_len = (1u << 20) / 8; /* within the limit */
  rc = pv_vec_open(&v, p, &o);
  CHILD_CHECK(rep, rc == 0, "within the limit: %s", pv_errname(rc));
  if (rc == 0) {
    rep->n[0] = v.len;
    rc = pv_vec_destroy(&v);
    CHILD_CHECK(rep, rc == 0, "destroy: %s", pv_errname(rc));
  }
}

Test(file, whole_stable_size_limit_is_enospc_and_changes_nothing) {
  force_whole_stable();
  const char *p = path_of("wl.npy");
  make_u64(p, 1000);
  cr_child_report r = child_run(whole_fsize_child, (void *)p);
  cr_assert_eq(r.failed, 0, "%s", r.msg);
  cr_assert_eq(r.n[0], 1000);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + 1000 * 8));
}

/* The fault sweep of the calls this way makes (growth and shrink make none:
 * the test above counts them). */
Test(file, whole_stable_fault_sweep) {
  force_whole_stable();
  sweep_file("whole_open_create_stable", FS_NONE, PV_OPEN_CREATE, PV_GROW_STABLE, fop_open);
  sweep_file("whole_open_existing_stable", FS_CLOSED, 0, PV_GROW_STABLE, fop_open);
  sweep_file("whole_sync_stable", FS_FULL, 0, PV_GROW_STABLE, fop_sync_wait);
  sweep_file("whole_close_stable", FS_FULL, 0, PV_GROW_STABLE, fop_close);
}

/* ---- shrink where a mapped file cannot be cut (Windows' way, run here) ------ */

Test(file, view_shrink_releases_the_tail_and_cuts_the_file) {
  force_file_caps(true, false);
  const char *p = path_of("vs.npy");
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  vu_push_seq(&v, 0, 300000);
  cr_assert_eq(pv_vec_truncate(&v, 1000), 0);
  size_t cap = v.cap;
  long long live = pv__os_live_bytes();
  SW_EXPECT_UNCHANGED(&v, 0, 0, 0, pv_vec_shrink_to(&v, cap), "at cap: nothing to do");
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0);
  long long want = (long long)((PV_FILE_DATA_OFFSET + 1000 * 8 + pv_page_size() - 1) /
                               pv_page_size() * pv_page_size());
  cr_assert_eq(v.cap, (size_t)(want - (long long)PV_FILE_DATA_OFFSET) / 8, "cap %zu", v.cap);
  cr_assert_eq(live - pv__os_live_bytes(), (long long)(cap * 8 + PV_FILE_DATA_OFFSET) - want,
               "the longer view was released");
  cr_assert_eq(file_size(p), want, "the file cut to the shorter view");
  cr_assert_eq(header_of(p).len, 1000, "shrink wrote the len");
  vu_check_seq(&v, 1000);
  vu_push_seq(&v, 1000, 100000);
  vu_check_seq(&v, 101000);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + 101000 * 8));
  cr_assert_eq(pv__os_live_bytes(), live - (long long)(cap * 8 + PV_FILE_DATA_OFFSET),
               "nothing leaked");
}

/* Windows refuses the cut while the shorter view is mapped: the file stays
 * longer than mapped, a growth uses it as it is (never shortening it),
 * close cuts it. */
Test(file, view_shrink_refused_cut_then_growth) {
  force_file_caps(true, false);
  const char *p = path_of("vr.npy");
  pv_vec v;
  pv_vec_file_opts o = u64_opts(PV_OPEN_CREATE);
  cr_assert_eq(pv_vec_open(&v, p, &o), 0);
  vu_push_seq(&v, 0, 300000);
  cr_assert_eq(pv_vec_truncate(&v, 1000), 0);
  const long long before = file_size(p);
  size_t cap = v.cap;
  pv__os_fault_set(3, PV_EBUSY); /* map the shorter view, unmap, the cut */
  cr_assert_eq(pv_vec_shrink_to_fit(&v), 0, "a refused cut is not the shrink's failure");
  cr_assert_eq(pv__os_fault_calls(), 3);
  pv__os_fault_set(0, 0);
  /* Whole pages of the page size (16 or 64 KiB in the forced-page builds). */
  size_t want = (PV_FILE_DATA_OFFSET + 1000 * 8 + pv_page_size() - 1) / pv_page_size() *
                pv_page_size();
  cr_assert_eq(v.cap, (want - PV_FILE_DATA_OFFSET) / 8, "the memory came back: cap %zu of %zu",
               v.cap, cap);
  cr_assert_eq(file_size(p), before, "the refused cut left the file's length");
  vu_push_seq(&v, 1000, 100000);
  cr_assert_geq(file_size(p), before, "growth never shortened the file");
  cr_assert_geq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + v.cap * 8));
  vu_check_seq(&v, 101000);
  cr_assert_eq(pv_vec_destroy(&v), 0);
  cr_assert_eq(file_size(p), (long long)(PV_FILE_DATA_OFFSET + 101000 * 8), "cut at close");
}

Test(file, view_shrink_fault_sweep) {
  force_file_caps(true, false);
  sweep_file("view_shrink_to_fit", FS_SLACK, 0, PV_GROW_DEFAULT, fop_shrink);
  sweep_file("view_close_slack", FS_SLACK, 0, PV_GROW_DEFAULT, fop_close);
  sweep_file("view_push_grows", FS_FULL, 0, PV_GROW_DEFAULT, fop_push);
}

/*
 * tests/test_vec_io.c - pv_vec_read_fd and pv_vec_read_file: regular
 * files (empty, small, a partial trailing element, several MiB, max_bytes,
 * a non-zero offset, one that grows while it is read, one whose fstat size
 * says 0), appending to a small vector, one in pages and a full STABLE
 * one, a pipe written in small pieces while the reader is interrupted by
 * signals, and every error path with "nothing changed".  The OS calls'
 * fault points are swept in tests/test_fault_vec.c; an RLIMIT_AS failure
 * midway is in tests/test_oom.c.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "vecutil.h"

/* ---- files ----------------------------------------------------------------- */

/* A temporary file of n bytes of tu_pattern(seed); its path in path[64].
 * Returns an fd open for reading at offset 0. */
static int make_file(char path[64], size_t n, unsigned seed) {
  strcpy(path, "/tmp/pv-io-XXXXXX");
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
  unsigned char buf[4096];
  for (size_t done = 0; done < n;) {
    size_t k = n - done < sizeof buf ? n - done : sizeof buf;
    for (size_t i = 0; i < k; i++) buf[i] = tu_pattern(done + i, seed);
    cr_assert_eq(write(fd, buf, k), (ssize_t)k, "write: %s", strerror(errno));
    done += k;
  }
  cr_assert_eq(lseek(fd, 0, SEEK_SET), 0, "lseek");
  return fd;
}

static void drop_file(const char path[64], int fd) {
  if (fd >= 0) close(fd);
  unlink(path);
}

/* The bytes [at, at + n) of v's data are pattern bytes from offset off. */
static void check_bytes(const pv_vec *v, size_t at, size_t n, size_t off,
                        unsigned seed, const char *what) {
  const unsigned char *d = (const unsigned char *)v->data + at;
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(d[i], tu_pattern(off + i, seed), "%s: byte %zu is %u, want %u",
                 what, at + i, d[i], tu_pattern(off + i, seed));
}

static size_t fd_offset(int fd) { return (size_t)lseek(fd, 0, SEEK_CUR); }

/* ---- regular files ----------------------------------------------------------- */

Test(vec_io, empty_file) {
  char path[64];
  int fd = make_file(path, 0, 1);
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 1, 0, 0);
  size_t got = 99;
  cr_assert_eq(pv_vec_read_fd(&v, fd, 0, &got), 0);
  cr_assert_eq(got, 0, "nread %zu", got);
  cr_assert_eq(v.len, 0);
  cr_assert_eq(pv_vec_read_file(&v, path), 0);
  cr_assert_eq(v.len, 0);
  pv_vec_destroy(&v);
  drop_file(path, fd);
}

Test(vec_io, small_file_elem_size_1) {
  char path[64];
  int fd = make_file(path, 1000, 2);
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 1, 0, 0);
  size_t got = 0;
  cr_assert_eq(pv_vec_read_fd(&v, fd, 0, &got), 0);
  cr_assert_eq(got, 1000, "nread %zu", got);
  cr_assert_eq(v.len, 1000, "len %zu", v.len);
  check_bytes(&v, 0, 1000, 0, 2, "small file");
  cr_assert_eq(fd_offset(fd), 1000, "offset after the read");
  /* Sized from fstat: the file's bytes, not a doubling past them. */
  cr_assert_lt(v.cap, 2000, "cap %zu for a file of 1000 bytes", v.cap);
  /* At end of file: a second read adds nothing. */
  cr_assert_eq(pv_vec_read_fd(&v, fd, 0, &got), 0);
  cr_assert_eq(got, 0);
  cr_assert_eq(v.len, 1000);
  pv_vec_destroy(&v);
  drop_file(path, fd);
}

/* 1003 bytes into 8-byte elements: 125 elements, 3 bytes left at spare. */
Test(vec_io, trailing_partial_element) {
  char path[64];
  int fd = make_file(path, 1003, 3);
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 8, 0, 0);
  size_t got = 0;
  cr_assert_eq(pv_vec_read_fd(&v, fd, 0, &got), 0);
  cr_assert_eq(got, 1003, "nread %zu", got);
  cr_assert_eq(v.len, 125, "len %zu: whole elements only", v.len);
  check_bytes(&v, 0, 1000, 0, 3, "whole elements");
  size_t room = 0;
  unsigned char *spare = pv_vec_spare(&v, &room);
  cr_assert_not_null(spare, "the partial element has room past len");
  cr_assert_geq(room, 1);
  for (size_t i = 0; i < 3; i++)
    cr_assert_eq(spare[i], tu_pattern(1000 + i, 3), "leftover byte %zu", i);
  pv_vec_destroy(&v);

  /* read_file refuses a file that is not whole elements, and changes
   * nothing (the room reserved first, so not even the capacity). */
  vu_init(&v, PV_GROW_DEFAULT, 8, 0, 0);
  vu_push_seq(&v, 0, 5);
  cr_assert_eq(pv_vec_reserve(&v, 200), 0);
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_file(&v, path),
                      "read_file, a partial element");
  vu_check_seq(&v, 5);
  pv_vec_destroy(&v);
  drop_file(path, fd);
}

/* Several MiB, odd element size: 24-byte elements, a file of whole ones. */
Test(vec_io, large_file) {
  const size_t n = (5u << 20) / 24 * 24 + 24 * 7;
  char path[64];
  int fd = make_file(path, n, 4);
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 24, 0, 0);
  cr_assert_eq(pv_vec_read_file(&v, path), 0);
  cr_assert_eq(v.len, n / 24, "len %zu, want %zu", v.len, n / 24);
  check_bytes(&v, 0, n, 0, 4, "large file");
  pv_vec_destroy(&v);

  /* And in every growth mode, elem_size 1, through read_fd. */
  const pv_grow modes[] = {PV_GROW_REMAP, PV_GROW_STABLE, PV_GROW_COPY};
  for (size_t m = 0; m < 3; m++) {
    vu_init(&v, modes[m], 1, n + 1, 0);
    cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
    size_t got = 0;
    int rc = pv_vec_read_fd(&v, fd, 0, &got);
    cr_assert_eq(rc, 0, "%s: %s", vu_mode_name(modes[m]), pv_errname(rc));
    cr_assert_eq(got, n, "%s: nread %zu", vu_mode_name(modes[m]), got);
    cr_assert_eq(v.len, n);
    check_bytes(&v, 0, n, 0, 4, vu_mode_name(modes[m]));
    pv_vec_destroy(&v);
  }
  drop_file(path, fd);
}

Test(vec_io, max_bytes_limits_and_the_rest_follows) {
  char path[64];
  int fd = make_file(path, 10000, 5);
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 1, 0, 0);
  size_t got = 0;
  cr_assert_eq(pv_vec_read_fd(&v, fd, 4096, &got), 0);
  cr_assert_eq(got, 4096, "nread %zu", got);
  cr_assert_eq(v.len, 4096);
  cr_assert_eq(fd_offset(fd), 4096, "offset: no byte past max_bytes taken");
  cr_assert_lt(v.cap, 8192, "cap %zu: sized by max_bytes", v.cap);
  /* A limit past the end: the rest, no error. */
  cr_assert_eq(pv_vec_read_fd(&v, fd, 1u << 20, &got), 0);
  cr_assert_eq(got, 10000 - 4096);
  cr_assert_eq(v.len, 10000);
  check_bytes(&v, 0, 10000, 0, 5, "two reads");
  pv_vec_destroy(&v);

  /* A limit inside an element: the bytes wait at spare, len unchanged. */
  vu_init(&v, PV_GROW_DEFAULT, 8, 0, 0);
  cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
  cr_assert_eq(pv_vec_read_fd(&v, fd, 3, &got), 0);
  cr_assert_eq(got, 3);
  cr_assert_eq(v.len, 0);
  unsigned char *spare = pv_vec_spare(&v, NULL);
  cr_assert_not_null(spare);
  for (size_t i = 0; i < 3; i++) cr_assert_eq(spare[i], tu_pattern(i, 5));
  pv_vec_destroy(&v);
  drop_file(path, fd);
}

Test(vec_io, reads_from_the_current_offset) {
  char path[64];
  int fd = make_file(path, 10000, 6);
  cr_assert_eq(lseek(fd, 1234, SEEK_SET), 1234);
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 2, 0, 0);
  size_t got = 0;
  cr_assert_eq(pv_vec_read_fd(&v, fd, 0, &got), 0);
  cr_assert_eq(got, 10000 - 1234);
  cr_assert_eq(v.len, (10000 - 1234) / 2);
  check_bytes(&v, 0, 10000 - 1234, 1234, 6, "from offset 1234");
  pv_vec_destroy(&v);
  /* An offset past the end: nothing to read, no error. */
  cr_assert_eq(lseek(fd, 20000, SEEK_SET), 20000);
  vu_init(&v, PV_GROW_DEFAULT, 1, 0, 0);
  cr_assert_eq(pv_vec_read_fd(&v, fd, 0, &got), 0);
  cr_assert_eq(got, 0);
  cr_assert_eq(v.len, 0);
  pv_vec_destroy(&v);
  drop_file(path, fd);
}

/* Appending keeps the elements there: a small vector, one in pages. */
static void append_to(unsigned flags, size_t first, const char *what) {
  char path[64];
  const size_t n = 3 * pv_page_size() * 8 + 40;
  int fd = make_file(path, n, 7);
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 8, 0, flags);
  vu_push_seq(&v, 0, first);
  bool small = pv__store_inspect(&v).kind == PV__STORE_SMALL;
  cr_assert_eq(small, flags == 0, "%s: the phase the test means", what);
  size_t got = 0;
  cr_assert_eq(pv_vec_read_fd(&v, fd, 0, &got), 0, "%s", what);
  cr_assert_eq(got, n);
  cr_assert_eq(v.len, first + n / 8, "%s: len %zu", what, v.len);
  const uint64_t *d = v.data;
  for (size_t i = 0; i < first; i++)
    cr_assert_eq(d[i], (uint64_t)i, "%s: element %zu changed", what, i);
  check_bytes(&v, first * 8, n, 0, 7, what);
  pv_vec_destroy(&v);
  drop_file(path, fd);
}

Test(vec_io, appends_to_a_small_vector) { append_to(0, 10, "small"); }
Test(vec_io, appends_to_a_vector_in_pages) {
  append_to(PV_VEC_PAGES, 3 * pv_page_size() / 8 + 1, "pages");
}

/* A STABLE vector without room for the file: PV_ENOSPC before any byte
 * is taken, nothing changed, the offset where it was. */
Test(vec_io, stable_without_room_is_enospc) {
  char path[64];
  int fd = make_file(path, 1000, 8);
  pv_vec v;
  vu_init(&v, PV_GROW_STABLE, 1, 100, 0);
  cr_assert_eq(pv_vec_resize(&v, 10, NULL), 0);
  size_t got = 99;
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_ENOSPC, pv_vec_read_fd(&v, fd, 0, &got),
                      "read_fd, STABLE without room");
  cr_assert_eq(got, 0, "nread %zu", got);
  cr_assert_eq(fd_offset(fd), 0, "offset moved");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_ENOSPC, pv_vec_read_file(&v, path),
                      "read_file, STABLE without room");
  /* max_bytes that fits: fine. */
  cr_assert_eq(pv_vec_read_fd(&v, fd, 90, &got), 0);
  cr_assert_eq(v.len, 100);
  check_bytes(&v, 10, 90, 0, 8, "the bytes that fit");
  pv_vec_destroy(&v);
  drop_file(path, fd);
}

/* procfs files say size 0 in fstat and have content: the read goes on
 * past what fstat said, growing geometrically. */
Test(vec_io, reads_past_the_size_fstat_said) {
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 1, 0, 0);
  int fd = open("/proc/self/maps", O_RDONLY);
  if (fd < 0) cr_skip_test("no /proc/self/maps");
  struct stat st;
  cr_assert_eq(fstat(fd, &st), 0);
  cr_assert(S_ISREG(st.st_mode) && st.st_size == 0, "procfs: regular, size 0");
  size_t got = 0;
  cr_assert_eq(pv_vec_read_fd(&v, fd, 0, &got), 0);
  cr_assert_gt(got, 100, "read %zu bytes of /proc/self/maps", got);
  cr_assert_eq(v.len, got);
  cr_assert_not_null(memchr(v.data, '\n', v.len), "it reads like the maps");
  close(fd);
  pv_vec_destroy(&v);
}

/* A file that grows while it is read: a timer's handler appends to it
 * every 200 us while pv_vec_read_fd reads a 64 MiB file (its one big read
 * takes milliseconds: the handler runs when it returns, before the read
 * that would find the end).  The read must go on to the new end. */
static volatile sig_atomic_t grow_fd = -1, grow_pieces;
static void append_piece(int sig) {
  (void)sig;
  if (grow_fd < 0 || grow_pieces >= 64) return;
  static const char piece[16] = "appended-piece!\n";
  if (write(grow_fd, piece, sizeof piece) == (ssize_t)sizeof piece) grow_pieces++;
}

Test(vec_io, file_growing_while_read) {
  const size_t n = (size_t)64 << 20;
  char path[64];
  int fd = make_file(path, n, 9);
  int wfd = open(path, O_WRONLY | O_APPEND);
  cr_assert_geq(wfd, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = append_piece;
  sa.sa_flags = SA_RESTART;
  cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 1, 0, 0);
  grow_fd = wfd;
  struct itimerval it = {{0, 200}, {0, 200}};
  cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
  size_t got = 0;
  int rc = pv_vec_read_fd(&v, fd, 0, &got);
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  grow_fd = -1;
  cr_assert_eq(rc, 0, "%s", pv_errname(rc));
  cr_assert_eq(v.len, got);
  check_bytes(&v, 0, n, 0, 9, "the file as it was");
  cr_assert_gt(got, n, "read %zu bytes of a file that grew from %zu to %zu "
               "while read (%d pieces appended)", got, n,
               n + 16 * (size_t)grow_pieces, (int)grow_pieces);
  cr_assert_eq((got - n) % 16, 0, "appended pieces are read whole");
  for (size_t at = n; at < got; at += 16)
    cr_assert_eq(memcmp((char *)v.data + at, "appended-piece!\n", 16), 0,
                 "piece at %zu", at);
  fprintf(stderr, "vec_io grow: %zu of %d appended pieces read\n", (got - n) / 16,
          (int)grow_pieces);
  close(wfd);
  pv_vec_destroy(&v);
  drop_file(path, fd);
}

/* ---- a pipe, written in pieces, the reader interrupted by signals ------------ */

static volatile sig_atomic_t alarms;
static void count_alarm(int sig) {
  (void)sig;
  alarms++;
}

enum { PIECES = 40, PIECE = 999 };

/* The child: PIECES pieces of the pattern, 2 ms apart. */
static void write_pieces(int wfd) {
  unsigned char buf[PIECE];
  for (size_t p = 0; p < PIECES; p++) {
    for (size_t i = 0; i < PIECE; i++) buf[i] = tu_pattern(p * PIECE + i, 10);
    if (write(wfd, buf, PIECE) != PIECE) _exit(2);
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  _exit(0);
}

Test(vec_io, pipe_in_pieces_with_signals) {
  int fds[2];
  cr_assert_eq(pipe(fds), 0);
  pid_t pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0) {
    close(fds[0]);
    write_pieces(fds[1]);
  }
  close(fds[1]);
  /* Without SA_RESTART: a read blocked on the pipe returns EINTR. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = count_alarm;
  cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
  struct itimerval it = {{0, 500}, {0, 500}};
  unsigned long restarts0 = pv__os_file_restarts();
  cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
  pv_vec v;
  vu_init(&v, PV_GROW_DEFAULT, 3, 0, 0);
  size_t got = 0;
  int rc = pv_vec_read_fd(&v, fds[0], 0, &got);
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  int status = 0;
  waitpid(pid, &status, 0);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the writer failed");
  cr_assert_eq(rc, 0, "%s", pv_errname(rc));
  cr_assert_eq(got, PIECES * PIECE, "nread %zu", got);
  cr_assert_eq(v.len, PIECES * PIECE / 3);
  check_bytes(&v, 0, got, 0, 10, "through the pipe");
  unsigned long restarts = pv__os_file_restarts() - restarts0;
  cr_assert_geq(restarts, 1, "no read was interrupted (%d alarms)", (int)alarms);
  fprintf(stderr, "vec_io pipe: %d alarms, %lu reads restarted after EINTR\n",
          (int)alarms, restarts);
  close(fds[0]);
  pv_vec_destroy(&v);
}

/* A STABLE vector fed by a pipe: full midway is PV_ENOSPC, len and the
 * elements as before (the bytes taken from the pipe are lost: nread). */
Test(vec_io, pipe_into_a_full_stable_vector) {
  int fds[2];
  cr_assert_eq(pipe(fds), 0);
  unsigned char buf[3000];
  tu_fill(buf, sizeof buf, 11);
  cr_assert_eq(write(fds[1], buf, sizeof buf), (ssize_t)sizeof buf);
  close(fds[1]);
  pv_vec v;
  vu_init(&v, PV_GROW_STABLE, 1, 1000, 0);
  cr_assert_eq(pv_vec_resize(&v, 5, NULL), 0);
  size_t got = 0;
  int rc = pv_vec_read_fd(&v, fds[0], 0, &got);
  cr_assert_eq(rc, PV_ENOSPC, "%s", pv_errname(rc));
  cr_assert_eq(v.len, 5, "len %zu after the failure", v.len);
  cr_assert(tu_all_zero(v.data, 5), "the elements changed");
  cr_assert_gt(got, 0, "nread: the bytes taken before the failure");
  close(fds[0]);
  pv_vec_destroy(&v);
}

/* ---- errors: the code, and nothing changed ------------------------------------- */

static void make_errvec(pv_vec *v) {
  vu_init(v, PV_GROW_DEFAULT, 4, 0, 0);
  for (uint32_t i = 0; i < 100; i++) cr_assert_eq(pv_vec_push(v, &i), 0);
}

Test(vec_io, bad_descriptors) {
  pv_vec v;
  make_errvec(&v);
  size_t got = 7;
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_fd(&v, -1, 0, &got), "fd -1");
  cr_assert_eq(got, 0, "nread on an error before any read");
  int fd = open("/dev/null", O_RDONLY);
  close(fd); /* now a closed descriptor: EBADF */
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_fd(&v, fd, 0, &got),
                      "closed fd");
  fd = open("/dev/null", O_WRONLY);
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_fd(&v, fd, 0, &got),
                      "write-only fd");
  close(fd);
  fd = open("/", O_RDONLY);
  cr_assert_geq(fd, 0);
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_fd(&v, fd, 0, &got),
                      "a directory's fd");
  close(fd);
  /* A non-blocking pipe with nothing in it: EAGAIN is PV_EIO. */
  int fds[2];
  cr_assert_eq(pipe(fds), 0);
  cr_assert_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EIO, pv_vec_read_fd(&v, fds[0], 0, &got),
                      "empty non-blocking pipe");
  close(fds[0]);
  close(fds[1]);
  pv_vec_destroy(&v);
}

Test(vec_io, bad_paths) {
  pv_vec v;
  make_errvec(&v);
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_ENOENT, pv_vec_read_file(&v, "/nonexistent-pv/x"),
                      "no such file");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_ENOENT, pv_vec_read_file(&v, ""), "empty path");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_ENOENT, pv_vec_read_file(&v, "/dev/null/x"),
                      "a path through a non-directory (ENOTDIR)");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_file(&v, "/"), "a directory");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_file(&v, NULL), "path NULL");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_file(NULL, "/"), "v NULL");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_fd(NULL, 0, 0, NULL), "v NULL");
  if (geteuid() != 0) {
    char path[64];
    int fd = make_file(path, 10, 12);
    cr_assert_eq(chmod(path, 0), 0);
    SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_read_file(&v, path),
                        "permission denied");
    drop_file(path, fd);
  }
  /* A symbolic link to itself resolves to no file (ELOOP). */
  char loop[64];
  strcpy(loop, "/tmp/pv-io-loop-XXXXXX");
  int lfd = mkstemp(loop);
  cr_assert_geq(lfd, 0);
  close(lfd);
  cr_assert_eq(unlink(loop), 0);
  cr_assert_eq(symlink(loop, loop), 0, "symlink: %s", strerror(errno));
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_ENOENT, pv_vec_read_file(&v, loop),
                      "a symbolic link loop (ELOOP)");
  unlink(loop);
  pv_vec_destroy(&v);
}

/* One errno table for every file call, the reader's and the file
 * vector's (lib/os.h, "files"): each errno its code. */
Test(vec_io, one_errno_table_for_every_file_call) {
  static const struct {
    int e, code;
  } rows[] = {
      {ENOENT, PV_ENOENT},    {ENOTDIR, PV_ENOENT},   {ENAMETOOLONG, PV_ENOENT},
      {ELOOP, PV_ENOENT},     {EACCES, PV_EACCES},    {EPERM, PV_EACCES},
      {EROFS, PV_EACCES},     {ETXTBSY, PV_EACCES},   {EEXIST, PV_EEXIST},
      {EBADF, PV_EINVAL},     {EINVAL, PV_EINVAL},    {EISDIR, PV_EINVAL},
      {EFAULT, PV_EINVAL},    {ENOSPC, PV_ENOSPC},    {EFBIG, PV_ENOSPC},
      {ENOMEM, PV_ENOMEM},    {EOVERFLOW, PV_EOVERFLOW}, {ENOTSUP, PV_ENOTSUP},
      {EIO, PV_EIO},          {EMFILE, PV_EIO},       {ENFILE, PV_EIO},
      {EAGAIN, PV_EIO},       {ENXIO, PV_EIO},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    cr_expect_eq(pv__os_file_errno(rows[i].e), rows[i].code, "errno %d (%s): %s, want %s",
                 rows[i].e, strerror(rows[i].e), pv_errname(pv__os_file_errno(rows[i].e)),
                 pv_errname(rows[i].code));
}

Test(vec_io, frozen_vector_is_eacces) {
  char path[64];
  int fd = make_file(path, 100, 13);
  pv_vec v;
  make_errvec(&v);
  cr_assert_eq(pv_vec_freeze(&v), 0);
  size_t got = 5;
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_read_fd(&v, fd, 0, &got),
                      "frozen, read_fd");
  cr_assert_eq(got, 0);
  cr_assert_eq(fd_offset(fd), 0, "a refused read took bytes");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EACCES, pv_vec_read_file(&v, path),
                      "frozen, read_file");
  cr_assert_eq(pv_vec_thaw(&v), 0);
  pv_vec_destroy(&v);
  /* A destroyed vector: PV_EINVAL. */
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_fd(&v, fd, 0, NULL),
                      "destroyed, read_fd");
  SW_EXPECT_UNCHANGED(&v, 0, 0, PV_EINVAL, pv_vec_read_file(&v, path),
                      "destroyed, read_file");
  drop_file(path, fd);
}

/* A read that fails after the growth: len and the elements as before, the
 * offset of a regular file moved back (the capacity may stay grown). */
Test(vec_io, failed_read_moves_the_offset_back) {
  char path[64];
  int fd = make_file(path, 50000, 14);
  cr_assert_eq(lseek(fd, 100, SEEK_SET), 100);
  pv_vec v;
  make_errvec(&v);
  pv_vec before = v;
  /* OS calls: fstat, the growth's, then reads: fail each read in turn. */
  int failed = 0;
  for (unsigned long n = 1; n < 20; n++) {
    size_t got = 0;
    pv__os_fault_set(n, PV_EIO);
    int rc = pv_vec_read_fd(&v, fd, 0, &got);
    unsigned long calls = pv__os_fault_calls();
    pv__os_fault_set(0, 0);
    if (calls < n) {
      cr_assert_eq(rc, 0);
      break;
    }
    cr_assert_eq(rc, PV_EIO, "fault at call %lu: %s", n, pv_errname(rc));
    cr_assert_eq(v.len, before.len, "fault at call %lu: len", n);
    const uint32_t *d = v.data;
    for (uint32_t i = 0; i < 100; i++) cr_assert_eq(d[i], i);
    cr_assert_eq(fd_offset(fd), 100, "fault at call %lu: offset %zu", n,
                 fd_offset(fd));
    failed++;
  }
  cr_assert_geq(failed, 3, "fstat, growth, read: %d faults", failed);
  cr_assert_eq(v.len, 100 + (50000 - 100) / 4);
  check_bytes(&v, 400, 50000 - 100, 100, 14, "the retry");
  pv_vec_destroy(&v);
  drop_file(path, fd);
}

/* ---- the typed layer ----------------------------------------------------------- */

PV_VEC_DEFINE(u16vec, uint16_t);

Test(vec_io, typed) {
  char path[64];
  int fd = make_file(path, 2001, 15);
  u16vec a;
  cr_assert_eq(u16vec_init(&a), 0);
  size_t got = 0;
  cr_assert_eq(u16vec_read_fd(&a, fd, 0, &got), 0);
  cr_assert_eq(got, 2001);
  cr_assert_eq(u16vec_len(&a), 1000);
  cr_assert_eq(u16vec_read_file(&a, path), PV_EINVAL, "2001 bytes: half an element");
  cr_assert_eq(u16vec_len(&a), 1000);
  cr_assert_eq(u16vec_read_file(NULL, path), PV_EINVAL);
  check_bytes(&a.v, 0, 2000, 0, 15, "typed");
  u16vec_destroy(&a);
  drop_file(path, fd);
}

/*
 * tests/childrun.h - run a check in a forked child and report to the parent.
 *
 * The OOM and mapping-exhaustion suites push the process to a state where
 * malloc, stdio and Criterion's own reporting may fail (no address space,
 * no mapping left).  So the check runs in a forked child that has only the
 * forking thread, records its findings in a fixed struct with no
 * allocation, and writes that struct to a pipe; the parent, whose
 * resources are intact, makes the assertions.
 */
#ifndef PV_CHILDRUN_H
#define PV_CHILDRUN_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct cr_child_report {
  int failed;           /* 0: every check in the child passed */
  char msg[512];        /* the first failure, or a summary */
  unsigned long n[8];   /* figures for the parent to print or compare */
} cr_child_report;

/* The process's address space now (VmSize from /proc/self/status), 0 when
 * it cannot be read.  No allocation and no stdio, so that it works in a
 * child already near its RLIMIT_AS (the suites cap the address space at
 * this plus a budget). */
static inline size_t child_vm_size(void) {
  int fd = open("/proc/self/status", O_RDONLY);
  if (fd < 0) return 0;
  char buf[4096];
  ssize_t got = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (got <= 0) return 0;
  buf[got] = '\0';
  const char *at = strstr(buf, "VmSize:");
  unsigned long long kb = 0;
  if (at == NULL || sscanf(at, "VmSize: %llu kB", &kb) != 1) return 0;
  return (size_t)kb * 1024u;
}

/* Record the first failure (no allocation: vsnprintf into the struct). */
static inline void child_fail(cr_child_report *r, const char *fmt, ...) {
  if (r->failed) return;
  r->failed = 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->msg, sizeof r->msg, fmt, ap);
  va_end(ap);
}

#define CHILD_CHECK(r, cond, ...)               \
  do {                                          \
    if (!(cond)) child_fail((r), __VA_ARGS__);  \
  } while (0)

/* Run fn(r, arg) in a child; return its report (failed if it crashed). */
static inline cr_child_report child_run(void (*fn)(cr_child_report *, void *),
                                        void *arg) {
  cr_child_report r;
  memset(&r, 0, sizeof r);
  int fds[2];
  cr_assert_eq(pipe(fds), 0, "pipe: %s", strerror(errno));
  fflush(NULL);
  pid_t pid = fork();
  cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
  if (pid == 0) {
    close(fds[0]);
    fn(&r, arg);
    ssize_t w = write(fds[1], &r, sizeof r);
    _exit(w == (ssize_t)sizeof r ? 0 : 3);
  }
  close(fds[1]);
  size_t got = 0;
  while (got < sizeof r) {
    ssize_t n = read(fds[0], (char *)&r + got, sizeof r - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != sizeof r) {
    memset(&r, 0, sizeof r);
    r.failed = 1;
    snprintf(r.msg, sizeof r.msg, "the child died without a report (%s %d)",
             WIFSIGNALED(status) ? "signal" : "exit status",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  }
  return r;
}

#endif /* PV_CHILDRUN_H */

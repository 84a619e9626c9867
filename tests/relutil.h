/*
 * tests/relutil.h - helpers for the reliability suites (fault injection,
 * bad input, OOM, mapping exhaustion): what the kernel itself says about
 * our address space, read without going through the library under test
 * and without malloc (the mapping-exhaustion suite calls these while the
 * process has no mapping left to give malloc).
 */
#ifndef PV_RELUTIL_H
#define PV_RELUTIL_H

#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Calls fn(line, len, arg) for each line of /proc/self/maps, streaming
 * through a stack buffer (no malloc, no stdio).  Returns the line count,
 * or 0 when the file cannot be read (not Linux). */
static inline size_t ru_maps_each(bool (*fn)(const char *line, size_t len, void *arg),
                                  void *arg) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  /* A maps line is under 4 KiB even with a long path name. */
  char buf[8192];
  size_t have = 0, lines = 0;
  bool stop = false;
  for (;;) {
    ssize_t r = read(fd, buf + have, sizeof buf - have);
    if (r <= 0) break;
    have += (size_t)r;
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
      if (buf[i] != '\n') continue;
      lines++;
      if (!stop && fn != NULL && fn(buf + start, i - start, arg)) stop = true;
      start = i + 1;
    }
    memmove(buf, buf + start, have - start);
    have -= start;
    if (have == sizeof buf) have = 0; /* an absurd line: drop it */
  }
  close(fd);
  return lines;
}

/* True when running under valgrind, whose own allocations come and go as
 * mappings of this process: mapping counts then say nothing about us. */
static inline bool ru_under_valgrind(void) {
  const char *pre = getenv("LD_PRELOAD");
  return pre != NULL && strstr(pre, "vgpreload") != NULL;
}

/* Number of mappings (VMAs) the process has now. */
static inline size_t ru_maps_count(void) { return ru_maps_each(NULL, NULL); }

struct ru_perm_query {
  uintptr_t lo, hi; /* the range still to account for */
  char perms[5];    /* perms of the first line covering lo */
  bool mixed;       /* two lines over the range disagree */
};

static inline bool ru_perm_line(const char *line, size_t len, void *arg) {
  struct ru_perm_query *q = arg;
  char *end;
  (void)len;
  uintptr_t a = (uintptr_t)strtoull(line, &end, 16);
  uintptr_t b = (uintptr_t)strtoull(end + 1, &end, 16);
  if (b <= q->lo || a > q->lo) return false;
  if (q->perms[0] == 0) memcpy(q->perms, end + 1, 4);
  else if (memcmp(q->perms, end + 1, 4) != 0) q->mixed = true;
  q->lo = b;
  return q->lo >= q->hi;
}

/*
 * The kernel's permission string ("rw-p", "---p", ...) of [addr, addr+len)
 * into out[5]: "mix!" when the range has two different protections,
 * "hole" when part of it is not mapped at all.
 */
static inline void ru_perms(const void *addr, size_t len, char out[5]) {
  struct ru_perm_query q;
  memset(&q, 0, sizeof q);
  q.lo = (uintptr_t)addr;
  q.hi = (uintptr_t)addr + len;
  ru_maps_each(ru_perm_line, &q);
  if (q.lo < q.hi) memcpy(out, "hole", 5);
  else if (q.mixed) memcpy(out, "mix!", 5);
  else {
    memcpy(out, q.perms, 4);
    out[4] = 0;
  }
}

static inline bool ru_overlap_line(const char *line, size_t len, void *arg) {
  struct ru_perm_query *q = arg;
  char *end;
  (void)len;
  uintptr_t a = (uintptr_t)strtoull(line, &end, 16);
  uintptr_t b = (uintptr_t)strtoull(end + 1, &end, 16);
  if (a < q->hi && b > q->lo) q->mixed = true;
  return q->mixed;
}

/* True when no byte of [addr, addr+len) is mapped. */
static inline bool ru_unmapped(const void *addr, size_t len) {
  struct ru_perm_query q;
  memset(&q, 0, sizeof q);
  q.lo = (uintptr_t)addr;
  q.hi = (uintptr_t)addr + len;
  ru_maps_each(ru_overlap_line, &q);
  return !q.mixed;
}

static inline bool ru_size_line(const char *line, size_t len, void *arg) {
  char *end;
  (void)len;
  uintptr_t a = (uintptr_t)strtoull(line, &end, 16);
  uintptr_t b = (uintptr_t)strtoull(end + 1, &end, 16);
  *(size_t *)arg += b - a;
  return false;
}

/* Bytes of address space the process maps now (every mapping, whatever
 * its protection), or 0 when /proc/self/maps cannot be read: a leaked
 * reservation shows here even where nothing counts it. */
static inline size_t ru_mapped_bytes(void) {
  size_t total = 0;
  ru_maps_each(ru_size_line, &total);
  return total;
}

#endif /* PV_RELUTIL_H */

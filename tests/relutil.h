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

#include "os.h"
#include "paged_vec.h"

/*
 * The address space the library holds for objects: pv__os_live_bytes()
 * after the region cache (lib/cache.h) returned every region it holds, so
 * that a region a destroy or a failed growth handed to the cache is not
 * counted as leaked, and one lost outside it is (a trim that fails leaves
 * its regions counted).  Call it with no fault set: the trim unmaps.
 */
static inline long long ru_live_bytes(void) {
  (void)pv_cache_trim();
  return pv__os_live_bytes();
}

/* Calls fn(line, len, arg) for each line of the file at `path` (a /proc
 * file: /proc/self/maps or /proc/self/smaps), streaming through a stack
 * buffer (no malloc, no stdio), until fn returns true.  Returns the number
 * of lines read (all of them when fn is NULL or never returns true), or 0
 * when the file cannot be read (not Linux). */
static inline size_t ru_proc_each(const char *path,
                                  bool (*fn)(const char *line, size_t len, void *arg),
                                  void *arg) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  /* A maps line is under 4 KiB even with a long path name. */
  char buf[8192];
  size_t have = 0, lines = 0;
  bool stop = false;
  while (!stop) {
    ssize_t r = read(fd, buf + have, sizeof buf - have);
    if (r <= 0) break;
    have += (size_t)r;
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
      if (buf[i] != '\n') continue;
      lines++;
      if (fn != NULL && fn(buf + start, i - start, arg)) {
        stop = true;
        break;
      }
      start = i + 1;
    }
    memmove(buf, buf + start, have - start);
    have -= start;
    if (have == sizeof buf) have = 0; /* an absurd line: drop it */
  }
  close(fd);
  return lines;
}

/* The same over /proc/self/maps. */
static inline size_t ru_maps_each(bool (*fn)(const char *line, size_t len, void *arg),
                                  void *arg) {
  return ru_proc_each("/proc/self/maps", fn, arg);
}

/*
 * The one parser of a maps (or smaps header) line "lo-hi perms ...": the
 * range into *lo, *hi and a pointer to the 4 permission characters into
 * *perms.  False for any other line (smaps' "Size: ..." lines).
 */
static inline bool ru_maps_line(const char *line, size_t len, uintptr_t *lo,
                                uintptr_t *hi, const char **perms) {
  char *end;
  *lo = (uintptr_t)strtoull(line, &end, 16);
  if (end == line || *end != '-') return false;
  const char *b = end + 1;
  *hi = (uintptr_t)strtoull(b, &end, 16);
  if (end == b || *end != ' ' || (size_t)(end + 5 - line) > len) return false;
  *perms = end + 1;
  return true;
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
  uintptr_t a, b;
  const char *p;
  if (!ru_maps_line(line, len, &a, &b, &p)) return false;
  if (b <= q->lo || a > q->lo) return false;
  if (q->perms[0] == 0) memcpy(q->perms, p, 4);
  else if (memcmp(q->perms, p, 4) != 0) q->mixed = true;
  q->lo = b;
  return q->lo >= q->hi;
}

static inline void ru_perm_start(struct ru_perm_query *q, const void *addr,
                                 size_t len) {
  memset(q, 0, sizeof *q);
  q->lo = (uintptr_t)addr;
  q->hi = (uintptr_t)addr + len;
}

/* The answer of a finished query, as ru_perms gives it. */
static inline void ru_perm_result(const struct ru_perm_query *q, char out[5]) {
  if (q->lo < q->hi) memcpy(out, "hole", 5);
  else if (q->mixed) memcpy(out, "mix!", 5);
  else {
    memcpy(out, q->perms, 4);
    out[4] = 0;
  }
}

/*
 * The kernel's permission string ("rw-p", "---p", ...) of [addr, addr+len)
 * into out[5]: "mix!" when the range has two different protections,
 * "hole" when part of it is not mapped at all.
 */
static inline void ru_perms(const void *addr, size_t len, char out[5]) {
  struct ru_perm_query q;
  ru_perm_start(&q, addr, len);
  ru_maps_each(ru_perm_line, &q);
  ru_perm_result(&q, out);
}

struct ru_pair_query {
  struct ru_perm_query range, next;
};

static inline bool ru_pair_line(const char *line, size_t len, void *arg) {
  struct ru_pair_query *q = arg;
  /* a finished query must not see more lines: it would take the next
   * mapping for its own */
  if (q->range.lo < q->range.hi) ru_perm_line(line, len, &q->range);
  if (q->next.lo < q->next.hi) ru_perm_line(line, len, &q->next);
  return false;
}

/*
 * In one pass over /proc/self/maps: the permissions of [addr, addr+len)
 * (as ru_perms) into perms and of the page right after it into after.
 * Returns the number of mappings (as ru_maps_count).
 */
static inline size_t ru_perms_and_after(const void *addr, size_t len,
                                        char perms[5], char after[5]) {
  struct ru_pair_query q;
  ru_perm_start(&q.range, addr, len);
  ru_perm_start(&q.next, (const char *)addr + len, 1);
  size_t lines = ru_maps_each(ru_pair_line, &q);
  ru_perm_result(&q.range, perms);
  ru_perm_result(&q.next, after);
  return lines;
}

static inline bool ru_overlap_line(const char *line, size_t len, void *arg) {
  struct ru_perm_query *q = arg;
  uintptr_t a, b;
  const char *p;
  if (ru_maps_line(line, len, &a, &b, &p) && a < q->hi && b > q->lo) q->mixed = true;
  return q->mixed;
}

/* True when no byte of [addr, addr+len) is mapped. */
static inline bool ru_unmapped(const void *addr, size_t len) {
  struct ru_perm_query q;
  ru_perm_start(&q, addr, len);
  ru_maps_each(ru_overlap_line, &q);
  return !q.mixed;
}

struct ru_huge_query {
  uintptr_t lo, hi;
  bool in;      /* the current smaps entry overlaps [lo, hi) */
  size_t bytes; /* AnonHugePages summed so far */
};

static inline bool ru_huge_line(const char *line, size_t len, void *arg) {
  struct ru_huge_query *q = arg;
  uintptr_t a, b;
  const char *p;
  static const char key[] = "AnonHugePages:";
  if (ru_maps_line(line, len, &a, &b, &p)) q->in = a < q->hi && b > q->lo;
  else if (q->in && len > sizeof key && memcmp(line, key, sizeof key - 1) == 0)
    q->bytes += (size_t)strtoull(line + sizeof key - 1, NULL, 10) * 1024u;
  return false;
}

/* AnonHugePages (bytes) of the mappings overlapping [addr, addr+len), from
 * /proc/self/smaps, into *bytes; false when smaps cannot be read. */
static inline bool ru_anon_huge(const void *addr, size_t len, size_t *bytes) {
  struct ru_huge_query q;
  memset(&q, 0, sizeof q);
  q.lo = (uintptr_t)addr;
  q.hi = (uintptr_t)addr + len;
  size_t lines = ru_proc_each("/proc/self/smaps", ru_huge_line, &q);
  *bytes = q.bytes;
  return lines != 0;
}

struct ru_advice_query {
  uintptr_t at;
  bool in;    /* the current smaps entry holds `at` */
  char found; /* 'h', 'n', '-' once its VmFlags line is read */
};

static inline bool ru_advice_line(const char *line, size_t len, void *arg) {
  struct ru_advice_query *q = arg;
  uintptr_t a, b;
  const char *p;
  static const char key[] = "VmFlags:";
  if (ru_maps_line(line, len, &a, &b, &p)) {
    q->in = q->at >= a && q->at < b;
  } else if (q->in && len >= sizeof key - 1 && memcmp(line, key, sizeof key - 1) == 0) {
    q->found = '-';
    for (size_t i = sizeof key - 1; i + 2 < len; i++)
      if (line[i] == ' ' && line[i + 1] == 'h' && line[i + 2] == 'g') q->found = 'h';
      else if (line[i] == ' ' && line[i + 1] == 'n' && line[i + 2] == 'h') q->found = 'n';
    return true;
  }
  return false;
}

/* The kernel's view of the huge-page advice on the mapping holding addr:
 * 'h' when its VmFlags say hg (MADV_HUGEPAGE), 'n' for nh
 * (MADV_NOHUGEPAGE), '-' for neither, 0 if /proc/self/smaps cannot tell
 * (not Linux). */
static inline char ru_huge_advice(const void *addr) {
  struct ru_advice_query q;
  memset(&q, 0, sizeof q);
  q.at = (uintptr_t)addr;
  ru_proc_each("/proc/self/smaps", ru_advice_line, &q);
  return q.found;
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

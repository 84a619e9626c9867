/*
 * tests/large_file.c - `make check-large`: a vector larger than the test
 * keeps in anonymous memory, in a file.
 *
 *   large_file DIR [N]      (default N = 10^9 u64: 8 GB)
 *
 * Pushes 0..N-1 into a file vector in DIR (one pv_vec_push each), syncs
 * and closes it, reopens it read-only and sums it, and checks the sum
 * (N (N - 1) / 2, mod 2^64), the file size (header + N * 8) and that
 * every 2^20-th element is its index.
 *
 * It works through more data than it keeps resident, as a program with a
 * file larger than RAM must: every CHUNK elements (1 GiB of them) the push
 * writes the dirty pages back (pv_vec_sync, PV_SYNC_WAIT) and drops them
 * (pv_vec_advise, PV_ADVISE_PAGEOUT), and so does the sum with the pages
 * it has read.  Without that, every page of the file the process touched
 * stays mapped in it: the peak RSS was the file's size (7631 MiB for
 * 10^9).  Reports the times, the peak RSS (VmHWM: the file's pages the
 * process has mapped count in it) and the anonymous RSS, and fails when
 * the peak exceeds half the file (checked from FILE_CHUNKS chunks up,
 * below that the file is too small to tell): with the pages dropped every
 * chunk the peak is about one chunk plus what the kernel has not let go
 * yet; half the file is far above that and far below the file's size,
 * which is what the peak is when the pages are not dropped.
 * Exits 77 ("SKIP: ...") when DIR has less free space than the file
 * needs plus a margin, 0 on success, 1 on failure.  The file is removed
 * at the end either way.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "paged_vec.h"

/* Free space kept beyond the file: other users of the disk. */
#define MARGIN ((uint64_t)1 << 30)
/* Every this many elements one is checked against its index. */
#define PROBE_EVERY ((size_t)1 << 20)
/* Every this many elements (1 GiB of u64) the pages are written back and
 * dropped. */
#define CHUNK ((size_t)1 << 27)
/* The peak RSS bound is checked when the file holds at least this many
 * chunks. */
#define FILE_CHUNKS 4

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A "Name:   123 kB" line of /proc/self/status, in kB (0 if absent). */
static unsigned long status_kb(const char *name) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return 0;
  char line[256];
  unsigned long v = 0;
  size_t n = strlen(name);
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, name, n) == 0 && line[n] == ':') {
      v = strtoul(line + n + 1, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

static void report_rss(const char *when) {
  printf("  %s: peak RSS %lu MiB (VmHWM, file pages included), anonymous RSS %lu MiB, "
         "file RSS %lu MiB\n",
         when, status_kb("VmHWM") / 1024, status_kb("RssAnon") / 1024,
         status_kb("RssFile") / 1024);
}

static int fail(const char *what, int rc) {
  printf("FAIL: %s: %s\n", what, pv_errname(rc));
  return 1;
}

/* Write v's dirty pages back and drop its pages from the process and the
 * page cache (a no-op sync for a read-only vector).  0 or a PV_E* code. */
static int page_out(pv_vec *v) {
  int rc = pv_vec_sync(v, PV_SYNC_WAIT);
  return rc != 0 ? rc : pv_vec_advise(v, PV_ADVISE_PAGEOUT);
}

static int push_all(const char *path, size_t n) {
  pv_vec_file_opts o = {0};
  o.elem_size = sizeof(uint64_t);
  o.flags = PV_OPEN_CREATE | PV_OPEN_TRUNCATE;
  o.dtype = "<u8";
  pv_vec v;
  int rc = pv_vec_open(&v, path, &o);
  if (rc != 0) return fail("open", rc);
  double t0 = now();
  for (uint64_t i = 0; i < n; i++) {
    if ((rc = pv_vec_push(&v, &i)) != 0) {
      pv_vec_destroy(&v);
      return fail("push", rc);
    }
    if ((i + 1) % CHUNK == 0 && (rc = page_out(&v)) != 0) {
      pv_vec_destroy(&v);
      return fail("sync + pageout while pushing", rc);
    }
  }
  double t1 = now();
  if ((rc = pv_vec_sync(&v, PV_SYNC_WAIT)) != 0) return fail("sync", rc);
  double t2 = now();
  printf("  pushed %zu u64 in %.1f s (%.2f ns each), sync %.1f s\n", n, t1 - t0,
         (t1 - t0) * 1e9 / (double)n, t2 - t1);
  report_rss("pushed, still open");
  if ((rc = pv_vec_destroy(&v)) != 0) return fail("close", rc);
  return 0;
}

static int sum_all(const char *path, size_t n) {
  pv_vec_file_opts o = {0};
  o.flags = PV_OPEN_READONLY;
  o.dtype = "<u8";
  pv_vec v;
  double t0 = now();
  int rc = pv_vec_open(&v, path, &o);
  if (rc != 0) return fail("reopen", rc);
  double t1 = now();
  (void)pv_vec_advise(&v, PV_ADVISE_SEQUENTIAL);
  const uint64_t *d = pv_vec_data(&v);
  uint64_t sum = 0;
  int bad = v.len != n;
  for (size_t i = 0; i < v.len; i++) {
    sum += d[i];
    if (i % PROBE_EVERY == 0) bad |= d[i] != i;
    if ((i + 1) % CHUNK == 0 && (rc = page_out(&v)) != 0) {
      pv_vec_destroy(&v);
      return fail("pageout while summing", rc);
    }
  }
  double t2 = now();
  report_rss("summed, still open");
  pv_vec_destroy(&v);
  uint64_t want = (n % 2 == 0) ? (uint64_t)(n / 2) * (uint64_t)(n - 1)
                               : (uint64_t)n * (uint64_t)((n - 1) / 2);
  printf("  reopened in %.6f s, summed in %.1f s: %llu (want %llu)\n", t1 - t0, t2 - t1,
         (unsigned long long)sum, (unsigned long long)want);
  if (bad) printf("FAIL: len or a probed element is wrong\n");
  if (sum != want) printf("FAIL: the sum is wrong\n");
  return bad || sum != want;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: large_file DIR [N]\n");
    return 2;
  }
  size_t n = argc == 3 ? (size_t)strtoull(argv[2], NULL, 10) : (size_t)1000000000;
  uint64_t need = PV_FILE_DATA_OFFSET + (uint64_t)n * 8;
  struct statvfs sv;
  if (statvfs(argv[1], &sv) != 0) {
    printf("FAIL: statvfs %s\n", argv[1]);
    return 1;
  }
  uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
  if (avail < need + MARGIN) {
    printf("SKIP: %s has %llu MiB free, the file needs %llu MiB plus a %llu MiB margin\n",
           argv[1], (unsigned long long)(avail >> 20), (unsigned long long)(need >> 20),
           (unsigned long long)(MARGIN >> 20));
    return 77;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/pv_large_%ld.npy", argv[1], (long)getpid());
  printf("large_file: %zu u64 (%llu MiB) in %s (%llu MiB free)\n", n,
         (unsigned long long)(need >> 20), path, (unsigned long long)(avail >> 20));
  int rc = push_all(path, n);
  FILE *f = rc == 0 ? fopen(path, "rb") : NULL;
  if (f != NULL) {
    fseeko(f, 0, SEEK_END);
    long long size = (long long)ftello(f);
    fclose(f);
    printf("  file: %lld bytes (header + N * 8 = %llu)\n", size, (unsigned long long)need);
    if ((uint64_t)size != need) rc = 1;
  }
  if (rc == 0) rc = sum_all(path, n);
  unlink(path);
  uint64_t hwm = (uint64_t)status_kb("VmHWM") << 10;
  if (rc == 0 && n / CHUNK >= FILE_CHUNKS) {
    printf("  peak RSS %llu MiB, bound half the file: %llu MiB\n",
           (unsigned long long)(hwm >> 20), (unsigned long long)(need / 2 >> 20));
    if (hwm > need / 2) {
      printf("FAIL: the peak RSS is more than half the file: its pages were not dropped\n");
      rc = 1;
    }
  } else if (rc == 0) {
    printf("  peak RSS bound not checked: the file is under %d chunks of %zu elements\n",
           FILE_CHUNKS, CHUNK);
  }
  if (rc == 0) printf("ok: %zu u64 pushed into a file vector, reopened and summed\n", n);
  return rc;
}

/*
 * bench/machine.c - pv_bench_machine: what bench/run.sh does before it
 * measures anything (Linux only, as is the suite).
 *
 *   pv_bench_machine warm MIB   touch MIB MiB of fresh memory, all of it
 *                               held at once (one byte per page), then free
 *                               it: on a virtual machine the first touch of
 *                               guest memory the host has never backed costs
 *                               several times a later one, and the
 *                               workloads should not pay that.  Prints what
 *                               it did and how long it took.
 *   pv_bench_machine state      one line of key=value words: the kernel,
 *                               transparent huge pages (enabled, defrag),
 *                               page and huge page size, the measured CPU
 *                               cost of one 4 KiB and one 2 MiB first-touch
 *                               fault (median of PVB_FAULT_REPS runs over
 *                               PVB_FAULT_MIB MiB), memory available, load.
 *
 * Exit status 0, 2 on a usage error, 1 if memory could not be mapped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define PVB_MIB ((size_t)1 << 20)
#define PVB_FAULT_MIB 64u
#define PVB_FAULT_REPS 5u
#define PVB_NS_PER_S 1000000000.0
#define PVB_NS_PER_US 1000.0

static double pvb_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / PVB_NS_PER_S;
}

static double pvb_wall_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / PVB_NS_PER_S;
}

/* The first line of a file without its newline, "?" if unreadable. */
static void pvb_line(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "r");
  snprintf(buf, cap, "?");
  if (f == NULL)
    return;
  if (fgets(buf, (int)cap, f) == NULL)
    snprintf(buf, cap, "?");
  fclose(f);
  buf[strcspn(buf, "\n")] = '\0';
}

/* The selected word of a sysfs THP setting: "always [madvise] never" ->
 * "madvise". */
static void pvb_thp(const char *path, char *out, size_t cap) {
  char line[256];
  char *a, *b;
  pvb_line(path, line, sizeof line);
  a = strchr(line, '[');
  b = a != NULL ? strchr(a, ']') : NULL;
  if (a == NULL || b == NULL) {
    snprintf(out, cap, "%s", line);
    return;
  }
  *b = '\0';
  snprintf(out, cap, "%s", a + 1);
}

static size_t pvb_huge(void) {
  char line[64];
  pvb_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", line, sizeof line);
  return (size_t)strtoull(line, NULL, 10);
}

/* Resident bytes of this process (statm). */
static size_t pvb_rss(size_t ps) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long long size = 0, res = 0;
  int got;
  if (f == NULL)
    return 0;
  got = fscanf(f, "%llu %llu", &size, &res);
  fclose(f);
  return got == 2 ? (size_t)res * ps : 0;
}

/* CPU seconds to first-touch `bytes` of fresh memory, one write every
 * `step` bytes; with `huge`, a huge-page-aligned range advised
 * MADV_HUGEPAGE (else MADV_NOHUGEPAGE).  *resident: the RSS it added.
 * Negative if the mapping failed. */
static double pvb_touch(size_t bytes, size_t step, size_t align, int huge,
                        size_t ps, size_t *resident) {
  size_t len = bytes + align, off, rss0;
  unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *base;
  double t0, t;
  if (p == MAP_FAILED)
    return -1.0;
  base = p;
  if (align != 0)
    base = p + (align - (uintptr_t)p % align) % align;
  (void)madvise(base, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  rss0 = pvb_rss(ps);
  t0 = pvb_cpu_s();
  for (off = 0; off < bytes; off += step)
    base[off] = 1;
  t = pvb_cpu_s() - t0;
  *resident = pvb_rss(ps) - rss0;
  munmap(p, len);
  return t;
}

static int pvb_cmp(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Median microseconds per fault over PVB_FAULT_REPS runs; "none" (-1)
 * when the faults did not give pages of that size (no THP). */
static double pvb_fault_us(size_t page, size_t align, int huge, size_t ps) {
  double v[PVB_FAULT_REPS];
  size_t r, bytes = (size_t)PVB_FAULT_MIB * PVB_MIB, res = 0;
  for (r = 0; r < PVB_FAULT_REPS; r++) {
    double t = pvb_touch(bytes, page, align, huge, ps, &res);
    if (t < 0 || res < bytes / 2)
      return -1.0;
    v[r] = t * PVB_NS_PER_S / PVB_NS_PER_US / (double)(bytes / page);
  }
  qsort(v, PVB_FAULT_REPS, sizeof v[0], pvb_cmp);
  return v[PVB_FAULT_REPS / 2];
}

static void pvb_meminfo_avail(char *out, size_t cap) {
  FILE *f = fopen("/proc/meminfo", "r");
  char line[256];
  snprintf(out, cap, "?");
  if (f == NULL)
    return;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "MemAvailable:", 13) == 0) {
      const double kib_per_gib = 1024.0 * 1024.0;
      snprintf(out, cap, "%.1fGiB", (double)strtoull(line + 13, NULL, 10) / kib_per_gib);
      break;
    }
  fclose(f);
}

static int pvb_state(void) {
  struct utsname u;
  char en[256], df[256], load[256], avail[32];
  long psl = sysconf(_SC_PAGESIZE);
  size_t ps = psl > 0 ? (size_t)psl : 0, hp = pvb_huge();
  double f4 = pvb_fault_us(ps, 0, 0, ps);
  double f2 = hp != 0 ? pvb_fault_us(hp, hp, 1, ps) : -1.0;
  char s4[32], s2[32];
  if (uname(&u) != 0)
    snprintf(u.release, sizeof u.release, "?");
  pvb_thp("/sys/kernel/mm/transparent_hugepage/enabled", en, sizeof en);
  pvb_thp("/sys/kernel/mm/transparent_hugepage/defrag", df, sizeof df);
  pvb_line("/proc/loadavg", load, sizeof load);
  /* The three load averages only. */
  {
    char *sp = load;
    int k;
    for (k = 0; k < 3 && sp != NULL; k++)
      sp = strchr(sp + 1, ' ');
    if (sp != NULL)
      *sp = '\0';
    for (sp = load; *sp; sp++)
      if (*sp == ' ')
        *sp = ',';
  }
  pvb_meminfo_avail(avail, sizeof avail);
  if (f4 < 0)
    snprintf(s4, sizeof s4, "none");
  else
    snprintf(s4, sizeof s4, "%.2fus", f4);
  if (f2 < 0)
    snprintf(s2, sizeof s2, "none");
  else
    snprintf(s2, sizeof s2, "%.1fus", f2);
  printf("kernel=%s thp=%s defrag=%s page=%zu huge=%zu fault4k=%s fault2m=%s "
         "cpus=%ld memavail=%s load=%s\n",
         u.release, en, df, ps, hp, s4, s2, sysconf(_SC_NPROCESSORS_ONLN), avail, load);
  return f4 < 0 ? 1 : 0;
}

static int pvb_warm(size_t mib) {
  long psl = sysconf(_SC_PAGESIZE);
  size_t ps = psl > 0 ? (size_t)psl : 0, res = 0;
  double w0 = pvb_wall_s(), t;
  if (mib == 0 || ps == 0 || mib > SIZE_MAX / PVB_MIB)
    return 2;
  t = pvb_touch(mib * PVB_MIB, ps, 0, 0, ps, &res);
  if (t < 0) {
    fprintf(stderr, "pv_bench_machine: cannot map %zu MiB\n", mib);
    return 1;
  }
  printf("warmed %zu MiB (%zu MiB resident at once) in %.1f s wall, %.1f s CPU\n", mib,
         res / PVB_MIB, pvb_wall_s() - w0, t);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "state") == 0)
    return pvb_state();
  if (argc == 3 && strcmp(argv[1], "warm") == 0)
    return pvb_warm((size_t)strtoull(argv[2], NULL, 10));
  fprintf(stderr, "usage: pv_bench_machine state | warm MIB\n");
  return 2;
}

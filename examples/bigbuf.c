/*
 * examples/bigbuf.c - the demo: fill a large buffer straight from the
 * kernel's pages, make it read-only, give half of it back, and report.
 *
 *   bigbuf [MiB]     (default 256)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <paged_vec.h>

static size_t resident_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, res = 0;
  if (f == NULL) return 0;
  if (fscanf(f, "%lu %lu", &size, &res) != 2) res = 0;
  fclose(f);
  return res * (pv_page_size() / 1024);
}

int main(int argc, char **argv) {
  size_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 256;
  size_t len = mib << 20;
  pv_pages p;
  int rc = pv_pages_map(&p, len, PV_PROT_READ | PV_PROT_WRITE, PV_MAP_HUGE);
  if (rc < 0) {
    fprintf(stderr, "bigbuf: map %zu MiB: %s (%s)\n", mib, pv_strerror(rc), pv_errname(rc));
    return 1;
  }
  printf("mapped %zu bytes at %p (page %zu, huge page %zu)\n", p.len, p.addr,
         pv_page_size(), pv_huge_page_size());
  size_t n = p.len / sizeof(unsigned long);
  unsigned long *a = p.addr, sum = 0;
  for (size_t i = 0; i < n; i++) a[i] = i;
  printf("wrote %zu words, resident %zu KiB\n", n, resident_kib());
  if ((rc = pv_pages_protect(&p, PV_PROT_READ)) < 0) {
    fprintf(stderr, "bigbuf: protect: %s\n", pv_strerror(rc));
    return 1;
  }
  for (size_t i = 0; i < n; i++) sum += a[i];
  printf("read-only now; sum %lu (expected %lu)\n", sum,
         (unsigned long)(n * (n - 1) / 2));
  if ((rc = pv_pages_protect(&p, PV_PROT_READ | PV_PROT_WRITE)) < 0 ||
      (rc = pv_pages_decommit(&p, p.len / 2, p.len / 2)) < 0) {
    fprintf(stderr, "bigbuf: decommit: %s\n", pv_strerror(rc));
    return 1;
  }
  printf("decommitted the second half, resident %zu KiB, a[n-1] reads %lu\n",
         resident_kib(), a[n - 1]);
  pv_pages_unmap(&p);
  return sum == (unsigned long)(n * (n - 1) / 2) ? 0 : 1;
}

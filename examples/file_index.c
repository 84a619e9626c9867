/*
 * examples/file_index.c - build a large sorted index in a file, once, and
 * look things up in it from C and from Python without loading it.
 *
 *   file_index PATH [N]        (default N = 10000000 keys: 80 MB)
 *
 * The index is a vector of N 64-bit keys (a hash of 0..N-1) that lives in
 * the file PATH: pv_vec_open maps the file, every push writes straight into
 * it (the page cache holds the pages, so the index may be larger than RAM),
 * pv_vec_sort sorts it in place, pv_vec_sync makes it durable and
 * pv_vec_destroy closes it.  Then the program reopens the file read-only,
 * which takes no time whatever N is (nothing is read until touched), looks
 * up a few keys with pv_vec_bsearch, and prints the Python line that maps
 * the same file with NumPy.
 *
 * Build against an installed paged_vec:
 *   cc -O2 file_index.c $(pkg-config --cflags --libs paged_vec) -o file_index
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <paged_vec.h>

/* A 64-bit mix (splitmix64's finaliser): distinct inputs, distinct keys. */
static uint64_t key_of(uint64_t i) {
  uint64_t z = i + UINT64_C(0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static double now(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(const char *what, int rc) {
  fprintf(stderr, "file_index: %s: %s\n", what, pv_strerror(rc));
  return 1;
}

static int build(const char *path, size_t n) {
  pv_vec_file_opts o = {0};
  o.elem_size = sizeof(uint64_t);
  o.flags = PV_OPEN_CREATE | PV_OPEN_TRUNCATE;
  o.dtype = "<u8"; /* NumPy sees uint64, little-endian */
  pv_vec v;
  double t0 = now();
  int rc = pv_vec_open(&v, path, &o);
  if (rc < 0) return fail("open", rc);
  for (size_t i = 0; i < n; i++) {
    uint64_t k = key_of(i);
    if ((rc = pv_vec_push(&v, &k)) < 0) {
      pv_vec_destroy(&v);
      return fail("push", rc);
    }
  }
  double t1 = now();
  if ((rc = pv_vec_sort(&v, cmp_u64)) < 0) return fail("sort", rc);
  double t2 = now();
  if ((rc = pv_vec_sync(&v, PV_SYNC_WAIT)) < 0) return fail("sync", rc);
  double t3 = now();
  if ((rc = pv_vec_destroy(&v)) < 0) return fail("close", rc);
  printf("built %zu keys into %s: push %.2f s, sort %.2f s, sync %.2f s\n", n, path,
         t1 - t0, t2 - t1, t3 - t2);
  return 0;
}

static int lookup(const char *path, size_t n) {
  pv_vec_file_opts o = {0};
  o.flags = PV_OPEN_READONLY; /* elem_size and dtype come from the header */
  o.dtype = "<u8";
  pv_vec v;
  double t0 = now();
  int rc = pv_vec_open(&v, path, &o);
  if (rc < 0) return fail("reopen", rc);
  double t1 = now();
  printf("reopened %s read-only in %.6f s: %zu keys of %zu bytes\n", path, t1 - t0,
         pv_vec_len(&v), pv_vec_elem_size(&v));
  if (pv_vec_len(&v) != n) {
    fprintf(stderr, "file_index: %zu keys, want %zu\n", pv_vec_len(&v), n);
    return 1;
  }
  int found = 0;
  for (uint64_t i = 0; i < 5; i++) {
    uint64_t k = key_of(i * (n / 5));
    size_t at;
    if (pv_vec_bsearch(&v, &k, cmp_u64, &at) == 0) found++;
  }
  uint64_t absent = key_of(n); /* not in the index */
  size_t at;
  int missing = pv_vec_bsearch(&v, &absent, cmp_u64, &at) == PV_ENOENT;
  pv_vec_destroy(&v);
  printf("looked up 5 keys: %d found; a key not in it: %s\n", found,
         missing ? "not found" : "FOUND (wrong)");
  printf("python3 -c \"import numpy; a = numpy.load('%s', mmap_mode='r', "
         "max_header_size=1 << 16); print(a.dtype, a.shape, a[:3])\"\n", path);
  return found == 5 && missing ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: file_index PATH [N]\n");
    return 2;
  }
  size_t n = argc == 3 ? (size_t)strtoull(argv[2], NULL, 10) : 10000000;
  if (n < 5) n = 5;
  int rc = build(argv[1], n);
  return rc != 0 ? rc : lookup(argv[1], n);
}

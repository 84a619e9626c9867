/*
 * tests/file_npy_tool.c - the C side of tests/file_numpy.sh: writes file
 * vectors for NumPy to read, and reads the .npy files NumPy wrote.
 *
 *   file_npy_tool write-u8 PATH N   N u64 u8_value(i), dtype "<u8"
 *   file_npy_tool write-f8 PATH N   N doubles i * 0.5, dtype "<f8"
 *   file_npy_tool append-u8 PATH M  reopen a file it wrote, push M more
 *   file_npy_tool read-u8 PATH N    a NumPy file of N u8_value(i): read-only
 *                                   open works; writable is PV_ENOTSUP
 *   file_npy_tool read-f8 PATH N    the same for doubles i * 0.5
 * Exits 0 when every check passed, 1 with a message otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paged_vec.h"

static uint64_t u8_value(uint64_t i) { return i * UINT64_C(2654435761); }

static int fail(const char *what, int rc) {
  fprintf(stderr, "file_npy_tool: %s: %s\n", what, pv_errname(rc));
  return 1;
}

static int write_vec(const char *path, size_t n, int f8) {
  pv_vec_file_opts o = {0};
  o.elem_size = 8;
  o.flags = PV_OPEN_CREATE | PV_OPEN_TRUNCATE;
  o.dtype = f8 ? "<f8" : "<u8";
  pv_vec v;
  int rc = pv_vec_open(&v, path, &o);
  if (rc != 0) return fail("open", rc);
  for (size_t i = 0; i < n && rc == 0; i++) {
    uint64_t u = u8_value(i);
    double d = (double)i * 0.5;
    rc = f8 ? pv_vec_push(&v, &d) : pv_vec_push(&v, &u);
  }
  if (rc != 0) return fail("push", rc);
  if ((rc = pv_vec_sync(&v, PV_SYNC_WAIT)) != 0) return fail("sync", rc);
  if ((rc = pv_vec_destroy(&v)) != 0) return fail("close", rc);
  printf("ok: wrote %zu elements to %s\n", n, path);
  return 0;
}

static int append_u8(const char *path, size_t m) {
  pv_vec_file_opts o = {0};
  o.dtype = "<u8";
  pv_vec v;
  int rc = pv_vec_open(&v, path, &o);
  if (rc != 0) return fail("reopen", rc);
  size_t len = v.len;
  for (size_t i = len; i < len + m && rc == 0; i++) {
    uint64_t u = u8_value(i);
    rc = pv_vec_push(&v, &u);
  }
  if (rc != 0) return fail("push", rc);
  if ((rc = pv_vec_destroy(&v)) != 0) return fail("close", rc);
  printf("ok: appended %zu elements to %s (len %zu)\n", m, path, len + m);
  return 0;
}

static int read_vec(const char *path, size_t n, int f8) {
  pv_vec_file_opts o = {0};
  o.flags = PV_OPEN_READONLY;
  o.dtype = f8 ? "<f8" : "<u8";
  pv_vec v;
  int rc = pv_vec_open(&v, path, &o);
  if (rc != 0) return fail("open read-only", rc);
  if (v.len != n || v.elem_size != 8) {
    fprintf(stderr, "file_npy_tool: len %zu elem_size %zu, want %zu 8\n", v.len, v.elem_size, n);
    return 1;
  }
  for (size_t i = 0; i < n; i++) {
    int bad = f8 ? ((const double *)v.data)[i] != (double)i * 0.5
                 : ((const uint64_t *)v.data)[i] != u8_value(i);
    if (bad) {
      fprintf(stderr, "file_npy_tool: element %zu differs\n", i);
      return 1;
    }
  }
  pv_vec_destroy(&v);
  o.flags = 0;
  rc = pv_vec_open(&v, path, &o);
  if (rc != PV_ENOTSUP) return fail("writable open of a NumPy file (want PV_ENOTSUP)", rc);
  printf("ok: read %zu elements NumPy wrote to %s; writable open is PV_ENOTSUP\n", n, path);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: file_npy_tool write-u8|write-f8|append-u8|read-u8|read-f8 PATH N\n");
    return 2;
  }
  size_t n = (size_t)strtoull(argv[3], NULL, 10);
  const char *m = argv[1], *p = argv[2];
  if (strcmp(m, "write-u8") == 0) return write_vec(p, n, 0);
  if (strcmp(m, "write-f8") == 0) return write_vec(p, n, 1);
  if (strcmp(m, "append-u8") == 0) return append_u8(p, n);
  if (strcmp(m, "read-u8") == 0) return read_vec(p, n, 0);
  if (strcmp(m, "read-f8") == 0) return read_vec(p, n, 1);
  fprintf(stderr, "file_npy_tool: unknown mode %s\n", m);
  return 2;
}

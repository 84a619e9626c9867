/*
 * tests/test_npy.c - the .npy header module (lib/npy.h): descr sizes, the
 * default descr, format -> parse round trips, update_len, every PV_EBADF
 * case from hand-written bytes, and the fixtures numpy.save wrote
 * (the .npy files in tests/npy, made by tests/npy/make.py).
 *
 * Environment: PV_NPY_FIXTURES names the fixture directory (default
 * $top_srcdir/tests/npy; tests/npy.sh points it at fixtures the installed
 * NumPy just wrote); PV_NPY_OUT, when set, is where the `written` suite
 * leaves the files it formats, for tests/npy.sh to open with NumPy.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npy.h"
#include "paged_vec.h"

/* ---- helpers ------------------------------------------------------------ */

/* A header of hand-written bytes: magic, version major.minor, the dict
 * padded with spaces and '\n' to a multiple of 64 bytes as NumPy does,
 * then `data` bytes of 0xAB.  Returns the malloc'd bytes; *total gets the
 * file's size, *hdr the header's. */
static unsigned char *hand(const char *dict, int major, int minor, size_t data, size_t *total,
                           size_t *hdr) {
  size_t prefix = major == 1 ? 10 : 12, dl = strlen(dict);
  size_t h = (prefix + dl + 1 + 63) / 64 * 64;
  unsigned char *b = malloc(h + data + 1);
  cr_assert_not_null(b);
  memcpy(b, "\x93NUMPY", 6);
  b[6] = (unsigned char)major;
  b[7] = (unsigned char)minor;
  size_t hl = h - prefix;
  b[8] = (unsigned char)(hl & 0xff);
  b[9] = (unsigned char)(hl >> 8);
  if (prefix == 12) {
    b[10] = (unsigned char)(hl >> 16);
    b[11] = (unsigned char)(hl >> 24);
  }
  memcpy(b + prefix, dict, dl);
  memset(b + prefix + dl, ' ', h - prefix - dl - 1);
  b[h - 1] = '\n';
  memset(b + h, 0xAB, data);
  *total = h + data;
  if (hdr != NULL) *hdr = h;
  return b;
}

/* A header struct filled with a pattern, to prove a failed call left it. */
static void poison(pv__npy_header *h) { memset(h, 0x5A, sizeof *h); }
static void assert_poisoned(const pv__npy_header *h, const char *what) {
  pv__npy_header p;
  poison(&p);
  cr_assert(memcmp(h, &p, sizeof p) == 0, "%s: the header struct was written", what);
}

/* parse_dict_code - the code pv__npy_parse gives a version 1.0 header
 * around dict with data bytes after it (file = n = all of it); on failure
 * also checks *h was not written. */
static int parse_dict_code(const char *dict, size_t data, pv__npy_header *out) {
  size_t total;
  unsigned char *b = hand(dict, 1, 0, data, &total, NULL);
  pv__npy_header h;
  poison(&h);
  int rc = pv__npy_parse(b, total, total, &h);
  if (rc != 0) assert_poisoned(&h, dict);
  if (out != NULL) *out = h;
  free(b);
  return rc;
}

static void expect_bad(const char *dict, size_t data) {
  int rc = parse_dict_code(dict, data, NULL);
  cr_expect_eq(rc, PV_EBADF, "%s: got %s, want PV_EBADF", dict, pv_errname(rc));
}

static void expect_good(const char *dict, size_t data, const char *descr, size_t len,
                        size_t es) {
  pv__npy_header h;
  int rc = parse_dict_code(dict, data, &h);
  cr_expect_eq(rc, 0, "%s: got %s, want 0", dict, pv_errname(rc));
  if (rc != 0) return;
  cr_expect_str_eq(h.descr, descr, "%s: descr", dict);
  cr_expect_eq(h.len, len, "%s: len %zu, want %zu", dict, h.len, len);
  cr_expect_eq(h.elem_size, es, "%s: elem_size %zu, want %zu", dict, h.elem_size, es);
  cr_expect_eq(h.data_offset % 64, 0, "%s: data_offset %zu", dict, h.data_offset);
}

/* ---- descr sizes --------------------------------------------------------- */

Test(npy_descr, sizes_of_accepted_descrs) {
  static const struct {
    const char *d;
    size_t size;
  } ok[] = {
      {"|b1", 1},  {"<i1", 1},  {"|i1", 1},   {"<i2", 2},   {">i4", 4},  {"=i8", 8},
      {"|u1", 1},  {"<u2", 2},  {"<u4", 4},   {">u8", 8},   {"<f2", 2},  {"<f4", 4},
      {">f8", 8},  {"<c8", 8},  {"<c16", 16}, {"|V1", 1},   {"|V24", 24}, {"|S5", 5},
      {"|S1", 1},  {"<U3", 12}, {">U1", 4},   {"|V65536", 65536},
      {"|V4294967296", (size_t)1 << 32},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    cr_expect_eq(pv__npy_descr_size(ok[i].d), ok[i].size, "%s: %zu, want %zu", ok[i].d,
                 pv__npy_descr_size(ok[i].d), ok[i].size);
}

Test(npy_descr, refused_descrs_are_0) {
  static const char *bad[] = {
      "",      "<",      "<u",     "u8",     "<u3",    "<u16",   "<i16",  "<f16",  "<f1",
      "<c4",   "<c32",   "|b2",    "|b0",    "|O",     "|O8",    "<M8",   "<m8",   "<M8[ns]",
      "|V0",   "|S0",    "<U0",    "|V024",  "|V-1",   "|V+1",   "|V 1",  "|V1 ",  "<u8 ",
      " <u8",  "#u8",    "<x8",    "<u08",   "|S",     "|V",     "[('a', '<i4')]",
      "|V18446744073709551616", "<U4611686018427387905", /* 4n wraps to 4 (64-bit) */
      "|V1234567890123456789012345678901", /* 33 characters: longer than DESCR_MAX */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_expect_eq(pv__npy_descr_size(bad[i]), 0, "'%s' accepted as %zu", bad[i],
                 pv__npy_descr_size(bad[i]));
  cr_expect_eq(pv__npy_descr_size(NULL), 0);
  /* DESCR_MAX - 1 characters pass the length bound; these digits overflow. */
  char longest[PV__NPY_DESCR_MAX];
  memset(longest, '1', sizeof longest);
  memcpy(longest, "|S", 2);
  longest[sizeof longest - 1] = '\0';
  cr_expect_eq(pv__npy_descr_size(longest), 0, "29 digits overflow size_t");
  char unterminated[PV__NPY_DESCR_MAX + 8];
  memset(unterminated, ' ', sizeof unterminated);
  memcpy(unterminated, "<u8", 3);
  unterminated[3] = '\0'; /* a NUL inside the bound: fine */
  cr_expect_eq(pv__npy_descr_size(unterminated), 8);
  memcpy(unterminated, "|V1", 3);
  memset(unterminated + 3, '0', PV__NPY_DESCR_MAX - 3); /* no NUL within DESCR_MAX */
  unterminated[sizeof unterminated - 1] = '\0';
  cr_expect_eq(pv__npy_descr_size(unterminated), 0, "a descr of DESCR_MAX+ characters");
}

Test(npy_descr, default_descr_is_raw_bytes) {
  char out[PV__NPY_DESCR_MAX];
  cr_assert_eq(pv__npy_default_descr(24, out, sizeof out), 0);
  cr_expect_str_eq(out, "|V24");
  cr_expect_eq(pv__npy_descr_size(out), 24);
  cr_assert_eq(pv__npy_default_descr(1, out, sizeof out), 0);
  cr_expect_str_eq(out, "|V1");
  cr_assert_eq(pv__npy_default_descr(SIZE_MAX, out, sizeof out), 0);
  cr_expect_eq(pv__npy_descr_size(out), SIZE_MAX, "%s", out);
  char exact[5];
  cr_assert_eq(pv__npy_default_descr(24, exact, sizeof exact), 0, "|V24 and its NUL fit 5");
  cr_expect_str_eq(exact, "|V24");
}

Test(npy_descr, default_descr_errors_leave_out) {
  char out[8];
  memset(out, 'x', sizeof out);
  cr_expect_eq(pv__npy_default_descr(0, out, sizeof out), PV_EINVAL, "elem_size 0");
  cr_expect_eq(pv__npy_default_descr(24, out, 4), PV_EINVAL, "cap 4 < 5");
  cr_expect_eq(pv__npy_default_descr(24, out, 0), PV_EINVAL, "cap 0");
  cr_expect_eq(pv__npy_default_descr(24, NULL, 8), PV_EINVAL, "out NULL");
  for (size_t i = 0; i < sizeof out; i++) cr_expect_eq(out[i], 'x', "out[%zu] written", i);
}

/* ---- parsing hand-written headers ---------------------------------------- */

Test(npy_parse, what_numpy_writes) {
  expect_good("{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }", 24, "<u8", 3, 8);
  expect_good("{'descr': '|V24', 'fortran_order': False, 'shape': (0,), }", 0, "|V24", 0, 24);
}

Test(npy_parse, the_accepted_variations) {
  /* any order, no trailing comma, double quotes, whitespace between tokens */
  expect_good("{'shape': (2,), 'descr': '<i4', 'fortran_order': False}", 8, "<i4", 2, 4);
  expect_good("{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (1,)}", 8, "<f8", 1, 8);
  expect_good(" {\t'descr' :'<u2' ,\n'fortran_order':False,'shape':( 4 , ) ,\r} ", 8, "<u2",
              4, 2);
  /* Python 2's long suffix */
  expect_good("{'descr': '<u1', 'fortran_order': False, 'shape': (3L,), }", 3, "<u1", 3, 1);
  /* a file longer than its data (NumPy ignores what follows) */
  expect_good("{'descr': '<u1', 'fortran_order': False, 'shape': (3,), }", 100, "<u1", 3, 1);
}

Test(npy_parse, versions_2_and_3) {
  for (int major = 2; major <= 3; major++) {
    size_t total, hdr;
    unsigned char *b =
        hand("{'descr': '<u4', 'fortran_order': False, 'shape': (2,), }", major, 0, 8, &total,
             &hdr);
    pv__npy_header h;
    cr_assert_eq(pv__npy_parse(b, total, total, &h), 0, "version %d.0", major);
    cr_expect_eq(h.data_offset, hdr);
    cr_expect_eq(h.len, 2);
    free(b);
  }
}

Test(npy_parse, bad_arguments_are_einval) {
  size_t total;
  unsigned char *b = hand("{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }", 1, 0, 24,
                          &total, NULL);
  pv__npy_header h;
  poison(&h);
  cr_expect_eq(pv__npy_parse(NULL, total, total, &h), PV_EINVAL, "buf NULL");
  cr_expect_eq(pv__npy_parse(b, total, total, NULL), PV_EINVAL, "h NULL");
  cr_expect_eq(pv__npy_parse(b, total, total - 1, &h), PV_EINVAL, "n > file_size");
  assert_poisoned(&h, "EINVAL");
  free(b);
}

Test(npy_parse, wrong_magic) {
  size_t total;
  unsigned char *b = hand("{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }", 1, 0, 24,
                          &total, NULL);
  pv__npy_header h;
  for (int i = 0; i < 6; i++) {
    unsigned char was = b[i];
    b[i] ^= 0x20;
    poison(&h);
    cr_expect_eq(pv__npy_parse(b, total, total, &h), PV_EBADF, "magic byte %d changed", i);
    assert_poisoned(&h, "magic");
    b[i] = was;
  }
  cr_expect_eq(pv__npy_parse(b, total, total, &h), 0, "restored");
  free(b);
}

Test(npy_parse, unknown_versions) {
  static const int v[][2] = {{0, 0}, {1, 1}, {2, 1}, {3, 1}, {4, 0}, {255, 0}, {0, 1}};
  size_t total;
  unsigned char *b = hand("{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }", 1, 0, 24,
                          &total, NULL);
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    b[6] = (unsigned char)v[i][0];
    b[7] = (unsigned char)v[i][1];
    pv__npy_header h;
    poison(&h);
    cr_expect_eq(pv__npy_parse(b, total, total, &h), PV_EBADF, "version %d.%d", v[i][0], v[i][1]);
    assert_poisoned(&h, "version");
  }
  free(b);
}

Test(npy_parse, too_short_for_the_prefix) {
  size_t total;
  unsigned char *b = hand("{'descr': '<u8', 'fortran_order': False, 'shape': (0,), }", 2, 0, 0,
                          &total, NULL);
  pv__npy_header h;
  poison(&h);
  for (size_t n = 0; n < 12; n++)
    cr_expect_eq(pv__npy_parse(b, n, n, &h), PV_EBADF, "a file of %zu bytes", n);
  b[6] = 1;
  for (size_t n = 0; n < 10; n++)
    cr_expect_eq(pv__npy_parse(b, n, n, &h), PV_EBADF, "a 1.0 file of %zu bytes", n);
  assert_poisoned(&h, "short");
  free(b);
}

Test(npy_parse, header_past_n_or_past_the_file) {
  size_t total, hdr;
  unsigned char *b = hand("{'descr': '<u8', 'fortran_order': False, 'shape': (0,), }", 1, 0, 0,
                          &total, &hdr);
  pv__npy_header h;
  poison(&h);
  /* the caller read fewer bytes than the header: past n */
  cr_expect_eq(pv__npy_parse(b, hdr - 1, hdr + 4096, &h), PV_EBADF, "past n");
  /* the file ends inside the header */
  cr_expect_eq(pv__npy_parse(b, hdr - 1, hdr - 1, &h), PV_EBADF, "past the file");
  /* header_len itself beyond everything, 1.0 and 2.0 */
  b[8] = b[9] = 0xff;
  cr_expect_eq(pv__npy_parse(b, total, total, &h), PV_EBADF, "header_len 65535");
  assert_poisoned(&h, "past");
  free(b);
  b = hand("{'descr': '<u8', 'fortran_order': False, 'shape': (0,), }", 2, 0, 0, &total, &hdr);
  b[8] = b[9] = b[10] = b[11] = 0xff;
  cr_expect_eq(pv__npy_parse(b, total, SIZE_MAX, &h), PV_EBADF, "header_len 2^32-1");
  b[8] = b[9] = b[10] = 0;
  b[11] = 0x80;
  cr_expect_eq(pv__npy_parse(b, total, SIZE_MAX, &h), PV_EBADF, "header_len 2^31");
  assert_poisoned(&h, "past (2.0)");
  free(b);
}

Test(npy_parse, dicts_that_do_not_parse) {
  static const char *bad[] = {
      "",
      "{",
      "}",
      "{}",
      "{,}",
      "[]",
      "'descr': '<u8', 'fortran_order': False, 'shape': (3,)",
      /* a key missing, repeated or unknown */
      "{'descr': '<u8', 'fortran_order': False}",
      "{'descr': '<u8', 'shape': (3,)}",
      "{'fortran_order': False, 'shape': (3,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), 'descr': '<u8'}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
      "{'Descr': '<u8', 'fortran_order': False, 'shape': (3,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), 'descriptor_longer_than_16': 1}",
      /* tokens */
      "{descr: '<u8', 'fortran_order': False, 'shape': (3,)}",
      "{'descr' '<u8', 'fortran_order': False, 'shape': (3,)}",
      "{'descr': '<u8' 'fortran_order': False, 'shape': (3,)}",
      "{'descr': <u8, 'fortran_order': False, 'shape': (3,)}",
      "{'descr': '<u8\", 'fortran_order': False, 'shape': (3,)}",
      "{'descr': '<u\\x38', 'fortran_order': False, 'shape': (3,)}",
      "{'descr': '<u8', 'fortran_order': false, 'shape': (3,)}",
      "{'descr': '<u8', 'fortran_order': 0, 'shape': (3,)}",
      "{'descr': '<u8', 'fortran_order': Falsey, 'shape': (3,)}",
      "{'descr': '<u8', 'fortran_order': False_, 'shape': (3,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3,),,}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3,)} x",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3,)}}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3,)",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3,)} # comment",
      "{'descr': '<u8', 'fortran_order': False, 'shape': [3]}",
      /* shapes that are not an integer (n,) */
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': 3}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3,,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (03,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (-3,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (+3,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3.0,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (1_000,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (0x3,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3LL,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (3 L,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': ('3',)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (18446744073709551616,)}",
      "{'descr': '<u8', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_bad(bad[i], 64);
}

Test(npy_parse, bytes_outside_the_subset) {
  /* control bytes, NUL, non-ASCII inside and around the dict */
  expect_bad("{'descr': '<u8\x01', 'fortran_order': False, 'shape': (3,)}", 24);
  expect_bad("{'descr': '<u8\xc3\xa9', 'fortran_order': False, 'shape': (3,)}", 24);
  expect_bad("{'descr': '<u8', 'fortran_order': False, 'shape': (3,)}\v", 24);
  size_t total, hdr;
  unsigned char *b = hand("{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }", 1, 0, 24,
                          &total, &hdr);
  b[hdr - 2] = '\0'; /* a NUL in the padding */
  pv__npy_header h;
  cr_expect_eq(pv__npy_parse(b, total, total, &h), PV_EBADF, "NUL in the padding");
  free(b);
  /* a NUL inside a string would end it early for C: "<u8\0x", "shape\0" */
  static const char *nul_in[] = {
      "{'descr': '<u8_x', 'fortran_order': False, 'shape': (3,), }",
      "{'descr': '<u8', 'fortran_order': False, 'shape_': (3,), }",
  };
  for (size_t i = 0; i < 2; i++) {
    b = hand(nul_in[i], 1, 0, 24, &total, &hdr);
    b[10 + (size_t)(strchr(nul_in[i], '_') - nul_in[i])] = '\0';
    cr_expect_eq(pv__npy_parse(b, total, total, &h), PV_EBADF, "NUL in %s", nul_in[i]);
    free(b);
  }
}

Test(npy_parse, fortran_order_true) {
  expect_bad("{'descr': '<u8', 'fortran_order': True, 'shape': (3,), }", 24);
  expect_bad("{'descr': '<u8', 'fortran_order': True, 'shape': (0,), }", 0);
}

Test(npy_parse, shapes_that_are_not_1d) {
  expect_bad("{'descr': '<u8', 'fortran_order': False, 'shape': (), }", 8);
  expect_bad("{'descr': '<u8', 'fortran_order': False, 'shape': (2, 3), }", 48);
  expect_bad("{'descr': '<u8', 'fortran_order': False, 'shape': (2, 3,), }", 48);
  expect_bad("{'descr': '<u8', 'fortran_order': False, 'shape': (6, 1), }", 48);
  expect_bad("{'descr': '<u8', 'fortran_order': False, 'shape': (1, 1, 1), }", 8);
}

Test(npy_parse, descrs_paged_vec_does_not_map) {
  expect_bad("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16);
  expect_bad("{'descr': [('a', '<i4'), ('b', '<f8')], 'fortran_order': False, 'shape': (2,), }",
             24);
  expect_bad("{'descr': ('<i4', (2,)), 'fortran_order': False, 'shape': (2,), }", 16);
  expect_bad("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,), }", 16);
  expect_bad("{'descr': '<f16', 'fortran_order': False, 'shape': (2,), }", 32);
  expect_bad("{'descr': 'u8', 'fortran_order': False, 'shape': (2,), }", 16);
  expect_bad("{'descr': '', 'fortran_order': False, 'shape': (2,), }", 16);
  expect_bad("{'descr': '|V1234567890123456789012345678901', 'fortran_order': False, "
             "'shape': (0,), }",
             0);
}

Test(npy_parse, shape_times_item_size_overflows) {
  char dict[160];
  snprintf(dict, sizeof dict, "{'descr': '<u8', 'fortran_order': False, 'shape': (%zu,), }",
           SIZE_MAX);
  expect_bad(dict, 64);
  snprintf(dict, sizeof dict, "{'descr': '<u2', 'fortran_order': False, 'shape': (%zu,), }",
           SIZE_MAX / 2 + 1);
  expect_bad(dict, 64);
  snprintf(dict, sizeof dict, "{'descr': '<U4', 'fortran_order': False, 'shape': (%zu,), }",
           SIZE_MAX / 16 + 1);
  expect_bad(dict, 64);
}

Test(npy_parse, file_shorter_than_its_header_says) {
  const char *d = "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }";
  size_t total, hdr;
  unsigned char *b = hand(d, 1, 0, 24, &total, &hdr);
  pv__npy_header h;
  poison(&h);
  for (size_t cut = 1; cut <= 24; cut++)
    cr_expect_eq(pv__npy_parse(b, hdr, total - cut, &h), PV_EBADF, "%zu bytes short", cut);
  assert_poisoned(&h, "short file");
  cr_expect_eq(pv__npy_parse(b, hdr, total, &h), 0, "the whole file; n = header only");
  cr_expect_eq(h.data_offset, hdr);
  free(b);
}

/* ---- format, parse, update_len ------------------------------------------- */

static unsigned char *header_buf(void) {
  unsigned char *b = malloc(PV__NPY_ALIGN);
  cr_assert_not_null(b);
  memset(b, 0xEE, PV__NPY_ALIGN);
  return b;
}

static void format_ok(const char *descr, size_t len, unsigned char *b) {
  pv__npy_header h = {.len = len, .elem_size = pv__npy_descr_size(descr)};
  strcpy(h.descr, descr);
  size_t written = 0;
  cr_assert_eq(pv__npy_format(&h, b, PV__NPY_ALIGN, &written), 0, "format %s %zu", descr, len);
  cr_assert_eq(written, PV__NPY_ALIGN);
}

Test(npy_format, round_trips) {
  static const char *descrs[] = {"|b1", "<i1", ">i2", "<i4", "=i8", "|u1", "<u2", ">u4", "<u8",
                                 "<f2", "<f4", ">f8", "<c8", "<c16", "|V1", "|V24", "|V4096",
                                 "|S5", "<U3", "|V18446744073709551615"};
  unsigned char *b = header_buf();
  for (size_t i = 0; i < sizeof descrs / sizeof descrs[0]; i++) {
    size_t es = pv__npy_descr_size(descrs[i]);
    cr_assert_neq(es, 0, "%s", descrs[i]);
    const size_t max = (SIZE_MAX - PV__NPY_ALIGN) / es;
    const size_t lens[] = {0, 1, 2, 9, 10, 255, 65535, 1000000, max / 3, max - 1, max};
    for (size_t j = 0; j < sizeof lens / sizeof lens[0]; j++) {
      if (lens[j] > max) continue;
      format_ok(descrs[i], lens[j], b);
      cr_expect_eq(b[PV__NPY_ALIGN - 1], '\n');
      pv__npy_header h;
      size_t file = PV__NPY_ALIGN + lens[j] * es;
      cr_assert_eq(pv__npy_parse(b, PV__NPY_ALIGN, file, &h), 0, "%s %zu", descrs[i], lens[j]);
      cr_expect_str_eq(h.descr, descrs[i]);
      cr_expect_eq(h.len, lens[j]);
      cr_expect_eq(h.elem_size, es);
      cr_expect_eq(h.data_offset, PV__NPY_ALIGN);
      if (lens[j] > 0)
        cr_expect_eq(pv__npy_parse(b, PV__NPY_ALIGN, file - 1, &h), PV_EBADF, "one byte short");
    }
  }
  free(b);
}

Test(npy_format, the_header_numpy_sees) {
  unsigned char *b = header_buf();
  format_ok("<u8", 3, b);
  cr_expect(memcmp(b, "\x93NUMPY\x01\x00", 8) == 0, "magic and version 1.0");
  cr_expect_eq(b[8] | b[9] << 8, PV__NPY_ALIGN - 10, "header_len");
  const char *dict = (const char *)b + 10;
  const char *want = "{'shape': (3,";
  cr_expect(strncmp(dict, want, strlen(want)) == 0, "starts with the shape: %.80s", dict);
  for (size_t i = 10; i < PV__NPY_ALIGN - 1; i++)
    cr_expect(b[i] >= 0x20 && b[i] <= 0x7e, "byte %zu is 0x%02x", i, b[i]);
  free(b);
}

Test(npy_format, errors_write_nothing) {
  unsigned char *b = header_buf();
  unsigned char *pattern = header_buf();
  size_t written = 12345;
  pv__npy_header h = {.len = 3, .elem_size = 8, .descr = "<u8"};
  cr_expect_eq(pv__npy_format(NULL, b, PV__NPY_ALIGN, &written), PV_EINVAL, "h NULL");
  cr_expect_eq(pv__npy_format(&h, NULL, PV__NPY_ALIGN, &written), PV_EINVAL, "buf NULL");
  cr_expect_eq(pv__npy_format(&h, b, PV__NPY_ALIGN, NULL), PV_EINVAL, "written NULL");
  cr_expect_eq(pv__npy_format(&h, b, PV__NPY_ALIGN - 1, &written), PV_EINVAL, "cap short");
  cr_expect_eq(pv__npy_format(&h, b, 0, &written), PV_EINVAL, "cap 0");
  h.elem_size = 4;
  cr_expect_eq(pv__npy_format(&h, b, PV__NPY_ALIGN, &written), PV_EINVAL, "elem_size != descr");
  h.elem_size = 8;
  strcpy(h.descr, "|O");
  cr_expect_eq(pv__npy_format(&h, b, PV__NPY_ALIGN, &written), PV_EINVAL, "descr |O");
  memset(h.descr, 'V', sizeof h.descr); /* no NUL */
  cr_expect_eq(pv__npy_format(&h, b, PV__NPY_ALIGN, &written), PV_EINVAL, "unterminated");
  strcpy(h.descr, "<u8");
  h.len = (SIZE_MAX - PV__NPY_ALIGN) / 8 + 1;
  cr_expect_eq(pv__npy_format(&h, b, PV__NPY_ALIGN, &written), PV_EOVERFLOW, "len too large");
  h.len = SIZE_MAX;
  cr_expect_eq(pv__npy_format(&h, b, PV__NPY_ALIGN, &written), PV_EOVERFLOW, "len SIZE_MAX");
  cr_expect(memcmp(b, pattern, PV__NPY_ALIGN) == 0, "buf written on failure");
  cr_expect_eq(written, 12345, "*written changed on failure");
  free(b);
  free(pattern);
}

Test(npy_update, rewrites_the_shape_in_place) {
  unsigned char *b = header_buf();
  unsigned char *before = header_buf();
  format_ok("|V24", 5, b);
  memcpy(before, b, PV__NPY_ALIGN);
  const size_t max = (SIZE_MAX - PV__NPY_ALIGN) / 24;
  const size_t lens[] = {6, 0, 1, 10, 9, 99999, (size_t)UINT32_MAX, max - 1, max, 7};
  for (size_t j = 0; j < sizeof lens / sizeof lens[0]; j++) {
    cr_assert_eq(pv__npy_update_len(b, PV__NPY_ALIGN, lens[j]), 0, "update to %zu", lens[j]);
    pv__npy_header h;
    cr_assert_eq(pv__npy_parse(b, PV__NPY_ALIGN, SIZE_MAX, &h), 0);
    cr_expect_eq(h.len, lens[j]);
    cr_expect_str_eq(h.descr, "|V24");
    cr_expect_eq(h.data_offset, PV__NPY_ALIGN);
  }
  /* back to 5: byte for byte what format wrote */
  cr_assert_eq(pv__npy_update_len(b, PV__NPY_ALIGN, 5), 0);
  cr_expect(memcmp(b, before, PV__NPY_ALIGN) == 0, "update_len(5) differs from format(5)");
  free(b);
  free(before);
}

Test(npy_update, the_largest_length_on_the_smallest_item) {
  unsigned char *b = header_buf();
  format_ok("|u1", 0, b);
  cr_assert_eq(pv__npy_update_len(b, PV__NPY_ALIGN, SIZE_MAX - PV__NPY_ALIGN), 0);
  pv__npy_header h;
  cr_assert_eq(pv__npy_parse(b, PV__NPY_ALIGN, SIZE_MAX, &h), 0);
  cr_expect_eq(h.len, SIZE_MAX - PV__NPY_ALIGN);
  free(b);
}

Test(npy_update, refuses_what_format_did_not_write) {
  unsigned char *b = header_buf();
  unsigned char *copy = header_buf();
  format_ok("<u8", 5, b);
  memcpy(copy, b, PV__NPY_ALIGN);
  cr_expect_eq(pv__npy_update_len(NULL, PV__NPY_ALIGN, 1), PV_EINVAL, "buf NULL");
  cr_expect_eq(pv__npy_update_len(b, PV__NPY_ALIGN - 1, 1), PV_EBADF, "header_size short");
  cr_expect_eq(pv__npy_update_len(b, PV__NPY_ALIGN + 1, 1), PV_EBADF, "header_size long");
  cr_expect_eq(pv__npy_update_len(b, 0, 1), PV_EBADF, "header_size 0");
  cr_expect_eq(pv__npy_update_len(b, PV__NPY_ALIGN, (SIZE_MAX - PV__NPY_ALIGN) / 8 + 1),
               PV_EOVERFLOW, "len * 8 overflows");
  cr_expect(memcmp(b, copy, PV__NPY_ALIGN) == 0, "a refused update wrote");
  /* Headers that parse (or nearly) but are not format's: refused, unwritten.
   * Format's dict starts at 10: "{'shape': (5," then spaces, ')' at 42. */
  const size_t field = 21, close = field + 21;
  cr_assert_eq(copy[field], '5');
  cr_assert_eq(copy[close], ')');
  for (int edit = 0; edit < 7; edit++) {
    memcpy(b, copy, PV__NPY_ALIGN);
    const char *what = "";
    switch (edit) {
    case 0: /* {"shape': ...: the string never ends */
      b[11] = '"';
      what = "a quote changed";
      break;
    case 1: /* { 'shape': ... parses, not at format's place */
      memmove(b + 12, b + 11, 200);
      b[11] = ' ';
      what = "a space before the key";
      break;
    case 2: /* ( 5, */
      memcpy(b + field, " 5,", 3);
      what = "a space before the digits";
      break;
    case 3: /* (5 , */
      memcpy(b + field, "5 ,", 3);
      what = "a space before the comma";
      break;
    case 4: /* (5,  ) moved one to the left */
      b[close - 1] = ')';
      b[close] = ' ';
      what = "the parenthesis moved left";
      break;
    case 6: /* {"shape": (: the same bytes but for the quotes */
      b[11] = b[17] = '"';
      what = "double quotes";
      break;
    case 5: /* (5,   ) one more space: the rest shifted right */
      memmove(b + close + 1, b + close, 200);
      b[close] = ' ';
      what = "the parenthesis moved right";
      break;
    }
    if (edit > 0) {
      pv__npy_header h;
      cr_assert_eq(pv__npy_parse(b, PV__NPY_ALIGN, SIZE_MAX, &h), 0, "%s: parses", what);
    }
    unsigned char *mid = header_buf();
    memcpy(mid, b, PV__NPY_ALIGN);
    cr_expect_eq(pv__npy_update_len(b, PV__NPY_ALIGN, 1), PV_EBADF, "%s", what);
    cr_expect(memcmp(b, mid, PV__NPY_ALIGN) == 0, "%s: written", what);
    free(mid);
  }
  /* A NumPy-style header (64 bytes, data after it) is not format's either. */
  size_t total;
  unsigned char *n = hand("{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }", 1, 0,
                          PV__NPY_ALIGN, &total, NULL);
  cr_expect_eq(pv__npy_update_len(n, PV__NPY_ALIGN, 1), PV_EBADF, "a 64-byte header");
  free(n);
  /* format's dict, but a header_len 64 bytes short: the data would start
   * at PV__NPY_ALIGN - 64. */
  memcpy(b, copy, PV__NPY_ALIGN);
  b[8] = (unsigned char)((PV__NPY_ALIGN - 10 - 64) & 0xff);
  b[9] = (unsigned char)((PV__NPY_ALIGN - 10 - 64) >> 8);
  pv__npy_header h;
  cr_assert_eq(pv__npy_parse(b, PV__NPY_ALIGN, SIZE_MAX, &h), 0);
  cr_assert_eq(h.data_offset, PV__NPY_ALIGN - 64);
  memcpy(copy + 8, b + 8, 2);
  cr_expect_eq(pv__npy_update_len(b, PV__NPY_ALIGN, 1), PV_EBADF, "data before 64 KiB");
  cr_expect(memcmp(b, copy, PV__NPY_ALIGN) == 0, "short header_len: written");
  /* The same dict at full size but version 2.0: refused. */
  memcpy(b, copy, PV__NPY_ALIGN);
  b[6] = 2;
  cr_expect_eq(pv__npy_update_len(b, PV__NPY_ALIGN, 1), PV_EBADF, "version 2.0");
  free(b);
  free(copy);
}

/* ---- the fixtures numpy.save wrote --------------------------------------- */

/* read_fixture - the bytes of DIR/name.npy, DIR from PV_NPY_FIXTURES or
 * $top_srcdir/tests/npy.  *size gets the file's size. */
static unsigned char *read_fixture(const char *name, size_t *size) {
  const char *dir = getenv("PV_NPY_FIXTURES");
  char path[4096];
  if (dir != NULL)
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
  else
    snprintf(path, sizeof path, "%s/tests/npy/%s.npy",
             getenv("top_srcdir") ? getenv("top_srcdir") : ".", name);
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  unsigned char *b = malloc(1 << 16);
  cr_assert_not_null(b);
  *size = fread(b, 1, 1 << 16, f);
  cr_assert(feof(f), "%s: larger than 64 KiB", path);
  fclose(f);
  return b;
}

/* fixture - parse name.npy as the file vector code would (n = min(size,
 * PV__NPY_ALIGN)); checks descr, len, elem_size and that the data ends
 * the file.  Returns the bytes (data at h->data_offset). */
static unsigned char *fixture(const char *name, const char *descr, size_t len, size_t es,
                              pv__npy_header *h) {
  size_t size;
  unsigned char *b = read_fixture(name, &size);
  cr_assert_eq(pv__npy_parse(b, size, size, h), 0, "%s.npy does not parse", name);
  cr_expect_str_eq(h->descr, descr, "%s.npy", name);
  cr_expect_eq(h->len, len, "%s.npy", name);
  cr_expect_eq(h->elem_size, es, "%s.npy", name);
  cr_expect_eq(h->data_offset % 64, 0, "%s.npy: NumPy aligns data to 64", name);
  cr_expect_eq(h->data_offset + len * es, size, "%s.npy: data ends the file", name);
  return b;
}

static uint64_t le(const unsigned char *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = v << 8 | p[i];
  return v;
}

Test(npy_fixtures, u8_i4_f8) {
  pv__npy_header h;
  unsigned char *b = fixture("u8", "<u8", 5, 8, &h);
  for (size_t i = 0; i < 5; i++)
    cr_expect_eq(le(b + h.data_offset + 8 * i, 8), 1000003u * i, "u8[%zu]", i);
  free(b);
  b = fixture("i4", "<i4", 5, 4, &h);
  static const int32_t i4[] = {-2, -1, 0, 1, 2147483647};
  for (size_t i = 0; i < 5; i++)
    cr_expect_eq((uint32_t)le(b + h.data_offset + 4 * i, 4), (uint32_t)i4[i], "i4[%zu]", i);
  free(b);
  b = fixture("f8", "<f8", 3, 8, &h);
  static const double f8[] = {0.5, -1.25, 1e300};
  for (size_t i = 0; i < 3; i++) {
    uint64_t bits = le(b + h.data_offset + 8 * i, 8), want;
    memcpy(&want, &f8[i], 8);
    cr_expect_eq(bits, want, "f8[%zu]", i);
  }
  free(b);
}

Test(npy_fixtures, V24_S5_U3) {
  pv__npy_header h;
  unsigned char *b = fixture("V24", "|V24", 2, 24, &h);
  for (size_t i = 0; i < 48; i++) cr_expect_eq(b[h.data_offset + i], i, "V24 byte %zu", i);
  free(b);
  b = fixture("S5", "|S5", 2, 5, &h);
  cr_expect(memcmp(b + h.data_offset, "ab\0\0\0hello", 10) == 0, "S5 data");
  free(b);
  b = fixture("U3", "<U3", 2, 12, &h);
  static const uint32_t u3[] = {'a', 0, 0, 'x', 'y', 'z'};
  for (size_t i = 0; i < 6; i++)
    cr_expect_eq(le(b + h.data_offset + 4 * i, 4), u3[i], "U3 code point %zu", i);
  free(b);
}

Test(npy_fixtures, empty_and_big_endian) {
  pv__npy_header h;
  free(fixture("empty", "<u8", 0, 8, &h));
  unsigned char *b = fixture("be", ">u4", 4, 4, &h);
  for (size_t i = 0; i < 4; i++) {
    const unsigned char *p = b + h.data_offset + 4 * i;
    uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    cr_expect_eq(v, 0x01020300u + i, "be[%zu] = 0x%08x", i, v);
  }
  free(b);
}

Test(npy_fixtures, refused_ones) {
  static const char *names[] = {"2d", "fortran", "0d", "object", "struct"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    size_t size;
    unsigned char *b = read_fixture(names[i], &size);
    pv__npy_header h;
    poison(&h);
    cr_expect_eq(pv__npy_parse(b, size, size, &h), PV_EBADF, "%s.npy", names[i]);
    assert_poisoned(&h, names[i]);
    /* every prefix of a good header is refused too (a file cut short) */
    free(b);
  }
  size_t size;
  unsigned char *b = read_fixture("u8", &size);
  pv__npy_header h;
  for (size_t n = 0; n < size; n++)
    cr_expect_eq(pv__npy_parse(b, n, n, &h), PV_EBADF, "u8.npy cut to %zu bytes", n);
  free(b);
}

/* ---- files pv__npy_format wrote, for NumPy (tests/npy.sh) ------------------ */

/* write_npy - DIR/name.npy: a formatted header for descr and len, then
 * data (len * elem_size bytes); DIR is PV_NPY_OUT, or the test's /tmp. */
static void write_npy(const char *name, const char *descr, size_t len, const void *data) {
  const char *dir = getenv("PV_NPY_OUT");
  char path[4096];
  if (dir != NULL)
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
  else
    snprintf(path, sizeof path, "/tmp/%s.%ld.npy", name, (long)getpid());
  unsigned char *b = header_buf();
  format_ok(descr, len, b);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s", path);
  size_t es = pv__npy_descr_size(descr);
  cr_assert_eq(fwrite(b, 1, PV__NPY_ALIGN, f), PV__NPY_ALIGN);
  if (len > 0) cr_assert_eq(fwrite(data, es, len, f), len);
  cr_assert_eq(fclose(f), 0);
  free(b);
  /* and it parses back from the file's bytes */
  f = fopen(path, "rb");
  cr_assert_not_null(f);
  unsigned char *r = malloc(PV__NPY_ALIGN);
  cr_assert_not_null(r);
  cr_assert_eq(fread(r, 1, PV__NPY_ALIGN, f), PV__NPY_ALIGN);
  fclose(f);
  pv__npy_header h;
  cr_assert_eq(pv__npy_parse(r, PV__NPY_ALIGN, PV__NPY_ALIGN + len * es, &h), 0);
  cr_expect_eq(h.len, len);
  free(r);
  if (dir == NULL) remove(path);
}

Test(npy_written, files_for_numpy) {
  uint64_t u8[1000];
  for (size_t i = 0; i < 1000; i++) u8[i] = (uint64_t)i * 2654435761u;
  write_npy("pv_u8", "<u8", 1000, u8);
  int32_t i4[] = {-7, 0, 7, INT32_MIN, INT32_MAX};
  write_npy("pv_i4", "<i4", 5, i4);
  double f8[] = {0.25, -3.5, 1e-300};
  write_npy("pv_f8", "<f8", 3, f8);
  unsigned char v24[72];
  for (size_t i = 0; i < sizeof v24; i++) v24[i] = (unsigned char)(255 - i);
  char d[PV__NPY_DESCR_MAX];
  cr_assert_eq(pv__npy_default_descr(24, d, sizeof d), 0);
  write_npy("pv_V24", d, 3, v24);
  write_npy("pv_empty", "<u8", 0, NULL);
}

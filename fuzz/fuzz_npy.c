/*
 * fuzz/fuzz_npy.c - the .npy header parser (lib/npy.h) on arbitrary bytes.
 *
 * The input is a whole file.  pv__npy_parse reads its first min(size,
 * PV__NPY_ALIGN) bytes, as the file vector code does, from a copy of
 * exactly that many bytes (so that ASan sees any read past them).  It must
 * return 0 or PV_EBADF; on PV_EBADF the header struct is untouched; on 0
 * the header must describe a region inside the file with a descr that
 * pv__npy_descr_size accepts, and parsing the whole file must agree.
 * What parses is then written back: pv__npy_format -> pv__npy_parse must
 * give the same descr and len, and pv__npy_update_len to a length taken
 * from the input must parse back to that length (or be PV_EOVERFLOW and
 * write nothing).  The input's first bytes also go to pv__npy_descr_size
 * as a string: whatever it accepts must format and parse back.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "fuzz_common.h"
#include "npy.h"
#include "paged_vec.h"

static unsigned char hdr[PV__NPY_ALIGN];
static unsigned char hdr_copy[PV__NPY_ALIGN];

/* fits - whether a formatted file of len items of es bytes has a size
 * that fits size_t (what format and update_len promise to accept). */
static bool fits(size_t len, size_t es) { return len <= (SIZE_MAX - PV__NPY_ALIGN) / es; }

/* round_trip - format descr and len, parse it back, then update_len to
 * len2; every step must say what lib/npy.h promises. */
static void round_trip(const char *descr, size_t len, size_t len2) {
  pv__npy_header h = {.len = len, .elem_size = pv__npy_descr_size(descr)};
  FUZZ_CHECK(h.elem_size != 0, "round_trip on a refused descr '%s'", descr);
  memcpy(h.descr, descr, strlen(descr) + 1);
  size_t written = 0;
  int rc = pv__npy_format(&h, hdr, sizeof hdr, &written);
  if (!fits(len, h.elem_size)) {
    FUZZ_CHECK(rc == PV_EOVERFLOW, "format '%s' len %zu: %d, want PV_EOVERFLOW", descr, len, rc);
    return;
  }
  FUZZ_CHECK(rc == 0 && written == PV__NPY_ALIGN, "format '%s' len %zu: %d (%zu bytes)", descr,
             len, rc, written);
  pv__npy_header b;
  rc = pv__npy_parse(hdr, sizeof hdr, PV__NPY_ALIGN + len * h.elem_size, &b);
  FUZZ_CHECK(rc == 0, "what format wrote for '%s' %zu does not parse: %d", descr, len, rc);
  FUZZ_CHECK(strcmp(b.descr, descr) == 0 && b.len == len && b.elem_size == h.elem_size &&
                 b.data_offset == PV__NPY_ALIGN,
             "format -> parse: '%s' %zu -> '%s' %zu (%zu at %zu)", descr, len, b.descr, b.len,
             b.elem_size, b.data_offset);
  memcpy(hdr_copy, hdr, sizeof hdr);
  rc = pv__npy_update_len(hdr, sizeof hdr, len2);
  if (!fits(len2, h.elem_size)) {
    FUZZ_CHECK(rc == PV_EOVERFLOW, "update_len %zu on '%s': %d, want PV_EOVERFLOW", len2, descr,
               rc);
    FUZZ_CHECK(memcmp(hdr, hdr_copy, sizeof hdr) == 0, "a refused update_len wrote");
    return;
  }
  FUZZ_CHECK(rc == 0, "update_len %zu on '%s': %d", len2, descr, rc);
  rc = pv__npy_parse(hdr, sizeof hdr, SIZE_MAX, &b);
  FUZZ_CHECK(rc == 0 && b.len == len2 && strcmp(b.descr, descr) == 0,
             "update_len %zu on '%s' -> %d, len %zu", len2, descr, rc, b.len);
}

/* check_parse - parse buf (n of file_size bytes) and check the result's
 * promises; returns the code, *h filled on 0. */
static int check_parse(const unsigned char *buf, size_t n, size_t file_size, pv__npy_header *h) {
  pv__npy_header poison;
  memset(&poison, 0x5A, sizeof poison);
  *h = poison;
  int rc = pv__npy_parse(buf, n, file_size, h);
  FUZZ_CHECK(rc == 0 || rc == PV_EBADF, "parse: %d", rc);
  if (rc != 0) {
    FUZZ_CHECK(memcmp(h, &poison, sizeof poison) == 0, "a refused parse wrote the header");
    return rc;
  }
  FUZZ_CHECK(memchr(h->descr, '\0', sizeof h->descr) != NULL, "descr not terminated");
  FUZZ_CHECK(h->elem_size != 0 && h->elem_size == pv__npy_descr_size(h->descr),
             "elem_size %zu for '%s'", h->elem_size, h->descr);
  FUZZ_CHECK(h->data_offset >= 10 && h->data_offset <= n, "data_offset %zu of %zu read",
             h->data_offset, n);
  FUZZ_CHECK(h->len <= (file_size - h->data_offset) / h->elem_size,
             "%zu items of %zu past a file of %zu from %zu", h->len, h->elem_size, file_size,
             h->data_offset);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* The file as the caller reads it: exactly n bytes, nothing after. */
  size_t n = size < PV__NPY_ALIGN ? size : PV__NPY_ALIGN;
  unsigned char *buf = calloc(n ? n : 1, 1);
  FUZZ_CHECK(buf != NULL, "out of memory");
  memcpy(buf, data, n);
  /* A second length for update_len: the last 8 bytes of the input. */
  size_t len2 = 0;
  for (size_t i = size >= 8 ? size - 8 : 0; i < size; i++) len2 = len2 << 8 | data[i];

  pv__npy_header h, whole;
  int rc = check_parse(buf, n, size, &h);
  if (rc == 0) {
    /* More of the file read changes nothing once the header fits. */
    unsigned char *all = malloc(size);
    FUZZ_CHECK(all != NULL, "out of memory");
    memcpy(all, data, size);
    FUZZ_CHECK(check_parse(all, size, size, &whole) == 0 && memcmp(&h, &whole, sizeof h) == 0,
               "parse of the whole file differs");
    free(all);
    round_trip(h.descr, h.len, len2);
    round_trip(h.descr, len2, h.len);
  }
  if (n == PV__NPY_ALIGN) {
    /* update_len on whatever the file starts with: refused, or it was
     * format's header and now parses with the new length. */
    memcpy(hdr, data, PV__NPY_ALIGN);
    rc = pv__npy_update_len(hdr, PV__NPY_ALIGN, len2);
    FUZZ_CHECK(rc == 0 || rc == PV_EBADF || rc == PV_EOVERFLOW, "update_len: %d", rc);
    if (rc != 0) FUZZ_CHECK(memcmp(hdr, data, PV__NPY_ALIGN) == 0, "a refused update_len wrote");
    if (rc == 0)
      FUZZ_CHECK(pv__npy_parse(hdr, PV__NPY_ALIGN, SIZE_MAX, &h) == 0 && h.len == len2,
                 "update_len %zu did not parse back", len2);
  }
  free(buf);

  /* The input's start as a descr string. */
  char d[PV__NPY_DESCR_MAX + 8];
  size_t dl = size < sizeof d - 1 ? size : sizeof d - 1;
  memcpy(d, data, dl);
  d[dl] = '\0';
  size_t es = pv__npy_descr_size(d);
  if (es != 0) {
    FUZZ_CHECK(strlen(d) < PV__NPY_DESCR_MAX, "accepted '%s', too long", d);
    round_trip(d, len2 % 4096, len2);
  }
  return 0;
}

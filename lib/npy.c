/*
 * lib/npy.c - the NumPy .npy header: a strict parser of the subset NumPy
 * writes and a writer of page-aligned headers (lib/npy.h).  Pure code: no
 * OS call, no allocation.
 *
 * The format (numpy/lib/format.py, "NEP 1"):
 *   "\x93NUMPY" major minor  header_len (1.0: uint16 LE; 2.0, 3.0: uint32
 *   LE)  header_len bytes of a Python dict literal, padded with spaces and
 *   ended by '\n'  then the data, data_offset = 10 (or 12) + header_len.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "npy.h"
#include "paged_vec/common.h"

/* The data of a file paged_vec writes must start on a page boundary of
 * every build: a test build's forced page (configure --with-page-size)
 * must divide PV__NPY_ALIGN. */
_Static_assert(PV_FORCE_PAGE_SIZE <= 65536 &&
                   PV__NPY_ALIGN % (PV_FORCE_PAGE_SIZE > 0 ? PV_FORCE_PAGE_SIZE : 1) == 0,
               "PV__NPY_ALIGN must be a multiple of the configured page size");
/* Version 1.0 stores header_len in 16 bits. */
_Static_assert(PV__NPY_ALIGN - 10 <= 0xffff, "PV__NPY_ALIGN must fit a version 1.0 header");

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
#define NPY_MAGIC_LEN sizeof npy_magic
/* magic, major, minor, then the header_len field. */
#define NPY_V1_PREFIX 10u
#define NPY_V2_PREFIX 12u

/* What pv__npy_format writes, in this order (the shape first so that its
 * digits sit at a fixed offset for pv__npy_update_len). */
static const char fmt_shape[] = "{'shape': (";
static const char fmt_mid[] = "), 'fortran_order': False, 'descr': '";
static const char fmt_end[] = "', }";
#define FMT_SHAPE_AT (NPY_V1_PREFIX + sizeof fmt_shape - 1)

/* ---- small parsers over [p, end) ------------------------------------- */

typedef struct npy_cur {
  const unsigned char *p;
  const unsigned char *end;
} npy_cur;

static bool is_ws(unsigned char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* skip_ws - advance over whitespace. */
static void skip_ws(npy_cur *c) {
  while (c->p < c->end && is_ws(*c->p)) c->p++;
}

/* eat - whitespace, then consume ch if it is next; true if it was. */
static bool eat(npy_cur *c, char ch) {
  skip_ws(c);
  if (c->p < c->end && *c->p == (unsigned char)ch) {
    c->p++;
    return true;
  }
  return false;
}

/* parse_digits - a decimal size_t without sign or leading zeros ("0"
 * itself allowed) at s; *used gets the digits consumed.  False when there
 * is no digit, a leading zero, or the value overflows size_t. */
static bool parse_digits(const unsigned char *s, const unsigned char *end, size_t *out,
                         size_t *used) {
  size_t v = 0, i = 0;
  while (s + i < end && s[i] >= '0' && s[i] <= '9') {
    size_t d = (size_t)(s[i] - '0');
    if (v > (SIZE_MAX - d) / 10) return false;
    v = v * 10 + d;
    i++;
  }
  if (i == 0 || (i > 1 && s[0] == '0')) return false;
  *out = v;
  *used = i;
  return true;
}

/* parse_str - whitespace, then a Python string literal quoted with ' or "
 * holding printable ASCII and no backslash, copied NUL-terminated into
 * out (cap bytes).  False when it is not one or does not fit. */
static bool parse_str(npy_cur *c, char *out, size_t cap) {
  skip_ws(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return false;
  unsigned char q = *c->p++;
  size_t i = 0;
  for (;;) {
    if (c->p >= c->end) return false;
    unsigned char ch = *c->p++;
    if (ch == q) break;
    if (ch < 0x20 || ch > 0x7e || ch == '\\' || i + 1 >= cap) return false;
    out[i++] = (char)ch;
  }
  out[i] = '\0';
  return true;
}

/* parse_bool - whitespace, then True or False. */
static bool parse_bool(npy_cur *c, bool *out) {
  static const char t[] = "True", f[] = "False";
  skip_ws(c);
  size_t left = (size_t)(c->end - c->p), k;
  if (left >= sizeof t - 1 && memcmp(c->p, t, sizeof t - 1) == 0) {
    k = sizeof t - 1;
    *out = true;
  } else if (left >= sizeof f - 1 && memcmp(c->p, f, sizeof f - 1) == 0) {
    k = sizeof f - 1;
    *out = false;
  } else {
    return false;
  }
  c->p += k; /* "Falsey": the dict's grammar refuses what follows */
  return true;
}

/* parse_shape - whitespace, then a 1-D shape tuple "(n,)" (whitespace
 * between the tokens, n as parse_digits with an optional Python 2 'L').
 * False for anything else: (), (n), (n, m), ... */
static bool parse_shape(npy_cur *c, size_t *len) {
  if (!eat(c, '(')) return false;
  skip_ws(c);
  size_t used;
  if (!parse_digits(c->p, c->end, len, &used)) return false;
  c->p += used;
  if (c->p < c->end && *c->p == 'L') c->p++;
  return eat(c, ',') && eat(c, ')');
}

/* The keys of the dict, each required exactly once. */
enum { KEY_DESCR = 1, KEY_FORTRAN = 2, KEY_SHAPE = 4, KEY_ALL = 7 };

/* parse_entry - one "key: value" of the dict into h / *fortran; *seen
 * collects the keys, a repeated or unknown key is false. */
static bool parse_entry(npy_cur *c, pv__npy_header *h, bool *fortran, unsigned *seen) {
  char key[16];
  unsigned k;
  if (!parse_str(c, key, sizeof key) || !eat(c, ':')) return false;
  if (strcmp(key, "descr") == 0)
    k = KEY_DESCR;
  else if (strcmp(key, "fortran_order") == 0)
    k = KEY_FORTRAN;
  else if (strcmp(key, "shape") == 0)
    k = KEY_SHAPE;
  else
    return false;
  if (*seen & k) return false;
  *seen |= k;
  if (k == KEY_DESCR) return parse_str(c, h->descr, sizeof h->descr);
  if (k == KEY_FORTRAN) return parse_bool(c, fortran);
  return parse_shape(c, &h->len);
}

/* parse_dict - the header text [p, end): the dict with all three keys,
 * an optional trailing comma, then only whitespace.  Fills h->descr,
 * h->len and *fortran. */
static bool parse_dict(const unsigned char *p, const unsigned char *end, pv__npy_header *h,
                       bool *fortran) {
  npy_cur c = {p, end};
  unsigned seen = 0;
  if (!eat(&c, '{')) return false;
  if (!eat(&c, '}')) {
    for (;;) {
      if (!parse_entry(&c, h, fortran, &seen)) return false;
      if (eat(&c, '}')) break;
      if (!eat(&c, ',')) return false;
      if (eat(&c, '}')) break;
    }
  }
  skip_ws(&c);
  return c.p == c.end && seen == KEY_ALL;
}

/* ---- the public (library-private) functions --------------------------- */

size_t pv__npy_descr_size(const char *descr) {
  if (descr == NULL) return 0;
  const char *nul = memchr(descr, '\0', PV__NPY_DESCR_MAX);
  if (nul == NULL || nul - descr < 3) return 0;
  if (strchr("<>|=", descr[0]) == NULL) return 0;
  const unsigned char *s = (const unsigned char *)descr + 2, *end = (const unsigned char *)nul;
  size_t n, used;
  if (!parse_digits(s, end, &n, &used) || s + used != end || n == 0) return 0;
  switch (descr[1]) {
  case 'b':
    return n == 1 ? n : 0;
  case 'i':
  case 'u':
    return n == 1 || n == 2 || n == 4 || n == 8 ? n : 0;
  case 'f':
    return n == 2 || n == 4 || n == 8 ? n : 0;
  case 'c':
    return n == 8 || n == 16 ? n : 0;
  case 'V':
  case 'S':
    return n;
  case 'U':
    return n <= SIZE_MAX / 4 ? 4 * n : 0;
  default:
    return 0;
  }
}

int pv__npy_parse(const void *buf, size_t n, size_t file_size, pv__npy_header *h) {
  if (buf == NULL || h == NULL || n > file_size) return PV_EINVAL;
  const unsigned char *b = buf;
  if (n < NPY_V1_PREFIX || memcmp(b, npy_magic, NPY_MAGIC_LEN) != 0) return PV_EBADF;
  size_t prefix, hlen;
  if (b[6] == 1 && b[7] == 0) {
    prefix = NPY_V1_PREFIX;
    hlen = (size_t)b[8] | (size_t)b[9] << 8;
  } else if ((b[6] == 2 || b[6] == 3) && b[7] == 0 && n >= NPY_V2_PREFIX) {
    prefix = NPY_V2_PREFIX;
    uint32_t l = (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 |
                 (uint32_t)b[11] << 24;
    if (l > n - prefix) return PV_EBADF; /* before the cast: size_t may be 32 bits */
    hlen = (size_t)l;
  } else {
    return PV_EBADF;
  }
  if (hlen > n - prefix) return PV_EBADF;
  pv__npy_header t;
  memset(&t, 0, sizeof t);
  bool fortran = true;
  if (!parse_dict(b + prefix, b + prefix + hlen, &t, &fortran) || fortran) return PV_EBADF;
  t.elem_size = pv__npy_descr_size(t.descr);
  if (t.elem_size == 0) return PV_EBADF;
  t.data_offset = prefix + hlen;
  if (t.len > (file_size - t.data_offset) / t.elem_size) return PV_EBADF;
  *h = t;
  return 0;
}

int pv__npy_default_descr(size_t elem_size, char *out, size_t cap) {
  if (out == NULL || elem_size == 0) return PV_EINVAL;
  char tmp[PV__NPY_DESCR_MAX];
  char digits[24];
  size_t nd = 0;
  do {
    digits[nd++] = (char)('0' + elem_size % 10);
    elem_size /= 10;
  } while (elem_size > 0);
  size_t len = 2 + nd;
  if (len + 1 > cap || len + 1 > sizeof tmp) return PV_EINVAL;
  tmp[0] = '|';
  tmp[1] = 'V';
  for (size_t i = 0; i < nd; i++) tmp[2 + i] = digits[nd - 1 - i];
  tmp[len] = '\0';
  memcpy(out, tmp, len + 1);
  return 0;
}

/* size_digits - the decimal digits of SIZE_MAX: the width of the shape
 * field, so that every length fits in place. */
static size_t size_digits(void) {
  size_t d = 1;
  for (size_t v = SIZE_MAX; v >= 10; v /= 10) d++;
  return d;
}

/* put_len - write len into the shape field at f as digits, ',' and
 * spaces: size_digits() + 1 bytes in all. */
static void put_len(unsigned char *f, size_t len) {
  size_t w = size_digits(), nd = 0;
  unsigned char digits[24];
  do {
    digits[nd++] = (unsigned char)('0' + len % 10);
    len /= 10;
  } while (len > 0);
  for (size_t i = 0; i < nd; i++) f[i] = digits[nd - 1 - i];
  f[nd] = ',';
  memset(f + nd + 1, ' ', w - nd);
}

/* len_fits - whether a file of a PV__NPY_ALIGN header and len elements of
 * elem_size bytes has a size that fits size_t. */
static bool len_fits(size_t len, size_t elem_size) {
  return len <= (SIZE_MAX - PV__NPY_ALIGN) / elem_size;
}

int pv__npy_format(const pv__npy_header *h, void *buf, size_t cap, size_t *written) {
  if (h == NULL || buf == NULL || written == NULL || cap < PV__NPY_ALIGN) return PV_EINVAL;
  size_t es = pv__npy_descr_size(h->descr);
  if (es == 0 || es != h->elem_size) return PV_EINVAL;
  if (!len_fits(h->len, es)) return PV_EOVERFLOW;
  unsigned char *b = buf;
  size_t hlen = PV__NPY_ALIGN - NPY_V1_PREFIX, at = 0;
  memcpy(b, npy_magic, NPY_MAGIC_LEN);
  b[6] = 1;
  b[7] = 0;
  b[8] = (unsigned char)(hlen & 0xff);
  b[9] = (unsigned char)(hlen >> 8);
  at = NPY_V1_PREFIX;
  memcpy(b + at, fmt_shape, sizeof fmt_shape - 1);
  at += sizeof fmt_shape - 1;
  put_len(b + at, h->len);
  at += size_digits() + 1;
  memcpy(b + at, fmt_mid, sizeof fmt_mid - 1);
  at += sizeof fmt_mid - 1;
  size_t dl = strlen(h->descr); /* < PV__NPY_DESCR_MAX: descr_size checked it */
  memcpy(b + at, h->descr, dl);
  at += dl;
  memcpy(b + at, fmt_end, sizeof fmt_end - 1);
  at += sizeof fmt_end - 1;
  memset(b + at, ' ', PV__NPY_ALIGN - 1 - at);
  b[PV__NPY_ALIGN - 1] = '\n';
  *written = PV__NPY_ALIGN;
  return 0;
}

/* is_formatted - whether b (PV__NPY_ALIGN bytes) is a header
 * pv__npy_format wrote: it parses, its data starts at PV__NPY_ALIGN,
 * and the shape field sits where format puts it (at 10 + 11: so the
 * version is 1.0, whose header_len field ends at 10).  Fills *h. */
static bool is_formatted(const unsigned char *b, pv__npy_header *h) {
  if (pv__npy_parse(b, PV__NPY_ALIGN, SIZE_MAX, h) != 0) return false;
  if (h->data_offset != PV__NPY_ALIGN) return false;
  if (memcmp(b + NPY_V1_PREFIX, fmt_shape, sizeof fmt_shape - 1) != 0) return false;
  const unsigned char *f = b + FMT_SHAPE_AT, *fend = f + size_digits() + 1;
  size_t v, used;
  if (!parse_digits(f, fend, &v, &used) || f[used] != ',') return false;
  for (const unsigned char *s = f + used + 1; s < fend; s++)
    if (*s != ' ') return false;
  return *fend == ')';
}

int pv__npy_update_len(void *buf, size_t header_size, size_t len) {
  if (buf == NULL) return PV_EINVAL;
  pv__npy_header h;
  if (header_size != PV__NPY_ALIGN || !is_formatted(buf, &h)) return PV_EBADF;
  if (!len_fits(len, h.elem_size)) return PV_EOVERFLOW;
  put_len((unsigned char *)buf + FMT_SHAPE_AT, len);
  return 0;
}

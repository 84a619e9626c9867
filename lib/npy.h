/*
 * lib/npy.h - the NumPy .npy header of file vectors, private (lib/npy.c).
 *
 * A file vector is a NumPy .npy file: a header (magic "\x93NUMPY", a
 * version, a little-endian header length, then a Python dict literal
 * {'descr': ..., 'fortran_order': ..., 'shape': ...} padded with spaces),
 * then the elements.  This module parses the headers paged_vec can map and
 * writes the headers paged_vec makes.  It is pure code: no OS call, no
 * allocation, no global state, so that it is fuzzed directly
 * (fuzz/fuzz_npy.c) and is the same on every platform.
 *
 * What paged_vec maps: C order (fortran_order False), a 1-D shape (n,),
 * and a descr whose item size is known (pv__npy_descr_size).  Everything
 * else, and every header that does not parse, is PV_EBADF.
 */
#ifndef PV_LIB_NPY_H
#define PV_LIB_NPY_H

#include <stddef.h>

/*
 * Where the data of a file paged_vec writes starts, and so the total size
 * of the headers pv__npy_format writes.  It is a multiple of the largest
 * page size the library supports (64 KiB: arm64 and ppc64 kernels, and
 * configure --with-page-size's maximum) and of Windows' allocation
 * granularity (64 KiB, which MapViewOfFile offsets must be a multiple of),
 * so that a file made on a 4 KiB-page machine maps its data page-aligned
 * on every machine the library runs on.  The check against the configured
 * page is in lib/npy.c (config.h is not included by headers).
 */
#define PV__NPY_ALIGN ((size_t)65536)

/* The longest descr accepted, counting its terminating NUL ("<U12345678"
 * is 10 characters; NumPy's longest simple descr strings are far below). */
#define PV__NPY_DESCR_MAX 32

/* A parsed (or to-be-written) header.  data_offset: where the first
 * element starts in the file; len: shape[0]; elem_size: the item size of
 * descr; descr: the dtype string as written in the file, e.g. "<u8",
 * "|V24", NUL-terminated. */
typedef struct pv__npy_header {
  size_t data_offset;
  size_t len;
  size_t elem_size;
  char descr[PV__NPY_DESCR_MAX];
} pv__npy_header;

/*
 * pv__npy_parse - parse the header of a .npy file into *h.
 *
 * buf holds the first n bytes of a file of file_size bytes (n <=
 * file_size).  The header must lie entirely within those n bytes: a
 * header longer than n is PV_EBADF (there is no second call).  A caller
 * that reads min(file_size, PV__NPY_ALIGN) bytes therefore accepts every
 * header of up to 64 KiB: every header paged_vec writes, and every header
 * NumPy writes for a dtype paged_vec maps.
 *
 * Accepted: magic "\x93NUMPY", versions 1.0 (2-byte header length), 2.0
 * and 3.0 (4-byte); a dict with exactly the keys 'descr', 'fortran_order'
 * and 'shape', in any order, each once, with spaces, tabs or newlines
 * between tokens and an optional trailing comma; strings quoted with ' or
 * " and holding no backslash; fortran_order False (True is refused,
 * whatever the shape); shape (n,) with n a decimal integer without leading zeros (an 'L' suffix, as Python 2 wrote
 * it, is accepted).  After the closing brace only whitespace may follow up
 * to the header's end.
 *
 * Returns 0 and fills *h (data_offset = the header's total size, which
 * need not be aligned: NumPy starts data at 64 or 128 bytes; the caller
 * decides what it can map), or:
 *   PV_EINVAL  buf or h NULL, or n > file_size;
 *   PV_EBADF   wrong magic, unknown version, a header past n or past the
 *              file, a dict that does not parse, fortran_order True, a
 *              shape that is not 1-D (() included: a 0-d array is not a
 *              vector), a descr pv__npy_descr_size does not accept (object
 *              'O', structured lists, sub-arrays, datetimes, ...),
 *              shape[0] * item size overflowing size_t, or a file shorter
 *              than data_offset + shape[0] * item size.
 * *h is written only on success.
 */
int pv__npy_parse(const void *buf, size_t n, size_t file_size, pv__npy_header *h);

/*
 * pv__npy_descr_size - the item size in bytes of a descr string paged_vec
 * accepts, 0 if it does not accept it.  Accepted: a byte order '<', '>',
 * '|' or '=' followed by b1, i1 i2 i4 i8, u1 u2 u4 u8, f2 f4 f8, c8 c16,
 * or V<n>, S<n> (n bytes), U<n> (4n bytes: UCS-4), n >= 1 decimal without
 * leading zeros; the whole string shorter than PV__NPY_DESCR_MAX.  NULL
 * gives 0.
 */
size_t pv__npy_descr_size(const char *descr);

/*
 * pv__npy_default_descr - the descr of a vector given no dtype:
 * "|V<elem_size>" (raw bytes of elem_size), written to out (cap bytes,
 * NUL-terminated).  Returns 0, or PV_EINVAL when out is NULL, elem_size
 * is 0 or the string does not fit in cap (or in PV__NPY_DESCR_MAX); out
 * is written only on success.
 */
int pv__npy_default_descr(size_t elem_size, char *out, size_t cap);

/*
 * pv__npy_format - write a version 1.0 header for h->descr and h->len
 * into buf (cap bytes).  The header's total size is PV__NPY_ALIGN
 * (header_len = PV__NPY_ALIGN - 10, padded with spaces, ending in '\n'),
 * set in *written; the shape is written with room for the largest size_t
 * so that pv__npy_update_len can rewrite it in place.  h->elem_size must
 * be pv__npy_descr_size(h->descr); h->data_offset is not read.  Returns 0,
 * or PV_EINVAL when h, buf or written is NULL, cap < PV__NPY_ALIGN, the
 * descr is not accepted or elem_size differs from its item size, or
 * PV_EOVERFLOW when h->len * elem_size + PV__NPY_ALIGN overflows size_t
 * (the header would not parse back).  Nothing is written on failure.
 */
int pv__npy_format(const pv__npy_header *h, void *buf, size_t cap, size_t *written);

/*
 * pv__npy_update_len - rewrite the shape of a header pv__npy_format wrote
 * (in a buffer or a mapped header page) to (len,), in place: the total
 * size stays header_size.  Returns 0, or PV_EINVAL when buf is NULL,
 * PV_EBADF when buf is not such a header (header_size is not
 * PV__NPY_ALIGN, or the bytes are not a header pv__npy_format wrote), or
 * PV_EOVERFLOW when len * elem_size + PV__NPY_ALIGN overflows size_t.
 * Nothing is written on failure.
 */
int pv__npy_update_len(void *buf, size_t header_size, size_t len);

#endif /* PV_LIB_NPY_H */

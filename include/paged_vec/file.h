/*
 * paged_vec/file.h - vectors that live in files.
 *
 * pv_vec_open makes a pv_vec whose bytes are a file's, mapped shared: the
 * vector persists, can be larger than RAM (the page cache holds what is
 * used), can be read by other processes, and is a NumPy .npy file
 * (numpy.load(path, mmap_mode='r', max_header_size=1 << 16) opens it
 * without a copy).  Every element operation of vec.h works on it
 * unchanged, and so does the typed layer (name_open in typed.h).
 * pv_vec_destroy closes it.
 *
 * The file: a .npy version 1.0 header of 64 KiB (PV_FILE_DATA_OFFSET),
 * then the elements, so that the data starts on a page boundary on every
 * machine the library supports.  The header's shape is the vector's len
 * as of the last growth, shrink, freeze, pv_vec_sync or close; closing
 * also cuts the file to header + len elements.  docs/files.md says
 * exactly what a crash or a power loss can lose, how processes share a
 * file and what happens when another process truncates it (SIGBUS).
 *
 * Larger than RAM: the pages a program has touched stay mapped in it (and
 * count in its RSS) until it drops them.  pv_vec_sync(v, PV_SYNC_WAIT)
 * then pv_vec_advise(v, PV_ADVISE_PAGEOUT) every so often (say each GiB)
 * writes them back and drops them from the process and the page cache;
 * the next access reads them back from the file.  Advice on a file:
 * PV_ADVISE_WILLNEED reads ahead without dirtying a page, the huge-page
 * advices do nothing, PAGEOUT keeps pages that are still dirty.
 * pv_vec_populate on a file vector faults its capacity past len in for
 * writing: those pages become resident and dirty in the page cache (their
 * bytes stay zero) and are written back at the next sync; the close still
 * cuts the file to header + len elements.
 *
 * A .npy file another program wrote (NumPy starts the data at 64 or 128
 * bytes, with a header that has no room to be rewritten in place) opens
 * with PV_OPEN_READONLY; opened writable it is PV_ENOTSUP, untouched.
 *
 *   pv_vec_file_opts o = {.elem_size = 8, .flags = PV_OPEN_CREATE,
 *                         .dtype = "<u8"};
 *   pv_vec v;
 *   if (pv_vec_open(&v, "ids.npy", &o) < 0) ...
 *   for (uint64_t i = 0; i < n; i++) pv_vec_push(&v, &i);
 *   pv_vec_sync(&v, PV_SYNC_WAIT);   (durable now)
 *   pv_vec_destroy(&v);
 *
 *   python3 -c "import numpy; print(numpy.load('ids.npy', mmap_mode='r',
 *                                               max_header_size=1 << 16).sum())"
 *
 * Platforms: POSIX (mmap MAP_SHARED; mremap where the kernel has it) and
 * Windows (MapViewOfFile).  Windows cannot place a view inside a
 * reservation: a PV_GROW_STABLE vector there makes the file header +
 * max_len elements long at open (sparse where the file system allows) and
 * maps all of it, so a crash leaves the file at that size (the header's
 * len still right; docs/files.md, "Durability"), and shrinking keeps that
 * view until close cuts the file.  A REMAP vector there shrinks by mapping
 * a shorter view in place of the longer one (data may move): the memory
 * comes back at once, the file's length at close.
 */
#ifndef PAGED_VEC_FILE_H
#define PAGED_VEC_FILE_H

#include <stddef.h>
#include "paged_vec/common.h"
#include "paged_vec/vec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where the elements start in every file pv_vec_open creates. */
#define PV_FILE_DATA_OFFSET ((size_t)65536)

/* Flags for pv_vec_file_opts.flags. */
enum {
  /* Create the file when it does not exist (with `mode`); an existing
   * empty file is made a new vector too.  Needs elem_size. */
  PV_OPEN_CREATE = 1u << 0,
  /* With PV_OPEN_CREATE: fail with PV_EEXIST when the path exists, a
   * symbolic link included (it is never followed). */
  PV_OPEN_EXCL = 1u << 1,
  /* Map the file read-only: the vector is frozen for good (pv_vec_frozen
   * is true, pv_vec_thaw is PV_EACCES), every mutator is PV_EACCES and a
   * raw write through data faults.  Takes no lock (see pv_vec_open).
   * Not with CREATE, EXCL or TRUNCATE. */
  PV_OPEN_READONLY = 1u << 2,
  /* Empty an existing file first (after the lock is taken) and make it a
   * new vector.  Needs elem_size. */
  PV_OPEN_TRUNCATE = 1u << 3
};

/* Flags for pv_vec_sync: exactly one of them. */
enum {
  /* Return once data and header are on the device (msync + fsync). */
  PV_SYNC_WAIT = 1u << 0,
  /* Write the header and start the write-back; return at once. */
  PV_SYNC_ASYNC = 1u << 1
};

typedef struct pv_vec_file_opts {
  size_t elem_size;  /* bytes per element; required when the file may be
                        created (CREATE, TRUNCATE); 0 takes it from an
                        existing file's header, another value must match
                        it (else PV_EBADF) */
  unsigned flags;    /* PV_OPEN_* */
  const char *dtype; /* NumPy dtype string of a new file, e.g. "<u8" (its
                        item size must be elem_size; NULL: "|V<elem_size>",
                        raw bytes); for an existing file NULL accepts any,
                        another value must equal the header's (PV_EBADF) */
  pv_grow grow;      /* PV_GROW_DEFAULT / PV_GROW_REMAP: the file grows,
                        then the mapping, and data may move;
                        PV_GROW_STABLE: address space for max_len elements
                        reserved at open (Windows: the file made that long
                        and mapped whole), data never moves.  COPY is
                        PV_EINVAL (a file is never copied) */
  size_t max_len;    /* PV_GROW_STABLE: the most elements it can hold */
  unsigned mode;     /* permission bits of a created file; 0: 0666, both
                        masked by the umask */
} pv_vec_file_opts;

/*
 * pv_vec_open - open (or create) the .npy file at path as the vector *v.
 * Reopening restores len, elem_size and the dtype from the header; the
 * capacity is what the file holds past the header, in whole pages.  The
 * file is opened close-on-exec.  A writable open takes an exclusive
 * advisory lock (flock) on the file, held until pv_vec_destroy: one writer
 * at a time; PV_OPEN_READONLY takes none, so readers open while a writer
 * works and see what it has written up to the len of the header when
 * they opened (docs/files.md, "Sharing").
 * Returns 0, or (*v is not written, the file is unchanged unless said):
 *   PV_EINVAL   v, path or o NULL; an unknown flag; READONLY with CREATE,
 *               EXCL or TRUNCATE; EXCL without CREATE; CREATE or TRUNCATE
 *               with elem_size 0; a dtype whose item size is not
 *               elem_size (or that NumPy's descr syntax paged_vec accepts
 *               does not cover); grow COPY or unknown; STABLE with max_len
 *               0 or below the file's len; mode above 07777; a path that
 *               is a directory or not a regular file
 *   PV_ENOENT   no such file, without PV_OPEN_CREATE
 *   PV_EBUSY    another writer holds the file's lock
 *   PV_EEXIST   PV_OPEN_EXCL was given and the path exists (a symbolic
 *               link included)
 *   PV_EACCES   permission denied, a read-only file system
 *   PV_EBADF    not a .npy file paged_vec can map: wrong magic, a header
 *               that does not parse, fortran_order True, a shape that is
 *               not 1-D, a dtype it does not know, an item size or dtype
 *               other than the one asked for, a file shorter than its
 *               header says (an existing empty file without CREATE too)
 *   PV_ENOTSUP  opened writable, a header paged_vec did not write (it
 *               cannot rewrite its len in place): open it READONLY; or
 *               the platform has no file vectors
 *   PV_ENOSPC   the disk or the file size limit is full (creating the
 *               header, rounding the file up to whole pages, or, STABLE
 *               on Windows, making it header + max_len elements long)
 *   PV_EOVERFLOW the file is larger than the address space; STABLE's
 *               max_len * elem_size (plus the header) overflows size_t
 *   PV_ENOMEM, PV_EMAPS, PV_EIO  from the kernel
 * A create that fails after the file was made, and a TRUNCATE that fails
 * after the lock was taken, leave the file empty (opening an empty file
 * with PV_OPEN_CREATE makes it a vector).
 */
PV_EXPORT int pv_vec_open(pv_vec *v, const char *path, const pv_vec_file_opts *o);

/*
 * pv_vec_sync - write the vector's len into the header and its bytes back
 * to the file.  PV_SYNC_WAIT: the elements first, then the header, then
 * fsync, so that after it returns a power loss keeps at least this len
 * and these elements.  PV_SYNC_ASYNC: the header is written and the
 * write-back started.  A read-only vector has nothing to write: 0.
 * Returns 0, or PV_EINVAL (v NULL or destroyed, not a file vector, flags
 * not exactly one of PV_SYNC_WAIT and PV_SYNC_ASYNC), PV_EIO, PV_ENOSPC,
 * PV_ENOMEM from the kernel; the vector is unchanged either way (the
 * header may already hold the new len).
 */
PV_EXPORT int pv_vec_sync(pv_vec *v, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* PAGED_VEC_FILE_H */

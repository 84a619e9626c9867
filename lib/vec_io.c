/*
 * lib/vec_io.c - reading a descriptor or a file straight into a vector
 * (pv_vec_read_fd, pv_vec_read_file; their contracts are in vec.h).
 *
 * No bounce buffer: every byte is read (lib/os.h: pv__os_file_read) where
 * it stays, in the spare capacity past len, which grows through the
 * storage layer (lib/store.h: pv__store_grow).  A regular file is sized
 * from fstat first and its room reserved once; after that, and for pipes,
 * sockets and terminals, the capacity grows geometrically.  When the
 * capacity is full one byte is read aside to learn whether more is coming,
 * so a file that fits exactly never grows past its size.
 *
 * The bytes read so far lie past len.  Before a growth (which may move the
 * data, and a move copies only len elements) len covers them; they are
 * whole elements then, since the capacity is full.  On success len grows
 * by the whole elements read; on an error it goes back to where it was,
 * and the offset of a regular file goes back too.  The ASan poison of the
 * tail is opened before each read and closed at the end, as pv_vec_spare
 * and pv_vec_set_len do.
 */
#include "config.h"

#include <stdint.h>

#include "os.h"
#include "store.h"

/* One read in progress. */
typedef struct pv__rd {
  pv_vec *v;
  int fd;
  size_t old_len; /* len before the call */
  size_t base;    /* old_len * elem_size: where the bytes read start */
  size_t total;   /* bytes taken from fd so far (the probe byte too) */
  size_t limit;   /* the most bytes to take (SIZE_MAX: no limit) */
  pv__os_file f;  /* what fstat said */
} pv__rd;

/* Bytes of capacity past what was read. */
static size_t rd_room(const pv__rd *r) {
  return r->v->cap * r->v->elem_size - r->base - r->total;
}

/* A regular file: reserve room for the rest of it (capped by the limit)
 * at once, exactly.  Anything else: nothing to size from. */
static int rd_reserve(pv__rd *r) {
  pv_vec *v = r->v;
  if (!r->f.regular || r->f.size <= r->f.offset) return 0;
  uint64_t left = r->f.size - r->f.offset;
  size_t want = left < (uint64_t)r->limit ? (size_t)left : r->limit;
  size_t es = v->elem_size;
  size_t n = want / es + (want % es != 0);
  if (n <= v->cap - v->len) return 0;
  if (n > SIZE_MAX - v->len) return PV_EOVERFLOW;
  return pv__store_grow(v, v->len + n, true);
}

/* The capacity is full: read one byte aside; at end of input set *eof,
 * else grow geometrically and put the byte in its place. */
static int rd_probe(pv__rd *r, bool *eof) {
  pv_vec *v = r->v;
  unsigned char byte;
  size_t got;
  int rc = pv__os_file_read(r->fd, &byte, 1, &got);
  if (rc != 0) return rc;
  if (got == 0) {
    *eof = true;
    return 0;
  }
  r->total++;
  /* Full capacity: what was read is whole elements; len covers them so
   * that a growth that moves the data moves them too. */
  pv__store_set_len(v, v->cap);
  if (v->cap == SIZE_MAX) return PV_EOVERFLOW;
  rc = pv__store_grow(v, v->cap + 1, false);
  if (rc != 0) return rc;
  pv__store_unpoison_tail(v);
  ((unsigned char *)v->data)[r->base + r->total - 1] = byte;
  return 0;
}

/* Read until end of input or the limit. */
static int rd_fill(pv__rd *r) {
  int rc = rd_reserve(r);
  if (rc != 0) return rc;
  bool eof = false;
  while (!eof && r->total < r->limit) {
    size_t room = rd_room(r);
    if (room == 0) {
      rc = rd_probe(r, &eof);
      if (rc != 0) return rc;
      continue;
    }
    size_t ask = r->limit - r->total, got;
    if (ask > room) ask = room;
    pv__store_unpoison_tail(r->v);
    rc = pv__os_file_read(r->fd, (char *)r->v->data + r->base + r->total, ask,
                          &got);
    if (rc != 0) return rc;
    eof = got == 0;
    r->total += got;
  }
  return 0;
}

/* After a failure: len and the tail's poison as before the call, and a
 * regular file's offset back where it was (best effort: the error being
 * reported is the first one). */
static void rd_undo(pv__rd *r) {
  pv__store_set_len(r->v, r->old_len);
  pv__store_poison_tail(r->v);
  if (r->f.regular && r->total != 0) (void)pv__os_file_seek(r->fd, r->f.offset);
}

/* The whole read of pv_vec_read_fd, v checked; on success len covers the
 * whole elements read and r->total says how many bytes were taken. */
static int rd_run(pv__rd *r, pv_vec *v, int fd, size_t max_bytes) {
  r->v = v;
  r->fd = fd;
  r->old_len = v->len;
  r->base = v->len * v->elem_size; /* held bytes: cannot overflow */
  r->total = 0;
  r->limit = max_bytes == 0 ? SIZE_MAX : max_bytes;
  r->f.regular = false;
  int rc = pv__os_file_info(fd, &r->f);
  if (rc != 0) return rc;
  rc = rd_fill(r);
  if (rc != 0) {
    rd_undo(r);
    return rc;
  }
  pv__store_set_len(v, r->old_len + r->total / v->elem_size);
  pv__store_poison_tail(v);
  return 0;
}

int pv_vec_read_fd(pv_vec *v, int fd, size_t max_bytes, size_t *nread) {
  if (nread != NULL) *nread = 0;
  int rc = pv__store_check_mut(v);
  if (rc != 0) return rc;
  if (fd < 0) return PV_EINVAL;
  pv__rd r;
  rc = rd_run(&r, v, fd, max_bytes);
  if (nread != NULL) *nread = r.total;
  return rc;
}

int pv_vec_read_file(pv_vec *v, const char *path) {
  int rc = pv__store_check_mut(v);
  if (rc != 0) return rc;
  if (path == NULL) return PV_EINVAL;
  int fd;
  rc = pv__os_file_open(path, 0, 0, &fd); /* read-only */
  if (rc != 0) return rc;
  pv__rd r;
  rc = rd_run(&r, v, fd, 0);
  if (rc == 0 && r.total % v->elem_size != 0) {
    /* A trailing partial element: not a file of these elements. */
    pv__store_set_len(v, r.old_len);
    pv__store_poison_tail(v);
    rc = PV_EINVAL;
  }
  /* A read-only descriptor's close cannot lose data: its error is not
   * worth failing a read that worked. */
  (void)pv__os_file_close(fd);
  return rc;
}

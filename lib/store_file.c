/*
 * lib/store_file.c - vectors that live in files (lib/store.h: the FILE and
 * FILE_STABLE kinds; the API is paged_vec/file.h, the format and the
 * durability rules docs/files.md).  Sees the OS only through lib/os.h and
 * the .npy header only through lib/npy.h.
 *
 * The whole file is mapped shared from offset 0 at `base`: the header,
 * then the elements at data = base + data_off.  Files this library writes
 * have a PV__NPY_ALIGN-byte header, so data is page-aligned; a file
 * another program wrote (data at 64 or 128 bytes) opens read-only only,
 * since its header has no room to rewrite the len in place.
 *
 *   base            data = base + data_off                 base + mapped
 *   |<-- header -->|<-------- elements, capacity -------->|<- reserved
 *   |<------------- the file, mapped shared (size >= mapped) ->|  (STABLE)
 *
 * STABLE where a view cannot be placed inside a reservation
 * (!caps->can_map_files_at, Windows; `whole` below, decided at open): the
 * file is made header + max_len elements long at open (sparse where the
 * file system allows, pv__os_fmap_sparse) and ONE view of all of it is
 * mapped (`held`); `mapped` is then only the part counted as capacity, so
 * that growth is bookkeeping and a header write, with no OS call, and
 * shrink keeps everything until close cuts the file.  A crash leaves the
 * file at that full size; the header's len still says what is valid.
 *
 * Rules kept by every function here:
 *   - the file is never shorter than what is mapped of it while writable
 *     (view_end: so no access through the mapping raises SIGBUS), and never shorter
 *     than data_off + len * elem_size (the library never cuts the
 *     elements; closing cuts the file to exactly that);
 *   - the header's len (hdr_len) is written before every growth, shrink
 *     and freeze, at sync and at close, and is never more than the
 *     elements the file holds: a file reopened after SIGKILL is a prefix
 *     of what was pushed;
 *   - the failure rule of store.c: fallible calls first, undone when a
 *     later one fails.  (Undoing a file growth cuts the file back; should
 *     that fail too, the file is longer than the mapping, which is
 *     harmless and cut at close.)
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "os.h"
#include "paged_vec/file.h"
#include "store.h"

_Static_assert(PV_FILE_DATA_OFFSET == PV__NPY_ALIGN,
               "file.h's data offset is the header size npy.c writes");

/* A file vector's state block: the pv__store store.c sees comes first, so
 * that v->pv_store points at the whole block. */
typedef struct pv__store_file {
  pv__store s;
  int fd;          /* the open file (os.h: a descriptor) */
  char *base;      /* file offset 0 in memory */
  size_t mapped;   /* bytes of the file mapped from base, a page multiple */
  size_t held;     /* address space from base to release (STABLE: the
                      reservation; else mapped) */
  size_t data_off; /* where the elements start, in the file and from base */
  size_t hdr_len;  /* the len the header holds now */
  bool whole;      /* STABLE as one view of the whole maximum (held), where
                      views cannot be placed in a reservation: mapped is
                      then the part of it counted as capacity */
} pv__store_file;

static const pv__os_caps *caps(void) { return pv__os_caps_get(); }

static pv__store_file *sf(const pv_vec *v) { return (pv__store_file *)v->pv_store; }

static bool readonly(const pv__store_file *f) { return (f->s.flags & PV__ST_RDONLY) != 0; }

/* Bytes of the file mapped from base: the file is never shorter while the
 * vector is writable. */
static size_t view_end(const pv__store_file *f) { return f->whole ? f->held : f->mapped; }

/* The protection of the mapping while the vector is writable. */
static unsigned live_prot(const pv__store_file *f) {
  return readonly(f) ? PV_PROT_READ : PV__PROT_RW;
}

/* Adopt what f maps (store.c's one door for data, cap and the bytes). */
static void adopt(pv_vec *v) {
  pv__store_file *f = sf(v);
  pv__store_region r = {f->base + f->data_off, f->mapped - f->data_off,
                        f->held - f->data_off, false};
  pv__store_adopt(v, &r);
}

/* Record v's len in the header, in place (a writable header is one this
 * library wrote: open checked that it can be rewritten).  Nothing to do
 * when it holds that len already, which is always the case while the
 * vector is frozen (freeze wrote it, and len cannot change). */
static void write_len(pv_vec *v) {
  pv__store_file *f = sf(v);
  if (readonly(f) || f->hdr_len == v->len) return;
  /* Cannot fail: the header passed the same call at open, and len fits
   * the mapping, so len * elem_size + the header fits size_t. */
  if (pv__npy_update_len(f->base, f->data_off, v->len) == 0) f->hdr_len = v->len;
}

/* Bytes x rounded up to whole pages, 0 on overflow. */
static size_t pages_for(size_t x) {
  size_t r;
  return pv__round_up(x, caps()->page_size, &r) ? r : 0;
}

/* ---- open ------------------------------------------------------------------ */

/* The header fields of a new file from the options (checked already). */
static int new_header(const pv_vec_file_opts *o, pv__npy_header *h) {
  memset(h, 0, sizeof *h);
  h->elem_size = o->elem_size;
  h->data_offset = PV__NPY_ALIGN;
  if (o->dtype == NULL)
    return pv__npy_default_descr(o->elem_size, h->descr, sizeof h->descr);
  if (strlen(o->dtype) >= sizeof h->descr) return PV_EINVAL;
  strcpy(h->descr, o->dtype);
  return 0;
}

static int stable_bytes(size_t max_len, size_t elem_size, size_t data_off, size_t *out);

/* Options that need no file: the dtype against elem_size, STABLE's bytes. */
static int check_opts(const pv_vec_file_opts *o) {
  size_t b;
  if (o->grow == PV_GROW_STABLE && o->elem_size != 0 &&
      stable_bytes(o->max_len, o->elem_size, PV__NPY_ALIGN, &b) != 0)
    return PV_EOVERFLOW;
  if (o->dtype != NULL &&
      (pv__npy_descr_size(o->dtype) == 0 ||
       (o->elem_size != 0 && pv__npy_descr_size(o->dtype) != o->elem_size)))
    return PV_EINVAL;
  if ((o->flags & (PV_OPEN_CREATE | PV_OPEN_TRUNCATE)) != 0) {
    pv__npy_header h;
    return new_header(o, &h);
  }
  return 0;
}

/* The address space a STABLE file vector of elem_size-byte elements
 * reserves: the header and max_len elements, in whole pages. */
static int stable_bytes(size_t max_len, size_t elem_size, size_t data_off, size_t *out) {
  size_t b;
  if (!pv__store_mul(max_len, elem_size, &b) || b > SIZE_MAX - data_off)
    return PV_EOVERFLOW;
  *out = pages_for(b + data_off);
  return *out == 0 ? PV_EOVERFLOW : 0;
}

/* Map [0, f->mapped) of the file into f->base: anywhere, or (STABLE,
 * reserve != 0) at the start of a fresh reservation of `reserve` bytes;
 * or (whole, reserve != 0) [0, reserve) of the file, anywhere, which the
 * file holds already.  f is unchanged on failure. */
static int map_whole(pv__store_file *f, size_t reserve, unsigned prot) {
  void *p;
  int rc;
  if (reserve == 0 || f->whole) {
    size_t n = reserve == 0 ? f->mapped : reserve;
    rc = pv__os_fmap_map(f->fd, 0, n, prot, NULL, &p);
    if (rc != 0) return rc;
    f->held = n;
  } else {
    void *at;
    rc = pv__os_map(reserve, 0, PV_PROT_NONE, &p);
    if (rc != 0) return rc;
    rc = pv__os_fmap_map(f->fd, 0, f->mapped, prot, p, &at);
    if (rc != 0) {
      (void)pv__os_unmap(p, reserve);
      return rc;
    }
    f->held = reserve;
  }
  f->base = p;
  return 0;
}

/* Whole: the file grown from `old` bytes to `size` (if longer), with holes
 * where the file system allows; on failure its size is old. */
static int extend_sparse(pv__store_file *f, size_t old, size_t size) {
  int rc = pv__os_fmap_sparse(f->fd);
  if (rc == 0 && size > old) rc = pv__os_fmap_resize(f->fd, size);
  return rc;
}

/* An empty file (just created, or truncated): the header of a vector of
 * len 0, one header's worth of file (whole: the maximum), mapped. */
static int create(pv__store_file *f, const pv_vec_file_opts *o, pv__npy_header *h) {
  int rc = new_header(o, h);
  size_t reserve = 0, written;
  if (rc == 0 && f->s.kind == PV__STORE_FILE_STABLE)
    rc = stable_bytes(o->max_len, o->elem_size, PV__NPY_ALIGN, &reserve);
  if (rc != 0) return rc;
  f->mapped = pages_for(PV__NPY_ALIGN);
  rc = f->whole ? extend_sparse(f, 0, reserve) : pv__os_fmap_extend(f->fd, 0, f->mapped);
  if (rc != 0) return rc;
  rc = map_whole(f, reserve, PV__PROT_RW);
  if (rc == 0) rc = pv__npy_format(h, f->base, f->mapped, &written);
  if (rc != 0) {
    if (f->base != NULL) (void)pv__os_unmap(f->base, f->held);
    f->base = NULL;
    (void)pv__os_fmap_resize(f->fd, 0); /* back to empty (file.h) */
  }
  return rc;
}

/* The header of a mapped file checked against the options and the mode:
 * 0, PV_EBADF, PV_ENOTSUP (writable, a header this library did not write),
 * PV_EINVAL (STABLE below the file's len). */
static int check_header(const pv__store_file *f, const pv_vec_file_opts *o,
                        const pv__npy_header *h) {
  if (o->elem_size != 0 && o->elem_size != h->elem_size) return PV_EBADF;
  if (o->dtype != NULL && strcmp(o->dtype, h->descr) != 0) return PV_EBADF;
  if (readonly(f)) return 0;
  /* Rewriting the len it holds changes no byte, and fails, writing
   * nothing, on a header it cannot rewrite. */
  if (h->data_offset != PV__NPY_ALIGN ||
      pv__npy_update_len(f->base, h->data_offset, h->len) != 0)
    return PV_ENOTSUP;
  if (f->s.kind == PV__STORE_FILE_STABLE && o->max_len < h->len) return PV_EINVAL;
  return 0;
}

/* Move a STABLE vector's mapping (made anywhere, to read the header, of
 * the f->mapped bytes the file holds) into a reservation for max_len
 * elements, or (whole) into one view of the file grown to that size.  On
 * failure the first mapping and the file's size are as they were. */
static int into_reservation(pv__store_file *f, size_t max_len, size_t elem_size) {
  size_t reserve;
  int rc = stable_bytes(max_len, elem_size, f->data_off, &reserve);
  if (rc != 0) return rc;
  if (reserve < f->mapped) reserve = f->mapped;
  /* Whole: the file first (a view maps only what the file holds). */
  if (f->whole && (rc = extend_sparse(f, f->mapped, reserve)) != 0) return rc;
  char *old = f->base;
  size_t old_held = f->held;
  rc = map_whole(f, reserve, PV__PROT_RW);
  if (rc == 0 && (rc = pv__os_unmap(old, old_held)) != 0)
    (void)pv__os_unmap(f->base, f->held);
  if (rc != 0) { /* back to the first mapping, which the caller releases */
    f->base = old;
    f->held = old_held;
    if (f->whole && reserve > f->mapped) (void)pv__os_fmap_resize(f->fd, f->mapped);
  }
  return rc;
}

/* An existing file of `size` bytes: mapped (whole pages), its header
 * parsed and checked, rounded up to whole pages of file when writable. */
static int open_existing(pv__store_file *f, const pv_vec_file_opts *o, uint64_t size,
                         pv__npy_header *h) {
  if (size == 0) return PV_EBADF;
  if (size > SIZE_MAX || pages_for((size_t)size) == 0) return PV_EOVERFLOW;
  f->mapped = pages_for((size_t)size);
  int rc = map_whole(f, 0, live_prot(f));
  if (rc != 0) return rc;
  rc = pv__npy_parse(f->base, (size_t)size, (size_t)size, h);
  if (rc == 0) rc = check_header(f, o, h);
  f->data_off = h->data_offset;
  /* The mapped tail of the last page becomes file, so that no mapped
   * byte lies past the end. */
  bool rounded = false;
  if (rc == 0 && !readonly(f) && f->mapped > size)
    rounded = (rc = pv__os_fmap_extend(f->fd, size, f->mapped)) == 0;
  if (rc == 0 && f->s.kind == PV__STORE_FILE_STABLE)
    rc = into_reservation(f, o->max_len, h->elem_size);
  if (rc != 0) {
    (void)pv__os_unmap(f->base, f->held);
    f->base = NULL;
    /* The file as it was (unmapped first: Windows cuts no mapped file). */
    if (rounded) (void)pv__os_fmap_resize(f->fd, size);
  }
  return rc;
}

/* The file opened (and locked, and truncated when asked) in f->fd. */
static int open_fd(pv__store_file *f, const char *path, const pv_vec_file_opts *o) {
  unsigned of = 0;
  if (!readonly(f)) of |= PV__OS_FILE_WRITE;
  if (o->flags & PV_OPEN_CREATE) of |= PV__OS_FILE_CREATE;
  if (o->flags & PV_OPEN_EXCL) of |= PV__OS_FILE_EXCL;
  int rc = pv__os_file_open(path, of, o->mode != 0 ? o->mode : 0666u, &f->fd);
  if (rc != 0) return rc;
  /* Lock before truncating: another writer's file is never cut. */
  if (!readonly(f)) rc = pv__os_fmap_lock(f->fd);
  if (rc == 0 && (o->flags & PV_OPEN_TRUNCATE)) rc = pv__os_fmap_resize(f->fd, 0);
  if (rc != 0) (void)pv__os_file_close(f->fd);
  return rc;
}

int pv__store_file_open(pv_vec *n, const char *path, const pv_vec_file_opts *o) {
  int rc = check_opts(o);
  if (rc != 0) return rc;
  /* Refused before anything touches the path. */
  if (!caps()->can_map_files) return PV_ENOTSUP;
  if ((rc = pv__os_fault_hit()) != 0) return rc; /* the sweeps fail malloc too */
  pv__store_file *f = malloc(sizeof *f);
  if (f == NULL) return PV_ENOMEM;
  memset(f, 0, sizeof *f);
  bool ro = (o->flags & PV_OPEN_READONLY) != 0;
  f->s.kind = !ro && o->grow == PV_GROW_STABLE ? PV__STORE_FILE_STABLE : PV__STORE_FILE;
  f->s.next = f->s.kind;
  f->s.flags = PV_VEC_NO_HUGE | (ro ? PV__ST_FROZEN | PV__ST_RDONLY : 0);
  f->s.max_len = f->s.kind == PV__STORE_FILE_STABLE ? o->max_len : 0;
  /* STABLE places views inside a reservation where the OS can; elsewhere
   * one view of the whole maximum. */
  f->whole = f->s.kind == PV__STORE_FILE_STABLE && !caps()->can_map_files_at;
  rc = open_fd(f, path, o);
  if (rc != 0) {
    free(f);
    return rc;
  }
  pv__os_file info;
  pv__npy_header h;
  rc = pv__os_file_info(f->fd, &info);
  if (rc == 0 && !info.regular) rc = PV_EINVAL; /* a FIFO, a device: nothing to map */
  if (rc == 0) {
    bool fresh = info.size == 0 && (o->flags & (PV_OPEN_CREATE | PV_OPEN_TRUNCATE)) != 0;
    rc = fresh ? create(f, o, &h) : open_existing(f, o, info.size, &h);
  }
  if (rc != 0) {
    (void)pv__os_file_close(f->fd);
    free(f);
    return rc;
  }
  f->data_off = h.data_offset;
  f->hdr_len = h.len;
  n->elem_size = h.elem_size;
  n->pv_store = &f->s;
  adopt(n);
  pv__store_set_len(n, h.len);
  pv__store_poison_tail(n);
  return 0;
}

/* ---- growth and shrink ------------------------------------------------------ */

/* The mapping grown to `target` bytes of the file (which holds them
 * already; not whole): more of it mapped in the reservation (STABLE), mremap, or a
 * fresh mapping of the file replacing the old one (no byte is copied:
 * both are views of the file). */
static int map_more(pv__store_file *f, size_t target) {
  void *p;
  int rc;
  if (f->s.kind == PV__STORE_FILE_STABLE)
    return pv__os_fmap_map(f->fd, f->mapped, target - f->mapped, PV__PROT_RW,
                           f->base + f->mapped, &p);
  if (caps()->can_remap) {
    rc = pv__os_remap(f->base, f->mapped, target, 0, 0, &p);
  } else {
    rc = pv__os_fmap_map(f->fd, 0, target, PV__PROT_RW, NULL, &p);
    if (rc == 0 && (rc = pv__os_unmap(f->base, f->mapped)) != 0)
      (void)pv__os_unmap(p, target);
  }
  if (rc != 0) return rc;
  f->base = p;
  f->held = target;
  return 0;
}

int pv__store_file_grow(pv_vec *v, size_t need, bool exact) {
  pv__store_file *f = sf(v);
  /* need * elem_size fits (store.c checked). */
  size_t nb = need * v->elem_size, target, g;
  if (nb > SIZE_MAX - f->data_off || (target = pages_for(f->data_off + nb)) == 0)
    return PV_EOVERFLOW;
  /* Geometric: at least double the elements' bytes (store.c's factor). */
  if (!exact && f->s.bytes <= (SIZE_MAX - f->data_off) / 2 &&
      (g = pages_for(f->data_off + 2 * f->s.bytes)) > target)
    target = g;
  if (f->s.kind == PV__STORE_FILE_STABLE && target > f->held) target = f->held;
  write_len(v);
  if (f->whole) { /* the view and the file hold it already */
    f->mapped = target;
    adopt(v);
    return 0;
  }
  int rc = pv__os_fmap_extend(f->fd, f->mapped, target);
  if (rc != 0) return rc;
  rc = map_more(f, target);
  if (rc != 0) {
    (void)pv__os_fmap_resize(f->fd, f->mapped); /* see the file comment */
    return rc;
  }
  f->mapped = target;
  adopt(v);
  return 0;
}

/* Shrink where a mapped file cannot be cut (Windows): a fresh view of the
 * first `target` bytes replaces the old one (no byte is copied: both are
 * views of the file; data moves), then the file is cut to it.  Should the
 * cut fail (Windows keeps a mapped file's length), the file is only
 * longer than mapped: growth never shortens it, close cuts it. */
static int shrink_view(pv_vec *v, size_t target) {
  pv__store_file *f = sf(v);
  void *p;
  write_len(v);
  int rc = pv__os_fmap_map(f->fd, 0, target, PV__PROT_RW, NULL, &p);
  if (rc != 0) return rc;
  if ((rc = pv__os_unmap(f->base, f->held)) != 0) {
    (void)pv__os_unmap(p, target);
    return rc;
  }
  f->base = p;
  f->held = f->mapped = target;
  (void)pv__os_fmap_resize(f->fd, target);
  adopt(v);
  return 0;
}

int pv__store_file_shrink(pv_vec *v, size_t keep) {
  pv__store_file *f = sf(v);
  if (readonly(f)) return 0;
  /* keep * elem_size <= the bytes mapped: no overflow. */
  size_t target = pages_for(f->data_off + keep * v->elem_size);
  if (target >= f->mapped) return 0;
  /* While one view holds the whole maximum (whole), the mapping stays as
   * it is and close cuts the file; so does STABLE in a reservation where
   * the file cannot be cut while mapped (it never moves). */
  if (f->whole) return 0;
  if (!caps()->can_cut_mapped)
    return f->s.kind == PV__STORE_FILE ? shrink_view(v, target) : 0;
  write_len(v);
  char *cut = f->base + target;
  int rc = f->s.kind == PV__STORE_FILE_STABLE
               ? pv__os_uncommit(cut, f->mapped - target)
               : pv__os_release_tail(cut, f->mapped - target);
  if (rc != 0) return rc;
  if (f->s.kind == PV__STORE_FILE) f->held = target;
  f->mapped = target;
  /* The file follows; should that fail it is only longer than mapped
   * (cut at close). */
  (void)pv__os_fmap_resize(f->fd, target);
  adopt(v);
  return 0;
}

/* ---- protection, advice, measure, sync ------------------------------------- */

int pv__store_file_protect(pv_vec *v, unsigned prot) {
  pv__store_file *f = sf(v);
  if (readonly(f)) return (prot & PV_PROT_WRITE) ? PV_EACCES : 0;
  /* Frozen, the header cannot be written: it gets the len first. */
  if (!(prot & PV_PROT_WRITE)) write_len(v);
  return pv__os_protect(f->base, f->mapped, prot);
}

int pv__store_file_advise(pv_vec *v, pv_advice advice) {
  pv__store_file *f = sf(v);
  /* Huge pages do not back shared file mappings here: nothing to ask. */
  if (advice == PV_ADVISE_HUGEPAGE || advice == PV_ADVISE_NOHUGEPAGE) return 0;
  /* "Will need" is read-ahead for a file, never a write to every page. */
  if (advice == PV_ADVISE_WILLNEED) return pv__os_fmap_readahead(f->base, f->mapped);
  return pv__os_advise(f->base, f->mapped, advice);
}

int pv__store_file_resident(const pv_vec *v, size_t *bytes) {
  const pv__store_file *f = sf(v);
  /* From the page holding the first element (the header's pages are not
   * the vector's, unless an element shares one). */
  size_t start = f->data_off & ~(caps()->page_size - 1);
  if (start >= f->mapped) {
    *bytes = 0;
    return 0;
  }
  return pv__os_resident(f->base + start, f->mapped - start, bytes);
}

int pv__store_file_sync(pv_vec *v, bool wait) {
  pv__store_file *f = sf(v);
  if (readonly(f)) return 0;
  int rc;
  if (!wait) {
    write_len(v);
    return pv__os_fmap_sync(f->base, f->mapped, false);
  }
  /* The elements reach the device before the header that counts them. */
  if (f->mapped > f->data_off &&
      (rc = pv__os_fmap_sync(f->base + f->data_off, f->mapped - f->data_off, true)) != 0)
    return rc;
  write_len(v);
  rc = pv__os_fmap_sync(f->base, f->data_off, true);
  return rc != 0 ? rc : pv__os_fmap_flush(f->fd);
}

/* ---- close ---------------------------------------------------------------- */

int pv__store_file_close(pv_vec *v) {
  pv__store_file *f = sf(v);
  int rc, cut_rc = 0;
  const uint64_t cut = f->data_off + v->len * v->elem_size;
  if (!readonly(f)) write_len(v);
  if (!readonly(f) && caps()->can_cut_mapped) {
    /* Cut to the elements while still mapped (nothing touches the cut
     * part), so that a failure leaves the vector as it was. */
    rc = pv__os_fmap_resize(f->fd, cut);
    if (rc != 0) return rc;
    rc = pv__os_unmap(f->base, f->held);
    if (rc != 0) {
      (void)pv__os_fmap_resize(f->fd, view_end(f));
      return rc;
    }
  } else if ((rc = pv__os_unmap(f->base, f->held)) != 0) {
    return rc;
  } else if (!readonly(f)) {
    /* Windows cuts a file only once unmapped: past the point of no
     * return, a failed cut leaves the file longer than its elements (the
     * header's len is right) and is reported after the release. */
    cut_rc = pv__os_fmap_resize(f->fd, cut);
    /* A reader's view of the file forbids the cut: the file stays longer
     * (docs/files.md), which is not the writer's failure. */
    if (cut_rc == PV_EBUSY) cut_rc = 0;
  }
  /* The point of no return: the descriptor goes whatever close says (os.h). */
  rc = pv__os_file_close(f->fd);
  free(f);
  v->pv_store = NULL;
  return cut_rc != 0 ? cut_rc : rc;
}

/*
 * paged_vec/vec.h - the container: a growable vector of fixed-size elements
 * whose data lives in its own page-aligned mapping once past a small size.
 *
 * A pv_vec is a struct the caller owns (six words: 48 bytes on LP64).
 * `data`, `len`, `cap` and `elem_size` may be read (the typed layer inlines
 * on them); fields starting with `pv_` are private.  Never write any field
 * yourself.
 *
 * An empty vector owns no memory: pv_vec_init makes no system call (and,
 * for a default vector, no allocation).  Elements are stored contiguously
 * from `data` (NULL while cap is 0; STABLE: the reserved base).
 *
 * The small phase: a default vector (REMAP or COPY without PV_VEC_HUGE,
 * PV_VEC_GUARD, PV_VEC_PAGES or PV_VEC_MOVE_ON_GROW, and PV_DEBUG_MOVE not
 * set) starts in a block from malloc/realloc of exactly cap elements, and
 * moves into its own mapping (one copy of its elements) when a growth would
 * give it a capacity of the threshold or more: the huge page size where
 * transparent huge pages can be used (2 MiB on x86-64), else 512 pages
 * (chosen by measurement: docs/container.md).  While small, `data` is
 * aligned as malloc aligns, the capacity is not rounded to pages,
 * pv_vec_trim and pv_vec_advise are no-ops and pv_vec_resident reports the
 * block's size; pv_vec_freeze first moves the vector into pages.  Once in
 * pages a vector stays in pages (shrinking below the threshold keeps whole
 * pages).  The other options, and PV_VEC_PAGES, have pages from the first
 * element.
 *
 * Capacity in pages: whole pages, `data` page-aligned; cap is every
 * element that fits in them (cap * elem_size may end short of the last
 * page).  Growth at least doubles the capacity's bytes (factor 2: n pushes
 * cost O(n), and at most half of the capacity is unused, unless a region
 * from the cache, already faulted in, gave more: pv_cache(3)).
 *
 * Growth modes:
 *   PV_GROW_REMAP  (the default) the capacity grows geometrically; the
 *                  kernel moves page tables, never bytes.  Without mremap
 *                  (Windows, macOS, the BSDs) the vector reserves address
 *                  space 8 times its committed size, commits in place while
 *                  that lasts and copies into a larger reservation when
 *                  full.  Either way `data` may change on growth.
 *   PV_GROW_STABLE address space for opts.max_len elements is reserved up
 *                  front (PROT_NONE, no memory) and committed as the vector
 *                  grows; `data` and every element address never change
 *                  until pv_vec_destroy.  Growing past max_len is PV_ENOSPC.
 *   PV_GROW_COPY   map new, copy, unmap old: the portable fallback.
 *                  `data` may change on growth.
 *
 * Errors: every fallible function returns 0 or a negative PV_E* code, and on
 * failure the vector and its contents are exactly as before (the one
 * exception: pv_vec_read_fd and pv_vec_read_file may leave the capacity
 * grown).  Common codes:
 *   PV_EINVAL    a NULL vector or pointer argument, a destroyed vector
 *   PV_ERANGE    an index or range past the end
 *   PV_EOVERFLOW len + n or n * elem_size would overflow size_t
 *   PV_ENOMEM    the kernel refused memory or address space, or malloc a
 *                small vector's block or a vector's state
 *   PV_EMAPS     the process reached its mapping limit (vm.max_map_count):
 *                wherever PV_ENOMEM is listed below, PV_EMAPS can be too
 *   PV_ENOSPC    a STABLE vector would grow past opts.max_len
 *   PV_EACCES    the vector is frozen (pv_vec_freeze)
 *
 * Thread safety: a vector is not internally locked; distinct vectors may be
 * used from distinct threads freely.  Concurrent reads of one vector are
 * safe while nobody mutates it.
 *
 *   pv_vec v;
 *   pv_vec_init(&v, sizeof(double));
 *   for (int i = 0; i < 1000000; i++) {
 *     double x = i * 0.5;
 *     if (pv_vec_push(&v, &x) < 0) break;
 *   }
 *   double *d = pv_vec_data(&v);
 *   pv_vec_destroy(&v);
 */
#ifndef PAGED_VEC_VEC_H
#define PAGED_VEC_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h> /* uintptr_t: pv_vec_push's inline case */
#include <string.h> /* memcpy: pv_vec_push's inline common case */
#include "paged_vec/common.h"
#include "paged_vec/pages.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pv_grow {
  PV_GROW_DEFAULT = 0, /* REMAP */
  PV_GROW_REMAP,
  PV_GROW_STABLE,
  PV_GROW_COPY
} pv_grow;

/* Flags for pv_vec_opts.flags. */
enum {
  /* Ask for transparent huge pages from the first growth: the capacity is
   * rounded up to whole huge pages even for a small vector, and stays so
   * through pv_vec_shrink_to_fit (100 ints keep one huge page).  By default
   * a vector asks for them once its capacity reaches the huge page size
   * (pv_huge_page_size()); from then on its capacity is whole huge pages
   * while its elements need at least one (shrink rounds up to whole huge
   * pages, and below one huge page goes back to whole pages), its region
   * starts on a huge page boundary across growth (REMAP moves once to get
   * there; a growth the address space is too tight to align, under
   * RLIMIT_AS, moves unaligned rather than fail, and the next growth that
   * can realigns) and it is advised MADV_HUGEPAGE.  Without THP (Linux
   * "never", other systems) both are plain page-sized vectors. */
  PV_VEC_HUGE = 1u << 0,
  /* Never ask for huge pages and do not align to them. */
  PV_VEC_NO_HUGE = 1u << 1,
  /* Keep one PROT_NONE page (pv_page_size() bytes) right after the
   * committed pages, across growth and shrink_to_fit, so a raw write past
   * them faults instead of corrupting memory.  (With an element size that
   * does not divide the page, the bytes between cap * elem_size and the end
   * of the last page are still writable.)  REMAP then moves on every growth,
   * as the guard sits where in-place growth would go. */
  PV_VEC_GUARD = 1u << 2,
  /* Debug: every growth moves the data to a new address and makes the old
   * one inaccessible, so code holding a stale pointer faults.  Also enabled
   * for every vector by the environment variable PV_DEBUG_MOVE=1 (any
   * non-empty value but "0"; read once, at the first vector init).  Ignored
   * by STABLE vectors, whose addresses never move.  Skips the small phase
   * (a freed malloc block would not fault). */
  PV_VEC_MOVE_ON_GROW = 1u << 3,
  /* Page-aligned pages from the first element: skip the small phase (see
   * above), so that page alignment, whole-page capacity, trim, advise and
   * resident hold at every capacity. */
  PV_VEC_PAGES = 1u << 4
};

typedef struct pv_vec_opts {
  size_t elem_size;   /* bytes per element, >= 1 (required) */
  size_t initial_cap; /* elements to reserve at init; 0 allocates nothing */
  size_t max_len;     /* STABLE only (ignored otherwise): the most elements
                         it can ever hold; max_len * elem_size bytes of
                         address space are reserved at init */
  pv_grow grow;       /* growth mode, PV_GROW_DEFAULT if zero */
  unsigned flags;     /* PV_VEC_* flags */
} pv_vec_opts;

typedef struct pv_vec {
  void *data;        /* first element; NULL while cap == 0 (STABLE: reserved base) */
  size_t len;        /* elements in use */
  size_t cap;        /* elements that fit without growing */
  size_t elem_size;  /* bytes per element */
  size_t pv_room;    /* private: elements an inline push may fill without
                        calling the library: cap while writable, 0 while
                        frozen, so the typed push tests one compare */
  struct pv__store *pv_store; /* private: how the bytes are held (the
                        library's storage layer; NULL once destroyed) */
} pv_vec;

/* Lifecycle ------------------------------------------------------------ */

/*
 * pv_vec_init - an empty vector of `elem_size`-byte elements with default
 * options.  Makes no system call.
 * Returns 0, or PV_EINVAL (v NULL, elem_size 0).
 */
PV_EXPORT int pv_vec_init(pv_vec *v, size_t elem_size);

/*
 * pv_vec_init_opts - a vector with explicit options (see pv_vec_opts).
 *
 *   pv_vec_opts o = { .elem_size = sizeof(struct node), .max_len = 1u << 24,
 *                     .grow = PV_GROW_STABLE };
 *   pv_vec nodes;
 *   int rc = pv_vec_init_opts(&nodes, &o);
 *
 * Returns 0, or:
 *   PV_EINVAL    v or opts NULL, elem_size 0, unknown grow mode or flag,
 *                PV_VEC_HUGE with PV_VEC_NO_HUGE, STABLE with max_len 0,
 *                initial_cap > max_len for STABLE
 *   PV_EOVERFLOW capacity * elem_size does not fit in size_t
 *   PV_ENOMEM    the kernel refused the initial reservation, or malloc the
 *                vector's state or its initial block
 * On failure *v is not touched.
 */
PV_EXPORT int pv_vec_init_opts(pv_vec *v, const pv_vec_opts *opts);

/*
 * pv_vec_destroy - unmap everything and reset *v so that a second destroy
 * is a no-op and every other call returns PV_EINVAL.  Works on frozen
 * vectors.  Returns 0, or PV_EINVAL if v is NULL.  A vector in a file
 * (paged_vec/file.h) is closed: its header gets the len, the file is cut
 * to the header and the elements; cutting the file or unmapping can fail
 * (the kernel's code, *v unchanged), and when only the file's close
 * reports an error (PV_EIO, ...) *v is released all the same.
 */
PV_EXPORT int pv_vec_destroy(pv_vec *v);

/* Access --------------------------------------------------------------- */

/* pv_vec_at - pointer to element i, or NULL if v is NULL or i >= len. */
PV_EXPORT void *pv_vec_at(const pv_vec *v, size_t i);

/* pv_vec_get - copy element i to *out.
 * Returns 0, PV_EINVAL (v or out NULL), PV_ERANGE (i >= len). */
PV_EXPORT int pv_vec_get(const pv_vec *v, size_t i, void *out);

/* pv_vec_set - copy *elem into element i.
 * Returns 0, PV_EINVAL (NULL), PV_ERANGE (i >= len), PV_EACCES (frozen). */
PV_EXPORT int pv_vec_set(pv_vec *v, size_t i, const void *elem);

/* pv_vec_data / len / cap / elem_size - the fields, or NULL / 0 for NULL v. */
PV_EXPORT void *pv_vec_data(const pv_vec *v);
PV_EXPORT size_t pv_vec_len(const pv_vec *v);
PV_EXPORT size_t pv_vec_cap(const pv_vec *v);
PV_EXPORT size_t pv_vec_elem_size(const pv_vec *v);

/* pv_vec_last - pointer to the last element, or NULL if v is NULL or
 * empty (or destroyed). */
PV_EXPORT void *pv_vec_last(const pv_vec *v);

/* Mutation ------------------------------------------------------------- */

/*
 * pv_vec_reserve - make room for at least len + additional elements,
 * growing geometrically so that repeated reserves stay amortised O(1).
 * Returns 0, or PV_EINVAL, PV_EACCES, PV_ENOSPC, PV_EOVERFLOW, PV_ENOMEM.
 */
PV_EXPORT int pv_vec_reserve(pv_vec *v, size_t additional);

/*
 * pv_vec_push - append one element copied from *elem, growing if needed.
 * Returns 0, or PV_EINVAL (NULL), PV_EACCES (frozen), PV_ENOSPC (STABLE
 * full), PV_EOVERFLOW, PV_ENOMEM.
 *
 * A call is inline in the caller's code for the common case (room left,
 * writable: one compare, as in the typed layer); when full it calls
 * pv_vec_reserve(v, 1) and then stores inline (for NULL arguments it calls
 * the function), so that a generic push costs about what a typed one does.
 * The function itself stays exported: (pv_vec_push)(v, elem) or its
 * address reach it directly.  Code built with AddressSanitizer always
 * calls the function (it keeps the bytes past len poisoned).
 */
PV_EXPORT int pv_vec_push(pv_vec *v, const void *elem);

/*
 * Private: pv_vec_push's inline case and the typed layer's push ask the
 * CPU for the cache line PV__PUSH_AHEAD bytes past the slot they store
 * to, for writing.  Why: a loop of these pushes stores twice per element,
 * the element and then len (typed.h, "Batches"), and stores leave the
 * core in order; where the elements' lines are not in the cache (from
 * about 10^4 u64 on, and fresh pages), each element store waits for its
 * line with the len stores queued behind it.  A line asked for 2 KiB (32
 * lines) ahead is there when its stores come (in a standalone loop over
 * fresh huge pages, 1, 2 and 4 KiB ahead did about the same, 256 and 512
 * bytes less well).  Measured with the benchmark program's pair_build
 * rows (pv's time / glibc's in the same process, a build with the
 * prefetch against one without, 2 processes of 7 rounds each): 10^4 to
 * 10^6 elements 0.7-0.95x the time without, 10^8 0.9x, 16 elements the
 * same, 10^3 1.07x; 10^6 live vectors of 16 0.8x; a make bench run
 * without it had the typed push of 10^8 at 1.50x the first touch, the two
 * runs with it 1.19x and 1.28x, two later runs 1.27x and 1.25x
 * (docs/benchmarks.md).  The batch push stores once per element and got
 * slower with a prefetch (1.2x at 10^8, 1.3x at 10^3), so it has none.
 * Those figures are from an Intel host, with a typed push that loaded
 * data again at every push.  With the push reading data before its test
 * (typed.h), on a Zen 1 host, the same comparison (glibc's time / pv's,
 * so above 1 favours pv; with the prefetch, then without, 2 processes
 * each) gave 10^4 2.0 and 2.0 against 3.4 and 3.2, 10^6 2.5 and 2.5
 * against 2.2 and 2.2, 10^8 3.0 and 2.0 against 3.2 and 3.3: mixed on
 * that host, so the prefetch stays until a host where it costs at every
 * size says otherwise.
 * The cost: pushes into many small vectors in random order (a hash
 * table's buckets) fetch a line they do not use.
 * Asking only from 32 KiB of room on (no branch: four more
 * instructions a push) took bench pair_hash from 1.24x to 1.07x the
 * realloc vector's time but pair_build from 1.04x to 1.4x at 10^3, 0.8x
 * to 1.05x at 10^4 and 10^5 (same method, 2 processes of 7 rounds), so
 * every push asks.  A prefetch never faults and is dropped for an
 * address with no page, so the line past a small vector's block or past
 * the capacity costs at most a fetch; the address
 * is formed as an integer, never as a pointer past the object.  Compilers
 * without __builtin_prefetch push without it.
 */
#define PV__PUSH_AHEAD 2048u
#if defined(__GNUC__) || defined(__clang__)
#  define PV__PUSH_PREFETCH(slot)                                             \
    __builtin_prefetch((const void *)((uintptr_t)(slot) + PV__PUSH_AHEAD), 1, 3)
#else
#  define PV__PUSH_PREFETCH(slot) ((void)(slot))
#endif

#if !PV__ASAN
/* Private: pv_vec_push's inline case.  The slot is past len, so elem (a
 * live element or the caller's) cannot overlap it.  The common
 * element sizes are constant-size copies (one or two moves; a memcpy of
 * elem_size bytes is a library call that cost 3.7x the typed push).  8
 * bytes (pointers, u64, double) is tested first and laid out as the
 * straight path: as a switch, each push took two taken jumps, and the
 * generic push cost 1.8-2.1x the typed one (bench pair_build, 10^4 and
 * 10^6, pv and pvgen alternating); with 8 first, 1.0-1.3x.  GCC
 * sees the sizes of the branches not taken and would warn that they read
 * past a smaller *elem: those warnings are off for this function only. */
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wpragmas" /* a GCC without the next one */
#  pragma GCC diagnostic ignored "-Warray-bounds"
#  pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
/* Private: branch hints (the growth is the rare case; 8-byte elements the
 * common one). */
#if defined(__GNUC__) || defined(__clang__)
#  define PV__VEC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define PV__VEC_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#  define PV__VEC_UNLIKELY(x) (x)
#  define PV__VEC_LIKELY(x) (x)
#endif
static inline int pv__vec_push_inline(pv_vec *v, const void *elem) {
  size_t n;
  if (PV__VEC_UNLIKELY(v == NULL || elem == NULL || (n = v->len) >= v->pv_room)) {
    /* Full (or an error): make room for one (pv_vec_reserve's codes are
     * pv_vec_push's) and join the store below, so that a loop of pushes
     * keeps len in a register.  An elem inside the vector's elements may
     * move with the growth: it is found again by its offset. */
    uintptr_t at, lo;
    size_t off = (size_t)-1;
    int rc;
    if (v == NULL || elem == NULL) return (pv_vec_push)(v, elem);
    at = (uintptr_t)elem;
    lo = (uintptr_t)v->data;
    if (v->data != NULL && at >= lo && at - lo < v->cap * v->elem_size)
      off = (size_t)(at - lo);
    rc = pv_vec_reserve(v, 1);
    if (rc != 0) return rc;
    if (off != (size_t)-1) elem = (const char *)v->data + off;
    n = v->len;
  }
  {
    /* The element first and len last (a store through the element may
     * alias len). */
    size_t es = v->elem_size;
    char *slot = (char *)v->data + n * es;
    PV__PUSH_PREFETCH(slot);
    if (PV__VEC_LIKELY(es == 8)) memcpy(slot, elem, 8);
    else if (es == 4) memcpy(slot, elem, 4);
    else if (es == 16) memcpy(slot, elem, 16);
    else memcpy(slot, elem, es);
    v->len = n + 1;
    return 0;
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic pop
#endif
#  define pv_vec_push(v, elem) pv__vec_push_inline((v), (elem))
#endif

/*
 * pv_vec_push_slot - append one uninitialised element and store its address
 * in *slot; fill it before the next call that may grow the vector.
 * Errors as pv_vec_push (PV_EINVAL also for slot NULL); *slot is untouched
 * on failure.
 */
PV_EXPORT int pv_vec_push_slot(pv_vec *v, void **slot);

/*
 * pv_vec_extend_uninit - append n uninitialised elements and store the
 * address of the first in *first (the old end; NULL when n is 0 and the
 * vector holds no memory); fill them before the next call that may grow
 * the vector.  All or nothing: *first and the vector are untouched on
 * failure.
 *
 *   uint64_t *p;
 *   if (pv_vec_extend_uninit(&v, 1000, (void **)&p) == 0)
 *     for (size_t k = 0; k < 1000; k++) p[k] = k;
 *
 * Returns 0, or PV_EINVAL (v or first NULL, destroyed), PV_EACCES
 * (frozen), PV_ENOSPC (STABLE without room for n), PV_EOVERFLOW (len + n
 * or its bytes overflow), PV_ENOMEM.
 */
PV_EXPORT int pv_vec_extend_uninit(pv_vec *v, size_t n, void **first);

/*
 * pv_vec_spare - the spare capacity: the address of element len, with
 * cap - len in *n (unless n is NULL).  Write elements there, then commit
 * them with pv_vec_set_len.  NULL, and *n = 0, when there is none
 * (len == cap), and when v is NULL, destroyed or frozen (nothing may be
 * written then).  Valid until the next call that may grow the vector.
 * Under AddressSanitizer the spare capacity stays addressable from this
 * call until the next pv_vec_set_len, which poisons past len again.
 *
 *   pv_vec_reserve(&v, 4096);
 *   size_t room;
 *   char *p = pv_vec_spare(&v, &room);
 *   size_t got = fill_bytes(p, room);
 *   pv_vec_set_len(&v, pv_vec_len(&v) + got);
 */
PV_EXPORT void *pv_vec_spare(pv_vec *v, size_t *n);

/*
 * pv_vec_set_len - set the length to len <= cap without touching any
 * element.  Growing is the caller's promise that elements [old len, len)
 * were initialised (through pv_vec_spare); shrinking is pv_vec_truncate.
 * Returns 0, or PV_EINVAL (NULL, destroyed), PV_EACCES (frozen),
 * PV_ERANGE (len > cap).
 */
PV_EXPORT int pv_vec_set_len(pv_vec *v, size_t len);

/*
 * pv_vec_read_fd - append what fd delivers until end of input, or until
 * max_bytes bytes (0: no limit), reading straight into the spare capacity
 * (no intermediate buffer).  A regular file is sized first (fstat: its size
 * minus fd's offset, capped by max_bytes) and that room reserved at once;
 * the read goes on until end of file all the same (a file that grows while
 * it is read is read to its new end), and for pipes, sockets and terminals
 * the capacity grows geometrically.  Short reads are normal; a read
 * interrupted by a signal (EINTR) is restarted.  fd must be blocking: an
 * empty non-blocking one is PV_EIO.  fd's offset advances past what was
 * read, as with read(2).
 *
 * len grows by the whole elements read.  *nread (unless nread is NULL) is
 * the bytes taken from fd; when it is not a multiple of elem_size (end of
 * input, or max_bytes, inside an element) the nread % elem_size bytes of
 * the partial element are left at pv_vec_spare(v), past len, for the
 * caller to complete or drop (the next mutation may overwrite them).
 *
 * On an error len and the elements are as before, but, unlike the other
 * mutators, the capacity may have grown (as after pv_vec_reserve) and
 * `data` moved; *nread is the bytes taken from fd before the error.  For a
 * regular file the offset is moved back to where it was, so a retry reads
 * the same bytes; from a pipe, socket or terminal they are consumed and
 * lost.
 *
 * Returns 0, or PV_EINVAL (v NULL or destroyed, fd < 0 or not open, a
 * directory), PV_EACCES (frozen vector; fd not readable: EACCES, EPERM),
 * PV_ENOSPC (a STABLE vector without room for the file, or for the rest of
 * the stream), PV_EOVERFLOW, PV_ENOMEM (also ENOMEM from the OS), PV_EIO
 * (any other read error: EIO, EAGAIN, ...).  EBADF, EINVAL, EISDIR are
 * PV_EINVAL.
 *
 *   int fd = open("data.bin", O_RDONLY);
 *   size_t got;
 *   int rc = pv_vec_read_fd(&v, fd, 0, &got);
 */
PV_EXPORT int pv_vec_read_fd(pv_vec *v, int fd, size_t max_bytes,
                             size_t *nread);

/*
 * pv_vec_read_file - append the whole file at path (pv_vec_read_fd over a
 * descriptor opened read-only, close-on-exec, binary on Windows, closed
 * again on every path).  A file whose size is not a whole number of
 * elements is PV_EINVAL.  On an error len and the elements are as before
 * (the capacity may have grown, as for pv_vec_read_fd).
 * Returns 0, or PV_EINVAL (v or path NULL, v destroyed, path a directory,
 * a trailing partial element), PV_ENOENT (no such file: ENOENT, ENOTDIR,
 * ENAMETOOLONG, ELOOP), PV_EACCES (frozen vector; permission denied),
 * PV_ENOSPC, PV_EOVERFLOW, PV_ENOMEM, PV_EIO (any other open or read error,
 * out of file descriptors included).
 *
 *   pv_vec text;
 *   pv_vec_init(&text, 1);
 *   int rc = pv_vec_read_file(&text, "input.txt");
 *   if (rc < 0) fprintf(stderr, "input.txt: %s\n", pv_strerror(rc));
 */
PV_EXPORT int pv_vec_read_file(pv_vec *v, const char *path);

/*
 * pv_vec_pop - remove the last element, copying it to *out unless out is
 * NULL.  Returns 0, PV_EINVAL (v NULL), PV_ERANGE (empty), PV_EACCES.
 */
PV_EXPORT int pv_vec_pop(pv_vec *v, void *out);

/*
 * pv_vec_append - append n elements from elems (which may point into the
 * vector itself, even when the append grows and moves it).  All or
 * nothing: a STABLE vector without room for all n is PV_ENOSPC.  n == 0 is
 * a successful no-op (elems may then be NULL).
 * Returns 0, or PV_EINVAL, PV_EACCES, PV_ENOSPC, PV_EOVERFLOW, PV_ENOMEM.
 */
PV_EXPORT int pv_vec_append(pv_vec *v, const void *elems, size_t n);

/*
 * pv_vec_insert - insert n elements from elems before index i (i == len
 * appends), moving the tail up.  elems may point into the vector (the
 * elements are read as they were before the insert).  n == 0 with i <= len
 * is a no-op.
 * Returns 0, or PV_ERANGE (i > len) and the codes of pv_vec_append.
 */
PV_EXPORT int pv_vec_insert(pv_vec *v, size_t i, const void *elems, size_t n);

/*
 * pv_vec_remove - remove n elements starting at i, copying them to out
 * unless out is NULL, and move the tail down.  n == 0 with i <= len is a
 * no-op.  Returns 0, PV_EINVAL, PV_ERANGE (i + n > len or overflows),
 * PV_EACCES.
 */
PV_EXPORT int pv_vec_remove(pv_vec *v, size_t i, size_t n, void *out);

/*
 * pv_vec_swap_remove - remove element i in O(1) by moving the last element
 * into its place; copies the removed element to out unless NULL.
 * Returns 0, PV_EINVAL, PV_ERANGE (i >= len), PV_EACCES.
 */
PV_EXPORT int pv_vec_swap_remove(pv_vec *v, size_t i, void *out);

/*
 * pv_vec_swap - exchange elements i and j (i == j is a no-op).
 * Returns 0, PV_EINVAL, PV_EACCES, PV_ERANGE (i or j >= len).
 */
PV_EXPORT int pv_vec_swap(pv_vec *v, size_t i, size_t j);

/*
 * pv_vec_extend_from_within - append copies of elements [i, i + n), growing
 * geometrically if needed (the source is read after the growth, so it may
 * move).  n == 0 with i <= len is a no-op.
 * Returns 0, or PV_EINVAL, PV_EACCES, PV_ERANGE (i + n > len or
 * overflows), PV_ENOSPC, PV_EOVERFLOW, PV_ENOMEM.
 */
PV_EXPORT int pv_vec_extend_from_within(pv_vec *v, size_t i, size_t n);

/*
 * pv_vec_split_off - move elements [at, len) into dst, an initialised empty
 * vector with the same elem_size, which grows to exactly the pages they
 * need; v keeps [0, at) and its capacity.  at == len leaves dst empty.
 * All or nothing: if dst cannot grow, neither vector changes.
 * Returns 0, or PV_EINVAL (v or dst NULL or destroyed, dst == v, elem_size
 * differs, dst not empty), PV_EACCES (v or dst frozen), PV_ERANGE
 * (at > len), and dst's PV_ENOSPC, PV_EOVERFLOW, PV_ENOMEM.
 */
PV_EXPORT int pv_vec_split_off(pv_vec *v, size_t at, pv_vec *dst);

/*
 * pv_vec_retain - keep, in their order, the elements for which
 * keep(element, ctx) returns true, and drop the others.  keep is called
 * once per element, first to last; it must not change the vector.
 * Returns 0, PV_EINVAL (v or keep NULL, destroyed), PV_EACCES.
 */
PV_EXPORT int pv_vec_retain(pv_vec *v, bool (*keep)(const void *elem, void *ctx),
                            void *ctx);

/*
 * pv_vec_dedup - drop every element equal (cmp(kept, element, ctx) == 0) to
 * the element kept just before it: runs of equal neighbours become one,
 * the first of each run.  Sort first to drop every duplicate.
 * Returns 0, PV_EINVAL (v or cmp NULL, destroyed), PV_EACCES.
 */
PV_EXPORT int pv_vec_dedup(pv_vec *v,
                           int (*cmp)(const void *, const void *, void *ctx),
                           void *ctx);

/*
 * pv_vec_resize - set the length to n.  New elements are copies of *fill
 * (which may be an element of the vector), or zero bytes if fill is NULL.
 * Growing reserves geometrically, like pv_vec_reserve.  Shrinking keeps
 * the capacity.
 * Returns 0, or PV_EINVAL, PV_EACCES, PV_ENOSPC, PV_EOVERFLOW, PV_ENOMEM.
 */
PV_EXPORT int pv_vec_resize(pv_vec *v, size_t n, const void *fill);

/* pv_vec_truncate - drop elements from n on (n >= len is a no-op).
 * Returns 0, PV_EINVAL, PV_EACCES. */
PV_EXPORT int pv_vec_truncate(pv_vec *v, size_t n);

/* pv_vec_clear - set the length to 0, keeping the capacity.
 * Returns 0, PV_EINVAL, PV_EACCES. */
PV_EXPORT int pv_vec_clear(pv_vec *v);

/* Capacity ------------------------------------------------------------- */

/* pv_vec_reserve: under Mutation, before pv_vec_push (whose inline case
 * calls it). */

/* pv_vec_reserve_exact - as pv_vec_reserve, but the capacity becomes at
 * least len + additional rounded up to whole pages, no more (whole huge
 * pages once the vector uses them; exactly len + additional while small).
 * Never lowers the capacity. */
PV_EXPORT int pv_vec_reserve_exact(pv_vec *v, size_t additional);

/*
 * pv_vec_shrink_to_fit - lower the capacity to the pages the elements need
 * (whole huge pages while the vector asks for them, see PV_VEC_HUGE) and
 * return the rest to the kernel (STABLE keeps its reservation but
 * decommits the tail).  An empty vector releases all its memory.  A small
 * vector's block shrinks to exactly len elements; a vector in pages stays
 * in pages.
 * Returns 0, PV_EINVAL, PV_EACCES, PV_ENOMEM.
 */
PV_EXPORT int pv_vec_shrink_to_fit(pv_vec *v);

/*
 * pv_vec_shrink_to - as pv_vec_shrink_to_fit, but the capacity stays at
 * least max(len, min_cap) elements (rounded up as shrink_to_fit rounds:
 * whole pages or huge pages in pages, exactly that many while small).  A
 * capacity already at or below that is left alone.
 * Returns 0, PV_EINVAL, PV_EACCES, PV_ENOMEM.
 */
PV_EXPORT int pv_vec_shrink_to(pv_vec *v, size_t min_cap);

/*
 * pv_vec_trim - return the physical memory of the unused tail (the whole
 * pages past len) to the kernel without moving anything and without changing
 * cap: the tail pages read as zero when next used.  A small vector has no
 * pages of its own: a no-op.
 * Returns 0, PV_EINVAL, PV_EACCES, PV_ENOMEM.
 */
PV_EXPORT int pv_vec_trim(pv_vec *v);

/* Whole vector --------------------------------------------------------- */

/*
 * pv_vec_copy - make dst's contents equal to src's.  dst must be an
 * initialised vector with the same elem_size; it keeps its own options and
 * grows, if it must, to exactly the pages src's elements need.  src may be
 * frozen.
 * Returns 0, PV_EINVAL (NULL, elem_size differs, dst == src), PV_EACCES
 * (dst frozen), PV_ENOSPC, PV_ENOMEM.
 */
PV_EXPORT int pv_vec_copy(pv_vec *dst, const pv_vec *src);

/* pv_vec_equal - true when both have the same elem_size, length and bytes.
 * false if either is NULL or not initialised (destroyed). */
PV_EXPORT bool pv_vec_equal(const pv_vec *a, const pv_vec *b);

/* pv_vec_sort - sort the elements with cmp (qsort semantics).
 * Returns 0, PV_EINVAL (NULL), PV_EACCES (frozen). */
PV_EXPORT int pv_vec_sort(pv_vec *v, int (*cmp)(const void *, const void *));

/*
 * pv_vec_bsearch - binary search in a vector sorted by cmp, called as
 * cmp(key, element) like bsearch(3).  On a match, returns 0 and stores its
 * index in *index (the first match if several); otherwise returns PV_ENOENT
 * and stores the index where key would be inserted to keep the order.
 * PV_EINVAL for a NULL argument.
 */
PV_EXPORT int pv_vec_bsearch(const pv_vec *v, const void *key,
                             int (*cmp)(const void *, const void *),
                             size_t *index);

/*
 * pv_vec_sort_r - sort the elements with cmp(a, b, ctx) (negative, zero or
 * positive as qsort's).  A heapsort in place: O(n log n) comparisons at
 * worst, no memory allocated, not stable (equal elements may change
 * order).  cmp must not change the vector.
 *
 *   static int by_text(const void *a, const void *b, void *text) {
 *     return strcmp((char *)text + *(const size_t *)a,
 *                   (char *)text + *(const size_t *)b);
 *   }
 *   pv_vec_sort_r(&offsets, by_text, text);
 *
 * Returns 0, PV_EINVAL (v or cmp NULL, destroyed), PV_EACCES (frozen).
 */
PV_EXPORT int pv_vec_sort_r(pv_vec *v,
                            int (*cmp)(const void *, const void *, void *ctx),
                            void *ctx);

/*
 * pv_vec_bsearch_r - pv_vec_bsearch with cmp(key, element, ctx).
 * Returns 0 (found, *index its first match), PV_ENOENT (*index the
 * insertion point), PV_EINVAL (a NULL argument but ctx, destroyed).
 */
PV_EXPORT int pv_vec_bsearch_r(const pv_vec *v, const void *key,
                               int (*cmp)(const void *, const void *, void *ctx),
                               void *ctx, size_t *index);

/*
 * pv_vec_freeze - make the data pages read-only: every mutator returns
 * PV_EACCES and changes nothing, and a raw write through data faults.
 * A small vector first moves into read-only pages of at least its capacity
 * (data and cap may change).  Freezing a frozen vector is a no-op.
 * Returns 0, PV_EINVAL, PV_ENOMEM (the kernel refused the protection change,
 * or, for a small vector, the move into pages).
 */
PV_EXPORT int pv_vec_freeze(pv_vec *v);

/* pv_vec_thaw - make a frozen vector writable again.  Same returns, and
 * PV_EACCES for a file vector opened with PV_OPEN_READONLY (file.h). */
PV_EXPORT int pv_vec_thaw(pv_vec *v);

/* pv_vec_frozen - true while v is frozen. */
PV_EXPORT bool pv_vec_frozen(const pv_vec *v);

/* pv_vec_advise - pv_pages_advise over the committed data pages.
 * An empty or small vector accepts any valid advice as a no-op.
 * PV_ADVISE_PAGEOUT reclaims the pages now and keeps every byte (pages.h);
 * on a file vector (file.h) its clean pages leave the process and the page
 * cache, so sync first (pv_vec_sync, PV_SYNC_WAIT) to drop them all.  It
 * works on a frozen or read-only vector, which stays as it is.
 * Returns 0, PV_EINVAL (NULL, unknown advice), PV_ENOMEM. */
PV_EXPORT int pv_vec_advise(pv_vec *v, pv_advice advice);

/* Parallel population ------------------------------------------------- */

/*
 * pv_vec_populate - fault in the vector's committed capacity past len now,
 * with up to `threads` threads (0: one per online CPU, or one where the
 * system cannot tell), so that filling it afterwards (pv_vec_spare +
 * pv_vec_set_len, pushes) takes no page faults and the kernel zeroes the
 * fresh pages on several cores at once.  Make
 * the capacity first (pv_vec_reserve); populate only what you will fill.
 *
 *   pv_vec_reserve(&v, n);
 *   pv_vec_populate(&v, 0);
 *   uint64_t *p = pv_vec_spare(&v, NULL);
 *   for (size_t i = 0; i < n; i++) p[i] = i;
 *   pv_vec_set_len(&v, n);
 *
 * The range (from the page holding the last element to the end of the
 * committed bytes) is cut into chunks of whole huge pages that the threads
 * take in turn; each is one madvise(MADV_POPULATE_WRITE) where the kernel
 * has it (Linux 5.14), else one byte per page is read and written back.
 * No byte changes: elements, and older bytes past len (after a truncate),
 * stay as they were, as do len, cap and data.  The threads live only
 * during the call; one that cannot be started (no memory for its stack,
 * the thread limit) leaves its share to the others and to the caller,
 * which always works too: that is not an error.  Never more threads than
 * chunks: a vector of one huge page is populated by the caller alone.
 * The vector must not be used by another thread during the call.
 * A no-op success where it cannot help: a small vector (malloc'd, see
 * above), an empty capacity, nothing past len.  On a file vector the
 * populated capacity is the file's: its pages become resident and dirty
 * in the page cache (their bytes unchanged, zero in a fresh capacity), so
 * the next pv_vec_sync writes them back too; close still cuts the file to
 * the elements (file.h).  Without
 * MADV_POPULATE_WRITE (Windows, other POSIX systems, older kernels) the
 * touching cannot report a failure: the kernel's out-of-memory handling
 * applies as for any write (Windows: committed pages are already charged).
 * Returns 0, PV_EINVAL (NULL, destroyed), PV_EACCES (frozen: read-only
 * pages cannot be populated for writing), PV_ENOMEM (the kernel could not
 * supply a page; the pages faulted in before stay in RAM, and the bytes,
 * len and cap are as they were).
 */
PV_EXPORT int pv_vec_populate(pv_vec *v, unsigned threads);

/*
 * pv_vec_resident - store in *bytes how many bytes of the vector's committed
 * pages are in RAM right now (mincore / QueryWorkingSetEx); for a small
 * vector, whose block shares pages with other objects, the block's size
 * (the most it can hold in RAM).
 * Returns 0, PV_EINVAL (NULL), PV_ENOTSUP (the platform cannot tell),
 * PV_ENOMEM.
 */
PV_EXPORT int pv_vec_resident(const pv_vec *v, size_t *bytes);

#ifdef __cplusplus
}
#endif

#endif /* PAGED_VEC_VEC_H */

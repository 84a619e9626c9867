/*
 * lib/os.h - the contract between the portable core (pages.c, vec.c) and one
 * OS backend (os_posix.c or os_windows.c, chosen by Makefile.am).
 *
 * Nothing above this header uses a platform #ifdef: the core branches on the
 * capabilities that pv__os_caps_get() returns as data.
 *
 * Shared preconditions, stated once (checked with assert in debug builds,
 * never re-checked in release builds: the core validates user input first):
 *   - every addr is a multiple of caps->page_size;
 *   - every size is non-zero and a multiple of caps->page_size;
 *   - [addr, addr + size) lies inside one reservation made by pv__os_map
 *     (or moved by pv__os_remap) and not yet released.
 * Protection arguments use the public PV_PROT_* bits; PV__PROT_RW and
 * PV__PROT_ALL below name the two combinations every layer needs.
 *
 * Every fallible primitive returns 0 or a negative PV_E* code and, on
 * failure, leaves memory and protections as they were.  A refusal because
 * the process holds as many mappings as it may (Linux: vm.max_map_count)
 * becomes PV_EMAPS; the POSIX backend tells it from other ENOMEMs on the
 * error path only, by counting the process's mappings.  Every other
 * refusal of memory or address space becomes PV_ENOMEM; EACCES/EPERM on a
 * protection change becomes PV_EACCES.
 *
 * Test seam: every fallible primitive first asks pv__os_fault_hit(); a test
 * can make the Nth such call fail with a chosen code (fault injection).
 */
#ifndef PV_LIB_OS_H
#define PV_LIB_OS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "paged_vec/pages.h"

#define PV__PROT_RW (PV_PROT_READ | PV_PROT_WRITE)
#define PV__PROT_ALL (PV_PROT_READ | PV_PROT_WRITE | PV_PROT_EXEC)

/* Capabilities, filled once from the OS and never changed afterwards. */
typedef struct pv__os_caps {
  size_t page_size;         /* granule of every length, offset and protection;
                               the OS page, or larger when the build forces a
                               page size (--with-page-size) */
  size_t os_page_size;      /* the real OS page size */
  size_t alloc_granularity; /* alignment of every reservation (Windows: 64 KiB),
                               a multiple of page_size */
  size_t huge_page_size;    /* transparent huge page size, 0 if none */
  bool can_remap;           /* pv__os_remap can resize without copying */
  bool overcommits;         /* committed memory costs nothing until touched */
  bool decommit_zeroes;     /* pv__os_decommit leaves the range reading zero */
  bool thp;                 /* huge page advice can take effect (THP not "never") */
  bool can_exec;            /* executable pages are compiled in */
  bool can_resident;        /* pv__os_resident can tell */
  bool partial_release;     /* pv__os_release_tail really unmaps (POSIX); when
                               false the tail is only decommitted and the
                               address space is freed with the reservation */
  bool can_map_files;       /* the pv__os_fmap_* primitives work (file
                               vectors); false: they return PV_ENOTSUP */
  bool can_map_files_at;    /* pv__os_fmap_map can place a view at != NULL,
                               inside a reservation (POSIX MAP_FIXED); false
                               (Windows): PV_ENOTSUP, and a STABLE file
                               vector maps its whole maximum size at open
                               instead (lib/store_file.c) */
  bool can_cut_mapped;      /* a file can be cut (pv__os_fmap_resize) below
                               the end of a mapped view of it, and a view's
                               tail released (POSIX); false (Windows): only
                               once it is unmapped */
} pv__os_caps;

/* The capabilities; the first call queries the OS.  Thread-safe. */
const pv__os_caps *pv__os_caps_get(void);

/* Test seam: from now on pv__os_caps_get() returns *c (the query's answer
 * with some fields changed), so that a test runs another platform's path
 * on this one (tests/test_file.c runs the Windows STABLE file vector on
 * Linux with can_map_files_at false).  Only a field whose other value the
 * backend also honours may change (every pv__os_fmap_* call works with
 * can_map_files_at false: it is only never asked to place a view).  Not
 * thread-safe: call it before any other thread uses the library, and
 * before anything that depends on the changed field exists. */
void pv__os_caps_force(const pv__os_caps *c);

/* Backend hook used by pv__os_caps_get(): fill *caps from the OS, leaving
 * page-size forcing to the shared code. */
void pv__os_caps_query(pv__os_caps *caps);

/*
 * pv__os_map - a new reservation of `size` bytes.  prot == PV_PROT_NONE
 * reserves address space only (no memory charged even under strict
 * overcommit); any other prot commits the whole range with that protection.
 * Fresh memory reads as zero.  The core never passes EXEC here when
 * caps->can_exec is false.
 * `align` (0 means alloc_granularity; otherwise a power of two that is a
 * multiple of alloc_granularity) is best effort beyond alloc_granularity:
 * the start is a multiple of it when the process can afford the
 * over-reservation that takes (POSIX: align - page bytes more address space
 * for a moment, and a mapping split); when it cannot (RLIMIT_AS, the
 * mapping limit) the backend maps exactly `size` bytes wherever the kernel
 * puts them, aligned only by luck, rather than fail.  That fallback is a
 * fault point of its own.  The start is always a multiple of
 * alloc_granularity.  Callers check the start if they care (huge pages only
 * back the aligned part of a range: a wish, not a correctness need).
 */
int pv__os_map(size_t size, size_t align, unsigned prot, void **out);

/*
 * pv__os_unmap - release a whole reservation.  addr is the start pv__os_map
 * or pv__os_remap returned, size its current size.  Also counts as fallible
 * (munmap can fail with ENOMEM when it would split a mapping).
 */
int pv__os_unmap(void *addr, size_t size);

/*
 * pv__os_release_tail - give back the end [addr, addr + size) of a
 * reservation.  POSIX unmaps it; Windows, which can only release whole
 * reservations, decommits it (caps->partial_release says which).
 */
int pv__os_release_tail(void *addr, size_t size);

/* pv__os_commit - make reserved (or committed) pages accessible with prot;
 * pages never touched read as zero. */
int pv__os_commit(void *addr, size_t size, unsigned prot);

/* pv__os_uncommit - back to reserved: PROT_NONE, physical memory and commit
 * charge released, contents lost (they read as zero once committed again). */
int pv__os_uncommit(void *addr, size_t size);

/* pv__os_protect - change the protection of committed pages. */
int pv__os_protect(void *addr, size_t size, unsigned prot);

/*
 * pv__os_decommit - release the physical memory now; the range stays mapped
 * with its protection.  It reads as zero afterwards when
 * caps->decommit_zeroes, otherwise its contents are unspecified.
 */
int pv__os_decommit(void *addr, size_t size);

/* Flags for pv__os_remap. */
enum {
  PV__OS_REMAP_MOVE = 1u << 0 /* never resize in place: always move */
};

/*
 * pv__os_remap - resize the mapping [old, old + old_size) to new_size without
 * copying bytes (the kernel moves page tables).  The old range must be one
 * mapping of uniform protection.  Growth tries in place first (unless
 * PV__OS_REMAP_MOVE, which guarantees a new address), else moves.  Shrinking
 * happens in place.  New bytes read as zero.  On success *out is the
 * (possibly new) start and the old range, if moved, is no longer mapped.
 * A move goes to a multiple of `align` (0: alloc_granularity) as best
 * effort, as for pv__os_map: an aligned move reserves its destination first
 * (POSIX: charged old + 2 * new - old bytes of address space at once); when
 * that does not fit (RLIMIT_AS, the mapping limit) the backend falls back to
 * a plain move charged only the growth (mremap MREMAP_MAYMOVE), at an
 * address aligned only by luck, so that a vector reaches what realloc
 * reaches (a build that forces a page larger than the OS's falls back to
 * a move aligned to alloc_granularity instead, which a plain move would
 * not keep).  That fallback is a fault point of its own, and like every
 * failure it leaves the old range as it was.  The start stays a multiple
 * of alloc_granularity.
 * Returns PV_ENOTSUP when !caps->can_remap.
 */
int pv__os_remap(void *old, size_t old_size, size_t new_size, size_t align,
                 unsigned flags, void **out);

/*
 * pv__os_remap_fixed - move the mapping [old, old + old_size) onto
 * [dest, dest + new_size), which must lie inside a reservation of ours
 * (whatever is there is replaced), growing or shrinking it on the way; no
 * bytes are copied.  Afterwards [old, old + old_size) is no longer mapped.
 * Lets the core place data at an address it chose (huge-page alignment, a
 * guard page kept after the data).  PV_ENOTSUP when !caps->can_remap.
 */
int pv__os_remap_fixed(void *old, size_t old_size, void *dest, size_t new_size);

/* pv__os_advise - a usage hint; advice the platform lacks returns 0. */
int pv__os_advise(void *addr, size_t size, pv_advice advice);

/* pv__os_icache_flush - make freshly written code visible to instruction
 * fetch (a no-op on x86; __builtin___clear_cache / FlushInstructionCache). */
void pv__os_icache_flush(void *addr, size_t size);

/* pv__os_resident - bytes of [addr, addr + size) in RAM now, in *bytes.
 * PV_ENOTSUP when !caps->can_resident. */
int pv__os_resident(void *addr, size_t size, size_t *bytes);

/*
 * Dual mapping, for JIT code where the kernel refuses to make anonymous
 * memory executable (SELinux deny_execmem): one shared memory object (a
 * memfd) seen at two addresses, a write view and an exec view.
 * pv__os_dual_map reserves both views, `size` bytes each (PROT_NONE, no
 * memory), and an empty object; *handle names the object.
 * pv__os_dual_grow backs [old_size, new_size) of both views with the object
 * (new bytes read as zero): the write view with wprot, the exec view with
 * xprot; sizes are page multiples, old_size < new_size <= the reserved size.
 * pv__os_protect and pv__os_icache_flush then work on either view's backed
 * pages.  pv__os_dual_unmap releases both views and the object.
 * PV_ENOTSUP where the backend has no such object (Windows).
 */
int pv__os_dual_map(size_t size, void **rw, void **rx, intptr_t *handle);
int pv__os_dual_grow(intptr_t handle, void *rw, void *rx, size_t old_size,
                     size_t new_size, unsigned wprot, unsigned xprot);
int pv__os_dual_unmap(intptr_t handle, void *rw, void *rx, size_t size);

/* ---- files: opened, read (lib/vec_io.c), mapped (lib/store_file.c) --------
 * A file is named by an int descriptor on every platform: POSIX's, and on
 * Windows the C runtime's (_open_osfhandle / _get_osfhandle give its
 * HANDLE, which CreateFileMapping takes), so that the descriptor a caller
 * hands pv_vec_read_fd and the one pv_vec_open holds are the same kind.
 * pv__os_file_open/info/close serve both users; read/seek are the
 * reader's, pv__os_fmap_* the file vector's.  File sizes and offsets are
 * uint64_t.  Every call is a fault point (pv__os_file_restarts excepted).
 *
 * One table turns an errno of any of these calls into a code, on both
 * backends (pv__os_file_errno); the Windows calls that report through
 * GetLastError() (CreateFileA and the pv__os_fmap_* ones) map those
 * values to the same codes (docs/portability.md):
 *   ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP -> PV_ENOENT (the path names no
 *                                           file)
 *   EACCES, EPERM, EROFS, ETXTBSY        -> PV_EACCES (permission denied,
 *                                           a read-only file system)
 *   EEXIST                               -> PV_EEXIST (open EXCL: the path
 *                                           exists, a symbolic link included)
 *   EBADF, EINVAL, EISDIR, EFAULT        -> PV_EINVAL (not a usable fd, a
 *                                           directory)
 *   ENOSPC, EFBIG, EDQUOT                -> PV_ENOSPC (the disk, the quota
 *                                           or the file size limit:
 *                                           RLIMIT_FSIZE, whose SIGXFSZ the
 *                                           caller must ignore)
 *   ENOMEM                               -> PV_ENOMEM
 *   EOVERFLOW                            -> PV_EOVERFLOW
 *   ENOTSUP, EOPNOTSUPP                  -> PV_ENOTSUP
 *   anything else (EIO, EMFILE, ENFILE,  -> PV_EIO
 *   EAGAIN: a non-blocking fd with
 *   nothing to read)
 * Besides the table: PV_EBUSY from pv__os_fmap_lock (another open of the
 * file holds the lock) and, where !caps->can_cut_mapped, from
 * pv__os_fmap_resize (a view of the file past the new end is mapped);
 * PV_ENOTSUP from the pv__os_fmap_* calls where !caps->can_map_files, and
 * from pv__os_fmap_map where the file system cannot map files (mmap
 * ENODEV) or (at != NULL) the backend cannot place a view
 * (!caps->can_map_files_at); pv__os_fmap_map's mapping errors are those of
 * pv__os_map (PV_ENOMEM, PV_EMAPS).  On failure nothing changed, except
 * where said.
 */

/* pv__os_file_errno - the table above: the code for errno value e of a
 * file call (lib/os_common.c; shared by both backends).  EDQUOT and an
 * EOPNOTSUPP other than ENOTSUP, which the Windows runtime lacks, are
 * os_posix.c's, which asks this table for the rest. */
int pv__os_file_errno(int e);

/* Flags for pv__os_file_open. */
enum {
  PV__OS_FILE_WRITE = 1u << 0,  /* open read-write (else read-only) */
  PV__OS_FILE_CREATE = 1u << 1, /* create it when missing, with `mode`
                                   (masked by the umask) */
  PV__OS_FILE_EXCL = 1u << 2    /* with CREATE: fail when the path exists,
                                   a symbolic link included (never followed) */
};

/* pv__os_file_open - open path with flags (0: read-only, the path must
 * exist) into *fd, binary, never inherited by a child process
 * (O_CLOEXEC / a HANDLE that is not inheritable, _O_NOINHERIT).  Without
 * EXCL a symbolic link is followed, as open(2) does.  A directory:
 * opened read-only, POSIX gives a descriptor (pv__os_file_info then
 * refuses it), Windows refuses it here; PV_EINVAL either way. */
int pv__os_file_open(const char *path, unsigned flags, unsigned mode, int *fd);

/* What pv__os_file_info tells about an open descriptor. */
typedef struct pv__os_file {
  bool regular;    /* a regular file: size and offset are meaningful */
  uint64_t size;   /* its size in bytes now (it may still grow) */
  uint64_t offset; /* the descriptor's current offset */
} pv__os_file;

/* pv__os_file_info - fstat (and, for a regular file, the offset) of fd.
 * A directory is PV_EINVAL. */
int pv__os_file_info(int fd, pv__os_file *out);

/* pv__os_file_close - close fd.  The descriptor is gone afterwards even
 * when this returns an error (its fault point comes after the close, so
 * an injected failure does not leak it; a real one releases it too on
 * Linux and the BSDs, and EINTR is not retried: the descriptor may
 * already be another thread's).  The error only reports that earlier
 * writes may not have reached the file (an NFS write-back, say).
 * Releases pv__os_fmap_lock's lock. */
int pv__os_file_close(int fd);

/* pv__os_file_read - one read of up to len > 0 bytes into buf; *got is
 * what arrived (0 at end of file; fewer than len is a short read, not an
 * error).  A read interrupted by a signal before any byte arrived (EINTR)
 * is restarted here and counted by pv__os_file_restarts.  len is clamped
 * to what one call of the platform takes. */
int pv__os_file_read(int fd, void *buf, size_t len, size_t *got);

/* pv__os_file_seek - move fd's offset to off (from the start). */
int pv__os_file_seek(int fd, uint64_t off);

/* Reads pv__os_file_read restarted after EINTR since the process started
 * (0 where signals do not interrupt reads): lets a test prove that it
 * really interrupted one. */
unsigned long pv__os_file_restarts(void);

/* ---- files mapped as vectors (pv__os_fmap_*, lib/store_file.c) -----------
 * On a descriptor from pv__os_file_open (WRITE for anything that changes
 * the file).  Offsets given to pv__os_fmap_map are multiples of
 * caps->page_size (Windows: of alloc_granularity, else PV_EINVAL; only
 * STABLE inside a reservation, which Windows lacks, maps at an offset
 * other than 0). */

/* pv__os_fmap_resize - set the file's size (ftruncate): shorter drops the
 * bytes past it, longer adds bytes that read as zero (a sparse tail where
 * the file system has holes; on Windows only in a file pv__os_fmap_sparse
 * marked, else SetEndOfFile allocates the clusters). */
int pv__os_fmap_resize(int fd, uint64_t size);

/* pv__os_fmap_sparse - let the file hold holes, so that a later
 * pv__os_fmap_resize past its end takes no disk space until the bytes are
 * written (Windows: FSCTL_SET_SPARSE; the mark stays with the file).
 * POSIX file systems make holes by themselves: 0, nothing to do.  Where
 * the file system has no sparse files (FAT; Windows answers
 * ERROR_INVALID_FUNCTION) also 0: the resize then allocates.  The file's
 * bytes and size do not change. */
int pv__os_fmap_sparse(int fd);

/* pv__os_fmap_extend - grow the file from old (its size as the caller
 * set it) to size > old, with disk space allocated where the system can
 * (fallocate), so that running out of disk is an error here and not a
 * SIGBUS on a later write through a mapping; elsewhere, or where the file
 * system refuses fallocate, like pv__os_fmap_resize.  Never shortens the
 * file: one already size bytes or longer (a cut refused while it was
 * mapped, !caps->can_cut_mapped) keeps its length.  On failure the size
 * is as it was. */
int pv__os_fmap_extend(int fd, uint64_t old, uint64_t size);

/* pv__os_fmap_map - map [offset, offset + size) of the file, shared (writes
 * reach the file; other processes mapping it see them), with prot (READ,
 * or READ | WRITE on a descriptor opened with WRITE).  at == NULL:
 * anywhere, a new reservation (released by pv__os_unmap; pv__os_remap may
 * resize it), aligned to alloc_granularity; at != NULL: exactly at `at`,
 * replacing what is there, which must lie inside a reservation of ours
 * (its size counts as part of that reservation).  Pages past the end of
 * the file raise SIGBUS when touched: callers map only what the file
 * holds. */
int pv__os_fmap_map(int fd, uint64_t offset, size_t size, unsigned prot, void *at,
                    void **out);

/* pv__os_fmap_sync - write the dirty pages of the mapped range back to the
 * file: wait == true returns once they are on the device (msync MS_SYNC),
 * false only starts the write-back (MS_ASYNC). */
int pv__os_fmap_sync(void *addr, size_t size, bool wait);

/* pv__os_fmap_readahead - start reading the file's pages of the mapped
 * range into the page cache (madvise MADV_WILLNEED), without touching or
 * dirtying them: pv__os_advise's WILLNEED populates writable pages, which
 * on a shared file mapping would mark every page dirty and write the whole
 * range back.  A hint: 0 where the system lacks it. */
int pv__os_fmap_readahead(void *addr, size_t size);

/* pv__os_fmap_flush - make the file's data and metadata durable (fsync). */
int pv__os_fmap_flush(int fd);

/* pv__os_fmap_lock - take an exclusive advisory lock on the whole file
 * without waiting (flock LOCK_EX | LOCK_NB): PV_EBUSY when another open
 * of the file holds it.  Held until the descriptor is closed. */
int pv__os_fmap_lock(int fd);

/* ---- shared helpers (os_common.c) --------------------------------------- */

/*
 * Fault injection.  pv__os_fault_set(n, err): the n-th fallible primitive
 * call from now (1 = the next one) returns err without touching anything;
 * n == 0 disables.  pv__os_fault_calls() counts fallible calls since the
 * last pv__os_fault_set (none are counted before the first).  The check
 * costs one relaxed atomic load per fallible call until the first
 * pv__os_fault_set, so it is always compiled in; it is reachable only from the
 * internal library the tests link, not from the shared library's exports.
 */
void pv__os_fault_set(unsigned long n, int err);
unsigned long pv__os_fault_calls(void);

/* Nonzero once pv__os_fault_set was called (os_common.c).  Read inline, so
 * that an unarmed seam costs a load and a branch, not a call. */
extern atomic_int pv__os_fault_armed;
/* The armed seam: count the call, and return the fault it is owed (0: none). */
int pv__os_fault_take(void);

/* The error to inject into this call, or 0. */
static inline int pv__os_fault_hit(void) {
  if (atomic_load_explicit(&pv__os_fault_armed, memory_order_relaxed) == 0) return 0;
  return pv__os_fault_take();
}

/* A backend primitive's first statement: return the injected fault, if any. */
#define PV__FAULT_POINT()                   \
  do {                                      \
    int pv__fault = pv__os_fault_hit();     \
    if (pv__fault != 0) return pv__fault;   \
  } while (0)

/* Bytes of address space the library holds (mapped by pv__os_map or grown
 * by a remap, not yet unmapped or released): lets tests prove that nothing
 * leaked.  Backends call pv__os_live_add with the change. */
long long pv__os_live_bytes(void);
void pv__os_live_add(long long delta);

/* Round x up to a multiple of the power of two a; false on overflow. */
static inline bool pv__round_up(size_t x, size_t a, size_t *out) {
  size_t r = (x + (a - 1)) & ~(a - 1);
  if (r < x) return false;
  *out = r;
  return true;
}

/* ---- time, fork, scheduling (the region cache, lib/cache.c) ------------- */

/* Nanoseconds on a monotonic clock (never goes back, arbitrary origin). */
uint64_t pv__os_now_ns(void);

/*
 * pv__os_atfork - run prepare() in the parent just before fork(), parent()
 * in the parent and child() in the child just after it (pthread_atfork).
 * Returns 0 or PV_ENOMEM.  Not a fault point: it registers handlers and
 * touches no memory.  A no-op returning 0 where there is no fork (Windows).
 */
int pv__os_atfork(void (*prepare)(void), void (*parent)(void),
                  void (*child)(void));

/* pv__os_yield - let another thread run (a spinning lock waits with it). */
void pv__os_yield(void);


/* ---- parallel population (pv_vec_populate, lib/store_populate.c) -------- */

/*
 * pv__os_populate - fault in [addr, addr + size) of committed read-write
 * pages for writing now (Linux: madvise MADV_POPULATE_WRITE), without
 * changing any byte: pages already in RAM stay as they are, the others are
 * allocated (zero-filled) as a write fault would.  May be called from
 * several threads at once on disjoint ranges.
 * Returns 0; PV_ENOTSUP when the build or the running kernel lacks it (a
 * kernel before 5.14 answers EINVAL: the first such answer is remembered,
 * atomically, and later calls return PV_ENOTSUP without a system call;
 * the caller then touches the pages itself); PV_ENOMEM when the kernel
 * could not supply a page (then the pages faulted in so far stay, their
 * contents unchanged).  Fault point: an injected PV_EINVAL is taken as the
 * kernel's EINVAL (it switches the process to the touching fallback, which
 * is how tests reach that path on any kernel); any other injected code is
 * returned as is.
 */
int pv__os_populate(void *addr, size_t size);

/* pv__os_cpu_count - the number of online CPUs in *n (>= 1).  Returns 0 or
 * PV_ENOTSUP when the system cannot tell (the caller then uses one).  A
 * fault point. */
int pv__os_cpu_count(unsigned *n);

/* A thread started by pv__os_thread_start.  The caller owns the struct and
 * keeps it in place until pv__os_thread_join: the new thread reads fn and
 * arg from it (no allocation per thread); h is the backend's handle. */
typedef struct pv__os_thread {
  void (*fn)(void *);
  void *arg;
  union {
    void *p;
    uintptr_t u;
    unsigned long long ull;
  } h;
} pv__os_thread;

/*
 * pv__os_thread_start - run fn(arg) in a new thread with the default stack.
 * Returns 0 (the thread runs; it must be joined) or PV_ENOMEM (no thread:
 * the system could not map its stack or is at its thread limit).  A fault
 * point.
 */
int pv__os_thread_start(pv__os_thread *t, void (*fn)(void *), void *arg);

/*
 * pv__os_thread_join - wait until the thread *t has returned and release
 * it.  Whatever it returns, the thread has ended (the only real failures
 * are a handle not started or already joined, a caller's bug).  Returns 0
 * or that failure's code.  A fault point that is checked after the wait,
 * so that an injected failure never leaves a thread running.
 */
int pv__os_thread_join(pv__os_thread *t);

#endif /* PV_LIB_OS_H */

/*
 * paged_vec/pages.h - the page core: memory straight from the kernel.
 *
 * A pv_pages is a struct the caller owns.  `addr` and `len` may be read;
 * every field starting with `pv_` is private.  A zero-initialised pv_pages
 * (`pv_pages p = {0};`) is "unmapped": pv_pages_unmap on it is a no-op and
 * every other call on it returns PV_EINVAL.
 *
 * Preconditions shared by every function here: offsets and lengths are in
 * bytes; `off` must be a multiple of pv_page_size(); lengths round up to
 * whole pages.  On failure nothing changes: the struct, the mapping, its
 * protection and its bytes are as before.
 *
 *   pv_pages p;
 *   if (pv_pages_map(&p, 1 << 20, PV_PROT_READ | PV_PROT_WRITE, 0) == 0) {
 *     memset(p.addr, 0xab, p.len);
 *     pv_pages_protect(&p, PV_PROT_READ);   // now a write faults
 *     pv_pages_unmap(&p);
 *   }
 */
#ifndef PAGED_VEC_PAGES_H
#define PAGED_VEC_PAGES_H

#include <stddef.h>
#include "paged_vec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Protection bits for pv_pages_map and pv_pages_protect. */
enum {
  PV_PROT_NONE = 0,
  PV_PROT_READ = 1u << 0,
  PV_PROT_WRITE = 1u << 1,
  PV_PROT_EXEC = 1u << 2
};

/* Flags for pv_pages_map. */
enum {
  /* Ask for transparent huge pages: the mapping is aligned to the huge page
   * size when it is at least that long, and advised HUGEPAGE.  Where the
   * address space is too tight for the alignment's slack (RLIMIT_AS) the
   * mapping is made unaligned rather than refused. */
  PV_MAP_HUGE = 1u << 0,
  /* These pages may ever become executable.  Without it, any protection
   * with PV_PROT_EXEC is refused with PV_EACCES. */
  PV_MAP_ALLOW_EXEC = 1u << 1,
  /* Opt out of W^X for this mapping: WRITE|EXEC together is allowed.
   * Implies PV_MAP_ALLOW_EXEC. */
  PV_MAP_ALLOW_WX = 1u << 2
};

/* Advice for pv_pages_advise and pv_vec_advise.  A hint the platform lacks
 * is a successful no-op.  New values are appended: the numbers never change. */
typedef enum pv_advice {
  PV_ADVISE_NORMAL = 0,
  PV_ADVISE_SEQUENTIAL,
  PV_ADVISE_RANDOM,
  PV_ADVISE_WILLNEED,
  PV_ADVISE_HUGEPAGE,
  PV_ADVISE_NOHUGEPAGE,
  /* Reclaim these pages now; the contents are kept (Linux 5.4+:
   * madvise MADV_PAGEOUT).  Memory pages go to swap where there is swap
   * and stay where there is none; a file's clean pages that this process
   * has mapped leave it and the page cache and are read back from the
   * file on the next access; its dirty pages are kept (write them back
   * first with pv_vec_sync and PV_SYNC_WAIT).  Only pages mapped here are
   * affected; pages that another process also maps stay, and so do a
   * file's pages unless this process could write the file (Linux: it owns
   * it or has it open for writing).  Never drops a byte.  Windows and
   * other POSIX systems: a no-op. */
  PV_ADVISE_PAGEOUT
} pv_advice;

typedef struct pv_pages {
  void *addr;        /* first byte of the mapping, page-aligned; NULL if unmapped */
  size_t len;        /* mapped bytes, a multiple of pv_page_size() */
  unsigned pv_prot;  /* private: current PV_PROT_* bits */
  unsigned pv_flags; /* private: PV_MAP_* flags given at map time */
} pv_pages;

/* A pointer to code in executable pages; cast it to the real type. */
typedef void (*pv_fn)(void);

/*
 * pv_page_size - the page size the library works in, read from the OS
 * (sysconf / GetSystemInfo), never assumed.  Every length is rounded up to
 * a multiple of it.  Never fails.
 */
PV_EXPORT size_t pv_page_size(void);

/*
 * pv_huge_page_size - the transparent huge page size read from the OS, or 0
 * when the system has none.  Never fails.
 */
PV_EXPORT size_t pv_huge_page_size(void);

/*
 * pv_pages_map - map `len` bytes (rounded up to whole pages) of fresh,
 * zero-filled memory with protection `prot` and store it in *p.
 *
 *   pv_pages p;
 *   int rc = pv_pages_map(&p, n * sizeof(double), PV_PROT_READ | PV_PROT_WRITE,
 *                         PV_MAP_HUGE);
 *
 * Returns 0, or:
 *   PV_EINVAL    p is NULL, len is 0, unknown prot or flag bits
 *   PV_EOVERFLOW len rounded up to a page does not fit in size_t
 *   PV_EACCES    prot has EXEC without PV_MAP_ALLOW_EXEC, or WRITE|EXEC
 *                without PV_MAP_ALLOW_WX
 *   PV_ENOTSUP   EXEC in prot, or PV_MAP_ALLOW_EXEC or PV_MAP_ALLOW_WX in
 *                flags, in a build configured with --disable-exec
 *   PV_ENOMEM    the kernel refused the memory or the address space
 *   PV_EMAPS     the process reached vm.max_map_count mappings
 * On failure *p is not touched.
 */
PV_EXPORT int pv_pages_map(pv_pages *p, size_t len, unsigned prot,
                           unsigned flags);

/*
 * pv_pages_unmap - return the whole mapping to the kernel and reset *p to
 * the unmapped state (addr NULL, len 0).  Unmapping an unmapped struct is a
 * no-op that returns 0, so a second unmap is harmless.
 * Returns 0, or PV_EINVAL if p is NULL.
 */
PV_EXPORT int pv_pages_unmap(pv_pages *p);

/*
 * pv_pages_protect - change the protection of the whole mapping.
 * W^X: WRITE|EXEC together is refused unless the mapping was made with
 * PV_MAP_ALLOW_WX.  Turning EXEC on flushes the instruction cache where the
 * architecture needs it.
 * Returns 0, or:
 *   PV_EINVAL  p is NULL or unmapped, unknown prot bits
 *   PV_EACCES  EXEC without PV_MAP_ALLOW_EXEC, or W+X without PV_MAP_ALLOW_WX
 *   PV_ENOTSUP EXEC in a --disable-exec build
 *   PV_ENOMEM  the kernel refused
 *   PV_EMAPS   the change would split the mapping past vm.max_map_count
 */
PV_EXPORT int pv_pages_protect(pv_pages *p, unsigned prot);

/*
 * pv_pages_resize - change the mapping's length to `new_len` (rounded up to
 * whole pages).  The mapping may move (mremap on Linux: the kernel moves page
 * tables, not bytes; elsewhere map + copy + unmap); p->addr is updated and
 * old pointers into it are invalid.  Bytes up to the smaller length are
 * kept; new bytes read as zero; the protection is kept, whatever it is
 * (a copy of pages that are not readable adds READ to the old pages for
 * the copy only).  A copy also happens on Linux when pv_pages_advise on
 * part of the mapping split it, as mremap cannot grow a split mapping.
 *
 *   pv_pages p;
 *   if (pv_pages_map(&p, 1 << 20, PV_PROT_READ | PV_PROT_WRITE, 0) == 0 &&
 *       pv_pages_resize(&p, 64 << 20) == 0)
 *     ((char *)p.addr)[(64 << 20) - 1] = 1;  // the first MiB is kept
 *
 * Returns 0, or:
 *   PV_EINVAL    p is NULL or unmapped, new_len is 0
 *   PV_EOVERFLOW new_len rounded up to a page does not fit in size_t
 *   PV_ENOMEM    the kernel refused (the mapping is unchanged)
 *   PV_EMAPS     the move needs a mapping past vm.max_map_count (unchanged)
 */
PV_EXPORT int pv_pages_resize(pv_pages *p, size_t new_len);

/*
 * pv_pages_decommit - give the physical memory behind [off, off+len) back to
 * the kernel now.  The range stays mapped with its protection.  On Linux
 * (madvise MADV_DONTNEED) and Windows (MEM_DECOMMIT then recommit) it reads
 * as zero afterwards; on other POSIX systems its contents are unspecified
 * (zero or the old bytes) but it stays usable.  `len` rounds up to whole pages.
 * Returns 0, or:
 *   PV_EINVAL  p is NULL or unmapped, off not page-aligned, len 0; on
 *              Linux also pages locked with mlock (madvise refuses them)
 *   PV_ERANGE  the range runs past the end of the mapping
 *   PV_ENOMEM  the kernel refused (Windows: the recommit failed)
 */
PV_EXPORT int pv_pages_decommit(pv_pages *p, size_t off, size_t len);

/*
 * pv_pages_advise - tell the kernel how [off, off+len) will be used
 * (the pv_advice values above; PV_ADVISE_PAGEOUT reclaims the range now,
 * keeping its contents).  A hint this platform lacks is a no-op that
 * returns 0.
 * Returns 0, or:
 *   PV_EINVAL  p is NULL or unmapped, off not page-aligned, len 0,
 *              unknown advice
 *   PV_ERANGE  the range runs past the end of the mapping
 *   PV_ENOMEM  the kernel refused the hint for lack of memory
 *   PV_EMAPS   the hint would split the mapping past vm.max_map_count
 */
PV_EXPORT int pv_pages_advise(pv_pages *p, size_t off, size_t len,
                              pv_advice advice);

/*
 * pv_pages_fn - a callable pointer to the code at byte `off` of executable
 * pages, or NULL when p is NULL, unmapped, not currently executable, or
 * off >= p->len.
 *
 *   typedef long (*add_fn)(long, long);
 *   add_fn add = (add_fn)pv_pages_fn(&p, 0);
 */
PV_EXPORT pv_fn pv_pages_fn(const pv_pages *p, size_t off);

#ifdef __cplusplus
}
#endif

#endif /* PAGED_VEC_PAGES_H */

/*
 * lib/os_posix.c - the OS layer for Linux and other POSIX systems
 * (mmap / mprotect / mremap / madvise / mincore).  The contract is lib/os.h.
 *
 * Feature macros come from configure, which probes each one by linking and
 * names it by what it does (PV_HAVE_MREMAP, ...), never by OS.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "os.h"

#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif

#ifdef PV_HAVE_MAP_NORESERVE
/* Reserved-only ranges are PROT_NONE and never written, so they must not be
 * charged against the commit limit: MAP_NORESERVE says so where it exists.
 * Under strict overcommit (mode 2) Linux ignores it, but a PROT_NONE private
 * mapping is not charged there either; the charge comes with mprotect. */
#define PV__MAP_RESERVE_FLAGS MAP_NORESERVE
#else
#define PV__MAP_RESERVE_FLAGS 0
#endif

/* ---- ENOMEM: out of memory or out of mappings --------------------------- */

/* Linux refuses a call that would take the process past vm.max_map_count
 * with ENOMEM, the same errno as "no memory".  Its thresholds differ by
 * call: mmap refuses above the limit, a split at it, a moving mremap 3
 * below it and a mremap to a chosen address 5 below it (two mappings it may
 * split on the way, then move_vma's own 3).  So a process within
 * MAPS_HEADROOM of the limit was refused for its mappings. */
#define MAPS_HEADROOM 5

/* Bytes read at a time from a /proc file: the C library's own buffered-I/O
 * size (BUFSIZ), in a stack buffer instead of stdio's, because at the
 * mapping limit malloc (and so stdio) may itself fail.  Any size counts the
 * same lines; it is not a page size. */
#define PROC_CHUNK BUFSIZ

/* Newlines in the file at path (opened with open/read, no allocation), or
 * 0 if it cannot be read. */
static size_t count_lines(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[PROC_CHUNK];
  size_t lines = 0;
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    for (ssize_t i = 0; i < n; i++) lines += buf[i] == '\n';
  close(fd);
  return lines;
}

/* vm.max_map_count, read once (it is a sysctl: changing it while a process
 * runs is rare, and this is only a diagnosis); 0 when the system has no such
 * file, i.e. no such limit.  Read with open/read for the reason above. */
static size_t max_map_count(void) {
  static atomic_size_t cached; /* 0: not read yet; SIZE_MAX: no limit */
  size_t lim = atomic_load_explicit(&cached, memory_order_relaxed);
  if (lim == 0) {
    char buf[32];
    unsigned long long v = 0;
    int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, buf, sizeof buf - 1);
      close(fd);
      if (n > 0) {
        buf[n] = '\0';
        if (sscanf(buf, "%llu", &v) != 1) v = 0;
      }
    }
    lim = v == 0 || v >= SIZE_MAX ? SIZE_MAX : (size_t)v;
    atomic_store_explicit(&cached, lim, memory_order_relaxed);
  }
  return lim == SIZE_MAX ? 0 : lim;
}

/* The code for an ENOMEM from mmap, mprotect, mremap, munmap or madvise:
 * PV_EMAPS when the process is at its mapping limit (one line of
 * /proc/self/maps per mapping; only counted here, on the error path), else
 * PV_ENOMEM.  errno is kept for the caller. */
static int enomem_code(void) {
  int saved = errno;
  size_t lim = max_map_count();
  int rc = PV_ENOMEM;
  if (lim != 0 && count_lines("/proc/self/maps") + MAPS_HEADROOM >= lim)
    rc = PV_EMAPS;
  errno = saved;
  return rc;
}

static int posix_err(int e) {
  switch (e) {
  case ENOMEM:
    return enomem_code();
  case EAGAIN:
  case EMFILE: /* out of descriptors (the dual mapping's memfd) */
  case ENFILE:
    return PV_ENOMEM;
  case EACCES:
  case EPERM:
    return PV_EACCES;
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
  case EOPNOTSUPP:
#endif
  case ENOTSUP:
    return PV_ENOTSUP;
  default:
    return PV_EINVAL;
  }
}


static int posix_prot(unsigned prot) {
  int p = PROT_NONE;
  if (prot & PV_PROT_READ) p |= PROT_READ;
  if (prot & PV_PROT_WRITE) p |= PROT_WRITE;
  if (prot & PV_PROT_EXEC) p |= PROT_EXEC;
  return p;
}

/* Read the first line of a small kernel file; false if it is not there
 * (which is how a non-Linux system answers). */
static bool read_line(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return false;
  bool ok = fgets(buf, (int)n, f) != NULL;
  fclose(f);
  return ok;
}

static size_t query_huge_page_size(void) {
#ifdef PV_HAVE_MADV_HUGEPAGE
  char line[128];
  unsigned long long v;
  if (read_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", line,
                sizeof line) &&
      sscanf(line, "%llu", &v) == 1 && v > 0)
    return (size_t)v;
  FILE *f = fopen("/proc/meminfo", "r");
  if (f != NULL) {
    size_t found = 0;
    while (fgets(line, sizeof line, f) != NULL) {
      if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1) {
        found = (size_t)v * 1024u;
        break;
      }
    }
    fclose(f);
    return found;
  }
#endif
  return 0;
}

void pv__os_caps_query(pv__os_caps *c) {
  long ps = sysconf(_SC_PAGESIZE);
  char line[128];
  /* POSIX requires _SC_PAGESIZE; there is no sensible fallback value. */
  assert(ps > 0);
  c->page_size = (size_t)ps;
  c->alloc_granularity = c->page_size;
  c->huge_page_size = query_huge_page_size();
  c->thp = c->huge_page_size != 0;
  if (read_line("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof line))
    c->thp = c->thp && strstr(line, "[never]") == NULL;
  /* Mode 2 of vm.overcommit_memory charges commit at mprotect/mmap time. */
  c->overcommits = true;
  if (read_line("/proc/sys/vm/overcommit_memory", line, sizeof line))
    c->overcommits = line[0] != '2';
#ifdef PV_HAVE_MREMAP
  c->can_remap = true;
#endif
#ifdef PV_DECOMMIT_ZEROES
  c->decommit_zeroes = true;
#endif
#ifdef PV_ENABLE_EXEC
  c->can_exec = true;
#endif
#ifdef PV_HAVE_MINCORE
  c->can_resident = true;
#endif
  c->partial_release = true;
  c->can_map_files = true;
  c->can_map_files_at = true;  /* mmap MAP_FIXED inside a reservation */
  c->can_cut_mapped = true;    /* ftruncate under a mapping, munmap a tail */
}

/* mmap `size` bytes wherever the kernel likes (OS-page aligned). */
static int map_anywhere(size_t size, int prot, int flags, void **out) {
  void *p = mmap(NULL, size, prot, flags, -1, 0);
  if (p == MAP_FAILED) return posix_err(errno);
  *out = p;
  return 0;
}

/* True for the refusals that say "not enough room", which a cheaper way of
 * doing the same thing may still get past. */
static bool out_of_room(int rc) { return rc == PV_ENOMEM || rc == PV_EMAPS; }

/* mmap a range of `size` bytes at an address that is a multiple of `align`,
 * or fail.  mmap only promises OS-page alignment, so for larger alignments
 * we map size + align - page and unmap the misaligned head and the tail:
 * cheaper and race-free compared with guessing an address and using
 * MAP_FIXED, which would silently replace whatever another thread mapped
 * there.  The price is align - page bytes of address space for a moment. */
static int map_strict(size_t size, size_t align, int prot, int flags,
                      void **out) {
  const pv__os_caps *c = pv__os_caps_get();
  if (align == 0) align = c->alloc_granularity;
  if (align <= c->os_page_size) return map_anywhere(size, prot, flags, out);
  size_t extra = align - c->os_page_size;
  if (size > SIZE_MAX - extra) return PV_ENOMEM;
  void *raw = mmap(NULL, size + extra, prot, flags, -1, 0);
  if (raw == MAP_FAILED) return posix_err(errno);
  uintptr_t start = ((uintptr_t)raw + (align - 1)) & ~(uintptr_t)(align - 1);
  size_t head = start - (uintptr_t)raw;
  size_t tail = extra - head;
  /* Trimming can only fail by splitting past vm.max_map_count; then give
   * everything back rather than keep a misaligned region. */
  if ((head != 0 && munmap(raw, head) != 0) ||
      (tail != 0 && munmap((char *)start + size, tail) != 0)) {
    int e = errno;
    munmap(raw, size + extra);
    return posix_err(e);
  }
  *out = (void *)start;
  return 0;
}

/* map_strict, with an alignment beyond the granule a wish (os.h): when
 * the over-reservation does not fit (RLIMIT_AS, or no mapping left to trim
 * it), map `size` bytes aligned to the granule only (the OS page, so exactly
 * `size`, unless the build forces a larger page), and to `align` only if
 * the kernel happens to pick such an address.  That map is a fault point of
 * its own; either way nothing is left behind on failure. */
static int map_aligned(size_t size, size_t align, int prot, int flags,
                       void **out) {
  const size_t granule = pv__os_caps_get()->alloc_granularity;
  int rc = map_strict(size, align, prot, flags, out);
  if (!out_of_room(rc) || align <= granule) return rc;
  PV__FAULT_POINT();
  return map_strict(size, granule, prot, flags, out);
}

int pv__os_map(size_t size, size_t align, unsigned prot, void **out) {
  assert(size != 0 && size % pv__os_caps_get()->page_size == 0);
  PV__FAULT_POINT();
  int flags = MAP_PRIVATE | MAP_ANONYMOUS;
  if (prot == PV_PROT_NONE) flags |= PV__MAP_RESERVE_FLAGS;
  int rc = map_aligned(size, align, posix_prot(prot), flags, out);
  if (rc == 0) pv__os_live_add((long long)size);
  return rc;
}

int pv__os_unmap(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  if (munmap(addr, size) != 0) return posix_err(errno);
  pv__os_live_add(-(long long)size);
  return 0;
}

int pv__os_release_tail(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  if (munmap(addr, size) != 0) return posix_err(errno);
  pv__os_live_add(-(long long)size);
  return 0;
}

int pv__os_commit(void *addr, size_t size, unsigned prot) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  if (mprotect(addr, size, posix_prot(prot)) != 0) return posix_err(errno);
  return 0;
}

int pv__os_uncommit(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  /* Mapping fresh PROT_NONE pages over the range frees the memory and drops
   * the commit charge in one call (madvise + mprotect would keep the charge
   * under strict overcommit).  MAP_FIXED is safe here: the range is ours. */
  void *p = mmap(addr, size, PROT_NONE,
                 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | PV__MAP_RESERVE_FLAGS,
                 -1, 0);
  if (p == MAP_FAILED) return posix_err(errno);
  return 0;
}

int pv__os_protect(void *addr, size_t size, unsigned prot) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  if (mprotect(addr, size, posix_prot(prot)) != 0) return posix_err(errno);
  return 0;
}

int pv__os_decommit(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
#if defined(PV_HAVE_MADV_DONTNEED)
  /* madvise, not posix_madvise: glibc's posix_madvise ignores
   * POSIX_MADV_DONTNEED, so the memory would never be returned. */
  if (madvise(addr, size, MADV_DONTNEED) != 0) return posix_err(errno);
#elif defined(PV_HAVE_MADV_FREE)
  if (madvise(addr, size, MADV_FREE) != 0) return posix_err(errno);
#else
  (void)addr;
  (void)size;
#endif
  return 0;
}

#ifdef PV_HAVE_MREMAP
/* mremap answers EINVAL for a length beyond the address space; the core has
 * already validated everything else, so that EINVAL means "no room". */
static int remap_err(int e) { return e == EINVAL ? PV_ENOMEM : posix_err(e); }

/* Move [old, old + old_size) to a fresh aligned reservation of new_size.
 * We reserve the destination first and remap onto it with MREMAP_FIXED:
 * MREMAP_MAYMOVE alone picks any page-aligned address, which would lose
 * the huge-page alignment the vector keeps across growth.  The price is
 * address space: the kernel charges the reservation, the old range and the
 * growth all at once (old + 2 * new - old under RLIMIT_AS), where a plain
 * move is charged the growth only. */
static int remap_to_aligned(void *old, size_t old_size, size_t new_size,
                            size_t align, void **out) {
  void *dest;
  int rc = map_strict(new_size, align, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | PV__MAP_RESERVE_FLAGS, &dest);
  if (rc != 0) return rc;
  void *r = mremap(old, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
  if (r == MAP_FAILED) {
    int e = errno;
    munmap(dest, new_size);
    return remap_err(e);
  }
  *out = r;
  return 0;
}

/* Keep [end, end + page) from being grown into: map a PROT_NONE page there
 * if the address is free, as a hint (never MAP_FIXED: whatever is there
 * stays).  *plug is that page, or NULL when the kernel put it elsewhere,
 * which it does only when the address is taken: then nothing can grow into
 * it anyway. */
static int plug_after(void *end, void **plug) {
  const size_t page = pv__os_caps_get()->os_page_size;
  void *p = mmap(end, page, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | PV__MAP_RESERVE_FLAGS, -1, 0);
  if (p == MAP_FAILED) return posix_err(errno);
  if (p != end) {
    munmap(p, page);
    p = NULL;
  }
  *plug = p;
  return 0;
}

/* A plain MREMAP_MAYMOVE, charged only the growth, at whatever address
 * the kernel picks.  With PV__OS_REMAP_MOVE a plug page after the old range
 * makes sure it really moves.  On failure the old range is as it was and
 * the plug is gone.  (The plug's munmap unmaps one whole single-page
 * mapping of ours; should even that fail, the page, PROT_NONE and holding
 * no memory, stays mapped.) */
static int remap_plain_move(void *old, size_t old_size, size_t new_size,
                            unsigned flags, void **out) {
  void *plug = NULL;
  if (flags & PV__OS_REMAP_MOVE) {
    int rc = plug_after((char *)old + old_size, &plug);
    if (rc != 0) return rc;
  }
  void *r = mremap(old, old_size, new_size, MREMAP_MAYMOVE);
  int e = errno;
  if (plug != NULL) munmap(plug, pv__os_caps_get()->os_page_size);
  if (r == MAP_FAILED) return remap_err(e);
  *out = r;
  return 0;
}

/* The fallback of an aligned move that failed with `why` (out of room):
 * the alignment becomes a wish.  Normally a plain move (OS-page aligned,
 * which is the granule).  Where the build forces a page larger than the
 * OS's, a plain move would break the granule, so the fallback is an
 * aligned move to the granule only, when that is less than `align`.  A
 * fault point of its own. */
static int remap_fallback(void *old, size_t old_size, size_t new_size,
                          size_t align, unsigned flags, int why, void **out) {
  const pv__os_caps *c = pv__os_caps_get();
  const size_t granule = c->alloc_granularity;
  if (granule > c->os_page_size && align <= granule) return why;
  PV__FAULT_POINT();
  if (granule > c->os_page_size)
    return remap_to_aligned(old, old_size, new_size, granule, out);
  return remap_plain_move(old, old_size, new_size, flags, out);
}
#endif

int pv__os_remap(void *old, size_t old_size, size_t new_size, size_t align,
                 unsigned flags, void **out) {
  assert(old != NULL && old_size != 0 && new_size != 0);
#ifdef PV_HAVE_MREMAP
  PV__FAULT_POINT();
  const pv__os_caps *c = pv__os_caps_get();
  if (new_size <= old_size || !(flags & PV__OS_REMAP_MOVE)) {
    /* In place first: no new address, nothing to realign. */
    if (mremap(old, old_size, new_size, 0) != MAP_FAILED) {
      pv__os_live_add((long long)new_size - (long long)old_size);
      *out = old;
      return 0;
    }
    if (new_size <= old_size) return remap_err(errno);
  }
  if (align == 0) align = c->alloc_granularity;
  int rc;
  if (align <= c->os_page_size && !(flags & PV__OS_REMAP_MOVE)) {
    void *r = mremap(old, old_size, new_size, MREMAP_MAYMOVE);
    if (r == MAP_FAILED) return remap_err(errno);
    *out = r;
    rc = 0;
  } else {
    rc = remap_to_aligned(old, old_size, new_size, align, out);
    if (out_of_room(rc))
      rc = remap_fallback(old, old_size, new_size, align, flags, rc, out);
  }
  if (rc == 0) pv__os_live_add((long long)new_size - (long long)old_size);
  return rc;
#else
  (void)old;
  (void)old_size;
  (void)new_size;
  (void)align;
  (void)flags;
  (void)out;
  return PV_ENOTSUP;
#endif
}

int pv__os_remap_fixed(void *old, size_t old_size, void *dest, size_t new_size) {
  assert(old != NULL && old_size != 0 && dest != NULL && new_size != 0);
#ifdef PV_HAVE_MREMAP
  PV__FAULT_POINT();
  /* dest is already counted as part of the caller's reservation; the old
   * range leaves the address space we hold. */
  void *r = mremap(old, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
  if (r == MAP_FAILED) return remap_err(errno);
  pv__os_live_add(-(long long)old_size);
  return 0;
#else
  (void)old;
  (void)old_size;
  (void)dest;
  (void)new_size;
  return PV_ENOTSUP;
#endif
}

int pv__os_advise(void *addr, size_t size, pv_advice advice) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  int a;
  switch (advice) {
  case PV_ADVISE_NORMAL: a = MADV_NORMAL; break;
  case PV_ADVISE_SEQUENTIAL: a = MADV_SEQUENTIAL; break;
  case PV_ADVISE_RANDOM: a = MADV_RANDOM; break;
  case PV_ADVISE_WILLNEED:
#ifdef PV_HAVE_MADV_POPULATE_WRITE
    /* MADV_WILLNEED only reads ahead from swap or files; for anonymous
     * memory that will be written, populating the page tables now is what
     * "will need" can usefully mean.  Kernels before 5.14 (EINVAL) and
     * read-only ranges (EFAULT) fall back to the plain hint. */
    if (madvise(addr, size, MADV_POPULATE_WRITE) == 0) return 0;
#endif
    a = MADV_WILLNEED;
    break;
  case PV_ADVISE_HUGEPAGE:
  case PV_ADVISE_NOHUGEPAGE:
#ifdef PV_HAVE_MADV_HUGEPAGE
    a = advice == PV_ADVISE_HUGEPAGE ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
    break;
#else
    return 0;
#endif
  case PV_ADVISE_PAGEOUT:
#ifdef PV_HAVE_MADV_PAGEOUT
    /* Reclaim keeps every byte: anonymous pages go to swap (or stay),
     * clean file pages are dropped and read back from the file, dirty
     * ones are kept (only kswapd writes a file's pages out).  Never
     * MADV_DONTNEED or MADV_FREE, which drop memory's contents. */
    a = MADV_PAGEOUT;
    break;
#else
    return 0;
#endif
  default:
    return PV_EINVAL;
  }
  if (madvise(addr, size, a) != 0) {
    /* EINVAL: this kernel lacks the hint (e.g. built without THP, or
     * before 5.4 for PAGEOUT; PAGEOUT also refuses locked pages): a hint
     * the platform lacks is a no-op by contract. */
    if (errno == EINVAL) return 0;
    return posix_err(errno);
  }
  return 0;
}

void pv__os_icache_flush(void *addr, size_t size) {
  __builtin___clear_cache((char *)addr, (char *)addr + size);
}

int pv__os_resident(void *addr, size_t size, size_t *bytes) {
#ifdef PV_HAVE_MINCORE
  PV__FAULT_POINT();
  enum { CHUNK_PAGES = 1024 }; /* one small stack buffer per mincore call */
  unsigned char vec[CHUNK_PAGES];
  const size_t page = pv__os_caps_get()->os_page_size;
  size_t pages = size / page, total = 0;
  char *p = addr;
  while (pages > 0) {
    size_t n = pages < CHUNK_PAGES ? pages : CHUNK_PAGES;
    if (mincore(p, n * page, (void *)vec) != 0) return posix_err(errno);
    for (size_t i = 0; i < n; i++) total += vec[i] & 1u;
    p += n * page;
    pages -= n;
  }
  *bytes = total * page;
  return 0;
#else
  (void)addr;
  (void)size;
  (void)bytes;
  return PV_ENOTSUP;
#endif
}

/* ---- dual mapping (JIT code under deny_execmem) ------------------------ */

#ifdef PV_HAVE_MEMFD_CREATE
int pv__os_dual_map(size_t size, void **rw, void **rx, intptr_t *handle) {
  assert(size != 0 && size % pv__os_caps_get()->page_size == 0);
  PV__FAULT_POINT();
  const int reserve = MAP_PRIVATE | MAP_ANONYMOUS | PV__MAP_RESERVE_FLAGS;
  int fd = memfd_create("paged_vec-code", MFD_CLOEXEC);
  if (fd < 0) return posix_err(errno);
  void *w, *x;
  int rc = map_aligned(size, 0, PROT_NONE, reserve, &w);
  if (rc == 0) {
    rc = map_aligned(size, 0, PROT_NONE, reserve, &x);
    if (rc != 0) munmap(w, size);
  }
  if (rc != 0) {
    close(fd);
    return rc;
  }
  pv__os_live_add(2 * (long long)size);
  *rw = w;
  *rx = x;
  *handle = fd;
  return 0;
}

int pv__os_dual_grow(intptr_t handle, void *rw, void *rx, size_t old_size,
                     size_t new_size, unsigned wprot, unsigned xprot) {
  assert(rw != NULL && rx != NULL && old_size < new_size);
  PV__FAULT_POINT();
  const int fd = (int)handle;
  const size_t len = new_size - old_size;
  if ((off_t)new_size < 0) return PV_ENOMEM; /* beyond a file's reach */
  if (ftruncate(fd, (off_t)new_size) != 0) return posix_err(errno);
  /* MAP_FIXED over our own PROT_NONE reservation: safe, the range is ours. */
  char *w = (char *)rw + old_size, *x = (char *)rx + old_size;
  int rc = 0;
  if (mmap(w, len, posix_prot(wprot), MAP_SHARED | MAP_FIXED, fd,
           (off_t)old_size) == MAP_FAILED) {
    rc = posix_err(errno);
  } else {
    /* A second test seam, so that the rollback below is tested too. */
    rc = pv__os_fault_hit();
    if (rc == 0 && mmap(x, len, posix_prot(xprot), MAP_SHARED | MAP_FIXED, fd,
                        (off_t)old_size) == MAP_FAILED)
      rc = posix_err(errno);
    /* Put the reservation back so that nothing changed. */
    if (rc != 0)
      mmap(w, len, PROT_NONE,
           MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | PV__MAP_RESERVE_FLAGS, -1, 0);
  }
  if (rc != 0) {
    if (ftruncate(fd, (off_t)old_size) != 0) {
      /* The object only keeps a longer, unmapped tail: harmless. */
    }
    return rc;
  }
  return 0;
}

int pv__os_dual_unmap(intptr_t handle, void *rw, void *rx, size_t size) {
  assert(rw != NULL && rx != NULL && size != 0);
  PV__FAULT_POINT();
  if (munmap(rw, size) != 0) return posix_err(errno);
  /* The write view is gone; the exec view and the object must go too even
   * if something fails now, or they would leak with nobody to free them. */
  munmap(rx, size);
  close((int)handle);
  pv__os_live_add(-2 * (long long)size);
  return 0;
}
#endif

/* ---- files ------------------------------------------------------------- */

/* Included here, next to their only users. */
#include <sys/stat.h>
#ifdef PV_HAVE_FLOCK
#include <sys/file.h>
#endif

static atomic_ulong file_restarts;

/* The code for an errno from a file call: the errnos only POSIX has, then
 * the shared table (os.h, "files"). */
static int file_err(int e) {
#ifdef EDQUOT
  if (e == EDQUOT) return PV_ENOSPC;
#endif
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
  if (e == EOPNOTSUPP) return PV_ENOTSUP;
#endif
  return pv__os_file_errno(e);
}

int pv__os_file_open(const char *path, unsigned flags, unsigned mode, int *fd) {
  assert(path != NULL && fd != NULL);
  PV__FAULT_POINT();
  int of = O_CLOEXEC | O_NOCTTY | ((flags & PV__OS_FILE_WRITE) ? O_RDWR : O_RDONLY);
  if (flags & PV__OS_FILE_CREATE) of |= O_CREAT;
  /* O_EXCL with O_CREAT already refuses a symbolic link; O_NOFOLLOW says
   * it twice, for systems that get the first wrong. */
  if (flags & PV__OS_FILE_EXCL) of |= O_EXCL | O_NOFOLLOW;
  int d;
  do d = open(path, of, (mode_t)mode);
  while (d < 0 && errno == EINTR); /* a FIFO's open blocks */
  if (d < 0) return file_err(errno);
  *fd = d;
  return 0;
}

int pv__os_file_info(int fd, pv__os_file *out) {
  PV__FAULT_POINT();
  struct stat st;
  if (fstat(fd, &st) != 0) return file_err(errno);
  if (S_ISDIR(st.st_mode)) return PV_EINVAL;
  out->regular = S_ISREG(st.st_mode);
  out->size = out->offset = 0;
  if (!out->regular) return 0;
  off_t at = lseek(fd, 0, SEEK_CUR);
  if (at < 0) return file_err(errno);
  out->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
  out->offset = (uint64_t)at;
  return 0;
}

int pv__os_file_close(int fd) {
  /* Closed first, then the fault point (os.h).  Not retried on EINTR:
   * Linux has closed the fd by then, and a retry could close one another
   * thread just opened. */
  int r = close(fd), e = errno;
  PV__FAULT_POINT();
  if (r != 0 && e != EINTR) return file_err(e);
  return 0;
}

int pv__os_file_read(int fd, void *buf, size_t len, size_t *got) {
  PV__FAULT_POINT();
  if (len > SSIZE_MAX) len = SSIZE_MAX; /* what POSIX read takes */
  ssize_t n;
  while ((n = read(fd, buf, len)) < 0 && errno == EINTR)
    atomic_fetch_add_explicit(&file_restarts, 1, memory_order_relaxed);
  if (n < 0) return file_err(errno);
  *got = (size_t)n;
  return 0;
}

int pv__os_file_seek(int fd, uint64_t off) {
  PV__FAULT_POINT();
  off_t o = (off_t)off;
  if (o < 0 || (uint64_t)o != off) return PV_EOVERFLOW;
  if (lseek(fd, o, SEEK_SET) < 0) return file_err(errno);
  return 0;
}

unsigned long pv__os_file_restarts(void) {
  return atomic_load_explicit(&file_restarts, memory_order_relaxed);
}

/* ftruncate to size, which must fit off_t. */
static int truncate_to(int d, uint64_t size) {
  if (size > (uint64_t)INT64_MAX || (off_t)size < 0) return PV_ENOSPC;
  int r;
  do r = ftruncate(d, (off_t)size);
  while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : file_err(errno);
}

int pv__os_fmap_resize(int fd, uint64_t size) {
  PV__FAULT_POINT();
  return truncate_to(fd, size);
}

/* Holes need no mark here. */
int pv__os_fmap_sparse(int fd) {
  (void)fd;
  PV__FAULT_POINT();
  return 0;
}

int pv__os_fmap_extend(int fd, uint64_t old, uint64_t size) {
  assert(size > old);
  PV__FAULT_POINT();
  if (size > (uint64_t)INT64_MAX) return PV_ENOSPC;
#ifdef PV_HAVE_FALLOCATE
  int r;
  do r = fallocate(fd, 0, (off_t)old, (off_t)(size - old));
  while (r != 0 && errno == EINTR);
  if (r == 0) return 0;
  /* File systems without it (and a few that refuse its mode): extend. */
  if (errno != EOPNOTSUPP && errno != ENOSYS) return file_err(errno);
#else
  (void)old;
#endif
  struct stat st; /* never shortened: a file longer already is left be */
  if (fstat(fd, &st) != 0) return file_err(errno);
  if (st.st_size >= 0 && (uint64_t)st.st_size >= size) return 0;
  return truncate_to(fd, size);
}

int pv__os_fmap_map(int fd, uint64_t offset, size_t size, unsigned prot, void *at,
                    void **out) {
  assert(size != 0 && size % pv__os_caps_get()->page_size == 0);
  assert(offset % pv__os_caps_get()->page_size == 0);
  PV__FAULT_POINT();
  if (offset > (uint64_t)INT64_MAX) return PV_EINVAL;
  /* Anywhere: on the granule, which is larger than the kernel's page only
   * in a build that forces a larger page; then a reservation on it is made
   * first and the file mapped over it. */
  const pv__os_caps *c = pv__os_caps_get();
  void *place = at;
  if (at == NULL && c->alloc_granularity > c->os_page_size) {
    int rc = map_strict(size, c->alloc_granularity, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | PV__MAP_RESERVE_FLAGS, &place);
    if (rc != 0) return rc;
  }
  int flags = MAP_SHARED | (place != NULL ? MAP_FIXED : 0);
  void *p = mmap(place, size, posix_prot(prot), flags, fd, (off_t)offset);
  if (p == MAP_FAILED) {
    int e = errno;
    if (at == NULL && place != NULL) munmap(place, size);
    /* ENODEV: a file system that cannot map its files; EAGAIN here is
     * locked memory, not a lock (posix_err's PV_ENOMEM). */
    return e == ENODEV ? PV_ENOTSUP : posix_err(e);
  }
  if (at == NULL) pv__os_live_add((long long)size);
  *out = p;
  return 0;
}

int pv__os_fmap_sync(void *addr, size_t size, bool wait) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  if (msync(addr, size, wait ? MS_SYNC : MS_ASYNC) != 0) return file_err(errno);
  return 0;
}

int pv__os_fmap_readahead(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  if (madvise(addr, size, MADV_WILLNEED) != 0 && errno != EINVAL) return posix_err(errno);
  return 0;
}

int pv__os_fmap_flush(int fd) {
  PV__FAULT_POINT();
  int r;
  do r = fsync(fd);
  while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : file_err(errno);
}

int pv__os_fmap_lock(int fd) {
  PV__FAULT_POINT();
  int r;
#ifdef PV_HAVE_FLOCK
  /* flock: held by the open file, so a second open in the same process
   * conflicts too (fcntl locks belong to the process and would not). */
  do r = flock(fd, LOCK_EX | LOCK_NB);
  while (r != 0 && errno == EINTR);
#else
  struct flock l;
  memset(&l, 0, sizeof l);
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  r = fcntl(fd, F_SETLK, &l);
  /* Held by another process: EACCES or EAGAIN, as flock says EWOULDBLOCK. */
  if (r != 0 && (errno == EACCES || errno == EAGAIN)) errno = EWOULDBLOCK;
#endif
  if (r == 0) return 0;
  /* Someone holds it: the lock's own code (the table says PV_EIO for a
   * non-blocking read's EAGAIN, which is EWOULDBLOCK on Linux). */
  return errno == EWOULDBLOCK ? PV_EBUSY : file_err(errno);
}

/* ---- time, fork, scheduling -------------------------------------------- */

/* Included here, next to their only users, rather than at the top. */
#include <pthread.h>
#include <sched.h>
#include <time.h>

uint64_t pv__os_now_ns(void) {
  struct timespec ts;
  /* CLOCK_MONOTONIC is required by POSIX.1-2008; it cannot fail here. */
  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

int pv__os_atfork(void (*prepare)(void), void (*parent)(void),
                  void (*child)(void)) {
  return pthread_atfork(prepare, parent, child) == 0 ? 0 : PV_ENOMEM;
}

void pv__os_yield(void) { (void)sched_yield(); }

/* ---- parallel population (pv_vec_populate) ------------------------------ */

/* Whether MADV_POPULATE_WRITE works here: 0 not known yet, 1 it does, 2
 * the running kernel lacks it (it answered EINVAL once).  Threads racing
 * on the first answer store the same value. */
static atomic_int populate_state;

static int populate_lacking(void) {
  atomic_store_explicit(&populate_state, 2, memory_order_relaxed);
  return PV_ENOTSUP;
}

int pv__os_populate(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  int f = pv__os_fault_hit();
  if (f == PV_EINVAL) return populate_lacking();
  if (f != 0) return f;
#ifdef PV_HAVE_MADV_POPULATE_WRITE
  if (atomic_load_explicit(&populate_state, memory_order_relaxed) == 2)
    return PV_ENOTSUP;
  if (madvise(addr, size, MADV_POPULATE_WRITE) == 0) {
    atomic_store_explicit(&populate_state, 1, memory_order_relaxed);
    return 0;
  }
  switch (errno) {
  case EINVAL: return populate_lacking(); /* a kernel before 5.14 */
  case EFAULT: /* the fault failed as SIGBUS would: no page to give */
#ifdef EHWPOISON
  case EHWPOISON:
#endif
    return PV_ENOMEM;
  default: return posix_err(errno);
  }
#else
  return PV_ENOTSUP;
#endif
}

int pv__os_cpu_count(unsigned *n) {
  PV__FAULT_POINT();
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  if (c < 1) return PV_ENOTSUP;
  *n = c > (long)UINT_MAX ? UINT_MAX : (unsigned)c;
  return 0;
}

_Static_assert(sizeof(pthread_t) <= sizeof(((pv__os_thread *)0)->h),
               "pv__os_thread holds a pthread_t");

static void *thread_main(void *p) {
  const pv__os_thread *t = p;
  t->fn(t->arg);
  return NULL;
}

int pv__os_thread_start(pv__os_thread *t, void (*fn)(void *), void *arg) {
  PV__FAULT_POINT();
  pthread_t th;
  t->fn = fn;
  t->arg = arg;
  int e = pthread_create(&th, NULL, thread_main, t);
  /* EAGAIN: no stack could be mapped, or the thread limit is reached. */
  if (e != 0) return e == EAGAIN ? PV_ENOMEM : posix_err(e);
  memcpy(&t->h, &th, sizeof th);
  return 0;
}

int pv__os_thread_join(pv__os_thread *t) {
  pthread_t th;
  memcpy(&th, &t->h, sizeof th);
  int e = pthread_join(th, NULL);
  int f = pv__os_fault_hit();
  if (f != 0) return f;
  return e == 0 ? 0 : posix_err(e);
}

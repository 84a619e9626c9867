/*
 * lib/os_windows.c - the OS layer for Windows (VirtualAlloc / VirtualProtect /
 * VirtualFree / FlushInstructionCache).  The contract is lib/os.h; this file
 * documents only where Windows differs from it or from POSIX.
 *
 * Windows has no mremap, so can_remap is false and the core resizes by
 * committing inside a reservation or by copying.  Address space is handed
 * out in reservations aligned to the allocation granularity (64 KiB), and a
 * reservation can only be released as a whole (VirtualFree MEM_RELEASE with
 * size 0 on its base): partial_release is false and pv__os_release_tail only
 * decommits.  Committing charges the system commit limit at once (no
 * overcommit), so a reservation that is only PAGE_NOACCESS-reserved costs no
 * memory at all.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <psapi.h>

#include "os.h"

/* Not in older SDK headers: Arbitrary Code Guard refusing executable memory. */
#ifndef ERROR_DYNAMIC_CODE_BLOCKED
#define ERROR_DYNAMIC_CODE_BLOCKED 1655L
#endif

/* GetLastError() -> PV_E*.  Commit-limit and quota errors are what Windows
 * says where POSIX says ENOMEM. */
static int win_err(DWORD e) {
  switch (e) {
  case ERROR_NOT_ENOUGH_MEMORY:
  case ERROR_OUTOFMEMORY:
  case ERROR_COMMITMENT_LIMIT:
  case ERROR_COMMITMENT_MINIMUM:
  case ERROR_PAGEFILE_QUOTA:
  case ERROR_NO_SYSTEM_RESOURCES:
  case ERROR_WORKING_SET_QUOTA:
    return PV_ENOMEM;
  case ERROR_ACCESS_DENIED:
  case ERROR_DYNAMIC_CODE_BLOCKED:
    return PV_EACCES;
  case ERROR_NOT_SUPPORTED:
  case ERROR_CALL_NOT_IMPLEMENTED:
    return PV_ENOTSUP;
  default:
    return PV_EINVAL;
  }
}

static int last_err(void) { return win_err(GetLastError()); }

/* A reservation request the core validated (aligned, non-zero size, known
 * protection) that Windows calls an invalid parameter is a size beyond the
 * address space: no room, as POSIX answers ENOMEM. */
static int alloc_err(void) {
  DWORD e = GetLastError();
  return e == ERROR_INVALID_PARAMETER ? PV_ENOMEM : win_err(e);
}

/* PV_PROT_* -> PAGE_*.  Windows has no write-only or exec-only-writable
 * pages: WRITE implies READ, as on most POSIX MMUs. */
static DWORD win_prot(unsigned prot) {
  const bool r = (prot & PV_PROT_READ) != 0, w = (prot & PV_PROT_WRITE) != 0,
             x = (prot & PV_PROT_EXEC) != 0;
  if (x) {
    if (w) return PAGE_EXECUTE_READWRITE;
    return r ? PAGE_EXECUTE_READ : PAGE_EXECUTE;
  }
  if (w) return PAGE_READWRITE;
  return r ? PAGE_READONLY : PAGE_NOACCESS;
}

/* K32QueryWorkingSetEx lives in kernel32 since Windows 7; looking it up at
 * run time instead of linking psapi keeps the DLL loadable where it lacks,
 * and lets can_resident say so. */
typedef BOOL(WINAPI *query_ws_ex_fn)(HANDLE, PVOID, DWORD);
static query_ws_ex_fn query_ws_ex;

/* PrefetchVirtualMemory (Windows 8+), looked up for the same reason. */
typedef BOOL(WINAPI *prefetch_fn)(HANDLE, ULONG_PTR, PWIN32_MEMORY_RANGE_ENTRY,
                                  ULONG);
static prefetch_fn prefetch_vm;

/* FARPROC -> a specific function pointer type without tripping
 * -Wcast-function-type: go through the generic function type. */
static void (*generic_proc(HMODULE m, const char *name))(void) {
  return m == NULL ? NULL : (void (*)(void))GetProcAddress(m, name);
}

void pv__os_caps_query(pv__os_caps *c) {
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  c->page_size = si.dwPageSize;
  c->alloc_granularity = si.dwAllocationGranularity;
  /* Large pages on Windows need SeLockMemoryPrivilege and are never
   * transparent: the huge-page hint has nothing to ask for. */
  c->huge_page_size = 0;
  c->thp = false;
  c->can_remap = false;
  c->overcommits = false;         /* MEM_COMMIT charges the commit limit */
  c->decommit_zeroes = true;      /* MEM_DECOMMIT + recommit: fresh zero pages */
  c->partial_release = false;     /* MEM_RELEASE frees whole reservations only */
  c->can_map_files = true;        /* CreateFileMapping / MapViewOfFile */
  c->can_map_files_at = false;    /* no view inside a reservation ("files"):
                                     STABLE maps its maximum at open */
  c->can_cut_mapped = false;      /* ERROR_USER_MAPPED_FILE ("files") */
#ifdef PV_ENABLE_EXEC
  c->can_exec = true;
#endif
  HMODULE k32 = GetModuleHandleA("kernel32.dll");
  query_ws_ex = (query_ws_ex_fn)generic_proc(k32, "K32QueryWorkingSetEx");
  if (query_ws_ex == NULL) {
    HMODULE psapi = GetModuleHandleA("psapi.dll");
    query_ws_ex = (query_ws_ex_fn)generic_proc(psapi, "QueryWorkingSetEx");
  }
  c->can_resident = query_ws_ex != NULL;
  prefetch_vm = (prefetch_fn)generic_proc(k32, "PrefetchVirtualMemory");
}

/* The size of the whole reservation starting at base: the sum of the regions
 * VirtualQuery reports with that allocation base.  Used to keep the live
 * address-space count exact, because a reservation keeps its full size
 * after pv__os_release_tail (which only decommits). */
static size_t reservation_size(void *base) {
  size_t total = 0;
  char *p = base;
  MEMORY_BASIC_INFORMATION mbi;
  while (VirtualQuery(p, &mbi, sizeof mbi) == sizeof mbi &&
         mbi.AllocationBase == base && mbi.State != MEM_FREE) {
    total += mbi.RegionSize;
    p += mbi.RegionSize;
  }
  return total;
}

/* Reserve (and maybe commit) size bytes wherever Windows likes. */
static int alloc_anywhere(size_t size, DWORD type, DWORD prot, void **out) {
  void *p = VirtualAlloc(NULL, size, type, prot);
  if (p == NULL) return alloc_err();
  *out = p;
  return 0;
}

/* Reserve (and maybe commit) size bytes at an address that is a multiple of
 * align.  VirtualAlloc only promises the allocation granularity; for larger
 * alignments reserve size + align to find a suitable hole, release it and
 * reserve at the aligned address inside.  Another thread can take that hole
 * in between, so retry a few times. */
static int alloc_strict(size_t size, size_t align, DWORD type, DWORD prot,
                        void **out) {
  if (size > SIZE_MAX - align) return PV_ENOMEM;
  enum { ALIGN_ATTEMPTS = 8 }; /* racing threads are rare; give up eventually */
  for (int i = 0; i < ALIGN_ATTEMPTS; i++) {
    void *raw = VirtualAlloc(NULL, size + align, MEM_RESERVE, PAGE_NOACCESS);
    if (raw == NULL) return alloc_err();
    uintptr_t start = ((uintptr_t)raw + (align - 1)) & ~(uintptr_t)(align - 1);
    VirtualFree(raw, 0, MEM_RELEASE);
    void *p = VirtualAlloc((void *)start, size, type, prot);
    if (p != NULL) {
      *out = p;
      return 0;
    }
    if (GetLastError() != ERROR_INVALID_ADDRESS) return last_err();
  }
  return PV_ENOMEM; /* lost the hole every time: no aligned room to keep */
}

/* The alignment is best effort (os.h): when the larger probe reservation
 * does not fit, or other threads keep taking the hole, reserve exactly
 * `size` bytes wherever Windows puts them (a fault point of its own). */
static int alloc_aligned(size_t size, size_t align, DWORD type, DWORD prot,
                         void **out) {
  if (align <= pv__os_caps_get()->alloc_granularity)
    return alloc_anywhere(size, type, prot, out);
  int rc = alloc_strict(size, align, type, prot, out);
  if (rc != PV_ENOMEM) return rc;
  PV__FAULT_POINT();
  return alloc_anywhere(size, type, prot, out);
}

int pv__os_map(size_t size, size_t align, unsigned prot, void **out) {
  assert(size != 0 && size % pv__os_caps_get()->page_size == 0);
  PV__FAULT_POINT();
  if (align == 0) align = pv__os_caps_get()->alloc_granularity;
  DWORD type = MEM_RESERVE;
  if (prot != PV_PROT_NONE) type |= MEM_COMMIT;
  int rc = alloc_aligned(size, align, type, win_prot(prot), out);
  if (rc == 0) pv__os_live_add((long long)size);
  return rc;
}

int pv__os_unmap(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  (void)size;
  PV__FAULT_POINT();
  size_t whole = reservation_size(addr);
  MEMORY_BASIC_INFORMATION mbi;
  if (VirtualQuery(addr, &mbi, sizeof mbi) == sizeof mbi && mbi.Type == MEM_MAPPED) {
    /* A view of a file (pv__os_fmap_map). */
    if (!UnmapViewOfFile(addr)) return last_err();
    pv__os_live_add(-(long long)whole);
    return 0;
  }
  /* MEM_RELEASE takes the reservation base and a size of 0: the whole
   * reservation goes, including any tail pv__os_release_tail decommitted. */
  if (!VirtualFree(addr, 0, MEM_RELEASE)) return last_err();
  pv__os_live_add(-(long long)whole);
  return 0;
}

int pv__os_release_tail(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  /* Only whole reservations can be released: decommit the tail; its
   * address space is returned with the reservation (live count unchanged). */
  if (!VirtualFree(addr, size, MEM_DECOMMIT)) return last_err();
  return 0;
}

int pv__os_commit(void *addr, size_t size, unsigned prot) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  if (prot == PV_PROT_NONE) {
    /* "Accessible with no access": committed pages that fault, as
     * mprotect(PROT_NONE) gives on POSIX. */
    if (VirtualAlloc(addr, size, MEM_COMMIT, PAGE_READWRITE) == NULL)
      return last_err();
    DWORD old;
    if (!VirtualProtect(addr, size, PAGE_NOACCESS, &old)) return last_err();
    return 0;
  }
  /* MEM_COMMIT over already committed pages keeps their contents and sets
   * the protection given, like mprotect over committed pages. */
  if (VirtualAlloc(addr, size, MEM_COMMIT, win_prot(prot)) == NULL)
    return last_err();
  return 0;
}

int pv__os_uncommit(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  if (!VirtualFree(addr, size, MEM_DECOMMIT)) return last_err();
  return 0;
}

int pv__os_protect(void *addr, size_t size, unsigned prot) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  DWORD old;
  if (!VirtualProtect(addr, size, win_prot(prot), &old)) return last_err();
  return 0;
}

/* One run of pages with a uniform protection inside a decommit range. */
typedef struct prot_run {
  char *addr;
  size_t size;
  DWORD prot;
} prot_run;

/*
 * Decommit then recommit with the protection each page had, which is the
 * only way Windows both returns the physical memory and the commit charge
 * now (DiscardVirtualMemory keeps the charge and leaves the contents
 * unspecified).  The recommit can fail if another process took the commit
 * charge in between: then PV_ENOMEM, the pages are left reserved (they
 * fault) and calling again retries the recommit.  The runs are walked in
 * chunks so the protection record stays a small stack array.
 */
int pv__os_decommit(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  enum { RUNS = 16 }; /* protection runs handled per decommit round */
  char *p = addr, *end = (char *)addr + size;
  while (p < end) {
    prot_run runs[RUNS];
    size_t n = 0;
    char *q = p;
    while (q < end && n < RUNS) {
      MEMORY_BASIC_INFORMATION mbi;
      if (VirtualQuery(q, &mbi, sizeof mbi) != sizeof mbi) return last_err();
      size_t run = mbi.RegionSize - (size_t)(q - (char *)mbi.BaseAddress);
      if (run > (size_t)(end - q)) run = (size_t)(end - q);
      /* Reserved pages stay reserved: nothing to give back, nothing to
       * recommit. */
      if (mbi.State == MEM_COMMIT) {
        runs[n].addr = q;
        runs[n].size = run;
        runs[n].prot = mbi.Protect;
        n++;
      }
      q += run;
    }
    for (size_t i = 0; i < n; i++)
      if (!VirtualFree(runs[i].addr, runs[i].size, MEM_DECOMMIT)) return last_err();
    for (size_t i = 0; i < n; i++) {
      /* Commit read-write and then set the old protection: VirtualAlloc
       * refuses some protections (PAGE_NOACCESS + guard flags) at commit. */
      if (VirtualAlloc(runs[i].addr, runs[i].size, MEM_COMMIT, PAGE_READWRITE) == NULL)
        return last_err();
      DWORD old;
      if (runs[i].prot != PAGE_READWRITE &&
          !VirtualProtect(runs[i].addr, runs[i].size, runs[i].prot, &old))
        return last_err();
    }
    p = q;
  }
  return 0;
}

int pv__os_remap(void *old, size_t old_size, size_t new_size, size_t align,
                 unsigned flags, void **out) {
  (void)old;
  (void)old_size;
  (void)new_size;
  (void)align;
  (void)flags;
  (void)out;
  return PV_ENOTSUP;
}

int pv__os_remap_fixed(void *old, size_t old_size, void *dest, size_t new_size) {
  (void)old;
  (void)old_size;
  (void)dest;
  (void)new_size;
  return PV_ENOTSUP;
}

int pv__os_advise(void *addr, size_t size, pv_advice advice) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  switch (advice) {
  case PV_ADVISE_NORMAL:
  case PV_ADVISE_SEQUENTIAL:
  case PV_ADVISE_RANDOM:
  case PV_ADVISE_HUGEPAGE:
  case PV_ADVISE_NOHUGEPAGE:
    /* Windows has no access-pattern or transparent-huge-page hints. */
    return 0;
  case PV_ADVISE_PAGEOUT:
    /* Not done: VirtualUnlock on an unlocked range is documented to trim
     * it from the working set (its contents are kept), but that cannot be
     * verified under wine, which has no working sets.  A no-op. */
    return 0;
  case PV_ADVISE_WILLNEED:
    if (prefetch_vm != NULL) {
      WIN32_MEMORY_RANGE_ENTRY r;
      r.VirtualAddress = addr;
      r.NumberOfBytes = size;
      /* A hint: a refusal (e.g. under memory pressure) is not an error. */
      (void)prefetch_vm(GetCurrentProcess(), 1, &r, 0);
    }
    return 0;
  default:
    return PV_EINVAL;
  }
}

void pv__os_icache_flush(void *addr, size_t size) {
  FlushInstructionCache(GetCurrentProcess(), addr, size);
}

int pv__os_resident(void *addr, size_t size, size_t *bytes) {
  if (query_ws_ex == NULL) return PV_ENOTSUP;
  PV__FAULT_POINT();
  enum { CHUNK_PAGES = 256 }; /* one small stack array per query */
  PSAPI_WORKING_SET_EX_INFORMATION info[CHUNK_PAGES];
  const size_t page = pv__os_caps_get()->os_page_size;
  size_t pages = size / page, total = 0;
  char *p = addr;
  while (pages > 0) {
    size_t n = pages < CHUNK_PAGES ? pages : CHUNK_PAGES;
    for (size_t i = 0; i < n; i++) info[i].VirtualAddress = p + i * page;
    if (!query_ws_ex(GetCurrentProcess(), info, (DWORD)(n * sizeof info[0])))
      return last_err();
    for (size_t i = 0; i < n; i++) total += info[i].VirtualAttributes.Valid;
    p += n * page;
    pages -= n;
  }
  *bytes = total * page;
  return 0;
}

/* ---- files ------------------------------------------------------------- */

/*
 * A descriptor is the C runtime's (_open_osfhandle over a CreateFileA
 * handle), so that an fd from the caller (pv_vec_read_fd) means the same
 * as on POSIX; the file calls that need the HANDLE ask _get_osfhandle.
 * Reads and seeks go through the runtime (_read, _lseeki64), file
 * vectors through CreateFileMappingA / MapViewOfFile.  Signals do not
 * interrupt _read: nothing is ever restarted.  Where Windows differs from
 * the contract (os.h):
 *   - a file is opened sharing read, write and delete (so readers and a
 *     second would-be writer can open it; the lock decides), binary, and
 *     never inherited; EXCL is CREATE_NEW with
 *     FILE_FLAG_OPEN_REPARSE_POINT (a planted link is not followed);
 *     `mode` only sets the read-only attribute of a created file when it
 *     has no write bit (0200);
 *   - a view is released by pv__os_unmap (UnmapViewOfFile); it cannot be
 *     placed inside a reservation (at != NULL: PV_ENOTSUP,
 *     can_map_files_at is false: a STABLE file vector maps one view of its
 *     whole maximum instead, in a file marked sparse by
 *     pv__os_fmap_sparse) nor have its tail released, and the file
 *     cannot be cut below a view's end while mapped (can_cut_mapped is
 *     false: ERROR_USER_MAPPED_FILE);
 *   - the mapping object is never larger than the file (CreateFileMapping
 *     would grow the file itself): a range past the end maps what the file
 *     holds, whose last page is then mapped whole, as on POSIX;
 *   - a file keeps its length while any view of it is mapped, even one
 *     that ends before the new length (measured under wine: a shrink's
 *     shorter view replacing a longer one): pv__os_fmap_resize is then
 *     PV_EBUSY, so a file can be longer than what is mapped of it, and
 *     pv__os_fmap_extend, which never shortens a file, leaves it be;
 *   - offsets are multiples of the allocation granularity (MapViewOfFile's
 *     rule; 64 KiB), PV_EINVAL otherwise;
 *   - sync is FlushViewOfFile, which does not wait for the device: the
 *     durable step is pv__os_fmap_flush (FlushFileBuffers);
 *   - the lock is LockFileEx on one byte at PV__WIN_LOCK_OFFSET, far past
 *     any real file's end, because Windows byte-range locks are mandatory:
 *     locking the data would make other handles' ReadFile fail.
 */

/* Included here, next to their only users, rather than at the top. */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <winioctl.h> /* FSCTL_SET_SPARSE */

/* The byte the writer's lock covers (2^63 - 2: past any file). */
#define PV__WIN_LOCK_OFFSET UINT64_C(0x7ffffffffffffffe)

/* GetLastError() of a file call -> the contract's PV_E* (os.h, "files"). */
static int file_err(DWORD e) {
  switch (e) {
  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND:
  case ERROR_INVALID_NAME:
  case ERROR_FILENAME_EXCED_RANGE:
    return PV_ENOENT;
  case ERROR_ACCESS_DENIED:
  case ERROR_WRITE_PROTECT:
  case ERROR_SHARING_VIOLATION:
  case ERROR_CANT_ACCESS_FILE:
    return PV_EACCES;
  case ERROR_FILE_EXISTS:
  case ERROR_ALREADY_EXISTS:
    return PV_EEXIST;
  case ERROR_LOCK_VIOLATION:
  case ERROR_USER_MAPPED_FILE: /* a cut below a mapped view */
    return PV_EBUSY;
  case ERROR_DISK_FULL:
  case ERROR_HANDLE_DISK_FULL:
  case ERROR_FILE_TOO_LARGE:
    return PV_ENOSPC;
  case ERROR_TOO_MANY_OPEN_FILES:
  case ERROR_CRC:
  case ERROR_IO_DEVICE:
  case ERROR_READ_FAULT:
  case ERROR_WRITE_FAULT:
  case ERROR_GEN_FAILURE:
    return PV_EIO;
  default:
    return win_err(e);
  }
}

static int file_last_err(void) { return file_err(GetLastError()); }

/* The HANDLE under a descriptor (INVALID_HANDLE_VALUE for a bad one, which
 * the call given it then refuses). */
static HANDLE file_handle(int fd) { return (HANDLE)_get_osfhandle(fd); }

/* CreateFileA's refusal of path: a directory (which it refuses with
 * ERROR_ACCESS_DENIED) is PV_EINVAL, as on POSIX. */
static int open_err(const char *path) {
  DWORD e = GetLastError();
  DWORD a = GetFileAttributesA(path);
  if (e == ERROR_ACCESS_DENIED && a != INVALID_FILE_ATTRIBUTES &&
      (a & FILE_ATTRIBUTE_DIRECTORY) != 0)
    return PV_EINVAL;
  return file_err(e);
}

int pv__os_file_open(const char *path, unsigned flags, unsigned mode, int *fd) {
  assert(path != NULL && fd != NULL);
  PV__FAULT_POINT();
  enum { OWNER_WRITE = 0200 }; /* the mode bit that keeps a file writable */
  const bool w = (flags & PV__OS_FILE_WRITE) != 0;
  DWORD access = GENERIC_READ | (w ? GENERIC_WRITE : 0);
  DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
  DWORD disp = OPEN_EXISTING, attrs = FILE_ATTRIBUTE_NORMAL;
  if (flags & PV__OS_FILE_CREATE) {
    disp = (flags & PV__OS_FILE_EXCL) ? CREATE_NEW : OPEN_ALWAYS;
    if (!(mode & OWNER_WRITE)) attrs = FILE_ATTRIBUTE_READONLY;
  }
  if (flags & PV__OS_FILE_EXCL) attrs |= FILE_FLAG_OPEN_REPARSE_POINT;
  /* No SECURITY_ATTRIBUTES: the handle is not inheritable. */
  HANDLE h = CreateFileA(path, access, share, NULL, disp, attrs, NULL);
  if (h == INVALID_HANDLE_VALUE) return open_err(path);
  /* Binary (only _O_TEXT would make it text), and not passed on by the
   * runtime's spawn. */
  int d = _open_osfhandle((intptr_t)h, _O_NOINHERIT);
  if (d < 0) {
    int e = errno; /* out of descriptors (EMFILE) */
    CloseHandle(h);
    return pv__os_file_errno(e);
  }
  *fd = d;
  return 0;
}

int pv__os_file_info(int fd, pv__os_file *out) {
  PV__FAULT_POINT();
  struct _stat64 st;
  if (_fstat64(fd, &st) != 0) return pv__os_file_errno(errno);
  if ((st.st_mode & _S_IFMT) == _S_IFDIR) return PV_EINVAL;
  out->regular = (st.st_mode & _S_IFMT) == _S_IFREG;
  out->size = out->offset = 0;
  if (!out->regular) return 0;
  __int64 at = _lseeki64(fd, 0, SEEK_CUR);
  if (at < 0) return pv__os_file_errno(errno);
  out->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
  out->offset = (uint64_t)at;
  return 0;
}

int pv__os_file_close(int fd) {
  /* Closed first, then the fault point (os.h).  Closing the handle also
   * releases the LockFileEx lock. */
  int r = _close(fd), e = errno;
  PV__FAULT_POINT();
  return r != 0 ? pv__os_file_errno(e) : 0;
}

int pv__os_file_read(int fd, void *buf, size_t len, size_t *got) {
  PV__FAULT_POINT();
  if (len > INT_MAX) len = INT_MAX; /* _read takes an unsigned, returns int */
  int n = _read(fd, buf, (unsigned)len);
  if (n < 0) return pv__os_file_errno(errno);
  *got = (size_t)n;
  return 0;
}

int pv__os_file_seek(int fd, uint64_t off) {
  PV__FAULT_POINT();
  if (off > (uint64_t)INT64_MAX) return PV_EOVERFLOW;
  if (_lseeki64(fd, (__int64)off, SEEK_SET) < 0) return pv__os_file_errno(errno);
  return 0;
}

unsigned long pv__os_file_restarts(void) { return 0; }

/* Move the end of the file to size (longer reads as zero). */
static int set_end(int fd, uint64_t size) {
  if (size > (uint64_t)INT64_MAX) return PV_ENOSPC;
  LARGE_INTEGER at;
  at.QuadPart = (LONGLONG)size;
  if (!SetFilePointerEx(file_handle(fd), at, NULL, FILE_BEGIN) ||
      !SetEndOfFile(file_handle(fd)))
    return file_last_err();
  return 0;
}

int pv__os_fmap_resize(int fd, uint64_t size) {
  PV__FAULT_POINT();
  return set_end(fd, size);
}

/* FSCTL_SET_SPARSE on the handle.  A file system without sparse files
 * answers ERROR_INVALID_FUNCTION (FAT) or ERROR_NOT_SUPPORTED: nothing to
 * mark, the later SetEndOfFile allocates (os.h). */
int pv__os_fmap_sparse(int fd) {
  PV__FAULT_POINT();
  DWORD got = 0;
  if (DeviceIoControl(file_handle(fd), FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &got, NULL))
    return 0;
  DWORD e = GetLastError();
  if (e == ERROR_INVALID_FUNCTION || e == ERROR_NOT_SUPPORTED) return 0;
  return file_err(e);
}

/* SetEndOfFile allocates the clusters (NTFS files are not sparse unless
 * marked so): a full disk fails here, as fallocate does. */
int pv__os_fmap_extend(int fd, uint64_t old, uint64_t size) {
  assert(size > old);
  (void)old;
  PV__FAULT_POINT();
  LARGE_INTEGER now;
  if (!GetFileSizeEx(file_handle(fd), &now)) return file_last_err();
  if ((uint64_t)now.QuadPart >= size) return 0; /* longer already: never shortened */
  return set_end(fd, size);
}

int pv__os_fmap_map(int fd, uint64_t offset, size_t size, unsigned prot, void *at,
                    void **out) {
  const pv__os_caps *c = pv__os_caps_get();
  assert(size != 0 && size % c->page_size == 0 && out != NULL);
  PV__FAULT_POINT();
  if (at != NULL) return PV_ENOTSUP; /* no view inside a reservation */
  if (offset % c->alloc_granularity != 0) return PV_EINVAL;
  HANDLE fh = file_handle(fd);
  LARGE_INTEGER fsize;
  if (!GetFileSizeEx(fh, &fsize)) return file_last_err();
  /* Never a mapping object longer than the file: map what it holds. */
  uint64_t end = (uint64_t)fsize.QuadPart, want = size;
  if (offset >= end) return PV_EINVAL;
  if (want > end - offset) want = end - offset;
  const bool w = (prot & PV_PROT_WRITE) != 0;
  HANDLE m = CreateFileMappingA(fh, NULL, w ? PAGE_READWRITE : PAGE_READONLY, 0, 0, NULL);
  if (m == NULL) return file_last_err();
  void *p = MapViewOfFile(m, w ? FILE_MAP_WRITE : FILE_MAP_READ, (DWORD)(offset >> 32),
                          (DWORD)offset, (SIZE_T)want);
  DWORD e = GetLastError();
  CloseHandle(m); /* the view keeps the mapping object alive */
  if (p == NULL) return file_err(e);
  /* The view's pages: size, or (a read-only file's end) the pages it holds. */
  pv__os_live_add((long long)reservation_size(p));
  *out = p;
  return 0;
}

int pv__os_fmap_sync(void *addr, size_t size, bool wait) {
  assert(addr != NULL && size != 0);
  (void)wait; /* FlushViewOfFile starts the write-back and does not wait */
  PV__FAULT_POINT();
  if (!FlushViewOfFile(addr, size)) return file_last_err();
  return 0;
}

int pv__os_fmap_readahead(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  PV__FAULT_POINT();
  if (prefetch_vm != NULL) {
    WIN32_MEMORY_RANGE_ENTRY r;
    r.VirtualAddress = addr;
    r.NumberOfBytes = size;
    (void)prefetch_vm(GetCurrentProcess(), 1, &r, 0); /* a hint */
  }
  return 0;
}

int pv__os_fmap_flush(int fd) {
  PV__FAULT_POINT();
  if (!FlushFileBuffers(file_handle(fd))) return file_last_err();
  return 0;
}

int pv__os_fmap_lock(int fd) {
  PV__FAULT_POINT();
  OVERLAPPED ov;
  memset(&ov, 0, sizeof ov);
  ov.Offset = (DWORD)PV__WIN_LOCK_OFFSET;
  ov.OffsetHigh = (DWORD)(PV__WIN_LOCK_OFFSET >> 32);
  if (!LockFileEx(file_handle(fd), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0,
                  1, 0, &ov))
    return file_last_err();
  return 0;
}

/* ---- time, fork, scheduling -------------------------------------------- */

uint64_t pv__os_now_ns(void) {
  /* QueryPerformanceCounter never fails on Windows XP and later. */
  LARGE_INTEGER freq, now;
  QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&now);
  const uint64_t f = (uint64_t)freq.QuadPart, t = (uint64_t)now.QuadPart;
  /* Split to avoid overflowing t * 10^9. */
  return t / f * UINT64_C(1000000000) + t % f * UINT64_C(1000000000) / f;
}

/* Windows has no fork: nothing to register. */
int pv__os_atfork(void (*prepare)(void), void (*parent)(void),
                  void (*child)(void)) {
  (void)prepare;
  (void)parent;
  (void)child;
  return 0;
}

void pv__os_yield(void) { (void)SwitchToThread(); }

/* ---- parallel population (pv_vec_populate) ------------------------------ */

/* Included here, next to their only users, rather than at the top. */
#include <process.h>

/* Windows has no "populate for write" call (PrefetchVirtualMemory reads
 * ahead from files and the page file; it does not fault in fresh pages):
 * the caller touches the pages.  Committed memory is already charged, so
 * touching it cannot fail. */
int pv__os_populate(void *addr, size_t size) {
  assert(addr != NULL && size != 0);
  int f = pv__os_fault_hit();
  if (f != 0 && f != PV_EINVAL) return f;
  return PV_ENOTSUP;
}

int pv__os_cpu_count(unsigned *n) {
  PV__FAULT_POINT();
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  if (si.dwNumberOfProcessors < 1) return PV_ENOTSUP;
  *n = (unsigned)si.dwNumberOfProcessors;
  return 0;
}

_Static_assert(sizeof(HANDLE) <= sizeof(((pv__os_thread *)0)->h),
               "pv__os_thread holds a HANDLE");

static unsigned __stdcall thread_main(void *p) {
  const pv__os_thread *t = p;
  t->fn(t->arg);
  return 0;
}

/* _beginthreadex rather than CreateThread: the thread may use the C
 * runtime (the caller's fn is C code). */
int pv__os_thread_start(pv__os_thread *t, void (*fn)(void *), void *arg) {
  PV__FAULT_POINT();
  t->fn = fn;
  t->arg = arg;
  uintptr_t h = _beginthreadex(NULL, 0, thread_main, t, 0, NULL);
  if (h == 0) return PV_ENOMEM; /* no stack could be committed, or no handle */
  t->h.u = h;
  return 0;
}

int pv__os_thread_join(pv__os_thread *t) {
  HANDLE h = (HANDLE)t->h.u;
  int rc = WaitForSingleObject(h, INFINITE) == WAIT_OBJECT_0 ? 0 : last_err();
  CloseHandle(h);
  int f = pv__os_fault_hit();
  return f != 0 ? f : rc;
}

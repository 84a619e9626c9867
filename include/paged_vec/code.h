/*
 * paged_vec/code.h - a growable buffer for JIT-compiled machine code, W^X.
 *
 * A pv_code holds code the program writes at run time.  It is either OPEN
 * (writable, not executable: append and patch) or SEALED (executable, not
 * writable: call into it).  No page of it is ever writable and executable
 * at the same time, through any address.
 *
 *   pv_code c;
 *   static const unsigned char add[] = {0x48, 0x8d, 0x04, 0x37, 0xc3};
 *   if (pv_code_init(&c, NULL) == 0) {         // lea rax,[rdi+rsi]; ret
 *     size_t off;
 *     pv_code_append(&c, add, sizeof add, &off);
 *     pv_code_seal(&c);                         // READ|EXEC, icache flushed
 *     long (*fn)(long, long) = (long (*)(long, long))pv_code_fn(&c, off);
 *     long three = fn(1, 2);
 *     pv_code_reopen(&c);                       // writable again, not executable
 *     pv_code_destroy(&c);
 *   }
 *
 * Addresses never move.  At init the buffer reserves address space for
 * opts.max_size bytes and commits pages as code is appended, so a function
 * emitted early keeps its address when the buffer grows: pointers returned
 * by pv_code_fn and pv_code_exec_addr stay valid until pv_code_destroy, and
 * code may hold absolute or PC-relative references to other code in the
 * same buffer.
 *
 * Two mapping schemes, chosen at init and reported by pv_code_scheme():
 *   PV_CODE_SCHEME_ANON  one anonymous mapping, flipped between READ|WRITE
 *                        (open) and READ|EXEC (sealed) by mprotect /
 *                        VirtualProtect.  The write address and the exec
 *                        address are the same.
 *   PV_CODE_SCHEME_DUAL  one shared memory object (a Linux memfd) mapped
 *                        twice: a write view and an exec view at different
 *                        addresses.  Used where the kernel refuses to make
 *                        anonymous memory executable (SELinux deny_execmem),
 *                        which pv_code_init finds out by trying.  Open: the
 *                        write view is READ|WRITE and the exec view has no
 *                        access; sealed: the write view has no access and the
 *                        exec view is READ|EXEC.  Code must be built for the
 *                        exec address (pv_code_exec_addr), not the place it
 *                        was written.
 * Windows has only the ANON scheme (PV_CODE_FORCE_DUAL gives PV_ENOTSUP).
 *
 * Thread safety: none inside one buffer.  While a buffer is open (after
 * pv_code_reopen) no thread may run code in it: the exec pages are not
 * executable and a call faults.
 *
 * Errors: every fallible function returns 0 or a negative PV_E* code, and on
 * failure the buffer, its state and its bytes are exactly as before.
 * Wherever PV_ENOMEM is listed below, PV_EMAPS can be too: the process
 * reached its mapping limit (vm.max_map_count).
 * A build configured with --disable-exec has no executable memory:
 * pv_code_init returns PV_ENOTSUP.
 */
#ifndef PAGED_VEC_CODE_H
#define PAGED_VEC_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "paged_vec/common.h"
#include "paged_vec/pages.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Address space reserved when pv_code_opts.max_size is 0: 64 MiB.  Reserved
 * address space costs no memory; pages are committed as code is appended. */
#define PV_CODE_DEFAULT_MAX ((size_t)64 << 20)

/* Mapping schemes, as returned by pv_code_scheme(). */
enum {
  PV_CODE_SCHEME_NONE = 0, /* not initialised, or destroyed */
  PV_CODE_SCHEME_ANON = 1, /* one anonymous mapping, RW <-> RX */
  PV_CODE_SCHEME_DUAL = 2  /* one memfd, a write view and an exec view */
};

/* Flags for pv_code_opts.flags. */
enum {
  /* Use the dual mapping even where anonymous executable memory works
   * (tests, or a policy the probe cannot see).  PV_ENOTSUP where the
   * platform has no dual mapping. */
  PV_CODE_FORCE_DUAL = 1u << 0,
  /* Never fall back to the dual mapping: when anonymous memory cannot be
   * made executable, pv_code_init fails with PV_EACCES. */
  PV_CODE_NO_DUAL = 1u << 1
};

typedef struct pv_code_opts {
  size_t max_size;     /* most bytes of code ever (address space reserved,
                          rounded up to pages); 0: PV_CODE_DEFAULT_MAX */
  size_t initial_size; /* bytes committed at init (rounded up to pages,
                          at least one page); must be <= max_size */
  unsigned flags;      /* PV_CODE_* flags */
} pv_code_opts;

typedef struct pv_code {
  size_t len;         /* bytes of code appended so far */
  size_t cap;         /* committed bytes: appends up to cap make no system call */
  void *pv_write;     /* private: write view */
  void *pv_exec;      /* private: exec view (== pv_write for ANON) */
  size_t pv_max;      /* private: reserved bytes per view */
  intptr_t pv_handle; /* private: the shared memory object (DUAL) */
  unsigned pv_scheme; /* private: PV_CODE_SCHEME_* */
  unsigned pv_sealed; /* private: 1 while sealed */
} pv_code;

/*
 * pv_code_init - an empty, open buffer.  opts may be NULL for the defaults.
 * Chooses the mapping scheme: anonymous memory if the kernel lets it become
 * executable (checked by flipping the first page to READ|EXEC and back),
 * else the dual mapping, unless a flag decides.
 * Returns 0, or:
 *   PV_EINVAL    c NULL, unknown flags, both FORCE_DUAL and NO_DUAL,
 *                initial_size > max_size
 *   PV_EOVERFLOW max_size or initial_size rounded up to a page overflows
 *   PV_ENOTSUP   a --disable-exec build; FORCE_DUAL where there is no dual
 *                mapping
 *   PV_EACCES    the kernel refuses executable memory in every scheme
 *                allowed (SELinux deny_execmem with PV_CODE_NO_DUAL, Windows
 *                Arbitrary Code Guard)
 *   PV_ENOMEM    the kernel refused the reservation, the first pages, or
 *                (dual) a file descriptor
 * On failure *c is not touched.
 */
PV_EXPORT int pv_code_init(pv_code *c, const pv_code_opts *opts);

/*
 * pv_code_destroy - release the buffer (both views) and reset *c so that a
 * second destroy is a no-op and every other call returns PV_EINVAL (or
 * NULL).  Every pointer into the buffer becomes invalid.
 * Returns 0, or PV_EINVAL (c NULL), PV_ENOMEM (the kernel refused to unmap;
 * *c is then intact and destroy can be retried).
 */
PV_EXPORT int pv_code_destroy(pv_code *c);

/*
 * pv_code_append - copy n bytes of code to the end of an open buffer,
 * committing more pages if needed, and store the offset they start at in
 * *off (unless off is NULL).  n == 0 is a successful no-op (bytes may then
 * be NULL; *off is set to len).
 * Returns 0, or:
 *   PV_EINVAL    c NULL or destroyed, bytes NULL with n > 0
 *   PV_EACCES    the buffer is sealed (pv_code_reopen first)
 *   PV_EOVERFLOW len + n overflows size_t
 *   PV_ENOSPC    len + n > the reserved max_size
 *   PV_ENOMEM    the kernel refused to commit more pages
 */
PV_EXPORT int pv_code_append(pv_code *c, const void *bytes, size_t n,
                             size_t *off);

/*
 * pv_code_emit - append n bytes the caller writes itself: stores in *dst a
 * writable pointer to them (valid until the buffer is sealed) and in *off
 * (unless NULL) their offset.  The bytes are whatever the pages held (zero
 * when fresh; old code after pv_code_truncate).
 * Returns as pv_code_append (PV_EINVAL also for dst NULL); *dst and *off are
 * untouched on failure.
 */
PV_EXPORT int pv_code_emit(pv_code *c, size_t n, void **dst, size_t *off);

/*
 * pv_code_align - pad an open buffer with `fill` bytes (for x86 0xCC, int3,
 * or 0x90, nop) until len is a multiple of `align`, a power of two no
 * larger than pv_page_size().
 * Returns 0, or PV_EINVAL (c NULL, align 0, not a power of two, or larger
 * than a page), and the codes of pv_code_append.
 */
PV_EXPORT int pv_code_align(pv_code *c, size_t align, unsigned char fill);

/*
 * pv_code_patch - overwrite n bytes at offset off of already appended code
 * (off + n <= len) in an open buffer: fix up jumps, relocate constants.
 * n == 0 with off <= len is a no-op.
 * Returns 0, or PV_EINVAL (c NULL or destroyed, bytes NULL with n > 0),
 * PV_EACCES (sealed), PV_ERANGE (off + n > len, or overflows).
 */
PV_EXPORT int pv_code_patch(pv_code *c, size_t off, const void *bytes,
                            size_t n);

/*
 * pv_code_truncate - drop the code from offset n on (n <= len), for example
 * to roll back a compilation that failed half way.  The pages stay
 * committed.  Returns 0, or PV_EINVAL, PV_EACCES (sealed), PV_ERANGE (n > len).
 */
PV_EXPORT int pv_code_truncate(pv_code *c, size_t n);

/*
 * pv_code_seal - make the buffer executable and not writable (READ|EXEC),
 * with the instruction cache flushed over the code, so pv_code_fn may be
 * called.  Sealing a sealed buffer is a no-op.  After sealing, a write
 * through any pointer into the buffer faults.
 * Returns 0, or PV_EINVAL (c NULL or destroyed), PV_EACCES (the kernel
 * refused executable pages), PV_ENOMEM (the kernel refused the protection
 * change), PV_EMAPS (the change would split a mapping past
 * vm.max_map_count).
 */
PV_EXPORT int pv_code_seal(pv_code *c);

/*
 * pv_code_reopen - make a sealed buffer writable again (and not executable)
 * to append or patch; seal it again before calling into it.  No thread may
 * be running code in the buffer.  Reopening an open buffer is a no-op.
 * Returns 0, or PV_EINVAL, PV_ENOMEM.
 */
PV_EXPORT int pv_code_reopen(pv_code *c);

/*
 * pv_code_fn - a callable pointer to the code at offset off of a sealed
 * buffer; cast it to the function's real type.  NULL when c is NULL or
 * destroyed, the buffer is open, or off >= len.
 */
PV_EXPORT pv_fn pv_code_fn(const pv_code *c, size_t off);

/*
 * pv_code_exec_addr - the address at which byte `off` executes, in any
 * state, for building PC-relative or absolute references before sealing;
 * off == len (the next byte appended) is allowed.  The address never
 * changes until destroy.  NULL when c is NULL or destroyed, or off > len.
 * Do not write through it.
 */
PV_EXPORT const void *pv_code_exec_addr(const pv_code *c, size_t off);

/*
 * pv_code_scheme - the mapping scheme in use: PV_CODE_SCHEME_ANON,
 * PV_CODE_SCHEME_DUAL, or PV_CODE_SCHEME_NONE for NULL or destroyed.
 */
PV_EXPORT int pv_code_scheme(const pv_code *c);

/*
 * pv_code_scheme_name - "anon", "dual" or "none" for a scheme value
 * ("unknown" for anything else).  Never NULL.
 */
PV_EXPORT const char *pv_code_scheme_name(int scheme);

/* pv_code_sealed - true while the buffer is sealed (false for NULL). */
PV_EXPORT bool pv_code_sealed(const pv_code *c);

#ifdef __cplusplus
}
#endif

#endif /* PAGED_VEC_CODE_H */

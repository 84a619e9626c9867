/*
 * paged_vec/common.h - export macro, version and the error model.
 *
 * Every fallible function in paged_vec returns an int: 0 on success and a
 * negative PV_E* code on failure.  On failure nothing changes: the object
 * and its data are exactly as they were before the call.  The library never
 * aborts, exits or prints.
 */
#ifndef PAGED_VEC_COMMON_H
#define PAGED_VEC_COMMON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* PV_EXPORT marks the public symbols; everything else is hidden. */
#if defined(_WIN32) && defined(PV_BUILDING_DLL)
#  define PV_EXPORT __declspec(dllexport)
#elif defined(_WIN32) && defined(PV_USING_DLL)
#  define PV_EXPORT __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define PV_EXPORT __attribute__((visibility("default")))
#else
#  define PV_EXPORT
#endif

/* Private: 1 when the including code is compiled with AddressSanitizer
 * (gcc: __SANITIZE_ADDRESS__, clang: __has_feature), else 0.  The library
 * then poisons each vector's capacity past len (lib/asan.h) and the typed
 * layer's inline push and pop step aside (typed.h). */
#if defined(__SANITIZE_ADDRESS__)
#  define PV__ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define PV__ASAN 1
#  endif
#endif
#ifndef PV__ASAN
#  define PV__ASAN 0
#endif

#define PV_VERSION_MAJOR 0
#define PV_VERSION_MINOR 1
#define PV_VERSION_PATCH 0
/* PV_VERSION_HEX is 0xMMmmpp: compare it against a minimum in #if. */
#define PV_VERSION_HEX \
  ((PV_VERSION_MAJOR << 16) | (PV_VERSION_MINOR << 8) | PV_VERSION_PATCH)

/*
 * pv_version - the version of the library actually linked, as
 * "MAJOR.MINOR.PATCH".  Compare with the PV_VERSION_* macros to detect a
 * header/library mismatch.  Never fails.
 */
PV_EXPORT const char *pv_version(void);

/*
 * The error table.  Each entry: name, value, message.  The enum, pv_strerror
 * and pv_errname are all generated from this one list, so they cannot drift.
 * PV_EMAPS is the kernel's refusal because the process holds as many
 * mappings as it may (Linux: the vm.max_map_count sysctl); every other
 * refusal of memory or address space is PV_ENOMEM.  PV_EIO is a failure to
 * open or read a file that no other code describes (an I/O error, out of
 * file descriptors, a non-blocking descriptor with nothing to read).
 */
#define PV_ERRNO_MAP(XX)                                                      \
  XX(ENOMEM, -1, "out of memory: the kernel refused memory or address space")\
  XX(EINVAL, -2, "invalid argument")                                         \
  XX(ERANGE, -3, "index or range out of bounds")                             \
  XX(EOVERFLOW, -4, "size computation would overflow size_t")                \
  XX(ENOSPC, -5,                                                             \
     "no space: a stable vector at max_len; a full disk or quota, or the "   \
     "file size limit (RLIMIT_FSIZE)")                                       \
  XX(EACCES, -6, "the protection forbids it")                                \
  XX(ENOTSUP, -7, "not supported on this platform or build")                 \
  XX(ENOENT, -8, "no such element or file")                                  \
  XX(EMAPS, -9, "too many mappings: the process reached vm.max_map_count")   \
  XX(EIO, -10, "input/output error: the OS failed to open or read a file")   \
  XX(EBADF, -11, "not a .npy file paged_vec can map")                        \
  XX(EBUSY, -12, "the file is in use: another writer has it open")          \
  XX(EEXIST, -13, "the path exists: PV_OPEN_EXCL creates only a new file")

typedef enum pv_errno {
#define PV__ERR_ENUM(name, value, msg) PV_##name = (value),
  PV_ERRNO_MAP(PV__ERR_ENUM)
#undef PV__ERR_ENUM
  /* One past the last code (the codes run -1, -2, ... without gaps, which
   * lib/error.c checks); not a code itself. */
#define PV__ERR_COUNT(name, value, msg) -1
  PV_ERRNO_LAST = -1 PV_ERRNO_MAP(PV__ERR_COUNT)
#undef PV__ERR_COUNT
} pv_errno;

/*
 * pv_strerror - a static, human-readable message for a return code.
 * 0 gives "success"; a value that is not a PV_E* code gives
 * "unknown error".  Never returns NULL.
 *
 *   int rc = pv_vec_push(&v, &x);
 *   if (rc < 0) fprintf(stderr, "push: %s\n", pv_strerror(rc));
 */
PV_EXPORT const char *pv_strerror(int err);

/*
 * pv_errname - the code's name as a static string: "PV_ENOMEM", ...;
 * "PV_OK" for 0 and "PV_UNKNOWN" for anything else.  Never returns NULL.
 */
PV_EXPORT const char *pv_errname(int err);

#ifdef __cplusplus
}
#endif

#endif /* PAGED_VEC_COMMON_H */

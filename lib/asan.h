/*
 * lib/asan.h - AddressSanitizer annotations, internal.
 *
 * In a build compiled with ASan (gcc defines __SANITIZE_ADDRESS__, clang
 * answers __has_feature(address_sanitizer)), the container poisons the
 * bytes of its committed pages past the last element, so that a raw access
 * through `data` beyond `len` is reported where it happens, as it is for a
 * malloc'd block.  Elsewhere both calls compile to nothing.
 *
 * Poisoning is bookkeeping in ASan's shadow, keyed by address: a range must
 * be unpoisoned before its pages are unmapped or moved, or a later mapping
 * at that address would inherit the poison.
 */
#ifndef PV_ASAN_H
#define PV_ASAN_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#  define PV__ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define PV__ASAN 1
#  endif
#endif

#ifdef PV__ASAN
#  include <sanitizer/asan_interface.h>
static inline void pv__asan_poison(const void *addr, size_t size) {
  if (size != 0) __asan_poison_memory_region(addr, size);
}
static inline void pv__asan_unpoison(const void *addr, size_t size) {
  if (size != 0) __asan_unpoison_memory_region(addr, size);
}
#else
static inline void pv__asan_poison(const void *addr, size_t size) {
  (void)addr;
  (void)size;
}
static inline void pv__asan_unpoison(const void *addr, size_t size) {
  (void)addr;
  (void)size;
}
#endif

#endif /* PV_ASAN_H */

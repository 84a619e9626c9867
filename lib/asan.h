/*
 * lib/asan.h - AddressSanitizer annotations, internal.
 *
 * In a build compiled with ASan (PV__ASAN in paged_vec/common.h), the
 * container poisons the bytes of its committed pages past the last
 * element, so that a raw access through `data` beyond `len` is reported
 * where it happens, as it is for a malloc'd block.  Elsewhere both calls
 * compile to nothing.
 *
 * Poisoning is bookkeeping in ASan's shadow, keyed by address: a range must
 * be unpoisoned before its pages are unmapped or moved, or a later mapping
 * at that address would inherit the poison.
 */
#ifndef PV_ASAN_H
#define PV_ASAN_H

#include <stddef.h>

#include "paged_vec/common.h" /* PV__ASAN: the one detection of ASan */

#if PV__ASAN
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

/*
 * lib/asan.h - AddressSanitizer annotations, internal.
 *
 * When the running program has the ASan runtime (it was linked with
 * -fsanitize=address), the container poisons the bytes of its committed
 * pages past the last element, so that a raw access through `data` beyond
 * `len` is reported where it happens, as it is for a malloc'd block.  The
 * library does not have to be built with ASan for that: it reaches the
 * runtime through weak references to ASan's two public poisoning calls,
 * which the dynamic (or static) linker resolves only when the program
 * links ASan, and which read as NULL otherwise.  The library itself thus
 * keeps no dependency on ASan (`nm -D` shows the two names as weak `w`
 * undefined, `ldd` no libasan).  Where the toolchain has no weak undefined
 * references (configure's PV_HAVE_WEAK_UNDEFINED probe, e.g. on Windows),
 * both calls do nothing.
 *
 * Poisoning is bookkeeping in ASan's shadow, keyed by address: a range must
 * be unpoisoned before its pages are unmapped or moved, or a later mapping
 * at that address would inherit the poison.
 */
#ifndef PV_ASAN_H
#define PV_ASAN_H

#include <stddef.h> /* the includer includes config.h first: PV_HAVE_WEAK_UNDEFINED */

#if PV_HAVE_WEAK_UNDEFINED
/* ASan's public interface (sanitizer/asan_interface.h), declared here
 * rather than included so that a build without the sanitizer headers
 * compiles; weak, so that they are NULL without the runtime. */
extern void __asan_poison_memory_region(void const volatile *addr, size_t size)
    __attribute__((weak));
extern void __asan_unpoison_memory_region(void const volatile *addr, size_t size)
    __attribute__((weak));

/* The program runs with the ASan runtime: callers test it before they
 * compute a range to poison, which costs nothing then without ASan. */
static inline int pv__asan_active(void) {
  return __asan_poison_memory_region != NULL;
}
/* Mark [addr, addr + size) unaddressable for ASan (no-op without it). */
static inline void pv__asan_poison(const void *addr, size_t size) {
  if (size != 0 && __asan_poison_memory_region != NULL)
    __asan_poison_memory_region(addr, size);
}
/* Mark [addr, addr + size) addressable again (no-op without ASan). */
static inline void pv__asan_unpoison(const void *addr, size_t size) {
  if (size != 0 && __asan_unpoison_memory_region != NULL)
    __asan_unpoison_memory_region(addr, size);
}
#else
static inline int pv__asan_active(void) { return 0; }
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

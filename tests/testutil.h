/*
 * tests/testutil.h - small helpers shared by the Criterion suites.
 */
#ifndef PV_TESTUTIL_H
#define PV_TESTUTIL_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Bytes of [addr, addr + len) in RAM, asked of the kernel directly (not
 * through the library under test). */
static inline size_t tu_resident(void *addr, size_t len) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t pages = (len + page - 1) / page, total = 0;
  unsigned char v;
  for (size_t i = 0; i < pages; i++) {
    if (mincore((char *)addr + i * page, page, (void *)&v) == 0 && (v & 1u))
      total += page;
  }
  return total;
}

/* A byte pattern that differs at every offset and with every seed. */
static inline unsigned char tu_pattern(size_t i, unsigned seed) {
  uint32_t x = (uint32_t)i * 2654435761u + seed * 40503u;
  return (unsigned char)(x >> 24);
}

static inline void tu_fill(void *p, size_t len, unsigned seed) {
  unsigned char *b = p;
  for (size_t i = 0; i < len; i++) b[i] = tu_pattern(i, seed);
}

/* Index of the first byte that breaks the pattern, or len if none does. */
static inline size_t tu_check(const void *p, size_t len, unsigned seed) {
  const unsigned char *b = p;
  for (size_t i = 0; i < len; i++)
    if (b[i] != tu_pattern(i, seed)) return i;
  return len;
}

/* True when every byte is zero. */
static inline int tu_all_zero(const void *p, size_t len) {
  const unsigned char *b = p;
  for (size_t i = 0; i < len; i++)
    if (b[i] != 0) return 0;
  return 1;
}

#endif /* PV_TESTUTIL_H */

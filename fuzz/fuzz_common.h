/*
 * fuzz/fuzz_common.h - shared by the fuzz targets: an input reader that
 * turns the fuzzer's bytes into numbers (zeros once the input runs out),
 * and the failure report.
 *
 * A target finds a bug by calling FUZZ_CHECK: on failure it prints what
 * differed and aborts, which libFuzzer (and the corpus replayer) report as
 * a crash with the input that caused it.
 */
#ifndef PV_FUZZ_COMMON_H
#define PV_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct fz_in {
  const uint8_t *p;
  size_t n;
} fz_in;

static inline int fz_more(const fz_in *in) { return in->n != 0; }

static inline unsigned fz_u8(fz_in *in) {
  if (in->n == 0) return 0;
  in->n--;
  return *in->p++;
}

static inline unsigned fz_u16(fz_in *in) {
  unsigned lo = fz_u8(in);
  return lo | (fz_u8(in) << 8);
}

/* A count in [0, max], small values far more likely (most bugs are at the
 * edges: 0, 1, a page, a capacity). */
static inline size_t fz_count(fz_in *in, size_t max) {
  unsigned sel = fz_u8(in);
  size_t v;
  if (sel < 128) v = sel & 15u;
  else if (sel < 224) v = fz_u8(in);
  else v = fz_u16(in);
  return max == 0 ? 0 : v % (max + 1);
}

/* PV_FUZZ_TRACE=1 in the environment: print every step (to debug a
 * crashing input: ./fuzz/fuzz_vec crash-...). */
static inline int fz_trace(void) {
  static int t = -1;
  if (t < 0) t = getenv("PV_FUZZ_TRACE") != NULL;
  return t;
}

#define FUZZ_CHECK(cond, ...)                                     \
  do {                                                            \
    if (!(cond)) {                                                \
      fprintf(stderr, "fuzz check failed at %s:%d: ", __FILE__,   \
              __LINE__);                                          \
      fprintf(stderr, __VA_ARGS__);                               \
      fprintf(stderr, "\n");                                      \
      abort();                                                    \
    }                                                             \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* PV_FUZZ_COMMON_H */

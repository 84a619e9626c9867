/*
 * tests/vecutil.h - helpers shared by the container suites (test_vec.c,
 * test_vec_model.c, test_vec_modes.c): one constructor per growth mode,
 * sequences of elements, and the capabilities.  The "nothing changed"
 * snapshot is tests/sweep.h's (included here).
 */
#ifndef PV_VECUTIL_H
#define PV_VECUTIL_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asan.h"
#include "os.h"
#include "paged_vec.h"
#include "sweep.h"

static inline const pv__os_caps *vu_caps(void) { return pv__os_caps_get(); }

/* Let a test read every committed byte, past len too: ASan builds poison
 * those (lib/asan.h).  The vector works as before; only ASan's reports
 * past len are lost for it. */
static inline void vu_unpoison(const pv_vec *v) {
  if (pv__store_bytes(v) != 0) pv__asan_unpoison(v->data, pv__store_bytes(v));
}

static inline const char *vu_mode_name(pv_grow g) {
  switch (g) {
  case PV_GROW_REMAP: return "REMAP";
  case PV_GROW_STABLE: return "STABLE";
  case PV_GROW_COPY: return "COPY";
  default: return "DEFAULT";
  }
}

/* A vector in mode g; max_len is used by STABLE only. */
static inline void vu_init(pv_vec *v, pv_grow g, size_t es, size_t max_len,
                           unsigned flags) {
  pv_vec_opts o = {0};
  o.elem_size = es;
  o.grow = g;
  o.max_len = max_len;
  o.flags = flags;
  int rc = pv_vec_init_opts(v, &o);
  cr_assert_eq(rc, 0, "init %s es=%zu max_len=%zu flags=%#x: %s",
               vu_mode_name(g), es, max_len, flags, pv_errname(rc));
}

/* Push n u64 values 0..n-1 (elem_size 8). */
static inline void vu_push_seq(pv_vec *v, uint64_t from, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint64_t x = from + i;
    int rc = pv_vec_push(v, &x);
    cr_assert_eq(rc, 0, "push #%zu: %s", i, pv_errname(rc));
  }
}

/* Element i is i (after vu_push_seq from 0). */
static inline void vu_check_seq(const pv_vec *v, size_t n) {
  cr_assert_eq(v->len, n, "len %zu, want %zu", v->len, n);
  const uint64_t *d = v->data;
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(d[i], (uint64_t)i, "element %zu is %llu", i,
                 (unsigned long long)d[i]);
}

#endif /* PV_VECUTIL_H */

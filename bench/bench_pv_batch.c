/*
 * bench/bench_pv_batch.c - paged_vec's typed layer pushing through a
 * batch (name_batch_begin / push / end, paged_vec/typed.h): the same
 * vector as "pv", with len, data and room in a local that the library
 * never sees, so a loop of pushes stores each element once where the
 * plain typed push also stores len.  Method "pvbatch" of the paired
 * build-and-free loop only: everywhere else it is pv.
 */
#include <stdint.h>

#include <paged_vec/typed.h>

#include "peer.h"

PV_VEC_DEFINE(pvb_u64b, uint64_t);

/* `times` x (init, push 0 .. n-1 through one batch, destroy). */
static int pvb_batch_build(const void *ctx, size_t n, size_t times) {
  size_t t, i;
  (void)ctx;
  for (t = 0; t < times; t++) {
    pvb_u64b v;
    pvb_u64b_batch b;
    int bad = 0;
    if (pvb_u64b_init(&v) != 0)
      return -1;
    b = pvb_u64b_batch_begin(&v);
    for (i = 0; i < n; i++) {
      if (PVB_UNLIKELY(pvb_u64b_batch_push(&b, (uint64_t)i) != 0)) {
        bad = 1;
        break;
      }
    }
    pvb_u64b_batch_end(&b);
    pvb_escape(pvb_u64b_data(&v));
    (void)pvb_u64b_destroy(&v);
    if (bad)
      return -1;
  }
  return 0;
}

static const pvb_ops pvb_batch_ops = {pvb_batch_build, NULL, NULL, NULL,
                                      NULL,            NULL, NULL, NULL};

PVB_REGISTER_FN(pv_batch_register) {
  pvb_method("pvbatch", &pvb_batch_ops, NULL, 0);
}

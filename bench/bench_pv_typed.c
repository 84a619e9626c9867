/*
 * bench/bench_pv_typed.c - paged_vec through its typed layer
 * (PV_VEC_DEFINE): push is inline, a compare and a store, and calls the
 * library only to grow.  Peer "pv" (the default options) is the column
 * every other peer is compared with; "pv_<mode>" are the growth modes.
 */
#include <stdint.h>
#include <string.h>

#include <paged_vec/typed.h>

#include "peer.h"
#include "pv_variants.h"

PV_VEC_DEFINE(pvb_u64, uint64_t);
PV_VEC_DEFINE(pvb_v24, pvb_e24);

typedef pvb_u64 peer_vec;
typedef pvb_v24 peer_vec24;

/* ctx: NULL for pv_vec_init's defaults, else the options to init with. */
static inline void peer_setup(const void *ctx, size_t bytes) {
  (void)ctx;
  (void)bytes;
}

static inline int peer_init(peer_vec *v, const void *ctx, size_t expect) {
  (void)expect;
  return ctx == NULL ? pvb_u64_init(v)
                     : pvb_u64_init_opts(v, (const pv_vec_opts *)ctx);
}
static inline void peer_destroy(peer_vec *v) { (void)pvb_u64_destroy(v); }
static inline int peer_push(peer_vec *v, uint64_t x) { return pvb_u64_push(v, x); }
static inline uint64_t *peer_data(peer_vec *v) { return pvb_u64_data(v); }
static inline size_t peer_len(const peer_vec *v) { return pvb_u64_len(v); }

#define PVB_HAS_APPEND 1
static inline int peer_append(peer_vec *v, const uint64_t *src, size_t n) {
  return pvb_u64_append(v, src, n);
}

#define PVB_HAS_RESERVE 1
static inline int peer_reserve(peer_vec *v, size_t n) {
  size_t len = pvb_u64_len(v);
  return n > len ? pvb_u64_reserve(v, n - len) : 0;
}

#define PVB_HAS_READ 1
static inline uint64_t peer_get(const peer_vec *v, size_t i) {
  return *pvb_u64_at(v, i);
}

#define PVB_HAS_INSERT 1
static inline int peer_insert_front(peer_vec *v, uint64_t x) {
  return pvb_u64_insert(v, 0, &x, 1);
}

#define PVB_HAS_COPY 1
static inline int peer_copy(peer_vec *dst, const peer_vec *src) {
  return pvb_u64_copy(dst, src);
}

#define PVB_HAS_SHRINK 1
#define PVB_HAS_TRIM 1
static inline int peer_truncate(peer_vec *v, size_t n) { return pvb_u64_truncate(v, n); }
static inline int peer_shrink(peer_vec *v) { return pvb_u64_shrink_to_fit(v); }
static inline int peer_trim(peer_vec *v) { return pvb_u64_trim(v); }

#define PVB_HAS_E24 1
static inline int peer24_init(peer_vec24 *v, const void *ctx, size_t expect) {
  (void)expect;
  return ctx == NULL ? pvb_v24_init(v)
                     : pvb_v24_init_opts(v, (const pv_vec_opts *)ctx);
}
static inline int peer24_push(peer_vec24 *v, pvb_e24 x) { return pvb_v24_push(v, x); }
static inline pvb_e24 *peer24_data(peer_vec24 *v) { return pvb_v24_data(v); }
static inline void peer24_destroy(peer_vec24 *v) { (void)pvb_v24_destroy(v); }

#define PVB_HAS_SLURP 1
typedef pv_vec peer_bytes;
static inline int peer_slurp(peer_bytes *b, const char *path) {
  if (pv_vec_init(b, 1) != 0)
    return -1;
  if (pv_vec_read_file(b, path) != 0) {
    (void)pv_vec_destroy(b);
    return -1;
  }
  return 0;
}
static inline const char *peer_bytes_data(const peer_bytes *b) {
  return (const char *)b->data;
}
static inline size_t peer_bytes_len(const peer_bytes *b) { return b->len; }
static inline void peer_bytes_free(peer_bytes *b) { (void)pv_vec_destroy(b); }
#define PVB_HAS_POPULATE 1
static inline int peer_populate(peer_vec *v, unsigned threads) {
  return pvb_u64_populate(v, threads);
}
static inline uint64_t *peer_spare(peer_vec *v) { return pvb_u64_spare(v, NULL); }
static inline int peer_set_len(peer_vec *v, size_t n) { return pvb_u64_set_len(v, n); }

#define PVB_WANT_OPS 1
#include "bodies.h"

static const pvb_pv_variant pvb_typed_variants[] =
    PVB_PV_VARIANTS(PVB_W_ALL, PVB_W_PUSH | PVB_W_PUSH_COLD, PVB_W_PUSH,
                    PVB_W_PUSH);

PVB_REGISTER_FN(pv_typed_register) {
  size_t i;
  for (i = 0; i < sizeof pvb_typed_variants / sizeof pvb_typed_variants[0]; i++) {
    const pvb_pv_variant *var = &pvb_typed_variants[i];
    char name[64];
    snprintf(name, sizeof name, "pv%s", var->suffix);
    /* The default runs through pv_vec_init itself, not through options
     * that happen to mean the same. */
    pvb_register_peer(name, var->suffix[0] == '\0' ? NULL : &var->opts,
                      var->workloads);
  }
  /* The paired workloads compare the default typed vector. */
  pvb_method("pv", &pvb_peer_ops, NULL, 0);
  pvb_context("paged_vec", pv_version());
}

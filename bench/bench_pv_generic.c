/*
 * bench/bench_pv_generic.c - paged_vec through its generic API (void * and
 * an element size): every push is a call into the shared library that
 * copies elem_size bytes.  Peer "pvgen"; its peer among the other
 * libraries is GLib's GArray, which works the same way.
 */
#include <stdint.h>
#include <string.h>

#include <paged_vec/vec.h>

#include "peer.h"
#include "pv_variants.h"

typedef pv_vec peer_vec;
typedef pv_vec peer_vec24;

static int pvb_gen_init(pv_vec *v, const void *ctx, size_t elem_size) {
  pv_vec_opts o;
  if (ctx == NULL)
    return pv_vec_init(v, elem_size);
  o = *(const pv_vec_opts *)ctx;
  o.elem_size = elem_size;
  return pv_vec_init_opts(v, &o);
}

/* ctx: NULL for pv_vec_init's defaults, else the options to init with. */
static inline void peer_setup(const void *ctx, size_t bytes) {
  (void)ctx;
  (void)bytes;
}

static inline int peer_init(peer_vec *v, const void *ctx, size_t expect) {
  (void)expect;
  return pvb_gen_init(v, ctx, sizeof(uint64_t));
}
static inline void peer_destroy(peer_vec *v) { (void)pv_vec_destroy(v); }
static inline int peer_push(peer_vec *v, uint64_t x) { return pv_vec_push(v, &x); }
static inline uint64_t *peer_data(peer_vec *v) { return (uint64_t *)pv_vec_data(v); }
static inline size_t peer_len(const peer_vec *v) { return pv_vec_len(v); }

#define PVB_HAS_APPEND 1
static inline int peer_append(peer_vec *v, const uint64_t *src, size_t n) {
  return pv_vec_append(v, src, n);
}

#define PVB_HAS_RESERVE 1
static inline int peer_reserve(peer_vec *v, size_t n) {
  size_t len = pv_vec_len(v);
  return n > len ? pv_vec_reserve(v, n - len) : 0;
}

#define PVB_HAS_READ 1
static inline uint64_t peer_get(const peer_vec *v, size_t i) {
  return *(const uint64_t *)pv_vec_at(v, i);
}

#define PVB_HAS_INSERT 1
static inline int peer_insert_front(peer_vec *v, uint64_t x) {
  return pv_vec_insert(v, 0, &x, 1);
}

#define PVB_HAS_COPY 1
static inline int peer_copy(peer_vec *dst, const peer_vec *src) {
  return pv_vec_copy(dst, src);
}

#define PVB_HAS_SHRINK 1
#define PVB_HAS_TRIM 1
static inline int peer_truncate(peer_vec *v, size_t n) { return pv_vec_truncate(v, n); }
static inline int peer_shrink(peer_vec *v) { return pv_vec_shrink_to_fit(v); }
static inline int peer_trim(peer_vec *v) { return pv_vec_trim(v); }

#define PVB_HAS_E24 1
static inline int peer24_init(peer_vec24 *v, const void *ctx, size_t expect) {
  (void)expect;
  return pvb_gen_init(v, ctx, sizeof(pvb_e24));
}
static inline int peer24_push(peer_vec24 *v, pvb_e24 x) { return pv_vec_push(v, &x); }
static inline pvb_e24 *peer24_data(peer_vec24 *v) { return (pvb_e24 *)pv_vec_data(v); }
static inline void peer24_destroy(peer_vec24 *v) { (void)pv_vec_destroy(v); }

#define PVB_WANT_OPS 1
#include "bodies.h"

static const pvb_pv_variant pvb_gen_variants[] =
    PVB_PV_VARIANTS(PVB_W_ALL, 0, PVB_W_PUSH, 0);

PVB_REGISTER_FN(pv_generic_register) {
  size_t i;
  for (i = 0; i < sizeof pvb_gen_variants / sizeof pvb_gen_variants[0]; i++) {
    const pvb_pv_variant *var = &pvb_gen_variants[i];
    char name[64];
    snprintf(name, sizeof name, "pvgen%s", var->suffix);
    pvb_register_peer(name, var->suffix[0] == '\0' ? NULL : &var->opts,
                      var->workloads);
  }
  pvb_method("pvgen", &pvb_peer_ops, NULL, 0);
}

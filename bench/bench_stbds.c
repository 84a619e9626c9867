/*
 * bench/bench_stbds.c - stb_ds dynamic arrays (arrput), the single-header
 * library many C programs vendor: a header before the data, inline push,
 * growth by doubling through realloc.  Debian's libstb holds the
 * implementation.  stb_ds has no shrink or copy operation; copy is written
 * the way stb_ds code does it (set the length, memcpy).
 */
#include <stdint.h>
#include <string.h>

#include <stb/stb_ds.h>

#include "peer.h"

typedef struct peer_vec {
  uint64_t *a;
} peer_vec;
typedef struct peer_vec24 {
  pvb_e24 *a;
} peer_vec24;

static inline void peer_setup(const void *ctx, size_t bytes) {
  (void)ctx;
  (void)bytes;
}

/* stb_ds asserts instead of reporting an allocation failure. */
static inline int peer_init(peer_vec *v, const void *ctx, size_t expect) {
  (void)ctx;
  (void)expect;
  v->a = NULL;
  return 0;
}
static inline void peer_destroy(peer_vec *v) { arrfree(v->a); }
static inline int peer_push(peer_vec *v, uint64_t x) {
  arrput(v->a, x);
  return 0;
}
static inline uint64_t *peer_data(peer_vec *v) { return v->a; }
static inline size_t peer_len(const peer_vec *v) { return arrlenu(v->a); }

#define PVB_HAS_APPEND 1
static inline int peer_append(peer_vec *v, const uint64_t *src, size_t n) {
  memcpy(arraddnptr(v->a, n), src, n * sizeof(uint64_t));
  return 0;
}

#define PVB_HAS_RESERVE 1
static inline int peer_reserve(peer_vec *v, size_t n) {
  arrsetcap(v->a, n);
  return 0;
}

#define PVB_HAS_READ 1
static inline uint64_t peer_get(const peer_vec *v, size_t i) { return v->a[i]; }

#define PVB_HAS_INSERT 1
static inline int peer_insert_front(peer_vec *v, uint64_t x) {
  arrins(v->a, 0, x);
  return 0;
}

#define PVB_HAS_COPY 1
static inline int peer_copy(peer_vec *dst, const peer_vec *src) {
  size_t n = arrlenu(src->a);
  arrsetlen(dst->a, n);
  if (n > 0)
    memcpy(dst->a, src->a, n * sizeof(uint64_t));
  return 0;
}

#define PVB_HAS_E24 1
static inline int peer24_init(peer_vec24 *v, const void *ctx, size_t expect) {
  (void)ctx;
  (void)expect;
  v->a = NULL;
  return 0;
}
static inline int peer24_push(peer_vec24 *v, pvb_e24 x) {
  arrput(v->a, x);
  return 0;
}
static inline pvb_e24 *peer24_data(peer_vec24 *v) { return v->a; }
static inline void peer24_destroy(peer_vec24 *v) { arrfree(v->a); }

#define PVB_WANT_OPS 1
#include "bodies.h"

PVB_REGISTER_FN(stbds_register) {
  pvb_register_peer("stbds", NULL, PVB_W_ALL & ~(PVB_W_SHRINK | PVB_W_TRIM));
  pvb_method("stbds", &pvb_peer_ops, NULL, 0);
}

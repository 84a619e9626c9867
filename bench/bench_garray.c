/*
 * bench/bench_garray.c - GLib's GArray, the peer of paged_vec's generic
 * API: both take elements through a void pointer and an element size and
 * grow by doubling (GArray through g_realloc, i.e. malloc).
 * g_array_append_val is one call into libglib per element, as pv_vec_push
 * is one call into libpaged_vec.  GArray has no shrink operation.
 */
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "peer.h"

typedef struct peer_vec {
  GArray *a;
} peer_vec;
typedef peer_vec peer_vec24;

static inline void peer_setup(const void *ctx, size_t bytes) {
  (void)ctx;
  (void)bytes;
}

/* GLib aborts instead of returning NULL when memory runs out, so the
 * operations below cannot report failure. */
static inline int peer_init(peer_vec *v, const void *ctx, size_t expect) {
  (void)ctx;
  (void)expect;
  v->a = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  return 0;
}
static inline void peer_destroy(peer_vec *v) { g_array_free(v->a, TRUE); }
static inline int peer_push(peer_vec *v, uint64_t x) {
  g_array_append_val(v->a, x);
  return 0;
}
static inline uint64_t *peer_data(peer_vec *v) { return (uint64_t *)(void *)v->a->data; }
static inline size_t peer_len(const peer_vec *v) { return v->a->len; }

#define PVB_HAS_APPEND 1
static inline int peer_append(peer_vec *v, const uint64_t *src, size_t n) {
  if (n > G_MAXUINT)
    return -1;
  g_array_append_vals(v->a, src, (guint)n);
  return 0;
}

#define PVB_HAS_RESERVE 1
/* GArray reserves only at creation: an empty array is replaced by a sized
 * one, which is how GLib code reserves. */
static inline int peer_reserve(peer_vec *v, size_t n) {
  if (n > G_MAXUINT || v->a->len != 0)
    return -1;
  g_array_free(v->a, TRUE);
  v->a = g_array_sized_new(FALSE, FALSE, sizeof(uint64_t), (guint)n);
  return 0;
}

#define PVB_HAS_READ 1
static inline uint64_t peer_get(const peer_vec *v, size_t i) {
  return g_array_index(v->a, uint64_t, i);
}

#define PVB_HAS_INSERT 1
static inline int peer_insert_front(peer_vec *v, uint64_t x) {
  g_array_prepend_val(v->a, x);
  return 0;
}

#define PVB_HAS_COPY 1
static inline int peer_copy(peer_vec *dst, const peer_vec *src) {
  /* g_array_copy makes the copy; the empty array dst came with goes. */
  g_array_free(dst->a, TRUE);
  dst->a = g_array_copy(src->a);
  return 0;
}

#define PVB_HAS_E24 1
static inline int peer24_init(peer_vec24 *v, const void *ctx, size_t expect) {
  (void)ctx;
  (void)expect;
  v->a = g_array_new(FALSE, FALSE, sizeof(pvb_e24));
  return 0;
}
static inline int peer24_push(peer_vec24 *v, pvb_e24 x) {
  g_array_append_val(v->a, x);
  return 0;
}
static inline pvb_e24 *peer24_data(peer_vec24 *v) { return (pvb_e24 *)(void *)v->a->data; }
static inline void peer24_destroy(peer_vec24 *v) { g_array_free(v->a, TRUE); }

#define PVB_WANT_OPS 1
#include "bodies.h"

PVB_REGISTER_FN(garray_register) {
  char version[64];
  snprintf(version, sizeof version, "%u.%u.%u", glib_major_version,
           glib_minor_version, glib_micro_version);
  pvb_context("glib", version);
  pvb_register_peer("garray", NULL, PVB_W_ALL & ~(PVB_W_SHRINK | PVB_W_TRIM));
  pvb_method("garray", &pvb_peer_ops, NULL, 0);
}

/*
 * bench/bench_rvec.c - the peer most C programs write by hand: a typed,
 * inline vector that doubles its capacity with realloc.
 *
 * The same object is linked into four binaries, so each allocator is the
 * real one for the whole process: pv_bench (glibc malloc; run a second time
 * with GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which makes glibc ask for
 * transparent huge pages), pv_bench_jemalloc (-ljemalloc),
 * pv_bench_mimalloc (-lmimalloc) and pv_bench_tcmalloc
 * (-ltcmalloc_minimal, gperftools).  The peer names itself after the
 * allocator it finds itself running on, and refuses to run (every benchmark
 * fails) if that is not the allocator it was built for.
 *
 * Growth: capacity starts at PVB_RVEC_FIRST_CAP and doubles.  For large
 * blocks glibc's realloc itself uses mremap, so this peer does not copy
 * either: the difference to paged_vec is in page faults and huge pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"

#if defined(PVB_ALLOC_JEMALLOC)
#  include <jemalloc/jemalloc.h>
#  define PVB_ALLOC_NAME "jemalloc"
#elif defined(PVB_ALLOC_MIMALLOC)
#  include <mimalloc.h>
#  define PVB_ALLOC_NAME "mimalloc"
#elif defined(PVB_ALLOC_TCMALLOC)
#  include <gperftools/malloc_extension_c.h>
#  include <gperftools/tcmalloc.h>
#  define PVB_ALLOC_NAME "tcmalloc"
#else
#  include <gnu/libc-version.h>
#  define PVB_ALLOC_NAME "glibc"
#endif

/* The first capacity: a common choice for a hand-written vector (enough for
 * a small list without an early realloc cascade). */
#define PVB_RVEC_FIRST_CAP 16u

typedef struct peer_vec {
  uint64_t *data;
  size_t len, cap;
} peer_vec;

typedef struct peer_vec24 {
  pvb_e24 *data;
  size_t len, cap;
} peer_vec24;

/* The next capacity >= need, doubling from cap; 0 on overflow. */
static size_t rvec_next_cap(size_t cap, size_t need, size_t elem_size) {
  size_t c = cap != 0 ? cap : PVB_RVEC_FIRST_CAP;
  while (c < need) {
    if (c > SIZE_MAX / 2u)
      return 0;
    c *= 2u;
  }
  if (c > SIZE_MAX / elem_size)
    return 0;
  return c;
}

/* Growth is out of line, as in any sensible hand-written vector: the push
 * stays a compare and a store. */
static PVB_NOINLINE int rvec_grow(peer_vec *v, size_t need) {
  size_t c = rvec_next_cap(v->cap, need, sizeof(uint64_t));
  uint64_t *p;
  if (c == 0)
    return -1;
  p = (uint64_t *)realloc(v->data, c * sizeof(uint64_t));
  if (p == NULL)
    return -1;
  v->data = p;
  v->cap = c;
  return 0;
}

static PVB_NOINLINE int rvec24_grow(peer_vec24 *v, size_t need) {
  size_t c = rvec_next_cap(v->cap, need, sizeof(pvb_e24));
  pvb_e24 *p;
  if (c == 0)
    return -1;
  p = (pvb_e24 *)realloc(v->data, c * sizeof(pvb_e24));
  if (p == NULL)
    return -1;
  v->data = p;
  v->cap = c;
  return 0;
}

/* Set by the constructor: the allocator this process really uses. */
static int rvec_alloc_ok;

static inline void peer_setup(const void *ctx, size_t bytes) {
  (void)ctx;
  (void)bytes;
}

static inline int peer_init(peer_vec *v, const void *ctx, size_t expect) {
  (void)ctx;
  (void)expect;
  v->data = NULL;
  v->len = v->cap = 0;
  return rvec_alloc_ok ? 0 : -1;
}

static inline void peer_destroy(peer_vec *v) { free(v->data); }

static inline int peer_push(peer_vec *v, uint64_t x) {
  if (PVB_UNLIKELY(v->len == v->cap) && rvec_grow(v, v->len + 1u) != 0)
    return -1;
  v->data[v->len++] = x;
  return 0;
}

static inline uint64_t *peer_data(peer_vec *v) { return v->data; }
static inline size_t peer_len(const peer_vec *v) { return v->len; }

#define PVB_HAS_APPEND 1
static inline int peer_append(peer_vec *v, const uint64_t *src, size_t n) {
  if (n > SIZE_MAX - v->len)
    return -1;
  if (v->len + n > v->cap && rvec_grow(v, v->len + n) != 0)
    return -1;
  memcpy(v->data + v->len, src, n * sizeof(uint64_t));
  v->len += n;
  return 0;
}

#define PVB_HAS_RESERVE 1
static inline int peer_reserve(peer_vec *v, size_t n) {
  uint64_t *p;
  if (n <= v->cap)
    return 0;
  if (n > SIZE_MAX / sizeof(uint64_t))
    return -1;
  p = (uint64_t *)realloc(v->data, n * sizeof(uint64_t));
  if (p == NULL)
    return -1;
  v->data = p;
  v->cap = n;
  return 0;
}

#define PVB_HAS_READ 1
static inline uint64_t peer_get(const peer_vec *v, size_t i) { return v->data[i]; }

#define PVB_HAS_INSERT 1
static inline int peer_insert_front(peer_vec *v, uint64_t x) {
  if (v->len == v->cap && rvec_grow(v, v->len + 1u) != 0)
    return -1;
  memmove(v->data + 1, v->data, v->len * sizeof(uint64_t));
  v->data[0] = x;
  v->len++;
  return 0;
}

#define PVB_HAS_COPY 1
static inline int peer_copy(peer_vec *dst, const peer_vec *src) {
  if (peer_reserve(dst, src->len) != 0)
    return -1;
  if (src->len > 0)
    memcpy(dst->data, src->data, src->len * sizeof(uint64_t));
  dst->len = src->len;
  return 0;
}

#define PVB_HAS_SHRINK 1
static inline int peer_truncate(peer_vec *v, size_t n) {
  if (n < v->len)
    v->len = n;
  return 0;
}
static inline int peer_shrink(peer_vec *v) {
  uint64_t *p;
  if (v->len == 0) {
    free(v->data);
    v->data = NULL;
    v->cap = 0;
    return 0;
  }
  p = (uint64_t *)realloc(v->data, v->len * sizeof(uint64_t));
  if (p == NULL)
    return -1;
  v->data = p;
  v->cap = v->len;
  return 0;
}

#define PVB_HAS_E24 1
static inline int peer24_init(peer_vec24 *v, const void *ctx, size_t expect) {
  (void)ctx;
  (void)expect;
  v->data = NULL;
  v->len = v->cap = 0;
  return rvec_alloc_ok ? 0 : -1;
}
static inline int peer24_push(peer_vec24 *v, pvb_e24 x) {
  if (PVB_UNLIKELY(v->len == v->cap) && rvec24_grow(v, v->len + 1u) != 0)
    return -1;
  v->data[v->len++] = x;
  return 0;
}
static inline pvb_e24 *peer24_data(peer_vec24 *v) { return v->data; }
static inline void peer24_destroy(peer_vec24 *v) { free(v->data); }

/* A file read as most C programs read one whole: read(2) into a buffer
 * that doubles with realloc from one page, until read returns 0. */
#define PVB_HAS_SLURP 1
typedef struct peer_bytes {
  char *data;
  size_t len, cap;
} peer_bytes;
static inline int peer_slurp(peer_bytes *b, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  b->data = NULL;
  b->len = b->cap = 0;
  if (fd < 0)
    return -1;
  for (;;) {
    ssize_t n;
    if (b->len == b->cap) {
      size_t c = b->cap != 0 ? 2u * b->cap : pvb_page_size();
      char *p = c > b->cap ? (char *)realloc(b->data, c) : NULL;
      if (p == NULL)
        break;
      b->data = p;
      b->cap = c;
    }
    n = read(fd, b->data + b->len, b->cap - b->len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    if (n == 0) {
      close(fd);
      return 0;
    }
    b->len += (size_t)n;
  }
  close(fd);
  free(b->data);
  return -1;
}
static inline const char *peer_bytes_data(const peer_bytes *b) { return b->data; }
static inline size_t peer_bytes_len(const peer_bytes *b) { return b->len; }
static inline void peer_bytes_free(peer_bytes *b) { free(b->data); }

#define PVB_WANT_OPS 1
#include "bodies.h"

const char *pvb_rvec_name(void) {
#if !defined(PVB_ALLOC_JEMALLOC) && !defined(PVB_ALLOC_MIMALLOC) && \
    !defined(PVB_ALLOC_TCMALLOC)
  const char *tun = getenv("GLIBC_TUNABLES");
  if (tun != NULL && strstr(tun, "glibc.malloc.hugetlb=1") != NULL)
    return "glibc_thp";
#endif
  return PVB_ALLOC_NAME;
}

/* Proves that malloc in this process is the allocator named in the binary:
 * a megabyte allocated through plain malloc must show up in that
 * allocator's own books. */
static int rvec_check_allocator(char *version, size_t cap) {
  const size_t probe = (size_t)1 << 20;
  int ok;
  void *p;
#if defined(PVB_ALLOC_JEMALLOC)
  uint64_t before = 0, after = 0;
  size_t sz = sizeof before;
  const char *ver = "?";
  size_t vsz = sizeof ver;
  if (mallctl("thread.allocated", &before, &sz, NULL, 0) != 0)
    return 0;
  p = malloc(probe);
  pvb_escape(p);
  sz = sizeof after;
  ok = mallctl("thread.allocated", &after, &sz, NULL, 0) == 0 &&
       after - before >= probe;
  free(p);
  (void)mallctl("version", (void *)&ver, &vsz, NULL, 0);
  snprintf(version, cap, "jemalloc %s", ver);
#elif defined(PVB_ALLOC_MIMALLOC)
  p = malloc(probe);
  pvb_escape(p);
  ok = p != NULL && mi_is_in_heap_region(p);
  free(p);
  snprintf(version, cap, "mimalloc %d", mi_version());
#elif defined(PVB_ALLOC_TCMALLOC)
  p = malloc(probe);
  pvb_escape(p);
  ok = p != NULL && MallocExtension_GetOwnership(p) == MallocExtension_kOwned;
  free(p);
  snprintf(version, cap, "tcmalloc %s", tc_version(NULL, NULL, NULL));
#else
  /* glibc: nothing to prove beyond not being either of the others, which
   * this binary does not link. */
  p = malloc(probe);
  pvb_escape(p);
  ok = p != NULL;
  free(p);
  snprintf(version, cap, "glibc %s", gnu_get_libc_version());
#endif
  return ok;
}

PVB_REGISTER_FN(rvec_register) {
  char version[128];
  const char *name = pvb_rvec_name();
  rvec_alloc_ok = rvec_check_allocator(version, sizeof version);
  pvb_context("allocator", version);
  pvb_context("allocator_verified", rvec_alloc_ok ? "yes" : "NO");
  pvb_register_peer(name, NULL, PVB_W_ALL & ~PVB_W_TRIM);
  pvb_method(name, &pvb_peer_ops, NULL, 0);
}

/*
 * bench/bench_limit.c - the limits: what writing N elements costs with no
 * container at all.
 *
 *   touch1  "written once": each iteration maps a buffer of exactly the
 *           final size, asks for transparent huge pages on a huge-page
 *           aligned range (the best case any container can reach), writes
 *           the elements and unmaps.  Every page is faulted in and zeroed by
 *           the kernel, as it must be for any fresh memory.
 *   touch2  "written again": the buffer is mapped and faulted in once,
 *           before timing; each iteration only stores.  No page faults:
 *           the speed of the stores themselves.
 *   touchp  "written by all cores": touch1's buffer written by one thread
 *           per online CPU, each its own contiguous part (the paired
 *           workloads only, timed by the wall clock): how fast the kernel
 *           can hand out zeroed pages when every core asks at once.
 *
 * A container cannot beat touch1 on a fresh vector; the distance to it is
 * the container's own overhead (growth, bookkeeping, worse pages).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "peer.h"

enum { PVB_LIM_FIRST = 1, PVB_LIM_AGAIN = 2 };
static const int pvb_lim_first = PVB_LIM_FIRST;
static const int pvb_lim_again = PVB_LIM_AGAIN;

typedef struct pvb_lim {
  void *map;        /* the mapping (NULL: the shared touch2 buffer) */
  size_t map_len;
  unsigned char *base;
  size_t len;       /* elements stored */
} pvb_lim;

typedef pvb_lim peer_vec;
typedef pvb_lim peer_vec24;

static size_t pvb_round_up(size_t x, size_t to) {
  return to == 0 ? x : (x + to - 1u) / to * to;
}

/* Maps at least `bytes` at a huge-page-aligned address with the huge page
 * advice over the whole huge pages it spans. */
static int pvb_lim_map(pvb_lim *l, size_t bytes) {
  size_t ps = pvb_page_size(), hp = pvb_huge_page_size();
  size_t len = pvb_round_up(bytes != 0 ? bytes : 1u, ps);
  size_t span = len, slack = 0;
  unsigned char *p;
  if (hp != 0 && len >= hp) {
    span = pvb_round_up(len, hp);
    slack = hp; /* room to align the start */
  }
  p = (unsigned char *)mmap(NULL, span + slack, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return -1;
  l->map = p;
  l->map_len = span + slack;
  l->base = p;
  l->len = 0;
  if (slack != 0) {
    uintptr_t a = (uintptr_t)p;
    l->base = p + (pvb_round_up((size_t)a, hp) - (size_t)a);
#ifdef MADV_HUGEPAGE
    (void)madvise(l->base, span, MADV_HUGEPAGE);
#endif
  }
  return 0;
}

/* The touch2 buffer: mapped and faulted in by peer_setup, kept for the
 * rest of the process. */
static pvb_lim pvb_again;
static size_t pvb_again_bytes;

static inline void peer_setup(const void *ctx, size_t bytes) {
  if (*(const int *)ctx != PVB_LIM_AGAIN || bytes <= pvb_again_bytes)
    return;
  if (pvb_again.map != NULL)
    munmap(pvb_again.map, pvb_again.map_len);
  pvb_again.map = NULL;
  pvb_again_bytes = 0;
  if (pvb_lim_map(&pvb_again, bytes) != 0)
    return; /* peer_init reports it */
  memset(pvb_again.base, 1, bytes);
  pvb_again_bytes = bytes;
}

static int pvb_lim_init(pvb_lim *l, const void *ctx, size_t bytes) {
  if (*(const int *)ctx == PVB_LIM_FIRST)
    return pvb_lim_map(l, bytes);
  if (bytes > pvb_again_bytes)
    return -1;
  l->map = NULL;
  l->map_len = 0;
  l->base = pvb_again.base;
  l->len = 0;
  return 0;
}
static void pvb_lim_destroy(pvb_lim *l) {
  if (l->map != NULL)
    munmap(l->map, l->map_len);
}

/* The body never stores more than `expect` elements: no bounds check, as
 * befits a limit. */
static inline int peer_init(peer_vec *v, const void *ctx, size_t expect) {
  return pvb_lim_init(v, ctx, expect * sizeof(uint64_t));
}
static inline void peer_destroy(peer_vec *v) { pvb_lim_destroy(v); }
static inline int peer_push(peer_vec *v, uint64_t x) {
  ((uint64_t *)(void *)v->base)[v->len++] = x;
  return 0;
}
static inline uint64_t *peer_data(peer_vec *v) { return (uint64_t *)(void *)v->base; }
static inline size_t peer_len(const peer_vec *v) { return v->len; }

#define PVB_HAS_APPEND 1
static inline int peer_append(peer_vec *v, const uint64_t *src, size_t n) {
  memcpy((uint64_t *)(void *)v->base + v->len, src, n * sizeof(uint64_t));
  v->len += n;
  return 0;
}

#define PVB_HAS_RESERVE 1
static inline int peer_reserve(peer_vec *v, size_t n) {
  (void)v;
  (void)n;
  return 0;
}

#define PVB_HAS_E24 1
static inline int peer24_init(peer_vec24 *v, const void *ctx, size_t expect) {
  return pvb_lim_init(v, ctx, expect * sizeof(pvb_e24));
}
static inline int peer24_push(peer_vec24 *v, pvb_e24 x) {
  ((pvb_e24 *)(void *)v->base)[v->len++] = x;
  return 0;
}
static inline pvb_e24 *peer24_data(peer_vec24 *v) { return (pvb_e24 *)(void *)v->base; }
static inline void peer24_destroy(peer_vec24 *v) { pvb_lim_destroy(v); }

#define PVB_WANT_OPS 1
#define PVB_IS_LIMIT 1
#include "bodies.h"

/* touchp: one part of the buffer, written by one thread. */
typedef struct pvb_part {
  uint64_t *base;
  size_t from, to; /* elements [from, to) */
  pthread_t tid;
} pvb_part;

static void *pvb_part_write(void *arg) {
  pvb_part *p = (pvb_part *)arg;
  size_t i;
  for (i = p->from; i < p->to; i++)
    p->base[i] = (uint64_t)i;
  return NULL;
}

/* The most threads touchp starts: more than any machine this runs on. */
#define PVB_PAR_MAX 64

/* One touchp iteration: map n elements as touch1 does, write them from
 * every online CPU in disjoint parts, unmap.  0, or -1 on failure. */
static int pvb_par_once(size_t n) {
  pvb_part parts[PVB_PAR_MAX];
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  size_t k, nt = cpus > 0 ? (size_t)cpus : 1u, started = 0;
  pvb_lim l;
  int rc = 0;
  if (nt > PVB_PAR_MAX)
    nt = PVB_PAR_MAX;
  if (pvb_lim_map(&l, n * sizeof(uint64_t)) != 0)
    return -1;
  for (k = 0; k < nt; k++) {
    parts[k].base = (uint64_t *)(void *)l.base;
    parts[k].from = n / nt * k;
    parts[k].to = k + 1u == nt ? n : n / nt * (k + 1u);
  }
  /* Thread 0 is this one; the others are started first. */
  for (k = 1; k < nt; k++) {
    if (pthread_create(&parts[k].tid, NULL, pvb_part_write, &parts[k]) != 0) {
      rc = -1;
      break;
    }
    started++;
  }
  if (rc == 0)
    (void)pvb_part_write(&parts[0]);
  for (k = 1; k <= started; k++)
    (void)pthread_join(parts[k].tid, NULL);
  pvb_escape(l.base);
  pvb_lim_destroy(&l);
  return rc;
}

static int pvb_par_build(const void *ctx, size_t n, size_t times) {
  size_t t;
  (void)ctx;
  for (t = 0; t < times; t++)
    if (pvb_par_once(n) != 0)
      return -1;
  return 0;
}

static const pvb_ops pvb_par_ops = {pvb_par_build, NULL, NULL, NULL, NULL, NULL, NULL, NULL};

PVB_REGISTER_FN(limit_register) {
  const unsigned w = PVB_W_PUSH | PVB_W_PUSH24 | PVB_W_APPEND | PVB_W_RESERVE_FILL;
  /* touch2 faults its buffer in before timing, cold or not. */
  pvb_register_peer("touch1", &pvb_lim_first, w | PVB_W_PUSH_COLD);
  pvb_register_peer("touch2", &pvb_lim_again, w);
  pvb_method("touch1", &pvb_peer_ops, &pvb_lim_first, PVB_M_LIMIT);
  pvb_method("touchp", &pvb_par_ops, NULL, PVB_M_LIMIT | PVB_M_WALL);
}

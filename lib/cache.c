/*
 * lib/cache.c - the region cache (lib/cache.h, include/paged_vec/cache.h).
 *
 * State: one table of slots, each a held region (address, size, huge-page
 * state, release time) or free, behind one spinlock.  Slots never move, so
 * a region being returned to the kernel can stay in its slot, marked busy,
 * while the unmap runs outside the lock: if the unmap fails it simply
 * becomes held again, and no other thread can take it meanwhile.  No
 * system call is made under the lock.  Busy regions on their way out are
 * not counted in `regions` / `bytes`, so the table has room for
 * PV_CACHE_MAX_REGIONS held regions plus as many busy ones; a release
 * being made read-write before it is kept is busy too, and counted (see
 * pv__cache_release).
 *
 * Policy (docs/cache.md): a release is kept if it fits the bounds after the
 * oldest held regions are evicted for it; a region is returned once it was
 * held decay_ms; both are decided on cache calls only (map, release, trim,
 * set_limits), from the monotonic clock of the OS layer.
 *
 * Fork: pv__os_atfork takes the lock before fork() and frees it in both
 * processes after, so the child never inherits it held.  Busy regions at
 * the fork are dropped from the child's table (an unmap another thread
 * was making may or may not have happened before the fork: the child
 * cannot tell, and forgetting a mapping is safe where unmapping it twice
 * is not).
 */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asan.h"
#include "cache.h"
#include "os.h"
#include "paged_vec/cache.h"

enum {
  SLOTS = 2 * PV_CACHE_MAX_REGIONS, /* held plus busy, see above */
  SPINS_BEFORE_YIELD = 64,
  NS_PER_MS = 1000000
};

/* Why a held region goes back to the kernel (which counter it bumps). */
typedef enum { WHY_EVICT, WHY_DECAY, WHY_TRIM } why;

typedef struct slot {
  void *addr; /* NULL: free */
  size_t bytes;
  uint64_t t; /* pv__os_now_ns() at release */
  bool huge;
  bool busy; /* being unmapped outside the lock */
} slot;

/* A region picked for return: its slot, a copy of its bounds, and why. */
typedef struct victim {
  size_t i;
  void *addr;
  size_t bytes;
  why reason;
} victim;

static struct {
  atomic_int lock; /* 0 free, 1 held */
  bool ready;      /* the environment was read, the fork handlers set */
  size_t max_bytes, max_regions;
  uint64_t decay_ns; /* 0: no decay */
  size_t regions, bytes; /* held, not busy */
  size_t used;           /* slots [used, SLOTS) are all free */
  slot s[SLOTS];
  pv_cache_info n; /* the counters (regions/bytes/limits filled on read) */
} g;

/* ---- the lock and the fork handlers ------------------------------------ */

static void lock(void) {
  unsigned spins = 0;
  while (atomic_exchange_explicit(&g.lock, 1, memory_order_acquire) != 0) {
    while (atomic_load_explicit(&g.lock, memory_order_relaxed) != 0) {
      if (++spins % SPINS_BEFORE_YIELD == 0) pv__os_yield();
    }
  }
}

static void unlock(void) {
  atomic_store_explicit(&g.lock, 0, memory_order_release);
}

/* Shrink `used` past free slots at its end. */
static void trim_used(void) {
  while (g.used > 0 && g.s[g.used - 1].addr == NULL) g.used--;
}

/* In the child: forget the busy regions (another thread was unmapping
 * them, or making a release read-write to keep it: that thread is not in
 * the child), count what stays, free the lock the parent's prepare
 * handler took. */
static void atfork_child(void) {
  g.regions = g.bytes = 0;
  for (size_t i = 0; i < g.used; i++) {
    if (g.s[i].busy) g.s[i] = (slot){0};
    if (g.s[i].addr == NULL) continue;
    g.regions++;
    g.bytes += g.s[i].bytes;
  }
  trim_used();
  unlock();
}

/*
 * The fork handlers are registered when the library is loaded, before any
 * thread can take the lock: registered at the first cache call, under the
 * lock, a fork racing that call left the child with the lock held by a
 * thread it does not have (and no handlers for its own forks).  A cache
 * call made before the constructor ran (from another constructor, while
 * the program has one thread) registers them then.  1 registered, -1
 * refused, 0 not yet.  Compilers without constructors register them at
 * the first call (the race above stays there).
 */
static int handlers;
static void register_handlers(void) {
  if (handlers == 0) handlers = pv__os_atfork(lock, unlock, atfork_child) == 0 ? 1 : -1;
}
#if defined(__GNUC__) || defined(__clang__)
__attribute__((constructor)) static void cache_constructor(void) { register_handlers(); }
#endif

/* Under the lock: the first call reads PV_CACHE.  Without fork handlers a
 * child could inherit the lock held, so if registering them failed the
 * cache stays disabled. */
static void ensure_ready(void) {
  if (g.ready) return;
  g.ready = true;
  const char *e = getenv("PV_CACHE");
  bool on = !(e != NULL && strcmp(e, "0") == 0);
  register_handlers();
  if (handlers != 1) on = false;
  g.max_bytes = on ? PV_CACHE_DEFAULT_BYTES : 0;
  g.max_regions = on ? PV_CACHE_DEFAULT_REGIONS : 0;
  g.decay_ns = (uint64_t)PV_CACHE_DEFAULT_DECAY_MS * NS_PER_MS;
}

/* ---- choosing regions to return (under the lock) ----------------------- */

static bool held(size_t i) { return g.s[i].addr != NULL && !g.s[i].busy; }

/* Mark held slot i busy and record it in v[*n]. */
static void pick(size_t i, why reason, victim *v, size_t *n) {
  slot *s = &g.s[i];
  s->busy = true;
  g.regions--;
  g.bytes -= s->bytes;
  v[(*n)++] = (victim){i, s->addr, s->bytes, reason};
}

/* The held slot released longest ago, or SLOTS if none. */
static size_t oldest(void) {
  size_t best = SLOTS;
  for (size_t i = 0; i < g.used; i++)
    if (held(i) && (best == SLOTS || g.s[i].t < g.s[best].t)) best = i;
  return best;
}

/*
 * Pick what must go: every region held at least decay_ns at `now`, then the
 * oldest until `add_bytes` more in `add_regions` more regions fit the
 * bounds.  Returns how many were written to v (at most SLOTS).  Returns
 * false in *fits when even an empty cache could not take the addition, or
 * when only busy slots are left and the addition still does not fit.
 */
static size_t pick_victims(uint64_t now, size_t add_bytes, size_t add_regions,
                           victim *v, bool *fits) {
  size_t n = 0;
  /* `now` was read before the lock: a region released since is newer. */
  for (size_t i = 0; i < g.used; i++)
    if (held(i) && g.decay_ns != 0 && g.s[i].t <= now &&
        now - g.s[i].t >= g.decay_ns)
      pick(i, WHY_DECAY, v, &n);
  *fits = add_bytes <= g.max_bytes && add_regions <= g.max_regions;
  if (!*fits) return n;
  while (g.regions + add_regions > g.max_regions ||
         g.bytes > g.max_bytes - add_bytes) {
    size_t i = oldest();
    if (i == SLOTS) {
      /* What is left is busy: releases other threads are keeping. */
      *fits = false;
      break;
    }
    pick(i, WHY_EVICT, v, &n);
  }
  return n;
}

/* Pick every held region (trim). */
static size_t pick_all(victim *v) {
  size_t n = 0;
  for (size_t i = 0; i < g.used; i++)
    if (held(i)) pick(i, WHY_TRIM, v, &n);
  return n;
}

/*
 * Outside the lock: unmap the n victims, then under the lock free the slots
 * of those unmapped and make the others held again.  Returns 0 or the code
 * of the first unmap that failed.
 */
static int return_victims(const victim *v, size_t n) {
  if (n == 0) return 0;
  int rcs[SLOTS];
  int first = 0;
  for (size_t k = 0; k < n; k++) {
    rcs[k] = pv__os_unmap(v[k].addr, v[k].bytes);
    if (rcs[k] != 0 && first == 0) first = rcs[k];
  }
  lock();
  for (size_t k = 0; k < n; k++) {
    slot *s = &g.s[v[k].i];
    /* A fork in between dropped busy slots from the child's table only;
     * in this process the slot is still ours. */
    if (rcs[k] != 0) {
      s->busy = false;
      g.regions++;
      g.bytes += s->bytes;
      continue;
    }
    *s = (slot){0};
    if (v[k].reason == WHY_EVICT) g.n.evicted++;
    else if (v[k].reason == WHY_DECAY) g.n.decayed++;
    else g.n.trimmed++;
  }
  trim_used();
  unlock();
  return first;
}

/* ---- map and release ---------------------------------------------------- */

/* Under the lock: the held slot that best serves (min, max, align, huge),
 * or SLOTS.  Smallest first, then the asked huge state, then the newest. */
static size_t best_fit(size_t min, size_t max, size_t align, bool huge) {
  size_t best = SLOTS;
  for (size_t i = 0; i < g.used; i++) {
    const slot *s = &g.s[i];
    if (!held(i) || s->bytes < min || s->bytes > max ||
        (align != 0 && ((uintptr_t)s->addr & (align - 1)) != 0))
      continue;
    if (best == SLOTS) {
      best = i;
      continue;
    }
    const slot *b = &g.s[best];
    bool better = s->bytes != b->bytes ? s->bytes < b->bytes
                  : (s->huge == huge) != (b->huge == huge) ? s->huge == huge
                                                           : s->t > b->t;
    if (better) best = i;
  }
  return best;
}

/* Put a region into the asked huge-page state (a hint: failures ignored).
 * A fresh region (from_cache false) has had no advice yet. */
static void set_huge(void *p, size_t bytes, bool had, bool huge, bool from_cache) {
  if (huge && (!had || !from_cache))
    (void)pv__os_advise(p, bytes, PV_ADVISE_HUGEPAGE);
  else if (!huge && had && from_cache)
    (void)pv__os_advise(p, bytes, PV_ADVISE_NOHUGEPAGE);
}

int pv__cache_map(size_t min_bytes, size_t max_bytes, size_t align, bool huge,
                  void **out, size_t *got) {
  const uint64_t now = pv__os_now_ns();
  victim v[SLOTS];
  bool fits;
  lock();
  ensure_ready();
  size_t n = pick_victims(now, 0, 0, v, &fits);
  size_t i = best_fit(min_bytes, max_bytes, align, huge);
  slot hit = {0};
  if (i != SLOTS) {
    hit = g.s[i];
    g.s[i] = (slot){0};
    g.regions--;
    g.bytes -= hit.bytes;
    trim_used();
    g.n.hits++;
  } else {
    g.n.misses++;
  }
  unlock();
  (void)return_victims(v, n); /* a region that stays is still counted */
  if (hit.addr != NULL) {
    set_huge(hit.addr, hit.bytes, hit.huge, huge, true);
    *out = hit.addr;
    *got = hit.bytes;
    return 0;
  }
  void *p;
  int rc = pv__os_map(min_bytes, align, PV__PROT_RW, &p);
  if (rc != 0) return rc;
  set_huge(p, min_bytes, false, huge, false);
  *out = p;
  *got = min_bytes;
  return 0;
}

/* Under the lock: a free slot, or SLOTS if the table is full. */
static size_t free_slot(void) {
  for (size_t i = 0; i < g.used; i++)
    if (g.s[i].addr == NULL) return i;
  return g.used < SLOTS ? g.used : (size_t)SLOTS;
}

/* Unmap a release the cache does not keep; count it if that worked. */
static int drop(void *p, size_t bytes) {
  int rc = pv__os_unmap(p, bytes);
  if (rc == 0) {
    lock();
    g.n.dropped++;
    unlock();
  }
  return rc;
}

/*
 * Whether to keep a release is decided first, and only a region that will
 * be kept is made read-write: one that goes back to the kernel keeps its
 * protection, so if its unmap fails the caller's region (a frozen vector's
 * read-only pages) is as it was.  The slot is claimed busy and counted
 * while the protection changes outside the lock, so that releases racing
 * it see the bounds it takes.
 */
int pv__cache_release(void *p, size_t bytes, bool huge) {
  const uint64_t now = pv__os_now_ns();
  victim v[SLOTS];
  bool fits;
  lock();
  ensure_ready();
  size_t n = pick_victims(now, bytes, 1, v, &fits);
  size_t i = fits ? free_slot() : (size_t)SLOTS;
  if (i != SLOTS) {
    g.s[i] = (slot){p, bytes, now, huge, true};
    if (i == g.used) g.used++;
    g.regions++;
    g.bytes += bytes;
  }
  unlock();
  (void)return_victims(v, n);
  if (i == SLOTS) return drop(p, bytes);
  bool rw = pv__os_protect(p, bytes, PV__PROT_RW) == 0;
  lock();
  if (rw) {
    /* Whatever the vector poisoned is free for the next one to use. */
    pv__asan_unpoison(p, bytes);
    g.s[i].busy = false;
    g.n.kept++;
  } else {
    g.s[i] = (slot){0};
    g.regions--;
    g.bytes -= bytes;
    trim_used();
  }
  unlock();
  return rw ? 0 : drop(p, bytes);
}

/* ---- the public calls --------------------------------------------------- */

int pv_cache_trim(void) {
  victim v[SLOTS];
  lock();
  ensure_ready();
  size_t n = pick_all(v);
  unlock();
  return return_victims(v, n);
}

int pv_cache_set_limits(size_t max_bytes, size_t max_regions,
                        unsigned decay_ms) {
  if (max_regions > PV_CACHE_MAX_REGIONS) return PV_EINVAL;
  const uint64_t now = pv__os_now_ns();
  victim v[SLOTS];
  bool fits;
  lock();
  ensure_ready();
  g.max_bytes = max_regions == 0 ? 0 : max_bytes;
  g.max_regions = max_bytes == 0 ? 0 : max_regions;
  g.decay_ns = (uint64_t)decay_ms * NS_PER_MS;
  size_t n = pick_victims(now, 0, 0, v, &fits);
  for (size_t k = 0; k < n; k++)
    if (v[k].reason == WHY_EVICT) v[k].reason = WHY_TRIM;
  unlock();
  return return_victims(v, n);
}

int pv_cache_stats(pv_cache_info *out) {
  if (out == NULL) return PV_EINVAL;
  lock();
  ensure_ready();
  *out = g.n;
  out->regions = g.regions;
  out->bytes = g.bytes;
  out->max_regions = g.max_regions;
  out->max_bytes = g.max_bytes;
  out->decay_ms = (unsigned)(g.decay_ns / NS_PER_MS);
  unlock();
  return 0;
}

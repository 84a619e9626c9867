/*
 * tests/sweep.h - the one "nothing changed" snapshot and the one fault
 * sweep of the Criterion suites, and the table of vector configurations
 * every container operation is swept in.
 *
 * The snapshot (sw_snap) holds what an operation that fails must leave as
 * it was: the object's struct (every field, private ones too), the bytes of
 * its data, the protection the kernel reports for its pages and for the
 * page right after them (a guard page, or whatever the neighbour is), the
 * address space the library holds (ru_live_bytes: pv__os_live_bytes with
 * the region cache emptied first) and the process's mapping count.  sw_assert_failed() checks all of that against a fresh
 * look; SW_EXPECT_UNCHANGED() wraps one call in it.
 *
 * The sweep (sw_sweep) makes OS call 1, 2, 3, ... of an operation fail in
 * turn (pv__os_fault_set, lib/os.h) until the operation completes without
 * reaching the fault.  After each injected failure: the code is the one
 * injected, the snapshot is unchanged, nothing leaked, and the same
 * operation then succeeds with the right result (the caller's
 * postcondition).  A failure the operation absorbs (a best-effort hint)
 * must still give the full result.
 *
 * Each sweep prints "fault-points NAME CODE N (absorbed A, calls C)" to
 * stderr, which lands in the test's .log under make check.  The total:
 *   make fault-points
 * (tests/reliability.mk: sums N over tests/test_fault_*.log).
 *
 * Adding a vector configuration (a growth mode, a flag, a storage
 * strategy): one row in SW_CONFIGS below.  tests/test_fault_vec.c turns
 * each row into a test (suite::id) that sweeps every operation of its
 * operation table in that configuration; a row whose flags the build or
 * the system cannot honour is still valid (the library treats the flags
 * as requests), so no row needs a guard of its own.
 *
 * Adding an operation: one row in test_fault_vec.c's vops (the state it
 * starts from, the call, its postcondition); it is then swept in every
 * configuration.
 */
#ifndef PV_SWEEP_H
#define PV_SWEEP_H

#include "config.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "paged_vec.h"
#include "relutil.h"
#include "store.h"

/* ---- the vector configurations ------------------------------------------ */

/*
 * The storage phase a row pins (lib/store.h): SW_ANY, whatever the library
 * picks for the flags (a default vector is SMALL, in malloc, below
 * pv__store_small_max() bytes and moves into pages past it); SW_SMALL,
 * every state is set up SMALL and every operation but freeze (which moves
 * into pages) must leave it SMALL (operations that cross the threshold by
 * design are not run); SW_CROSS, the full states are set up SMALL just
 * below the threshold, so that every growth is the move into pages, each
 * of its malloc and OS calls failed in turn, and must end in pages.
 */
enum sw_phase { SW_ANY, SW_SMALL, SW_CROSS };

/*
 * X(suite, id, grow, flags, elem_size, phase): one configuration per row.
 * elem_size 24 is the "odd size": capacities are then not whole pages of
 * elements and every size computation is exercised.  PV_VEC_PAGES rows are
 * in pages from the first element (checked by test_fault_vec's v_sane).
 */
#define SW_CONFIGS(X)                                                         \
  X(fault_remap, plain, PV_GROW_REMAP, 0, 8, SW_ANY)                          \
  X(fault_remap, odd_size, PV_GROW_REMAP, 0, 24, SW_ANY)                      \
  X(fault_remap, guard, PV_GROW_REMAP, PV_VEC_GUARD, 8, SW_ANY)               \
  X(fault_remap, huge, PV_GROW_REMAP, PV_VEC_HUGE, 8, SW_ANY)                 \
  X(fault_remap, no_huge, PV_GROW_REMAP, PV_VEC_NO_HUGE, 8, SW_ANY)           \
  X(fault_remap, guard_huge, PV_GROW_REMAP, PV_VEC_GUARD | PV_VEC_HUGE, 8, SW_ANY) \
  X(fault_remap, move_on_grow, PV_GROW_REMAP, PV_VEC_MOVE_ON_GROW, 8, SW_ANY) \
  X(fault_remap, guard_move_on_grow, PV_GROW_REMAP,                           \
    PV_VEC_GUARD | PV_VEC_MOVE_ON_GROW, 8, SW_ANY)                            \
  X(fault_stable, plain, PV_GROW_STABLE, 0, 8, SW_ANY)                        \
  X(fault_stable, odd_size, PV_GROW_STABLE, 0, 24, SW_ANY)                    \
  X(fault_stable, guard, PV_GROW_STABLE, PV_VEC_GUARD, 8, SW_ANY)             \
  X(fault_stable, huge, PV_GROW_STABLE, PV_VEC_HUGE, 8, SW_ANY)               \
  X(fault_stable, guard_huge, PV_GROW_STABLE, PV_VEC_GUARD | PV_VEC_HUGE, 8, SW_ANY) \
  X(fault_stable, move_on_grow, PV_GROW_STABLE, PV_VEC_MOVE_ON_GROW, 8, SW_ANY) \
  X(fault_stable, guard_move_on_grow, PV_GROW_STABLE,                         \
    PV_VEC_GUARD | PV_VEC_MOVE_ON_GROW, 8, SW_ANY)                            \
  X(fault_copy, plain, PV_GROW_COPY, 0, 8, SW_ANY)                            \
  X(fault_copy, odd_size, PV_GROW_COPY, 0, 24, SW_ANY)                        \
  X(fault_copy, guard, PV_GROW_COPY, PV_VEC_GUARD, 8, SW_ANY)                 \
  X(fault_copy, huge, PV_GROW_COPY, PV_VEC_HUGE, 8, SW_ANY)                   \
  X(fault_copy, guard_huge, PV_GROW_COPY, PV_VEC_GUARD | PV_VEC_HUGE, 8, SW_ANY) \
  X(fault_copy, move_on_grow, PV_GROW_COPY, PV_VEC_MOVE_ON_GROW, 8, SW_ANY)   \
  X(fault_copy, guard_move_on_grow, PV_GROW_COPY,                             \
    PV_VEC_GUARD | PV_VEC_MOVE_ON_GROW, 8, SW_ANY)                            \
  X(fault_default, plain, PV_GROW_DEFAULT, 0, 8, SW_ANY)                      \
  X(fault_default, guard, PV_GROW_DEFAULT, PV_VEC_GUARD, 8, SW_ANY)           \
  X(fault_store, small, PV_GROW_DEFAULT, 0, 8, SW_SMALL)                      \
  X(fault_store, small_odd_size, PV_GROW_DEFAULT, 0, 24, SW_SMALL)            \
  X(fault_store, cross, PV_GROW_DEFAULT, 0, 8, SW_CROSS)                      \
  X(fault_store, cross_copy, PV_GROW_COPY, 0, 8, SW_CROSS)                    \
  X(fault_store, pages, PV_GROW_DEFAULT, PV_VEC_PAGES, 8, SW_ANY)             \
  X(fault_store, pages_copy, PV_GROW_COPY, PV_VEC_PAGES, 24, SW_ANY)

/* One configuration, as a value. */
typedef struct sw_config {
  const char *name; /* "suite id" */
  pv_grow grow;
  unsigned flags;
  size_t elem_size;
  enum sw_phase phase;
} sw_config;

/* ---- the snapshot -------------------------------------------------------- */


/* What kind of object a snapshot holds (for the messages). */
enum sw_kind { SW_RAW, SW_VEC, SW_PAGES };

typedef struct sw_snap {
  enum sw_kind kind;
  const void *obj;       /* the object, looked at again by the checks */
  size_t obj_size;
  union {
    pv_vec v;
    pv_pages p;
  } was;                 /* its struct then */
  pv__store_info st;     /* SW_VEC: the private state behind it then
                            (pv__store_inspect, lib/store.h) */
  const void *data;      /* the bytes kept (NULL: none) ... */
  unsigned char *bytes;  /* ... their copy */
  size_t nbytes;
  const void *prot_addr; /* the range whose protection is kept (NULL: none) */
  size_t prot_len;
  char perms[5];         /* the kernel's permissions of that range ... */
  char after[5];         /* ... and of the page right after it */
  long long live;        /* ru_live_bytes() */
  size_t maps;           /* ru_maps_count() */
  bool maps_may_drop;    /* set by a test: one mapping may be gone */
} sw_snap;

/*
 * sw_take - record obj (obj_size bytes of struct), the nbytes at data and
 * the protection of [prot_addr, prot_addr + prot_len).  data or prot_addr
 * NULL: not recorded (an object holding junk, unreadable pages).  The
 * address space and the mapping count are read last, after the copy's
 * malloc, so that a malloc'd mapping of the copy counts as "before".
 */
static inline void sw_take(sw_snap *s, const void *obj, size_t obj_size,
                           const void *data, size_t nbytes,
                           const void *prot_addr, size_t prot_len) {
  memset(s, 0, sizeof *s);
  cr_assert_leq(obj_size, sizeof s->was, "snapshot: object too large");
  s->kind = SW_RAW;
  s->obj = obj;
  s->obj_size = obj_size;
  memcpy(&s->was, obj, obj_size);
  s->data = nbytes != 0 ? data : NULL;
  s->nbytes = s->data != NULL ? nbytes : 0;
  s->bytes = malloc(s->nbytes + 1);
  cr_assert_not_null(s->bytes, "snapshot: malloc %zu", s->nbytes);
  if (s->nbytes != 0) memcpy(s->bytes, data, s->nbytes);
  s->prot_addr = prot_len != 0 ? prot_addr : NULL;
  s->prot_len = s->prot_addr != NULL ? prot_len : 0;
  s->live = ru_live_bytes(); /* first: the trim changes the mapping count */
  if (s->prot_addr != NULL)
    s->maps = ru_perms_and_after(s->prot_addr, s->prot_len, s->perms, s->after);
  else
    s->maps = ru_maps_count();
}

/* A vector: its struct, its len * elem_size element bytes, the protection
 * of its committed bytes.  v must be a live (or zeroed) vector. */
static inline void sw_take_vec(sw_snap *s, const pv_vec *v) {
  size_t held = pv__store_bytes(v);
  sw_take(s, v, sizeof *v, v->data, v->len * v->elem_size,
          held != 0 ? v->data : NULL, held);
  s->kind = SW_VEC;
  s->st = pv__store_inspect(v);
}

/* A page mapping: its struct, its bytes while readable, its protection.
 * p must be mapped or reset. */
static inline void sw_take_pages(sw_snap *s, const pv_pages *p) {
  bool readable = p->addr != NULL && (p->pv_prot & PV_PROT_READ) != 0;
  sw_take(s, p, sizeof *p, readable ? p->addr : NULL, p->len, p->addr, p->len);
  s->kind = SW_PAGES;
}

static inline void sw_drop(sw_snap *s) {
  free(s->bytes);
  s->bytes = NULL;
}

/* The object, its bytes and its protection are as the snapshot says. */
static inline void sw_assert_same(const sw_snap *s, const char *what) {
  if (s->kind == SW_VEC) {
    const pv_vec *v = s->obj, *w = &s->was.v;
    cr_assert_eq(memcmp(v, w, sizeof *v), 0,
                 "%s: struct changed: data %p->%p len %zu->%zu cap %zu->%zu "
                 "room %zu->%zu store %p->%p",
                 what, w->data, v->data, w->len, v->len, w->cap, v->cap,
                 w->pv_room, v->pv_room, (void *)w->pv_store,
                 (void *)v->pv_store);
    pv__store_info st = pv__store_inspect(v);
    const pv__store_info *t = &s->st;
    cr_assert_eq(memcmp(&st, t, sizeof st), 0,
                 "%s: private state changed: kind %d->%d bytes %zu->%zu "
                 "reserved %zu->%zu stale %p->%p flags %#x->%#x",
                 what, (int)t->kind, (int)st.kind, t->bytes, st.bytes,
                 t->reserved, st.reserved, t->stale, st.stale, t->flags,
                 st.flags);
  } else if (s->kind == SW_PAGES) {
    const pv_pages *p = s->obj, *q = &s->was.p;
    cr_assert_eq(memcmp(p, q, sizeof *p), 0,
                 "%s: struct changed: addr %p->%p len %zu->%zu prot %#x->%#x",
                 what, q->addr, p->addr, q->len, p->len, q->pv_prot, p->pv_prot);
  } else {
    cr_assert_eq(memcmp(s->obj, &s->was, s->obj_size), 0,
                 "%s: the struct changed", what);
  }
  if (s->data != NULL)
    cr_assert_eq(memcmp(s->data, s->bytes, s->nbytes), 0,
                 "%s: data bytes changed", what);
  if (s->prot_addr != NULL) {
    char now[5], after[5];
    ru_perms_and_after(s->prot_addr, s->prot_len, now, after);
    cr_assert_str_eq(now, s->perms, "%s: kernel protection %s -> %s", what,
                     s->perms, now);
    cr_assert_str_eq(after, s->after,
                     "%s: protection of the page after the data %s -> %s", what,
                     s->after, after);
  }
}

/* Nothing leaked: the address space held and the mapping count are as the
 * snapshot says (valgrind's own mappings make the count meaningless). */
static inline void sw_assert_no_leak(const sw_snap *s, const char *what) {
  long long live = ru_live_bytes();
  size_t maps = ru_maps_count();
  cr_assert_eq(live, s->live, "%s: address space held went from %lld to %lld bytes",
               what, s->live, live);
  if (ru_under_valgrind() || (s->maps_may_drop && maps + 1 == s->maps)) return;
  cr_assert_eq(maps, s->maps, "%s: mapping count went from %zu to %zu", what,
               s->maps, maps);
}

/* A call that returned rc, which must be `want`, changed nothing. */
static inline void sw_assert_failed(const sw_snap *s, int rc, int want,
                                    const char *what) {
  cr_assert_eq(rc, want, "%s: returned %s, want %s", what, pv_errname(rc),
               pv_errname(want));
  sw_assert_no_leak(s, what);
  sw_assert_same(s, what);
}

/*
 * SW_EXPECT_UNCHANGED(vp, n, inject, code, call, what): `call` on the
 * vector *vp, with its n-th OS call failing with `inject` (n == 0: no
 * fault), returns `code` and changes nothing (sw_assert_failed).
 */
#define SW_EXPECT_UNCHANGED(vp, n, inject, code, call, what)                  \
  do {                                                                        \
    sw_snap sw_s_;                                                            \
    sw_take_vec(&sw_s_, (vp));                                                \
    pv__os_fault_set((n), (inject));                                          \
    int sw_rc_ = (call);                                                      \
    pv__os_fault_set(0, 0);                                                   \
    sw_assert_failed(&sw_s_, sw_rc_, (code), (what));                         \
    sw_drop(&sw_s_);                                                          \
  } while (0)

/* ---- the sweep ----------------------------------------------------------- */

/* No operation needs anywhere near this many OS calls; reaching it means
 * the sweep never ends. */
#define SW_LIMIT 10000ul

typedef struct sw_ops {
  void (*setup)(void *ctx);               /* build the object, faults off */
  void (*take)(void *ctx, sw_snap *s);    /* snapshot it (sw_take_*) */
  int (*op)(void *ctx);                   /* the operation under test */
  /* the postcondition of a success; before: the state before the op */
  void (*after_ok)(void *ctx, const sw_snap *before, const char *where);
  void (*teardown)(void *ctx);            /* release it, faults off */
  /* Optional: what a failed op may legitimately have done on its way
   * (released a leftover page): patch the snapshot to match. */
  void (*allow)(void *ctx, sw_snap *s);
} sw_ops;

typedef struct sw_result {
  unsigned long points;   /* faults injected and reported as errors */
  unsigned long absorbed; /* faults the operation survived by design */
  unsigned long calls;    /* OS calls the operation makes unfaulted */
} sw_result;

/* The end of one step: the postcondition, then the object is released and
 * the snapshot freed. */
static inline void sw_finish(const sw_ops *o, void *ctx, sw_snap *s,
                             const char *where) {
  o->after_ok(ctx, s, where);
  o->teardown(ctx);
  sw_drop(s);
}

/*
 * sw_sweep - fail OS call 1, 2, ... of o->op with err in turn, each on a
 * fresh object from o->setup, until the op completes before the fault.
 * Asserts as the header comment says; prints the "fault-points" line and
 * returns the counts.
 */
static inline sw_result sw_sweep(const char *name, const sw_ops *o, void *ctx,
                                 int err) {
  sw_result res = {0, 0, 0};
  long long live0 = ru_live_bytes();
  char where[192];
  for (unsigned long n = 1;; n++) {
    cr_assert_lt(n, SW_LIMIT, "%s: the sweep does not end", name);
    pv__os_fault_set(0, 0);
    o->setup(ctx);
    sw_snap s;
    o->take(ctx, &s);
    pv__os_fault_set(n, err);
    int rc = o->op(ctx);
    unsigned long calls = pv__os_fault_calls();
    pv__os_fault_set(0, 0);
    if (calls < n) {
      /* The operation finished before the n-th call: the sweep is done. */
      cr_assert_eq(rc, 0, "%s: unfaulted run failed with %s", name, pv_errname(rc));
      res.calls = calls;
      snprintf(where, sizeof where, "%s, unfaulted", name);
      sw_finish(o, ctx, &s, where);
      break;
    }
    snprintf(where, sizeof where, "%s, %s injected at OS call %lu", name,
             pv_errname(err), n);
    if (rc == 0) {
      res.absorbed++;
      sw_finish(o, ctx, &s, where);
      continue;
    }
    res.points++;
    if (o->allow != NULL) o->allow(ctx, &s);
    sw_assert_failed(&s, rc, err, where);
    rc = o->op(ctx);
    cr_assert_eq(rc, 0, "%s: the retry without the fault failed with %s", where,
                 pv_errname(rc));
    sw_finish(o, ctx, &s, where);
    long long live = ru_live_bytes();
    cr_assert_eq(live, live0, "%s: teardown left %lld bytes of address space",
                 where, live - live0);
  }
  cr_assert_eq(ru_live_bytes(), live0, "%s: address space leaked", name);
  fprintf(stderr, "fault-points %s %s %lu (absorbed %lu, calls %lu)\n", name,
          pv_errname(err), res.points, res.absorbed, res.calls);
  return res;
}

#endif /* PV_SWEEP_H */

/*
 * tests/test_fault.c - fault injection through the OS seam (lib/os.h).
 *
 * For every fallible public function, in every mode, the sweep makes the
 * 1st, 2nd, 3rd, ... call into the OS layer fail in turn, until the
 * operation completes without reaching the fault.  After each injected
 * failure it checks:
 *   - the code is the one injected (the kernel's refusal, passed through);
 *   - the object is unchanged: the whole struct, every byte of the data,
 *     and the protection the kernel reports for the range;
 *   - nothing leaked: the address space the library holds
 *     (pv__os_live_bytes) and the process's mapping count are as before;
 *   - the same operation succeeds once the fault is lifted, with the right
 *     result.
 * Each test prints "fault-points NAME N" to its log; the sum over the log
 * is the number of faults injected.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "asan.h"
#include "os.h"
#include "paged_vec.h"
#include "store.h"
#include "relutil.h"
#include "testutil.h"

/* No operation here needs anywhere near this many OS calls; reaching it
 * means the sweep never ends. */
#define SWEEP_LIMIT 10000ul

/* ---- the sweep engine --------------------------------------------------- */

typedef struct sweep_ops {
  void (*setup)(void *ctx);                    /* build the object, faults off */
  void (*snap)(void *ctx);                     /* record its state */
  void (*same)(void *ctx, const char *where);  /* assert: state == snapshot */
  int (*op)(void *ctx);                        /* the operation under test */
  void (*after_ok)(void *ctx, const char *where); /* assert: the right result */
  void (*teardown)(void *ctx);
  /* Optional: bytes of leftover address space a failed operation released
   * on its way (see v_same); 0 when NULL. */
  long long (*released)(void *ctx);
} sweep_ops;

typedef struct sweep_result {
  unsigned long points;   /* faults injected and reported as errors */
  unsigned long absorbed; /* faults the operation survived by design */
  unsigned long calls;    /* OS calls the operation makes unfaulted */
} sweep_result;

static sweep_result sweep(const char *name, const sweep_ops *o, void *ctx,
                          int err) {
  sweep_result res = {0, 0, 0};
  long long live0 = pv__os_live_bytes();
  char where[160];
  for (unsigned long n = 1;; n++) {
    cr_assert_lt(n, SWEEP_LIMIT, "%s: the sweep does not end", name);
    pv__os_fault_set(0, 0);
    o->setup(ctx);
    o->snap(ctx);
    long long live = pv__os_live_bytes();
    size_t maps = ru_maps_count();
    pv__os_fault_set(n, err);
    int rc = o->op(ctx);
    unsigned long calls = pv__os_fault_calls();
    pv__os_fault_set(0, 0);
    size_t maps_after = ru_maps_count();
    long long live_after = pv__os_live_bytes();
    snprintf(where, sizeof where, "%s, %s injected at OS call %lu", name,
             pv_errname(err), n);
    if (calls < n) {
      /* The operation finished before the n-th call: the sweep is done. */
      cr_assert_eq(rc, 0, "%s: unfaulted run failed with %s", name,
                   pv_errname(rc));
      res.calls = calls;
      snprintf(where, sizeof where, "%s, unfaulted", name);
      o->after_ok(ctx, where);
      o->teardown(ctx);
      break;
    }
    if (rc == 0) {
      /* A failure the operation may ignore (a best-effort hint): then it
       * must have done its whole job anyway. */
      res.absorbed++;
      o->after_ok(ctx, where);
      o->teardown(ctx);
      continue;
    }
    res.points++;
    cr_assert_eq(rc, err, "%s: returned %s", where, pv_errname(rc));
    o->same(ctx, where);
    long long freed = o->released != NULL ? o->released(ctx) : 0;
    cr_assert_eq(live_after, live - freed,
                 "%s: address space held went from %lld to %lld bytes", where,
                 live, live_after);
    /* A released leftover page was one mapping (or merged into one). */
    if (!ru_under_valgrind() && !(freed != 0 && maps_after + 1 == maps))
      cr_assert_eq(maps_after, maps, "%s: mapping count went from %zu to %zu",
                   where, maps, maps_after);
    rc = o->op(ctx);
    cr_assert_eq(rc, 0, "%s: the retry without the fault failed with %s",
                 where, pv_errname(rc));
    o->after_ok(ctx, where);
    o->teardown(ctx);
    cr_assert_eq(pv__os_live_bytes(), live0,
                 "%s: teardown left %lld bytes of address space", where,
                 pv__os_live_bytes() - live0);
  }
  cr_assert_eq(pv__os_live_bytes(), live0, "%s: address space leaked", name);
  fprintf(stderr, "fault-points %s %s %lu (absorbed %lu, calls %lu)\n", name,
          pv_errname(err), res.points, res.absorbed, res.calls);
  return res;
}

/* Expected permission string for PV_PROT_* bits, as /proc/self/maps says. */
static void perms_of(unsigned prot, char out[5]) {
  out[0] = (prot & PV_PROT_READ) ? 'r' : '-';
  out[1] = (prot & PV_PROT_WRITE) ? 'w' : '-';
  out[2] = (prot & PV_PROT_EXEC) ? 'x' : '-';
  out[3] = 'p';
  out[4] = 0;
}

/* ---- page core ---------------------------------------------------------- */

typedef struct pctx pctx;
struct pctx {
  /* the case */
  const char *name;
  int (*call)(pctx *);
  size_t len;        /* pages mapped by setup, 0: none (the map case) */
  unsigned prot;     /* protection after setup */
  unsigned flags;    /* PV_MAP_* for setup's mapping */
  bool block_after;  /* put a foreign page right after the mapping */
  bool split;        /* advise the first page: two kernel mappings */
  size_t a, b;       /* operation arguments (lengths, offsets) */
  unsigned u;        /* operation argument (prot, advice) */
  /* state */
  pv_pages p, snap;
  unsigned char *bytes; /* copy of the data when readable */
  char perms[5];
  void *blocker;
  size_t page;
};

static void p_setup(void *vctx) {
  pctx *c = vctx;
  c->page = pv_page_size();
  memset(&c->p, 0xa5, sizeof c->p); /* garbage: map must not need zeroes */
  c->blocker = NULL;
  if (c->len == 0) return;
  int rc = pv_pages_map(&c->p, c->len, PV_PROT_READ | PV_PROT_WRITE, c->flags);
  cr_assert_eq(rc, 0, "%s: setup map: %s", c->name, pv_errname(rc));
  tu_fill(c->p.addr, c->p.len, 7);
  if (c->prot != (PV_PROT_READ | PV_PROT_WRITE)) {
    rc = pv_pages_protect(&c->p, c->prot);
    cr_assert_eq(rc, 0, "%s: setup protect: %s", c->name, pv_errname(rc));
  }
  if (c->split) {
    rc = pv_pages_advise(&c->p, 0, c->page, PV_ADVISE_RANDOM);
    cr_assert_eq(rc, 0, "%s: setup advise: %s", c->name, pv_errname(rc));
  }
  if (c->block_after) {
    /* Growth in place is then impossible: the kernel must move the data. */
    void *want = (char *)c->p.addr + c->p.len;
    void *b = mmap(want, c->page, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (b != MAP_FAILED && b != want) munmap(b, c->page); /* old kernel */
    else if (b != MAP_FAILED) c->blocker = b;
  }
}

static void p_snap(void *vctx) {
  pctx *c = vctx;
  c->snap = c->p;
  free(c->bytes);
  c->bytes = NULL;
  if (c->len == 0) return;
  ru_perms(c->p.addr, c->p.len, c->perms);
  if (c->prot & PV_PROT_READ) {
    c->bytes = malloc(c->p.len);
    cr_assert_not_null(c->bytes, "%s: malloc for the snapshot", c->name);
    memcpy(c->bytes, c->p.addr, c->p.len);
  }
}

static void p_same(void *vctx, const char *where) {
  pctx *c = vctx;
  cr_assert_eq(memcmp(&c->p, &c->snap, sizeof c->p), 0,
               "%s: struct changed: addr %p->%p len %zu->%zu", where,
               c->snap.addr, c->p.addr, c->snap.len, c->p.len);
  if (c->len == 0) return;
  char now[5];
  ru_perms(c->p.addr, c->p.len, now);
  cr_assert_str_eq(now, c->perms, "%s: kernel protection %s -> %s", where,
                   c->perms, now);
  if (c->bytes != NULL)
    cr_assert_eq(memcmp(c->p.addr, c->bytes, c->p.len), 0,
                 "%s: data bytes changed", where);
}

/* Every sweep step ends with a successful operation, so p is either a live
 * mapping (map, protect, resize, ...) or reset (unmap): unmap it either way. */
static void p_teardown(void *vctx) {
  pctx *c = vctx;
  int rc = pv_pages_unmap(&c->p);
  cr_assert_eq(rc, 0, "%s: teardown unmap: %s", c->name, pv_errname(rc));
  if (c->blocker != NULL) munmap(c->blocker, c->page);
  c->blocker = NULL;
  free(c->bytes);
  c->bytes = NULL;
}

static int p_op(void *vctx) {
  pctx *c = vctx;
  return c->call(c);
}

/* map ------------------------------------------------------------------ */
static int call_map(pctx *c) { return pv_pages_map(&c->p, c->a, c->u, c->flags); }
static void ok_map(void *vctx, const char *where) {
  pctx *c = vctx;
  size_t want = (c->a + c->page - 1) / c->page * c->page;
  cr_assert_eq(c->p.len, want, "%s: mapped %zu bytes, want %zu", where, c->p.len,
               want);
  char got[5], exp[5];
  ru_perms(c->p.addr, c->p.len, got);
  perms_of(c->u, exp);
  cr_assert_str_eq(got, exp, "%s: kernel protection", where);
  if (c->u & PV_PROT_READ)
    cr_assert(tu_all_zero(c->p.addr, c->p.len), "%s: new pages not zero", where);
}

/* unmap ---------------------------------------------------------------- */
static int call_unmap(pctx *c) { return pv_pages_unmap(&c->p); }
static void ok_unmap(void *vctx, const char *where) {
  pctx *c = vctx;
  cr_assert_null(c->p.addr, "%s: addr not reset", where);
  cr_assert_eq(c->p.len, 0, "%s: len not reset", where);
  cr_assert(ru_unmapped(c->snap.addr, c->snap.len), "%s: range still mapped",
            where);
}

/* protect -------------------------------------------------------------- */
static int call_protect(pctx *c) { return pv_pages_protect(&c->p, c->u); }
static void ok_protect(void *vctx, const char *where) {
  pctx *c = vctx;
  char got[5], exp[5];
  ru_perms(c->p.addr, c->p.len, got);
  perms_of(c->u, exp);
  cr_assert_str_eq(got, exp, "%s: kernel protection", where);
  cr_assert_eq(c->p.addr, c->snap.addr, "%s: protect moved the mapping", where);
  if ((c->u & PV_PROT_READ) && c->bytes != NULL)
    cr_assert_eq(memcmp(c->p.addr, c->bytes, c->p.len), 0,
                 "%s: bytes changed by protect", where);
}

/* resize --------------------------------------------------------------- */
static int call_resize(pctx *c) { return pv_pages_resize(&c->p, c->a); }
static void ok_resize(void *vctx, const char *where) {
  pctx *c = vctx;
  size_t want = (c->a + c->page - 1) / c->page * c->page;
  cr_assert_eq(c->p.len, want, "%s: len %zu, want %zu", where, c->p.len, want);
  char got[5];
  ru_perms(c->p.addr, c->p.len, got);
  cr_assert_str_eq(got, c->perms, "%s: protection not kept", where);
  size_t keep = want < c->snap.len ? want : c->snap.len;
  if (c->bytes != NULL) {
    cr_assert_eq(memcmp(c->p.addr, c->bytes, keep), 0,
                 "%s: kept bytes changed", where);
    cr_assert(tu_all_zero((char *)c->p.addr + keep, want - keep),
              "%s: grown bytes not zero", where);
  } else {
    /* Unreadable: look through a READ view, then put the protection back. */
    int rc = pv_pages_protect(&c->p, PV_PROT_READ);
    cr_assert_eq(rc, 0, "%s: protect READ to look: %s", where, pv_errname(rc));
    cr_assert_eq(tu_check(c->p.addr, keep, 7), keep, "%s: kept bytes changed",
                 where);
    cr_assert(tu_all_zero((char *)c->p.addr + keep, want - keep),
              "%s: grown bytes not zero", where);
    rc = pv_pages_protect(&c->p, c->prot);
    cr_assert_eq(rc, 0, "%s: protect back: %s", where, pv_errname(rc));
  }
  if (c->blocker != NULL && want > c->snap.len)
    cr_assert_neq(c->p.addr, c->snap.addr, "%s: grew over a foreign page", where);
}

/* decommit ------------------------------------------------------------- */
static int call_decommit(pctx *c) { return pv_pages_decommit(&c->p, c->a, c->b); }
static void ok_decommit(void *vctx, const char *where) {
  pctx *c = vctx;
  cr_assert_eq(memcmp(&c->p, &c->snap, sizeof c->p), 0,
               "%s: decommit changed the struct", where);
  char got[5];
  ru_perms(c->p.addr, c->p.len, got);
  cr_assert_str_eq(got, c->perms, "%s: protection not kept", where);
  if (c->bytes == NULL) return;
  unsigned char *d = c->p.addr;
  cr_assert_eq(memcmp(d, c->bytes, c->a), 0, "%s: bytes before changed", where);
  size_t end = c->a + c->b;
  cr_assert_eq(memcmp(d + end, c->bytes + end, c->p.len - end), 0,
               "%s: bytes after changed", where);
  if (pv__os_caps_get()->decommit_zeroes)
    cr_assert(tu_all_zero(d + c->a, c->b), "%s: decommitted range not zero",
              where);
}

/* advise --------------------------------------------------------------- */
static int call_advise(pctx *c) {
  return pv_pages_advise(&c->p, c->a, c->b, (pv_advice)c->u);
}
static void ok_advise(void *vctx, const char *where) {
  pctx *c = vctx;
  cr_assert_eq(memcmp(&c->p, &c->snap, sizeof c->p), 0,
               "%s: advise changed the struct", where);
  if (c->bytes != NULL)
    cr_assert_eq(memcmp(c->p.addr, c->bytes, c->p.len), 0,
                 "%s: advise changed bytes", where);
}

static sweep_result run_pages(pctx *c, void (*after_ok)(void *, const char *),
                              int err) {
  const sweep_ops o = {p_setup, p_snap, p_same, p_op, after_ok, p_teardown,
                       NULL};
  c->page = pv_page_size();
  sweep_result r = sweep(c->name, &o, c, err);
  free(c->bytes);
  c->bytes = NULL;
  return r;
}


static void pages_map_case(const char *name, size_t len, unsigned prot,
                           unsigned flags) {
  pctx c = {.name = name, .call = call_map, .a = len, .u = prot, .flags = flags};
  sweep_result r = run_pages(&c, ok_map, PV_ENOMEM);
  cr_assert_geq(r.points, 1, "%s: no fault point reached", name);
}

Test(fault_pages, map) {
  size_t page = pv_page_size();
  pages_map_case("map rw", 3 * page, PV__PROT_RW, 0);
  pages_map_case("map none", page, PV_PROT_NONE, 0);
  pages_map_case("map ro odd length", page + 1, PV_PROT_READ, 0);
  pages_map_case("map huge small", page, PV__PROT_RW, PV_MAP_HUGE);
  if (pv_huge_page_size() != 0)
    pages_map_case("map huge aligned", 2 * pv_huge_page_size(), PV__PROT_RW, PV_MAP_HUGE);
  if (pv__os_caps_get()->can_exec)
    pages_map_case("map rx", page, PV_PROT_READ | PV_PROT_EXEC,
                   PV_MAP_ALLOW_EXEC);
}

static void pages_case(pctx c, void (*after_ok)(void *, const char *),
                       bool also_eacces) {
  sweep_result r = run_pages(&c, after_ok, PV_ENOMEM);
  cr_assert_geq(r.points, 1, "%s: no fault point reached", c.name);
  if (also_eacces) {
    r = run_pages(&c, after_ok, PV_EACCES);
    cr_assert_geq(r.points, 1, "%s: no EACCES fault point reached", c.name);
  }
}

Test(fault_pages, unmap) {
  size_t page = pv_page_size();
  pages_case((pctx){.name = "unmap rw", .call = call_unmap, .len = 2 * page,
                    .prot = PV__PROT_RW},
             ok_unmap, false);
  pages_case((pctx){.name = "unmap none", .call = call_unmap, .len = page,
                    .prot = PV_PROT_NONE},
             ok_unmap, false);
  if (pv_huge_page_size() != 0)
    pages_case((pctx){.name = "unmap huge", .call = call_unmap,
                      .len = pv_huge_page_size(), .prot = PV__PROT_RW,
                      .flags = PV_MAP_HUGE},
               ok_unmap, false);
}

Test(fault_pages, protect) {
  size_t page = pv_page_size();
  static const struct { const char *name; unsigned from, to; } t[] = {
      {"protect rw->r", PV__PROT_RW, PV_PROT_READ},
      {"protect r->rw", PV_PROT_READ, PV__PROT_RW},
      {"protect rw->none", PV__PROT_RW, PV_PROT_NONE},
      {"protect none->r", PV_PROT_NONE, PV_PROT_READ},
      {"protect r->r", PV_PROT_READ, PV_PROT_READ},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    pages_case((pctx){.name = t[i].name, .call = call_protect, .len = 4 * page,
                      .prot = t[i].from, .u = t[i].to},
               ok_protect, true);
  if (pv__os_caps_get()->can_exec) {
    pages_case((pctx){.name = "protect rw->rx", .call = call_protect,
                      .len = page, .prot = PV__PROT_RW, .flags = PV_MAP_ALLOW_EXEC,
                      .u = PV_PROT_READ | PV_PROT_EXEC},
               ok_protect, true);
    pages_case((pctx){.name = "protect rw->rwx", .call = call_protect,
                      .len = page, .prot = PV__PROT_RW, .flags = PV_MAP_ALLOW_WX,
                      .u = PV__PROT_RW | PV_PROT_EXEC},
               ok_protect, true);
  }
}

Test(fault_pages, resize) {
  size_t page = pv_page_size(), huge = pv_huge_page_size();
  pages_case((pctx){.name = "resize grow", .call = call_resize, .len = page,
                    .prot = PV__PROT_RW, .a = 3 * page},
             ok_resize, false);
  pages_case((pctx){.name = "resize grow odd", .call = call_resize, .len = page,
                    .prot = PV__PROT_RW, .a = 5 * page - 3},
             ok_resize, false);
  pages_case((pctx){.name = "resize shrink", .call = call_resize,
                    .len = 4 * page, .prot = PV__PROT_RW, .a = page},
             ok_resize, false);
  pages_case((pctx){.name = "resize grow moving", .call = call_resize,
                    .len = 2 * page, .prot = PV__PROT_RW, .a = 6 * page,
                    .block_after = true},
             ok_resize, false);
  pages_case((pctx){.name = "resize grow read-only", .call = call_resize,
                    .len = page, .prot = PV_PROT_READ, .a = 2 * page,
                    .block_after = true},
             ok_resize, false);
  pages_case((pctx){.name = "resize shrink read-only", .call = call_resize,
                    .len = 3 * page, .prot = PV_PROT_READ, .a = page},
             ok_resize, false);
  pages_case((pctx){.name = "resize grow none", .call = call_resize,
                    .len = page, .prot = PV_PROT_NONE, .a = 2 * page},
             ok_resize, false);
  pages_case((pctx){.name = "resize grow none moving", .call = call_resize,
                    .len = 2 * page, .prot = PV_PROT_NONE, .a = 5 * page,
                    .block_after = true},
             ok_resize, false);
  pages_case((pctx){.name = "resize shrink none", .call = call_resize,
                    .len = 4 * page, .prot = PV_PROT_NONE, .a = 2 * page},
             ok_resize, false);
  /* Advice on part splits the mapping, which mremap cannot grow: copied. */
  pages_case((pctx){.name = "resize grow split", .call = call_resize,
                    .len = 2 * page, .prot = PV__PROT_RW, .split = true, .a = 4 * page},
             ok_resize, false);
  pages_case((pctx){.name = "resize grow none split", .call = call_resize,
                    .len = 2 * page, .prot = PV_PROT_NONE, .split = true,
                    .a = 4 * page},
             ok_resize, false);
  pages_case((pctx){.name = "resize huge small grow", .call = call_resize,
                    .len = page, .prot = PV__PROT_RW, .flags = PV_MAP_HUGE,
                    .a = 2 * page, .block_after = true},
             ok_resize, false);
  if (huge != 0) {
    pages_case((pctx){.name = "resize huge across the threshold",
                      .call = call_resize, .len = page, .prot = PV__PROT_RW,
                      .flags = PV_MAP_HUGE, .a = 2 * huge},
               ok_resize, false);
    pages_case((pctx){.name = "resize huge grow moving", .call = call_resize,
                      .len = huge, .prot = PV__PROT_RW, .flags = PV_MAP_HUGE,
                      .a = 2 * huge, .block_after = true},
               ok_resize, false);
    pages_case((pctx){.name = "resize huge shrink", .call = call_resize,
                      .len = 2 * huge, .prot = PV__PROT_RW, .flags = PV_MAP_HUGE,
                      .a = huge},
               ok_resize, false);
  }
}

Test(fault_pages, decommit) {
  size_t page = pv_page_size();
  pages_case((pctx){.name = "decommit middle", .call = call_decommit,
                    .len = 4 * page, .prot = PV__PROT_RW, .a = page, .b = 2 * page},
             ok_decommit, false);
  pages_case((pctx){.name = "decommit whole", .call = call_decommit,
                    .len = 2 * page, .prot = PV__PROT_RW, .a = 0, .b = 2 * page},
             ok_decommit, false);
  pages_case((pctx){.name = "decommit read-only", .call = call_decommit,
                    .len = 2 * page, .prot = PV_PROT_READ, .a = page, .b = page},
             ok_decommit, false);
}

Test(fault_pages, advise) {
  size_t page = pv_page_size();
  static const struct { const char *name; pv_advice a; } t[] = {
      {"advise normal", PV_ADVISE_NORMAL},
      {"advise sequential", PV_ADVISE_SEQUENTIAL},
      {"advise random", PV_ADVISE_RANDOM},
      {"advise willneed", PV_ADVISE_WILLNEED},
      {"advise hugepage", PV_ADVISE_HUGEPAGE},
      {"advise nohugepage", PV_ADVISE_NOHUGEPAGE},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    pages_case((pctx){.name = t[i].name, .call = call_advise, .len = 3 * page,
                      .prot = PV__PROT_RW, .a = page, .b = 2 * page, .u = t[i].a},
               ok_advise, false);
}

/* ---- container ---------------------------------------------------------- */

/* The state setup leaves the vector in before the operation. */
enum vstate {
  VS_NONE,   /* no vector yet (init): the struct holds junk */
  VS_EMPTY,  /* initialised, nothing mapped (or STABLE: reserved only) */
  VS_FULL,   /* len == cap: the next element grows it */
  VS_SLACK,  /* a few elements in a capacity of many touched pages */
  VS_FROZEN, /* VS_FULL, then frozen */
  VS_HUGE_EDGE, /* full just below one huge page (if the system has them) */
  VS_STALE   /* REMAP + GUARD: a growth could not release its old guard
                page (kept in pv_stale for later), then full again */
};

typedef struct vctx vctx;
struct vctx {
  const char *name;
  pv_vec_opts opts;
  enum vstate state;
  int (*call)(vctx *);
  void (*model)(vctx *, const char *where); /* checks the successful result */
  size_t a;            /* count argument */
  /* state */
  pv_vec v, snap;
  pv__store_info snap_st; /* the private state behind snap (lib/store.h) */
  pv_vec src;          /* pv_vec_copy's source */
  unsigned char *bytes; /* the elements before the operation */
  size_t bytes_len;
  char perms[5];
  size_t page;
};

/* Source elements for push/append/insert: a pattern distinct from the
 * fill so that a misplaced copy shows. */
static unsigned char *elems_src(size_t bytes) {
  static unsigned char *buf;
  static size_t have;
  if (bytes > have) {
    free(buf);
    buf = malloc(bytes);
    cr_assert_not_null(buf, "malloc %zu", bytes);
    tu_fill(buf, bytes, 11);
    have = bytes;
  }
  return buf;
}

static size_t ebytes(const pv_vec *v, size_t n) { return n * v->elem_size; }

static void v_fill_to(vctx *c, size_t n) {
  pv_vec *v = &c->v;
  int rc = pv_vec_resize(v, n, NULL);
  cr_assert_eq(rc, 0, "%s: setup resize to %zu: %s", c->name, n, pv_errname(rc));
  tu_fill(v->data, ebytes(v, v->len), 5);
}

static int vcall_copy(vctx *c);
static void make_copy_src(vctx *c);

static void v_setup(void *vctx_) {
  vctx *c = vctx_;
  c->page = pv_page_size();
  memset(&c->v, 0x5a, sizeof c->v);
  /* Make the source elements now: a malloc inside the operation would
   * show up as a new mapping. */
  elems_src((c->a + 1) * c->opts.elem_size);
  if (c->call == vcall_copy) make_copy_src(c);
  if (c->state == VS_NONE) return;
  int rc = pv_vec_init_opts(&c->v, &c->opts);
  cr_assert_eq(rc, 0, "%s: setup init: %s", c->name, pv_errname(rc));
  pv_vec *v = &c->v;
  switch (c->state) {
  case VS_NONE:
  case VS_EMPTY: break;
  case VS_FULL:
  case VS_FROZEN:
    v_fill_to(c, 3);
    v_fill_to(c, v->cap);
    if (c->state == VS_FROZEN) {
      rc = pv_vec_freeze(v);
      cr_assert_eq(rc, 0, "%s: setup freeze: %s", c->name, pv_errname(rc));
    }
    break;
  case VS_SLACK:
    rc = pv_vec_reserve_exact(v, 4 * c->page / v->elem_size + 3);
    cr_assert_eq(rc, 0, "%s: setup reserve: %s", c->name, pv_errname(rc));
    v_fill_to(c, v->cap);
    rc = pv_vec_truncate(v, 3);
    cr_assert_eq(rc, 0, "%s: setup truncate: %s", c->name, pv_errname(rc));
    break;
  case VS_STALE:
    v_fill_to(c, 3);
    v_fill_to(c, v->cap);
    /* Fail each call of one growth in turn until one fails in a way the
     * growth survives: the release of the old guard page. */
    for (unsigned long n = 1; pv__store_inspect(v).stale == NULL; n++) {
      cr_assert_lt(n, 20, "%s: no growth leaves a stale guard", c->name);
      size_t len = v->len;
      pv__os_fault_set(n, PV_ENOMEM);
      rc = pv_vec_reserve(v, v->cap - v->len + 1);
      pv__os_fault_set(0, 0);
      cr_assert_eq(v->len, len, "%s: setup: reserve changed len", c->name);
    }
    v_fill_to(c, v->cap);
    break;
  case VS_HUGE_EDGE: {
    size_t h = pv_huge_page_size();
    rc = pv_vec_reserve_exact(v, (h - c->page) / v->elem_size);
    cr_assert_eq(rc, 0, "%s: setup reserve: %s", c->name, pv_errname(rc));
    v_fill_to(c, v->cap);
    break;
  }
  }
}

static void v_snap(void *vctx_) {
  vctx *c = vctx_;
  c->snap = c->v;
  memset(&c->snap_st, 0, sizeof c->snap_st); /* VS_NONE: v is junk */
  if (c->state != VS_NONE) c->snap_st = pv__store_inspect(&c->v);
  free(c->bytes);
  c->bytes = NULL;
  c->bytes_len = 0;
  c->perms[0] = 0;
  if (c->state == VS_NONE) return;
  pv_vec *v = &c->v;
  c->bytes_len = ebytes(v, v->len);
  c->bytes = malloc(c->bytes_len + 1);
  cr_assert_not_null(c->bytes, "malloc");
  memcpy(c->bytes, v->data == NULL ? c->bytes : v->data, c->bytes_len);
  if (pv__store_bytes(v) != 0) ru_perms(v->data, pv__store_bytes(v), c->perms);
}

/* The guard page, when asked for, sits right after the committed bytes. */
static void v_guard_ok(const vctx *c, const char *where) {
  const pv_vec *v = &c->v;
  if (!(c->opts.flags & PV_VEC_GUARD) || pv__store_bytes(v) == 0) return;
  char g[5];
  ru_perms((char *)v->data + pv__store_bytes(v), c->page, g);
  cr_assert_str_eq(g, "---p", "%s: no guard page after the data (%s)", where, g);
}

/*
 * A guard page that an earlier growth could not release is kept in the
 * private pv_stale.  A later growth releases it only after it succeeded
 * (a failed growth changes nothing); destroy releases it first thing, and
 * if destroy then fails the leftover page is gone but nothing the caller
 * can see changed (len, cap, data, bytes, protection): that is not a
 * change of the object, and it holds less address space, not more.  So
 * the comparison allows exactly that for destroy, and the sweep expects
 * the page's bytes to be released.
 */
static int vcall_destroy(vctx *c);

static long long v_released(void *vctx_) {
  vctx *c = vctx_;
  return c->call == vcall_destroy && c->snap_st.stale != NULL &&
                 pv__store_inspect(&c->v).stale == NULL
             ? (long long)pv_page_size()
             : 0;
}

static void v_same(void *vctx_, const char *where) {
  vctx *c = vctx_;
  pv_vec *v = &c->v;
  pv__store_info want_st = c->snap_st, now_st = c->snap_st;
  if (c->state != VS_NONE) now_st = pv__store_inspect(v);
  if (v_released(c) != 0) want_st.stale = NULL;
  cr_assert_eq(memcmp(&now_st, &want_st, sizeof now_st), 0,
               "%s: private state changed: bytes %zu->%zu reserved %zu->%zu "
               "stale %p->%p", where, c->snap_st.bytes, now_st.bytes,
               c->snap_st.reserved, now_st.reserved, c->snap_st.stale, now_st.stale);
  cr_assert_eq(memcmp(v, &c->snap, sizeof *v), 0,
               "%s: struct changed: data %p->%p len %zu->%zu cap %zu->%zu "
               "bytes %zu->%zu stale %p->%p",
               where, c->snap.data, v->data, c->snap.len, v->len, c->snap.cap,
               v->cap, pv__store_bytes(&c->snap), pv__store_bytes(v), c->snap_st.stale,
               pv__store_inspect(v).stale);
  if (c->state == VS_NONE) return;
  cr_assert_eq(memcmp(v->data == NULL ? c->bytes : v->data, c->bytes,
                      c->bytes_len),
               0, "%s: element bytes changed", where);
  if (pv__store_bytes(v) != 0) {
    char now[5];
    ru_perms(v->data, pv__store_bytes(v), now);
    cr_assert_str_eq(now, c->perms, "%s: data protection %s -> %s", where,
                     c->perms, now);
  }
  v_guard_ok(c, where);
}

/* Invariants of any vector after a successful operation. */
static void v_sane(vctx *c, const char *where) {
  pv_vec *v = &c->v;
  cr_assert_leq(v->len, v->cap, "%s: len %zu > cap %zu", where, v->len, v->cap);
  cr_assert_leq(ebytes(v, v->cap), pv__store_bytes(v), "%s: cap past committed bytes",
                where);
  /* Page-aligned once in pages; a small vector's block is malloc's. */
  bool small = pv__store_inspect(v).kind == PV__STORE_SMALL;
  cr_assert_eq((uintptr_t)v->data % (small ? _Alignof(max_align_t) : c->page), 0,
               "%s: data not aligned (%s)", where, small ? "small" : "pages");
  if (pv__store_bytes(v) != 0) {
    char now[5];
    ru_perms(v->data, pv__store_bytes(v), now);
    cr_assert_str_eq(now, pv_vec_frozen(v) ? "r--p" : "rw-p",
                     "%s: data protection %s", where, now);
  }
  if (c->opts.grow == PV_GROW_STABLE && c->state != VS_NONE && v->elem_size != 0)
    cr_assert_eq(v->data, c->snap.data, "%s: a STABLE vector moved", where);
  v_guard_ok(c, where);
}

/* The first `keep` elements are the old ones. */
static void v_kept(vctx *c, size_t keep, const char *where) {
  cr_assert_eq(memcmp(c->v.data, c->bytes, ebytes(&c->v, keep)), 0,
               "%s: old elements changed", where);
}

static void v_teardown(void *vctx_) {
  vctx *c = vctx_;
  int rc = pv_vec_destroy(&c->v);
  cr_assert_eq(rc, 0, "%s: teardown destroy: %s", c->name, pv_errname(rc));
  rc = pv_vec_destroy(&c->src);
  cr_assert_eq(rc, 0, "%s: teardown destroy src: %s", c->name, pv_errname(rc));
  free(c->bytes);
  c->bytes = NULL;
}

static int v_op(void *vctx_) {
  vctx *c = vctx_;
  return c->call(c);
}

static void v_ok(void *vctx_, const char *where) {
  vctx *c = vctx_;
  v_sane(c, where);
  c->model(c, where);
}

/* init ------------------------------------------------------------------ */
static int vcall_init(vctx *c) { return pv_vec_init_opts(&c->v, &c->opts); }
static void m_init(vctx *c, const char *where) {
  cr_assert_eq(c->v.len, 0, "%s: len", where);
  cr_assert_geq(c->v.cap, c->opts.initial_cap, "%s: cap %zu < initial %zu",
                where, c->v.cap, c->opts.initial_cap);
  cr_assert_eq(c->v.elem_size, c->opts.elem_size, "%s: elem_size", where);
  /* Fresh pages read as zero (malloc's small block need not). */
  if (pv__store_bytes(&c->v) != 0 && pv__store_inspect(&c->v).kind != PV__STORE_SMALL) {
    pv__asan_unpoison(c->v.data, pv__store_bytes(&c->v)); /* ASan: past len, on purpose */
    cr_assert(tu_all_zero(c->v.data, pv__store_bytes(&c->v)), "%s: not zero", where);
  }
}

/* destroy --------------------------------------------------------------- */
static int vcall_destroy(vctx *c) { return pv_vec_destroy(&c->v); }
static void m_destroy(vctx *c, const char *where) {
  pv_vec zero;
  memset(&zero, 0, sizeof zero);
  cr_assert_eq(memcmp(&c->v, &zero, sizeof zero), 0, "%s: not reset", where);
  if (c->snap_st.reserved != 0)
    cr_assert(ru_unmapped(c->snap.data, c->snap_st.reserved),
              "%s: still mapped", where);
}

/* push / push_slot / append / insert / resize --------------------------- */
static int vcall_push(vctx *c) { return pv_vec_push(&c->v, elems_src(c->v.elem_size)); }
static int vcall_push_slot(vctx *c) {
  void *slot = NULL;
  int rc = pv_vec_push_slot(&c->v, &slot);
  if (rc == 0) memcpy(slot, elems_src(c->v.elem_size), c->v.elem_size);
  return rc;
}
static int vcall_append(vctx *c) {
  return pv_vec_append(&c->v, elems_src(ebytes(&c->v, c->a)), c->a);
}
static void m_appended(vctx *c, const char *where) {
  size_t old = c->snap.len;
  cr_assert_eq(c->v.len, old + c->a, "%s: len %zu, want %zu", where, c->v.len,
               old + c->a);
  v_kept(c, old, where);
  cr_assert_eq(memcmp((char *)c->v.data + c->bytes_len, elems_src(ebytes(&c->v, c->a)),
                      ebytes(&c->v, c->a)),
               0, "%s: appended elements wrong", where);
}
static int vcall_insert0(vctx *c) {
  return pv_vec_insert(&c->v, 0, elems_src(ebytes(&c->v, c->a)), c->a);
}
static void m_inserted0(vctx *c, const char *where) {
  size_t n = ebytes(&c->v, c->a);
  cr_assert_eq(c->v.len, c->snap.len + c->a, "%s: len", where);
  cr_assert_eq(memcmp(c->v.data, elems_src(n), n), 0, "%s: inserted wrong", where);
  cr_assert_eq(memcmp((char *)c->v.data + n, c->bytes, c->bytes_len), 0,
               "%s: old elements not moved up intact", where);
}
/* Grows by a elements (the tail reads as zero). */
static int vcall_resize(vctx *c) {
  return pv_vec_resize(&c->v, c->v.len + c->a, NULL);
}
static void m_resized(vctx *c, const char *where) {
  cr_assert_eq(c->v.len, c->snap.len + c->a, "%s: len", where);
  v_kept(c, c->snap.len, where);
  cr_assert(tu_all_zero((char *)c->v.data + c->bytes_len, ebytes(&c->v, c->a)),
            "%s: new elements not zero", where);
}

/* reserve / reserve_exact / shrink_to_fit / trim ------------------------ */
static int vcall_reserve(vctx *c) { return pv_vec_reserve(&c->v, c->a); }
static int vcall_reserve_exact(vctx *c) { return pv_vec_reserve_exact(&c->v, c->a); }
static void m_reserved(vctx *c, const char *where) {
  cr_assert_eq(c->v.len, c->snap.len, "%s: len changed", where);
  cr_assert_geq(c->v.cap - c->v.len, c->a, "%s: room %zu < %zu", where,
                c->v.cap - c->v.len, c->a);
  v_kept(c, c->snap.len, where);
}
static int vcall_shrink(vctx *c) { return pv_vec_shrink_to_fit(&c->v); }
static void m_shrunk(vctx *c, const char *where) {
  cr_assert_eq(c->v.len, c->snap.len, "%s: len changed", where);
  size_t want = (c->bytes_len + c->page - 1) / c->page * c->page;
  /* Whole huge pages while the vector asks for them (vec.h), never more
   * than it held. */
  const pv__os_caps *caps = pv__os_caps_get();
  size_t h = caps->huge_page_size;
  if (caps->thp && h > caps->alloc_granularity && !(c->opts.flags & PV_VEC_NO_HUGE) &&
      ((c->opts.flags & PV_VEC_HUGE) || want >= h))
    want = (want + h - 1) / h * h;
  if (want > c->snap_st.bytes) want = c->snap_st.bytes;
  /* A small vector's block is exactly its elements. */
  if (c->snap_st.kind == PV__STORE_SMALL) want = c->bytes_len;
  cr_assert_eq(pv__store_bytes(&c->v), want, "%s: %zu bytes committed, want %zu", where,
               pv__store_bytes(&c->v), want);
  v_kept(c, c->snap.len, where);
}
static int vcall_trim(vctx *c) { return pv_vec_trim(&c->v); }
static void m_same_elems(vctx *c, const char *where) {
  cr_assert_eq(c->v.len, c->snap.len, "%s: len changed", where);
  cr_assert_eq(c->v.cap, c->snap.cap, "%s: cap changed", where);
  cr_assert_eq(c->v.data, c->snap.data, "%s: data moved", where);
  v_kept(c, c->snap.len, where);
}

/* copy ------------------------------------------------------------------ */
static int vcall_copy(vctx *c) { return pv_vec_copy(&c->v, &c->src); }
/* The source of pv_vec_copy, made by setup (not under the fault). */
static void make_copy_src(vctx *c) {
  pv_vec_opts o = {.elem_size = c->opts.elem_size};
  int rc = pv_vec_init_opts(&c->src, &o);
  cr_assert_eq(rc, 0, "%s: source init: %s", c->name, pv_errname(rc));
  rc = pv_vec_append(&c->src, elems_src(ebytes(&c->src, c->a)), c->a);
  cr_assert_eq(rc, 0, "%s: source append: %s", c->name, pv_errname(rc));
}
static void m_copied(vctx *c, const char *where) {
  cr_assert(pv_vec_equal(&c->v, &c->src), "%s: copy differs from source", where);
}

/* freeze / thaw / advise / resident ------------------------------------- */
static int vcall_freeze(vctx *c) { return pv_vec_freeze(&c->v); }
static void m_frozen(vctx *c, const char *where) {
  cr_assert(pv_vec_frozen(&c->v), "%s: not frozen", where);
  if (c->snap_st.kind == PV__STORE_SMALL) {
    /* A small vector moves into read-only pages of at least its capacity. */
    cr_assert_eq(c->v.len, c->snap.len, "%s: len changed", where);
    cr_assert_geq(c->v.cap, c->snap.cap, "%s: cap lowered", where);
    cr_assert_neq(pv__store_inspect(&c->v).kind, PV__STORE_SMALL, "%s: not in pages",
                  where);
    v_kept(c, c->snap.len, where);
    return;
  }
  m_same_elems(c, where);
}
static int vcall_thaw(vctx *c) { return pv_vec_thaw(&c->v); }
static void m_thawed(vctx *c, const char *where) {
  cr_assert(!pv_vec_frozen(&c->v), "%s: still frozen", where);
  m_same_elems(c, where);
}
static int vcall_advise(vctx *c) {
  return pv_vec_advise(&c->v, (pv_advice)c->a);
}
static int vcall_resident(vctx *c) {
  size_t bytes = SIZE_MAX;
  int rc = pv_vec_resident(&c->v, &bytes);
  if (rc == 0)
    cr_assert_leq(bytes, pv__store_bytes(&c->v), "%s: %zu resident of %zu", c->name,
                  bytes, pv__store_bytes(&c->v));
  return rc;
}

typedef struct vop {
  const char *name;
  enum vstate state;
  int (*call)(vctx *);
  void (*model)(vctx *, const char *);
  size_t a;
  bool prot; /* a protection change: EACCES is a kernel answer too */
} vop;

/* `a` values are element counts; big ones are scaled in run_vop. */
#define A_GROW ((size_t)-1) /* "enough to grow past the current capacity" */

static const vop vops[] = {
    {"init", VS_NONE, vcall_init, m_init, 0, false},
    {"destroy empty", VS_EMPTY, vcall_destroy, m_destroy, 0, false},
    {"destroy full", VS_FULL, vcall_destroy, m_destroy, 0, false},
    {"destroy frozen", VS_FROZEN, vcall_destroy, m_destroy, 0, false},
    {"push first", VS_EMPTY, vcall_push, m_appended, 1, false},
    {"push growing", VS_FULL, vcall_push, m_appended, 1, false},
    {"push_slot growing", VS_FULL, vcall_push_slot, m_appended, 1, false},
    {"append growing", VS_FULL, vcall_append, m_appended, A_GROW, false},
    {"append huge edge", VS_HUGE_EDGE, vcall_append, m_appended, A_GROW, false},
    {"insert growing", VS_FULL, vcall_insert0, m_inserted0, A_GROW, false},
    {"resize growing", VS_FULL, vcall_resize, m_resized, A_GROW, false},
    {"reserve", VS_FULL, vcall_reserve, m_reserved, A_GROW, false},
    {"reserve empty", VS_EMPTY, vcall_reserve, m_reserved, A_GROW, false},
    {"reserve_exact", VS_FULL, vcall_reserve_exact, m_reserved, A_GROW, false},
    {"reserve across huge", VS_HUGE_EDGE, vcall_reserve, m_reserved, A_GROW, false},
    {"shrink_to_fit", VS_SLACK, vcall_shrink, m_shrunk, 0, false},
    {"trim", VS_SLACK, vcall_trim, m_same_elems, 0, false},
    {"copy into empty", VS_EMPTY, vcall_copy, m_copied, A_GROW, false},
    {"copy growing", VS_FULL, vcall_copy, m_copied, A_GROW, false},
    {"freeze", VS_FULL, vcall_freeze, m_frozen, 0, true},
    {"thaw", VS_FROZEN, vcall_thaw, m_thawed, 0, true},
    {"advise willneed", VS_FULL, vcall_advise, m_same_elems, PV_ADVISE_WILLNEED, false},
    {"advise random", VS_FULL, vcall_advise, m_same_elems, PV_ADVISE_RANDOM, false},
    {"resident", VS_FULL, vcall_resident, m_same_elems, 0, false},
    {"push with a stale guard", VS_STALE, vcall_push, m_appended, 1, false},
    {"reserve with a stale guard", VS_STALE, vcall_reserve, m_reserved, A_GROW, false},
    {"shrink with a stale guard", VS_STALE, vcall_shrink, m_shrunk, 0, false},
    {"destroy with a stale guard", VS_STALE, vcall_destroy, m_destroy, 0, false},
};

typedef struct vmode {
  const char *name;
  pv_grow grow;
  unsigned flags;
  size_t elem_size;
  size_t initial_cap; /* for init */
} vmode;

/* Runs every operation of vops in one mode; returns the fault points. */
static unsigned long run_mode(const vmode *m) {
  const sweep_ops o = {v_setup, v_snap, v_same, v_op, v_ok, v_teardown,
                       v_released};
  unsigned long total = 0;
  const size_t page = pv_page_size();
  for (size_t i = 0; i < sizeof vops / sizeof vops[0]; i++) {
    const vop *op = &vops[i];
    if (op->state == VS_HUGE_EDGE && pv_huge_page_size() == 0) continue;
    if (op->state == VS_STALE &&
        (!(m->flags & PV_VEC_GUARD) || !pv__os_caps_get()->can_remap ||
         (m->grow != PV_GROW_REMAP && m->grow != PV_GROW_DEFAULT)))
      continue;
    vctx c;
    memset(&c, 0, sizeof c);
    char name[128];
    snprintf(name, sizeof name, "%s: %s", m->name, op->name);
    c.name = name;
    c.opts.elem_size = m->elem_size;
    c.opts.grow = m->grow;
    c.opts.flags = m->flags;
    c.opts.initial_cap = op->state == VS_NONE ? m->initial_cap : 0;
    c.opts.max_len = m->grow == PV_GROW_STABLE ? (64 << 20) / m->elem_size : 0;
    c.state = op->state;
    c.call = op->call;
    c.model = op->model;
    /* Growth past the capacity: two pages' worth more than a full
     * vector of one huge page, whatever the setup left. */
    c.a = op->a == A_GROW ? (pv_huge_page_size() + 2 * page) / m->elem_size / 2 + 1
                          : op->a;
    unsigned long before = total;
    sweep_result r = sweep(name, &o, &c, PV_ENOMEM);
    total += r.points;
    if (op->prot) {
      r = sweep(name, &o, &c, PV_EACCES);
      total += r.points;
    }
    (void)before;
  }
  return total;
}

/* One test per mode, so that a failure in one does not hide the others. */
#define MODE_TEST(suite, id, grow, flags, es)                                  \
  Test(suite, id) {                                                            \
    const vmode m = {#suite " " #id, grow, flags, es, 1000};                   \
    unsigned long points = run_mode(&m);                                       \
    cr_assert_gt(points, 0, "%s: no fault point reached", m.name);             \
  }

#define G PV_VEC_GUARD
#define H PV_VEC_HUGE
MODE_TEST(fault_remap, plain, PV_GROW_REMAP, 0, 8)
MODE_TEST(fault_remap, odd_size, PV_GROW_REMAP, 0, 24)
MODE_TEST(fault_remap, guard, PV_GROW_REMAP, G, 8)
MODE_TEST(fault_remap, huge, PV_GROW_REMAP, H, 8)
MODE_TEST(fault_remap, no_huge, PV_GROW_REMAP, PV_VEC_NO_HUGE, 8)
MODE_TEST(fault_remap, guard_huge, PV_GROW_REMAP, G | H, 8)
MODE_TEST(fault_remap, move_on_grow, PV_GROW_REMAP, PV_VEC_MOVE_ON_GROW, 8)
MODE_TEST(fault_remap, guard_move_on_grow, PV_GROW_REMAP, G | PV_VEC_MOVE_ON_GROW, 8)
MODE_TEST(fault_stable, plain, PV_GROW_STABLE, 0, 8)
MODE_TEST(fault_stable, odd_size, PV_GROW_STABLE, 0, 24)
MODE_TEST(fault_stable, guard, PV_GROW_STABLE, G, 8)
MODE_TEST(fault_stable, huge, PV_GROW_STABLE, H, 8)
MODE_TEST(fault_stable, guard_huge, PV_GROW_STABLE, G | H, 8)
MODE_TEST(fault_copy, plain, PV_GROW_COPY, 0, 8)
MODE_TEST(fault_copy, odd_size, PV_GROW_COPY, 0, 24)
MODE_TEST(fault_copy, guard, PV_GROW_COPY, G, 8)
MODE_TEST(fault_copy, huge, PV_GROW_COPY, H, 8)
MODE_TEST(fault_copy, guard_huge, PV_GROW_COPY, G | H, 8)
MODE_TEST(fault_default, plain, PV_GROW_DEFAULT, 0, 8)
MODE_TEST(fault_default, guard, PV_GROW_DEFAULT, G, 8)

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

#include "os.h"
#include "paged_vec.h"
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
    cr_assert_eq(live_after, live,
                 "%s: address space held went from %lld to %lld bytes", where,
                 live, live_after);
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
  if (c->bytes != NULL) {
    size_t keep = want < c->snap.len ? want : c->snap.len;
    cr_assert_eq(memcmp(c->p.addr, c->bytes, keep), 0,
                 "%s: kept bytes changed", where);
    cr_assert(tu_all_zero((char *)c->p.addr + keep, want - keep),
              "%s: grown bytes not zero", where);
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
  const sweep_ops o = {p_setup, p_snap, p_same, p_op, after_ok, p_teardown};
  c->page = pv_page_size();
  sweep_result r = sweep(c->name, &o, c, err);
  free(c->bytes);
  c->bytes = NULL;
  return r;
}

#define RW (PV_PROT_READ | PV_PROT_WRITE)

static void pages_map_case(const char *name, size_t len, unsigned prot,
                           unsigned flags) {
  pctx c = {.name = name, .call = call_map, .a = len, .u = prot, .flags = flags};
  sweep_result r = run_pages(&c, ok_map, PV_ENOMEM);
  cr_assert_geq(r.points, 1, "%s: no fault point reached", name);
}

Test(fault_pages, map) {
  size_t page = pv_page_size();
  pages_map_case("map rw", 3 * page, RW, 0);
  pages_map_case("map none", page, PV_PROT_NONE, 0);
  pages_map_case("map ro odd length", page + 1, PV_PROT_READ, 0);
  pages_map_case("map huge small", page, RW, PV_MAP_HUGE);
  if (pv_huge_page_size() != 0)
    pages_map_case("map huge aligned", 2 * pv_huge_page_size(), RW, PV_MAP_HUGE);
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
                    .prot = RW},
             ok_unmap, false);
  pages_case((pctx){.name = "unmap none", .call = call_unmap, .len = page,
                    .prot = PV_PROT_NONE},
             ok_unmap, false);
  if (pv_huge_page_size() != 0)
    pages_case((pctx){.name = "unmap huge", .call = call_unmap,
                      .len = pv_huge_page_size(), .prot = RW,
                      .flags = PV_MAP_HUGE},
               ok_unmap, false);
}

Test(fault_pages, protect) {
  size_t page = pv_page_size();
  static const struct { const char *name; unsigned from, to; } t[] = {
      {"protect rw->r", RW, PV_PROT_READ},
      {"protect r->rw", PV_PROT_READ, RW},
      {"protect rw->none", RW, PV_PROT_NONE},
      {"protect none->r", PV_PROT_NONE, PV_PROT_READ},
      {"protect r->r", PV_PROT_READ, PV_PROT_READ},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    pages_case((pctx){.name = t[i].name, .call = call_protect, .len = 4 * page,
                      .prot = t[i].from, .u = t[i].to},
               ok_protect, true);
  if (pv__os_caps_get()->can_exec) {
    pages_case((pctx){.name = "protect rw->rx", .call = call_protect,
                      .len = page, .prot = RW, .flags = PV_MAP_ALLOW_EXEC,
                      .u = PV_PROT_READ | PV_PROT_EXEC},
               ok_protect, true);
    pages_case((pctx){.name = "protect rw->rwx", .call = call_protect,
                      .len = page, .prot = RW, .flags = PV_MAP_ALLOW_WX,
                      .u = RW | PV_PROT_EXEC},
               ok_protect, true);
  }
}

Test(fault_pages, resize) {
  size_t page = pv_page_size(), huge = pv_huge_page_size();
  const bool remap = pv__os_caps_get()->can_remap;
  pages_case((pctx){.name = "resize grow", .call = call_resize, .len = page,
                    .prot = RW, .a = 3 * page},
             ok_resize, false);
  pages_case((pctx){.name = "resize grow odd", .call = call_resize, .len = page,
                    .prot = RW, .a = 5 * page - 3},
             ok_resize, false);
  pages_case((pctx){.name = "resize shrink", .call = call_resize,
                    .len = 4 * page, .prot = RW, .a = page},
             ok_resize, false);
  pages_case((pctx){.name = "resize grow moving", .call = call_resize,
                    .len = 2 * page, .prot = RW, .a = 6 * page,
                    .block_after = true},
             ok_resize, false);
  pages_case((pctx){.name = "resize grow read-only", .call = call_resize,
                    .len = page, .prot = PV_PROT_READ, .a = 2 * page,
                    .block_after = true},
             ok_resize, false);
  pages_case((pctx){.name = "resize shrink read-only", .call = call_resize,
                    .len = 3 * page, .prot = PV_PROT_READ, .a = page},
             ok_resize, false);
  if (remap)
    pages_case((pctx){.name = "resize grow none", .call = call_resize,
                      .len = page, .prot = PV_PROT_NONE, .a = 2 * page},
               ok_resize, false);
  pages_case((pctx){.name = "resize huge small grow", .call = call_resize,
                    .len = page, .prot = RW, .flags = PV_MAP_HUGE,
                    .a = 2 * page, .block_after = true},
             ok_resize, false);
  if (huge != 0) {
    pages_case((pctx){.name = "resize huge across the threshold",
                      .call = call_resize, .len = page, .prot = RW,
                      .flags = PV_MAP_HUGE, .a = 2 * huge},
               ok_resize, false);
    pages_case((pctx){.name = "resize huge grow moving", .call = call_resize,
                      .len = huge, .prot = RW, .flags = PV_MAP_HUGE,
                      .a = 2 * huge, .block_after = true},
               ok_resize, false);
    pages_case((pctx){.name = "resize huge shrink", .call = call_resize,
                      .len = 2 * huge, .prot = RW, .flags = PV_MAP_HUGE,
                      .a = huge},
               ok_resize, false);
  }
}

Test(fault_pages, decommit) {
  size_t page = pv_page_size();
  pages_case((pctx){.name = "decommit middle", .call = call_decommit,
                    .len = 4 * page, .prot = RW, .a = page, .b = 2 * page},
             ok_decommit, false);
  pages_case((pctx){.name = "decommit whole", .call = call_decommit,
                    .len = 2 * page, .prot = RW, .a = 0, .b = 2 * page},
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
                      .prot = RW, .a = page, .b = 2 * page, .u = t[i].a},
               ok_advise, false);
}

/*
 * tests/test_fault_pages.c - fault injection through the OS seam
 * (lib/os.h) into every fallible function of the page core.
 *
 * Each case is swept by tests/sweep.h: the 1st, 2nd, 3rd, ... OS call of
 * the operation fails in turn; after each failure the code is the injected
 * one, the mapping (struct, bytes, kernel protection) is unchanged and
 * nothing leaked, and the operation then succeeds with the result the
 * case's postcondition (ok_*) checks.  The container's sweep is
 * tests/test_fault_vec.c.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "os.h"
#include "paged_vec.h"
#include "sweep.h"
#include "testutil.h"

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
  pv_pages p;
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

/* The mapping, or (the map case) the junk struct alone. */
static void p_take(void *vctx, sw_snap *s) {
  pctx *c = vctx;
  if (c->len == 0) sw_take(s, &c->p, sizeof c->p, NULL, 0, NULL, 0);
  else sw_take_pages(s, &c->p);
}

/* Every sweep step ends with a successful operation, so p is either a live
 * mapping (map, protect, resize, ...) or reset (unmap): unmap it either way. */
static void p_teardown(void *vctx) {
  pctx *c = vctx;
  int rc = pv_pages_unmap(&c->p);
  cr_assert_eq(rc, 0, "%s: teardown unmap: %s", c->name, pv_errname(rc));
  if (c->blocker != NULL) munmap(c->blocker, c->page);
  c->blocker = NULL;
}

static int p_op(void *vctx) {
  pctx *c = vctx;
  return c->call(c);
}

/* map ------------------------------------------------------------------ */
static int call_map(pctx *c) { return pv_pages_map(&c->p, c->a, c->u, c->flags); }
static void ok_map(void *vctx, const sw_snap *before, const char *where) {
  pctx *c = vctx;
  (void)before; /* nothing was mapped */
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
static void ok_unmap(void *vctx, const sw_snap *before, const char *where) {
  pctx *c = vctx;
  cr_assert_null(c->p.addr, "%s: addr not reset", where);
  cr_assert_eq(c->p.len, 0, "%s: len not reset", where);
  cr_assert(ru_unmapped(before->was.p.addr, before->was.p.len), "%s: range still mapped",
            where);
}

/* protect -------------------------------------------------------------- */
static int call_protect(pctx *c) { return pv_pages_protect(&c->p, c->u); }
static void ok_protect(void *vctx, const sw_snap *before, const char *where) {
  pctx *c = vctx;
  char got[5], exp[5];
  ru_perms(c->p.addr, c->p.len, got);
  perms_of(c->u, exp);
  cr_assert_str_eq(got, exp, "%s: kernel protection", where);
  cr_assert_eq(c->p.addr, before->was.p.addr, "%s: protect moved the mapping", where);
  if ((c->u & PV_PROT_READ) && before->data != NULL)
    cr_assert_eq(memcmp(c->p.addr, before->bytes, c->p.len), 0,
                 "%s: bytes changed by protect", where);
}

/* resize --------------------------------------------------------------- */
static int call_resize(pctx *c) { return pv_pages_resize(&c->p, c->a); }
static void ok_resize(void *vctx, const sw_snap *before, const char *where) {
  pctx *c = vctx;
  size_t want = (c->a + c->page - 1) / c->page * c->page;
  cr_assert_eq(c->p.len, want, "%s: len %zu, want %zu", where, c->p.len, want);
  char got[5];
  ru_perms(c->p.addr, c->p.len, got);
  cr_assert_str_eq(got, before->perms, "%s: protection not kept", where);
  size_t keep = want < before->was.p.len ? want : before->was.p.len;
  if (before->data != NULL) {
    cr_assert_eq(memcmp(c->p.addr, before->bytes, keep), 0,
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
  if (c->blocker != NULL && want > before->was.p.len)
    cr_assert_neq(c->p.addr, before->was.p.addr, "%s: grew over a foreign page", where);
}

/* decommit ------------------------------------------------------------- */
static int call_decommit(pctx *c) { return pv_pages_decommit(&c->p, c->a, c->b); }
static void ok_decommit(void *vctx, const sw_snap *before, const char *where) {
  pctx *c = vctx;
  cr_assert_eq(memcmp(&c->p, &before->was.p, sizeof c->p), 0,
               "%s: decommit changed the struct", where);
  char got[5];
  ru_perms(c->p.addr, c->p.len, got);
  cr_assert_str_eq(got, before->perms, "%s: protection not kept", where);
  if (before->data == NULL) return;
  unsigned char *d = c->p.addr;
  cr_assert_eq(memcmp(d, before->bytes, c->a), 0, "%s: bytes before changed", where);
  size_t end = c->a + c->b;
  cr_assert_eq(memcmp(d + end, before->bytes + end, c->p.len - end), 0,
               "%s: bytes after changed", where);
  if (pv__os_caps_get()->decommit_zeroes)
    cr_assert(tu_all_zero(d + c->a, c->b), "%s: decommitted range not zero",
              where);
}

/* advise --------------------------------------------------------------- */
static int call_advise(pctx *c) {
  return pv_pages_advise(&c->p, c->a, c->b, (pv_advice)c->u);
}
static void ok_advise(void *vctx, const sw_snap *before, const char *where) {
  pctx *c = vctx;
  cr_assert_eq(memcmp(&c->p, &before->was.p, sizeof c->p), 0,
               "%s: advise changed the struct", where);
  if (before->data != NULL)
    cr_assert_eq(memcmp(c->p.addr, before->bytes, c->p.len), 0,
                 "%s: advise changed bytes", where);
}

static sw_result run_pages(pctx *c,
                           void (*after_ok)(void *, const sw_snap *, const char *),
                           int err) {
  const sw_ops o = {p_setup, p_take, p_op, after_ok, p_teardown, NULL};
  c->page = pv_page_size();
  return sw_sweep(c->name, &o, c, err);
}

static void pages_map_case(const char *name, size_t len, unsigned prot,
                           unsigned flags) {
  pctx c = {.name = name, .call = call_map, .a = len, .u = prot, .flags = flags};
  sw_result r = run_pages(&c, ok_map, PV_ENOMEM);
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

static void pages_case(pctx c, void (*after_ok)(void *, const sw_snap *, const char *),
                       bool also_eacces) {
  sw_result r = run_pages(&c, after_ok, PV_ENOMEM);
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
      {"advise pageout", PV_ADVISE_PAGEOUT},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    pages_case((pctx){.name = t[i].name, .call = call_advise, .len = 3 * page,
                      .prot = PV__PROT_RW, .a = page, .b = 2 * page, .u = t[i].a},
               ok_advise, false);
}

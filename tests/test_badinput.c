/*
 * tests/test_badinput.c - every kind of bad input to every public function:
 * NULL pointers, zero and SIZE_MAX lengths, overflowing sizes, indices and
 * ranges past the end, unknown bits, misaligned offsets, double unmap and
 * destroy, use after unmap/destroy.  Each case checks the code and that
 * nothing changed: the struct, every byte of the data, the protection the
 * kernel reports, the address space the library holds and the process's
 * mapping count.
 *
 * The cases are one table per layer (X-macros), so docs/reliability.md's
 * table can be regenerated from them: run the suite with PV_BADINPUT_TABLE=1
 * in the environment and each case prints its row.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "paged_vec.h"
#include "relutil.h"
#include "testutil.h"

#define RW (PV_PROT_READ | PV_PROT_WRITE)
#define RX (PV_PROT_READ | PV_PROT_EXEC)
#define RWX (RW | PV_PROT_EXEC)
/* Results of calls that return a pointer or a bool rather than a code. */
#define R_NULL 1001
#define R_FALSE 1002
#define R_TRUE 1003

static const char *res_name(int r) {
  switch (r) {
  case R_NULL: return "NULL";
  case R_FALSE: return "false";
  case R_TRUE: return "true";
  case 0: return "0 (no-op)";
  default: return pv_errname(r);
  }
}

/* The code an EXEC request gets: refused by W^X rules, or not built in. */
static int exec_refused(void) {
  return pv__os_caps_get()->can_exec ? PV_EACCES : PV_ENOTSUP;
}

static void table_row(const char *fn, const char *input, int want) {
  if (getenv("PV_BADINPUT_TABLE") != NULL)
    fprintf(stderr, "| `%s` | %s | %s |\n", fn, input, res_name(want));
}

/* ---- page core ---------------------------------------------------------- */

enum pfix {
  PF_GARBAGE, /* a struct full of junk (the output of a map) */
  PF_MAPPED,  /* 4 pages, read-write, patterned */
  PF_EXECOK,  /* 4 pages, read-write, made with PV_MAP_ALLOW_EXEC */
  PF_RO,      /* 4 pages, read-only */
  PF_RX,      /* 4 pages, read+exec (read-only where exec is compiled out) */
  PF_ZERO,    /* `pv_pages p = {0};` never mapped */
  PF_FREED    /* mapped, then pv_pages_unmap: use after unmap */
};

typedef struct pstate {
  pv_pages p, snap;
  unsigned char *bytes;
  char perms[5];
  long long live;
  size_t maps;
} pstate;

static void pfix_make(enum pfix f, pstate *s) {
  memset(&s->p, 0, sizeof s->p);
  s->bytes = NULL;
  int rc = 0;
  const size_t len = 4 * pv_page_size();
  switch (f) {
  case PF_GARBAGE: memset(&s->p, 0x5a, sizeof s->p); break;
  case PF_ZERO: break;
  case PF_MAPPED:
  case PF_RO:
  case PF_FREED:
    rc = pv_pages_map(&s->p, len, RW, 0);
    break;
  case PF_EXECOK:
  case PF_RX:
    if (pv__os_caps_get()->can_exec) rc = pv_pages_map(&s->p, len, RW, PV_MAP_ALLOW_EXEC);
    else rc = pv_pages_map(&s->p, len, RW, 0);
    break;
  }
  cr_assert_eq(rc, 0, "fixture map: %s", pv_errname(rc));
  if (s->p.addr != NULL && f != PF_GARBAGE) tu_fill(s->p.addr, s->p.len, 3);
  if (f == PF_RO || f == PF_RX) {
    rc = pv_pages_protect(&s->p, f == PF_RX && pv__os_caps_get()->can_exec
                                     ? RX : PV_PROT_READ);
    cr_assert_eq(rc, 0, "fixture protect: %s", pv_errname(rc));
  }
  if (f == PF_FREED) {
    rc = pv_pages_unmap(&s->p);
    cr_assert_eq(rc, 0, "fixture unmap: %s", pv_errname(rc));
  }
  s->snap = s->p;
  if (f != PF_GARBAGE && s->p.addr != NULL) {
    ru_perms(s->p.addr, s->p.len, s->perms);
    s->bytes = malloc(s->p.len);
    cr_assert_not_null(s->bytes, "malloc");
    memcpy(s->bytes, s->p.addr, s->p.len);
  }
  s->live = pv__os_live_bytes();
  s->maps = ru_maps_count();
}

static void pfix_same(pstate *s, const char *what) {
  size_t maps = ru_maps_count();
  cr_assert_eq(pv__os_live_bytes(), s->live, "%s: address space held changed",
               what);
  cr_assert_eq(maps, s->maps, "%s: mapping count %zu -> %zu", what, s->maps,
               maps);
  cr_assert_eq(memcmp(&s->p, &s->snap, sizeof s->p), 0, "%s: struct changed",
               what);
  if (s->bytes == NULL) return;
  char now[5];
  ru_perms(s->p.addr, s->p.len, now);
  cr_assert_str_eq(now, s->perms, "%s: protection changed", what);
  cr_assert_eq(memcmp(s->p.addr, s->bytes, s->p.len), 0, "%s: bytes changed",
               what);
}

static void pfix_free(pstate *s) {
  if (s->snap.addr != NULL && s->bytes != NULL) {
    int rc = pv_pages_unmap(&s->p);
    cr_assert_eq(rc, 0, "fixture teardown: %s", pv_errname(rc));
  }
  free(s->bytes);
}

/*
 * X(id, fixture, function, input, wanted result, call).  In `call`, p is
 * the fixture's pv_pages *, and pg the page size.
 */
#define PAGE_CASES(X)                                                          \
  X(map_null, PF_GARBAGE, "pv_pages_map", "p NULL", PV_EINVAL,                 \
    pv_pages_map(NULL, pg, RW, 0))                                             \
  X(map_len0, PF_GARBAGE, "pv_pages_map", "len 0", PV_EINVAL,                  \
    pv_pages_map(p, 0, RW, 0))                                                 \
  X(map_len_max, PF_GARBAGE, "pv_pages_map", "len SIZE_MAX", PV_EOVERFLOW,     \
    pv_pages_map(p, SIZE_MAX, RW, 0))                                          \
  X(map_len_round_over, PF_GARBAGE, "pv_pages_map",                            \
    "len that overflows when rounded up to a page", PV_EOVERFLOW,              \
    pv_pages_map(p, SIZE_MAX - pg + 2, RW, 0))                                 \
  X(map_len_huge, PF_GARBAGE, "pv_pages_map",                                  \
    "len SIZE_MAX/2 (the kernel refuses)", PV_ENOMEM,                          \
    pv_pages_map(p, SIZE_MAX / 2, RW, 0))                                      \
  X(map_prot_bit, PF_GARBAGE, "pv_pages_map", "unknown prot bit (1<<3)",       \
    PV_EINVAL, pv_pages_map(p, pg, RW | (1u << 3), 0))                         \
  X(map_prot_all, PF_GARBAGE, "pv_pages_map", "prot ~0u", PV_EINVAL,           \
    pv_pages_map(p, pg, ~0u, 0))                                               \
  X(map_flag_bit, PF_GARBAGE, "pv_pages_map", "unknown flag bit (1<<3)",       \
    PV_EINVAL, pv_pages_map(p, pg, RW, 1u << 3))                               \
  X(map_flag_all, PF_GARBAGE, "pv_pages_map", "flags ~0u", PV_EINVAL,          \
    pv_pages_map(p, pg, RW, ~0u))                                              \
  X(map_exec_noallow, PF_GARBAGE, "pv_pages_map",                              \
    "EXEC without PV_MAP_ALLOW_EXEC", exec_refused(),                          \
    pv_pages_map(p, pg, RX, 0))                                                \
  X(map_wx_noallow, PF_GARBAGE, "pv_pages_map",                                \
    "WRITE\\|EXEC with only PV_MAP_ALLOW_EXEC", exec_refused(),                \
    pv_pages_map(p, pg, RWX, PV_MAP_ALLOW_EXEC))                               \
  X(unmap_null, PF_GARBAGE, "pv_pages_unmap", "p NULL", PV_EINVAL,             \
    pv_pages_unmap(NULL))                                                      \
  X(unmap_zero, PF_ZERO, "pv_pages_unmap", "never mapped (`{0}`)", 0,          \
    pv_pages_unmap(p))                                                         \
  X(unmap_twice, PF_FREED, "pv_pages_unmap", "unmap twice", 0,                 \
    pv_pages_unmap(p))                                                         \
  X(protect_null, PF_GARBAGE, "pv_pages_protect", "p NULL", PV_EINVAL,         \
    pv_pages_protect(NULL, RW))                                                \
  X(protect_zero, PF_ZERO, "pv_pages_protect", "never mapped", PV_EINVAL,      \
    pv_pages_protect(p, PV_PROT_READ))                                         \
  X(protect_freed, PF_FREED, "pv_pages_protect", "after unmap", PV_EINVAL,     \
    pv_pages_protect(p, PV_PROT_READ))                                         \
  X(protect_bit, PF_MAPPED, "pv_pages_protect", "unknown prot bit (1<<3)",     \
    PV_EINVAL, pv_pages_protect(p, PV_PROT_READ | (1u << 3)))                  \
  X(protect_all, PF_MAPPED, "pv_pages_protect", "prot ~0u", PV_EINVAL,         \
    pv_pages_protect(p, ~0u))                                                  \
  X(protect_exec_noallow, PF_MAPPED, "pv_pages_protect",                       \
    "EXEC on a mapping without PV_MAP_ALLOW_EXEC", exec_refused(),             \
    pv_pages_protect(p, RX))                                                   \
  X(protect_wx_noallow, PF_EXECOK, "pv_pages_protect",                         \
    "WRITE\\|EXEC on a mapping without PV_MAP_ALLOW_WX", exec_refused(),       \
    pv_pages_protect(p, RWX))                                                  \
  X(resize_null, PF_GARBAGE, "pv_pages_resize", "p NULL", PV_EINVAL,           \
    pv_pages_resize(NULL, pg))                                                 \
  X(resize_zero, PF_ZERO, "pv_pages_resize", "never mapped", PV_EINVAL,        \
    pv_pages_resize(p, pg))                                                    \
  X(resize_freed, PF_FREED, "pv_pages_resize", "after unmap", PV_EINVAL,       \
    pv_pages_resize(p, pg))                                                    \
  X(resize_len0, PF_MAPPED, "pv_pages_resize", "new_len 0", PV_EINVAL,         \
    pv_pages_resize(p, 0))                                                     \
  X(resize_len_max, PF_MAPPED, "pv_pages_resize", "new_len SIZE_MAX",          \
    PV_EOVERFLOW, pv_pages_resize(p, SIZE_MAX))                                \
  X(resize_round_over, PF_MAPPED, "pv_pages_resize",                           \
    "new_len that overflows when rounded up", PV_EOVERFLOW,                    \
    pv_pages_resize(p, SIZE_MAX - pg + 2))                                     \
  X(resize_huge, PF_MAPPED, "pv_pages_resize",                                 \
    "new_len SIZE_MAX/2 (the kernel refuses)", PV_ENOMEM,                      \
    pv_pages_resize(p, SIZE_MAX / 2))                                          \
  X(decommit_null, PF_GARBAGE, "pv_pages_decommit", "p NULL", PV_EINVAL,       \
    pv_pages_decommit(NULL, 0, pg))                                            \
  X(decommit_zero, PF_ZERO, "pv_pages_decommit", "never mapped", PV_EINVAL,    \
    pv_pages_decommit(p, 0, pg))                                               \
  X(decommit_freed, PF_FREED, "pv_pages_decommit", "after unmap", PV_EINVAL,   \
    pv_pages_decommit(p, 0, pg))                                               \
  X(decommit_len0, PF_MAPPED, "pv_pages_decommit", "len 0", PV_EINVAL,         \
    pv_pages_decommit(p, 0, 0))                                                \
  X(decommit_off1, PF_MAPPED, "pv_pages_decommit", "off 1 (not page-aligned)", \
    PV_EINVAL, pv_pages_decommit(p, 1, pg))                                    \
  X(decommit_offpm1, PF_MAPPED, "pv_pages_decommit", "off page-1",             \
    PV_EINVAL, pv_pages_decommit(p, pg - 1, pg))                               \
  X(decommit_offmax, PF_MAPPED, "pv_pages_decommit", "off SIZE_MAX",           \
    PV_EINVAL, pv_pages_decommit(p, SIZE_MAX, pg))                             \
  X(decommit_off_end, PF_MAPPED, "pv_pages_decommit", "off == p->len",         \
    PV_ERANGE, pv_pages_decommit(p, p->len, pg))                               \
  X(decommit_off_far, PF_MAPPED, "pv_pages_decommit",                          \
    "off aligned, far past the end", PV_ERANGE,                                \
    pv_pages_decommit(p, SIZE_MAX / pg * pg, pg))                              \
  X(decommit_past_end, PF_MAPPED, "pv_pages_decommit",                         \
    "range runs one page past the end", PV_ERANGE,                             \
    pv_pages_decommit(p, pg, p->len))                                          \
  X(decommit_len_max, PF_MAPPED, "pv_pages_decommit", "len SIZE_MAX",          \
    PV_ERANGE, pv_pages_decommit(p, 0, SIZE_MAX))                              \
  X(decommit_wrap, PF_MAPPED, "pv_pages_decommit",                             \
    "off + len wraps around SIZE_MAX", PV_ERANGE,                              \
    pv_pages_decommit(p, pg, SIZE_MAX - pg + 1))                               \
  X(advise_null, PF_GARBAGE, "pv_pages_advise", "p NULL", PV_EINVAL,           \
    pv_pages_advise(NULL, 0, pg, PV_ADVISE_NORMAL))                            \
  X(advise_zero, PF_ZERO, "pv_pages_advise", "never mapped", PV_EINVAL,        \
    pv_pages_advise(p, 0, pg, PV_ADVISE_NORMAL))                               \
  X(advise_freed, PF_FREED, "pv_pages_advise", "after unmap", PV_EINVAL,       \
    pv_pages_advise(p, 0, pg, PV_ADVISE_NORMAL))                               \
  X(advise_unknown, PF_MAPPED, "pv_pages_advise", "advice 99", PV_EINVAL,      \
    pv_pages_advise(p, 0, pg, (pv_advice)99))                                  \
  X(advise_negative, PF_MAPPED, "pv_pages_advise", "advice -1", PV_EINVAL,     \
    pv_pages_advise(p, 0, pg, (pv_advice)-1))                                  \
  X(advise_len0, PF_MAPPED, "pv_pages_advise", "len 0", PV_EINVAL,             \
    pv_pages_advise(p, 0, 0, PV_ADVISE_RANDOM))                                \
  X(advise_off1, PF_MAPPED, "pv_pages_advise", "off 1 (not page-aligned)",     \
    PV_EINVAL, pv_pages_advise(p, 1, pg, PV_ADVISE_RANDOM))                    \
  X(advise_off_end, PF_MAPPED, "pv_pages_advise", "off == p->len", PV_ERANGE,  \
    pv_pages_advise(p, p->len, pg, PV_ADVISE_RANDOM))                          \
  X(advise_past_end, PF_MAPPED, "pv_pages_advise",                             \
    "range runs one page past the end", PV_ERANGE,                             \
    pv_pages_advise(p, pg, p->len, PV_ADVISE_WILLNEED))                        \
  X(advise_len_max, PF_MAPPED, "pv_pages_advise", "len SIZE_MAX", PV_ERANGE,   \
    pv_pages_advise(p, 0, SIZE_MAX, PV_ADVISE_WILLNEED))                       \
  X(advise_wrap, PF_MAPPED, "pv_pages_advise",                                 \
    "off + len wraps around SIZE_MAX", PV_ERANGE,                              \
    pv_pages_advise(p, pg, SIZE_MAX - pg + 1, PV_ADVISE_SEQUENTIAL))           \
  X(fn_null, PF_GARBAGE, "pv_pages_fn", "p NULL", R_NULL,                      \
    pv_pages_fn(NULL, 0) == NULL ? R_NULL : 0)                                 \
  X(fn_zero, PF_ZERO, "pv_pages_fn", "never mapped", R_NULL,                   \
    pv_pages_fn(p, 0) == NULL ? R_NULL : 0)                                    \
  X(fn_freed, PF_FREED, "pv_pages_fn", "after unmap", R_NULL,                  \
    pv_pages_fn(p, 0) == NULL ? R_NULL : 0)                                    \
  X(fn_not_exec, PF_MAPPED, "pv_pages_fn", "pages not executable", R_NULL,     \
    pv_pages_fn(p, 0) == NULL ? R_NULL : 0)                                    \
  X(fn_off_end, PF_RX, "pv_pages_fn", "off == p->len", R_NULL,                 \
    pv_pages_fn(p, p->len) == NULL ? R_NULL : 0)                                \
  X(fn_off_max, PF_RX, "pv_pages_fn", "off SIZE_MAX", R_NULL,                   \
    pv_pages_fn(p, SIZE_MAX) == NULL ? R_NULL : 0)

#define PAGE_CASE_TEST(id, fix, fn, input, want, call)                        \
  Test(bad_pages, id) {                                                        \
    pstate s;                                                                  \
    const size_t pg = pv_page_size();                                          \
    (void)pg;                                                                  \
    pfix_make(fix, &s);                                                        \
    pv_pages *p = &s.p;                                                        \
    (void)p;                                                                   \
    const int want_ = (want);                                                  \
    const int rc = (call);                                                     \
    cr_assert_eq(rc, want_, "%s(%s): got %s, want %s", fn, input,              \
                 res_name(rc), res_name(want_));                               \
    pfix_same(&s, fn);                                                         \
    pfix_free(&s);                                                             \
    table_row(fn, input, want_);                                               \
  }
PAGE_CASES(PAGE_CASE_TEST)

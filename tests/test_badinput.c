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
#include "sweep.h"
#include "testutil.h"

#define RX (PV_PROT_READ | PV_PROT_EXEC)
/* Results of calls that return a pointer or a bool rather than a code. */
#define R_NULL 1001
#define R_FALSE 1002
#define R_TRUE 1003
#define R_ZERO 1004 /* a size_t 0 from the field getters */
#define R_SKIP_ 1005 /* the case does not apply to this build */

static const char *res_name(int r) {
  switch (r) {
  case R_NULL: return "NULL";
  case R_FALSE: return "false";
  case R_TRUE: return "true";
  case R_ZERO: return "0";
  case 0: return "0 (no-op)";
  default: return pv_errname(r);
  }
}

/* The code an EXEC request gets: refused by W^X rules, or not built in. */
static int exec_refused(void) {
  return pv__os_caps_get()->can_exec ? PV_EACCES : PV_ENOTSUP;
}

/* A size no kernel maps: Linux says ENOMEM (PV_ENOMEM); valgrind, which
 * runs the program inside its own address-space manager, answers such an
 * mmap with EINVAL before the kernel sees it. */
static int kernel_refuses(void) {
  return ru_under_valgrind() ? PV_EINVAL : PV_ENOMEM;
}

/* The same for a resize: with mremap the page core reports the kernel's
 * (or valgrind's) EINVAL for a huge length as PV_ENOMEM; without it, the
 * resize maps a new range and gets the same answer as a map. */
static int resize_refused(void) {
  return pv__os_caps_get()->can_remap ? PV_ENOMEM : kernel_refuses();
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
    rc = pv_pages_map(&s->p, len, PV__PROT_RW, 0);
    break;
  case PF_EXECOK:
  case PF_RX:
    if (pv__os_caps_get()->can_exec) rc = pv_pages_map(&s->p, len, PV__PROT_RW, PV_MAP_ALLOW_EXEC);
    else rc = pv_pages_map(&s->p, len, PV__PROT_RW, 0);
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
  if (!ru_under_valgrind())
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
    pv_pages_map(NULL, pg, PV__PROT_RW, 0))                                             \
  X(map_len0, PF_GARBAGE, "pv_pages_map", "len 0", PV_EINVAL,                  \
    pv_pages_map(p, 0, PV__PROT_RW, 0))                                                 \
  X(map_len_max, PF_GARBAGE, "pv_pages_map", "len SIZE_MAX", PV_EOVERFLOW,     \
    pv_pages_map(p, SIZE_MAX, PV__PROT_RW, 0))                                          \
  X(map_len_round_over, PF_GARBAGE, "pv_pages_map",                            \
    "len that overflows when rounded up to a page", PV_EOVERFLOW,              \
    pv_pages_map(p, SIZE_MAX - pg + 2, PV__PROT_RW, 0))                                 \
  X(map_len_huge, PF_GARBAGE, "pv_pages_map",                                  \
    "len SIZE_MAX/2 (the kernel refuses)", kernel_refuses(),                   \
    pv_pages_map(p, SIZE_MAX / 2, PV__PROT_RW, 0))                                      \
  X(map_prot_bit, PF_GARBAGE, "pv_pages_map", "unknown prot bit (1<<3)",       \
    PV_EINVAL, pv_pages_map(p, pg, PV__PROT_RW | (1u << 3), 0))                         \
  X(map_prot_all, PF_GARBAGE, "pv_pages_map", "prot ~0u", PV_EINVAL,           \
    pv_pages_map(p, pg, ~0u, 0))                                               \
  X(map_flag_bit, PF_GARBAGE, "pv_pages_map", "unknown flag bit (1<<3)",       \
    PV_EINVAL, pv_pages_map(p, pg, PV__PROT_RW, 1u << 3))                               \
  X(map_flag_all, PF_GARBAGE, "pv_pages_map", "flags ~0u", PV_EINVAL,          \
    pv_pages_map(p, pg, PV__PROT_RW, ~0u))                                              \
  X(map_exec_noallow, PF_GARBAGE, "pv_pages_map",                              \
    "EXEC without PV_MAP_ALLOW_EXEC", exec_refused(),                          \
    pv_pages_map(p, pg, RX, 0))                                                \
  X(map_wx_noallow, PF_GARBAGE, "pv_pages_map",                                \
    "WRITE\\|EXEC with only PV_MAP_ALLOW_EXEC", exec_refused(),                \
    pv_pages_map(p, pg, PV__PROT_ALL, PV_MAP_ALLOW_EXEC))                               \
  X(unmap_null, PF_GARBAGE, "pv_pages_unmap", "p NULL", PV_EINVAL,             \
    pv_pages_unmap(NULL))                                                      \
  X(unmap_zero, PF_ZERO, "pv_pages_unmap", "never mapped (`{0}`)", 0,          \
    pv_pages_unmap(p))                                                         \
  X(unmap_twice, PF_FREED, "pv_pages_unmap", "unmap twice", 0,                 \
    pv_pages_unmap(p))                                                         \
  X(protect_null, PF_GARBAGE, "pv_pages_protect", "p NULL", PV_EINVAL,         \
    pv_pages_protect(NULL, PV__PROT_RW))                                                \
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
    pv_pages_protect(p, PV__PROT_ALL))                                                  \
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
    "new_len SIZE_MAX/2 (the kernel refuses)", resize_refused(), \
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
  static void pcase_##id(void) {                                               \
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

/* ---- container ---------------------------------------------------------- */


enum vfix {
  VF_GARBAGE,   /* junk: the output of init */
  VF_ZERO,      /* `pv_vec v = {0};` never initialised */
  VF_DESTROYED, /* initialised, used, destroyed: use after destroy */
  VF_EMPTY,     /* initialised, nothing pushed */
  VF_VEC,       /* 10 elements of 8 bytes, default growth */
  VF_FROZEN,    /* VF_VEC, frozen */
  VF_STABLE     /* STABLE with max_len 10, full */
};

enum { FIX_LEN = 10, ES = 8, W_ES = 4, U_LEN = 30 };

typedef struct vstate {
  pv_vec v, w, u;     /* under test; elem_size 4; elem_size 8 with 30 elems */
  sw_snap sv, sw, su; /* their snapshots (tests/sweep.h) */
} vstate;

static void mkvec(pv_vec *v, const pv_vec_opts *o, size_t n, unsigned seed) {
  int rc = pv_vec_init_opts(v, o);
  cr_assert_eq(rc, 0, "fixture init: %s", pv_errname(rc));
  rc = pv_vec_resize(v, n, NULL);
  cr_assert_eq(rc, 0, "fixture resize: %s", pv_errname(rc));
  tu_fill(v->data, n * v->elem_size, seed);
}

static void vfix_make(enum vfix f, vstate *s) {
  memset(s, 0, sizeof *s);
  mkvec(&s->w, &(pv_vec_opts){.elem_size = W_ES}, 2, 21);
  mkvec(&s->u, &(pv_vec_opts){.elem_size = ES}, U_LEN, 22);
  int rc;
  switch (f) {
  case VF_GARBAGE: memset(&s->v, 0x5a, sizeof s->v); break;
  case VF_ZERO: break;
  case VF_DESTROYED:
    mkvec(&s->v, &(pv_vec_opts){.elem_size = ES}, FIX_LEN, 23);
    rc = pv_vec_destroy(&s->v);
    cr_assert_eq(rc, 0, "fixture destroy: %s", pv_errname(rc));
    break;
  case VF_EMPTY:
    rc = pv_vec_init(&s->v, ES);
    cr_assert_eq(rc, 0, "fixture init: %s", pv_errname(rc));
    break;
  case VF_VEC:
  case VF_FROZEN:
    mkvec(&s->v, &(pv_vec_opts){.elem_size = ES}, FIX_LEN, 24);
    if (f == VF_FROZEN) {
      rc = pv_vec_freeze(&s->v);
      cr_assert_eq(rc, 0, "fixture freeze: %s", pv_errname(rc));
    }
    break;
  case VF_STABLE:
    mkvec(&s->v,
          &(pv_vec_opts){.elem_size = ES, .grow = PV_GROW_STABLE, .max_len = FIX_LEN},
          FIX_LEN, 25);
    break;
  }
  /* junk has no bytes or pages to look at: its struct alone */
  if (f == VF_GARBAGE) sw_take(&s->sv, &s->v, sizeof s->v, NULL, 0, NULL, 0);
  else sw_take_vec(&s->sv, &s->v);
  sw_take_vec(&s->sw, &s->w);
  sw_take_vec(&s->su, &s->u);
}

/* Nothing leaked, and none of the three vectors changed. */
static void vfix_same(vstate *s, const char *what) {
  char where[160];
  sw_assert_no_leak(&s->sv, what);
  snprintf(where, sizeof where, "%s: the vector", what);
  sw_assert_same(&s->sv, where);
  snprintf(where, sizeof where, "%s: the other vector", what);
  sw_assert_same(&s->sw, where);
  snprintf(where, sizeof where, "%s: the third vector", what);
  sw_assert_same(&s->su, where);
}

static void vfix_free(vstate *s, enum vfix f) {
  if (f != VF_GARBAGE) {
    int rc = pv_vec_destroy(&s->v);
    cr_assert_eq(rc, 0, "teardown: %s", pv_errname(rc));
  }
  pv_vec_destroy(&s->w);
  pv_vec_destroy(&s->u);
  sw_drop(&s->sv);
  sw_drop(&s->sw);
  sw_drop(&s->su);
}

static int cmp8(const void *a, const void *b) { return memcmp(a, b, ES); }

/*
 * X(id, fixture, function, input, wanted result, call).  In `call`: v is
 * the vector under test, w a vector of 4-byte elements, u one of 8-byte
 * elements longer than VF_STABLE's max_len, e an element, o an output
 * buffer, ix an index out-parameter, sl a slot out-parameter.
 */
#define OPTS(...) (&(pv_vec_opts){__VA_ARGS__})
#define BIG_N (SIZE_MAX / 2 / ES) /* fits size_t, but no kernel maps it */
#define VEC_CASES(X)                                                           \
  X(init_null, VF_GARBAGE, "pv_vec_init", "v NULL", PV_EINVAL,                 \
    pv_vec_init(NULL, ES))                                                     \
  X(init_es0, VF_GARBAGE, "pv_vec_init", "elem_size 0", PV_EINVAL,             \
    pv_vec_init(v, 0))                                                         \
  X(opts_vnull, VF_GARBAGE, "pv_vec_init_opts", "v NULL", PV_EINVAL,           \
    pv_vec_init_opts(NULL, OPTS(.elem_size = ES)))                             \
  X(opts_null, VF_GARBAGE, "pv_vec_init_opts", "opts NULL", PV_EINVAL,         \
    pv_vec_init_opts(v, NULL))                                                 \
  X(opts_es0, VF_GARBAGE, "pv_vec_init_opts", "elem_size 0", PV_EINVAL,        \
    pv_vec_init_opts(v, OPTS(.elem_size = 0)))                                 \
  X(opts_grow99, VF_GARBAGE, "pv_vec_init_opts", "grow 99", PV_EINVAL,         \
    pv_vec_init_opts(v, OPTS(.elem_size = ES, .grow = (pv_grow)99)))           \
  X(opts_grow_neg, VF_GARBAGE, "pv_vec_init_opts", "grow -1", PV_EINVAL,       \
    pv_vec_init_opts(v, OPTS(.elem_size = ES, .grow = (pv_grow)-1)))           \
  X(opts_flag_bit, VF_GARBAGE, "pv_vec_init_opts", "unknown flag bit (1<<4)",  \
    PV_EINVAL, pv_vec_init_opts(v, OPTS(.elem_size = ES, .flags = 1u << 4)))   \
  X(opts_flag_state, VF_GARBAGE, "pv_vec_init_opts",                           \
    "the private frozen state bit as a flag", PV_EINVAL,                       \
    pv_vec_init_opts(v, OPTS(.elem_size = ES, .flags = PV_VEC_STATE_FROZEN)))  \
  X(opts_flag_all, VF_GARBAGE, "pv_vec_init_opts", "flags ~0u", PV_EINVAL,     \
    pv_vec_init_opts(v, OPTS(.elem_size = ES, .flags = ~0u)))                  \
  X(opts_huge_nohuge, VF_GARBAGE, "pv_vec_init_opts",                          \
    "PV_VEC_HUGE with PV_VEC_NO_HUGE", PV_EINVAL,                              \
    pv_vec_init_opts(v, OPTS(.elem_size = ES,                                  \
                             .flags = PV_VEC_HUGE | PV_VEC_NO_HUGE)))          \
  X(opts_stable_max0, VF_GARBAGE, "pv_vec_init_opts", "STABLE, max_len 0",     \
    PV_EINVAL, pv_vec_init_opts(v, OPTS(.elem_size = ES, .grow = PV_GROW_STABLE))) \
  X(opts_stable_cap, VF_GARBAGE, "pv_vec_init_opts",                           \
    "STABLE, initial_cap > max_len", PV_EINVAL,                                \
    pv_vec_init_opts(v, OPTS(.elem_size = ES, .grow = PV_GROW_STABLE,          \
                             .max_len = 4, .initial_cap = 5)))                 \
  X(opts_stable_over, VF_GARBAGE, "pv_vec_init_opts",                          \
    "STABLE, max_len * elem_size overflows", PV_EOVERFLOW,                     \
    pv_vec_init_opts(v, OPTS(.elem_size = ES, .grow = PV_GROW_STABLE,          \
                             .max_len = SIZE_MAX / ES + 1)))                   \
  X(opts_stable_round, VF_GARBAGE, "pv_vec_init_opts",                         \
    "STABLE, max_len * elem_size overflows when rounded to a page",            \
    PV_EOVERFLOW,                                                              \
    pv_vec_init_opts(v, OPTS(.elem_size = 1, .grow = PV_GROW_STABLE,           \
                             .max_len = SIZE_MAX - 1)))                        \
  X(opts_stable_big, VF_GARBAGE, "pv_vec_init_opts",                           \
    "STABLE, max_len of SIZE_MAX/2 bytes (the kernel refuses)", kernel_refuses(), \
    pv_vec_init_opts(v, OPTS(.elem_size = ES, .grow = PV_GROW_STABLE,          \
                             .max_len = BIG_N)))                               \
  X(opts_cap_over, VF_GARBAGE, "pv_vec_init_opts",                             \
    "initial_cap * elem_size overflows", PV_EOVERFLOW,                         \
    pv_vec_init_opts(v, OPTS(.elem_size = ES, .initial_cap = SIZE_MAX / ES + 1))) \
  X(opts_cap_max, VF_GARBAGE, "pv_vec_init_opts", "initial_cap SIZE_MAX",      \
    PV_EOVERFLOW, pv_vec_init_opts(v, OPTS(.elem_size = ES, .initial_cap = SIZE_MAX))) \
  X(opts_cap_big, VF_GARBAGE, "pv_vec_init_opts",                              \
    "initial_cap of SIZE_MAX/2 bytes (the kernel refuses)", kernel_refuses(),  \
    pv_vec_init_opts(v, OPTS(.elem_size = ES, .initial_cap = BIG_N)))          \
  X(destroy_null, VF_VEC, "pv_vec_destroy", "v NULL", PV_EINVAL,               \
    pv_vec_destroy(NULL))                                                      \
  X(destroy_twice, VF_DESTROYED, "pv_vec_destroy", "destroy twice", 0,         \
    pv_vec_destroy(v))                                                         \
  X(destroy_zero, VF_ZERO, "pv_vec_destroy", "never initialised (`{0}`)", 0,   \
    pv_vec_destroy(v))                                                         \
  X(at_null, VF_VEC, "pv_vec_at", "v NULL", R_NULL,                            \
    pv_vec_at(NULL, 0) == NULL ? R_NULL : 0)                                   \
  X(at_len, VF_VEC, "pv_vec_at", "i == len", R_NULL,                           \
    pv_vec_at(v, FIX_LEN) == NULL ? R_NULL : 0)                                \
  X(at_max, VF_VEC, "pv_vec_at", "i SIZE_MAX", R_NULL,                         \
    pv_vec_at(v, SIZE_MAX) == NULL ? R_NULL : 0)                               \
  X(at_destroyed, VF_DESTROYED, "pv_vec_at", "after destroy", R_NULL,          \
    pv_vec_at(v, 0) == NULL ? R_NULL : 0)                                      \
  X(get_null, VF_VEC, "pv_vec_get", "v NULL", PV_EINVAL, pv_vec_get(NULL, 0, o)) \
  X(get_out_null, VF_VEC, "pv_vec_get", "out NULL", PV_EINVAL,                 \
    pv_vec_get(v, 0, NULL))                                                    \
  X(get_len, VF_VEC, "pv_vec_get", "i == len", PV_ERANGE, pv_vec_get(v, FIX_LEN, o)) \
  X(get_max, VF_VEC, "pv_vec_get", "i SIZE_MAX", PV_ERANGE,                    \
    pv_vec_get(v, SIZE_MAX, o))                                                \
  X(get_destroyed, VF_DESTROYED, "pv_vec_get", "after destroy", PV_EINVAL,     \
    pv_vec_get(v, 0, o))                                                       \
  X(get_zero, VF_ZERO, "pv_vec_get", "never initialised", PV_EINVAL,           \
    pv_vec_get(v, 0, o))                                                       \
  X(set_null, VF_VEC, "pv_vec_set", "v NULL", PV_EINVAL, pv_vec_set(NULL, 0, e)) \
  X(set_elem_null, VF_VEC, "pv_vec_set", "elem NULL", PV_EINVAL,               \
    pv_vec_set(v, 0, NULL))                                                    \
  X(set_len, VF_VEC, "pv_vec_set", "i == len", PV_ERANGE, pv_vec_set(v, FIX_LEN, e)) \
  X(set_frozen, VF_FROZEN, "pv_vec_set", "frozen vector", PV_EACCES,           \
    pv_vec_set(v, 0, e))                                                       \
  X(set_destroyed, VF_DESTROYED, "pv_vec_set", "after destroy", PV_EINVAL,     \
    pv_vec_set(v, 0, e))                                                       \
  X(data_null, VF_VEC, "pv_vec_data", "v NULL", R_NULL,                        \
    pv_vec_data(NULL) == NULL ? R_NULL : 0)                                    \
  X(len_null, VF_VEC, "pv_vec_len", "v NULL", R_ZERO,                          \
    pv_vec_len(NULL) == 0 ? R_ZERO : 0)                                        \
  X(cap_null, VF_VEC, "pv_vec_cap", "v NULL", R_ZERO,                          \
    pv_vec_cap(NULL) == 0 ? R_ZERO : 0)                                        \
  X(es_null, VF_VEC, "pv_vec_elem_size", "v NULL", R_ZERO,                     \
    pv_vec_elem_size(NULL) == 0 ? R_ZERO : 0)                                  \
  X(push_null, VF_VEC, "pv_vec_push", "v NULL", PV_EINVAL, pv_vec_push(NULL, e)) \
  X(push_elem_null, VF_VEC, "pv_vec_push", "elem NULL", PV_EINVAL,             \
    pv_vec_push(v, NULL))                                                      \
  X(push_frozen, VF_FROZEN, "pv_vec_push", "frozen vector", PV_EACCES,         \
    pv_vec_push(v, e))                                                         \
  X(push_full, VF_STABLE, "pv_vec_push", "STABLE vector at max_len",           \
    PV_ENOSPC, pv_vec_push(v, e))                                              \
  X(push_destroyed, VF_DESTROYED, "pv_vec_push", "after destroy", PV_EINVAL,   \
    pv_vec_push(v, e))                                                         \
  X(push_zero, VF_ZERO, "pv_vec_push", "never initialised", PV_EINVAL,         \
    pv_vec_push(v, e))                                                         \
  X(slot_null, VF_VEC, "pv_vec_push_slot", "slot NULL", PV_EINVAL,             \
    pv_vec_push_slot(v, NULL))                                                 \
  X(slot_vnull, VF_VEC, "pv_vec_push_slot", "v NULL", PV_EINVAL,               \
    pv_vec_push_slot(NULL, &sl))                                               \
  X(slot_frozen, VF_FROZEN, "pv_vec_push_slot", "frozen vector", PV_EACCES,    \
    pv_vec_push_slot(v, &sl))                                                  \
  X(slot_full, VF_STABLE, "pv_vec_push_slot", "STABLE vector at max_len",      \
    PV_ENOSPC, pv_vec_push_slot(v, &sl))                                       \
  X(slot_destroyed, VF_DESTROYED, "pv_vec_push_slot", "after destroy",         \
    PV_EINVAL, pv_vec_push_slot(v, &sl))                                       \
  X(pop_null, VF_VEC, "pv_vec_pop", "v NULL", PV_EINVAL, pv_vec_pop(NULL, o))  \
  X(pop_empty, VF_EMPTY, "pv_vec_pop", "empty vector", PV_ERANGE,              \
    pv_vec_pop(v, o))                                                          \
  X(pop_frozen, VF_FROZEN, "pv_vec_pop", "frozen vector", PV_EACCES,           \
    pv_vec_pop(v, o))                                                          \
  X(pop_destroyed, VF_DESTROYED, "pv_vec_pop", "after destroy", PV_EINVAL,     \
    pv_vec_pop(v, NULL))                                                       \
  X(append_null, VF_VEC, "pv_vec_append", "v NULL", PV_EINVAL,                 \
    pv_vec_append(NULL, e, 1))                                                 \
  X(append_elems_null, VF_VEC, "pv_vec_append", "elems NULL, n 1", PV_EINVAL,  \
    pv_vec_append(v, NULL, 1))                                                 \
  X(append_max, VF_VEC, "pv_vec_append", "n SIZE_MAX", PV_EOVERFLOW,           \
    pv_vec_append(v, e, SIZE_MAX))                                             \
  X(append_len_wrap, VF_VEC, "pv_vec_append", "len + n wraps around",          \
    PV_EOVERFLOW, pv_vec_append(v, e, SIZE_MAX - FIX_LEN + 1))                 \
  X(append_bytes_over, VF_VEC, "pv_vec_append",                                \
    "(len + n) * elem_size overflows", PV_EOVERFLOW,                           \
    pv_vec_append(v, e, SIZE_MAX / ES))                                        \
  X(append_big, VF_VEC, "pv_vec_append",                                       \
    "n of SIZE_MAX/2 bytes (the kernel refuses)", kernel_refuses(),            \
    pv_vec_append(v, e, BIG_N))                                                \
  X(append_frozen, VF_FROZEN, "pv_vec_append", "frozen vector", PV_EACCES,     \
    pv_vec_append(v, e, 1))                                                    \
  X(append_full, VF_STABLE, "pv_vec_append", "STABLE, past max_len",           \
    PV_ENOSPC, pv_vec_append(v, e, 1))                                         \
  X(append_destroyed, VF_DESTROYED, "pv_vec_append", "after destroy",          \
    PV_EINVAL, pv_vec_append(v, e, 1))                                         \
  X(insert_past, VF_VEC, "pv_vec_insert", "i == len + 1", PV_ERANGE,           \
    pv_vec_insert(v, FIX_LEN + 1, e, 1))                                       \
  X(insert_max, VF_VEC, "pv_vec_insert", "i SIZE_MAX", PV_ERANGE,              \
    pv_vec_insert(v, SIZE_MAX, e, 1))                                          \
  X(insert_elems_null, VF_VEC, "pv_vec_insert", "elems NULL, n 1", PV_EINVAL,  \
    pv_vec_insert(v, 0, NULL, 1))                                              \
  X(insert_n_max, VF_VEC, "pv_vec_insert", "n SIZE_MAX", PV_EOVERFLOW,         \
    pv_vec_insert(v, 0, e, SIZE_MAX))                                          \
  X(insert_bytes_over, VF_VEC, "pv_vec_insert",                                \
    "(len + n) * elem_size overflows", PV_EOVERFLOW,                           \
    pv_vec_insert(v, 1, e, SIZE_MAX / ES))                                     \
  X(insert_frozen, VF_FROZEN, "pv_vec_insert", "frozen vector", PV_EACCES,     \
    pv_vec_insert(v, 0, e, 1))                                                 \
  X(insert_full, VF_STABLE, "pv_vec_insert", "STABLE, past max_len",           \
    PV_ENOSPC, pv_vec_insert(v, 0, e, 1))                                      \
  X(insert_null, VF_VEC, "pv_vec_insert", "v NULL", PV_EINVAL,                 \
    pv_vec_insert(NULL, 0, e, 1))                                              \
  X(remove_past, VF_VEC, "pv_vec_remove",                                      \
    "range runs past the end (i = len-1, n = 2)", PV_ERANGE,                   \
    pv_vec_remove(v, FIX_LEN - 1, 2, o))                                       \
  X(remove_i_past, VF_VEC, "pv_vec_remove", "i == len + 1, n 0", PV_ERANGE,    \
    pv_vec_remove(v, FIX_LEN + 1, 0, o))                                       \
  X(remove_n_max, VF_VEC, "pv_vec_remove", "n SIZE_MAX", PV_ERANGE,            \
    pv_vec_remove(v, 0, SIZE_MAX, NULL))                                       \
  X(remove_wrap, VF_VEC, "pv_vec_remove", "i + n wraps around (i 1, n SIZE_MAX)", \
    PV_ERANGE, pv_vec_remove(v, 1, SIZE_MAX, NULL))                            \
  X(remove_both_max, VF_VEC, "pv_vec_remove", "i SIZE_MAX, n SIZE_MAX",        \
    PV_ERANGE, pv_vec_remove(v, SIZE_MAX, SIZE_MAX, NULL))                     \
  X(remove_frozen, VF_FROZEN, "pv_vec_remove", "frozen vector", PV_EACCES,     \
    pv_vec_remove(v, 0, 1, o))                                                 \
  X(remove_null, VF_VEC, "pv_vec_remove", "v NULL", PV_EINVAL,                 \
    pv_vec_remove(NULL, 0, 1, o))                                              \
  X(swap_len, VF_VEC, "pv_vec_swap_remove", "i == len", PV_ERANGE,             \
    pv_vec_swap_remove(v, FIX_LEN, o))                                         \
  X(swap_empty, VF_EMPTY, "pv_vec_swap_remove", "empty vector", PV_ERANGE,     \
    pv_vec_swap_remove(v, 0, o))                                               \
  X(swap_frozen, VF_FROZEN, "pv_vec_swap_remove", "frozen vector", PV_EACCES,  \
    pv_vec_swap_remove(v, 0, o))                                               \
  X(swap_null, VF_VEC, "pv_vec_swap_remove", "v NULL", PV_EINVAL,              \
    pv_vec_swap_remove(NULL, 0, o))                                            \
  X(resize_max, VF_VEC, "pv_vec_resize", "n SIZE_MAX", PV_EOVERFLOW,           \
    pv_vec_resize(v, SIZE_MAX, NULL))                                          \
  X(resize_bytes_over, VF_VEC, "pv_vec_resize", "n * elem_size overflows",     \
    PV_EOVERFLOW, pv_vec_resize(v, SIZE_MAX / ES + 1, e))                      \
  X(resize_big, VF_VEC, "pv_vec_resize",                                       \
    "n of SIZE_MAX/2 bytes (the kernel refuses)", kernel_refuses(),            \
    pv_vec_resize(v, BIG_N, NULL))                                             \
  X(resize_frozen, VF_FROZEN, "pv_vec_resize", "frozen vector", PV_EACCES,     \
    pv_vec_resize(v, 1, NULL))                                                 \
  X(resize_full, VF_STABLE, "pv_vec_resize", "STABLE, past max_len",           \
    PV_ENOSPC, pv_vec_resize(v, FIX_LEN + 1, e))                               \
  X(resize_null, VF_VEC, "pv_vec_resize", "v NULL", PV_EINVAL,                 \
    pv_vec_resize(NULL, 1, NULL))                                              \
  X(truncate_frozen, VF_FROZEN, "pv_vec_truncate", "frozen vector", PV_EACCES, \
    pv_vec_truncate(v, 0))                                                     \
  X(truncate_past, VF_VEC, "pv_vec_truncate", "n > len", 0,                    \
    pv_vec_truncate(v, SIZE_MAX))                                              \
  X(truncate_null, VF_VEC, "pv_vec_truncate", "v NULL", PV_EINVAL,             \
    pv_vec_truncate(NULL, 0))                                                  \
  X(truncate_destroyed, VF_DESTROYED, "pv_vec_truncate", "after destroy",      \
    PV_EINVAL, pv_vec_truncate(v, 0))                                          \
  X(clear_frozen, VF_FROZEN, "pv_vec_clear", "frozen vector", PV_EACCES,       \
    pv_vec_clear(v))                                                           \
  X(clear_null, VF_VEC, "pv_vec_clear", "v NULL", PV_EINVAL, pv_vec_clear(NULL)) \
  X(reserve_max, VF_VEC, "pv_vec_reserve", "additional SIZE_MAX", PV_EOVERFLOW, \
    pv_vec_reserve(v, SIZE_MAX))                                               \
  X(reserve_wrap, VF_VEC, "pv_vec_reserve", "len + additional wraps around",   \
    PV_EOVERFLOW, pv_vec_reserve(v, SIZE_MAX - FIX_LEN + 1))                   \
  X(reserve_bytes_over, VF_VEC, "pv_vec_reserve",                              \
    "(len + additional) * elem_size overflows", PV_EOVERFLOW,                  \
    pv_vec_reserve(v, SIZE_MAX / ES))                                          \
  X(reserve_big, VF_VEC, "pv_vec_reserve",                                     \
    "SIZE_MAX/2 bytes (the kernel refuses)", kernel_refuses(),                 \
    pv_vec_reserve(v, BIG_N))                                                  \
  X(reserve_frozen, VF_FROZEN, "pv_vec_reserve", "frozen vector", PV_EACCES,   \
    pv_vec_reserve(v, 1000))                                                   \
  X(reserve_full, VF_STABLE, "pv_vec_reserve", "STABLE, past max_len",         \
    PV_ENOSPC, pv_vec_reserve(v, 1))                                           \
  X(reserve_null, VF_VEC, "pv_vec_reserve", "v NULL", PV_EINVAL,               \
    pv_vec_reserve(NULL, 1))                                                   \
  X(reserve_destroyed, VF_DESTROYED, "pv_vec_reserve", "after destroy",        \
    PV_EINVAL, pv_vec_reserve(v, 1))                                           \
  X(rexact_max, VF_VEC, "pv_vec_reserve_exact", "additional SIZE_MAX",         \
    PV_EOVERFLOW, pv_vec_reserve_exact(v, SIZE_MAX))                           \
  X(rexact_bytes_over, VF_VEC, "pv_vec_reserve_exact",                         \
    "(len + additional) * elem_size overflows", PV_EOVERFLOW,                  \
    pv_vec_reserve_exact(v, SIZE_MAX / ES))                                    \
  X(rexact_frozen, VF_FROZEN, "pv_vec_reserve_exact", "frozen vector",         \
    PV_EACCES, pv_vec_reserve_exact(v, 1000))                                  \
  X(rexact_full, VF_STABLE, "pv_vec_reserve_exact", "STABLE, past max_len",    \
    PV_ENOSPC, pv_vec_reserve_exact(v, 1))                                     \
  X(rexact_null, VF_VEC, "pv_vec_reserve_exact", "v NULL", PV_EINVAL,          \
    pv_vec_reserve_exact(NULL, 1))                                             \
  X(shrink_frozen, VF_FROZEN, "pv_vec_shrink_to_fit", "frozen vector",         \
    PV_EACCES, pv_vec_shrink_to_fit(v))                                        \
  X(shrink_null, VF_VEC, "pv_vec_shrink_to_fit", "v NULL", PV_EINVAL,          \
    pv_vec_shrink_to_fit(NULL))                                                \
  X(shrink_destroyed, VF_DESTROYED, "pv_vec_shrink_to_fit", "after destroy",   \
    PV_EINVAL, pv_vec_shrink_to_fit(v))                                        \
  X(trim_frozen, VF_FROZEN, "pv_vec_trim", "frozen vector", PV_EACCES,         \
    pv_vec_trim(v))                                                            \
  X(trim_null, VF_VEC, "pv_vec_trim", "v NULL", PV_EINVAL, pv_vec_trim(NULL))  \
  X(copy_dst_null, VF_VEC, "pv_vec_copy", "dst NULL", PV_EINVAL,               \
    pv_vec_copy(NULL, v))                                                      \
  X(copy_src_null, VF_VEC, "pv_vec_copy", "src NULL", PV_EINVAL,               \
    pv_vec_copy(v, NULL))                                                      \
  X(copy_self, VF_VEC, "pv_vec_copy", "dst == src", PV_EINVAL, pv_vec_copy(v, v)) \
  X(copy_es, VF_VEC, "pv_vec_copy", "elem_size differs", PV_EINVAL,            \
    pv_vec_copy(v, w))                                                         \
  X(copy_frozen, VF_FROZEN, "pv_vec_copy", "dst frozen", PV_EACCES,            \
    pv_vec_copy(v, u))                                                         \
  X(copy_full, VF_STABLE, "pv_vec_copy", "dst STABLE, src longer than max_len", \
    PV_ENOSPC, pv_vec_copy(v, u))                                              \
  X(copy_dst_destroyed, VF_DESTROYED, "pv_vec_copy", "dst destroyed",          \
    PV_EINVAL, pv_vec_copy(v, u))                                              \
  X(copy_src_destroyed, VF_DESTROYED, "pv_vec_copy", "src destroyed",          \
    PV_EINVAL, pv_vec_copy(u, v))                                              \
  X(equal_null, VF_VEC, "pv_vec_equal", "a NULL", R_FALSE,                     \
    pv_vec_equal(NULL, v) ? R_TRUE : R_FALSE)                                  \
  X(equal_destroyed, VF_DESTROYED, "pv_vec_equal", "both destroyed", R_FALSE,  \
    pv_vec_equal(v, v) ? R_TRUE : R_FALSE)                                     \
  X(sort_cmp_null, VF_VEC, "pv_vec_sort", "cmp NULL", PV_EINVAL,               \
    pv_vec_sort(v, NULL))                                                      \
  X(sort_null, VF_VEC, "pv_vec_sort", "v NULL", PV_EINVAL, pv_vec_sort(NULL, cmp8)) \
  X(sort_frozen, VF_FROZEN, "pv_vec_sort", "frozen vector", PV_EACCES,         \
    pv_vec_sort(v, cmp8))                                                      \
  X(bsearch_null, VF_VEC, "pv_vec_bsearch", "v NULL", PV_EINVAL,               \
    pv_vec_bsearch(NULL, e, cmp8, &ix))                                        \
  X(bsearch_key_null, VF_VEC, "pv_vec_bsearch", "key NULL", PV_EINVAL,         \
    pv_vec_bsearch(v, NULL, cmp8, &ix))                                        \
  X(bsearch_cmp_null, VF_VEC, "pv_vec_bsearch", "cmp NULL", PV_EINVAL,         \
    pv_vec_bsearch(v, e, NULL, &ix))                                           \
  X(bsearch_index_null, VF_VEC, "pv_vec_bsearch", "index NULL", PV_EINVAL,     \
    pv_vec_bsearch(v, e, cmp8, NULL))                                          \
  X(bsearch_destroyed, VF_DESTROYED, "pv_vec_bsearch", "after destroy",        \
    PV_EINVAL, pv_vec_bsearch(v, e, cmp8, &ix))                                \
  X(freeze_null, VF_VEC, "pv_vec_freeze", "v NULL", PV_EINVAL, pv_vec_freeze(NULL)) \
  X(freeze_twice, VF_FROZEN, "pv_vec_freeze", "already frozen", 0,             \
    pv_vec_freeze(v))                                                          \
  X(freeze_destroyed, VF_DESTROYED, "pv_vec_freeze", "after destroy",          \
    PV_EINVAL, pv_vec_freeze(v))                                               \
  X(thaw_null, VF_VEC, "pv_vec_thaw", "v NULL", PV_EINVAL, pv_vec_thaw(NULL))  \
  X(thaw_not_frozen, VF_VEC, "pv_vec_thaw", "not frozen", 0, pv_vec_thaw(v))   \
  X(thaw_destroyed, VF_DESTROYED, "pv_vec_thaw", "after destroy", PV_EINVAL,   \
    pv_vec_thaw(v))                                                            \
  X(frozen_null, VF_VEC, "pv_vec_frozen", "v NULL", R_FALSE,                   \
    pv_vec_frozen(NULL) ? R_TRUE : R_FALSE)                                    \
  X(advise_unknown, VF_VEC, "pv_vec_advise", "advice 99", PV_EINVAL,           \
    pv_vec_advise(v, (pv_advice)99))                                           \
  X(advise_negative, VF_VEC, "pv_vec_advise", "advice -1", PV_EINVAL,          \
    pv_vec_advise(v, (pv_advice)-1))                                           \
  X(advise_null, VF_VEC, "pv_vec_advise", "v NULL", PV_EINVAL,                 \
    pv_vec_advise(NULL, PV_ADVISE_NORMAL))                                     \
  X(advise_destroyed, VF_DESTROYED, "pv_vec_advise", "after destroy",          \
    PV_EINVAL, pv_vec_advise(v, PV_ADVISE_NORMAL))                             \
  X(resident_bytes_null, VF_VEC, "pv_vec_resident", "bytes NULL", PV_EINVAL,   \
    pv_vec_resident(v, NULL))                                                  \
  X(resident_null, VF_VEC, "pv_vec_resident", "v NULL", PV_EINVAL,             \
    pv_vec_resident(NULL, &ix))                                                \
  X(resident_destroyed, VF_DESTROYED, "pv_vec_resident", "after destroy",      \
    PV_EINVAL, pv_vec_resident(v, &ix))

#define VEC_CASE_TEST(id, fix, fn, input, want, call)                          \
  static void vcase_##id(void) {                                               \
    const int want_ = (want);                                                  \
    if (want_ == R_SKIP_) return; /* not bad input in this build */            \
    vstate s;                                                                  \
    vfix_make(fix, &s);                                                        \
    pv_vec *v = &s.v, *w = &s.w, *u = &s.u;                                    \
    unsigned char e[64], o[256];                                               \
    size_t ix = 12345;                                                         \
    void *sl = NULL;                                                           \
    memset(e, 0x77, sizeof e);                                                 \
    (void)v; (void)w; (void)u; (void)ix; (void)sl; (void)o;                    \
    const int rc = (call);                                                     \
    cr_assert_eq(rc, want_, "%s(%s): got %s, want %s", fn, input,              \
                 res_name(rc), res_name(want_));                               \
    cr_assert_null(sl, "%s(%s): *slot written on failure", fn, input);         \
    vfix_same(&s, fn);                                                         \
    vfix_free(&s, fix);                                                        \
    table_row(fn, input, want_);                                               \
  }
VEC_CASES(VEC_CASE_TEST)

/* ---- one test per function, running that function's cases ------------- */

typedef struct bcase {
  const char *fn, *input;
  void (*run)(void);
} bcase;

#define PAGE_ENTRY(id, fix, fn, input, want, call) {fn, input, pcase_##id},
#define VEC_ENTRY(id, fix, fn, input, want, call) {fn, input, vcase_##id},
static const bcase all_cases[] = {PAGE_CASES(PAGE_ENTRY) VEC_CASES(VEC_ENTRY)};
#define N_CASES (sizeof all_cases / sizeof all_cases[0])

/* Each case checks and asserts itself; the message names it. */
static void run_fn(const char *fn) {
  size_t n = 0;
  for (size_t i = 0; i < N_CASES; i++) {
    if (strcmp(all_cases[i].fn, fn) != 0) continue;
    all_cases[i].run();
    n++;
  }
  cr_assert_gt(n, 0, "no bad-input case for %s", fn);
  fprintf(stderr, "bad-input %s: %zu cases\n", fn, n);
}

#define FUNCTIONS(F)                                                           \
  F(pv_pages_map) F(pv_pages_unmap) F(pv_pages_protect) F(pv_pages_resize)     \
  F(pv_pages_decommit) F(pv_pages_advise) F(pv_pages_fn) F(pv_vec_init)        \
  F(pv_vec_init_opts) F(pv_vec_destroy) F(pv_vec_at) F(pv_vec_get)             \
  F(pv_vec_set) F(pv_vec_data) F(pv_vec_len) F(pv_vec_cap)                     \
  F(pv_vec_elem_size) F(pv_vec_push) F(pv_vec_push_slot) F(pv_vec_pop)         \
  F(pv_vec_append) F(pv_vec_insert) F(pv_vec_remove) F(pv_vec_swap_remove)     \
  F(pv_vec_resize) F(pv_vec_truncate) F(pv_vec_clear) F(pv_vec_reserve)        \
  F(pv_vec_reserve_exact) F(pv_vec_shrink_to_fit) F(pv_vec_trim)               \
  F(pv_vec_copy) F(pv_vec_equal) F(pv_vec_sort) F(pv_vec_bsearch)              \
  F(pv_vec_freeze) F(pv_vec_thaw) F(pv_vec_frozen) F(pv_vec_advise)            \
  F(pv_vec_resident)

#define FN_TEST(fn) Test(bad_input, fn) { run_fn(#fn); }
FUNCTIONS(FN_TEST)

#define FN_NAME(fn) #fn,
Test(bad_input, every_case_belongs_to_a_test) {
  static const char *const names[] = {FUNCTIONS(FN_NAME)};
  for (size_t i = 0; i < N_CASES; i++) {
    bool found = false;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
      found = found || strcmp(names[k], all_cases[i].fn) == 0;
    cr_assert(found, "case %s(%s) is run by no test", all_cases[i].fn,
              all_cases[i].input);
  }
  fprintf(stderr, "bad-input cases: %zu\n", N_CASES);
}

/* ---- valid but awkward sequences (found by fuzz/fuzz_pages.c) ---------- */

/* Advice on part of a mapping splits it into several kernel mappings,
 * which mremap cannot grow (EFAULT): resize must still work. */
Test(awkward_input, resize_after_advice_on_part_of_the_mapping) {
  const size_t pg = pv_page_size();
  static const pv_advice advice[] = {PV_ADVISE_SEQUENTIAL, PV_ADVISE_RANDOM,
                                     PV_ADVISE_HUGEPAGE, PV_ADVISE_NOHUGEPAGE};
  for (size_t a = 0; a < sizeof advice / sizeof advice[0]; a++) {
    pv_pages p;
    int rc = pv_pages_map(&p, 4 * pg, PV__PROT_RW, 0);
    cr_assert_eq(rc, 0, "map: %s", pv_errname(rc));
    tu_fill(p.addr, p.len, 9);
    rc = pv_pages_advise(&p, pg, pg, advice[a]);
    cr_assert_eq(rc, 0, "advise %d on page 1: %s", (int)advice[a], pv_errname(rc));
    rc = pv_pages_resize(&p, 16 * pg);
    cr_assert_eq(rc, 0, "resize after advice %d on one page: %s", (int)advice[a],
                 pv_errname(rc));
    cr_assert_eq(tu_check(p.addr, 4 * pg, 9), 4 * pg, "bytes kept");
    cr_assert(tu_all_zero((char *)p.addr + 4 * pg, 12 * pg), "new bytes zero");
    rc = pv_pages_resize(&p, 2 * pg);
    cr_assert_eq(rc, 0, "shrink: %s", pv_errname(rc));
    cr_assert_eq(tu_check(p.addr, 2 * pg, 9), 2 * pg, "bytes kept by shrink");
    cr_assert_eq(pv_pages_unmap(&p), 0, "unmap");
  }
}

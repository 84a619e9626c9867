/*
 * tests/test_badinput.c - every kind of bad input to every public function:
 * NULL pointers, zero and SIZE_MAX lengths, overflowing sizes, indices and
 * ranges past the end, unknown bits, misaligned offsets, double unmap and
 * destroy, use after unmap/destroy.  Each case checks the code and that
 * nothing changed: the struct, every byte of the data, the protection the
 * kernel reports, the address space the library holds and the process's
 * mapping count.
 *
 * The cases are X-macro tables, one .def file per area (tests/badinput_
 * pages.def, _errors.def, _vec.def, _code.def; badinput_pages.def says how
 * a case is written).  Each BI_FN line of a table makes one test, which
 * runs the cases below it, so the list of functions covered is the
 * tables'; tests/check-badinput.sh checks it against the headers' exports.
 * docs/reliability.md's table is generated from them:
 *   PV_BADINPUT_TABLE=1 tests/test_badinput --filter='bad_input/every_case*'
 * prints every row in table order.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "paged_vec.h"
#include "store.h"
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
#define R_SCHEME_NONE 1006       /* pv_code_scheme's PV_CODE_SCHEME_NONE */
#define R_STR_UNKNOWN 1007       /* the string "unknown" */
#define R_STR_UNKNOWN_ERROR 1008 /* the string "unknown error" */
#define R_STR_PV_UNKNOWN 1009    /* the string "PV_UNKNOWN" */

static const char *res_name(int r) {
  switch (r) {
  case R_NULL: return "NULL";
  case R_FALSE: return "false";
  case R_TRUE: return "true";
  case R_ZERO: return "0";
  case R_SCHEME_NONE: return "PV_CODE_SCHEME_NONE";
  case R_STR_UNKNOWN: return "\"unknown\"";
  case R_STR_UNKNOWN_ERROR: return "\"unknown error\"";
  case R_STR_PV_UNKNOWN: return "\"PV_UNKNOWN\"";
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

/* Set while every_case_belongs_to_a_test prints docs/reliability.md's
 * table (PV_BADINPUT_TABLE=1), so that each row is printed once, in order. */
static bool printing_table;

static void table_row(const char *fn, const char *input, int want) {
  if (!printing_table) return;
  const char *r = res_name(want);
  /* The EXEC cases' answer depends on the build; the table says both. */
  const char *note = strstr(input, "EXEC") != NULL && want == exec_refused()
                         ? " (`PV_ENOTSUP` with --disable-exec)"
                         : "";
  if (want == 0) fprintf(stderr, "| `%s` | %s | 0 (a no-op) |\n", fn, input);
  else fprintf(stderr, "| `%s` | %s | `%s`%s |\n", fn, input, r, note);
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
  pv_pages p;
  sw_snap sn;  /* tests/sweep.h: struct, bytes, protection, address space */
  bool owned;  /* p is mapped and the fixture unmaps it at the end */
} pstate;

static void pfix_make(enum pfix f, pstate *s) {
  memset(&s->p, 0, sizeof s->p);
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
  s->owned = f != PF_GARBAGE && s->p.addr != NULL;
  /* junk has no bytes or pages to look at: its struct alone */
  if (f == PF_GARBAGE) sw_take(&s->sn, &s->p, sizeof s->p, NULL, 0, NULL, 0);
  else sw_take_pages(&s->sn, &s->p);
}

static void pfix_same(pstate *s, const char *what) {
  sw_assert_no_leak(&s->sn, what);
  sw_assert_same(&s->sn, what);
}

static void pfix_free(pstate *s) {
  if (s->owned) {
    int rc = pv_pages_unmap(&s->p);
    cr_assert_eq(rc, 0, "fixture teardown: %s", pv_errname(rc));
  }
  sw_drop(&s->sn);
}

/* The cache's cases (tests/badinput_cache.def) pass their call's result
 * through cache_case, which also checks that the cache's bounds and what it
 * holds are as they were before the call (cache_before, taken by the case's
 * fixture). */
static pv_cache_info cache_before;

static int cache_case(int rc) {
  pv_cache_info now;
  cr_assert_eq(pv_cache_stats(&now), 0, "pv_cache_stats");
  cr_assert(now.regions == cache_before.regions && now.bytes == cache_before.bytes &&
                now.max_regions == cache_before.max_regions &&
                now.max_bytes == cache_before.max_bytes &&
                now.decay_ms == cache_before.decay_ms,
            "the cache changed on a refused call");
  return rc;
}

/* The page core's cases: tests/badinput_pages.def (its comment says how a
 * case is written). */

#define PAGE_CASE_TEST(id, fix, input, want, call)                            \
  static void pcase_##id(const char *fn) {                                     \
    pstate s;                                                                  \
    const size_t pg = pv_page_size();                                          \
    (void)pg;                                                                  \
    pfix_make(fix, &s);                                                        \
    cr_assert_eq(pv_cache_stats(&cache_before), 0, "pv_cache_stats");          \
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
#define BI_FN(fn)
#define BI_CASE PAGE_CASE_TEST
#include "badinput_pages.def"
#include "badinput_errors.def"
#include "badinput_cache.def"
#undef BI_FN
#undef BI_CASE

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
static int cmp8_r(const void *a, const void *b, void *ctx) {
  (void)ctx;
  return memcmp(a, b, ES);
}
static bool keep_none(const void *elem, void *ctx) {
  (void)elem;
  (void)ctx;
  return false;
}

/* The container's cases: tests/badinput_vec.def (its comment says how a
 * case is written and what the names in `call` are). */
#define OPTS(...) (&(pv_vec_opts){__VA_ARGS__})
#define BIG_N (SIZE_MAX / 2 / ES) /* fits size_t, but no kernel maps it */
#define FOPTS(...) (&(pv_vec_file_opts){__VA_ARGS__})
/* A path that does not exist, so that a case reaching the file system
 * finds nothing to change. */
#define NOFILE "/nonexistent-pv-dir/x.npy"

#define VEC_CASE_TEST(id, fix, input, want, call)                              \
  static void vcase_##id(const char *fn) {                                     \
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
#define BI_FN(fn)
#define BI_CASE VEC_CASE_TEST
#include "badinput_vec.def"
#undef BI_FN
#undef BI_CASE

/* ---- JIT code buffer ---------------------------------------------------- */

enum cfix {
  CF_GARBAGE,   /* junk: the output of init */
  CF_ZERO,      /* `pv_code c = {0};` never initialised */
  CF_DESTROYED, /* initialised, used, destroyed */
  CF_OPEN,      /* CODE_LEN patterned bytes appended, open */
  CF_SEALED     /* CF_OPEN, sealed */
};

enum { CODE_LEN = 64 };

typedef struct cstate {
  pv_code c, snap;
  unsigned char bytes[CODE_LEN];
  char wperms[5], xperms[5];
  long long live;
  size_t maps;
} cstate;

/* False when this build cannot make a buffer (--disable-exec): the case
 * does not run. */
static bool cfix_make(enum cfix f, cstate *s) {
  memset(s, 0, sizeof *s);
  if (f == CF_GARBAGE) memset(&s->c, 0x5a, sizeof s->c);
  if (f >= CF_DESTROYED) {
    if (!pv__os_caps_get()->can_exec) return false;
    int rc = pv_code_init(&s->c, NULL);
    cr_assert_eq(rc, 0, "fixture init: %s", pv_errname(rc));
    tu_fill(s->bytes, CODE_LEN, 41);
    rc = pv_code_append(&s->c, s->bytes, CODE_LEN, NULL);
    cr_assert_eq(rc, 0, "fixture append: %s", pv_errname(rc));
    if (f == CF_SEALED) rc = pv_code_seal(&s->c);
    if (f == CF_DESTROYED) rc = pv_code_destroy(&s->c);
    cr_assert_eq(rc, 0, "fixture seal/destroy: %s", pv_errname(rc));
  }
  s->snap = s->c;
  if (f == CF_OPEN || f == CF_SEALED) {
    ru_perms(s->c.pv_write, s->c.cap, s->wperms);
    ru_perms(s->c.pv_exec, s->c.cap, s->xperms);
  }
  s->live = pv__os_live_bytes();
  s->maps = ru_maps_count();
  return true;
}

static void cfix_same(cstate *s, enum cfix f, const char *what) {
  size_t maps = ru_maps_count();
  cr_assert_eq(pv__os_live_bytes(), s->live, "%s: address space held changed", what);
  if (!ru_under_valgrind())
    cr_assert_eq(maps, s->maps, "%s: mapping count %zu -> %zu", what, s->maps, maps);
  cr_assert_eq(memcmp(&s->c, &s->snap, sizeof s->c), 0, "%s: struct changed", what);
  if (f != CF_OPEN && f != CF_SEALED) return;
  char w[5], x[5];
  ru_perms(s->c.pv_write, s->c.cap, w);
  ru_perms(s->c.pv_exec, s->c.cap, x);
  cr_assert_str_eq(w, s->wperms, "%s: write view's protection changed", what);
  cr_assert_str_eq(x, s->xperms, "%s: exec view's protection changed", what);
  /* Sealed, the exec view is the readable one; open, the write view. */
  const void *view = f == CF_SEALED ? s->c.pv_exec : s->c.pv_write;
  cr_assert_eq(memcmp(view, s->bytes, CODE_LEN), 0, "%s: bytes changed", what);
}

static void cfix_free(cstate *s, enum cfix f) {
  if (f == CF_GARBAGE) return;
  int rc = pv_code_destroy(&s->c);
  cr_assert_eq(rc, 0, "teardown: %s", pv_errname(rc));
}

/* The code a failure that needs a live buffer gets where none can exist. */
static int code_refused(int rc) {
  return pv__os_caps_get()->can_exec ? rc : PV_ENOTSUP;
}

/* The code buffer's cases: tests/badinput_code.def. */
#define COPTS(max, initial, flags) (&(pv_code_opts){(max), (initial), (flags)})

#define CODE_CASE_TEST(id, fix, input, want, call)                             \
  static void ccase_##id(const char *fn) {                                     \
    cstate s;                                                                  \
    if (!cfix_make(fix, &s)) return; /* no buffer in this build */             \
    const size_t pg = pv_page_size();                                          \
    pv_code *c = &s.c;                                                         \
    unsigned char b[CODE_LEN];                                                 \
    void *dp = NULL;                                                           \
    size_t off = 77;                                                           \
    memset(b, 0x66, sizeof b);                                                 \
    (void)pg; (void)c; (void)b;                                                \
    const int want_ = (want);                                                  \
    const int rc = (call);                                                     \
    cr_assert_eq(rc, want_, "%s(%s): got %s, want %s", fn, input,              \
                 res_name(rc), res_name(want_));                               \
    cr_assert_null(dp, "%s(%s): *dst written on failure", fn, input);          \
    cr_assert_eq(off, 77, "%s(%s): *off written on failure", fn, input);       \
    cfix_same(&s, fix, fn);                                                    \
    cfix_free(&s, fix);                                                        \
    table_row(fn, input, want_);                                               \
  }
#define BI_FN(fn)
#define BI_CASE CODE_CASE_TEST
#include "badinput_code.def"
#undef BI_FN
#undef BI_CASE

/* ---- one test per function, running that function's cases ------------- */

/* Every table entry in order: a BI_FN line gives an entry with fn set,
 * each BI_CASE after it one with run set, belonging to that function; an
 * entry with neither starts a table. */
typedef struct bcase {
  const char *fn, *input;
  void (*run)(const char *fn);
} bcase;

#define TABLE_START {NULL, NULL, NULL},
#define BI_FN(fn) {#fn, NULL, NULL},
static const bcase all_cases[] = {
#define BI_CASE(id, fix, input, want, call) {NULL, input, pcase_##id},
    TABLE_START
#include "badinput_pages.def"
    TABLE_START
#include "badinput_errors.def"
#include "badinput_cache.def"
#undef BI_CASE
#define BI_CASE(id, fix, input, want, call) {NULL, input, vcase_##id},
    TABLE_START
#include "badinput_vec.def"
#undef BI_CASE
#define BI_CASE(id, fix, input, want, call) {NULL, input, ccase_##id},
    TABLE_START
#include "badinput_code.def"
#undef BI_CASE
};
#undef BI_FN
#define N_ENTRIES (sizeof all_cases / sizeof all_cases[0])

/* Run the cases that follow fn's BI_FN line.  Each case checks and asserts
 * itself; the message names it. */
static void run_fn(const char *fn) {
  size_t i = 0;
  while (i < N_ENTRIES && (all_cases[i].fn == NULL || strcmp(all_cases[i].fn, fn) != 0))
    i++;
  cr_assert_lt(i, N_ENTRIES, "%s has no BI_FN line", fn);
  size_t n = 0;
  for (i++; i < N_ENTRIES && all_cases[i].run != NULL; i++, n++)
    all_cases[i].run(fn);
  cr_assert_gt(n, 0, "no bad-input case for %s", fn);
  fprintf(stderr, "bad-input %s: %zu cases\n", fn, n);
}

/* One test per BI_FN line of the tables: the list of functions covered is
 * the tables' (tests/check-badinput.sh checks it against the headers). */
#define BI_FN(fn) Test(bad_input, fn) { run_fn(#fn); }
#define BI_CASE(id, fix, input, want, call)
#include "badinput_pages.def"
#include "badinput_errors.def"
#include "badinput_cache.def"
#include "badinput_vec.def"
#include "badinput_code.def"
#undef BI_FN
#undef BI_CASE

/* Each table starts with a BI_FN line, so that every case belongs to a
 * function's test.  With PV_BADINPUT_TABLE=1 it also runs every case in
 * table order, printing docs/reliability.md's table. */
Test(bad_input, every_case_belongs_to_a_test) {
  size_t cases = 0;
  for (size_t i = 0; i < N_ENTRIES; i++) {
    if (all_cases[i].run != NULL) cases++;
    if (all_cases[i].fn != NULL || all_cases[i].run != NULL) continue;
    cr_assert(i + 1 < N_ENTRIES && all_cases[i + 1].fn != NULL,
              "table %zu starts with a case (\"%s\"), not a BI_FN line", i,
              i + 1 < N_ENTRIES ? all_cases[i + 1].input : "");
  }
  fprintf(stderr, "bad-input cases: %zu\n", cases);
  if (getenv("PV_BADINPUT_TABLE") == NULL) return;
  printing_table = true;
  fprintf(stderr, "| call | input | result |\n| --- | --- | --- |\n");
  const char *fn = NULL;
  for (size_t i = 0; i < N_ENTRIES; i++) {
    if (all_cases[i].fn != NULL) fn = all_cases[i].fn;
    else if (all_cases[i].run != NULL) all_cases[i].run(fn);
  }
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

/*
 * examples/jit_expr.c - a tiny JIT: compile an arithmetic expression to
 * x86-64 machine code in a paged_vec code buffer, run it, and check the
 * answer against an interpreter walking the same tree.
 *
 *   jit_expr [--] EXPR [NAME=VALUE ...]  print EXPR's value
 *   jit_expr --random N [SEED]         N random expressions in one buffer
 *   add --dual to force the dual (memfd) mapping scheme, -v to see more
 *
 *   $ jit_expr '(x + 3) * -y % 7' x=5 y=9
 *   -2
 *
 * Expressions: 64-bit signed integers, variables a-z (default 0), unary
 * minus, + - * / % with C precedence, parentheses.  + - * wrap around
 * (two's complement, as the hardware does); / and % truncate toward zero
 * like C, and the interpreter refuses division by zero and INT64_MIN / -1
 * (the instruction would trap), so such an expression is never run.
 *
 * The generated function is   int64_t f(const int64_t vars[26])
 * in the host's calling convention (SysV: vars in rdi; Win64: in rcx).  It
 * keeps intermediate values on the machine stack: a binary node evaluates
 * its left side into rax, pushes it, evaluates the right side, and pops.
 *
 * Built with the library from the source tree or an installed copy:
 *   cc jit_expr.c $(pkg-config --cflags --libs paged_vec)
 * x86-64 only: on other machines it explains and exits 77 ("skipped").
 */
#if defined(_WIN32) && !defined(__USE_MINGW_ANSI_STDIO)
#define __USE_MINGW_ANSI_STDIO 1 /* C99 printf formats (%zu) with mingw */
#endif
#include <inttypes.h>
#include <paged_vec.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NVARS 26
#define MAX_DEPTH 200 /* parser recursion, and so the code's stack use */

/* ---- the tree, kept in a pv_vec of nodes (children by index) ----------- */

typedef enum { N_NUM, N_VAR, N_NEG, N_ADD, N_SUB, N_MUL, N_DIV, N_MOD } node_kind;

typedef struct node {
  node_kind kind;
  size_t lhs, rhs; /* child indices (binary: both; N_NEG: lhs) */
  int64_t value;   /* N_NUM: the number; N_VAR: the variable's index */
} node;

typedef struct parser {
  const char *s;
  pv_vec *nodes;
  int depth;
  const char *error;
} parser;

static void skip_space(parser *p) {
  while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n') p->s++;
}

/* Append a node; SIZE_MAX on failure (p->error says why). */
static size_t add_node(parser *p, node n) {
  if (pv_vec_push(p->nodes, &n) != 0) {
    p->error = "out of memory";
    return SIZE_MAX;
  }
  return pv_vec_len(p->nodes) - 1;
}

static size_t parse_expr(parser *p);

static size_t parse_primary(parser *p) {
  skip_space(p);
  char c = *p->s;
  if (c >= '0' && c <= '9') {
    uint64_t v = 0;
    while (*p->s >= '0' && *p->s <= '9') {
      unsigned d = (unsigned)(*p->s++ - '0');
      if (v > ((uint64_t)INT64_MAX - d) / 10) {
        p->error = "number too large";
        return SIZE_MAX;
      }
      v = v * 10 + d;
    }
    return add_node(p, (node){N_NUM, 0, 0, (int64_t)v});
  }
  if (c >= 'a' && c <= 'z') {
    p->s++;
    return add_node(p, (node){N_VAR, 0, 0, c - 'a'});
  }
  if (c == '(') {
    p->s++;
    size_t e = parse_expr(p);
    if (e == SIZE_MAX) return e;
    skip_space(p);
    if (*p->s != ')') {
      p->error = "expected ')'";
      return SIZE_MAX;
    }
    p->s++;
    return e;
  }
  p->error = c == '\0' ? "unexpected end" : "unexpected character";
  return SIZE_MAX;
}

static size_t parse_unary(parser *p) {
  skip_space(p);
  if (*p->s != '-') return parse_primary(p);
  p->s++;
  if (++p->depth > MAX_DEPTH) {
    p->error = "nested too deeply";
    return SIZE_MAX;
  }
  size_t e = parse_unary(p);
  p->depth--;
  if (e == SIZE_MAX) return e;
  return add_node(p, (node){N_NEG, e, 0, 0});
}

static size_t parse_term(parser *p) {
  size_t l = parse_unary(p);
  for (;;) {
    if (l == SIZE_MAX) return l;
    skip_space(p);
    node_kind k;
    switch (*p->s) {
    case '*': k = N_MUL; break;
    case '/': k = N_DIV; break;
    case '%': k = N_MOD; break;
    default: return l;
    }
    p->s++;
    size_t r = parse_unary(p);
    if (r == SIZE_MAX) return r;
    l = add_node(p, (node){k, l, r, 0});
  }
}

static size_t parse_expr(parser *p) {
  if (++p->depth > MAX_DEPTH) {
    p->error = "nested too deeply";
    return SIZE_MAX;
  }
  size_t l = parse_term(p);
  for (;;) {
    if (l == SIZE_MAX) break;
    skip_space(p);
    node_kind k;
    if (*p->s == '+')
      k = N_ADD;
    else if (*p->s == '-')
      k = N_SUB;
    else
      break;
    p->s++;
    size_t r = parse_term(p);
    if (r == SIZE_MAX) {
      l = r;
      break;
    }
    l = add_node(p, (node){k, l, r, 0});
  }
  p->depth--;
  return l;
}

/* ---- the interpreter: the reference the machine code is checked against - */

static const node *at(const pv_vec *nodes, size_t i) { return pv_vec_at(nodes, i); }

/* false when the expression would trap (division by zero, INT64_MIN / -1). */
static bool eval(const pv_vec *nodes, size_t i, const int64_t *vars, int64_t *out) {
  const node *n = at(nodes, i);
  int64_t l, r;
  switch (n->kind) {
  case N_NUM: *out = n->value; return true;
  case N_VAR: *out = vars[n->value]; return true;
  case N_NEG:
    if (!eval(nodes, n->lhs, vars, &l)) return false;
    *out = (int64_t)(0 - (uint64_t)l); /* wraps like `neg` */
    return true;
  default: break;
  }
  if (!eval(nodes, n->lhs, vars, &l) || !eval(nodes, n->rhs, vars, &r)) return false;
  switch (n->kind) {
  case N_ADD: *out = (int64_t)((uint64_t)l + (uint64_t)r); return true;
  case N_SUB: *out = (int64_t)((uint64_t)l - (uint64_t)r); return true;
  case N_MUL: *out = (int64_t)((uint64_t)l * (uint64_t)r); return true;
  case N_DIV:
  case N_MOD:
    if (r == 0 || (l == INT64_MIN && r == -1)) return false;
    *out = n->kind == N_DIV ? l / r : l % r;
    return true;
  default: return false;
  }
}

/* ---- the compiler: x86-64 bytes appended to the code buffer ------------- */

typedef struct emitter {
  pv_code *code;
  int rc; /* first error, sticky */
} emitter;

static void emit(emitter *e, const void *bytes, size_t n) {
  if (e->rc == 0) e->rc = pv_code_append(e->code, bytes, n, NULL);
}

static void emit_imm64(emitter *e, const unsigned char *op, size_t n, uint64_t v) {
  unsigned char b[16];
  memcpy(b, op, n);
  for (size_t i = 0; i < 8; i++) b[n + i] = (unsigned char)(v >> (8 * i));
  emit(e, b, n + 8);
}

static void compile_node(emitter *e, const pv_vec *nodes, size_t i) {
  static const unsigned char push_rax[] = {0x50}, pop_rax[] = {0x58},
                             mov_rcx_rax[] = {0x48, 0x89, 0xc1},
                             neg_rax[] = {0x48, 0xf7, 0xd8},
                             add_rax_rcx[] = {0x48, 0x01, 0xc8},
                             sub_rax_rcx[] = {0x48, 0x29, 0xc8},
                             imul_rax_rcx[] = {0x48, 0x0f, 0xaf, 0xc1},
                             cqo_idiv_rcx[] = {0x48, 0x99, 0x48, 0xf7, 0xf9},
                             mov_rax_rdx[] = {0x48, 0x89, 0xd0},
                             mov_rax_imm64[] = {0x48, 0xb8},
                             mov_rax_r9_disp32[] = {0x49, 0x8b, 0x81};
  const node *n = at(nodes, i);
  switch (n->kind) {
  case N_NUM:
    emit_imm64(e, mov_rax_imm64, sizeof mov_rax_imm64, (uint64_t)n->value);
    return;
  case N_VAR: { /* mov rax, [r9 + 8 * index] */
    unsigned char b[7];
    uint32_t disp = (uint32_t)(n->value * (int64_t)sizeof(int64_t));
    memcpy(b, mov_rax_r9_disp32, 3);
    for (size_t k = 0; k < 4; k++) b[3 + k] = (unsigned char)(disp >> (8 * k));
    emit(e, b, sizeof b);
    return;
  }
  case N_NEG:
    compile_node(e, nodes, n->lhs);
    emit(e, neg_rax, sizeof neg_rax);
    return;
  default: break;
  }
  compile_node(e, nodes, n->lhs);
  emit(e, push_rax, 1);
  compile_node(e, nodes, n->rhs);
  emit(e, mov_rcx_rax, sizeof mov_rcx_rax);
  emit(e, pop_rax, 1);
  switch (n->kind) {
  case N_ADD: emit(e, add_rax_rcx, sizeof add_rax_rcx); break;
  case N_SUB: emit(e, sub_rax_rcx, sizeof sub_rax_rcx); break;
  case N_MUL: emit(e, imul_rax_rcx, sizeof imul_rax_rcx); break;
  case N_DIV: emit(e, cqo_idiv_rcx, sizeof cqo_idiv_rcx); break;
  case N_MOD:
    emit(e, cqo_idiv_rcx, sizeof cqo_idiv_rcx);
    emit(e, mov_rax_rdx, sizeof mov_rax_rdx);
    break;
  default: break;
  }
}

/* Compile the tree rooted at `root` as one function; its offset in *off. */
static int compile(pv_code *code, const pv_vec *nodes, size_t root, size_t *off) {
#if defined(_WIN32)
  static const unsigned char prologue[] = {0x49, 0x89, 0xc9}; /* mov r9, rcx */
#else
  static const unsigned char prologue[] = {0x49, 0x89, 0xf9}; /* mov r9, rdi */
#endif
  static const unsigned char ret[] = {0xc3};
  const size_t start = code->len;
  /* Functions on 16-byte boundaries, padded with int3. */
  int rc = pv_code_align(code, 16, 0xcc);
  if (rc != 0) return rc;
  emitter e = {code, 0};
  *off = code->len;
  emit(&e, prologue, sizeof prologue);
  compile_node(&e, nodes, root);
  emit(&e, ret, sizeof ret);
  /* A failed compilation leaves nothing half-written behind. */
  if (e.rc != 0) pv_code_truncate(code, start);
  return e.rc;
}

typedef int64_t (*expr_fn)(const int64_t *vars);

/* ---- random expressions --------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Write a random expression of at most `depth` levels into buf. */
static void random_expr(char *buf, size_t size, size_t *len, int depth) {
  static const char ops[] = "+-*/%";
  char tmp[32];
  unsigned pick = depth <= 0 ? (unsigned)(rnd() % 2) : (unsigned)(rnd() % 6);
  switch (pick) {
  case 0: /* number: mostly small, sometimes near the 64-bit edges */
    if (rnd() % 8 == 0)
      snprintf(tmp, sizeof tmp, "%" PRIu64, rnd() >> 1);
    else
      snprintf(tmp, sizeof tmp, "%u", (unsigned)(rnd() % 100));
    break;
  case 1: snprintf(tmp, sizeof tmp, "%c", (char)('a' + rnd() % 5)); break;
  case 2:
    if (*len + 2 < size) buf[(*len)++] = '-', buf[(*len)++] = '(';
    random_expr(buf, size, len, depth - 1);
    if (*len + 1 < size) buf[(*len)++] = ')';
    buf[*len] = '\0';
    return;
  default:
    if (*len + 1 < size) buf[(*len)++] = '(';
    random_expr(buf, size, len, depth - 1);
    snprintf(tmp, sizeof tmp, " %c ", ops[rnd() % 5]);
    for (const char *t = tmp; *t && *len + 1 < size; t++) buf[(*len)++] = *t;
    random_expr(buf, size, len, depth - 1);
    if (*len + 1 < size) buf[(*len)++] = ')';
    buf[*len] = '\0';
    return;
  }
  for (const char *t = tmp; *t && *len + 1 < size; t++) buf[(*len)++] = *t;
  buf[*len] = '\0';
}

/* ---- main ------------------------------------------------------------------ */

static int usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s [--dual] [-v] [--] EXPR [NAME=VALUE ...]\n"
          "       %s [--dual] [-v] --random N [SEED]\n",
          argv0, argv0);
  return 2;
}

static int parse_tree(const char *text, pv_vec *nodes, size_t *root) {
  parser p = {text, nodes, 0, NULL};
  *root = parse_expr(&p);
  if (*root != SIZE_MAX) {
    skip_space(&p);
    if (*p.s != '\0') p.error = "unexpected character";
  }
  if (p.error != NULL) {
    fprintf(stderr, "parse error at offset %td: %s\n", p.s - text, p.error);
    return -1;
  }
  return 0;
}

/* Compile and run many random expressions: all are compiled into one
 * buffer first (it grows; nothing moves), then sealed once and run. */
static int run_random(pv_code *code, unsigned long count, bool verbose) {
  enum { EXPR_SIZE = 512, DEPTH = 6 };
  typedef struct job {
    size_t off;
    int64_t want;
  } job;
  pv_vec jobs;
  int64_t vars[NVARS] = {0};
  for (int i = 0; i < 5; i++) vars[i] = (int64_t)(rnd() % 2001) - 1000;
  vars[4] = INT64_MIN; /* e: the edge the hardware wraps on */
  if (pv_vec_init(&jobs, sizeof(job)) != 0) return 1;
  unsigned long skipped = 0;
  for (unsigned long i = 0; i < count; i++) {
    char text[EXPR_SIZE];
    size_t len = 0;
    text[0] = '\0';
    random_expr(text, sizeof text, &len, DEPTH);
    pv_vec nodes;
    size_t root;
    job j;
    if (pv_vec_init(&nodes, sizeof(node)) != 0) return 1;
    int rc = parse_tree(text, &nodes, &root);
    bool ok = rc == 0 && eval(&nodes, root, vars, &j.want);
    if (rc != 0) {
      fprintf(stderr, "generated expression does not parse: %s\n", text);
      return 1;
    }
    if (!ok) {
      skipped++; /* would trap: division by zero or INT64_MIN / -1 */
    } else if ((rc = compile(code, &nodes, root, &j.off)) != 0 ||
               (rc = pv_vec_push(&jobs, &j)) != 0) {
      fprintf(stderr, "compile: %s\n", pv_strerror(rc));
      return 1;
    } else if (verbose) {
      printf("%s = %" PRId64 "\n", text, j.want);
    }
    pv_vec_destroy(&nodes);
  }
  int rc = pv_code_seal(code);
  if (rc != 0) {
    fprintf(stderr, "seal: %s\n", pv_strerror(rc));
    return 1;
  }
  unsigned long bad = 0;
  for (size_t i = 0; i < pv_vec_len(&jobs); i++) {
    const job *j = pv_vec_at(&jobs, i);
    expr_fn f = (expr_fn)pv_code_fn(code, j->off);
    int64_t got = f(vars);
    if (got != j->want) {
      fprintf(stderr, "expression %zu: jit %" PRId64 ", interpreter %" PRId64 "\n", i,
              got, j->want);
      bad++;
    }
  }
  printf("random: %zu expressions compiled and run, %lu skipped (would trap), %lu "
         "mismatches; %zu bytes of code, %s mapping\n",
         pv_vec_len(&jobs), skipped, bad, code->len,
         pv_code_scheme_name(pv_code_scheme(code)));
  pv_vec_destroy(&jobs);
  return bad == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
#if !(defined(__x86_64__) || defined(_M_X64))
  (void)argc;
  (void)argv;
  fprintf(stderr, "jit_expr generates x86-64 code; this is not an x86-64 machine\n");
  return 77;
#else
  bool dual = false, verbose = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0' &&
         !(argv[i][1] >= '0' && argv[i][1] <= '9');
       i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--dual") == 0)
      dual = true;
    else if (strcmp(argv[i], "-v") == 0)
      verbose = true;
    else if (strcmp(argv[i], "--random") == 0)
      break;
    else
      return usage(argv[0]);
  }
  if (i >= argc) return usage(argv[0]);

  pv_code code;
  pv_code_opts opts = {0, 0, dual ? PV_CODE_FORCE_DUAL : 0};
  int rc = pv_code_init(&code, &opts);
  if (rc != 0) {
    fprintf(stderr, "code buffer: %s\n", pv_strerror(rc));
    return 1;
  }
  if (verbose)
    fprintf(stderr, "code buffer: %s mapping\n", pv_code_scheme_name(pv_code_scheme(&code)));

  int status;
  if (strcmp(argv[i], "--random") == 0) {
    if (i + 1 >= argc) return usage(argv[0]);
    unsigned long count = strtoul(argv[i + 1], NULL, 10);
    rng_state = i + 2 < argc ? strtoull(argv[i + 2], NULL, 0) : 88172645463325252u;
    if (rng_state == 0) rng_state = 1;
    status = run_random(&code, count, verbose);
  } else {
    const char *text = argv[i];
    int64_t vars[NVARS] = {0};
    for (int k = i + 1; k < argc; k++) {
      const char *a = argv[k];
      if (a[0] < 'a' || a[0] > 'z' || a[1] != '=') return usage(argv[0]);
      char *end;
      vars[a[0] - 'a'] = strtoll(a + 2, &end, 10);
      if (*end != '\0') return usage(argv[0]);
    }
    pv_vec nodes;
    size_t root, off;
    int64_t want;
    status = 1;
    if (pv_vec_init(&nodes, sizeof(node)) == 0 && parse_tree(text, &nodes, &root) == 0) {
      if (!eval(&nodes, root, vars, &want)) {
        fprintf(stderr, "division by zero or overflow: not run\n");
      } else if ((rc = compile(&code, &nodes, root, &off)) != 0 ||
                 (rc = pv_code_seal(&code)) != 0) {
        fprintf(stderr, "compile: %s\n", pv_strerror(rc));
      } else {
        expr_fn f = (expr_fn)pv_code_fn(&code, off);
        int64_t got = f(vars);
        if (verbose)
          fprintf(stderr, "%zu bytes of code at %p; interpreter says %" PRId64 "\n",
                  code.len - off, pv_code_exec_addr(&code, off), want);
        if (got == want) {
          printf("%" PRId64 "\n", got);
          status = 0;
        } else {
          fprintf(stderr, "MISMATCH: jit %" PRId64 ", interpreter %" PRId64 "\n", got, want);
        }
      }
    }
    pv_vec_destroy(&nodes);
  }
  pv_code_destroy(&code);
  return status;
#endif
}

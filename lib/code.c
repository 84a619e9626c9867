/*
 * lib/code.c - the JIT code buffer (pv_code_*), portable: it sees the OS only
 * through lib/os.h.
 *
 * Layout: one reservation of pv_max bytes per view, committed from its start
 * up to cap; [cap, pv_max) stays reserved with no access, so running off the
 * end of the code faults.  Nothing is ever moved, which is what lets a JIT
 * hand out function pointers and emit PC-relative calls between functions.
 *
 * W^X: the ANON scheme flips the one view between READ|WRITE and READ|EXEC.
 * The DUAL scheme keeps exactly one of its two views accessible: open, the
 * write view is READ|WRITE and the exec view has no access; sealed, the
 * other way round.  Every transition first takes a right away and then
 * grants the other, so no instant has a page both writable and executable.
 */
#include "config.h"

#include <string.h>

#include "os.h"
#include "paged_vec/code.h"

#define RX (PV_PROT_READ | PV_PROT_EXEC)
#define FLAGS_ALL (PV_CODE_FORCE_DUAL | PV_CODE_NO_DUAL)

static bool live(const pv_code *c) {
  return c != NULL && c->pv_scheme != PV_CODE_SCHEME_NONE;
}

/* ---- init ---------------------------------------------------------------- */

/* One anonymous reservation with its first pages committed read-write.
 * SELinux deny_execmem (and PaX MPROTECT, Windows Arbitrary Code Guard)
 * refuse to make anonymous memory executable; find that out now, by
 * flipping the first page to READ|EXEC and back, before any code address
 * has been handed out. */
static int init_anon(size_t max, size_t first, pv_code *out) {
  const size_t page = pv__os_caps_get()->page_size;
  void *base;
  int rc = pv__os_map(max, 0, PV_PROT_NONE, &base);
  if (rc != 0) return rc;
  rc = pv__os_commit(base, first, PV__PROT_RW);
  if (rc == 0) rc = pv__os_protect(base, page, RX);
  if (rc == 0) rc = pv__os_protect(base, page, PV__PROT_RW);
  if (rc != 0) {
    pv__os_unmap(base, max);
    return rc;
  }
  out->pv_write = out->pv_exec = base;
  out->pv_scheme = PV_CODE_SCHEME_ANON;
  return 0;
}

/* Two views of one memory object, the write view open.  The same probe as
 * for anonymous memory, keeping W^X while it runs: the write view's first
 * page loses its access before the exec view's gains EXEC. */
static int init_dual(size_t max, size_t first, pv_code *out) {
  const size_t page = pv__os_caps_get()->page_size;
  void *w, *x;
  intptr_t h;
  int rc = pv__os_dual_map(max, &w, &x, &h);
  if (rc != 0) return rc;
  rc = pv__os_dual_grow(h, w, x, 0, first, PV__PROT_RW, PV_PROT_NONE);
  if (rc == 0) rc = pv__os_protect(w, page, PV_PROT_NONE);
  if (rc == 0) rc = pv__os_protect(x, page, RX);
  if (rc == 0) rc = pv__os_protect(x, page, PV_PROT_NONE);
  if (rc == 0) rc = pv__os_protect(w, page, PV__PROT_RW);
  if (rc != 0) {
    pv__os_dual_unmap(h, w, x, max);
    return rc;
  }
  out->pv_write = w;
  out->pv_exec = x;
  out->pv_handle = h;
  out->pv_scheme = PV_CODE_SCHEME_DUAL;
  return 0;
}

int pv_code_init(pv_code *c, const pv_code_opts *opts) {
  pv_code_opts o = {0, 0, 0};
  if (c == NULL) return PV_EINVAL;
  if (opts != NULL) o = *opts;
  if ((o.flags & ~(unsigned)FLAGS_ALL) ||
      (o.flags & FLAGS_ALL) == FLAGS_ALL)
    return PV_EINVAL;
  if (o.max_size == 0) o.max_size = PV_CODE_DEFAULT_MAX;
  if (o.initial_size > o.max_size) return PV_EINVAL;
  const pv__os_caps *caps = pv__os_caps_get();
  if (!caps->can_exec) return PV_ENOTSUP;
  size_t max, first;
  if (!pv__round_up(o.max_size, caps->page_size, &max) ||
      !pv__round_up(o.initial_size == 0 ? 1 : o.initial_size, caps->page_size,
                    &first))
    return PV_EOVERFLOW;

  pv_code t;
  memset(&t, 0, sizeof t);
  int rc;
  if (o.flags & PV_CODE_FORCE_DUAL) {
    rc = init_dual(max, first, &t);
  } else {
    rc = init_anon(max, first, &t);
    if (rc == PV_EACCES && !(o.flags & PV_CODE_NO_DUAL)) {
      rc = init_dual(max, first, &t);
      /* No dual mapping here: the refusal is the reason to report. */
      if (rc == PV_ENOTSUP) rc = PV_EACCES;
    }
  }
  if (rc != 0) return rc;
  t.cap = first;
  t.pv_max = max;
  *c = t;
  return 0;
}

int pv_code_destroy(pv_code *c) {
  if (c == NULL) return PV_EINVAL;
  if (c->pv_scheme == PV_CODE_SCHEME_NONE) return 0;
  int rc = c->pv_scheme == PV_CODE_SCHEME_DUAL
               ? pv__os_dual_unmap(c->pv_handle, c->pv_write, c->pv_exec, c->pv_max)
               : pv__os_unmap(c->pv_write, c->pv_max);
  if (rc != 0) return rc;
  memset(c, 0, sizeof *c);
  return 0;
}

/* ---- writing ------------------------------------------------------------- */

/* Commit [c->cap, new_cap) in the open state's protections. */
static int commit_to(pv_code *c, size_t new_cap) {
  if (c->pv_scheme == PV_CODE_SCHEME_DUAL)
    return pv__os_dual_grow(c->pv_handle, c->pv_write, c->pv_exec, c->cap,
                            new_cap, PV__PROT_RW, PV_PROT_NONE);
  return pv__os_commit((char *)c->pv_write + c->cap, new_cap - c->cap, PV__PROT_RW);
}

/* Make room for n more bytes: checks shared by every appending call, then
 * geometric growth (doubling, capped at the reservation) so that a JIT
 * appending instruction by instruction makes O(log n) system calls. */
static int make_room(pv_code *c, size_t n) {
  if (!live(c)) return PV_EINVAL;
  if (c->pv_sealed) return PV_EACCES;
  if (n > SIZE_MAX - c->len) return PV_EOVERFLOW;
  size_t need = c->len + n;
  if (need <= c->cap) return 0;
  if (need > c->pv_max) return PV_ENOSPC;
  size_t exact = c->pv_max; /* rounding cannot overflow: need <= pv_max,
                               itself a page multiple */
  (void)pv__round_up(need, pv__os_caps_get()->page_size, &exact);
  size_t grown = c->cap <= c->pv_max / 2 ? 2 * c->cap : c->pv_max;
  size_t target = grown > exact ? grown : exact;
  int rc = commit_to(c, target);
  /* Under a tight commit limit the doubled size may be refused where the
   * bytes actually needed are not. */
  if (rc == PV_ENOMEM && target > exact) {
    target = exact;
    rc = commit_to(c, target);
  }
  if (rc != 0) return rc;
  c->cap = target;
  return 0;
}

int pv_code_append(pv_code *c, const void *bytes, size_t n, size_t *off) {
  if (live(c) && bytes == NULL && n > 0) return PV_EINVAL;
  int rc = make_room(c, n);
  if (rc != 0) return rc;
  if (n > 0) memcpy((char *)c->pv_write + c->len, bytes, n);
  if (off != NULL) *off = c->len;
  c->len += n;
  return 0;
}

int pv_code_emit(pv_code *c, size_t n, void **dst, size_t *off) {
  if (dst == NULL) return PV_EINVAL;
  int rc = make_room(c, n);
  if (rc != 0) return rc;
  *dst = (char *)c->pv_write + c->len;
  if (off != NULL) *off = c->len;
  c->len += n;
  return 0;
}

int pv_code_align(pv_code *c, size_t align, unsigned char fill) {
  if (!live(c) || align == 0 || (align & (align - 1)) != 0 ||
      align > pv__os_caps_get()->page_size)
    return PV_EINVAL;
  size_t pad = (align - (c->len & (align - 1))) & (align - 1);
  int rc = make_room(c, pad);
  if (rc != 0) return rc;
  memset((char *)c->pv_write + c->len, fill, pad);
  c->len += pad;
  return 0;
}

int pv_code_patch(pv_code *c, size_t off, const void *bytes, size_t n) {
  if (!live(c) || (bytes == NULL && n > 0)) return PV_EINVAL;
  if (c->pv_sealed) return PV_EACCES;
  if (off > c->len || n > c->len - off) return PV_ERANGE;
  /* memmove: the source may be other code in the same buffer. */
  if (n > 0) memmove((char *)c->pv_write + off, bytes, n);
  return 0;
}

int pv_code_truncate(pv_code *c, size_t n) {
  if (!live(c)) return PV_EINVAL;
  if (c->pv_sealed) return PV_EACCES;
  if (n > c->len) return PV_ERANGE;
  c->len = n;
  return 0;
}

/* ---- state changes ------------------------------------------------------- */

int pv_code_seal(pv_code *c) {
  if (!live(c)) return PV_EINVAL;
  if (c->pv_sealed) return 0;
  int rc;
  if (c->pv_scheme == PV_CODE_SCHEME_DUAL) {
    rc = pv__os_protect(c->pv_write, c->cap, PV_PROT_NONE);
    if (rc != 0) return rc;
    rc = pv__os_protect(c->pv_exec, c->cap, RX);
    if (rc != 0) {
      /* Give the write view back.  If even that fails, no view is
       * accessible (still W^X) and sealing again retries both steps. */
      pv__os_protect(c->pv_write, c->cap, PV__PROT_RW);
      return rc;
    }
  } else {
    rc = pv__os_protect(c->pv_exec, c->cap, RX);
    if (rc != 0) return rc;
  }
  if (c->len > 0) pv__os_icache_flush(c->pv_exec, c->len);
  c->pv_sealed = 1;
  return 0;
}

int pv_code_reopen(pv_code *c) {
  if (!live(c)) return PV_EINVAL;
  if (!c->pv_sealed) return 0;
  int rc;
  if (c->pv_scheme == PV_CODE_SCHEME_DUAL) {
    rc = pv__os_protect(c->pv_exec, c->cap, PV_PROT_NONE);
    if (rc != 0) return rc;
    rc = pv__os_protect(c->pv_write, c->cap, PV__PROT_RW);
    if (rc != 0) {
      pv__os_protect(c->pv_exec, c->cap, RX);
      return rc;
    }
  } else {
    rc = pv__os_protect(c->pv_write, c->cap, PV__PROT_RW);
    if (rc != 0) return rc;
  }
  c->pv_sealed = 0;
  return 0;
}

/* ---- queries ------------------------------------------------------------- */

pv_fn pv_code_fn(const pv_code *c, size_t off) {
  if (!live(c) || !c->pv_sealed || off >= c->len) return NULL;
  /* ISO C has no object-to-function pointer conversion; POSIX (dlsym) and
   * Windows (GetProcAddress) both guarantee the representation. */
  pv_fn fn;
  void *code = (char *)c->pv_exec + off;
  memcpy(&fn, &code, sizeof fn);
  return fn;
}

const void *pv_code_exec_addr(const pv_code *c, size_t off) {
  if (!live(c) || off > c->len) return NULL;
  return (const char *)c->pv_exec + off;
}

int pv_code_scheme(const pv_code *c) {
  return c == NULL ? PV_CODE_SCHEME_NONE : (int)c->pv_scheme;
}

const char *pv_code_scheme_name(int scheme) {
  switch (scheme) {
  case PV_CODE_SCHEME_NONE: return "none";
  case PV_CODE_SCHEME_ANON: return "anon";
  case PV_CODE_SCHEME_DUAL: return "dual";
  default: return "unknown";
  }
}

bool pv_code_sealed(const pv_code *c) { return live(c) && c->pv_sealed != 0; }

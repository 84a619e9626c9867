/*
 * lib/pages.c - the page core (pv_pages_*), portable: it sees the OS only
 * through lib/os.h and branches on the capabilities it reports.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "os.h"
#include "paged_vec/pages.h"

#define PV__MAP_FLAGS_ALL (PV_MAP_HUGE | PV_MAP_ALLOW_EXEC | PV_MAP_ALLOW_WX)
#define WX (PV_PROT_WRITE | PV_PROT_EXEC)

size_t pv_page_size(void) { return pv__os_caps_get()->page_size; }

size_t pv_huge_page_size(void) { return pv__os_caps_get()->huge_page_size; }

/* W^X and the exec opt-ins, shared by map and protect. */
static int check_prot(unsigned prot, unsigned flags) {
  if (prot & ~(unsigned)PV__PROT_ALL) return PV_EINVAL;
  if (!(prot & PV_PROT_EXEC)) return 0;
  if (!pv__os_caps_get()->can_exec) return PV_ENOTSUP;
  if (!(flags & (PV_MAP_ALLOW_EXEC | PV_MAP_ALLOW_WX))) return PV_EACCES;
  if ((prot & WX) == WX && !(flags & PV_MAP_ALLOW_WX)) return PV_EACCES;
  return 0;
}

/* Huge pages only back huge-page-aligned ranges: align a HUGE mapping to the
 * huge page size once it is at least that long. */
static size_t map_align(unsigned flags, size_t len) {
  const pv__os_caps *c = pv__os_caps_get();
  if ((flags & PV_MAP_HUGE) && c->huge_page_size > c->alloc_granularity &&
      len >= c->huge_page_size)
    return c->huge_page_size;
  return 0;
}

static int advise_huge(void *addr, size_t len, unsigned flags) {
  if (!(flags & PV_MAP_HUGE) || !pv__os_caps_get()->thp) return 0;
  return pv__os_advise(addr, len, PV_ADVISE_HUGEPAGE);
}

int pv_pages_map(pv_pages *p, size_t len, unsigned prot, unsigned flags) {
  if (p == NULL || len == 0 || (flags & ~(unsigned)PV__MAP_FLAGS_ALL))
    return PV_EINVAL;
  int rc = check_prot(prot, flags);
  if (rc != 0) return rc;
  if ((flags & (PV_MAP_ALLOW_EXEC | PV_MAP_ALLOW_WX)) && !pv__os_caps_get()->can_exec)
    return PV_ENOTSUP;
  size_t size;
  if (!pv__round_up(len, pv__os_caps_get()->page_size, &size)) return PV_EOVERFLOW;
  void *addr;
  rc = pv__os_map(size, map_align(flags, size), prot, &addr);
  if (rc != 0) return rc;
  rc = advise_huge(addr, size, flags);
  if (rc != 0) {
    /* The caller asked for huge pages and the kernel refused the hint for
     * lack of memory: report it rather than return a mapping without. */
    pv__os_unmap(addr, size);
    return rc;
  }
  p->addr = addr;
  p->len = size;
  p->pv_prot = prot;
  p->pv_flags = flags;
  return 0;
}

int pv_pages_unmap(pv_pages *p) {
  if (p == NULL) return PV_EINVAL;
  if (p->addr == NULL) return 0;
  int rc = pv__os_unmap(p->addr, p->len);
  if (rc != 0) return rc;
  memset(p, 0, sizeof *p);
  return 0;
}

int pv_pages_protect(pv_pages *p, unsigned prot) {
  if (p == NULL || p->addr == NULL) return PV_EINVAL;
  int rc = check_prot(prot, p->pv_flags);
  if (rc != 0) return rc;
  rc = pv__os_protect(p->addr, p->len, prot);
  if (rc != 0) return rc;
  if ((prot & PV_PROT_EXEC) && !(p->pv_prot & PV_PROT_EXEC))
    pv__os_icache_flush(p->addr, p->len);
  p->pv_prot = prot;
  return 0;
}

/* Resize without mremap: a new mapping, a copy, and the old one released.
 * Every step that can fail comes before the old mapping is released.
 *
 * The copy has to read the old pages.  When their protection forbids that
 * (NONE, WRITE or EXEC alone) READ is added to the old mapping for the
 * copy and taken away again if a later step fails: the caller asked for a
 * resize, and the protection is ours to manage while we do it.  Taking READ
 * away again covers exactly the range we widened, so the kernel has no
 * mapping to split and no memory to charge; should it fail all the same,
 * the first error is still what the caller gets. */
static int resize_by_copy(pv_pages *p, size_t size) {
  const pv__os_caps *c = pv__os_caps_get();
  if (size < p->len && c->partial_release) {
    int rc = pv__os_release_tail((char *)p->addr + size, p->len - size);
    if (rc != 0) return rc;
    p->len = size;
    return 0;
  }
  void *addr;
  int rc = pv__os_map(size, map_align(p->pv_flags, size),
                      PV_PROT_READ | PV_PROT_WRITE, &addr);
  if (rc != 0) return rc;
  rc = advise_huge(addr, size, p->pv_flags);
  const bool widen = !(p->pv_prot & PV_PROT_READ);
  if (rc == 0 && widen)
    rc = pv__os_protect(p->addr, p->len, p->pv_prot | PV_PROT_READ);
  if (rc == 0) {
    memcpy(addr, p->addr, size < p->len ? size : p->len);
    if (p->pv_prot != (PV_PROT_READ | PV_PROT_WRITE))
      rc = pv__os_protect(addr, size, p->pv_prot);
    if (rc == 0) rc = pv__os_unmap(p->addr, p->len);
    if (rc != 0 && widen) (void)pv__os_protect(p->addr, p->len, p->pv_prot);
  }
  if (rc != 0) {
    pv__os_unmap(addr, size);
    return rc;
  }
  if (p->pv_prot & PV_PROT_EXEC) pv__os_icache_flush(addr, size);
  p->addr = addr;
  p->len = size;
  return 0;
}

int pv_pages_resize(pv_pages *p, size_t new_len) {
  if (p == NULL || p->addr == NULL || new_len == 0) return PV_EINVAL;
  size_t size;
  if (!pv__round_up(new_len, pv__os_caps_get()->page_size, &size))
    return PV_EOVERFLOW;
  if (size == p->len) return 0;
  if (!pv__os_caps_get()->can_remap) return resize_by_copy(p, size);
  void *addr;
  int rc = pv__os_remap(p->addr, p->len, size, map_align(p->pv_flags, size), 0,
                        &addr);
  /* Advice on part of the range (pv_pages_advise) splits it into several
   * kernel mappings, which mremap cannot grow (EFAULT; PV_EINVAL here, as
   * every argument was valid): copy instead.  A split survives a move: the
   * moved pages keep their advice and the grown tail gets the huge hint. */
  if (rc == PV_EINVAL) return resize_by_copy(p, size);
  if (rc != 0) return rc;
  if (size > p->len) {
    /* The grown tail is a new range: give it the same huge-page hint.  On
     * failure shrink back so that nothing changed.  That is only possible
     * when it grew in place: once the kernel moved it, the old range is
     * gone, so keep the grown mapping (the hint is best effort there). */
    rc = advise_huge((char *)addr + p->len, size - p->len, p->pv_flags);
    if (rc != 0) {
      void *back;
      if (addr == p->addr && pv__os_remap(addr, size, p->len, 0, 0, &back) == 0)
        return rc;
      p->addr = addr;
      p->len = size;
      return 0;
    }
  }
  p->addr = addr;
  p->len = size;
  return 0;
}

/* Validate [off, off + len) against the mapping; *size is len in pages. */
static int check_range(const pv_pages *p, size_t off, size_t len, size_t *size) {
  if (p == NULL || p->addr == NULL || len == 0) return PV_EINVAL;
  if (off % pv__os_caps_get()->page_size != 0) return PV_EINVAL;
  if (off >= p->len) return PV_ERANGE;
  if (!pv__round_up(len, pv__os_caps_get()->page_size, size)) return PV_ERANGE;
  if (*size > p->len - off) return PV_ERANGE;
  return 0;
}

int pv_pages_decommit(pv_pages *p, size_t off, size_t len) {
  size_t size;
  int rc = check_range(p, off, len, &size);
  if (rc != 0) return rc;
  return pv__os_decommit((char *)p->addr + off, size);
}

int pv_pages_advise(pv_pages *p, size_t off, size_t len, pv_advice advice) {
  if ((unsigned)advice > (unsigned)PV_ADVISE_PAGEOUT) return PV_EINVAL;
  size_t size;
  int rc = check_range(p, off, len, &size);
  if (rc != 0) return rc;
  return pv__os_advise((char *)p->addr + off, size, advice);
}

pv_fn pv_pages_fn(const pv_pages *p, size_t off) {
  if (p == NULL || p->addr == NULL || !(p->pv_prot & PV_PROT_EXEC) ||
      off >= p->len)
    return NULL;
  /* ISO C has no object-to-function pointer conversion; POSIX (dlsym)
   * and Windows (GetProcAddress) both guarantee the representation. */
  pv_fn fn;
  void *code = (char *)p->addr + off;
  memcpy(&fn, &code, sizeof fn);
  return fn;
}

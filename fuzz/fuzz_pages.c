/*
 * fuzz/fuzz_pages.c - differential fuzzing of the page core.
 *
 * The input is a sequence of map / unmap / protect / resize / decommit /
 * advise / write / fn calls with arbitrary lengths, offsets, protection and
 * flag bits.  A model keeps what the mapping must contain and which code
 * each call must return (worked out from pages.h, independently of
 * pages.c); after every step the code, the length and, when readable, every
 * byte must match.  A call can run with an OS-layer fault injected: it must
 * then succeed or fail with the injected code, changing nothing.  After
 * each input no address space may be left.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "fuzz_common.h"
#include "os.h"
#include "paged_vec.h"

#define MAX_PAGES 64
#define FLAGS_ALL (PV_MAP_HUGE | PV_MAP_ALLOW_EXEC | PV_MAP_ALLOW_WX)

static const unsigned prots[] = {
    PV__PROT_RW, PV_PROT_READ, PV_PROT_NONE, PV_PROT_READ | PV_PROT_EXEC,
    PV__PROT_RW | PV_PROT_EXEC, PV_PROT_WRITE, PV_PROT_EXEC, PV__PROT_RW | (1u << 3), ~0u};
static const unsigned flagsets[] = {
    0, PV_MAP_HUGE, PV_MAP_ALLOW_EXEC, PV_MAP_ALLOW_WX,
    PV_MAP_HUGE | PV_MAP_ALLOW_EXEC, 1u << 3, ~0u};

/* pages.h: the code a protection gets under these map flags. */
static int prot_code(unsigned prot, unsigned flags) {
  const pv__os_caps *c = pv__os_caps_get();
  if (prot & ~(unsigned)PV__PROT_ALL) return PV_EINVAL;
  if (!(prot & PV_PROT_EXEC)) return 0;
  if (!c->can_exec) return PV_ENOTSUP;
  if (!(flags & (PV_MAP_ALLOW_EXEC | PV_MAP_ALLOW_WX))) return PV_EACCES;
  if ((prot & (PV_PROT_WRITE | PV_PROT_EXEC)) == (PV_PROT_WRITE | PV_PROT_EXEC) &&
      !(flags & PV_MAP_ALLOW_WX))
    return PV_EACCES;
  return 0;
}

/* pages.h: the code a range gets. */
static int range_code(bool mapped, size_t plen, size_t off, size_t len) {
  size_t page = pv_page_size();
  if (!mapped || len == 0 || off % page != 0) return PV_EINVAL;
  if (off >= plen) return PV_ERANGE;
  size_t r = (len + page - 1) / page * page;
  if (len > SIZE_MAX - page + 1 || r > plen - off) return PV_ERANGE;
  return 0;
}

static size_t round_page(size_t n) {
  size_t page = pv_page_size();
  return (n + page - 1) / page * page;
}

enum { OP_MAP, OP_UNMAP, OP_PROTECT, OP_RESIZE, OP_DECOMMIT, OP_ADVISE,
       OP_WRITE, OP_FN, OP_FAULT, OP_COUNT };

/* An offset: mostly page multiples inside or near the mapping, sometimes
 * misaligned or far out. */
static size_t pick_off(fz_in *in, size_t plen) {
  size_t page = pv_page_size();
  unsigned s = fz_u8(in);
  if (s < 200) return (fz_count(in, MAX_PAGES + 1) * page) % (plen + 2 * page);
  if (s < 240) return fz_u16(in);
  return SIZE_MAX - fz_u8(in);
}

static size_t pick_len(fz_in *in) {
  size_t page = pv_page_size();
  unsigned s = fz_u8(in);
  if (s < 160) return fz_count(in, MAX_PAGES) * page;
  if (s < 240) return fz_u16(in) % (MAX_PAGES * page + 1);
  return SIZE_MAX - fz_u8(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_in in = {data, size};
  const pv__os_caps *caps = pv__os_caps_get();
  const size_t page = pv_page_size();
  static unsigned char model[MAX_PAGES * 2 * 4096 * 16]; /* up to 64 KiB pages */
  pv_pages p = {0};
  bool mapped = false;
  unsigned prot = 0, flags = 0;
  unsigned long fault_at = 0;
  FUZZ_CHECK(MAX_PAGES * 2 * page <= sizeof model, "page size %zu too big", page);

  for (unsigned steps = 0; fz_more(&in) && steps < 100; steps++) {
    unsigned op = fz_u8(&in) % OP_COUNT;
    pv_pages before = p;
    int rc = 0, want = 0;
    bool skip = false;
    const char *name = "?";
    if (fault_at != 0) pv__os_fault_set(fault_at, PV_ENOMEM);
    switch (op) {
    case OP_MAP: {
      name = "map";
      if (mapped) { skip = true; break; }
      size_t len = 1 + fz_count(&in, MAX_PAGES * page - 1);
      unsigned pr = prots[fz_u8(&in) % (sizeof prots / sizeof prots[0])];
      unsigned fl = flagsets[fz_u8(&in) % (sizeof flagsets / sizeof flagsets[0])];
      if (fz_u8(&in) == 0xff) len = 0;
      if (len == 0 || (fl & ~(unsigned)FLAGS_ALL)) want = PV_EINVAL;
      else if ((want = prot_code(pr, fl)) == 0 &&
               (fl & (PV_MAP_ALLOW_EXEC | PV_MAP_ALLOW_WX)) && !caps->can_exec)
        want = PV_ENOTSUP;
      rc = pv_pages_map(&p, len, pr, fl);
      if (rc == 0) {
        FUZZ_CHECK(p.len == round_page(len), "map: len %zu for %zu", p.len, len);
        mapped = true;
        prot = pr;
        flags = fl;
        memset(model, 0, p.len);
      }
      break;
    }
    case OP_UNMAP:
      name = "unmap";
      rc = pv_pages_unmap(&p);
      if (rc == 0) {
        FUZZ_CHECK(p.addr == NULL && p.len == 0, "unmap: struct not reset");
        mapped = false;
      }
      break;
    case OP_PROTECT: {
      name = "protect";
      unsigned pr = prots[fz_u8(&in) % (sizeof prots / sizeof prots[0])];
      want = mapped ? prot_code(pr, flags) : PV_EINVAL;
      rc = pv_pages_protect(&p, pr);
      if (rc == 0) prot = pr;
      break;
    }
    case OP_RESIZE: {
      name = "resize";
      size_t len = fz_count(&in, MAX_PAGES * page);
      /* Whatever the protection and however advice split the mapping. */
      if (!mapped || len == 0) want = PV_EINVAL;
      size_t old = p.len;
      rc = pv_pages_resize(&p, len);
      if (rc == 0) {
        size_t nl = round_page(len);
        FUZZ_CHECK(p.len == nl, "resize: len %zu, want %zu", p.len, nl);
        if (nl > old) memset(model + old, 0, nl - old);
      }
      break;
    }
    case OP_DECOMMIT: {
      name = "decommit";
      size_t off = pick_off(&in, p.len), len = pick_len(&in);
      want = range_code(mapped, p.len, off, len);
      rc = pv_pages_decommit(&p, off, len);
      if (rc == 0) {
        if (caps->decommit_zeroes) memset(model + off, 0, round_page(len));
        else if (prot & PV_PROT_READ)
          memcpy(model + off, (char *)p.addr + off, round_page(len));
      }
      break;
    }
    case OP_ADVISE: {
      name = "advise";
      size_t off = pick_off(&in, p.len), len = pick_len(&in);
      unsigned adv = fz_u8(&in) % 8;
      want = adv > PV_ADVISE_PAGEOUT ? PV_EINVAL
                                     : range_code(mapped, p.len, off, len);
      rc = pv_pages_advise(&p, off, len, (pv_advice)adv);
      break;
    }
    case OP_WRITE: {
      name = "write";
      if (!mapped || !(prot & PV_PROT_WRITE)) { skip = true; break; }
      size_t off = fz_count(&in, p.len - 1);
      size_t len = fz_count(&in, p.len - off);
      unsigned char b = (unsigned char)fz_u8(&in);
      memset((char *)p.addr + off, b, len);
      memset(model + off, b, len);
      break;
    }
    case OP_FN: {
      name = "fn";
      size_t off = pick_off(&in, p.len);
      bool exec = mapped && (prot & PV_PROT_EXEC) && prot_code(prot, flags) == 0;
      FUZZ_CHECK((pv_pages_fn(&p, off) != NULL) == (exec && off < p.len),
                 "fn(%zu) on prot %u", off, prot);
      break;
    }
    case OP_FAULT:
      name = "arm fault";
      fault_at = 1 + fz_u8(&in) % 5;
      pv__os_fault_set(0, 0);
      continue;
    }
    bool faulted = fault_at != 0 && pv__os_fault_calls() >= fault_at;
    pv__os_fault_set(0, 0);
    if (fz_trace())
      fprintf(stderr, "step %u: %s -> %s (want %s)%s len %zu prot %u\n", steps,
              name, pv_errname(rc), pv_errname(want),
              faulted ? " [fault hit]" : "", p.len, prot);
    fault_at = 0;
    if (skip) continue;
    if (faulted && rc != 0 && want == 0) {
      FUZZ_CHECK(rc == PV_ENOMEM, "%s: fault gave %s", name, pv_errname(rc));
    } else {
      FUZZ_CHECK(rc == want, "%s: returned %s, model says %s", name, pv_errname(rc),
                 pv_errname(want));
    }
    if (rc != 0)
      FUZZ_CHECK(memcmp(&p, &before, sizeof p) == 0, "%s: %s changed *p", name,
                 pv_errname(rc));
    if (mapped) {
      FUZZ_CHECK(p.addr != NULL && (uintptr_t)p.addr % page == 0, "%s: addr", name);
      if (prot & PV_PROT_READ)
        FUZZ_CHECK(memcmp(p.addr, model, p.len) == 0, "%s: bytes differ", name);
    }
  }
  int rc = pv_pages_unmap(&p);
  FUZZ_CHECK(rc == 0, "unmap: %s", pv_errname(rc));
  FUZZ_CHECK(pv__os_live_bytes() == 0, "%lld bytes of address space leaked",
             pv__os_live_bytes());
  return 0;
}

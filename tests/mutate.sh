#!/bin/sh
# tests/mutate.sh - a mutation run over lib/: apply one single-point mutant
# (a plausible slip: an off-by-one bound, a dropped rollback, a swapped or
# ignored flag, a wrong error mapping), rebuild, run the tests, and count the
# mutant killed when they fail.  A mutant the tests survive is a behaviour no
# test checks.  Not part of `make check`: a full run rebuilds and runs the
# suite once per mutant (1-2 minutes each on two cores).
#
# Usage, from the top of a configured and built in-tree build (./bootstrap,
# make) that is a scratch clone, because the run edits lib/ (each file is
# restored after its mutant, also on ^C):
#
#   git clone -q . /tmp/pv-mut && cd /tmp/pv-mut && ./bootstrap && make -j2
#   tests/mutate.sh                   # every mutant, `make -j2 check`
#   tests/mutate.sh ID...             # only these mutants
#   tests/mutate.sh -l                # list the mutants
#   tests/mutate.sh -n                # check that every mutant still applies
#                                     # (all of them, whatever their tag)
#   tests/mutate.sh -c 'make -s tests/test_vec && tests/test_vec --filter=vec_edges/*' ID
#                                     # what must fail, instead of make check
#                                     # (the script rebuilds only `make`'s
#                                     # targets: a command that runs a test
#                                     # program builds it, or it runs the
#                                     # unmutated one)
#
# Mutants tagged [nomremap] only exist in a --disable-mremap build (the code
# they change does not run elsewhere); tagged [mremap], only in a build with
# mremap.  The others run in both.  Run the script in both builds
# (./bootstrap --disable-mremap in a second clone) to cover all of them;
# each build skips the mutants that are not its own and says so (a dry
# run, -n, checks every mutant's text in either build).
#
# A mutant is written below as four lines: its id and tag, the file, the
# exact text to change (it must occur exactly once in the file, so that a
# mutant cannot silently stop applying when the code changes) and the text
# that replaces it.  Output: one line per mutant (KILLED, SURVIVED,
# NOBUILD when the mutant does not compile, SKIP), then the total.  The
# exit status is 0 when at least 95% of the mutants run were killed.
set -u

cmd='make -j2 check'
list=0
dry=0
while [ $# -gt 0 ]; do
  case $1 in
  -c) cmd=$2; shift 2 ;;
  -l) list=1; shift ;;
  -n) dry=1; shift ;;
  -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
  --) shift; break ;;
  -*) echo "mutate.sh: unknown option $1" >&2; exit 2 ;;
  *) break ;;
  esac
done

if [ ! -f config.h ] || [ ! -f lib/vec.c ]; then
  echo "mutate.sh: run from the top of a configured in-tree build" >&2
  exit 2
fi
if grep -q '^#define PV_HAVE_MREMAP 1' config.h; then build=mremap; else build=nomremap; fi

# The vec-* mutants were written against lib/vec.c before the storage
# split (lib/store.h); those whose code moved now name the same behaviour
# at its new place in lib/store.c or lib/store_map.c (ids kept, so that
# runs compare).  vec-copy-rollback is now move_to_fresh's rollback, which
# COPY, a full RESERVE and a REMAP's first region share; the commit
# rollback of a fresh reservation stays vec-reserved-copy-rollback.
# vec-stable-init-rollback is init's release after a refused initial_cap
# growth, for every kind (STABLE's reservation among them).  No mutant
# was dropped.  store-* and cache-* cover code new with the split.
mutants() {
  cat <<'EOF'
id: vec-guard-room [nomremap]
file: lib/store_map.c
from:         nb + g <= s->reserved)
to:         nb <= s->reserved)
id: vec-reserved-move-flag [nomremap]
file: lib/store_map.c
from: s->reserved != 0 && !(s->flags & PV__ST_MOVE) && nb
to: s->reserved != 0 && nb
id: vec-reserved-copy-rollback [nomremap]
file: lib/store_map.c
from:     pv__os_unmap(p, total);
to:     (void)total;
id: vec-resize-len
file: lib/vec.c
from:   if (n <= v->len) {
to:   if (n < v->len) {
id: vec-remap-move-flag [mremap]
file: lib/store_map.c
from: unsigned rf = (s->flags & PV__ST_MOVE) ? PV__OS_REMAP_MOVE : 0;
to: unsigned rf = 0;
id: vec-plan-overflow
file: lib/store.c
from:   if (!pv__store_mul(need, v->elem_size, &need_bytes)) return PV_EOVERFLOW;
to:   (void)need_bytes;
id: vec-stable-limit
file: lib/store.c
from:     if (target > limit) target = limit;
to:     (void)limit;
id: vec-stable-cap-clamp
file: lib/store.c
from:       c > s->max_len)
to:       c > s->max_len && 0)
id: vec-map-region-rollback
file: lib/store_map.c
from:     pv__os_unmap(p, bytes + guard);
to:     (void)guard;
id: vec-remap-guarded-rollback [mremap]
file: lib/store_map.c
from:       pv__os_unmap(dest, nb + g);
to:       (void)dest;
id: vec-copy-rollback
file: lib/store_map.c
from:       pv__store_map_free(s->kind, s->flags, out->data, out->reserved, out->huge);
to:       (void)out;
id: vec-reserve-fits
file: lib/vec.c
from:   if (additional <= v->cap - v->len) return 0;
to:   if (additional < v->cap - v->len) return 0;
id: vec-frozen-check
file: lib/store.h
from:   if (pv__store_frozen(v)) return PV_EACCES;
to:   (void)0;
id: vec-insert-range
file: lib/vec.c
from:   if (i > v->len) return PV_ERANGE;
  if (n == 0) return 0;
to:   if (i > v->len + 1) return PV_ERANGE;
  if (n == 0) return 0;
id: vec-remove-range
file: lib/vec.c
from:   if (i > v->len || n > v->len - i) return PV_ERANGE;
  if (n == 0) return 0;
  size_t es = v->elem_size;
to:   if (i > v->len || n > v->len - i + 1) return PV_ERANGE;
  if (n == 0) return 0;
  size_t es = v->elem_size;
id: vec-stable-init-rollback
file: lib/store.c
from:     if (rc != 0) (void)pv__store_release(n);
to:     (void)0;
id: store-small-move-rollback
file: lib/store.c
from:       pv__store_small_abort(&m);
      return rc;
to:       return rc;
id: store-adopt-room
file: lib/store.c
from:   v->cap = c;
  sync_room(v);
to:   v->cap = c;
id: store-room-frozen
file: lib/store.c
from: v->pv_room = pv__store_frozen(v) ? 0 : v->cap;
to: v->pv_room = v->cap;
id: cache-release-rw
file: lib/cache.c
from:   bool rw = pv__os_protect(p, bytes, PV__PROT_RW) == 0;
to:   bool rw = true;
id: cache-release-busy-fits
file: lib/cache.c
from:       *fits = false;
      break;
to:       break;
id: store-move-unmaps
file: lib/store_map.c
from:   return plain(kind, flags) && !(flags & (PV__ST_ADVISED | PV__ST_MOVE));
to:   return plain(kind, flags) && !(flags & PV__ST_ADVISED);
id: store-advised-uncached
file: lib/store.c
from:   if (rc == 0 && advice_stays(advice)) st(v)->flags |= PV__ST_ADVISED;
to:   (void)advice_stays(advice);
id: store-region-max-huge
file: lib/store_map.c
from:   if (!huge && pv__store_huge_for(flags, h) && max >= h) max = h - 1;
to:   (void)h;
id: cache-release-bounds
file: lib/cache.c
from:   size_t i = fits ? free_slot() : (size_t)SLOTS;
to:   size_t i = free_slot();
id: pages-widen-rollback
file: lib/pages.c
from:     if (rc != 0 && widen) (void)pv__os_protect(p->addr, p->len, p->pv_prot);
to:     (void)widen;
id: pages-huge-advice-unmap
file: lib/pages.c
from:     pv__os_unmap(addr, size);
    return rc;
  }
  p->addr = addr;
  p->len = size;
  p->pv_prot = prot;
to:     return rc;
  }
  p->addr = addr;
  p->len = size;
  p->pv_prot = prot;
id: pages-range-end
file: lib/pages.c
from:   if (*size > p->len - off) return PV_ERANGE;
to:   if (*size >= p->len - off) return PV_ERANGE;
id: pages-wx
file: lib/pages.c
from:   if ((prot & WX) == WX && !(flags & PV_MAP_ALLOW_WX)) return PV_EACCES;
to:   if ((prot & WX) == WX && !(flags & PV_MAP_ALLOW_EXEC)) return PV_EACCES;
id: pages-shrink-back [mremap]
file: lib/pages.c
from:       if (addr == p->addr && pv__os_remap(addr, size, p->len, 0, 0, &back) == 0)
to:       if (0 && addr == p->addr && pv__os_remap(addr, size, p->len, 0, 0, &back) == 0)
id: pages-align-check
file: lib/pages.c
from:   if (off % pv__os_caps_get()->page_size != 0) return PV_EINVAL;
to:   (void)0;
id: os-remap-einval [mremap]
file: lib/os_posix.c
from: static int remap_err(int e) { return e == EINVAL ? PV_ENOMEM : posix_err(e); }
to: static int remap_err(int e) { return posix_err(e); }
id: os-remap-move-flag [mremap]
file: lib/os_posix.c
from:   if (new_size <= old_size || !(flags & PV__OS_REMAP_MOVE)) {
to:   if (new_size <= old_size || flags == flags) {
id: os-remap-aligned-rollback [mremap]
file: lib/os_posix.c
from:     munmap(dest, new_size);
    return remap_err(e);
to:     return remap_err(e);
id: os-dual-restore
file: lib/os_posix.c
from:     if (rc != 0)
      mmap(w, len, PROT_NONE,
to:     if (rc != 0 && w == NULL)
      mmap(w, len, PROT_NONE,
id: os-dual-map-rollback
file: lib/os_posix.c
from:     if (rc != 0) munmap(w, size);
to:     (void)0;
id: os-uncommit-fixed
file: lib/os_posix.c
from:   void *p = mmap(addr, size, PROT_NONE,
                 MAP_FIXED | MAP_PRIVATE
to:   void *p = mmap(addr, size, PROT_NONE,
                 MAP_PRIVATE
id: code-reopen-rollback
file: lib/code.c
from:       pv__os_protect(c->pv_exec, c->cap, RX);
      return rc;
to:       return rc;
id: code-seal-rollback
file: lib/code.c
from:       pv__os_protect(c->pv_write, c->cap, PV__PROT_RW);
      return rc;
to:       return rc;
id: code-retry-exact
file: lib/code.c
from:   if (rc == PV_ENOMEM && target > exact) {
to:   if (rc == PV_ENOMEM && target < exact) {
id: code-patch-range
file: lib/code.c
from:   if (off > c->len || n > c->len - off) return PV_ERANGE;
to:   if (off > c->len || n > c->len - off + 1) return PV_ERANGE;
id: code-init-dual-rollback
file: lib/code.c
from:     pv__os_dual_unmap(h, w, x, max);
to:     (void)h;
id: code-wx-flags
file: lib/code.c
from:       (o.flags & FLAGS_ALL) == FLAGS_ALL)
to:       (o.flags & FLAGS_ALL) == 0x7fff)
EOF
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pv-mutate.XXXXXX") || exit 2
restore() {
  if [ -f "$tmp/orig" ] && [ -n "${cur_file:-}" ]; then cp "$tmp/orig" "$cur_file"; fi  # a new mtime: make rebuilds
  rm -f "$tmp/orig"
}
trap 'restore; rm -rf "$tmp"; exit 130' INT TERM
cur_file=

# Read the table into one file per mutant: $tmp/m.N.{id,tag,file,from,to}.
mutants | awk -v dir="$tmp" '
  function flush() { if (n > 0) { printf "%s", from > (dir "/m." n ".from"); printf "%s", to > (dir "/m." n ".to"); close(dir "/m." n ".from"); close(dir "/m." n ".to") } }
  /^id: / { flush(); n++; from = ""; to = ""; part = "";
            id = $2; tag = ($3 == "") ? "any" : $3; gsub(/[][]/, "", tag);
            print id > (dir "/m." n ".id"); print tag > (dir "/m." n ".tag");
            close(dir "/m." n ".id"); close(dir "/m." n ".tag"); next }
  /^file: / { print $2 > (dir "/m." n ".file"); close(dir "/m." n ".file"); next }
  /^from: / { part = "from"; from = substr($0, 7); next }
  /^to: /   { part = "to"; to = substr($0, 5); next }
  { if (part == "from") from = from "\n" $0; else if (part == "to") to = to "\n" $0 }
  END { flush(); print n > (dir "/count") }'
total=$(cat "$tmp/count")

if [ "$list" = 1 ]; then
  i=1
  while [ "$i" -le "$total" ]; do
    printf '%-28s %-9s %s\n' "$(cat "$tmp/m.$i.id")" "$(cat "$tmp/m.$i.tag")" \
      "$(cat "$tmp/m.$i.file")"
    i=$((i + 1))
  done
  rm -rf "$tmp"
  exit 0
fi

wanted() { # is mutant id $1 selected on the command line?
  [ -z "$sel" ] && return 0
  for s in $sel; do [ "$s" = "$1" ] && return 0; done
  return 1
}
sel="$*"
for s in $sel; do
  found=0
  i=1
  while [ "$i" -le "$total" ]; do
    [ "$(cat "$tmp/m.$i.id")" = "$s" ] && found=1
    i=$((i + 1))
  done
  if [ "$found" = 0 ]; then echo "mutate.sh: no mutant $s (see -l)" >&2; rm -rf "$tmp"; exit 2; fi
done

run=0 killed=0 survived=0 nobuild=0 skipped=0
survivors=
to=""
command -v timeout >/dev/null 2>&1 && to="timeout 900"
echo "mutation run: build $build, kill command: $cmd"
i=1
while [ "$i" -le "$total" ]; do
  id=$(cat "$tmp/m.$i.id")
  tag=$(cat "$tmp/m.$i.tag")
  file=$(cat "$tmp/m.$i.file")
  i=$((i + 1))
  wanted "$id" || continue
  if [ "$dry" = 0 ] && [ "$tag" != any ] && [ "$tag" != "$build" ]; then
    echo "SKIP     $id (only in a $tag build)"
    skipped=$((skipped + 1))
    continue
  fi
  n=$((i - 1))
  cur_file=$file
  cp -p "$file" "$tmp/orig"
  if ! FROM_F="$tmp/m.$n.from" TO_F="$tmp/m.$n.to" perl -0777 -i -pe '
        BEGIN { local $/; open my $f, "<", $ENV{FROM_F} or die; $from = <$f>;
                open my $t, "<", $ENV{TO_F} or die; $to = <$t>; }
        my $c = () = /\Q$from\E/g;
        if ($c != 1) { print STDERR "matches $c times\n"; $bad = 1 }
        else { s/\Q$from\E/$to/ }
        END { exit 1 if $bad }' "$file" 2>"$tmp/apply.log" || cmp -s "$file" "$tmp/orig"; then
    restore
    echo "mutate.sh: mutant $id does not apply to $file: $(cat "$tmp/apply.log")" >&2
    rm -rf "$tmp"
    exit 2
  fi
  if [ "$dry" = 1 ]; then
    restore
    cur_file=
    echo "APPLIES  $id"
    continue
  fi
  run=$((run + 1))
  start=$(date +%s)
  if ! make -j2 >"$tmp/build.log" 2>&1; then
    result=NOBUILD
    nobuild=$((nobuild + 1))
  elif $to sh -c "$cmd" >"$tmp/check.log" 2>&1; then
    result=SURVIVED
    survived=$((survived + 1))
    survivors="$survivors $id"
  else
    result=KILLED
    killed=$((killed + 1))
  fi
  restore
  cur_file=
  printf '%-8s %-28s %s (%ss)\n' "$result" "$id" "$file" "$(($(date +%s) - start))"
  if [ "$result" = KILLED ]; then
    # Which tests failed: the automake summary, else the command's tail.
    grep -h '^FAIL:\|^ERROR:\|^\[FAIL\]\|CRASH' "$tmp/check.log" 2>/dev/null | head -3 |
      sed 's/^/           /'
  fi
done
if [ "$dry" = 1 ]; then rm -rf "$tmp"; exit 0; fi
make -j2 >"$tmp/build.log" 2>&1 || echo "mutate.sh: rebuilding the original failed" >&2
rm -rf "$tmp"

judged=$((killed + survived))
echo "mutants: $run run, $killed killed, $survived survived, $nobuild did not build, $skipped skipped"
[ -n "$survivors" ] && echo "survivors:$survivors"
if [ "$judged" -gt 0 ]; then
  pct=$((100 * killed / judged))
  echo "killed: $pct% of $judged"
  [ "$pct" -ge 95 ] && exit 0
fi
exit 1

#!/bin/sh
# tests/check-badinput.sh - the bad-input suite covers the whole public API:
# every function the public headers export (PV_EXPORT in include/paged_vec/)
# has a BI_FN line in one of the tables tests/badinput_*.def, which makes
# its test in tests/test_badinput.c.  A function without parameters has no
# bad input and is exempt.  The other way round, every BI_FN line names an
# exported function, so that a renamed function cannot leave a stale table.
srcdir=${top_srcdir:-.}
hdrs=$(ls "$srcdir"/include/paged_vec/*.h 2>/dev/null)
defs=$(ls "$srcdir"/tests/badinput_*.def 2>/dev/null)
if [ -z "$hdrs" ] || [ -z "$defs" ]; then
  echo "no headers or no tables under $srcdir"
  exit 1
fi
# "name params..." for each export: the declaration's first line is enough
# to tell "(void)" from a parameter list.
exports=$(sed -n 's/^PV_EXPORT[^(]*[ *]\(pv_[a-z0-9_]*\)(\(.*\)$/\1 \2/p' $hdrs)
covered=$(sed -n 's/^BI_FN(\([a-z0-9_]*\)).*/\1/p' $defs | sort -u)
fail=0 n=0 exempt=0
while read -r name params; do
  [ -n "$name" ] || continue
  case $params in
  'void)'*) exempt=$((exempt + 1)); continue ;;
  esac
  n=$((n + 1))
  if ! printf '%s\n' "$covered" | grep -qx "$name"; then
    echo "exported $name has no BI_FN line in tests/badinput_*.def"
    fail=1
  fi
done <<LIST
$exports
LIST
names=$(printf '%s\n' "$exports" | awk '{ print $1 }')
for f in $covered; do
  if ! printf '%s\n' "$names" | grep -qx "$f"; then
    echo "BI_FN($f) names no function the headers export"
    fail=1
  fi
done
[ "$fail" = 0 ] || exit 1
if [ "$n" -lt 10 ]; then
  echo "only $n exported functions found: the header pattern is not working"
  exit 1
fi
echo "ok: $n exported functions with parameters, all with bad-input cases ($exempt without parameters exempt)"

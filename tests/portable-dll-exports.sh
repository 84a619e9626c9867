#!/bin/sh
# tests/portable-dll-exports.sh - the Windows DLL exports only pv_* symbols
# (the library is compiled with -DPV_BUILDING_DLL, so PV_EXPORT is
# __declspec(dllexport) and nothing else is exported).  Reads the export
# table with the cross objdump that libtool found.
set -u
: "${top_builddir:=.}"
dll=$(ls "$top_builddir"/.libs/libpaged_vec-*.dll 2>/dev/null | head -n 1)
if [ -z "$dll" ]; then
  echo "no DLL in $top_builddir/.libs (built with --disable-shared?): skipped"
  exit 77
fi
objdump=$(sed -n 's/^OBJDUMP="\(.*\)"$/\1/p' "$top_builddir/libtool" | head -n 1)
[ -n "$objdump" ] || objdump=objdump
# The export table lists "[ordinal] name" rows after "[Ordinal/Name Pointer] Table".
names=$("$objdump" -p "$dll" |
  sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' |
  sed -n 's/^[[:space:]]*\[[[:space:]]*[0-9]*\][[:space:]]*\([^[:space:]]*\).*/\1/p')
count=$(printf '%s\n' "$names" | grep -c '^pv_')
bad=$(printf '%s\n' "$names" | grep -v '^pv_' | grep -v '^$')
if [ -n "$bad" ]; then
  echo "$dll exports symbols without the pv_ prefix:"
  printf '  %s\n' $bad
  exit 1
fi
if [ "$count" -lt 10 ]; then
  echo "only $count pv_ symbols exported from $dll: the export macro is not working"
  exit 1
fi
echo "ok: $dll exports $count symbols, all pv_*"

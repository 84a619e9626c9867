#!/bin/sh
# Every dynamic symbol the shared library defines must start with pv_:
# everything else is built with hidden visibility.
lib="${top_builddir:-.}/.libs/libpaged_vec.so"
if [ ! -f "$lib" ]; then
  echo "no shared library at $lib (built with --disable-shared?): skipped"
  exit 77
fi
syms=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }')
count=$(printf '%s\n' "$syms" | grep -c '^pv_')
bad=$(printf '%s\n' "$syms" | grep -v '^pv_' | grep -v '^$')
if [ -n "$bad" ]; then
  echo "symbols exported without the pv_ prefix:"
  printf '  %s\n' $bad
  exit 1
fi
if [ "$count" -lt 10 ]; then
  echo "only $count pv_ symbols exported: the export macro is not working"
  exit 1
fi
echo "ok: $count symbols exported, all pv_*"

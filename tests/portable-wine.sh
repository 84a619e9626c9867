#!/bin/sh
# tests/portable-wine.sh FILE.wine - run the Windows program that FILE.wine
# names (a path relative to the build directory, first line) under wine,
# with its TAP output on stdout for automake's TAP driver.
#
# wine is `wine` when installed so, else Debian's /usr/lib/wine/wine64.
# Without a WINEPREFIX from the caller, a throwaway one is made and removed
# afterwards (wine writes a prefix on first use; a test must never touch
# the user's ~/.wine).  WINEDEBUG=-all keeps wine's chatter out of the log.
set -u
prog=$(sed -n 1p "$1")
: "${top_builddir:=.}"
if command -v wine >/dev/null 2>&1; then
  WINE=wine
elif [ -x /usr/lib/wine/wine64 ]; then
  WINE=/usr/lib/wine/wine64
else
  echo "1..0 # SKIP wine is not installed"
  exit 0
fi
WINEDEBUG=${WINEDEBUG:--all}
export WINEDEBUG
if [ -n "${WINEPREFIX:-}" ]; then
  # wine prints prefix-creation notes on stderr; the TAP stream is stdout.
  exec "$WINE" "$top_builddir/$prog" --tap=-
fi
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/pv-wine.XXXXXX") || exit 1
export WINEPREFIX
"$WINE" "$top_builddir/$prog" --tap=-
status=$?
# The prefix's wineserver lingers briefly after the last program: wait for
# it, then remove the prefix.
server=$(command -v wineserver || echo /usr/lib/wine/wineserver64)
[ -x "$server" ] && "$server" -w
rm -rf "$WINEPREFIX"
exit $status

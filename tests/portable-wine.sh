#!/bin/sh
# tests/portable-wine.sh FILE.wine - run the Windows program that FILE.wine
# names (a path relative to the build directory, first line) under wine,
# with its TAP output on stdout for automake's TAP driver.
#
# wine is `wine` when installed so, else Debian's /usr/lib/wine/wine64.
# WINEPREFIX defaults to a fresh directory under the build tree (wine writes
# a prefix on first use; never touch the user's ~/.wine from a test), and
# WINEDEBUG=-all keeps wine's own chatter out of the log.
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
if [ -z "${WINEPREFIX:-}" ]; then
  WINEPREFIX=$(cd "$top_builddir" && pwd)/tests/wineprefix
  export WINEPREFIX
fi
WINEDEBUG=${WINEDEBUG:--all}
export WINEDEBUG
# wine prints prefix-creation notes on stderr; the TAP stream is stdout.
exec "$WINE" "$top_builddir/$prog" --tap=-

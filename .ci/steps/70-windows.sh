# .ci/steps/70-windows.sh - run by .ci/run as a process.
# The Windows build: cross-compiled with mingw-w64 (static library and DLL),
# then `make check` runs the portable test program (tests/portable_main.exe:
# page core, container in every mode, error codes, a reduced model test,
# exec pages and the code buffer, faults caught by a vectored exception
# handler) under wine, and checks that the DLL exports only pv_* symbols.
# The step fails if the wine run fails, is skipped, or runs nothing.
# bootstrap installs gcc-mingw-w64-x86-64 and wine64.
if command -v wine >/dev/null 2>&1; then
  pv_wine=wine
else
  pv_wine=/usr/lib/wine/wine64
fi
# A throwaway prefix (wine writes one on first use), and no wine chatter.
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/pv-wine.XXXXXX")
WINEDEBUG=-all
export WINEPREFIX WINEDEBUG
# Removed at the end; also if a failure below ends the run.
trap 'rm -rf "$WINEPREFIX"' EXIT

# `check` builds everything first (one goal: `all check` under -j2 would
# race two makes on the same objects).
variant mingw check -- --host=x86_64-w64-mingw32 --enable-werror

pv_mingw="$top/_ci/mingw"
if ! grep -Eq '^# [1-9][0-9]* passed, 0 failed$' "$pv_mingw/tests/portable.log"; then
  echo "ci: the portable test did not pass under wine:"
  tail -n 20 "$pv_mingw/tests/portable.log"
  exit 1
fi
grep -q '^ok: ' "$pv_mingw/tests/portable-dll-exports.log" || {
  echo "ci: the DLL export check did not run"; exit 1; }
# The JIT example in the Win64 calling convention.
"$pv_wine" "$pv_mingw/examples/jit_expr.exe" --random 300
# Let this prefix's wineserver finish, then drop the prefix.
if command -v wineserver >/dev/null 2>&1; then
  wineserver -w
elif [ -x /usr/lib/wine/wineserver64 ]; then
  /usr/lib/wine/wineserver64 -w
fi
rm -rf "$WINEPREFIX"
trap - EXIT
unset pv_wine pv_mingw WINEPREFIX WINEDEBUG

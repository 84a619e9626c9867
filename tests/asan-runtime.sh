#!/bin/sh
# tests/asan-runtime.sh - the capacity past len is poisoned for a program
# built with -fsanitize=address even when the library was not (lib/asan.h
# reaches the ASan runtime through weak references).
#
# tests/asan_past_len.c is compiled with $PV_CC -fsanitize=address and
# linked against the library of this build (the shared one when there is
# one, else the archive).  Reading d[9] of a vector with len 10 and cap
# >= 1024 must pass, d[10] must end in ASan's use-after-poison report; after
# a push d[10] is readable, after a pop d[9] is reported.  Built without
# -fsanitize=address, the same read of d[10] returns: the report comes from
# the poison, not from a fault (not in a --enable-sanitizers build, where
# every program has ASan).  In a build without --enable-sanitizers the
# shared library must also stay free of ASan: no libasan needed, the two
# ASan names only weak undefined (nm -D).
# SKIP (77), saying why, when $PV_CC cannot build and run an ASan program.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${PV_CC:?}"
ext=${EXEEXT:-}
libs="$top_builddir/.libs"
src="$top_srcdir/tests/asan_past_len.c"

work=$(mktemp -d "${TMPDIR:-/tmp}/pv-asan.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT HUP INT TERM

echo 'int main(void) { return 0; }' > "$work/probe.c"
# shellcheck disable=SC2086 # PV_CC may carry flags
if ! $PV_CC -fsanitize=address ${PV_LDFLAGS:-} -o "$work/probe$ext" "$work/probe.c" \
    2> "$work/probe.err"; then
  echo "SKIP: $PV_CC${PV_LDFLAGS:+ $PV_LDFLAGS} cannot link -fsanitize=address programs:"
  sed 's/^/  | /' "$work/probe.err"; exit 77
fi
if ! "$work/probe$ext" 2> "$work/probe.err"; then
  echo "SKIP: an ASan program built by $PV_CC does not run here:"
  sed 's/^/  | /' "$work/probe.err"; exit 77
fi

fail=0
if [ -f "$libs/libpaged_vec.so" ]; then
  lib="$libs/libpaged_vec.so"; link="$lib -Wl,-rpath,$libs"
  if [ "${PV_SANITIZERS:-no}" = yes ]; then
    echo "note: the library is built with --enable-sanitizers: its own ASan dependency is expected"
  else
    needed=$(LC_ALL=C readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    asan_syms=$(nm -D "$lib" | grep ' __asan_' || true)
    strong=$(printf '%s\n' "$asan_syms" | grep -v '^ *w __asan_' || true)
    case $needed in
      *asan*) echo "FAIL: $lib needs an ASan library: $needed"; fail=1 ;;
      *) echo "ok: $lib needs only: $needed" ;;
    esac
    if [ -n "$strong" ] || ! printf '%s\n' "$asan_syms" | grep -q ' w __asan_poison_memory_region$' ||
       ! printf '%s\n' "$asan_syms" | grep -q ' w __asan_unpoison_memory_region$'; then
      echo "FAIL: $lib's ASan symbols are not exactly the two weak references:"
      printf '%s\n' "$asan_syms" | sed 's/^/  | /'; fail=1
    else
      echo "ok: $lib refers to ASan only weakly:"
      printf '%s\n' "$asan_syms" | sed 's/^/  | /'
    fi
  fi
else
  lib="$libs/libpaged_vec.a"; link=$lib
fi

# shellcheck disable=SC2086 # flag lists are meant to split
if ! $PV_CC -g -fsanitize=address -fno-omit-frame-pointer -I"$top_srcdir/include" \
    ${PV_LDFLAGS:-} -o "$work/asan$ext" "$src" $link 2> "$work/build.err" ||
   ! $PV_CC -g -I"$top_srcdir/include" ${PV_LDFLAGS:-} -o "$work/plain$ext" "$src" $link \
    2>> "$work/build.err"; then
  echo "FAIL: tests/asan_past_len.c does not build against $lib:"
  sed 's/^/  | /' "$work/build.err"; exit 1
fi

# expect BINARY MODE report|quiet: run one mode; with `report` ASan must
# have reported use-after-poison, with `quiet` the read must have returned.
expect() {
  bin=$1; mode=$2; want=$3
  "$work/$bin$ext" "$mode" > "$work/out" 2>&1
  rc=$?
  if grep -q 'AddressSanitizer: use-after-poison' "$work/out"; then got=report
  elif [ "$rc" -eq 0 ]; then got=quiet
  else got="exit $rc without a report"
  fi
  if [ "$got" = "$want" ]; then
    echo "ok: $bin $mode: $want"
  else
    echo "FAIL: $bin $mode: expected $want, got $got"; fail=1
  fi
  grep -E 'AddressSanitizer|READ of|read \(len|setup' "$work/out" | sed 's/^/  | /'
}

echo "library: $lib"
expect asan last quiet
expect asan past report
expect asan pushed quiet
expect asan popped report
if [ "${PV_SANITIZERS:-no}" = yes ]; then
  # The build's LDFLAGS and the library bring ASan into any program.
  echo "note: no control without -fsanitize=address in a --enable-sanitizers build"
else
  expect plain past quiet
fi
exit $fail

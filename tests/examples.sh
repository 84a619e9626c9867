#!/bin/sh
# tests/examples.sh - the example programs run in the build tree and
# report success: frozen_table (a stray write into a frozen vector faults
# and is caught), stable_ptrs (pointers into a STABLE vector survive 10^7
# pushes), bigbuf (a small run of the demo).  wordfreq has its own test.
set -u
: "${top_builddir:?}"
ext=${EXEEXT:-}
ex="$top_builddir/examples"
fail=0

run() {
  name=$1; shift
  if out=$("$ex/$name$ext" "$@" 2>&1); then
    echo "ok: $name $*"
  else
    echo "FAIL: $name $*"; fail=1
  fi
  printf '%s\n' "$out" | sed 's/^/  | /'
}

run frozen_table
run frozen_table "hello, world"
run stable_ptrs 10000000
run bigbuf 16
# file_index: POSIX only (file vectors), built wherever they are.
if [ -e "$ex/file_index$ext" ]; then
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/pv-examples.XXXXXX") || exit 1
  run file_index "$tmp/index.npy" 1000000
  rm -rf "$tmp"
else
  echo "file_index: not built here (no file vectors on this platform)"
fi
exit $fail

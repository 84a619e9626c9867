#!/bin/sh
# tests/wordfreq.sh - examples/wordfreq on a generated 100 MB text.
#
# tests/gen_words writes deterministic text into the build directory and,
# counting each word as it writes it (not by reading the text back), the
# exact output wordfreq must print.  The text is read once from a file
# (100 MB: the byte vector grows through many remaps) and a small one from
# standard input; both outputs must match byte for byte.  The files are
# deleted afterwards, pass or fail.
set -u
: "${top_builddir:?}"
ext=${EXEEXT:-}
gen="$top_builddir/tests/gen_words$ext"
wordfreq="$top_builddir/examples/wordfreq$ext"
big_bytes=104857600     # 100 MiB
small_bytes=1048576     # 1 MiB
top=20

work=$(mktemp -d "$top_builddir/tests/wordfreq.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT HUP INT TERM

fail=0
"$gen" "$work/big.txt" "$big_bytes" "$work/big.expected" "$top" || exit 99
start=$(date +%s)
if ! "$wordfreq" -n "$top" "$work/big.txt" > "$work/big.out"; then
  echo "FAIL: wordfreq exited with an error on the 100 MB file"; fail=1
elif ! cmp -s "$work/big.expected" "$work/big.out"; then
  echo "FAIL: wordfreq's counts differ from the generator's:"
  diff "$work/big.expected" "$work/big.out"; fail=1
else
  echo "ok: 100 MB file, top $top match ($(($(date +%s) - start)) s):"
  cat "$work/big.out"
fi
rm -f "$work/big.txt"

"$gen" "$work/small.txt" "$small_bytes" "$work/small.expected" 5 || exit 99
if ! "$wordfreq" -n 5 < "$work/small.txt" > "$work/small.out"; then
  echo "FAIL: wordfreq exited with an error reading standard input"; fail=1
elif ! cmp -s "$work/small.expected" "$work/small.out"; then
  echo "FAIL: wordfreq on standard input:"
  diff "$work/small.expected" "$work/small.out"; fail=1
else
  echo "ok: 1 MB on standard input, top 5 match"
fi
exit $fail

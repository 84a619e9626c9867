#!/bin/sh
# tests/portable-jit-expr.sh - examples/jit_expr compiles expressions to
# x86-64 code and checks each against its interpreter; here its answers are
# also checked against the shell's own 64-bit arithmetic, and a few hundred
# random expressions run through both mapping schemes (anonymous and the
# forced memfd dual mapping).
set -u
: "${top_builddir:=.}"
jit="$top_builddir/examples/jit_expr${EXEEXT:-}"
fail=0

# expect EXPECTED ARGS...: jit_expr ARGS must print EXPECTED and succeed.
expect() {
  want=$1; shift
  if got=$("$jit" "$@" 2>&1) && [ "$got" = "$want" ]; then
    echo "ok: jit_expr $* = $got"
  else
    echo "FAIL: jit_expr $*: got '$got', want '$want'"; fail=1
  fi
}

expect "$((1 + 2 * 3))" '1 + 2 * 3'
expect "$(((5 + 3) * -9 % 7))" '(x + 3) * -y % 7' x=5 y=9
expect "$((-17 / 5))" '-17 / 5'
expect "$((-17 % 5))" '-17 % 5'
expect "$((100 - 2 * (3 - 40) / 4))" '100 - 2 * (3 - a) / 4' a=40
# Wraps like the hardware: INT64_MAX + 1 is INT64_MIN.
expect "-9223372036854775808" '9223372036854775807 + 1'
expect "$((7 * 6))" --dual 'a * b' a=7 b=6

# Division by zero is refused by the interpreter, never run.
if "$jit" '1 / (a - a)' a=3 >/dev/null 2>&1; then
  echo "FAIL: division by zero was not refused"; fail=1
else
  echo "ok: division by zero refused"
fi
# Garbage does not parse.
if "$jit" '1 +* 2' >/dev/null 2>&1; then
  echo "FAIL: a syntax error was accepted"; fail=1
else
  echo "ok: syntax error refused"
fi

for mode in "" --dual; do
  if out=$("$jit" $mode --random 400 2>&1); then
    echo "ok: jit_expr $mode --random 400: $out"
  else
    echo "FAIL: jit_expr $mode --random 400:"; printf '%s\n' "$out"; fail=1
  fi
done
exit $fail

#!/bin/sh
# tests/check-headers.sh - the public headers are usable on their own.
#
# For every installed header H (PV_HEADERS, the Makefile's include lists):
#   - a C file holding only `#include <H>` (twice: the include guard) compiles
#     with -std=c11 -pedantic -Wall -Wextra -Werror;
#   - the same file compiles as C++11 with the same warnings.
# Then a C++ file that includes every public header and takes the address of
# every pv_* symbol the built library exports is compiled, linked against the
# library and run.  A declaration missing its extern "C" would be mangled and
# fail to link; a symbol exported but declared in no public header fails to
# compile; the run compares pv_version() with the PV_VERSION_* macros.
#
# Environment (set by tests/install.mk): PV_CC, PV_CXX, PV_CFLAGS,
# PV_CXXFLAGS, PV_LDFLAGS, PV_HEADERS, top_srcdir, top_builddir.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${PV_CC:?}" "${PV_CXX:?}" "${PV_HEADERS:?}"

work=$(mktemp -d "${TMPDIR:-/tmp}/pv-headers.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT HUP INT TERM

C_WARN="-std=c11 -pedantic -Wall -Wextra -Werror"
CXX_WARN="-std=c++11 -pedantic -Wall -Wextra -Werror"
inc="-I$top_srcdir/include"
fail=0
n=0

for h in $PV_HEADERS; do
  name=${h#include/}
  printf '#include <%s>\n#include <%s>\n' "$name" "$name" > "$work/tu.c"
  # shellcheck disable=SC2086 # the flag lists are meant to split
  if $PV_CC $C_WARN $inc -fsyntax-only -x c "$work/tu.c" 2> "$work/err"; then
    echo "ok: $name compiles alone as C11 (-pedantic -Werror)"
  else
    echo "FAIL: $name as C11:"; cat "$work/err"; fail=1
  fi
  # shellcheck disable=SC2086
  if $PV_CXX $CXX_WARN $inc -fsyntax-only -x c++ "$work/tu.c" 2> "$work/err"; then
    echo "ok: $name compiles alone as C++11 (-pedantic -Werror)"
  else
    echo "FAIL: $name as C++11:"; cat "$work/err"; fail=1
  fi
  n=$((n + 1))
done
# PV_VEC_DEFINE in a user's file: names the user may well have at file
# scope (a type called `bytes`, globals `a`, `x`, `n`, ...) must not clash
# with the generated functions' parameters, under -Wshadow and
# -Wredundant-decls too.
cat > "$work/typed.c" <<'EOF'
#include <paged_vec.h>
typedef struct { double x, y; } point;
PV_VEC_DEFINE(bytes, char);
PV_VEC_DEFINE(points, point);
int a, b, x, i, n, out, slot, p, rc, o, opts, additional, elems, fill, dst,
    src, cmp, key, advice;
int use(void);
int use(void) {
  bytes s;
  if (bytes_init(&s) != 0 || bytes_push(&s, 'x') != 0) return 1;
  return bytes_destroy(&s);
}
EOF
TYPED_WARN="-Wshadow -Wredundant-decls"
# shellcheck disable=SC2086
if $PV_CC $C_WARN $TYPED_WARN $inc -fsyntax-only -x c "$work/typed.c" 2> "$work/err" &&
   $PV_CXX $CXX_WARN $TYPED_WARN $inc -fsyntax-only -x c++ "$work/typed.c" 2>> "$work/err"; then
  echo "ok: PV_VEC_DEFINE(bytes, char) beside globals a, x, n, ... is quiet under $TYPED_WARN (C11, C++11)"
else
  echo "FAIL: PV_VEC_DEFINE under $TYPED_WARN:"; cat "$work/err"; fail=1
fi

if [ "$n" -lt 4 ]; then
  echo "FAIL: only $n public headers listed in PV_HEADERS"; fail=1
fi

# The exported symbols of the library that was just built.
so="$top_builddir/.libs/libpaged_vec.so"
a="$top_builddir/.libs/libpaged_vec.a"
if [ -f "$so" ]; then
  syms=$(nm -D --defined-only "$so" | awk 'NF >= 3 { print $3 }')
elif [ -f "$a" ]; then
  syms=$(nm -g --defined-only "$a" 2>/dev/null | awk 'NF >= 3 && $2 ~ /[TDRB]/ { print $3 }')
else
  echo "SKIP: no built library under $top_builddir/.libs"; exit 77
fi
syms=$(printf '%s\n' "$syms" | grep '^pv_[a-z]' | grep -v '^pv__' | sort -u)
count=$(printf '%s\n' "$syms" | grep -c .)
if [ "$count" -lt 10 ]; then
  echo "FAIL: only $count pv_ symbols found in the library"; exit 1
fi

{
  for h in $PV_HEADERS; do printf '#include <%s>\n' "${h#include/}"; done
  cat <<'EOF'
#include <cstdio>
#include <cstring>
/* Every exported function, referenced from C++: each needs C linkage. */
typedef void (*any_fn)(void);
static any_fn volatile refs[] = {
EOF
  for s in $syms; do printf '  reinterpret_cast<any_fn>(&::%s),\n' "$s"; done
  cat <<'EOF'
};
int main() {
  char want[64];
  std::snprintf(want, sizeof want, "%d.%d.%d", PV_VERSION_MAJOR,
                PV_VERSION_MINOR, PV_VERSION_PATCH);
  if (std::strcmp(pv_version(), want) != 0) {
    std::printf("pv_version() is %s, the headers say %s\n", pv_version(), want);
    return 1;
  }
  for (unsigned i = 0; i < sizeof refs / sizeof refs[0]; i++)
    if (refs[i] == 0) return 1;
  std::printf("%u exported functions linked from C++, version %s\n",
              (unsigned)(sizeof refs / sizeof refs[0]), want);
  return 0;
}
EOF
} > "$work/linkage.cc"

# shellcheck disable=SC2086
if $PV_CXX $CXX_WARN $inc ${PV_CXXFLAGS:-} -c -o "$work/linkage.o" "$work/linkage.cc" 2> "$work/err" &&
   $top_builddir/libtool --quiet --tag=CXX --mode=link $PV_CXX ${PV_CXXFLAGS:-} \
     ${PV_LDFLAGS:-} -o "$work/linkage" "$work/linkage.o" \
     "$top_builddir/libpaged_vec.la" 2>> "$work/err"; then
  if $top_builddir/libtool --mode=execute "$work/linkage"; then
    echo "ok: $count exported symbols have C linkage in C++ and link"
  else
    echo "FAIL: the C++ linkage program failed"; fail=1
  fi
else
  echo "FAIL: C++ linkage program (exports:" $syms "):"; cat "$work/err"; fail=1
fi
exit $fail

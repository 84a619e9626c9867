#!/bin/sh
# tests/installcheck.sh - `make installcheck`: the installed copy works.
#
# In a temporary directory outside the build tree, every example source
# installed under $(docdir)/examples is compiled with
#   $CC $CFLAGS -Wall -Wextra -Werror x.c $(pkg-config --cflags --libs paged_vec)
# and run against the installed shared library, then linked again with
# `pkg-config --static` against the installed static library and run; one
# is also linked with -Wl,-rpath and run without LD_LIBRARY_PATH.  Before
# that: the .pc file validates, the man pages are installed, each alias
# page (pv_vec_push.3, ...) is its page, and `man NAME` and `man -l FILE`
# show it.  Nothing here looks at the source or build tree.
#
# Environment (from tests/install.mk): PKG_CONFIG CC CFLAGS LDFLAGS DESTDIR
# prefix libdir docdir mandir host_cpu EXEEXT.
set -u
: "${PKG_CONFIG:?}" "${CC:?}" "${libdir:?}" "${docdir:?}" "${mandir:?}"
CFLAGS=${CFLAGS:-}
DESTDIR=${DESTDIR:-}
ext=${EXEEXT:-}
lib="$DESTDIR$libdir"
src="$DESTDIR$docdir/examples"

# The .pc file of the installed copy; with DESTDIR its paths (made for the
# final prefix) are re-rooted under DESTDIR by the sysroot variable.
PKG_CONFIG_PATH="$lib/pkgconfig"
export PKG_CONFIG_PATH
if [ -n "$DESTDIR" ]; then
  PKG_CONFIG_SYSROOT_DIR=$DESTDIR
  export PKG_CONFIG_SYSROOT_DIR
fi
if ! "$PKG_CONFIG" --exists paged_vec; then
  echo "FAIL: pkg-config finds no paged_vec in $PKG_CONFIG_PATH"; exit 1
fi
# The .pc file records the prefix given to configure.  Overriding prefix at
# `make install` time instead installs a .pc file (and libtool files) that
# point at the old prefix: say so instead of testing something else.
pc_prefix=$("$PKG_CONFIG" --variable=prefix paged_vec)
if [ -n "${prefix:-}" ] && [ "$pc_prefix" != "$prefix" ] && [ "$pc_prefix" != "$DESTDIR$prefix" ]; then
  echo "FAIL: the installed paged_vec.pc says prefix=$pc_prefix but make's prefix is $prefix:"
  echo "      configure with --prefix=DIR (or stage with make install DESTDIR=DIR)"
  echo "      rather than overriding prefix on the make command line"
  exit 1
fi
# The .pc file is well-formed and has no empty field (URL: once was).
pc_file="$lib/pkgconfig/paged_vec.pc"
if ! "$PKG_CONFIG" --validate paged_vec; then
  echo "FAIL: $PKG_CONFIG --validate paged_vec"; exit 1
fi
if grep -E '^[A-Za-z.]+:[[:space:]]*$' "$pc_file"; then
  echo "FAIL: $pc_file has an empty field (above)"; exit 1
fi
echo "ok: $pc_file validates, no empty field"
cflags=$("$PKG_CONFIG" --cflags paged_vec)
libs=$("$PKG_CONFIG" --libs paged_vec)
slibs=$("$PKG_CONFIG" --static --libs paged_vec)
echo "pkg-config paged_vec $("$PKG_CONFIG" --modversion paged_vec): --cflags '$cflags' --libs '$libs' --static --libs '$slibs'"

work=$(mktemp -d "${TMPDIR:-/tmp}/pv-installcheck.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT HUP INT TERM

fail=0
man3="$DESTDIR$mandir/man3"
pages="pv_pages pv_vec pv_vec_typed pv_errors pv_code"
for page in $pages; do
  if [ -f "$man3/$page.3" ]; then
    echo "ok: man page $page(3) installed"
  else
    echo "FAIL: $man3/$page.3 missing"; fail=1
  fi
done

# Every other name a page documents (its .Nm lines) is installed as that
# page (a link to it), so that both `man NAME` and `man -l FILE` show it.
# man itself runs on pv_vec_push and on the first alias of every page.
# man_shows NAME CMD...: CMD prints a page that documents NAME.
man_shows() {
  name=$1; shift
  out=$(MANPAGER=cat MANWIDTH=80 "$@" 2> man.err) && printf '%s\n' "$out" | grep -qw "$name"
}
if command -v man >/dev/null 2>&1; then have_man=yes; else have_man=no
  echo "skip: man not installed: the aliases are compared with their pages, not rendered"
fi
for page in $pages; do
  [ -f "$man3/$page.3" ] || continue
  first=""
  for name in $(sed -n 's/^\.Nm \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$man3/$page.3" | sort -u); do
    [ "$name" = "$page" ] && continue
    if ! cmp -s "$man3/$name.3" "$man3/$page.3"; then
      echo "FAIL: $man3/$name.3 is not $page(3)"; fail=1; continue
    fi
    n_alias=$((${n_alias:-0} + 1))
    [ -z "$first" ] && first=$name
    [ "$have_man" = yes ] || continue
    [ "$name" = "$first" ] || [ "$name" = pv_vec_push ] || continue
    # From a directory outside the man hierarchy, as a user would.
    if ! (cd "$work" && man_shows "$name" man -l "$man3/$name.3"); then
      echo "FAIL: man -l $man3/$name.3 does not show $page(3):"; cat "$work/man.err"; fail=1
    elif ! (cd "$work" && MANPATH="$DESTDIR$mandir" man_shows "$name" man "$name"); then
      echo "FAIL: MANPATH=$DESTDIR$mandir man $name does not show $page(3):"
      cat "$work/man.err"; fail=1
    else
      echo "ok: man $name and man -l $man3/$name.3 show $page(3)"
    fi
  done
done
if [ "${n_alias:-0}" -eq 0 ]; then
  echo "FAIL: no alias pages found in $man3"; fail=1
else
  echo "ok: ${n_alias} alias pages are their pages"
fi

cd "$work" || exit 99

# Can this toolchain link a program fully statically?  (Not with the
# sanitizers, nor on systems without a static libc.)  If not, only
# libpaged_vec is linked statically.
echo 'int main(void) { return 0; }' > probe.c
# shellcheck disable=SC2086 # flag lists are meant to split
if $CC $CFLAGS ${LDFLAGS:-} -static -o probe$ext probe.c 2>/dev/null; then
  static_ld="-static"
  static_pre=""; static_post=""
else
  static_ld=""
  static_pre="-Wl,-Bstatic"; static_post="-Wl,-Bdynamic"
fi

# run NAME BINARY: run one example with small, quick arguments that still
# check results, its output in ./out; false if it failed.
ld_path="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
run() {
  name=$1; bin=./$2
  rc=0
  case $name in
    bigbuf) LD_LIBRARY_PATH=$ld_path "$bin" 16 > out 2>&1 || rc=1 ;;
    wordfreq)
      # A file, and standard input: the installed example sources as text.
      { LD_LIBRARY_PATH=$ld_path "$bin" -n 3 "$src/wordfreq.c" &&
        cat "$src"/*.c | LD_LIBRARY_PATH=$ld_path "$bin" -n 3; } > out 2>&1 || rc=1 ;;
    jit_expr)
      # The example from its header comment, whose answer is -2, then a
      # batch of random expressions checked against its interpreter.
      { LD_LIBRARY_PATH=$ld_path "$bin" '(x + 3) * -y % 7' x=5 y=9 &&
        LD_LIBRARY_PATH=$ld_path "$bin" --random 200 7; } > out 2>&1 || rc=1
      [ "$(head -n 1 out)" = "-2" ] || rc=1 ;;
    file_index)  # a file vector in the scratch directory, 10^5 keys
      { LD_LIBRARY_PATH=$ld_path "$bin" index.npy 100000 && rm -f index.npy; } > out 2>&1 || rc=1 ;;
    *) LD_LIBRARY_PATH=$ld_path "$bin" > out 2>&1 || rc=1 ;;
  esac
  return $rc
}

if [ -f "$lib/libpaged_vec.so" ]; then
  plain="shared"
else
  plain="no shared library installed: the archive"
fi
n=0
for file in "$src"/*.c; do
  [ -f "$file" ] || continue
  name=$(basename "$file" .c)
  if [ "$name" = jit_expr ] && [ "${host_cpu:-}" != x86_64 ]; then
    echo "skip: $name (x86-64 only, host is ${host_cpu:-unknown})"
    continue
  fi
  n=$((n + 1))

  # shellcheck disable=SC2086
  if $CC $CFLAGS -Wall -Wextra -Werror $cflags ${LDFLAGS:-} -o "$name$ext" "$file" $libs \
      2> "$name.err"; then
    # With a shared library installed, the program must load that one (not
    # a copy elsewhere on the system); with --disable-shared, -lpaged_vec
    # finds the static archive and there is nothing to load.
    if [ -f "$lib/libpaged_vec.so" ] && command -v ldd >/dev/null 2>&1 &&
       ! LD_LIBRARY_PATH="$lib" ldd "./$name$ext" | grep -q "$lib/libpaged_vec"; then
      echo "FAIL: $name does not load the installed libpaged_vec:"
      LD_LIBRARY_PATH="$lib" ldd "./$name$ext"; fail=1
    elif run "$name" "$name$ext"; then
      echo "ok: $name built with pkg-config --libs ($plain) and ran"
      sed 's/^/  | /' out
    else
      echo "FAIL: $name ($plain) exited with an error"; fail=1
      sed 's/^/  | /' out
    fi
  else
    echo "FAIL: $name does not build against the installed copy:"
    cat "$name.err"; fail=1
  fi

  if [ ! -f "$lib/libpaged_vec.a" ]; then
    echo "skip: $name static (no libpaged_vec.a installed: --disable-static)"
    continue
  fi
  # shellcheck disable=SC2086
  if $CC $CFLAGS -Wall -Wextra -Werror $cflags ${LDFLAGS:-} $static_ld -o "$name-static$ext" \
      "$file" $static_pre $slibs $static_post 2> "$name.err"; then
    if command -v ldd >/dev/null 2>&1 &&
       LD_LIBRARY_PATH="$lib" ldd "./$name-static$ext" 2>/dev/null | grep -q libpaged_vec; then
      echo "FAIL: $name-static still loads a shared libpaged_vec"; fail=1
    elif run "$name" "$name-static$ext"; then
      echo "ok: $name built with pkg-config --static (${static_ld:-static libpaged_vec only}) and ran"
      sed 's/^/  | /' out
    else
      echo "FAIL: $name (static) exited with an error"; fail=1
      sed 's/^/  | /' out
    fi
  else
    echo "FAIL: $name does not link statically against the installed copy:"
    cat "$name.err"; fail=1
  fi
done
# README's answer to exit status 127 with a prefix outside the loader's
# directories, the rpath way: the program records $lib and then loads the
# installed library with no LD_LIBRARY_PATH at all.
if [ -f "$lib/libpaged_vec.so" ] && [ -f "$src/bigbuf.c" ]; then
  # shellcheck disable=SC2086
  if ! $CC $CFLAGS $cflags ${LDFLAGS:-} -o "bigbuf-rpath$ext" "$src/bigbuf.c" $libs \
      -Wl,-rpath,"$lib" 2> rpath.err; then
    echo "FAIL: bigbuf does not build with -Wl,-rpath,$lib:"; cat rpath.err; fail=1
  elif command -v ldd >/dev/null 2>&1 &&
       ! (unset LD_LIBRARY_PATH; ldd "./bigbuf-rpath$ext") | grep -q "$lib/libpaged_vec"; then
    echo "FAIL: bigbuf built with -Wl,-rpath,$lib does not load $lib/libpaged_vec:"
    (unset LD_LIBRARY_PATH; ldd "./bigbuf-rpath$ext"); fail=1
  elif (unset LD_LIBRARY_PATH; "./bigbuf-rpath$ext" 16 > out 2>&1); then
    echo "ok: bigbuf built with -Wl,-rpath,$lib ran without LD_LIBRARY_PATH"
  else
    echo "FAIL: bigbuf built with -Wl,-rpath,$lib exited with an error"; fail=1
    sed 's/^/  | /' out
  fi
fi

if [ "$n" -lt 4 ]; then  # bigbuf, frozen_table, stable_ptrs, wordfreq (+ jit_expr)
  echo "FAIL: only $n example sources installed under $src"; fail=1
fi
[ "$fail" -eq 0 ] && echo "installcheck: $n examples built and ran against $lib"
exit $fail

#!/bin/sh
# tests/bootstrap.sh - ./bootstrap reconfigures exactly when it must.
#
# The real bootstrap script runs in a scratch tree holding a one-variable
# autoconf project (its configure made by bootstrap's own autoreconf), so
# each configure takes a moment and the prefix it chose can be read back
# from the Makefile:
#   - a fresh tree is configured;
#   - `./bootstrap --prefix=DIR` after that reconfigures (and says so);
#   - `./bootstrap` without arguments keeps the configuration (the Quick
#     start's second line after an Installing first line);
#   - the same arguments again keep it, also when they hold spaces and
#     quotes, when configure recorded an influential variable from the
#     environment, and host_alias for --host;
#   - the same arguments in a changed environment reconfigure.
# SKIP (77) when autoconf is not installed.
set -u
: "${top_srcdir:?}"
if ! command -v autoreconf >/dev/null 2>&1; then
  echo "SKIP: autoreconf not installed: bootstrap cannot make a configure"; exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/pv-bootstrap.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT HUP INT TERM
tree=$work/tree
mkdir -p "$tree/build-aux" || exit 99
cp "$top_srcdir/bootstrap" "$tree/" || exit 99
cp "$top_srcdir/build-aux/tap-driver.sh" "$top_srcdir/build-aux/test-driver" "$tree/build-aux/" ||
  exit 99
cat > "$tree/configure.ac" <<'AC'
AC_INIT([pv-bootstrap-test], [1])
AC_ARG_VAR([PV_TEST_VAR], [an influential variable, recorded from the environment])
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
AC
printf 'prefix = @prefix@\nall:\n' > "$tree/Makefile.in"
# The package step is not under test (and must not install anything).
PV_BOOTSTRAP_NO_APT=1; export PV_BOOTSTRAP_NO_APT
unset PV_TEST_VAR

fail=0
# step WHAT EXPECT PREFIX [ENV=VALUE...] -- ARG...: run bootstrap with ARGs
# (and the environment words before --); its message must contain EXPECT
# and the Makefile must then say prefix = PREFIX.
step() {
  what=$1; expect=$2; want=$3; shift 3
  envs=""
  while [ "$1" != -- ]; do envs="$envs $1"; shift; done
  shift
  # shellcheck disable=SC2086 # the environment words are meant to split
  out=$(env $envs "$tree/bootstrap" "$@" 2>&1)
  rc=$?
  got=$(sed -n 's/^prefix = //p' "$tree/Makefile" 2>/dev/null)
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: $what: bootstrap exited with $rc"; fail=1
  elif ! printf '%s\n' "$out" | grep '^bootstrap: ' | grep -qF "$expect"; then
    echo "FAIL: $what: bootstrap did not say '$expect'"; fail=1
  elif [ "$got" != "$want" ]; then
    echo "FAIL: $what: the Makefile says prefix = $got, not $want"; fail=1
  else
    echo "ok: $what: '$expect', prefix = $got"
  fi
  printf '%s\n' "$out" | grep '^bootstrap: ' | sed 's/^/  | /'
}

p1="$work/p1"
p2="$work/it's a dir"
host=x86_64-pc-linux-gnu
step "fresh tree" "running ./configure" /usr/local --
step "--prefix after a plain bootstrap" "reconfiguring" "$p1" -- --prefix="$p1"
step "no arguments after --prefix" "keeping it" "$p1" --
step "the same --prefix again" "same arguments" "$p1" -- --prefix="$p1"
step "spaces, quotes, environment, --host" "reconfiguring" "$p2" PV_TEST_VAR=v -- \
  --prefix="$p2" "CFLAGS=-O2 -g" --host=$host
recorded=$(cd "$tree" && ./config.status --config)
case $recorded in
  *PV_TEST_VAR=v*host_alias=$host* | *host_alias=$host*PV_TEST_VAR=v*)
    echo "ok: configure recorded the environment and --host: $recorded" ;;
  *) echo "FAIL: configure did not record PV_TEST_VAR and host_alias: $recorded"; fail=1 ;;
esac
step "the same again" "same arguments" "$p2" PV_TEST_VAR=v -- \
  --prefix="$p2" "CFLAGS=-O2 -g" --host=$host
step "the same arguments, the variable gone" "reconfiguring" "$p2" -- \
  --prefix="$p2" "CFLAGS=-O2 -g" --host=$host
step "and then the same again" "same arguments" "$p2" -- \
  --prefix="$p2" "CFLAGS=-O2 -g" --host=$host
exit $fail

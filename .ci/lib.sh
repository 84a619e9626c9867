# .ci/lib.sh - sourced by .ci/run and by each step process (.ci/steps/*.sh).
# $top: the clone under test.  `variant NAME TARGETS -- CONFIGURE-ARGS`
# builds one more configuration in its own local clone under _ci/NAME.
top="${PV_CI_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

variant() {
  local name=$1; shift
  local targets=()
  while [ "$1" != "--" ]; do targets+=("$1"); shift; done
  shift
  local dir="$top/_ci/$name"
  echo "==== ci: $name: ./configure $* && make ${targets[*]}"
  rm -rf "$dir"
  git clone -q --no-hardlinks "$top" "$dir"
  (cd "$dir" && ./bootstrap "$@" >/dev/null && make "${targets[@]}")
}

#!/bin/sh
# man/lint.sh - the man pages lint clean: `mandoc -T lint` (every level,
# STYLE included) prints nothing for any of them, and groff -ww (when
# installed) renders them without a warning.
#
# One message depends on the machine, not on the page: "referenced manual
# not found" for an .Xr, which mandoc checks against the manuals installed
# on this system (it does not see the other pages of this package, nor
# mmap(2) where the manpages-dev package is missing).  For those the check
# here is stricter instead of environment-dependent: a reference to one of
# our pages (pv_*) must name a page in this directory; references to system
# manuals are accepted.  mandoc's notes about its database ("outdated
# mandoc.db") are not messages about the pages and are dropped.
set -u
: "${top_srcdir:?}"
mandoc=${MANDOC:-}
if [ -z "$mandoc" ]; then
  echo "SKIP: configure found no mandoc (./bootstrap installs it)"
  exit 77
fi
dir="$top_srcdir/man"
fail=0
n=0
for page in "$dir"/*.3; do
  n=$((n + 1))
  name=$(basename "$page")
  before=$fail
  out=$("$mandoc" -T lint -W style "$page" 2>&1 | grep -v 'outdated mandoc.db')
  bad=$(printf '%s\n' "$out" | grep -v 'referenced manual not found' | grep -v '^$')
  if [ -n "$bad" ]; then
    echo "FAIL: $name:"; printf '%s\n' "$bad"; fail=1
  fi
  # Our own cross references must resolve within man/.
  for ref in $(printf '%s\n' "$out" |
               sed -n 's/.*referenced manual not found: Xr \(pv_[a-z_]*\) \([0-9]\).*/\1.\2/p'); do
    if [ ! -f "$dir/$ref" ]; then
      echo "FAIL: $name refers to $ref, which is not in man/"; fail=1
    fi
  done
  # And the page renders, with mandoc and (what `man -l` uses on most
  # Linux systems) with groff, which must not warn either.
  if ! "$mandoc" -T ascii "$page" > /dev/null 2>&1; then
    echo "FAIL: $name does not render"; fail=1
  fi
  if command -v groff > /dev/null 2>&1; then
    gw=$(groff -mandoc -ww -z "$page" 2>&1)
    if [ -n "$gw" ]; then
      echo "FAIL: groff warns about $name:"; printf '%s\n' "$gw"; fail=1
    fi
  fi
  [ "$fail" -eq "$before" ] && echo "ok: $name lints clean"
done
if [ "$n" -lt 4 ]; then
  echo "FAIL: only $n man pages in $dir"; fail=1
fi
exit $fail

#!/bin/sh
# Run one Criterion test program under valgrind memcheck, its TAP report on
# stdout (what automake's tap-driver reads); used by `make check-valgrind`.
#
# Criterion runs every test in a child process it starts itself, so
# --trace-children=yes is what puts the test code under memcheck.  A child's
# exit status does not fail its test once the test has reported, so two
# more things make errors count:
#   --exit-on-first-error  an invalid access kills the test before it can
#                          report success (the test shows as failed);
#   the logs               each process writes its own log; any process that
#                          stopped on an error or ends with a non-zero ERROR
#                          SUMMARY (definite leaks count, as they are only
#                          found at exit) fails the program.
# Valgrind does not track mremap(MREMAP_FIXED) growth (the grown part stays
# "unaddressable" to memcheck), so run this on a --disable-mremap build.
prog=$1
shift
logdir=$(mktemp -d "${TMPDIR:-/tmp}/pv-valgrind.XXXXXX") || exit 99
valgrind --tool=memcheck --trace-children=yes --exit-on-first-error=yes \
  --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite --smc-check=all-non-file --num-callers=30 \
  --log-file="$logdir/vg.%p" "$prog" --tap=/dev/stdout "$@"
rc=$?
bad=$(grep -l -e 'ERROR SUMMARY: [1-9]' -e 'Exit program on first error' \
  "$logdir"/vg.* 2>/dev/null)
if [ -n "$bad" ]; then
  echo "valgrind found errors in $prog:" >&2
  cat $bad >&2
  [ "$rc" -eq 0 ] && rc=1
fi
n=$(ls "$logdir" | wc -l)
echo "valgrind: $n processes checked, $(echo $bad | wc -w) with errors" >&2
rm -rf "$logdir"
exit $rc

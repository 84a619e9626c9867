#!/bin/sh
# Run one Criterion test program with its report in TAP on stdout, which is
# what automake's tap-driver reads.  Criterion's own summary (the
# "Synthesis:" line) goes to stderr and lands in the test's .log file.
prog=$1
shift
exec "$prog" --tap=/dev/stdout "$@"

# .ci/steps/60-bench.sh - run by .ci/run as a process.
# The benchmark suite from a fresh clone: built warning-free with gcc and
# clang, and `make bench-quick` (about a minute) runs every part of it once:
# all three programs, the runner, the table, the charts.  (The full
# `make bench` takes about ten minutes and is for measuring, not for CI.)
variant bench-gcc bench-quick -- --enable-bench=yes --enable-werror CC=gcc CXX=g++
variant bench-clang bench-build -- --enable-bench=yes --enable-werror CC=clang CXX=clang++

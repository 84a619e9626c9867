# .ci/steps/60-bench.sh - run by .ci/run as a process.
# The benchmark suite from a fresh clone: built warning-free with gcc and
# clang, and `make bench-quick` (at most two minutes) runs every part of it
# once: all five programs (the four allocators and pv_bench_machine), the
# warm-up and the machine-state line, the paired rows, the runner, the
# table with its targets and the charts.  (The full `make bench`, at most
# fifteen minutes, is for measuring, not for CI.)
variant bench-gcc bench-quick -- --enable-bench=yes --enable-werror CC=gcc CXX=g++
variant bench-clang bench-build -- --enable-bench=yes --enable-werror CC=clang CXX=clang++

# .ci/steps/40-valgrind.sh - run by .ci/run as a process: valgrind memcheck over the
# suites that raise no signals (make check-valgrind, tests/reliability.mk),
# following Criterion's test processes; any error or definite leak fails.
# --disable-mremap: valgrind does not track mremap(MREMAP_FIXED) growth, so
# memcheck checks the portable map+copy path.
variant valgrind check-valgrind -- --disable-mremap

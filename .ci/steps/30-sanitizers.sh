# .ci/steps/30-sanitizers.sh - run by .ci/run as a process: the whole Criterion suite
# (fault injection, bad input, mapping exhaustion, threads and every other
# area) built with ASan + UBSan, no recovery.  Signal tests still work:
# tests/local.mk sets ASAN_OPTIONS=handle_segv=0.  test_oom skips itself
# here (RLIMIT_AS would measure ASan's shadow memory).
variant sanitizers check -- --enable-sanitizers CC=clang CXX=clang++

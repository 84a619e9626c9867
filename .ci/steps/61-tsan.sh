# .ci/steps/61-tsan.sh - run by .ci/run as a process: the thread-safety suite under
# ThreadSanitizer.  Criterion cannot start under TSan, so this runs
# tests/test_threads_plain (the same tests built with tests/minicrit.h),
# which includes pv_vec_populate with helper threads (MADV_POPULATE_WRITE
# and the touching fallback).
# --disable-mremap: TSan does not intercept mremap, so it would not see
# memory the kernel moved.
variant tsan check "TESTS=tests/test_threads_plain tests/test_cache_plain" -- --enable-tsan --disable-mremap CC=clang CXX=clang++

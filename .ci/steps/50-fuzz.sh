# .ci/steps/50-fuzz.sh - run by .ci/run as a process: the libFuzzer targets
# (fuzz/local.mk): replay the committed corpus, then fuzz each target for a
# bounded time.  The targets carry ASan + UBSan and fault injection.
# A fixed seed: a failure here reproduces with the same command (longer,
# random-seed runs are for developers: make fuzz FUZZ_SECONDS=600).
variant fuzz fuzz FUZZ_SECONDS=45 FUZZ_SEED=20261126 -- --enable-fuzz CC=clang CXX=clang++

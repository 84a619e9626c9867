# .ci/steps/50-fuzz.sh - sourced by .ci/run: the libFuzzer targets
# (fuzz/local.mk): replay the committed corpus, then fuzz each target for a
# bounded time.  The targets carry ASan + UBSan and fault injection.
variant fuzz fuzz FUZZ_SECONDS=45 -- --enable-fuzz CC=clang CXX=clang++

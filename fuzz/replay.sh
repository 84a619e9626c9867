#!/bin/sh
# Replay the committed seed corpus of every fuzz target through the plain
# replayer (fuzz/replay_*), part of `make check` with any compiler.
set -e
srcdir=${top_srcdir:-.}
for t in vec pages npy; do
  ./fuzz/replay_$t "$srcdir/fuzz/corpus/fuzz_$t"
done

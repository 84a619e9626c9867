# fuzz/local.mk - included by Makefile.am: libFuzzer targets and the corpus.
#
#   ./configure --enable-fuzz CC=clang && make fuzz FUZZ_SECONDS=60
#
# `make fuzz` replays the committed seed corpus of each target, then fuzzes
# each for FUZZ_SECONDS, printing the executions done; new inputs go to
# fuzz/work/TARGET in the build tree (copy the interesting ones into
# fuzz/corpus/TARGET), crashes to fuzz/work/crash-*.
# Without --enable-fuzz, `make check` still replays the corpus through a
# plain main() (fuzz/replay.c) with whatever compiler built the tree.

FUZZ_SECONDS = 60
# libFuzzer's -seed: 0 lets it pick one (printed in fuzz/TARGET.log); CI
# passes a fixed one so that a failure there reproduces with the same
# command line.
FUZZ_SEED = 0
FUZZ_TARGETS = fuzz_vec fuzz_pages fuzz_npy
EXTRA_DIST += fuzz/corpus fuzz/replay.sh fuzz/fuzz_common.h
CLEANFILES += fuzz/*.log

if !PV_WINDOWS
check_PROGRAMS += fuzz/replay_vec fuzz/replay_pages fuzz/replay_npy
TESTS += fuzz/replay.sh
# fuzz_vec.c checks against the reference model of tests/model.h.
PV_FUZZ_VEC_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests
fuzz_replay_vec_SOURCES = fuzz/replay.c fuzz/fuzz_vec.c fuzz/fuzz_common.h \
	tests/model.h
fuzz_replay_vec_CPPFLAGS = $(PV_FUZZ_VEC_CPPFLAGS)
fuzz_replay_vec_LDADD = libpaged_vec_core.la
fuzz_replay_pages_SOURCES = fuzz/replay.c fuzz/fuzz_pages.c fuzz/fuzz_common.h
fuzz_replay_pages_LDADD = libpaged_vec_core.la
fuzz_replay_npy_SOURCES = fuzz/replay.c fuzz/fuzz_npy.c fuzz/fuzz_common.h
fuzz_replay_npy_LDADD = libpaged_vec_core.la
endif

if PV_FUZZ
noinst_PROGRAMS += fuzz/fuzz_vec fuzz/fuzz_pages fuzz/fuzz_npy
fuzz_fuzz_vec_SOURCES = fuzz/fuzz_vec.c fuzz/fuzz_common.h tests/model.h \
	$(libpaged_vec_core_la_SOURCES)
fuzz_fuzz_vec_CPPFLAGS = $(PV_FUZZ_VEC_CPPFLAGS)
fuzz_fuzz_vec_CFLAGS = $(AM_CFLAGS) $(PV_FUZZ_CFLAGS)
fuzz_fuzz_vec_LDFLAGS = $(PV_FUZZ_CFLAGS)
fuzz_fuzz_pages_SOURCES = fuzz/fuzz_pages.c fuzz/fuzz_common.h \
	$(libpaged_vec_core_la_SOURCES)
fuzz_fuzz_pages_CFLAGS = $(AM_CFLAGS) $(PV_FUZZ_CFLAGS)
fuzz_fuzz_pages_LDFLAGS = $(PV_FUZZ_CFLAGS)
# The header parser alone: pure code, no library around it.
fuzz_fuzz_npy_SOURCES = fuzz/fuzz_npy.c fuzz/fuzz_common.h lib/npy.h lib/npy.c
fuzz_fuzz_npy_CFLAGS = $(AM_CFLAGS) $(PV_FUZZ_CFLAGS)
fuzz_fuzz_npy_LDFLAGS = $(PV_FUZZ_CFLAGS)

# Replay first (a regression fails fast), then fuzz; the summary line per
# target is what CI reports.
fuzz: fuzz/fuzz_vec$(EXEEXT) fuzz/fuzz_pages$(EXEEXT) fuzz/fuzz_npy$(EXEEXT)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  corpus=$(srcdir)/fuzz/corpus/$$t; work=fuzz/work/$$t; \
	  rm -rf $$work; mkdir -p $$work; \
	  echo "fuzz: $$t: replaying $$(ls $$corpus | wc -l) corpus inputs"; \
	  ./fuzz/$$t -runs=0 $$corpus > fuzz/$$t-replay.log 2>&1 || \
	    { tail -40 fuzz/$$t-replay.log; exit 1; }; \
	  echo "fuzz: $$t: fuzzing for $(FUZZ_SECONDS) s (seed $(FUZZ_SEED); 0: random)"; \
	  ./fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) \
	    -print_final_stats=1 \
	    -timeout=20 -rss_limit_mb=4096 -artifact_prefix=fuzz/work/ \
	    $$work $$corpus > fuzz/$$t.log 2>&1 || \
	    { tail -60 fuzz/$$t.log; exit 1; }; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' fuzz/$$t.log); \
	  cov=$$(grep -o 'cov: [0-9]*' fuzz/$$t.log | tail -1); \
	  echo "fuzz: $$t: $$execs executions in $(FUZZ_SECONDS) s, $$cov, no failure"; \
	done
else
fuzz:
	@echo "make fuzz: configure with --enable-fuzz CC=clang first" >&2; exit 1
endif
.PHONY: fuzz

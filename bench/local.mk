# bench/local.mk - the benchmark suite (included by Makefile.am).
#
#   make bench        the full comparison (about 10 minutes on 2 cores)
#   make bench-quick  the headline rows only (under a minute)
#
# Both build the benchmark programs on demand (they are EXTRA_PROGRAMS, so a
# plain `make` does not spend time on them), run every benchmark in a fresh
# process (bench/run.sh), print the table and leave raw JSON, the table and
# the charts in results/ under the build directory.
#
# Three programs, one per allocator, so that each allocator really is the
# process's malloc: the realloc-vector peer (bench_rvec.c) is linked into
# all three; pv_bench also holds every other peer.  The allocator library
# comes first on the link line so that its malloc is the one the dynamic
# linker binds.

PVB_RUNNER_FILES = bench/run.sh bench/json2tsv.awk bench/table.awk bench/charts.gp
EXTRA_DIST += $(PVB_RUNNER_FILES)

if PV_BENCH
PVB_PROGS = bench/pv_bench$(EXEEXT) bench/pv_bench_jemalloc$(EXEEXT) \
	bench/pv_bench_mimalloc$(EXEEXT)
EXTRA_PROGRAMS += bench/pv_bench bench/pv_bench_jemalloc bench/pv_bench_mimalloc
CLEANFILES += $(PVB_PROGS)

PVB_HARNESS = bench/harness.h bench/peer.h bench/bodies.h bench/harness_gbench.cc

bench_pv_bench_SOURCES = $(PVB_HARNESS) bench/pv_variants.h \
	bench/bench_pv_typed.c bench/bench_pv_generic.c bench/bench_rvec.c \
	bench/bench_garray.c bench/bench_stbds.c bench/bench_limit.c \
	bench/bench_pair.c bench/peer_stdvector.cc
bench_pv_bench_CFLAGS = $(AM_CFLAGS) $(PVB_GLIB_CFLAGS)
bench_pv_bench_CXXFLAGS = $(AM_CXXFLAGS) $(PVB_BENCHMARK_CFLAGS)
# -no-install: a real executable linked against the in-tree shared library
# (no libtool wrapper script between the runner and the measured process).
bench_pv_bench_LDFLAGS = -no-install
bench_pv_bench_LDADD = libpaged_vec.la $(PVB_GLIB_LIBS) $(PVB_STB_LIBS) \
	$(PVB_BENCHMARK_LIBS)

bench_pv_bench_jemalloc_SOURCES = $(PVB_HARNESS) bench/bench_rvec.c
bench_pv_bench_jemalloc_CFLAGS = $(AM_CFLAGS) $(PVB_JEMALLOC_CFLAGS) \
	-DPVB_ALLOC_JEMALLOC
bench_pv_bench_jemalloc_CXXFLAGS = $(AM_CXXFLAGS) $(PVB_BENCHMARK_CFLAGS)
bench_pv_bench_jemalloc_LDADD = $(PVB_JEMALLOC_LIBS) $(PVB_BENCHMARK_LIBS)

bench_pv_bench_mimalloc_SOURCES = $(PVB_HARNESS) bench/bench_rvec.c
bench_pv_bench_mimalloc_CFLAGS = $(AM_CFLAGS) -DPVB_ALLOC_MIMALLOC
bench_pv_bench_mimalloc_CXXFLAGS = $(AM_CXXFLAGS) $(PVB_BENCHMARK_CFLAGS)
bench_pv_bench_mimalloc_LDADD = $(PVB_MIMALLOC_LIBS) $(PVB_BENCHMARK_LIBS)

PVB_RUN = $(SHELL) $(top_srcdir)/bench/run.sh --bindir bench --out results \
	--awk '$(AWK)' --gnuplot '$(GNUPLOT)' --scripts '$(top_srcdir)/bench'

bench-build: $(PVB_PROGS)
bench: $(PVB_PROGS)
	$(PVB_RUN) --mode full
bench-quick: $(PVB_PROGS)
	$(PVB_RUN) --mode quick
else
bench-build bench bench-quick:
	@echo "$@: the benchmark suite is not configured; configure --enable-bench=yes says what is missing (./bootstrap installs it)" >&2; exit 1
endif
.PHONY: bench bench-quick bench-build

# The small-phase probe (bench/probe_small.c): how the threshold in
# lib/store_small.c was chosen.  Built on demand: `make bench/probe_small`.
EXTRA_PROGRAMS += bench/probe_small
CLEANFILES += bench/probe_small$(EXEEXT)
bench_probe_small_SOURCES = bench/probe_small.c
bench_probe_small_LDFLAGS = -no-install
bench_probe_small_LDADD = libpaged_vec.la

# The region cache's probe (docs/cache.md): built on demand, needs nothing
# but the library; `make bench/cache_probe && bench/cache_probe`.
EXTRA_PROGRAMS += bench/cache_probe
CLEANFILES += bench/cache_probe$(EXEEXT)
bench_cache_probe_SOURCES = bench/cache_probe.c
bench_cache_probe_LDADD = libpaged_vec_core.la

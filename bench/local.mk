# bench/local.mk - the benchmark suite (included by Makefile.am).
#
#   make bench        the full comparison (at most 15 minutes on 2 cores)
#   make bench-quick  the paired headline rows, one process each (at most
#                     2 minutes)
#
# Both build the benchmark programs on demand (they are EXTRA_PROGRAMS, so a
# plain `make` does not spend time on them), run every benchmark in a fresh
# process (bench/run.sh), print the table and leave raw JSON, the table and
# the charts in results/ under the build directory.
#
# One program per allocator, so that each allocator really is the
# process's malloc: the realloc-vector peer (bench_rvec.c), the typed
# paged_vec peer and the paired workloads (bench_pair.c) are linked into
# all of them; pv_bench also holds every other peer.  The allocator library
# comes first on the link line so that its malloc is the one the dynamic
# linker binds.  bench/peers/*.peer say which program runs which peer.
# pv_bench_machine warms the memory and measures the machine's state.

# bench/peers is distributed as a directory: a new peer file needs no line
# here.
PVB_RUNNER_FILES = bench/run.sh bench/gbench_json.awk bench/json2tsv.awk bench/table.awk \
	bench/charts.gp bench/pairs.awk bench/peers
EXTRA_DIST += $(PVB_RUNNER_FILES)

if PV_BENCH
PVB_ALLOCS = jemalloc mimalloc tcmalloc
PVB_PROGS = bench/pv_bench$(EXEEXT) bench/pv_bench_jemalloc$(EXEEXT) \
	bench/pv_bench_mimalloc$(EXEEXT) bench/pv_bench_tcmalloc$(EXEEXT) \
	bench/pv_bench_machine$(EXEEXT)
EXTRA_PROGRAMS += bench/pv_bench bench/pv_bench_jemalloc bench/pv_bench_mimalloc \
	bench/pv_bench_tcmalloc bench/pv_bench_machine
CLEANFILES += $(PVB_PROGS)

PVB_HARNESS = bench/harness.h bench/peer.h bench/bodies.h bench/harness_gbench.cc
# What every program holds: the harness, paged_vec's typed layer, the
# realloc vector and the paired workloads.
PVB_CORE = $(PVB_HARNESS) bench/pv_variants.h bench/bench_pv_typed.c \
	bench/bench_rvec.c bench/bench_pair.c bench/order.h
# -no-install: a real executable linked against the in-tree shared library
# (no libtool wrapper script between the runner and the measured process).
PVB_LINK_FLAGS = -no-install -pthread
PVB_LINK_LIBS = libpaged_vec.la $(PVB_BENCHMARK_LIBS) -lm

bench_pv_bench_SOURCES = $(PVB_CORE) bench/bench_pv_generic.c bench/bench_pv_batch.c \
	bench/bench_garray.c bench/bench_stbds.c bench/bench_limit.c \
	bench/peer_cxxvec.h bench/peer_stdvector.cc bench/peer_boostvec.cc
bench_pv_bench_CFLAGS = $(AM_CFLAGS) $(PVB_GLIB_CFLAGS) -pthread
bench_pv_bench_CXXFLAGS = $(AM_CXXFLAGS) $(PVB_BENCHMARK_CFLAGS)
bench_pv_bench_LDFLAGS = $(PVB_LINK_FLAGS)
bench_pv_bench_LDADD = $(PVB_GLIB_LIBS) $(PVB_STB_LIBS) $(PVB_LINK_LIBS)

bench_pv_bench_jemalloc_SOURCES = $(PVB_CORE)
bench_pv_bench_jemalloc_CFLAGS = $(AM_CFLAGS) $(PVB_JEMALLOC_CFLAGS) \
	-DPVB_ALLOC_JEMALLOC
bench_pv_bench_jemalloc_CXXFLAGS = $(AM_CXXFLAGS) $(PVB_BENCHMARK_CFLAGS)
bench_pv_bench_jemalloc_LDFLAGS = $(PVB_LINK_FLAGS)
bench_pv_bench_jemalloc_LDADD = $(PVB_JEMALLOC_LIBS) $(PVB_LINK_LIBS)

bench_pv_bench_mimalloc_SOURCES = $(PVB_CORE)
bench_pv_bench_mimalloc_CFLAGS = $(AM_CFLAGS) -DPVB_ALLOC_MIMALLOC
bench_pv_bench_mimalloc_CXXFLAGS = $(AM_CXXFLAGS) $(PVB_BENCHMARK_CFLAGS)
bench_pv_bench_mimalloc_LDFLAGS = $(PVB_LINK_FLAGS)
bench_pv_bench_mimalloc_LDADD = $(PVB_MIMALLOC_LIBS) $(PVB_LINK_LIBS)

bench_pv_bench_tcmalloc_SOURCES = $(PVB_CORE)
bench_pv_bench_tcmalloc_CFLAGS = $(AM_CFLAGS) $(PVB_TCMALLOC_CFLAGS) \
	-DPVB_ALLOC_TCMALLOC
bench_pv_bench_tcmalloc_CXXFLAGS = $(AM_CXXFLAGS) $(PVB_BENCHMARK_CFLAGS)
bench_pv_bench_tcmalloc_LDFLAGS = $(PVB_LINK_FLAGS)
bench_pv_bench_tcmalloc_LDADD = $(PVB_TCMALLOC_LIBS) $(PVB_LINK_LIBS)

bench_pv_bench_machine_SOURCES = bench/machine.c
bench_pv_bench_machine_CFLAGS = $(AM_CFLAGS)

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
bench_probe_small_SOURCES = bench/probe_small.c bench/order.h
bench_probe_small_LDFLAGS = -no-install
bench_probe_small_LDADD = libpaged_vec.la

# The region cache's probe (docs/cache.md): built on demand, needs nothing
# but the library; `make bench/cache_probe && bench/cache_probe`.
EXTRA_PROGRAMS += bench/cache_probe
CLEANFILES += bench/cache_probe$(EXEEXT)
bench_cache_probe_SOURCES = bench/cache_probe.c
bench_cache_probe_LDADD = libpaged_vec_core.la

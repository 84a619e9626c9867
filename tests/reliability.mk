# tests/reliability.mk - included by Makefile.am: the reliability suites
# (fault injection, bad input, real OOM, mapping exhaustion, threads) and
# `make check-valgrind`.
EXTRA_DIST += tests/relutil.h tests/sweep.h tests/childrun.h tests/minicrit.h

# Every exported function has a bad-input table (tests/badinput_*.def).
# tests/mutate.sh (a mutation run over lib/) is run by hand: see its header.
TESTS += tests/check-badinput.sh
EXTRA_DIST += tests/check-badinput.sh tests/mutate.sh

if PV_HAVE_CRITERION
PV_REL_TESTS = tests/test_fault_pages tests/test_fault_vec tests/test_badinput tests/test_oom \
	tests/test_maps tests/test_threads
check_PROGRAMS += $(PV_REL_TESTS)
TESTS += $(PV_REL_TESTS)

tests_test_fault_pages_SOURCES = tests/test_fault_pages.c tests/sweep.h \
	tests/relutil.h tests/testutil.h
tests_test_fault_pages_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_fault_pages_LDADD = $(PV_TEST_LIBS)
tests_test_fault_vec_SOURCES = tests/test_fault_vec.c tests/sweep.h \
	tests/relutil.h tests/testutil.h
tests_test_fault_vec_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_fault_vec_LDADD = $(PV_TEST_LIBS)
tests_test_badinput_SOURCES = tests/test_badinput.c tests/relutil.h tests/testutil.h \
	tests/badinput_pages.def tests/badinput_errors.def tests/badinput_vec.def \
	tests/badinput_code.def tests/badinput_cache.def
tests_test_badinput_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_badinput_LDADD = $(PV_TEST_LIBS)
tests_test_oom_SOURCES = tests/test_oom.c tests/childrun.h
tests_test_oom_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_oom_LDADD = $(PV_TEST_LIBS)
tests_test_maps_SOURCES = tests/test_maps.c tests/childrun.h tests/relutil.h
tests_test_maps_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_maps_LDADD = $(PV_TEST_LIBS)
tests_test_threads_SOURCES = tests/test_threads.c
tests_test_threads_CFLAGS = $(PV_TEST_CFLAGS) -pthread
tests_test_threads_LDADD = $(PV_TEST_LIBS) -lpthread
endif

# The thread suite again without Criterion (tests/minicrit.h), for the
# ThreadSanitizer build, where Criterion cannot start.
if !PV_WINDOWS
check_PROGRAMS += tests/test_threads_plain
TESTS += tests/test_threads_plain
tests_test_threads_plain_SOURCES = tests/test_threads.c tests/minicrit.h
tests_test_threads_plain_CPPFLAGS = $(AM_CPPFLAGS) -DPV_MINICRIT
tests_test_threads_plain_CFLAGS = $(AM_CFLAGS) -pthread
tests_test_threads_plain_LDADD = libpaged_vec_core.la -lpthread
endif

# make check-valgrind: the suites that raise no signals, under valgrind
# memcheck (tests/valgrind-tap.sh says how test children are covered).
# test_oom (RLIMIT_AS would cap valgrind itself) and test_maps (valgrind
# needs mappings of its own at the limit) are not among them.
EXTRA_DIST += tests/valgrind-tap.sh
PV_VALGRIND_TESTS = tests/test_errors tests/test_badinput tests/test_fault_pages \
	tests/test_fault_vec tests/test_threads
check-valgrind:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(PV_VALGRIND_TESTS)' \
	  LOG_COMPILER='$(SHELL) $(top_srcdir)/tests/valgrind-tap.sh'
.PHONY: check-valgrind

# make fault-points: the number of faults the sweeps (tests/sweep.h)
# injected in the last make check, summed over their logs.
fault-points:
	@cat $(builddir)/tests/test_fault_*.log | $(AWK) \
	  '/^fault-points / { for (i = 3; i < NF; i++) if ($$i ~ /^PV_E/) { s += $$(i + 1); break } } \
	   END { print "fault points:", s + 0 }'
.PHONY: fault-points

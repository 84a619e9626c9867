# tests/file.mk - included by Makefile.am: vectors that live in files.
#   test_file        create/reopen, options and their errors, read-only and
#                    frozen mappings, malformed files, SIGKILL prefix, full
#                    disk (RLIMIT_FSIZE), sharing and locking, STABLE, the
#                    fault sweep over open, growth, shrink, sync and close
#   file_numpy.sh    C -> numpy.load(mmap_mode='r') and numpy.save -> C
#                    (skips, saying so, where python3-numpy is absent)

if PV_HAVE_CRITERION
check_PROGRAMS += tests/test_file
tests_test_file_SOURCES = tests/test_file.c tests/vecutil.h tests/childrun.h
tests_test_file_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_file_LDADD = $(PV_TEST_LIBS)
TESTS += tests/test_file
endif

# C <-> NumPy: the tool is plain C (no Criterion), so the round trip runs
# wherever NumPy is, Criterion or not; not on Windows, where the mingw
# build runs under wine without a NumPy (tests/portable_vec.c checks file
# vectors there).
EXTRA_DIST += tests/file_numpy.sh
if !PV_WINDOWS
check_PROGRAMS += tests/file_npy_tool
tests_file_npy_tool_SOURCES = tests/file_npy_tool.c
tests_file_npy_tool_LDADD = libpaged_vec_core.la
TESTS += tests/file_numpy.sh
endif

# `make check-large`: 10^9 u64 (8 GB) pushed into a file vector, reopened
# and summed with a sync + PAGEOUT every GiB, failing when the peak RSS
# passes half the file (tests/large_file.c); skipped, saying so, when
# PV_LARGE_DIR (default: the build directory) lacks the free space.
# Not part of `make check`: it writes 8 GB.  CI runs it (.ci/steps/80-large.sh).
PV_LARGE_DIR = $(abs_top_builddir)
PV_LARGE_N = 1000000000
EXTRA_PROGRAMS += tests/large_file
tests_large_file_SOURCES = tests/large_file.c
tests_large_file_LDADD = libpaged_vec_core.la
CLEANFILES += tests/large_file$(EXEEXT)
check-large: tests/large_file$(EXEEXT)
	./tests/large_file$(EXEEXT) '$(PV_LARGE_DIR)' $(PV_LARGE_N)
.PHONY: check-large

# tests/local.mk - Criterion suites (one file per area) run through automake's
# TAP driver, plus plain shell checks.
#
# The three test harnesses and why each exists:
#   Criterion               the suites (tests/test_*.c): each test runs in its
#                           own process, which is what lets .signal = SIGSEGV
#                           prove that a protection faults, and a crash fails
#                           one test, not the program.
#   tests/minicrit.h        Criterion's names as a plain program, for the
#                           ThreadSanitizer build, where Criterion cannot
#                           start (tests/test_threads.c only).
#   tests/portable_test.h   a plain C harness for the scenarios that must hold
#                           on every platform: Criterion does not build with
#                           mingw, so this program is what runs under wine.
# The shared checking code is not per harness: the snapshot and the fault
# sweep are tests/sweep.h (Criterion), the reference model tests/model.h
# (plain C, used by all three kinds of test program and the fuzzer).

TEST_EXTENSIONS = .sh
# Criterion programs print TAP (tests/criterion-tap.sh); the TAP driver shows
# every test case in the logs.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/criterion-tap.sh
SH_LOG_DRIVER = $(SHELL) $(top_srcdir)/build-aux/test-driver
SH_LOG_COMPILER = $(SHELL)
# ASan's own SIGSEGV handler would turn the faults the tests expect into
# reports: let them reach Criterion as signals.
AM_TESTS_ENVIRONMENT = \
	top_builddir='$(top_builddir)'; export top_builddir; \
	top_srcdir='$(top_srcdir)'; export top_srcdir; \
	ASAN_OPTIONS='handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1:detect_leaks=1'; export ASAN_OPTIONS; \
	UBSAN_OPTIONS='print_stacktrace=1:halt_on_error=1'; export UBSAN_OPTIONS;

EXTRA_DIST += build-aux/tap-driver.sh build-aux/test-driver tests/criterion-tap.sh tests/check-exports.sh

if PV_HAVE_CRITERION
PV_TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
PV_TEST_LIBS = libpaged_vec_core.la $(CRITERION_LIBS)

check_PROGRAMS += tests/test_errors tests/test_pages
tests_test_errors_SOURCES = tests/test_errors.c
tests_test_errors_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_errors_LDADD = $(PV_TEST_LIBS)
tests_test_pages_SOURCES = tests/test_pages.c tests/testutil.h
tests_test_pages_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_pages_LDADD = $(PV_TEST_LIBS)

TESTS += tests/test_errors tests/test_pages
endif

if !PV_WINDOWS
if !PV_CROSS
TESTS += tests/check-exports.sh
endif
endif

# The .npy header of file vectors (lib/npy.c): tests/test_npy parses the
# committed fixtures (tests/npy/*.npy, written by tests/npy/make.py with
# numpy.save); tests/npy_numpy.sh checks it against the installed NumPy both
# ways, or says SKIP without NumPy.  tests/numpy_env.sh finds the NumPy
# (or skips) for it and for tests/file_numpy.sh.
EXTRA_DIST += tests/npy tests/npy_numpy.sh tests/numpy_env.sh
if PV_HAVE_CRITERION
check_PROGRAMS += tests/test_npy
tests_test_npy_SOURCES = tests/test_npy.c
tests_test_npy_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_npy_LDADD = $(PV_TEST_LIBS)
TESTS += tests/test_npy tests/npy_numpy.sh
endif

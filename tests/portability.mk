# tests/portability.mk - included by Makefile.am: the JIT code buffer suite,
# the portable test program (plain C, prints TAP; runs natively in
# `make check` and, in a mingw cross build, as a Windows .exe under wine),
# the DLL export check, and the jit_expr example run on x86-64.
# docs/portability.md says what each platform gets and how it is tested.

EXTRA_DIST += tests/portable_test.h tests/portable-wine.sh tests/portable.wine \
	tests/portable-dll-exports.sh tests/portable-jit-expr.sh \
	examples/jit_expr.c docs/portability.md

if PV_HAVE_CRITERION
check_PROGRAMS += tests/test_code
tests_test_code_SOURCES = tests/test_code.c tests/testutil.h
tests_test_code_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_code_LDADD = $(PV_TEST_LIBS)
TESTS += tests/test_code
endif

# The portable test links the internal library (fault injection, the live
# address-space count) and nothing else: no Criterion, no libtool wrapper,
# so the mingw build is one self-contained .exe.
check_PROGRAMS += tests/portable_main
tests_portable_main_SOURCES = tests/portable_main.c tests/portable_test.h \
	tests/portable_errors.c tests/portable_pages.c tests/portable_vec.c tests/model.h \
	tests/portable_exec.c
tests_portable_main_LDADD = libpaged_vec_core.la

# Windows programs run under wine.  tests/portable.wine names the program;
# tests/portable-wine.sh runs it with wine (TAP out, so every scenario shows
# in the log) and skips cleanly when wine is missing.
TEST_EXTENSIONS += .wine
WINE_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
WINE_LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/portable-wine.sh

if PV_WINDOWS
TESTS += tests/portable.wine tests/portable-dll-exports.sh
else
# Natively it runs like a Criterion suite (tests/criterion-tap.sh passes
# --tap=/dev/stdout, which it understands).
TESTS += tests/portable_main
endif

# examples/jit_expr generates x86-64 code: built and run on x86-64 hosts.
if PV_X86_64
check_PROGRAMS += examples/jit_expr
examples_jit_expr_SOURCES = examples/jit_expr.c
examples_jit_expr_LDADD = libpaged_vec.la
if !PV_WINDOWS
TESTS += tests/portable-jit-expr.sh
endif
endif

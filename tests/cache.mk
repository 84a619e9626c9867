# tests/cache.mk - included by Makefile.am: the region cache's suite
# (tests/test_cache.c), built twice like the thread suite: under Criterion,
# and with tests/minicrit.h for the ThreadSanitizer step (61-tsan.sh), where
# Criterion cannot start.
if PV_HAVE_CRITERION
check_PROGRAMS += tests/test_cache
TESTS += tests/test_cache
tests_test_cache_SOURCES = tests/test_cache.c
tests_test_cache_CFLAGS = $(PV_TEST_CFLAGS) -pthread
tests_test_cache_LDADD = $(PV_TEST_LIBS) -lpthread
endif

if !PV_WINDOWS
check_PROGRAMS += tests/test_cache_plain
TESTS += tests/test_cache_plain
tests_test_cache_plain_SOURCES = tests/test_cache.c tests/minicrit.h
tests_test_cache_plain_CPPFLAGS = $(AM_CPPFLAGS) -DPV_MINICRIT
tests_test_cache_plain_CFLAGS = $(AM_CFLAGS) -pthread
tests_test_cache_plain_LDADD = libpaged_vec_core.la -lpthread
endif

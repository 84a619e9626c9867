# tests/vec.mk - included by Makefile.am: the container suites.
#   test_vec        every function: normal use, edges, each error code and
#                   "nothing changed"; freeze faults; trim / resident
#   test_vec_model  randomized model test per growth mode and element size
#   test_vec_modes  growth modes: STABLE addresses, guard pages, move on
#                   grow, huge pages, fault injection during growth
#   test_store      the storage layer: the small phase and its threshold,
#                   freezing a small vector, shrinking back, PV_VEC_PAGES,
#                   huge-page rounding on shrink, faults at every step
#   test_vec_range  extend_uninit, spare/set_len, sort_r, bsearch_r, retain,
#                   dedup, split_off, extend_from_within, swap, shrink_to,
#                   last: small and in pages, elem sizes 1, 8, 24
#   test_vec_io     read_fd / read_file: regular files, pipes under signals,
#                   growing files, STABLE without room, every error path
#   test_vec_populate  pv_vec_populate: residency, bytes kept, threads,
#                   every mode, the touching fallback, faults, RLIMIT_AS
EXTRA_DIST += tests/vecutil.h tests/sweep.h tests/model.h

if PV_HAVE_CRITERION
check_PROGRAMS += tests/test_vec tests/test_vec_model tests/test_vec_modes tests/test_store tests/test_vec_range \
	tests/test_vec_io tests/test_vec_populate
tests_test_vec_SOURCES = tests/test_vec.c tests/vecutil.h
tests_test_vec_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_vec_LDADD = $(PV_TEST_LIBS)
tests_test_vec_model_SOURCES = tests/test_vec_model.c tests/vecutil.h tests/model.h
tests_test_vec_model_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_vec_model_LDADD = $(PV_TEST_LIBS)
tests_test_vec_modes_SOURCES = tests/test_vec_modes.c tests/vecutil.h
tests_test_vec_modes_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_vec_modes_LDADD = $(PV_TEST_LIBS)
tests_test_store_SOURCES = tests/test_store.c tests/vecutil.h
tests_test_store_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_store_LDADD = $(PV_TEST_LIBS)
tests_test_vec_range_SOURCES = tests/test_vec_range.c tests/vecutil.h
tests_test_vec_range_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_vec_range_LDADD = $(PV_TEST_LIBS)
tests_test_vec_io_SOURCES = tests/test_vec_io.c tests/vecutil.h
tests_test_vec_io_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_vec_io_LDADD = $(PV_TEST_LIBS)
tests_test_vec_populate_SOURCES = tests/test_vec_populate.c tests/vecutil.h tests/childrun.h
tests_test_vec_populate_CFLAGS = $(PV_TEST_CFLAGS)
tests_test_vec_populate_LDADD = $(PV_TEST_LIBS)

TESTS += tests/test_vec tests/test_vec_model tests/test_vec_modes tests/test_store \
	tests/test_vec_range tests/test_vec_io tests/test_vec_populate
endif

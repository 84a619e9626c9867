# tests/typed.mk - included by Makefile.am
# The typed layer (include/paged_vec/typed.h): one Criterion suite in C and
# the same header compiled as C++.  Both are built in the strictest standard
# mode the header promises (C11 / C++11, -pedantic), so that an extension
# creeping into the macro breaks `make check`, not a user's build.

if PV_HAVE_CRITERION
check_PROGRAMS += tests/test_typed tests/test_typed_cpp
tests_test_typed_SOURCES = tests/test_typed.c
tests_test_typed_CFLAGS = $(PV_TEST_CFLAGS) -std=c11 -pedantic
tests_test_typed_LDADD = $(PV_TEST_LIBS)
# A .cc source makes automake link this one with $(CXX).
tests_test_typed_cpp_SOURCES = tests/test_typed_cpp.cc
tests_test_typed_cpp_CXXFLAGS = $(AM_CXXFLAGS) $(CRITERION_CFLAGS) -std=c++11 -pedantic
tests_test_typed_cpp_LDADD = $(PV_TEST_LIBS)

TESTS += tests/test_typed tests/test_typed_cpp
endif

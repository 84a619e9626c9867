dnl bench/configure.m4 - the benchmark suite's dependencies (m4_included
dnl from configure.ac).  --enable-bench=auto (the default) builds the suite
dnl when everything it compares against is installed, and says what is
dnl missing otherwise; =yes makes a missing piece an error; =no skips it.
dnl Every peer is a real library from the distribution, so the suite is all
dnl or nothing: a table with silently missing columns would mislead.
dnl Sets: AM_CONDITIONAL PV_BENCH, PV_BENCH_GNUPLOT; shell var pv_bench.
AC_ARG_ENABLE([bench],
  [AS_HELP_STRING([--enable-bench=yes|no|auto],
    [build the benchmark suite (make bench, make bench-quick): needs Google
     Benchmark, GLib, jemalloc, mimalloc, tcmalloc, stb_ds, Boost.Container
     and a C++ compiler;
     gnuplot for the charts @<:@default=auto@:>@])],
  [], [enable_bench=auto])
AS_CASE([$enable_bench], [yes|no|auto], [],
  [AC_MSG_ERROR([--enable-bench must be yes, no or auto, not '$enable_bench'])])

pv_bench=no
pv_bench_missing=""
AS_IF([test "x$enable_bench" != xno], [
  dnl The suite measures Linux memory behaviour (/proc, THP, glibc tunables).
  AS_CASE([$host_os], [linux*], [],
    [pv_bench_missing="$pv_bench_missing a-Linux-host"])
  AS_IF([test "x$cross_compiling" = xyes],
    [pv_bench_missing="$pv_bench_missing a-native-build"])

  AC_LANG_PUSH([C++])
  AC_MSG_CHECKING([whether the C++ compiler works])
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <vector>]],
      [[std::vector<int> v; v.push_back(1); return v[0] - 1;]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no]); pv_bench_missing="$pv_bench_missing C++-compiler(g++)"])
  AC_LANG_POP([C++])

  PKG_CHECK_MODULES([PVB_BENCHMARK], [benchmark >= 1.6], [],
    [pv_bench_missing="$pv_bench_missing benchmark(libbenchmark-dev)"])
  PKG_CHECK_MODULES([PVB_GLIB], [glib-2.0 >= 2.62], [],
    [pv_bench_missing="$pv_bench_missing glib-2.0(libglib2.0-dev)"])
  PKG_CHECK_MODULES([PVB_JEMALLOC], [jemalloc], [],
    [pv_bench_missing="$pv_bench_missing jemalloc(libjemalloc-dev)"])

  PKG_CHECK_MODULES([PVB_TCMALLOC], [libtcmalloc_minimal], [],
    [pv_bench_missing="$pv_bench_missing tcmalloc(libgoogle-perftools-dev)"])

  AC_LANG_PUSH([C++])
  AC_CHECK_HEADER([boost/container/vector.hpp], [],
    [pv_bench_missing="$pv_bench_missing Boost.Container(libboost-dev)"])
  AC_LANG_POP([C++])

  dnl mimalloc ships no .pc file on Debian: find the library and header.
  PVB_MIMALLOC_LIBS=""
  AC_CHECK_HEADER([mimalloc.h],
    [AC_CHECK_LIB([mimalloc], [mi_malloc], [PVB_MIMALLOC_LIBS="-lmimalloc"])])
  AS_IF([test -z "$PVB_MIMALLOC_LIBS"],
    [pv_bench_missing="$pv_bench_missing mimalloc(libmimalloc-dev)"])
  AC_SUBST([PVB_MIMALLOC_LIBS])

  dnl stb_ds is a header; Debian's libstb holds its implementation.
  PVB_STB_LIBS=""
  AC_CHECK_HEADER([stb/stb_ds.h],
    [AC_CHECK_LIB([stb], [stbds_arrgrowf], [PVB_STB_LIBS="-lstb"])])
  AS_IF([test -z "$PVB_STB_LIBS"],
    [pv_bench_missing="$pv_bench_missing stb_ds(libstb-dev)"])
  AC_SUBST([PVB_STB_LIBS])

  AS_IF([test -z "$pv_bench_missing"], [pv_bench=yes],
    [test "x$enable_bench" = xyes],
    [AC_MSG_ERROR([--enable-bench=yes, but the benchmark suite needs:$pv_bench_missing (./bootstrap installs them)])],
    [AC_MSG_WARN([benchmark suite disabled, missing:$pv_bench_missing (./bootstrap installs them)])])
])

dnl gnuplot draws the charts; without it make bench still prints the table.
AS_IF([test "x$pv_bench" = xyes], [AC_PATH_PROG([GNUPLOT], [gnuplot])])
AS_IF([test "x$pv_bench" = xyes && test -z "$GNUPLOT"],
  [pv_bench="yes (no gnuplot: no charts)"])
AC_SUBST([GNUPLOT])
AM_CONDITIONAL([PV_BENCH], [test "x$pv_bench" != xno])

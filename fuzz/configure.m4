dnl fuzz/configure.m4 - libFuzzer targets, m4_included by configure.ac.
dnl --enable-fuzz needs a compiler that links -fsanitize=fuzzer (clang:
dnl configure CC=clang); then `make fuzz` builds and runs the targets.
AC_ARG_ENABLE([fuzz],
  [AS_HELP_STRING([--enable-fuzz],
    [build the libFuzzer targets (needs CC=clang with libFuzzer); run them with make fuzz FUZZ_SECONDS=N])],
  [], [enable_fuzz=no])
pv_fuzz=no
AS_IF([test "x$enable_fuzz" = xyes], [
  AC_CACHE_CHECK([whether $CC links libFuzzer targets (-fsanitize=fuzzer)],
    [pv_cv_cc_fuzzer], [
    pv_fuzz_save_CFLAGS=$CFLAGS
    pv_fuzz_save_LDFLAGS=$LDFLAGS
    CFLAGS="$CFLAGS -fsanitize=fuzzer"
    LDFLAGS="$LDFLAGS -fsanitize=fuzzer"
    AC_LINK_IFELSE([AC_LANG_SOURCE([[
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return data != NULL && size > 3 && data[3] == 1;
}]])], [pv_cv_cc_fuzzer=yes], [pv_cv_cc_fuzzer=no])
    CFLAGS=$pv_fuzz_save_CFLAGS
    LDFLAGS=$pv_fuzz_save_LDFLAGS])
  AS_IF([test "x$pv_cv_cc_fuzzer" = xyes], [pv_fuzz=yes],
    [AC_MSG_ERROR([--enable-fuzz: $CC cannot link -fsanitize=fuzzer; configure with CC=clang (Debian: apt-get install clang libclang-rt-dev)])])
])
dnl The targets compile the library's sources again with coverage
dnl instrumentation and ASan + UBSan, so that libFuzzer sees inside it.
PV_FUZZ_CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
AC_SUBST([PV_FUZZ_CFLAGS])
AM_CONDITIONAL([PV_FUZZ], [test "x$pv_fuzz" = xyes])

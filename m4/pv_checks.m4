# PV_CHECK_LINK_DEFINE(WHAT, MACRO, PROLOGUE, BODY)
# Links a program using WHAT; on success defines MACRO to 1 in config.h and
# sets pv_cv_link_MACRO=yes.  Probing by linking, not by OS name, keeps the
# code honest on systems that have some features and not others.
AC_DEFUN([PV_CHECK_LINK_DEFINE], [
  AC_CACHE_CHECK([for $1], [pv_cv_link_$2], [
    AC_LINK_IFELSE([AC_LANG_PROGRAM([$3], [$4])],
      [pv_cv_link_$2=yes], [pv_cv_link_$2=no])])
  AS_IF([test "x$pv_cv_link_$2" = xyes],
    [AC_DEFINE([$2], [1], [Have $1])])
])

# PV_CHECK_DECOMMIT_ZEROES
# Linux's MADV_DONTNEED on private anonymous memory drops the pages so that
# they read as zero; the BSDs and macOS keep the contents.  Run it to know;
# when cross-compiling assume the weaker promise.
AC_DEFUN([PV_CHECK_DECOMMIT_ZEROES], [
  AC_CACHE_CHECK([whether MADV_DONTNEED leaves anonymous memory reading zero],
    [pv_cv_decommit_zeroes], [
    AC_RUN_IFELSE([AC_LANG_PROGRAM([[
#include <sys/mman.h>
#include <unistd.h>
]], [[
  long ps = sysconf(_SC_PAGESIZE);
  unsigned char *p = mmap(0, (size_t)ps, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  p[0] = 42;
  if (madvise(p, (size_t)ps, MADV_DONTNEED) != 0) return 1;
  return p[0] != 0;
]])], [pv_cv_decommit_zeroes=yes], [pv_cv_decommit_zeroes=no],
      [pv_cv_decommit_zeroes=no])])
  AS_IF([test "x$pv_cv_decommit_zeroes" = xyes],
    [AC_DEFINE([PV_DECOMMIT_ZEROES], [1], [Decommitted anonymous memory reads as zero])])
])

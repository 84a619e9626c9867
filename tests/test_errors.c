/* tests/test_errors.c - the error table: codes, names, messages. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "paged_vec.h"

Test(errors, every_code_has_a_distinct_name_and_message) {
  static const int codes[] = {
#define XX(name, value, msg) PV_##name,
      PV_ERRNO_MAP(XX)
#undef XX
  };
  size_t n = sizeof codes / sizeof codes[0];
  cr_assert_geq(n, 7, "DESIGN requires at least seven codes, table has %zu", n);
  for (size_t i = 0; i < n; i++) {
    cr_assert_lt(codes[i], 0, "code %zu must be negative, is %d", i, codes[i]);
    cr_assert_str_neq(pv_errname(codes[i]), "PV_UNKNOWN", "code %d has no name", codes[i]);
    cr_assert_str_neq(pv_strerror(codes[i]), "unknown error", "code %d has no message", codes[i]);
    for (size_t j = 0; j < i; j++) {
      cr_assert_neq(codes[i], codes[j], "codes %zu and %zu share a value", i, j);
      cr_assert_str_neq(pv_errname(codes[i]), pv_errname(codes[j]), "names collide");
    }
  }
}

Test(errors, names_match_the_macros) {
  cr_assert_str_eq(pv_errname(PV_ENOMEM), "PV_ENOMEM", "name of PV_ENOMEM");
  cr_assert_str_eq(pv_errname(PV_EINVAL), "PV_EINVAL", "name of PV_EINVAL");
  cr_assert_str_eq(pv_errname(PV_ERANGE), "PV_ERANGE", "name of PV_ERANGE");
  cr_assert_str_eq(pv_errname(PV_EOVERFLOW), "PV_EOVERFLOW", "name of PV_EOVERFLOW");
  cr_assert_str_eq(pv_errname(PV_ENOSPC), "PV_ENOSPC", "name of PV_ENOSPC");
  cr_assert_str_eq(pv_errname(PV_EACCES), "PV_EACCES", "name of PV_EACCES");
  cr_assert_str_eq(pv_errname(PV_ENOTSUP), "PV_ENOTSUP", "name of PV_ENOTSUP");
  cr_assert_str_eq(pv_errname(PV_ENOENT), "PV_ENOENT", "name of PV_ENOENT");
  cr_assert_str_eq(pv_errname(PV_EMAPS), "PV_EMAPS", "name of PV_EMAPS");
  cr_assert_str_eq(pv_errname(PV_EBUSY), "PV_EBUSY", "name of PV_EBUSY");
  cr_assert_str_eq(pv_errname(PV_EIO), "PV_EIO", "name of PV_EIO");
  cr_assert_str_eq(pv_errname(PV_EEXIST), "PV_EEXIST", "name of PV_EEXIST");
}

/* PV_OPEN_EXCL on a path that exists is not "another writer has it". */
Test(errors, an_existing_path_has_its_own_code) {
  cr_assert_eq(PV_EEXIST, -13, "PV_EEXIST is the next code after PV_EBUSY");
  cr_assert_neq(PV_EEXIST, PV_EBUSY);
  cr_assert_not_null(strstr(pv_strerror(PV_EEXIST), "path exists"),
                     "the message says the path exists: %s", pv_strerror(PV_EEXIST));
  cr_assert_null(strstr(pv_strerror(PV_EBUSY), "exists"),
                 "PV_EBUSY's message is only about another writer: %s",
                 pv_strerror(PV_EBUSY));
}

Test(errors, a_second_writer_has_its_own_code) {
  cr_assert_eq(PV_EBUSY, -12, "PV_EBUSY is the next code after PV_EBADF");
  cr_assert_not_null(strstr(pv_strerror(PV_EBUSY), "in use"),
                     "the message says the file is in use: %s", pv_strerror(PV_EBUSY));
}

Test(errors, file_read_errors_have_their_own_code) {
  cr_assert_eq(PV_EIO, -10, "PV_EIO is the next code after PV_EMAPS");
  cr_assert_not_null(strstr(pv_strerror(PV_EIO), "file"),
                     "the message says it is about a file: %s", pv_strerror(PV_EIO));
}

Test(errors, the_mapping_limit_has_its_own_code) {
  cr_assert_eq(PV_EMAPS, -9, "PV_EMAPS is the next code after PV_ENOENT");
  cr_assert_neq(PV_EMAPS, PV_ENOMEM, "the mapping limit is not PV_ENOMEM");
  cr_assert_not_null(strstr(pv_strerror(PV_EMAPS), "vm.max_map_count"),
                     "the message names the sysctl: %s", pv_strerror(PV_EMAPS));
  cr_assert_null(strstr(pv_strerror(PV_ENOMEM), "mapping"),
                 "PV_ENOMEM's message no longer covers the mapping limit: %s",
                 pv_strerror(PV_ENOMEM));
}

Test(errors, success_and_unknown_values) {
  cr_assert_str_eq(pv_errname(0), "PV_OK", "0 is PV_OK");
  cr_assert_str_eq(pv_strerror(0), "success", "0 is success");
  cr_assert_str_eq(pv_errname(1), "PV_UNKNOWN", "positive values are unknown");
  cr_assert_str_eq(pv_errname(-1000), "PV_UNKNOWN", "far negative values are unknown");
  cr_assert_str_eq(pv_strerror(PV_ERRNO_LAST), "unknown error", "the sentinel is not a code");
}

Test(errors, version_string_matches_macros) {
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", PV_VERSION_MAJOR, PV_VERSION_MINOR,
           PV_VERSION_PATCH);
  cr_assert_str_eq(pv_version(), want, "pv_version() vs PV_VERSION_*");
}

/* The code of a file that is not a .npy file paged_vec can map (lib/npy.h). */
Test(errors, ebadf_names_the_npy_file) {
  cr_assert_eq(PV_EBADF, -11, "PV_EBADF is -11");
  cr_assert_str_eq(pv_errname(PV_EBADF), "PV_EBADF");
  cr_assert_not_null(strstr(pv_strerror(PV_EBADF), ".npy"), "message: %s",
                     pv_strerror(PV_EBADF));
}

/* File vectors return PV_ENOSPC for a full disk and for the file size
 * limit alike (docs/files.md): the message names both. */
Test(errors, enospc_names_the_disk_and_the_file_size_limit) {
  const char *m = pv_strerror(PV_ENOSPC);
  cr_assert_not_null(strstr(m, "max_len"), "the stable vector's limit: %s", m);
  cr_assert_not_null(strstr(m, "disk"), "a full disk: %s", m);
  cr_assert_not_null(strstr(m, "RLIMIT_FSIZE"), "the file size limit: %s", m);
}

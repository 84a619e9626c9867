/*
 * lib/error.c - messages and names for the PV_E* codes, generated from the
 * one table in paged_vec/common.h.
 */
#include "config.h"

#include "paged_vec/common.h"

/* PV_ERRNO_LAST counts the table's entries: it is one past the last code
 * only while the codes run -1, -2, ... without gaps.  Every value inside
 * (PV_ERRNO_LAST, 0) and no two alike (the switches below would not
 * compile) means exactly that. */
#define PV__ERR_IN_RANGE(name, value, msg)                \
  _Static_assert((value) < 0 && (value) > PV_ERRNO_LAST, \
                 "PV_" #name ": the codes must run -1, -2, ... without gaps");
PV_ERRNO_MAP(PV__ERR_IN_RANGE)
#undef PV__ERR_IN_RANGE

#define PV__STR2(x) #x
#define PV__STR(x) PV__STR2(x)

const char *pv_version(void) {
  return PV__STR(PV_VERSION_MAJOR) "." PV__STR(PV_VERSION_MINOR) "." PV__STR(
      PV_VERSION_PATCH);
}

const char *pv_strerror(int err) {
  switch (err) {
  case 0:
    return "success";
#define PV__ERR_MSG(name, value, msg) \
  case PV_##name:                     \
    return msg;
    PV_ERRNO_MAP(PV__ERR_MSG)
#undef PV__ERR_MSG
  default:
    return "unknown error";
  }
}

const char *pv_errname(int err) {
  switch (err) {
  case 0:
    return "PV_OK";
#define PV__ERR_NAME(name, value, msg) \
  case PV_##name:                      \
    return "PV_" #name;
    PV_ERRNO_MAP(PV__ERR_NAME)
#undef PV__ERR_NAME
  default:
    return "PV_UNKNOWN";
  }
}

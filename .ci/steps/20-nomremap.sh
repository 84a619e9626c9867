# .ci/steps/20-nomremap.sh - run by .ci/run as a process.
# The path a POSIX system without mremap (macOS, the BSDs) gets: growth by
# STABLE reservations or by map + copy, pv_pages_resize by copy, REMAP mode
# PV_ENOTSUP.  Every suite must pass on it (docs/portability.md).
variant nomremap check -- --disable-mremap --enable-werror

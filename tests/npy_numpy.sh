#!/bin/sh
# tests/npy_numpy.sh - the .npy header module against the NumPy at hand:
#   1. tests/npy/make.py writes the fixtures again with numpy.save into a
#      scratch directory and tests/test_npy parses those (the committed
#      ones are parsed by tests/test_npy itself, without NumPy);
#   2. tests/test_npy's `written` suite leaves files whose header
#      pv__npy_format wrote, and NumPy opens them with mmap_mode='r',
#      checking dtype, shape and every value.
# Without NumPy it says so and exits 77 (SKIP); the interpreter is the one
# tests/numpy_env.sh finds.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/numpy_env.sh" # sets $py, or exits 77 (SKIP)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pv-npy.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/fixtures" "$tmp/out"

"$py" "$top_srcdir/tests/npy/make.py" "$tmp/fixtures" || { echo "FAIL: make.py"; exit 1; }
PV_NPY_FIXTURES="$tmp/fixtures" "$top_builddir/tests/test_npy" --filter 'npy_fixtures/*' ||
  { echo "FAIL: test_npy on the fixtures this NumPy wrote"; exit 1; }
echo "ok: test_npy parses what this NumPy writes"

PV_NPY_OUT="$tmp/out" "$top_builddir/tests/test_npy" --filter 'npy_written/*' ||
  { echo "FAIL: test_npy could not write its files"; exit 1; }
"$py" - "$tmp/out" <<'PY' || { echo "FAIL: NumPy does not read what pv__npy_format wrote"; exit 1; }
import inspect, os, sys
import numpy as np

d = sys.argv[1]
# NumPy >= 1.24 refuses headers longer than max_header_size (10000 by
# default) unless told: paged_vec's header is 64 KiB so that the data is
# page-aligned on every page size (lib/npy.h, PV__NPY_ALIGN).
kw = {}
if "max_header_size" in inspect.signature(np.load).parameters:
    kw["max_header_size"] = 1 << 16

def check(name, dtype, want, mmap_mode="r"):
    a = np.load(os.path.join(d, name + ".npy"), mmap_mode=mmap_mode, **kw)
    if mmap_mode is None:
        assert not isinstance(a, np.memmap), (name, type(a))
    else:
        assert isinstance(a, np.memmap), (name, type(a))
        assert a.offset == 65536, (name, a.offset)
    assert a.dtype == np.dtype(dtype), (name, a.dtype, dtype)
    assert a.shape == (len(want),), (name, a.shape)
    assert (a == np.asarray(want, dtype=dtype)).all(), (name, a[:10], want[:10])
    print("ok: numpy.load(%s.npy, mmap_mode=%r): %s %s" % (name, mmap_mode, a.dtype.str, a.shape))

check("pv_u8", "<u8", [(i * 2654435761) % 2**64 for i in range(1000)])
check("pv_i4", "<i4", [-7, 0, 7, -2**31, 2**31 - 1])
check("pv_f8", "<f8", [0.25, -3.5, 1e-300])
check("pv_V24", "V24", np.frombuffer(bytes(255 - i for i in range(72)), dtype="V24"))
# An empty file vector is its header alone: numpy.memmap cannot map 0 bytes
# ("mmap offset is greater than file size"), so NumPy reads it without mmap.
check("pv_empty", "<u8", [], mmap_mode=None)
PY

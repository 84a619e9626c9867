#!/bin/sh
# tests/file_numpy.sh - file vectors and NumPy, both ways:
#   1. C writes (tests/file_npy_tool: pv_vec_open, push, sync, close) and
#      numpy.load(path, mmap_mode='r') maps it: a numpy.memmap at offset
#      65536, dtype, shape and every value checked; again after C reopened
#      the file and appended to it;
#   2. numpy.save writes and the C side opens it read-only (every value
#      checked) and gets PV_ENOTSUP opening it writable.
# Without NumPy it says so and exits 77 (SKIP); the interpreter is the one
# tests/numpy_env.sh finds.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/numpy_env.sh" # sets $py, or exits 77 (SKIP)
tool="$top_builddir/tests/file_npy_tool"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pv-file-numpy.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=200000

"$tool" write-u8 "$tmp/c_u8.npy" $n || exit 1
"$tool" write-f8 "$tmp/c_f8.npy" 1000 || exit 1
check() { # check NAME DTYPE LEN: what NumPy maps is what C wrote
  "$py" - "$tmp/$1.npy" "$2" "$3" <<'PY' || { echo "FAIL: numpy.load($1.npy)"; exit 1; }
import inspect, sys
import numpy as np
path, dtype, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
# NumPy >= 1.24 wants max_header_size for headers over 10000 bytes, and
# paged_vec's header is 64 KiB (the data starts page-aligned): docs/files.md.
kw = {"max_header_size": 1 << 16} if "max_header_size" in inspect.signature(np.load).parameters else {}
a = np.load(path, mmap_mode="r", **kw)
assert isinstance(a, np.memmap) and a.offset == 65536, (type(a), getattr(a, "offset", None))
assert a.dtype == np.dtype(dtype) and a.shape == (n,), (a.dtype, a.shape)
i = np.arange(n, dtype=np.uint64)
want = i * np.uint64(2654435761) if dtype == "<u8" else i.astype("<f8") * 0.5
assert (a == want).all(), (a[:5], want[:5])
print("ok: numpy.load(%s, mmap_mode='r'): memmap %s %s, every value" % (path.split("/")[-1], a.dtype.str, a.shape))
PY
}
check c_u8 "<u8" $n
check c_f8 "<f8" 1000
"$tool" append-u8 "$tmp/c_u8.npy" 12345 || exit 1
check c_u8 "<u8" $((n + 12345))

"$py" - "$tmp" $n <<'PY' || { echo "FAIL: numpy.save"; exit 1; }
import sys
import numpy as np
d, n = sys.argv[1], int(sys.argv[2])
i = np.arange(n, dtype=np.uint64)
np.save(d + "/np_u8.npy", i * np.uint64(2654435761))
np.save(d + "/np_f8.npy", np.arange(1000, dtype="<f8") * 0.5)
print("ok: numpy.save wrote np_u8.npy, np_f8.npy")
PY
"$tool" read-u8 "$tmp/np_u8.npy" $n || exit 1
"$tool" read-f8 "$tmp/np_f8.npy" 1000 || exit 1
echo "ok: C -> NumPy and NumPy -> C"

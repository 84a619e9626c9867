#!/usr/bin/env python3
"""tests/npy/make.py - write the .npy fixtures of tests/test_npy.c with numpy.save.

    python3 tests/npy/make.py [DIR]     (default: the directory of this script)

The committed fixtures were made by this script; tests/npy.sh runs it again
into a scratch directory with the NumPy installed, so that the parser is
checked against what the NumPy at hand writes.  tests/test_npy.c knows the
values below: change both together.
"""
import os
import sys

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))

FIXTURES = {
    # What paged_vec maps: 1-D, C order, a known item size.
    "u8": np.arange(5, dtype="<u8") * 1000003,
    "i4": np.array([-2, -1, 0, 1, 2147483647], dtype="<i4"),
    "f8": np.array([0.5, -1.25, 1e300], dtype="<f8"),
    "V24": np.frombuffer(bytes(range(48)), dtype="V24"),
    "S5": np.array([b"ab", b"hello"], dtype="S5"),
    "U3": np.array(["a", "xyz"], dtype="<U3"),
    "empty": np.zeros(0, dtype="<u8"),
    "be": (np.arange(4) + 0x01020300).astype(">u4"),
    # What it refuses (PV_EBADF).
    "2d": np.arange(6, dtype="<i4").reshape(2, 3),
    "fortran": np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3)),
    "0d": np.array(7, dtype="<u8"),
    "object": np.array([1, "a"], dtype=object),
    "struct": np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]),
}

for name, a in FIXTURES.items():
    np.save(os.path.join(out, name + ".npy"), a, allow_pickle=(a.dtype == object))

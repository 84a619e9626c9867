# tests/numpy_env.sh - sourced (`. "$top_srcdir/tests/numpy_env.sh"`) by the
# tests that need NumPy (tests/file_numpy.sh, tests/npy_numpy.sh): sets
# $py to the interpreter, or says SKIP and exits 77 (automake's skip) when
# there is none.  The interpreter: $PYTHON, else the first of python3 and
# /usr/bin/python3 that imports numpy (bootstrap installs Debian's
# python3-numpy for /usr/bin/python3, which a python3 earlier in PATH,
# e.g. pyenv's, may not see).  Prints which NumPy it found.
py=""
for p in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$p" -c 'import numpy' >/dev/null 2>&1; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "SKIP: numpy not installed (Debian: apt-get install python3-numpy)"
  exit 77
fi
echo "numpy $("$py" -c 'import numpy; print(numpy.__version__)') from $py"

# .ci/steps/21-pagesize.sh - run by .ci/run as a process.
# Page-size independence: the library treats the page as 16 KiB (Apple
# silicon, some arm64 Linux) and as 64 KiB (ppc64le, some arm64 kernels), as
# jemalloc's CI does with a forced page size.  Every length, offset and
# reservation is then rounded to that granule; every suite must still pass.
variant pagesize-16k check -- --with-page-size=16384
variant pagesize-64k check -- --with-page-size=65536

dnl bench/configure.m4 - benchmark dependencies (filled by the benchmark work)
AM_CONDITIONAL([PV_BENCH], [false])

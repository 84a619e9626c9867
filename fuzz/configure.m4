dnl fuzz/configure.m4 - libFuzzer targets (filled by the reliability work)
AM_CONDITIONAL([PV_FUZZ], [false])

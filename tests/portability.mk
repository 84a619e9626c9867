# tests/portability.mk - included by Makefile.am

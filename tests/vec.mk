# tests/vec.mk - included by Makefile.am

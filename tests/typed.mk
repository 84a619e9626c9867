# tests/typed.mk - included by Makefile.am

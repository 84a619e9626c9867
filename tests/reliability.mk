# tests/reliability.mk - included by Makefile.am

# examples/local.mk - included by Makefile.am

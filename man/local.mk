# man/local.mk - included by Makefile.am

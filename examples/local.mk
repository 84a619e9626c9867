# examples/local.mk - example programs (built against the in-tree library).
noinst_PROGRAMS += examples/bigbuf
examples_bigbuf_SOURCES = examples/bigbuf.c
examples_bigbuf_LDADD = libpaged_vec.la

# `make demo`: the README's main job until the benchmark suite lands.
demo: examples/bigbuf$(EXEEXT)
	./examples/bigbuf$(EXEEXT) 256
.PHONY: demo

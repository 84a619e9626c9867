# examples/local.mk - example programs (built against the in-tree library).
# Their sources are also installed under $(docdir)/examples, and
# `make installcheck` (tests/install.mk) builds and runs them again against
# the installed copy through pkg-config.
noinst_PROGRAMS += examples/bigbuf examples/wordfreq examples/stable_ptrs
# frozen_table catches its fault with sigaction/sigsetjmp: POSIX only;
# file_index needs file vectors, which Windows does not have yet.
if !PV_WINDOWS
noinst_PROGRAMS += examples/frozen_table examples/file_index
endif
examples_bigbuf_SOURCES = examples/bigbuf.c
examples_bigbuf_LDADD = libpaged_vec.la
examples_wordfreq_SOURCES = examples/wordfreq.c
examples_wordfreq_LDADD = libpaged_vec.la
examples_frozen_table_SOURCES = examples/frozen_table.c
examples_frozen_table_LDADD = libpaged_vec.la
examples_stable_ptrs_SOURCES = examples/stable_ptrs.c
examples_stable_ptrs_LDADD = libpaged_vec.la
examples_file_index_SOURCES = examples/file_index.c
examples_file_index_LDADD = libpaged_vec.la

# The sources a user starts from.  jit_expr.c (x86-64 only) is built by
# the portability fragment; its source is installed here with the others.
exampledir = $(docdir)/examples
dist_example_DATA = examples/bigbuf.c examples/wordfreq.c \
	examples/frozen_table.c examples/stable_ptrs.c examples/jit_expr.c \
	examples/file_index.c

# `make demo`: a short tour of the page core on a 256 MiB buffer.
demo: examples/bigbuf$(EXEEXT)
	./examples/bigbuf$(EXEEXT) 256
.PHONY: demo

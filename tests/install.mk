# tests/install.mk - the installed face of the library: header self-checks,
# the wordfreq run on a generated 100 MB text, the examples run in the tree,
# ./bootstrap's reconfigure decision (tests/bootstrap.sh), the ASan poisoning
# seen by a sanitized program linked against this build (tests/asan-runtime.sh),
# and `make installcheck` (each example built and run against the installed
# copy through pkg-config, outside the build tree).

EXTRA_DIST += tests/check-headers.sh tests/wordfreq.sh tests/examples.sh \
	tests/installcheck.sh tests/bootstrap.sh tests/asan-runtime.sh tests/asan_past_len.c

# The scripts need the compilers and the header list; everything else they
# read from top_srcdir/top_builddir, which tests/local.mk exports.
AM_TESTS_ENVIRONMENT += \
	PV_CC='$(CC)'; export PV_CC; \
	PV_CXX='$(CXX)'; export PV_CXX; \
	PV_CXXFLAGS='$(CXXFLAGS)'; export PV_CXXFLAGS; \
	PV_LDFLAGS='$(LDFLAGS)'; export PV_LDFLAGS; \
	PV_HEADERS='$(include_HEADERS) $(pvinclude_HEADERS)'; export PV_HEADERS; \
	EXEEXT='$(EXEEXT)'; export EXEEXT; \
	PV_SANITIZERS='$(pv_sanitizers)'; export PV_SANITIZERS;

# tests/asan-runtime.sh checks the library's freedom from ASan only when it
# was not built with it.
if PV_SANITIZERS
pv_sanitizers = yes
else
pv_sanitizers = no
endif

# The generator of wordfreq's input: deterministic text with known counts.
check_PROGRAMS += tests/gen_words
tests_gen_words_SOURCES = tests/gen_words.c

if !PV_WINDOWS
if !PV_CROSS
TESTS += tests/check-headers.sh tests/wordfreq.sh tests/examples.sh \
	tests/bootstrap.sh tests/asan-runtime.sh
endif
endif

# ---- make installcheck -----------------------------------------------------
# Builds every installed example source with `pkg-config --cflags --libs
# paged_vec` (shared) and `pkg-config --static` (fully static where the
# toolchain can), in a temporary directory outside the build tree, and runs
# them.  PKG_CONFIG_SYSROOT_DIR makes the .pc file's paths land in DESTDIR.
installcheck-local:
	@if test "$(cross_compiling)" = yes; then \
	  echo "installcheck: cross build, examples not run"; \
	else \
	  PKG_CONFIG='$(PKG_CONFIG)' CC='$(CC)' CFLAGS='$(CFLAGS)' \
	  LDFLAGS='$(LDFLAGS)' DESTDIR='$(DESTDIR)' prefix='$(prefix)' libdir='$(libdir)' \
	  docdir='$(docdir)' mandir='$(mandir)' host_cpu='$(host_cpu)' EXEEXT='$(EXEEXT)' \
	  ASAN_OPTIONS='handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1' \
	  $(SHELL) $(srcdir)/tests/installcheck.sh; \
	fi

# ---- make dist -------------------------------------------------------------
# Every CI step ships, whichever area adds it (.ci/run is in EXTRA_DIST).
dist-hook: dist-ci-steps
dist-ci-steps:
	@for f in $(srcdir)/.ci/steps/*.sh; do \
	  test -f "$$f" || continue; \
	  $(MKDIR_P) "$(distdir)/.ci/steps" && cp -p "$$f" "$(distdir)/.ci/steps/" || exit 1; \
	done
.PHONY: dist-ci-steps

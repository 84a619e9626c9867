# man/local.mk - the man pages (mdoc), one per public area, installed in
# section 3 and linted by `make check` (man/lint.sh: mandoc -T lint, every
# level).  A rendered copy: man -l man/pv_vec.3
pv_man_pages = man/pv_pages.3 man/pv_vec.3 man/pv_vec_typed.3 \
	man/pv_errors.3 man/pv_code.3 man/pv_cache.3 man/pv_vec_open.3
dist_man_MANS += $(pv_man_pages)
EXTRA_DIST += man/lint.sh

# MANDOC is empty when configure did not find mandoc: the lint then SKIPs.
AM_TESTS_ENVIRONMENT += MANDOC='$(MANDOC)'; export MANDOC;
TESTS += man/lint.sh

# `man pv_vec_push` should find pv_vec(3): for every name a page documents
# (its .Nm lines) install a symbolic link to the page beside it, as BSD
# MLINKS do.  A link rather than a `.so man3/pv_vec.3` page, which resolves
# only from the root of a man hierarchy: `man -l DIR/man3/pv_vec_push.3`
# then works too (tests/installcheck.sh checks both).  The link is relative
# (it survives DESTDIR staging); where LN_S is a copy, made in the same place.
pv_man_names = sed -n 's/^\.Nm \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p'
install-data-hook: install-pv-man-links
uninstall-hook: uninstall-pv-man-links
install-pv-man-links:
	@for page in $(pv_man_pages); do \
	  base=`basename $$page`; \
	  for name in `$(pv_man_names) $(srcdir)/$$page | sort -u`; do \
	    test "$$name.3" = "$$base" && continue; \
	    (cd "$(DESTDIR)$(man3dir)" && rm -f "$$name.3" && \
	     $(LN_S) "$$base" "$$name.3") || exit 1; \
	  done; \
	done
uninstall-pv-man-links:
	@for page in $(pv_man_pages); do \
	  base=`basename $$page`; \
	  for name in `$(pv_man_names) $(srcdir)/$$page | sort -u`; do \
	    test "$$name.3" = "$$base" && continue; \
	    rm -f "$(DESTDIR)$(man3dir)/$$name.3"; \
	  done; \
	done
.PHONY: install-pv-man-links uninstall-pv-man-links

# .ci/steps/90-install.sh - the installed copy and the release tarball
# (run by .ci/run as its own process in $top, which step 1 bootstrapped and built in-tree).
#   1. make install into a staging root (DESTDIR), make installcheck: every
#      example built with pkg-config (shared and --static) and run, outside
#      the tree; then make uninstall must leave no file behind;
#   2. make distcheck: the tarball builds, passes make check and
#      installcheck out of tree, installs and uninstalls cleanly.
stage="${top:?}/_ci/stage"
echo "==== ci: make install DESTDIR=$stage && make installcheck"
rm -rf "$stage"
make -j2 install DESTDIR="$stage"
make installcheck DESTDIR="$stage"
make uninstall DESTDIR="$stage"
leftover=$(find "$stage" \( -type f -o -type l \) | wc -l)
if [ "$leftover" -ne 0 ]; then
  echo "ci: make uninstall left $leftover files:"; find "$stage" \( -type f -o -type l \)
  exit 1
fi
rm -rf "$stage"
echo "==== ci: make distcheck"
make -j2 distcheck

# bench/charts.gp - the charts of `make bench` (called by bench/run.sh):
#   push_time: CPU ns per element against N, log-log
#   push_rss:  peak RSS of building one vector against N (push_cold, and
#              push at 10^8), log-log, with the data size as the reference
# Variables (gnuplot -e): term (svg, pngcairo or png), ext (file
# extension), dir (the results folder), cols (columns in push_time.dat).
# The peers' columns are, in order (see table.awk):
#   pv pvgen pv_nohuge glibc glibc_thp jemalloc mimalloc stdvec garray stbds
#   touch1 touch2
if (term eq 'svg') {
  set terminal svg size 960,600 dynamic enhanced font 'sans,11'
} else {
  set terminal term size 960,600
}
# One style per peer: paged_vec in reds (the typed layer thick), the
# realloc vectors in blues and greens, the limits in grey dashes.
set linetype 1 lc rgb '#d62728' lw 3 pt 7 dt 1
set linetype 2 lc rgb '#ff7f7f' lw 2 pt 5 dt 1
set linetype 3 lc rgb '#8c564b' lw 2 pt 4 dt 1
set linetype 4 lc rgb '#1f77b4' lw 2 pt 9 dt 1
set linetype 5 lc rgb '#6baed6' lw 2 pt 8 dt 1
set linetype 6 lc rgb '#2ca02c' lw 2 pt 11 dt 1
set linetype 7 lc rgb '#98df8a' lw 2 pt 10 dt 1
set linetype 8 lc rgb '#000000' lw 2 pt 13 dt 1
set linetype 9 lc rgb '#9467bd' lw 2 pt 12 dt 1
set linetype 10 lc rgb '#bcbd22' lw 2 pt 6 dt 1
set linetype 11 lc rgb '#555555' lw 2 pt 1 dt 2
set linetype 12 lc rgb '#aaaaaa' lw 2 pt 2 dt 2
set datafile missing '-'
set logscale xy
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key outside right top noenhanced
set format x '10^{%L}'
set xlabel 'N (elements pushed, 8 bytes each, from an empty vector)'

set output dir.'/push_time.'.ext
set title 'push: time per element (CPU, median)'
set ylabel 'ns per element'
plot for [i=2:cols] dir.'/push_time.dat' using 1:i with linespoints \
  lt (i - 1) title columnhead(i)

set output dir.'/push_rss.'.ext
set title 'peak RSS of building one vector (fresh process; 10^8: from the push loop)' noenhanced
set ylabel 'MiB'
plot dir.'/push_rss.dat' using 1:2 with lines lw 4 lc rgb '#dddddd' title 'data size', \
  for [i=3:cols+1] dir.'/push_rss.dat' using 1:i with linespoints \
  lt (i - 2) title columnhead(i)

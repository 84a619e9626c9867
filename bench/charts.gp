# bench/charts.gp - the charts of `make bench` (called by bench/run.sh):
#   push_time: CPU ns per element against N, log-log
#   push_rss:  peak RSS of the workload against N, log-log, with the data
#              size itself as the reference line
# Variables (gnuplot -e): term (svg, pngcairo or png), ext (file
# extension), dir (the results folder), cols (columns in the data files).
if (term eq 'svg') {
  set terminal svg size 960,600 dynamic enhanced font 'sans,11'
} else {
  set terminal term size 960,600
}
set datafile missing '-'
set logscale xy
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key outside right top
set format x '10^{%L}'
set xlabel 'N (elements pushed, 8 bytes each, from an empty vector)'

set output dir.'/push_time.'.ext
set title 'push: time per element (CPU, median)'
set ylabel 'ns per element'
plot for [i=2:cols] dir.'/push_time.dat' using 1:i with linespoints \
  lw 2 pt (i % 7) + 1 title columnhead(i)

set output dir.'/push_rss.'.ext
set title 'push: peak RSS of the workload'
set ylabel 'MiB'
plot dir.'/push_rss.dat' using 1:2 with lines lw 3 lc rgb '#888888' dt 2 title 'data size', \
  for [i=3:cols+1] dir.'/push_rss.dat' using 1:i with linespoints \
  lw 2 pt (i % 7) + 1 title columnhead(i)

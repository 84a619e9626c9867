# bench/charts.gp - the charts of `make bench` (called by bench/run.sh),
# from the data table.awk writes (the methods and peers are the columns it
# found in the results; charts.vars says how many):
#   build_time  the paired build-and-free loop: CPU ns per element against
#               N, the median with min-max over the rounds as error bars
#   cold_time   one vector in a fresh process (push_cold): median with
#               min-max over the processes as error bars
#   rss         peak RSS of one build-and-free run against N, with the data
#               size as the reference
# Variables (gnuplot -e): term (svg, pngcairo or png), ext (file
# extension), dir (the results folder).
load dir.'/charts.vars'
if (term eq 'svg') {
  set terminal svg size 960,600 dynamic enhanced font 'sans,11'
} else {
  set terminal term size 960,600
}
# paged_vec first in reds (the typed layer thick); then gnuplot's colours.
set linetype 1 lc rgb '#d62728' lw 3 pt 7
set linetype 2 lc rgb '#ff7f7f' lw 2 pt 5
set datafile missing '-'
set logscale xy
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key outside right top noenhanced
set format x '10^{%L}'
set bars small

if (nsizes > 0) {
  set output dir.'/build_time.'.ext
  set title 'build-and-free loop (paired): CPU ns per element, median and min-max over the rounds'
  set xlabel 'N (elements pushed, 8 bytes each, then freed)'
  set ylabel 'ns per element'
  plot for [i=1:nbuild] dir.'/build_time.dat' \
    using 1:(column(3*i-1)):(column(3*i)):(column(3*i+1)) with yerrorlines \
    lt i title columnhead(3*i-1)

  set output dir.'/rss.'.ext
  set title 'peak RSS of one build-and-free run (paired rows, median over the rounds)'
  set ylabel 'MiB'
  plot dir.'/rss.dat' using 1:2 with lines lw 4 lc rgb '#dddddd' title 'data size', \
    for [i=1:nbuild] dir.'/rss.dat' using 1:(column(i+2)) with linespoints \
    lt i title columnhead(i+2)
}

if (ncoldsizes > 0) {
  set output dir.'/cold_time.'.ext
  set title 'one vector in a fresh process (push_cold): CPU ns per element, median and min-max over the processes'
  set xlabel 'N (elements pushed, 8 bytes each)'
  set ylabel 'ns per element'
  plot for [i=1:ncold] dir.'/cold_time.dat' \
    using 1:(column(3*i-1)):(column(3*i)):(column(3*i+1)) with yerrorlines \
    lt i title columnhead(3*i-1)
}

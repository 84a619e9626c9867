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
# paged_vec first in reds (the typed layer thick), then one colour and
# point per column (the columns come in peer order: bench/peers/).
set linetype 1 lc rgb '#d62728' lw 3 pt 7
set linetype 2 lc rgb '#ff7f7f' lw 2 pt 5
set linetype 3 lc rgb '#1f77b4' lw 2 pt 9
set linetype 4 lc rgb '#6baed6' lw 2 pt 8
set linetype 5 lc rgb '#2ca02c' lw 2 pt 11
set linetype 6 lc rgb '#98df8a' lw 2 pt 10
set linetype 7 lc rgb '#17becf' lw 2 pt 13
set linetype 8 lc rgb '#000000' lw 2 pt 12
set linetype 9 lc rgb '#7f7f7f' lw 2 pt 4
set linetype 10 lc rgb '#9467bd' lw 2 pt 6
set linetype 11 lc rgb '#bcbd22' lw 2 pt 3
set linetype 12 lc rgb '#555555' lw 2 pt 1 dt 2
set linetype 13 lc rgb '#aaaaaa' lw 2 pt 2 dt 2
set linetype 14 lc rgb '#8c564b' lw 2 pt 14 dt 3
set linetype cycle 14
set datafile missing '-'
set logscale xy
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key outside right top noenhanced
set format x '10^{%L}'
set bars small

if (nsizes > 0) {
  set output dir.'/build_time.'.ext
  set title 'build-and-free loop (paired): CPU ns per element, median and min-max over the rounds' noenhanced
  set xlabel 'N (elements pushed, 8 bytes each, then freed)'
  set ylabel 'ns per element'
  plot for [i=1:nbuild] dir.'/build_time.dat' \
    using 1:(column(3*i-1)):(column(3*i)):(column(3*i+1)) with yerrorlines \
    lt i title columnhead(3*i-1)

  set output dir.'/rss.'.ext
  set title 'peak RSS of one build-and-free run (paired rows, median over the rounds)' noenhanced
  set ylabel 'MiB'
  plot dir.'/rss.dat' using 1:2 with lines lw 4 lc rgb '#dddddd' title 'data size', \
    for [i=1:nbuild] dir.'/rss.dat' using 1:(column(i+2)) with linespoints \
    lt i title columnhead(i+2)
}

if (ncoldsizes > 0) {
  set output dir.'/cold_time.'.ext
  set title 'one vector in a fresh process (push_cold): CPU ns per element, median and min-max over the processes' noenhanced
  set xlabel 'N (elements pushed, 8 bytes each)'
  set ylabel 'ns per element'
  plot for [i=1:ncold] dir.'/cold_time.dat' \
    using 1:(column(3*i-1)):(column(3*i)):(column(3*i+1)) with yerrorlines \
    lt i title columnhead(3*i-1)
}

#!/bin/sh
# bench/run.sh - runs the benchmark suite and makes the table and charts
# (what `make bench` and `make bench-quick` call).
#
#   run.sh --mode full|quick [--bindir DIR] [--out DIR] [--awk AWK]
#          [--gnuplot GNUPLOT] [--scripts DIR] [--filter ERE]
#
# Every benchmark (one workload, one peer, one size) runs in a fresh
# process: peak RSS is then the workload's own, and no allocator state
# (glibc's adaptive mmap threshold, jemalloc's dirty pages) is carried from
# one peer or size into the next.  Inside the process Google Benchmark warms
# up, repeats, and reports the median of the repetitions.
#
# The allocator peers: pv_bench links glibc malloc; the same program runs
# again with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 for the glibc_thp peer;
# pv_bench_jemalloc and pv_bench_mimalloc link those allocators.
#
# Results (under --out, default results/):
#   raw/*.json     Google Benchmark's JSON, one file per benchmark
#   bench.json     all of them in one document: {"mode":..., "runs":[...]}
#   summary.tsv    one line per benchmark: the medians the table is made of
#   table.txt      the table printed at the end; table.md the same in Markdown
#   push_time.{svg,png}, push_rss.{svg,png}   charts (with gnuplot)
set -eu

mode=full
bindir=bench
out=results
awk=awk
gnuplot=
scripts=$(dirname "$0")
filter=

while [ $# -gt 0 ]; do
  case $1 in
    --mode) mode=$2; shift 2 ;;
    --bindir) bindir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --awk) awk=$2; shift 2 ;;
    --gnuplot) gnuplot=$2; shift 2 ;;
    --scripts) scripts=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$awk" ] || awk=awk

# Repetitions and times (seconds of CPU time per repetition; a warm-up of
# at least one iteration before the first: the first touch of memory in a
# fresh process can cost several times the steady state).  A benchmark
# whose iteration is longer than min_time runs one iteration per
# repetition.  From 10^7 elements an iteration of a peer that faults 4 KiB
# pages takes a large fraction of a second, at 10^8 seconds: those rows get
# three repetitions; at 10^8 each repetition lasts at least min_time_huge,
# so that a fast peer averages several iterations while a slow one runs
# one.  nowarm_from (quick mode) drops the warm-up from that size on.
case $mode in
  full)
    reps=5; reps_big=3; reps_huge=3; min_time=0.03; min_time_huge=1.5; warmup=0.03
    nowarm_from=0
    cold_runs=3
    pair_time=6
    # Everything registered but, at 10^8, the peers that only repeat there
    # what their 10^7 row shows (4 KiB pages, growth by copy for jemalloc
    # and mimalloc) at half a minute to a minute of CPU each: the two
    # 4 KiB-page growth modes of paged_vec, jemalloc and mimalloc.
    select='.'
    exclude='^push/(pv_stable_nh|pv_copy_nh|jemalloc|mimalloc)/100000000$'
    ;;
  quick)
    reps=3; reps_big=3; reps_huge=3; min_time=0.02; min_time_huge=1; warmup=0.02
    nowarm_from=10000000
    cold_runs=3
    pair_time=6
    exclude='^$'
    # The headline: push at three sizes (10^7 only for the main peers, as a
    # 10^7 iteration of a 4 KiB-faulting peer takes most of a second) and
    # the small-vector cost.  The 10^8 targets need `make bench`.
    select='^(push/(pv|pvgen|glibc|glibc_thp|jemalloc|mimalloc|stdvec|garray|stbds|touch1|touch2)/(1000|100000)|push/(pv|pvgen|glibc|glibc_thp|stdvec|garray|touch1)/10000000|small/(pv|pvgen|glibc|stdvec|garray|stbds)/16)$'
    ;;
  *) echo "run.sh: --mode must be full or quick" >&2; exit 2 ;;
esac
large=10000000
huge=100000000

raw=$out/raw
rm -rf "$raw"
mkdir -p "$raw"
log=$out/run.log
: > "$log"

start=$(date +%s)
nrun=0
nfail=0
plan=$out/plan.tsv
: > "$plan"

# plan_add PROGRAM ENV ERE: adds to the plan every benchmark of PROGRAM (run
# with the environment assignment ENV, or none if "-") whose name matches
# ERE and the mode's selection.
plan_add() {
  prog=$bindir/$1
  if [ ! -x "$prog" ]; then
    echo "run.sh: $prog is missing (make bench-build)" >&2
    exit 1
  fi
  envset=$2
  [ "$envset" = - ] && envset=
  # shellcheck disable=SC2086
  env $envset "$prog" --benchmark_list_tests=true | grep -E "$3" |
    grep -E "$select" | grep -Ev "$exclude" |
    { if [ -n "$filter" ]; then grep -E "$filter"; else cat; fi; } |
    "$awk" -F / -v prog="$1" -v envset="$2" \
      '{ printf "%s\t%s\t%d\t%s\t%s\t%s\n", $1, $3, NR, prog, envset, $0 }' >> "$plan" || true
}
plan_add pv_bench - '.'
plan_add pv_bench GLIBC_TUNABLES=glibc.malloc.hugetlb=1 '/(pv_)?glibc_thp/'
plan_add pv_bench_jemalloc - '.'
plan_add pv_bench_mimalloc - '.'

# Run order: by workload, then size, then peer.  All the peers of one row
# run one after the other, so that the ratios of a row are measured minutes
# apart at most, whatever else the machine does during the whole run.
sort -t "$(printf '\t')" -k1,1 -k2,2n -s "$plan" > "$plan.sorted"
total=$(wc -l < "$plan.sorted")
echo "bench: mode $mode: $total benchmarks, medians of $reps repetitions ($reps_big from N=10^7, of at least ${min_time_huge}s each at 10^8), a fresh process each; log in $log"
last=
while IFS="$(printf '\t')" read -r workload n _ prog envset name; do
  [ "$envset" = - ] && envset=
  if [ "$workload/$n" != "$last" ]; then
    printf 'bench: %-12s N=%-10s (%d of %d done, %ss)\n' "$workload" "$n" "$nrun" "$total" \
      "$(($(date +%s) - start))"
    last=$workload/$n
  fi
  r=$reps; w=$warmup; t=$min_time
  if [ "$n" -ge "$large" ]; then r=$reps_big; fi
  if [ "$n" -ge "$huge" ]; then r=$reps_huge; fi
  if [ "$n" -ge "$huge" ]; then t=$min_time_huge; fi
  if [ "$nowarm_from" -gt 0 ] && [ "$n" -ge "$nowarm_from" ]; then w=0; fi
  # A cold benchmark does one iteration in its process (the harness sees
  # to that): run it in cold_runs processes; the summary takes the median.
  runs=1
  case $workload in
    *_cold) runs=$cold_runs; w=0 ;;
    # Paired rows: one long repetition; the body takes the median over its
    # iterations itself.
    pair) r=1; t=$pair_time ;;
  esac
  # (Google Benchmark appends "/iterations:1/repeats:1" to a cold name.)
  base=$raw/$(printf '%s' "$name" | cut -d / -f 1-3 | tr '/' '_')
  nrun=$((nrun + 1))
  k=1
  while [ "$k" -le "$runs" ]; do
    file=$base.json
    [ "$runs" -gt 1 ] && file=$base.r$k.json
    k=$((k + 1))
    # shellcheck disable=SC2086
    if ! env $envset "$bindir/$prog" --benchmark_filter="^$name\$" \
        --benchmark_repetitions="$r" --benchmark_report_aggregates_only=true \
        --benchmark_min_time="$t" --benchmark_min_warmup_time="$w" \
        --benchmark_out="$file" --benchmark_out_format=json \
        --benchmark_format=console >> "$log" 2>&1 < /dev/null; then
      echo "bench: $name FAILED (see $log)" >&2
      nfail=$((nfail + 1))
      break
    fi
  done
done < "$plan.sorted"
secs=$(($(date +%s) - start))

# One JSON document holding every run's output, untouched.
{
  printf '{"mode": "%s", "seconds": %s, "runs": [\n' "$mode" "$secs"
  first=1
  for f in "$raw"/*.json; do
    [ -e "$f" ] || continue
    [ $first = 1 ] || printf ',\n'
    cat "$f"
    first=0
  done
  printf ']}\n'
} > "$out/bench.json"

if [ "$nrun" -eq 0 ]; then
  echo "bench: nothing selected" >&2
  exit 1
fi
"$awk" -f "$scripts/json2tsv.awk" "$raw"/*.json > "$out/summary.tsv"
"$awk" -v md="$out/table.md" -v datadir="$out" -v mode="$mode" -v secs="$secs" \
  -v runs="$nrun" -f "$scripts/table.awk" "$out/summary.tsv" | tee "$out/table.txt"

if [ -n "$gnuplot" ] && [ "$(wc -l < "$out/push_time.dat")" -gt 1 ]; then
  # The number of data columns, for the plot loops.
  cols=$(head -n 1 "$out/push_time.dat" | wc -w)
  for term in svg png; do
    t=$term
    if [ $term = png ]; then
      if "$gnuplot" -e 'set terminal pngcairo' > /dev/null 2>&1; then t=pngcairo; else t=png; fi
    fi
    "$gnuplot" -e "term='$t'; ext='$term'; dir='$out'; cols=$cols" \
      "$scripts/charts.gp" >> "$log" 2>&1 ||
      echo "bench: gnuplot failed for $term (see $log)" >&2
  done
  echo "bench: charts: $out/push_time.svg $out/push_rss.svg (and .png)"
fi
echo "bench: $nrun benchmarks in ${secs}s, $nfail failed; raw JSON in $out/bench.json and $raw/"
[ "$nfail" -eq 0 ]

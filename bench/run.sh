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

# Repetitions and times (seconds of CPU time per repetition; warm-up before
# the first).  A benchmark whose iteration is longer than min_time runs one
# iteration per repetition.  From 10^7 elements an iteration of a peer that
# faults 4 KiB pages takes a large fraction of a second, at 10^8 seconds:
# those rows get three repetitions, and the 10^8 rows no separate warm-up
# (the median of three absorbs one cold run).
case $mode in
  full)
    reps=5; reps_big=3; min_time=0.05; warmup=0.05
    # Everything registered.
    select='.'
    ;;
  quick)
    reps=3; reps_big=3; min_time=0.02; warmup=0.02
    # The headline: push up to 10^7 for the main peers, and the small-vector
    # cost.  (The 10^8 targets need `make bench`.)
    select='^(push/(pv|pvgen|glibc|glibc_thp|jemalloc|mimalloc|stdvec|garray|stbds|touch1|touch2)/(1000|100000|10000000)|small/(pv|pvgen|glibc|stdvec|garray|stbds)/16)$'
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

# run_set PROGRAM ENV ERE: every benchmark of PROGRAM (run with the
# environment assignment ENV, or none if "-") whose name matches ERE and
# the mode's selection.
run_set() {
  prog=$bindir/$1
  envset=$2
  [ "$envset" = - ] && envset=
  if [ ! -x "$prog" ]; then
    echo "run.sh: $prog is missing (make bench-build)" >&2
    exit 1
  fi
  # shellcheck disable=SC2086
  names=$(env $envset "$prog" --benchmark_list_tests=true | grep -E "$3" |
    grep -E "$select" | { if [ -n "$filter" ]; then grep -E "$filter"; else cat; fi; } |
    sort -s -t / -k 1,1) || true
  [ -n "$names" ] || return 0
  last=
  for name in $names; do
    workload=${name%%/*}
    if [ "$workload" != "$last" ]; then
      count=$(printf '%s\n' "$names" | grep -c "^$workload/")
      printf 'bench: %-12s %-22s %3d benchmarks  (%ss so far)\n' \
        "$workload" "$1${envset:+ [$envset]}" "$count" "$(($(date +%s) - start))"
      last=$workload
    fi
    n=${name##*/}
    r=$reps; w=$warmup
    if [ "$n" -ge "$large" ]; then r=$reps_big; fi
    if [ "$n" -ge "$huge" ]; then w=0; fi
    file=$raw/$(printf '%s' "$name" | tr '/' '_').json
    nrun=$((nrun + 1))
    # shellcheck disable=SC2086
    if ! env $envset "$prog" --benchmark_filter="^$name\$" \
        --benchmark_repetitions="$r" --benchmark_report_aggregates_only=true \
        --benchmark_min_time="$min_time" --benchmark_min_warmup_time="$w" \
        --benchmark_out="$file" --benchmark_out_format=json \
        --benchmark_format=console >> "$log" 2>&1; then
      echo "bench: $name FAILED (see $log)" >&2
      nfail=$((nfail + 1))
    fi
  done
}

echo "bench: mode $mode: medians of $reps repetitions ($reps_big from N=10^7), a fresh process per benchmark; log in $log"
run_set pv_bench - '.'
run_set pv_bench GLIBC_TUNABLES=glibc.malloc.hugetlb=1 '/glibc_thp/'
run_set pv_bench_jemalloc - '.'
run_set pv_bench_mimalloc - '.'
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

"$awk" -f "$scripts/json2tsv.awk" "$raw"/*.json > "$out/summary.tsv"
"$awk" -v md="$out/table.md" -v datadir="$out" -v mode="$mode" -v secs="$secs" \
  -v runs="$nrun" -f "$scripts/table.awk" "$out/summary.tsv" | tee "$out/table.txt"

if [ -n "$gnuplot" ] && [ -s "$out/push_time.dat" ]; then
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

#!/bin/sh
# bench/run.sh - runs the benchmark suite and makes the table and charts
# (what `make bench` and `make bench-quick` call).
#
#   run.sh --mode full|quick [--bindir DIR] [--out DIR] [--awk AWK]
#          [--gnuplot GNUPLOT] [--scripts DIR] [--filter ERE] [--warm MIB]
#          [--plan]
#
# --filter ERE runs only the benchmarks whose names match; --warm MIB
# warms that much memory instead of the mode's amount (0: no warm-up);
# --plan prints what would run (plan.tsv) and runs nothing.
#
# 1. The peers: every bench/peers/*.peer file names a peer, the program
#    that runs it and that program's environment (peers.tsv in the results
#    is what the table and the charts read).  A peer with a "host" field is
#    an allocator whose process also runs the paired rows, with the methods
#    that field lists (PVB_METHODS).  From them, the plan.
# 2. The machine: pv_bench_machine warms the memory (touches and frees
#    warm_mib MiB, all held at once: the largest workload's footprint times
#    warm_x, capped at warm_cap_mib and at half the memory available) and
#    records the machine-state line (kernel, THP, page sizes, the measured
#    cost of a 4 KiB and a 2 MiB first-touch fault, load) in machine.txt,
#    printed at the top of the table.
# 3. The paired headline rows (pair_*, limit_as: bench/bench_pair.c) run in
#    pair_procs processes each (make bench: 3), and the table gives the
#    spread across them; the other rows (one workload, one peer, one size)
#    each in a fresh process, where Google Benchmark warms up, repeats and
#    reports the median of the repetitions.
#
# Results (under --out, default results/):
#   machine.txt    the machine-state line and what the warm-up did
#   peers.tsv      the peers of this run (from bench/peers/*.peer)
#   raw/*.json     Google Benchmark's JSON, one file per process
#   bench.json     all of them in one document: {"mode":..., "runs":[...]}
#   summary.tsv    one line per unpaired benchmark (json2tsv.awk)
#   pairs.tsv      one line per paired statistic and process (pairs.awk)
#   table.txt      the table printed at the end; table.md the same in Markdown
#   *.svg, *.png   the charts (with gnuplot; charts.gp)
set -eu

mode=full
bindir=bench
out=results
awk=awk
gnuplot=
scripts=$(dirname "$0")
filter=
warm_opt=
plan_only=

while [ $# -gt 0 ]; do
  case $1 in
    --mode) mode=$2; shift 2 ;;
    --bindir) bindir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --awk) awk=$2; shift 2 ;;
    --gnuplot) gnuplot=$2; shift 2 ;;
    --scripts) scripts=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --warm) warm_opt=$2; shift 2 ;;
    --plan) plan_only=1; shift ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$awk" ] || awk=awk

# The unpaired rows: repetitions and times (seconds of CPU time per
# repetition; a warm-up of at least one iteration before the first).  From
# 10^7 elements reps_big repetitions; at 10^8 each lasts at least
# min_time_huge.  cold_runs: processes for a *_cold row (one iteration
# each).  The paired rows: rounds (PVB_ROUNDS, odd, >= 7) in pair_procs
# processes.  footprint_mib: the most memory one workload of the mode holds
# at once (std::vector growing to 10^8 u64 holds 0.5 + 1 GiB while it
# copies; limit_as reaches 1 GiB), so warm_mib is warm_x times that
# (make bench: twice; quick: once, to stay within its two minutes).
warm_cap_mib=8192
footprint_mib=1536
big_methods=
warm_x=2
# The rows about memory (many live vectors: hash tables, live16; the
# mixed program; the largest vector) are slow (a hash table at 10^6
# buckets is bound by cache misses, 0.2-0.5 us a record): there only the
# methods that answer their question run, pv and the malloc-based vectors
# a C or C++ program would use.
mem_methods="pv glibc glibc_thp jemalloc mimalloc tcmalloc stdvec"
case $mode in
  full)
    reps=5; reps_big=3; min_time=0.03; min_time_huge=1.5; warmup=0.03
    cold_runs=3
    rounds=7; pair_procs=3
    # The paired rows: all of them in glibc's process (the 1 GiB slurp
    # only there); in the other
    # allocators' processes the build-and-free loop (10^8: glibc_thp only),
    # the hash table at 10^5 and the largest vector (pv against one more
    # realloc vector); at 10^8 only the methods of the targets (the others
    # copy or fault 4 KiB pages there, seconds a run, never the best).  The
    # unpaired table: the workloads the paired rows do not cover (not small,
    # reserve_fill, nor push but for paged_vec's options and the limits),
    # not repeated for the allocators but glibc (push_cold excepted), and
    # at 10^8 only the options whose row says something their 10^7 row does
    # not.
    select='.'
    exclude='^pair_build/(jemalloc|mimalloc|tcmalloc)/100000000/|^pair_(live16|mixed|reserve|slurp|populate)/(glibc_thp|jemalloc|mimalloc|tcmalloc)/|^pair_hash/(glibc_thp|jemalloc|mimalloc|tcmalloc)/1000000/|^(small|reserve_fill)/|^push/(glibc|glibc_thp|jemalloc|mimalloc|tcmalloc|stdvec|boostvec|garray|stbds)/|^(push24|append|sum|rand_read|insert_front|copy|shrink|trim)/(glibc_thp|jemalloc|mimalloc|tcmalloc)/|^push/(pv_stable_nh|pv_copy_nh|pv_nohuge|pvgen[a-z_]*)/100000000$'
    big_methods="pv pvgen pvbatch glibc glibc_thp touch1 touchp"
    ;;
  quick)
    reps=3; reps_big=3; min_time=0.02; min_time_huge=1; warmup=0.02
    cold_runs=3
    rounds=7; pair_procs=1; warm_x=1
    # In one process each: the build-and-free loop in every allocator's
    # process, the other paired rows in glibc's (what the targets need), and
    # one cold vector per peer for the chart; at 10^8 only the methods of
    # the targets (big_methods).  The rest (the 1 GiB slurp too) needs
    # `make bench`.
    select='^(pair_build/|(pair_[a-z0-9]+|limit_as)/glibc/|push_cold/(pv|glibc|stdvec|touch1)/)'
    exclude='^pair_[a-z0-9]+/(glibc_thp|jemalloc|mimalloc|tcmalloc)/100000000/|^pair_hash/glibc/1000000/|^pair_slurp/|^pair_populate/glibc/100000000/|^pair_file'
    big_methods="pv pvgen pvbatch glibc touch1 touchp"
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
tab=$(printf '\t')

# ---- 1. the peers and the plan ---------------------------------------------
# peers.tsv: order name binary env kind host variants workloads label
# ("-" for an empty field), from the files in name order.
"$awk" -v OFS="$tab" '
  function flush() {
    if (name == "") return
    print ++n, name, bin, (env == "" ? "-" : env), kind,
      (host == "" ? "-" : host), (var == "" ? "-" : var), (wl == "" ? "." : wl), label
  }
  FNR == 1 { flush(); name = bin = env = kind = host = var = wl = label = "" }
  /^#/ || NF == 0 { next }
  { k = $1; v = $0; sub(/^[^ ]+ +/, "", v) }
  k == "name" { name = v } k == "binary" { bin = v } k == "env" { env = v }
  k == "kind" { kind = v } k == "host" { host = v }
  k == "variants" { var = v } k == "workloads" { wl = v } k == "label" { label = v }
  END { flush() }' "$scripts"/peers/*.peer > "$out/peers.tsv"

# The plan: workload, N, order, program, env, methods, name.  For every
# peer, the rows of its program named after it (or one of its variants)
# that match its workloads and the mode's selection; for a host, also the
# paired rows of its process.
plan=$out/plan.tsv
: > "$plan"
while IFS="$tab" read -r _ name bin envset _ host variants wl _; do
  prog=$bindir/$bin
  if [ ! -x "$prog" ]; then
    echo "run.sh: $prog is missing (make bench-build)" >&2
    exit 1
  fi
  [ "$envset" = - ] && envset=
  names=$name
  [ "$variants" = - ] || names="$name $variants"
  names_re=$(printf '%s' "$names" | tr ' ' '|')
  rows="^[a-z0-9_]+/($names_re)/"
  [ "$host" = - ] || rows="^(pair_[a-z0-9]+|limit_as)/$name/|$rows"
  # shellcheck disable=SC2086
  env $envset "$prog" --benchmark_list_tests=true | grep -E "$rows" |
    { if [ "$host" = - ]; then grep -Ev '^(pair_|limit_as/)'; else cat; fi; } |
    grep -E "$wl|^(pair_|limit_as/)" | grep -E "$select" | grep -Ev "$exclude" |
    { if [ -n "$filter" ]; then grep -E "$filter"; else cat; fi; } |
    "$awk" -F / -v OFS="$tab" -v bin="$bin" -v envset="${envset:--}" -v host="$host" \
      '{ print $1, $3, NR, bin, envset, ($1 ~ /^(pair_|limit_as$)/ ? host : "-"), $0 }' \
      >> "$plan" || true
done < "$out/peers.tsv"

# Order: by workload, then size, then peer, so that all the peers of a row
# run one after the other.
sort -t "$tab" -k1,1 -k2,2n -s "$plan" > "$plan.sorted"
if [ -n "$plan_only" ]; then
  cat "$plan.sorted"
  exit 0
fi

# ---- 2. the machine, right before the runs ---------------------------------
machine=$bindir/pv_bench_machine
if [ ! -x "$machine" ]; then
  echo "run.sh: $machine is missing (make bench-build)" >&2
  exit 1
fi
avail_mib=$("$awk" '/^MemAvailable:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
warm_mib=$((warm_x * footprint_mib))
[ "$warm_mib" -le "$warm_cap_mib" ] || warm_mib=$warm_cap_mib
[ "$warm_mib" -le $((avail_mib / 2)) ] || warm_mib=$((avail_mib / 2))
[ -z "$warm_opt" ] || warm_mib=$warm_opt
warmed="no warm-up"
[ "$warm_mib" -eq 0 ] || warmed=$("$machine" warm "$warm_mib")
state=$("$machine" state)
printf 'machine: %s\nwarm-up: %s (%s x the largest footprint, %s MiB)\n' "$state" "$warmed" \
  "$warm_x" "$footprint_mib" > "$out/machine.txt"
cat "$out/machine.txt"
# ---- 3. the runs -----------------------------------------------------------
total=$(wc -l < "$plan.sorted")
echo "bench: mode $mode: $total benchmarks; paired rows: $rounds rounds in $pair_procs process(es); others: medians of $reps repetitions, a fresh process each; log in $log"
nrun=0
nfail=0
last=
while IFS="$tab" read -r workload n _ prog envset methods name; do
  [ "$envset" = - ] && envset=
  if [ "$workload/$n" != "$last" ]; then
    printf 'bench: %-12s N=%-10s (%d of %d done, %ss)\n' "$workload" "$n" "$nrun" "$total" \
      "$(($(date +%s) - start))"
    last=$workload/$n
  fi
  r=$reps; w=$warmup; t=$min_time; runs=1
  if [ "$n" -ge "$large" ]; then r=$reps_big; fi
  if [ "$n" -ge "$huge" ]; then t=$min_time_huge; fi
  case $workload in
    *_cold) runs=$cold_runs; w=0 ;;
    pair_*|limit_as) runs=$pair_procs; w=0 ;;
  esac
  only=
  if [ -n "$big_methods" ] && [ "$n" -ge "$huge" ]; then only=$big_methods; fi
  case $workload in pair_hash|pair_live16|pair_mixed|limit_as) only=$mem_methods ;; esac
  if [ -n "$only" ] && [ "$methods" != - ]; then
    keep=
    for m in $methods; do
      case " $only " in *" $m "*) keep="$keep $m" ;; esac
    done
    methods=${keep# }
  fi
  # (Google Benchmark appends "/iterations:1/repeats:1" to a one-shot name.)
  base=$raw/$(printf '%s' "$name" | cut -d / -f 1-3 | tr '/' '_')
  nrun=$((nrun + 1))
  k=1
  while [ "$k" -le "$runs" ]; do
    file=$base.r$k.json
    k=$((k + 1))
    # shellcheck disable=SC2086
    if ! env $envset PVB_ROUNDS="$rounds" PVB_METHODS="$methods" "$bindir/$prog" \
        --benchmark_filter="^$name\$" \
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
  printf '{"mode": "%s", "seconds": %s, "machine": "%s", "runs": [\n' "$mode" "$secs" \
    "$(printf '%s' "$state" | sed 's/["\\]/_/g')"
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
# The paired rows and the others go to their own summaries.
set -- "$raw"/*.json
unpaired=
paired=
for f in "$@"; do
  case ${f##*/} in
    pair_*|limit_as_*) paired="$paired $f" ;;
    *) unpaired="$unpaired $f" ;;
  esac
done
# shellcheck disable=SC2086
"$awk" -f "$scripts/gbench_json.awk" -f "$scripts/json2tsv.awk" /dev/null $unpaired \
  > "$out/summary.tsv"
# shellcheck disable=SC2086
"$awk" -f "$scripts/gbench_json.awk" -f "$scripts/pairs.awk" /dev/null $paired \
  > "$out/pairs.tsv"
"$awk" -v md="$out/table.md" -v datadir="$out" -v mode="$mode" -v secs="$secs" \
  -v runs="$nrun" -v procs="$pair_procs" -v rounds="$rounds" -f "$scripts/table.awk" \
  "$out/machine.txt" "$out/peers.tsv" "$out/summary.tsv" "$out/pairs.tsv" | tee "$out/table.txt"

if [ -n "$gnuplot" ]; then
  for term in svg png; do
    t=$term
    if [ $term = png ]; then
      if "$gnuplot" -e 'set terminal pngcairo' > /dev/null 2>&1; then t=pngcairo; else t=png; fi
    fi
    "$gnuplot" -e "term='$t'; ext='$term'; dir='$out'" "$scripts/charts.gp" >> "$log" 2>&1 ||
      echo "bench: gnuplot failed for $term (see $log)" >&2
  done
  echo "bench: charts: $out/build_time.svg $out/cold_time.svg $out/rss.svg (and .png)"
fi
echo "bench: $nrun benchmarks in ${secs}s (with the warm-up), $nfail failed; raw JSON in $out/bench.json and $raw/"
[ "$nfail" -eq 0 ]

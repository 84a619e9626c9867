# bench/pairs.awk - the paired rows' Google Benchmark JSON files (one per
# process; bench/bench_pair.c says what the counters mean) -> one TSV line
# per statistic:
#   workload process N run method stat value
# where process is the allocator of the process (glibc, jemalloc, ...), run
# the process's number (the file's .rK) and stat one of t tmin tmax r rmin
# rmax l lmin lmax g gmin gmax rss wall (paired workloads) or frac
# (limit_as).  A row that failed gives one line with method "-", stat
# "error" and the message.
# Run with bench/gbench_json.awk, which reads the JSON into f and calls
# flush() for each benchmark: awk -f gbench_json.awk -f pairs.awk FILES.

function flush(   name, err, np, part, k, m, st, run) {
  name = ("run_name" in f) ? f["run_name"] : ""
  if (name == "" && ("name" in f)) name = f["name"]
  if (name == "") return
  err = ("error_message" in f) ? f["error_message"] : ""
  np = split(name, part, "/")
  if (np < 3) return
  run = FILENAME
  sub(/^.*\.r/, "", run); sub(/\.json$/, "", run)
  if (err != "") {
    printf "%s\t%s\t%s\t%s\t-\terror\t%s\n", part[1], part[2], part[3], run, err
    return
  }
  for (k in f) {
    if (k !~ /\./) continue
    m = k; sub(/\.[^.]*$/, "", m)
    st = k; sub(/^.*\./, "", st)
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", part[1], part[2], part[3], run, m, st, f[k]
  }
}

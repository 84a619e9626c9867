# bench/pairs.awk - the paired rows' Google Benchmark JSON files (one per
# process; bench/bench_pair.c says what the counters mean) -> one TSV line
# per statistic:
#   workload process N run method stat value
# where process is the allocator of the process (glibc, jemalloc, ...), run
# the process's number (the file's .rK) and stat one of t tmin tmax r rmin
# rmax rss wall (paired workloads) or frac (limit_as).  A row that failed
# gives one line with method "-", stat "error" and the message.
# Relies, as json2tsv.awk does, on Google Benchmark writing one key per line.

function flush(   np, part, k, m, st, run) {
  if (name == "") return
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
/"benchmarks": \[/ { inb = 1; next }
inb && /^    \{/ { split("", f); name = ""; err = ""; next }
inb && /^    \}/ { flush(); split("", f); name = ""; next }
inb && /^  \]/ { inb = 0; next }
inb && /^      "/ {
  line = $0
  sub(/^ *"/, "", line)
  k = line; sub(/".*$/, "", k)
  v = line; sub(/^[^"]*": */, "", v); sub(/,[ \t\r]*$/, "", v)
  gsub(/^"|"$/, "", v)
  if (k == "run_name") name = v
  else if (k == "name" && name == "") name = v
  else if (k == "error_message") err = v
  else f[k] = v
}

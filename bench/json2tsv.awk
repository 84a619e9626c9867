# bench/json2tsv.awk - Google Benchmark JSON files -> one TSV line per
# benchmark with the medians of its repetitions (and the coefficient of
# variation of its CPU time, to show the noise).  A cold benchmark has one
# file per process, each with one plain result: the medians are then taken
# over the files.
#
# Run with bench/gbench_json.awk, which reads the JSON into f and calls
# flush() for each benchmark: awk -f gbench_json.awk -f json2tsv.awk FILES.
# Output columns:
#   workload peer n ns_per_elem cv peak_rss rss_ratio minflt bytes_per_second
#   op_ns rss_after status best_ns_per_elem ratio (unused) worst_ns_per_elem
# A missing value is "-"; status is "ok" or "error: <message>".

function flush(   rn) {
  rn = f["run_name"]
  if (rn == "") rn = f["name"]
  if (rn == "") return
  if (f["error_occurred"] == "true") {
    err[rn] = f["error_message"]
    seen(rn)
  } else if (f["run_type"] == "aggregate" && f["aggregate_name"] == "median") {
    med_ns[rn] = val("ns_per_elem"); med_rss[rn] = val("peak_rss")
    med_ratio[rn] = val("rss_ratio"); med_flt[rn] = val("minflt")
    med_bps[rn] = val("bytes_per_second"); med_op[rn] = val("op_ns")
    med_after[rn] = val("rss_after"); med_pr[rn] = val("ratio")
    seen(rn)
  } else if (f["run_type"] == "aggregate" && f["aggregate_name"] == "cv") {
    cv[rn] = val("cpu_time")
    seen(rn)
  } else if (f["run_type"] == "aggregate" && f["aggregate_name"] == "min") {
    best[rn] = val("ns_per_elem")
    seen(rn)
  } else if (f["run_type"] == "aggregate" && f["aggregate_name"] == "max") {
    worst[rn] = val("ns_per_elem")
    seen(rn)
  } else if (f["run_type"] == "iteration") {
    # No aggregates: a cold benchmark, one iteration per process, one file
    # per process.  Keep every value; END takes the medians.
    k = ++nit[rn]
    for (i = 1; i <= nfields; i++) it[rn, FLD[i], k] = val(FLD[i])
    seen(rn)
  }
}
# The median of the n values it[rn, fld, 1..n] ("-" if any is missing).
function median(rn, fld, n,   i, j, x, a) {
  for (i = 1; i <= n; i++) {
    if (it[rn, fld, i] == "-") return "-"
    a[i] = it[rn, fld, i] + 0
  }
  for (i = 2; i <= n; i++) {
    x = a[i]
    for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]
    a[j + 1] = x
  }
  if (n % 2) return a[(n + 1) / 2]
  return (a[n / 2] + a[n / 2 + 1]) / 2
}
# The smallest (sign 1) or largest (sign -1) of it[rn, fld, 1..n] ("-" if
# any is missing).
function extreme(rn, fld, n, sign,   i, m) {
  for (i = 1; i <= n; i++) {
    if (it[rn, fld, i] == "-") return "-"
    if (i == 1 || sign * (it[rn, fld, i] + 0) < sign * m) m = it[rn, fld, i] + 0
  }
  return m
}
# The coefficient of variation of it[rn, "cpu_time", 1..n].
function spread(rn, n,   i, m, v, x) {
  if (n < 2) return "-"
  m = 0
  for (i = 1; i <= n; i++) m += it[rn, "cpu_time", i]
  m /= n
  v = 0
  for (i = 1; i <= n; i++) { x = it[rn, "cpu_time", i] - m; v += x * x }
  return m > 0 ? sqrt(v / (n - 1)) / m : "-"
}
BEGIN {
  nfields = split("ns_per_elem peak_rss rss_ratio minflt bytes_per_second op_ns rss_after cpu_time ratio", FLD, " ")
}
function val(k) { return (k in f) ? f[k] : "-" }
function seen(rn) { if (!(rn in order)) { order[rn] = ++count; names[count] = rn } }

END {
  for (rn in nit) {
    if (rn in med_ns) continue
    n = nit[rn]
    med_ns[rn] = median(rn, "ns_per_elem", n); med_rss[rn] = median(rn, "peak_rss", n)
    med_ratio[rn] = median(rn, "rss_ratio", n); med_flt[rn] = median(rn, "minflt", n)
    med_bps[rn] = median(rn, "bytes_per_second", n); med_op[rn] = median(rn, "op_ns", n)
    med_after[rn] = median(rn, "rss_after", n); med_pr[rn] = median(rn, "ratio", n)
    cv[rn] = spread(rn, n)
    best[rn] = extreme(rn, "ns_per_elem", n, 1)
    worst[rn] = extreme(rn, "ns_per_elem", n, -1)
  }
  for (i = 1; i <= count; i++) {
    rn = names[i]
    np = split(rn, part, "/")
    if (np < 3) continue
    st = (rn in err) ? "error: " err[rn] : "ok"
    ns = (rn in med_ns) ? med_ns[rn] : "-"
    c = (rn in cv) ? cv[rn] : "-"
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", part[1], part[2], part[3],
      ns, c, d(med_rss, rn), d(med_ratio, rn), d(med_flt, rn), d(med_bps, rn),
      d(med_op, rn), d(med_after, rn), st, d(best, rn), d(med_pr, rn), d(worst, rn)
  }
}
function d(arr, k) { return (k in arr) ? arr[k] : "-" }

# bench/json2tsv.awk - Google Benchmark JSON files -> one TSV line per
# benchmark with the medians of its repetitions (and the coefficient of
# variation of its CPU time, to show the noise).
#
# Google Benchmark writes one key per line inside each benchmark object,
# which is all this relies on.  Output columns:
#   workload peer n ns_per_elem cv peak_rss rss_ratio minflt bytes_per_second
#   op_ns rss_after status
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
    med_after[rn] = val("rss_after")
    seen(rn)
  } else if (f["run_type"] == "aggregate" && f["aggregate_name"] == "cv") {
    cv[rn] = val("cpu_time")
    seen(rn)
  } else if (f["run_type"] == "iteration" && !(rn in med_ns)) {
    # A single repetition (no aggregates): take it as it is.
    med_ns[rn] = val("ns_per_elem"); med_rss[rn] = val("peak_rss")
    med_ratio[rn] = val("rss_ratio"); med_flt[rn] = val("minflt")
    med_bps[rn] = val("bytes_per_second"); med_op[rn] = val("op_ns")
    med_after[rn] = val("rss_after")
    seen(rn)
  }
}
function val(k) { return (k in f) ? f[k] : "-" }
function seen(rn) { if (!(rn in order)) { order[rn] = ++count; names[count] = rn } }

/"benchmarks": \[/ { inb = 1; next }
inb && /^    \{/ { split("", f); next }
inb && /^    \}/ { flush(); split("", f); next }
inb && /^  \]/ { inb = 0; next }
inb && /^      "/ {
  line = $0
  sub(/^ *"/, "", line)
  k = line; sub(/".*$/, "", k)
  v = line; sub(/^[^"]*": */, "", v); sub(/,[ \t\r]*$/, "", v)
  gsub(/^"|"$/, "", v)
  f[k] = v
}

END {
  for (i = 1; i <= count; i++) {
    rn = names[i]
    np = split(rn, part, "/")
    if (np < 3) continue
    st = (rn in err) ? "error: " err[rn] : "ok"
    ns = (rn in med_ns) ? med_ns[rn] : "-"
    c = (rn in cv) ? cv[rn] : "-"
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", part[1], part[2], part[3],
      ns, c, d(med_rss, rn), d(med_ratio, rn), d(med_flt, rn), d(med_bps, rn),
      d(med_op, rn), d(med_after, rn), st
  }
}
function d(arr, k) { return (k in arr) ? arr[k] : "-" }

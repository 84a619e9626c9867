# bench/table.awk - the results of bench/run.sh -> the printed table.
#
# Reads four files, in this order: machine.txt (printed first), peers.tsv
# (the peers: their order, kind and variants), summary.tsv (unpaired
# rows, json2tsv.awk) and pairs.tsv (paired rows, pairs.awk).  Workloads,
# sizes, peers and methods are all found in these files: nothing here
# lists them.  Prints, and writes in Markdown to the file `md`:
#   1. the machine-state line and the peers;
#   2. the paired rows: per workload, per N, each method's time over pv's
#      in the same round (above 1: pv is faster), median over the rounds of
#      every process, with the min-max over all those rounds; a ratio whose
#      range holds 1 is a tie, marked "=";
#   3. peak RSS of the paired rows, as a multiple of pv's; the largest
#      vector under RLIMIT_AS;
#   4. the targets, PASS or MISS with the paired median, the range over
#      the rounds and the spread of the per-process medians;
#   5. the unpaired rows (time per element of every workload x peer, the
#      paged_vec options), when the run has them: times only, no ratios.
# Also writes the chart data (charts.gp): build_time.dat, cold_time.dat,
# rss.dat and charts.vars.
# Variables: md, datadir, mode, secs, runs, procs, rounds.

# The files by position on the command line (an empty one reads no line).
BEGIN { FS = "\t"; for (i = 1; i < ARGC; i++) ARGNO[ARGV[i]] = i }
FNR == 1 { file = ARGNO[FILENAME] }

file == 1 { MACH[++nmach] = $0; next }

file == 2 {
  np++; PEER[np] = $2; KIND[$2] = $5; LABEL[$2] = $9; RANK[$2] = np
  if ($7 != "-") {
    nv = split($7, VV, " ")
    for (i = 1; i <= nv; i++) { nvar++; VAR[nvar] = VV[i] }
  }
  next
}

file == 3 {
  w = $1; p = $2; n = $3 + 0
  key = w SUBSEP p SUBSEP n
  T[key] = $4; RSS[key] = $6; RR[key] = $7; ST[key] = $12; BEST[key] = $13; WORST[key] = $15
  if (!(w in WSEEN)) { WSEEN[w] = 1; nw++; WL[nw] = w }
  if (!((w, n) in HAVE)) { HAVE[w, n] = 1; NS[w]++; SZ[w, NS[w]] = n }
  if (!(p in PSEEN)) PSEEN[p] = 1
  next
}

file == 4 {
  w = $1; pr = $2; n = $3 + 0; run = $4; m = $5; stat = $6
  if (!(w in PWSEEN)) { PWSEEN[w] = 1; npw++; PW[npw] = w }
  if (!((w, n) in PHAVE)) { PHAVE[w, n] = 1; PNS[w]++; PSZ[w, PNS[w]] = n }
  if (m == "-") { PERR[w, pr, n] = $7; next }
  P[w, pr, n, run, m, stat] = $7
  if (stat == "fail") MFAIL[w, m, n] = 1
  if (!((w, pr, n, run) in RUNSEEN)) { RUNSEEN[w, pr, n, run] = 1; NRUN[w, pr, n]++; RUNID[w, pr, n, NRUN[w, pr, n]] = run }
  if (!((w, m) in MSEEN)) { MSEEN[w, m] = 1 }
  # The process a method is measured in: its own (an allocator), else the
  # first (in peer order) that ran it.
  if (!((w, m) in MPROC) || pr == m || (MPROC[w, m] != m && RANK[pr] < RANK[MPROC[w, m]])) MPROC[w, m] = pr
  next
}

# ---- formatting ---------------------------------------------------------

function num(v) { return v != "-" && v != "" }
function fmt_t(v) {
  if (!num(v)) return "-"
  v += 0
  if (v < 0.1) return sprintf("%.3f", v)
  if (v < 10) return sprintf("%.2f", v)
  if (v < 100) return sprintf("%.1f", v)
  return sprintf("%.0f", v)
}
function fmt_r(r) {
  if (r < 0.1) return sprintf("%.3f", r)
  if (r < 10) return sprintf("%.2f", r)
  if (r < 100) return sprintf("%.1f", r)
  return sprintf("%.0f", r)
}
function fmt_n(n,   k, m) {
  m = n; k = 0
  while (m >= 10 && m % 10 == 0) { m = m / 10; k++ }
  if (m == 1 && k >= 2) return "1e" k
  return n ""
}
function sort_num(A, cnt,   i, j, x) {
  for (i = 2; i <= cnt; i++) {
    x = A[i]
    for (j = i - 1; j >= 1 && A[j] > x; j--) A[j + 1] = A[j]
    A[j + 1] = x
  }
}
function median_of(A, cnt) {
  sort_num(A, cnt)
  return cnt % 2 ? A[(cnt + 1) / 2] : (A[cnt / 2] + A[cnt / 2 + 1]) / 2
}
# Prints a line as text and as a Markdown table row (cells split on TAB).
function row(text, mdrow) { print text; print mdrow > md }
function md_head(title, cols,   i, c, h, nc) {
  print "" > md
  print "**" title "**" > md
  print "" > md
  nc = split(cols, c, "\t")
  h = "|"; for (i = 1; i <= nc; i++) h = h " " c[i] " |"
  print h > md
  h = "|---|"; for (i = 2; i <= nc; i++) h = h "--:|"
  print h > md
}

# ---- the paired statistics ---------------------------------------------

# Aggregates stat family `s` (t or r) of method m in workload w at n over
# the processes: sets G_MED (median of the per-process medians), G_LO /
# G_HI (min / max over every round of every process), G_PLO / G_PHI (the
# spread of the per-process medians), G_NP (processes).  0 if not measured.
function agg(w, m, n, s,   pr, k, run, cnt, A, lo, hi) {
  if (!((w, m) in MPROC)) return 0
  pr = MPROC[w, m]
  cnt = 0
  for (k = 1; k <= NRUN[w, pr, n]; k++) {
    run = RUNID[w, pr, n, k]
    if (!((w, pr, n, run, m, s) in P)) continue
    cnt++
    A[cnt] = P[w, pr, n, run, m, s] + 0
    lo = P[w, pr, n, run, m, s "min"] + 0
    hi = P[w, pr, n, run, m, s "max"] + 0
    if (cnt == 1 || lo < G_LO) G_LO = lo
    if (cnt == 1 || hi > G_HI) G_HI = hi
  }
  if (cnt == 0) return 0
  G_NP = cnt
  G_MED = median_of(A, cnt)
  G_PLO = A[1]; G_PHI = A[cnt]
  return 1
}
# The median over processes of a single statistic (rss, frac); -1 if none.
function agg1(w, m, n, s,   pr, k, run, cnt, A) {
  if (!((w, m) in MPROC)) return -1
  pr = MPROC[w, m]
  cnt = 0
  for (k = 1; k <= NRUN[w, pr, n]; k++) {
    run = RUNID[w, pr, n, k]
    if ((w, pr, n, run, m, s) in P) A[++cnt] = P[w, pr, n, run, m, s] + 0
  }
  return cnt ? median_of(A, cnt) : -1
}
# The methods of paired workload w, in peer order, pv first: fills MC[].
function methods_of(w,   i, cnt) {
  cnt = 0
  for (i = 1; i <= np; i++) if ((w, PEER[i]) in MSEEN) MC[++cnt] = PEER[i]
  return cnt
}
# "1.23 (0.95-1.52)", "=" before it when the range holds 1 (a tie).
function rcell(med, lo, hi) {
  return ((lo <= 1 && hi >= 1) ? "=" : "") fmt_r(med) " (" fmt_r(lo) "-" fmt_r(hi) ")"
}

function paired_tables(   k, w, nm, i, j, n, line, mdl, c, hd, mh) {
  for (k = 1; k <= npw; k++) {
    w = PW[k]
    if (w == "limit_as") continue
    nm = methods_of(w)
    if (nm == 0) continue
    sort_num_sizes(w)
    print ""
    print w ": each method's time / pv's time in the same round (above 1: pv is faster);"
    print "  median over the " rounds " rounds of each of " procs " process(es) (min-max over all of them); \"=\" marks a tie;"
    print "  FAIL: a run of the method failed (out of memory) and it left the row"
    line = sprintf("%6s %9s", "N", "pv ns/el")
    mh = "N\tpv ns/el"
    for (i = 1; i <= nm; i++) if (MC[i] != "pv") { line = line sprintf(" %18s", MC[i]); mh = mh "\t" MC[i] }
    print line
    md_head(w ": time / pv's time, median (min-max over rounds); = marks a tie", mh)
    for (j = 1; j <= PNS[w]; j++) {
      n = PSZ[w, j]
      line = sprintf("%6s", fmt_n(n)); mdl = "| " fmt_n(n) " |"
      c = agg(w, "pv", n, "t") ? fmt_t(G_MED) : ((w, "pv", n) in MFAIL ? "FAIL" : "-")
      line = line sprintf(" %9s", c); mdl = mdl " " c " |"
      for (i = 1; i <= nm; i++) {
        if (MC[i] == "pv") continue
        c = agg(w, MC[i], n, "r") ? rcell(G_MED, G_LO, G_HI) : "-"
        if (c == "-" && ((w, MPROC[w, MC[i]], n) in PERR)) c = "ERR"
        if (c == "-" && ((w, MC[i], n) in MFAIL)) c = "FAIL"
        line = line sprintf(" %18s", c); mdl = mdl " " c " |"
      }
      row(line, mdl)
    }
  }
}
function sort_num_sizes(w,   j, A) {
  for (j = 1; j <= PNS[w]; j++) A[j] = PSZ[w, j]
  sort_num(A, PNS[w])
  for (j = 1; j <= PNS[w]; j++) PSZ[w, j] = A[j]
}

# Peak RSS of one run, as a multiple of pv's, for the rows where memory is
# the question: many live vectors and the largest build.
function rss_tables(   k, w, nm, i, j, n, line, mdl, c, base, v, mh, any) {
  for (k = 1; k <= npw; k++) {
    w = PW[k]
    if (w == "limit_as") continue
    nm = methods_of(w)
    any = 0
    for (j = 1; j <= PNS[w]; j++) if (agg1(w, "pv", PSZ[w, j], "rss") > 1048576) any = 1
    if (!any) continue
    print ""
    print w ": peak RSS of one run, MiB for pv and a multiple of pv's for the others (median over rounds)"
    line = sprintf("%6s %9s", "N", "pv MiB"); mh = "N\tpv MiB"
    for (i = 1; i <= nm; i++) if (MC[i] != "pv") { line = line sprintf(" %9s", MC[i]); mh = mh "\t" MC[i] }
    print line
    md_head(w ": peak RSS, pv in MiB, the others / pv", mh)
    for (j = 1; j <= PNS[w]; j++) {
      n = PSZ[w, j]
      base = agg1(w, "pv", n, "rss")
      if (base <= 1048576) continue
      line = sprintf("%6s %9.1f", fmt_n(n), base / 1048576); mdl = "| " fmt_n(n) " | " sprintf("%.1f", base / 1048576) " |"
      for (i = 1; i <= nm; i++) {
        if (MC[i] == "pv") continue
        v = agg1(w, MC[i], n, "rss")
        c = v >= 0 ? sprintf("%.2f", v / base) : "-"
        line = line sprintf(" %9s", c); mdl = mdl " " c " |"
      }
      row(line, mdl)
    }
  }
  w = "limit_as"
  if (!(w in PWSEEN)) return
  nm = 0
  for (i = 1; i <= np; i++) if ((w, PEER[i]) in MSEEN) MC[++nm] = PEER[i]
  print ""
  print "limit_as: the largest vector one push loop reached under RLIMIT_AS (address space at start + N MiB),"
  print "  as bytes / N MiB (-1: the process died instead of the push failing)"
  line = sprintf("%6s", "MiB"); mh = "MiB"
  for (i = 1; i <= nm; i++) { line = line sprintf(" %9s", MC[i]); mh = mh "\t" MC[i] }
  print line
  md_head("limit_as: largest vector under RLIMIT_AS, bytes / room", mh)
  for (j = 1; j <= PNS[w]; j++) {
    n = PSZ[w, j]
    line = sprintf("%6s", n); mdl = "| " n " |"
    for (i = 1; i <= nm; i++) {
      v = agg1(w, MC[i], n, "frac")
      c = v == -1 && !((w, MC[i]) in MPROC) ? "-" : sprintf("%.3f", v)
      line = line sprintf(" %9s", c); mdl = mdl " " c " |"
    }
    row(line, mdl)
  }
}

# ---- the targets ---------------------------------------------------------

# One target: the paired statistic (median med, round range lo-hi, process
# spread plo-phi) against `want` with op ">=" or "<="; PASS or MISS on the
# median, "(tie)" when want lies inside the range.
function target(label, ok_measured, med, lo, hi, plo, phi, op, want,   ok, s, tie, mdl) {
  if (!ok_measured) {
    printf "  %-50s %-7s %s\n", label, op " " want, "not measured"
    print "| " label " | " op " " want " | - | - | - | not measured |" > md
    return
  }
  ok = (op == ">=") ? (med >= want) : (med <= want)
  tie = (lo <= want && hi >= want) ? " (tie: inside the range)" : ""
  s = sprintf("%6s  [%s-%s]  procs %s-%s", fmt_r(med), fmt_r(lo), fmt_r(hi), fmt_r(plo), fmt_r(phi))
  printf "  %-50s %-7s %s  %s%s\n", label, op " " want, s, ok ? "PASS" : "MISS", tie
  print "| " label " | " op " " want " | " fmt_r(med) " | " fmt_r(lo) "-" fmt_r(hi) " | " fmt_r(plo) "-" fmt_r(phi) " | " (ok ? "PASS" : "MISS") tie " |" > md
}
# The ratio pv / m (the reciprocal of m's paired ratio): sets G_* so.
function inv(   t) {
  G_MED = 1 / G_MED; t = G_LO; G_LO = 1 / G_HI; G_HI = 1 / t
  t = G_PLO; G_PLO = 1 / G_PHI; G_PHI = 1 / t
}
# m's ratio to pv (stat "r", the default), to touch1 ("l") or to glibc
# ("g"), or with `reciprocal` the reference's to m's.
function t_ratio(label, w, m, n, op, want, reciprocal, stat,   ok) {
  ok = agg(w, m, n, stat == "" ? "r" : stat)
  if (ok && reciprocal) inv()
  target(label, ok, G_MED, G_LO, G_HI, G_PLO, G_PHI, op, want)
}
# A peak RSS ratio (medians over rounds; the range: the processes').
function t_rss(label, w, a, b, n, div, op, want,   pr, k, run, cnt, A, x, y) {
  pr = MPROC[w, a]; cnt = 0
  if ((w, a) in MPROC && (b == "" || (w, b) in MPROC))
    for (k = 1; k <= NRUN[w, pr, n]; k++) {
      run = RUNID[w, pr, n, k]
      x = (w, pr, n, run, a, "rss") in P ? P[w, pr, n, run, a, "rss"] + 0 : -1
      y = b == "" ? div : ((w, MPROC[w, b], n, run, b, "rss") in P ? P[w, MPROC[w, b], n, run, b, "rss"] + 0 : -1)
      if (x >= 0 && y > 0) A[++cnt] = x / y
    }
  if (cnt == 0) { target(label, 0, 0, 0, 0, 0, 0, op, want); return }
  x = median_of(A, cnt)
  target(label, 1, x, A[1], A[cnt], A[1], A[cnt], op, want)
}

function targets(   j, n, i, best, bm, bv, ok, nb, big, w) {
  big = 100000000; w = "pair_build"
  print ""
  print "Targets (paired ratios: median [min-max over the rounds] and the spread of the per-process medians):"
  print "" > md
  print "**Targets** (paired: median, min-max over the rounds, spread of the per-process medians)" > md
  print "" > md
  print "| target | want | median | rounds | processes | |" > md
  print "|---|---|--:|--:|--:|---|" > md
  t_ratio("typed push 10^8: glibc realloc vector / pv", w, "glibc", big, ">=", 1.5, 0)
  t_ratio("typed push 10^8: pv / first touch (touch1)", w, "pv", big, "<=", 1.10, 0, "l")
  t_ratio("typed batch push 10^8: pvbatch / first touch (touch1)", w, "pvbatch", big, "<=", 1.10, 0, "l")
  # The best malloc-based peer at each N: the one with the smallest ratio.
  sort_num_sizes(w)
  for (j = 1; j <= PNS[w]; j++) {
    n = PSZ[w, j]; bm = ""
    for (i = 1; i <= np; i++) {
      if (KIND[PEER[i]] != "malloc" || !agg(w, PEER[i], n, "r")) continue
      if (bm == "" || G_MED < bv) { bm = PEER[i]; bv = G_MED }
    }
    if (bm == "") target("build-and-free N=" fmt_n(n) ": best malloc peer / pv", 0, 0, 0, 0, 0, 0, ">=", 1.0)
    else t_ratio("build-and-free N=" fmt_n(n) ": best malloc peer (" bm ") / pv", w, bm, n, ">=", 1.0, 0)
  }
  # The same loop with the batch push, against the realloc vector it ran
  # with (its ratio to glibc, inverted).
  for (j = 1; j <= PNS[w]; j++) {
    n = PSZ[w, j]
    t_ratio("build-and-free N=" fmt_n(n) ", batch push: glibc / pvbatch", w, "pvbatch", n, ">=", 1.0, 1, "g")
  }
  t_ratio("create+push 16+destroy: pv / glibc", w, "glibc", 16, "<=", 1.5, 1)
  t_ratio("10^6 live vectors x 16 u64: pv / glibc time", "pair_live16", "glibc", 1000000, "<=", 1.5, 1)
  t_rss("10^6 live vectors x 16 u64: pv / glibc peak RSS", "pair_live16", "pv", "glibc", 1000000, 0, "<=", 1.3)
  t_ratio("generic pv_vec_push / typed, N=10^6", w, "pvgen", 1000000, "<=", 1.3, 0)
  t_ratio("generic pv_vec_push / typed, N=10^8", w, "pvgen", big, "<=", 1.3, 0)
  t_rss("peak RSS of a 10^8 u64 vector / its data", w, "pv", "", big, big * 8, "<=", 1.05)
  t_ratio("reserve + parallel populate + fill of 10^8 u64: pv / touch1", "pair_populate", "pv",
          big, "<=", 0.75, 0, "l")
  print "" > md
}

# ---- the unpaired rows ---------------------------------------------------

# An unpaired cell: the time only (every ratio the table quotes is paired).
function cell(w, p, n,   key) {
  key = w SUBSEP p SUBSEP n
  if (!(key in ST)) return "-"
  if (ST[key] != "ok") return "ERR"
  return fmt_t(T[key])
}
function sort_sizes(w,   j, A) {
  for (j = 1; j <= NS[w]; j++) A[j] = SZ[w, j]
  sort_num(A, NS[w])
  for (j = 1; j <= NS[w]; j++) SZ[w, j] = A[j]
}
function table(title, ncol, wre,   i, j, k, w, n, line, mdl, c, any, mh) {
  any = 0
  for (k = 1; k <= nw; k++) if (WL[k] ~ wre) any = 1
  if (!any) return
  print ""
  print title
  line = sprintf("%-13s %5s", "workload", "N"); mh = "workload\tN"
  for (i = 1; i <= ncol; i++) { line = line sprintf(" %13s", COLS[i]); mh = mh "\t" COLS[i] }
  print line
  md_head(title, mh)
  for (k = 1; k <= nw; k++) {
    w = WL[k]
    if (w !~ wre) continue
    sort_sizes(w)
    for (j = 1; j <= NS[w]; j++) {
      n = SZ[w, j]
      any = 0
      for (i = 1; i <= ncol; i++) if ((w SUBSEP COLS[i] SUBSEP n) in ST) any = 1
      if (!any) continue
      line = sprintf("%-13s %5s", w, fmt_n(n)); mdl = "| " w " | " fmt_n(n) " |"
      for (i = 1; i <= ncol; i++) {
        c = cell(w, COLS[i], n)
        line = line sprintf(" %13s", c); mdl = mdl " " c " |"
      }
      row(line, mdl)
    }
  }
}

# ---- the chart data ------------------------------------------------------

function charts(   tf, cf, rf, vf, nm, i, j, n, line, w, ncold, k, key, v) {
  tf = datadir "/build_time.dat"; cf = datadir "/cold_time.dat"
  rf = datadir "/rss.dat"; vf = datadir "/charts.vars"
  w = "pair_build"
  nm = methods_of(w)
  line = "N"; for (i = 1; i <= nm; i++) line = line " " MC[i] " min max"
  print line > tf
  line = "N data"; for (i = 1; i <= nm; i++) line = line " " MC[i]
  print line > rf
  sort_num_sizes(w)
  for (j = 1; j <= PNS[w]; j++) {
    n = PSZ[w, j]
    line = n
    for (i = 1; i <= nm; i++)
      line = line " " (agg(w, MC[i], n, "t") ? sprintf("%.6g %.6g %.6g", G_MED, G_LO, G_HI) : "- - -")
    print line > tf
    line = n " " sprintf("%.6g", n * 8 / 1048576)
    for (i = 1; i <= nm; i++) {
      v = agg1(w, MC[i], n, "rss")
      line = line " " (v > 0 ? sprintf("%.6g", v / 1048576) : "-")
    }
    print line > rf
  }
  # One cold vector (push_cold, one process each): median, best, worst.
  ncold = 0
  for (i = 1; i <= np; i++) {
    for (j = 1; j <= NS["push_cold"]; j++) if (("push_cold" SUBSEP PEER[i] SUBSEP SZ["push_cold", j]) in ST) break
    if (j <= NS["push_cold"]) COLD[++ncold] = PEER[i]
  }
  line = "N"; for (i = 1; i <= ncold; i++) line = line " " COLD[i] " min max"
  print line > cf
  sort_sizes("push_cold")
  for (j = 1; j <= NS["push_cold"]; j++) {
    n = SZ["push_cold", j]; line = n
    for (i = 1; i <= ncold; i++) {
      key = "push_cold" SUBSEP COLD[i] SUBSEP n
      line = line " " ((key in ST) && ST[key] == "ok" && num(T[key]) ? T[key] " " BEST[key] " " WORST[key] : "- - -")
    }
    print line > cf
  }
  printf "nbuild=%d; ncold=%d; nsizes=%d; ncoldsizes=%d\n", nm, ncold, PNS[w], NS["push_cold"] > vf
  close(tf); close(cf); close(rf); close(vf)
}

END {
  print "paged_vec benchmark (" mode "): " runs " benchmarks in " secs " s."
  print "# paged_vec benchmark results (" mode ")" > md
  print "" > md
  for (i = 1; i <= nmach; i++) { print MACH[i]; print "    " MACH[i] > md }
  print "peers (bench/peers/):"
  print "" > md
  for (i = 1; i <= np; i++) {
    printf "  %-10s %s\n", PEER[i], LABEL[PEER[i]]
    print "- `" PEER[i] "`: " LABEL[PEER[i]] > md
  }
  paired_tables()
  rss_tables()
  targets()

  if (nw > 0) {
    print ""
    print "Unpaired rows: CPU ns per element, the median of the repetitions of one process per row"
    print "(push_cold: over its processes).  No ratios: these move with the machine (see its line);"
    print "the ratios are the paired rows above."
    ncol = 0
    for (i = 1; i <= np; i++) if (PEER[i] in PSEEN) COLS[++ncol] = PEER[i]
    table("Unpaired: time per element, workloads x peers", ncol, "^[a-z0-9_]+$")
    ncol = 0
    COLS[++ncol] = "pv"
    for (i = 1; i <= nvar; i++) if (VAR[i] in PSEEN) COLS[++ncol] = VAR[i]
    if (ncol > 1) table("Unpaired: paged_vec options", ncol, "^push(_cold)?$")
  }
  charts()
  close(md)
}

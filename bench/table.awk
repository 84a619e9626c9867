# bench/table.awk - summary.tsv (from json2tsv.awk) -> the readable table.
#
# Prints, and writes in Markdown to the file `md`:
#   1. time per element for every workload and size (rows) and peer
#      (columns), each cell "time ratio" where ratio = peer time / paged_vec
#      time (the typed layer "pv"; GArray is compared with the generic API
#      "pvgen", its like): above 1 paged_vec is faster;
#   2. the same for paged_vec's growth modes (push);
#   3. peak RSS of building one vector as a multiple of the data size;
#   4. the targets of the project and the crossover sizes.
# Also writes the chart data `datadir`/push_time.dat and push_rss.dat.
# Variables: md, datadir, mode, secs, runs.

BEGIN {
  FS = "\t"
  nmain = split("pv pvgen glibc glibc_thp jemalloc mimalloc stdvec garray stbds touch1 touch2", MAIN, " ")
  nmode = split("pv pv_huge pv_nohuge pv_stable pv_stable_nh pv_copy pv_copy_nh pvgen pvgen_stable pvgen_copy", MODE, " ")
  nchart = split("pv pvgen pv_nohuge glibc glibc_thp jemalloc mimalloc stdvec garray stbds touch1 touch2", CHART, " ")
  nwl = split("push push_cold push24 append reserve_fill sum rand_read insert_front small copy shrink trim", WL, " ")
}

{
  w = $1; p = $2; n = $3 + 0
  key = w SUBSEP p SUBSEP n
  T[key] = $4; CV[key] = $5; RSS[key] = $6; RR[key] = $7; FLT[key] = $8
  OP[key] = $10; AFTER[key] = $11; ST[key] = $12; BEST[key] = $13; PR[key] = $14
  if (!((w, n) in HAVE)) {
    HAVE[w, n] = 1
    NS[w] = NS[w] + 1
    SZ[w, NS[w]] = n
  }
}

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
  if (r < 10) return sprintf("%.2fx", r)
  return sprintf("%.0fx", r)
}
function fmt_n(n,   k, m) {
  m = n; k = 0
  while (m >= 10 && m % 10 == 0) { m = m / 10; k++ }
  if (m == 1 && k >= 2) return "1e" k
  return n ""
}
function base_of(p) { return (p == "garray" || p ~ /^pvgen_/) ? "pvgen" : "pv" }
# The cell of peer p in row (w, n): "time ratio", "-" if not run, ERR.
function cell(w, p, n,   key, b, bk, t) {
  key = w SUBSEP p SUBSEP n
  if (!(key in ST)) return "-"
  if (ST[key] != "ok") return "ERR"
  t = fmt_t(T[key])
  b = base_of(p)
  if (p == b) return t
  bk = w SUBSEP b SUBSEP n
  if (p != b && (bk in ST) && ST[bk] == "ok" && num(T[bk]) && T[bk] + 0 > 0 && num(T[key]))
    return t " " fmt_r(T[key] / T[bk])
  return t
}
function sort_sizes(w,   i, j, x) {
  for (i = 2; i <= NS[w]; i++) {
    x = SZ[w, i]
    for (j = i - 1; j >= 1 && SZ[w, j] > x; j--) SZ[w, j + 1] = SZ[w, j]
    SZ[w, j + 1] = x
  }
}
# Prints one table of `ncol` peers (names in COLS) for the workloads
# matching `wre`, as text and as Markdown.
function table(title, ncol, wre,   i, j, k, w, n, line, mdl, c, wid, any) {
  any = 0
  for (k = 1; k <= nwl; k++) if (WL[k] ~ wre && NS[WL[k]] > 0) any = 1
  if (!any) return
  wid = 13
  print ""
  print title
  line = sprintf("%-13s %5s", "workload", "N")
  mdl = "| workload | N |"
  for (i = 1; i <= ncol; i++) {
    line = line sprintf(" %" wid "s", COLS[i])
    mdl = mdl " " COLS[i] " |"
  }
  print line
  print "" > md
  print "**" title "**" > md
  print "" > md
  print mdl > md
  mdl = "|---|--:|"
  for (i = 1; i <= ncol; i++) mdl = mdl "--:|"
  print mdl > md
  for (k = 1; k <= nwl; k++) {
    w = WL[k]
    if (w !~ wre) continue
    sort_sizes(w)
    for (j = 1; j <= NS[w]; j++) {
      n = SZ[w, j]
      # Skip a row where none of these peers ran.
      any = 0
      for (i = 1; i <= ncol; i++) if ((w SUBSEP COLS[i] SUBSEP n) in ST) any = 1
      if (!any) continue
      line = sprintf("%-13s %5s", w, fmt_n(n))
      mdl = "| " w " | " fmt_n(n) " |"
      for (i = 1; i <= ncol; i++) {
        c = cell(w, COLS[i], n)
        line = line sprintf(" %" wid "s", c)
        mdl = mdl " " c " |"
      }
      print line
      print mdl > md
    }
  }
}
# The rows of peak RSS: one vector built in a fresh process (push_cold),
# where the peak is the vector's own; then push for the sizes push_cold
# does not have (10^8: there every peer maps and unmaps fresh memory, so
# the warm loop's per-run peak is the vector's too).  In the warm loop at
# small sizes an allocator reuses memory it kept, which shows as ~0.
# Fills RW[1..nrw] / RN[1..nrw]; returns nrw.
function rss_rows(   j, nr, maxc) {
  nr = 0; maxc = 0
  sort_sizes("push_cold"); sort_sizes("push")
  for (j = 1; j <= NS["push_cold"]; j++) {
    nr++; RW[nr] = "push_cold"; RN[nr] = SZ["push_cold", j]
    if (RN[nr] > maxc) maxc = RN[nr]
  }
  for (j = 1; j <= NS["push"]; j++)
    if (SZ["push", j] > maxc) { nr++; RW[nr] = "push"; RN[nr] = SZ["push", j] }
  return nr
}
function rss_table(ncol,   i, j, w, n, key, line, mdl, c, nr, title) {
  nr = rss_rows()
  if (nr == 0) return
  title = "Peak RSS of building one vector / data size (N * 8 bytes)"
  print ""
  print title " (push_cold: one vector in a fresh process)"
  line = sprintf("%-13s %5s", "workload", "N")
  mdl = "| workload | N |"
  for (i = 1; i <= ncol; i++) { line = line sprintf(" %9s", COLS[i]); mdl = mdl " " COLS[i] " |" }
  print line
  print "" > md
  print "**" title "** (push_cold: one vector in a fresh process)" > md
  print "" > md
  print mdl > md
  mdl = "|---|--:|"
  for (i = 1; i <= ncol; i++) mdl = mdl "--:|"
  print mdl > md
  for (j = 1; j <= nr; j++) {
    w = RW[j]; n = RN[j]
    line = sprintf("%-13s %5s", w, fmt_n(n))
    mdl = "| " w " | " fmt_n(n) " |"
    for (i = 1; i <= ncol; i++) {
      key = w SUBSEP COLS[i] SUBSEP n
      c = (key in ST && ST[key] == "ok" && num(RR[key])) ? sprintf("%.3f", RR[key]) : "-"
      line = line sprintf(" %9s", c)
      mdl = mdl " " c " |"
    }
    print line
    print mdl > md
  }
}
function tval(p, n) { return wval("push", p, n) }
# The best repetition of push of p at n (-1 if not measured).
function bval(p, n,   key) {
  key = "push" SUBSEP p SUBSEP n
  return (key in ST && ST[key] == "ok" && num(BEST[key])) ? BEST[key] + 0 : -1
}
function wval(w, p, n,   key) {
  key = w SUBSEP p SUBSEP n
  return (key in ST && ST[key] == "ok" && num(T[key])) ? T[key] + 0 : -1
}
# One target line: got = a / b (medians) compared with `want` (">=" or
# "<="); ba / bb, the same from the best repetitions, is shown next to it.
function target(label, a, b, op, want, ba, bb,   got, ok, s, bs) {
  if (a < 0 || b <= 0) {
    printf "  %-44s %-8s %s\n", label, op " " want, "not measured (make bench)"
    print "| " label " | " op " " want " | - | - | not measured |" > md
    return
  }
  got = a / b
  ok = (op == ">=") ? (got >= want) : (got <= want)
  bs = (ba > 0 && bb > 0) ? sprintf("%.3f", ba / bb) : "-"
  printf "  %-44s %-8s %8.3f %8s  %s\n", label, op " " want, got, bs, ok ? "PASS" : "MISS"
  print "| " label " | " op " " want " | " sprintf("%.3f", got) " | " bs " | " (ok ? "PASS" : "MISS") " |" > md
}
# The smallest size of workload w from which pv is at least as fast as p
# at every larger measured size.
function crossover(w, p,   j, n, from, a, b, any) {
  from = ""; any = 0
  for (j = NS[w]; j >= 1; j--) {
    n = SZ[w, j]
    a = wval(w, "pv", n); b = wval(w, p, n)
    if (a < 0 || b < 0) continue
    any = 1
    if (a <= b) from = n
    else break
  }
  if (!any) return "-"
  if (from == "") return "not at any measured size"
  if (from == SZ[w, 1]) return "at every measured size (from " fmt_n(from) ")"
  return "from N = " fmt_n(from)
}

END {
  print "paged_vec benchmark (" mode "): " runs " benchmarks in " secs " s, each in a fresh process."
  print "Cells: CPU ns per element (median of the repetitions) and the ratio peer / paged_vec:"
  print "above 1x paged_vec is faster. pv = typed layer, default options; pvgen = generic"
  print "pv_vec_push (GArray's ratio is against pvgen); touch1 / touch2 = pre-sized buffer"
  print "written once (first touch, huge pages) / written again (no faults)."
  print "# paged_vec benchmark results (" mode ")" > md
  print "" > md
  print "CPU ns per element (median); in each cell the ratio peer / paged_vec (above 1x paged_vec is faster). GArray is compared with the generic API (pvgen), the others with the typed layer (pv)." > md

  for (i = 1; i <= nmain; i++) COLS[i] = MAIN[i]
  table("Time per element: workloads x peers", nmain, ".")
  for (i = 1; i <= nmode; i++) COLS[i] = MODE[i]
  table("paged_vec options (push; push_cold for pv_huge): ratios against pv (REMAP, huge pages from one huge page on)", nmode, "^push(_cold)?$")
  for (i = 1; i <= nmain; i++) COLS[i] = MAIN[i]
  rss_table(nmain)

  big = 100000000
  print ""
  print "Targets (push of 10^8 eight-byte elements):"
  print "" > md
  print "**Targets (push of 10^8 eight-byte elements)**" > md
  print "" > md
  printf "  %-44s %-8s %8s %8s\n", "", "want", "median", "best"
  print "| target | want | median | best rep. | |" > md
  print "|---|---|--:|--:|---|" > md
  target("typed vs glibc realloc vector (speed-up)", tval("glibc", big), tval("pv", big), ">=", 3.5, bval("glibc", big), bval("pv", big))
  target("typed vs std::vector (speed-up)", tval("stdvec", big), tval("pv", big), ">=", 8, bval("stdvec", big), bval("pv", big))
  target("typed vs glibc + hugetlb tunable (speed-up)", tval("glibc_thp", big), tval("pv", big), ">=", 1, bval("glibc_thp", big), bval("pv", big))
  key = "pair" SUBSEP "pv_glibc_thp" SUBSEP big
  if ((key in ST) && ST[key] == "ok" && num(PR[key]) && PR[key] > 0)
    target("  the same, paired in one process", 1, PR[key] + 0, ">=", 1, -1, -1)
  target("typed / first-touch limit (slow-down)", tval("pv", big), tval("touch1", big), "<=", 1.15, bval("pv", big), bval("touch1", big))
  key = "pair" SUBSEP "pv_touch1" SUBSEP big
  if ((key in ST) && ST[key] == "ok" && num(PR[key]))
    target("  the same, paired in one process", PR[key] + 0, 1, "<=", 1.15, -1, -1)
  target("generic pv_vec_push vs GArray (speed-up)", tval("garray", big), tval("pvgen", big), ">=", 2, bval("garray", big), bval("pvgen", big))
  key = "push" SUBSEP "pv" SUBSEP big
  rr = (key in ST && ST[key] == "ok" && num(RR[key])) ? RR[key] + 0 : -1
  target("typed peak RSS / data size", rr, 1, "<=", 1.05, -1, -1)
  if (("pair" SUBSEP "pv_touch1" SUBSEP big) in ST) {
    print "  (paired: pv and the peer alternated in one process, the median of the ratios of"
    print "  neighbouring runs; the most robust of these numbers on a noisy machine)"
    print "" > md
    print "Paired: pv and the peer alternated in one process; the median of the ratios of neighbouring runs (the most robust of these numbers on a noisy machine)." > md
  }
  key = "push" SUBSEP "stdvec" SUBSEP big
  if (key in ST && num(RR[key])) {
    print "  (std::vector peak RSS / data size: " sprintf("%.3f", RR[key]) ")"
    print "" > md
    print "std::vector peak RSS / data size: " sprintf("%.3f", RR[key]) > md
  }

  print ""
  print "Crossover: the size from which the typed layer (pv) is at least as fast as the peer"
  print "  (push = building vectors over and over in one process, so an allocator can reuse"
  print "  memory it already faulted in; push_cold = one vector in a fresh process)"
  printf "  %-10s %-36s %s\n", "peer", "push", "push_cold"
  print "" > md
  print "**Crossover**: the size from which the typed layer is at least as fast as the peer (push: vectors built over and over in one process; push_cold: one vector in a fresh process)" > md
  print "" > md
  print "| peer | push | push_cold |" > md
  print "|---|---|---|" > md
  np = split("glibc glibc_thp jemalloc mimalloc stdvec stbds", XP, " ")
  for (i = 1; i <= np; i++) {
    s = crossover("push", XP[i]); s2 = crossover("push_cold", XP[i])
    printf "  %-10s %-36s %s\n", XP[i], s, s2
    print "| " XP[i] " | " s " | " s2 " |" > md
  }
  ks = "small" SUBSEP "pv" SUBSEP 16
  kg = "small" SUBSEP "glibc" SUBSEP 16
  if ((ks in ST) && (kg in ST) && num(T[ks]) && num(T[kg]) && T[kg] > 0) {
    s = sprintf("small vectors (create, push 16, destroy): pv %s ns/element, glibc %s: paged_vec is %.0fx slower (a mapping per vector)", fmt_t(T[ks]), fmt_t(T[kg]), T[ks] / T[kg])
    print "  " s
    print "- " s > md
  }

  # Chart data: time per element of push against N, and the peak RSS of
  # building one vector (the rows of the RSS table).
  tf = datadir "/push_time.dat"
  rf = datadir "/push_rss.dat"
  line = "N"; rl = "N data"
  for (i = 1; i <= nchart; i++) { line = line " " CHART[i]; rl = rl " " CHART[i] }
  print line > tf
  print rl > rf
  for (j = 1; j <= NS["push"]; j++) {
    n = SZ["push", j]
    line = n
    for (i = 1; i <= nchart; i++) {
      key = "push" SUBSEP CHART[i] SUBSEP n
      ok = (key in ST) && ST[key] == "ok"
      line = line " " ((ok && num(T[key])) ? T[key] : "-")
    }
    print line > tf
  }
  nr = rss_rows()
  for (j = 1; j <= nr; j++) {
    n = RN[j]
    rl = n " " sprintf("%.6g", n * 8 / 1048576)
    for (i = 1; i <= nchart; i++) {
      key = RW[j] SUBSEP CHART[i] SUBSEP n
      ok = (key in ST) && ST[key] == "ok"
      rl = rl " " ((ok && num(RSS[key]) && RSS[key] > 0) ? sprintf("%.6g", RSS[key] / 1048576) : "-")
    }
    print rl > rf
  }
  close(tf); close(rf); close(md)
}

# bench/gbench_json.awk - reads Google Benchmark JSON files for the awk
# program given with it (`awk -f bench/gbench_json.awk -f PROGRAM.awk`;
# json2tsv.awk and pairs.awk).  For each benchmark object of a file's
# "benchmarks" array it fills f[key] = value (strings without their quotes)
# and then calls flush(), which PROGRAM.awk defines; f is emptied before
# every object.  Relies on Google Benchmark writing one key per line,
# indented six spaces, with each object's braces indented four.

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

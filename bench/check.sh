#!/bin/sh
# bench/check.sh - the output checks (scq review-output, protocol §11) of a
# held job with a 5,000-row table (OpenSAFELY's row cap) and a 16 MiB one
# (the read cap), beside a floor measured the same way: awk splitting the
# same files into fields (one read, one pass, no rules).  Nothing asserted.
# KEEP=1 keeps the workspace (to profile the command).
set -eu
B=${SCQ_BUILD:-$(pwd)/build}
SCQ="$B/scq"
T=$(mktemp -d /tmp/scq-bench-check-XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
cc -O2 -o "$T/timeit" bench/timeit.c
DS=ds@uni.example; DO=owner@hospital.example; W="$T/ws"
ds() { "$SCQ" --email $DS --data-dir "$W" "$@"; }
do_() { "$SCQ" --email $DO --data-dir "$W" "$@"; }
med() { "$T/timeit" "$@" | awk '{ if ($3 > 0) printf "%s(%d-of-runs-FAILED)", $1, $3; else print $1 }'; }
ratio() { echo "scale=2; $1 / $2" | bc; }
ds init >/dev/null; do_ init >/dev/null
do_ config set isolation none; do_ config set release review
do_ config set max_output_bytes 67108864
mkdir -p "$T/job"
cat > "$T/job/run.sh" <<'JOB'
#!/bin/bash
awk 'BEGIN { print "region,week,count,pct,mean_cost,rate"
	for (i = 0; i < 5000; i++) printf "r%d,%d,%d,%d,%.2f,%.3f\n", i, i % 52, 5 * (i % 40 + 2), i % 100, i * 1.5, i / 7 }' > "$OUTPUT_DIR/t5000.csv"
awk 'BEGIN { print "region,week,count,pct,mean_cost,rate"
	for (i = 0; i < 480000; i++) printf "r%d,%d,%d,%d,%.2f,%.3f\n", i, i % 52, 5 * (i % 40 + 2), i % 100, i * 1.5, i / 7 }' | head -c 16777216 > "$OUTPUT_DIR/t16m.csv"
JOB
U=$(ds submit "$T/job" --to $DO --name bench)
do_ approve "$U" >/dev/null
do_ run >/dev/null
O=$(do_ output "$U" --json >/dev/null 2>&1; echo "$W/private/code-queue/$DO/jobs/completed/$U/output")
echo "   files: $(wc -c < "$O/t5000.csv") and $(wc -c < "$O/t16m.csv") bytes; flags: $(do_ --no-refresh review-output "$U" --json | grep -o '"fail":[0-9]*,' )"
t=$(med 7 "$SCQ" --email $DO --data-dir "$W" --no-refresh review-output "$U" --json)
f=$(med 7 awk -F, '{ n += NF } END { print n }' "$O/t5000.csv" "$O/t16m.csv")
echo "   scq review-output median ${t} ms; floor awk -F, over the same files ${f} ms; ratio $(ratio "$t" "$f")"

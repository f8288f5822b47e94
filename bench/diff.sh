#!/bin/sh
# bench/diff.sh - the owner's review of a revision (scq review ID: the diff
# against the approved version, protocol §5 "Versions and reruns") with a
# 1 MiB text file (the per-side cap) carrying 500 changed lines and 40
# unchanged files, beside a floor measured the same way: GNU diff -u of the
# same two files (one process, no store, no escaping).  Nothing asserted.
set -eu
B=${SCQ_BUILD:-$(pwd)/build}
SCQ="$B/scq"
T=$(mktemp -d /tmp/scq-bench-diff-XXXXXX)
trap 'rm -rf "$T"' EXIT
cc -O2 -o "$T/timeit" bench/timeit.c
DS=ds@uni.example; DO=owner@hospital.example; W="$T/ws"
ds() { "$SCQ" --email $DS --data-dir "$W" "$@"; }
do_() { "$SCQ" --email $DO --data-dir "$W" "$@"; }
med() { "$T/timeit" "$@" | awk '{ if ($3 > 0) printf "%s(%d-of-runs-FAILED)", $1, $3; else print $1 }'; }
ratio() { echo "scale=2; $1 / $2" | bc; }
ds init >/dev/null; do_ init >/dev/null
mkdir -p "$T/v1"
printf '#!/bin/bash\necho hi\n' > "$T/v1/run.sh"
i=0; while [ $i -lt 40 ]; do echo "x = $i" > "$T/v1/f$i.py"; i=$((i + 1)); done
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "line %06d of the analysis, some text here\n", i }' \
	| head -c 1040000 > "$T/v1/big.txt"
cp -r "$T/v1" "$T/v2"
awk '{ if (NR % 40 == 7) print "CHANGED " $0; else print }' "$T/v1/big.txt" > "$T/v2/big.txt"
U1=$(ds submit "$T/v1" --to $DO --name v1)
do_ approve "$U1" >/dev/null
U2=$(ds submit "$T/v2" --to $DO --name v2 --revises "$U1")
do_ review "$U2" > "$T/review.txt"
echo "   big.txt: $(wc -c < "$T/v2/big.txt") bytes, $(grep -c '^+CHANGED' "$T/review.txt") changed lines shown; $(grep -c '^unchanged: ' "$T/review.txt") unchanged files"
t=$(med 7 "$SCQ" --email $DO --data-dir "$W" --no-refresh review "$U2")
f=$(med 7 sh -c "diff -u '$T/v1/big.txt' '$T/v2/big.txt' >/dev/null; exit 0")
echo "   scq review (diff) median ${t} ms; floor diff -u of the same file ${f} ms; ratio $(ratio "$t" "$f")"

#!/bin/sh
# bench/watch.sh [N] - the runner's reaction under `scq run --watch`
# (issue 11 §3): from a job's approval (its folder appearing in
# jobs/approved) to its claim (in jobs/running), and from a submission
# landing in the inbox to the job being pending; medians of N, beside the
# floor: a bare inotify relay (one wake-up, one rename) timed the same way
# in the same run, and fork+exec.  Figures only, nothing asserted.
set -eu
N=${1:-21}
B=${SCQ_BUILD:-$(pwd)/build}
SCQ="$B/scq"
T=$(mktemp -d /tmp/scq-bench-watch-XXXXXX)
R=
trap '[ -n "$R" ] && kill "$R" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
cc -O2 -o "$T/reaction" bench/reaction.c
cc -O2 -o "$T/timeit" bench/timeit.c
DS=ds@uni.example; DO=owner@hospital.example; W="$T/ws"
ds() { "$SCQ" --email $DS --data-dir "$W" "$@"; }
do_() { "$SCQ" --email $DO --data-dir "$W" "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ds init >/dev/null; do_ init >/dev/null
do_ config set isolation none; do_ config set max_concurrent_jobs 4
mkdir -p "$T/job"; printf '#!/bin/bash\ntrue\n' > "$T/job/run.sh"
J="$W/private/code-queue/$DO/jobs"
IN="$W/datasites/$DO/app_data/code-queue/inbox/$DS"
ds submit "$T/job" --to $DO --name warm-up >/dev/null
do_ pending >/dev/null
"$SCQ" --email $DO --data-dir "$W" run --watch 2>/dev/null &
R=$!
sleep 1
: > "$T/sub"; : > "$T/app"; : > "$T/floor"
# each one reaches an idle runner (a runner polling on a timer is caught
# at a random point of its period: 0.3 s is not a multiple of 0.25 s)
for i in $(seq "$N"); do
	sleep 0.3
	"$T/reaction" "$IN" "$J/pending" -- "$SCQ" --email $DS --data-dir "$W" submit "$T/job" \
		--to $DO --name "s$i" >> "$T/sub" 2>/dev/null || echo "-1 -1" >> "$T/sub"
done
for u in $(ls "$J/pending"); do
	sleep 0.3
	"$T/reaction" "$J/approved" "$J/running" -- "$SCQ" --email $DO --data-dir "$W" approve "$u" \
		>> "$T/app" 2>/dev/null || echo "-1 -1" >> "$T/app"
	for k in $(seq 100); do [ -d "$J/completed/$u" ] && break; sleep 0.02; done
done
mkdir "$T/a" "$T/b"
for i in $(seq "$N"); do
	: > "$T/src$i"
	"$T/reaction" --relay "$T/a" "$T/b" -- mv "$T/src$i" "$T/a/x$i" >> "$T/floor"
done
f=$("$T/timeit" 50 /bin/true | cut -d' ' -f1)
echo "   approval -> claim: median $(cut -d' ' -f1 < "$T/app" | median) ms" \
	"(from 'scq approve' returning: $(cut -d' ' -f2 < "$T/app" | median) ms; target <= 50 ms)"
echo "   inbox -> pending:  median $(cut -d' ' -f1 < "$T/sub" | median) ms" \
	"(from 'scq submit' returning: $(cut -d' ' -f2 < "$T/sub" | median) ms)"
echo "   floor: bare inotify relay $(cut -d' ' -f1 < "$T/floor" | median) ms;" \
	"fork+exec of /bin/true ${f} ms ($(wc -l < "$T/app") approvals, $(wc -l < "$T/sub") submissions)"

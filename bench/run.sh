#!/bin/bash
# bench/run.sh - the queue benchmarks of `make bench`.  Every figure is
# printed beside a floor measured in the same run; nothing is asserted.
set -eu
B=${SCQ_BUILD:-$(pwd)/build}
SCQ="$B/scq"
T=$(mktemp -d /tmp/scq-bench-XXXXXX)
trap 'rm -rf "$T"' EXIT
cc -O2 -o "$T/readfloor" bench/readfloor.c
DS=ds@uni.example; DO=owner@hospital.example; W="$T/ws"
ds() { "$SCQ" --email $DS --data-dir "$W" "$@"; }
do_() { "$SCQ" --email $DO --data-dir "$W" "$@"; }
now() { date +%s.%N; }
ms() { echo "($2 - $1) * 1000" | bc -l | xargs printf '%.1f'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ds init >/dev/null; do_ init >/dev/null; do_ config set isolation none
mkdir -p "$T/job"; printf '#!/bin/bash\ntrue\n' > "$T/job/run.sh"

echo "== submit: one-file job, fresh scq process, fsyncs included (50 runs)"
for i in $(seq 50); do s=$(now); ds submit "$T/job" --to $DO --name "b$i" >/dev/null; e=$(now); ms $s $e; echo; done | median | xargs printf '   median %s ms (target <= 6 ms)\n'
for i in $(seq 50); do s=$(now); /bin/true; e=$(now); ms $s $e; echo; done | median | xargs printf '   floor: fork+exec of /bin/true %s ms\n'

echo "== ingest rate: 1,000 small jobs"
for i in $(seq 950); do ds submit "$T/job" --to $DO --name "b$i" >/dev/null; done
s=$(now); do_ pending --json >/dev/null; e=$(now)
n=$(do_ list --status pending --json | grep -o '"uid"' | wc -l)
echo "   $n jobs ingested in $(ms $s $e) ms: $(echo "$n / ($e - $s)" | bc) jobs/s (target >= 1000/s)"

echo "== pending --json with 10,000 jobs in the store"
P="$W/private/code-queue/$DO/jobs"
one=$(ls "$P/pending" | head -1)
for st in completed rejected; do mkdir -p "$P/$st"; done
i=0
for u in $(cat /proc/sys/kernel/random/uuid $(seq 9000 | sed 's|.*|/proc/sys/kernel/random/uuid|')); do
	cp -r "$P/pending/$one" "$P/completed/$u"; i=$((i+1))
done 2>/dev/null
total=$(ls "$P"/*/ | grep -c -- -)
ls -d "$P"/pending/*/ | head -100 > "$T/list100"
# move all but 100 pending out of the way into completed
ls -d "$P"/pending/*/ | tail -n +101 | while read -r d; do mv "$d" "$P/completed/"; done
for i in $(seq 11); do s=$(now); do_ pending --json >/dev/null; e=$(now); ms $s $e; echo; done | median | xargs printf "   100 pending of $total: median %s ms (target <= 20 ms)\n"
for i in $(seq 11); do s=$(now); "$T/readfloor" < "$T/list100" >/dev/null; e=$(now); ms $s $e; echo; done | median | xargs printf '   floor (C loop reading the same 100 job.json): %s ms\n'
/usr/bin/time -f '%M' -o "$T/mem" "$SCQ" --email $DO --data-dir "$W" list --json >/dev/null
echo "   peak memory of 'scq list --json' over $total jobs: $(( $(cat "$T/mem") / 1024 )) MiB (target <= 8 MiB for pending)"
mv "$P"/completed/* "$P/pending/" 2>/dev/null || true
ls -d "$P"/pending/*/ > "$T/listall"
for i in $(seq 5); do s=$(now); do_ pending --json >/dev/null; e=$(now); ms $s $e; echo; done | median | xargs printf "   all $(wc -l < "$T/listall") pending: median %s ms\n"
for i in $(seq 5); do s=$(now); "$T/readfloor" < "$T/listall" >/dev/null; e=$(now); ms $s $e; echo; done | median | xargs printf '   floor (C loop, same files): %s ms (target: scq <= 2x)\n'
/usr/bin/time -f '%M' -o "$T/mem" "$SCQ" --email $DO --data-dir "$W" pending --json >/dev/null
echo "   peak memory of 'scq pending --json' over all of them: $(( $(cat "$T/mem") / 1024 )) MiB (target <= 8 MiB)"

echo "== submission of a 1,000-file folder"
mkdir -p "$T/big"; printf '#!/bin/bash\ntrue\n' > "$T/big/run.sh"
for i in $(seq 999); do head -c 2000 /dev/urandom > "$T/big/f$i.dat"; done
W2="$T/ws2"; "$SCQ" --email $DS --data-dir "$W2" init >/dev/null
for i in 1 2 3; do s=$(now); "$SCQ" --email $DS --data-dir "$W2" submit "$T/big" --to $DO --name big >/dev/null; e=$(now); ms $s $e; echo; done | median | xargs printf '   scq submit: median %s ms\n'
for i in 1 2 3; do rm -rf "$T/cp"; s=$(now); cp -r "$T/big" "$T/cp"; (cd "$T/cp" && sha256sum * >/dev/null); sync -f "$T/cp"; e=$(now); ms $s $e; echo; done | median | xargs printf '   floor cp -r + sha256sum + sync: median %s ms (target: scq <= 1.5x)\n'

echo "== runner throughput: 200 trivial approved jobs, isolation none"
W3="$T/ws3"; r3() { "$SCQ" --email $DO --data-dir "$W3" "$@"; }
"$SCQ" --email $DS --data-dir "$W3" init >/dev/null; r3 init >/dev/null; r3 config set isolation none; r3 config set max_concurrent_jobs 4
for i in $(seq 200); do "$SCQ" --email $DS --data-dir "$W3" submit "$T/job" --to $DO --name "r$i" >/dev/null; done
for u in $(r3 pending --json | grep -o '"uid":"[^"]*"' | cut -d'"' -f4); do r3 approve "$u" >/dev/null; done
s=$(now); r3 run >/dev/null; e=$(now)
echo "   200 jobs in $(ms $s $e) ms: $(echo "200 / ($e - $s)" | bc) jobs/s (target >= 100/s)"
s=$(now); for i in $(seq 200); do /bin/true; done; e=$(now)
echo "   floor: 200 x fork+exec /bin/true: $(ms $s $e) ms"

if [ "$(id -u)" = 0 ]; then
	echo "== sandbox spawn overhead (bench/sandbox.sh)"
	SCQ_BUILD="$B" sh bench/sandbox.sh 100 || echo "   sandbox bench failed"
fi

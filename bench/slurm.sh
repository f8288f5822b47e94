#!/bin/bash
# bench/slurm.sh [N] - the Slurm executor (issue 15 §3), against the test
# cluster of scripts/slurm-up.sh (started here unless SLURM_CONF reaches
# one; as root).  Figures only, nothing asserted, each beside a floor
# measured in the same run:
#  a. per-job overhead: `scq run` of one trivial approved job through
#     Slurm (stage, sbatch, the node's sandbox, poll, collect), against a
#     bare `sbatch --wait` of /bin/true, interleaved;
#  b. throughput: N (200) trivial approved jobs through Slurm, against the
#     local executor (isolation full, max_concurrent_jobs 4) and against
#     N bare sbatch of /bin/true drained by the same cluster;
#  c. polling cost: squeue calls (counted by a wrapper first on PATH) per
#     job and per second of the run (target: one per tick, whatever the
#     number of jobs).
set -eu
N=${1:-200}
B=${SCQ_BUILD:-$(pwd)/build}
SCQ="$B/scq"
T=$(mktemp -d /tmp/scq-bench-slurm-XXXXXX)
OWN=0
C=/tmp/scq-bench-slurm-cluster-$$ # not under $T (0700): munged runs as user munge
cleanup() {
	[ $OWN = 1 ] && sh scripts/slurm-down.sh "$C" && rm -rf "$C"
	rm -rf "$T"
}
trap cleanup EXIT
if [ -z "${SLURM_CONF:-}" ] || ! scontrol ping 2>/dev/null | grep -q ' is UP'; then
	SLURM_CONF=$(SCQ_SLURM_PORT=${SCQ_SLURM_PORT:-17817} sh scripts/slurm-up.sh "$C")
	OWN=1
fi
export SLURM_CONF
cc -O2 -o "$T/timeit" bench/timeit.c
DS=ds@uni.example; DO=owner@hospital.example
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { date +%s%3N; }
# a squeue that counts its calls
mkdir -p "$T/bin"
printf '#!/bin/sh\necho x >> "%s/squeue.calls"\nexec /usr/bin/squeue "$@"\n' "$T" > "$T/bin/squeue"
chmod +x "$T/bin/squeue"
printf '#!/bin/sh\n/bin/true\n' > "$T/true.sh"
mkdir -p "$T/job"; printf '#!/bin/bash\ntrue\n' > "$T/job/run.sh"
# ws NAME EXECUTOR: a fresh workspace whose owner runs with EXECUTOR
ws() {
	W="$T/ws-$1"; mkdir -p "$W"
	"$SCQ" --email $DS --data-dir "$W" init >/dev/null
	"$SCQ" --email $DO --data-dir "$W" init >/dev/null
	o config set isolation full >/dev/null
	o config set memory_limit_mb 256 >/dev/null
	if [ "$2" = slurm ]; then
		mkdir -m 0700 "$W/shared"
		o config set executor slurm >/dev/null
		o config set slurm_shared_dir "$W/shared" >/dev/null
	fi
}
o() { "$SCQ" --email $DO --data-dir "$W" "$@"; }
# approve_n N: N trivial jobs submitted and approved in $W
approve_n() {
	for i in $(seq "$1"); do "$SCQ" --email $DS --data-dir "$W" submit "$T/job" --to $DO --name "b$i" >/dev/null; done
	for u in $(o pending --json | grep -o '"uid":"[^"]*"' | cut -d'"' -f4); do o approve "$u" >/dev/null; done
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cluster: $(sinfo -h -o '%D nodes, %c CPUs each')"

echo "== a. per-job overhead, one trivial job (median of 5, interleaved)"
ws one slurm
: > "$T/a-scq"; : > "$T/a-bare"
for r in 1 2 3 4 5; do
	approve_n 1
	"$T/timeit" 1 "$SCQ" --email $DO --data-dir "$W" run | cut -d' ' -f1 >> "$T/a-scq"
	"$T/timeit" 1 sbatch --wait --parsable --export=NONE -o /dev/null "$T/true.sh" | cut -d' ' -f1 >> "$T/a-bare"
done
a=$(median < "$T/a-scq"); f=$(median < "$T/a-bare")
echo "   scq run through Slurm: ${a} ms; floor: sbatch --wait of /bin/true ${f} ms (rounds: $(tr '\n' ' ' < "$T/a-scq")/ $(tr '\n' ' ' < "$T/a-bare"))"

echo "== b. throughput: $N trivial approved jobs"
ws many slurm
o config set max_concurrent_jobs 64 >/dev/null
approve_n "$N"
: > "$T/squeue.calls"
t0=$(ms)
PATH="$T/bin:$PATH" "$SCQ" --email $DO --data-dir "$W" run > "$T/b.out"
ts=$(($(ms) - t0))
calls=$(wc -l < "$T/squeue.calls")
echo "   Slurm executor (max_concurrent_jobs 64): ${ts} ms = $(echo "scale=1; $N * 1000 / $ts" | bc) jobs/s ($(cat "$T/b.out"))"
ws local local
o config set max_concurrent_jobs 4 >/dev/null
approve_n "$N"
t0=$(ms)
o run > "$T/bl.out"
tl=$(($(ms) - t0))
echo "   local executor (isolation full, max_concurrent_jobs 4): ${tl} ms = $(echo "scale=1; $N * 1000 / $tl" | bc) jobs/s"
t0=$(ms)
for i in $(seq "$N"); do sbatch --parsable --export=NONE -o /dev/null "$T/true.sh" >/dev/null; done
while [ -n "$(/usr/bin/squeue --me -h -t PENDING,RUNNING,COMPLETING -o %i | head -n 1)" ]; do sleep 0.2; done
tb=$(($(ms) - t0))
echo "   floor: $N bare sbatch of /bin/true, drained: ${tb} ms = $(echo "scale=1; $N * 1000 / $tb" | bc) jobs/s"

echo "== c. polling cost"
echo "   squeue calls during b: $calls for $N jobs = $(echo "scale=3; $calls / $N" | bc) per job;" \
	"$(echo "scale=2; $calls * 1000 / $ts" | bc) per second of the run (target: 1 per tick of 1 s)"

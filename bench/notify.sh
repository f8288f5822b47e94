#!/bin/bash
# bench/notify.sh - what notify_command (protocol §14) costs a decision and
# the runner, beside floors measured the same way: the same command with
# no hook, and the hook run alone on the same event.  A hook that hangs
# must not hold the runner: `scq run` of the same jobs with it (killed
# after 1 s) beside the same run with none; its end waits for the hooks
# (at most about three times the timeout).  Nothing asserted.
set -eu
B=${SCQ_BUILD:-$(pwd)/build}
SCQ="$B/scq"
T=$(mktemp -d /tmp/scq-bench-notify-XXXXXX)
trap 'rm -rf "$T"' EXIT
cc -O2 -o "$T/timeit" bench/timeit.c
DS=ds@uni.example; DO=owner@hospital.example; W="$T/ws"
ds() { "$SCQ" --email $DS --data-dir "$W" "$@"; }
do_() { "$SCQ" --email $DO --data-dir "$W" "$@"; }
ms() { "$T/timeit" 1 "$@" | awk '{ if ($3 > 0) print "FAILED"; else print $1 }'; }
median_of() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { echo "scale=2; $1 / $2" | bc; }
ds init >/dev/null; do_ init >/dev/null; do_ config set isolation none
mkdir -p "$T/job"; printf '#!/bin/bash\ntrue\n' > "$T/job/run.sh"
printf '#!/bin/sh\ncat > /dev/null\n' > "$T/hook"
printf '#!/bin/sh\nsleep 300\n' > "$T/hang"
chmod +x "$T/hook" "$T/hang"
submit() { for i in $(seq "$1"); do ds submit "$T/job" --to $DO --name "n$i"; done; }
N=15
submit $((2 * N)) > "$T/uids"
do_ pending > /dev/null
# approve N jobs without and N with the hook, alternating
: > "$T/a"; : > "$T/b"
i=0
while read -r u; do
	if [ $((i % 2)) = 0 ]; then
		do_ config set notify_command "" ; ms "$SCQ" --email $DO --data-dir "$W" approve "$u" >> "$T/a"
	else
		do_ config set notify_command "$T/hook"; ms "$SCQ" --email $DO --data-dir "$W" approve "$u" >> "$T/b"
	fi
	i=$((i + 1))
done < "$T/uids"
echo '{"type":"scq-notify","version":1,"event":"approve","name":"n1"}' > "$T/ev.json"
f=$("$T/timeit" $N sh -c "'$T/hook' < '$T/ev.json'" | cut -d' ' -f1)
a=$(median_of < "$T/a"); b=$(median_of < "$T/b")
echo "   scq approve: no hook ${a} ms, with a hook ${b} ms (+$(echo "$b - $a" | bc) ms);" \
	"floor: the hook run alone ${f} ms"
do_ config set notify_command ""
do_ run > /dev/null
# the runner: 30 jobs, no hook, then 30 with a hook that hangs (1 s timeout)
submit 30 > "$T/u1"; do_ pending > /dev/null
while read -r u; do do_ approve "$u" > /dev/null; done < "$T/u1"
r0=$(ms "$SCQ" --email $DO --data-dir "$W" run)
submit 30 > "$T/u2"; do_ pending > /dev/null
while read -r u; do do_ approve "$u" > /dev/null; done < "$T/u2"
do_ config set notify_timeout_seconds 1
do_ config set notify_command "$T/hang"
r1=$(ms "$SCQ" --email $DO --data-dir "$W" run)
echo "   scq run of 30 jobs: no hook ${r0} ms; a hook that hangs (60 runs, 16 at a time," \
	"each killed after 1 s) ${r1} ms (ratio $(ratio "$r1" "$r0")): the jobs do not wait for" \
	"it; the cycle's end waits for the hooks, at most about 3 x the timeout"

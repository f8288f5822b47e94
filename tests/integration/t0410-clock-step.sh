#!/bin/sh
# t0410: deadlines and durations never follow the wall clock (protocol §7).
# The owner's wall clock is stepped by an hour in the middle of a run by an
# LD_PRELOAD shim (tests/shim/clockstep.c) that moves CLOCK_REALTIME only:
# a job keeps its real job_timeout, wall_seconds stays the real duration,
# and the waits, the kill grace and the runner's once-a-second ingest keep
# their pace.  Rows run without the sandbox and, when the machine can,
# under isolation full (a loud `not ok` when it cannot and
# SCQ_SANDBOX_MUST_WORK=1 says it must).
. "$(dirname "$0")/test-lib.sh"
SHIM="$SCQ_BUILD/tests/clockstep.so"
[ -f "$SHIM" ] || { echo "Bail out! $SHIM is missing (make unit builds it)"; exit 1; }
# an instrumented scq wants its sanitizer runtime first in the library list
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# stepped OFFSET FILE CMD...: CMD with its wall clock OFFSET s off once FILE
# exists (env execs CMD: in the background, $! is CMD's own pid)
stepped() {
	_off=$1 _file=$2
	shift 2
	env CLOCKSTEP_OFFSET="$_off" CLOCKSTEP_FILE="$_file" LD_PRELOAD="$SHIM" "$@"
}

# --- the shim itself moves the clock (so the rows below can fail) -----------
T0=$(date +%s)
T1=$(stepped 3600 "$TEST_DIR/never" date +%s)
touch "$TEST_DIR/now"
T2=$(stepped 3600 "$TEST_DIR/now" date +%s)
T3=$(stepped -3600 "$TEST_DIR/now" date +%s)
check "shim: no step before its file appears" test $((T1 - T0)) -lt 600
check "shim: +3600 once the file exists" test $((T2 - T0)) -gt 3000
check "shim: -3600 once the file exists" test $((T0 - T3)) -gt 3000

# field U KEY.PATH: one field of the owner's `show --json` ("" for null)
field() {
	do_ show "$1" --json | $PY -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else d)' "$2"
}

# until_status U STATUS: poll the store until U is STATUS (at most 60 s)
until_status() {
	for _i in $(seq 600); do
		[ -d "$WS/private/code-queue/$DO_EMAIL/jobs/$2/$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# row ISO NAME OFFSET JOB_TIMEOUT BODY: submit and approve BODY, run it
# under the shim, step the runner's clock by OFFSET once the job runs.
row() {
	_iso=$1 _name=$2 _off=$3
	do_ config set job_timeout "$4" >/dev/null
	make_job "$TEST_DIR/$_name" "$5"
	U=$(ds submit "$TEST_DIR/$_name" --to "$DO_EMAIL" --name "$_name") &&
		do_ approve "$U" >/dev/null || { echo "Bail out! submit/approve $_name"; exit 1; }
	rm -f "$TEST_DIR/step"
	env CLOCKSTEP_OFFSET="$_off" CLOCKSTEP_FILE="$TEST_DIR/step" LD_PRELOAD="$SHIM" \
		"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run >"$TEST_DIR/run.out" 2>&1 &
	_pid=$!
	check "$_iso $_name: the job runs" until_status "$U" running
	touch "$TEST_DIR/step"
	wait "$_pid"
	W=$(field "$U" run.wall_seconds)
}

# in_range NAME VALUE LOW HIGH: LOW <= VALUE < HIGH (seconds, fractional)
in_range() {
	check "$1 ($2 s)" $PY -c 'import sys; v, lo, hi = map(float, sys.argv[1:]); sys.exit(not lo <= v < hi)' \
		"${2:-nan}" "$3" "$4"
}

rows() {
	_iso=$1
	do_ config set isolation "$_iso" >/dev/null
	# stepped forward: a 4 s job under a 10 s limit is not a timeout
	row "$_iso" fwd-$_iso 3600 10 'sleep 4; echo finished'
	check "$_iso +1 h: the 4 s job completed" test "$(field "$U" status)" = completed
	in_range "$_iso +1 h: wall_seconds is the real duration" "$W" 3.9 600
	# stepped back: a 30 s job under a 3 s limit is stopped at 3 s
	row "$_iso" back-$_iso -3600 3 'sleep 30; echo too-late'
	check "$_iso -1 h: the 30 s job failed" test "$(field "$U" status)" = failed
	check "$_iso -1 h: as a timeout" test "$(field "$U" error_kind)" = timeout
	in_range "$_iso -1 h: wall_seconds >= 0, stopped long before 30 s" "$W" 0 29
	# the log of a killed job names no exit code it never had (item 7)
	check "$_iso: logs of the killed job" do_ logs "$U"
	out_has "$_iso: no 'Exit Code: 0' for a killed job" '^Exit Code: none \(killed by SIG[A-Z]+'
	check "$_iso: result.json exit_code is null" test -z "$(field "$U" run.exit_code)"
	# stepped back during the kill grace: SIGKILL still comes 2 s after SIGTERM
	row "$_iso" grace-$_iso -3600 2 'trap "" TERM; for i in $(seq 150); do sleep 0.2; done'
	check "$_iso grace: failed as a timeout" test "$(field "$U" error_kind)" = timeout
	in_range "$_iso grace: killed long before its 30 s" "$W" 0 29
	check "$_iso grace: logs" do_ logs "$U"
	out_has "$_iso grace: SIGKILL after SIGTERM was ignored" '^Exit Code: none \(killed by SIGKILL after the wall-clock limit\)'
}

rows none
if do_ doctor --json | grep -Eq '"isolation_full": *true'; then
	rows full
else
	_result 0 "isolation full rows: THIS MACHINE CANNOT SANDBOX (SCQ_SANDBOX_MUST_WORK=${SCQ_SANDBOX_MUST_WORK:-unset})"
fi
do_ config set isolation none >/dev/null

# --- waits: `scq wait --timeout 3` ends at 3 s of real time ------------------
make_job "$TEST_DIR/never-approved" 'echo hi'
UW=$(ds submit "$TEST_DIR/never-approved" --to "$DO_EMAIL" --name waits)
rm -f "$TEST_DIR/step"
(sleep 1; touch "$TEST_DIR/step") &
check_exit "wait with the clock stepped back still times out" 1 \
	timeout 60 env CLOCKSTEP_OFFSET=-3600 CLOCKSTEP_FILE="$TEST_DIR/step" LD_PRELOAD="$SHIM" \
	"$SCQ" --email "$DS_EMAIL" --data-dir "$WS" wait "$UW" --timeout 3
err_has "wait says why" "still pending after 3 seconds"
wait

# --- the watch loop keeps ingesting once a second after a step back ---------
rm -f "$TEST_DIR/step"
env CLOCKSTEP_OFFSET=-3600 CLOCKSTEP_FILE="$TEST_DIR/step" LD_PRELOAD="$SHIM" \
	"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch >"$TEST_DIR/watch.out" 2>&1 &
WPID=$!
sleep 1
touch "$TEST_DIR/step"
sleep 1
make_job "$TEST_DIR/late" 'echo late'
UL=$(ds submit "$TEST_DIR/late" --to "$DO_EMAIL" --name late)
check "watch loop ingests a job submitted after the step" until_status "$UL" pending
kill "$WPID"
wait "$WPID" 2>/dev/null
done_testing

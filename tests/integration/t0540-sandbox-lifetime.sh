#!/bin/sh
# t0540: sandbox matrix E (process lifetime and kill): every row a real
# job through submit, approve and `scq run` under isolation full; E4
# SIGKILLs the runner mid-job, E5 cancels a running job.
SCQ_TEST_ISOLATION=full
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/../sandbox/cli-lib.sh"
sbx_require
do_ config set job_timeout 3 >/dev/null
do_ config set max_concurrent_jobs 6 >/dev/null

# host_uid UID: the job's host uid (policy_host_id: base + FNV-1a % span)
host_uid() {
	$PY -c 'import sys
h = 2166136261
for c in sys.argv[1].encode(): h = ((h ^ c) * 16777619) & 0xffffffff
print(0x5c000000 + h % 0x10000)' "$1"
}
count_uid() { procs_of_uid | grep -cx -e "$1" -e "$(($1 + 65536))"; }
wait_running() { # wait_running U: until the job's processes exist (max 10 s)
	_h=$(host_uid "$1")
	for _i in $(seq 100); do
		[ "$(count_uid "$_h")" -gt 0 ] && return 0
		sleep 0.1
	done
	return 1
}
# wait_sleeping U: until one of the job's processes is a `sleep` (max 10 s).
# E5's script writes its output before it starts any sleep, so the cancel
# cannot overtake the write (a CI run once cancelled between the two).
wait_sleeping() {
	_h=$(host_uid "$1")
	for _i in $(seq 100); do
		cat /proc/[0-9]*/status 2>/dev/null | awk -v a="$_h" -v b="$((_h + 65536))" \
			'/^Name:/ { n = $2 } /^Uid:/ && ($2 == a || $2 == b) && n == "sleep" { f = 1 } END { exit !f }' && return 0
		sleep 0.1
	done
	return 1
}

sbx_job E1 e1-orphan 'setsid nohup sleep 1e9 >/dev/null 2>&1 & disown; (setsid sh -c "sleep 1e9 &" &); exit 0'
sbx_job E3 e3-tree 'setsid sh -c "sleep 1e9" & (sleep 1e9 &); sh -c "sleep 1e9 & wait" & setsid sh -c "setsid sleep 1e9 & sleep 1e9" & sleep 1e9'
sbx_job E6 e6-default-term 'sleep 1e9'
sbx_job E7a e7-exit3 'exit 3'
sbx_job E7b e7-segv 'kill -SEGV $$'
sbx_job E7c e7-kill 'kill -KILL $$'
sbx_run
kind() { echo "$(jget "$1" status)/$(jget "$1" run.error_kind)"; }
sbx_show "$E1"
is "E1 job ends at once with exit 0" "$(kind "$E1")/$(jget "$E1" run.exit_code)" completed//0
_tap "$(awk -v w="$(jget "$E1" run.wall_seconds)" 'BEGIN { exit !(w < 2.5) }' && echo 1 || echo 0)" "E1 no wait for the orphans: $(jget "$E1" run.wall_seconds) s"
sbx_common "$E1"
sbx_show "$E3"
is "E3 tree in several sessions: timeout" "$(kind "$E3")" failed/timeout
sbx_common "$E3"
sbx_show "$E6"
is "E6 default SIGTERM handling ends the job (not PID 1)" "$(kind "$E6")/$(jget "$E6" run.signal)" failed/timeout/15
sbx_common "$E6"
sbx_show "$E7a"
is "E7 exit 3 reported as exit 3" "$(kind "$E7a")/$(jget "$E7a" run.exit_code)" failed/exit_status/3
sbx_show "$E7b"
is "E7 SIGSEGV reported as signal 11" "$(kind "$E7b")/$(jget "$E7b" run.signal)" failed/signal/11
sbx_show "$E7c"
is "E7 SIGKILL reported as signal 9, not oom or timeout" "$(kind "$E7c")/$(jget "$E7c" run.signal)" failed/signal/9
sbx_common "$E7c"

# E4 / H3: SIGKILL the runner mid-job
do_ config set job_timeout 60 >/dev/null
sbx_job E4 e4-runner-crash 'echo STARTED-ONCE; setsid sleep 1e9 & sleep 1e9'
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run >/dev/null 2>&1 &
RUNNER=$!
check "E4 the job is running" wait_running "$E4"
H4=$(host_uid "$E4")
kill -KILL "$RUNNER"
wait "$RUNNER" 2>/dev/null
for i in $(seq 50); do [ "$(count_uid "$H4")" = 0 ] && break; sleep 0.1; done
is "E4 the sandbox died with its runner (no process of uid $H4)" "$(count_uid "$H4")" 0
check "E4 the next runner starts" do_ run
out_has "E4 it recovers the job" "1 recovered"
sbx_show "$E4"
is "E4 marked failed with reason runner_restart" "$(kind "$E4")" failed/runner_restart
is "E4/H3 not re-run: one start in the audit log" \
	"$(grep -c "\"event\":\"start\".*$E4\|$E4.*\"event\":\"start\"" "$WS/private/code-queue/$DO_EMAIL/audit.jsonl")" 1
check "E4 a further run does nothing" do_ run
out_has "E4 nothing ran" "ran 0 job"
host_sums > "$TEST_DIR/sums.after"
check "E4 host files unchanged" cmp "$TEST_DIR/sums.before" "$TEST_DIR/sums.after"

# E5: the owner cancels a running job
sbx_job E5 e5-cancel 'echo partial > /out/partial.txt; setsid sleep 1e9 & sleep 1e9'
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run >"$TEST_DIR/run5.out" 2>&1 &
RUNNER=$!
check "E5 the job is running and has written its output" wait_sleeping "$E5"
check "E5 the owner cancels it" do_ cancel "$E5"
for i in $(seq 100); do kill -0 "$RUNNER" 2>/dev/null || break; sleep 0.1; done
_tap "$(kill -0 "$RUNNER" 2>/dev/null && echo 0 || echo 1)" "E5 the runner finished the job within 10 s"
kill "$RUNNER" 2>/dev/null
wait "$RUNNER"
_tap "$(test $? -lt 128 && echo 1 || echo 0)" "E5 the runner survived: $(head -1 "$TEST_DIR/run5.out")"
sbx_show "$E5"
is "E5 state cancelled" "$(kind "$E5")" cancelled/cancelled
sbx_common "$E5"
_tap "$(test -e "$OUTBOX/$E5/output/partial.txt" && echo 0 || echo 1)" "E5 partial outputs held, not released"
check "E5 the owner can still release them" do_ release "$E5"
_tap "$(test -e "$OUTBOX/$E5/output/partial.txt" && echo 1 || echo 0)" "E5 released on the owner's word"

done_testing

#!/bin/sh
# t0530: sandbox matrix D (resource exhaustion): every row a real job
# through submit, approve and `scq run` under isolation full, with small
# limits so each ends within seconds.
SCQ_TEST_ISOLATION=full
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/../sandbox/cli-lib.sh"
sbx_require
for kv in "job_timeout 3" "memory_limit_mb 64" "max_processes 32" "max_open_files 32" \
	"max_output_bytes 1048576" "max_output_files 50" "tmp_size_mb 1" "max_concurrent_jobs 6"; do
	do_ config set $kv >/dev/null || { echo "Bail out! config set $kv"; exit 1; }
done

sbx_job D1 d1-fork-bomb 'f() { f | f; }; f'
sbx_job D2 d2-thread-bomb 'python3 -c "
import threading, time, sys
n = 0
try:
    while n < 500:
        threading.Thread(target=time.sleep, args=(5,), daemon=True).start(); n += 1
except RuntimeError as e:
    print(\"threads\", n, e); sys.exit(7)
print(\"threads\", n, \"no limit\")"'
sbx_job D5 d5-cpu-spin 'while :; do :; done'
sbx_job D6 d6-sleeper 'sleep 1e9'
sbx_job D7 d7-ignore-term 'trap "" TERM INT HUP; sleep 1e9'
sbx_job D8 d8-fill-out 'cat /dev/zero > /out/big; echo "rc=$?"; exit 0'
sbx_job D9 d9-fill-tmp 'cat /dev/zero > /tmp/big; echo "rc=$? size=$(stat -c %s /tmp/big)"; exit 0'
sbx_job D11 d11-inodes 'seq 1 5000 | sed "s|^|/out/f|" | xargs touch; echo "files=$(ls /out | wc -l)"'
sbx_job D12 d12-log-flood 'yes "flood flood flood flood"'
sbx_job D14 d14-fd-flood 'python3 -c "
import sys
f = []
try:
    while len(f) < 1000: f.append(open(\"/dev/null\"))
except OSError as e:
    print(\"fds\", len(f), e.errno); sys.exit(7)
print(\"fds\", len(f), \"no limit\")"'
sbx_job D15 d15-zombies 'python3 -c "
import os, time
for i in range(20):
    if os.fork() == 0: os._exit(0)
time.sleep(0.5)
print(\"zombies\", sum(1 for p in os.listdir(\"/proc\") if p.isdigit() and \" Z \" in open(\"/proc/%s/stat\" % p).read()))"'
T0=$(date +%s)
# the runner's own peak RSS (VmHWM), sampled until it exits
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run >"$TEST_DIR/run.out" 2>&1 &
RUNNER=$!
hwm=0
while kill -0 "$RUNNER" 2>/dev/null; do
	h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$RUNNER/status" 2>/dev/null)
	[ -n "$h" ] && hwm=$h
	sleep 0.2
done
wait "$RUNNER"
_rc=$?
_tap "$(test "$_rc" -lt 128 && echo 1 || echo 0)" "scq run survived its jobs (exit $_rc): $(head -1 "$TEST_DIR/run.out")" "$TEST_DIR/run.out"
# AddressSanitizer keeps freed memory in quarantine, so its builds get a
# wider bound (the log flood alone would be ~1 MiB per job buffered).
lim=32768
grep -q __asan_init "$SCQ" && lim=196608
_tap "$(test "$hwm" -gt 0 && test "$hwm" -lt $lim && echo 1 || echo 0)" "D12 runner memory stays flat: peak RSS $hwm KiB < $((lim / 1024)) MiB"
echo "# all D jobs ran in $(( $(date +%s) - T0 )) s"

# D3 alone with a longer timeout: near its limit a job thrashes on page
# cache before the OOM killer acts, which can take seconds on a busy host.
do_ config set job_timeout 30 >/dev/null
sbx_job D3 d3-mem-hog 'exec python3 -c "b = b\"x\" * (256 << 20); print(\"survived\")"'
sbx_run
kind() { echo "$(jget "$1" status)/$(jget "$1" run.error_kind)"; }
sbx_show "$D1"
_tap "$(case $(kind "$D1") in failed/timeout | failed/exit_status | failed/signal) echo 1 ;; *) echo 0 ;; esac)" "D1 fork bomb ends by exit or timeout: $(kind "$D1")"
log_has "D1 fork fails at pids.max (EAGAIN)" "$D1" "fork|Resource temporarily unavailable"
is "D1 the process cap was a cgroup limit" "$(jget "$D1" run.limits_applied.max_processes.via | cut -c1-7)" cgroup-
sbx_common "$D1"
sbx_show "$D2"
log_has "D2 threads count against pids.max" "$D2" "^threads ([0-9]|[12][0-9]|3[0-2]) "
sbx_common "$D2"
sbx_show "$D3"
is "D3 memory hog: oom, not cancelled or timeout" "$(kind "$D3")" failed/oom
is "D3 killed by SIGKILL" "$(jget "$D3" run.signal)" 9
is "D3 the memory limit was a cgroup limit" "$(jget "$D3" run.limits_applied.memory_bytes.via | cut -c1-7)" cgroup-
log_lacks "D3 never survived" "$D3" "survived"
sbx_common "$D3"
sbx_show "$D5"
is "D5 cpu spin: timeout" "$(kind "$D5")" failed/timeout
_tap "$(awk -v c="$(jget "$D5" run.cpu_seconds)" 'BEGIN { exit !(c >= 1) }' && echo 1 || echo 0)" "D5 CPU time reported: $(jget "$D5" run.cpu_seconds) s"
sbx_common "$D5"
sbx_show "$D6"
is "D6 sleeper: killed at the wall-clock limit" "$(kind "$D6")" failed/timeout
_tap "$(awk -v w="$(jget "$D6" run.wall_seconds)" 'BEGIN { exit !(w >= 2.5 && w < 20) }' && echo 1 || echo 0)" "D6 wall time near the 3 s limit: $(jget "$D6" run.wall_seconds)"
sbx_common "$D6"
sbx_show "$D7"
is "D7 TERM ignored: timeout" "$(kind "$D7")" failed/timeout
is "D7 SIGKILL after the grace period" "$(jget "$D7" run.signal)" 9
_tap "$(awk -v w="$(jget "$D7" run.wall_seconds)" 'BEGIN { exit !(w >= 4.5 && w < 25) }' && echo 1 || echo 0)" "D7 wall time = limit + grace: $(jget "$D7" run.wall_seconds)"
sbx_common "$D7"
sbx_show "$D8"
log_has "D8 /out fills at its cap (ENOSPC)" "$D8" "No space left on device"
_tap "$(test "$(jget "$D8" run.output.bytes)" -le 1048576 && echo 1 || echo 0)" "D8 collected bytes within the cap: $(jget "$D8" run.output.bytes)"
is "D8 a cut /out is not a clean success: output_limit" "$(jget "$D8" error_kind)" output_limit
is "D8 the report says /out was full" "$(jget "$D8" run.output.source_full)" true
sbx_common "$D8"
sbx_show "$D9"
log_has "D9 /tmp fills at its cap" "$D9" "No space left on device"
log_has "D9 /tmp holds at most 1 MiB" "$D9" "size=(10[0-4][0-9]{4}|[0-9]{1,6})$"
sbx_common "$D9"
sbx_show "$D11"
is "D11 inode flood: 50 files collected" "$(jget "$D11" run.output.files)" 50
is "D11 files left out for the count limit: output_limit" "$(jget "$D11" error_kind)" output_limit
_tap "$(jget "$D11" run.output.excluded | grep -qE 'file count limit|walk stopped' && echo 1 || echo 0)" "D11 the collector says why it stopped"
sbx_common "$D11"
sbx_show "$D12"
is "D12 log flood: stopped at the output limit" "$(kind "$D12")" failed/output_limit
is "D12 log truncated is recorded" "$(jget "$D12" run.log_truncated)" true
_tap "$(test "$(wc -c < "$TEST_DIR/log-$D12.txt")" -lt 1200000 && echo 1 || echo 0)" "D12 log capped: $(wc -c < "$TEST_DIR/log-$D12.txt") bytes"
sbx_common "$D12"
sbx_show "$D14"
log_has "D14 fd flood stops at EMFILE within the job" "$D14" "^fds ([0-9]|[12][0-9]|3[0-2]) 24$"
sbx_common "$D14"
sbx_show "$D15"
is "D15 zombie farm completes" "$(kind "$D15")" completed/
sbx_common "$D15"
done_testing

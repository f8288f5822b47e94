#!/bin/sh
# t0245: the runner makes its writes durable once per round of its loop,
# not once for the jobs that ended and once more for the claims that take
# their slots (issue 11: runner throughput).  Counted in system calls under
# strace, never timed: with max_concurrent_jobs 1, N jobs run in N rounds
# after the first claim, so `scq run` may make at most N + 2 store syncs
# (the first claim, one per round, one for the first ingest pass), and
# every job must still complete.
. "$(dirname "$0")/test-lib.sh"
command -v strace >/dev/null || { echo "not ok 1 - strace is missing (make test installs it)"; echo "1..1"; exit 1; }
N=6
do_ config set max_concurrent_jobs 1 >/dev/null
make_job "$TEST_DIR/j" 'echo hi > "$OUTPUT_DIR/r.txt"'
for i in $(seq $N); do ds submit "$TEST_DIR/j" --to "$DO_EMAIL" --name "s$i" >/dev/null; done
do_ pending >/dev/null
for u in $(do_ pending --json | grep -o '"uid":"[^"]*"' | cut -d'"' -f4); do
	do_ approve "$u" >/dev/null
done
T="$TEST_DIR/trace"
strace_run -f -o "$T" -e trace=syncfs "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run \
	> "$TEST_DIR/run.out" 2> "$TEST_DIR/run.err"
check "the run ends well" grep -q "ran $N job(s): $N completed" "$TEST_DIR/run.out"
_s=$(grep -c 'syncfs(' "$T")
_result "$(test "$_s" -le $((N + 2)) && echo 1 || echo 0)" \
	"$N jobs, one at a time: $_s store syncs (at most $((N + 2)): one per round)" "$T"
check "every job completed" test "$(ls "$WS/private/code-queue/$DO_EMAIL/jobs/completed" | wc -l)" -eq $N
done_testing

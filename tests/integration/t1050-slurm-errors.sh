#!/bin/sh
# t1050: what Slurm says when it refuses a job reaches the owner as one
# line: sbatch's stderr (several lines) is joined, so `scq show` prints the
# reason as text, with no ⟨LF⟩ markers and no warning about characters
# that would act on a terminal.  A backend that cannot run any job (no
# private shared folder, no sbatch) claims none: the approved jobs wait,
# and `scq run` says why in one line, rather than fail each of them.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/slurm-lib.sh"

approved WAIT waits 'echo ran > "$OUTPUT_DIR/r.txt"'
# not_ready LABEL WORDS: the runner cycle fails, says WORDS in one line,
# claims nothing
not_ready() {
	check "$1: scq run fails" sh -c "! PATH='${RUN_PATH:-$PATH}' '$SCQ' --email '$DO_EMAIL' --data-dir '$WS' run >'$TEST_DIR/nr.out' 2>'$TEST_DIR/nr.err'"
	check "... says why, in one line" test "$(wc -l <"$TEST_DIR/nr.err")" = 1
	check "... $2" grep -qF "the slurm executor cannot run jobs (they stay approved): $2" "$TEST_DIR/nr.err"
	check "... and the job stays approved" test "$(status_of "$WAIT")" = approved
	check "... never sent to Slurm" test "$(slurm_state "$WAIT")" = ""
}
do_ config set slurm_shared_dir "$TEST_DIR/nosuch" >/dev/null
not_ready "slurm_shared_dir missing" "slurm_shared_dir '$TEST_DIR/nosuch': No such file"
mkdir -m 0755 "$TEST_DIR/open"
do_ config set slurm_shared_dir "$TEST_DIR/open" >/dev/null
not_ready "slurm_shared_dir readable by others" "slurm_shared_dir '$TEST_DIR/open' is not private"
do_ config set slurm_shared_dir "$SHARED" >/dev/null
mkdir "$TEST_DIR/bin"
RUN_PATH=$TEST_DIR/bin not_ready "sbatch not in PATH" "sbatch is not found in PATH"
# run --watch says it once on stderr, claims nothing
do_ config set slurm_shared_dir "$TEST_DIR/open" >/dev/null
# the runner itself in the background (not the do_ function: killing a
# subshell left scq holding the TAP pipe, and prove waited for ever)
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch >/dev/null 2>"$TEST_DIR/watch.err" &
W=$!
check "run --watch logs why it claims nothing" wait_for 20 grep -q "the slurm executor cannot run jobs, approved jobs wait: slurm_shared_dir '$TEST_DIR/open' is not private" "$TEST_DIR/watch.err"
stops_on_term "... and run --watch stops on SIGTERM" "$W"
kill -KILL "$W" 2>/dev/null; wait "$W" 2>/dev/null
check "... and the job stays approved" test "$(status_of "$WAIT")" = approved
do_ config set slurm_shared_dir "$SHARED" >/dev/null
check "once fixed, the runner cycle" do_ run
check "... runs the job that waited, approved once" test "$(status_of "$WAIT")" = completed

do_ config set slurm_partition nosuch >/dev/null
approved BAD badpart 'echo should not run'
check "a job for a partition Slurm does not have: the runner cycle" do_ run
check "... fails it (sandbox_error)" test "$(status_of "$BAD")/$(kind_of "$BAD")" = failed/sandbox_error
check "scq show" sh -c "'$SCQ' --email '$DO_EMAIL' --data-dir '$WS' show '$BAD' >'$TEST_DIR/show.out' 2>'$TEST_DIR/show.err'"
check "... names sbatch's reason, its lines joined" grep -q "^Error: .*sbatch failed: sbatch: error: invalid partition specified: nosuch; sbatch: error: Batch job submission failed: Invalid partition name specified (the setting slurm_partition is 'nosuch': scq config set slurm_partition NAME)\$" "$TEST_DIR/show.out"
check "... no ⟨LF⟩ marker" sh -c "! grep -q '⟨LF⟩' '$TEST_DIR/show.out'"
check "... and no warning about control characters" sh -c "! grep -q 'shown as markers' '$TEST_DIR/show.err'"
check "the error in result.json has no newline" python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error_message"]; sys.exit("\n" in e or e.endswith(" "))' "$STORE/failed/$BAD/result.json"
done_testing

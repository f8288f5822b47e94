#!/bin/sh
# t1050: what Slurm says when it refuses a job reaches the owner as one
# line: sbatch's stderr (several lines) is joined, so `scq show` prints the
# reason as text, with no ⟨LF⟩ markers and no warning about characters
# that would act on a terminal.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/slurm-lib.sh"

do_ config set slurm_partition nosuch >/dev/null
approved BAD badpart 'echo should not run'
check "a job for a partition Slurm does not have: the runner cycle" do_ run
check "... fails it (sandbox_error)" test "$(status_of "$BAD")/$(kind_of "$BAD")" = failed/sandbox_error
check "scq show" sh -c "'$SCQ' --email '$DO_EMAIL' --data-dir '$WS' show '$BAD' >'$TEST_DIR/show.out' 2>'$TEST_DIR/show.err'"
check "... names sbatch's reason, its lines joined" grep -q "^Error: .*sbatch failed: sbatch: error: invalid partition specified: nosuch; sbatch: error: Batch job submission failed: Invalid partition name specified\$" "$TEST_DIR/show.out"
check "... no ⟨LF⟩ marker" sh -c "! grep -q '⟨LF⟩' '$TEST_DIR/show.out'"
check "... and no warning about control characters" sh -c "! grep -q 'shown as markers' '$TEST_DIR/show.err'"
check "the error in result.json has no newline" python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error_message"]; sys.exit("\n" in e or e.endswith(" "))' "$STORE/failed/$BAD/result.json"
done_testing

#!/bin/sh
# t0065: hand edits to the store neither run an unapproved job nor pass
# `scq audit --verify`.  (a) A pending job moved to approved/ with another
# job's approved.json copied in: the approval names its job (uid), so the
# runner refuses it (code_mismatch) and it never runs.  (a') The same
# while a runner already watches, with an approval written before approvals
# named their job (no uid): it runs, and verify reports a start without an
# approval.  (b) A completed job moved back to approved/ with its run
# records deleted runs again, and verify reports the second start.
. "$(dirname "$0")/test-lib.sh"

JOBS="$WS/private/code-queue/$DO_EMAIL/jobs"
RUNS="$TEST_DIR/runs"
make_job "$TEST_DIR/code" "echo \"\$JOB_ID\" >> '$RUNS'; echo s > \"\$OUTPUT_DIR/s\""
submit() { ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "$1" >"$TEST_DIR/out"; last_out; }
A=$(submit a)
B=$(submit b)
do_ pending >/dev/null
check "approve a" do_ approve "$A"
check "approved.json names its job" grep -q "\"uid\": *\"$A\"" "$JOBS/approved/$A/approved.json"
check "run a" do_ run
check "a ran once" test "$(grep -c "$A" "$RUNS")" = 1
check "verify before any hand edit" do_ audit --verify

# (a) b is moved by hand, with a's approval
mv "$JOBS/pending/$B" "$JOBS/approved/$B"
cp "$JOBS/completed/$A/approved.json" "$JOBS/approved/$B/approved.json"
do_ run >/dev/null 2>&1
check "b did not run" sh -c "! grep -q '$B' '$RUNS'"
check "b failed" test -d "$JOBS/failed/$B"
check "b: code_mismatch" grep -q '"error_kind": *"code_mismatch"' "$JOBS/failed/$B/result.json"
check "b: says the approval names another job" grep -q "names another job" "$JOBS/failed/$B/result.json"

# (b) d is put back into approved/ without its run records
D=$(submit d)
do_ pending >/dev/null
check "approve d" do_ approve "$D"
check "run d" do_ run
mv "$JOBS/completed/$D" "$JOBS/approved/$D"
rm -rf "$JOBS/approved/$D/result.json" "$JOBS/approved/$D/running.json" \
	"$JOBS/approved/$D/execution.log" "$JOBS/approved/$D/output"
do_ run >/dev/null 2>&1
check_exit "verify: a second start" 1 do_ audit --verify
err_has "verify: d started more than once" "job '$D' was started more than once"
check "d ran twice (verify is what tells)" test "$(grep -c "$D" "$RUNS")" = 2

# (a') c is moved by hand while a runner watches (it reconciled at its
# start, before the move; d's second start is a known error from now on,
# so verify is run last), with an approval without a uid (an older one)
C=$(submit c)
do_ pending >/dev/null
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch >/dev/null 2>&1 &
W=$!
sleep 1.5
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d.pop("uid", None); print(json.dumps(d))' \
	"$JOBS/completed/$A/approved.json" > "$TEST_DIR/approved.json"
cp "$TEST_DIR/approved.json" "$JOBS/pending/$C/approved.json"
mv "$JOBS/pending/$C" "$JOBS/approved/$C"
for _i in $(seq 100); do [ -d "$JOBS/completed/$C" ] && break; sleep 0.1; done
stops_on_term "the watching runner stops" "$W"
check "c ran (an older approval without uid still runs)" test "$(grep -c "$C" "$RUNS")" = 1
check_exit "verify: a start without an approval" 1 do_ audit --verify
err_has "verify names c" "job '$C' was started without an approval"

done_testing

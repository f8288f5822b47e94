#!/bin/sh
# t0030: with `release review`, logs and outputs stay with the owner until
# `scq release`; nothing of the run reaches the requester before that.
# Meanwhile the job shows as held on both sides (protocol §6): listings,
# show, --json (results_held), status counts, scq wait, logs and output.
. "$(dirname "$0")/test-lib.sh"

make_job "$TEST_DIR/code" 'echo SECRET-ROW-42; echo SECRET-ROW-42 > "$OUTPUT_DIR/rows.csv"'
check "owner holds results for review" do_ config set release review
check "submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name held
U=$(last_out)
make_job "$TEST_DIR/other" 'echo not held'
check "a second job, rejected (never held)" ds submit "$TEST_DIR/other" --to "$DO_EMAIL" --name other
U2=$(last_out)
check "reject it" do_ reject "$U2" -r no
check "owner: nothing held before the run" do_ list --held
out_has "owner: says none wait" "No results are waiting for your release"
check "approve" do_ approve "$U"
check "run" do_ run
check_exit "requester's wait goes on while the results are held" 1 ds wait "$U" --timeout 1
err_has "... and says what it waits for" "is still awaiting the owner's release of its results after 1 seconds"
check "the owner's wait does not wait for its own decision" do_ wait "$U" --timeout 10
out_has "wait prints the status" "^$U completed$"
err_has "wait says the results are held" "its log and outputs wait for your review"
check "wait --json" do_ wait "$U" --timeout 10 --json
out_has "wait --json has results_held" '"results_held":true'
check "status says results are held" ds show "$U" --json
out_has "results_held" '"results_held":true'
check "owner's --json says held too" do_ show "$U" --json
out_has "owner results_held" '"results_held":true'
check "the rejected job is not held" do_ show "$U2" --json
out_has "rejected: results_held false" '"results_held":false'
check "requester show" ds show "$U"
out_has "requester show: awaiting release" "awaiting release"
check "owner show" do_ show "$U"
out_has "owner show: awaiting release" "awaiting release"
check "requester jobs" ds jobs
out_has "jobs: held row" "completed \(held\)"
check "owner list" do_ list
out_has "list: held row" "completed \(held\)"
out_has "list: what (held) means" "scq release"
check "owner list --json" do_ list --json
out_has "list --json: results_held" '"results_held":true'
check "requester jobs --json" ds jobs --json
out_has "jobs --json: results_held" '"results_held":true'
check "owner list --held" do_ list --held
out_has "list --held: the held job" "^${U%%-*}"
check "list --held leaves out the rest" sh -c "! grep -q '^${U2%%-*}' '$TEST_DIR/out'"
check "owner list --held --json" do_ list --held --json
out_has "list --held --json: the held job" "$U"
check "status counts held" do_ status --json
out_has "status: awaiting_release" '"as_owner": 1'
check_exit "requester gets no log yet" 1 ds logs "$U"
err_has "logs says held, not 'no log yet'" "held by the data owner for review"
check_exit "requester gets no output yet" 1 ds output "$U"
err_has "output says held" "held by the data owner for review"
OB="$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL/$U"
check "nothing of the run in the outbox" sh -c "! grep -rq SECRET-ROW '$OB'"
check "owner reads the log" do_ logs "$U"
out_has "owner sees the row" "SECRET-ROW-42"
check "owner lists outputs" do_ output "$U"
out_has "rows.csv held" "rows.csv"
check "switching release back to auto keeps what is held" do_ config set release auto
check "still held after the switch" do_ show "$U" --json
out_has "held after switch" '"results_held":true'
check_exit "requester cannot release" 1 ds release "$U"
check "owner releases" do_ release "$U"
check "requester now reads the log" ds logs "$U"
out_has "log released" "SECRET-ROW-42"
check "requester now gets the output" ds output "$U" --to "$TEST_DIR/got"
check "output content" grep -q SECRET-ROW-42 "$TEST_DIR/got/rows.csv"
check "no longer held (requester)" ds show "$U" --json
out_has "released: results_held false" '"results_held":false'
check "no longer held (owner list --held)" do_ list --held
out_has "nothing held any more" "No results are waiting for your release"
check "wait after release: no held message" ds wait "$U" --timeout 10
check "wait is quiet on stderr" sh -c "! grep -q held '$TEST_DIR/err'"
check "release is audited" do_ audit --json
out_has "release event" '"event":"release"'
check "audit verifies" do_ audit --verify
check_exit "releasing again: nothing to release (exit 1)" 1 do_ release "$U"
err_has "... says so" "nothing to release"
done_testing

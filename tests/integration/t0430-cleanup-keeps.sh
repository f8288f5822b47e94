#!/bin/sh
# t0430: clean-up (cleanup_completed_after) removes only what was delivered.
# A job whose results wait for the owner's release, or for `scq republish`
# (publish-error.json), stays however old it is; a delivered job that is
# removed keeps its last state in the requester's outbox (status.json with
# results_removed_at), so the requester never sees it fall back to its own
# "pending" record (doc/protocol.md §6, §7).
. "$(dirname "$0")/test-lib.sh"

JOBS="$WS/private/code-queue/$DO_EMAIL/jobs"
OB="$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL"
make_job "$TEST_DIR/code" 'echo ran; echo s > "$OUTPUT_DIR/s"'
check "clean up after 1 s" do_ config set cleanup_completed_after 1
check "owner holds results for review" do_ config set release review
check "submit (held)" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name held
H=$(last_out)
do_ pending >/dev/null
check "approve" do_ approve "$H"
check "run" do_ run
check "release auto for the next jobs" do_ config set release auto
check "submit (undelivered)" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name undelivered
P=$(last_out)
check "submit (delivered)" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name delivered
D=$(last_out)
do_ pending >/dev/null
check "approve the second" do_ approve "$P"
check "approve the third" do_ approve "$D"
check "run them" do_ run
# a failed publication, as the publisher records it (disk full at the outbox)
printf '{"at":"2026-01-01T00:00:00.000000Z","by":"scq","reason":"disk full"}\n' \
	> "$JOBS/completed/$P/publish-error.json"
sleep 2.5
check "run again, past the clean-up age" do_ run
out_has "only the delivered job is cleaned up" ", 1 cleaned up"
check "the held job stays in the store" test -d "$JOBS/completed/$H"
check "the undelivered job stays in the store" test -d "$JOBS/completed/$P"
check "the delivered job is removed" test ! -e "$JOBS/completed/$D"
check "list --held" do_ list --held
out_has "the held job is still listed" "^${H%%-*}"
check "the held job can still be released" do_ release "$H" --ack-flags
check "status lists the undelivered job" do_ status --json
out_has "undelivered" "$P"
# the requester's view of the removed job: its last state, never "pending"
check "requester jobs" ds jobs
out_has "jobs: the removed job completed" "${D%%-*}.*completed"
check "jobs: not pending" sh -c "! grep '${D%%-*}' '$TEST_DIR/out' | grep -q pending"
check "wait returns its final state" ds wait "$D" --timeout 5
out_has "wait prints completed" "^$D completed$"
check "show --json" ds show "$D" --json
out_has "show: results_removed_at" '"results_removed_at":'
check_exit "logs: removed" 1 ds logs "$D"
err_has "logs says the owner removed them" "removed by the data owner's clean-up"
check_exit "output: removed" 1 ds output "$D"
err_has "output says the owner removed them" "removed by the data owner's clean-up"
check "no results left in the outbox" test ! -e "$OB/$D/execution.txt" -a ! -e "$OB/$D/output"
check "audit --verify" do_ audit --verify
done_testing

#!/bin/sh
# t0425: approving is refused once the job's approval wait has ended, by the
# library itself, so --no-refresh (which skips the expiry scan) cannot
# approve a job that should have timed out; the refusal expires it through
# the one expiry rule (job_expire) and nothing runs.
. "$(dirname "$0")/test-lib.sh"
STORE="$WS/private/code-queue/$DO_EMAIL"

make_job "$TEST_DIR/code"
check "submit with a 1 s approval timeout" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name late --timeout 1
U=$(last_out)
check "ingested while in time" do_ pending --json
check "pending" test -d "$STORE/jobs/pending/$U"
sleep 2.2
check_exit "--no-refresh approve past the deadline is refused" 1 do_ --no-refresh approve "$U"
err_has "the message says it timed out" "timed out"
check "the job is timed out, not approved" test -d "$STORE/jobs/timedout/$U"
check "not in jobs/approved" test ! -e "$STORE/jobs/approved/$U"
check "run" do_ run
check "nothing ran: not completed" test ! -e "$STORE/jobs/completed/$U"
check "show" do_ show "$U" --json
out_has "it shows as timedout" '"status": *"timedout"'
check "audit" do_ audit --json
out_has "an expire event, no approve" "\"event\": *\"expire\""

# a refreshed approve says the same (the listing expired it first)
check "submit another" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name late2 --timeout 1
V=$(last_out)
check "ingested" do_ pending --json
sleep 2.2
check_exit "approve past the deadline (refresh on) is refused" 1 do_ approve "$V"
check "also timed out" test -d "$STORE/jobs/timedout/$V"

check "--help says decisions still write" sh -c "'$SCQ' --help 2>&1 | grep -q 'decisions'"
check "--help no longer promises to write nothing at all" sh -c "! '$SCQ' --help 2>&1 | grep -q 'as it is stored and write nothing'"
done_testing

#!/bin/sh
# t0420: expiry has one rule (lifecycle.c job_expire), reached from a
# listing (t0020) and from the scan of jobs/pending/ that `scq status` and
# each runner tick make.  The scan, like a listing, skips a job whose
# folder carries a deadline mark still in the future; once it has passed,
# the job is expired, audited and published as a listing would.
. "$(dirname "$0")/test-lib.sh"
STORE="$WS/private/code-queue/$DO_EMAIL"

make_job "$TEST_DIR/code"
check "submit with a 3 s approval timeout" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name exp --timeout 3
U=$(last_out)
check "a second job with the default timeout" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name keep
K=$(last_out)
check "ingested" do_ pending --json
check "the pending folder carries the deadline mark" sh -c \
	"stat -c %y '$STORE/jobs/pending/$U' | grep -q '\.123456789'"
check "status right away" do_ status --json
out_has "nothing expired before the deadline" '"timedout": 0'
for i in $(seq 80); do
	do_ status --json > "$TEST_DIR/st.json" 2>&1
	grep -q '"timedout": 1' "$TEST_DIR/st.json" && break
	sleep 0.1
done
check "the scan of scq status expires it" grep -q '"timedout": 1' "$TEST_DIR/st.json"
check "in jobs/timedout" test -d "$STORE/jobs/timedout/$U"
check "its record was written first" test -f "$STORE/jobs/timedout/$U/timedout.json"
check "the other job is still pending" test -d "$STORE/jobs/pending/$K"
check "audit" do_ audit --json
out_has "an expire event by scq" "\"event\": *\"expire\".*\"uid\": *\"$U\"|\"uid\": *\"$U\".*\"event\": *\"expire\""
check "the audit log verifies" do_ audit --verify
check "the requester sees timedout" ds show "$U" --json
out_has "published" '"status": *"timedout"'
done_testing

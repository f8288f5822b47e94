#!/bin/sh
# t0235: the owner is also a requester at another site, which so learns the
# uid of the owner's own submission.  That site must not be able to submit
# a job back to the owner under that uid: ingest quarantines it ("uid
# already used by a job you submitted").  And a store that already holds
# such a pair (a job submitted to me and one I submitted, one uid) makes
# every lookup by that uid that may mean either role ambiguous: show,
# cancel, wait, logs refuse instead of acting on the other job.
. "$(dirname "$0")/test-lib.sh"
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
STORE="$WS/private/code-queue/$DO_EMAIL"
FORGE="$(dirname "$0")/forge-job.py"
I="$APP/inbox/$DS_EMAIL"

make_job "$TEST_DIR/c-own"
check "the owner submits a job to the other site" do_ submit "$TEST_DIR/c-own" --to "$DS_EMAIL" --name owner-to-ds
X=$(last_out)
make_job "$TEST_DIR/c-e" "echo evil"
check "the other site submits a job to the owner" ds submit "$TEST_DIR/c-e" --to "$DO_EMAIL" --name evil
E=$(last_out)
check "and renames it to the uid of the owner's own job" mv "$I/$E" "$I/$X"
check "with a job.json forged to match" python3 "$FORGE" "$I/$X" pass

check "the owner's show of its own job" do_ show "$X"
out_has "shows its own job" "owner-to-ds"
last_out > "$TEST_DIR/show.out"
check "it is not the other site's" sh -c "! grep -q evil '$TEST_DIR/show.out'"
check "the forged entry is not in the store" sh -c "! ls -d '$STORE'/jobs/*/'$X' 2>/dev/null | grep -q ."
check "audit" do_ audit --json
out_has "a quarantine event for that uid" "\"event\": *\"quarantine\".*\"uid\": *\"$X\"|\"uid\": *\"$X\".*\"event\": *\"quarantine\""
check "pending as owner" do_ pending --json
last_out > "$TEST_DIR/pending.out"
check "nothing pending under that uid" sh -c "! grep -q '$X' '$TEST_DIR/pending.out'"
check "the reason says why" sh -c "grep -rqs 'uid already used by a job you submitted' '$STORE/quarantine'"
check "a job of the owner to itself is still taken" do_ submit "$TEST_DIR/c-own" --to "$DO_EMAIL" --name self
S=$(last_out)
check "ingested" do_ pending --json
out_has "the self-submitted job is pending" "$S"
check "and shown as one job" do_ show "$S"

# a store that holds the pair already (before this gate): make it by hand,
# the other site's job moved in the store to the owner's submitted uid
make_job "$TEST_DIR/c-e2" "echo evil2"
check "another job from the other site" ds submit "$TEST_DIR/c-e2" --to "$DO_EMAIL" --name evil2
E2=$(last_out)
check "ingested" do_ pending --json
check "moved to the owner's uid in the store" sh -c \
	"mv '$STORE/jobs/pending/$E2' '$STORE/jobs/pending/$X' && sed -i 's/$E2/$X/g' '$STORE/jobs/pending/$X/job.json' '$STORE/jobs/pending/$X/public.json'"
check "the pair is listed as owner" do_ --no-refresh list --json
out_has "the other site's job under that uid" "$X"
for c in show wait logs cancel; do
	check_exit "$c by the shared uid is refused" 1 do_ --no-refresh $c "$X" $([ $c = wait ] && echo --timeout 1)
	err_has "$c: ambiguous, asks for the role" "names 2 jobs.*|role"
done
# the library's own cancel (Python's Handle.cancel is scq_cancel), no CLI
# resolution in front of it
check "scq_cancel by the shared uid is refused as ambiguous" env PYTHONPATH="${SCQ_PYTHONPATH:?make test sets it: the built Python package}" \
	python3 -c 'import sys
from syft_code_queue import _scq
h = _scq.Handle(email=sys.argv[1], data_dir=sys.argv[2])
try:
    h.cancel(sys.argv[3])
except _scq.Error as e:
    sys.exit(0 if e.code_name == _scq.strerror(_scq.EAMBIGUOUS) else 3)
sys.exit(4)' "$DO_EMAIL" "$WS" "$X"
check "the job submitted to the owner is not cancelled" test -d "$STORE/jobs/pending/$X"
check "the owner's jobs (requester role) still show it" do_ jobs
out_has "its own job" "owner-to-ds"
done_testing

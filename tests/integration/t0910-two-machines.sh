#!/bin/sh
# t0910: two machines.  The data scientist and the data owner each have their
# OWN data folder; tests/sim/syncsim.py is the SyftBox server between them
# (Go ACL rules, hostile delivery: shuffled, late and duplicated files,
# clients offline; seed SCQ_SIM_SEED).  Truncated delivery is checked on its
# own at the end: a truncated job.json waits, as a short code file does.  Every sync checks that nothing our app
# wrote was refused by the ACL (a refusal is a bug in our syft.pub.yaml or
# layout, and the test names the path).
. "$(dirname "$0")/test-lib.sh"

SEED=${SCQ_SIM_SEED:-1}
SIM="${SCQ_SIM_PYTHON:-/usr/bin/python3} $(cd "$(dirname "$0")/../sim" && pwd)/syncsim.py"
DSD="$TEST_DIR/ds-machine" DOD="$TEST_DIR/do-machine" SRV="$TEST_DIR/server"
ds() { "$SCQ" --email "$DS_EMAIL" --data-dir "$DSD" "$@"; }
do_() { "$SCQ" --email "$DO_EMAIL" --data-dir "$DOD" "$@"; }
APP_DO="$DOD/datasites/$DO_EMAIL/app_data/code-queue"
APP_DS="$DSD/datasites/$DO_EMAIL/app_data/code-queue"
echo "# seed $SEED; replay: SCQ_SIM_SEED=$SEED sh $0"

# sim CMD: one simulator call (step or settle) over both machines; its events
# go to $TEST_DIR/sync.log
sim() {
	$SIM "$1" --server "$SRV" --client "$DS_EMAIL=$DSD" --client "$DO_EMAIL=$DOD" \
		--seed "$SEED" --hostile "${HOSTILE:-all}" > "$TEST_DIR/sync.log" 2>&1
	_rc=$?
	cat "$TEST_DIR/sync.log" >> "$TEST_DIR/sync-all.log"
	return $_rc
}
# refusals LOG: the refusals in LOG (for the diagnostics)
refusals() { grep -E '^(reject|reject-delete|conflict) ' "$1" >"$TEST_DIR/refused"; }
# synced NAME: settle, and no file of ours was refused
synced() {
	sim settle && ! refusals "$TEST_DIR/sync.log" && _p=1 || _p=0
	_result $_p "$1 (sync: nothing our app wrote was refused)" "$TEST_DIR/refused" "$TEST_DIR/sync.log"
}

check "owner init" do_ init
check "requester init" ds init
synced "the datasites reach the server"
check "the owner's app ACL is on the server" test -s "$SRV/datasites/$DO_EMAIL/app_data/code-queue/syft.pub.yaml"
check "the requester cannot read the owner's app ACL" test ! -e "$APP_DS/syft.pub.yaml"

make_job "$TEST_DIR/code"
check "requester submits on its machine" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "Two machines"
U=$(last_out)
check "nothing at the owner before a sync" test ! -e "$APP_DO/inbox/$DS_EMAIL/$U"
# one step at a time: the owner ingests between steps and must never take a
# partial job (it waits; nothing is quarantined)
: > "$TEST_DIR/sync-all.log"
for i in 1 2 3 4 5 6; do
	sim step
	do_ pending --json >/dev/null 2>&1
done
! refusals "$TEST_DIR/sync-all.log" && _p=1 || _p=0
_result $_p "step by step: nothing our app wrote was refused" "$TEST_DIR/refused"
check "no job was quarantined on the way" test -z "$(ls "$DOD/private/code-queue/$DO_EMAIL/quarantine" 2>/dev/null)"
synced "the job reaches the owner"
check "owner ingests it" do_ pending --json
out_has "it is pending at the owner" "\"uid\":\"$U\""
check "owner approves" do_ approve "$U" -r "fine"
check "owner runs it" do_ run
out_has "one completed" "1 completed"
synced "the results reach the requester"
check "requester sees completed" ds show "$U" --json
out_has "status completed" '"status":"completed"'
check "the status file is in the requester's own data folder" test -s "$APP_DS/outbox/$DS_EMAIL/$U/status.json"
check "requester reads the log" ds logs "$U"
out_has "the log has the job's output" "^hello"
check "requester copies the outputs" ds output "$U" --to "$TEST_DIR/got"
check "the output is whole" grep -qx result "$TEST_DIR/got/result.txt"
check "the inbox entry is gone on both machines" sh -c "test ! -e '$APP_DO/inbox/$DS_EMAIL/$U' && test ! -e '$APP_DS/inbox/$DS_EMAIL/$U'"

# hostile requester: writes into another requester's inbox folder, and into
# its own outbox; the simulator refuses both and the owner never sees them
V=11111111-2222-4333-8444-555555555555
mkdir -p "$APP_DS/inbox/victim@else.example/$V/code" "$APP_DS/outbox/$DS_EMAIL/$V"
cp "$TEST_DIR/code/run.sh" "$APP_DS/inbox/victim@else.example/$V/code/run.sh"
echo '{"uid":"forged"}' > "$APP_DS/inbox/victim@else.example/$V/job.json"
echo '{"status":"completed"}' > "$APP_DS/outbox/$DS_EMAIL/$V/status.json"
sim settle
cp "$TEST_DIR/sync.log" "$TEST_DIR/hostile.log"
check "the simulator refused the write into another requester's inbox" \
	grep -q "^reject $DS_EMAIL $DO_EMAIL/app_data/code-queue/inbox/victim@else.example/$V/job.json" "$TEST_DIR/hostile.log"
check "... and the requester's copy became job.rejected.json" test -s "$APP_DS/inbox/victim@else.example/$V/job.rejected.json"
check "... and run.sh became run.rejected.sh" test -s "$APP_DS/inbox/victim@else.example/$V/code/run.rejected.sh"
check "the simulator refused the write into the outbox" \
	grep -q "^reject $DS_EMAIL $DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL/$V/status.json" "$TEST_DIR/hostile.log"
check "the owner's machine never saw either" sh -c "test ! -e '$APP_DO/inbox/victim@else.example' && test ! -e '$APP_DO/outbox/$DS_EMAIL/$V'"
check "nor did the server" sh -c "test ! -e '$SRV/datasites/$DO_EMAIL/app_data/code-queue/inbox/victim@else.example' && test ! -e '$SRV/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL/$V'"
check "the owner ingests nothing from it" do_ pending --json
out_has "nothing pending" '^\[\]$'
check "nothing was quarantined" test -z "$(ls "$DOD/private/code-queue/$DO_EMAIL/quarantine" 2>/dev/null)"

# a second job, rejected by the owner: the reason crosses too
check "second submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "Second"
U2=$(last_out)
synced "the second job reaches the owner"
check "owner ingests and rejects it" sh -c "'$SCQ' --email '$DO_EMAIL' --data-dir '$DOD' pending >/dev/null && '$SCQ' --email '$DO_EMAIL' --data-dir '$DOD' reject '$U2' -r 'not this one'"
synced "the rejection reaches the requester"
check "requester sees the rejection and its reason" ds show "$U2" --json
out_has "rejected with the reason" 'not this one'
# a job.json that arrives truncated first (syftbox.md 4.4: a version can be
# truncated; the simulator's "truncate" mode), then whole: the owner waits
# for it as for a short code file (it was quarantined as invalid JSON, and
# the quarantine's delete then reached the server: the job was lost)
check "third submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "Third"
U3=$(last_out)
mkdir -p "$APP_DO/inbox/$DS_EMAIL/$U3/code"
cp "$APP_DS/inbox/$DS_EMAIL/$U3/code/run.sh" "$APP_DO/inbox/$DS_EMAIL/$U3/code/run.sh"
cp "$APP_DS/inbox/$DS_EMAIL/$U3/signature.json" "$APP_DO/inbox/$DS_EMAIL/$U3/signature.json"
head -c 60 "$APP_DS/inbox/$DS_EMAIL/$U3/job.json" > "$APP_DO/inbox/$DS_EMAIL/$U3/.job.json.x.tmp"
mv "$APP_DO/inbox/$DS_EMAIL/$U3/.job.json.x.tmp" "$APP_DO/inbox/$DS_EMAIL/$U3/job.json"
check "the owner's refresh with a truncated job.json" do_ pending
check "... quarantines nothing" test -z "$(ls "$DOD/private/code-queue/$DO_EMAIL/quarantine" 2>/dev/null)"
check "... and keeps it in the inbox" test -f "$APP_DO/inbox/$DS_EMAIL/$U3/job.json"
cp "$APP_DS/inbox/$DS_EMAIL/$U3/job.json" "$APP_DO/inbox/$DS_EMAIL/$U3/.job.json.y.tmp"
mv "$APP_DO/inbox/$DS_EMAIL/$U3/.job.json.y.tmp" "$APP_DO/inbox/$DS_EMAIL/$U3/job.json"
check "once whole, it is ingested" do_ pending --json
out_has "... and pending" "\"uid\": *\"$U3\""
done_testing

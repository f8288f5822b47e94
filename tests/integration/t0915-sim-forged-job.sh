#!/bin/sh
# t0915: signed submissions across the sync simulator (issue 14 §3).  A
# forged job dropped straight into the server store, under another
# requester's inbox folder (what a server in dev mode, trusting `user=`,
# would accept), reaches the owner's machine and is quarantined there: signed
# with the wrong key, or unsigned while that requester publishes a key.  The
# requester's own job, and its did.json, arrive through the same sync.
. "$(dirname "$0")/test-lib.sh"

SEED=${SCQ_SIM_SEED:-1}
SIM="${SCQ_SIM_PYTHON:-/usr/bin/python3} $(cd "$(dirname "$0")/../sim" && pwd)/syncsim.py"
DSD="$TEST_DIR/ds-machine" DOD="$TEST_DIR/do-machine" SRV="$TEST_DIR/server"
MALD="$TEST_DIR/mallory-machine" MAL_EMAIL=mallory@evil.example
ds() { "$SCQ" --email "$DS_EMAIL" --data-dir "$DSD" "$@"; }
do_() { "$SCQ" --email "$DO_EMAIL" --data-dir "$DOD" "$@"; }
mal() { "$SCQ" --email "$MAL_EMAIL" --data-dir "$MALD" "$@"; }
SRV_IN="$SRV/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
QDIR="$DOD/private/code-queue/$DO_EMAIL/quarantine"
PEND="$DOD/private/code-queue/$DO_EMAIL/jobs/pending"
FORGE="$(dirname "$0")/forge-job.py"
echo "# seed $SEED; replay: SCQ_SIM_SEED=$SEED sh $0"

sim() {
	$SIM "$1" --server "$SRV" --client "$DS_EMAIL=$DSD" --client "$DO_EMAIL=$DOD" \
		--seed "$SEED" --hostile "${HOSTILE:-shuffle,delay,duplicate}" > "$TEST_DIR/sync.log" 2>&1
}
reason_has() {
	_rj=$(grep -lF "\"entry\": \"$1\"" "$QDIR"/*/reason.json 2>/dev/null | head -1)
	test -n "$_rj" && grep '"reason"' "$_rj" | grep -Eq -- "$2"
}

check "owner init" do_ init
check "requester init" ds init
check "sync" sim settle
check "the requester's did.json reached the owner's machine" test -s "$DOD/datasites/$DS_EMAIL/public/did.json"

make_job "$TEST_DIR/code"
check "requester submits" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name real
U=$(last_out)
check "sync the job" sim settle
check "owner ingests it" do_ pending
check "the signed job is pending (its key pinned)" test -d "$PEND/$U"

# mallory builds a job on her own machine (a stand-in for the owner's
# datasite lets her submit there), claims to be the requester, signs it
# with her key, and has the server store it under the requester's folder
check "mallory init" mal init
mkdir -p "$MALD/datasites/$DO_EMAIL/app_data/code-queue"
check "mallory builds a job" mal submit "$TEST_DIR/code" --to "$DO_EMAIL" --name forged
F=$(last_out)
python3 "$FORGE" "$MALD/datasites/$DO_EMAIL/app_data/code-queue/inbox/$MAL_EMAIL/$F" "j['requester_email'] = '$DS_EMAIL'"
check "mallory signs it" mal keys sign "$MALD/datasites/$DO_EMAIL/app_data/code-queue/inbox/$MAL_EMAIL/$F"
mkdir -p "$SRV_IN"
cp -r "$MALD/datasites/$DO_EMAIL/app_data/code-queue/inbox/$MAL_EMAIL/$F" "$SRV_IN/$F"
# and the same job unsigned
G=$(cat /proc/sys/kernel/random/uuid)
cp -r "$SRV_IN/$F" "$SRV_IN/$G"; rm "$SRV_IN/$G/signature.json"
python3 "$FORGE" "$SRV_IN/$G" pass
check "sync the forged jobs" sim settle
check "they reached the owner's machine" test -d "$DOD/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL/$F"
do_ config set ingest_grace_seconds 0 >/dev/null
sleep 1
check "owner ingests" do_ pending
check "the forged signed job is not pending" test ! -e "$PEND/$F"
check "... quarantined: bad signature" reason_has "$F" "bad signature"
check "the forged unsigned job is not pending" test ! -e "$PEND/$G"
check "... quarantined: unsigned from a requester with a key" reason_has "$G" "unsigned job .*publishes a signing key"
check "the requester's real job is still pending" test -d "$PEND/$U"
done_testing

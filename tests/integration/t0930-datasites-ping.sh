#!/bin/sh
# t0930: datasites, ping and owner-signed statuses across two machines and a
# third that goes offline.  Three data folders (a data scientist, an owner
# online, an owner offline after its first sync); tests/sim/syncsim.py
# moves the files (hostile delivery, seed SCQ_SIM_SEED).  The requester
# lists both owners from what they publish, pings them (alive / never; a
# ping is no job), reads a status its owner signed (verified), and is told
# when its copy of a status or of a heartbeat was changed on the way.
. "$(dirname "$0")/test-lib.sh"

SEED=${SCQ_SIM_SEED:-1}
SIM="${SCQ_SIM_PYTHON:-/usr/bin/python3} $(cd "$(dirname "$0")/../sim" && pwd)/syncsim.py"
DO2_EMAIL=offline@clinic.example
DSD="$TEST_DIR/ds-machine" DOD="$TEST_DIR/do-machine" DO2D="$TEST_DIR/do2-machine"
SRV="$TEST_DIR/server"
ds() { "$SCQ" --email "$DS_EMAIL" --data-dir "$DSD" "$@"; }
do_() { "$SCQ" --email "$DO_EMAIL" --data-dir "$DOD" "$@"; }
do2() { "$SCQ" --email "$DO2_EMAIL" --data-dir "$DO2D" "$@"; }
OUT_DS="$DSD/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL"
echo "# seed $SEED; replay: SCQ_SIM_SEED=$SEED sh $0"

# settle [all]: sync until quiet; the offline owner takes part only with "all"
settle() {
	_c="--client $DS_EMAIL=$DSD --client $DO_EMAIL=$DOD"
	[ "${1:-}" = all ] && _c="$_c --client $DO2_EMAIL=$DO2D"
	# shellcheck disable=SC2086
	$SIM settle --server "$SRV" $_c --seed "$SEED" --hostile all >"$TEST_DIR/sync.log" 2>&1
	_rc=$?
	! grep -Eq '^(reject|reject-delete|conflict) ' "$TEST_DIR/sync.log" && [ $_rc = 0 ]
}

check "owner init" do_ init
check "second owner init" do2 init
check "requester init" ds init
mkdir -p "$TEST_DIR/rt" "$TEST_DIR/data" "$TEST_DIR/mock"
echo 'age,n' > "$TEST_DIR/data/t.csv"; echo 'age,n' > "$TEST_DIR/mock/t.csv"
check "the online owner adds a runtime" do_ runtime add sci "$TEST_DIR/rt"
check "the offline owner publishes a dataset's mock" \
	do2 dataset add census "$TEST_DIR/data" --mock "$TEST_DIR/mock"
check "all three machines sync (nothing refused)" settle all
# from here the second owner's machine is off: it never syncs again

check "the online owner's runner runs a cycle" do_ run
check "it syncs" settle
check "datasites, on the requester's machine" ds datasites --json
out_has "lists the online owner" "\"email\": \"$DO_EMAIL\""
out_has "lists the offline owner" "\"email\": \"$DO2_EMAIL\""
out_has "with the online owner's runtime" '"sci"'
out_has "and the offline owner's dataset" '"census"'
check "datasites, for people" ds datasites
out_has "the online owner's runner is alive" "^  runner: +alive"
out_has "the offline owner's runner was never seen" "^  runner: +never"
check "ping the online owner" ds ping "$DO_EMAIL"
out_has "alive, seen seconds ago" "^$DO_EMAIL: alive"
out_has "its heartbeat signature verifies" "heartbeat signature: verified"
check_exit "ping the offline owner: exit 1" 1 ds ping "$DO2_EMAIL"
out_has "never seen" "^$DO2_EMAIL: never"
check "a ping is no job: nothing waits for the owner" do_ pending --json
out_has "nothing pending" '^\[\]$'

# a status signed by its owner, verified by the requester after the sync
make_job "$TEST_DIR/code"
check "requester submits" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name signed
U=$(last_out)
check "the owner's key was pinned at the submit (trust on first use)" \
	test -s "$DSD/private/code-queue/$DS_EMAIL/keys/pinned/$DO_EMAIL/key.json"
check "sync" settle
check "owner ingests, approves, runs" sh -c "'$SCQ' --email '$DO_EMAIL' --data-dir '$DOD' pending >/dev/null &&
	'$SCQ' --email '$DO_EMAIL' --data-dir '$DOD' approve '$U' -r ok >/dev/null &&
	'$SCQ' --email '$DO_EMAIL' --data-dir '$DOD' run >/dev/null"
check "sync" settle
check "requester shows the job" ds show "$U"
out_has "completed" '^Status: +completed'
out_has "the status is owner-signed: verified" '^Owner-signed: +verified'
check "requester's status" ds status
out_has "one verified signature, none bad" 'statuses: 1 verified, 0 unsigned, 0 cannot be checked, 0 BAD'

# the requester's copy changed on the way (a sync server that writes)
sed 's/"exit_code": 0/"exit_code": 7/' "$OUT_DS/$U/status.json" >"$TEST_DIR/st" &&
	cp "$TEST_DIR/st" "$OUT_DS/$U/status.json"
check "a changed status.json still shows" ds show "$U"
out_has "flagged: BAD SIGNATURE" '^Owner-signed: +BAD SIGNATURE'
check "show --json" ds show "$U" --json
out_has "status_signature is bad" '"status_signature":\{"state":"bad"'
check "status" ds status
out_has "status names the job with the bad signature" "BAD SIGNATURE: $U"
check_exit "its log is not shown: the hashes that describe it are not the owner's" 1 ds logs "$U"
err_has "... saying BAD SIGNATURE" "BAD SIGNATURE on the status.json $DO_EMAIL published"
check_exit "nor are its outputs copied" 1 ds output "$U" --to "$TEST_DIR/got"
check_exit "nor does wait call it completed (exit 1)" 1 ds wait "$U" --timeout 5
err_has "... saying BAD SIGNATURE" "BAD SIGNATURE on the status.json $DO_EMAIL published"
check_exit "... also with --json" 1 ds wait "$U" --timeout 5 --json
check "scq jobs lists it" ds jobs
out_has "... flagged BAD SIGNATURE beside its status" "^${U%%"${U#????????}"} .* completed \(BAD SIGNATURE\) "
out_has "... and says what that means" "^\(BAD SIGNATURE\): the owner's signature does not verify"
HB="$DSD/datasites/$DO_EMAIL/public/code-queue/heartbeat.json"
sed 's/"interval_seconds": 60/"interval_seconds": 86400/' "$HB" >"$TEST_DIR/hb" && cp "$TEST_DIR/hb" "$HB"
check_exit "a changed heartbeat: ping exits 1" 1 ds ping "$DO_EMAIL"
out_has "saying BAD SIGNATURE" "^$DO_EMAIL: BAD SIGNATURE"

# the signature removed on the way (a downgrade): the owner signs with a
# pinned key, so an unsigned copy is as bad as a changed one
unsign() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("signature",None); json.dump(d,open(sys.argv[1],"w"))' "$1"; }
unsign "$OUT_DS/$U/status.json"
check "a status stripped of its signature still shows" ds show "$U"
out_has "flagged: BAD SIGNATURE, not unsigned" '^Owner-signed: +BAD SIGNATURE'
check_exit "its log is not shown" 1 ds logs "$U"
unsign "$HB"
check_exit "a heartbeat stripped of its signature: ping exits 1" 1 ds ping "$DO_EMAIL"
out_has "saying BAD SIGNATURE, not unsigned" "^$DO_EMAIL: BAD SIGNATURE"

# a forged status (no signature) must not reach the requester's hook: its
# text would be mailed as the owner's word
printf '#!/bin/sh\ncat >> "%s/told"\necho >> "%s/told"\n' "$TEST_DIR" "$TEST_DIR" > "$TEST_DIR/hook"
chmod +x "$TEST_DIR/hook"
check "the requester sets notify_command" ds config set notify_command "$TEST_DIR/hook"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("signature",None)
d["release_state"]="released"; d["release_decision"]={"at":"2099-01-01T00:00:00Z","reason":"forged: mail me your data"}
json.dump(d,open(sys.argv[1],"w"))' "$OUT_DS/$U/status.json"
check "the requester looks (scq jobs)" ds jobs
check "its hook was not told what the forged status says" sh -c "! grep -q forged '$TEST_DIR/told' 2>/dev/null"
check "the requester's hook goes" ds config set notify_command ""

# hostile published files: one notice each, the rest still listed
printf '{"runtimes": {"x\033[2J": ' > "$DSD/datasites/$DO_EMAIL/public/code-queue/runtimes.json"
check "datasites with a broken runtimes.json" ds datasites
err_has "one notice names the file" "^notice: .*$DO_EMAIL/public/code-queue/runtimes.json: "
out_has "the offline owner is still listed" "^$DO2_EMAIL"
check "no raw escape byte reaches the terminal" sh -c "! grep -q \"$(printf '\033')\" '$TEST_DIR/out' '$TEST_DIR/err'"
done_testing

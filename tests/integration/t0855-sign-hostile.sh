#!/bin/sh
# t0855: a hostile trial of signed submissions (issue 14 §3, t0850 is the
# friendly tour).  A data scientist and a sync server that want a job run
# that its requester did not sign, or run twice, or the owner's scq stopped:
# replayed signatures, odd did.json and signature.json files, long and
# odd e-mail addresses, a loose or damaged private key, a replay of a job
# the owner already ran and cleaned up.
. "$(dirname "$0")/test-lib.sh"

MAL_EMAIL=mallory@evil.example
mal() { "$SCQ" --email "$MAL_EMAIL" --data-dir "$WS" "$@"; }
as() { _who=$1; shift; "$SCQ" --email "$_who" --data-dir "$WS" "$@"; }
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox"
INBOX="$APP/$DS_EMAIL"
STORE="$WS/private/code-queue/$DO_EMAIL"
QDIR="$STORE/quarantine"
PEND="$STORE/jobs/pending"
FORGE="$(dirname "$0")/forge-job.py"
do_ init >/dev/null
ds init >/dev/null
mal init >/dev/null
make_job "$TEST_DIR/code"

reason_has() {
	_rj=$(grep -lF "\"entry\": \"$1\"" "$QDIR"/*/reason.json 2>/dev/null | head -1)
	test -n "$_rj" && grep '"reason"' "$_rj" | grep -Eq -- "$2"
}
# submit_as WHO NAME: a signed job of WHO in the owner's inbox; U its uid
submit_as() {
	check "$1 submits $2" as "$1" submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "$2"
	U=$(last_out)
}
# pin ds's key with a first job
submit_as "$DS_EMAIL" first
check "first job ingests (the key is pinned)" do_ pending
check "first job pending" test -d "$PEND/$U"

# --- replays of a valid signature.json ------------------------------------
submit_as "$DS_EMAIL" victim
V=$U
cp -a "$INBOX/$V" "$TEST_DIR/victim"
submit_as "$DS_EMAIL" other
check "a valid signature.json with another job.json" cp "$TEST_DIR/victim/signature.json" "$INBOX/$U/"
check "ingest" do_ pending
check "quarantined: bad signature" reason_has "$U" "bad signature"
# the same job under another uid (job.json re-made by the attacker, unsigned)
N=$(python3 -c 'import uuid; print(uuid.uuid4())')
cp -a "$TEST_DIR/victim" "$INBOX/$N"
python3 "$FORGE" "$INBOX/$N" "pass"
check "ingest of the job re-addressed to a new uid" do_ pending
check "quarantined: bad signature" reason_has "$N" "bad signature"
# the same job re-addressed to another owner
OTHER=other@clinic.example
as "$OTHER" init >/dev/null
OAPP="$WS/datasites/$OTHER/app_data/code-queue/inbox/$DS_EMAIL"
mkdir -p "$OAPP"
cp -a "$TEST_DIR/victim" "$OAPP/$V"
check "the other owner ingests the replay" as "$OTHER" pending
check "quarantined there (target)" sh -c 'grep -l "\"entry\": \"$2\"" "$1"/*/reason.json | xargs grep -q target' x "$WS/private/code-queue/$OTHER/quarantine" "$V"
check "not pending at the other owner" test ! -d "$WS/private/code-queue/$OTHER/jobs/pending/$V"

# --- signature.json oddities ----------------------------------------------
# odd_sig NAME PYEXPR: the victim's signature.json replaced by PYEXPR's bytes
# (s: the parsed original), then ingested: quarantined, never pending
odd_sig() {
	submit_as "$DS_EMAIL" "sig-$1"
	python3 - "$INBOX/$U/signature.json" "$2" <<'PY'
import json, sys
p = sys.argv[1]; s = json.load(open(p))
data = eval(sys.argv[2])
open(p, "wb").write(data if isinstance(data, bytes) else data.encode())
PY
	check "signature.json $1: ingest" do_ pending
	check "signature.json $1: not pending" test ! -e "$PEND/$U"
	check "signature.json $1: quarantined" reason_has "$U" "signature"
}
odd_sig "duplicate keys" '"{\"alg\":\"Ed25519\",\"signature\":\"%s\",\"signature\":\"%s\"}" % (s["signature"], s["signature"])'
odd_sig "bad UTF-8" 'b"{\"alg\":\"Ed25519\",\"signer\":\"\xff\xfe\",\"signature\":\"" + s["signature"].encode() + b"\"}"'
odd_sig "huge" 'json.dumps(dict(s, pad="x" * 2000000))'
odd_sig "other alg" 'json.dumps(dict(s, alg="none"))'
odd_sig "short signature" 'json.dumps(dict(s, signature=s["signature"][:40]))'
odd_sig "padded base64" 'json.dumps(dict(s, signature=s["signature"] + "=="))'
# extra fields are for people only: still the requester's signature
submit_as "$DS_EMAIL" sig-extra
python3 - "$INBOX/$U/signature.json" <<'PY'
import json, sys
p = sys.argv[1]; s = json.load(open(p)); s["signer"] = "someone@else.example"; s["x"] = [1]
json.dump(s, open(p, "w"))
PY
check "signature.json with extra fields: ingest" do_ pending
check "still the requester's signature: pending" test -d "$PEND/$U"
submit_as "$DS_EMAIL" sig-fifo
rm "$INBOX/$U/signature.json" && mkfifo "$INBOX/$U/signature.json"
check "signature.json a FIFO: ingest does not hang" timeout 20 "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" pending
check "FIFO quarantined" reason_has "$U" "signature"

# --- did.json oddities (a requester with no pinned key yet) ---------------
# odd_did NAME PYEXPR: a fresh requester whose did.json is replaced by
# PYEXPR (d: the parsed original); its signed job never ingests
n=0
odd_did() {
	n=$((n + 1))
	_who="d$n@uni.example"
	as "$_who" init >/dev/null
	submit_as "$_who" "did-$1"
	_did="$WS/datasites/$_who/public/did.json"
	python3 - "$_did" "$2" "$_who" <<'PY'
import json, sys, base64, copy
p = sys.argv[1]; d = json.load(open(p)); who = sys.argv[3]
vm = d["verificationMethod"][0]; k = vm["publicKeyJwk"]
data = eval(sys.argv[2])
if isinstance(data, dict):
    data = json.dumps(data)
open(p, "wb").write(data if isinstance(data, bytes) else data.encode())
PY
	check "did.json $1: ingest" do_ pending
	check "did.json $1: not pending" test ! -e "$PEND/$U"
}
odd_did "wrong kty" 'dict(d, verificationMethod=[dict(vm, publicKeyJwk=dict(k, kty="EC"))])'
odd_did "wrong curve" 'dict(d, verificationMethod=[dict(vm, publicKeyJwk=dict(k, crv="X25519"))])'
odd_did "non-base64 key" 'dict(d, verificationMethod=[dict(vm, publicKeyJwk=dict(k, x="!!!" + k["x"][3:]))])'
odd_did "key of 31 bytes" 'dict(d, verificationMethod=[dict(vm, publicKeyJwk=dict(k, x=base64.urlsafe_b64encode(bytes(31)).decode().rstrip("=")))])'
odd_did "key of 33 bytes" 'dict(d, verificationMethod=[dict(vm, publicKeyJwk=dict(k, x=base64.urlsafe_b64encode(b"\x01" * 33).decode().rstrip("=")))])'
odd_did "another e-mail's DID" 'dict(d, id=d["id"].replace("%40", "x%40"))'
odd_did "huge" 'dict(d, pad="x" * 2000000)'
odd_did "not an object" '"[1, 2]"'
odd_did "a stranger's key first" 'dict(d, verificationMethod=[dict(vm, publicKeyJwk=dict(k, x=base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("=")))] + d["verificationMethod"])'
n=$((n + 1)); _who="d$n@uni.example"
as "$_who" init >/dev/null
submit_as "$_who" did-symlink
rm "$WS/datasites/$_who/public/did.json"
ln -s "$WS/datasites/$DS_EMAIL/public/did.json" "$WS/datasites/$_who/public/did.json"
check "did.json a symlink: ingest" do_ pending
check "did.json a symlink: not pending" test ! -e "$PEND/$U"

# --- sync order: did.json after the job, signature.json after job.json -------
as late@uni.example init >/dev/null
LDID="$WS/datasites/late@uni.example/public/did.json"
submit_as late@uni.example did-late
mv "$LDID" "$TEST_DIR/late-did"
check "a signed job before its requester's did.json: ingest" do_ pending
check "it waits in the inbox" test -d "$APP/late@uni.example/$U"
mv "$TEST_DIR/late-did" "$LDID"
check "did.json arrives: ingest" do_ pending
check "the job is pending" test -d "$PEND/$U"
submit_as late@uni.example sig-late
mv "$APP/late@uni.example/$U/signature.json" "$TEST_DIR/late-sig"
check "a job whose signature.json is not there yet: ingest" do_ pending
check "it waits in the inbox (auto, the requester has a key)" test -d "$APP/late@uni.example/$U"
mv "$TEST_DIR/late-sig" "$APP/late@uni.example/$U/signature.json"
check "signature.json arrives: ingest" do_ pending
check "the job is pending" test -d "$PEND/$U"

# --- a job forged in the owner's own inbox folder ---------------------------
# The server swaps the owner's own did.json for a key of an identity made
# under the owner's address elsewhere, and drops a job signed with it.
EVIL="$TEST_DIR/evil-ws"
mkdir -p "$EVIL"
"$SCQ" --email "$DO_EMAIL" --data-dir "$EVIL" init >/dev/null
cp "$EVIL/datasites/$DO_EMAIL/public/did.json" "$WS/datasites/$DO_EMAIL/public/did.json"
submit_as "$MAL_EMAIL" as-owner
mkdir -p "$APP/$DO_EMAIL"
mv "$APP/$MAL_EMAIL/$U" "$APP/$DO_EMAIL/$U"
python3 "$FORGE" "$APP/$DO_EMAIL/$U" "j['requester_email'] = '$DO_EMAIL'"
check "signed with the forger's key under the owner's address" "$SCQ" --email "$DO_EMAIL" --data-dir "$EVIL" keys sign "$APP/$DO_EMAIL/$U"
check "ingest" do_ pending
check "the forged own job is not pending" test ! -e "$PEND/$U"
check "quarantined: bad signature" reason_has "$U" "bad signature"
check "no pin for the owner itself" sh -c '! find "$1" -name "$2*" | grep -q .' x "$STORE/keys/pinned" "$DO_EMAIL"
do_ init >/dev/null
submit_as "$DO_EMAIL" own-job
check "the owner's own job ingests" do_ pending
check "the owner's own job is pending" test -d "$PEND/$U"

# --- a key change after pinning, and tampering with the pin ----------------
PIN=$(find "$STORE/keys/pinned" -name '*.json' | xargs grep -l "\"$DS_EMAIL\"" | head -1)
check "ds's key is pinned in a file" test -n "$PIN"
cp "$PIN" "$TEST_DIR/pin.bak"
python3 - "$PIN" <<'PY'
import json, sys, base64
p = sys.argv[1]; j = json.load(open(p))
j["x"] = base64.urlsafe_b64encode(bytes(range(1, 33))).decode().rstrip("=")  # fingerprint kept
json.dump(j, open(p, "w"))
PY
check "keys list with a pin whose key was swapped" do_ keys list
out_has "keys list compares the pinned key itself, not its label" "^$DS_EMAIL	[0-9a-f]{16}	CHANGED"
cp "$TEST_DIR/pin.bak" "$PIN"

echo '{"x":' > "$PIN"
submit_as "$DS_EMAIL" after-bad-pin
check_exit "a damaged pin stops the ingest" 1 do_ pending
err_has "naming the pin and the repair" "pinned key .* is unreadable .*scq keys accept $DS_EMAIL pins"
check "keys accept repairs it" do_ keys accept "$DS_EMAIL"
check "then the job ingests" do_ pending
check "the job is pending" test -d "$PEND/$U"

# --- scq keys accept with hostile strings ---------------------------------
check_exit "keys accept of a path" 1 do_ keys accept "../../../$DS_EMAIL"
err_has "refused as no e-mail" "is not an email address"
check_exit "keys accept of a terminal escape" 1 do_ keys accept "$(printf 'a\033]0;x\007@b.c')"
check "the escape is not printed raw" sh -c '! grep -q "$(printf "\033")" "$1"' x "$TEST_DIR/err"
check_exit "keys accept of someone who publishes nothing" 1 do_ keys accept nobody@nowhere.example
check "keys accept in another case pins the lower-case address" do_ keys accept "$(echo "$DS_EMAIL" | tr a-z A-Z)"
check "no pin under the upper-case name" sh -c '! find "$1" -printf "%P\n" | grep -q "[A-Z]"' x "$STORE/keys/pinned"

# --- the private key: a loose mode, a damaged key --------------------------
KEY="$WS/private/code-queue/$MAL_EMAIL/keys/identity.json"
DID="$WS/datasites/$MAL_EMAIL/public/did.json"
cp "$DID" "$TEST_DIR/mal-did"
chmod 644 "$KEY"
check_exit "submit with a private key readable by others" 1 mal submit "$TEST_DIR/code" --to "$DO_EMAIL" --name loose
err_has "says the mode and what to do" "identity.json.*mode 0?644.*chmod 600"
chmod 600 "$KEY"
cp "$KEY" "$TEST_DIR/mal-key"
python3 - "$KEY" <<'PY'
import json, sys, base64
p = sys.argv[1]; k = json.load(open(p))
sk = base64.urlsafe_b64decode(k["ed25519"] + "==")
k["ed25519"] = base64.urlsafe_b64encode(sk[:32] + bytes(32)).decode().rstrip("=")
json.dump(k, open(p, "w"))
PY
check_exit "submit with a key whose public half is not its own" 1 mal submit "$TEST_DIR/code" --to "$DO_EMAIL" --name damaged
err_has "says the key file is damaged" "identity.json.*public key"
check "did.json not replaced by the damaged key" cmp "$DID" "$TEST_DIR/mal-did"
cp "$TEST_DIR/mal-key" "$KEY"
echo '{"format":' > "$KEY"
check_exit "submit with a corrupt key file" 1 mal submit "$TEST_DIR/code" --to "$DO_EMAIL" --name corrupt
err_has "names the key file" "identity.json' is not a key file"
cp "$TEST_DIR/mal-key" "$KEY"

# --- unsigned_jobs accept takes an unsigned job whatever did.json holds -----
do_ config set unsigned_jobs accept >/dev/null
as e1@uni.example init >/dev/null
submit_as e1@uni.example accept-unsigned
rm "$APP/e1@uni.example/$U/signature.json"
echo '{"id":' > "$WS/datasites/e1@uni.example/public/did.json"
check "accept: ingest an unsigned job beside a broken did.json" do_ pending
check "accept: the unsigned job is pending" test -d "$PEND/$U"
do_ config set unsigned_jobs auto >/dev/null

# --- a re-key, and the sync server swapping did.json before the accept ------
# The owner accepts the key the requester vouches for, by fingerprint; a key
# swapped in between is refused, nothing pinned.
DSKEY="$WS/private/code-queue/$DS_EMAIL/keys/identity.json"
DSDID="$WS/datasites/$DS_EMAIL/public/did.json"
fpr_of() { python3 -c 'import json,sys,base64,hashlib; d=json.load(open(sys.argv[1])); x=d["verificationMethod"][0]["publicKeyJwk"]["x"]; print(hashlib.sha256(base64.urlsafe_b64decode(x+"=")).hexdigest()[:16])' "$1"; }
OLD=$(fpr_of "$DSDID")
rm "$DSKEY"
ds init >/dev/null
NEW=$(fpr_of "$DSDID")
submit_as "$DS_EMAIL" rekeyed
check "ingest of the re-keyed job" do_ pending
check "the reason gives the accept command with the new fingerprint" reason_has "$U" "scq keys accept $DS_EMAIL $NEW"
check "keys list" do_ keys list
out_has "keys list names the published fingerprint" "^$DS_EMAIL	$OLD	CHANGED to $NEW: scq keys accept $DS_EMAIL $NEW$"
cp "$DSDID" "$TEST_DIR/ds-did-new"
python3 - "$DSDID" "$WS/datasites/$MAL_EMAIL/public/did.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); m = json.load(open(sys.argv[2]))
d["verificationMethod"][0]["publicKeyJwk"]["x"] = m["verificationMethod"][0]["publicKeyJwk"]["x"]
json.dump(d, open(sys.argv[1], "w"))
PY
check_exit "accept of the vouched key after the server swapped did.json" 1 do_ keys accept "$DS_EMAIL" "$NEW"
err_has "says which key is published now" "publishes key [0-9a-f]{16} now, not $NEW: nothing accepted"
check "keys list" do_ keys list
out_has "the old pin stays" "^$DS_EMAIL	$OLD	CHANGED"
check_exit "a fingerprint that is no fingerprint" 1 do_ keys accept "$DS_EMAIL" "xyz"
err_has "says so" "is not a key fingerprint"
cp "$TEST_DIR/ds-did-new" "$DSDID"
check "accept of the vouched key" do_ keys accept "$DS_EMAIL" "$(echo "$NEW" | tr a-f A-F)"
check "keys list" do_ keys list
out_has "the new key is pinned" "^$DS_EMAIL	$NEW	pinned$"

# --- a job run and cleaned up, replayed with its valid signature -----------
submit_as "$DS_EMAIL" replayed
R=$U
cp -a "$INBOX/$R" "$TEST_DIR/replayed"
do_ pending >/dev/null
check "approve" do_ approve "$R"
check "run" do_ run
do_ config set cleanup_completed_after 1 >/dev/null
sleep 2
check "clean up" do_ run
check "the job is gone from the store" sh -c '! ls "$1"/jobs/*/"$2" 2>/dev/null' x "$STORE" "$R"
OB="$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL/$R/status.json"
check "its outbox keeps the final status" grep -q results_removed_at "$OB"
cp -a "$TEST_DIR/replayed" "$INBOX/$R"
check "ingest of the replay" do_ pending
check "the replay is not pending" test ! -e "$PEND/$R"
check "the replay is quarantined as a replay" reason_has "$R" "replay"
check "the requester's final status is kept" grep -q results_removed_at "$OB"
do_ config set cleanup_completed_after 0 >/dev/null

# --- a requester with a long address (254 characters) ---------------------
LONG="$(printf '%0241d' 0 | tr 0 a)@evil.example"
as "$LONG" init >/dev/null
submit_as "$LONG" long
check "the owner's ingest works with a 254-character requester" do_ pending
check "the long requester's signed job is pending" test -d "$PEND/$U"
submit_as "$DS_EMAIL" after-long
check "and the next ingest too" do_ pending
check "the next job is pending" test -d "$PEND/$U"
check "keys list shows the long requester pinned" do_ keys list
out_has "pinned" "^$LONG	[0-9a-f]{16}	pinned$"

done_testing

#!/bin/sh
# t0850: signed submissions (issue 14 §3).  Every identity gets an Ed25519
# key at init, published as a syft_crypto DID document; a job is signed
# over its job.json; the owner verifies at ingest against the requester's
# key pinned on first use.  Forged, re-signed, unsigned and re-keyed jobs
# are quarantined with a one-line reason; a key change waits for
# `scq keys accept`.
. "$(dirname "$0")/test-lib.sh"

MAL_EMAIL=mallory@evil.example
CAROL_EMAIL=carol@uni.example
mal() { "$SCQ" --email "$MAL_EMAIL" --data-dir "$WS" "$@"; }
carol() { "$SCQ" --email "$CAROL_EMAIL" --data-dir "$WS" "$@"; }
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox"
INBOX="$APP/$DS_EMAIL"
QDIR="$WS/private/code-queue/$DO_EMAIL/quarantine"
PEND="$WS/private/code-queue/$DO_EMAIL/jobs/pending"
FORGE="$(dirname "$0")/forge-job.py"
mal init >/dev/null
carol init >/dev/null
make_job "$TEST_DIR/code"

# reason_has UID ERE: the quarantine record of UID gives a reason matching ERE
reason_has() {
	_rj=$(grep -lF "\"entry\": \"$1\"" "$QDIR"/*/reason.json 2>/dev/null | head -1)
	test -n "$_rj" && grep '"reason"' "$_rj" | grep -Eq -- "$2"
}

# --- the keys and the DID document ---------------------------------------
DID="$WS/datasites/$DS_EMAIL/public/did.json"
check "init publishes did.json" test -s "$DID"
check "did.json has the syft_crypto shape" python3 - "$DID" "$DS_EMAIL" <<'PY'
import json, sys, base64, urllib.parse
d = json.load(open(sys.argv[1])); email = sys.argv[2]
did = "did:web:syftbox.net:" + urllib.parse.quote(email, safe="")
assert d["id"] == did, d["id"]
assert "https://www.w3.org/ns/did/v1" in d["@context"]
vm = [m for m in d["verificationMethod"] if m["id"] == did + "#identity-key"][0]
k = vm["publicKeyJwk"]
assert (k["kty"], k["crv"], k["kid"], k["use"]) == ("OKP", "Ed25519", "identity-key", "sig")
assert len(base64.urlsafe_b64decode(k["x"] + "==")) == 32
ka = [m for m in d["keyAgreement"] if m["id"] == did + "#signed-prekey"][0]["publicKeyJwk"]
assert (ka["kty"], ka["crv"]) == ("OKP", "X25519")
assert len(base64.urlsafe_b64decode(ka["x"] + "==")) == 32
assert len(base64.urlsafe_b64decode(ka["signature"] + "==")) == 64
PY
KEY="$WS/private/code-queue/$DS_EMAIL/keys/identity.json"
check "private key outside the synced tree, mode 0600" sh -c \
	'test "$(stat -c %a "$1")" = 600 && ! grep -rqF "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"ed25519\"])" "$1")" "$2"' x "$KEY" "$WS/datasites"
cp "$DID" "$TEST_DIR/did.before"
check "a second init keeps the key" ds init
check "did.json unchanged by a second init" cmp "$DID" "$TEST_DIR/did.before"

# --- a signed job ingests, and pins its requester's key -------------------
check "submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name signed
U=$(last_out)
check "the inbox job carries signature.json" test -s "$INBOX/$U/signature.json"
check "owner ingests the signed job" do_ pending
check "signed job is pending" test -d "$PEND/$U"
check "keys list" do_ keys list
out_has "the requester's key is pinned" "^$DS_EMAIL	[0-9a-f]{16}	pinned$"
check "pinning is audited" grep -q '"key-pinned"' "$WS/private/code-queue/$DO_EMAIL/audit.jsonl"

# --- code changed after signing (manifest recomputed to match) ------------
check "submit a job to tamper with" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name tampered
U=$(last_out)
printf '#!/bin/bash\necho pwned\n' > "$INBOX/$U/code/run.sh"
python3 "$FORGE" "$INBOX/$U" 'j["files"] = [ent("run.sh", open(d + "/code/run.sh", "rb").read(), "0755")]' redigest
check "ingest of the tampered job" do_ pending
check "tampered job not pending" test ! -e "$PEND/$U"
check "tampered job quarantined: bad signature" reason_has "$U" "bad signature"

# --- a forged job in another requester's folder, signed with the wrong key --
check "mallory submits" mal submit "$TEST_DIR/code" --to "$DO_EMAIL" --name forged
U=$(last_out)
mv "$APP/$MAL_EMAIL/$U" "$INBOX/$U"
python3 "$FORGE" "$INBOX/$U" "j['requester_email'] = '$DS_EMAIL'"
check "mallory signs the forged job with her own key" mal keys sign "$INBOX/$U"
check "ingest of the forged job" do_ pending
err_has "one line names the forged job" "quarantined inbox/$DS_EMAIL/$U: bad signature"
check "forged job not pending" test ! -e "$PEND/$U"
check "forged job quarantined: bad signature" reason_has "$U" "bad signature"

# --- the same forgery unsigned, while the requester has a key -------------
check "mallory submits again" mal submit "$TEST_DIR/code" --to "$DO_EMAIL" --name unsigned
U=$(last_out)
mv "$APP/$MAL_EMAIL/$U" "$INBOX/$U"
python3 "$FORGE" "$INBOX/$U" "j['requester_email'] = '$DS_EMAIL'"
rm "$INBOX/$U/signature.json"
check "ingest waits for a signature within the grace" do_ pending
check "unsigned job still in the inbox" test -d "$INBOX/$U"
do_ config set ingest_grace_seconds 0 >/dev/null
sleep 1
check "ingest after the grace" do_ pending
check "unsigned forged job not pending" test ! -e "$PEND/$U"
check "unsigned forged job quarantined: unsigned" reason_has "$U" "unsigned job .*publishes a signing key"
do_ config set ingest_grace_seconds 86400 >/dev/null

# --- a key change is refused until the owner accepts it -------------------
rm "$KEY"
check "the requester makes a new key" ds init
check "did.json now holds another key" sh -c '! cmp -s "$1" "$2"' x "$DID" "$TEST_DIR/did.before"
check "submit with the new key" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name rekeyed
U=$(last_out)
check "ingest of the re-keyed job" do_ pending
check "re-keyed job not pending" test ! -e "$PEND/$U"
check "re-keyed job quarantined: key changed, accept named" reason_has "$U" "key changed .*scq keys accept $DS_EMAIL"
check "keys list" do_ keys list
out_has "keys list shows the change" "^$DS_EMAIL	[0-9a-f]{16}	CHANGED"
check "owner accepts the new key" do_ keys accept "$DS_EMAIL"
check "accepting is audited" grep -q '"key-accepted"' "$WS/private/code-queue/$DO_EMAIL/audit.jsonl"
check "submit after the accept" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name accepted
U=$(last_out)
check "ingest after the accept" do_ pending
check "the job ingests under the accepted key" test -d "$PEND/$U"
check_exit "accepting a key nobody publishes" 1 do_ keys accept nobody@nowhere.example
err_has "says no key is published" "publishes no key"

# --- unsigned_jobs: a requester who publishes no key ----------------------
check "carol submits" carol submit "$TEST_DIR/code" --to "$DO_EMAIL" --name keyless
U=$(last_out)
rm "$APP/$CAROL_EMAIL/$U/signature.json" "$WS/datasites/$CAROL_EMAIL/public/did.json"
check "auto: unsigned from a keyless requester is taken" do_ pending
err_has "with a notice" "$U of $CAROL_EMAIL is unsigned"
check "keyless job pending" test -d "$PEND/$U"
check "carol submits again" carol submit "$TEST_DIR/code" --to "$DO_EMAIL" --name refused
U=$(last_out)
rm "$APP/$CAROL_EMAIL/$U/signature.json" "$WS/datasites/$CAROL_EMAIL/public/did.json"
do_ config set unsigned_jobs refuse >/dev/null
do_ config set ingest_grace_seconds 0 >/dev/null
sleep 1
check "refuse: ingest" do_ pending
check "refuse: quarantined" reason_has "$U" "unsigned job .*unsigned_jobs = refuse"
check "refuse: not pending" test ! -e "$PEND/$U"

# --- a did.json without a usable key (truncated by sync?) ----------------
DAVE_EMAIL=dave@uni.example
do_ config set unsigned_jobs auto >/dev/null
do_ config set ingest_grace_seconds 86400 >/dev/null
"$SCQ" --email "$DAVE_EMAIL" --data-dir "$WS" init >/dev/null
check "dave submits" "$SCQ" --email "$DAVE_EMAIL" --data-dir "$WS" submit "$TEST_DIR/code" --to "$DO_EMAIL" --name dave
U=$(last_out)
head -c 100 "$WS/datasites/$DAVE_EMAIL/public/did.json" > "$TEST_DIR/t"
cp "$TEST_DIR/t" "$WS/datasites/$DAVE_EMAIL/public/did.json"
check "ingest with a broken did.json" do_ pending
check "the job waits for a whole did.json" test -d "$APP/$DAVE_EMAIL/$U"
do_ config set ingest_grace_seconds 0 >/dev/null
sleep 1
check "ingest after the grace" do_ pending
check "then quarantined, naming did.json" reason_has "$U" "public/did.json: .* after 0 seconds"
check "not pending" test ! -e "$PEND/$U"

done_testing

#!/bin/sh
# t0856: the records besides jobs that requesters and reviewers put in the
# owner's inbox are signed too (issue 14 §3, doc/protocol.md §4 "Signed
# records").  Whoever can write a reviewer's inbox folder (the sync server
# in SyftBox's dev mode trusts user=) must not count a vote, release vote
# or cancel request as the reviewer's or requester's: an unsigned record
# from a writer who publishes a key waits for its signature, then is
# quarantined; one signed with another key is quarantined at once; the
# real ones still count, also when their signature arrives after them.
. "$(dirname "$0")/test-lib.sh"

REV=rev@lab.example
MAL=mallory@evil.example
rev() { "$SCQ" --email "$REV" --data-dir "$WS" "$@"; }
mal() { "$SCQ" --email "$MAL" --data-dir "$WS" "$@"; }
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
IN="$APP/inbox"
STORE="$WS/private/code-queue/$DO_EMAIL"
JOBS="$STORE/jobs"
QUAR="$STORE/quarantine"
AUDIT="$STORE/audit.jsonl"
state_of() { ls -d "$JOBS"/*/"$1" 2>/dev/null | sed 's|/[^/]*$||; s|.*/||'; }
reason_has() { # ENTRY ERE: a quarantine of inbox entry ENTRY says ERE
	grep -lF "\"entry\": \"$1\"" "$QUAR"/*/reason.json 2>/dev/null |
		xargs -r grep -h '"reason"' | grep -Eq -- "$2"
}
digest_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["code_sha256"])' "$JOBS/pending/$1/job.json"; }
# forge_signed FOLDER FILE: FILE (in inbox/FOLDER/) signed with mallory's
# key, as a sync server that lets mallory write there would deliver it
forge_signed() {
	mkdir -p "$IN/$MAL"
	mv "$IN/$1/$2" "$IN/$MAL/$2"
	mal keys sign "$IN/$MAL/$2" >/dev/null
	mv "$IN/$MAL/$2" "$IN/$1/$2"
	mv "$IN/$MAL/${2%.json}.sig.json" "$IN/$1/${2%.json}.sig.json"
}
# quarantine_now: a pass with no grace, so what waits is refused
quarantine_now() {
	do_ config set ingest_grace_seconds 0 >/dev/null
	sleep 1
	do_ pending >/dev/null 2>&1
	do_ config set ingest_grace_seconds 86400 >/dev/null
}

ds init >/dev/null; do_ init >/dev/null; rev init >/dev/null; mal init >/dev/null
do_ config set isolation none >/dev/null
do_ config set approvals_required 2 >/dev/null
check "the reviewer is delegated" do_ reviewers add "$REV"
check "... and the key it publishes is pinned then, before any vote" test -f "$STORE/keys/pinned/$REV/key.json"
check "... audited" sh -c "grep '\"event\":\"key-pinned\"' '$AUDIT' | grep -q '$REV'"
make_job "$TEST_DIR/job" 'echo ran; printf "group,n\na,20\n" > "$OUTPUT_DIR/public.csv"'

# --- 1. a forged approval vote (the hostile trial's reproduction) ---------
A=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name a)
do_ pending >/dev/null
check "the owner votes once" do_ approve "$A"
mkdir -p "$IN/$REV"
printf '{"uid":"%s","by":"%s","at":"2026-01-01T00:00:00Z","code_sha256":"%s","allow_network":false}' \
	"$A" "$REV" "$(digest_of "$A")" > "$IN/$REV/$A.vote.json"
check "an unsigned vote in the reviewer's folder: the owner's refresh" do_ pending
check "the forged vote is not counted: the job stays pending" test "$(state_of "$A")" = pending
check "it waits for its signature (the reviewer publishes a key)" test -f "$IN/$REV/$A.vote.json"
check "no approval in the log" sh -c "! grep -q '\"event\":\"approve\".*\"uid\":\"$A\"' '$AUDIT'"
quarantine_now
check "after the grace it is quarantined" test ! -e "$IN/$REV/$A.vote.json"
check "... saying it is unsigned" reason_has "$A.vote.json" "unsigned vote record .*publishes a signing key.*still incomplete"
check "still pending, one vote" test "$(state_of "$A")" = pending

printf '{"uid":"%s","by":"%s","at":"2026-01-01T00:00:00Z","code_sha256":"%s","allow_network":false}' \
	"$A" "$REV" "$(digest_of "$A")" > "$IN/$REV/$A.vote.json"
forge_signed "$REV" "$A.vote.json"
check "a vote signed with another key: the owner's refresh" do_ pending
check "it is quarantined at once" test ! -e "$IN/$REV/$A.vote.json"
check "... as a bad signature" reason_has "$A.vote.json" "bad signature: $A.vote.sig.json does not sign this $A.vote.json"
check "the job stays pending" test "$(state_of "$A")" = pending

# a signature of the reviewer's vote for job A, on a record for job B
B=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name b)
do_ pending >/dev/null
do_ approve "$B" >/dev/null
check "the reviewer votes for A" rev approve "$A" --owner "$DO_EMAIL"
check "the vote is signed beside it" test -f "$IN/$REV/$A.vote.sig.json"
cp "$IN/$REV/$A.vote.sig.json" "$IN/$REV/$B.vote.sig.json"
sed "s/$A/$B/; s/$(digest_of "$A")/$(digest_of "$B")/" "$IN/$REV/$A.vote.json" > "$IN/$REV/$B.vote.json"
mv "$IN/$REV/$A.vote.json" "$TEST_DIR/a-vote"; mv "$IN/$REV/$A.vote.sig.json" "$TEST_DIR/a-sig"
check "the replayed signature: the owner's refresh" do_ pending
check "B is not approved" test "$(state_of "$B")" = pending
check "... its record quarantined as a bad signature" reason_has "$B.vote.json" "bad signature"

# --- 2. the real vote counts, also when its signature comes late -----------
mv "$TEST_DIR/a-vote" "$IN/$REV/$A.vote.json"
check "the real vote arrives before its signature: the owner's refresh" do_ pending
check "it is not counted yet" test "$(state_of "$A")" = pending
check "it waits in the inbox" test -f "$IN/$REV/$A.vote.json"
mv "$TEST_DIR/a-sig" "$IN/$REV/$A.vote.sig.json"
check "the signature arrives: the owner's refresh" do_ pending
check "the signed vote approves the job" test "$(state_of "$A")" = approved
check "the record and its signature are consumed" test ! -e "$IN/$REV/$A.vote.json" -a ! -e "$IN/$REV/$A.vote.sig.json"

# a forged record waiting in the reviewer's folder does not stop its vote
E=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name e)
do_ pending >/dev/null
do_ approve "$E" >/dev/null
printf '{"uid":"%s","by":"%s","code_sha256":"%s","allow_network":true}' "$E" "$REV" "$(digest_of "$E")" > "$IN/$REV/$E.vote.json"
check "an unsigned record forged in the reviewer's folder waits" do_ pending
check "the reviewer votes all the same (the unsigned record is none of its own)" rev approve "$E" --owner "$DO_EMAIL"
check "its own record replaced the forged one" sh -c "! grep -q allow_network.*true '$IN/$REV/$E.vote.json'"
check "the owner's refresh counts the real vote" do_ pending
check "approved" test "$(state_of "$E")" = approved
check "the approval names both voters" grep -q "\"event\":\"approve\".*($DO_EMAIL $REV).*\"uid\":\"$A\"" "$AUDIT"

# --- 3. cancel requests -------------------------------------------------------
C=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name c)
do_ pending >/dev/null
printf '{"by":"%s","reason":"cancelled by requester","uid":"%s"}' "$DS_EMAIL" "$C" > "$IN/$DS_EMAIL/$C.cancel.json"
check "an unsigned cancel request: the owner's refresh" do_ pending
check "the job is not cancelled" test "$(state_of "$C")" = pending
check "the request waits for its signature" test -f "$IN/$DS_EMAIL/$C.cancel.json"
quarantine_now
check "after the grace it is quarantined" reason_has "$C.cancel.json" "unsigned cancel request .*still incomplete"
printf '{"by":"%s","reason":"cancelled by requester","uid":"%s"}' "$DS_EMAIL" "$C" > "$IN/$DS_EMAIL/$C.cancel.json"
forge_signed "$DS_EMAIL" "$C.cancel.json"
check "a cancel request signed with another key: the owner's refresh" do_ pending
check "the job is not cancelled" test "$(state_of "$C")" = pending
check "... the request quarantined as a bad signature" test ! -e "$IN/$DS_EMAIL/$C.cancel.json"
check "the requester cancels" ds cancel "$C"
check "its request is signed" test -f "$IN/$DS_EMAIL/$C.cancel.sig.json"
mv "$IN/$DS_EMAIL/$C.cancel.sig.json" "$TEST_DIR/c-sig"
check "without its signature yet: the owner's refresh" do_ pending
check "the job is not cancelled yet" test "$(state_of "$C")" = pending
mv "$TEST_DIR/c-sig" "$IN/$DS_EMAIL/$C.cancel.sig.json"
check "the signature arrives: the owner's refresh" do_ pending
check "the job is cancelled" test "$(state_of "$C")" = cancelled
check "the request and its signature are consumed" test ! -e "$IN/$DS_EMAIL/$C.cancel.json" -a ! -e "$IN/$DS_EMAIL/$C.cancel.sig.json"

# --- 4. release votes ----------------------------------------------------------
do_ config set release review >/dev/null
do_ config set release_approvals_required 2 >/dev/null
R=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name r)
do_ pending >/dev/null
do_ approve "$R" >/dev/null
rev approve "$R" --owner "$DO_EMAIL" >/dev/null
do_ pending >/dev/null
check "the job runs, its results held" do_ run
check "held" grep -q '"awaiting_release"' "$APP/outbox/$DS_EMAIL/$R/status.json"
check "the owner votes to release" do_ release "$R" -r "fine" --ack-flags
check "the reviewer votes the same" rev release "$R" --owner "$DO_EMAIL" -r "fine too" --ack-flags
RV="$IN/$REV/$R.release.vote.json"
check "the release vote is signed" test -f "$IN/$REV/$R.release.vote.sig.json"
mv "$IN/$REV/$R.release.vote.sig.json" "$TEST_DIR/r-sig"
check "the same bytes, unsigned: the owner's refresh" do_ pending
check "nothing is released" grep -q '"awaiting_release"' "$APP/outbox/$DS_EMAIL/$R/status.json"
check "the record waits" test -f "$RV"
forge_signed "$REV" "$R.release.vote.json"
check "signed with another key: the owner's refresh" do_ pending
check "still nothing released" grep -q '"awaiting_release"' "$APP/outbox/$DS_EMAIL/$R/status.json"
check "quarantined as a bad signature" reason_has "$R.release.vote.json" "bad signature"
check "the reviewer votes again" rev release "$R" --owner "$DO_EMAIL" -r "fine too" --ack-flags
mv "$IN/$REV/$R.release.vote.sig.json" "$TEST_DIR/r-sig"
check "its signature not there yet: the owner's refresh" do_ pending
check "held still" grep -q '"awaiting_release"' "$APP/outbox/$DS_EMAIL/$R/status.json"
mv "$TEST_DIR/r-sig" "$IN/$REV/$R.release.vote.sig.json"
check "the signature arrives: the owner's refresh" do_ pending
check "the two votes release the results" test -f "$APP/outbox/$DS_EMAIL/$R/output/public.csv"
check "the record and its signature are consumed" test ! -e "$RV" -a ! -e "$IN/$REV/$R.release.vote.sig.json"

# --- 5. a signature alone, and the policy settings ---------------------------
echo '{}' > "$IN/$REV/$B.vote.sig.json"
check "a signature without its record: the owner's refresh" do_ pending
check "it waits (its record may still come)" test -f "$IN/$REV/$B.vote.sig.json"
quarantine_now
check "after the grace it is quarantined" reason_has "$B.vote.sig.json" "signature of an inbox record that is not there"
check "unsigned_jobs accept" do_ config set unsigned_jobs accept
printf '{"uid":"%s","by":"%s","at":"2026-01-01T00:00:00Z","code_sha256":"%s","allow_network":false}' \
	"$B" "$REV" "$(digest_of "$B")" > "$IN/$REV/$B.vote.json"
check "accept: an unsigned vote is taken" do_ pending
err_has "... with a notice" "vote record $B of $REV is unsigned: taken \(unsigned_jobs = accept\)"
check "... and counts" test "$(state_of "$B")" = approved
do_ config set unsigned_jobs auto >/dev/null
check "audit --verify accepts the log" do_ audit --verify

done_testing

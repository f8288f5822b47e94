#!/bin/sh
# t0730: the two-person rule for releases (issue 12 §3,
# release_approvals_required; doc/protocol.md §6a).  With 2: the owner's
# release is one vote and publishes nothing; a second vote of the same
# identity is refused; the held log, outputs and flags are shared with the
# delegated reviewer (and with nobody else) while the job awaits release;
# the reviewer's vote from its inbox folder for the same decision releases
# exactly the chosen files; a vote for another file set does not count
# with the first; changed outputs reset the votes; withhold needs no
# second vote; hostile release-vote records are quarantined or refused;
# `scq audit --verify` accepts the votes and refuses a release whose
# audit line names too few voters.
. "$(dirname "$0")/test-lib.sh"

REV=rev@lab.example
rev() { "$SCQ" --email "$REV" --data-dir "$WS" "$@"; }
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
OB="$APP/outbox/$DS_EMAIL"
JOBS="$WS/private/code-queue/$DO_EMAIL/jobs"
AUDIT="$WS/private/code-queue/$DO_EMAIL/audit.jsonl"
QUAR="$WS/private/code-queue/$DO_EMAIL/quarantine"
outbox_files() { (cd "$OB/$1" && find . -type f | sort | tr '\n' ' '); }

ds init >/dev/null; do_ init >/dev/null; rev init >/dev/null
do_ config set isolation none >/dev/null
do_ config set release review >/dev/null
check "release_approvals_required 2" do_ config set release_approvals_required 2
check "the reviewer is delegated" do_ reviewers add "$REV"
two='echo LOG-SECRET; printf "group,n\\na,20\\n" > "$OUTPUT_DIR/public.csv"; printf "group,n\\nb,3\\n" > "$OUTPUT_DIR/small.csv"'
run_held() { # NAME: submit, approve, run; U gets the uid
	make_job "$TEST_DIR/$1" "$two"
	U=$(ds submit "$TEST_DIR/$1" --to "$DO_EMAIL" --name "$1")
	do_ approve "$U" >/dev/null && do_ run >/dev/null
}

# 1. the owner's release alone publishes nothing
run_held one
RR="$APP/outbox/$REV/release-review/$U"
check "held outputs are shared with the reviewer" test -f "$RR/output/public.csv" -a -f "$RR/execution.txt"
check "the log as execution.txt (SyftBox syncs no .log)" test ! -e "$RR/execution.log"
check "with their flags and record" test -f "$RR/flags.json" -a -f "$RR/job.json"
check "nothing is shared with the requester for release review" test ! -e "$APP/outbox/$DS_EMAIL/release-review"
check "the owner votes to release public.csv" do_ release "$U" --file public.csv -r "table checked" --ack-flags
out_has "it says the vote was recorded, 1 of 2" "release vote recorded, 1 of 2"
check "the outbox holds no output" test ! -e "$OB/$U/output"
check "the requester still sees it held" grep -q '"release_state": *"awaiting_release"' "$OB/$U/status.json"
check "release-votes.json holds the owner's vote" grep -q "\"by\": \"$DO_EMAIL\"" "$JOBS/completed/$U/release-votes.json"
check "the vote is audited, with its count" grep -q "\"event\":\"release-vote\".*\"reason\":\"1 of 2: table checked\".*\"uid\":\"$U\"" "$AUDIT"

# 2. the same identity again, for the same decision: refused
check_exit "a second vote by the owner is refused" 1 do_ release "$U" --file public.csv -r again --ack-flags
err_has "it says why" "already voted for this release .* another approver"

# 3. the reviewer votes for another file set: does not count with the first
check_exit "the reviewer's vote needs --ack-flags when the release is flagged" 1 \
	rev release "$U" --owner "$DO_EMAIL" --file public.csv --file small.csv -r both
check "the reviewer votes for both files" rev release "$U" --owner "$DO_EMAIL" \
	--file public.csv --file small.csv -r "both fine" --ack-flags
out_has "it says where the vote went" "sent to $DO_EMAIL"
check "the record sits in the reviewer's inbox folder" test -f "$APP/inbox/$REV/$U.release.vote.json"
check "the owner's refresh reads it" do_ pending
check "the record is consumed" test ! -e "$APP/inbox/$REV/$U.release.vote.json"
check "still held: another decision's vote does not count" grep -q '"awaiting_release"' "$OB/$U/status.json"
check "nothing was published" test ! -e "$OB/$U/output"
check "each decision has one vote" python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); v = d["votes"]
assert len(v) == 2 and len({x["release_sha256"] for x in v}) == 2, v' "$JOBS/completed/$U/release-votes.json"

# 4. the reviewer votes for the owner's decision: exactly public.csv goes
check "the reviewer changes its vote to public.csv" rev release "$U" --owner "$DO_EMAIL" \
	--file public.csv -r "agreed" --ack-flags
check "the owner's refresh counts it" do_ pending
check "the job is partly released" grep -q '"release_state": *"partly_released"' "$OB/$U/status.json"
check "exactly public.csv is in the outbox" test "$(outbox_files "$U")" = "./output/public.csv ./status.json "
check "no secret left" sh -c "! grep -rq SECRET '$OB/$U'"
check "released.json names both voters" python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert sorted(v["by"] for v in d["votes"]) == sorted(sys.argv[2:]), d["votes"]
assert d["release_approvals_required"] == 2' "$JOBS/completed/$U/released.json" "$DO_EMAIL" "$REV"
check "the decision's audit line names both voters" grep -q "\"event\":\"release-partial\".*\"reason\":\"2 of 2 votes ($DO_EMAIL $REV): table checked\".*\"uid\":\"$U\"" "$AUDIT"
check "the review copy is withdrawn once decided" test ! -e "$RR"
check "audit --verify accepts the votes" do_ audit --verify
U1=$U
check "the requester gets exactly public.csv" ds output "$U" --to "$TEST_DIR/got1"
check "... and nothing else" test "$(cd "$TEST_DIR/got1" && find . -type f | sort | tr '\n' ' ')" = "./public.csv "

# 5. changed outputs reset the votes
run_held two
check "the owner votes to release all" do_ release "$U" -r "all fine" --ack-flags
out_has "1 of 2" "release vote recorded, 1 of 2"
check "the reviewer votes for all from its copy" rev release "$U" --owner "$DO_EMAIL" -r "all ok" --ack-flags
echo changed >> "$JOBS/completed/$U/output/public.csv"
check "the owner's refresh reads the stale vote" do_ pending
check "still held: the vote was for other outputs" grep -q '"awaiting_release"' "$OB/$U/status.json"
check "the stale vote is refused in the log" grep -q "\"event\":\"vote-refused\".*for outputs other than.*\"uid\":\"$U\"" "$AUDIT"
check "the owner votes again" do_ release "$U" -r "all fine" --ack-flags
out_has "counted anew: 1 of 2" "release vote recorded, 1 of 2"
check "the reset is audited" grep -q "\"event\":\"vote-reset\".*outputs changed.*\"uid\":\"$U\"" "$AUDIT"

# 6. withholding needs no second vote
check "the owner withholds at once" do_ withhold "$U" -r "changed under us"
check "withheld" grep -q '"release_state": *"withheld"' "$OB/$U/status.json"
check "nothing was published" test "$(outbox_files "$U")" = "./status.json "
check "the review copy is withdrawn" test ! -e "$APP/outbox/$REV/release-review/$U"

# 7. hostile records
run_held three
IN="$APP/inbox/$REV"
mkdir -p "$IN"
printf '{"uid":"%s","by":"%s","release_sha256":"%064d","reason":"x","log":true}' "$U" "$DO_EMAIL" 0 > "$IN/$U.release.vote.json"
check "signed by the reviewer (the fields are what is hostile)" rev keys sign "$IN/$U.release.vote.json"
check "a spoofed record is read" do_ pending
check "... and quarantined as spoofed" sh -c "grep -l 'spoofed identity' '$QUAR'/*/reason.json"
printf '{"uid":"%s", "by": nope}' "$U" > "$IN/$U.release.vote.json"
check "a malformed record is read" do_ pending
check "... and quarantined" sh -c "grep -l 'release vote record:' '$QUAR'/*/reason.json | wc -l | grep -qx 2"
printf '{"uid":"%s","by":"%s","release_sha256":"%064d","reason":"x","log":true,"files":["../../etc/passwd"]}' "$U" "$REV" 0 > "$IN/$U.release.vote.json"
check "signed by the reviewer" rev keys sign "$IN/$U.release.vote.json"
check "a vote naming no output is read" do_ pending
check "... and refused in the log" grep -q "\"event\":\"vote-refused\".*no output file.*\"uid\":\"$U\"" "$AUDIT"
check "still held after all of them" grep -q '"awaiting_release"' "$OB/$U/status.json"
mkdir -p "$APP/inbox/$DS_EMAIL"
printf '{"uid":"%s","by":"%s","release_sha256":"%064d","reason":"x","log":true}' "$U" "$DS_EMAIL" 0 > "$APP/inbox/$DS_EMAIL/$U.release.vote.json"
check "the requester's own release vote is read" do_ pending
check "... and quarantined: not an approver" sh -c "grep -l 'is not an approver' '$QUAR'/*/reason.json"
check "audit --verify still accepts the log" do_ audit --verify
check "release_approvals_required 1 for a moment" do_ config set release_approvals_required 1
printf '{"uid":"%s","by":"%s","release_sha256":"%064d","reason":"x","log":true}' "$U" "$REV" 0 > "$IN/$U.release.vote.json"
check "a reviewer's release vote under 1 is read" do_ pending
check "... and quarantined: the owner decides alone" sh -c "grep -l 'release_approvals_required is 2 or more (now 1' '$QUAR'/*/reason.json"
check "... the job still held" grep -q '"awaiting_release"' "$OB/$U/status.json"
do_ config set release_approvals_required 2 >/dev/null
check "the held job is shared with the reviewer" test -d "$APP/outbox/$REV/release-review/$U"
check "removing the reviewer" do_ reviewers remove "$REV"
check "... removes its release review copies" test ! -e "$APP/outbox/$REV/release-review"

# 8. the log is checked: a forged release without enough votes is caught
cat > "$TEST_DIR/rechain.py" <<'EOF'
import hashlib, json, os, sys
p, uid, owner, rev, forge = sys.argv[1:]
lines = open(p).read().splitlines()
def f(l):
    if '"event":"release-partial"' not in l or uid not in l:
        return l
    if forge == "1":  # one voter twice
        return l.replace("(%s %s)" % (owner, rev), "(%s %s)" % (owner, owner))
    if forge == "2":  # after release votes of "1 of 2", a decision of one vote
        return l.replace("2 of 2 votes (%s %s)" % (owner, rev), "1 of 1 votes (%s)" % owner)
    return l
out = [f(l) for l in lines]
# chained again, heads and all: only the rule can tell
prev, objs = "0" * 64, []
for l in out:
    o = json.loads(l); o.pop("hash"); o["prev"] = prev
    o["hash"] = prev = hashlib.sha256(json.dumps(o, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    objs.append(o)
open(p, "w").write("".join(json.dumps(o, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n" for o in objs))
head = {"seq": objs[-1]["seq"], "hash": prev, "at": objs[-1]["at"]}
json.dump(head, open(os.path.dirname(p) + "/audit.head.json", "w"))
app = os.path.dirname(p).replace("/private/code-queue/" + owner, "/datasites/" + owner + "/app_data/code-queue")
json.dump(head, open(app + "/audit-head.json", "w"))
EOF
for f in 0 1 2; do
	cp -a "$WS" "$TEST_DIR/forged$f"
	python3 "$TEST_DIR/rechain.py" "$TEST_DIR/forged$f/private/code-queue/$DO_EMAIL/audit.jsonl" "$U1" "$DO_EMAIL" "$REV" $f
done
check "the log chained again unchanged passes --verify" "$SCQ" --email "$DO_EMAIL" --data-dir "$TEST_DIR/forged0" audit --verify
check_exit "a forged release (one voter twice) fails --verify" 1 "$SCQ" --email "$DO_EMAIL" --data-dir "$TEST_DIR/forged1" audit --verify
err_has "it names the job and the rule" "job '$U1' was released by a repeated vote"
check_exit "a forged release of one vote after votes of 2 fails --verify" 1 "$SCQ" --email "$DO_EMAIL" --data-dir "$TEST_DIR/forged2" audit --verify
err_has "it names the job and the rule" "job '$U1' was released with fewer votes than it needed"
done_testing

#!/bin/sh
# t0720: the two-person rule (issue 12 §3).  With approvals_required 2 one
# approval records a vote and never runs the job; a second vote from the
# same identity is refused; a delegated reviewer's vote through its inbox
# folder approves; a requester delegated as reviewer can never approve its
# own job; a change of the job's code resets the votes; every vote is in
# the audit log and `scq audit --verify` accepts the order; hostile vote
# records are quarantined with their one-line reason.
. "$(dirname "$0")/test-lib.sh"

REV=rev@lab.example
REV2=second@lab.example
rev() { "$SCQ" --email "$REV" --data-dir "$WS" "$@"; }
rev2() { "$SCQ" --email "$REV2" --data-dir "$WS" "$@"; }
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
JOBS="$WS/private/code-queue/$DO_EMAIL/jobs"
AUDIT="$WS/private/code-queue/$DO_EMAIL/audit.jsonl"
QUAR="$WS/private/code-queue/$DO_EMAIL/quarantine"
state_of() { ls -d "$JOBS"/*/"$1" 2>/dev/null | sed 's|/[^/]*$||; s|.*/||'; }
events() { grep "\"uid\":\"$1\"" "$AUDIT" | sed 's/.*"event":"\([^"]*\)".*/\1/' | tr '\n' ' '; }

ds init >/dev/null; do_ init >/dev/null; rev init >/dev/null; rev2 init >/dev/null
do_ config set isolation none >/dev/null
check "approvals_required is a setting (default 1)" sh -c "\"$SCQ\" --email $DO_EMAIL --data-dir '$WS' config get approvals_required | grep -qx 1"
check "release_approvals_required is a setting (default 1)" sh -c "\"$SCQ\" --email $DO_EMAIL --data-dir '$WS' config get release_approvals_required | grep -qx 1"
check "approvals_required 2" do_ config set approvals_required 2
check "scq reviewers add" do_ reviewers add "$REV"
check "scq reviewers list names it" do_ reviewers list
out_has "the reviewer is listed" "^$REV\$"
check_exit "the owner is no reviewer to add" 1 do_ reviewers add "$DO_EMAIL"
check "the delegation is audited" grep -q '"event":"reviewer-add"' "$AUDIT"

make_job "$TEST_DIR/job" 'echo ran >> "$OUTPUT_DIR/ran.txt"'
A=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name two)
do_ pending >/dev/null

# 1. one approval is a vote: the job stays pending and never runs
check "the owner's approval is accepted" do_ approve "$A" -r "looks fine"
out_has "it says the vote was recorded, 1 of 2" "vote recorded, 1 of 2"
check "the job is still pending" test "$(state_of "$A")" = pending
check "the runner runs nothing" do_ run
check "the job did not run" test "$(state_of "$A")" = pending
check "votes.json holds the owner's vote" grep -q "\"by\": \"$DO_EMAIL\"" "$JOBS/pending/$A/votes.json"
check "scq votes shows 1 of 2" do_ votes "$A"
out_has "1 of 2 approvals" "^1 of 2 approvals"
check "the vote is audited, with its count" grep -q "\"event\":\"vote\".*\"reason\":\"1 of 2: looks fine\".*\"uid\":\"$A\"" "$AUDIT"

# 2. the same identity again: refused, with a clear error
check_exit "a second approval by the owner is refused" 1 do_ approve "$A"
err_has "it says why" "already voted to approve job .* the next approval must come from another approver"
check "still pending after the refusal" test "$(state_of "$A")" = pending

# 3. the reviewer sees the code in its outbox folder and votes from its inbox folder
REVIEW="$APP/outbox/$REV/review/$A"
check "the pending job's code is shared with the reviewer" test -f "$REVIEW/code/run.sh"
check "with its manifest and record" test -f "$REVIEW/manifest.json" -a -f "$REVIEW/job.json"
check "the reviewer votes (--owner)" rev approve "$A" --owner "$DO_EMAIL" -r "checked"
out_has "it says where the vote went" "sent to $DO_EMAIL"
check "the vote record sits in the reviewer's inbox folder" test -f "$APP/inbox/$REV/$A.vote.json"
check_exit "a second vote before the owner counts the first: refused" 1 rev approve "$A" --owner "$DO_EMAIL" -r "again"
err_has "... saying the first one waits" "already in $DO_EMAIL's inbox"
check "... and the first record is unchanged" grep -q '"reason": *"checked"' "$APP/inbox/$REV/$A.vote.json"
check "the owner's refresh counts it" do_ pending
check "the job is approved" test "$(state_of "$A")" = approved
check "the vote record is consumed" test ! -e "$APP/inbox/$REV/$A.vote.json"
check "approved.json names both votes" sh -c "grep -q '$DO_EMAIL' '$JOBS/approved/$A/approved.json' && grep -q '$REV' '$JOBS/approved/$A/approved.json'"
check "the shared copy is withdrawn once decided" test ! -e "$REVIEW"
check "the job runs" do_ run
check "it ran once" test "$(cat "$JOBS/completed/$A/output/ran.txt")" = ran
check "audit: ingest, the owner's vote, the approval naming both, start, finish" sh -c "echo '$(events "$A")' | grep -q '^ingest vote approve start finish'"
check "the approval's audit line names both voters" grep -q "\"event\":\"approve\".*\"reason\":\"2 of 2 votes ($DO_EMAIL $REV): checked\".*\"uid\":\"$A\"" "$AUDIT"
check "audit --verify accepts the votes" do_ audit --verify

# 4. a requester delegated as reviewer cannot approve its own job
check "the requester is made a reviewer" do_ reviewers add "$DS_EMAIL"
B=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name mine)
do_ pending >/dev/null
check "the owner votes" do_ approve "$B"
check "the job's code is shared with the requester-reviewer" test -f "$APP/outbox/$DS_EMAIL/review/$B/manifest.json"
check "the requester votes for its own job" ds approve "$B" --owner "$DO_EMAIL"
check "the owner's refresh reads it" do_ pending
check "the job stays pending" test "$(state_of "$B")" = pending
check "the self-vote is quarantined" sh -c "grep -l 'may never approve it' '$QUAR'/*/reason.json"
check "the runner does not run it" do_ run
check "still pending" test "$(state_of "$B")" = pending

# 5. the code changes: the votes reset
check "the job has one vote" grep -q "\"by\": \"$DO_EMAIL\"" "$JOBS/pending/$B/votes.json"
P="$JOBS/pending/$B"
printf '#!/bin/bash\necho changed\n' > "$P/code/run.sh"
python3 - "$P" <<'EOF'
import hashlib, json, sys
p = sys.argv[1]
m = json.load(open(p + "/manifest.json"))
for f in m["files"]:
    b = open(p + "/code/" + f["path"], "rb").read()
    f["size"], f["sha256"] = len(b), hashlib.sha256(b).hexdigest()
canon = b"".join(b"%s\0%d\0%s\0%s\n" % (f["path"].encode(), f["size"], f["mode"].encode(), f["sha256"].encode()) for f in m["files"])
j = json.load(open(p + "/job.json"))
j["code_sha256"] = hashlib.sha256(canon).hexdigest()
json.dump(m, open(p + "/manifest.json", "w"))
json.dump(j, open(p + "/job.json", "w"))
EOF
check "the reviewer's vote for the old code is refused" rev approve "$B" --owner "$DO_EMAIL"
check "... when the owner reads it" do_ pending
err_has "it is not counted: the code changed" "not counted: .*now has code"
check "the owner votes on the new code" do_ approve "$B"
out_has "its old vote was reset: 1 of 2 again" "vote recorded, 1 of 2"
check "the reset is audited" grep -q "\"event\":\"vote-reset\".*\"uid\":\"$B\"" "$AUDIT"
check "still pending" test "$(state_of "$B")" = pending
rm -rf "$APP/outbox/$REV/review/$B" # shared before the change: share it again
do_ reviewers remove "$REV" >/dev/null; do_ reviewers add "$REV" >/dev/null
check "the reviewer votes on the new code" rev approve "$B" --owner "$DO_EMAIL"
check "now it is approved" sh -c "\"$SCQ\" --email $DO_EMAIL --data-dir '$WS' pending >/dev/null; test -d '$JOBS/approved/$B'"
check "audit --verify accepts the reset" do_ audit --verify

# 6. a second, distinct reviewer; one who is not delegated is quarantined
C=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name c)
do_ pending >/dev/null
mkdir -p "$APP/inbox/$REV2"
printf '{"uid":"%s","by":"%s","code_sha256":"%s"}' "$C" "$REV2" "$(printf %064d 0)" > "$APP/inbox/$REV2/$C.vote.json"
check "a stranger's vote" do_ pending
check "is quarantined: not an approver" sh -c "grep -l 'is not an approver' '$QUAR'/*/reason.json"
check "the job stays pending" test "$(state_of "$C")" = pending
printf '{"uid":"01234567-89ab-4def-8123-456789abcdef","by":"%s","code_sha256":"%s"}' "$REV2" "$(printf %064d 0)" > "$APP/inbox/$REV2/01234567-89ab-4def-8123-456789abcdef.vote.json"
do_ pending >/dev/null 2>&1
check "a stranger's vote for no job costs no vote-refused line: quarantined too" sh -c "! grep -q 'second@lab.example.*vote-refused' '$AUDIT' && test ! -e '$APP/inbox/$REV2/01234567-89ab-4def-8123-456789abcdef.vote.json'"

# 7. hostile vote records: each quarantined with its reason, nothing counted
# (signed by the reviewer, when it parses: the fields are what is hostile)
hostile() { # NAME CONTENT REASON-ERE
	printf '%s' "$2" > "$APP/inbox/$REV/$C.vote.json"
	rev keys sign "$APP/inbox/$REV/$C.vote.json" >/dev/null 2>&1
	do_ pending >/dev/null 2>&1
	check "hostile vote ($1) is quarantined" sh -c "test ! -e '$APP/inbox/$REV/$C.vote.json' && grep -lE '$3' '$QUAR'/*/reason.json"
}
D=$(printf %064d 0)
hostile "not JSON" '{"uid": nope}' 'vote record: '
# a record cut short is still arriving (SyftBox delivers in parts): it waits
printf '{"uid":' > "$APP/inbox/$REV/$C.vote.json"
check "a vote record cut short: the owner's refresh" do_ pending
check "... leaves it to arrive whole" test -f "$APP/inbox/$REV/$C.vote.json"
rm -f "$APP/inbox/$REV/$C.vote.json"
hostile "spoofed identity" "{\"uid\":\"$C\",\"by\":\"$DO_EMAIL\",\"code_sha256\":\"$D\"}" 'spoofed identity'
hostile "another uid" "{\"uid\":\"$A\",\"by\":\"$REV\",\"code_sha256\":\"$D\"}" 'not the job its name says'
hostile "bad digest" "{\"uid\":\"$C\",\"by\":\"$REV\",\"code_sha256\":\"xyz\"}" 'code_sha256'
hostile "unknown field" "{\"uid\":\"$C\",\"by\":\"$REV\",\"code_sha256\":\"$D\",\"votes\":9}" 'unknown field'
hostile "control characters" "{\"uid\":\"$C\",\"by\":\"$REV\",\"code_sha256\":\"$D\",\"reason\":\"a\\u001b[2Jb\"}" 'reason'
mkdir "$APP/inbox/$REV/$C.vote.json"
do_ pending >/dev/null 2>&1
check "a folder as a vote record is quarantined" sh -c "grep -l 'not a plain file' '$QUAR'/*/reason.json"
printf x > "$APP/inbox/$REV/not-a-uid.vote.json"
do_ pending >/dev/null 2>&1
check "a vote for an invalid uid is quarantined" sh -c "grep -l 'invalid uid' '$QUAR'/*/reason.json"
check "no hostile record was counted" test ! -e "$JOBS/pending/$C/votes.json"
check "audit --verify still passes" do_ audit --verify

# 8. the log is checked: a forged approval without enough votes is caught
# reviewers never open the network on their own word, and vote only while
# the rule asks for votes (hostile trial: with 1 a reviewer approved alone)
check "a second reviewer" do_ reviewers add "$REV2"
N=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name net)
do_ pending >/dev/null
check "reviewer 1 votes, allowing the network" rev approve "$N" --owner "$DO_EMAIL" --allow-network
do_ pending >/dev/null
check "reviewer 2 votes, allowing the network" rev2 approve "$N" --owner "$DO_EMAIL" --allow-network
do_ pending >/dev/null
check "two reviewers' votes approve it" test "$(state_of "$N")" = approved
check "its approval" do_ show "$N" --json
out_has "... grants no network: the owner did not vote for it" '"allow_network": *false'
check "approvals_required back to 1" do_ config set approvals_required 1
M=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name alone)
do_ pending >/dev/null
check "a reviewer writes a vote (its shared copy is gone: it votes blind)" sh -c "'$SCQ' --email '$REV' --data-dir '$WS' approve '$M' --owner '$DO_EMAIL' 2>/dev/null; true"
check "... or forges one into its inbox folder" sh -c "mkdir -p '$APP/inbox/$REV' && printf '{\"uid\":\"$M\",\"by\":\"$REV\",\"code_sha256\":\"%s\"}' \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"code_sha256\"])' '$JOBS/pending/$M/job.json')\" > '$APP/inbox/$REV/$M.vote.json'"
check "the owner's next command" do_ pending
check "the job is still pending: the owner approves alone under 1" test "$(state_of "$M")" = pending
check "the vote is quarantined with its reason" sh -c "grep -rqs 'approvals_required is 2 or more' '$QUAR'"
do_ config set approvals_required 2 >/dev/null

cat > "$TEST_DIR/rechain.py" <<'EOF'
import sys
p, uid, owner, forge = sys.argv[1:]
lines = open(p).read().splitlines()
# the approval of A claims two votes but names the owner twice
out = [l.replace('(%s rev@lab.example)' % owner, '(%s %s)' % (owner, owner)) if forge == "1" and '"event":"approve"' in l and uid in l else l for l in lines]
# chained again, heads and all: only the rule can tell
import hashlib, json, os
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
for f in 0 1; do
	cp -a "$WS" "$TEST_DIR/forged$f"
	python3 "$TEST_DIR/rechain.py" "$TEST_DIR/forged$f/private/code-queue/$DO_EMAIL/audit.jsonl" "$A" "$DO_EMAIL" $f
done
check "the log chained again unchanged passes --verify" "$SCQ" --email "$DO_EMAIL" --data-dir "$TEST_DIR/forged0" audit --verify
check_exit "a forged approval (one voter twice) fails --verify" 1 "$SCQ" --email "$DO_EMAIL" --data-dir "$TEST_DIR/forged1" audit --verify
err_has "it names the job and the rule" "job '$A' was approved by a repeated vote"
done_testing

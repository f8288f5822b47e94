#!/bin/sh
# t0060: the audit log's end is anchored (issue 9 §9).  A chain alone
# accepted a log whose last lines were cut, and one rewritten and re-chained
# from any line; and nothing tied the log to the jobs in the store.
. "$(dirname "$0")/test-lib.sh"
A="$WS/private/code-queue/$DO_EMAIL/audit.jsonl"
HEAD="$WS/private/code-queue/$DO_EMAIL/audit.head.json"
PUB="$WS/datasites/$DO_EMAIL/app_data/code-queue/audit-head.json"
JOBS="$WS/private/code-queue/$DO_EMAIL/jobs"
ds init >/dev/null; do_ init >/dev/null; do_ config set isolation none >/dev/null
make_job "$TEST_DIR/code" 'echo hi'
U1=$(ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name one)
U2=$(ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name two)
do_ pending >/dev/null; do_ approve "$U1" >/dev/null; do_ reject "$U2" -r no >/dev/null; do_ run >/dev/null
check "intact log verifies" do_ audit --verify
check "the head is stored beside the log" test -s "$HEAD"
check "the head is published in the app folder (synced off the machine)" test -s "$PUB"
check "the head names the last entry" sh -c "grep -q \"\\\"seq\\\": *\$(wc -l < '$A')\" '$HEAD'"
cp "$A" "$TEST_DIR/a.bak"

# 1. the last line cut: the chain of the rest is intact
sed -i '$d' "$A"
check_exit "a cut last line is detected" 1 do_ audit --verify
err_has "the error says entries were cut" "the last 1 entries were cut"
cp "$TEST_DIR/a.bak" "$A"

# 2. rewritten from line 3 on and re-chained (a forger without the head)
python3 - "$A" <<'PY'
import hashlib, json, sys
p = sys.argv[1]
lines = [json.loads(l) for l in open(p)]
lines[2]["reason"] = "forged"
prev = lines[1]["hash"]
with open(p, "w") as f:
    for i, o in enumerate(lines):
        if i < 2:
            f.write(json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
            continue
        o.pop("hash", None)
        o["prev"] = prev
        s = json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        o["hash"] = hashlib.sha256(s.encode()).hexdigest()
        prev = o["hash"]
        f.write(json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
PY
check_exit "a log re-chained from line 3 is detected" 1 do_ audit --verify
err_has "the error says it was rewritten" "rewritten"
cp "$TEST_DIR/a.bak" "$A"

# 3. the stored head removed too: the published one still catches the cut
mv "$HEAD" "$TEST_DIR/head.bak"; sed -i '$d' "$A"
check_exit "without the stored head the log cannot pass" 1 do_ audit --verify
cp "$TEST_DIR/head.bak" "$HEAD"; cp "$TEST_DIR/a.bak" "$A"
cp "$PUB" "$TEST_DIR/pub.bak"; sed -i '$d' "$A"
printf '{"seq": %s, "hash": "%s", "at": "x"}\n' "$(wc -l < "$A")" \
	"$(tail -1 "$A" | sed 's/.*"hash":"\([0-9a-f]*\)".*/\1/')" > "$HEAD"
check_exit "a cut with a forged stored head is caught by the published head" 1 do_ audit --verify
err_has "naming the published head" "audit-head.json"
cp "$TEST_DIR/a.bak" "$A"; cp "$TEST_DIR/head.bak" "$HEAD"
check "restored log verifies" do_ audit --verify

# 4. cross-check with the store: a job moved to another state by hand
mv "$JOBS/rejected/$U2" "$JOBS/approved/$U2"
check_exit "a job state no event explains is detected" 1 do_ audit --verify
err_has "the error names the job and state" "$U2.*approved"
# ... and the runner's start records such a state visibly as "recovered"
# (a crash, or a folder placed by hand), never as an ordinary event
mv "$JOBS/approved/$U2" "$JOBS/cancelled/$U2"
do_ run >/dev/null 2>&1
check "after the runner's start the log explains it" do_ audit --verify
check "... with a 'recovered' event for that job" sh -c "grep '$U2' '$A' | grep -q '\"event\":\"recovered\"'"
check "... not an ordinary republish" sh -c "! grep '$U2' '$A' | grep -q '\"event\":\"republish\"'"
mv "$JOBS/cancelled/$U2" "$JOBS/rejected/$U2"

# 5. a crash between the log's fsync and the head's rename: log ahead of head
python3 -c "
import json,sys; h=json.load(open('$HEAD')); h['seq']-=1
h['hash']=json.loads(open('$A').readlines()[h['seq']-1])['hash']; json.dump(h,open('$HEAD','w'))"
check "a log one entry ahead of its head (crash) verifies" do_ audit --verify
check "the next append re-anchors" do_ config set job_timeout 300
check "and verifies" do_ audit --verify
done_testing

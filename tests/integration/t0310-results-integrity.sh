#!/bin/sh
# t0310: results are never shown as complete when they are not (issue 8,
# items 4 and 5): a big log still completes for the requester, output cut
# by a limit or left out says so, a partial sync is refused with a count
# and a second run finishes the copy, an unreadable status.json is
# reported, and a job without a log says why.
. "$(dirname "$0")/test-lib.sh"

APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
OUTB="$APP/outbox/$DS_EMAIL"

# submit_run NAME BODY: submit, approve and run a job; $U is its uid
submit_run() {
	make_job "$TEST_DIR/$1" "$2"
	U=$(ds submit "$TEST_DIR/$1" --to "$DO_EMAIL" --name "$1") && do_ approve "$U" >/dev/null &&
		do_ run >/dev/null 2>&1
}

# --- a log of more than 1 MiB -------------------------------------------
do_ config set max_output_bytes 4000000 >/dev/null
check "big-log job runs" submit_run biglog 'head -c 1500000 /dev/zero | tr "\0" x; echo; echo END-OF-LOG'
BIG=$U
check_exit "requester's wait returns completed (status.json stays small)" 0 ds wait "$BIG" --timeout 15
check "published status.json is small" test "$(stat -c %s "$OUTB/$BIG/status.json")" -lt 65536
check "log is its own synced file" test -f "$OUTB/$BIG/execution.txt"
check "requester reads the whole log" sh -c '"$1" --email "$2" --data-dir "$3" logs "$4" | grep -q END-OF-LOG' x "$SCQ" "$DS_EMAIL" "$WS" "$BIG"
check "status describes the log" ds show "$BIG" --json
out_has "log: file, sha256, size, truncated" '"log":\{"file":"execution.txt","sha256":"[0-9a-f]{64}","size":1500[0-9]{3},"truncated":false\}'
check "status.json carries no log text" sh -c '! grep -q xxxxxxxxxx "$1"' x "$OUTB/$BIG/status.json"

# --- a status.json the requester cannot read is reported --------------------
cp "$OUTB/$BIG/status.json" "$TEST_DIR/status.saved"
head -c 1200000 /dev/zero | tr '\0' ' ' > "$OUTB/$BIG/status.json"
echo '{' >> "$OUTB/$BIG/status.json"
check_exit "jobs with an unreadable status.json fails" 1 ds jobs
err_has "the message names the file" "status.json.*larger than"
check_exit "wait reports it at once instead of waiting" 1 ds wait "$BIG" --timeout 30
err_has "wait names the file" "status.json"
cp "$TEST_DIR/status.saved" "$OUTB/$BIG/status.json"

# --- a job without a log says why ---------------------------------------------
make_job "$TEST_DIR/rej"
R=$(ds submit "$TEST_DIR/rej" --to "$DO_EMAIL" --name rej)
check_exit "logs before the owner has seen it fail" 1 ds logs "$R"
err_has "says it has not been published yet" "not been published by its owner yet"
do_ pending >/dev/null
check_exit "logs of a pending job fail" 1 ds logs "$R"
err_has "says it is pending and has not run" "pending.*has not run"
do_ reject "$R" -r "no" >/dev/null
check_exit "logs of a rejected job fail" 1 ds logs "$R"
err_has "says it was rejected and never ran" "was rejected and never ran"
check_exit "owner's view says the same" 1 do_ logs "$R"
err_has "owner: rejected and never ran" "was rejected and never ran"

# --- output over max_output_bytes --------------------------------------------
do_ config set max_output_bytes 100000 >/dev/null
check "over-cap job runs" submit_run overcap 'echo small > "$OUTPUT_DIR/small.txt"; head -c 200000 /dev/urandom > "$OUTPUT_DIR/big.bin"'
OC=$U
check_exit "requester's wait: not a clean success" 1 ds wait "$OC" --timeout 15
check "show --json" ds show "$OC" --json
out_has "error_kind is output_limit" '"error_kind":"output_limit"'
out_has "the cut is marked in the output report" '"limit_reached":true'
check "show (human)" ds show "$OC"
out_has "show says outputs are incomplete" "WARNING: outputs are incomplete \(output_limit\)"
out_has "show lists the left-out file" "left out: big.bin \(output size limit"
check "output lists what arrived" ds output "$OC"
err_has "output says big.bin was left out" "left out: big.bin \(output size limit"
check "small.txt arrived" ds output "$OC" --to "$TEST_DIR/oc"
check "big.bin is not presented" test ! -e "$TEST_DIR/oc/big.bin"
do_ config set max_output_bytes 4000000 >/dev/null

# --- exclusions (symlink, unsafe name) are said -------------------------------
check "excluding job runs" submit_run excl 'echo ok > "$OUTPUT_DIR/ok.txt"; ln -s /etc/passwd "$OUTPUT_DIR/link"; echo x > "$OUTPUT_DIR/$(printf "bad\033name")"'
EX=$U
check "output of a job with exclusions" ds output "$EX"
err_has "the symlink is listed as left out" "left out: link \(symlink"
err_has "the unsafe name is listed, escaped" 'left out: bad.*name \(unsafe name'

# --- partial sync -------------------------------------------------------------
check "three-output job runs" submit_run three 'for f in a b c; do head -c 5000 /dev/urandom > "$OUTPUT_DIR/$f.bin"; done'
T=$U
mv "$OUTB/$T/output/b.bin" "$TEST_DIR/b.saved"
check_exit "output --to with a missing file fails" 1 ds output "$T" --to "$TEST_DIR/got"
err_has "says how many have synced" "2 of 3 output files have synced.*try again"
check_exit "output (list) fails too" 1 ds output "$T"
head -c 100 "$TEST_DIR/b.saved" > "$OUTB/$T/output/b.bin"
check_exit "a short file is not complete" 1 ds output "$T" --to "$TEST_DIR/got"
err_has "still 2 of 3" "2 of 3 output files have synced"
cp "$TEST_DIR/b.saved" "$OUTB/$T/output/b.bin"
check "running it again finishes the copy" ds output "$T" --to "$TEST_DIR/got"
check "copied files are the published ones" cmp "$TEST_DIR/got/b.bin" "$OUTB/$T/output/b.bin"
check "and a.bin" cmp "$TEST_DIR/got/a.bin" "$OUTB/$T/output/a.bin"
check "again into the same folder: nothing to do" ds output "$T" --to "$TEST_DIR/got"
echo tampered > "$TEST_DIR/got/c.bin"
check_exit "a local file that differs is refused" 1 ds output "$T" --to "$TEST_DIR/got"
err_has "names the differing file" "c.bin.*differs"
mv "$OUTB/$T/output/a.bin" "$TEST_DIR/a.saved"
check_exit "--wait gives up at its timeout while a file is missing" 1 ds output "$T" --wait --timeout 1
err_has "with the count" "2 of 3 output files have synced"
(sleep 1; mv "$TEST_DIR/a.saved" "$OUTB/$T/output/a.bin") &
check "--wait returns once the file has synced" ds output "$T" --to "$TEST_DIR/got2" --wait --timeout 60
wait
check "and copied it whole" cmp "$TEST_DIR/got2/a.bin" "$OUTB/$T/output/a.bin"
mv "$OUTB/$T/execution.txt" "$TEST_DIR/log.saved"
check_exit "logs with the log not synced fails" 1 ds logs "$T"
err_has "says the log has not synced" "log of job.*has not fully synced"
mv "$TEST_DIR/log.saved" "$OUTB/$T/execution.txt"
check "logs once synced" ds logs "$T"
check "audit verifies" do_ audit --verify
done_testing

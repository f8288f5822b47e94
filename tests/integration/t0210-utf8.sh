#!/bin/sh
# t0210: bytes that are not UTF-8 are never dropped in silence and never stop
# the owner (issue 8 item 3, issue 9 section 5).  Names from the inbox are
# quarantined once each, with the name escaped and in hex; a job's log
# reaches the requester with U+FFFD while the file keeps the raw bytes, cut
# on a character boundary; an output named in Latin-1 is excluded with its
# reason on both sides; text, reasons and paths that are not UTF-8 are
# refused with a message.
. "$(dirname "$0")/test-lib.sh"

APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
INBOX="$APP/inbox/$DS_EMAIL"
PRIV="$WS/private/code-queue/$DO_EMAIL"
QDIR="$PRIV/quarantine"
FF=$(printf '\377')
E9=$(printf '\351')
nq() { find "$QDIR" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# has FILE STRING: FILE holds STRING literally
has() { grep -qF -- "$2" "$1"; }

# Sections run in this order so that on a build without the fix each fails
# on its own: an inbox name that is not UTF-8 stops every later command.
# --- logs: U+FFFD in JSON, raw bytes in the file, cut on a boundary --------
# run_job NAME BODY: submit, approve and run a job; its uid in $J
run_job() {
	make_job "$TEST_DIR/$1" "$2"
	J=$(ds submit "$TEST_DIR/$1" --to "$DO_EMAIL" --name "$1") &&
	do_ approve "$J" >/dev/null && do_ run >/dev/null
}
CUT=1048576 # outbox.c LOG_IN_STATUS_MAX
run_job logaaa "echo MARK; printf 'a\\377b\\n'"
JA=$J
check "the log file keeps the raw byte" sh -c 'grep -qa "^a$2b$" "$1"' x "$PRIV/jobs/completed/$JA/execution.log" "$FF"
# the header has the same length for jobs of the same name length: filler,
# then 4-byte characters, with the cut after the third byte of one of them
H=$(grep -boa MARK "$PRIV/jobs/completed/$JA/execution.log" | head -1 | cut -d: -f1)
run_job logbbb "head -c $((CUT - ${H:-0} - 3)) /dev/zero | tr '\\0' a; printf '\\360\\237\\230\\200%.0s' 1 2 3 4 5 6 7 8; echo"
check "test set-up: the cut falls inside a 4-byte character" python3 -c "
import sys; d = open(sys.argv[1], 'rb').read(); c = int(sys.argv[2])
sys.exit(not (len(d) > c and d[c - 3] == 0xf0 and d[c] == 0x80))" "$PRIV/jobs/completed/$J/execution.log" "$CUT"
# SyftBox never syncs *.log: the requester reads the published execution.txt
# (its raw bytes, checked against status.json's size and SHA-256)
find "$APP/outbox" -name '*.log' -delete
check "the requester reads a log with a byte that is not UTF-8" ds logs "$JA"
out_has "... shown as a marker" "^a⟨0xFF⟩b$"
check "the requester reads a log longer than 1 MiB" ds logs "$J"
out_has "... whole" "^a{1000}"
last_out > "$TEST_DIR/log.txt"
check "... every byte of it (a 4-byte character at 1 MiB is kept whole)" \
	sh -c '! grep -q "⟨0x" "$1"' x "$TEST_DIR/log.txt"
# a log of nothing but bad bytes: three times longer as text, still cut to fit
run_job logccc "head -c 1100000 /dev/zero | tr '\\0' '\\377'"
find "$APP/outbox" -name '*.log' -delete
check "the requester reads a log of 1 MiB of \\xff" ds logs "$J"
out_has "... as markers" "^(⟨0xFF⟩){1000}"

# --- outputs named in Latin-1: excluded, with the reason, on both sides ----
run_job outname "echo hi > \"\$OUTPUT_DIR/r$FF.txt\"; echo ok > \"\$OUTPUT_DIR/ok.txt\""
check "the owner's record lists the exclusion" sh -c '"$1" --email "$2" --data-dir "$3" show "$4" --json > "$5/o.json"' x "$SCQ" "$DO_EMAIL" "$WS" "$J" "$TEST_DIR"
check "... with the name escaped and the reason" sh -c 'grep -F "r⟨0xFF⟩.txt" "$1" && grep -q "not UTF-8" "$1"' x "$TEST_DIR/o.json"
check "the requester's view lists it too" sh -c '"$1" --email "$2" --data-dir "$3" show "$4" --json > "$5/r.json" && grep -F "r⟨0xFF⟩.txt" "$5/r.json" && grep -q "not UTF-8" "$5/r.json"' x "$SCQ" "$DS_EMAIL" "$WS" "$J" "$TEST_DIR"
check "the other output is published" ds output "$J" --to "$TEST_DIR/got"
check "... and copied" grep -qx ok "$TEST_DIR/got/ok.txt"
check "the requester's file list has it" sh -c '"$1" --email "$2" --data-dir "$3" show "$4" --json | grep -q "\"path\":\"ok.txt\""' x "$SCQ" "$DS_EMAIL" "$WS" "$J"
# --- text from people: refused with a message, never written half ----------
make_job "$TEST_DIR/good"
check_exit "submit refuses a name that is not UTF-8" 1 ds submit "$TEST_DIR/good" --to "$DO_EMAIL" --name "n$FF"
err_has "... saying so" "name is not valid UTF-8"
check_exit "submit refuses a tag that is not UTF-8" 1 ds submit "$TEST_DIR/good" --to "$DO_EMAIL" --name n --tag "t$FF"
check "a job to decide on" ds submit "$TEST_DIR/good" --to "$DO_EMAIL" --name decide
J3=$(last_out)
do_ pending >/dev/null 2>&1
check_exit "reject refuses a reason that is not UTF-8" 1 do_ reject "$J3" -r "no$FF"
check "the job stays pending" test -d "$PRIV/jobs/pending/$J3"
mkdir -p "$TEST_DIR/d$E9"
check_exit "dataset add refuses a path that is not UTF-8" 1 do_ dataset add d "$TEST_DIR/d$E9"
check "and records nothing" sh -c '! "$1" --email "$2" --data-dir "$3" dataset list --json | grep -q "\"d\""' x "$SCQ" "$DO_EMAIL" "$WS"
make_job "$TEST_DIR/latin"
echo 'print(1)' > "$TEST_DIR/latin/caf$E9.py"
check_exit "submit refuses a code file named in Latin-1" 1 ds submit "$TEST_DIR/latin" --to "$DO_EMAIL" --name latin
err_has "... naming the file" 'caf⟨0xE9⟩\.py.*UTF-8'

# --- names in the inbox (issue 9 section 5) --------------------------------
check "a good job is submitted" ds submit "$TEST_DIR/good" --to "$DO_EMAIL" --name good
G=$(last_out)
mkdir -p "$INBOX/x$FF"
echo junk > "$INBOX/x$FF/job.json"
check "pending with an inbox entry named x\\xff exits 0" do_ pending
check "exactly one quarantine folder" test "$(nq)" = 1
RJ=$(grep -lF '"entry": "x\\xff"' "$QDIR"/*/reason.json 2>/dev/null | head -1)
check "reason.json names the entry escaped" test -n "$RJ"
check "... and in hex" has "${RJ:-/dev/null}" '"entry_hex": "78ff"'
check "the entry is in quarantine" test -f "$(dirname "${RJ:-/x/y}")/entry/job.json"
check "nothing is left in the inbox" test ! -e "$INBOX/x$FF"
check "the good job is ingested alongside" test -d "$PRIV/jobs/pending/$G"
check "status exits 0" do_ status
check "run exits 0" do_ run
check "still one quarantine folder" test "$(nq)" = 1

REQ="caf${E9}@uni.example"
mkdir -p "$APP/inbox/$REQ/x"
check "pending with a requester folder named in Latin-1 exits 0" do_ pending
check "one more quarantine folder" test "$(nq)" = 2
RJ=$(grep -lF "\"inbox_folder_hex\": \"$(hex "$REQ")\"" "$QDIR"/*/reason.json 2>/dev/null | head -1)
check "reason.json has the folder in hex" test -n "$RJ"
check "... and escaped" has "${RJ:-/dev/null}" '"inbox_folder": "caf\\xe9@uni.example"'
check "the folder left the inbox" test ! -e "$APP/inbox/$REQ"

echo x > "$INBOX/x$FF.cancel.json"
check "pending with a cancel file named in Latin-1 exits 0" do_ pending
check "it is quarantined (not kept forever)" test "$(nq)" = 3 -a ! -e "$INBOX/x$FF.cancel.json"
check "with the cancel reason and its name escaped" \
	sh -c 'grep -lF "\"entry\": \"x\\\\xff.cancel.json\"" "$1"/*/reason.json | xargs grep -q "invalid uid"' x "$QDIR"

make_job "$TEST_DIR/j2"
check "a job is submitted" ds submit "$TEST_DIR/j2" --to "$DO_EMAIL" --name j2
J2=$(last_out)
echo sneaky > "$INBOX/$J2/code/caf$E9.py"
check "pending with a Latin-1 file inside a job exits 0" do_ pending
check "one quarantine for that job" test "$(nq)" = 4
RJ=$(grep -lF "\"entry\": \"$J2\"" "$QDIR"/*/reason.json 2>/dev/null | head -1)
check "the reason names the file escaped" has "${RJ:-/dev/null}" 'caf⟨0xE9⟩.py'
check "the requester sees the refusal naming the file" sh -c '"$1" --email "$2" --data-dir "$3" show "$4" --json | grep -F "caf⟨0xE9⟩.py" | grep -q rejected' x "$SCQ" "$DS_EMAIL" "$WS" "$J2"
check "the audit log verifies" do_ audit --verify
check "the good job still runs" sh -c '"$1" --email "$2" --data-dir "$3" approve "$4" && "$1" --email "$2" --data-dir "$3" run' x "$SCQ" "$DO_EMAIL" "$WS" "$G"
check "and completes" ds wait "$G" --timeout 10

done_testing

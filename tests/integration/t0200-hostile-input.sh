#!/bin/sh
# t0200: hand-crafted hostile inbox entries are quarantined with the right
# reason, one notice line each, nothing left in the inbox, and a good job
# submitted alongside is still ingested and runs.
. "$(dirname "$0")/test-lib.sh"

INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
QDIR="$WS/private/code-queue/$DO_EMAIL/quarantine"
PEND="$WS/private/code-queue/$DO_EMAIL/jobs/pending"
ESC=$(printf '\033')
newuid() { cat /proc/sys/kernel/random/uuid; }
FORGE="$(dirname "$0")/forge-job.py"


# A template entry from the real submitter, moved out of the inbox.
make_job "$TEST_DIR/code"
mkdir -p "$TEST_DIR/code/data/sub"
echo "alpha" > "$TEST_DIR/code/data/sub/a.txt"
check "template submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "template"
T=$(last_out)
mv "$INBOX/$T" "$TEST_DIR/tmpl"

# clone NAME: copy the template entry to inbox/<ds>/NAME (uid field fixed up)
# Each crafted job.json is signed again with the requester's key (as a
# requester attacking its owner would), so that the flaw each case plants,
# not a stale signature, is what ingest finds (signatures: t0850).
clone() {
	cp -a "$TEST_DIR/tmpl" "$INBOX/$1"
	python3 "$FORGE" "$INBOX/$1" "pass"
	ds keys sign "$INBOX/$1" >/dev/null 2>&1
}
forge() { python3 "$FORGE" "$INBOX/$@"; ds keys sign "$INBOX/$1" >/dev/null 2>&1; }

GOOD=""
# case LABEL ENTRY REASON_ERE [timeout]: submit a good job too, ingest, check.
case_() {
	_label=$1; _entry=$2; _re=$3
	make_job "$TEST_DIR/good"
	ds submit "$TEST_DIR/good" --to "$DO_EMAIL" --name "good $_label" > "$TEST_DIR/g.uid"
	_g=$(cat "$TEST_DIR/g.uid")
	GOOD="$GOOD $_g"
	check "$_label: ingest runs and ends" timeout 10 "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" pending
	cp "$TEST_DIR/err" "$TEST_DIR/ingest.err"
	check "$_label: one quarantined line naming it" sh -c 'test "$(grep -c "^scq: quarantined inbox/" "$1")" = 1 && grep -qF "quarantined inbox/$2/$3:" "$1"' x "$TEST_DIR/ingest.err" "$DS_EMAIL" "$_entry"
	_rj=$(grep -lF "\"entry\": \"$_entry\"" "$QDIR"/*/reason.json 2>/dev/null | head -1)
	check "$_label: reason.json mentions the cause" sh -c 'test -n "$1" && grep "\"reason\"" "$1" | grep -Eq -- "$2"' x "$_rj" "$_re"
	check "$_label: entry moved to quarantine" test -e "$(dirname "${_rj:-/nonexistent/x}")/entry"
	check "$_label: nothing left in inbox" test ! -e "$INBOX/$_entry"
	check "$_label: good job ingested" test -d "$PEND/$_g"
	check "$_label: good job gone from inbox" test ! -e "$INBOX/$_g"
}

U=$(newuid); mkdir -p "$INBOX/$U/code"; cp "$TEST_DIR/tmpl/code/run.sh" "$INBOX/$U/code/"
printf '{not json at all' > "$INBOX/$U/job.json"
case_ "malformed job.json" "$U" "job\.json"

U=$(newuid); clone "$U"; head -c 120 "$INBOX/$U/job.json" > "$TEST_DIR/t"; cat "$TEST_DIR/t" > "$INBOX/$U/job.json"
# cut short is how SyftBox may deliver it: it waits within the grace, then
# is quarantined saying so (the simulator's truncated delivery, t0910)
check "truncated job.json: the first pass waits for the rest" do_ pending
check "... and quarantines nothing of it" sh -c "! grep -qs '$U' '$QDIR'/*/reason.json"
check "... it stays in the inbox" test -f "$INBOX/$U/job.json"
GRACE=$(do_ config get ingest_grace_seconds)
do_ config set ingest_grace_seconds 0 >/dev/null
case_ "truncated job.json, past the grace" "$U" "job\.json cut short .*premature end of input.*still incomplete after 0 seconds"
do_ config set ingest_grace_seconds "$GRACE" >/dev/null

U=$(newuid); clone "$U"; sed -i 's/^{/{"name": "shadow", /' "$INBOX/$U/job.json"
case_ "duplicate keys" "$U" "job\.json.*(duplicate|name)"

U=$(newuid); clone "$U"; forge "$U" 'j["requester_email"] = "eve@evil.example"'
case_ "spoofed requester_email" "$U" "requester_email"

U=$(newuid); clone "$U"; forge "$U" 'j["target_email"] = "someone@else.example"'
case_ "target_email not the owner" "$U" "target_email"

U=$(newuid); clone "$U"; echo "omega" > "$INBOX/$U/code/data/sub/a.txt"
case_ "manifest sha256 mismatch" "$U" "a\.txt"

U=$(newuid); clone "$U"; echo "sneaky" > "$INBOX/$U/code/data/extra.txt"
case_ "file not in manifest" "$U" "extra\.txt"

U=$(newuid); clone "$U"; forge "$U" 'j["files"].append(ent("../escape.txt", b"x"))' redigest
case_ "../ path in manifest" "$U" "\.\./escape|\.\."

U=$(newuid); clone "$U"; forge "$U" 'j["files"].append(ent("data/../../up.txt", b"x"))' redigest
case_ "nested ../ path in manifest" "$U" "\.\."

U=$(newuid); clone "$U"; forge "$U" 'j["files"].append(ent("/etc/passwd", b"x"))' redigest
case_ "absolute path in manifest" "$U" "/etc/passwd|absolute|relative"

U=$(newuid); clone "$U"; ln -s /etc/hostname "$INBOX/$U/code/data/link"
forge "$U" 'j["files"].append(ent("data/link", open("/etc/hostname","rb").read()))' redigest
case_ "symlink in code/" "$U" "symlink|link"

U=$(newuid); clone "$U"; mkfifo "$INBOX/$U/code/data/pipe"
forge "$U" 'j["files"].append(ent("data/pipe", b""))' redigest
case_ "FIFO in code/" "$U" "pipe|special|FIFO|fifo"

U=$(newuid); clone "$U"; LONG=$(printf 'n%.0s' $(seq 300))
forge "$U" "j['files'].append(ent('data/$LONG', b'x'))" redigest
case_ "300-byte file name" "$U" "long|255|component"

U=$(newuid); clone "$U"; forge "$U" 'j["name"] = "evil\033[2J\033]0;owned\007"'
case_ "ESC in name field" "$U" "name"

U=$(newuid); clone "$U"; forge "$U" 'j["name"] = "two\nlines"'
case_ "newline in name field" "$U" "name"

cp -a "$TEST_DIR/tmpl" "$INBOX/not-a-uuid"
case_ "folder name not a UUID" "not-a-uuid" "UUID"

U=$(newuid); UP=$(echo "$U" | tr a-f A-F); cp -a "$TEST_DIR/tmpl" "$INBOX/$UP"; python3 "$FORGE" "$INBOX/$UP" pass
case_ "uppercase UUID folder" "$UP" "UUID"

U=$(newuid); clone "$U"; forge "$U" 'j["padding"] = "x" * (5 * 1024 * 1024)'
case_ "job.json over 4 MiB" "$U" "job\.json.*(large|big|4|MiB|size)"

# The good jobs all run.
for g in $GOOD; do check "approve good $g" do_ approve "$g"; done
check "runner runs the good jobs" do_ run
for g in $GOOD; do check "good job completes $g" ds wait "$g" --timeout 20; done
check "no store job for any hostile entry" sh -c 'test "$(ls "$1"/*/ | grep -Ec "^[0-9a-f-]{36}/?$")" -le '"$(echo $GOOD | wc -w)"'' x "$WS/private/code-queue/$DO_EMAIL/jobs"
check "audit verifies" do_ audit --verify

# Control characters at submit are refused with a clear message.
check_exit "submit refuses ESC in name" 1 ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "a${ESC}[31mred"
cp "$TEST_DIR/err" "$TEST_DIR/refuse.err"
check "refusal message names the field" sh -c 'grep -Eiq "name.*control|control.*name" "$1"' x "$TEST_DIR/refuse.err"
check_exit "submit refuses ESC in tag" 1 ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name ok --tag "t${ESC}x"
cp "$TEST_DIR/err" "$TEST_DIR/refuse.err"
check "refusal message names the tag" sh -c 'grep -Eiq "tag.*control" "$1"' x "$TEST_DIR/refuse.err"

# A forged but otherwise valid job with escapes in description and tag:
# list output must never carry a raw ESC byte.
U=$(newuid); clone "$U"; forge "$U" 'j["description"] = "desc \033[31mred\033[0m"; j["name"] = "escjob"'
check "ingest escjob" do_ pending
check "list output has no raw ESC" sh -c '! "$1" --email "$2" --data-dir "$3" list | grep -q "$4"' x "$SCQ" "$DO_EMAIL" "$WS" "$ESC"
check "list --json has no raw ESC" sh -c '! "$1" --email "$2" --data-dir "$3" list --json | grep -q "$4"' x "$SCQ" "$DO_EMAIL" "$WS" "$ESC"
check "show has no raw ESC" sh -c '! "$1" --email "$2" --data-dir "$3" show "$5" | grep -q "$4"' x "$SCQ" "$DO_EMAIL" "$WS" "$ESC" "$U"
check "review has no raw ESC" sh -c '! "$1" --email "$2" --data-dir "$3" review "$5" | grep -q "$4"' x "$SCQ" "$DO_EMAIL" "$WS" "$ESC" "$U"
check "ds jobs has no raw ESC" sh -c '! "$1" --email "$2" --data-dir "$3" jobs | grep -q "$4"' x "$SCQ" "$DS_EMAIL" "$WS" "$ESC"
check "quarantine notices had no raw ESC" sh -c '! grep -q "$2" "$1"' x "$TEST_DIR/ingest.err" "$ESC"

# A requester "folder" that is a plain file: the notice names it once.
printf x > "$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/file@y.example"
check "a requester entry that is not a folder is quarantined" do_ pending
err_has "its notice names the entry once" "quarantined inbox/file@y.example: inbox entry is not a folder"
done_testing

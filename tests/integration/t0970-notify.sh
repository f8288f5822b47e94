#!/bin/sh
# t0970: notify_command (protocol §14).  The owner's hook runs once for each
# move of its store (ingest, the decisions, start, finish, the release
# decisions); the requester's once for each new status its own scq sees in
# the owner's outbox.  The event is JSON on stdin, ASCII only, hostile names
# and reasons escaped as data.  A hook that fails, hangs or is missing is
# logged (audit "notify-failed") and the queue goes on.
. "$(dirname "$0")/test-lib.sh"
EV="$TEST_DIR/ev"
mkdir -p "$EV"
DSTORE="$WS/private/code-queue/$DS_EMAIL"

# One file per run of the hook: they may run at the same time.
cat > "$TEST_DIR/hook" <<EOF
#!/bin/sh
cat > "$EV/ev.\$\$"
EOF
chmod +x "$TEST_DIR/hook"
# tally: every event file is one JSON object, ASCII only; prints
# "audience event uid" per event, sorted
cat > "$TEST_DIR/tally.py" <<'EOF'
import json, os, sys
d = sys.argv[1]
keys = {"type", "version", "audience", "event", "uid", "name", "owner", "requester",
        "from", "status", "release_state", "reason", "error_kind", "at", "results_held"}
for f in sorted(os.listdir(d)):
    raw = open(os.path.join(d, f), "rb").read()
    raw.decode("ascii")                      # ASCII only: every other character escaped
    assert raw.endswith(b"}\n") and raw.count(b"\n") == 1, raw
    e = json.loads(raw)
    assert set(e) == keys, sorted(set(e) ^ keys)
    assert e["type"] == "scq-notify" and e["version"] == 1
    print(e["audience"], e["event"], e["uid"], e["status"], e["release_state"])
EOF
tally() { python3 "$TEST_DIR/tally.py" "$EV" | sort > "$TEST_DIR/tally"; }
# has N "AUDIENCE EVENT UID STATUS RELEASE": that line exactly N times
has() { test "$(grep -cxF "$2" "$TEST_DIR/tally")" = "$1"; }
# event AUDIENCE EVENT UID: the JSON of that event (there is one)
event() {
	python3 - "$EV" "$@" <<'EOF'
import json, os, sys
d, aud, ev, uid = sys.argv[1:]
hits = [json.load(open(os.path.join(d, f))) for f in os.listdir(d)]
hits = [e for e in hits if (e["audience"], e["event"], e["uid"]) == (aud, ev, uid)]
assert len(hits) == 1, hits
print(json.dumps(hits[0], sort_keys=True))
EOF
}

make_job "$TEST_DIR/code"
check_exit "notify_command refuses a relative path" 1 do_ config set notify_command hook
check_exit "... a command line (no shell)" 1 do_ config set notify_command "$TEST_DIR/hook --x"
check_exit "... a file that is not executable" 1 do_ config set notify_command "$TEST_DIR/tally.py"
check_exit "... a missing file" 1 do_ config set notify_command "$TEST_DIR/none"
check "the owner sets notify_command" do_ config set notify_command "$TEST_DIR/hook"
check "the requester too" ds config set notify_command "$TEST_DIR/hook"
check "config get shows it" do_ config get notify_command
out_has "... the path" "^$TEST_DIR/hook\$"
check_exit "notify_timeout_seconds has bounds" 1 do_ config set notify_timeout_seconds 0

# a name with quotes, a backslash, HTML and a bidi override (no control
# characters: submit refuses them)
NAME=$(printf 'Q"\\ <b>x</b> \342\200\256evil')
check "submit a job with a hostile name" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "$NAME"
A=$(last_out)
check "the owner ingests it" do_ pending
tally
check "the owner's hook was told of the new job (ingest), once" \
	has 1 "owner ingest $A pending None"
check "... and of nothing else yet" test "$(wc -l < "$TEST_DIR/tally")" = 1
check "the owner approves" do_ approve "$A" -r 'fine "really"'
check "the runner runs it" do_ run
check "the requester looks (scq jobs)" ds jobs
check "and looks again" ds jobs
check "and waits on it" ds wait "$A" --timeout 10
tally
check "owner: approve once" has 1 "owner approve $A approved None"
check "owner: start once" has 1 "owner start $A running None"
check "owner: finish once" has 1 "owner finish $A completed None"
check "requester: approve once" has 1 "requester approve $A approved None"
check "requester: start once" has 1 "requester start $A running None"
check "requester: finish once" has 1 "requester finish $A completed None"
check "the requester is not told of the ingest" has 0 "requester ingest $A pending None"
check "seven events in all" test "$(wc -l < "$TEST_DIR/tally")" = 7
check "the requester's record of what it told is private" test -f "$DSTORE/notified.json"
check "the bidi override arrives as \\u202e, never as itself" sh -c \
	"grep -q 'u202[eE]evil' '$EV'/* && ! grep -q '$(printf '\342\200\256')' '$EV'/*"
check "the approve event decoded" event owner approve "$A"
out_has "... holds the name exactly" "$(printf '"name": "Q\\\\"\\\\\\\\ <b>x</b> \\\\u202eevil"')"
out_has "... the reason" '"reason": "fine \\"really\\""'
out_has "... the emails" "\"owner\": \"$DO_EMAIL\", \"reason\""
out_has "... the requester's" "\"requester\": \"$DS_EMAIL\""
out_has "... where it came from" '"from": "pending"'
check "the requester's finish event" event requester finish "$A"
out_has "... has no reason (a start or finish carries none)" '"reason": null'
check "no event holds the log or the code" sh -c "! grep -l 'hello\|result.txt\|run.sh' '$EV'/*"

# reject (a reason with a newline and a header), cancel, expiry
check "a second job" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name two
B=$(last_out)
check "a third, to cancel" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name three
C=$(last_out)
check "a fourth, that expires" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name four --timeout 1
D=$(last_out)
check "ingest" do_ pending
check "reject with a two-line reason" do_ reject "$B" -r "$(printf 'no\nBcc: x@evil.example')"
check "the requester cancels" ds cancel "$C"
sleep 1.2
check "ingest the cancel, expire the fourth" do_ pending
check "the requester looks" ds jobs
tally
check "owner: reject" has 1 "owner reject $B rejected None"
check "owner: cancel" has 1 "owner cancel $C cancelled None"
check "owner: expire" has 1 "owner expire $D timedout None"
check "requester: reject" has 1 "requester reject $B rejected None"
check "requester: cancel" has 1 "requester cancel $C cancelled None"
check "requester: expire" has 1 "requester expire $D timedout None"
check "the reject event decoded" event requester reject "$B"
out_has "... its reason, the newline escaped" '"reason": "no\\nBcc: x@evil.example"'

# the release decisions (release review)
check "release review" do_ config set release review
for n in rel wh ret; do
	ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "$n" > "$TEST_DIR/uid-$n"
done
R1=$(cat "$TEST_DIR/uid-rel"); R2=$(cat "$TEST_DIR/uid-wh"); R3=$(cat "$TEST_DIR/uid-ret")
check "ingest" do_ pending
for u in "$R1" "$R2" "$R3"; do do_ approve "$u" -r ok > /dev/null; done
check "run the three" do_ run
check "the requester sees them held" ds jobs
tally
check "owner: a held finish" has 1 "owner finish $R1 completed awaiting_release"
check "requester: a held finish" has 1 "requester finish $R1 completed awaiting_release"
check "release" do_ release "$R1" -r "ok to go"
check "withhold" do_ withhold "$R2" -r "small counts"
check "return" do_ return "$R3" -r "please round"
check "the requester looks" ds jobs
tally
check "owner: release" has 1 "owner release $R1 completed released"
check "owner: withhold" has 1 "owner withhold $R2 completed withheld"
check "owner: return" has 1 "owner return $R3 completed returned"
check "requester: release" has 1 "requester release $R1 completed released"
check "requester: withhold" has 1 "requester withhold $R2 completed withheld"
check "requester: return" has 1 "requester return $R3 completed returned"
check "the withhold event decoded" event requester withhold "$R2"
out_has "... its reason" '"reason": "small counts"'
check "every event exactly once (no line twice)" sh -c "test -z \"\$(uniq -d '$TEST_DIR/tally')\""
check "nothing failed" sh -c "! grep -q notify-failed '$WS/private/code-queue/$DO_EMAIL/audit.jsonl'"
check "config release auto again" do_ config set release auto

# hooks that fail: the queue goes on, each failure is logged
FAILS=0
bad_hook() { # NAME BODY: set it, run a job through it, the job must complete
	printf '#!/bin/sh\n%s\n' "$2" > "$TEST_DIR/$1"
	chmod +x "$TEST_DIR/$1"
	do_ config set notify_command "$TEST_DIR/$1" > /dev/null
	ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "$1" > "$TEST_DIR/uid-$1"
	U=$(cat "$TEST_DIR/uid-$1")
	check "$1: ingest, within 60 s" timeout 60 "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" pending
	check "$1: approve" timeout 60 "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" approve "$U"
	check "$1: the runner runs it" timeout 60 "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run
	check "$1: it completed" sh -c "'$SCQ' --email '$DO_EMAIL' --data-dir '$WS' show '$U' --json | grep -q '\"status\": *\"completed\"'"
	check "$1: the audit log names each failure" sh -c \
		"test \$(grep -c '\"event\":\"notify-failed\".*\"uid\":\"$U\"' '$WS/private/code-queue/$DO_EMAIL/audit.jsonl') = 4"
}
bad_hook exits1 'cat > /dev/null; exit 1'
check "... saying how" grep -q "exited with status 1 (event finish)" "$WS/private/code-queue/$DO_EMAIL/audit.jsonl"
check "the timeout: one second" do_ config set notify_timeout_seconds 1
# hangs, with a child in its process group that would outlive it
bad_hook hangs "sleep 300 & echo \$! >> '$TEST_DIR/hang-pids'; sleep 300"
check "... saying how" grep -q "ran past notify_timeout_seconds and was killed (event start)" "$WS/private/code-queue/$DO_EMAIL/audit.jsonl"
# (killed children are reaped by init a moment later: up to 10 s)
check "... and its whole process group was killed" sh -c "test -s '$TEST_DIR/hang-pids' || exit 1
	for i in \$(seq 100); do
		alive=0
		for p in \$(cat '$TEST_DIR/hang-pids'); do kill -0 \$p 2>/dev/null && alive=1; done
		[ \$alive = 0 ] && exit 0
		sleep 0.1
	done; exit 1"
# the hook goes after it was set: each move of the next job is logged
printf '#!/bin/sh\nexit 0\n' > "$TEST_DIR/gone"
chmod +x "$TEST_DIR/gone"
check "a hook that will go" do_ config set notify_command "$TEST_DIR/gone"
rm -f "$TEST_DIR/gone"
check "a job after the hook went" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name after
G=$(last_out)
check "ingest" do_ pending
check "approve" do_ approve "$G"
check "run" do_ run
check "it completed" sh -c "do_() { '$SCQ' --email '$DO_EMAIL' --data-dir '$WS' \"\$@\"; }; do_ show '$G' --json | grep -q '\"status\": *\"completed\"'"
check "each failure logged: could not be run" sh -c \
	"test \$(grep -c '\"event\":\"notify-failed\".*could not be run: No such file.*\"uid\":\"$G\"' '$WS/private/code-queue/$DO_EMAIL/audit.jsonl') = 4"
for i in 1 2 3; do ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "gone $i"; done > /dev/null
check "three jobs ingested at once with the hook gone" do_ pending
check "... one failure to run it, the two others dropped in one line" grep -q \
	'"notify_command: 2 more events not told: the hook could not be run"' \
	"$WS/private/code-queue/$DO_EMAIL/audit.jsonl"
check "the audit chain still verifies" do_ audit --verify

# a requester's hook that fails: its view goes on, its own audit log says so
printf '#!/bin/sh\nexit 3\n' > "$TEST_DIR/ds-fails"
chmod +x "$TEST_DIR/ds-fails"
check "the requester's hook fails" ds config set notify_command "$TEST_DIR/ds-fails"
check "scq jobs still lists" ds jobs
out_has "... the job" "${G%%-*}"
check "... and the requester's audit log names the failure" grep -q \
	"notify-failed.*exited with status 3 (event finish).*\"uid\":\"$G\"" "$DSTORE/audit.jsonl"

check "the requester's hook off" ds config set notify_command ""

# run --watch: its ingest runs in a child process, whose moves the runner
# tells (the child sends them up); the runner never waits for a hook
rm -f "$EV"/*
check "the owner's recording hook again" do_ config set notify_command "$TEST_DIR/hook"
check "ten seconds" do_ config set notify_timeout_seconds 10
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch > "$TEST_DIR/watch.out" 2> "$TEST_DIR/watch.err" &
W=$!
sleep 0.5
check "a job while run --watch runs" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name watched
WJ=$(last_out)
for i in $(seq 100); do grep -q "\"event\":\"ingest\",.*$WJ" "$EV"/* 2>/dev/null && break; sleep 0.1; done
check "approve it" do_ approve "$WJ"
check "it runs" ds wait "$WJ" --timeout 30
for i in $(seq 100); do grep -q "\"event\":\"finish\",.*$WJ" "$EV"/* 2>/dev/null && break; sleep 0.1; done
stops_on_term "the runner stops on SIGTERM" "$W"
tally
check "run --watch: ingest (in its child) told once" has 1 "owner ingest $WJ pending None"
check "approve once" has 1 "owner approve $WJ approved None"
check "start once" has 1 "owner start $WJ running None"
check "finish once" has 1 "owner finish $WJ completed None"

# a burst: 40 jobs in one ingest, each told once (16 hooks at a time)
rm -f "$EV"/*
for i in $(seq 40); do ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "burst $i"; done \
	> "$TEST_DIR/burst"
check "40 jobs ingested at once" do_ pending
tally
check "40 ingest events, one each" sh -c "test \$(grep -c '^owner ingest ' '$TEST_DIR/tally') = 40 &&
	test -z \"\$(uniq -d '$TEST_DIR/tally')\""
check "... one for each job" sh -c "for u in \$(cat '$TEST_DIR/burst'); do
	grep -q \"^owner ingest \$u \" '$TEST_DIR/tally' || exit 1; done"
# the same with a hook that hangs: the command ends (2 x the timeout, then
# the hooks still waiting to start are dropped, and the logs say how many)
check "a hook that hangs, one second" do_ config set notify_command "$TEST_DIR/hangs"
check "... one second" do_ config set notify_timeout_seconds 1
for i in $(seq 60); do ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "slow $i"; done > /dev/null
check "60 jobs ingested, within 60 s" timeout 60 "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" pending
check "the audit log counts the events not told" grep -Eq \
	'"notify_command: [0-9]+ more events not told: the hook runs too slowly' \
	"$WS/private/code-queue/$DO_EMAIL/audit.jsonl"
check "the owner's hook off" do_ config set notify_command ""
check "the 60 wait for review all the same" sh -c \
	"test \$(ls '$WS/private/code-queue/$DO_EMAIL/jobs/pending' | wc -l) -ge 60"

# examples/notify-sendmail.py, with a sendmail that records what it is given
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FAKE="$TEST_DIR/fake"
mkdir -p "$FAKE/mail"
cat > "$FAKE/sendmail" <<EOF
#!/bin/sh
echo "\$*" > "$FAKE/mail/args.\$\$"
cat > "$FAKE/mail/mail.\$\$"
EOF
chmod +x "$FAKE/sendmail"
PATH="$FAKE:$PATH"
export PATH
# every recorded mail parses and has only our headers (one To, no Bcc or
# Cc, no CR); prints "To|Subject" per mail
cat > "$TEST_DIR/mails.py" <<'EOF'
import email, email.policy, os, sys
d = sys.argv[1]
ours = {"To", "Subject", "Auto-Submitted", "Content-Type", "Content-Transfer-Encoding",
        "MIME-Version"}
for f in sorted(os.listdir(d)):
    if f.startswith("args."):
        assert open(os.path.join(d, f)).read() == "-t -i\n"
        continue
    raw = open(os.path.join(d, f), "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    assert set(m.keys()) == ours, m.keys()
    head = raw.split(b"\n\n", 1)[0].replace(b"\n ", b" ")   # unfolded
    assert all(l.split(b":", 1)[0].decode() in ours for l in head.split(b"\n")), head
    assert b"\r" not in head
    print("%s|%s" % (m["To"], m["Subject"]))
EOF
HOOK="$ROOT/examples/notify-sendmail.py"
check "the owner's hook: the sendmail example" do_ config set notify_command "$HOOK"
# (what happened while its hook was off is told when it is on again)
check "the requester catches up with its recording hook" ds config set notify_command "$TEST_DIR/hook"
check "... by a look" ds jobs
check "... told of the job run under run --watch, that it missed" grep -q "\"audience\":\"requester\",.*\"event\":\"finish\",.*$WJ" "$EV"/*
check "the requester's hook: the sendmail example" ds config set notify_command "$HOOK"
check "a job to mail about" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "$NAME"
M=$(last_out)
check "ingest" do_ pending
check "reject it with a reason that tries a header" do_ reject "$M" -r "$(printf 'no\r\nBcc: evil@attacker.example')"
check "the requester looks" ds jobs
check "the mails parse, with only our headers" python3 "$TEST_DIR/mails.py" "$FAKE/mail"
out_has "the owner is told of the new job" "^$DO_EMAIL|\[scq\] job 'Q\"\\\\ <b>x</b> evil' ingest: pending\$"
out_has "the requester of the rejection, its reason on the subject line" \
	"^$DS_EMAIL|\[scq\] job '.*' reject: rejected \(no Bcc: evil@attacker.example\)\$"
check "two mails (the owner is not mailed its own rejection)" test "$(wc -l < "$TEST_DIR/out")" = 2
check "the bidi override never reaches a mail" sh -c "! grep -rq '$(printf '\342\200\256')' '$FAKE/mail'"
rm -f "$FAKE/mail"/*
cat > "$TEST_DIR/crafted.json" <<EOF
{"audience": "requester", "event": "reject", "requester": "$DS_EMAIL", "status": "rejected",
 "name": "x\r\nBcc: evil@attacker.example\r\n\r\nbody"}
EOF
check "an event no scq writes: CR LF in the name" sh -c "'$HOOK' < '$TEST_DIR/crafted.json'"
check "... mailed" python3 "$TEST_DIR/mails.py" "$FAKE/mail"
out_has "... with the name on one line, no Bcc header" \
	"^$DS_EMAIL|\[scq\] job 'x Bcc: evil@attacker.example body' reject: rejected\$"
printf '{"audience": "owner", "event": "ingest", "owner": "a@b.example\\nBcc: c@d.example"}' \
	> "$TEST_DIR/crafted.json"
check_exit "a recipient with a line break is refused" 1 sh -c "'$HOOK' < '$TEST_DIR/crafted.json'"
check "... nothing sent" test "$(ls "$FAKE/mail" | wc -l)" = 2
# Python's re "$" matches before a final line break: that one would end
# the mail's headers (its Subject in the body)
printf '{"audience": "owner", "event": "ingest", "owner": "a@b.example\\n"}' \
	> "$TEST_DIR/crafted.json"
check_exit "a recipient ending in a line break is refused" 1 sh -c "'$HOOK' < '$TEST_DIR/crafted.json'"
check "... nothing sent" test "$(ls "$FAKE/mail" | wc -l)" = 2
# a runner's PATH without sbin (a user's, a service's): /usr/sbin/sendmail,
# where Debian's MTAs put it, is found all the same; none at all is said
printf '{"audience": "owner", "event": "ingest", "owner": "%s", "name": "x"}' "$DO_EMAIL" \
	> "$TEST_DIR/crafted.json"
check "no sendmail anywhere: the hook says so" sh -c "! PATH=/usr/bin:/bin SCQ_SENDMAIL_DIRS=/nonexistent '$HOOK' < '$TEST_DIR/crafted.json' 2>'$TEST_DIR/nosm.err'"
check "... in one line naming where it looked" grep -qx "notify-sendmail: no sendmail program in PATH, /nonexistent: install an MTA (exim4, postfix, msmtp-mta)" "$TEST_DIR/nosm.err"
rm -f "$FAKE/mail"/*
check "a PATH without it (/usr/bin:/bin): found in the sbin folders" sh -c "PATH=/usr/bin:/bin SCQ_SENDMAIL_DIRS='/nonexistent:$FAKE' '$HOOK' < '$TEST_DIR/crafted.json'"
check "... mailed" python3 "$TEST_DIR/mails.py" "$FAKE/mail"
out_has "... to the owner" "^$DO_EMAIL|\[scq\] job 'x' ingest\$"
done_testing

#!/bin/sh
# t0240: `scq run --watch` wakes for work, not on a timer (issue 11 §3).
# Counted, not timed: strace follows the runner's own thread (not its
# children) and the rows count what made its poll return.  A poll that
# returned "Timeout" is a timer's wake-up; an idle runner has none, and an
# approval or a submission wakes it through inotify before any timer could.
#  1. idle: no poll returns and no fork over 3 s
#  2. an approval: the claim follows a wake by the watch, no timer before it
#  3. a submission: the ingest child is forked after a wake by the watch
#  4. an inotify queue overflow: said, everything looked at again
#  5. an entry synced file by file: its folders are watched, the last file
#     wakes the runner
#  6. a pending job's deadline: one wake-up by a timer, at the deadline
#  7. no inotify: said once, and the runner polls as before
. "$(dirname "$0")/test-lib.sh"
STORE="$WS/private/code-queue/$DO_EMAIL"
INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
if ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
	echo "not ok 1 - strace cannot trace here: make test-deps installs it (no silent skip)"
	echo "1..1"
	exit 1
fi
TRACE="$TEST_DIR/trace"

# until_there PATH: wait for PATH (at most 20 s)
until_there() {
	for _i in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# trace_on / trace_off: strace the runner ($R): its polls, forks and renames
trace_on() {
	: > "$TRACE"
	strace -qq -e trace=poll,ppoll,clone,clone3,fork,vfork,renameat2 -o "$TRACE" -p "$R" &
	ST=$!
	for _i in $(seq 100); do [ -s "$TRACE" ] && break; sleep 0.05; done
	sleep 0.3
}
trace_off() {
	kill "$ST"
	wait "$ST" 2>/dev/null
}
# returns: polls that returned; timeouts: of them, by a timer; before PAT:
# the trace up to the first line matching PAT
returns() { grep -cE 'poll\(.*\) += ' "${1:-$TRACE}"; }
timeouts() { grep -c 'Timeout' "${1:-$TRACE}"; }
forks() { grep -cE '^(clone|clone3|fork|vfork)\(' "${1:-$TRACE}"; }
before() { awk -v pat="$1" '$0 ~ pat { exit } { print }' "$TRACE" > "$TEST_DIR/before"; echo "$TEST_DIR/before"; }

make_job "$TEST_DIR/a" 'echo A'
A=$(ds submit "$TEST_DIR/a" --to "$DO_EMAIL" --name a)
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch > "$TEST_DIR/w.out" 2> "$TEST_DIR/w.err" &
R=$!
check "the runner ingests what was there at its start" until_there "$STORE/jobs/pending/$A"
sleep 0.5

# 1. idle
trace_on
sleep 3
trace_off
check "idle 3 s: no poll returned ($(returns) did, $(timeouts) by a timer)" test "$(returns)" = 0
check "idle 3 s: nothing forked ($(forks) forks)" test "$(forks)" = 0

# 2. an approval
trace_on
do_ approve "$A" >/dev/null
check "the approved job ran" until_there "$STORE/jobs/completed/$A"
trace_off
check "the claim is in the trace" grep -q "renameat2(.*\"$A\"" "$TRACE"
B4=$(before "renameat2\\\\(.*$A")
check "before the claim: no wake-up by a timer ($(timeouts "$B4") of $(returns "$B4"))" \
	test "$(timeouts "$B4")" = 0
check "before the claim: one wake-up, by the watch ($(returns "$B4"))" test "$(returns "$B4")" = 1
check "the runner says the job started" grep -q "job $A started" "$TEST_DIR/w.err"

# 3. a submission
make_job "$TEST_DIR/b" 'echo B'
trace_on
B=$(ds submit "$TEST_DIR/b" --to "$DO_EMAIL" --name b)
check "the submitted job became pending" until_there "$STORE/jobs/pending/$B"
trace_off
B4=$(before '^(clone|clone3|fork|vfork)\(')
check "the ingest pass is forked" test "$(forks)" -ge 1
check "before it: no wake-up by a timer ($(timeouts "$B4") of $(returns "$B4"))" \
	test "$(timeouts "$B4")" = 0
check "... and the wake-up that forked it came from the watch" test "$(returns "$B4")" -ge 1

# 4. an overflow of the inotify queue while the runner is stopped: its
# queue (fs.inotify.max_queued_events, 16384 here) is outrun by files the
# ingest ignores (dot names), while a job is submitted and one approved
kill -STOP "$R"
python3 -c "
import os
for i in range(20000):
    open(os.path.join('$INBOX', '.noise%d' % i), 'w').close()
" || echo "# could not write the noise"
make_job "$TEST_DIR/c" 'echo C'
C=$(ds submit "$TEST_DIR/c" --to "$DO_EMAIL" --name c)
do_ approve "$B" >/dev/null
kill -CONT "$R"
check "after the overflow the submitted job is ingested" until_there "$STORE/jobs/pending/$C"
check "... and the approved one ran" until_there "$STORE/jobs/completed/$B"
check "the runner said it lost events and looked again" grep -q "inotify lost events" "$TEST_DIR/w.err"
find "$INBOX" -maxdepth 1 -name '.noise*' -delete
sleep 0.5
trace_on
sleep 2
trace_off
check "idle again after the overflow ($(returns) wake-ups)" test "$(returns)" = 0

# 5. an entry delivered the way SyftBox syncs it: folders first, each file
# as a temp file renamed into place, the last one deep in code/
make_job "$TEST_DIR/e" 'cat sub/f.txt'
mkdir -p "$TEST_DIR/e/sub"; echo deep > "$TEST_DIR/e/sub/f.txt"
kill -STOP "$R"
E=$(ds submit "$TEST_DIR/e" --to "$DO_EMAIL" --name e)
mv "$INBOX/$E" "$TEST_DIR/entry-e"
kill -CONT "$R"
sleep 0.5
# deliver NAME: one file of the entry, temp file then rename
deliver() {
	cp "$TEST_DIR/entry-e/$1" "$INBOX/$E/$1.tmp" && mv "$INBOX/$E/$1.tmp" "$INBOX/$E/$1"
}
trace_on
mkdir -p "$INBOX/$E/code/sub"
deliver job.json; deliver signature.json; deliver code/run.sh
sleep 0.5
check "the entry waits, incomplete" test ! -e "$STORE/jobs/pending/$E"
deliver code/sub/f.txt
check "the last file, two folders down, completes it" until_there "$STORE/jobs/pending/$E"
trace_off
check "... with no wake-up by a timer ($(timeouts) of $(returns))" test "$(timeouts)" = 0

# 6. a pending job's deadline: the runner sleeps until it, not in ticks
make_job "$TEST_DIR/d" 'echo D'
D=$(ds submit "$TEST_DIR/d" --to "$DO_EMAIL" --name d --timeout 3)
check "the short-lived job became pending" until_there "$STORE/jobs/pending/$D"
trace_on
check "it expired at its deadline" until_there "$STORE/jobs/timedout/$D"
trace_off
check "woken by a timer for it once or twice, not in ticks ($(timeouts) times)" \
	test "$(timeouts)" -ge 1 -a "$(timeouts)" -le 2

kill "$R"
wait "$R"
check "the runner stopped on SIGTERM while asleep" test $? = 0

# 7. no inotify: said once, polling as before (strace injects the failure)
# (strace_run's environment, without the function: $! must be strace's pid)
env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -qq -o /dev/null -e trace=inotify_init1 -e inject=inotify_init1:error=EMFILE \
	"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch > "$TEST_DIR/p.out" 2> "$TEST_DIR/p.err" &
SP=$!
check "without inotify the runner still finds pending jobs" until_there "$STORE/jobs/pending/$C"
do_ approve "$C" >/dev/null
check "... and runs approved ones" until_there "$STORE/jobs/completed/$C"
check "it said once that it polls" test "$(grep -c 'cannot watch the store and inbox with inotify' "$TEST_DIR/p.err")" = 1
kill $(pgrep -P "$SP") 2>/dev/null # the runner, strace's child
wait "$SP"
done_testing

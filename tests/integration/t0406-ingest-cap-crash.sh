#!/bin/sh
# t0406: a crash at any mutating step of an ingest pass that takes jobs up
# to max_pending_per_requester never lets the requester past the cap after
# recovery: the pass writes the requester's pending-by/ index (inflow.c)
# and syncs it before it moves any job into pending, so no pending job is
# ever missing from the count.  Four complete jobs, a cap of three: after
# each crash and a recovery pass, three are pending and one waits.
. "$(dirname "$0")/test-lib.sh"
JOBS="$WS/private/code-queue/$DO_EMAIL/jobs"
INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
MAXN=300
do_ config set max_pending_per_requester 3 >/dev/null
make_job "$TEST_DIR/c" 'echo hi'
for k in 1 2 3 4; do ds submit "$TEST_DIR/c" --to "$DO_EMAIL" --name "j$k" >/dev/null; done
rm -rf "$TEST_DIR/snap"; cp -a "$WS" "$TEST_DIR/snap"
N=1; crashed=0; bad=""
while [ $N -le $MAXN ]; do
	rm -rf "$WS"; cp -a "$TEST_DIR/snap" "$WS"
	( export SCQ_FAULT_AT=$N SCQ_FAULT_MODE=crash; do_ pending ) >/dev/null 2>&1; rc=$?
	[ $rc = 99 ] || break
	crashed=$((crashed + 1))
	do_ pending >/dev/null 2>&1; do_ pending >/dev/null 2>&1 # recovery, then a further pass
	p=$(ls "$JOBS/pending" | wc -l); w=$(ls "$INBOX" | wc -l)
	[ "$p" = 3 ] && [ "$w" = 1 ] || bad="$bad crash@$N:${p}-pending-${w}-waiting"
	N=$((N + 1))
done
check "the pass completes once the fault is past its steps (N=$N, rc=$rc)" test $N -gt 1 -a $N -le $MAXN -a "$rc" = 0
check "it crashed at each of its $crashed steps before" test $crashed -gt 10
check "after every crash and recovery: 3 pending, 1 waiting${bad:+ (not:$bad)}" test -z "$bad"
p=$(ls "$JOBS/pending" | wc -l); w=$(ls "$INBOX" | wc -l)
check "without a crash: 3 pending, 1 waiting ($p, $w)" test "$p" = 3 -a "$w" = 1
done_testing

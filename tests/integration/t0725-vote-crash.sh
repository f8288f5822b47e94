#!/bin/sh
# t0725: crash (and EIO) at every mutating file-system step of the vote
# transitions (issue 12 §3), through the fault seam (SCQ_FAULT_AT/MODE), as
# t0400 does for submit, ingest, approve and run.  With approvals_required
# 2: the owner's first vote (pending -> pending), a reviewer's vote read
# from its inbox folder that approves (pending -> approved), and the
# owner's vote that approves after the reviewer's.  After each fault a
# recovery pass must leave the job in exactly one state, never approved
# with fewer than two distinct votes, never run twice, every vote counted
# at most once, and the audit chain valid (`scq audit --verify`, which also
# checks the votes' order).
. "$(dirname "$0")/test-lib.sh"

REV=rev@lab.example
rev() { "$SCQ" --email "$REV" --data-dir "$WS" "$@"; }
JOBS="$WS/private/code-queue/$DO_EMAIL/jobs"
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
RUNS="$TEST_DIR/runs.log"
MAXN=300
make_job "$TEST_DIR/code" "echo \"\$JOB_ID\" >> '$RUNS'"

reinit() {
	rm -rf "$WS" "$RUNS"; mkdir "$WS"; : > "$RUNS"
	ds init >/dev/null && do_ init >/dev/null && rev init >/dev/null
	do_ config set isolation none >/dev/null && do_ config set approvals_required 2 >/dev/null
	do_ reviewers add "$REV" >/dev/null
	U=$(ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name votejob); do_ pending >/dev/null 2>&1
}
store_uids() { ls -d "$JOBS"/*/*-*-*-*-* 2>/dev/null | sed 's|.*/||'; }
state_of() { ls -d "$JOBS"/*/"$1" 2>/dev/null | sed 's|/[^/]*$||; s|.*/||'; }
# the voters an approval or the pending votes name, one per line
voters() { python3 -c 'import json,sys
try: d = json.load(open(sys.argv[1]))
except Exception: sys.exit(0)
for v in d.get("votes", []): print(v["by"])' "$1"; }

recover_and_check() {
	_bad=""
	do_ pending >/dev/null 2>&1 || _bad="$_bad pending-failed"
	do_ run >/dev/null 2>&1 || _bad="$_bad run-failed"
	[ -z "$(store_uids | sort | uniq -d)" ] || _bad="$_bad uid-in-two-states"
	[ "$(store_uids | wc -l)" = 1 ] || _bad="$_bad job-lost-or-doubled"
	[ -z "$(sort "$RUNS" | uniq -d)" ] || _bad="$_bad ran-twice"
	_s=$(state_of "$U")
	# the reviewer's vote is in its inbox folder until counted: never lost
	[ "$_op" != inbox ] || [ "$_s" != pending ] || _bad="$_bad reviewer-vote-lost"
	if [ "$_s" = pending ]; then
		[ -z "$(voters "$JOBS/pending/$U/votes.json" | sort | uniq -d)" ] || _bad="$_bad vote-counted-twice"
		[ ! -s "$RUNS" ] || _bad="$_bad ran-while-pending"
	else
		_a=$(ls "$JOBS"/*/"$U"/approved.json 2>/dev/null)
		[ "$(voters "$_a" | sort -u | wc -l)" = 2 ] || _bad="$_bad approved-without-two-votes($_s)"
	fi
	do_ audit --verify >/dev/null 2>&1 || _bad="$_bad audit-broken"
	if [ -n "$_bad" ]; then
		echo "not ok $((_n + 1)) - $1:$_bad"; _failed=$((_failed + 1))
		do_ audit --verify 2>&1 | sed 's/^/#   /' | head -5
	else
		echo "ok $((_n + 1)) - $1"
	fi
	_n=$((_n + 1))
}

# finish LABEL: drive the job to its end without faults: both approvers
# vote (a vote already counted is refused, never counted again), it runs
# exactly once.
finish() {
	do_ approve "$U" >/dev/null 2>&1
	rev approve "$U" --owner "$DO_EMAIL" >/dev/null 2>&1
	do_ pending >/dev/null 2>&1
	do_ run >/dev/null 2>&1
	check "$1: approved by both and ran exactly once ($(state_of "$U"))" \
		test "$(state_of "$U")" = completed -a "$(grep -c "$U" "$RUNS")" = 1
}

FAIL_STRIDE=${FAIL_STRIDE:-3}
fault_loop() { # OP SETUP CMD
	_op=$1; _setup=$2; _cmd=$3
	reinit; eval "$_setup"
	rm -rf "$TEST_DIR/snap"; cp -a "$WS" "$TEST_DIR/snap"
	if [ "$MODE" = crash ]; then _max=$MAXN; _step=1; else eval "_max=\$STEPS_$_op"; _step=$FAIL_STRIDE; fi
	N=1; while [ $N -le $_max ]; do
		rm -rf "$WS"; cp -a "$TEST_DIR/snap" "$WS"; : > "$RUNS"
		( export SCQ_FAULT_AT=$N SCQ_FAULT_MODE=$MODE; eval "$_cmd" ) >/dev/null 2>&1; rc=$?
		if [ "$MODE" = crash ]; then
			[ $rc = 99 ] || break
		else
			[ $rc = 0 ] || [ $rc = 1 ] || check "$_op fail@$N exits 0 or 1, got $rc" false
		fi
		recover_and_check "$_op $MODE@$N: recovery invariants"
		finish "$_op $MODE@$N"
		N=$((N + _step))
	done
	if [ "$MODE" = crash ]; then
		eval "STEPS_$_op=$N"
		check "$_op crash: completes once the fault is past its steps (N=$N, rc=$rc)" test $N -gt 1 -a $N -le $MAXN -a $rc = 0
		recover_and_check "$_op crash: clean run invariants"
		finish "$_op crash: clean run"
	fi
}

for MODE in crash fail; do
	# the owner's first vote: pending -> pending (votes.json, "vote")
	fault_loop first '' 'do_ approve "$U"'
	# the reviewer's vote from its inbox approves: ingest reads it
	fault_loop inbox 'do_ approve "$U" >/dev/null; rev approve "$U" --owner "$DO_EMAIL" >/dev/null' 'do_ pending'
	# the owner's vote approves after the reviewer's was counted
	fault_loop last 'rev approve "$U" --owner "$DO_EMAIL" >/dev/null; do_ pending >/dev/null' 'do_ approve "$U"'
done
done_testing

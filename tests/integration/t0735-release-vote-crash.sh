#!/bin/sh
# t0735: crash (and EIO) at every mutating file-system step of the release
# votes (release_approvals_required 2, doc/protocol.md §6a) through the
# fault seam (SCQ_FAULT_AT/MODE), as t0725 does for approval votes: the
# owner's first vote (release-votes.json, "release-vote"), a reviewer's
# vote read from its inbox folder that decides (released.json, publication)
# and the owner's vote that decides after the reviewer's.  After each
# fault a recovery pass must leave the job held with nothing published, or
# decided with exactly the chosen file published; never decided with fewer
# than two distinct votes; every vote counted at most once; the reviewer's
# record never lost before it counted; the audit chain valid (`scq audit
# --verify`, which also checks the release votes).
. "$(dirname "$0")/test-lib.sh"

REV=rev@lab.example
rev() { "$SCQ" --email "$REV" --data-dir "$WS" "$@"; }
JOBS="$WS/private/code-queue/$DO_EMAIL/jobs"
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
AUDIT="$WS/private/code-queue/$DO_EMAIL/audit.jsonl"
MAXN=300
make_job "$TEST_DIR/code" 'echo LOG-SECRET; echo PUBLIC > "$OUTPUT_DIR/public.csv"; echo SECRET-CELL > "$OUTPUT_DIR/small.csv"'

reinit() {
	rm -rf "$WS"; mkdir "$WS"
	ds init >/dev/null && do_ init >/dev/null && rev init >/dev/null
	do_ config set isolation none >/dev/null && do_ config set release review >/dev/null
	do_ config set release_approvals_required 2 >/dev/null
	do_ reviewers add "$REV" >/dev/null
	U=$(ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name rvote)
	do_ approve "$U" >/dev/null && do_ run >/dev/null
	OB="$APP/outbox/$DS_EMAIL/$U"; J="$JOBS/completed/$U"
}
owner_votes() { do_ release "$U" --file public.csv -r "checked" --ack-flags; }
rev_votes() { rev release "$U" --owner "$DO_EMAIL" --file public.csv -r "agreed" --ack-flags; }
files() { (cd "$OB" && find . -type f | sort | tr '\n' ' '); }
voters() { python3 -c 'import json,sys
try: d = json.load(open(sys.argv[1]))
except Exception: sys.exit(0)
for v in d.get("votes", []): print(v["by"])' "$1"; }

recover_and_check() {
	_bad=""
	do_ pending >/dev/null 2>&1 || _bad="$_bad pending-failed"
	do_ run >/dev/null 2>&1 || _bad="$_bad run-failed"
	if grep -q '"results_incomplete": *true' "$OB/status.json" 2>/dev/null; then
		do_ republish "$U" >/dev/null 2>&1 || _bad="$_bad republish"
	fi
	grep -rq SECRET "$OB" && _bad="$_bad secret-leaked"
	if [ -f "$J/released.json" ]; then
		[ "$(voters "$J/released.json" | sort -u | wc -l)" = 2 ] || _bad="$_bad decided-without-two-votes"
		[ "$(voters "$J/released.json" | wc -l)" = 2 ] || _bad="$_bad vote-counted-twice"
		[ "$(files)" = "./output/public.csv ./status.json " ] || _bad="$_bad files($(files))"
		grep -q '"release_state": *"partly_released"' "$OB/status.json" || _bad="$_bad state"
		# the decision once: its own line, or "recovered" when the crash
		# came before it (the runner's reconcile)
		_n_ev=$(grep -c "\"event\":\"\\(release-partial\\|recovered\\)\".*\"uid\":\"$U\"" "$AUDIT")
		[ "$_n_ev" = 1 ] || _bad="$_bad decision-events=$_n_ev"
	else
		[ "$(files)" = "./status.json " ] || _bad="$_bad leak-before($(files))"
		grep -q '"results_held": *true' "$OB/status.json" || _bad="$_bad not-held"
		[ -z "$(voters "$J/release-votes.json" | sort | uniq -d)" ] || _bad="$_bad vote-counted-twice"
		# the reviewer's vote is in its inbox folder until counted: never lost
		[ "$_op" != inbox ] || [ -f "$APP/inbox/$REV/$U.release.vote.json" ] ||
			voters "$J/release-votes.json" | grep -qx "$REV" || _bad="$_bad reviewer-vote-lost"
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

# finish LABEL: both approvers vote again (a vote counted already is
# refused, never counted twice); exactly public.csv is released.
finish() {
	owner_votes >/dev/null 2>&1
	rev_votes >/dev/null 2>&1
	do_ pending >/dev/null 2>&1
	do_ run >/dev/null 2>&1
	check "$1: released by both, exactly public.csv" \
		test -f "$J/released.json" -a "$(files)" = "./output/public.csv ./status.json "
}

FAIL_STRIDE=${FAIL_STRIDE:-2}
fault_loop() { # OP SETUP CMD
	_op=$1; _setup=$2; _cmd=$3
	reinit; eval "$_setup"
	rm -rf "$TEST_DIR/snap"; cp -a "$WS" "$TEST_DIR/snap"
	if [ "$MODE" = crash ]; then _max=$MAXN; _step=1; else eval "_max=\$STEPS_$_op"; _step=$FAIL_STRIDE; fi
	N=1; while [ $N -le $_max ]; do
		rm -rf "$WS"; cp -a "$TEST_DIR/snap" "$WS"
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
	# the owner's first vote: release-votes.json and its "release-vote" line
	fault_loop first '' 'owner_votes'
	# the reviewer's vote from its inbox folder decides: ingest reads it
	fault_loop inbox 'owner_votes >/dev/null 2>&1; rev_votes >/dev/null 2>&1' 'do_ pending'
	# the owner's vote decides after the reviewer's was counted
	fault_loop last 'rev_votes >/dev/null 2>&1; do_ pending >/dev/null 2>&1' 'owner_votes'
done
done_testing

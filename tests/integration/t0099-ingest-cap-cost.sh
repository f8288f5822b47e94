#!/bin/sh
# t0099: a complete job waiting over max_pending_per_requester costs every
# owner command's ingest pass the same at 100 pending jobs and at 2,000
# (issue 11 §3): the pass counts the requester's pending jobs from the
# store's pending-by/ index, bounded by the cap, never by opening each
# pending job's record.  The grown jobs are indexed (pending-by/ removed,
# so the next pass rebuilds it from every pending record) before counting.
. "$(dirname "$0")/test-lib.sh"
STORE="$WS/private/code-queue/$DO_EMAIL"
OUT="$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL"
SUB="$WS/private/code-queue/$DS_EMAIL/submitted"
INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
command -v strace >/dev/null || { echo "not ok 1 - strace is missing (make test installs it)"; echo "1..1"; exit 1; }
do_ config set max_pending_per_requester 3 >/dev/null
make_job "$TEST_DIR/c" 'echo hi'
A=$(ds submit "$TEST_DIR/c" --to "$DO_EMAIL" --name a)
B=$(ds submit "$TEST_DIR/c" --to "$DO_EMAIL" --name b)
C=$(ds submit "$TEST_DIR/c" --to "$DO_EMAIL" --name c)
do_ pending >/dev/null
W=$(ds submit "$TEST_DIR/c" --to "$DO_EMAIL" --name waits)
do_ pending >/dev/null
check "three are pending" test "$(ls "$STORE/jobs/pending" | wc -l)" = 3
check "the fourth waits in the inbox" test -d "$INBOX/$W"
check "its requester is told why" grep -q max_pending_per_requester "$OUT/$W/status.json"
check "the store keeps the requester's pending index" sh -c 'ls "$1"/pending-by/*.json' x "$STORE"
# grow N: N pending jobs, copies of A, indexed by the next pass
grow() {
	grow_copies "$STORE/jobs/pending/$A" "$SUB/$A.json" "$OUT/$A" "$A" "$1"
	rm -rf "$STORE/pending-by"
	do_ show "$A" >/dev/null # the rebuild reads every record: once, not counted
}
# calls: file-system calls of an owner command whose pass meets the waiting job
calls() {
	strace_run -f -c -U calls -e trace=%file,getdents64,read -o "$TEST_DIR/strace" \
		"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" show "$A" >/dev/null 2>"$TEST_DIR/cerr" ||
		echo "show: $(tail -1 "$TEST_DIR/cerr")" >>"$TEST_DIR/failed"
	awk '$NF == "total" { print $1 }' "$TEST_DIR/strace"
}
grow 100; n1=$(ls "$STORE/jobs/pending" | wc -l); c1=$(calls)
grow 2000; n2=$(ls "$STORE/jobs/pending" | wc -l); c2=$(calls)
check "every measured command succeeded" sh -c '! cat "$1" 2>/dev/null' x "$TEST_DIR/failed"
check "100 then 2,000 pending ($n1, $n2)" sh -c 'test "$1" -ge 100 && test "$2" -ge 2000' x "$n1" "$n2"
check "the job still waits" test -d "$INBOX/$W"
check "the pass costs $c1 file-system calls at 100 pending, $c2 at 2,000" \
	sh -c 'test "$1" -gt 0 && test "$1" = "$2"' x "${c1:-0}" "${c2:-0}"
# the index counts what left pending: decisions free places (the grown
# copies are moved out by hand, the three real jobs rejected)
mkdir -p "$STORE/jobs/completed"
for P in $(ls "$STORE/jobs/pending" | grep -v -e "$A" -e "$B" -e "$C"); do
	mv "$STORE/jobs/pending/$P" "$STORE/jobs/completed/$P"
done
do_ pending >/dev/null
check "with its three jobs still pending, the job still waits" test -d "$INBOX/$W"
do_ reject "$C" -r no >/dev/null
do_ pending >/dev/null
check "once one of them is decided, the waiting job is taken" test -d "$STORE/jobs/pending/$W"
check "and leaves the inbox" test ! -e "$INBOX/$W"
done_testing

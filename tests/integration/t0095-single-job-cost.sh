#!/bin/sh
# t0095: single-job commands cost the same at 100 jobs and at 2,000 (issue
# 11 §1): a full uid goes straight to the job, for both roles, never walking
# every job.  Counted in file-system calls (strace -c: opens, stats,
# directory reads; the sanitizers' own memory calls vary), not timed.
. "$(dirname "$0")/test-lib.sh"
STORE="$WS/private/code-queue/$DO_EMAIL"
OUT="$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL"
SUB="$WS/private/code-queue/$DS_EMAIL/submitted"
command -v strace >/dev/null || { echo "not ok 1 - strace is missing (make test installs it)"; echo "1..1"; exit 1; }
make_job "$TEST_DIR/c" 'echo hi'
A=$(ds submit "$TEST_DIR/c" --to "$DO_EMAIL" --name probe)
do_ pending >/dev/null
# grow N: copies of job $A under fresh uids, on both sides (test-lib.sh)
grow() { grow_copies "$STORE/jobs/pending/$A" "$SUB/$A.json" "$OUT/$A" "$A" "$1"; }
# calls WHO CMD...: the total number of system calls of one scq command
# (run once before, so one-time work, such as a first ingest, is not counted)
calls() {
	_who=$1; shift
	"$SCQ" --email "$_who" --data-dir "$WS" "$@" >/dev/null 2>&1
	strace_run -f -c -U calls -e trace=%file,getdents64 -o "$TEST_DIR/strace" "$SCQ" --email "$_who" --data-dir "$WS" "$@" >/dev/null 2>&1
	awk '$NF == "total" { print $1 }' "$TEST_DIR/strace"
}
measure() {
	echo "$(calls "$DS_EMAIL" show "$A") $(calls "$DS_EMAIL" wait "$A" --timeout 0.01)" \
	     "$(calls "$DS_EMAIL" logs "$A") $(calls "$DO_EMAIL" show "$A")" \
	     "$(calls "$DO_EMAIL" review "$A")"
}
grow 100; set -- $(measure); S1="$*"
grow 2000; set -- $(measure); S2="$*"
check "2,000 jobs on each side" test "$(ls "$STORE/jobs/pending" | wc -l)" -ge 2000
i=1
for what in "requester show" "requester wait" "requester logs" "owner show" "owner review"; do
	a=$(echo "$S1" | cut -d' ' -f$i); b=$(echo "$S2" | cut -d' ' -f$i)
	# counted at all (an strace that cannot trace gives nothing), and equal
	check "$what by full uid: $a file-system calls at 100 jobs, $b at 2,000" \
		sh -c 'test "$1" -gt 0 && test "$1" = "$2"' x "${a:-0}" "${b:-0}"
	i=$((i + 1))
done
done_testing

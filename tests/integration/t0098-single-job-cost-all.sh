#!/bin/sh
# t0098: EVERY single-job command and Python call costs the same at 100 jobs
# and at 2,000 (issue 11 §1), for both roles: by full uid in file-system calls
# (opens, stats, directory reads), by a short prefix in opens and stats only
# (a prefix may read the directory's entries, whose getdents64 batches grow
# with the entries, but never a job's files).  t0095 is the quick subset.
. "$(dirname "$0")/test-lib.sh"
STORE="$WS/private/code-queue/$DO_EMAIL"
OUT="$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL"
SUB="$WS/private/code-queue/$DS_EMAIL/submitted"
PY="${SCQ_PYTHONPATH:?make test sets it: the built Python package}"
command -v strace >/dev/null || { echo "not ok 1 - strace is missing (make test installs it)"; echo "1..1"; exit 1; }
# room for 2,000 pending from one requester: over the cap a new job waits in
# the inbox, and every owner command's ingest pass then reads each pending
# job's record to count them (inflow.c scan_pending), an ingest cost, not a lookup
do_ config set max_pending_per_requester 100000 >/dev/null
make_job "$TEST_DIR/c" 'echo hi'
A=$(ds submit "$TEST_DIR/c" --to "$DO_EMAIL" --name probe)
# R: a finished job with a log and an output, for logs, output and wait
make_job "$TEST_DIR/r" 'echo ran; echo res > "$OUTPUT_DIR/res.txt"'
R=$(ds submit "$TEST_DIR/r" --to "$DO_EMAIL" --name ran)
do_ approve "$R" >/dev/null
check "the finished job runs" do_ run
do_ pending >/dev/null
# grow N: copies of job $A under fresh uids, on both sides (test-lib.sh)
grow() { grow_copies "$STORE/jobs/pending/$A" "$SUB/$A.json" "$OUT/$A" "$A" "$1"; }
# pick: a fresh pending job (grown copy) no earlier measurement touched
pick() { ls "$STORE/jobs/pending" | grep -v "^$A\$" | sed -n "$1p"; }
# calls TRACE WARM WHO CMD...: file-system calls of one scq command, after a
# warm-up (one-time work, such as a first ingest, is not counted): WARM=same
# runs CMD itself first; WARM=show runs `show` on the command's uid (for the
# commands that change the job, which can run only once)
calls() {
	_tr=$1 _warm=$2 _who=$3; shift 3
	if [ "$_warm" = same ]; then
		"$SCQ" --email "$_who" --data-dir "$WS" "$@" >/dev/null 2>&1
	else
		"$SCQ" --email "$_who" --data-dir "$WS" show "$2" >/dev/null 2>&1
	fi
	strace_run -f -c -U calls -e trace="$_tr" -o "$TEST_DIR/strace" "$SCQ" --email "$_who" --data-dir "$WS" "$@" >/dev/null 2>"$TEST_DIR/cerr" ||
		echo "scq $* as $_who: exit $?: $(tail -1 "$TEST_DIR/cerr")" >>"$TEST_DIR/failed"
	awk '$NF == "total" { print $1 }' "$TEST_DIR/strace"
}
# pycalls WHO CODE [WARM]: the same for a python3 child running CODE with q,
# the client of WHO, after one warm-up run of WARM (default: CODE itself)
# (submit_job comes last: its new job waits in the owner's inbox, and an
# ingest reads every pending job's record, max_pending_per_requester)
pycalls() {
	_pre="import syft_code_queue as s, sys; q = s.connect(email=sys.argv[1], data_dir=sys.argv[2]); "
	_code="$_pre$2"
	PYTHONPATH="$PY" "$PYBIN" -c "$_pre${3:-$2}" "$1" "$WS" "$TEST_DIR/c" "$DO_EMAIL" >/dev/null 2>&1
	PYTHONPATH="$PY" strace_run -f -c -U calls -e trace=%file,getdents64 -o "$TEST_DIR/strace" \
		"$PYBIN" -c "$_code" "$1" "$WS" "$TEST_DIR/c" "$DO_EMAIL" >/dev/null 2>"$TEST_DIR/cerr" ||
		echo "python $2 as $1: exit $?: $(tail -1 "$TEST_DIR/cerr")" >>"$TEST_DIR/failed"
	awk '$NF == "total" { print $1 }' "$TEST_DIR/strace"
}
F=%file,getdents64
# the interpreter itself, not a wrapper script (pyenv's shims run shells)
PYBIN=$(python3 -c 'import sys; print(sys.executable)')
measure() {
	ap=$(pick 1) rj=$(pick 2) cn=$(pick 3) pa=$(pick 4)
	P=$(echo "$A" | cut -c1-8) Q=$(echo "$R" | cut -c1-8)
	echo "$(calls $F same "$DS_EMAIL" show "$A") $(calls $F same "$DS_EMAIL" logs "$R")" \
	     "$(calls $F same "$DS_EMAIL" wait "$R") $(calls $F same "$DS_EMAIL" output "$R")" \
	     "$(calls $F show "$DS_EMAIL" cancel "$cn")" \
	     "$(calls $F same "$DO_EMAIL" show "$A") $(calls $F same "$DO_EMAIL" review "$A")" \
	     "$(calls $F same "$DO_EMAIL" logs "$R") $(calls $F same "$DO_EMAIL" output "$R")" \
	     "$(calls $F show "$DO_EMAIL" approve "$ap") $(calls $F show "$DO_EMAIL" reject "$rj" --reason no)" \
	     "$(calls %file same "$DS_EMAIL" show "$P") $(calls %file same "$DO_EMAIL" show "$P")" \
	     "$(calls %file same "$DS_EMAIL" logs "$Q") $(calls %file same "$DO_EMAIL" review "$P")" \
	     "$(pycalls "$DS_EMAIL" "q.get_job('$A')") $(pycalls "$DO_EMAIL" "q.get_job('$A')")" \
	     "$(pycalls "$DO_EMAIL" "q.approve('$pa')" "q.get_job('$pa')")" \
	     "$(pycalls "$DS_EMAIL" "q.submit_job(sys.argv[4], sys.argv[3], 'py')")"
}
grow 100; set -- $(measure); S1="$*"
grow 2000; N=$(ls "$STORE/jobs/pending" | wc -l); set -- $(measure); S2="$*"
check "every measured command and call succeeded" sh -c '! cat "$1" 2>/dev/null' x "$TEST_DIR/failed"
check "2,000 jobs on each side ($N pending)" test "$N" -ge 2000
i=1
for what in "requester show" "requester logs" "requester wait" "requester output" \
	    "requester cancel" "owner show" "owner review" "owner logs" "owner output" \
	    "owner approve" "owner reject" "requester show by prefix" "owner show by prefix" \
	    "requester logs by prefix" "owner review by prefix" "python get_job as requester" \
	    "python get_job as owner" "python approve" "python submit_job"; do
	a=$(echo "$S1" | cut -d' ' -f$i); b=$(echo "$S2" | cut -d' ' -f$i)
	# counted at all (an strace that cannot trace gives nothing), and equal
	check "$what: $a file-system calls at 100 jobs, $b at 2,000" \
		sh -c 'test "$1" -gt 0 && test "$1" = "$2"' x "${a:-0}" "${b:-0}"
	i=$((i + 1))
done
done_testing

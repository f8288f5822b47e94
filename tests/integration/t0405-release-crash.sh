#!/bin/sh
# t0405: a crash during `scq release`, after released.json is written but
# inside the publication, left the requester told "held" forever (only
# `scq republish` repaired it).  The runner's outbox reconcile compares
# results_held too and publishes the results; the temporary files the
# crash left in the outbox are removed by that publication.  Every
# mutating step of the release is tried (SCQ_FAULT_AT, base/fs.h).
. "$(dirname "$0")/test-lib.sh"
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
STORE="$WS/private/code-queue/$DO_EMAIL"

check "release review" do_ config set release review
make_job "$TEST_DIR/code"
check "submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name held
U=$(last_out)
check "ingest" do_ pending --json
check "approve" do_ approve "$U"
check "run" do_ run
check "held" grep -q '"results_held": *true' "$APP/outbox/$DS_EMAIL/$U/status.json"
cp -a "$WS" "$TEST_DIR/base"
O="$APP/outbox/$DS_EMAIL/$U"
N=0 crashed=0 bad=""
while [ $N -lt 60 ]; do
	N=$((N + 1))
	rm -rf "$WS"; cp -a "$TEST_DIR/base" "$WS"
	( export SCQ_FAULT_AT=$N SCQ_FAULT_MODE=crash; do_ release "$U" ) >/dev/null 2>&1
	rc=$?
	[ $rc = 0 ] && break
	[ -f "$STORE/jobs/completed/$U/released.json" ] || continue
	crashed=$((crashed + 1))
	do_ run >/dev/null 2>&1
	grep -q '"results_held": *false' "$O/status.json" || bad="$bad $N:held"
	grep -q '"output_files"' "$O/status.json" || bad="$bad $N:no-outputs"
	[ -f "$O/output/result.txt" ] && [ -f "$O/execution.txt" ] || bad="$bad $N:files"
	[ -z "$(find "$O" -name '*.tmp')" ] || bad="$bad $N:tmp"
done
check "the release finished without a fault at step $N" test "$rc" = 0
check "crashes after released.json were tried ($crashed)" test "$crashed" -ge 5
check "after each, scq run published the results, no temp left:$bad" test -z "$bad"
check "the requester gets the results" ds output "$U" --to "$TEST_DIR/got"
check "the output" test -f "$TEST_DIR/got/result.txt"
done_testing

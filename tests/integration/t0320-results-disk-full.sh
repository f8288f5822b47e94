#!/bin/sh
# t0320: a disk that fills while outputs are collected or published is a
# visible failure (error_kind collect_error / publish_error, `scq status`,
# the runner), what was produced stays in the private store, and
# `scq republish ID` completes the delivery once space is free.
# The full disk is a small tmpfs, mounted in a user+mount namespace of our
# own (no privilege needed); the script re-runs itself inside one.
if [ -z "${SCQ_T0320_NS:-}" ]; then
	SCQ_T0320_NS=1 exec unshare -Urm sh "$0" "$@"
	echo "Bail out! unshare -Urm failed: user namespaces are needed for this test"
	exit 1
fi
. "$(dirname "$0")/test-lib.sh"

APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
OUTB="$APP/outbox/$DS_EMAIL"
STORE="$WS/private/code-queue/$DO_EMAIL"

# republished UID FILE: republish, then the job is completed without error
# and the requester's copy of FILE is whole
republished() {
	check "republish $1" do_ republish "$1"
	check "owner's show after republish" do_ show "$1" --json
	out_has "completed" '"status":"completed"'
	out_has "no error any more" '"error_kind":null'
	check_exit "requester's wait now completes" 0 ds wait "$1" --timeout 10
	check "requester's output copy" ds output "$1" --to "$TEST_DIR/copy-$1"
	check "copied output is whole" cmp "$TEST_DIR/copy-$1/$2" "$STORE/jobs/completed/$1/output/$2"
}

# --- publication: the requester's outbox folder fills up -----------------------
make_job "$TEST_DIR/pub" 'echo hi; head -c 300000 /dev/urandom > "$OUTPUT_DIR/out.bin"'
P=$(ds submit "$TEST_DIR/pub" --to "$DO_EMAIL" --name pub)
check "approve" do_ approve "$P"
check "a 64 KiB file system on the job's outbox folder" mount -t tmpfs -o size=64k tmpfs "$OUTB/$P"
check "run" do_ run
err_has "the runner says results were not published" "could not be collected or published"
check "owner's show --json" do_ show "$P" --json
out_has "error_kind publish_error" '"error_kind":"publish_error"'
check "status" do_ status
out_has "status lists the job for republish" "republish"
out_has "status names it" "$P"
check_exit "requester's wait is not a clean completion" 1 ds wait "$P" --timeout 10
err_has "wait says publish_error" "publish_error"
check_exit "requester's output is refused" 1 ds output "$P" --to "$TEST_DIR/p1"
err_has "output says it could not be published" "could not be published|have synced"
check "the outputs stay in the private store" test -f "$STORE/jobs/completed/$P/output/out.bin"
check "space is freed" mount -o remount,size=16m tmpfs "$OUTB/$P"
republished "$P" out.bin
check_exit "republish is the owner's" 1 ds republish "$P"
err_has "says only the owner may" "only its data owner"

# --- collection: the private store fills up ---------------------------------------
make_job "$TEST_DIR/col" 'echo hi; head -c 1200000 /dev/urandom > "$OUTPUT_DIR/big.bin"'
C=$(ds submit "$TEST_DIR/col" --to "$DO_EMAIL" --name col)
check "ingest" do_ pending
# the owner's whole private store on a 2 MiB tmpfs: the job's 1.2 MB fit
# once (in sandbox-out/), the collected copy does not
cp -a "$STORE" "$TEST_DIR/store.copy"
check "a 2 MiB file system for the private store" mount -t tmpfs -o size=2m tmpfs "$STORE"
cp -a "$TEST_DIR/store.copy/." "$STORE/"
check "approve" do_ approve "$C"
check "run" do_ run
err_has "the runner says results were not collected" "could not be collected or published"
check "owner's show --json" do_ show "$C" --json
out_has "failed" '"status":"failed"'
out_has "error_kind collect_error" '"error_kind":"collect_error"'
check "status" do_ status
out_has "status lists it" "$C"
check "what the job produced stays in the store" test -f "$STORE/jobs/failed/$C/sandbox-out/big.bin"
check_exit "requester's wait: failed" 1 ds wait "$C" --timeout 10
err_has "wait says collect_error" "collect_error"
check_exit "requester's output says why there is none" 1 ds output "$C"
err_has "could not be collected" "could not be collected by its owner"
check "space is freed" mount -o remount,size=32m tmpfs "$STORE"
republished "$C" big.bin
check "sandbox-out is removed once collected" test ! -e "$STORE/jobs/completed/$C/sandbox-out"
check "status lists nothing to republish" do_ status
check "no republish warning" sh -c '! grep -q republish "$1"' x "$TEST_DIR/out"
check "audit verifies" do_ audit --verify
check "audit has the republish events" sh -c 'test "$(grep -c "\"event\":\"republish\"" "$1")" -ge 2' x "$STORE/audit.jsonl"
umount "$STORE" "$OUTB/$P" 2>/dev/null
done_testing

#!/bin/sh
# t0990: hostile trial of the integ6 features.  A sync server that writes
# can move a status the owner signed, with its log and outputs, into the
# folder of another job: the signature still verifies (it is the owner's),
# so the uid it names must be the folder's, or the requester reads another
# job's results as this one's.
. "$(dirname "$0")/test-lib.sh"

OUT="$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL"
make_job "$TEST_DIR/a" 'echo log-of-A; echo A > "$OUTPUT_DIR/result.txt"'
make_job "$TEST_DIR/b" 'echo log-of-B; echo B > "$OUTPUT_DIR/result.txt"'
check "submit A" ds submit "$TEST_DIR/a" --to "$DO_EMAIL" --name A
A=$(last_out)
check "submit B" ds submit "$TEST_DIR/b" --to "$DO_EMAIL" --name B
B=$(last_out)
check "owner ingests" do_ pending
check "approve A" do_ approve "$A" -r ok
check "approve B" do_ approve "$B" -r ok
check "run both" do_ run
check "B's log, as published" ds logs "$B"
out_has "... is B's" "log-of-B"
check "the status of A (signed, with its log and outputs) replaces B's" \
	sh -c "rm -rf '$OUT/$B' && cp -a '$OUT/$A' '$OUT/$B'"
check_exit "B's log is refused: its status names another job" 1 ds logs "$B"
err_has "... saying so" "names another job"
check_exit "so are its outputs" 1 ds output "$B" --to "$TEST_DIR/got"
check "nothing of A was taken for B's" test ! -e "$TEST_DIR/got/result.txt"
done_testing

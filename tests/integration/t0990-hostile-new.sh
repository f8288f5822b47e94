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

# The dashboard, for the requester: an output or log page is the owner's
# only if the whole file has its published SHA-256 (a sync server can
# change its bytes, keeping its size).
command -v curl >/dev/null || { echo "Bail out! curl is missing (make test-deps)"; exit 1; }
UI_PID=
trap '[ -n "$UI_PID" ] && kill $UI_PID 2>/dev/null; rm -rf "$TEST_DIR"' EXIT
"$SCQ" --email "$DS_EMAIL" --data-dir "$WS" ui --port 0 > "$TEST_DIR/ui.out" 2> "$TEST_DIR/ui.err" &
UI_PID=$!
for _i in $(seq 100); do
	grep -q token= "$TEST_DIR/ui.out" 2>/dev/null && break
	sleep 0.1
done
URL=$(head -1 "$TEST_DIR/ui.out")
BASE=${URL%%/?token=*}
TOKEN=${URL##*token=}
get() { curl -s -b "scq_ui=$TOKEN" -o "$TEST_DIR/body" -w '%{http_code}\n' "$BASE$1" > "$TEST_DIR/out"; }
check "A's output, as published" get "/api/jobs/$A/output?path=result.txt&role=requester"
out_has "... 200" "^200$"
check "... is A's" grep -qx A "$TEST_DIR/body"
check "the same size, other bytes, on the way" sh -c "echo X > '$OUT/$A/output/result.txt'"
check "the output again" get "/api/jobs/$A/output?path=result.txt&role=requester"
out_has "... is refused" "^409$"
check "... and not served" sh -c "! grep -qx X '$TEST_DIR/body'"
check "A's log page, as published" get "/api/jobs/$A/log?offset=0&limit=100&role=requester"
out_has "... 200" "^200$"
sed 's/log-of-A/log-of-X/' "$OUT/$A/execution.txt" > "$TEST_DIR/log" && cp "$TEST_DIR/log" "$OUT/$A/execution.txt"
check "a changed log's page" get "/api/jobs/$A/log?offset=0&limit=100&role=requester"
out_has "... is refused" "^409$"
done_testing

#!/bin/sh
# t0080: inputs that users get wrong and messages that must say what is
# true (issue 8, item 7): a CRLF run.sh, upper-case e-mails and ids, the
# wrong identity, a cancel too late, an empty status filter, --json on
# every read command and readable human output.
. "$(dirname "$0")/test-lib.sh"
# out_lacks / err_lacks NAME ERE: the last checked command's stdout / stderr
# does not match ERE
out_lacks() { if grep -Eq -- "$2" "$TEST_DIR/out"; then _p=0; else _p=1; fi; _result $_p "$1" "$TEST_DIR/out"; }
err_lacks() { if grep -Eq -- "$2" "$TEST_DIR/err"; then _p=0; else _p=1; fi; _result $_p "$1" "$TEST_DIR/err"; }

# --- CRLF run.sh -------------------------------------------------------------
mkdir -p "$TEST_DIR/win"
printf '#!/bin/bash\r\nset -e\r\necho done > "$OUTPUT_DIR/result.txt"\r\nfalse\r\necho "not reached"\r\n' > "$TEST_DIR/win/run.sh"
cp "$TEST_DIR/win/run.sh" "$TEST_DIR/run.sh.orig"
check_exit "a CRLF run.sh is refused at submit" 1 ds submit "$TEST_DIR/win" --to "$DO_EMAIL" --name win
err_has "the refusal says CRLF and gives the fix" "CRLF.*--convert-crlf"
check "in one line" test "$(wc -l < "$TEST_DIR/err")" = 1
check "nothing was submitted" sh -c '! ls "$1" | grep -q .' x "$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
check "submit --convert-crlf" ds submit "$TEST_DIR/win" --to "$DO_EMAIL" --name win --convert-crlf
UW=$(last_out)
check "the user's run.sh is untouched" cmp "$TEST_DIR/win/run.sh" "$TEST_DIR/run.sh.orig"
check "the job is ingested, not quarantined" do_ review "$UW"
out_has "the submitted copy has LF endings: no CR shown" '^set -e$'
out_lacks "and no CRLF warning" CRLF
check "approve" do_ approve "$UW"
check "run" do_ run
check_exit "set -e now works: the job fails at 'false'" 1 ds wait "$UW" --timeout 10
check "its output is result.txt, not result.txt<CR>" test -f "$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL/$UW/output/result.txt"
check "logs" ds logs "$UW"
out_lacks "'not reached' was not reached" "^not reached"

# --- upper-case e-mails and ids ------------------------------------------------
make_job "$TEST_DIR/code"
check "--to in upper case is accepted" ds submit "$TEST_DIR/code" --to "OWNER@Hospital.Example" --name upper
UU=$(last_out)
check "the owner receives it" do_ pending --json
out_has "listed for the owner" "$UU"
check "the target is lower-cased" ds show "$UU" --json
out_has "target_email lower case" "\"target_email\":\"$DO_EMAIL\""
check "--email in upper case finds my jobs" "$SCQ" --email "DS@UNI.EXAMPLE" --data-dir "$WS" jobs --json
out_has "my job listed" "$UU"
check "an upper-case id prefix is accepted" do_ show "$(echo "$UU" | cut -c1-8 | tr a-f A-F)" --json
out_has "the job found" "$UU"
check "a full upper-case uid too" do_ show "$(echo "$UU" | tr a-f A-F)" --json

# --- the wrong identity: who may act ---------------------------------------------
check_exit "the requester cannot approve" 1 ds approve "$UU"
err_has "and is told who may" "not yours to approve: only its data owner $DO_EMAIL may approve it"
check_exit "nor reject" 1 ds reject "$UU" -r no
err_has "told who may reject" "only its data owner $DO_EMAIL may reject it"
check_exit "nor review" 1 ds review "$UU"
err_has "told who may review" "only its data owner $DO_EMAIL may review it"
check_exit "someone else finds nothing" 1 "$SCQ" --email eve@else.example --data-dir "$WS" show "$UU"
err_has "and is told whose jobs were searched" "no job found with id '$UU' submitted to or by eve@else\.example"

# --- cancel: what really happened ----------------------------------------------
check "the requester cancels a pending job" ds cancel "$UU"
out_has "a request, acted on by the owner's scq" "cancel requested for $UU: the data owner's scq"
check "the owner's next read carries it out" do_ pending
check "cancelled" ds show "$UU" --json
out_has "status cancelled" '"status":"cancelled"'
check_exit "cancelling a finished job as requester is refused" 1 ds cancel "$UW"
err_has "saying it already finished" "already finished \(status failed\): nothing to cancel"
check "no cancel request was written" test ! -e "$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL/$UW.cancel.json"
check "submit another" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name tocancel
UC=$(last_out)
check "the owner cancels a pending job" do_ cancel "$UC"
out_has "cancelled at once" "^cancelled $UC$"

# --- empty listings say what is true -------------------------------------------
check "jobs --status running with none running" ds jobs --status running
out_has "no job with that status, and how many there are" "^No jobs with status running \(3 jobs submitted by you in total\)\.$"
check "list --status approved with none" do_ list --status approved
out_has "the owner's count" "^No jobs with status approved \(3 jobs submitted to you in total\)\.$"

# --- --json everywhere, readable text otherwise -----------------------------------
check "submit --json" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "json job" --tag t1 --json
cp "$TEST_DIR/out" "$TEST_DIR/submit.json"
check "prints the job object, as show --json does" python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(not (j["name"] == "json job" and j["status"] == "pending" and j["tags"] == ["t1"]
              and j["target_email"] == sys.argv[2] and len(j["uid"]) == 36))' "$TEST_DIR/submit.json" "$DO_EMAIL"
mkdir -p "$TEST_DIR/data"
check "dataset add" do_ dataset add cohort "$TEST_DIR/data"
for c in "dataset list" "config list" "audit" "audit --verify" "doctor"; do
	# shellcheck disable=SC2086
	check "$c --json is accepted" do_ $c --json
	cp "$TEST_DIR/out" "$TEST_DIR/got.json"
	check "$c --json is JSON" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$TEST_DIR/got.json"
done
check "dataset list" do_ dataset list
out_has "readable: name and path" "^cohort: +$TEST_DIR/data$"
check "show" do_ show "$UW"
cp "$TEST_DIR/out" "$TEST_DIR/show.out"
out_has "aligned key: value lines" "^Status: +failed$"
out_has "the run record as lines" "^  wall_seconds: +[0-9.]+$"
check "show prints no JSON" sh -c '! grep -q "[{}]" "$1"' x "$TEST_DIR/show.out"
check "audit" do_ audit
cp "$TEST_DIR/out" "$TEST_DIR/audit.out"
out_has "one line per event" "^ +[0-9]+  20[0-9-]+T[0-9:.]+Z +approve +[0-9a-f]{8}  $DO_EMAIL"
check "audit prints no JSON" sh -c '! grep -q "[{}]" "$1"' x "$TEST_DIR/audit.out"
check "doctor" do_ doctor
cp "$TEST_DIR/out" "$TEST_DIR/doctor.out"
out_has "doctor is key: value lines" "^isolation_full: +(true|false)$"
check "doctor prints no JSON" sh -c '! grep -q "[{}]" "$1"' x "$TEST_DIR/doctor.out"
# the owner's "not found" names the right side (a fresh user's report)
check_exit "approve of an unknown id" 1 do_ approve abcd
err_has "... says the job was not submitted to me" "no job found with id 'abcd' submitted to $DO_EMAIL"
check_exit "logs of an unknown id by the requester" 1 ds logs abcd1234
err_has "... searched both sides, and says so" "no job found with id 'abcd1234' submitted to or by $DS_EMAIL"
# a typo in --data-dir: an error, not a new empty queue (a fresh user's report)
check_exit "a data folder that does not exist" 1 "$SCQ" --email "$DS_EMAIL" --data-dir "$TEST_DIR/no-such-dir" jobs
err_has "... is named, with the fix" "data folder '.*no-such-dir' does not exist"
check "... and nothing was created" test ! -e "$TEST_DIR/no-such-dir"
check "scq init still makes a new one" "$SCQ" --email "$DS_EMAIL" --data-dir "$TEST_DIR/new-dir" init
done_testing

#!/bin/sh
# t0010: the whole workflow across two identities, through the real scq.
. "$(dirname "$0")/test-lib.sh"

make_job "$TEST_DIR/code"
check "submit prints a uid" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "First job" --tag stats --description "a test"
UID_=$(last_out)
check "uid is a lowercase UUIDv4" sh -c "echo '$UID_' | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'"
check "requester sees it pending" sh -c "'$SCQ' --email $DS_EMAIL --data-dir '$WS' jobs --json | grep -q '\"status\":\"pending\"'"
check "owner sees it in pending" do_ pending
out_has "pending lists the job name" "First job"
check "pending --json is an array with the uid" sh -c "'$SCQ' --email $DO_EMAIL --data-dir '$WS' pending --json | grep -q '\"uid\":\"$UID_\"'"
check "inbox entry consumed after ingest" test ! -e "$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL/$UID_"
check "review shows run.sh in full" do_ review "${UID_%%-*}"
out_has "review output has the script" "result.txt"
check_exit "requester cannot approve its own job" 1 ds approve "$UID_"
check "owner approves by prefix" do_ approve "$(echo "$UID_" | cut -c1-6)" -r "looks fine"
check_exit "approving twice is a state error" 1 do_ approve "$UID_"
check "runner runs it" do_ run
out_has "run reports one completed" "1 completed"
check "wait exits 0 on completed" ds wait "$UID_" --timeout 10
check "requester reads the log" ds logs "$UID_"
out_has "log has the STDOUT section" "^STDOUT:"
out_has "log has job output" "^hello"
check "requester lists outputs" ds output "$UID_"
out_has "output has result.txt" "result.txt"
check "requester copies outputs" ds output "$UID_" --to "$TEST_DIR/got"
check "copied output content" grep -qx result "$TEST_DIR/got/result.txt"
check "show --json has completed and exit code 0" sh -c "'$SCQ' --email $DS_EMAIL --data-dir '$WS' show $UID_ --json | grep -q '\"exit_code\":0'"
check "status works for owner" do_ status
check "audit chain verifies" do_ audit --verify
check "audit has 4+ entries" sh -c "test \$(wc -l < '$WS/private/code-queue/$DO_EMAIL/audit.jsonl') -ge 4"

# reject and cancel paths
check "second submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "Second"
U2=$(last_out)
check_exit "reject needs a reason" 2 do_ reject "$U2"
check "owner rejects with reason" do_ reject "$U2" -r "uses raw rows"
check "requester sees rejected with reason" sh -c "'$SCQ' --email $DS_EMAIL --data-dir '$WS' show $U2 --json | grep -q 'uses raw rows'"
check_exit "wait exits 1 on rejected" 1 ds wait "$U2" --timeout 5
check "show a rejected job" do_ show "$U2"
out_has "it ended, it did not complete (it never ran)" '^Ended: '
check "the audit table" do_ audit
out_has "its header names ACTOR and REASON as columns" '^ +SEQ +AT \(UTC\) +EVENT +JOB +ACTOR +REASON$'
cp "$TEST_DIR/out" "$TEST_DIR/audit.txt"
check "the reason stands under REASON" sh -c 'awk "NR == 1 { h = index(\$0, \"REASON\") }
	/ reject / { r = index(\$0, \"uses raw rows\") } END { exit !(h > 0 && h == r) }" "$1"' x "$TEST_DIR/audit.txt"
check "third submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "Third"
U3=$(last_out)
check "owner ingests" do_ pending
check "requester asks to cancel" ds cancel "$U3"
check "owner processes the cancel" do_ list --status cancelled --json
out_has "job is cancelled" "$U3"
check_exit "unknown id fails with 1" 1 do_ show abcd1234
check_exit "bad id is a usage error" 2 do_ show zz
check_exit "unknown command is a usage error" 2 do_ frobnicate
check "every command has --help" sh -c "for c in \$('$SCQ' --help | awk '/^Commands:/ { f = 1; next } /^\$/ { f = 0 } f { print \$1 }'); do '$SCQ' \$c --help >/dev/null || { echo \"no --help: \$c\"; exit 1; }; done"
check "... and the list is all of them (36 or more)" sh -c "test \$('$SCQ' --help | awk '/^Commands:/ { f = 1; next } /^\$/ { f = 0 } f' | wc -l) -ge 36"
check "exec-node, the Slurm batch script's (not listed), has --help too" "$SCQ" exec-node --help
out_has "... its usage" '^usage: scq exec-node /ABSOLUTE/STAGED/FOLDER'
# make demo's whole loop (issue 13): try on the mock, submit, approve, run,
# revise, the owner's review of only what changed, approve and run again
check "scq demo" "$SCQ" demo
out_has "... the requester tries the job on the mock first" "^== 1b\. .* tries the job on the mock, on its own machine \(scq try\): completed"
out_has "... the revision's review is a diff" "^-res = \{'count': len\(ages\), 'mean_age': sum"
out_has "... the revision runs" "^== 10\. approved and run: .* sees status 'completed'"
out_has "... and the demo succeeds" "^== demo succeeded"
done_testing

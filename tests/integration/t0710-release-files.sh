#!/bin/sh
# t0710: the owner's decisions on held results (release review), each a
# row of the state table, audited with its reason (protocol §5, §6):
# releasing one of two files delivers exactly that file, and the log only
# when it is released; withholding all delivers nothing but the reasons;
# a return shows the comment to the requester.  Nothing withheld ever
# reaches the outbox (listed) or the requester's copy.  A hostile file
# name in --file and hostile reason text are shown with markers, never
# acted on.  A job held under the old scheme (released.json without a
# decision) still shows and releases correctly.
. "$(dirname "$0")/test-lib.sh"
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
STORE="$WS/private/code-queue/$DO_EMAIL"
OB="$APP/outbox/$DS_EMAIL"
ESC=$(printf '\033')

check "release review" do_ config set release review
# two outputs, a secret in each, and one in the log
two='echo LOG-SECRET; echo PUBLIC-TABLE > "$OUTPUT_DIR/public.csv"; echo SMALL-CELL-3 > "$OUTPUT_DIR/small.csv"'
run_held() { # NAME: submit, approve, run; U gets the uid
	make_job "$TEST_DIR/$1" "$two"
	U=$(ds submit "$TEST_DIR/$1" --to "$DO_EMAIL" --name "$1")
	do_ approve "$U" >/dev/null && do_ run >/dev/null
}

# 1. release one of two files, not the log
run_held one
check "held: awaiting_release in --json (requester)" ds show "$U" --json
out_has "release_state awaiting_release" '"release_state": *"awaiting_release"'
check "owner lists it with --held" do_ list --held
out_has "list --held" "^${U%%-*}"
check_exit "a release of some files needs a reason" 2 do_ release "$U" --file public.csv
check_exit "a file that is no output is refused" 1 do_ release "$U" --file nope.csv -r ok
err_has "... named" "has no output file 'nope.csv'"
check "the refusal decided nothing" ds show "$U" --json
out_has "still awaiting" '"awaiting_release"'
check "release public.csv only" do_ release "$U" --file public.csv \
	--withhold "small.csv=cell of 3 (under min_cell_count)" -r "table checked"
out_has "says partly released" "partly released $U"
check "the outbox holds public.csv" test -f "$OB/$U/output/public.csv"
check "... and not small.csv" test ! -e "$OB/$U/output/small.csv"
check "... and no log" sh -c "! ls '$OB/$U' | grep -q execution"
check "no withheld byte anywhere in the outbox" sh -c "! grep -rq 'SMALL-CELL\|LOG-SECRET' '$OB/$U'"
check "the outbox lists exactly status.json and output/public.csv" \
	sh -c "cd '$OB/$U' && test \"\$(find . -type f | sort | tr '\n' ' ')\" = './output/public.csv ./status.json '"
check "the owner's ACRO export of it" do_ export "$U" --acro "$TEST_DIR/acro1"
check "... holds public.csv and nothing withheld (no small.csv, no log)" \
	sh -c "test \"\$(cd '$TEST_DIR/acro1' && find . -type f -not -name results.json -not -path './checksums/*' | sort | tr '\n' ' ')\" = './files/0-public.csv '"
check "... and results.json names no withheld file" sh -c "! grep -q 'small.csv\|execution.log' '$TEST_DIR/acro1/results.json'"
check "the requester copies its outputs" ds output "$U" --to "$TEST_DIR/got1"
err_has "output says what was withheld, and why" "withheld +small.csv: cell of 3"
check "its copy: exactly public.csv" sh -c "test \"\$(cd '$TEST_DIR/got1' && find . -type f)\" = ./public.csv"
check_exit "the requester's log: withheld" 1 ds logs "$U"
err_has "logs says withheld, with the reason" "log of job '$U' was withheld by the data owner: withheld by the data owner"
check "requester show" ds show "$U"
out_has "show: partly released by the owner" "Release: +partly released by $DO_EMAIL"
out_has "show: the reason" "reason +table checked"
out_has "show: released file" "released +public.csv"
out_has "show: withheld file and its reason" "withheld +small.csv: cell of 3 \(under min_cell_count\)"
out_has "show: the log withheld" "withheld +\(the log\)"
check "requester wait: exit 0 (completed)" ds wait "$U" --timeout 10
err_has "wait says the decision" "decision on its results: partly_released"
check "requester --json: the exit code went with the log" ds show "$U" --json
out_has "exit_code null" '"exit_code": *null'
check_exit "a second decision is refused" 1 do_ withhold "$U" -r again
err_has "... saying it was decided" "nothing to release or withhold"
check "audited with its reason" do_ audit --json
out_has "release-partial event" '"event":"release-partial".*"reason":"table checked"'

# 2. release one file and the log
run_held two
check "release small.csv and the log" do_ release "$U" --file small.csv --log -r "ok"
check "the log reached the outbox" test -f "$OB/$U/execution.txt"
check "small.csv did, public.csv did not" sh -c "test -f '$OB/$U/output/small.csv' && test ! -e '$OB/$U/output/public.csv'"
check "the requester reads the log" ds logs "$U"
out_has "log text" "LOG-SECRET"

# 3. naming every file and the log is a full release
run_held three
check "release both and the log" do_ release "$U" --file public.csv --file small.csv --log -r "all fine"
out_has "says released" "^released $U"
check "state released" ds show "$U" --json
out_has "release_state released" '"release_state": *"released"'

# 4. withhold all: nothing but the reasons
run_held four
check "withhold all" do_ withhold "$U" -r "risk of re-identification"
out_has "says withheld" "^withheld $U"
check "the outbox: status.json only (an empty output/)" \
	sh -c "cd '$OB/$U' && test \"\$(find . -type f)\" = ./status.json"
check "no byte of the run in the outbox" sh -c "! grep -rq 'SECRET\|PUBLIC-TABLE\|SMALL-CELL' '$OB/$U'"
check_exit "no ACRO export of a job withheld whole" 1 do_ export "$U" --acro "$TEST_DIR/acro4"
err_has "... saying nothing was released" "nothing of job '$U' was released to its requester \(decision: withheld\)"
check "the requester's copy is empty" ds output "$U" --to "$TEST_DIR/got4"
check "... nothing in it" sh -c "test -z \"\$(find '$TEST_DIR/got4' -type f)\""
check "requester show: the reasons" ds show "$U"
out_has "withheld public.csv with the reason" "withheld +public.csv: risk of re-identification"
out_has "withheld the log" "withheld +\(the log\): risk of re-identification"
check "audited" do_ audit --json
out_has "withhold event" '"event":"withhold".*"reason":"risk of re-identification"'

# 5. return for changes: the requester sees the comment
run_held five
check_exit "a return needs a comment" 2 do_ return "$U"
check "return" do_ return "$U" -r "please round counts to 5 and add CONTEXT.md"
check "requester show" ds show "$U"
out_has "returned for changes" "Release: +returned for changes"
out_has "the comment" "comment +please round counts to 5 and add CONTEXT.md"
check "requester --json" ds show "$U" --json
out_has "release_state returned" '"release_state": *"returned"'
check "nothing of the run in the outbox" sh -c "! grep -rq 'SECRET\|PUBLIC-TABLE\|SMALL-CELL' '$OB/$U'"
check "audited" do_ audit --json
out_has "return event" '"event":"return"'

# 6. hostile names and reasons: markers, one line, nothing acted on
# (an output name with a control character is never collected: the
# hostile name that reaches a decision is a bidi override)
make_job "$TEST_DIR/six" 'printf x > "$OUTPUT_DIR/$(printf "evil\342\200\256vsc.exe")"; echo y > "$OUTPUT_DIR/ok.txt"'
U=$(ds submit "$TEST_DIR/six" --to "$DO_EMAIL" --name six)
do_ approve "$U" >/dev/null; do_ run >/dev/null
EVIL=$(printf 'evil\342\200\256vsc.exe')
RLO=$(printf '\342\200\256')
check_exit "a hostile name that is no output" 1 do_ release "$U" --file "$(printf 'x\033]0;t\007')" -r r
err_has "shown with markers" "no output file 'x⟨ESC⟩\]0;t⟨BEL⟩'"
check "no raw ESC in the message" sh -c "! grep -q '$ESC' '$TEST_DIR/err'"
check "release ok.txt, withhold the hostile name with a hostile reason" \
	do_ release "$U" --file ok.txt --withhold "$EVIL=$(printf 'bad\033[31m\nreason\342\200\256')" -r "$(printf 'why\033[H')"
check "requester show" ds show "$U"
out_has "the name with markers" "withheld +evil⟨U\+202E⟩vsc.exe: bad⟨ESC⟩\[31m⟨LF⟩reason⟨U\+202E⟩"
out_has "the reason with markers" "reason +why⟨ESC⟩\[H"
check "no raw ESC or RLO on the screen" sh -c "! grep -q '$ESC\|$RLO' '$TEST_DIR/out'"
check "the hostile file stayed in the store" test -f "$STORE/jobs/completed/$U/output/$EVIL"
check "... and out of the outbox" test ! -e "$OB/$U/output/$EVIL"

# 7. a job held under the old scheme: released.json {at, by, reason}
run_held seven
check "old-scheme held job shows awaiting" do_ show "$U" --json
out_has "awaiting" '"awaiting_release"'
check "release it (short form, as before)" do_ release "$U"
check "both outputs and the log published" sh -c "test -f '$OB/$U/output/public.csv' && test -f '$OB/$U/output/small.csv' && test -f '$OB/$U/execution.txt'"
check "the audit log verifies" do_ audit --verify
run_held eight
printf '{"at": "2026-01-01T00:00:00.000000Z", "by": "%s", "reason": "results released to the requester"}\n' \
	"$DO_EMAIL" > "$STORE/jobs/completed/$U/released.json"
check "an older released.json (no decision): released" do_ show "$U" --json
out_has "release_state released" '"release_state": *"released"'
out_has "decision normalised to release" '"decision": *"release"'
check_exit "a decision placed by hand, without its audit line, fails --verify" 1 do_ audit --verify
err_has "... naming it" "no event for the release decision of job '$U', which is released"

# 9. the requester's context, beside the held outputs (owner's show):
# --context adds CONTEXT.md to the submitted code, shown escaped
make_job "$TEST_DIR/nine" "$two"
check "submit with --context" ds submit "$TEST_DIR/nine" --to "$DO_EMAIL" --name nine \
	--context "$(printf 'Table of counts, rounded to 5.\nSmall cells suppressed.\033[2J\342\200\256')"
U=$(last_out)
do_ approve "$U" >/dev/null; do_ run >/dev/null
check "owner show of the held job" do_ show "$U"
out_has "the context heading" "^Context: +the requester's CONTEXT.md"
out_has "its text" "Table of counts, rounded to 5."
out_has "escaped" "Small cells suppressed.⟨ESC⟩\[2J⟨U\+202E⟩"
check "no raw ESC or RLO" sh -c "! grep -q '$ESC\|$RLO' '$TEST_DIR/out'"
check "CONTEXT.md is in the code the owner approved" do_ review "$U" --file CONTEXT.md
out_has "review shows it" "rounded to 5"
check "the requester does not see the owner's context view" ds show "$U"
check "... (no Context line)" sh -c "! grep -q '^Context:' '$TEST_DIR/out'"
make_job "$TEST_DIR/ten" "$two"
echo "own context" > "$TEST_DIR/ten/CONTEXT.md"
check_exit "a folder with CONTEXT.md and --context: refused" 1 ds submit "$TEST_DIR/ten" --to "$DO_EMAIL" --name ten --context more
err_has "... saying why" "has a CONTEXT.md already"
check "the folder's own CONTEXT.md is the context" ds submit "$TEST_DIR/ten" --to "$DO_EMAIL" --name ten
U=$(last_out)
do_ approve "$U" >/dev/null; do_ run >/dev/null
check "owner show" do_ show "$U"
out_has "its text" "own context"

# 10. after a return the requester resubmits, naming the returned job
do_ return "$U" -r "round the counts" >/dev/null
check "resubmit" ds submit "$TEST_DIR/nine" --to "$DO_EMAIL" --name ten-again --resubmit "${U%%-*}"
U2=$(last_out)
check "the owner sees which job it replaces" do_ show "$U2" --json
out_has "resubmit_of" "\"resubmit_of\": *\"$U\""
check_exit "resubmit of a job that is not mine" 1 ds submit "$TEST_DIR/nine" --to "$DO_EMAIL" --name x --resubmit 00000000-0000-4000-8000-000000000000
INBOX="$APP/inbox/$DS_EMAIL"
for bad in "'../../x' + chr(27) + '[2J'" '42'; do
	F=$(ds submit "$TEST_DIR/nine" --to "$DO_EMAIL" --name forged)
	python3 "$(dirname "$0")/forge-job.py" "$INBOX/$F" "j['resubmit_of'] = $bad"
	check "a forged resubmit_of ($bad) is quarantined at ingest" do_ pending
	err_has "... naming the field" "quarantined inbox/$DS_EMAIL/$F: job.json: field 'resubmit_of' must be a job uid"
done

# 11. fail closed: a decision record that cannot be read, or a decision
# without its list of files, publishes nothing of the run
for bad in 'not json' '{"decision": "release-partial", "at": "x", "by": "y", "reason": "z"}'; do
	run_held eleven
	do_ release "$U" --file public.csv -r ok >/dev/null
	printf '%s\n' "$bad" > "$STORE/jobs/completed/$U/released.json"
	rm -rf "$OB/$U"
	check "republished after a hand-broken decision ($bad)" do_ run
	check "... nothing of the run in the outbox" sh -c "! grep -rq 'SECRET\|PUBLIC\|SMALL' '$OB/$U'"
	check "... no output file, no log" sh -c "cd '$OB/$U' && test \"\$(find . -type f)\" = ./status.json"
done

# 12. a decision record too large for status.json is refused, not cut
make_job "$TEST_DIR/twelve" 'for i in $(seq 80); do echo $i > "$OUTPUT_DIR/f$i.csv"; done'
U=$(ds submit "$TEST_DIR/twelve" --to "$DO_EMAIL" --name twelve)
do_ approve "$U" >/dev/null; do_ run >/dev/null
LONG=$(head -c 4000 /dev/zero | tr '\0' r)
set --
for i in $(seq 2 80); do set -- "$@" --withhold "f$i.csv=$LONG"; done
check_exit "80 reasons of 4000 bytes: refused" 1 do_ release "$U" --file f1.csv -r ok "$@"
err_has "... saying why" "the decision would take more than 262144 bytes"
check "the job still awaits release" do_ show "$U" --json
out_has "awaiting" '"awaiting_release"'
check "with the default reason it goes" do_ release "$U" --file f1.csv -r ok --withhold-reason "$LONG" --ack-flags

# 13. listings say what the decision kept back, on both sides
check "owner list" do_ list
out_has "partly released" "completed \(partly\)"
out_has "withheld" "completed \(withheld\)"
out_has "returned" "completed \(returned\)"
check "requester jobs" ds jobs
out_has "partly released" "completed \(partly\)"
out_has "returned" "completed \(returned\)"
# the log alone (fresh-user finding: --log needed --file)
run_held logonly
check "release --log alone" do_ release "$U" --log -r "the log only" --ack-flags
out_has "... says partly released" "partly released $U"
check "... the log reached the outbox" test -f "$OB/$U/execution.txt"
check "... and no output" sh -c "test -z \"\$(find '$OB/$U/output' -type f 2>/dev/null)\""
check_exit "--withhold alone still needs --file or --log" 2 do_ release "$U" --withhold x=y -r r
done_testing

#!/bin/sh
# t0715: a crash at every write step of each new release decision (release
# of some files, withhold all, return for changes; SCQ_FAULT_AT, the fault
# seam of base/fs.h) loses and duplicates nothing.  Before released.json
# (the decision's commit) the job is still awaiting release and nothing of
# it is in the outbox; after it, the runner's reconcile publishes the
# decision, the outbox and the requester's copy hold exactly what was
# released (no withheld file, no temporary), the audit log has the
# decision once (its own event, or "recovered" when the crash came before
# its line) and `scq audit --verify` passes.  Each step a crash reached is
# also tried as an I/O error (the command fails, or goes on where the step
# is best effort; the same checks follow).
. "$(dirname "$0")/test-lib.sh"
APP="$WS/datasites/$DO_EMAIL/app_data/code-queue"
STORE="$WS/private/code-queue/$DO_EMAIL"

check "release review" do_ config set release review
make_job "$TEST_DIR/code" 'echo LOG-SECRET; echo PUBLIC > "$OUTPUT_DIR/public.csv"; echo SECRET-CELL > "$OUTPUT_DIR/small.csv"'
check "submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name held
U=$(last_out)
check "approve" do_ approve "$U"
check "run" do_ run
check "held" grep -q '"results_held": *true' "$APP/outbox/$DS_EMAIL/$U/status.json"
cp -a "$WS" "$TEST_DIR/base"
O="$APP/outbox/$DS_EMAIL/$U"
J="$STORE/jobs/completed/$U"

# files KIND: what the outbox may hold after the decision (sorted, one line)
files() { (cd "$O" && find . -type f | sort | tr '\n' ' '); }
decide() { # KIND: the decision under test
	case $1 in
	partial) do_ release "$U" --file public.csv -r "checked" ;;
	withhold) do_ withhold "$U" -r "too small" ;;
	return) do_ return "$U" -r "please round" ;;
	esac
}
event_of() { case $1 in partial) echo release-partial ;; *) echo "$1" ;; esac; }
want_of() { case $1 in partial) echo './output/public.csv ./status.json ' ;; *) echo './status.json ' ;; esac; }
state_of() { case $1 in partial) echo partly_released ;; withhold) echo withheld ;; *) echo returned ;; esac; }

for kind in partial withhold return; do
	for mode in crash error; do
		N=0 after=0 before=0 bad=""
		ev=$(event_of $kind) want=$(want_of $kind) st=$(state_of $kind)
		while [ $N -lt ${LAST:-80} ]; do
			N=$((N + 1))
			rm -rf "$WS"; cp -a "$TEST_DIR/base" "$WS"
			( export SCQ_FAULT_AT=$N SCQ_FAULT_MODE=$mode; decide $kind ) >/dev/null 2>&1
			rc=$?
			[ $rc = 0 ] && [ $mode = crash ] && break
			if [ ! -f "$J/released.json" ]; then
				before=$((before + 1))
				# not decided: still awaiting, nothing of the run out
				grep -q '"results_held": *true' "$O/status.json" || bad="$bad $N:not-held"
				[ "$(files)" = './status.json ' ] || bad="$bad $N:leak-before"
				decide $kind >/dev/null 2>&1 || bad="$bad $N:retry"
			else
				after=$((after + 1))
				do_ run >/dev/null 2>&1 || bad="$bad $N:run"
				# a failed publication is visible and the owner's to
				# finish (scq status lists it): scq republish
				if grep -q '"results_incomplete": *true' "$O/status.json"; then
					do_ republish "$U" >/dev/null 2>&1 || bad="$bad $N:republish"
				fi
			fi
			grep -q "\"release_state\": *\"$st\"" "$O/status.json" || bad="$bad $N:state"
			[ "$(files)" = "$want" ] || bad="$bad $N:files($(files))"
			grep -rq 'SECRET' "$O" && bad="$bad $N:secret"
			n=$(grep -c "\"event\":\"\\($ev\\|recovered\\)\".*\"uid\":\"$U\"" "$STORE/audit.jsonl")
			[ "$n" = 1 ] || bad="$bad $N:events=$n"
			do_ audit --verify >/dev/null 2>&1 || bad="$bad $N:verify"
			ds output "$U" --to "$TEST_DIR/got-$kind-$mode-$N" >/dev/null 2>&1 || bad="$bad $N:output"
			got=$(cd "$TEST_DIR/got-$kind-$mode-$N" 2>/dev/null && find . -type f | sort | tr '\n' ' ')
			case $kind in
			partial) [ "$got" = './public.csv ' ] || bad="$bad $N:copy($got)" ;;
			*) [ -z "$got" ] || bad="$bad $N:copy($got)" ;;
			esac
		done
		if [ $mode = crash ]; then
			check "$kind/$mode: the decision finished without a fault at step $N" test "$rc" = 0
			LAST=$N
		else
			unset LAST
		fi
		check "$kind/$mode: faults before released.json ($before) and after it ($after) were tried" \
			test "$before" -ge 1 -a "$after" -ge 3
		check "$kind/$mode: after each, the decision stood whole, once:$bad" test -z "$bad"
	done
done
done_testing

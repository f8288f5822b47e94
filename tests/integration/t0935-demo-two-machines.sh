#!/bin/sh
# t0935: make demo (scripts/demo.sh) runs the whole workflow across two
# simulated machines and succeeds: the job goes up from the DS machine and
# down to the DO machine, the signed status and results come back, ping
# sees the owner's runner; the one-folder mode (--one-folder: scq demo)
# still works.
. "$(dirname "$0")/test-lib.sh"
DEMO="$(cd "$(dirname "$0")/../.." && pwd)/scripts/demo.sh"
export SCQ TMPDIR="$TEST_DIR"

check "make demo's script, two machines" sh "$DEMO"
out_has "the job goes up from the DS machine" '^ +DS machine -> server +owner@hospital.example/\.\.\./inbox/ds@university.example/[0-9a-f]{8}\.\./job.json'
out_has "... and down to the DO machine" '^ +server -> DO machine +owner@hospital.example/\.\.\./inbox/.*/job.json'
out_has "the status comes back to the DS machine" '^ +server -> DS machine +owner@hospital.example/\.\.\./outbox/ds@university.example/.*/status.json'
out_has "ping sees the owner's runner once it ran" '^ +owner@hospital.example: alive'
out_has "the datasites list shows the owner's dataset" '^ +datasets: patients'
out_has "the requester verifies the owner's signature" '^ +Owner-signed: +verified'
out_has "the requester gets the result" '^ +results/result.json: \{"count": 4, "mean_age": 49.25\}'
out_has "the commands it shows can be copied: an argument with a space quoted" '^   \$ scq submit .* --name "Mean age"$'
out_has "... the reason too" '^   \$ scq approve [0-9a-f]{8} -r "aggregate only"$'
out_has "and it succeeds" '^== demo succeeded'
check "nothing is left behind" sh -c "! ls -d '$TEST_DIR'/scq-demo2-* 2>/dev/null"
# not root: the owner's runner cannot sandbox a job (isolation full maps it
# to a dedicated uid); the demo says so at once, instead of dying silently
NB=$(mktemp -d /tmp/scq-demo-nobody-XXXXXX) && chmod 0777 "$NB"
for mode in "" --one-folder; do
	check_exit "demo.sh $mode as a user who is not root: exit 1" 1 setpriv --reuid=65534 \
		--regid=65534 --clear-groups env TMPDIR="$NB" HOME="$NB" sh "$DEMO" $mode
	err_has "... saying why in one line" "^demo: the owner's runner needs root .*isolation full.*: run it as root \(sudo make demo\)"
	check "... before making a workspace" test -z "$(ls "$NB")"
done
rm -rf "$NB"
check "one folder: demo.sh --one-folder" sh "$DEMO" --one-folder
out_has "... succeeds" '^== demo succeeded'
check_exit "an unknown option is a usage error" 2 sh "$DEMO" --two
done_testing

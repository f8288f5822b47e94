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
check "one folder: demo.sh --one-folder" sh "$DEMO" --one-folder
out_has "... succeeds" '^== demo succeeded'
check_exit "an unknown option is a usage error" 2 sh "$DEMO" --two
done_testing

#!/bin/sh
# t1040: the node a job runs on goes down (scontrol update state=down):
# Slurm ends the job NODE_FAIL; it is failed as node_fail and never runs
# again (--no-requeue, JobRequeue=0, and the node's run-once mark), while
# the next job runs on the other node.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/slurm-lib.sh"

"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch >"$TEST_DIR/watch.out" 2>"$TEST_DIR/watch.err" &
W=$!
approved D down 'echo start; sleep 7070; echo never'
check "the job runs in Slurm" wait_for 30 in_state "$D" RUNNING
N=$(squeue --me -h -n "scq-$D" -o %N)
check "... on node n1 or n2 ($N)" sh -c "test '$N' = n1 || test '$N' = n2"
check "... its sandbox has started" wait_for 30 pgrep -f "sleep [7]070"
check "the node is taken down" scontrol update nodename="$N" state=down reason=t1040
check "... Slurm ends the job NODE_FAIL" wait_for 30 in_state "$D" NODE_FAIL
check "... our job is failed" wait_for 30 test -d "$STORE/failed/$D"
check "... as node_fail" test "$(kind_of "$D")" = node_fail
check "... nothing of it runs any more" wait_for 15 sh -c "! pgrep -f 'sleep [7]070'"
check "the requester's view says why" ds show "$D" --json
out_has "... its node failed, not re-run" "its node failed; the job was not re-run"
approved E after 'echo start; hostname > /dev/null; echo done > "$OUTPUT_DIR/done.txt"'
check "the next job completes on the other node" wait_for 60 test -d "$STORE/completed/$E"
check "... which is not $N" sh -c "grep ' Name=scq-$E ' '$SLURM_DIR/jobcomp.txt' | grep -q 'NodeList=n' && ! grep ' Name=scq-$E ' '$SLURM_DIR/jobcomp.txt' | grep -q 'NodeList=$N '"
check "the node comes back" scontrol update nodename="$N" state=resume
check "... idle" wait_for 60 sh -c "sinfo -h -n $N -o %t | grep -qx idle"
sleep 3
check "the failed job was not run again: one end in Slurm" test "$(jobcomp_count "$D")" = 1
check "... Slurm's state is still NODE_FAIL" in_state "$D" NODE_FAIL
check "... and ours failed" test "$(status_of "$D")" = failed
check "the runner is still up" kill -0 "$W"
stops_on_term "the runner stops on SIGTERM" "$W"
done_testing

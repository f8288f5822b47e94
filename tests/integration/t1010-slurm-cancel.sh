#!/bin/sh
# t1010: cancelling a job the Slurm executor has handed to Slurm: while it
# is pending in Slurm (the partition is down: nothing starts), and while it
# runs on a node.  Each ends cancelled, its Slurm job CANCELLED, and the
# pending one never ran at all.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/slurm-lib.sh"

"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch >"$TEST_DIR/watch.out" 2>"$TEST_DIR/watch.err" &
W=$!

# ---- pending in Slurm ----
scontrol update partitionname=scq state=down
approved P pending 'echo RAN > "$OUTPUT_DIR/ran.txt"; echo RAN'
check "the job is pending in Slurm (partition down)" wait_for 20 in_state "$P" PENDING
check "... and running in our store" test "$(status_of "$P")" = running
check "the requester cancels it" ds cancel "$P"
check "... it ends cancelled" wait_for 20 sh -c "test -d '$STORE/cancelled/$P'"
check "... Slurm cancelled it" wait_for 10 in_state "$P" CANCELLED
scontrol update partitionname=scq state=up
check "... it never ran on a node (no node-started, no output)" sh -c "test \"\$(ds output '$P' 2>/dev/null)\" = '' || ! ds output '$P' | grep -q ran.txt"
check "... Slurm has no run of it on a node" sh -c "grep ' Name=scq-$P ' '$SLURM_DIR/jobcomp.txt' | grep -q 'NodeList=(null)\|NodeList= \|NodeCnt=0'"
check "the requester sees it cancelled" ds show "$P" --json
out_has "... status cancelled" '"status":"cancelled"'

# ---- running on a node ----
approved R running 'echo started; sleep 6061; echo never'
check "the job runs in Slurm" wait_for 30 in_state "$R" RUNNING
check "... its sandbox has started" wait_for 30 pgrep -f "sleep [6]061"
check "the owner cancels it" do_ cancel "$R"
check "... it ends cancelled" wait_for 20 sh -c "test -d '$STORE/cancelled/$R'"
check "... Slurm cancelled it" wait_for 10 in_state "$R" CANCELLED
check "... nothing of it runs any more" wait_for 10 sh -c "! pgrep -f 'sleep [6]061'"
check "its log" do_ logs "$R"
out_has "... has what it printed before" "^started$"
out_has "... says it was cancelled" "stopped after a cancel|killed by SIG[A-Z]+ after a cancel"
check "the runner is still up" kill -0 "$W"
stops_on_term "the runner stops on SIGTERM" "$W"
done_testing

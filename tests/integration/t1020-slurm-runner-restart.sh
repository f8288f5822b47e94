#!/bin/sh
# t1020: `scq run --watch` killed (SIGKILL) while its jobs are pending and
# running in Slurm, and while more wait in approved/: a new runner adopts
# what Slurm has (running, pending, or ended while no runner ran), runs the
# rest, and nothing is lost or runs twice.  A job claimed but never handed
# to Slurm (a crash between the claim and sbatch) is failed as
# runner_restart, never submitted.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/slurm-lib.sh"

do_ config set max_concurrent_jobs 5 >/dev/null
for i in 1 2 3 4 5 6; do
	approved U$i "job$i" 'echo "start $(date +%s%N)"; sleep 4; echo done > "$OUTPUT_DIR/done.txt"'
done
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch >"$TEST_DIR/watch.out" 2>"$TEST_DIR/watch.err" &
W=$!
mine() { squeue --me -h -t "$1" -o '%j' | grep -cE "^scq-($U1|$U2|$U3|$U4|$U5|$U6)$"; }
check "four jobs run in Slurm (2 nodes x 2 CPUs)" wait_for 30 sh -c "test \$(squeue --me -h -t RUNNING -o %j | grep -c '^scq-') = 4"
check "... and one waits in Slurm, pending" test "$(mine PENDING)" = 1
kill -KILL "$W"
wait "$W" 2>/dev/null
check "the runner is killed with five jobs in running/" test "$(ls "$STORE/running" | wc -l)" = 5
check "... and one still approved" test "$(ls "$STORE/approved" | wc -l)" = 1

# a claim that never reached sbatch: the job's folder moved as run_claim
# does, then the crash
approved U7 job7 'echo must never run'
mv "$STORE/approved/$U7" "$STORE/running/$U7"
sleep 5 # the running ones end while no runner runs
check "Slurm never heard of the unsubmitted claim" test -z "$(slurm_state "$U7")"

check "a new runner: one cycle" do_ run
cp "$TEST_DIR/out" "$TEST_DIR/run2.out"; cp "$TEST_DIR/err" "$TEST_DIR/run2.err"
check "... it finished the five Slurm had and the approved one" grep -q "6 completed, 0 failed" "$TEST_DIR/run2.out"
check "... recovered (failed) only the unsubmitted one" grep -q "1 recovered" "$TEST_DIR/run2.out"
for i in 1 2 3 4 5 6; do
	eval "u=\$U$i"
	check "job$i completed" test "$(status_of "$u")" = completed
	check "job$i ran exactly once in Slurm" test "$(jobcomp_count "$u")" = 1
	check "job$i's log has one start" sh -c "test \$(\"$SCQ\" --email $DO_EMAIL --data-dir '$WS' logs $u | grep -c '^start ') = 1"
	check "job$i's output came back" sh -c "\"$SCQ\" --email $DS_EMAIL --data-dir '$WS' output $u | grep -q done.txt"
done
check "the unsubmitted claim is failed/runner_restart" test "$(status_of "$U7")/$(kind_of "$U7")" = failed/runner_restart
check "... and was never submitted" test "$(jobcomp_count "$U7")" = 0
check "... nor is in Slurm now" test -z "$(slurm_state "$U7")"
check "no stage is left in the shared folder" test -z "$(ls "$SHARED")"
check "a second cycle finds nothing to do" do_ run
out_has "... ran nothing" "ran 0 job"

# ---- SIGTERM: the runner leaves its Slurm jobs to the next one ----
approved T1 term 'echo start; sleep 4; echo done > "$OUTPUT_DIR/done.txt"'
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch >"$TEST_DIR/watch2.out" 2>"$TEST_DIR/watch2.err" &
W=$!
check "a job runs in Slurm under a new run --watch" wait_for 30 in_state "$T1" RUNNING
stops_on_term "that runner stops on SIGTERM at once" "$W"
check "... it says it left the job to the next runner" grep -q "left to the slurm executor" "$TEST_DIR/watch2.err"
check "... the job is still running in our store" test "$(status_of "$T1")" = running
check "... and in Slurm (not cancelled)" sh -c "s=\$(squeue --me -h -t all -n scq-$T1 -o %T); test "\$s" = RUNNING || test "\$s" = COMPLETED || test "\$s" = COMPLETING"
check "the next runner adopts it: one cycle" do_ run
out_has "... completed" "1 completed, 0 failed"
check "... it ran once" test "$(jobcomp_count "$T1")" = 1
done_testing

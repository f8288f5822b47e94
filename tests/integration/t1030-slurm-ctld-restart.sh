#!/bin/sh
# t1030: slurmctld stopped and started again while jobs run and while one
# is being submitted: the running jobs end (the nodes' reports need no
# controller), the submission is tried again once slurmctld answers, and
# every job runs once.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/slurm-lib.sh"

"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch >"$TEST_DIR/watch.out" 2>"$TEST_DIR/watch.err" &
W=$!
approved A ctld-a 'echo start; sleep 5; echo done > "$OUTPUT_DIR/done.txt"'
approved B ctld-b 'echo start; sleep 5; echo done > "$OUTPUT_DIR/done.txt"'
check "two jobs run in Slurm" wait_for 30 sh -c "test \"\$(squeue --me -h -t RUNNING -o %j | grep -cE '^scq-($A|$B)$')\" = 2"
CTLD=$(cat "$SLURM_DIR/slurmctld.pid")
kill -TERM "$CTLD"
check "slurmctld is stopped" wait_for 20 sh -c "! kill -0 $CTLD 2>/dev/null"
check "... squeue gets no answer" sh -c "! squeue --me -h >/dev/null 2>&1"
approved C ctld-c 'echo start; echo done > "$OUTPUT_DIR/done.txt"'
check "the job approved meanwhile is claimed (running/) though sbatch has no controller" wait_for 20 test -d "$STORE/running/$C"
sleep 8 # longer than sbatch's own retries (about 4 s): the runner's retry is needed
check "... it is not in Slurm yet" test -z "$(cat "$STORE/running/$C/slurm.json" 2>/dev/null)"
slurmctld -f "$SLURM_CONF"
check "slurmctld is up again" wait_for 30 sh -c "scontrol ping | grep -q ' is UP'"
for v in A B C; do
	eval "u=\$$v"
	check "job $v completed" wait_for 60 test -d "$STORE/completed/$u"
	check "job $v ran once" sh -c "test \$(\"$SCQ\" --email $DO_EMAIL --data-dir '$WS' logs $u | grep -c '^start$') = 1"
	check "job $v's output came back" sh -c "\"$SCQ\" --email $DS_EMAIL --data-dir '$WS' output $u | grep -q done.txt"
done
check "Slurm has exactly one job of C (the submission was not doubled)" test "$(squeue --me -h -t all -o %j | grep -c "^scq-$C$")" = 1
check "the runner is still up" kill -0 "$W"
stops_on_term "the runner stops on SIGTERM" "$W"
done_testing

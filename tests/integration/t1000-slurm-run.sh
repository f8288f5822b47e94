#!/bin/sh
# t1000: the Slurm executor through the real daemons (slurm-lib.sh): a job
# submitted, approved, run by sbatch on a node in our sandbox, its log and
# outputs back through the collector; a failing job; a job past its
# deadline (ours, exact: not Slurm's minutes); the sandbox rows that apply
# on a node; jobs spread over both nodes; the doctor; the settings' checks.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/slurm-lib.sh"

# ---- settings ----
check_exit "slurm_extra refuses a flag outside its allowlist (--wrap)" 1 do_ config set slurm_extra "--wrap=id"
check_exit "slurm_extra refuses shell characters" 1 do_ config set slurm_extra '--qos=a;id'
check_exit "slurm_shared_dir refuses quotes" 1 do_ config set slurm_shared_dir "/tmp/a'b"
check "slurm_extra takes allowed flags" do_ config set slurm_extra "--nice=0"
check "executor reads back slurm" do_ config get executor
out_has "... it is slurm" '^slurm$'

# ---- the doctor ----
check "scq doctor --json" do_ doctor --json
out_has "... finds sbatch" '"sbatch": "slurm-wlm 22'
out_has "... reaches the controller" '"controller_reachable": true'
out_has "... shows the partition's limits" 'PartitionName=scq .*MaxTime='
out_has "... finds the shared folder private" '"shared_dir_private": true'
out_has "... reads the partition's MaxTime" '"MaxTime": "01:00:00"'
out_has "... job_timeout (10 min) fits it" '"job_timeout_fits": true'
out_has "... every tool ok" '"sbatch": "ok"'
out_has "... no tools_problem" '"tools_problem": null'
# doctor_as ENV...: scq doctor --json with the environment changed
doctor_as() { env "$@" "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" doctor --json; }
check "scq doctor with SLURM_CONF naming no file" doctor_as SLURM_CONF="$TEST_DIR/nosuch.conf"
out_has "... keeps tools: sbatch false" '"sbatch": false'
out_has "... says sbatch is installed but unconfigured" '"sbatch": "unconfigured"'
out_has "... and why, naming SLURM_CONF" "\"tools_problem\": \"Slurm's tools are installed but cannot read their configuration from SLURM_CONF \\($TEST_DIR/nosuch.conf\\)\""
mkdir "$TEST_DIR/nobin"
check "scq doctor with no Slurm tools in PATH" doctor_as PATH="$TEST_DIR/nobin"
out_has "... says sbatch is not installed" '"sbatch": "not_installed"'
out_has "... and what to install" '"tools_problem": "Slurm.s client tools are not installed \(not found in PATH; Debian: apt-get install slurm-client\)"'
check "scq doctor (text) with SLURM_CONF naming no file" env SLURM_CONF="$TEST_DIR/nosuch.conf" "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" doctor
out_has "... a tools_problem line" "^  tools_problem: +Slurm's tools are installed but cannot read"
out_has "... sbatch: unconfigured" "^    sbatch: +unconfigured\$"
do_ config set job_timeout 7200 >/dev/null
check "scq doctor with job_timeout 2 h" do_ doctor --json
out_has "... job_timeout does not fit MaxTime 1 h" '"job_timeout_fits": false'
do_ config set job_timeout 600 >/dev/null
chmod 0755 "$SHARED"
check "scq doctor with an open shared folder" do_ doctor --json
out_has "... says it is not private" '"shared_dir_private": false'
out_has "... and why" "is not private: it must belong to uid [0-9]+ with mode 0700 \(it has uid [0-9]+, mode 0755\)"
approved OPEN open 'echo waited'
check "a job with an open shared folder: the runner cycle fails" sh -c "! '$SCQ' --email '$DO_EMAIL' --data-dir '$WS' run"
check "... claims nothing: the job stays approved (t1050)" test "$(status_of "$OPEN")" = approved
check "... Slurm never saw it" test "$(jobcomp_count "$OPEN")" = 0
chmod 0700 "$SHARED"
check "once private, the runner cycle runs it" do_ run
check "... completed" test "$(status_of "$OPEN")" = completed

# ---- submit, approve, run, logs, outputs ----
approved U1 first 'echo hello from $(hostname); echo result > "$OUTPUT_DIR/result.txt"; mkdir "$OUTPUT_DIR/sub"; echo deep > "$OUTPUT_DIR/sub/d.txt"'
check "scq run hands it to Slurm and waits" do_ run
out_has "... one completed" "1 completed"
check "the job is completed" test "$(status_of "$U1")" = completed
check "Slurm ran it once, as scq-UID" test "$(jobcomp_count "$U1")" = 1
check "... with our flags (no requeue: Requeue=0; TimeLimit in minutes)" sh -c "scontrol show job \$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"job_id\"])' '$STORE/completed/$U1/slurm.json') -o | grep -E 'Requeue=0 .*TimeLimit=00:10:00.*Comment=scq-$U1'"
check "the requester reads the log" ds logs "$U1"
out_has "... the job's stdout, from the node" "^hello from job$"
out_has "... exit code 0" "^Exit Code: 0$"
check "the requester copies the outputs" ds output "$U1" --to "$TEST_DIR/got1"
check "... result.txt" grep -qx result "$TEST_DIR/got1/result.txt"
check "... sub/d.txt" grep -qx deep "$TEST_DIR/got1/sub/d.txt"
check "the staged folder is gone" test -z "$(ls "$SHARED")"
check "the owner's scq show" do_ show "$U1"
out_has "... names the Slurm job" "^Slurm job: +[0-9]+\$"
out_has "... and the node that ran it" "^Slurm node: +n[12]\$"
check "the owner's scq show --json" do_ show "$U1" --json
out_has "... slurm_job_id" '"slurm_job_id": ?[0-9]+'
out_has "... slurm_node" '"slurm_node": ?"n[12]"'
check "the requester's scq show --json" ds show "$U1" --json
cp "$TEST_DIR/out" "$TEST_DIR/ds-show.json"
check "... has neither (the owner's view only)" sh -c "! grep -qi slurm '$TEST_DIR/ds-show.json'"

# ---- a failing job ----
approved U2 failing 'echo about to fail >&2; exit 3'
check "a failing job: the runner cycle" do_ run
out_has "... one failed" "1 failed"
check "... failed/exit_status" test "$(status_of "$U2")/$(kind_of "$U2")" = failed/exit_status
check "... its log" ds logs "$U2"
out_has "... has its stderr" "^about to fail$"
out_has "... and exit code 3" "^Exit Code: 3$"

# ---- our own deadline, exact: 3 s, where Slurm's limit is a minute ----
do_ config set job_timeout 3 >/dev/null
approved U3 slow 'echo started; sleep 120; echo never'
check "a job past its deadline: the runner cycle" do_ run
check "... failed/timeout" test "$(status_of "$U3")/$(kind_of "$U3")" = failed/timeout
check "... its log" ds logs "$U3"
out_has "... says the wall-clock limit of 3 s" "wall-clock limit of 3 s reached"
out_has "... it had started" "^started$"
check "... never printed what came after" sh -c "! grep -q '^never' '$TEST_DIR/out'"
check "... the node stopped it, not Slurm's limit (its batch job ended COMPLETED, not TIMEOUT)" sh -c "grep ' Name=scq-$U3 ' '$SLURM_DIR/jobcomp.txt' | grep -q 'JobState=COMPLETED'"
check "... Slurm's limit was a whole minute (rounded up)" sh -c "grep ' Name=scq-$U3 ' '$SLURM_DIR/jobcomp.txt' | grep -q 'TimeLimit=1 '"
do_ config set job_timeout 600 >/dev/null

# ---- the sandbox on the node: no network, read-only data, seccomp, not root ----
mkdir -p "$TEST_DIR/cohort" && echo "id,age" > "$TEST_DIR/cohort/data.csv"
do_ dataset add cohort "$TEST_DIR/cohort" >/dev/null
approved U4 sandbox '
c() { if eval "$2"; then echo "CHECK $1 ok"; else echo "CHECK $1 FAIL $3"; fi; }
c net "test \"\$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d \" \")\" = lo" "$(cat /proc/net/dev)"
c net-connect "! timeout 3 bash -c \"echo > /dev/tcp/127.0.0.1/'"$(($(grep -o "SlurmctldPort=[0-9]*" "$SLURM_CONF" | cut -d= -f2)))"'\" 2>/dev/null" "reached slurmctld"
c data "test -r /data/cohort/data.csv" "data unreadable"
c data-ro "! sh -c \"echo x >> /data/cohort/data.csv\" 2>/dev/null" "data writable"
c code-ro "! sh -c \"echo x >> /code/run.sh\" 2>/dev/null" "code writable"
c seccomp "grep -q \"^Seccomp:.2\" /proc/self/status" "$(grep ^Seccomp: /proc/self/status)"
c notroot "test \$(id -u) != 0" "uid $(id -u)"
c nospool "test ! -e '"$SHARED"'" "the shared folder is visible"
c env "test -z \"\${SLURM_JOB_ID:-}\"" "Slurm environment leaked: $(env | grep SLURM | head -3)"
exit 0'
check "the sandbox rows: the runner cycle" do_ run
check "... completed" test "$(status_of "$U4")" = completed
check "... its log" ds logs "$U4"
cp "$TEST_DIR/out" "$TEST_DIR/sandbox.log"
for row in net net-connect data data-ro code-ro seccomp notroot nospool env; do
	check "on the node: $row" grep -q "^CHECK $row ok" "$TEST_DIR/sandbox.log"
done
check "the runner's record of the data was not touched" test "$(cat "$TEST_DIR/cohort/data.csv")" = "id,age"

# ---- jobs spread over both nodes ----
do_ config set max_concurrent_jobs 4 >/dev/null
for i in 1 2 3 4; do approved V$i "spread$i" 'sleep 3; echo done'; done
check "four jobs at once: the runner cycle" do_ run
out_has "... four completed" "4 completed"
check "Slurm put them on both nodes" sh -c "grep -E ' Name=scq-($V1|$V2|$V3|$V4) ' '$SLURM_DIR/jobcomp.txt' | grep -o 'NodeList=n[12]' | sort -u | wc -l | grep -qx 2"

# ---- the node refuses a stage started once already ----
mkdir -m 0700 "$SHARED/again" && : > "$SHARED/again/node-started"
check_exit "scq exec-node on a stage started once" 1 "$SCQ" exec-node "$SHARED/again"
err_has "... says it never runs twice" "started once already: a job never runs twice"
rm -rf "$SHARED/again"
done_testing

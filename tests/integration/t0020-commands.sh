#!/bin/sh
# t0020: the commands and transitions t0010 does not cover: identity lookup,
# script submission, expiry, ambiguous ids, config, datasets, audit
# tampering, cancel of approved jobs, clean-up and the watch loop.
. "$(dirname "$0")/test-lib.sh"

# --- identity ---------------------------------------------------------------
check_exit "no identity at all: clear error, exit 1" 1 env -u SYFTBOX_EMAIL -u SYFTBOX_DATA_DIR \
	-u SYFTBOX_CLIENT_CONFIG_PATH HOME="$TEST_DIR/nohome" "$SCQ" status
out_empty "nothing on stdout"
err_has "error says how to fix it" "SYFTBOX_EMAIL"
mkdir -p "$TEST_DIR/home/.syftbox"
printf '{"email":"%s","data_dir":"%s","refresh_token":"SECRET-TOKEN","server_url":"https://x"}' \
	"$DO_EMAIL" "$WS" > "$TEST_DIR/home/.syftbox/config.json"
check "~/.syftbox/config.json is found" env HOME="$TEST_DIR/home" "$SCQ" status --json
out_has "identity from the config" "\"email\": \"$DO_EMAIL\""
cat "$TEST_DIR/out" "$TEST_DIR/err" > "$TEST_DIR/printed"
check "token never printed" sh -c "! grep -q SECRET-TOKEN '$TEST_DIR/printed'"
check "token never copied into the workspace" sh -c "! grep -rq SECRET-TOKEN '$WS'"
printf '{"email":"%s","sync_folder":"%s"}' "$DS_EMAIL" "$WS" > "$TEST_DIR/legacy.json"
check "SYFTBOX_CLIENT_CONFIG_PATH with legacy sync_folder" env HOME="$TEST_DIR/nohome" \
	SYFTBOX_CLIENT_CONFIG_PATH="$TEST_DIR/legacy.json" "$SCQ" status --json
out_has "legacy identity" "\"email\": \"$DS_EMAIL\""
check "SYFTBOX_EMAIL/SYFTBOX_DATA_DIR override" env SYFTBOX_EMAIL=$DS_EMAIL SYFTBOX_DATA_DIR="$WS" "$SCQ" jobs --json
check "--email after the command works too" "$SCQ" jobs --email "$DS_EMAIL" --data-dir "$WS" --json

# --- submit-python / submit-bash --------------------------------------------
printf 'import os\nopen(os.environ["OUTPUT_DIR"] + "/py.txt", "w").write("from python")\nprint("py ok")\n' > "$TEST_DIR/s.py"
check "submit-python from a file" ds submit-python "$TEST_DIR/s.py" --to "$DO_EMAIL" --name "py job" --tag t1 --tag t2
UPY=$(last_out)
check "submit-bash from stdin" sh -c "echo 'echo bash ok' | '$SCQ' --email $DS_EMAIL --data-dir '$WS' submit-bash - --to $DO_EMAIL --name 'sh job'"
USH=$(last_out)
check "generated run.sh uses python3" do_ review "$UPY"
out_has "python3 script.py in run.sh" "python3 script.py"
check "approve both" sh -c "'$SCQ' --email $DO_EMAIL --data-dir '$WS' approve $UPY && '$SCQ' --email $DO_EMAIL --data-dir '$WS' approve $USH"
check "run" do_ run
check "python job completed" ds wait "$UPY" --timeout 10
check "bash job completed" ds wait "$USH" --timeout 10
check "python output" ds logs "$UPY"
out_has "python printed" "^py ok"
check_exit "submit-python of a missing file" 1 ds submit-python "$TEST_DIR/nope.py" --to "$DO_EMAIL" --name x
check_exit "submit without run.sh" 1 ds submit "$TEST_DIR" --to "$DO_EMAIL" --name x
check_exit "submit without --name is a usage error" 2 ds submit "$TEST_DIR" --to "$DO_EMAIL"
check_exit "submit to an invalid email" 1 ds submit "$TEST_DIR" --to "not-an-email" --name x
check "jobs --status completed" ds jobs --status completed --json
out_has "both completed listed" "$USH"

# --- the requester's private record is only a cache ---------------------------
rm -f "$WS/private/code-queue/$DS_EMAIL/submitted/$UPY.json"
check "a job without a local record is found from the owner's outbox" ds jobs --json
out_has "still listed" "$UPY"
check "and shown" ds show "$UPY" --json
out_has "with its status" '"status":"completed"'
check "and its log is still readable" ds logs "$UPY"
out_has "log found through the outbox" "^py ok"

# --- expiry ----------------------------------------------------------------
make_job "$TEST_DIR/code"
check "submit with a 1 s approval timeout" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name exp --timeout 1
UEXP=$(last_out)
check "ingested while fresh" do_ pending --json
out_has "listed pending" "$UEXP"
sleep 2
check "listing pending expires it" do_ pending --json
cp "$TEST_DIR/out" "$TEST_DIR/pend.json"
check "not pending any more" sh -c "! grep -q $UEXP '$TEST_DIR/pend.json'"
check "it is timedout" do_ list --status timedout --json
out_has "timedout listed" "$UEXP"
check_exit "approving a timedout job is a state error" 1 do_ approve "$UEXP"
check "requester sees timedout" ds show "$UEXP" --json
out_has "status timedout published" '"status":"timedout"'

# --- ambiguous prefix --------------------------------------------------------
# Make two jobs share their first 8 characters: a copy of one store entry
# under a uid with the same prefix (uids are random, so this is the only
# way to make the test deterministic).
ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name amb1 >/dev/null
do_ pending >/dev/null
UA=$(do_ list --status pending --json | grep -o '"uid":"[^"]*"' | head -1 | cut -d'"' -f4)
UB="${UA%%-*}-0000-4000-8000-000000000000"
PD="$WS/private/code-queue/$DO_EMAIL/jobs/pending"
cp -r "$PD/$UA" "$PD/$UB"
sed -i "s/$UA/$UB/g" "$PD/$UB/job.json" "$PD/$UB/public.json"
check_exit "a shared 8-character prefix is ambiguous (exit 1)" 1 do_ show "${UA%%-*}"
err_has "the candidates are listed" "matches 2 jobs"
err_has "both candidates are named in full (a submitter can make prefixes collide)" "$UB"
check "a longer prefix is unique again" do_ show "$(echo "$UA" | cut -c1-13)"
rm -rf "$PD/$UB"

# --- cancel of an approved job by the owner, and by the requester -----------
check "submit c1" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name c1
UC1=$(last_out)
check "approve c1" do_ approve "$UC1"
check "owner cancels the approved job" do_ cancel "$UC1"
check "c1 cancelled" do_ show "$UC1" --json
out_has "cancelled" '"status":"cancelled"'
out_has "cancelled-from-approved keeps its approval" "approved_at"
check_exit "cancelled twice is a state error" 1 do_ cancel "$UC1"

# --- config and datasets -----------------------------------------------------
check "config list" do_ config list
out_has "defaults present, as readable lines" '^max_concurrent_jobs: +3$'
check "config list --json" do_ config list --json
out_has "defaults present as JSON" '"max_concurrent_jobs": 3'
check "config set job_timeout" do_ config set job_timeout 900
check "config get" do_ config get job_timeout
out_has "value read back" "^900$"
check_exit "bad value refused" 1 do_ config set job_timeout -5
check_exit "unknown key is a usage error" 2 do_ config set frobnicate 1
check_exit "isolation takes full or none only" 1 do_ config set isolation maybe
mkdir -p "$TEST_DIR/data"; echo 1 > "$TEST_DIR/data/x.csv"
check "dataset add" do_ dataset add cohort "$TEST_DIR/data"
check "dataset list" do_ dataset list
out_has "listed" "cohort"
check_exit "dataset with a bad name" 1 do_ dataset add "../x" "$TEST_DIR/data"
check "dataset remove" do_ dataset remove cohort
check_exit "remove again: not found" 1 do_ dataset remove cohort
check "doctor answers" do_ doctor

# --- audit tampering -----------------------------------------------------------
check "audit verifies" do_ audit --verify
A="$WS/private/code-queue/$DO_EMAIL/audit.jsonl"
cp "$A" "$TEST_DIR/audit.bak"
sed -i '3s/"event":"[a-z-]*"/"event":"approve"/' "$A"
check_exit "an edited line is detected" 1 do_ audit --verify
err_has "the error names the line" "line 3"
cp "$TEST_DIR/audit.bak" "$A"; sed -i '2d' "$A"
check_exit "a removed line is detected" 1 do_ audit --verify
cp "$TEST_DIR/audit.bak" "$A"

# --- clean-up ----------------------------------------------------------------
check "cleanup after 1 s" do_ config set cleanup_completed_after 1
sleep 2
check "run cleans finished jobs" do_ run
out_has "cleaned some" "[1-9][0-9]* cleaned up"
check_exit "a cleaned job is gone for the owner" 1 do_ show "$UPY"
check "audit still verifies after clean-up" do_ audit --verify
check "cleanup off again" do_ config set cleanup_completed_after 0

# --- watch loop: reacts within a second, stops on SIGTERM -------------------
"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch >"$TEST_DIR/watch.out" 2>&1 &
WPID=$!
sleep 0.5
daemon_job "run --watch" watched 10
stops_on_term "watch stopped on SIGTERM" $WPID
wait $WPID; rc=$?
check "watch exited 0" test "$rc" = 0
done_testing

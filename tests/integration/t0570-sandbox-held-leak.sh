#!/bin/sh
# t0570: sandbox matrix C, continued (issue 9 §1): held results stay held.
# With `release review` the published status used to carry the whole run
# record, including run.output.excluded: the paths of entries the job left
# out of /out, which the job chooses.  A job that makes one symlink per
# data row, named after the row, got its rows to the requester before any
# release.  Nothing of the dataset may be anywhere under datasites/ until
# the owner releases; after the release, what was released arrives.
SCQ_TEST_ISOLATION=full
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/../sandbox/cli-lib.sh"
sbx_require
check "the owner holds results for review" do_ config set release review
# rows as file names (symlinks are left out, and their names listed), the
# rows in the error text, the exit code as a data channel
sbx_job L leak-names '
i=0; while IFS= read -r row; do i=$((i+1)); ln -s x "/out/$row" 2>/dev/null; mkdir -p "/out/d$i"; ln -s y "/out/d$i/$row"; done < /data/cohort/private.csv
echo ok > /out/fine.txt
head -2 /data/cohort/private.csv | tail -1 >&2
exit 3'
sbx_run
sbx_show "$L"
is "the run ended (exit 3)" "$(jget "$L" status)/$(jget "$L" error_kind)" failed/exit_status
is "the owner's view is whole: rows in the exclusion list" \
	"$(grep -cF "$DATA_SECRET" "$TEST_DIR/show-$L.json" | tr -d ' ')" 1
_tap "$(test "$(grep -rlF "$DATA_SECRET" "$WS/datasites" | wc -l)" = 0 && echo 1 || echo 0)" \
	"nothing of the dataset anywhere under datasites/ before the release"
grep -rlF "$DATA_SECRET" "$WS/datasites" | sed 's/^/#   leaked in: /'
ST="$OUTBOX/$L/status.json"
check "the requester's status says held" grep -q '"results_held": *true' "$ST"
check "... keeps the fixed state and counts" sh -c "grep -q '\"excluded_count\"' '$ST' && grep -q '\"error_kind\": *\"exit_status\"' '$ST'"
check "... but no exit code, error text or paths" sh -c "grep -q '\"exit_code\": *null' '$ST' && grep -q '\"error_message\": *null' '$ST' && ! grep -q '\"excluded\"' '$ST'"
check "... nor byte counts or durations (bits the job chose)" $PY -c "
import json, sys; d = json.load(open('$ST')); run = d['run']
sys.exit(any(k in run for k in ('wall_seconds', 'cpu_seconds', 'peak_memory_bytes', 'log_bytes')) or 'bytes' in run['output'])"
check "the requester's show" ds show "$L" --json
cp "$TEST_DIR/out" "$TEST_DIR/ds.json"
check "... says held" grep -q '"results_held": *true' "$TEST_DIR/ds.json"
check "... and has no rows" sh -c "! grep -qF '$DATA_SECRET' '$TEST_DIR/ds.json'"
check "release" do_ release "$L"
check "after the release the requester sees what was released" sh -c "grep -qF '$DATA_SECRET' '$ST'"
check "and the exit code" grep -q '"exit_code": *3' "$ST"
done_testing

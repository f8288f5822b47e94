#!/bin/sh
# t0580: mock data and a local dry run (issue 13 §2), two identities, the
# real scq, isolation full.  The owner publishes a mock beside the private
# dataset "cohort" (tests/sandbox/cli-lib.sh: its rows carry DATA_SECRET);
# the requester sees its schema, tries a job on it (the mock rows at
# /data/cohort, never a private row; the owner's output checks flag a
# small count) and the owner's store and inbox are the same bytes after
# the try.  A mock that is or holds a symlink is refused, naming it.
SCQ_TEST_ISOLATION=full
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/../sandbox/cli-lib.sh"
sbx_require

MOCK_ROW="MOCKROW-$$"
MOCK="$TEST_DIR/mock"
mkdir -p "$MOCK"
printf 'id,age,born,score,secret\n1,30,1990-03-04,2.5,%s\n2,31,1991-05-06,3,%s\n3,,1992-01-01,4.25,x\n' \
	"$MOCK_ROW" "$MOCK_ROW" > "$MOCK/private.csv"
PUB="$WS/datasites/$DO_EMAIL/public/code-queue"

# ---- the owner publishes; the requester sees the schema ----
check "owner adds cohort with a mock" do_ dataset add cohort "$HOST/cohort" --mock "$MOCK" \
	--description "Cohort, one row per person (synthetic)"
check "the mock is on the owner's datasite" test -f "$PUB/mock/cohort/data/private.csv"
check "its ACL lets everyone read and nobody write" \
	grep -qxF "      read: ['*']" "$PUB/mock/cohort/syft.pub.yaml"
check "the private rows are not published" sh -c "! grep -rqF '$DATA_SECRET' '$WS/datasites'"
check "the owner's limits are published" test -f "$PUB/limits.json"
check "requester lists the owner's datasets" ds datasets "$DO_EMAIL"
out_has "the description is shown" 'cohort: Cohort, one row per person \(synthetic\)'
out_has "id is inferred int" '^ +int +id$'
out_has "score is inferred float" '^ +float +score$'
out_has "born is inferred date" '^ +date +born$'
out_has "secret is inferred text" '^ +text +secret$'
out_has "the limits are shown" 'job_timeout: +600'
check "datasets --json" ds datasets "$DO_EMAIL" --json
out_has "--json holds the schema" '"type": "date"'

# ---- a try: mock rows, never private rows, the owner's flags ----
snapshot() {
	(cd "$WS" && find "private/code-queue/$DO_EMAIL" "datasites/$DO_EMAIL/app_data" \
		-printf '%p %y %s %m %T@\n' | sort &&
		find "private/code-queue/$DO_EMAIL" "datasites/$DO_EMAIL/app_data" -type f \
			-exec sha256sum {} + | sort)
}
snapshot > "$TEST_DIR/owner.before"
make_job "$TEST_DIR/job" 'cat /data/cohort/private.csv
printf "group,count\na,3\nb,10\n" > "$OUTPUT_DIR/counts.csv"'
check "requester tries the job on the mock" ds try "$TEST_DIR/job" --to "$DO_EMAIL" \
	--out "$TEST_DIR/try1"
out_has "the job read the mock rows at /data/cohort" "1,30,1990-03-04,2.5,$MOCK_ROW"
out_has "the log is shown as a real run's" '^Exit Code: 0$'
out_has "the output is listed" '^  counts.csv  21 bytes$'
out_has "the owner's output check flags the small count" 'FAIL +counts.csv +row 2, column 2 +small-count'
out_has "the results folder is named" "^Results in $TEST_DIR/try1\$"
check "the try never saw a private row" sh -c "! grep -rqF '$DATA_SECRET' '$TEST_DIR/try1' '$TEST_DIR/out'"
check "the log is in the results folder" grep -qF "$MOCK_ROW" "$TEST_DIR/try1/execution.log"
check "the output is in the results folder" test -f "$TEST_DIR/try1/output/counts.csv"
check "flags.json holds the small count" grep -q '"rule": *"small-count"' "$TEST_DIR/try1/flags.json"
check "no workspace is left behind" test ! -e "$TEST_DIR/try1/.try-ws"
check "the results folder checks the same with review-output --dir" \
	ds review-output --dir "$TEST_DIR/try1"
out_has "...the small count" 'FAIL +counts.csv +row 2, column 2 +small-count'
snapshot > "$TEST_DIR/owner.after"
check "the owner's store and inbox are unchanged by the try" \
	cmp "$TEST_DIR/owner.before" "$TEST_DIR/owner.after"
check_exit "a results folder is never reused" 1 ds try "$TEST_DIR/job" --to "$DO_EMAIL" \
	--out "$TEST_DIR/try1"
err_has "...saying so, naming it" "^scq: try: --out '$TEST_DIR/try1' is not empty"
mkdir -p "$TEST_DIR/full" "$TEST_DIR/elsewhere"
echo mine > "$TEST_DIR/full/notes.txt"
check_exit "--out: a folder holding anything is refused" 1 ds try "$TEST_DIR/job" --to "$DO_EMAIL" \
	--out "$TEST_DIR/full"
err_has "...naming it" "^scq: try: --out '$TEST_DIR/full' is not empty"
ln -s "$TEST_DIR/elsewhere" "$TEST_DIR/out-link"
check_exit "--out: a symlink is refused" 1 ds try "$TEST_DIR/job" --to "$DO_EMAIL" \
	--out "$TEST_DIR/out-link"
err_has "...naming it" "^scq: try: --out '$TEST_DIR/out-link' is a symlink"
check "...nothing written where it points" test -z "$(ls -A "$TEST_DIR/elsewhere")"

# ---- --json: the exit code as the job's, and the exit status as without ----
make_job "$TEST_DIR/exit3" 'exit 3'
check_exit "try --json of a failing job exits 1" 1 ds try "$TEST_DIR/exit3" --to "$DO_EMAIL" \
	--out "$TEST_DIR/try-exit3" --json
out_has "...and reports its exit code" '"exit_code": 3'
check "try --json of a completed job exits 0" ds try "$TEST_DIR/job" --to "$DO_EMAIL" \
	--out "$TEST_DIR/try-ok" --json
out_has "...exit code 0" '"exit_code": 0'

# ---- requirements.txt: against the owner's published runtime ----
make_job "$TEST_DIR/needs" 'true'
echo 'nosuchpkg13==1.0' > "$TEST_DIR/needs/requirements.txt"
check "a try says the requirements check submit makes" ds try "$TEST_DIR/needs" \
	--to "$DO_EMAIL" --out "$TEST_DIR/try-needs"
out_has "...the owner's: no runtime published" "^requirements.txt not checked: .*$DO_EMAIL"

# ---- the owner's limits apply ----
check "owner lowers job_timeout" do_ config set job_timeout 2
check "limits.json follows" grep -q '"job_timeout": 2' "$PUB/limits.json"
make_job "$TEST_DIR/slow" 'sleep 60'
check_exit "a try past the owner's timeout fails" 1 ds try "$TEST_DIR/slow" --to "$DO_EMAIL" \
	--out "$TEST_DIR/try2"
out_has "...at the owner's wall-clock limit" 'wall-clock limit of 2 s reached'
do_ config set job_timeout 600 >/dev/null

# ---- the same job at the owner's: the private rows (one code path) ----
U=$(ds submit "$TEST_DIR/job" --to "$DO_EMAIL" --name real)
do_ approve "$U" >/dev/null
sbx_run
sbx_show "$U"
log_has "the approved run reads the private rows at the same path" "$U" "$DATA_SECRET"

# ---- bad mocks: refused by name, nothing lost ----
ln -s "$HOST" "$TEST_DIR/mock-link"
check_exit "a mock that is a symlink is refused" 1 do_ dataset add cohort "$HOST/cohort" \
	--mock "$TEST_DIR/mock-link"
err_has "...naming it" "mock '$TEST_DIR/mock-link' is a symlink"
mkdir -p "$TEST_DIR/mock-holds"
cp "$MOCK/private.csv" "$TEST_DIR/mock-holds/"
ln -s "$HOST/cohort/private.csv" "$TEST_DIR/mock-holds/rows.csv"
check_exit "a mock holding a symlink is refused" 1 do_ dataset add cohort "$HOST/cohort" \
	--mock "$TEST_DIR/mock-holds"
err_has "...naming it" "'rows.csv' is a symlink"
err_has "...as a mock, not a job" "only regular files and folders can be published as mock data$"
check "the published mock is still the first" grep -qF "$MOCK_ROW" "$PUB/mock/cohort/data/private.csv"
check "no half-built mock is left" sh -c "test -z \"\$(ls -A '$PUB/mock' | grep -v '^cohort\$')\""
check "the private rows were never published" sh -c "! grep -rqF '$DATA_SECRET' '$WS/datasites/$DO_EMAIL/public'"
check_exit "mock readers must be e-mail addresses" 1 do_ dataset add cohort "$HOST/cohort" \
	--mock "$MOCK" --mock-readers "a@x.example,'evil"
check "mock readers: a list" do_ dataset add cohort "$HOST/cohort" --mock "$MOCK" \
	--mock-readers "$DS_EMAIL,b@x.example"
check "...in its ACL" grep -qxF "      read: ['$DS_EMAIL', 'b@x.example']" \
	"$PUB/mock/cohort/syft.pub.yaml"
check_exit "an empty list of mock readers is refused (it read as everyone)" 1 \
	do_ dataset add cohort "$HOST/cohort" --mock "$MOCK" --mock-readers ""
err_has "...saying so" "list of mock readers is empty"
check "...the ACL is still the list" grep -qxF "      read: ['$DS_EMAIL', 'b@x.example']" \
	"$PUB/mock/cohort/syft.pub.yaml"

# ---- the queue's own folders and the kernel's views are never a mock or a dataset ----
check_exit "the workspace as a mock is refused" 1 do_ dataset add w "$HOST/cohort" --mock "$WS"
err_has "...as the queue's own folders" "^scq: mock '$WS' holds or is inside the queue's own folders\$"
check "...nothing of it published" test ! -e "$PUB/mock/w"
check_exit "the private store as a mock is refused" 1 do_ dataset add w "$HOST/cohort" \
	--mock "$WS/private"
err_has "...naming it" "^scq: mock '$WS/private' holds or is inside the queue's own folders\$"
check_exit "another identity's store as a mock is refused" 1 do_ dataset add w "$HOST/cohort" \
	--mock "$WS/private/code-queue/$DS_EMAIL"
err_has "...naming it" "^scq: mock '$WS/private/code-queue/$DS_EMAIL' holds or is inside the queue's own folders\$"
check_exit "a datasite as a dataset is refused" 1 do_ dataset add w "$WS/datasites/$DS_EMAIL"
err_has "...naming it" "^scq: dataset path '$WS/datasites/$DS_EMAIL' holds or is inside the queue's own folders\$"
check_exit "/proc as a dataset is refused" 1 do_ dataset add w /proc
err_has "...in one line naming it" "^scq: dataset path '/proc' is on a kernel pseudo-filesystem"
check_exit "/sys as a mock is refused" 1 do_ dataset add w "$HOST/cohort" --mock /sys
err_has "...in one line naming it" "^scq: mock '/sys' is on a kernel pseudo-filesystem"
check "...none registered" sh -c "! grep -q '\"w\"' '$WS/private/code-queue/$DO_EMAIL/datasets.json'"

# ---- the schema's cut is said: more tables than are described ----
mkdir -p "$TEST_DIR/mock51"
for i in $(seq 1 51); do printf 'a\n1\n' > "$TEST_DIR/mock51/t$i.csv"; done
check "a mock of 51 tables is published" do_ dataset add wide "$HOST/cohort" --mock "$TEST_DIR/mock51"
check "...dataset.json counts the table not described" \
	grep -q '"schema_cut": 1' "$PUB/mock/wide/dataset.json"
check "...and the requester is told" ds datasets "$DO_EMAIL"
out_has "...in one line" '^  \(1 more tables not described\)$'
do_ dataset remove wide >/dev/null

# ---- a hostile owner: dataset.json and limits.json are read, never trusted ----
ESC=$(printf '\033')
mkdir -p "$PUB/mock/evil/data"
LONG=$(head -c 3000 /dev/zero | tr '\0' d)
printf '{"description":"%s","schema":[{"path":"a.csv","columns":[{"name":"c1","type":"\\u001b]0;pwned\\u0007int"},{"name":"c2","type":"int"},7,null],"rows_scanned":2},42,null],"files":[1,{"path":"a.csv","size":3}],"skipped":[null],"schema_cut":0}' \
	"$LONG" > "$PUB/mock/evil/dataset.json"
cp "$PUB/limits.json" "$TEST_DIR/limits.saved"
printf '{"job_timeout":"9999999999999","memory_limit_mb":-5,"bogus":1,"max_processes":64,"rounding_base":[1]}' \
	> "$PUB/limits.json"
check "requester lists a hostile owner's datasets" ds datasets "$DO_EMAIL"
cp "$TEST_DIR/out" "$TEST_DIR/hostile.out"
out_has "...a column of a known type is shown" '^ +int +c2$'
out_has "...the entries refused are counted" '\(7 entries of its dataset.json refused'
out_has "...the description is cut and the cut said" '\(1976 more bytes not shown\)'
out_has "...a valid limit is shown" 'max_processes: +64'
out_has "...each refused limit is named" '^Refused in the owner.s limits.json.*: job_timeout memory_limit_mb bogus rounding_base$'
check "...no raw escape reaches the terminal" sh -c "! grep -q '$ESC' '$TEST_DIR/hostile.out'"
check "...a column of another type is not" sh -c "! grep -q 'c1' '$TEST_DIR/hostile.out'"
check "...an invalid limit is not shown as valid" sh -c "! grep -Eq '^ +(job_timeout|memory_limit_mb|bogus|rounding_base):' '$TEST_DIR/hostile.out'"
check "datasets --json lists the refused limits" ds datasets "$DO_EMAIL" --json
out_has "...as limits_refused" '"limits_refused": \['
check "a try on a hostile owner's limits says what it refused" ds try "$TEST_DIR/job" \
	--to "$DO_EMAIL" --out "$TEST_DIR/try-hostile"
out_has "...in one line" '^Refused in the owner.s limits.json.*: job_timeout memory_limit_mb bogus rounding_base$'
cp "$TEST_DIR/limits.saved" "$PUB/limits.json"
rm -rf "$PUB/mock/evil"

check "removing the dataset removes its mock" do_ dataset remove cohort
check "...from the datasite" test ! -e "$PUB/mock/cohort"

host_sums > "$TEST_DIR/sums.after"
check "host witnesses unchanged" cmp "$TEST_DIR/sums.before" "$TEST_DIR/sums.after"
done_testing

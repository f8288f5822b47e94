#!/bin/sh
# t0230: one submitter cannot stall everyone (issue 9 §6).
#  1. 2,000 one-byte junk entries: refusals over max_quarantines_per_hour
#     share one batch folder (not 2,000 folders and 2,000 audit lines)
#  2. job.json files listing 10,000 empty files each: refused by
#     max_files_per_job (they made 200,000 inodes in the store)
#  3. max_pending_per_requester: complete jobs over it wait in the inbox,
#     and the requester is told why
#  4. the grace of an incomplete entry counts from when it was first seen:
#     re-delivered files no longer restart it
#  5. deadlines hold within 1 s while the runner's inbox is flooded
. "$(dirname "$0")/test-lib.sh"
STORE="$WS/private/code-queue/$DO_EMAIL"
INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
OUTBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL"
FORGE="$(dirname "$0")/forge-job.py"
PY=python3
ds init >/dev/null; do_ init >/dev/null; do_ config set isolation none >/dev/null
qfolders() { ls "$STORE/quarantine" 2>/dev/null | wc -l; }
qaudit() { grep -c '"event":"quarantine"' "$STORE/audit.jsonl"; }

# 1. junk flood
mkdir -p "$INBOX"
i=0; while [ $i -lt 2000 ]; do echo x > "$INBOX/junk-$i"; i=$((i + 1)); done
t0=$(date +%s.%N)
while [ -n "$(ls "$INBOX" | grep junk | head -1)" ]; do do_ pending >/dev/null 2>&1 || break; done
t1=$(date +%s.%N)
echo "# 2,000 junk entries taken in $(echo "$t1 - $t0" | bc) s"
check "every junk entry left the inbox" test -z "$(ls "$INBOX" | grep junk)"
check "at most max_quarantines_per_hour + 1 folders ($(qfolders))" test "$(qfolders)" -le 21
check "at most 21 quarantine audit lines ($(qaudit))" test "$(qaudit)" -le 21
B=$(ls -d "$STORE"/quarantine/*-batch-* | head -1)
check "the batch folder lists every batched entry" test "$(cat "$B"/index.jsonl | wc -l)" = 1980
check "and keeps them (never deleted)" test "$(ls "$B/entries" | wc -l)" = 1980
check "its reason says why" grep -q max_quarantines_per_hour "$B/reason.json"
check "the owner still works" do_ status

# 2. manifest flood (a fresh hour's budget: another requester)
do_ config set max_quarantines_per_hour 1000 >/dev/null
make_job "$TEST_DIR/tpl" 'echo hi'
U=$(ds submit "$TEST_DIR/tpl" --to "$DO_EMAIL" --name tpl); do_ pending >/dev/null
for k in 1 2 3 4 5; do
	V=$($PY -c 'import uuid; print(uuid.uuid4())')
	mkdir -p "$INBOX/$V"; cp "$STORE/jobs/pending/$U/job.json" "$INBOX/$V/job.json"
	$PY "$FORGE" "$INBOX/$V" 'j["version"]=1; j["created_at"]="x"; j["files"]=[ent("run.sh")]+[ent("f%05d" % i) for i in range(9999)]' redigest
done
do_ pending >/dev/null 2>&1
n=$(find "$STORE/jobs" "$STORE/tmp" | wc -l)
check "10,000-file manifests are refused, the store's jobs stay small ($n entries)" test "$n" -lt 100
check "the reason names max_files_per_job" grep -rq max_files_per_job "$STORE/quarantine"
do_ reject "$U" -r done >/dev/null

# 3. pending cap
do_ config set max_pending_per_requester 2 >/dev/null
P1=$(ds submit "$TEST_DIR/tpl" --to "$DO_EMAIL" --name p1)
P2=$(ds submit "$TEST_DIR/tpl" --to "$DO_EMAIL" --name p2)
P3=$(ds submit "$TEST_DIR/tpl" --to "$DO_EMAIL" --name p3)
check "ingest with a job over the cap" do_ pending
check "two are pending" test "$(ls "$STORE/jobs/pending" | wc -l)" = 2
WAIT=$(ls "$INBOX" | grep -e "$P1" -e "$P2" -e "$P3")
check "the third waits in the inbox ($WAIT)" test "$(echo "$WAIT" | wc -w)" = 1
check "the requester is told why it waits" grep -q max_pending_per_requester "$OUTBOX/$WAIT/status.json"
check "the requester sees it as pending" sh -c "'$SCQ' --email '$DS_EMAIL' --data-dir '$WS' jobs | grep -q pending"
do_ reject "$(ls "$STORE/jobs/pending" | head -1)" -r no >/dev/null
check "a decision frees a place" do_ pending
check "the waiting job is taken" test -d "$STORE/jobs/pending/$WAIT"
for P in $(ls "$STORE/jobs/pending"); do do_ reject "$P" -r no >/dev/null; done

# 4. grace from first sight
do_ config set ingest_grace_seconds 2 >/dev/null
make_job "$TEST_DIR/g" 'echo g'; echo data > "$TEST_DIR/g/data.txt"
G=$(ds submit "$TEST_DIR/g" --to "$DO_EMAIL" --name grace)
mv "$INBOX/$G/code/data.txt" "$TEST_DIR/held.txt"
do_ pending >/dev/null
for k in 1 2 3; do sleep 0.8; echo more > "$INBOX/$G/code/.partial.tmp"; rm -f "$INBOX/$G/code/.partial.tmp"; touch "$INBOX/$G/code/run.sh"; do_ pending >/dev/null; done
check "an entry re-delivered for longer than the grace is refused" test ! -e "$INBOX/$G"
check "with the reason" grep -rq 'still incomplete' "$STORE/quarantine"
do_ config set ingest_grace_seconds 86400 >/dev/null
do_ config set max_pending_per_requester 50 >/dev/null

# 5. a deadline under a flood
do_ config set job_timeout 3 >/dev/null
do_ config set max_quarantines_per_hour 20 >/dev/null
running_job S slow 'sleep 30'
i=0; while [ $i -lt 3000 ]; do echo x > "$INBOX/flood-$i"; i=$((i + 1)); done
# and large valid entries: copying one takes over a second and cannot be
# cut short (a sparse 250 MiB file costs nothing in the inbox)
ZH=$(head -c $((250 << 20)) /dev/zero | sha256sum | cut -d' ' -f1)
for k in 1 2 3 4; do
	V=$($PY -c 'import uuid; print(uuid.uuid4())'); mkdir -p "$INBOX/.$V.tmp/code"
	cp "$STORE"/jobs/*/"$P1"/job.json "$INBOX/.$V.tmp/job.json" 2>/dev/null
	truncate -s 250M "$INBOX/.$V.tmp/code/big.bin"; echo x > "$INBOX/.$V.tmp/code/run.sh"
	$PY "$FORGE" "$INBOX/.$V.tmp" "j['uid']='$V'; j['version']=1; j['created_at']='x'; j['files']=[ent('run.sh', b'x\\n'), {'path': 'big.bin', 'size': 250 << 20, 'mode': '0644', 'sha256': '$ZH'}]" redigest
	ds keys sign "$INBOX/.$V.tmp" >/dev/null # valid: signed by their requester too
	mv "$INBOX/.$V.tmp" "$INBOX/$V"
done
for i in $(seq 150); do [ -d "$STORE/jobs/timedout/$S" ] || [ -d "$STORE/jobs/failed/$S" ] && break; sleep 0.1; done
kill -TERM $W; wait $W
do_ show "$S" --json > "$TEST_DIR/s.json"
wall=$($PY -c "import json; d=json.load(open('$TEST_DIR/s.json')); print(d['run']['wall_seconds'])")
kind=$($PY -c "import json; d=json.load(open('$TEST_DIR/s.json')); print(d['error_kind'])")
echo "# job_timeout 3 s under the flood: killed after $wall s ($kind)"
do_ pending >/dev/null 2>&1
check "the large entries were valid jobs (so the flood was real work): $(ls "$STORE/jobs/pending" | wc -l) pending" \
	test "$(ls "$STORE/jobs/pending" | wc -l)" -ge 4
check "the job was stopped by its timeout" test "$kind" = timeout
check "within 1 s of its deadline ($wall s)" sh -c "echo '$wall <= 4.0' | bc | grep -q 1"
done_testing

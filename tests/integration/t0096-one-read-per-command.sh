#!/bin/sh
# t0096: one command reads each thing once (issue 10: "scq review of a
# four-file job takes the ingest lock twice and reads manifest.json five
# times").  Counted in system calls under strace (which file each open
# names), never timed: review opens the manifest once, each code file once,
# finds the job once and takes the ingest lock at most once (its one
# refresh); an owner command on an unknown id searches the store once; a
# run reads the manifest, run.sh and, to publish, the finished job's record
# once; status opens each finished job's folder once.
. "$(dirname "$0")/test-lib.sh"
command -v strace >/dev/null || { echo "not ok 1 - strace is missing (make test installs it)"; echo "1..1"; exit 1; }
# traced WHO CMD...: run one scq command under strace; the trace in $T
T="$TEST_DIR/trace"
traced() {
	_who=$1; shift
	strace_run -f -o "$T" -e trace=%file,flock "$SCQ" --email "$_who" --data-dir "$WS" "$@" \
		>"$TEST_DIR/traced.out" 2>"$TEST_DIR/traced.err"
}
# opens ERE: how many opens in the trace name a path matching ERE
opens() { grep -E 'open(at2?)?\(' "$T" | grep -v ENOENT | grep -Ec "$1"; }
# is N OP M NAME: a TAP line comparing counts (shows the trace on failure)
is() { [ "$1" "$2" "$3" ] && _p=1 || _p=0; _result $_p "$4 ($1, want $2 $3)" "$T"; }

make_job "$TEST_DIR/c" 'echo hi; cat a.txt; python3 lib/c.py'
echo a > "$TEST_DIR/c/a.txt"; echo b > "$TEST_DIR/c/b.txt"
mkdir "$TEST_DIR/c/lib"; echo 'print(1)' > "$TEST_DIR/c/lib/c.py"
A=$(ds submit "$TEST_DIR/c" --to "$DO_EMAIL" --name four)
do_ pending >/dev/null

traced "$DO_EMAIL" review "$A"
check "review of a 4-file job works" grep -q 'lib/c.py' "$TEST_DIR/traced.out"
is "$(opens '"manifest.json"')" -eq 1 "review: manifest.json opened once"
is "$(grep -c 'flock(.*LOCK_EX' "$T")" -le 1 "review: the ingest lock taken at most once"
for f in run.sh a.txt b.txt c.py; do
	is "$(opens "\"($f|lib/$f)\"")" -eq 1 "review: $f read once"
done
# the store setup opens each state folder once, finding the job once more
is "$(opens '"jobs/cancelled"')" -le 2 "review: the job found once"

traced "$DO_EMAIL" review "$(echo "$A" | cut -c1-8)"
is "$(opens '"manifest.json"')" -eq 1 "review by prefix: manifest.json opened once"
traced "$DO_EMAIL" review "$A" --file a.txt
is "$(opens '"manifest.json"')" -eq 1 "review --file: manifest.json opened once"
traced "$DO_EMAIL" review "$A" --json
is "$(opens '"manifest.json"')" -eq 1 "review --json: manifest.json opened once"

# an id that is nobody's: the owner's store searched once, the message the same
traced "$DO_EMAIL" review 01234567-89ab-4def-8123-456789abcdef
check "unknown id: the owner search's message" grep -q "no job found with id '01234567-89ab-4def-8123-456789abcdef' submitted to $DO_EMAIL" "$TEST_DIR/traced.err"
is "$(opens '"jobs/cancelled"')" -le 2 "unknown id: the owner's store searched once"
traced "$DS_EMAIL" review "$A"
check "the requester is told who may review" grep -q "not yours to review: only its data owner" "$TEST_DIR/traced.err"

# the run path: the manifest and run.sh read once by the runner (the bytes
# verified are the bytes that run), and the finished job's records once
# for its publication (twice before: again after copying log and outputs)
do_ approve "$A" >/dev/null
traced "$DO_EMAIL" run
check "the job ran" grep -q '1 completed' "$TEST_DIR/traced.out"
is "$(opens '"manifest.json"')" -eq 1 "run: manifest.json opened once"
if [ "${SCQ_TEST_ISOLATION:-none}" = none ]; then # (a sandbox reads its copy too)
	is "$(grep -E 'openat2?\([0-9]+, "run.sh"' "$T" | grep -v O_PATH | grep -vc ENOENT)" -eq 1 \
		"run: run.sh read once by the runner"
fi
is "$(sed -n '/"result.json") = 0/,$p' "$T" | grep -v ENOENT | grep -c '"job.json"')" -eq 1 \
	"run: the finished job's job.json read once to publish it"

# status: finished jobs (one completed, one rejected), each folder opened once
B=$(ds submit "$TEST_DIR/c" --to "$DO_EMAIL" --name no)
do_ reject "$B" -r no >/dev/null
traced "$DO_EMAIL" status
check "status counts the completed job" grep -Eq '^completed +1 ' "$TEST_DIR/traced.out"
is "$(opens "completed/$A\"|\"$A\"")" -le 1 "status: the completed job's folder opened once"
is "$(opens "\"$B\"|rejected/$B\"")" -le 1 "status: the rejected job's folder opened once"
is "$(opens 'result.json')" -le 1 "status: result.json read once"
done_testing

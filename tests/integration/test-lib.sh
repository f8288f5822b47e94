# test-lib.sh - helpers for the numbered integration scripts (TAP).
#
# Each script sources this file, which makes a throwaway workspace with two
# identities sharing one data folder (as if sync were instant):
#   ds  = the data scientist (requester), do = the data owner.
# Helpers: ok/not_ok via `check "name" command...`, `check_fail`, `done_testing`.
set -u
SCQ_BUILD=${SCQ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SCQ="$SCQ_BUILD/scq"
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/scq-test-XXXXXX")
WS="$TEST_DIR/ws"
DS_EMAIL=ds@uni.example
DO_EMAIL=owner@hospital.example
mkdir -p "$WS"
trap 'rm -rf "$TEST_DIR"' EXIT
_n=0
_failed=0

ds() { "$SCQ" --email "$DS_EMAIL" --data-dir "$WS" "$@"; }
do_() { "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" "$@"; }
# strace_run ARGS... (strace ARGS...): LeakSanitizer cannot run under ptrace (a sanitizer build
# would fail with "LeakSanitizer does not work under ptrace"), so a traced
# command checks no leaks; every untraced run still does.
strace_run() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"; }

# _result PASSED NAME [FILE...]: one TAP line; on failure the files are
# shown as diagnostics.  Every helper below reports through it.
_result() {
	_pass=$1; _name=$2; shift 2
	_n=$((_n + 1))
	if [ "$_pass" = 1 ]; then
		echo "ok $_n - $_name"
	else
		echo "not ok $_n - $_name"
		[ $# -gt 0 ] && sed 's/^/#   /' "$@" | head -20
		_failed=$((_failed + 1))
	fi
}

# check NAME CMD...: passes when CMD exits 0
check() {
	_name=$1; shift
	"$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" && _p=1 || _p=0
	_result $_p "$_name" "$TEST_DIR/out" "$TEST_DIR/err"
}

# check_exit NAME CODE CMD...: passes when CMD exits with CODE
check_exit() {
	_name=$1; _want=$2; shift 2
	"$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	_got=$?
	[ "$_got" = "$_want" ] && _p=1 || _p=0
	_result $_p "$_name (exit $_got, want $_want)" "$TEST_DIR/out" "$TEST_DIR/err"
}

# out_has NAME ERE: the last checked command's stdout matches ERE
out_has() {
	grep -Eq -- "$2" "$TEST_DIR/out" && _p=1 || _p=0
	_result $_p "$1" "$TEST_DIR/out"
}

# err_has NAME ERE: the last checked command's stderr matches ERE
err_has() {
	grep -Eq -- "$2" "$TEST_DIR/err" && _p=1 || _p=0
	_result $_p "$1" "$TEST_DIR/err"
}

# out_empty NAME: the last checked command printed nothing on stdout
out_empty() {
	[ ! -s "$TEST_DIR/out" ] && _p=1 || _p=0
	_result $_p "$1" "$TEST_DIR/out"
}

# Last command's stdout / stderr, for follow-up checks.
last_out() { cat "$TEST_DIR/out"; }
last_err() { cat "$TEST_DIR/err"; }

done_testing() {
	echo "1..$_n"
	[ "$_failed" = 0 ]
}

# make_job DIR [RUN_SH_BODY]: a code folder with run.sh
make_job() {
	mkdir -p "$1"
	printf '#!/bin/bash\n%s\n' "${2:-echo hello; echo result > \"\$OUTPUT_DIR/result.txt\"}" > "$1/run.sh"
}

# running_job VAR NAME BODY: submit, ingest and approve a job, start
# `scq run --watch` (its pid in W, stderr in $TEST_DIR/watch-NAME.err) and
# wait until the job runs; VAR gets its uid.
running_job() {
	make_job "$TEST_DIR/job-$2" "$3"
	_u=$(ds submit "$TEST_DIR/job-$2" --to "$DO_EMAIL" --name "$2")
	do_ pending >/dev/null; do_ approve "$_u" >/dev/null
	"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run --watch \
		> "$TEST_DIR/watch-$2.out" 2> "$TEST_DIR/watch-$2.err" &
	W=$!
	for _i in $(seq 100); do
		[ -d "$WS/private/code-queue/$DO_EMAIL/jobs/running/$_u" ] && break
		sleep 0.1
	done
	check "job $2 runs under run --watch" test -d "$WS/private/code-queue/$DO_EMAIL/jobs/running/$_u"
	eval "$1=\$_u"
}

# daemon_job WHO NAME TIMEOUT: with a daemon up (WHO: `scq run --watch`,
# the app's run.sh), submit $TEST_DIR/code as NAME and see WHO ingest it
# within a second or so and run it once approved; U gets its uid.
daemon_job() {
	check "submit $2 while $1 runs" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "$2"
	U=$(last_out)
	sleep 1.5
	check "$1 ingested $2 within a second or so" do_ show "$U" --json
	check "approve $2" do_ approve "$U"
	check "$1 ran $2" ds wait "$U" --timeout "$3"
}

# stops_on_term NAME PID: SIGTERM stops PID within five seconds.
stops_on_term() {
	kill -TERM "$2"
	_i=0
	while kill -0 "$2" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	check "$1" sh -c "! kill -0 $2 2>/dev/null"
}

# grow_copies SRC REC PUB UID N: make the owner's pending folder (SRC's
# parent) hold N jobs, copies of SRC under fresh uids with UID replaced, and
# give each its requester record (beside REC) and outbox status (beside PUB):
# a store of N jobs in seconds, for the tests that count a command's cost.
grow_copies() {
	python3 - "$@" <<'PY'
import os, shutil, sys, uuid
src, rec, pub, a, n = sys.argv[1:6]
pend, sub, outbox = os.path.dirname(src), os.path.dirname(rec), os.path.dirname(pub)
have = len(os.listdir(pend))
for _ in range(int(n) - have):
    u = str(uuid.uuid4())
    shutil.copytree(src, os.path.join(pend, u), copy_function=shutil.copy2)
    for f in ("job.json", "public.json"):
        p = os.path.join(pend, u, f)
        if os.path.exists(p):
            t = open(p).read().replace(a, u)  # read before "w" empties it
            open(p, "w").write(t)
    open(os.path.join(sub, u + ".json"), "w").write(open(rec).read().replace(a, u))
    os.makedirs(os.path.join(outbox, u))
    s = open(os.path.join(pub, "status.json")).read().replace(a, u)
    open(os.path.join(outbox, u, "status.json"), "w").write(s)
PY
}

ds init >/dev/null && do_ init >/dev/null || { echo "Bail out! init failed"; exit 1; }
# Jobs in these tests run without the namespace sandbox unless a test says
# otherwise; the sandbox has its own tests (t05xx).
if [ "${SCQ_TEST_ISOLATION:-none}" = none ]; then
	do_ config set isolation none >/dev/null
fi

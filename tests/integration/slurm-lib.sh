# slurm-lib.sh - for the t10xx tests, sourced after test-lib.sh: the Slurm
# test cluster (scripts/slurm-up.sh: munged, slurmctld, slurmd n1 and n2 on
# 127.0.0.1) and an owner whose executor is slurm.
#
# `make test` starts the cluster once (SLURM_CONF in the environment) and
# stops it at the end; a test run alone starts it itself and stops it on
# exit.  A cluster that cannot start fails the test (Bail out!), never
# skips it.
SCQ_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
_slurm_own=0
if [ -z "${SLURM_CONF:-}" ] || ! SLURM_CONF=$SLURM_CONF scontrol ping 2>/dev/null | grep -q ' is UP'; then
	# not under TEST_DIR (0700): munged runs as user munge
	export SCQ_SLURM_DIR="${TMPDIR:-/tmp}/scq-slurm-$$"
	export SCQ_SLURM_PORT=$((20000 + ($$ % 1000) * 4)) # beside make test's cluster
	if ! SLURM_CONF=$(sh "$SCQ_ROOT/scripts/slurm-up.sh" "$SCQ_SLURM_DIR" 2>"$TEST_DIR/slurm-up.err"); then
		echo "Bail out! the Slurm test cluster did not start: $(tail -n 30 "$TEST_DIR/slurm-up.err" | tr '\n' ' ')"
		sh "$SCQ_ROOT/scripts/slurm-down.sh" "$SCQ_SLURM_DIR"
		exit 1
	fi
	_slurm_own=1
fi
export SLURM_CONF
SLURM_DIR=$(dirname "$SLURM_CONF")
trap '[ $_slurm_own = 1 ] && sh "$SCQ_ROOT/scripts/slurm-down.sh" "$SLURM_DIR" && rm -rf "$SLURM_DIR"; rm -rf "$TEST_DIR"' EXIT

STORE="$WS/private/code-queue/$DO_EMAIL/jobs"
SHARED="$TEST_DIR/shared"
mkdir -m 0700 "$SHARED"
ds init >/dev/null
do_ init >/dev/null
do_ config set executor slurm >/dev/null
do_ config set slurm_shared_dir "$SHARED" >/dev/null
do_ config set slurm_partition scq >/dev/null
do_ config set memory_limit_mb 256 >/dev/null
do_ config set isolation full >/dev/null # the sandbox on the node, as in production

# approved VAR NAME BODY: submit a job whose run.sh is BODY, ingest and
# approve it; VAR gets its uid.
approved() {
	make_job "$TEST_DIR/job-$2" "$3"
	_u=$(ds submit "$TEST_DIR/job-$2" --to "$DO_EMAIL" --name "$2")
	do_ pending >/dev/null
	do_ approve "$_u" >/dev/null
	eval "$1=\$_u"
}

# slurm_state UID: the job's state in Slurm now ("" if Slurm has none)
slurm_state() { squeue --me -h -t all -n "scq-$1" -o '%T' 2>/dev/null | head -n 1; }

# wait_for SECONDS CMD...: until CMD succeeds (0) or SECONDS pass (1)
wait_for() {
	_end=$(($(date +%s) + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.2
	done
}

# in_state UID STATE: Slurm has the job in STATE
in_state() { [ "$(slurm_state "$1")" = "$2" ]; }

# jobcomp_count UID: how many times Slurm ran a batch job for UID (the
# jobcomp file has one line per job that ended)
jobcomp_count() { grep -c " Name=scq-$1 " "$SLURM_DIR/jobcomp.txt" 2>/dev/null || true; }

# status_of UID: the job's status in the owner's store
status_of() {
	for _s in approved running completed failed cancelled; do
		[ -d "$STORE/$_s/$1" ] && { echo "$_s"; return; }
	done
	echo none
}

# kind_of UID: the finished job's error_kind
kind_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error_kind"))' "$STORE/$(status_of "$1")/$1/result.json"; }

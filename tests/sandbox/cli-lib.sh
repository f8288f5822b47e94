# cli-lib.sh - helpers for the t05NN sandbox matrix tests (sandbox.md §11),
# sourced after tests/integration/test-lib.sh.  Every row is a real job:
# the data scientist submits it with the real scq, the owner approves it,
# `scq run` runs it under isolation full, and the test asserts on
# `scq show --json`, `scq logs` and the host afterwards.
#
#   sbx_require            the machine must sandbox: otherwise a loud
#                          `not ok` (never a silent skip) and exit 1
#   sbx_probes             every job from then on carries probe.py
#                          (tests/sandbox/probe.py) beside its run.sh
#   sbx_job VAR NAME BODY [approve args]   submit + approve; VAR=uid
#   sbx_run                `scq run` once; asserts the runner survived
#   sbx_show U             fetch `show --json` and `logs` of U (owner view)
#   jget U KEY.PATH        a field of U's show --json (after sbx_show)
#   log_has NAME U ERE     U's execution log matches ERE
#   log_lacks NAME U ERE   U's execution log does not match ERE
#   sbx_common U           the common pass criteria of every row
#   todo NAME REASON       a TAP TODO line for a known gap outside our code
#
# Host witnesses: a canary file with a secret outside everything the job
# may see, and a dataset "cohort" whose rows carry a second secret; both
# are checksummed before the first job and compared after each one.
SBX_SECRET="CANARY-$$-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
DATA_SECRET="ROW-$$-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
HOST="$TEST_DIR/host"
mkdir -p "$HOST/cohort" "$HOST/owner-home/.ssh"
chmod 755 "$HOST" "$HOST/cohort"
printf '%s\n' "$SBX_SECRET" > "$HOST/canary.txt"
printf 'PRIVATE KEY %s\n' "$SBX_SECRET" > "$HOST/owner-home/.ssh/id_rsa"
printf 'id,secret\n1,%s\n2,%s\n' "$DATA_SECRET" "$DATA_SECRET" > "$HOST/cohort/private.csv"
chmod 644 "$HOST/cohort/private.csv" "$HOST/canary.txt"
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
OUTBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL"

host_sums() {
	(cd "$HOST" && find . -printf '%p %m %s %U\n' | sort &&
		find . -type f -exec sha256sum {} + | sort)
}

# jfield FILE KEY.PATH: one field of a JSON file ("" for null/absent).
jfield() {
	$PY - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d.get(k) if isinstance(d, dict) else None
if d is None:
    print("")
elif isinstance(d, (dict, list, bool)):
    print(json.dumps(d, sort_keys=True))
else:
    print(d)
EOF
}

sbx_require() {
	_doc=$(do_ doctor --json 2>&1)
	_n=$((_n + 1))
	if echo "$_doc" | grep -Eq '"isolation_full": *true' && [ "$(id -u)" = 0 ]; then
		echo "ok $_n - this machine can run jobs under isolation full"
		return 0
	fi
	echo "not ok $_n - THIS MACHINE CANNOT SANDBOX: the sandbox matrix did not run" \
		"(SCQ_SANDBOX_MUST_WORK=${SCQ_SANDBOX_MUST_WORK:-unset}; needs root and user namespaces)"
	echo "$_doc" | sed 's/^/#   /'
	echo "1..$_n"
	exit 1
}

sbx_probes() {
	mkdir -p "$TEST_DIR/extra" && cp "$(dirname "$0")/../sandbox/probe.py" "$TEST_DIR/extra/"
	SBX_EXTRA="$TEST_DIR/extra"
}

sbx_job() {
	_var=$1 _name=$2 _body=$3
	shift 3
	rm -rf "$TEST_DIR/job-$_name"
	make_job "$TEST_DIR/job-$_name" "$_body"
	[ -n "${SBX_EXTRA:-}" ] && cp -R "$SBX_EXTRA"/. "$TEST_DIR/job-$_name/"
	_u=$(ds submit "$TEST_DIR/job-$_name" --to "$DO_EMAIL" --name "$_name") ||
		{ echo "Bail out! submit $_name failed"; exit 1; }
	do_ approve "$_u" "$@" >/dev/null || { echo "Bail out! approve $_name failed"; exit 1; }
	eval "$_var=\$_u"
}

sbx_run() {
	_n=$((_n + 1))
	do_ run >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err"
	_rc=$?
	if [ "$_rc" -lt 128 ]; then
		echo "ok $_n - scq run survived its jobs (exit $_rc): $(head -1 "$TEST_DIR/run.out")"
	else
		echo "not ok $_n - scq run died with exit $_rc"
		sed 's/^/#   /' "$TEST_DIR/run.out" "$TEST_DIR/run.err" | head -20
		_failed=$((_failed + 1))
	fi
}

sbx_show() {
	do_ show "$1" --json >"$TEST_DIR/show-$1.json" 2>/dev/null
	do_ logs "$1" >"$TEST_DIR/log-$1.txt" 2>/dev/null
}

jget() { jfield "$TEST_DIR/show-$1.json" "$2"; }

_tap() { # _tap OK NAME [diag file]
	_n=$((_n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/#   /' "$3" | head -40
		_failed=$((_failed + 1))
	fi
}

is() { # is NAME GOT WANT
	_n=$((_n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $_n - $1"
	else
		echo "not ok $_n - $1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
		_failed=$((_failed + 1))
	fi
}

log_has() {
	if grep -Eq -- "$3" "$TEST_DIR/log-$2.txt"; then _tap 1 "$1"; else _tap 0 "$1 (log lacks /$3/)" "$TEST_DIR/log-$2.txt"; fi
}

log_lacks() {
	if grep -Eq -- "$3" "$TEST_DIR/log-$2.txt"; then _tap 0 "$1 (log has /$3/)" "$TEST_DIR/log-$2.txt"; else _tap 1 "$1"; fi
}

# Every line the job printed as "CHECK <id> ok|FAIL ..." must say ok, and
# each id in the list must appear.
checks_ok() { # checks_ok U ID...
	_u=$1
	shift
	for _id in "$@"; do
		if grep -q "^CHECK $_id ok" "$TEST_DIR/log-$_u.txt" &&
			! grep -q "^CHECK $_id FAIL" "$TEST_DIR/log-$_u.txt"; then
			_tap 1 "$_id: $(grep "^CHECK $_id ok" "$TEST_DIR/log-$_u.txt" | head -1 | cut -c1-150)"
		else
			grep "^CHECK $_id " "$TEST_DIR/log-$_u.txt" > "$TEST_DIR/diag"
			[ -s "$TEST_DIR/diag" ] || cp "$TEST_DIR/log-$_u.txt" "$TEST_DIR/diag"
			_tap 0 "$_id" "$TEST_DIR/diag"
		fi
	done
}

procs_of_uid() { # uids of every live process, one a line
	cat /proc/[0-9]*/status 2>/dev/null | awk '/^Uid:/ { print $2 }'
}

# The common pass criteria (sandbox.md §11) for job U, after sbx_show U.
sbx_common() {
	_u=$1
	_st=$(jget "$_u" status)
	case $_st in
	completed) _tap 1 "$_u: final state completed" ;;
	failed | cancelled | timedout)
		if [ -n "$(jget "$_u" run.error_kind)" ] && [ -n "$(jget "$_u" run.error_message)" ]; then
			_tap 1 "$_u: final state $_st with reason $(jget "$_u" run.error_kind)"
		else
			_tap 0 "$_u: final state $_st without a reason" "$TEST_DIR/show-$_u.json"
		fi ;;
	*) _tap 0 "$_u: no final state (status '$_st')" "$TEST_DIR/show-$_u.json" ;;
	esac
	_jid=$(jget "$_u" run.limits_applied.job_uid)
	is "$_u: ran under isolation full" "$(jget "$_u" run.limits_applied.isolation)" full
	if [ -n "$_jid" ]; then
		_left=$(procs_of_uid | grep -cx -e "$_jid" -e "$((_jid + 65536))")
		is "$_u: no process of the job's host uids $_jid/+65536 remains" "$_left" 0
	else
		_tap 0 "$_u: run record has no job_uid" "$TEST_DIR/show-$_u.json"
	fi
	host_sums > "$TEST_DIR/sums.after"
	if cmp -s "$TEST_DIR/sums.before" "$TEST_DIR/sums.after"; then
		_tap 1 "$_u: host canary, owner home and dataset unchanged"
	else
		diff "$TEST_DIR/sums.before" "$TEST_DIR/sums.after" > "$TEST_DIR/diag"
		_tap 0 "$_u: host files changed" "$TEST_DIR/diag"
	fi
	if grep -rqsF -e "$SBX_SECRET" -e "root:x:0:0" "$WS/datasites" "$WS/private/code-queue/$DS_EMAIL"; then
		grep -rlsF -e "$SBX_SECRET" -e "root:x:0:0" "$WS/datasites" > "$TEST_DIR/diag"
		_tap 0 "$_u: host secrets reached the requester's side" "$TEST_DIR/diag"
	else
		_tap 1 "$_u: no host secret (canary, /etc/passwd) on the requester's side"
	fi
}

todo() { # todo NAME REASON: a known gap outside the sandbox code (TAP TODO)
	_n=$((_n + 1))
	echo "not ok $_n - $1 # TODO $2"
}

do_ dataset add cohort "$HOST/cohort" >/dev/null || { echo "Bail out! dataset add failed"; exit 1; }
host_sums > "$TEST_DIR/sums.before"

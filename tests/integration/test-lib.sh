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

# check NAME CMD...: passes when CMD exits 0
check() {
	_name=$1; shift
	_n=$((_n + 1))
	if "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"; then
		echo "ok $_n - $_name"
	else
		echo "not ok $_n - $_name"
		sed 's/^/#   /' "$TEST_DIR/out" "$TEST_DIR/err" | head -20
		_failed=$((_failed + 1))
	fi
}

# check_exit NAME CODE CMD...: passes when CMD exits with CODE
check_exit() {
	_name=$1; _want=$2; shift 2
	_n=$((_n + 1))
	"$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	_got=$?
	if [ "$_got" = "$_want" ]; then
		echo "ok $_n - $_name"
	else
		echo "not ok $_n - $_name (exit $_got, want $_want)"
		sed 's/^/#   /' "$TEST_DIR/out" "$TEST_DIR/err" | head -20
		_failed=$((_failed + 1))
	fi
}

# out_has NAME ERE: the last checked command's stdout matches ERE
out_has() {
	_n=$((_n + 1))
	if grep -Eq -- "$2" "$TEST_DIR/out"; then
		echo "ok $_n - $1"
	else
		echo "not ok $_n - $1"
		sed 's/^/#   /' "$TEST_DIR/out" | head -20
		_failed=$((_failed + 1))
	fi
}

# err_has NAME ERE: the last checked command's stderr matches ERE
err_has() {
	_n=$((_n + 1))
	if grep -Eq -- "$2" "$TEST_DIR/err"; then
		echo "ok $_n - $1"
	else
		echo "not ok $_n - $1"
		sed 's/^/#   /' "$TEST_DIR/err" | head -20
		_failed=$((_failed + 1))
	fi
}

# out_empty NAME: the last checked command printed nothing on stdout
out_empty() {
	_n=$((_n + 1))
	if [ ! -s "$TEST_DIR/out" ]; then echo "ok $_n - $1"; else
		echo "not ok $_n - $1"; _failed=$((_failed + 1)); fi
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

ds init >/dev/null && do_ init >/dev/null || { echo "Bail out! init failed"; exit 1; }
# Jobs in these tests run without the namespace sandbox unless a test says
# otherwise; the sandbox has its own tests (t05xx).
if [ "${SCQ_TEST_ISOLATION:-none}" = none ]; then
	do_ config set isolation none >/dev/null
fi

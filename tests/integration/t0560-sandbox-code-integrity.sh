#!/bin/sh
# t0560: sandbox matrix H, continued (issue 9 §2, §3): the bytes approved are
# the bytes that run.
#   H8  a descriptor the submitter opened on its inbox folder before ingest
#       can neither add a file to the approved job nor rewrite one
#   H9  anything in the store's code/ beyond the manifest never reaches /code
#   H10 a mode that differs from the manifest is refused
#   H11 content changed after approval is refused, never run
# H9-H11 run under isolation full (the check is on the sandbox's private
# /code copy, the bytes that run) and again under isolation none.
SCQ_TEST_ISOLATION=full
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/../sandbox/cli-lib.sh"
sbx_require
STORE="$WS/private/code-queue/$DO_EMAIL"
INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"

# holder CODE_DIR ACTION: opens the inbox folder (and run.sh for writing)
# now, waits for $TEST_DIR/go, then acts through those descriptors.
holder() {
	rm -f "$TEST_DIR/ready-$2"
	$PY - "$1" "$TEST_DIR/go" "$TEST_DIR/res-$2" "$2" "$TEST_DIR/ready-$2" <<'PY' &
import os, sys, time
code, go, res, action, ready = sys.argv[1:]
d = os.open(code, os.O_RDONLY | os.O_DIRECTORY)
w = os.open("run.sh", os.O_RDWR, dir_fd=d)
open(ready, "w").write("1")
while not os.path.exists(go):
    time.sleep(0.05)
try:
    if action == "add":
        fd = os.open("local_settings.sh", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=d)
        os.write(fd, b"echo H8-INJECTED\n")
        os.close(fd)
    else:
        os.pwrite(w, b"echo H8-INJECTED; exit 0 #", 0)
    out = action + ":done"
except OSError as e:
    out = "%s:errno %d" % (action, e.errno)
open(res, "w").write(out)
PY
	for _i in $(seq 200); do [ -f "$TEST_DIR/ready-$2" ] && break; sleep 0.05; done
	[ -f "$TEST_DIR/ready-$2" ] || { echo "Bail out! the descriptor holder for $2 never started"; exit 1; }
}

# H8: the job sources local_settings.sh if present (the attacker's hook)
rm -f "$TEST_DIR/go"
make_job "$TEST_DIR/h8" '[ -f ./local_settings.sh ] && . ./local_settings.sh; echo H8-CLEAN'
A=$(ds submit "$TEST_DIR/h8" --to "$DO_EMAIL" --name h8-add)
B=$(ds submit "$TEST_DIR/h8" --to "$DO_EMAIL" --name h8-rewrite)
holder "$INBOX/$A/code" add
holder "$INBOX/$B/code" rewrite
check "H8 ingest" do_ pending
check "H8 approve add" do_ approve "$A"
check "H8 approve rewrite" do_ approve "$B"
touch "$TEST_DIR/go"; wait
echo "# holders: $(cat "$TEST_DIR/res-add") / $(cat "$TEST_DIR/res-rewrite")"
sbx_run
for U in $A $B; do
	sbx_show "$U"
	is "H8 $(jget "$U" name): completed with the approved code" "$(jget "$U" status)" completed
	log_has "H8 $(jget "$U" name): the approved run.sh ran" "$U" "^H8-CLEAN"
	log_lacks "H8 $(jget "$U" name): nothing added through the held descriptor ran" "$U" "INJECTED"
done
_tap "$(test -z "$(find "$STORE/jobs" -name local_settings.sh)" && echo 1 || echo 0)" \
	"H8 the added file is nowhere in the store"

# tamper CASE ISOLATION: a job approved, then its store copy changed
tamper() {
	do_ config set isolation "$2" >/dev/null
	make_job "$TEST_DIR/h-$1-$2" 'echo H-RAN; ls -la /code 2>/dev/null || ls -la'
	echo "x = 1" > "$TEST_DIR/h-$1-$2/lib.py"
	U=$(ds submit "$TEST_DIR/h-$1-$2" --to "$DO_EMAIL" --name "h-$1-$2")
	do_ pending >/dev/null; do_ approve "$U" >/dev/null
	C="$STORE/jobs/approved/$U/code"
	case $1 in
	extra) echo 'echo EXTRA' > "$C/extra.sh" ;;
	mode) chmod 755 "$C/lib.py" ;;
	content) printf 'x = 2\n' > "$C/lib.py" ;;
	esac
	do_ run >/dev/null 2>&1
	sbx_show "$U"
	is "$3 ($2): refused before it ran" "$(jget "$U" status)/$(jget "$U" run.error_kind)" failed/code_mismatch
	log_lacks "$3 ($2): the job never ran" "$U" "H-RAN"
	echo "#   $(jget "$U" run.error_message | cut -c1-150)"
}
for ISO in full none; do
	tamper extra $ISO "H9 a file beyond the manifest in the store"
	tamper mode $ISO "H10 a mode that differs from the manifest"
	tamper content $ISO "H11 content changed after approval"
done
done_testing

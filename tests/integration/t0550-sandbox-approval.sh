#!/bin/sh
# t0550: sandbox matrix H (approval, state and platform integrity) through
# the real scq: H1 run-unapproved, H2 self-approve, H3 run-once, H4 no user
# namespaces (simulated), H5 no cgroup controllers (simulated), H6 as root,
# H7 executable memfds forbidden (simulated).
SCQ_TEST_ISOLATION=full
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/../sandbox/cli-lib.sh"
sbx_require
STORE="$WS/private/code-queue/$DO_EMAIL"
starts() { grep -c "\"start\".*$1\|$1.*\"start\"" "$STORE/audit.jsonl"; }

# H1: pending, rejected, and a pending job forced into approved/ by hand
make_job "$TEST_DIR/h1" 'echo H1-RAN'
check "H1 submit" ds submit "$TEST_DIR/h1" --to "$DO_EMAIL" --name h1
P1=$(last_out)
check "H1 submit 2" ds submit "$TEST_DIR/h1" --to "$DO_EMAIL" --name h1r
P2=$(last_out)
check "H1 submit 3" ds submit "$TEST_DIR/h1" --to "$DO_EMAIL" --name h1f
P3=$(last_out)
check "H1 ingest" do_ pending
check "H1 reject one" do_ reject "$P2" -r no
mv "$STORE/jobs/pending/$P3" "$STORE/jobs/approved/$P3"
check "H1 runner runs" do_ run
sbx_show "$P1"; sbx_show "$P2"
is "H1 pending stays pending" "$(jget "$P1" status)" pending
is "H1 rejected stays rejected" "$(jget "$P2" status)" rejected
sbx_show "$P3"
_tap "$(test "$(jget "$P3" status)" = failed && test -n "$(jget "$P3" run.error_kind)" && echo 1 || echo 0)" \
	"H1 forced without an approval record: refused ($(jget "$P3" status)/$(jget "$P3" run.error_kind): $(jget "$P3" run.error_message | cut -c1-80))"
log_lacks "H1 the forced job never ran" "$P3" "H1-RAN"
_tap "$(grep -q "$P3" "$STORE/audit.jsonl" && echo 1 || echo 0)" "H1 the refusal is audited"

# H2: the requester cannot approve its own job or release its results
check "H2 submit" ds submit "$TEST_DIR/h1" --to "$DO_EMAIL" --name h2
P4=$(last_out)
check "H2 ingest" do_ pending
check_exit "H2 requester cannot approve" 1 ds approve "$P4"
sbx_show "$P4"
is "H2 still pending" "$(jget "$P4" status)" pending
check "H2 owner rejects it" do_ reject "$P4" -r no

# H3 / H6: runs once, as the unprivileged job uid although the runner is root
sbx_job H6 h6-as-root 'id -u; id -g; cat /proc/self/uid_map; grep -E "^(Uid|CapEff):" /proc/self/status'
sbx_run
sbx_show "$H6"
is "H6 completed" "$(jget "$H6" status)" completed
log_has "H6 job uid inside is 1000" "$H6" "^1000$"
_hid=$(awk '$1 == 1000 && NF == 3 { print $2 }' "$TEST_DIR/log-$H6.txt")
_tap "$(test -n "$_hid" && test "$_hid" -ge 1543503872 && test "$_hid" -lt 1543569408 && echo 1 || echo 0)" \
	"H6 inside uid 1000 is host uid $_hid (dedicated range, never 0)"
is "H6 the record names the same host uid" "$(jget "$H6" run.limits_applied.job_uid)" "$_hid"
_tap "$(awk 'NF == 3 && $2 == 0' "$TEST_DIR/log-$H6.txt" | grep -q . && echo 0 || echo 1)" "H6 nothing inside maps to host uid 0"
sbx_common "$H6"
check "H3 a second runner cycle" do_ run
out_has "H3 runs nothing" "ran 0 job"
is "H3 one start in the audit log" "$(starts "$H6")" 1
# H6b: a runner that is not root cannot sandbox: doctor says so (it said
# isolation_full true while every job then failed with sandbox_error)
NW="$TEST_DIR/nobody-ws"; mkdir -p "$NW"; chmod 777 "$NW"
setpriv --reuid=65534 --regid=65534 --clear-groups "$SCQ" --email "$DO_EMAIL" --data-dir "$NW" \
	doctor --json > "$TEST_DIR/doc-nobody.json" 2>&1
_tap "$(grep -q '"isolation_full": *false' "$TEST_DIR/doc-nobody.json" && grep -q 'running as root' "$TEST_DIR/doc-nobody.json" && echo 1 || echo 0)" \
	"H6b doctor as a non-root runner: isolation_full false, naming root as missing" "$TEST_DIR/doc-nobody.json"

# H4: a host without user namespaces (simulated: max_user_namespaces=0 in
# a user namespace around the runner): refused with sandbox_error and a
# hint, never run unsandboxed.
sbx_job H4 h4-no-userns 'echo H4-RAN-UNSANDBOXED'
unshare -r sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"' x \
	"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run >"$TEST_DIR/h4.out" 2>&1
sbx_show "$H4"
is "H4 refused: failed/sandbox_error" "$(jget "$H4" status)/$(jget "$H4" run.error_kind)" failed/sandbox_error
_tap "$(jget "$H4" run.error_message | grep -q "isolation none" && echo 1 || echo 0)" \
	"H4 the message says how to fix it: $(jget "$H4" run.error_message | cut -c1-100)"
log_lacks "H4 never ran unsandboxed" "$H4" "H4-RAN"
is "H4 one start in the audit log" "$(starts "$H4")" 1

# H5: no cgroup controllers (simulated: an empty /sys/fs/cgroup around the
# runner): the job runs, and the record claims only rlimits.
sbx_job H5 h5-no-cgroups 'echo H5-RAN'
unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup && exec "$@"' x \
	"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run >"$TEST_DIR/h5.out" 2>&1
sbx_show "$H5"
is "H5 completed" "$(jget "$H5" status)" completed
is "H5 memory limit claimed only as an rlimit" "$(jget "$H5" run.limits_applied.memory_bytes.via)" rlimit-as-per-process
is "H5 process limit claimed only as an rlimit" "$(jget "$H5" run.limits_applied.max_processes.via)" rlimit-nproc
sbx_common "$H5"
_doc=$(do_ doctor --json | tr -d ' \n')
case $_doc in
*'"delegated":true'*) _want=cgroup-v2 ;;
*'"memory":true'*) _want=cgroup-v1 ;;
*) _want=rlimit-as-per-process ;;
esac
is "H5 on this host the memory limit is claimed as doctor reports ($_want)" \
	"$(jget "$H6" run.limits_applied.memory_bytes.via)" "$_want"

# H7: a host that forbids executable memfds (simulated: vm.memfd_noexec=2,
# which the kernel scopes to a PID namespace around the runner): doctor
# names it, and the job is refused with sandbox_error, never run.
sbx_job H7 h7-memfd-noexec 'echo H7-RAN'
_host_noexec=$(cat /proc/sys/vm/memfd_noexec)
_noexec() { unshare -pf --mount-proc sh -c 'echo 2 > /proc/sys/vm/memfd_noexec && exec "$@"' x "$@"; }
_doc=$(_noexec "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" doctor --json 2>&1 | tr -d '\n')
_tap "$(echo "$_doc" | grep -q '"isolation_full": *false' && echo "$_doc" | grep -q 'memfd_noexec' && echo 1 || echo 0)" \
	"H7 doctor: isolation full impossible, vm.memfd_noexec named"
_noexec "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" run >"$TEST_DIR/h7.out" 2>&1
sbx_show "$H7"
is "H7 refused: failed/sandbox_error" "$(jget "$H7" status)/$(jget "$H7" run.error_kind)" failed/sandbox_error
_tap "$(jget "$H7" run.error_message | grep -q "memfd_noexec" && echo 1 || echo 0)" \
	"H7 the message names the setting: $(jget "$H7" run.error_message | cut -c1-100)"
log_lacks "H7 never ran" "$H7" "H7-RAN"
is "H7 the host's own setting is untouched" "$(cat /proc/sys/vm/memfd_noexec)" "$_host_noexec"

# isolation none is the owner's explicit choice, and every record says so
check "isolation none" do_ config set isolation none
sbx_job HN h-none 'echo ran'
sbx_run
sbx_show "$HN"
is "isolation none is in the run record" "$(jget "$HN" run.limits_applied.isolation)" none
check "status" do_ status
out_has "scq status shows isolation none" "none"
done_testing

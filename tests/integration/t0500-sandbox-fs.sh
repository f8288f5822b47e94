#!/bin/sh
# t0500: sandbox matrix A (file system), F (bundle attacks at submit and
# ingest) and G (output collection), each row a real job through submit,
# approve and `scq run` under isolation full (tests/sandbox/cli-lib.sh).
SCQ_TEST_ISOLATION=full
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/../sandbox/cli-lib.sh"
sbx_require

# ---- A: one row per job where the outcome differs, the rest batched ----
sbx_job A1 a1-read-shadow 'cat /etc/shadow /etc/sudoers; ls /root'

sbx_job AB a-batch '
ls /proc/$$/fd > /tmp/fds
c() { if eval "$2"; then echo "CHECK $1 ok $3"; else echo "CHECK $1 FAIL $3"; fi; }
# A2 owner secrets, by absolute host path and by $HOME
for p in /root/.ssh /root "'"$HOST"'/owner-home/.ssh/id_rsa" "'"$HOST"'/canary.txt" \
	"'"$WS"'" /home /run /var ~/.ssh ~/.netrc ~/.aws ~/.config /etc/syftbox ~/.syftbox; do
	c A2 "test ! -e \"$p\"" "absent: $p"
done
c A2 "test \"\$HOME\" = /tmp && test -w \"\$HOME\"" "HOME=$HOME is scratch"
# A3 inventory and mountinfo
c A3 "test \"\$(ls / | grep -vxE \"bin|code|data|dev|etc|lib|lib32|lib64|libx32|opt|out|proc|runtime|sbin|tmp|usr\")\" = \"\"" "root: $(ls / | tr "\n" " ")"
c A3 "test \"\$(find / -xdev -maxdepth 3 2>/dev/null | wc -l)\" -lt 60" "find / -xdev -maxdepth 3: $(find / -xdev -maxdepth 3 2>/dev/null | wc -l) entries"
mi=$(cut -d" " -f5,6 /proc/self/mountinfo)
c A3 "echo \"\$mi\" | grep -q \"^/usr ro,\"" "/usr read-only"
c A3 "echo \"\$mi\" | grep -q \"^/code ro,\"" "/code read-only"
c A3 "echo \"\$mi\" | grep -q \"^/data/cohort ro,\"" "/data/cohort read-only"
c A3 "echo \"\$mi\" | grep -q \"^/out rw,\"" "/out writable"
c A3 "test -z \"\$(echo \"\$mi\" | cut -d\" \" -f1 | grep -vxE \"/|/usr|/bin|/sbin|/lib|/lib32|/lib64|/libx32|/code|/data/cohort|/out|/tmp|/proc|/dev|/dev/(null|zero|full|random|urandom|tty|pts|shm)\")\"" "mount points: $(echo "$mi" | cut -d" " -f1 | tr "\n" " ")"
c A3 "! grep -v \" /data/\" /proc/self/mountinfo | grep -qE \"owner@|hospital|ds@|uni\\.example|scq-test|code-queue|/home/\"" "mountinfo names no user, store or test path: $(cut -d" " -f4,5 /proc/self/mountinfo | grep -v "^/ " | tr "\n" ";")"
grep " /data/cohort " /proc/self/mountinfo | cut -d" " -f4 | sed "s/^/DATAROOT /"
# A4 environment and descriptors
c A4 "test -z \"\$(env | cut -d= -f1 | grep -vxE \"PATH|LANG|HOME|TMPDIR|CODE_DIR|OUTPUT_DIR|DATA_DIR|JOB_ID|JOB_NAME|SYFT_JOB_ID|SYFT_JOB_NAME|SYFT_OUTPUT_DIR|SYFT_REQUESTER|PWD|SHLVL|_|OLDPWD\")\"" "env keys: $(env | cut -d= -f1 | sort | tr "\n" " ")"
c A4 "! env | grep -qF \"'"$SBX_SECRET"'\"" "the runner secret is not in the environment"
c A4 "test \"\$(grep -vxE \"0|1|2|255\" /tmp/fds)\" = \"\"" "fds of the job shell (255: its script): $(tr "\n" " " < /tmp/fds)"
# A5 datasets are read-only
for op in "rm -f /data/cohort/private.csv" "chmod 777 /data/cohort/private.csv" \
	"truncate -s0 /data/cohort/private.csv" "touch /data/cohort/private.csv" "touch /data/cohort/new"; do
	e=$($op 2>&1); c A5 "echo \"\$e\" | grep -qE \"Read-only file system|Permission denied\"" "$op: $e"
done
# A6 the code is read-only and is the reviewed bytes
e=$(sh -c "echo x >> /code/run.sh" 2>&1); c A6 "echo \"\$e\" | grep -qE \"Read-only file system|Permission denied\"" "append: $e"
e=$(rm -f /code/run.sh 2>&1); c A6 "echo \"\$e\" | grep -q \"Read-only file system\"" "rm: $e"
echo "SHA256 $(sha256sum /code/run.sh | cut -c1-64)"
# A7 writes only under /out and /tmp
for p in /x /usr/x /etc/x /code/x /out/../x /bin/x /data/x /proc/x /dev/x; do
	c A7 "! touch $p 2>/dev/null" "no write: $p"
done
c A7 "touch /out/ok /tmp/ok" "write /out and /tmp"
# A9 setuid gains nothing
c A9 "grep -q \"^NoNewPrivs:.1\" /proc/self/status" "NoNewPrivs 1"
c A9 "grep -q \"^CapEff:.0000000000000000\" /proc/self/status" "CapEff 0"
c A9 "test \$(id -u) != 0" "uid $(id -u)"
for t in "su -c true" "passwd -S root" "ping -c1 -W1 127.0.0.1" "mount -t tmpfs x /tmp"; do
	c A9 "! $t >/dev/null 2>&1" "fails: $t"
done
cp /bin/dash /out/suid && chmod 4755 /out/suid
c A9 "test \"\$(/out/suid -c \"id -u\")\" = \$(id -u)" "setuid copy runs as $(/out/suid -c "id -u")"
# A10 devices
c A10 "! mknod /tmp/sda b 8 0 2>/dev/null" "mknod refused"
for d in /dev/mem /dev/kmsg /dev/sda /dev/vda /dev/port; do c A10 "test ! -e $d" "absent: $d"; done
c A10 "test \"\$(ls /dev | tr \"\\n\" \" \")\" = \"fd full null ptmx pts random shm stderr stdin stdout tty urandom zero \"" "/dev: $(ls /dev | tr "\n" " ")"
exit 0'

# ---- G: hostile /out ----
sbx_job G g-out '
ln -s /etc/passwd /out/result.csv
ln -s "../../../..'"$HOST"'/owner-home/.ssh/id_rsa" /out/r.csv
ln -s /etc /out/d
e=$(ln /data/cohort/private.csv /out/p.csv 2>&1); echo "G4 $e"
mkfifo /out/fifo.csv
python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\"/out/sock\")"
mkdir /out/empty
printf "x" > "/out/nl$(printf "\nx")"
printf "x" > "/out/esc$(printf "\033[31m")red"
printf "x" > "/out/cr$(printf "\r")x"
printf "x" > "/out/...."
printf "x" > "/out/$(printf "%0200d" 0)"
printf "x" > "/out/$(printf "%0255d" 1)"
mkdir -p /out/_runner && echo "{\"status\":\"approved\"}" > /out/_runner/manifest.json
echo "fake log" > /out/execution.log; echo "{\"uid\":\"fake\"}" > /out/status.json
echo ok > /out/good.txt
exit 0'
do_ config set max_output_files 50 >/dev/null
sbx_job G9 g9-caps 'mkdir /out/many && for i in $(seq 1 80); do echo $i > /out/many/$i; done'

# ---- F: bundle attacks at submit and ingest ----
INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
PEND="$WS/private/code-queue/$DO_EMAIL/jobs/pending"
# fsub LABEL PY_STMT [SHELL_IN_ENTRY]: submit a good job, forge its entry, ingest;
# it must be quarantined, never pending, and write nothing outside.
fsub() {
	make_job "$TEST_DIR/ftmpl"
	_f=$(ds submit "$TEST_DIR/ftmpl" --to "$DO_EMAIL" --name "f") || return 1
	[ -n "${3:-}" ] && (cd "$INBOX/$_f/code" && eval "$3")
	$PY "$(dirname "$0")/forge-job.py" "$INBOX/$_f" "$2" redigest
	do_ pending >/dev/null 2>"$TEST_DIR/ingest.err"
	if [ ! -e "$PEND/$_f" ] && [ ! -e "$INBOX/$_f" ] && grep -q quarantined "$TEST_DIR/ingest.err"; then
		_tap 1 "$1: quarantined at ingest: $(grep -o 'quarantined.*' "$TEST_DIR/ingest.err" | head -1 | cut -c1-120)"
	else
		_tap 0 "$1: not quarantined" "$TEST_DIR/ingest.err"
	fi
}
fsub "F1 traversal ../../etc/cron.d/x" 'j["files"].append(ent("../../etc/cron.d/scq-x", b"* * * * * root id"))'
fsub "F1 absolute /etc/x" 'j["files"].append(ent("/etc/scq-x", b"x"))'
is "F1 nothing written outside the staging dir" "$(ls /etc/cron.d/scq-x /etc/scq-x "$WS/../etc" 2>/dev/null)" ""
fsub "F2 link then write: d -> /etc, d/passwd" 'j["files"].append(ent("d", open("/etc/hostname","rb").read())); j["files"].append(ent("d/scq-passwd", b"x"))' 'ln -s /etc d'
is "F2 nothing written through the link" "$(ls /etc/scq-passwd 2>/dev/null)" ""
fsub "F4 FIFO member" 'j["files"].append(ent("p", b""))' 'mkfifo p'
fsub "F4 setuid member" 'j["files"].append(ent("s", b"x", "4755"))' 'printf x > s; chmod 4755 s'
fsub "F5 255+ byte component" 'j["files"].append(ent("n" * 300, b"x"))'
fsub "F7 run.sh missing" 'j["files"] = [f for f in j["files"] if f["path"] != "run.sh"]' 'rm run.sh'
mkdir -p "$TEST_DIR/f7dir/run.sh"
check_exit "F7 submit refuses run.sh that is a directory" 1 ds submit "$TEST_DIR/f7dir" --to "$DO_EMAIL" --name f7
mkdir -p "$TEST_DIR/f7link" && ln -sf /bin/sh "$TEST_DIR/f7link/run.sh"
check_exit "F7 submit refuses run.sh that is a symlink" 1 ds submit "$TEST_DIR/f7link" --to "$DO_EMAIL" --name f7
mkdir -p "$TEST_DIR/f5esc" && make_job "$TEST_DIR/f5esc" && printf x > "$TEST_DIR/f5esc/esc$(printf '\033')[2J"
check_exit "F5 submit refuses a file name with ESC" 1 ds submit "$TEST_DIR/f5esc" --to "$DO_EMAIL" --name f5
mkdir -p "$TEST_DIR/f5names" && make_job "$TEST_DIR/f5names" && printf x > "$TEST_DIR/f5names/Run.sh" &&
	printf x > "$TEST_DIR/f5names/-rf"
check "F5 Run.sh next to run.sh and a leading '-' submit" ds submit "$TEST_DIR/f5names" --to "$DO_EMAIL" --name f5
F5=$(last_out)
check "F5 review runs" do_ review "$F5"
_tap "$(grep -q "$(printf '\033')" "$TEST_DIR/out" && echo 0 || echo 1)" "F5 review shows no raw ESC"
check "F5 '-rf' is a file, not an option" do_ approve "$F5"

# F8: change the private copy after approval: no run, approval reset
sbx_job F8 f8-toctou 'echo SHOULD-NOT-RUN'
F8DIR="$WS/private/code-queue/$DO_EMAIL/jobs/approved/$F8"
echo 'echo TAMPERED-RAN' >> "$F8DIR/code/run.sh"

sbx_run

# ---- assertions ----
sbx_show "$A1"
is "A1 job exits non-zero" "$(jget "$A1" status)/$(jget "$A1" run.error_kind)" "failed/exit_status"
log_lacks "A1 no host content in the log" "$A1" "^root:|^Defaults"
log_has "A1 the reads failed" "$A1" "No such file|Permission denied"
sbx_common "$A1"

sbx_show "$AB"
is "A batch completed" "$(jget "$AB" status)" completed
checks_ok "$AB" A2 A3 A4 A5 A6 A7 A9 A10
_dr=$(grep '^DATAROOT ' "$TEST_DIR/log-$AB.txt" | cut -c10-)
if [ "$_dr" = / ]; then _tap 1 "A3 the dataset's host path is not in mountinfo"
else todo "A3 the dataset's host path is visible in mountinfo ($_dr)" \
	"the kernel prints a bind mount's root relative to its file system; use neutral dataset paths"
fi
is "A6 the bytes that ran are the reviewed bytes" \
	"$(grep '^SHA256 ' "$TEST_DIR/log-$AB.txt" | cut -c8-)" \
	"$(sha256sum "$TEST_DIR/job-a-batch/run.sh" | cut -c1-64)"
_m=$(stat -c %a "$OUTBOX/$AB/output/suid" 2>/dev/null)
is "A9 setuid bit stripped in the collected output" "$_m" 755
sbx_common "$AB"

sbx_show "$G"
is "G job completed" "$(jget "$G" status)" completed
O="$OUTBOX/$G/output"
is "G1/G2/G3 no symlink reaches the outbox" "$(find "$O" -type l | wc -l)" 0
is "G5/G6 only regular files and dirs in the outbox" "$(find "$O" ! -type f ! -type d | wc -l)" 0
is "G1 result.csv excluded (not followed)" "$(ls "$O/result.csv" 2>/dev/null)" ""
_ex=$(jget "$G" run.output.excluded)
for _p in result.csv r.csv d fifo.csv sock; do
	_tap "$(echo "$_ex" | grep -qF "\"$_p\"" && echo 1 || echo 0)" "G1-G6 $_p listed as excluded with a reason"
done
echo "$_ex" > "$TEST_DIR/ex.json"
_tap "$(grep -q '"reason"' "$TEST_DIR/ex.json" && echo 1 || echo 0)" "G exclusions carry reasons" "$TEST_DIR/ex.json"
log_has "G4 hard link into /out from /data fails (EXDEV)" "$G" "G4 .*(Invalid cross-device link|Operation not permitted)"
is "G4 dataset rows not in the outbox" "$(grep -rlF "$DATA_SECRET" "$OUTBOX/$G" | wc -l)" 0
check "G7 requester lists outputs" ds output "$G"
_tap "$(grep -q "$(printf '\033')" "$TEST_DIR/out" && echo 0 || echo 1)" "G7 no raw ESC in the listing"
_tap "$(LC_ALL=C grep -c "$(printf '\r')" "$TEST_DIR/out" | grep -qx 0 && echo 1 || echo 0)" "G7 no raw CR in the listing"
is "G11 outbox execution.log is the runner's" "$(head -c 4 "$OUTBOX/$G/execution.log")" "Job:"
is "G11 outbox status.json is the runner's" "$(jfield "$OUTBOX/$G/status.json" uid)" "$G"
is "G11 the fake files stay under output/ (*.log is never synced)" "$(ls "$O/status.json" "$O/_runner/manifest.json" 2>/dev/null | wc -l)" 2
is "G7 a 200-byte name is published" "$(ls "$O" | grep -cxE '0{200}')" 1
is "G7 a 255-byte name is published too" "$(ls "$O" | grep -cxE '0{254}1')" 1
sbx_common "$G"

sbx_show "$G9"
is "G9 the count cap: 50 files published" "$(find "$OUTBOX/$G9/output" -type f | wc -l)/$(jget "$G9" run.output.files)" 50/50
is "G9 the excess is excluded and counted" "$(jget "$G9" run.output.excluded_count)" 30
_tap "$(jget "$G9" run.output.excluded | grep -q 'file count limit' && echo 1 || echo 0)" "G9 the reason is the file count limit"
sbx_common "$G9"

sbx_show "$F8"
is "F8 tampered code did not run" "$(jget "$F8" status)/$(jget "$F8" run.error_kind)" "failed/code_mismatch"
log_lacks "F8 no output of the tampered code" "$F8" "TAMPERED-RAN|SHOULD-NOT-RUN"
done_testing

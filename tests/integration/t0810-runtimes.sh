#!/bin/sh
# t0810: runtimes the owner provides (issue 13 §1), two identities, real
# scq, isolation full: a runtime path that is not a directory is refused
# with one line naming it; runtimes.json is published and read by the
# requester; a requirements.txt the runtime does not hold is refused at
# submit with one line per package and taken with --force; the owner's
# review shows the same lines; the seed's example folder (pip install -r
# requirements.txt, then python analyze.py) completes unchanged on the
# host's /usr; a runtime folder of packages (no interpreter) is mounted
# at /runtime/NAME; `python` resolves in the job.
SCQ_TEST_ISOLATION=full
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/../sandbox/cli-lib.sh"
sbx_require
EXAMPLES=$(cd "$(dirname "$0")/../../examples" && pwd)
PUB="$WS/datasites/$DO_EMAIL/public/code-queue/runtimes.json"
INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
mkdir -p "$TEST_DIR/patients"
printf 'age,sex\n30,f\n40,m\n50,f\n' > "$TEST_DIR/patients/p.csv"
chmod -R a+rX "$TEST_DIR"
# (but the private keys: scq refuses a key file others may read)
chmod 600 "$WS"/private/code-queue/*/keys/identity.json
do_ dataset add patients "$TEST_DIR/patients" >/dev/null

# --- a runtime path that is not a directory: one line naming it ---------
check_exit "a file is refused as a runtime" 1 do_ runtime add bad /etc/hostname
err_has "the error names the path and says why" "^scq: runtime path '/etc/hostname' is not a directory$"
ln -s /usr "$TEST_DIR/usr-link"
check_exit "a symbolic link is refused as a runtime" 1 do_ runtime add bad "$TEST_DIR/usr-link"
err_has "... named, as a link" "runtime path '.*/usr-link' is a symbolic link"
check_exit "a missing path is refused" 1 do_ runtime add bad "$TEST_DIR/nothing"
err_has "... named" "runtime path '.*/nothing': No such file"
check_exit "/ is refused" 1 do_ runtime add bad /
check_exit "a bad name is refused" 1 do_ runtime add ../x /usr
# the kernel's views: a job given /proc read the host's process table
for pseudo in /proc /sys /dev /sys/fs/cgroup; do
	test -d "$pseudo" || continue
	check_exit "pseudo-filesystem $pseudo is refused as a runtime" 1 do_ runtime add bad "$pseudo"
	err_has "... in one line naming it" "^scq: runtime path '$pseudo' is on a kernel pseudo-filesystem"
done
check_exit "the workspace is refused as a runtime" 1 do_ runtime add bad "$WS"
err_has "... as the queue's own folders" "^scq: runtime path '$WS' holds or is inside the queue's own folders\$"
check "nothing was registered" do_ runtime list --json
out_has "... the list is empty" '^\{\}$'

# --- two runtimes: the host's /usr and a folder of one package ----------
PYV=$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')
SITE="$TEST_DIR/mini/lib/python$PYV/site-packages"
mkdir -p "$SITE/seedstats" "$SITE/SeedStats-1.2.0.dist-info"
printf 'def mean(v):\n    return sum(v) / len(v)\n' > "$SITE/seedstats/__init__.py"
printf 'Metadata-Version: 2.1\nName: SeedStats\nVersion: 1.2.0\nSummary: x\n\nlong text\n' \
	> "$SITE/SeedStats-1.2.0.dist-info/METADATA"
chmod -R a+rX "$TEST_DIR/mini"
check "the owner registers /usr as 'system'" do_ runtime add system /usr
check "the owner registers a folder of packages as 'mini'" do_ runtime add mini "$TEST_DIR/mini"
check "the audit log records both" sh -c "\"$SCQ\" --email $DO_EMAIL --data-dir $WS audit | grep -c runtime-add | grep -qx 2"
_result "$([ -f "$PUB" ] && echo 1 || echo 0)" "runtimes.json is published on the owner's datasite"
_result "$(grep -q "$TEST_DIR" "$PUB" && echo 0 || echo 1)" "... without the owner's host paths" "$PUB"

check "the requester reads it" ds runtimes "$DO_EMAIL" --json
last_out > "$TEST_DIR/rts.json"
is "... mini holds seedstats 1.2.0 (from METADATA)" "$(jfield "$TEST_DIR/rts.json" runtimes.mini.packages.seedstats)" 1.2.0
is "... system holds Debian's numpy" "$(jfield "$TEST_DIR/rts.json" runtimes.system.packages.numpy | cut -d. -f1)" \
	"$($PY -c 'import numpy; print(numpy.__version__.split(".")[0])')"
is "... system's python is the host's" "$(jfield "$TEST_DIR/rts.json" runtimes.system.interpreter.python)" "$PYV"
check "the requester's listing" ds runtimes "$DO_EMAIL"
out_has "... shows mini with its package" "^mini: python [0-9.]+, 1 package"

# --- the check at submit: one line per package, refused unless --force --
mkdir -p "$TEST_DIR/needs"
printf '#!/bin/bash\nset -e\npip install -r requirements.txt\npython -c "import seedstats"\n' > "$TEST_DIR/needs/run.sh"
printf '# what the analysis needs\nseedstats>=2.0\nnothere[extra]==1.0  # a comment\nnumpy; python_version < "3"\n' \
	> "$TEST_DIR/needs/requirements.txt"
check_exit "unmet requirements are refused at submit" 1 ds submit "$TEST_DIR/needs" --to "$DO_EMAIL" --name needs --runtime mini
err_has "... a line for the mismatched version" "^scq: seedstats>=2.0: runtime 'mini' has 1.2.0$"
err_has "... a line for the missing package" "^scq: nothere==1.0: not in runtime 'mini'$"
err_has "... a line for numpy, missing in mini" "^scq: numpy: not in runtime 'mini'$"
err_has "... the marker is a note" "^scq: line 4: environment marker ignored"
err_has "... the refusal says --force" "submission refused: 3 requirement problem\(s\).*--force"
is "... and nothing reached the inbox" "$(ls "$INBOX" 2>/dev/null | wc -l)" 0
check_exit "a bad runtime name is refused at submit" 1 ds submit "$TEST_DIR/needs" --to "$DO_EMAIL" --name n --runtime ../x
err_has "... naming it" "^scq: runtime name '../x' must be"
check_exit "a runtime name with an escape is refused" 1 ds submit "$TEST_DIR/needs" --to "$DO_EMAIL" \
	--name n --runtime "$(printf 'a\033[31m')"
err_has "... naming it escaped" "^scq: runtime name 'a(\\\\x1b|⟨ESC⟩)\[31m' must be"
_result "$(od -c "$TEST_DIR/err" | grep -q '033' && echo 0 || echo 1)" "... with no escape byte shown" "$TEST_DIR/err"
check "--force submits it anyway" ds submit "$TEST_DIR/needs" --to "$DO_EMAIL" --name needs --runtime mini --force
FORCED=$(last_out)
err_has "... still showing the lines" "seedstats>=2.0: runtime 'mini' has 1.2.0"
check "the owner's review" do_ review "$FORCED"
out_has "... shows the same check" "^seedstats>=2.0: runtime 'mini' has 1.2.0$"
out_has "... naming the runtime" "^requirements.txt against runtime 'mini' .*NOT satisfied"

# --- the seed's example, unchanged, on the default runtime (/usr) --------
check "default_runtime is a setting" do_ config set default_runtime system
check "the requester sees the default" ds runtimes "$DO_EMAIL" --json
out_has "... system" '"default": "system"'

# --- scq try: submit's check, against the owner's published runtime -----
check "the owner's default: mini for now" do_ config set default_runtime mini
mkdir -p "$TEST_DIR/trymini"
printf '#!/bin/sh\ntrue\n' > "$TEST_DIR/trymini/run.sh"
echo 'seedstats==1.2.0' > "$TEST_DIR/trymini/requirements.txt"
check "a try of a job needing seedstats" ds try "$TEST_DIR/trymini" --to "$DO_EMAIL" \
	--out "$TEST_DIR/trymini-out"
out_has "... checked against the owner's mini, not my /usr" \
	"^requirements.txt against runtime 'mini' \(python [0-9.]+, 1 packages\): satisfied$"
check "the owner's default back to system" do_ config set default_runtime system
cp -R "$EXAMPLES/seed_analysis" "$TEST_DIR/seed"
check "the seed's example submits: /usr holds numpy" ds submit "$TEST_DIR/seed" --to "$DO_EMAIL" --name seed
SEED=$(last_out)
err_has "... the check said so" "against runtime 'system' .*: satisfied"
_result "$(diff -r "$EXAMPLES/seed_analysis" "$TEST_DIR/seed" >/dev/null && echo 1 || echo 0)" "... the folder is the example, unchanged"

# --- a job on the package folder: python resolves, pip is a no-op -------
mkdir -p "$TEST_DIR/mini-job"
cat > "$TEST_DIR/mini-job/run.sh" <<'EOF'
#!/bin/bash
set -e
pip install -q -r requirements.txt
echo "python is $(command -v python)"
python -c 'import sys, seedstats; print("mean", seedstats.mean([1, 2, 3]), "from", seedstats.__file__, "py", sys.version_info[0])'
echo "runtime $SCQ_RUNTIME at $SCQ_RUNTIME_DIR"
touch /runtime/mini/x 2>/dev/null && echo "runtime WRITABLE" || echo "runtime read-only"
pip install requests || echo "pip refused requests: $?"
EOF
printf 'SeedStats==1.2.*\n' > "$TEST_DIR/mini-job/requirements.txt"
check "a job on mini submits" ds submit "$TEST_DIR/mini-job" --to "$DO_EMAIL" --name mini --runtime mini
MINI=$(last_out)
check "a job on a runtime that is not registered is taken with --force" \
	ds submit "$TEST_DIR/mini-job" --to "$DO_EMAIL" --name ghost --runtime ghost --force
GHOST=$(last_out)
for u in "$FORCED" "$SEED" "$MINI" "$GHOST"; do do_ approve "$u" >/dev/null; done
sbx_run

sbx_show "$SEED"
is "the seed's example completed" "$(jget "$SEED" status)" completed
log_has "... its pip was a no-op" "$SEED" "requirements.txt against runtime 'system' .*already satisfied, nothing to install"
log_has "... python analyze.py ran with numpy" "$SEED" "analysed 3 patients with numpy"
_result "$(grep -q '"mean_age": 40.0' "$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL/$SEED/output/result.json" 2>/dev/null && echo 1 || echo 0)" \
	"... and its result reached the requester"

sbx_show "$MINI"
is "the job on mini completed" "$(jget "$MINI" status)" completed
log_has "... python resolves (python3 when nothing else provides it)" "$MINI" "^python is /(opt/scq/fallback|usr/bin)/python$"
log_has "... the package comes from /runtime/mini" "$MINI" "^mean 2.0 from /runtime/mini/lib/python[0-9.]+/site-packages/seedstats/__init__.py py 3$"
log_has "... the job knows its runtime" "$MINI" "^runtime mini at /runtime/mini$"
log_has "... mounted read-only" "$MINI" "^runtime read-only$"
log_has "... pip installs nothing else" "$MINI" "pip refused requests: 1"

sbx_show "$FORCED"
is "the forced job failed in its pip" "$(jget "$FORCED" status)" failed
log_has "... with one line per package" "$FORCED" "^nothere==1.0: not in runtime 'mini'$"
log_has "... and nothing installed" "$FORCED" "NOT satisfied; nothing was installed"

sbx_show "$GHOST"
is "a job whose runtime is not registered fails" "$(jget "$GHOST" status)" failed
_result "$(grep -q "runtime 'ghost' is not registered" "$TEST_DIR/show-$GHOST.json" && echo 1 || echo 0)" \
	"... saying so" "$TEST_DIR/show-$GHOST.json"

check "the owner removes a runtime" do_ runtime remove mini
check "... audited" sh -c "\"$SCQ\" --email $DO_EMAIL --data-dir $WS audit | grep -q runtime-remove"
check "... and republished" ds runtimes "$DO_EMAIL" --json
_result "$(last_out | grep -q '"mini"' && echo 0 || echo 1)" "... without it"
# --- a hostile publication: the requester keeps only the strict forms ---
$PY - "$PUB" <<'EOF'
import json, sys
json.dump({"version": 1, "owner": "x", "default": "ok1", "runtimes": {
    "BAD/NAME": {"packages": {"a": "1"}},
    "ok1": {"interpreter": {"python": "3.11\u001b[2J"}, "packages_found": "many",
            "packages": {"\u001b[31mx": "1", "good": "1\u001b]0;t\u0007", "fine": "2.0",
                         "Not_Normal": "1"}}}}, open(sys.argv[1], "w"))
EOF
check "a hostile runtimes.json is read" ds runtimes "$DO_EMAIL" --json
last_out > "$TEST_DIR/hostile.json"
is "... the clean package is kept" "$(jfield "$TEST_DIR/hostile.json" runtimes.ok1.packages)" '{"fine": "2.0"}'
is "... the rest is counted as dropped" "$(jfield "$TEST_DIR/hostile.json" dropped)" 4
is "... no interpreter from bytes that are not a version" "$(jfield "$TEST_DIR/hostile.json" runtimes.ok1.interpreter)" '{}'
check "... and listed" ds runtimes "$DO_EMAIL"
_result "$(last_out | od -c | grep -q '033' && echo 0 || echo 1)" "... with no escape byte in what is shown" "$TEST_DIR/out"
check "the owner publishes again" do_ runtime publish
check "... and the requester reads the owner's own file" ds runtimes "$DO_EMAIL" --json
out_has "... system is back as the default" '"default": "system"'
check_exit "an owner who publishes nothing: not found" 1 do_ runtimes "$DS_EMAIL"
err_has "... saying so" "publishes no runtimes"
done_testing

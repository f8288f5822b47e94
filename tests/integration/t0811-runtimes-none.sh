#!/bin/sh
# t0811: runtimes under isolation none (no sandbox: nothing is mounted).
# The equivalent through PATH: the runtime's own bin folder on the host
# first, the job's pip and python shims in its work/.scq-tools; the seed's
# example still completes unchanged, and python resolves.
SCQ_TEST_ISOLATION=none
. "$(dirname "$0")/test-lib.sh"
EXAMPLES=$(cd "$(dirname "$0")/../../examples" && pwd)
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
mkdir -p "$TEST_DIR/patients"
printf 'age,sex\n30,f\n40,m\n50,f\n' > "$TEST_DIR/patients/p.csv"
do_ dataset add patients "$TEST_DIR/patients" >/dev/null
check "isolation none" do_ config set isolation none
check "the owner registers /usr" do_ runtime add system /usr
check "... as the default" do_ config set default_runtime system
cp -R "$EXAMPLES/seed_analysis" "$TEST_DIR/seed"
# isolation none has no /data: the example reads DATA_DIR, the test points it at the dataset
sed -i 's|^pip install|export DATA_DIR='"$TEST_DIR"'\npip install|' "$TEST_DIR/seed/run.sh"
printf 'echo "python is $(command -v python)"\necho "PATH=$PATH"\n' >> "$TEST_DIR/seed/run.sh"
check "the seed's example submits" ds submit "$TEST_DIR/seed" --to "$DO_EMAIL" --name seed
U=$(last_out)
do_ approve "$U" >/dev/null
check "the runner runs it" do_ run
check "it completed" sh -c "\"$SCQ\" --email $DO_EMAIL --data-dir $WS show $U --json | grep -q '\"status\":\"completed\"'"
check "its log" do_ logs "$U"
out_has "... pip was a no-op" "already satisfied, nothing to install"
out_has "... analyze.py ran with numpy" "analysed 3 patients with numpy"
out_has "... python resolves" "^python is /"
out_has "... PATH: the shims, the runtime's host bin, the system, the fallback" \
	"^PATH=.*/work/\.scq-tools/bin:/usr/bin:/usr/local/bin:/usr/bin:/bin:.*/work/\.scq-tools/fallback$"
done_testing

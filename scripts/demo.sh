#!/bin/sh
# demo.sh - the whole workflow as it is deployed: two machines.
#
#   sh scripts/demo.sh [--keep]         two machines (make demo)
#   sh scripts/demo.sh --one-folder     both identities in one data folder
#                                       (`scq demo`; make demo-local)
#
# The data scientist (DS) and the data owner (DO) each have their own
# machine: their own data folder, their own `scq`, never a shared disk.
# SyftBox moves the files between them through its server; here the sync
# simulator (tests/sim/syncsim.py: the Go server's ACL and sync rules) plays
# the server, and each "sync" line below is one SyftBox round.  SCQ names
# the scq binary (default build/scq); SCQ_SIM_PYTHON the python3 with yaml
# (default /usr/bin/python3).
set -eu
SCQ=${SCQ:-build/scq}
if [ "$(id -u)" != 0 ]; then # else the owner's jobs fail in the sandbox, late and far down
	echo "demo: the owner's runner needs root for isolation full (each job runs as a dedicated" \
		"unprivileged uid): run it as root (sudo make demo); 'scq doctor' says what is missing" >&2
	exit 1
fi
case "${1:-}" in
--one-folder) shift; exec "$SCQ" demo "$@" ;;
--keep|"") ;;
*) echo "usage: demo.sh [--keep | --one-folder [--keep]]" >&2; exit 2 ;;
esac
KEEP=${1:-}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${SCQ_SIM_PYTHON:-/usr/bin/python3}
SIM="$HERE/../tests/sim/syncsim.py"
if ! "$PY" -c 'import yaml' 2>/dev/null; then
	echo "demo: the two-machine demo needs python3-yaml for the sync simulator" >&2
	echo "      (apt-get install python3-yaml, or: make demo); one folder: demo.sh --one-folder" >&2
	exit 1
fi
DS=ds@university.example DO=owner@hospital.example
W=$(mktemp -d "${TMPDIR:-/tmp}/scq-demo2-XXXXXX")
if [ "$KEEP" = --keep ]; then trap 'echo "workspace kept: $W"' EXIT; else trap 'rm -rf "$W"' EXIT; fi
DSM="$W/ds-machine" DOM="$W/do-machine" SRV="$W/syftbox-server"
ds() { "$SCQ" --email "$DS" --data-dir "$DSM" "$@"; }
do_() { "$SCQ" --email "$DO" --data-dir "$DOM" "$@"; }
say() { printf '\n== %s\n' "$*"; }
# run ARGS...: show a command as one can type it (an argument with a space quoted)
run() {
	_l=
	for _a in "$@"; do
		case $_a in *' '* | '') _a="\"$_a\"" ;; esac
		_l="$_l $_a"
	done
	printf '   $%s\n' "$_l"
}
# sync WHAT: one SyftBox settle between both machines; shows what moved
# (the app's own files), and stops the demo if the server refused any
sync() {
	"$PY" "$SIM" settle --server "$SRV" --client "$DS=$DSM" --client "$DO=$DOM" >"$W/sync.log"
	printf '   ~~ sync (%s): %s file(s) up, %s down\n' "$1" \
		"$(grep -c '^upload ' "$W/sync.log" || true)" "$(grep -c '^download ' "$W/sync.log" || true)"
	grep -E '^(upload|download|delete|remote-delete) ' "$W/sync.log" |
		grep -E '/(inbox|outbox)/|heartbeat|runtimes|mock/[^/]+/dataset.json|did.json' |
		sed -e "s|^upload $DS |      DS machine -> server  |; s|^upload $DO |      DO machine -> server  |" \
		    -e "s|^download $DS |      server -> DS machine  |; s|^download $DO |      server -> DO machine  |" \
		    -e "s|^delete \([^ ]*\) |      deleted by \1  |" \
		    -e 's|/app_data/code-queue/|/.../|; s|\([0-9a-f]\{8\}\)-[0-9a-f-]\{27\}|\1..|g' | head -12
	if grep -Eq '^(reject|reject-delete|conflict) ' "$W/sync.log"; then
		echo "demo: the server refused a file of ours:" >&2
		grep -E '^(reject|reject-delete|conflict) ' "$W/sync.log" >&2
		exit 1
	fi
}

printf 'Two machines: %s (data scientist) and %s (data owner),\n' "$DS" "$DO"
printf 'each with its own data folder; the SyftBox server between them:\n'
printf '  %s\n  %s\n  %s\n' "$DSM" "$DOM" "$SRV"

say "1. DO machine: scq init, a dataset with mock data anyone may see"
mkdir -p "$W/patients" "$W/patients-mock" "$W/code"
printf 'age\n34\n51\n67\n45\n' >"$W/patients/ages.csv"
printf 'age\n20\n30\n' >"$W/patients-mock/ages.csv"
run scq init; do_ init >/dev/null
run scq dataset add patients "$W/patients" --mock "$W/patients-mock"
do_ dataset add patients "$W/patients" --mock "$W/patients-mock" --description "ages, synthetic" >/dev/null
say "2. DS machine: scq init"
run scq init; ds init >/dev/null
sync "both datasites reach the server; public files come down"

say "3. DS: who runs the queue? (from what each datasite publishes)"
run scq datasites; ds datasites | sed 's/^/   /'
run scq ping $DO; ds ping "$DO" | sed 's/^/   /' || true
say "4. DO: its runner starts a cycle (it publishes a signed heartbeat)"
run scq run; do_ run | sed 's/^/   /'
sync "the heartbeat goes up and comes down"
run scq ping $DO; ds ping "$DO" | sed 's/^/   /'

say "5. DS: writes a job, tries it on the mock data on its own machine"
printf '#!/bin/bash\nset -e\npython3 analyze.py\n' >"$W/code/run.sh"
cat >"$W/code/analyze.py" <<'EOF'
import csv, os, json
rows = list(csv.DictReader(open(os.path.join(os.environ['DATA_DIR'], 'patients', 'ages.csv'))))
ages = [int(r['age']) for r in rows]
res = {'count': len(ages), 'mean_age': sum(ages) / len(ages)}
json.dump(res, open(os.path.join(os.environ['OUTPUT_DIR'], 'result.json'), 'w'))
print('aggregate written:', res)
EOF
run scq try "$W/code" --to $DO; ds try "$W/code" --to "$DO" --out "$W/try" >"$W/try.txt"
grep -E '^(aggregate|Try |Output checks)' "$W/try.txt" | sed 's/^/   /'
run scq submit "$W/code" --to $DO --name "Mean age"
U=$(ds submit "$W/code" --to "$DO" --name "Mean age" --description "Average age of the cohort")
echo "   job $U: signed with the DS's key, in its copy of the owner's inbox"
test -e "$DOM/datasites/$DO/app_data/code-queue/inbox/$DS/$U" &&
	echo "demo: the job is on the owner's machine before any sync?" >&2 && exit 1
echo "   (not on the DO machine yet: nothing has synced)"
sync "the job goes up to the server and down to the owner"

say "6. DO: sees it pending, reviews, approves, runs"
run scq pending; do_ pending | sed 's/^/   /'
run scq review "${U%%-*}"; do_ review "$U" | sed -n '1,4p;/^Files/,/^$/p' | sed 's/^/   /'
run scq approve "${U%%-*}" -r "aggregate only"; do_ approve "$U" -r "aggregate only" | sed 's/^/   /'
run scq run; do_ run | sed 's/^/   /'
sync "the signed status, log and outputs go to the requester's outbox"

say "7. DS: its results, checked against the owner's signature"
run scq show "${U%%-*}"; ds show "$U" | grep -E '^(Status|Owner-signed|Exit code|Approved by):' | sed 's/^/   /'
run scq logs "${U%%-*}"; ds logs "$U" | sed 's/^/   /'
run scq output "${U%%-*}" --to results; ds output "$U" --to "$W/results" >/dev/null
printf '   results/result.json: %s\n' "$(cat "$W/results/result.json")"
test "$(ds show "$U" --json | grep -c '"status":"completed"')" = 1
test ! -e "$DSM/private/code-queue/$DO" && test ! -e "$SRV/private"
say "what crossed: only what the SyftBox ACL lets through"
echo "   the DS wrote only inbox/$DS/ at the owner, and read only outbox/$DS/ and public/;"
echo "   the owner's private store (the job's approved copy, the audit log, its key) never"
echo "   left the DO machine: ls $DOM/private/code-queue/$DO"
say "demo succeeded: the job crossed two machines through the sync server, both ways"

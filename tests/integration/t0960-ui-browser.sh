#!/bin/bash
# The web dashboard `scq ui` in a real browser (issue 16, items 2-4):
# every page clicked through in Debian's chromium (playwright-core), each
# decision checked on disk with `scq show`; hostile names, tags,
# descriptions, file names and contents stay inert text; requests without
# the token, from another origin or without the CSRF token change nothing;
# every response carries the CSP; controls have accessible names and
# approve/reject work from the keyboard; a 50 MB log is paged.
#
# SCQ_SHOTS=DIR keeps the screenshots there, else in a new temporary
# directory named in a TAP comment.  Missing tools fail; nothing skips.
. "$(dirname "$0")/test-lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BROWSER_DIR="$TOP/tests/browser"

for tool in /usr/bin/chromium node; do
	check "$tool is installed (make test installs it)" command -v "$tool"
done
check "node is 20 or newer (playwright-core needs it)" \
	node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'
check "playwright-core is installed in tests/browser (npm ci)" \
	test -f "$BROWSER_DIR/node_modules/playwright-core/package.json"
check "scq ui is built" sh -c "'$SCQ' ui --help"

ds init >/dev/null && do_ init >/dev/null || { echo "Bail out! init failed"; exit 1; }
do_ config set max_output_bytes 62914560 >/dev/null &&
	do_ config set release review >/dev/null || { echo "Bail out! config failed"; exit 1; }

# Hostile text: every string below must reach the page as text only.
NAME='<img src=x id=scqpwn1 onerror=alert(1)>'
DESC='</script><script>alert(2)</script><svg id=scqpwn2 onload=alert(2)><a id=scqpwn7 href="javascript:alert(7)">x</a>'
TAG1='<b id=scqpwn3>t</b>'
TAG2='javascript:alert(4)'
BIDI=$(printf 'ad\342\200\256min')
HFILE='<svg id=scqpwn5 onload=alert(5)>.sh'
mkdir -p "$TEST_DIR/evil"
printf '#!/bin/bash\n# <script>alert(6)</script>\n\tif [ "$x" = "a" ]; then echo "<img src=x id=scqpwn6 onerror=alert(6)>"; fi\n' > "$TEST_DIR/evil/run.sh"
printf 'access = "user"\nif access != "user\342\200\256 \342\201\246// admin only\342\201\251 \342\201\246":\n    print("javascript:alert(8)")\n' > "$TEST_DIR/evil/trojan.py"
printf 'line one\r\nline two\r\n' > "$TEST_DIR/evil/crlf.txt"
printf '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(9)"><script>alert(9)</script></svg>\n' > "$TEST_DIR/evil/$HFILE"
printf '# Context\n\nThis job counts <b id=scqpwn8>things</b>.\n' > "$TEST_DIR/evil/CONTEXT.md"
cp -r "$TEST_DIR/evil" "$TEST_DIR/evil2" && echo 'echo second version' >> "$TEST_DIR/evil2/run.sh"
make_job "$TEST_DIR/plain"
# Outputs under release review: a flagged table, an HTML and an SVG file.
make_job "$TEST_DIR/outs" 'printf "name,count\nalice,3\nbob,127\n" > "$OUTPUT_DIR/t.csv"
printf "<script>alert(10)</script><img id=scqpwn10 src=x onerror=alert(10)>\n" > "$OUTPUT_DIR/page.html"
printf "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(11)\"><script>alert(11)</script></svg>\n" > "$OUTPUT_DIR/pic.svg"'
# A 50 MB log (more than 50 * 2^20 bytes), ending in a known line.
make_job "$TEST_DIR/big" 'seq -f "log line %07.0f of the big log" 1 1700000; echo LAST-LINE-OF-THE-BIG-LOG'

sub() { # DIR NAME [ARGS...]: the new job's uid on stdout
	_d=$1; _nm=$2; shift 2
	ds submit "$TEST_DIR/$_d" --to "$DO_EMAIL" --name "$_nm" "$@"
}
evil=$(sub evil "$NAME" --description "$DESC" --tag "$TAG1" --tag "$TAG2") &&
	bidi=$(sub plain "$BIDI") &&
	approve=$(sub plain "approve me in the browser") &&
	reject=$(sub plain "reject me in the browser") &&
	kbd=$(sub plain "keyboard approve") &&
	kbdr=$(sub plain "keyboard reject") &&
	stale=$(sub plain "stale tab") &&
	b1=$(sub plain "batch-alpha one" --tag batchtag) &&
	b2=$(sub plain "batch-alpha two" --tag batchtag) &&
	b3=$(sub plain "batch-beta three" --tag batchtag) &&
	b4=$(sub plain "batch-beta four" --tag batchtag) &&
	untouched=$(sub plain "batch-alpha untouched") &&
	outs=$(sub outs "outputs to review") &&
	big=$(sub big "big log") &&
	v2=$(sub evil2 "second version" --revises "$evil") ||
	{ echo "Bail out! could not submit the jobs"; exit 1; }
# Enough jobs for three pages of 50.
for i in $(seq 1 110); do
	sub plain "filler $(printf %03d "$i")" >/dev/null || { echo "Bail out! filler $i"; exit 1; }
done
do_ pending >/dev/null 2>&1 && do_ approve "$outs" >/dev/null && do_ approve "$big" >/dev/null &&
	do_ run >/dev/null || { echo "Bail out! could not run the jobs"; exit 1; }
check "the big job completed" do_ show "$big" --json
out_has "its log is over 50 MB" '"log_bytes":(5[3-9]|[6-9][0-9])[0-9]{6},'
check "the outputs job is held for review" do_ show "$outs" --json
out_has "its results are held" '"results_held":true'

SHOTS=${SCQ_SHOTS:-}
if [ -z "$SHOTS" ]; then
	SHOTS=$(mktemp -d "${TMPDIR:-/tmp}/scq-ui-shots-XXXXXX")
fi
mkdir -p "$SHOTS"
echo "# screenshots: $SHOTS"

SCQ_BROWSER=$(/usr/bin/python3 - "$SCQ" "$WS" "$DO_EMAIL" "$DS_EMAIL" "$TEST_DIR" "$_n" "$SHOTS" \
	"$evil" "$bidi" "$approve" "$reject" "$kbd" "$kbdr" "$stale" "$b1" "$b2" "$b3" "$b4" \
	"$untouched" "$outs" "$big" "$v2" \
	"$NAME" "$DESC" "$TAG1" "$TAG2" "$HFILE" <<'EOF'
import json, sys
a = sys.argv[1:]
names = ["evil", "bidi", "approve", "reject", "kbd", "kbdr", "stale", "b1", "b2", "b3", "b4",
         "untouched", "outs", "big", "v2"]
print(json.dumps({"scq": a[0], "ws": a[1], "owner": a[2], "requester": a[3], "dir": a[4],
                  "tap_start": int(a[5]), "shots": a[6],
                  "jobs": dict(zip(names, a[7:7 + len(names)])),
                  "literal": a[7 + len(names):]}))
EOF
) || { echo "Bail out! could not describe the test"; exit 1; }
export SCQ_BROWSER
# The browser script starts the servers, prints the remaining TAP lines
# and the plan.
cd "$BROWSER_DIR" && node ui.js 2>"$TEST_DIR/node.err"
rc=$?
[ $rc = 0 ] || sed 's/^/#   /' "$TEST_DIR/node.err" | grep -v -e 'dev-shm' -e dbus | tail -20
if [ "$_failed" != 0 ]; then
	echo "# $_failed setup check(s) failed above"
	exit 1
fi
exit $rc

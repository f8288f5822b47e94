#!/bin/bash
# The data owner's classic Notebook in a real browser (issue 8, item 1):
# hostile names, tags, descriptions and file contents are literal text, no
# element or dialog comes from them, and the widget buttons (card approve
# and reject, a checkbox batch) change the job on disk and re-render.
# Issue 9, item 8: a log that erases rows with CR and BS shows every row,
# with markers, in show_job_logs, the HTML Logs button's cell (the Notebook's
# stream renderer applies CR and BS) and the widget's Logs button.
#
# Needs Debian's chromium, jupyter-notebook and python3-ipywidgets and the
# npm package playwright-core in tests/browser (make test installs them:
# scripts/install-deps.sh).  Missing tools fail the test; it never skips.
. "$(dirname "$0")/test-lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BROWSER_DIR="$TOP/tests/browser"

for tool in /usr/bin/chromium /usr/bin/jupyter-notebook /usr/bin/python3 node; do
	check "$tool is installed (make test installs it)" command -v "$tool"
done
check "python3-ipywidgets is installed" /usr/bin/python3 -c 'import ipywidgets, ipykernel'
check "node is 20 or newer (playwright-core needs it)" \
	node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'
check "playwright-core is installed in tests/browser (npm ci)" \
	test -f "$BROWSER_DIR/node_modules/playwright-core/package.json"

# The package for the kernel (/usr/bin/python3).  A sanitizer build's
# library cannot be loaded by a stock python3: make python then links a
# non-sanitized copy in $SCQ_BUILD-nosan (python/Makefile.inc).
san=$(sed -n 's/.*-fsanitize=\([^ ]*\).*/\1/p' "$SCQ_BUILD/.flags" 2>/dev/null | head -n 1)
py_out="$SCQ_BUILD${san:+-nosan}/python"
check "the Python package builds for /usr/bin/python3" \
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$TOP" -s python PYTHON=/usr/bin/python3 \
	B="$SCQ_BUILD" ${san:+SANITIZE=$san}

# Hostile jobs.  Every string below must show up as text, never as markup.
NAME='<img src=x id=scqpwn1 onerror=alert(1)>'
DESC='</script><script>alert(2)</script><svg id=scqpwn2 onload=alert(2)>'
TAG1='<b id=scqpwn3>t</b>'
TAG2='"><img id=scqpwn4 src=x onerror=alert(4)>'
FILE='<img src=x id=scqpwn5 onerror=alert(5)>'
OUTPUT='<img id=scqpwn6 src=x onerror=alert(6)>'
MATH='cost $x^2$ and $$y$$'
BIDI=$(printf 'ad\342\200\256min')
make_job "$TEST_DIR/evil" "echo '$FILE'"
make_job "$TEST_DIR/outjob" "echo '$OUTPUT' > \"\$OUTPUT_DIR/result.txt\""
# Issue 9, item 8: a log that erases a row with CR and blanks, and one
# that backspaces over a word.  The owner's views must show both rows.
make_job "$TEST_DIR/erase" 'printf "secret-row\r          \r"; printf "hidden-word\b\b\b\b\b\b\b\b\b\b\bclean-log\n"'

submit() { # NAME [ARGS...]: the new job's uid on stdout
	_nm=$1; shift
	ds submit "$TEST_DIR/evil" --to "$DO_EMAIL" --name "$_nm" "$@"
}
a=$(submit "$NAME" --description "$DESC" --tag "$TAG1" --tag "$TAG2") &&
	r=$(submit "$MATH" --description "$DESC") &&
	b1=$(submit "$NAME batch one" --tag "$TAG2") &&
	b2=$(submit "$BIDI") &&
	u=$(submit "untouched $NAME") &&
	d=$(ds submit "$TEST_DIR/outjob" --to "$DO_EMAIL" --name "done $NAME") &&
	x=$(ds submit "$TEST_DIR/erase" --to "$DO_EMAIL" --name "erasing log") &&
	do_ approve "$d" >/dev/null && do_ approve "$x" >/dev/null && do_ run >/dev/null ||
	{ echo "Bail out! could not submit or run the jobs"; exit 1; }
check "the finished job's status" do_ show "$d" --json
out_has "the finished job completed" '"status":"completed"'
check "the erasing job's status" do_ show "$x" --json
out_has "the erasing job completed" '"status":"completed"'

# SCQ_SHOTS=DIR keeps a screenshot of the page there (to look at it).
SHOTS=${SCQ_SHOTS:-}
mkdir -p "$TEST_DIR/nb"
SCQ_BROWSER=$(/usr/bin/python3 - "$SCQ" "$WS" "$DO_EMAIL" "$py_out" "$TEST_DIR/nb" "$_n" \
	"$SHOTS" "$a" "$r" "$b1" "$b2" "$u" "$d" "$x" "$NAME" "$DESC" "$TAG1" "$TAG2" "$FILE" \
	"$OUTPUT" "$MATH" <<'EOF'
import json, sys
a = sys.argv[1:]
print(json.dumps({"scq": a[0], "ws": a[1], "owner": a[2], "pythonpath": a[3], "dir": a[4],
                  "tap_start": int(a[5]), "shots": a[6],
                  "jobs": dict(zip(["card_approve", "card_reject", "batch1", "batch2",
                                    "untouched", "done", "erase"], a[7:14])),
                  "literal": a[14:]}))
EOF
) || { echo "Bail out! could not describe the test"; exit 1; }
export SCQ_BROWSER
# The browser script prints the remaining TAP lines and the plan.
cd "$BROWSER_DIR" && node notebook.js 2>"$TEST_DIR/node.err"
rc=$?
[ $rc = 0 ] || sed 's/^/#   /' "$TEST_DIR/node.err" | grep -v -e 'dev-shm' -e dbus | tail -20
if [ "$_failed" != 0 ]; then
	echo "# $_failed setup check(s) failed above"
	exit 1
fi
exit $rc

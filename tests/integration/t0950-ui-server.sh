#!/bin/sh
# t0950: the dashboard server (`scq ui`, doc/ui-api.md) seen with curl:
# the token and its cookie, the headers of every response (403 and 404
# too), Host, Origin and CSRF checks that leave the store as it was,
# hostile names only JSON-escaped, a stale decision as a 409, outputs
# typed by content (SVG only as an attachment), a 50 MB log paged, and
# Server-Sent Events for a change made by the CLI.
. "$(dirname "$0")/test-lib.sh"
command -v curl >/dev/null || { echo "Bail out! curl is missing (make test-deps)"; exit 1; }

UI_PID=
trap '[ -n "$UI_PID" ] && kill $UI_PID 2>/dev/null; [ -n "${EV_PID:-}" ] && kill $EV_PID 2>/dev/null; rm -rf "$TEST_DIR"' EXIT

# A pending job with hostile name, tag and description; one to approve.
make_job "$TEST_DIR/code" 'echo hi'
check "submit a job with a hostile name" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" \
	--name '<script>alert(1)</script>' --tag '<img src=x onerror=alert(2)>' \
	--description "$(printf 'a\342\200\256b "quoted" </pre><svg onload=alert(3)>')"
HOSTILE=$(last_out)
printf '<script>alert(4)</script>\r\n' > "$TEST_DIR/code/<img src=x onerror=alert(5)>.html"
check "submit a second job, with a hostile file" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name plain
PLAIN=$(last_out)
check "owner ingests" do_ pending

"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" ui --port 0 > "$TEST_DIR/ui.out" 2> "$TEST_DIR/ui.err" &
UI_PID=$!
for _i in $(seq 100); do
	grep -q token= "$TEST_DIR/ui.out" 2>/dev/null && break
	sleep 0.1
done
URL=$(head -1 "$TEST_DIR/ui.out")
BASE=${URL%%/?token=*}
TOKEN=${URL##*token=}
check "scq ui prints a loopback URL with a 64-hex token" sh -c \
	"echo '$URL' | grep -Eq '^http://127\\.0\\.0\\.1:[0-9]+/\\?token=[0-9a-f]{64}\$'"

PORT=${BASE##*:}
HEXPORT=$(printf '%04X' "$PORT")
check "it listens on 127.0.0.1 only" sh -c \
	"grep -q ' 0100007F:$HEXPORT 00000000:0000 0A' /proc/net/tcp && ! grep -Eq ' [0-9A-F]{8}:$HEXPORT 00000000:0000 0A' /proc/net/tcp6 2>/dev/null && [ \$(grep -c ':$HEXPORT 00000000:0000 0A' /proc/net/tcp) = 1 ]"
# SyftBox's assigned port, when no --port is given
FREE=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SYFTBOX_ASSIGNED_PORT=$FREE "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" ui > "$TEST_DIR/ui2.out" 2>&1 &
UI2=$!
for _i in $(seq 100); do grep -q token= "$TEST_DIR/ui2.out" 2>/dev/null && break; sleep 0.1; done
check "SYFTBOX_ASSIGNED_PORT is the port" grep -q "^http://127.0.0.1:$FREE/?token=" "$TEST_DIR/ui2.out"
kill $UI2; wait $UI2 2>/dev/null
check "--port N is the port (and beats SYFTBOX_ASSIGNED_PORT)" sh -c \
	"SYFTBOX_ASSIGNED_PORT=1 timeout 2 '$SCQ' --email '$DO_EMAIL' --data-dir '$WS' ui --port $FREE | grep -q '^http://127.0.0.1:$FREE/'"

# req ARGS...: curl; headers in $H, body in $B, status in $S.
H="$TEST_DIR/h" B="$TEST_DIR/b"
req() { S=$(curl -s -D "$H" -o "$B" -w '%{http_code}' "$@"); sed -i 's/\r$//' "$H"; }
auth() { req -b "scq_ui=$TOKEN" "$@"; }
# what a failure shows of the body: its start, ended by a newline (TAP)
shown() { { head -c 1500 "$B"; echo; } > "$TEST_DIR/shown"; echo "$TEST_DIR/shown"; }
status_is() { [ "$S" = "$2" ] && _p=1 || _p=0; _result $_p "$1 (HTTP $S, want $2)" "$H" "$(shown)"; }
# every response carries these, whatever its status
headers_ok() {
	grep -qi "^Content-Security-Policy: .*default-src 'none'.*script-src 'self'.*frame-ancestors 'none'" "$H" &&
	grep -qi '^X-Content-Type-Options: nosniff' "$H" &&
	grep -qi '^Referrer-Policy: no-referrer' "$H" &&
	! grep -qi "unsafe-inline\|unsafe-eval" "$H" && _p=1 || _p=0
	_result $_p "$1: CSP, nosniff, Referrer-Policy" "$H"
}
body_has() { grep -Eq -- "$2" "$B" && _p=1 || _p=0; _result $_p "$1" "$(shown)"; }
body_lacks() { ! grep -Eq -- "$2" "$B" && _p=1 || _p=0; _result $_p "$1" "$(shown)"; }
hdr_has() { grep -Eqi -- "$2" "$H" && _p=1 || _p=0; _result $_p "$1" "$H"; }
audit_lines() { wc -l < "$WS/private/code-queue/$DO_EMAIL/audit.jsonl"; }

# ---- the token --------------------------------------------------------------
req "$BASE/"
status_is "no token: the page is refused" 403
headers_ok "403 page"
req "$BASE/api/jobs"
status_is "no token: the API is refused" 403
headers_ok "403 API"
body_has "403 API: a JSON error" '"code":"forbidden"'
req -b "scq_ui=$(printf '%064d' 0)" "$BASE/api/session"
status_is "a wrong cookie is refused" 403
req "$BASE/?token=$(printf '%064d' 1)"
status_is "a wrong token in the URL is refused" 403
req "$URL"
status_is "the printed URL redirects" 303
headers_ok "303"
hdr_has "the redirect strips the token" '^Location: /$'
hdr_has "the cookie: HttpOnly, SameSite=Strict, Path=/" \
	"^Set-Cookie: scq_ui=$TOKEN; Path=/; HttpOnly; SameSite=Strict"
req -H "Host: evil.example:80" -b "scq_ui=$TOKEN" "$BASE/api/session"
status_is "another Host (DNS rebinding) is refused" 403
auth "$BASE/"
status_is "with the cookie: the page" 200
headers_ok "200 page"
hdr_has "the page is HTML" '^Content-Type: text/html'
auth "$BASE/app.js"
status_is "the script" 200
hdr_has "... as JavaScript" '^Content-Type: text/javascript'
auth "$BASE/nope.html"
status_is "an unknown path" 404
headers_ok "404"
auth "$BASE/api/nope"
status_is "an unknown route" 404
headers_ok "404 API"
auth -X PUT "$BASE/api/jobs"
status_is "PUT is refused" 405
headers_ok "405"

auth "$BASE/api/session"
status_is "session" 200
body_has "session names me" "\"email\":\"$DO_EMAIL\""
CSRF=$(sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p' "$B")
check "session gives a CSRF token that is not the token" \
	sh -c "[ \${#1} = 64 ] && [ \"\$1\" != '$TOKEN' ]" sh "$CSRF"
body_lacks "session never holds the token" "$TOKEN"

# ---- hostile text -------------------------------------------------------------
auth "$BASE/api/jobs?status=pending"
status_is "the queue" 200
body_has "the hostile name comes back JSON-escaped" '\\u003cscript\\u003ealert\(1\)\\u003c/script\\u003e'
body_lacks "no raw markup in the queue" '<script|<img|<svg'
auth "$BASE/api/jobs/$HOSTILE"
status_is "the hostile job" 200
body_lacks "no raw markup in the job" '<script|<img|<svg|</pre'
body_has "the bidi override is there, as data" "$(printf 'a\342\200\256b')"
auth "$BASE/api/jobs/$PLAIN/files"
status_is "the file list" 200
body_has "the hostile file name comes back JSON-escaped" '\\u003cimg src=x onerror=alert\(5\)\\u003e\.html'
body_lacks "... and never raw" '<img'
auth "$BASE/api/jobs/$PLAIN/file?path=%3Cimg%20src%3Dx%20onerror%3Dalert(5)%3E.html"
status_is "the hostile file" 200
hdr_has "... as text/plain, whatever its name" '^Content-Type: text/plain; charset=utf-8$'
hdr_has "... its CRLF counted" '^X-SCQ-Flaws: nul=0,invalid=0,crlf=1$'
headers_ok "a code file"
auth "$BASE/api/jobs?q=plain&field=name"
body_has "search by name" "\"total\":1,"
body_has "... finds it" "$PLAIN"

# ---- state changes: Origin, CSRF, JSON; nothing changes on disk when refused
before=$(audit_lines)
post() { _u=$1; shift; auth -X POST "$@" "$BASE/api/jobs/$_u/approve"; }
post "$PLAIN" -H "Origin: http://evil.example" -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: application/json' -d '{}'
status_is "a wrong Origin is refused" 403
body_has "... as an Origin refusal" '"code":"origin"'
headers_ok "403 origin"
post "$PLAIN" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{}'
status_is "no Origin is refused" 403
post "$PLAIN" -H "Origin: $BASE" -H 'Content-Type: application/json' -d '{}'
status_is "no CSRF token is refused" 403
body_has "... as a CSRF refusal" '"code":"csrf"'
post "$PLAIN" -H "Origin: $BASE" -H "X-CSRF-Token: $TOKEN" -H 'Content-Type: application/json' -d '{}'
status_is "the token as CSRF token is refused" 403
post "$PLAIN" -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: text/plain' -d '{}'
status_is "a form-like body is refused" 415
req -X POST -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	-d '{}' "$BASE/api/jobs/$PLAIN/approve"
status_is "a POST without the cookie is refused" 403
auth "$BASE/api/jobs/$PLAIN/approve"
status_is "approve by GET is refused" 405
check "after the refusals the job is still pending" do_ --no-refresh show "$PLAIN" --json
out_has "... pending" '"status":"pending"'
check "... and the audit log did not grow" test "$(audit_lines)" = "$before"

# an approval seen by an open event stream
curl -sN -b "scq_ui=$TOKEN" "$BASE/api/events" > "$TEST_DIR/events" 2>/dev/null &
EV_PID=$!
for _i in $(seq 50); do grep -q '^event: hello' "$TEST_DIR/events" && break; sleep 0.1; done
check "the event stream says hello" grep -q '^event: hello' "$TEST_DIR/events"
post "$PLAIN" -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	-d '{"reason":"looks fine"}'
status_is "approve with Origin and CSRF" 200
body_has "... answers the job approved" '"status":"approved"'
check "scq show: approved on disk" do_ --no-refresh show "$PLAIN" --json
out_has "... approved" '"status":"approved"'
post "$PLAIN" -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{}'
status_is "approving it again (a stale tab) is a conflict" 409
body_has "... a state error saying why" '"code":"state".*approved'
headers_ok "409"
auth -X POST -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	-d "{\"action\":\"reject\",\"uids\":[\"$PLAIN\",\"$HOSTILE\"],\"reason\":\"batch\"}" \
	"$BASE/api/jobs/batch"
status_is "a batch reject" 200
body_has "... one refused (already approved), one done" '"done":1,"failed":1'
check "scq show: the hostile job rejected" do_ --no-refresh show "$HOSTILE" --json
out_has "... rejected" '"status":"rejected"'

# the CLI changes a job: the stream tells within a few ticks
check "submit a third" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name third
THIRD=$(last_out)
check "approve it with the CLI" do_ approve "$THIRD"
for _i in $(seq 50); do grep -q "\"uid\":\"$THIRD\".*\"status\":\"approved\"" "$TEST_DIR/events" && break; sleep 0.1; done
check "the stream sent the CLI's approval" grep -q "\"uid\":\"$THIRD\".*\"status\":\"approved\"" "$TEST_DIR/events"
check "the stream sent the dashboard's approval" grep -q "\"uid\":\"$PLAIN\".*\"status\":\"approved\"" "$TEST_DIR/events"
check "the stream's hostile name is escaped" sh -c "! grep -q '<script' '$TEST_DIR/events'"
kill $EV_PID 2>/dev/null
EV_PID=

# ---- settings: the validation of scq config
auth -X POST -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	-d '{"key":"job_timeout","value":"soon"}' "$BASE/api/settings"
status_is "a bad setting is refused" 400
body_has "... with the library's words" 'job_timeout'
check "the setting did not change" do_ config get job_timeout
out_has "... still 600" '^600$'

# ---- submit: the folder is a path on this machine, and only an absolute one
# means the same to the person typing it and to the server (started elsewhere)
auth -X POST -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	-d "{\"folder\":\"code\",\"to\":\"$DO_EMAIL\",\"name\":\"relative\"}" "$BASE/api/submit"
status_is "a relative folder is refused" 400
body_has "... saying it must be absolute" '"message":"folder .code. is not an absolute path'
check "... and nothing was submitted" sh -c "! '$SCQ' --email '$DS_EMAIL' --data-dir '$WS' --no-refresh jobs | grep -q relative"

# ---- outputs and a 50 MB log ---------------------------------------------------
check "owner holds results for review" do_ config set release review
check "a log may hold 64 MiB" do_ config set max_output_bytes 67108864
make_job "$TEST_DIR/outjob" '
printf "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>" > "$OUTPUT_DIR/chart.png"
printf "\211PNG\r\n\032\n0000" > "$OUTPUT_DIR/real.svg"
printf "a,b\n1,2\n" > "$OUTPUT_DIR/t.csv"
yes "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklm é" | head -c 52428800'
check "submit the output job" ds submit "$TEST_DIR/outjob" --to "$DO_EMAIL" --name outputs
OUT=$(last_out)
check "approve it" do_ approve "$OUT"
check "run it" do_ run
auth "$BASE/api/jobs/$OUT/outputs"
status_is "the outputs and their flags" 200
body_has "... list the CSV" '"path":"t.csv"'
auth "$BASE/api/jobs/$OUT/output?path=chart.png&inline=1"
status_is "an SVG named .png" 200
hdr_has "... is served as bytes, not as an image" '^Content-Type: application/octet-stream'
hdr_has "... as an attachment, even when inline is asked" '^Content-Disposition: attachment'
headers_ok "an output"
auth "$BASE/api/jobs/$OUT/output?path=real.svg&inline=1"
hdr_has "a PNG named .svg is a PNG" '^Content-Type: image/png'
hdr_has "... shown inline when asked" '^Content-Disposition: inline'
auth "$BASE/api/jobs/$OUT/output?path=t.csv"
hdr_has "a CSV is text/plain" '^Content-Type: text/plain'
hdr_has "... an attachment by default" '^Content-Disposition: attachment'
auth "$BASE/api/jobs/$OUT/output?path=../job.json"
status_is "no output outside the output folder" 404

auth "$BASE/api/jobs/$OUT/log?offset=0&limit=65536"
status_is "the first page of a 50 MB log" 200
hdr_has "... says the whole size" '^X-SCQ-Log-Size: 5[0-9]{7}'
check "... holds at most the page" test "$(wc -c < "$B")" -le 65536
hdr_has "... and where the next page starts" '^X-SCQ-Next-Offset: 6[0-9]{4}'
NEXT=$(sed -n 's/^X-SCQ-Next-Offset: \([0-9]*\).*/\1/p' "$H")
auth "$BASE/api/jobs/$OUT/log?offset=$NEXT&limit=65536"
status_is "the next page" 200
hdr_has "... starts where the first ended" "^X-SCQ-Offset: $NEXT"
check "... is valid UTF-8 (pages cut at characters)" iconv -f UTF-8 -t UTF-8 "$B" -o /dev/null
auth "$BASE/api/jobs/$OUT/log?offset=-1000"
status_is "the tail" 200
check "... holds about 1000 bytes" test "$(wc -c < "$B")" -le 1000
auth "$BASE/api/jobs/$OUT/log?limit=99999999"
status_is "a page over 1 MiB is refused" 400
if [ -z "${SCQ_SANITIZE:-}" ]; then
	check "the server never held the log whole (peak RSS under 40 MB)" sh -c \
		"[ \$(awk '/^VmHWM/ {print \$2}' /proc/$UI_PID/status) -lt 40000 ]"
else
	_n=$((_n + 1)); echo "ok $_n # skip peak RSS under a sanitizer build"
fi

# reads do not write: every GET route, and nothing in the data folder changes
touch "$TEST_DIR/mark"
sleep 0.1
: > "$TEST_DIR/get-fails"
for p in "" app.js api/session api/jobs "api/jobs?role=requester" "api/jobs/$OUT" \
	"api/jobs/$OUT/files" "api/jobs/$OUT/file?path=run.sh" "api/jobs/$OUT/diff" \
	"api/jobs/$OUT/log" "api/jobs/$OUT/outputs" "api/jobs/$OUT/output?path=t.csv" \
	api/audit api/audit/verify api/settings api/datasets; do
	auth "$BASE/$p"
	[ "$S" = 200 ] || echo "GET /$p: HTTP $S" >> "$TEST_DIR/get-fails"
done
check "every read route answered 200" test ! -s "$TEST_DIR/get-fails"
check "GETs wrote nothing in the data folder" sh -c "[ -z \"\$(find '$WS' -newer '$TEST_DIR/mark' | head -5)\" ]"

# a stream open while it stops (the daemon refuses to stop with one suspended)
curl -sN -b "scq_ui=$TOKEN" "$BASE/api/events" > "$TEST_DIR/events2" 2>/dev/null &
EV_PID=$!
for _i in $(seq 50); do grep -q '^event: hello' "$TEST_DIR/events2" && break; sleep 0.1; done
kill -TERM "$UI_PID"
wait "$UI_PID"
rc=$?
UI_PID=
check "scq ui stops on SIGTERM with a stream open, exit 0 (was $rc)" test "$rc" = 0
wait "$EV_PID" 2>/dev/null
EV_PID=
# a data folder that does not exist (a typo): refused at once, as every
# command refuses it, never a dashboard of an empty queue
check_exit "scq ui with a data folder that does not exist: exit 1" 1 \
	timeout 5 "$SCQ" --email "$DO_EMAIL" --data-dir "$TEST_DIR/no-such-folder" ui --port 0
err_has "... saying why, naming it" "^scq ui: data folder '$TEST_DIR/no-such-folder' does not exist"
check_exit "... also with --role" 1 \
	timeout 5 "$SCQ" --email "$DO_EMAIL" --data-dir "$TEST_DIR/no-such-folder" ui --role owner
out_empty "... and prints no address"
done_testing

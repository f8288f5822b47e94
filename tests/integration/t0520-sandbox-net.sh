#!/bin/sh
# t0520: sandbox matrix C (network and exfiltration): every row a real job
# through submit, approve and `scq run` under isolation full.  C1/C3 use a
# listener this test starts on 127.0.0.1 (never any other address) that
# counts the connections it sees; it stops by itself.
SCQ_TEST_ISOLATION=full
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/../sandbox/cli-lib.sh"
sbx_require
sbx_probes

# A loopback listener: counts accepted connections into $TEST_DIR/conns.
$PY - "$TEST_DIR" <<'PY' &
import socket, sys, time, os
d = sys.argv[1]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
s.settimeout(0.2)
open(d + "/conns", "w").write("0")  # before the port is known: never read missing
open(d + "/port.tmp", "w").write(str(s.getsockname()[1]))
os.rename(d + "/port.tmp", d + "/port")
def put(n):  # whole or not at all: a reader never sees an empty file
    open(d + "/conns.tmp", "w").write(str(n))
    os.rename(d + "/conns.tmp", d + "/conns")
n, end = 0, time.time() + 600  # until the stop file; the bound only guards a lost test
while time.time() < end and not os.path.exists(d + "/stop"):
    try:
        c, _ = s.accept()
        n += 1
        c.close()
    except OSError:
        pass
    put(n)
PY
LISTENER=$!
for i in $(seq 50); do [ -s "$TEST_DIR/port" ] && break; sleep 0.1; done
PORT=$(cat "$TEST_DIR/port")

sbx_job N net-off '
c() { if eval "$2"; then echo "CHECK $1 ok $3"; else echo "CHECK $1 FAIL $3"; fi; }
p=$(python3 /code/probe.py af2 af10 connect'"$PORT"')
c C1 "test \"$p\" = \"af2=97 af10=97 connect'"$PORT"'=97\"" "inet sockets refused: $p"
c C1 "test \"\$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d \" \")\" = lo" "interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"
c C1 "test \"\$(tail -n +2 /proc/net/route)\" = \"\"" "no route"
t0=$(date +%s)
e=$(python3 -c "import socket; socket.getaddrinfo(\"example.com\", 80)" 2>&1 | tail -1)
t=$(( $(date +%s) - t0 ))
c C2 "test -n \"\$e\" && test $t -lt 5" "resolve fails in ${t}s: $e"
c C3 "test \"$p\" != \"\${p%connect*}connect'"$PORT"'=0\"" "host loopback: $p"
for f in /run/docker.sock /var/run/docker.sock /run/dbus/system_bus_socket /run/user /run /var/run /tmp/.X11-unix; do
	c C5 "test ! -e $f" "absent: $f"
done
exit 0'
check "C6/C7 the owner holds results for review" do_ config set release review
sbx_job X exfil 'cp /data/cohort/private.csv /out/results.csv; cat /data/cohort/private.csv; cat /data/cohort/private.csv >&2'
sbx_run
is "C1/C3 the host listener saw no connection" "$(cat "$TEST_DIR/conns")" 0

sbx_show "$N"
is "network-off job completed" "$(jget "$N" status)" completed
checks_ok "$N" C1 C2 C3 C5
is "network off is recorded" "$(jget "$N" run.limits_applied.network)" false
_tap "$(jget "$N" run.limits_applied.namespaces | grep -q '"net"' && echo 1 || echo 0)" "a network namespace was applied"
sbx_common "$N"

sbx_show "$X"
is "C6/C7 exfil job runs" "$(jget "$X" status)" completed
log_has "C7 the owner's log holds the rows" "$X" "$DATA_SECRET"
is "C6 the reviewer sees the output file and its size" \
	"$(jget "$X" run.output.files)/$(jget "$X" run.output.bytes)" "1/$(wc -c < "$HOST/cohort/private.csv")"
# With `release review` (the owner's setting) nothing of the run reaches
# the requester until the owner releases it.
is "C6 the data rows in /out are held (not in the outbox)" "$(grep -rlF "$DATA_SECRET" "$OUTBOX/$X" 2>/dev/null | wc -l)" 0
check_exit "C7 the requester gets no log before release" 1 ds logs "$X"
check_exit "C6 the requester gets no output before release" 1 ds output "$X"
check "C6/C7 the owner releases" do_ release "$X" --ack-flags
check "C6 after release the requester gets the file" ds output "$X"
out_has "C6 results.csv released" "results.csv"
sbx_common "$X"

# Control: the owner turns the network on for one job at approval; the
# same probe then reaches the host listener (so the test can see one).
sbx_job Y net-on 'python3 /code/probe.py af2 connect'"$PORT" --allow-network
sbx_run
sbx_show "$Y"
log_has "control: with --allow-network the listener is reachable" "$Y" "^af2=0 connect$PORT=0"
is "control: network on is recorded" "$(jget "$Y" run.limits_applied.network)" true
# the listener counts asynchronously: wait for the count (a loaded machine
# may take seconds), then a moment more so a second connection would show
for i in $(seq 100); do [ "$(cat "$TEST_DIR/conns")" != 0 ] && break; sleep 0.1; done
sleep 0.3
is "control: the listener saw exactly that connection" "$(cat "$TEST_DIR/conns")" 1
sbx_common "$Y"
touch "$TEST_DIR/stop"
wait "$LISTENER" 2>/dev/null
done_testing

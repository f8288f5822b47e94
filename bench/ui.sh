#!/bin/sh
# bench/ui.sh - the dashboard server (scq ui, doc/ui-api.md) with 10,000
# jobs in the owner's store (100 pending, 9,900 completed), beside floors
# measured in the same run.  Nothing asserted.
#   - the queue page: the requests a browser makes to show it (the page,
#     its script and style, the session, the first 50 jobs), timed by
#     curl over one kept-alive connection, first (the server lists the
#     store once) and then warm; beside `scq pending --json`, a fresh
#     process listing the same store;
#   - idle RSS of scq-ui: at start, and after it has listed the 10,000;
#   - from an approval on disk (`scq approve` returned) to its event on an
#     open /api/events stream; floor: a fresh `scq show` reading it.
set -eu
B=${SCQ_BUILD:-$(pwd)/build}
SCQ="$B/scq"
T=$(mktemp -d /tmp/scq-bench-ui-XXXXXX)
UI_PID=
trap '[ -n "$UI_PID" ] && kill $UI_PID 2>/dev/null; rm -rf "$T"' EXIT
cc -O2 -o "$T/timeit" bench/timeit.c
DS=ds@uni.example; DO=owner@hospital.example; W="$T/ws"
ds() { "$SCQ" --email $DS --data-dir "$W" "$@"; }
do_() { "$SCQ" --email $DO --data-dir "$W" "$@"; }
med() { "$T/timeit" "$@" | awk '{ if ($3 > 0) printf "%s(%d-of-runs-FAILED)", $1, $3; else print $1 }'; }
median_of() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ds init >/dev/null; do_ init >/dev/null; do_ config set isolation none
mkdir -p "$T/job"; printf '#!/bin/bash\ntrue\n' > "$T/job/run.sh"
for i in $(seq 100); do ds submit "$T/job" --to $DO --name "p$i" --tag "t$((i % 7))" >/dev/null; done
do_ pending >/dev/null
P="$W/private/code-queue/$DO/jobs"
python3 - "$P" <<'PY'
import os, shutil, sys, uuid
P = sys.argv[1]
src = os.path.join(P, "pending", sorted(os.listdir(os.path.join(P, "pending")))[0])
a = os.path.basename(src)
os.makedirs(os.path.join(P, "completed"), exist_ok=True)
for _ in range(9900):
    u = str(uuid.uuid4())
    d = os.path.join(P, "completed", u)
    shutil.copytree(src, d)
    for f in ("job.json", "public.json"):
        p = os.path.join(d, f)
        if os.path.exists(p):
            t = open(p).read().replace(a, u)
            open(p, "w").write(t)
PY
total=$(find "$P" -mindepth 2 -maxdepth 2 -type d | wc -l)

"$SCQ" --email $DO --data-dir "$W" ui --port 0 > "$T/url" 2> "$T/ui.err" &
UI_PID=$!
for i in $(seq 100); do grep -q token= "$T/url" 2>/dev/null && break; sleep 0.1; done
URL=$(head -1 "$T/url"); BASE=${URL%%/?token=*}; TOKEN=${URL##*token=}
rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' /proc/$UI_PID/status; }
sleep 0.5
idle=$(rss)

# the queue page: five requests on one connection; ms each, and their sum
page() {
	curl -s -b "scq_ui=$TOKEN" -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
		-w '%{time_total}\n' "$BASE/" "$BASE/app.js" "$BASE/app.css" "$BASE/api/session" \
		"$BASE/api/jobs?limit=50$1" | awk '{ s += $1 * 1000; last = $1 * 1000 }
		END { printf "%.2f %.2f\n", s, last }'
}
set -- $(page "")
echo "   $total jobs; first queue page (the server lists the store): ${1} ms, of which the jobs JSON ${2} ms"
: > "$T/pa"; : > "$T/pj"; : > "$T/ps"; : > "$T/pq"
for i in $(seq 21); do
	page "" > "$T/one"; cut -d' ' -f1 "$T/one" >> "$T/pa"; cut -d' ' -f2 "$T/one" >> "$T/pj"
	page "&status=pending" | cut -d' ' -f2 >> "$T/ps"
	page "&q=p1&field=name&sort=name" | cut -d' ' -f2 >> "$T/pq"
done
f=$(med 21 "$SCQ" --email $DO --data-dir "$W" --no-refresh pending --json)
l=$(med 3 "$SCQ" --email $DO --data-dir "$W" --no-refresh list --json)
echo "   warm queue page (5 requests) median $(median_of < "$T/pa") ms; its jobs JSON (first 50 of all) $(median_of < "$T/pj") ms"
echo "   jobs JSON, pending only $(median_of < "$T/ps") ms; searched and sorted by name $(median_of < "$T/pq") ms"
echo "   beside: scq pending --json (a fresh process, the same store: its 100 pending) median ${f} ms;"
echo "   scq list --json (all $total, what the server's first listing reads) median ${l} ms"
echo "   idle RSS of scq ui: ${idle} MiB at start (target <= 8 MiB); $(rss) MiB holding the $total jobs' summaries"

# from an approval on disk to the event
python3 - "$BASE" "$TOKEN" "$SCQ" "$DO" "$W" > "$T/sse" <<'PY'
import http.client, json, subprocess, sys, time, urllib.parse
base, token, scq, do, w = sys.argv[1:6]
host = urllib.parse.urlparse(base)
c = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
c.request("GET", "/api/events", headers={"Cookie": "scq_ui=" + token})
r = c.getresponse()
def events():
    ev = None
    while True:
        line = r.fp.readline().decode()
        if line.startswith("event: "):
            ev = line[7:].strip()
        elif line.startswith("data: ") and ev == "job":
            yield json.loads(line[6:])
events = events()
pend = json.loads(subprocess.run([scq, "--email", do, "--data-dir", w, "--no-refresh", "pending",
                                  "--json"], capture_output=True, check=True).stdout)
lat, floor = [], []
for j in pend[:21]:
    uid = j["uid"]
    subprocess.run([scq, "--email", do, "--data-dir", w, "--no-refresh", "approve", uid],
                   capture_output=True, check=True)
    t1 = time.monotonic()
    subprocess.run([scq, "--email", do, "--data-dir", w, "--no-refresh", "show", uid, "--json"],
                   capture_output=True, check=True)
    floor.append((time.monotonic() - t1) * 1000)
    for e in events:
        if e["uid"] == uid and e["status"] == "approved":
            break
    lat.append((time.monotonic() - t1) * 1000)
    time.sleep(0.05)
lat.sort(); floor.sort()
print("%.0f %.0f %.1f" % (lat[len(lat) // 2], lat[-1], floor[len(floor) // 2]))
PY
set -- $(cat "$T/sse")
echo "   approval on disk -> its event on an open stream: median ${1} ms, worst ${2} ms of 21 (target <= 1000 ms; the server watches the log with inotify, else looks every 250 ms); floor: a fresh scq show reading it ${3} ms"

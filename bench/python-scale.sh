#!/bin/bash
# bench/python-scale.sh - the Python package and the requester's single-job
# commands at 10,000 jobs (issue 11 §2 and §3).  Every figure is printed
# beside its floor measured in the same run; nothing is asserted.
#   SCQ_BUILD=build bash bench/python-scale.sh     (needs `make python` first)
# N (default 10000) jobs, ROUNDS (default 9) interleaved rounds.
set -eu
B=${SCQ_BUILD:-$(pwd)/build}
PY=${PYTHON:-python3}
N=${N:-10000}
ROUNDS=${ROUNDS:-9}
SCQ="$B/scq"
P="$B/python"
[ -f "$P/syft_code_queue/__init__.py" ] || { echo "python-scale: run 'make python' first ($P)"; exit 1; }
T=$(mktemp -d /tmp/scq-pyscale-XXXXXX)
trap 'rm -rf "$T"' EXIT
cc -O2 -o "$T/timeit" bench/timeit.c
DS=ds@uni.example; DO=owner@hospital.example
mkdir -p "$T/job" "$T/ws0" "$T/ws10" "$T/ws"; printf '#!/bin/bash\ntrue\n' > "$T/job/run.sh"

# setup W COUNT: a workspace whose owner has COUNT pending jobs from DS,
# all visible to DS too; prints the first job's uid
setup() {
	w=$1
	"$SCQ" --email $DS --data-dir "$w" init >/dev/null
	"$SCQ" --email $DO --data-dir "$w" init >/dev/null
	"$SCQ" --email $DO --data-dir "$w" config set isolation none >/dev/null
	# over the per-requester cap a new job would wait in the inbox, and each
	# owner command would then count the pending jobs (an ingest cost)
	"$SCQ" --email $DO --data-dir "$w" config set max_pending_per_requester 1000000 >/dev/null
	a=$("$SCQ" --email $DS --data-dir "$w" submit "$T/job" --to $DO --name probe \
		--description "a probe" --tag bench)
	"$SCQ" --email $DO --data-dir "$w" pending >/dev/null
	# copies of job a under fresh uids on both sides, as grow_copies in
	# tests/integration/test-lib.sh does: the store's job, the requester's
	# record and the owner's published status
	"$PY" - "$w/private/code-queue/$DO/jobs/pending/$a" "$w/private/code-queue/$DS/submitted/$a.json" \
		"$w/datasites/$DO/app_data/code-queue/outbox/$DS/$a" "$a" "$2" <<'PYEOF'
import os, shutil, sys, uuid
src, rec, pub, a, n = sys.argv[1:6]
pend, sub, outbox = os.path.dirname(src), os.path.dirname(rec), os.path.dirname(pub)
for _ in range(int(n) - len(os.listdir(pend))):
    u = str(uuid.uuid4())
    shutil.copytree(src, os.path.join(pend, u), copy_function=shutil.copy2)
    for f in ("job.json", "public.json"):
        p = os.path.join(pend, u, f)
        if os.path.exists(p):
            t = open(p).read().replace(a, u)  # read before "w" empties it
            open(p, "w").write(t)
    open(os.path.join(sub, u + ".json"), "w").write(open(rec).read().replace(a, u))
    os.makedirs(os.path.join(outbox, u))
    s = open(os.path.join(pub, "status.json")).read().replace(a, u)
    open(os.path.join(outbox, u, "status.json"), "w").write(s)
PYEOF
	echo "$a"
}
"$SCQ" --email $DO --data-dir "$T/ws0" init >/dev/null  # an empty queue
setup "$T/ws10" 10 > "$T/uid10"
setup "$T/ws" "$N" > "$T/uid"
echo "   $(ls "$T/ws/private/code-queue/$DO/jobs/pending" | wc -l) pending jobs from one requester; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# peak RSS (KiB) of one command
peak() { /usr/bin/time -f '%M' -o "$T/mem" "$@" >/dev/null 2>&1; cat "$T/mem"; }
cli_mem=$(for i in 1 2 3; do peak "$SCQ" --email $DO --data-dir "$T/ws" pending --json; done | sort -n | sed -n 2p)
cli_mem0=$(for i in 1 2 3; do peak "$SCQ" --email $DO --data-dir "$T/ws0" pending --json; done | sort -n | sed -n 2p)
# peak RSS growth (KiB) of one q.pending_for_me() in a fresh interpreter,
# the package imported and the client open before
py_mem=$(for i in 1 2 3; do PYTHONPATH="$P" "$PY" - "$T/ws" <<'PYEOF'
import resource, sys
import syft_code_queue as q
c = q.connect(email="owner@hospital.example", data_dir=sys.argv[1])
c.status()  # the handle and the store opened, modules loaded
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
jobs = c.pending_for_me()
n = len(jobs)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
PYEOF
done | sort -n | sed -n 2p)

PYTHONPATH="$P" "$PY" - "$T" "$SCQ" "$ROUNDS" "$cli_mem" "$cli_mem0" "$py_mem" <<'PYEOF'
import os, subprocess, sys, time
import syft_code_queue as q
from syft_code_queue.model import job as job_module

T, scq, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
cli_mem, cli_mem0, py_mem = (int(x) for x in sys.argv[4:7])
DS, DO = "ds@uni.example", "owner@hospital.example"
W, W10 = os.path.join(T, "ws"), os.path.join(T, "ws10")
uid = open(os.path.join(T, "uid")).read().strip()
uid10 = open(os.path.join(T, "uid10")).read().strip()
med = lambda v: sorted(v)[len(v) // 2]


def fresh(*args):
    """ms of one fresh process (bench/timeit.c: fork, exec, wait)."""
    out = subprocess.run([os.path.join(T, "timeit"), "1"] + list(args), capture_output=True,
                         text=True, check=True).stdout.split()
    if out[2] != "0":
        raise SystemExit("python-scale: %s failed" % " ".join(args))
    return float(out[0])


def inproc(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


owner = q.connect(email=DO, data_dir=W)
ds = q.connect(email=DS, data_dir=W)
listing = lambda: len(owner.pending_for_me())
n = listing()  # warm both once
fresh(scq, "--email", DO, "--data-dir", W, "pending", "--json")
a, b = [], []
for _ in range(rounds):  # interleaved: both see the same load
    a.append(inproc(listing))
    b.append(fresh(scq, "--email", DO, "--data-dir", W, "pending", "--json"))
print("   q.pending_for_me() over %d pending, in process (%d interleaved rounds): median %.1f ms; "
      "floor 'scq pending --json' (fresh process) %.1f ms; ratio %.2f (target <= 2)"
      % (n, rounds, med(a), med(b), med(a) / med(b)))
print("   peak RSS growth of q.pending_for_me(): %.1f MiB; floor peak RSS of 'scq pending --json' "
      "%.1f MiB (%.1f MiB over an empty queue); ratio %.2f (target <= 2)"
      % (py_mem / 1024, cli_mem / 1024, (cli_mem - cli_mem0) / 1024, py_mem / cli_mem))

# len(): no CodeJob made
made = [0]
real = job_module.CodeJob.__init__


def counting(j, *args, **kw):
    made[0] += 1
    real(j, *args, **kw)


job_module.CodeJob.__init__ = counting
coll = owner.pending_for_me()
made[0] = 0
plain = list(range(len(coll)))
reps = 1000
t_len = inproc(lambda: [len(coll) for _ in range(reps)]) * 1000 / reps
t_plain = inproc(lambda: [len(plain) for _ in range(reps)]) * 1000 / reps
made_by_len = made[0]
t_all = inproc(lambda: list(coll))
job_module.CodeJob.__init__ = real
print("   len() of the listed collection: %.2f us, %d CodeJob made; floor len() of a %d-item "
      "list %.2f us (making every CodeJob, list(coll): %.0f ms, %d made)"
      % (t_len, made_by_len, len(plain), t_plain, t_all, made[0]))

# submitting at N jobs: in process against a fresh scq process
code = os.path.join(T, "job")
a, b, c = [], [], []
ds.submit_job(DO, code, "warm")
for i in range(2 * rounds + 1):
    a.append(inproc(lambda: ds.submit_job(DO, code, "py %d" % i)))
    b.append(fresh(scq, "--email", DS, "--data-dir", W, "submit", code, "--to", DO, "--name", "cli"))
    c.append(inproc(lambda: ds._h.submit(DO, code, "bare %d" % i)))
print("   in-process q.submit_job at %d jobs: median %.2f ms (target <= 3 ms); floor 'scq submit' "
      "(fresh process) %.2f ms; the library call alone (Handle.submit) %.2f ms"
      % (n, med(a), med(b), med(c)))

# the requester's show of one job at N jobs against 10 jobs
a, b = [], []
for _ in range(2 * rounds + 1):
    a.append(fresh(scq, "--email", DS, "--data-dir", W, "show", uid))
    b.append(fresh(scq, "--email", DS, "--data-dir", W10, "show", uid10))
print("   requester 'scq show <uid>' at %d jobs: median %.2f ms (target <= 10 ms); floor the same "
      "at 10 jobs %.2f ms" % (n, med(a), med(b)))
PYEOF

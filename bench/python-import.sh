#!/bin/bash
# bench/python-import.sh - import time of syft_code_queue over a bare
# interpreter start (target <= 30 ms).  Median of N runs of each, in one run.
#   SCQ_BUILD=build bench/python-import.sh     (needs `make python` first)
set -eu
B=${SCQ_BUILD:-$(pwd)/build}
PY=${PYTHON:-python3}
N=${N:-31}
P="$B/python"
[ -f "$P/syft_code_queue/__init__.py" ] || { echo "python-import: run 'make python' first ($P)"; exit 1; }
T=$(mktemp -d /tmp/scq-pyimport-XXXXXX)
trap 'rm -rf "$T"' EXIT
# warm the bytecode cache once so each run measures a normal import
PYTHONPATH="$P" "$PY" -c 'import syft_code_queue' >/dev/null
"$PY" - "$PY" "$P" "$N" <<'PYEOF'
import os, subprocess, sys, time
py, path, n = sys.executable, sys.argv[2], int(sys.argv[3])
env = dict(os.environ, PYTHONPATH=path)
env = {k: v for k, v in env.items() if not k.startswith("SYFTBOX_")}
def run(code):
    t = time.perf_counter()
    subprocess.run([py, "-c", code], env=env, check=True)
    return (time.perf_counter() - t) * 1000
bare, imp = [], []
for _ in range(n):  # interleaved, so load changes hit both alike
    bare.append(run("pass"))
    imp.append(run("import syft_code_queue"))
med = lambda v: sorted(v)[len(v) // 2]
print("== python import: syft_code_queue (%s, %d runs each)" % (py, n))
print("   median %.1f ms over a bare '%s -c pass' (%.1f ms vs %.1f ms; target <= 30 ms)"
      % (med(imp) - med(bare), os.path.basename(py), med(imp), med(bare)))
# the same from inside the interpreter (-X importtime: cumulative microseconds)
cum = []
for _ in range(n):
    r = subprocess.run([py, "-X", "importtime", "-c", "import syft_code_queue"], env=env,
                       capture_output=True, text=True, check=True)
    line = [l for l in r.stderr.splitlines() if l.rstrip().endswith("| syft_code_queue")][-1]
    cum.append(int(line.split("|")[1]) / 1000)
print("   median %.1f ms cumulative in -X importtime (the package and everything it imports)"
      % med(cum))
PYEOF

#!/usr/bin/env python3
"""check-layers: the library's layers point one way, by include and by call.

src/lib has one folder per layer (LAYERS below: each lists the folders it
may use; doc/hacking.md draws them).  This fails when
  - a file of src/lib/<layer>/ includes a header of a layer it may not use
    (includes name their folder: #include "store/state.h"), or
  - in the link graph of the built objects (nm: an arrow A -> B when A uses
    a symbol that B defines) an arrow goes to a layer A may not use, or
  - objects call each other in a cycle, inside a folder or across folders.

usage: check-layers.py BUILD_LIB_DIR [OBJECT...]   (default: every object
       below BUILD_LIB_DIR; run at the top of the tree)
"""
import collections
import re
import glob
import os
import subprocess
import sys

# The layers of src/lib, bottom first; each may use itself and those listed.
LAYERS = {
    "base": {"base"},
    "sandbox": {"base", "sandbox"},
    "store": {"base", "store"},
    "check": {"base", "check"},
    "queue": {"base", "store", "check", "queue"},
    "exec": {"base", "store", "queue", "check", "sandbox", "exec"},
}


def graph(libdir, objs):
    defs, uses = {}, collections.defaultdict(set)
    for obj in objs or sorted(glob.glob(os.path.join(libdir, "**", "*.o"), recursive=True)):
        name = os.path.relpath(obj, libdir)[:-2]
        out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDBRC":
                defs[f[2]] = name
            elif len(f) == 2 and f[0] == "U":
                uses[name].add(f[1])
    arrows = collections.defaultdict(lambda: collections.defaultdict(set))
    for a, syms in uses.items():
        for s in syms:
            b = defs.get(s)
            if b and b != a:
                arrows[a][b].add(s)
    return arrows


def cycles(arrows):
    """Strongly connected components of more than one node, or of one that
    points at itself (Tarjan).  arrows: node -> the nodes it points at.
    python/tests/test_layers.py uses it for the package's imports."""
    index, low, stack, on, out = {}, {}, [], set(), []
    nodes = set(arrows) | {b for a in arrows for b in arrows[a]}

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in arrows.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in arrows.get(v, ()):
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def includes():
    """Bad includes under src/lib: (file, line number, header)."""
    bad = []
    for layer in LAYERS:
        for path in sorted(glob.glob("src/lib/%s/**/*.[ch]" % layer, recursive=True)):
            for n, line in enumerate(open(path, encoding="utf-8"), 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m or "/" not in m.group(1) or m.group(1).startswith(".."):
                    continue  # same folder, or the init's own relative include
                if m.group(1).split("/")[0] not in LAYERS[layer]:
                    bad.append((path, n, m.group(1)))
    return bad


def main():
    libdir = sys.argv[1] if len(sys.argv) > 1 else "build/lib"
    arrows = graph(libdir, sys.argv[2:])
    bad = 0
    for path, n, header in includes():
        print("check-layers: %s:%d includes %s, a layer it may not use" % (path, n, header))
        bad += 1
    for a in sorted(arrows):
        la = a.split("/")[0]
        for b, syms in sorted(arrows[a].items()):
            lb = b.split("/")[0]
            if la in LAYERS and lb not in LAYERS[la]:
                print("check-layers: %s (%s) uses %s (%s): %s" %
                      (a, la, b, lb, ", ".join(sorted(syms))))
                bad += 1
    for comp in cycles(arrows):
        ties = ["%s->%s (%s)" % (a, b, ", ".join(sorted(arrows[a][b])[:3]))
                for a in comp for b in arrows[a] if b in comp]
        print("check-layers: cycle: " + "; ".join(ties))
        bad += 1
    if bad:
        print("check-layers: %d problem(s); the layers are in doc/hacking.md" % bad)
        return 1
    n = sum(len(v) for v in arrows.values())
    print("check-layers: includes and %d arrows between %d objects point down, no cycle" %
          (n, len(set(arrows) | {b for a in arrows for b in arrows[a]})))
    return 0


if __name__ == "__main__":
    sys.exit(main())

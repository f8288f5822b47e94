#!/usr/bin/env python3
"""The simulator's sync rules (syftbox.md section 4) on small trees (TAP):
ignore list, no empty files, no symlinks, rejected markers and restore,
deletions, unreadable files removed, conflicts, and convergence of every
hostile mode over seeds."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import syncsim as s  # noqa: E402

A, B = "alice@x.com", "bob@y.com"
_n = _fail = 0


def ok(cond, name, diag=""):
    global _n, _fail
    _n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", _n, name))
    if not cond:
        _fail += 1
        if diag:
            print("#   " + str(diag).replace("\n", "\n#   "))


def put(root, rel, data):
    p = os.path.join(root, "datasites", rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def get(root, rel):
    try:
        with open(os.path.join(root, "datasites", rel), "rb") as f:
            return f.read().decode()
    except OSError:
        return None


PUB = "rules:\n  - pattern: '**'\n    access:\n      read: ['*']\n"
SHARED = ("rules:\n  - pattern: 'drop/{{.UserEmail}}/**'\n    access:\n      write: ['USER']\n"
          "  - pattern: '**'\n    access:\n      read: ['*']\n")


def world(seed=0, hostile=()):
    t = tempfile.mkdtemp(prefix="syncsim-")
    cl = {A: os.path.join(t, "a"), B: os.path.join(t, "b")}
    for d in cl.values():
        os.makedirs(os.path.join(d, "datasites"))
    put(cl[A], A + "/public/syft.pub.yaml", PUB)
    put(cl[A], A + "/shared/syft.pub.yaml", SHARED)
    sim = s.Sim(os.path.join(t, "server"), cl, seed, hostile)
    return t, cl, sim


def marker_bytes(root, rel):
    """{name: text} of the .conflict. markers of REL at ROOT."""
    d, b = os.path.split(os.path.join(root, "datasites", rel))
    stem, ext = os.path.splitext(b)
    out = {}
    for n in os.listdir(d) if os.path.isdir(d) else []:
        if n.startswith(stem + ".conflict") and n.endswith(ext):
            out[n] = get(root, os.path.join(os.path.dirname(rel), n))
    return out


def skew_tests():
    skews = set()
    for seed in range(6):
        t, cl, sim = world(seed, ("skew",))
        a, b = cl[A], cl[B]
        skews |= {sim.skew(A), sim.skew(B)}
        again = s.Sim(sim.server, cl, seed, ("skew",))
        if (again.skew(A), again.skew(B)) != (sim.skew(A), sim.skew(B)):
            skews.add("unstable")
        put(a, A + "/public/m.json", "skewed")
        sim.settle()
        mt = os.stat(os.path.join(b, "datasites", A, "public", "m.json")).st_mtime
        off = mt - time.time() - sim.skew(B)
        if abs(off) > 30:
            skews.add(("mtime", seed, sim.skew(B), off))
        shutil.rmtree(t)
    ok(len([x for x in skews if isinstance(x, int)]) >= 6 and all(isinstance(x, int) for x in skews)
       and all(-3600 <= x <= 3600 for x in skews if isinstance(x, int)),
       "skew: each client's clock is off by its own seeded amount, the same on every load, "
       "and a download's mtime at a client is that client's time", sorted(map(str, skews)))
    t, cl, sim = world(3)
    ok(sim.skew(A) == 0 and sim.client_env(A, "/x.so") == {}, "without the mode no client is skewed")
    shutil.rmtree(t)
    t, cl, sim = world(3, ("skew",))
    shim = os.environ.get("SCQ_BUILD", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "..", "..", "build")) + "/tests/clockstep.so"
    env = dict(os.environ, **sim.client_env(B, shim))
    if os.path.exists(shim):
        got = int(subprocess.run(["date", "+%s"], env=env, capture_output=True, text=True).stdout)
        ok(abs(got - time.time() - sim.skew(B)) < 30,
           "client_env: a command of the client sees its skewed clock (clockstep preload)",
           (got, time.time(), sim.skew(B)))
    else:
        ok(False, "client_env: the clockstep preload exists", shim + " is missing: make unit builds it")
    shutil.rmtree(t)


def conflict_tests():
    rel = A + "/shared/drop/%s/w.json" % B
    # both sides write the same path in one step: one version wins
    # everywhere, the other is kept as the loser's w.conflict.json
    t, cl, sim = world()
    a, b = cl[A], cl[B]
    sim.settle()
    put(a, rel, "alice's")
    put(b, rel, "bob's")
    ev = sim.settle()
    conf = [e for e in ev if e[0] == "conflict"]
    win = get(sim.server, rel)
    lost = {"alice's": (b, "bob's"), "bob's": (a, "alice's")}.get(win)
    ok(len(conf) == 1 and conf[0][2] == rel and get(a, rel) == win and get(b, rel) == win,
       "write/write in one step: one conflict event, both clients end with the server's copy", ev)
    ok(lost is not None and list(marker_bytes(lost[0], rel).values()) == [lost[1]],
       "... and the loser's bytes are kept in its w.conflict.json", (win, lost))
    ok(get(sim.server, A + "/shared/drop/%s/w.conflict.json" % B) is None,
       "... which is never uploaded")
    # delete against change: the change is kept as a marker, the delete wins
    put(b, rel, "bob's second")
    os.unlink(os.path.join(a, "datasites", rel))
    ev = sim.settle()
    ok(get(a, rel) is None and get(b, rel) is None and get(sim.server, rel) is None,
       "delete/write in one step (the deleter first): the path is gone everywhere", ev)
    ok("bob's second" in marker_bytes(b, rel).values(),
       "... and the writer's bytes are kept in a conflict marker", marker_bytes(b, rel))
    shutil.rmtree(t)
    # the conflict mode makes such writes itself
    fired = bad = 0
    for seed in range(10):
        t, cl, sim = world(seed, ("conflict",))
        a, b = cl[A], cl[B]
        sim.settle()
        put(b, rel, "bob's own")
        ev = sim.settle(200)
        cw = [e for e in ev if e[0] == "conflict-write"]
        if cw:
            fired += 1
            w = get(sim.server, rel)
            loser = b if w != "bob's own" else a
            if get(a, rel) != w or get(b, rel) != w or not marker_bytes(loser, rel) or \
                    cw[0][1] != A:
                bad += 1
        elif get(a, rel) != "bob's own":
            bad += 1
        shutil.rmtree(t)
    ok(fired >= 2 and not bad, "conflict mode: the owner writes the same path in the same step; "
       "both converge on one copy and the loser keeps a marker", (fired, bad))


def main():
    t, cl, sim = world()
    a, b = cl[A], cl[B]
    put(a, A + "/public/data.json", "{}")
    put(a, A + "/public/empty.json", "")
    put(a, A + "/public/run.log", "log")
    put(a, A + "/public/x.tmp", "tmp")
    put(a, A + "/public/__pycache__/m.json", "pyc")
    put(a, A + "/public/.job.json.1.tmp", "partial")
    put(a, A + "/private.txt", "secret")
    os.symlink("/etc/passwd", os.path.join(a, "datasites", A, "public", "link.json"))
    os.makedirs(os.path.join(a, "datasites", A, "public", "emptydir"))
    put(a, "syftignore", "*.skip\n")
    put(a, A + "/public/c.skip", "user ignore")
    ev = sim.settle()
    ok(get(b, A + "/public/data.json") == "{}", "a readable file reaches the other client", ev)
    ok(get(b, A + "/public/empty.json") is None, "0-byte files are never synced")
    ok(get(b, A + "/public/run.log") is None, "*.log is never synced")
    ok(get(b, A + "/public/x.tmp") is None and get(b, A + "/public/.job.json.1.tmp") is None,
       "temp names are never synced")
    ok(get(b, A + "/public/__pycache__/m.json") is None, "files under an ignored folder are not synced")
    ok(not os.path.lexists(os.path.join(b, "datasites", A, "public", "link.json")), "symlinks are never synced")
    ok(not os.path.exists(os.path.join(b, "datasites", A, "public", "emptydir")), "empty folders do not propagate")
    ok(get(b, A + "/public/c.skip") is None, "datasites/syftignore lines are honoured")
    ok(get(b, A + "/private.txt") is None, "a private file is not downloaded")
    ok(get(a, A + "/private.txt") == "secret", "... but stays at its owner")

    # denied upload: rename to the marker, server copy restored
    put(b, A + "/public/data.json", "bob's edit")
    ev = sim.step()
    ok(("reject" in [e[0] for e in ev]) and get(b, A + "/public/data.rejected.json") == "bob's edit",
       "a denied edit is renamed data.rejected.json", ev)
    ok(get(sim.server, A + "/public/data.json") == "{}", "the server copy is untouched")
    sim.settle()
    ok(get(b, A + "/public/data.json") == "{}", "the server copy is restored on the client")
    put(b, A + "/public/data.json", "bob again")
    sim.settle()
    names = sorted(os.listdir(os.path.join(b, "datasites", A, "public")))
    ok(get(b, A + "/public/data.rejected.json") == "bob again" and
       any(n.startswith("data.rejected.2") and n.endswith(".json") for n in names),
       "a second rejection rotates the older marker to data.rejected.<time>.json", names)
    put(b, A + "/public/noext", "x")
    sim.step()
    ok(get(b, A + "/public/noext.rejected") == "x", "a name without extension becomes name.rejected")
    # allowed write into a templated folder, denied into another's
    put(b, A + "/shared/drop/%s/note.json" % B, "hi")
    put(b, A + "/shared/drop/carol@z.com/note.json", "forged")
    ev = sim.settle()
    ok(get(a, A + "/shared/drop/%s/note.json" % B) == "hi", "bob's write into his own drop folder reaches alice", ev)
    ok(get(a, A + "/shared/drop/carol@z.com/note.json") is None, "bob's write into carol's folder never reaches alice")
    ok(get(b, A + "/shared/drop/carol@z.com/note.rejected.json") == "forged", "... and is marked rejected at bob")
    # denied delete comes back
    os.unlink(os.path.join(b, "datasites", A, "public", "data.json"))
    ev = sim.settle()
    ok(get(b, A + "/public/data.json") == "{}", "a denied delete is reverted", ev)
    # owner deletes: propagates
    os.unlink(os.path.join(a, "datasites", A, "public", "data.json"))
    sim.settle()
    ok(get(b, A + "/public/data.json") is None and get(sim.server, A + "/public/data.json") is None,
       "the owner's delete propagates")
    # a file that becomes unreadable is deleted at the reader
    put(a, A + "/shared/doc.json", "v1")
    sim.settle()
    ok(get(b, A + "/shared/doc.json") == "v1", "readable: downloaded")
    put(a, A + "/shared/syft.pub.yaml", "rules:\n  - pattern: '**'\n    access:\n      read: []\n")
    sim.settle()
    ok(get(b, A + "/shared/doc.json") is None, "a file that became unreadable is deleted at the reader")
    ok(get(b, A + "/shared/drop/%s/note.json" % B) is None, "... the reader's own earlier upload too")
    # conflict: both change the same path; the server copy wins
    put(b, B + "/f.json", "v1")
    sim.settle()
    put(a, A + "/public/c.json", "base")
    sim.settle()
    srv = s.Sim(sim.server, {A: a}, 0)
    put(b, A + "/public/c.json", "b")  # bob may not write: reject, not conflict
    put(a, A + "/public/c.json", "a2")
    srv.step()
    s.write_atomic(sim.server, A + "/public/c.json", b"server side")
    put(a, A + "/public/c.json", "alice local")
    ev = srv.step()
    ok(("conflict", A, A + "/public/c.json", A + "/public/c.conflict.json") in ev,
       "both sides changed: the local copy becomes c.conflict.json", ev)
    srv.settle()
    ok(get(a, A + "/public/c.json") == "server side" and get(a, A + "/public/c.conflict.json") == "alice local",
       "... and the server copy is downloaded")
    shutil.rmtree(t)

    # every hostile mode converges to the same trees, over seeds
    for mode in s.ALL + ("all",):
        bad = []
        for seed in range(8):
            t, cl, sim = world(seed, (mode,))
            a, b = cl[A], cl[B]
            for i in range(6):
                put(a, A + "/public/f%d.json" % i, "content %d " % i * (i + 3))
            ev = sim.settle(200)  # the ACL first: see the race below
            put(b, A + "/shared/drop/%s/n.json" % B, "from bob")
            ev += sim.settle(200)
            for i in range(6):
                if get(b, A + "/public/f%d.json" % i) != "content %d " % i * (i + 3):
                    bad.append((seed, "f%d" % i, get(b, A + "/public/f%d.json" % i)))
            if get(a, A + "/shared/drop/%s/n.json" % B) != "from bob":
                bad.append((seed, "n.json"))
            if mode not in ("all", "shuffle", "offline", "skew") and \
                    not any(e[0] in ("download", "offline") and e[3] for e in ev):
                bad.append((seed, "mode never fired"))
            shutil.rmtree(t)
        ok(not bad, "hostile '%s' over 8 seeds converges to whole files" % mode, bad[:3])
    # the race of syftbox.md 4.3: a write before the ACL reached the server
    t, cl, sim = world()
    put(cl[B], A + "/shared/drop/%s/early.json" % B, "too early")
    ev = s.Sim(sim.server, {B: cl[B]}).step()  # bob's cycle before alice's
    ok(get(cl[B], A + "/shared/drop/%s/early.rejected.json" % B) == "too early",
       "a write racing the ACL's first upload is rejected", ev)
    shutil.rmtree(t)
    # truncated versions are seen on the way
    seen = False
    for seed in range(8):
        t, cl, sim = world(seed, ("truncate",))
        put(cl[A], A + "/public/big.json", "x" * 100)
        for _ in range(5):
            sim.step()
            v = get(cl[B], A + "/public/big.json")
            seen = seen or (v is not None and len(v) < 100)
        shutil.rmtree(t)
    ok(seen, "truncate mode does show a truncated version before the whole one")
    skew_tests()
    conflict_tests()
    print("1..%d" % _n)
    return 1 if _fail else 0


if __name__ == "__main__":
    sys.exit(main())

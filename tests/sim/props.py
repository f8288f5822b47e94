#!/usr/bin/env python3
"""props - the queue's properties over many seeds, across the sync simulator.

Two data owners (DO) and three data scientists (DS), each on its own
simulated machine (own data folder, own clock: syncsim's skew mode).  Per
seed a mixed workload runs with the real `scq` ($SCQ_BUILD/scq) between sync
steps until quiescent: submits, approvals, rejections, cancels by either
side, expiry (the owner's clock jumps), runs (o1 with the real sandbox, o2
without it so run.sh can count its executions in a file outside), release
review (held results released, withheld or returned), a runner SIGKILLed
mid-cycle and started again, and a DS writing where it may not.  Then the
properties are checked from the data folders and the store (check_seed):

  lost        every job is in exactly one state at its owner, none
              quarantined or left in an inbox, none at another owner
  attributed  store record, published status and outbox folder name the
              real requester
  run-once    at most one `start` per job in the audit log, and (o2) at
              most one execution counted by run.sh itself
  approved    a job that started has an `approve` before its `start`, an
              approved.json whose digest is the submitted code's, and the
              code the log says ran is byte for byte what the owner's
              store held when it was approved (what the review showed)
  delivered   each DS's own folder holds the final status.json, the log
              and outputs (when released) of each of its jobs, the same
              bytes as the owner's store
  private     nothing of another requester's in a DS's folder
  acl         no file our app wrote was rejected (or hit a conflict) in
              the simulator: the path is named
  hostile     a DS's write into another requester's inbox or into the
              outbox is rejected, and the owner never sees it

SCQ_PROPS_BREAK=<name> breaks the system on purpose from outside the library
(see BREAKS) so that each property can be seen failing.

Usage: props.py [--seeds N | --seed S] [--first F] [--workers W] [--keep]
"""
import argparse
import hashlib
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import syncsim  # noqa: E402

DOS = ("o1@hosp1.example", "o2@hosp2.example")
DSS = ("d1@uni.example", "d2@uni.example", "d3@lab.example")
APP = "app_data/code-queue"
HOSTILE = ("shuffle", "delay", "truncate", "duplicate", "offline", "skew")
TERMINAL = ("completed", "failed", "rejected", "timedout", "cancelled")
STATES = ("pending", "approved", "running") + TERMINAL
BREAKS = {
    "run-twice": "a finished job is moved back to approved/ in the owner's store and run again",
    "lose-inbox": "a job's inbox entry is deleted on the server before its owner saw it",
    "misattribute": "a pending job's store record names another requester",
    "unapproved": "a pending job is moved to approved/ with a hand-made approved.json",
    "code-swap": "an approved job's code, manifest and digests are replaced before it runs",
    "no-log": "the owner's published execution.txt of a job is removed after publication",
    "leak": "a job's outbox entry is copied under another requester's outbox folder",
    "acl-no-inbox": "the owner's app ACL refuses requesters' writes to their inbox folders",
    "acl-open-outbox": "the owner's app ACL lets every requester write the outbox",
    "duplicate": "a finished job's store folder is copied into a second state folder",
}


class Fail(Exception):
    pass


def workdir():
    """SCQ_SIM_TMPDIR, else /dev/shm when it is a writable tmpfs (the
    properties do not depend on the disk, and the many small fsyncs of five
    machines' worth of scq commands dominate on a busy disk), else TMPDIR."""
    d = os.environ.get("SCQ_SIM_TMPDIR")
    if d:
        return d
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
        return "/dev/shm"
    return None


def sha(b):
    return hashlib.sha256(b).hexdigest()


def read(path, default=None):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return default


def tree(root):
    """{relative path: bytes} of the regular files under ROOT."""
    out = {}
    for d, _, files in os.walk(root):
        for n in files:
            p = os.path.join(d, n)
            if os.path.isfile(p) and not os.path.islink(p):
                out[os.path.relpath(p, root)] = read(p)
    return out


class World:
    def __init__(self, seed, scq, shim, brk=None, keep=False):
        self.seed, self.bin, self.shim, self.brk = seed, scq, shim, brk
        self.rng = random.Random("props:%d" % seed)
        self.dir = tempfile.mkdtemp(prefix="scq-props-%d-" % seed, dir=workdir())
        self.keep = keep
        self.dd = {e: os.path.join(self.dir, e.split("@")[0]) for e in DOS + DSS}
        self.sim = syncsim.Sim(os.path.join(self.dir, "server"), self.dd, seed, HOSTILE)
        self.jump = {e: 0 for e in DOS}     # an owner's clock jump (expiry)
        self.jobs = {}      # uid -> {ds, do, code: {path: bytes}, digest}
        self.reviewed = {}  # uid -> {path: bytes} in the owner's store at approval
        self.hostile = []   # paths a DS wrote where it may not
        self.events = []    # every simulator event
        self.counter = os.path.join(self.dir, "executions.txt")
        self.log = []       # what the driver did (shown on failure)
        self.broken = False
        self.kills = 0

    # ----------------------------------------------------------- plumbing
    def scq(self, who, *args, check=False, popen=False):
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        senv = self.sim.client_env(who, self.shim)
        if who in self.jump and self.jump[who]:
            senv = {"LD_PRELOAD": self.shim, "CLOCKSTEP_FILE": "/",
                    "CLOCKSTEP_OFFSET": str(self.sim.skew(who) + self.jump[who])}
        env.update(senv)
        if senv:  # a sanitizer build wants its runtime first otherwise (t0410)
            env["ASAN_OPTIONS"] = ":".join(x for x in (os.environ.get("ASAN_OPTIONS"),
                                                       "verify_asan_link_order=0") if x)
        argv = [self.bin, "--email", who, "--data-dir", self.dd[who]] + list(args)
        self.log.append(" ".join(argv[5:]) + " (%s)" % who)
        if popen:
            return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        r = subprocess.run(argv, env=env, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise Fail("setup: scq %s as %s failed: %s" % (" ".join(args), who, r.stderr.strip()))
        return r

    def step(self, n=1):
        for _ in range(n):
            ev = self.sim.step()
            self.events += ev

    def settle(self):
        self.events += self.sim.settle(200)

    def app(self, who, owner):
        return os.path.join(self.dd[who], "datasites", owner, APP)

    def store(self, do):
        return os.path.join(self.dd[do], "private", "code-queue", do)

    def where(self, do, uid):
        """The state folders holding UID at DO."""
        return [s for s in STATES if os.path.isdir(os.path.join(self.store(do), "jobs", s, uid))]

    def jobdir(self, do, uid):
        w = self.where(do, uid)
        return os.path.join(self.store(do), "jobs", w[0], uid) if w else None

    def in_state(self, do, state):
        d = os.path.join(self.store(do), "jobs", state)
        return sorted(u for u in os.listdir(d) if u in self.jobs) if os.path.isdir(d) else []

    def held(self, do):
        out = []
        for st in ("completed", "failed", "cancelled"):
            for u in self.in_state(do, st):
                d = os.path.join(self.store(do), "jobs", st, u)
                rr = read(os.path.join(d, "result.json"))
                if rr and json.loads(rr).get("release") == "review" and \
                        not os.path.exists(os.path.join(d, "released.json")):
                    out.append(u)
        return out

    # ----------------------------------------------------------- workload
    def setup(self):
        for e in DOS + DSS:
            self.scq(e, "init", check=True)
        self.scq(DOS[0], "config", "set", "isolation", "full", check=True)
        self.scq(DOS[1], "config", "set", "isolation", "none", check=True)
        for do in DOS:
            if self.rng.random() < 0.6:
                self.scq(do, "config", "set", "release", "review", check=True)
        self.settle()
        if self.brk == "acl-no-inbox":
            self.tamper_acl(DOS[0], "inbox/{{.UserEmail}}/**", "write: []", "read: ['USER']")
        if self.brk == "acl-open-outbox":
            self.tamper_acl(DOS[0], "outbox/{{.UserEmail}}/**", "write: ['USER']", "read: ['USER']")

    def tamper_acl(self, do, pattern, write, read_):
        text = ("terminal: true\nrules:\n  - pattern: '%s'\n    access:\n      %s\n      %s\n"
                "  - pattern: 'inbox/{{.UserEmail}}/**'\n    access:\n      write: ['USER']\n"
                "      read: ['USER']\n"
                "  - pattern: 'outbox/{{.UserEmail}}/**'\n    access:\n      read: ['USER']\n"
                "  - pattern: '**'\n    access:\n      read: []\n") % (pattern, write, read_)
        p = os.path.join(self.app(do, do), "syft.pub.yaml")
        os.chmod(p, 0o644)
        with open(p, "w") as f:
            f.write(text)
        self.broken = True
        self.settle()

    def make_code(self, n, ds, do):
        kind = self.rng.choice(("quick", "quick", "slow", "fail"))
        body = ["#!/bin/bash", "# job %d of seed %d by %s for %s (%s)" % (n, self.seed, ds, do, kind),
                'cd "$CODE_DIR" && sha256sum run.sh data.txt | sed "s/^/ran: /"',
                '( echo "$JOB_ID" >> %s ) 2>/dev/null || true' % self.counter]
        if kind == "slow":
            body.append("sleep 0.2")
        body.append('echo "$JOB_ID $SYFT_REQUESTER" > "$OUTPUT_DIR/result.txt"')
        if kind == "fail":
            body.append("exit 3")
        code = {"run.sh": ("\n".join(body) + "\n").encode(),
                "data.txt": ("%x\n" % self.rng.getrandbits(64)).encode()}
        d = os.path.join(self.dir, "code-%d" % n)
        os.makedirs(d)
        for p, b in code.items():
            with open(os.path.join(d, p), "wb") as f:
                f.write(b)
        os.chmod(os.path.join(d, "run.sh"), 0o755)
        return d, code

    def submit(self, n):
        ds, do = self.rng.choice(DSS), self.rng.choice(DOS)
        d, code = self.make_code(n, ds, do)
        fate = self.rng.choice(("approve", "approve", "approve", "reject", "cancel-ds",
                                "cancel-do", "expire", "cancel-ds-late"))
        args = ["submit", d, "--to", do, "--name", "job %d" % n]
        if fate == "expire":
            args += ["--timeout", "600"]
        r = self.scq(ds, *args, check=True)
        uid = r.stdout.strip().splitlines()[-1]
        self.jobs[uid] = {"ds": ds, "do": do, "code": code, "fate": fate}
        return uid

    def snapshot_review(self, do, uid):
        d = self.jobdir(do, uid)
        if d and uid not in self.reviewed:
            self.reviewed[uid] = tree(os.path.join(d, "code"))

    def decide(self, do):
        """The owner's decisions on its pending jobs, by each job's fate."""
        for uid in self.in_state(do, "pending"):
            fate = self.jobs[uid]["fate"]
            if fate in ("approve", "cancel-ds-late"):
                self.snapshot_review(do, uid)
                self.scq(do, "approve", uid, "-r", "ok")
            elif fate == "reject":
                self.scq(do, "reject", uid, "-r", "no")
            elif fate == "cancel-do":
                self.scq(do, "cancel", uid)
            elif fate == "expire" and self.rng.random() < 0.5:
                self.jump[do] += 3600   # the owner's clock jumps past its wait
                self.scq(do, "pending")

    def release_all(self, do):
        for uid in self.held(do):
            how = self.rng.choice(("release", "release", "withhold", "return"))
            if how == "release":
                self.scq(do, "release", uid, "-r", "fine", "--ack-flags")
            else:
                self.scq(do, how, uid, "-r", "not this")

    def run(self, do):
        if self.rng.random() < 0.25 and self.in_state(do, "approved"):
            p = self.scq(do, "run", popen=True)  # killed mid-cycle
            time.sleep(self.rng.uniform(0.0, 0.15))
            p.send_signal(signal.SIGKILL)
            p.wait()
            self.log.append("(runner of %s killed)" % do)
            self.kills += 1
        self.scq(do, "run")
        if self.brk == "run-twice" and not self.broken:
            for uid in self.in_state(do, "completed"):
                src = os.path.join(self.store(do), "jobs", "completed", uid)
                for n in ("result.json", "running.json"):
                    if os.path.exists(os.path.join(src, n)):
                        os.unlink(os.path.join(src, n))
                os.rename(src, os.path.join(self.store(do), "jobs", "approved", uid))
                self.broken = True
                self.scq(do, "run")
                break

    def hostile_write(self):
        ds = self.rng.choice(DSS)
        do = self.rng.choice(DOS)
        other = self.rng.choice([d for d in DSS if d != ds])
        uid = "%08x-0000-4000-8000-%012x" % (self.rng.getrandbits(32), self.rng.getrandbits(48))
        base = self.app(ds, do)
        paths = [os.path.join("inbox", other, uid, "job.json"),
                 os.path.join("outbox", ds, uid, "status.json")]
        for rel in paths:
            full = os.path.join(base, rel)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write('{"uid":"%s","requester_email":"%s","status":"completed"}\n' % (uid, other))
            self.hostile.append((ds, do, os.path.join(do, APP, rel), uid))

    def tamper(self):
        """Breaks applied between steps (SCQ_PROPS_BREAK)."""
        b = self.brk
        if self.broken or not b:
            return
        for uid, j in self.jobs.items():
            do, ds = j["do"], j["ds"]
            d = self.jobdir(do, uid)
            st = self.where(do, uid)
            if b == "lose-inbox" and not st:
                p = os.path.join(self.sim.server, "datasites", do, APP, "inbox", ds, uid, "job.json")
                if os.path.exists(p):
                    os.unlink(p)
                    self.broken = True
            elif b == "misattribute" and st == ["pending"]:
                rec = json.loads(read(os.path.join(d, "job.json")))
                rec["requester_email"] = [x for x in DSS if x != ds][0]
                with open(os.path.join(d, "job.json"), "w") as f:
                    json.dump(rec, f)
                self.broken = True
            elif b == "unapproved" and st == ["pending"] and j["fate"] != "approve":
                rec = json.loads(read(os.path.join(d, "job.json")))
                with open(os.path.join(d, "approved.json"), "w") as f:
                    json.dump({"at": "2026-01-01T00:00:00.000000Z", "by": do, "reason": "x",
                               "code_sha256": rec["code_sha256"], "allow_network": False,
                               "uid": uid}, f)
                os.rename(d, os.path.join(self.store(do), "jobs", "approved", uid))
                self.broken = True
            elif b == "code-swap" and st == ["approved"]:
                self.swap_code(d)
                self.broken = True
            elif b == "no-log" and st and st[0] in TERMINAL:
                p = os.path.join(self.app(do, do), "outbox", ds, uid, "execution.txt")
                if os.path.exists(p):
                    os.unlink(p)
                    self.broken = True
            elif b == "leak" and st and st[0] in TERMINAL:
                src = os.path.join(self.app(do, do), "outbox", ds, uid)
                if os.path.exists(os.path.join(src, "status.json")):
                    other = [x for x in DSS if x != ds][0]
                    shutil.copytree(src, os.path.join(self.app(do, do), "outbox", other, uid))
                    self.broken = True
            elif b == "duplicate" and st and st[0] in ("completed", "failed"):
                other = "failed" if st[0] == "completed" else "completed"
                shutil.copytree(d, os.path.join(self.store(do), "jobs", other, uid))
                self.broken = True
            if self.broken:
                self.log.append("(break %s applied to %s)" % (b, uid))
                return

    def swap_code(self, d):
        """Replace run.sh and every digest consistently (the manifest digest
        of syft-code-queue, protocol.md section 3)."""
        run = read(os.path.join(d, "code", "run.sh")) + b"echo swapped\n"
        with open(os.path.join(d, "code", "run.sh"), "wb") as f:
            f.write(run)
        man = json.loads(read(os.path.join(d, "manifest.json")))
        for e in man["files"]:
            if e["path"] == "run.sh":
                e["size"], e["sha256"] = len(run), sha(run)
        dig = hashlib.sha256(b"".join(
            ("%s\0%d\0%s\0%s\n" % (e["path"], e["size"], e["mode"], e["sha256"])).encode()
            for e in man["files"])).hexdigest()
        with open(os.path.join(d, "manifest.json"), "w") as f:
            json.dump(man, f)
        for n in ("job.json", "approved.json"):
            rec = json.loads(read(os.path.join(d, n)))
            rec["code_sha256"] = dig
            with open(os.path.join(d, n), "w") as f:
                json.dump(rec, f)

    def workload(self):
        n_jobs = self.rng.randint(4, 7)
        submitted = 0
        for _ in range(60):
            acts = ["step"]
            if submitted < n_jobs:
                acts += ["submit", "submit"]
            acts += ["decide", "run", "release", "cancel-ds"]
            if not self.hostile and self.rng.random() < 0.5:
                acts.append("hostile")
            a = self.rng.choice(acts)
            if a == "submit":
                self.submit(submitted)
                submitted += 1
            elif a == "decide":
                self.decide(self.rng.choice(DOS))
            elif a == "run":
                self.run(self.rng.choice(DOS))
            elif a == "release":
                self.release_all(self.rng.choice(DOS))
            elif a == "cancel-ds":
                mine = [u for u, j in self.jobs.items() if j["fate"].startswith("cancel-ds")
                        and not j.get("cancelled")]
                if mine:
                    u = self.rng.choice(mine)
                    self.scq(self.jobs[u]["ds"], "cancel", u)
                    self.jobs[u]["cancelled"] = True
            elif a == "hostile":
                self.hostile_write()
            self.tamper()
            self.step(self.rng.randint(0, 2))
            if submitted >= n_jobs and a == "step" and self.rng.random() < 0.2:
                break
        while submitted < n_jobs:
            self.submit(submitted)
            submitted += 1

    def drain(self):
        """Until quiescent: every job decided, run, released, synced."""
        for _ in range(12):
            self.settle()
            busy = False
            for do in DOS:
                self.decide(do)
                for uid in self.in_state(do, "pending"):  # drain what is left
                    self.scq(do, "reject", uid, "-r", "drained")
                if self.in_state(do, "approved") or self.in_state(do, "running"):
                    busy = True
                self.run(do)
                self.release_all(do)
                self.tamper()
            self.settle()
            if not busy and all(self.settled(u, j) for u, j in self.jobs.items()):
                for ds in DSS:  # the requesters' own views, after the last sync
                    self.scq(ds, "jobs")
                self.settle()
                return
        # not quiescent: the properties say what is wrong (lost, still
        # running or held, not delivered)
        self.log.append("(not quiescent after the drain)")

    def settled(self, uid, j):
        """Finished and decided, or gone for good (the check says lost)."""
        w = self.where(j["do"], uid)
        if not w:
            return not os.path.exists(os.path.join(self.app(j["do"], j["do"]), "inbox",
                                                   j["ds"], uid))
        return w[0] in TERMINAL and uid not in self.held(j["do"])

    # ----------------------------------------------------------- properties
    def check(self):
        errs = []

        def bad(prop, msg):
            errs.append((prop, msg))
        audits = {}
        for do in DOS:
            lines = (read(os.path.join(self.store(do), "audit.jsonl"), b"") or b"").splitlines()
            audits[do] = [json.loads(x) for x in lines if x.strip()]
            q = os.path.join(self.store(do), "quarantine")
            if os.path.isdir(q) and os.listdir(q):
                reasons = []
                for x in sorted(os.listdir(q)):
                    try:
                        r = json.loads(read(os.path.join(q, x, "reason.json"), b"{}"))
                        reasons.append("%s/%s: %s" % (r.get("inbox_folder"), r.get("entry"),
                                                      r.get("reason")))
                    except ValueError:
                        reasons.append(x + ": reason.json unreadable")
                bad("lost", "%s quarantined: %s" % (do, "; ".join(reasons)[:400]))
        execs = (read(self.counter, b"") or b"").decode().split()
        for uid, j in sorted(self.jobs.items()):
            do, ds, u8 = j["do"], j["ds"], uid[:8]
            st = self.where(do, uid)
            other = [o for o in DOS if o != do]
            if len(st) != 1:
                bad("lost" if not st else "duplicated",
                    "job %s (%s -> %s) is in %s at its owner" % (u8, ds, do, st or "no state"))
                continue
            if any(self.where(o, uid) for o in other):
                bad("duplicated", "job %s is also at %s" % (u8, other))
            st = st[0]
            d = self.jobdir(do, uid)
            if st not in TERMINAL:
                bad("lost", "job %s still %s after the drain" % (u8, st))
            if os.path.exists(os.path.join(self.app(do, do), "inbox", ds, uid)):
                bad("lost", "job %s left in %s's inbox" % (u8, do))
            rec = json.loads(read(os.path.join(d, "job.json")))
            if rec.get("requester_email") != ds:
                bad("attributed", "job %s by %s is recorded as %s's" % (u8, ds, rec.get("requester_email")))
            ev = [e for e in audits[do] if e.get("uid") == uid]
            starts = [i for i, e in enumerate(ev) if e["event"] == "start"]
            approves = [i for i, e in enumerate(ev) if e["event"] in ("approve",)]
            if len(starts) > 1:
                bad("run-once", "job %s started %d times (audit)" % (u8, len(starts)))
            n_exec = execs.count(uid)
            if do == DOS[1] and n_exec > 1:
                bad("run-once", "job %s executed %d times (its own counter)" % (u8, n_exec))
            if do == DOS[1] and n_exec > len(starts):
                bad("approved", "job %s executed without a start in the audit" % u8)
            if starts or n_exec:
                if not approves or (starts and approves[0] > starts[0]):
                    bad("approved", "job %s ran without an approval before it" % u8)
                ap = read(os.path.join(d, "approved.json"))
                want = self.digest(j["code"])
                if not ap or json.loads(ap).get("code_sha256") != want:
                    bad("approved", "job %s: approved.json's digest is not the submitted code's" % u8)
                log = (read(os.path.join(d, "execution.log"), b"") or b"").decode("utf-8", "replace")
                ran = {ln.split()[2]: ln.split()[1] for ln in log.splitlines()
                       if ln.startswith("ran: ") and len(ln.split()) == 3}
                rev = self.reviewed.get(uid)
                if rev is None:
                    bad("approved", "job %s ran but its owner never reviewed it" % u8)
                elif rev != j["code"]:
                    bad("approved", "job %s: the code reviewed is not the code submitted" % u8)
                elif ran and ran != {p: sha(b) for p, b in rev.items()}:
                    bad("approved", "job %s: the code that ran %s is not the code reviewed %s"
                        % (u8, ran, {p: sha(b)[:12] for p, b in rev.items()}))
            self.check_delivery(uid, j, st, d, bad)
        self.check_private(bad)
        self.check_acl(bad)
        self.check_hostile(bad)
        return errs

    @staticmethod
    def digest(code):
        ents = sorted(code)
        return sha(b"".join(("%s\0%d\0%s\0%s\n" % (p, len(code[p]),
                                                      "0755" if p == "run.sh" else "0644",
                                                      sha(code[p]))).encode() for p in ents))

    def check_delivery(self, uid, j, st, d, bad):
        do, ds, u8 = j["do"], j["ds"], uid[:8]
        mine = os.path.join(self.app(ds, do), "outbox", ds, uid)
        sj = read(os.path.join(mine, "status.json"))
        if not sj:
            bad("delivered", "%s never got status.json of job %s (%s at %s)" % (ds, u8, st, do))
            return
        pub = json.loads(sj)
        if pub.get("status") != st:
            bad("delivered", "%s sees job %s as %s, its owner has it %s" % (ds, u8, pub.get("status"), st))
        if pub.get("requester_email") != ds or pub.get("uid") != uid:
            bad("attributed", "status.json of job %s at %s names %s" % (u8, ds, pub.get("requester_email")))
        rel = read(os.path.join(d, "released.json"))
        rr = read(os.path.join(d, "result.json"))
        if not rr:
            return
        decision = json.loads(rel).get("decision", "release") if rel else None
        released = json.loads(rr).get("release") != "review" or decision == "release"
        log = read(os.path.join(mine, "execution.txt"))
        outs = tree(os.path.join(mine, "output"))
        if released:
            if log != read(os.path.join(d, "execution.log")):
                bad("delivered", "%s's execution.txt of job %s is %s, not the owner's log"
                    % (ds, u8, "missing" if log is None else "different"))
            if outs != tree(os.path.join(d, "output")):
                bad("delivered", "%s's outputs of job %s differ from the owner's: %s vs %s"
                    % (ds, u8, sorted(outs), sorted(tree(os.path.join(d, "output")))))
            got = outs.get("result.txt")
            if got is not None and got.decode("utf-8", "replace").split() != [uid, ds]:
                bad("attributed", "job %s's output says it ran for %r" % (u8, got))
        elif log is not None or outs:
            bad("delivered", "%s got results of job %s the owner did not release (%s)" % (ds, u8, decision))

    def check_private(self, bad):
        hostile = {p for _, _, p, _ in self.hostile}
        for ds in DSS:
            base = os.path.join(self.dd[ds], "datasites")
            for do in DOS:
                for rel in tree(os.path.join(base, do, APP)):
                    full = os.path.join(do, APP, rel)
                    if full in hostile or syncsim.ignored(full) or ".rejected" in rel:
                        continue
                    parts = rel.split("/")
                    if parts[0] not in ("inbox", "outbox") or len(parts) < 2 or parts[1] != ds:
                        bad("private", "%s holds %s" % (ds, full))
                    elif parts[0] == "outbox" and len(parts) > 2:
                        u = parts[2]
                        if u in self.jobs and self.jobs[u]["ds"] != ds:
                            bad("private", "%s holds another requester's job: %s" % (ds, full))

    def check_acl(self, bad):
        hostile = {p for _, _, p, _ in self.hostile}
        for kind, who, path, why in [e + ("",) * (4 - len(e)) for e in self.events]:
            if kind in ("reject", "reject-delete", "conflict") and path not in hostile:
                bad("acl", "the simulator refused %s's %s (%s): %s" % (who, path, kind, why))

    def check_hostile(self, bad):
        srv = os.path.join(self.sim.server, "datasites")
        for ds, do, path, uid in self.hostile:
            if not any(e[0] == "reject" and e[1] == ds and e[2] == path for e in self.events):
                bad("hostile", "%s's write to %s was not rejected" % (ds, path))
            if os.path.exists(os.path.join(srv, path)):
                bad("hostile", "%s's write to %s reached the server" % (ds, path))
            if os.path.exists(os.path.join(self.dd[do], "datasites", path)) or self.where(do, uid):
                bad("hostile", "%s saw %s's write to %s" % (do, ds, path))

    def done(self):
        if self.keep:  # what happened, for the replay
            with open(os.path.join(self.dir, "events.log"), "w") as f:
                f.write("\n".join(" ".join(map(str, e)) for e in self.events) + "\n")
            with open(os.path.join(self.dir, "driver.log"), "w") as f:
                f.write("\n".join(self.log) + "\n")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def run_seed(args):
    seed, scq, shim, brk, keep = args
    t0 = time.time()
    w = World(seed, scq, shim, brk, keep)
    try:
        w.setup()
        w.workload()
        w.drain()
        errs = w.check()
    except Exception as e:  # noqa: BLE001 (a driver failure is a failure of the seed)
        errs = [("driver", "%s: %s" % (type(e).__name__, e))]
        if not isinstance(e, Fail):
            errs.append(("driver", traceback.format_exc().replace("\n", " | ")[-600:]))
    tail = w.log[-12:]
    outcomes = {}
    for u, j in w.jobs.items():
        st = w.where(j["do"], u)
        k = st[0] if len(st) == 1 else "?"
        d = w.jobdir(j["do"], u)
        rel = d and read(os.path.join(d, "released.json"))
        if rel:
            k += "/" + json.loads(rel).get("decision", "?")
        outcomes[k] = outcomes.get(k, 0) + 1
    stats = {"jobs": len(w.jobs), "steps": w.sim.state["step"], "hostile": len(w.hostile),
             "kills": w.kills, "outcomes": outcomes, "dir": w.dir if keep else None}
    w.done()
    return seed, errs, time.time() - t0, stats, tail


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=int(os.environ.get("SCQ_SIM_SEEDS", 200)))
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--seed", type=int, default=os.environ.get("SCQ_SIM_SEED"))
    ap.add_argument("--workers", type=int, default=int(os.environ.get("SCQ_SIM_WORKERS", 2)))
    ap.add_argument("--keep", action="store_true", help="keep each seed's folders")
    ap.add_argument("--tap", action="store_true", help="one TAP line per property")
    a = ap.parse_args(argv)
    build = os.environ.get("SCQ_BUILD") or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                        "..", "..", "build")
    scq, shim = os.path.join(build, "scq"), os.path.join(build, "tests", "clockstep.so")
    brk = os.environ.get("SCQ_PROPS_BREAK") or None
    if brk and brk not in BREAKS:
        ap.error("SCQ_PROPS_BREAK: one of " + ", ".join(BREAKS))
    for f in (scq, shim):
        if not os.path.exists(f):
            print("Bail out! %s is missing (make all unit)" % f)
            return 1
    seeds = [a.seed] if a.seed is not None else list(range(a.first, a.first + a.seeds))
    jobs = [(int(s), scq, shim, brk, a.keep) for s in seeds]
    t0 = time.time()
    fails, props, total_jobs, outcomes, kills, steps = [], {}, 0, {}, 0, 0
    here = os.path.abspath(__file__)
    if a.workers > 1 and len(jobs) > 1:
        pool = multiprocessing.Pool(a.workers)
        results = pool.imap_unordered(run_seed, jobs)
    else:
        pool, results = None, map(run_seed, jobs)
    for seed, errs, dt, stats, tail in results:
        total_jobs += stats["jobs"]
        kills += stats["kills"]
        steps += stats["steps"]
        for k, v in stats["outcomes"].items():
            outcomes[k] = outcomes.get(k, 0) + v
        for prop, msg in errs:
            props.setdefault(prop, []).append(seed)
            fails.append((seed, prop, msg, tail, stats))
    if pool:
        pool.close()
        pool.join()
    fails.sort(key=lambda f: f[0])
    for seed, prop, msg, tail, stats in fails[:20]:
        print("# seed %d: property '%s': %s" % (seed, prop, msg))
        print("#   replay: SCQ_SIM_SEED=%d SCQ_BUILD=%s%s sh %s   (or: %s %s --seed %d --keep)" % (
            seed, build, " SCQ_PROPS_BREAK=" + brk if brk else "",
            os.path.normpath(os.path.join(os.path.dirname(here), "..", "integration",
                                          "t0920-sim-properties.sh")),
            sys.executable, here, seed))
    if fails:
        print("#   last driver actions of seed %d: %s" % (fails[0][0], " ; ".join(fails[0][3])))
    names = ("lost", "duplicated", "attributed", "run-once", "approved", "delivered", "private",
             "acl", "hostile", "driver")
    if a.tap:
        for i, p in enumerate(names, 1):
            s = props.get(p, [])
            print("%s %d - %s over %d seeds%s" % ("not ok" if s else "ok", i, p, len(seeds),
                                                  (": fails for seeds %s" % sorted(set(s))[:10]) if s else ""))
        print("1..%d" % len(names))
    print("# %d seeds, %d jobs, %d sync steps, %d runners killed, %.1f s, %d workers%s" % (
        len(seeds), total_jobs, steps, kills, time.time() - t0, a.workers,
        ", break " + brk if brk else ""))
    print("# outcomes: " + ", ".join("%s %d" % kv for kv in sorted(outcomes.items())))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

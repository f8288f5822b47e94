#!/usr/bin/env python3
"""syncsim - a SyftBox sync simulator for tests (not part of libscq).

N client data folders (each <dir>/datasites/<email>/...) and one server store
(<server>/datasites/...).  One step runs each client's sync cycle: upload what
it changed and may write, download what it may read, propagate deletions.
The rules are those of ../shared/reference/syftbox.md as the Go server
enforces them: ACL (section 3), sync (section 4), fidelity list (section 7).

Decisions where the reference leaves room (documented here, tested in
test_acl.py):
- Conflict (the client and the server both changed a path since the last
  sync, to different bytes): the server copy wins.  The local file is renamed
  to the `name.conflict.ext` marker and the next cycle downloads the server
  copy.  This is what the Go client intends (its TODO); the Go code may
  instead delete the remote copy (section 8), which our app must never rely
  on either way: one writer per path.
- A denied upload renames the local file to `name.rejected.ext` (rotating an
  older marker to `name.rejected.<YYYYMMDDHHMMSS>.ext`) and forgets the
  journal entry, so the next cycle downloads the server copy again (restore).
  A denied delete forgets the entry too, so the file comes back.
- Specificity ties keep file order (Go: unspecified).
- An unreadable or malformed syft.pub.yaml counts as a private `**` ruleset.
- Template values: .Year '%Y', .Month '%m', .Date '%Y-%m-%d' (UTC);
  sha2 = full SHA-256 hex (the reference does not say; no app here uses them).

Hostile delivery (each on with --hostile NAME; --hostile all is every mode
but conflict, which needs naming, e.g. all,conflict; the dice are seeded by
--seed, the step number and the client):
  shuffle    clients, uploads and downloads in random order
  delay      a download or remote delete arrives 0-3 steps later
  truncate   a download first arrives truncated (a truncated *version*, as
             a scan of a half-written file gives); the whole one follows
  duplicate  a download is delivered again 1-3 steps later
  offline    a client goes offline for 1-4 steps (no upload, no download)
  skew       each client's clock is off by a seeded constant (-3600..3600 s,
             Sim.skew): files the simulator writes at a client carry that
             client's time as their mtime, and Sim.client_env gives the
             environment (the clockstep preload, tests/shim/clockstep.c)
             under which the client's own commands see the same clock.  The
             kernel stamps ctimes with the true time: a real machine's
             skew moves both, so keep skews below the app's grace periods.
  conflict   a write/write conflict: when a client uploads a changed file,
             another client that may write the same path (the datasite's
             owner, or a holder of write access) writes its own version in
             the same step, before either cycle runs.  What syftbox.md 4.1
             says follows: the first cycle's upload reaches the server; the
             second client finds both its copy and the server's changed, its
             copy is renamed `name.conflict.ext` (kept, never deleted or
             uploaded: the loser's bytes are not lost) and the server's is
             downloaded.  A `conflict` event names both.

Conflicts also arise without the mode: a client whose local copy changed
while the server's changed or was deleted since its last sync (both sides
changed) keeps its copy as `name.conflict.ext` and takes the server's state.

State between CLI calls: <server>/.syncsim.json (step, in-flight deliveries,
offline clients) and <client>/.data/syncsim-journal.json (the journal).
"""
import argparse
import functools
import base64
import fnmatch
import hashlib
import json
import os
import random
import re
import stat
import sys
import time

import yaml

ACL = "syft.pub.yaml"
READ, WRITE, ADMIN = 1, 4, 8
RESERVED = ("api", ".well-known", "_internal")
EMAIL_RE = re.compile(r"^[^\s@/]+@[^\s@/]+\.[^\s@/]+$")
HOSTILE = ("shuffle", "delay", "truncate", "duplicate", "offline", "skew", "conflict")
# "all": every mode that only delivers (and clocks) differently; "conflict"
# writes bytes no user of the app wrote, so it is named on its own
ALL = ("shuffle", "delay", "truncate", "duplicate", "offline", "skew")
DEFAULT_IGNORE = [
    "syftignore", "*syftrejected*", "*syftconflict*", "*.conflict.*", "*.rejected.*",
    "*.syft.tmp.*", ".syftkeep", ".ipynb_checkpoints/", "__pycache__/", "*.py[cod]",
    "dist/", "venv/", ".venv/", ".vscode", ".idea", ".git", "*.tmp", "*.log", "logs/",
    ".DS_Store", "Thumbds.db", "Icon",
]


# ---------------------------------------------------------------- globs
def _class(p, i):
    """A [...] class at p[i]: (regex, next index), or None if unclosed."""
    j = i + 1
    if j < len(p) and p[j] in "!^":
        j += 1
    if j < len(p) and p[j] == "]":
        j += 1
    while j < len(p) and p[j] != "]":
        j += 1
    if j >= len(p):
        return None
    body = p[i + 1:j]
    neg = body[:1] in ("!", "^")
    if neg:
        body = body[1:]
    body = body.replace("\\", "\\\\")
    return ("[^/" if neg else "[") + body + "]", j + 1


def _split_alts(s):
    out, depth, cur = [], 0, ""
    for c in s:
        if c == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += c == "{"
        depth -= c == "}"
        cur += c
    return out + [cur]


def glob_regex(p):
    """doublestar syntax: * within a component, ** across, ?, [..], {a,b}."""
    out, i = "", 0
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p):
            out += re.escape(p[i + 1])
            i += 2
            continue
        if p.startswith("**", i):
            j = i + 2
            whole = (i == 0 or p[i - 1] == "/") and (j == len(p) or p[j] == "/")
            if whole and j < len(p):
                out += "(?:.*/)?"
                i = j + 1
            elif whole:
                out += ".*"
                i = j
            else:
                out += "[^/]*"
                i = j
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[" and _class(p, i):
            rx, i = _class(p, i)
            out += rx
            continue
        elif c == "{":
            depth, j = 0, i
            while j < len(p):
                depth += p[j] == "{"
                depth -= p[j] == "}"
                if depth == 0:
                    break
                j += 1
            if j < len(p):
                out += "(?:" + "|".join(glob_regex(a) for a in _split_alts(p[i + 1:j])) + ")"
                i = j + 1
                continue
            out += re.escape(c)
        else:
            out += re.escape(c)
        i += 1
    return out


@functools.lru_cache(maxsize=8192)
def _glob_compiled(pattern):
    return re.compile(glob_regex(pattern), re.S)


def glob_match(pattern, path):
    return _glob_compiled(pattern).fullmatch(path) is not None


def glob_escape(s):
    return re.sub(r"([*?\[\]{}\\])", r"\\\1", s)


# ---------------------------------------------------------------- ACL
_TPL = re.compile(r"\{\{\s*(.*?)\s*\}\}")


def resolve_template(pattern, email, now=None):
    t = time.gmtime(now if now is not None else time.time())
    vals = {
        ".UserEmail": email,
        ".UserHash": hashlib.sha256(email.encode()).hexdigest()[:16],
        ".Year": time.strftime("%Y", t),
        ".Month": time.strftime("%m", t),
        ".Date": time.strftime("%Y-%m-%d", t),
    }
    funcs = {"sha2": lambda v: hashlib.sha256(v.encode()).hexdigest(),
             "upper": str.upper, "lower": str.lower}

    def expr(m):
        parts = [x.strip() for x in m.group(1).split("|")]
        words = parts[0].split()
        if len(words) == 2 and words[0] in funcs and words[1] in vals:
            v = funcs[words[0]](vals[words[1]])
        elif len(words) == 1 and words[0] in vals:
            v = vals[words[0]]
        else:
            raise ValueError("unknown template " + m.group(0))
        for f in parts[1:]:
            if f not in funcs:
                raise ValueError("unknown template function " + f)
            v = funcs[f](v)
        return glob_escape(v)
    return _TPL.sub(expr, pattern)


def specificity(pattern):
    if pattern == "**":
        return -100
    if pattern == "**/*":
        return -99
    s = 2 * len(pattern) + 10 * pattern.count("/")
    if "{{" in pattern:
        s += 50
    for i, c in enumerate(pattern):
        if c == "*":
            s -= 20 if i == 0 else 10
        elif c in "?![{":
            s -= 2
    return s


PRIVATE_ALL = {"pattern": "**", "access": {}}


@functools.lru_cache(maxsize=4096)
def parse_ruleset(text):
    """(terminal, rules sorted by specificity) or None when the file does not
    count (empty).  A broken file is private."""
    if not text:
        return None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        doc = None
    if not isinstance(doc, dict):
        return (False, [PRIVATE_ALL])
    rules = []
    for r in doc.get("rules") or []:
        if isinstance(r, dict) and isinstance(r.get("pattern"), str) and r["pattern"] \
                and isinstance(r.get("access"), dict):
            rules.append(r)
    if not any(r["pattern"] == "**" for r in rules):
        rules.append(PRIVATE_ALL)
    rules = sorted(rules, key=lambda r: -specificity(r["pattern"]))  # stable
    return (bool(doc.get("terminal", False)), tuple(rules))  # cached: immutable


def principal_matches(p, email):
    if not isinstance(p, str):
        return False
    if p in ("*", "USER"):
        return True
    if any(c in p for c in "*?[]"):
        return fnmatch.fnmatchcase(email.lower(), p.lower())
    return p.lower() == email.lower()


def granted(access, email):
    level = 0
    for name, lv in (("admin", ADMIN | WRITE | READ), ("write", WRITE | READ), ("read", READ)):
        lst = access.get(name) or []
        if isinstance(lst, list) and any(principal_matches(p, email) for p in lst):
            level |= lv
    return level


def check(read_acl, path, email, level, now=None):
    """Go server verdict for EMAIL doing LEVEL on PATH (relative to
    datasites/).  read_acl(dir) gives that dir's syft.pub.yaml bytes or None.
    Returns (allowed, reason)."""
    parts = path.split("/")
    if not EMAIL_RE.match(parts[0]) or len(parts) < 2:
        return False, "not under a valid <email>/ datasite"
    if level > READ:
        for c in parts[1:]:
            if c.lower() in RESERVED:
                return False, "reserved component '%s'" % c
        if parts[-1] == ACL:
            level = ADMIN
    if path.startswith(email):  # the Go owner test is a string prefix
        return True, "owner"
    found = None
    for k in range(1, len(parts)):
        d = "/".join(parts[:k])
        rs = parse_ruleset(read_acl(d))
        if rs is None:
            continue
        found = (d, rs)
        if rs[0]:
            break
    if found is None:
        return False, "no ruleset on the path"
    d, (_, rules) = found
    for r in rules:
        pat = r["pattern"]
        try:
            pat = resolve_template(pat, email, now)
        except ValueError:
            continue
        if glob_match(glob_escape(d) + "/" + pat, path):
            ok = granted(r["access"], email) & level == level
            return ok, "%s/%s rule '%s'" % (d, ACL, r["pattern"])
    return False, "no rule matched"


def dir_acl_reader(root):
    """read_acl for a folder holding datasites/ (the server store)."""
    def read(d):
        try:
            with open(os.path.join(root, "datasites", d, ACL), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return None
    return read


# ---------------------------------------------------------------- files
def ignored(rel, extra=()):
    return _ignored(rel, tuple(extra))


@functools.lru_cache(maxsize=65536)
def _ignored(rel, extra):
    parts = rel.split("/")
    for pat in list(DEFAULT_IGNORE) + list(extra):
        dironly = pat.endswith("/")
        pat = pat.rstrip("/")
        if "/" in pat:
            if glob_match(pat.lstrip("/"), rel) or glob_match(pat.lstrip("/") + "/**", rel):
                return True
            continue
        comps = parts[:-1] if dironly else parts
        if any(fnmatch.fnmatchcase(c, pat) for c in comps):
            return True
    return False


def md5(b):
    return hashlib.md5(b).hexdigest()


_SCANNED = {}  # full path -> ((ino, size, mtime_ns, ctime_ns), bytes)


def _contents(full, st):
    """A file's bytes, read again only when its stat changed (the Go client
    caches its hashes by size and mtime, too)."""
    key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    hit = _SCANNED.get(full)
    if hit and hit[0] == key:
        return hit[1]
    with open(full, "rb") as f:
        data = f.read()
    if len(_SCANNED) > 200000:
        _SCANNED.clear()
    _SCANNED[full] = (key, data)
    return data


def scan(root):
    """{rel: bytes} of what a sync client would upload from root/datasites."""
    base = os.path.join(root, "datasites")
    extra = []
    try:
        with open(os.path.join(base, "syftignore")) as f:
            extra = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    except OSError:
        pass
    out = {}
    for dirpath, dirs, files in os.walk(base):  # os.walk does not follow symlinks
        for name in files:
            full = os.path.join(dirpath, name)
            rel = full[len(base) + 1:]
            if ignored(rel, extra):
                continue
            try:
                st = os.lstat(full)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):  # symlinks are never synced
                continue
            data = _contents(full, st)
            if data:  # 0-byte files are never synced
                out[rel] = data
    return out


def write_atomic(root, rel, data, skew=0):
    """temp, fsync, rename; a skewed client's file gets its clock's mtime."""
    full = os.path.join(root, "datasites", rel)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    tmp = os.path.join(os.path.dirname(full), ".%s.%d.syft.tmp.x" % (os.path.basename(full), os.getpid()))
    with open(tmp, "wb") as f:
        f.write(data)  # (no fsync: a test's machines do not crash)
    if skew:
        t = time.time() + skew
        os.utime(tmp, (t, t))
    os.rename(tmp, full)


def remove(root, rel):
    base = os.path.join(root, "datasites")
    try:
        os.unlink(os.path.join(base, rel))
    except FileNotFoundError:
        pass
    d = os.path.dirname(rel)
    while d:  # empty parents are removed after local deletes
        try:
            os.rmdir(os.path.join(base, d))
        except OSError:
            break
        d = os.path.dirname(d)


def marker_name(rel, kind):
    """report.json -> report.<kind>.json (Go filepath.Ext: the last dot)."""
    d, b = os.path.split(rel)
    stem, ext = os.path.splitext(b)
    if b.startswith(".") and not ext:
        stem, ext = "", b
    return os.path.join(d, "%s.%s%s" % (stem, kind, ext))


def mark(root, rel, kind):
    base = os.path.join(root, "datasites")
    m = marker_name(rel, kind)
    if os.path.exists(os.path.join(base, m)):  # rotate the older marker
        ts = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        os.rename(os.path.join(base, m), os.path.join(base, marker_name(rel, kind + "." + ts)))
    os.rename(os.path.join(base, rel), os.path.join(base, m))
    return m


# ---------------------------------------------------------------- simulator
class Sim:
    def __init__(self, server, clients, seed=0, hostile=()):
        """clients: {email: data_dir}.  hostile: names from HOSTILE."""
        self.server = server
        self.clients = dict(clients)
        self.seed = seed
        self.hostile = set(hostile) - {"all"} | (set(ALL) if "all" in hostile else set())
        bad = self.hostile - set(HOSTILE)
        if bad:
            raise ValueError("unknown hostile mode: " + ", ".join(sorted(bad)))
        os.makedirs(os.path.join(server, "datasites"), exist_ok=True)
        self._statef = os.path.join(server, ".syncsim.json")
        try:
            with open(self._statef) as f:
                self.state = json.load(f)
        except OSError:
            self.state = {"step": 0, "pending": {}, "offline": {}}
        self.state.setdefault("skew", {})
        for email in sorted(self.clients):
            if email not in self.state["skew"]:
                on = "skew" in self.hostile
                self.state["skew"][email] = \
                    random.Random("%s:skew:%s" % (seed, email)).randint(-3600, 3600) if on else 0
        self._read_acl = dir_acl_reader(server)
        self._srv = None
        self._verdicts = {}  # (email, rel, level) -> verdict, until an ACL changes
        self._acls = {}      # dir -> syft.pub.yaml text on the server, likewise
        self._jc = {}        # email -> journal (also saved to its file)
        self._jtext = {}     # email -> the journal text last saved
        self._acl_sig = None

    # clock skew
    def skew(self, email):
        """Seconds the client's clock is off (0 without the skew mode)."""
        return self.state["skew"].get(email, 0)

    def client_env(self, email, shim):
        """Environment entries under which a command of EMAIL's sees its
        skewed wall clock: SHIM is the clockstep preload's path.  Empty
        when the client has no skew."""
        off = self.skew(email)
        if not off:
            return {}
        return {"LD_PRELOAD": shim, "CLOCKSTEP_OFFSET": str(off), "CLOCKSTEP_FILE": "/"}

    # journal
    def _jpath(self, email):
        return os.path.join(self.clients[email], ".data", "syncsim-journal.json")

    def _journal(self, email):
        if email in self._jc:
            return self._jc[email]
        try:
            with open(self._jpath(email)) as f:
                return json.load(f)
        except OSError:
            return {}

    def _save(self, email, journal):
        self._jc[email] = journal
        text = json.dumps(journal, sort_keys=True)
        if self._jtext.get(email) == text:
            return
        self._jtext[email] = text
        p = self._jpath(email)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p + ".new", "w") as f:
            json.dump(journal, f, sort_keys=True)
        os.rename(p + ".new", p)

    def save_state(self):
        with open(self._statef + ".new", "w") as f:
            json.dump(self.state, f, sort_keys=True)
        os.rename(self._statef + ".new", self._statef)

    def _rng(self, *salt):
        return random.Random("%s:%s:%s" % (self.seed, self.state["step"], ":".join(map(str, salt))))

    def read_acl(self, d):
        if d not in self._acls:
            self._acls[d] = self._read_acl(d)
        return self._acls[d]

    def _acl_changed(self, rel):
        if rel.endswith("/" + ACL):
            self._verdicts, self._acls = {}, {}

    def may(self, email, rel, level):
        k = (email, rel, level)
        if k not in self._verdicts:
            self._verdicts[k] = check(self.read_acl, rel, email, level)
        return self._verdicts[k]

    def server_view(self, email):
        if self._srv is None:  # one scan per change of the server store
            self._srv = scan(self.server)
            sig = sorted((r, md5(d)) for r, d in self._srv.items() if r.endswith("/" + ACL))
            if sig != self._acl_sig:
                self._verdicts, self._acls, self._acl_sig = {}, {}, sig
        return {rel: data for rel, data in self._srv.items()
                if self.may(email, rel, READ)[0]}

    def step(self):
        """One sync step of every client; returns the events
        (kind, email, path, detail)."""
        self.state["step"] += 1
        n = self.state["step"]
        # tests may change the server store and journals between steps
        self._srv, self._jc = None, {}
        ev = []
        order = sorted(self.clients)
        if "shuffle" in self.hostile:
            self._rng("order").shuffle(order)
        if "conflict" in self.hostile:
            self._conflict_writes(n, order, ev)
        for email in order:
            off = self.state["offline"].get(email, 0)
            if off >= n:
                continue
            rng = self._rng(email)
            if "offline" in self.hostile and rng.random() < 0.1:
                k = rng.randint(1, 4)
                self.state["offline"][email] = n + k - 1
                ev.append(("offline", email, "", "%d steps" % k))
                continue
            self._deliver(email, n, ev)
            self._cycle(email, n, rng, ev)
        self.save_state()
        return ev

    def _conflict_writes(self, n, order, ev):
        """The conflict mode: for a file some online client changed since
        its last sync, another online client that may write the same path
        writes its own version of it in this step (before any cycle)."""
        online = [e for e in order if self.state["offline"].get(e, 0) < n]
        for email in online:
            rng = self._rng("conflict", email)
            j = self._journal(email)
            changed = [p for p, d in sorted(scan(self.clients[email]).items())
                       if md5(d) != j.get(p) and not p.endswith("/" + ACL)]
            if not changed or rng.random() >= 0.3:
                continue
            p = rng.choice(changed)
            for other in online:
                if other != email and self.may(other, p, WRITE)[0]:
                    full = os.path.join(self.clients[other], "datasites", p)
                    data = b"conflicting write by " + other.encode() + b"\n"
                    if os.path.isfile(full):
                        with open(full, "rb") as f:
                            data = f.read() + data
                    write_atomic(self.clients[other], p, data, self.skew(other))
                    ev.append(("conflict-write", other, p, "against " + email))
                    break

    def busy(self):
        n = self.state["step"]
        return any(self.state["pending"].values()) or \
            any(v >= n for v in self.state["offline"].values())

    def settle(self, max_steps=60):
        """Steps until a step does nothing and nothing is in flight."""
        out = []
        for _ in range(max_steps):
            ev = self.step()
            out += ev
            if not [e for e in ev if e[0] != "offline"] and not self.busy():
                return out
        raise RuntimeError("not quiescent after %d steps" % max_steps)

    def _deliver(self, email, n, ev):
        root = self.clients[email]
        j = self._journal(email)
        keep = []
        for d in self.state["pending"].get(email, []):
            if d["due"] > n:
                keep.append(d)
                continue
            local = os.path.join(root, "datasites", d["path"])
            cur = None
            if os.path.isfile(local) and not os.path.islink(local):
                with open(local, "rb") as f:
                    cur = md5(f.read())
            if cur != j.get(d["path"]):
                continue  # changed locally meanwhile: the next cycle reconciles
            if d["data"] is None:
                remove(root, d["path"])
                j.pop(d["path"], None)
                ev.append(("delete-local", email, d["path"], "late"))
            else:
                data = base64.b64decode(d["data"])
                write_atomic(root, d["path"], data, self.skew(email))
                j[d["path"]] = md5(data)
                ev.append(("download", email, d["path"], d.get("how", "late")))
        if len(keep) != len(self.state["pending"].get(email, [])):
            self._save(email, j)
        self.state["pending"][email] = keep

    def _cycle(self, email, n, rng, ev):
        root = self.clients[email]
        j = self._journal(email)
        local = scan(root)
        remote = self.server_view(email)
        inflight = {d["path"] for d in self.state["pending"].get(email, [])}
        ups, downs = [], []
        for p in sorted(set(local) | set(remote) | set(j)):
            if p in inflight:
                continue
            L = md5(local[p]) if p in local else None
            R = md5(remote[p]) if p in remote else None
            J = j.get(p)
            if L == R:
                if L is None:
                    j.pop(p, None)
                else:
                    j[p] = L
            elif R == J:
                ups.append(p)
            elif L == J or L is None:
                downs.append(p)
            else:  # both changed (the server's deleted, too): the server wins
                m = mark(root, p, "conflict")
                j.pop(p, None)
                ev.append(("conflict", email, p, m))
                if R is not None:
                    downs.append(p)
        if "shuffle" in self.hostile:
            rng.shuffle(ups)
        for p in ups:
            data = local.get(p)
            ok, why = self.may(email, p, WRITE)
            if not ok:
                j.pop(p, None)
                if data is None:
                    ev.append(("reject-delete", email, p, why))
                else:
                    ev.append(("reject", email, p, "%s -> %s" % (why, mark(root, p, "rejected"))))
                continue
            if data is None:
                remove(self.server, p)
                self._srv = None
                self._acl_changed(p)
                j.pop(p, None)
                ev.append(("delete", email, p, ""))
            else:
                write_atomic(self.server, p, data)
                self._srv = None
                self._acl_changed(p)
                j[p] = md5(data)
                ev.append(("upload", email, p, ""))
        if "shuffle" in self.hostile:
            rng.shuffle(downs)
        else:
            downs.sort(key=lambda p: (not p.startswith(email + "/"),
                                      not p.endswith("/" + ACL), len(remote.get(p, b""))))
        pend = self.state["pending"].setdefault(email, [])
        for p in downs:
            data = remote.get(p)
            delay = rng.randint(0, 3) if "delay" in self.hostile else 0
            if data is not None and "truncate" in self.hostile and len(data) >= 2 \
                    and rng.random() < 0.3:
                data, how = data[:rng.randint(1, len(data) - 1)], "truncated"
            else:
                how = "late" if delay else ""
            if "duplicate" in self.hostile and data is not None and rng.random() < 0.3:
                pend.append({"path": p, "due": n + rng.randint(1, 3), "how": "again",
                             "data": base64.b64encode(data).decode()})
            if delay:
                pend.insert(0, {"path": p, "due": n + delay, "how": how,
                                "data": None if data is None else base64.b64encode(data).decode()})
                continue
            if data is None:
                if L_unchanged(root, p, j):
                    remove(root, p)
                    ev.append(("delete-local", email, p, ""))
                j.pop(p, None)
            else:
                write_atomic(root, p, data, self.skew(email))
                j[p] = md5(data)
                ev.append(("download", email, p, how))
        self._save(email, j)


def L_unchanged(root, rel, j):
    full = os.path.join(root, "datasites", rel)
    if not os.path.isfile(full):
        return True
    with open(full, "rb") as f:
        return md5(f.read()) == j.get(rel)


# ---------------------------------------------------------------- CLI
def main(argv=None):
    ap = argparse.ArgumentParser(prog="syncsim.py", description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=("step", "settle", "check"))
    ap.add_argument("--server", required=True)
    ap.add_argument("--client", action="append", default=[], metavar="EMAIL=DIR")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hostile", default="", help="comma list of " + ",".join(HOSTILE) + " or all")
    ap.add_argument("--steps", type=int, default=1)
    ap.add_argument("--as", dest="who", help="check: EMAIL")
    ap.add_argument("--level", choices=("read", "write", "admin"), default="write")
    ap.add_argument("path", nargs="?", help="check: a path under datasites/")
    a = ap.parse_intermixed_args(argv)
    clients = {}
    for c in a.client:
        e, sep, d = c.partition("=")
        if not sep:
            ap.error("--client wants EMAIL=DIR")
        clients[e] = d
    if a.command == "check":
        lv = {"read": READ, "write": WRITE, "admin": ADMIN}[a.level]
        ok, why = check(dir_acl_reader(a.server), a.path, a.who, lv)
        print("%s %s" % ("allowed" if ok else "denied", why))
        return 0 if ok else 1
    sim = Sim(a.server, clients, a.seed, [h for h in a.hostile.split(",") if h])
    if a.command == "settle":
        ev = sim.settle(a.steps if a.steps > 1 else 60)
    else:
        ev = []
        for _ in range(a.steps):
            ev += sim.step()
    for e in ev:
        print(" ".join(x for x in e if x))
    return 0


if __name__ == "__main__":
    sys.exit(main())

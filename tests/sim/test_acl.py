#!/usr/bin/env python3
"""The simulator's ACL engine against every example of syftbox.md section 3
(TAP).  Each row: name, the syft.pub.yaml files (dir -> text, dirs relative to
datasites/), who, level, path, expected verdict.  Rows marked NAIVE are the
ones where a naive reading (inheritance, file order, union of rules, USER as
owner, write without admin for ACL files...) gives the other answer."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import syncsim as s  # noqa: E402

A = "alice@x.com"
R, W, ADM = s.READ, s.WRITE, s.ADMIN


def acl(*rules, terminal=False):
    out = "terminal: %s\nrules:\n" % ("true" if terminal else "false")
    for pat, access in rules:
        out += "  - pattern: '%s'\n    access:\n" % pat
        for k in ("admin", "write", "read"):
            out += "      %s: %s\n" % (k, access.get(k, []))
    return out


PUBLIC = {A: acl(("**", {})), A + "/public": acl(("**", {"read": ["*"]}))}
RPC = {A + "/app_data/app/rpc": acl(
    ("rpc.schema.json", {"read": ["*"]}),
    ("**/{{.UserEmail}}/*.request", {"read": ["USER"], "write": ["USER"]}),
    ("**/{{.UserEmail}}/*.response", {"read": ["USER"], "write": ["USER"]}))}
QUEUE = {A: acl(("**", {})), A + "/app_data/code-queue": acl(
    ("inbox/{{.UserEmail}}/**", {"read": ["USER"], "write": ["USER"]}),
    ("outbox/{{.UserEmail}}/**", {"read": ["USER"]}),
    ("**", {}), terminal=True)}
Q = A + "/app_data/code-queue/"
HASH = hashlib.sha256(b"bob@y.com").hexdigest()[:16]

ROWS = [
    # owner prefix
    ("owner may do anything in its datasite, no ACL at all", {}, A, W, A + "/a/b.txt", True),
    ("NAIVE owner test is a string prefix: alice@x.co writes alice@x.com/", {}, "alice@x.co", W, A + "/f.txt", True),
    ("no ruleset on the path: denied", {}, "bob@y.com", R, A + "/f.txt", False),
    # nearest file, no inheritance
    ("nearest file decides (root public, sub grants bob only): carol denied NAIVE",
     {A: acl(("**", {"read": ["*"]})), A + "/sub": acl(("**", {"read": ["bob@y.com"]}))},
     "carol@y.com", R, A + "/sub/f.txt", False),
    ("nearest file decides: bob allowed in sub",
     {A: acl(("**", {"read": ["*"]})), A + "/sub": acl(("**", {"read": ["bob@y.com"]}))},
     "bob@y.com", R, A + "/sub/deep/f.txt", True),
    ("a deeper file replaces the upper one, which still rules outside it",
     {A: acl(("**", {"read": ["*"]})), A + "/sub": acl(("**", {}))},
     "carol@y.com", R, A + "/other/f.txt", True),
    ("NAIVE terminal: deeper files are ignored (root terminal public, sub private)",
     {A: acl(("**", {"read": ["*"]}), terminal=True), A + "/sub": acl(("**", {}))},
     "carol@y.com", R, A + "/sub/f.txt", True),
    ("terminal in the middle stops the walk below it",
     {A + "/a": acl(("**", {"read": ["*"]}), terminal=True), A + "/a/b": acl(("**", {"write": ["*"]}))},
     "carol@y.com", W, A + "/a/b/f.txt", False),
    ("an empty (0-byte) ACL file does not count: the upper one rules",
     {A: acl(("**", {"read": ["*"]})), A + "/sub": ""},
     "carol@y.com", R, A + "/sub/f.txt", True),
    # specificity and first match
    ("NAIVE specificity, not file order: 'secret.csv' beats an earlier '*.csv'",
     {A: acl(("*.csv", {"read": ["*"]}), ("secret.csv", {}))}, "bob@y.com", R, A + "/secret.csv", False),
    ("... and '*.csv' still matches the others", {A: acl(("*.csv", {"read": ["*"]}), ("secret.csv", {}))},
     "bob@y.com", R, A + "/open.csv", True),
    ("NAIVE first match decides alone, lists never combined",
     {A: acl(("data/**", {"read": ["carol@y.com"]}), ("data/*.csv", {"write": ["bob@y.com"]}))},
     "carol@y.com", R, A + "/data/x.csv", False),
    ("'**/*' (-99) is tried before '**' (-100)",
     {A: acl(("**", {"read": ["carol@y.com"]}), ("**/*", {"read": ["bob@y.com"]}))},
     "carol@y.com", R, A + "/f.txt", False),
    ("NAIVE templated rules score +50: tried before an earlier plain one",
     {A: acl(("inbox/bob.has.a.long.name@y.com/**", {}), ("inbox/{{.UserEmail}}/**", {"write": ["USER"]}))},
     "bob.has.a.long.name@y.com", W, A + "/inbox/bob.has.a.long.name@y.com/f.txt", True),
    # implicit private **
    ("NAIVE implicit private '**' appended: unmatched path denied, no fallback to the upper file",
     {A: acl(("**", {"read": ["*"]})), A + "/sub": acl(("public.txt", {"read": ["*"]}))},
     "bob@y.com", R, A + "/sub/other.txt", False),
    ("a file with no rules is private", {A: "terminal: false\n"}, "bob@y.com", R, A + "/f.txt", False),
    ("a malformed file is private", {A: "rules: [\n"}, "bob@y.com", R, A + "/f.txt", False),
    # principals
    ("'*' is every user", {A: acl(("**", {"read": ["*"]}))}, "z@q.org", R, A + "/f.txt", True),
    ("an exact email", {A: acl(("**", {"read": ["bob@y.com"]}))}, "bob@y.com", R, A + "/f.txt", True),
    ("an exact email, someone else", {A: acl(("**", {"read": ["bob@y.com"]}))}, "bob@z.com", R, A + "/f.txt", False),
    ("glob *@company.com matches", {A: acl(("**", {"read": ["*@company.com"]}))},
     "bob@company.com", R, A + "/f.txt", True),
    ("glob *@company.com refuses another domain", {A: acl(("**", {"read": ["*@company.com"]}))},
     "bob@company.org", R, A + "/f.txt", False),
    ("glob *@*.company.com matches a subdomain", {A: acl(("**", {"read": ["*@*.company.com"]}))},
     "bob@eu.company.com", R, A + "/f.txt", True),
    ("glob *@*.company.com refuses the bare domain", {A: acl(("**", {"read": ["*@*.company.com"]}))},
     "bob@company.com", R, A + "/f.txt", False),
    ("NAIVE USER with a plain '**' is effectively '*'", {A: acl(("**", {"write": ["USER"]}))},
     "bob@y.com", W, A + "/anything/f.txt", True),
    # templates (the RPC ACL of syft_event)
    ("rpc: anyone reads rpc.schema.json", RPC, "bob@y.com", R, A + "/app_data/app/rpc/rpc.schema.json", True),
    ("rpc: nobody but the owner writes rpc.schema.json", RPC, "bob@y.com", W,
     A + "/app_data/app/rpc/rpc.schema.json", False),
    ("rpc: bob writes a request in his own folder", RPC, "bob@y.com", W,
     A + "/app_data/app/rpc/ep/bob@y.com/1.request", True),
    ("NAIVE rpc: bob may not write in carol's folder", RPC, "bob@y.com", W,
     A + "/app_data/app/rpc/ep/carol@y.com/1.request", False),
    ("rpc: bob reads his response", RPC, "bob@y.com", R, A + "/app_data/app/rpc/ep/bob@y.com/1.response", True),
    ("rpc: carol cannot read bob's response", RPC, "carol@y.com", R,
     A + "/app_data/app/rpc/ep/bob@y.com/1.response", False),
    ("rpc: a request outside a per-user folder is private", RPC, "bob@y.com", W,
     A + "/app_data/app/rpc/ep/1.request", False),
    ("template {{.UserHash}}: first 8 bytes of sha256, 16 hex",
     {A: acl(("{{.UserHash}}/**", {"write": ["USER"]}))}, "bob@y.com", W, A + "/%s/f.txt" % HASH, True),
    ("template {{.UserHash}}: another user's hash folder",
     {A: acl(("{{.UserHash}}/**", {"write": ["USER"]}))}, "carol@y.com", W, A + "/%s/f.txt" % HASH, False),
    ("template {{upper .UserEmail}}", {A: acl(("{{upper .UserEmail}}/**", {"write": ["USER"]}))},
     "bob@y.com", W, A + "/BOB@Y.COM/f.txt", True),
    ("template {{sha2 .UserEmail}}", {A: acl(("{{sha2 .UserEmail}}/**", {"read": ["USER"]}))},
     "bob@y.com", R, A + "/%s/f.txt" % hashlib.sha256(b"bob@y.com").hexdigest(), True),
    ("template {{.Year}}", {A: acl(("{{.Year}}/**", {"read": ["*"]}))},
     "bob@y.com", R, A + "/%s/f.txt" % __import__("time").strftime("%Y", __import__("time").gmtime()), True),
    # levels
    ("NAIVE write implies read", {A: acl(("**", {"write": ["bob@y.com"]}))}, "bob@y.com", R, A + "/f.txt", True),
    ("read does not imply write", {A: acl(("**", {"read": ["bob@y.com"]}))}, "bob@y.com", W, A + "/f.txt", False),
    ("admin implies write", {A: acl(("**", {"admin": ["bob@y.com"]}))}, "bob@y.com", W, A + "/f.txt", True),
    ("admin implies read", {A: acl(("**", {"admin": ["bob@y.com"]}))}, "bob@y.com", R, A + "/f.txt", True),
    ("NAIVE writing syft.pub.yaml needs admin, write is not enough",
     {A: acl(("**", {"write": ["bob@y.com"]}))}, "bob@y.com", W, A + "/sub/syft.pub.yaml", False),
    ("writing syft.pub.yaml with admin", {A: acl(("**", {"admin": ["bob@y.com"]}))},
     "bob@y.com", W, A + "/sub/syft.pub.yaml", True),
    ("NAIVE syft-perm's 'create' list is not understood by the server",
     {A: "rules:\n  - pattern: '**'\n    access:\n      create: ['bob@y.com']\n"}, "bob@y.com", W, A + "/f.txt", False),
    # patterns
    ("'*' does not cross '/'", {A: acl(("*.csv", {"read": ["*"]}))}, "bob@y.com", R, A + "/sub/x.csv", False),
    ("'**' crosses '/'", {A: acl(("**/*.csv", {"read": ["*"]}))}, "bob@y.com", R, A + "/sub/deep/x.csv", True),
    ("'**/' also matches zero folders", {A: acl(("**/*.csv", {"read": ["*"]}))}, "bob@y.com", R, A + "/x.csv", True),
    ("'?' is one character", {A: acl(("f?.txt", {"read": ["*"]}))}, "bob@y.com", R, A + "/f1.txt", True),
    ("'?' is exactly one", {A: acl(("f?.txt", {"read": ["*"]}))}, "bob@y.com", R, A + "/f12.txt", False),
    ("'[abc]' class", {A: acl(("[ab].txt", {"read": ["*"]}))}, "bob@y.com", R, A + "/b.txt", True),
    ("'[abc]' class refuses others", {A: acl(("[ab].txt", {"read": ["*"]}))}, "bob@y.com", R, A + "/c.txt", False),
    ("'{a,b}' alternatives", {A: acl(("{x,y}/*", {"read": ["*"]}))}, "bob@y.com", R, A + "/y/f.txt", True),
    ("'{a,b}' alternatives refuse others", {A: acl(("{x,y}/*", {"read": ["*"]}))}, "bob@y.com", R, A + "/z/f.txt", False),
    ("no glob: exact path", {A: acl(("exact.txt", {"read": ["*"]}))}, "bob@y.com", R, A + "/exact.txt", True),
    ("no glob: not a prefix", {A: acl(("exact.txt", {"read": ["*"]}))}, "bob@y.com", R, A + "/exact.txt.bak", False),
    ("patterns are relative to the file's folder", {A + "/sub": acl(("*.txt", {"read": ["*"]}))},
     "bob@y.com", R, A + "/sub/f.txt", True),
    # upload checks
    ("reserved component 'api' refused even to the owner", {}, A, W, A + "/app/api/x.json", False),
    ("reserved component '.Well-Known' (any case)", {}, A, W, A + "/.Well-Known/x.json", False),
    ("reserved component '_internal'", {}, A, W, A + "/a/_internal/x.json", False),
    ("reserved only as a whole component", {}, A, W, A + "/apis/x.json", True),
    ("the first segment must be a valid email", {}, "bob@y.com", W, "notanemail/x.json", False),
    # the defaults the Go client creates
    ("default root ACL is private", PUBLIC, "bob@y.com", R, A + "/notes.txt", False),
    ("default public/ is world-readable", PUBLIC, "bob@y.com", R, A + "/public/x.json", True),
    ("default public/ is not world-writable", PUBLIC, "bob@y.com", W, A + "/public/x.json", False),
    # our own app ACL (doc/protocol.md section 2)
    ("queue: bob writes his inbox folder", QUEUE, "bob@y.com", W, Q + "inbox/bob@y.com/u1/job.json", True),
    ("NAIVE queue: bob may not write carol's inbox folder", QUEUE, "bob@y.com", W,
     Q + "inbox/carol@y.com/u1/job.json", False),
    ("queue: bob cannot read carol's inbox", QUEUE, "bob@y.com", R, Q + "inbox/carol@y.com/u1/job.json", False),
    ("queue: bob reads his outbox", QUEUE, "bob@y.com", R, Q + "outbox/bob@y.com/u1/status.json", True),
    ("queue: bob cannot write his outbox", QUEUE, "bob@y.com", W, Q + "outbox/bob@y.com/u1/status.json", False),
    ("queue: bob cannot read carol's outbox", QUEUE, "bob@y.com", R, Q + "outbox/carol@y.com/u1/status.json", False),
    ("queue: bob cannot write the app root", QUEUE, "bob@y.com", W, Q + "x.json", False),
    ("queue: bob cannot plant an ACL in his inbox", QUEUE, "bob@y.com", W, Q + "inbox/bob@y.com/syft.pub.yaml", False),
]


def main():
    n = fail = 0
    for name, files, who, level, path, want in ROWS:
        n += 1
        ok, why = s.check(lambda d, f=files: f.get(d), path, who, level)
        if ok == want:
            print("ok %d - %s" % (n, name))
        else:
            fail += 1
            print("not ok %d - %s" % (n, name))
            print("#   %s %s %s: got %s (%s), want %s" % (who, {1: "read", 4: "write", 8: "admin"}[level],
                                                      path, ok, why, want))
    print("1..%d" % n)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())

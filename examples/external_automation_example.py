#!/usr/bin/env python3
"""A bot that decides pending jobs by an explicit rule, through the scq CLI.

Rule (edit to taste): approve a job only if
  1. its requester is in --allow (repeatable), and
  2. it carries the tag "aggregate", and
  3. none of its files is larger than --max-bytes;
otherwise reject it, with a reason that names the rule it broke.
Every decision carries a reason, so the audit log explains it.

    python3 external_automation_example.py --allow ds@uni.example [--dry-run]
    # identity as for scq: SyftBox config, SYFTBOX_EMAIL/SYFTBOX_DATA_DIR, or
    # --email/--data-dir (passed through to scq)
"""
import argparse
import json
import subprocess
import sys


def scq(args, opts):
    cmd = [opts.scq]
    if opts.email:
        cmd += ["--email", opts.email]
    if opts.data_dir:
        cmd += ["--data-dir", opts.data_dir]
    r = subprocess.run(cmd + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("scq %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def decide(job, files, opts):
    """(approve?, reason) for one job: the explicit rule."""
    if job["requester_email"] not in opts.allow:
        return False, "requester %s is not on the allow list" % job["requester_email"]
    if "aggregate" not in job.get("tags", []):
        return False, "only jobs tagged 'aggregate' are approved automatically"
    big = [f["path"] for f in files if f["size"] > opts.max_bytes]
    if big:
        return False, "file(s) larger than %d bytes: %s" % (opts.max_bytes, ", ".join(big))
    return True, "auto-approved: allowed requester, aggregate job, %d small file(s)" % len(files)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--allow", action="append", default=[], help="requester allowed")
    p.add_argument("--max-bytes", type=int, default=1 << 20)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--scq", default="scq", help="path of the scq command")
    p.add_argument("--email")
    p.add_argument("--data-dir")
    opts = p.parse_args(argv)
    pending = json.loads(scq(["pending", "--json"], opts))
    decided = 0
    for job in pending:
        review = json.loads(scq(["review", job["uid"], "--json"], opts))
        ok, reason = decide(job, review["files"], opts)
        verb = "approve" if ok else "reject"
        print("%s %s %r: %s" % (verb, job["uid"][:8], job["name"], reason))
        if not opts.dry_run:
            scq([verb, job["uid"], "-r", reason], opts)
            decided += 1
    print("%d pending, %d decided%s" % (len(pending), decided,
                                         " (dry run)" if opts.dry_run else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

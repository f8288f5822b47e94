#!/usr/bin/python3
"""notify-sendmail.py - a notify_command hook for scq: mail each event
through the local `sendmail -t -i` (Debian: any MTA, e.g. exim4, postfix,
msmtp-mta, that provides /usr/sbin/sendmail; found in PATH, else in /usr/sbin
and /usr/lib).

    scq config set notify_command /path/to/notify-sendmail.py

scq runs it without a shell, with the event as one JSON object on stdin
(doc/protocol.md, section 14).  Whose hook it is says "audience": the
owner's mails the owner, the requester's the requester.  Which events are
mailed: NOTIFY_EVENTS in the environment (comma-separated; "all" for
every one), else the owner hears of new jobs ("ingest") and of finished
runs, and the requester of everything.

Every string in the event may come from a hostile requester (the job's
name) and is data: it is never put in a header as it is.  Control
characters (CR and LF first: they would start a header of their own, a
"Bcc:" to anyone) and invisible or bidi characters are removed from the
subject, and the mail is built by Python's email package, which encodes
what is left (RFC 2047) and refuses a header with a line break.  Standard
library only (Debian's python3); exit 0 on success, 1 on any failure, so
scq logs it.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from email.message import EmailMessage
from email.policy import default as POLICY

OWNER_DEFAULT = {"ingest", "finish"}
EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}")
SENDMAIL_TIMEOUT = 8  # under scq's notify_timeout_seconds (default 10)
# where MTAs put sendmail, for a PATH without sbin (a user's, a service's);
# SCQ_SENDMAIL_DIRS (colon-separated) replaces them
SENDMAIL_DIRS = "/usr/sbin:/usr/lib"


def one_line(text, limit=150):
    """text for a header: no control, format (bidi, zero-width) or line
    separator characters, runs of spaces folded, cut at limit."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in text if unicodedata.category(c) != "Cf")
    kept = " ".join(kept.split())
    return kept if len(kept) <= limit else kept[: limit - 1] + "\u2026"


def shown(text, lines=False):
    """text for the body: as it is, except control and bidi characters,
    which are shown as markers (<U+202E>) so a name cannot reorder it or
    start a line of its own; with lines (a reason), its line breaks stay,
    each new line indented under the first."""
    if not isinstance(text, str):
        return "-" if text is None else str(text)
    out = "".join(c if lines and c == "\n" or unicodedata.category(c) not in ("Cc", "Cf")
                  else "<U+%04X>" % ord(c) for c in text)
    return out.replace("\n", "\n" + " " * 15)


def wanted(ev):
    names = os.environ.get("NOTIFY_EVENTS", "")
    if names:
        names = {n.strip() for n in names.split(",")}
        return "all" in names or ev.get("event") in names
    return ev.get("audience") == "requester" or ev.get("event") in OWNER_DEFAULT


def build(ev):
    to = ev.get("owner") if ev.get("audience") == "owner" else ev.get("requester")
    if not isinstance(to, str) or not EMAIL.fullmatch(to):  # "$" would let "\n" end it
        raise ValueError("no valid recipient in the event")
    what = ev.get("event", "?")
    state = ev.get("release_state") or ev.get("status") or ""
    subject = "[scq] job '%s' %s" % (one_line(ev.get("name"), 80), one_line(what, 20))
    if state:
        subject += ": " + one_line(state, 20)
    if ev.get("reason"):
        subject += " (" + one_line(ev.get("reason"), 60) + ")"
    msg = EmailMessage(policy=POLICY)  # LF line ends: sendmail -t takes local text
    msg["To"] = to
    msg["Subject"] = one_line(subject, 200)
    msg["Auto-Submitted"] = "auto-generated"
    lines = ["%-14s %s" % (k + ":", shown(ev.get(k), k == "reason")) for k in
             ("event", "status", "release_state", "name", "uid", "owner", "requester",
              "at", "error_kind", "reason")]
    msg.set_content("\n".join(lines) + "\n\nSent by scq's notify_command "
                    "(examples/notify-sendmail.py).\n")
    return msg


def sendmail():
    """the sendmail program: from PATH, else from SENDMAIL_DIRS."""
    dirs = os.environ.get("SCQ_SENDMAIL_DIRS", SENDMAIL_DIRS)
    found = shutil.which("sendmail") or shutil.which("sendmail", path=dirs)
    if not found:
        raise OSError("no sendmail program in PATH, %s: install an MTA "
                      "(exim4, postfix, msmtp-mta)" % ", ".join(dirs.split(":")))
    return found


def main():
    try:
        ev = json.load(sys.stdin)
        if not isinstance(ev, dict):
            raise ValueError("the event is not a JSON object")
        if not wanted(ev):
            return 0
        mail = build(ev).as_bytes()
        subprocess.run([sendmail(), "-t", "-i"], input=mail, check=True,
                       timeout=SENDMAIL_TIMEOUT, stdout=subprocess.DEVNULL)
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        print("notify-sendmail: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

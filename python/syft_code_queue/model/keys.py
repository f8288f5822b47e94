"""Signing keys and what other datasites publish (doc/protocol.md section 4,
"Signed submissions"; section 7, "Heartbeat" and "Datasites"): the keys I
pinned, accepting a changed one, and pinging an owner's runner.  A mixin of
Client (self._h is the handle)."""
import json


class KeysMixin:
    def keys(self):
        """The signing keys I pinned (requesters' keys at their first signed
        job; owners' keys at my first submit to them): a list of
        {email, fingerprint, state}, state "pinned", "not published now",
        "published key unreadable" or "CHANGED: scq keys accept"."""
        rows = []
        for line in self._h.keys_list().splitlines():
            email, fpr, state = (line.split("\t") + ["", ""])[:3]
            rows.append({"email": email, "fingerprint": fpr, "state": state})
        return rows

    def accept_key(self, email, fingerprint=None):
        """Pin the key email publishes now in place of the one pinned
        (scq keys accept; audited).  fingerprint: the hex fingerprint
        keys() showed for the new key (16-64 hex digits); given, any other
        key is refused and nothing is pinned."""
        self._h.keys_accept(str(email),
                            None if fingerprint is None else str(fingerprint))

    def ping(self, owner):
        """Is owner's runner alive?  Its signed heartbeat as synced here:
        {owner, state: alive | stale | never | future | unreadable |
        bad-signature, seen_at, age_seconds, interval_seconds,
        stale_after_seconds, signature: {state, ...} or None, detail}.
        Not a job: nothing to approve."""
        return json.loads(self._h.ping(str(owner)))

"""What an approval did under the two-person rule (setting approvals_required):
approved now, or one vote recorded of the number needed; and the Client's
calls of the rule (VotesMixin)."""
import json
import os

from .._scq import RELEASE_ALL, RELEASE_FILES

from .job import job_uid as uid_of


class Approval:
    """The result of q.approve / job.approve / q.vote.  Truthy (as the True the
    call used to return); str() and repr() say what happened, e.g.
    "vote recorded, 1 of 2: job ... stays pending until 1 more approver votes"."""

    def __init__(self, uid, have, need, owner=None):
        self.uid, self.have, self.need, self.owner = uid, have, need, owner

    @property
    def approved(self):
        """True when this call approved the job (False for a vote that waits
        for more approvers, and for a reviewer's vote not yet counted)."""
        return self.owner is None and (self.need <= 1 or self.have >= self.need)

    def __bool__(self):
        return True

    def __eq__(self, other):
        if isinstance(other, bool):
            return other is True
        return NotImplemented

    __hash__ = object.__hash__

    def __str__(self):
        if self.owner is not None:
            return ("vote for %s sent to %s: it counts when %s's scq next reads its inbox"
                    % (self.uid, self.owner, self.owner))
        if self.need <= 1:
            return "approved %s" % self.uid
        if self.have < self.need:
            more = self.need - self.have
            return ("vote recorded, %d of %d: job %s stays pending until %d more approver%s "
                    "vote%s" % (self.have, self.need, self.uid, more, "" if more == 1 else "s",
                                "s" if more == 1 else ""))
        return "approved %s (%d of %d votes)" % (self.uid, self.have, self.need)

    __repr__ = __str__


class ReleaseVote:
    """The result of q.release / job.release (setting release_approvals_required):
    released now, or one vote recorded of the number needed for this exact
    decision.  Truthy (as the True the call used to return); str() and repr()
    say what happened, e.g. "release vote recorded, 1 of 2: job ... stays
    held until 1 more approver votes for the same decision"."""

    def __init__(self, uid, have, need, decided, owner=None):
        self.uid, self.have, self.need, self.decided, self.owner = uid, have, need, decided, owner

    @property
    def released(self):
        """True when this call's decision took effect."""
        return self.owner is None and self.decided

    def __bool__(self):
        return True

    def __eq__(self, other):
        if isinstance(other, bool):
            return other is True
        return NotImplemented

    __hash__ = object.__hash__

    def __str__(self):
        if self.owner is not None:
            return ("release vote for %s sent to %s: it counts when %s's scq next reads "
                    "its inbox" % (self.uid, self.owner, self.owner))
        if not self.decided:
            more = self.need - self.have
            return ("release vote recorded, %d of %d: job %s stays held until %d more "
                    "approver%s vote%s for the same decision"
                    % (self.have, self.need, self.uid, more, "" if more == 1 else "s",
                       "s" if more == 1 else ""))
        if self.need <= 1:
            return "released %s" % self.uid
        return "released %s (%d of %d votes)" % (self.uid, self.have, self.need)

    __repr__ = __str__


class VotesMixin:
    """The Client's calls of the two-person rule (doc/protocol.md §5a)."""

    def vote(self, job_uid, owner, reason=None, allow_network=False):
        """As a reviewer the owner delegated (its `scq reviewers add`): vote to
        approve job_uid in owner's queue.  The vote goes to owner's inbox,
        bound to the code owner shared with me for review, and counts when
        owner's scq next reads its inbox."""
        self._h.vote(uid_of(job_uid), owner, reason or None, bool(allow_network))
        return Approval(uid_of(job_uid), -1, 0, owner=owner)

    def release_vote(self, job_uid, owner, files=None, reason=None, log=False,
                     ack_flags=False):
        """As a reviewer the owner delegated, with release_approvals_required 2 or
        more: vote to release job_uid's held results in owner's queue, all of
        them (files=None) or only files (and the log if log=True).  The vote
        goes to owner's inbox, bound to the outputs owner shared with me
        (outbox/<me>/release-review/<uid>/) and to exactly this choice of
        files, and counts when owner's scq next reads its inbox."""
        uid = uid_of(job_uid)
        if files is None:
            self._h.release_decide(uid, RELEASE_ALL, reason or "", ack_flags=bool(ack_flags),
                                   owner=owner)
        else:
            if isinstance(files, (str, os.PathLike)):
                files = [files]
            self._h.release_decide(uid, RELEASE_FILES, reason or "",
                                   [os.fspath(f) for f in files], bool(log),
                                   ack_flags=bool(ack_flags), owner=owner)
        return ReleaseVote(uid, -1, 0, False, owner=owner)

    def release_votes(self, job_uid):
        """(have, need, decided): the release votes of a held job in my queue."""
        return self._h.release_votes(self._owner_uid(job_uid, "see the release votes of"))

    def _release_said(self, uid):
        have, need, decided = self._h.release_votes(uid)
        return ReleaseVote(uid, have, need, decided)

    def review_requests(self, owner=None):
        """As a delegated reviewer: the pending jobs owners share with me for
        my vote (only owner's when given), newest first, as dicts (uid, name,
        requester_email, target_email: the owner, created_at, code_sha256,
        ...).  Strings are the requester's raw bytes: escape them before
        display (q.escape_log, _scq.escape_text).  Read one with
        `scq review ID --owner OWNER`; vote with q.vote(uid, owner)."""
        return json.loads(self._h.review_list(owner))

    @property
    def pending_for_review(self):
        """review_requests() of every owner: the jobs waiting for my vote."""
        return self.review_requests()

    def job_votes(self, job_uid):
        return json.loads(self._h.job_votes(self._owner_uid(job_uid, "see the votes of")))

    @property
    def reviewers(self):
        """The identities I delegate to approve jobs (two-person rule)."""
        return json.loads(self._h.reviewer_list())

    def add_reviewer(self, email):
        self._h.reviewer_add(str(email))

    def remove_reviewer(self, email):
        self._h.reviewer_remove(str(email))

"""What an approval did under the two-person rule (setting approvals_required):
approved now, or one vote recorded of the number needed."""


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

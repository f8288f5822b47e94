"""The owner's decisions on a finished run's held results (setting
release=review; doc/protocol.md §6 "Release decisions"): release all or
some files, withhold, return for changes.  A mixin of Client, which gives
_h (the handle) and _owner_uid."""
import os

from .._scq import RELEASE_ALL, RELEASE_FILES, RETURN, WITHHOLD_ALL, InvalidJob


class ReleaseMixin:
    """Client's release calls."""

    def release(self, job_uid, files=None, reason=None, log=False, withhold=None,
                withhold_reason=None, ack_flags=False):
        """Owner, with the setting release=review: send a finished job's log
        and outputs to its requester: all of them (files=None), or only the
        output paths in files (and the log if log=True), the rest withheld,
        each with its reason from withhold={path: reason} or withhold_reason
        (default "withheld by the data owner").  reason: why, which the
        requester reads (required with files).  ack_flags: the disclosure-
        risk flags of the released outputs were seen.  -> ReleaseVote (votes.py)."""
        uid = self._owner_uid(job_uid, "release")
        if files is None:
            if withhold or withhold_reason or log:
                raise InvalidJob("release: log, withhold and withhold_reason go with files")
            if reason is None and not ack_flags:
                self._h.release(uid)
            else:
                self._h.release_decide(uid, RELEASE_ALL, reason or "", ack_flags=bool(ack_flags))
            return self._release_said(uid)
        if isinstance(files, (str, os.PathLike)):
            files = [files]
        self._h.release_decide(uid, RELEASE_FILES, reason or "", [os.fspath(f) for f in files],
                               bool(log), dict(withhold) if withhold else None,
                               withhold_reason, bool(ack_flags))
        return self._release_said(uid)

    def withhold(self, job_uid, reason, withhold=None):
        """Owner: send none of a held job's log and outputs; every file is
        withheld with reason (or its own from withhold={path: reason})."""
        uid = self._owner_uid(job_uid, "withhold")
        self._h.release_decide(uid, WITHHOLD_ALL, reason or "",
                               withhold=dict(withhold) if withhold else None)
        return True

    def return_for_changes(self, job_uid, comment):
        """Owner: send nothing of a held job and return it to its requester
        with comment; it may resubmit (submit_job(..., resubmit_of=uid))."""
        uid = self._owner_uid(job_uid, "return")
        self._h.release_decide(uid, RETURN, comment or "")
        return True

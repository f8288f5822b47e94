"""JobCollection: a list of CodeJob with filters and bulk decisions."""
import time

from .._scq import InvalidState
from .status import JobStatus
from .status import status as check_status


class JobCollection(list):
    """A list of CodeJob with filters, bulk decisions and a Jupyter table.

    Calling a collection (q.pending_for_me()) re-runs its query and returns
    it.  Its Jupyter table and batch buttons are set on this class by
    views.register() and actions.register()."""

    # q.pending_for_me() reads the property (one listing) and calls it: a
    # call within this many seconds of the listing returns it as it is
    _FRESH_SECONDS = 1.0

    def __init__(self, jobs=(), query=None, title=None, client=None):
        super().__init__(jobs)
        self._query = query
        self._title = title
        self._cl = client
        self._listed_at = time.monotonic() if query is not None else None
        self._changes_seen = getattr(client, "_changes", 0)

    def _derive(self, jobs):
        return JobCollection(jobs, None, None, self._cl)

    def by_status(self, status):
        s = check_status(status)
        return self._derive(j for j in self if j.status == s)

    def by_name(self, name):
        n = str(name).lower()
        return self._derive(j for j in self if n in (j.name or "").lower())

    def by_tags(self, *tags):
        want = set()
        for t in tags:
            want.update([t] if isinstance(t, str) else t)
        return self._derive(j for j in self if want & set(j.tags))

    def pending(self):
        return self.by_status(JobStatus.pending)

    def completed(self):
        return self.by_status(JobStatus.completed)

    def running(self):
        return self.by_status(JobStatus.running)

    def failed(self):
        return self.by_status(JobStatus.failed)

    def _decide_all(self, verb, reason):
        key = "approved" if verb == "approve" else "rejected"
        res = {key: 0, "failed": 0, "skipped": 0, "errors": []}
        for j in self:
            if j.status != JobStatus.pending:
                res["skipped"] += 1
                continue
            try:
                getattr(j, verb)(reason)
                res[key] += 1
            except InvalidState:
                res["skipped"] += 1  # decided meanwhile
            except Exception as e:  # noqa: BLE001 (reported, per job)
                res["failed"] += 1
                res["errors"].append("%s (%s): %s" % (j.short_id, j.name, e))
        return res

    def approve_all(self, reason=None):
        """Approve every pending job in the collection:
        {"approved", "failed", "skipped", "errors"}."""
        return self._decide_all("approve", reason)

    def reject_all(self, reason=None):
        """Reject every pending job: {"rejected", "failed", "skipped", "errors"}."""
        return self._decide_all("reject", reason)

    def summary(self):
        counts = {s.value: 0 for s in JobStatus}
        for j in self:
            if j.status is not None:
                counts[j.status.value] += 1
        dated = [j for j in self if j.created_at]
        latest = max(dated, key=lambda j: j.created_at) if dated else (self[0] if self else None)
        return {"total": len(self), "by_status": counts, "latest": latest}

    def refresh(self):
        """Re-run the collection's query (or re-read each job); returns self."""
        if self._query is not None:
            self[:] = self._query()
        else:
            for j in self:
                if j.client is not None:
                    j._refresh_quiet()
        return self

    def __call__(self):
        # the property just listed, and nothing changed through the client
        # since: do not list a second time
        if self._listed_at is not None and \
                time.monotonic() - self._listed_at < self._FRESH_SECONDS and \
                getattr(self._cl, "_changes", 0) == self._changes_seen:
            self._listed_at = None
            return self
        return self.refresh()

    def __getitem__(self, i):
        r = super().__getitem__(i)
        return self._derive(r) if isinstance(i, slice) else r

    def __repr__(self):
        if not self:
            return "JobCollection([])"
        counts = self.summary()["by_status"]
        parts = ["%s: %d" % (k, v) for k, v in counts.items() if v]
        return "JobCollection(%d job%s - %s)" % (len(self), "" if len(self) == 1 else "s",
                                                 ", ".join(parts))

"""JobCollection: a list of CodeJob with filters and bulk decisions.

A collection of a listing (q.pending_for_me, q.jobs_for_me, ...) is lazy:
reading the property lists nothing; its first use lists once, through
the extension's Listing (each job's JSON text, held compactly), and a
CodeJob is made of a job only when it is first looked at (indexing,
iteration), then kept.  len(), the status counts of its repr and
by_status() make none.  Calling the collection lists again (a fresh
view); a collection whose first use is the call lists once.
"""
import json

from .._scq import InvalidState, Listing
from .job import CodeJob
from .status import JobStatus
from .status import status as check_status

_CODES = {s: i for i, s in enumerate(JobStatus)}  # status -> the Listing's status byte


class _Source:
    """One listing and the CodeJobs made of it so far, shared by every
    collection derived from it (a job is one object in all of them)."""
    __slots__ = ("listing", "client", "made", "_statuses")

    def __init__(self, listing, client):
        self.listing = listing
        self.client = client
        self.made = {}
        self._statuses = None

    def job(self, i):
        j = self.made.get(i)
        if j is None:
            j = self.made[i] = CodeJob(json.loads(self.listing[i]), self.client)
        return j

    def status_code(self, i):
        """The job's status as a Listing byte: the CodeJob's (it may have
        been refreshed since) once made, else the listing's."""
        j = self.made.get(i)
        if j is not None:
            return _CODES.get(j.status, -1)
        if self._statuses is None:
            self._statuses = self.listing.statuses()
        return self._statuses[i]


def _filled(name):
    """A list method that needs the jobs themselves: they are made first."""
    base = getattr(list, name)

    def method(self, *args, **kw):
        self._fill()
        for a in args:
            if isinstance(a, JobCollection):
                a._fill()
        return base(self, *args, **kw)
    method.__name__ = name
    method.__doc__ = base.__doc__
    return method


class JobCollection(list):
    """A list of CodeJob with filters, bulk decisions and a Jupyter table.

    Calling a collection (q.pending_for_me()) re-runs its query and returns
    it (a collection not yet used lists once).  Its Jupyter table and batch
    buttons are set on this class by views.register() and
    actions.register()."""

    # a lazy collection: jobs _sel (a range or list of indices) of _src;
    # _unlisted: the query has not run yet.  Neither: a plain list.
    _src = None
    _sel = None
    _unlisted = False
    _query = None
    _title = None
    _cl = None

    def __init__(self, jobs=(), query=None, title=None, client=None):
        super().__init__(jobs)
        self._query = query
        self._title = title
        self._cl = client

    @classmethod
    def _deferred(cls, query, title, client):
        """The collection of query (returning a Listing), listed on first use."""
        c = cls((), query, title, client)
        c._unlisted = True
        return c

    @classmethod
    def _view(cls, src, sel, query=None, title=None, client=None):
        c = cls((), query, title, client if client is not None else src.client)
        c._src, c._sel = src, sel
        return c

    def _load(self, result):
        """Take a query's result: a Listing (lazy) or CodeJobs."""
        list.clear(self)
        self._unlisted = False
        if isinstance(result, Listing):
            self._src, self._sel = _Source(result, self._cl), range(len(result))
        else:
            self._src = self._sel = None
            list.extend(self, result)

    def _ensure(self):
        if self._unlisted:
            self._load(self._query())

    def _fill(self):
        """Make every job and hold them as a plain list (for the list
        methods that need them all)."""
        self._ensure()
        if self._src is not None:
            src, sel = self._src, self._sel
            self._src = self._sel = None
            list.extend(self, [src.job(i) for i in sel])

    # -- the sequence, lazily ----------------------------------------------------
    def __len__(self):
        self._ensure()
        return len(self._sel) if self._src is not None else list.__len__(self)

    def __iter__(self):
        self._ensure()
        if self._src is None:
            return list.__iter__(self)
        src = self._src
        return (src.job(i) for i in self._sel)

    def __reversed__(self):
        self._ensure()
        if self._src is None:
            return list.__reversed__(self)
        src = self._src
        return (src.job(i) for i in reversed(self._sel))

    def __getitem__(self, i):
        self._ensure()
        if self._src is not None:
            if isinstance(i, slice):
                return self._view(self._src, self._sel[i], client=self._cl)
            try:
                k = self._sel[i]
            except IndexError:
                raise IndexError("list index out of range") from None
            return self._src.job(k)
        r = list.__getitem__(self, i)
        return self._derive(r) if isinstance(i, slice) else r

    def __contains__(self, x):
        return any(j is x or j == x for j in self)

    def __radd__(self, other):
        if not isinstance(other, list):
            return NotImplemented
        self._fill()
        return list.__add__(other, self)

    def __reduce_ex__(self, protocol):
        self._fill()
        return list.__reduce_ex__(self, protocol)

    def _status_counts(self):
        """{status value: count}, from the listing where jobs are not made."""
        self._ensure()
        counts = {s.value: 0 for s in JobStatus}
        names = list(JobStatus)
        if self._src is not None:
            for i in self._sel:
                c = self._src.status_code(i)
                if 0 <= c < len(names):
                    counts[names[c].value] += 1
            return counts
        for j in self:
            if j.status is not None:
                counts[j.status.value] += 1
        return counts

    def _derive(self, jobs):
        return JobCollection(jobs, None, None, self._cl)

    def by_status(self, status):
        s = check_status(status)
        self._ensure()
        if self._src is not None:  # from the listing: no job is made
            code = _CODES[s]
            return self._view(self._src, [i for i in self._sel if self._src.status_code(i) == code],
                              client=self._cl)
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
        counts = self._status_counts()
        dated = [j for j in self if j.created_at]
        latest = max(dated, key=lambda j: j.created_at) if dated else (self[0] if self else None)
        return {"total": len(self), "by_status": counts, "latest": latest}

    def refresh(self):
        """Re-run the collection's query (or re-read each job); returns self."""
        if self._query is not None:
            self._load(self._query())
        else:
            for j in self:
                if j.client is not None:
                    j._refresh_quiet()
        return self

    def __call__(self):
        # not used yet: its first listing is this one
        if self._unlisted:
            self._ensure()
            return self
        return self.refresh()

    def __repr__(self):
        if not self:
            return "JobCollection([])"
        counts = self._status_counts()
        parts = ["%s: %d" % (k, v) for k, v in counts.items() if v]
        return "JobCollection(%d job%s - %s)" % (len(self), "" if len(self) == 1 else "s",
                                                 ", ".join(parts))


# The list methods that need every job: made first, then the list's own.
for _name in ("append", "extend", "insert", "pop", "remove", "clear", "index", "count", "sort",
              "reverse", "copy", "__setitem__", "__delitem__", "__iadd__", "__imul__", "__add__",
              "__mul__", "__rmul__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
              "__sizeof__"):
    setattr(JobCollection, _name, _filled(_name))
JobCollection.__hash__ = None
del _name

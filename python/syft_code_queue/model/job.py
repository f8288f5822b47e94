"""CodeJob: one job, its fields as `scq show --json` gives them, and the
calls that act on it through the Client that loaded it."""
from .._scq import ConfigError, InvalidJob
from .status import TERMINAL, JobStatus, now, parse_time, status


def job_uid(job_uid):
    """A job id from a str, UUID or CodeJob."""
    if isinstance(job_uid, CodeJob):
        return job_uid.uid
    if job_uid is None:
        raise InvalidJob("a job id is required")
    return str(job_uid).strip().lower()


def output_notes(data):
    """What of a job's outputs was cut or left out, one line each."""
    out = (data.get("run") or {}).get("output") or {}
    notes = []
    kind = data.get("error_kind")
    if kind in ("output_limit", "collect_error", "publish_error"):
        notes.append("outputs are incomplete (%s): %s" % (kind, data.get("error_message")))
    elif out.get("limit_reached"):
        notes.append("outputs are incomplete: a limit cut or left out files")
    if out.get("source_full"):
        notes.append("the job's output folder was full: files written last may be cut")
    for e in out.get("excluded") or []:
        notes.append("left out: %s (%s)" % (e.get("path"), e.get("reason")))
    return notes


_FIELDS = ("uid", "name", "description", "tags", "requester_email", "target_email", "status",
           "created_at", "submitted_at", "updated_at", "approved_at", "approved_by",
           "started_at", "completed_at", "timeout_seconds", "exit_code", "error_message",
           "error_kind", "reason", "code_sha256", "allow_network", "decided_by", "logs",
           "log", "output_files", "output_error", "run", "results_held")
_TIME_FIELDS = ("created_at", "submitted_at", "updated_at", "approved_at", "started_at",
                "completed_at")


class CodeJob:
    """One job as seen by its requester or its data owner.

    Fields are those of `scq show --json`; times are aware UTC datetimes.
    The job remembers the Client that loaded it: job.approve() etc. act as
    that identity.  job.refresh() re-reads it.  In Jupyter it shows as a
    card with buttons: views.register() and actions.register() set
    _repr_html_ and _ipython_display_ on this class."""

    def __init__(self, data, client=None):
        self._client = client
        self._set(data)

    def _set(self, data):
        self._data = dict(data)
        for f in _FIELDS:
            v = data.get(f)
            if f in _TIME_FIELDS:
                v = parse_time(v)
            elif f == "status":
                v = status(v) if v else None
            elif f == "tags":
                v = list(v or [])
            elif f == "timeout_seconds":
                v = 86400 if v is None else v
            elif f == "results_held":
                v = bool(v)  # absent in older publications: not held
            setattr(self, f, v)

    # -- derived --------------------------------------------------------------
    @property
    def client(self):
        return self._client

    @property
    def short_id(self):
        return (self.uid or "")[:8]

    @property
    def is_terminal(self):
        return self.status is not None and self.status.value in TERMINAL

    @property
    def status_label(self):
        """The status as shown: "completed \u00b7 awaiting release" while the
        owner holds the log and outputs for review (results_held)."""
        st = str(self.status) if self.status is not None else ""
        return st + " \u00b7 awaiting release" if self.results_held else st

    @property
    def duration(self):
        """Seconds from start to completion, or None."""
        if self.started_at and self.completed_at:
            return (self.completed_at - self.started_at).total_seconds()
        return None

    @property
    def is_expired(self):
        """Pending longer than timeout_seconds (the approval wait)."""
        if self.status != JobStatus.pending or not self.created_at:
            return False
        return (now() - self.created_at).total_seconds() > (self.timeout_seconds or 0)

    @property
    def time_remaining(self):
        """Whole seconds left of the approval wait (>= 0) while pending, 0 when
        finished, None while approved or running (the wait no longer applies)."""
        if self.is_terminal:
            return 0
        if self.status != JobStatus.pending or not self.created_at:
            return None
        left = (self.timeout_seconds or 0) - (now() - self.created_at).total_seconds()
        return max(0, int(left))

    @property
    def output_folder(self):
        return self.get_output()

    def to_dict(self):
        """The job as the JSON object of `scq show --json`."""
        return dict(self._data)

    model_dump = to_dict

    def _c(self):
        if self._client is None:
            raise ConfigError("this job is not attached to a client")
        return self._client

    # -- actions ---------------------------------------------------------------
    def refresh(self):
        """Re-read the job; returns self."""
        fresh = self._c()._find(self.uid)
        self._set(fresh._data)
        return self

    def approve(self, reason=None):
        r = self._c().approve(self.uid, reason)
        self._refresh_quiet()
        return r

    @property
    def votes(self):
        """The approvals this job has under the two-person rule (owner only):
        a list of {by, at, reason, allow_network}, for its current code
        (votes for other code were reset).  See votes_required."""
        return self._c().job_votes(self.uid)["votes"]

    @property
    def votes_required(self):
        """How many distinct approvals the job needs (approvals_required)."""
        return self._c().job_votes(self.uid)["required"]

    def reject(self, reason=None):
        r = self._c().reject(self.uid, reason)
        self._refresh_quiet()
        return r

    deny = reject

    def cancel(self):
        r = self._c().cancel(self.uid)
        self._refresh_quiet()
        return r

    def release(self):
        r = self._c().release(self.uid)
        self._refresh_quiet()
        return r

    def _refresh_quiet(self):
        try:
            self.refresh()
        except Exception:  # the decision worked; a stale view is not an error
            pass

    def review(self, full=False, file=None):
        """The review: run.sh whole, the other files' heads, and the names
        of the files left out; full=True every file whole; file=PATH one."""
        return self._c().review_job(self.uid, full, file)

    def get_review_data(self):
        return {"uid": self.uid, "name": self.name, "requester_email": self.requester_email,
                "target_email": self.target_email, "description": self.description,
                "status": str(self.status),
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "tags": list(self.tags), "code_files": self.list_files(),
                "code_sha256": self.code_sha256}

    def get_logs(self):
        """The raw log text, control characters included (\\r, \\b, ESC):
        printing it lets a terminal or notebook erase or hide lines.  To read
        it, use job.show_logs() or print(q.escape_log(job.get_logs()))."""
        return self._c().get_job_logs(self.uid)

    def show_logs(self):
        """Print the log escaped (q.escape_log): every line stays visible."""
        return self._c().show_job_logs(self.uid)

    @property
    def output_notes(self):
        """What of the outputs was cut or left out, one line each ([] if
        nothing): output limits, undelivered results, exclusions."""
        return output_notes(self._data)

    def get_output(self):
        return self._c().get_job_output(self.uid)

    def wait_for_completion(self, timeout=600):
        job = self._c().wait_for_completion(self.uid, timeout)
        self._set(job._data)
        return self

    def list_files(self):
        return self._c().list_job_files(self.uid)

    def read_file(self, name):
        """A code file as text; each byte that is not UTF-8 is the marker \\xNN."""
        return self._c().read_job_file(self.uid, name)

    def read_file_bytes(self, name):
        """Every byte of a code file, as it runs."""
        return self._c().read_job_file_bytes(self.uid, name)

    def list_output_files(self):
        return self._c().list_output_files(self.uid)

    def read_output_file(self, name):
        return self._c().read_output_file(self.uid, name)

    def read_output_file_bytes(self, name):
        return self._c().read_output_file_bytes(self.uid, name)

    @property
    def output_viewer(self):
        """The output files, shown escaped (a file tree and viewer in Jupyter)."""
        from .review import JobOutputs
        return JobOutputs(self)

    # -- display -----------------------------------------------------------------
    def __repr__(self):
        return "CodeJob(name=%r, status=%r, id=%r)" % (self.name, self.status_label,
                                                       self.short_id)

    def __eq__(self, other):
        return isinstance(other, CodeJob) and other.uid == self.uid and \
            other.status == self.status

    def __hash__(self):
        return hash(self.uid)

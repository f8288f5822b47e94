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
           "log", "output_files", "output_error", "run", "results_held", "release_state",
           "release_decision", "resubmit_of", "rerun_of", "status_signature")
_TIME_FIELDS = ("created_at", "submitted_at", "updated_at", "approved_at", "started_at",
                "completed_at")


_RELEASE_SAID = {"awaiting_release": "awaiting release", "partly_released": "partly released",
                 "withheld": "withheld", "returned": "returned for changes"}


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
    def signature(self):
        """A requester's job: whether its owner signed the status it came
        from: "verified", "unsigned", "bad" or "unknown-key" (details in
        status_signature); None in the owner's own view."""
        return (self.status_signature or {}).get("state")

    @property
    def short_id(self):
        return (self.uid or "")[:8]

    @property
    def is_terminal(self):
        return self.status is not None and self.status.value in TERMINAL

    @property
    def status_label(self):
        """The status as shown: "completed \u00b7 awaiting release" while the
        owner holds the log and outputs for review (results_held), then what
        the owner decided ("partly released", "withheld", "returned for
        changes"; a full release adds nothing)."""
        st = str(self.status) if self.status is not None else ""
        said = _RELEASE_SAID.get(self.release_state or "")
        return st + " \u00b7 " + said if said else st

    @property
    def released_files(self):
        """Output paths the owner released (a decision made), else []."""
        return [f.get("path") for f in self._decision_files() if f.get("released")]

    @property
    def withheld_files(self):
        """{path: reason} of the outputs the owner withheld ({} if none)."""
        default = (self.release_decision or {}).get("withheld_reason")
        return {f.get("path"): f.get("reason") or default for f in self._decision_files()
                if not f.get("released")}

    @property
    def log_released(self):
        """True/False once the owner decided on held results; None otherwise
        (never held, or still awaiting release)."""
        log = (self.release_decision or {}).get("log")
        if not isinstance(log, dict):
            return True if self.release_decision else None
        return bool(log.get("released"))

    @property
    def release_comment(self):
        """The owner's reason for its release decision (for a return: the
        comment to act on before resubmitting), or None."""
        return (self.release_decision or {}).get("reason")

    def _decision_files(self):
        files = (self.release_decision or {}).get("files")
        return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []

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

    def release(self, files=None, reason=None, log=False, withhold=None,
                withhold_reason=None, ack_flags=False):
        """Owner: send held results.  files=None: everything (log included);
        files=[PATH, ...]: only those outputs (log=True: the log too), the
        rest withheld with withhold={path: reason} or withhold_reason.
        reason says why (required with files)."""
        r = self._c().release(self.uid, files=files, reason=reason, log=log,
                              withhold=withhold, withhold_reason=withhold_reason,
                              ack_flags=ack_flags)
        self._refresh_quiet()
        return r

    def withhold(self, reason, withhold=None):
        """Owner: send none of the held results; the requester sees reason
        (withhold={path: reason}: a file's own reason)."""
        r = self._c().withhold(self.uid, reason, withhold=withhold)
        self._refresh_quiet()
        return r

    def return_for_changes(self, comment):
        """Owner: send nothing and return the job to its requester with
        comment, which it reads before it resubmits."""
        r = self._c().return_for_changes(self.uid, comment)
        self._refresh_quiet()
        return r

    # -- versions ----------------------------------------------------------------
    def resubmit(self, code_folder, name=None, description=None, tags=None, **kw):
        """Requester: submit code_folder as a new version of this job (to
        the same owner; scq submit --revises).  The owner's review shows
        what changed.  Returns the new job."""
        return self._c().submit_job(self.target_email, code_folder, name or self.name,
                                    description if description is not None
                                    else self.description,
                                    self.tags if tags is None else tags,
                                    resubmit_of=self.uid, **kw)

    @property
    def versions(self):
        """The chain of versions, oldest first, ending with this job: each
        job's resubmit_of followed back as far as this identity can see
        them (at most 64)."""
        chain, seen, j = [self], {self.uid}, self
        while j.resubmit_of and j.resubmit_of not in seen and len(chain) < 64:
            try:
                j = self._c()._find(j.resubmit_of)
            except Exception:  # cleaned up, or not visible to this identity
                break
            seen.add(j.uid)
            chain.append(j)
        return chain[::-1]

    def diff(self):
        """Owner: what this version changed against the last one approved
        (else the last decided on), file by file, unchanged files one line
        each, as `scq review` shows it.  The submitter's bytes are shown
        with markers; safe to print."""
        return self._c().job_diff(self.uid)

    def rerun(self, reason=None):
        """Owner: run this approved, finished job again (same code digest)
        as a new job, approved by this call; returns it.  Refused if the
        job never ran or its code changed since its approval."""
        return self._c().rerun(self.uid, reason)

    @property
    def context(self):
        """Owner: the requester's CONTEXT.md (its code), as text, or None.
        Raw text: show it through views (escaped), never as HTML."""
        try:
            return self.read_file_bytes("CONTEXT.md").decode("utf-8", "replace")
        except Exception:
            return None

    def _refresh_quiet(self):
        try:
            self.refresh()
        except Exception:  # the decision worked; a stale view is not an error
            pass

    @property
    def output_flags(self):
        """The disclosure-risk flags of this finished job's outputs (owner
        only), a list of dicts {file, row, column, rule, severity, message}:
        what to look at before a release; they decide nothing."""
        return self._c().check_job_outputs(self.uid)["flags"]

    def check_outputs(self):
        """The whole output check: files (type, kind, size, rows, columns)
        and flags, as scq review-output --json."""
        return self._c().check_job_outputs(self.uid)

    def export_acro(self, folder):
        """Write the released outputs and an ACRO results.json to folder."""
        return self._c().export_acro(self.uid, folder)

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

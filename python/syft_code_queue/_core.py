"""The pure-Python layer over the _scq extension: Client, CodeJob,
JobCollection and JobStatus (QueueConfig: _config.py)."""
import enum
import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path

from . import _scq
from ._scq import ConfigError, InvalidJob, InvalidState, JobNotFound, NotAllowed
from ._files import FilesMixin, _output_notes
from ._config import QueueConfig  # noqa: F401 - Client.config, and _core's old name

DEFAULT_REJECT_REASON = "Rejected by data owner"
_TERMINAL = frozenset(("completed", "failed", "rejected", "timedout", "cancelled"))


class JobStatus(str, enum.Enum):
    """The status of a job (a str: JobStatus.pending == "pending")."""
    pending = "pending"
    approved = "approved"
    running = "running"
    completed = "completed"
    failed = "failed"
    rejected = "rejected"
    timedout = "timedout"
    cancelled = "cancelled"

    def __str__(self):
        return self.value

    def __format__(self, spec):
        return format(self.value, spec)

    @property
    def is_terminal(self):
        return self.value in _TERMINAL


assert tuple(s.value for s in JobStatus) == _scq.statuses()


def _status(s):
    """A status argument (str or JobStatus) checked; None stays None."""
    if s is None:
        return None
    try:
        return JobStatus(str(s.value if isinstance(s, JobStatus) else s).lower())
    except ValueError:
        raise InvalidJob("unknown status %r (one of: %s)" %
                         (s, ", ".join(x.value for x in JobStatus))) from None


def _uid(job_uid):
    """A job id from a str, UUID or CodeJob."""
    if isinstance(job_uid, CodeJob):
        return job_uid.uid
    if job_uid is None:
        raise InvalidJob("a job id is required")
    return str(job_uid).strip().lower()


def _time(s):
    if not s or not isinstance(s, str):
        return None
    try:
        t = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _now():
    return datetime.now(timezone.utc)


def _limit(items, limit):
    if limit is None:
        return items
    if limit < 0:
        raise InvalidJob("limit must be >= 0 or None")
    return items[:limit]


# ---- CodeJob ----------------------------------------------------------------

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
    that identity.  job.refresh() re-reads it."""

    def __init__(self, data, client=None):
        self._client = client
        self._set(data)

    def _set(self, data):
        self._data = dict(data)
        for f in _FIELDS:
            v = data.get(f)
            if f in _TIME_FIELDS:
                v = _time(v)
            elif f == "status":
                v = _status(v) if v else None
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
        return self.status is not None and self.status.value in _TERMINAL

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
        return (_now() - self.created_at).total_seconds() > (self.timeout_seconds or 0)

    @property
    def time_remaining(self):
        """Whole seconds left of the approval wait (>= 0) while pending, 0 when
        finished, None while approved or running (the wait no longer applies)."""
        if self.is_terminal:
            return 0
        if self.status != JobStatus.pending or not self.created_at:
            return None
        left = (self.timeout_seconds or 0) - (_now() - self.created_at).total_seconds()
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
        return _output_notes(self._data)

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
        from ._review import OutputViewer
        return OutputViewer(self)

    # -- display -----------------------------------------------------------------
    def __repr__(self):
        return "CodeJob(name=%r, status=%r, id=%r)" % (self.name, self.status_label,
                                                       self.short_id)

    def _repr_html_(self):
        from ._html import job_card
        return job_card(self)

    def _ipython_display_(self):
        from ._actions import display
        display(self)

    def __eq__(self, other):
        return isinstance(other, CodeJob) and other.uid == self.uid and \
            other.status == self.status

    def __hash__(self):
        return hash(self.uid)


# ---- JobCollection -------------------------------------------------------------

def _shown_line(text):
    """Submitter text for a one-line message: the library's markers."""
    return _scq.escape_text(("" if text is None else str(text)).encode("utf-8", "surrogateescape"),
                            False)[0]


class JobCollection(list):
    """A list of CodeJob with filters, bulk decisions and a Jupyter table.

    Calling a collection (q.pending_for_me()) re-runs its query and returns it."""

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
        s = _status(status)
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

    def _repr_html_(self):
        from ._html import collection_table
        return collection_table(self)

    def _ipython_display_(self):
        from ._actions import display
        display(self)


# ---- Client -------------------------------------------------------------------------

_HINT = ("In Python you can also call q.configure(email=..., data_dir=...) "
         "before the first call.")


def _collection(name, doc):
    def get(self):
        q = getattr(self, "_q_" + name)
        return JobCollection(q(), q, name, self)
    get.__name__ = name
    get.__doc__ = doc
    return property(get)


class Client(FilesMixin):
    """An identity and its workspace.  Every module function is a method here
    (reviewing and results: FilesMixin, _files.py); the collections are
    properties that can also be called."""

    def __init__(self, email=None, data_dir=None, config_path=None, init=True):
        self._changes = 0  # state changes made through this client
        try:
            self._h = _scq.Handle(email=email, data_dir=data_dir, config_path=config_path)
        except ConfigError as e:
            msg = str(e).replace(", or pass --email and --data-dir", "").rstrip(".")
            raise ConfigError("%s. %s" % (msg, _HINT)) from None
        if init:
            if not os.path.isdir(self._h.data_dir):
                raise ConfigError("the SyftBox data folder '%s' does not exist. %s" %
                                  (self._h.data_dir, _HINT))
            self._h.init_datasite()

    @property
    def email(self):
        return self._h.email

    @property
    def data_dir(self):
        return Path(self._h.data_dir)

    @property
    def closed(self):
        return self._h.closed

    def close(self):
        self._h.close()

    def init(self):
        """Create my datasite and queue folders (idempotent)."""
        self._h.init_datasite()

    def __repr__(self):
        return "Client(email=%r, data_dir=%r)" % (self.email, str(self.data_dir))

    # -- jobs ------------------------------------------------------------------
    def _job(self, text):
        return CodeJob(json.loads(text), self)

    def _find(self, job_uid, role=_scq.AS_ANY):
        return self._job(self._h.find(_uid(job_uid), role))

    def _list(self, role, status=None):
        st = -1 if status is None else list(JobStatus).index(_status(status))
        return [CodeJob(d, self) for d in json.loads(self._h.list(role, st))]

    def get_job(self, job_uid):
        return self._find(job_uid)

    def my_jobs(self, status=None, limit=None):
        return JobCollection(_limit(self._list(_scq.AS_REQUESTER, status), limit), None,
                             "my_jobs", self)

    def all_jobs_for_me(self, status=None, limit=None):
        return JobCollection(_limit(self._list(_scq.AS_OWNER, status), limit), None,
                             "jobs_for_me", self)

    list_jobs = all_jobs_for_me

    # the collections' queries
    def _q_jobs_for_me(self):
        return self._list(_scq.AS_OWNER)

    def _q_jobs_for_others(self):
        return self._list(_scq.AS_REQUESTER)

    def _q_pending_for_me(self):
        return self._list(_scq.AS_OWNER, "pending")

    def _q_pending_for_others(self):
        return self._list(_scq.AS_REQUESTER, "pending")

    _q_my_pending = _q_pending_for_others

    def _q_my_running(self):
        return self._list(_scq.AS_REQUESTER, "running")

    def _q_my_completed(self):
        return self._list(_scq.AS_REQUESTER, "completed")

    def _q_awaiting_release(self):
        return [j for j in self._list(_scq.AS_OWNER) if j.results_held]

    def _q_approved_by_me(self):
        return [j for j in self._list(_scq.AS_OWNER)
                if j.status in (JobStatus.approved, JobStatus.running, JobStatus.completed,
                                JobStatus.failed) and j.approved_by == self.email]

    jobs_for_me = _collection("jobs_for_me", "Jobs submitted to me, every status.")
    jobs_for_others = _collection("jobs_for_others", "Jobs I submitted, every status.")
    pending_for_me = _collection("pending_for_me", "Jobs waiting for my approval.")
    pending_for_others = _collection("pending_for_others",
                                     "Jobs I submitted that wait for approval.")
    my_pending = _collection("my_pending", "Jobs I submitted that wait for approval.")
    my_running = _collection("my_running", "Jobs I submitted that are running.")
    my_completed = _collection("my_completed", "Jobs I submitted that completed.")
    awaiting_release = _collection(
        "awaiting_release", "Finished jobs submitted to me whose log and outputs wait for my "
        "review and release (setting release=review): job.release() sends them.")
    approved_by_me = _collection("approved_by_me",
                                 "Jobs I approved (approved, running, completed, failed).")

    # -- submitting ----------------------------------------------------------------
    @staticmethod
    def _tags_timeout(tags, timeout_seconds):
        # The original's final version took timeout_seconds before tags;
        # accept a positional call in either order.
        if isinstance(tags, int) and not isinstance(tags, bool) and \
                (timeout_seconds is None or isinstance(timeout_seconds, (list, tuple, str))):
            tags, timeout_seconds = timeout_seconds, tags
        if isinstance(tags, str):
            tags = [tags]
        if timeout_seconds is None:
            timeout_seconds = 86400
        if not isinstance(timeout_seconds, int) or isinstance(timeout_seconds, bool) or \
                timeout_seconds < 1:
            raise InvalidJob("timeout_seconds must be a whole number >= 1")
        return (list(tags) if tags else None), timeout_seconds

    def _target(self, target_email):
        """The owner's email, checked to run the queue here.  (scq_submit
        itself would create a fake datasite for an unknown owner.)"""
        t = str(target_email).strip().lower()
        app = os.path.join(self._h.data_dir, "datasites", t, "app_data", "code-queue", "inbox")
        if "/" in t or t in ("", ".", "..") or not os.path.isdir(app):
            raise InvalidJob("'%s' has no code queue in %s/datasites (wrong email, or the "
                             "data owner has not set up syft-code-queue yet)" %
                             (target_email, self._h.data_dir))
        return t

    def _submitted(self, uid):
        return self._find(uid, _scq.AS_REQUESTER)

    def submit_job(self, target_email, code_folder, name, description=None, tags=None,
                   timeout_seconds=86400, convert_crlf=False):
        tags, timeout_seconds = self._tags_timeout(tags, timeout_seconds)
        folder = os.fspath(code_folder)
        if not os.path.isdir(folder):
            raise InvalidJob("code folder '%s' does not exist" % folder)
        if not os.path.isfile(os.path.join(folder, "run.sh")):
            raise InvalidJob("code folder '%s' has no run.sh" % folder)
        self._changes += 1  # a collection listed before this is stale
        uid = self._h.submit(self._target(target_email), folder, str(name), description, tags,
                             timeout_seconds, bool(convert_crlf))
        return self._submitted(uid)

    submit_code = submit_job

    def submit_script(self, target_email, script_content, name, description=None,
                      requirements=None, tags=None, timeout_seconds=86400, *,
                      language="python"):
        """The seed's positional order (target_email, script_content, name,
        description, requirements, tags); language only by keyword."""
        if requirements in ("python", "bash"):
            raise InvalidJob("submit_script: the 5th argument is requirements; give the "
                             "language as language=%r" % requirements)
        tags, timeout_seconds = self._tags_timeout(tags, timeout_seconds)
        if isinstance(script_content, os.PathLike):
            script_content = Path(script_content).read_bytes()
        if isinstance(script_content, str):
            script_content = script_content.encode("utf-8")
        if isinstance(requirements, str):
            requirements = [requirements]
        self._changes += 1  # a collection listed before this is stale
        uid = self._h.submit_script(self._target(target_email), str(language), bytes(script_content),
                                    str(name), description, tags, timeout_seconds,
                                    list(requirements) if requirements else None)
        return self._submitted(uid)

    def submit_python(self, target_email, script_content, name, description=None,
                      requirements=None, tags=None, timeout_seconds=86400):
        return self.submit_script(target_email, script_content, name, description,
                                  requirements, tags, timeout_seconds, language="python")

    def submit_bash(self, target_email, script_content, name, description=None, tags=None,
                    timeout_seconds=86400):
        return self.submit_script(target_email, script_content, name, description,
                                  None, tags, timeout_seconds, language="bash")

    # -- deciding ----------------------------------------------------------------------
    def _owner_uid(self, job_uid, verb):
        """Full uid of a job submitted to me; NotAllowed if I only requested it."""
        try:
            return self._find(job_uid, _scq.AS_OWNER).uid
        except JobNotFound:
            try:
                j = self._find(job_uid, _scq.AS_REQUESTER)
            except JobNotFound:
                raise JobNotFound("no job found with id '%s' submitted to %s" %
                                  (_uid(job_uid), self.email)) from None
            raise NotAllowed("only the data owner (%s) may %s job '%s'; you are its "
                             "requester" % (j.target_email, verb, j.uid)) from None

    def approve(self, job_uid, reason=None, allow_network=False):
        self._changes += 1  # a collection listed before this is stale
        self._h.approve(self._owner_uid(job_uid, "approve"), reason or None,
                        bool(allow_network))
        return True

    def reject(self, job_uid, reason=None):
        reason = (reason or "").strip() or DEFAULT_REJECT_REASON
        self._changes += 1  # a collection listed before this is stale
        self._h.reject(self._owner_uid(job_uid, "reject"), reason)
        return True

    def cancel(self, job_uid):
        self._changes += 1  # a collection listed before this is stale
        self._h.cancel(self._find(job_uid).uid)
        return True

    def release(self, job_uid):
        """Owner, with the setting release=review: send a finished job's log
        and outputs to its requester."""
        self._changes += 1  # a collection listed before this is stale
        self._h.release(self._owner_uid(job_uid, "release"))
        return True

    def wait_for_completion(self, job_uid, timeout=600):
        from . import JobFailed
        uid = self._find(job_uid).uid
        end = None if timeout is None or timeout <= 0 else time.monotonic() + timeout
        while True:
            left = 1.0 if end is None else min(1.0, end - time.monotonic())
            if left <= 0:
                job = self._find(uid)
                raise _scq.Timeout("job '%s' is still %s after %s seconds" %
                                   (uid, job.status, timeout))
            try:
                st = self._h.wait(uid, max(left, 0.05))
                break
            except _scq.Timeout:
                continue  # one slice; Ctrl-C is handled between slices
        job = self._find(uid)
        if job.error_kind == "publish_error":  # ran, but its results were not delivered
            # the name is the submitter's text: shown with markers
            raise JobFailed("job '%s' (%s) ended %s, but its results could not be published: %s"
                            % (_shown_line(job.name), job.short_id, job.status,
                               job.error_message), job)
        if _scq.statuses()[st] != "completed":
            msg = "job '%s' (%s) ended %s" % (_shown_line(job.name), job.short_id, job.status)
            if job.error_message or job.reason:
                msg += ": %s" % (job.error_message or job.reason)
            raise JobFailed(msg, job)
        return job

    # -- running, settings, datasets -------------------------------------------------
    def run_jobs(self):
        self._changes += 1  # a collection listed before this is stale
        return self._h.run_cycle()

    def ingest(self):
        self._changes += 1  # a collection listed before this is stale
        return self._h.ingest()

    @property
    def config(self):
        return QueueConfig(self)

    def add_dataset(self, name, path):
        self._h.dataset_add(str(name), os.fspath(path))

    def remove_dataset(self, name):
        self._h.dataset_remove(str(name))

    def list_datasets(self):
        return json.loads(self._h.dataset_list())

    def audit_verify(self):
        return self._h.audit_verify()

    def doctor(self):
        return json.loads(self._h.doctor_json())

    def status(self):
        s = json.loads(self._h.status_json())
        own, mine = s["as_owner"], s["as_requester"]
        s.update({"jobs_submitted_by_me": sum(mine.values()),
                  "jobs_submitted_to_me": sum(own.values()),
                  "pending_for_approval": own.get("pending", 0),
                  "my_running_jobs": mine.get("running", 0)})
        return s

    @property
    def datasites(self):
        from ._datasites import DataSitesCollection
        return DataSitesCollection(self)

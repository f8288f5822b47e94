"""Client: an identity and its workspace over an _scq.Handle.  Every module
function is a method here; the collections are properties that can also
be called.  default_client() is the one behind the module functions."""
import json
import os
import time
from pathlib import Path

from .._scq import (AS_ANY, AS_OWNER, AS_REQUESTER, ConfigError, Handle, InvalidJob,
                   JobNotFound, NotAllowed, Timeout, statuses)
from . import session
from .collection import JobCollection, _Source
from .config import QueueConfig
from .datasites import DataSitesCollection
from .errors import JobFailed
from .files import FilesMixin
from .release import ReleaseMixin
from .runtimes import RuntimesMixin
from .job import CodeJob
from .job import job_uid as uid_of
from .status import JobStatus
from .votes import Approval, VotesMixin
from .mock import MockMixin
from .keys import KeysMixin
from .status import limit as cut
from .status import status as check_status
from .text import shown_line

DEFAULT_REJECT_REASON = "Rejected by data owner"
_STATUS_CODE = {s: i for i, s in enumerate(JobStatus)}  # the library's status numbers
# approved_by_me: the jobs I approved that went on from there
_APPROVED_MASK = sum(1 << _STATUS_CODE[s] for s in (JobStatus.approved, JobStatus.running,
                                                     JobStatus.completed, JobStatus.failed))
_HINT = ("In Python you can also call q.configure(email=..., data_dir=...) "
         "before the first call.")


def _collection(name, doc):
    # Reading the property lists nothing: the collection lists on first use
    # (q.pending_for_me() is one listing; calling it again lists again).
    def get(self):
        return JobCollection._deferred(getattr(self, "_q_" + name), name, self)
    get.__name__ = name
    get.__doc__ = doc
    return property(get)


class Client(FilesMixin, VotesMixin, RuntimesMixin, ReleaseMixin, MockMixin, KeysMixin):
    """An identity and its workspace.  Every module function is a method here
    (reviewing and results: FilesMixin, files.py; the two-person rule:
    VotesMixin, votes.py; runtimes: RuntimesMixin, runtimes.py; release
    decisions: ReleaseMixin, release.py; mock data and scq try: MockMixin,
    mock.py); the collections are
    properties that can also be called."""

    def __init__(self, email=None, data_dir=None, config_path=None, init=True):
        try:
            self._h = Handle(email=email, data_dir=data_dir, config_path=config_path)
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

    def _find(self, job_uid, role=AS_ANY):
        return self._job(self._h.find(uid_of(job_uid), role))

    def _listing(self, role, status=None, **only):
        """One listing (the extension's Listing: the jobs' text, compact);
        only: mask, held, approved_by (Handle.listing)."""
        st = -1 if status is None else _STATUS_CODE[check_status(status)]
        return self._h.listing(role, st, **only)

    def _list(self, role, status=None, limit=None, title=None):
        """The jobs listed now, as a collection that makes each CodeJob on
        first use (limit: the first so many)."""
        listing = self._listing(role, status)
        src = _Source(listing, self)
        return JobCollection._view(src, cut(range(len(listing)), limit), None, title, self)

    def get_job(self, job_uid):
        return self._find(job_uid)

    def my_jobs(self, status=None, limit=None):
        return self._list(AS_REQUESTER, status, limit, "my_jobs")

    def all_jobs_for_me(self, status=None, limit=None):
        return self._list(AS_OWNER, status, limit, "jobs_for_me")

    list_jobs = all_jobs_for_me

    # the collections' queries: each one listing, filtered in the extension
    def _q_jobs_for_me(self):
        return self._listing(AS_OWNER)

    def _q_jobs_for_others(self):
        return self._listing(AS_REQUESTER)

    def _q_pending_for_me(self):
        return self._listing(AS_OWNER, "pending")

    def _q_pending_for_others(self):
        return self._listing(AS_REQUESTER, "pending")

    _q_my_pending = _q_pending_for_others

    def _q_my_running(self):
        return self._listing(AS_REQUESTER, "running")

    def _q_my_completed(self):
        return self._listing(AS_REQUESTER, "completed")

    def _q_awaiting_release(self):
        return self._listing(AS_OWNER, held=True)

    def _q_approved_by_me(self):
        return self._listing(AS_OWNER, mask=_APPROVED_MASK, approved_by=self.email)

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
        site = os.path.join(self._h.data_dir, "datasites", t)
        app = os.path.join(site, "app_data", "code-queue", "inbox")
        # on another machine the owner's app folder is private to it: what
        # it publishes (public/code-queue, scq init) says it runs the queue
        pub = os.path.join(site, "public", "code-queue")
        if "/" in t or t in ("", ".", "..") or not (os.path.isdir(app) or os.path.isdir(pub)):
            raise InvalidJob("'%s' has no code queue in %s/datasites (wrong email, or the "
                             "data owner has not set up syft-code-queue yet)" %
                             (target_email, self._h.data_dir))
        return t

    def _submitted(self, uid):
        """The job just submitted, from submit's own record: no lookup."""
        return self._job(self._h.submitted(uid))

    def submit_job(self, target_email, code_folder, name, description=None, tags=None,
                   timeout_seconds=86400, convert_crlf=False, context=None, resubmit_of=None,
                   runtime=None, force=False):
        """context: text for the owner's output check (CONTEXT.md in the
        submitted code); resubmit_of: the job (returned for changes) this
        one replaces; runtime: the owner's runtime to run on (default: the
        owner's default_runtime; see runtimes(owner)); force: submit even
        when requirements.txt is not satisfied by it."""
        tags, timeout_seconds = self._tags_timeout(tags, timeout_seconds)
        folder = os.fspath(code_folder)
        if not os.path.isdir(folder):
            raise InvalidJob("code folder '%s' does not exist" % folder)
        if not os.path.isfile(os.path.join(folder, "run.sh")):
            raise InvalidJob("code folder '%s' has no run.sh" % folder)
        if resubmit_of is not None:
            resubmit_of = self._find(resubmit_of, AS_REQUESTER).uid
        uid = self._h.submit(self._target(target_email), folder, str(name), description, tags,
                             timeout_seconds, bool(convert_crlf), context, resubmit_of,
                             runtime, bool(force))
        return self._submitted(uid)

    submit_code = submit_job

    def submit_script(self, target_email, script_content, name, description=None,
                      requirements=None, tags=None, timeout_seconds=86400, *,
                      language="python", runtime=None, force=False):
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
        uid = self._h.submit_script(self._target(target_email), str(language), bytes(script_content),
                                    str(name), description, tags, timeout_seconds,
                                    list(requirements) if requirements else None,
                                    runtime, bool(force))
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
            return self._find(job_uid, AS_OWNER).uid
        except JobNotFound:
            try:
                j = self._find(job_uid, AS_REQUESTER)
            except JobNotFound:
                raise JobNotFound("no job found with id '%s' submitted to %s" %
                                  (uid_of(job_uid), self.email)) from None
            raise NotAllowed("only the data owner (%s) may %s job '%s'; you are its "
                             "requester" % (j.target_email, verb, j.uid)) from None

    def approve(self, job_uid, reason=None, allow_network=False):
        """Approve a pending job.  With the setting approvals_required above 1
        this is one vote (the two-person rule): the result says "vote
        recorded, 1 of 2" and the job stays pending until another approver
        votes.  The result is truthy either way."""
        uid = self._owner_uid(job_uid, "approve")
        have, need = self._h.vote(uid, None, reason or None, bool(allow_network))
        return Approval(uid, have, need)

    def job_diff(self, job_uid):
        """Owner: what a revision changed against its earlier version, as
        text (the submitter's bytes shown with markers): see CodeJob.diff."""
        return self._h.job_diff(self._owner_uid(job_uid, "review"))[0]

    def rerun(self, job_uid, reason=None):
        """Owner: run an approved, finished job again as a new job of the
        same code, approved by this call; returns the new job."""
        uid = self._h.rerun(self._owner_uid(job_uid, "rerun"), reason or None)
        return self._find(uid, AS_OWNER)

    def reject(self, job_uid, reason=None):
        reason = (reason or "").strip() or DEFAULT_REJECT_REASON
        self._h.reject(self._owner_uid(job_uid, "reject"), reason)
        return True

    def cancel(self, job_uid):
        self._h.cancel(self._find(job_uid).uid)
        return True

    def wait_for_completion(self, job_uid, timeout=600):
        uid = self._find(job_uid).uid
        end = None if timeout is None or timeout <= 0 else time.monotonic() + timeout
        while True:
            left = 1.0 if end is None else min(1.0, end - time.monotonic())
            if left <= 0:
                job = self._find(uid)
                what = ("awaiting the owner's release of its results" if job.results_held
                        else job.status)
                raise Timeout("job '%s' is still %s after %s seconds" % (uid, what, timeout))
            try:
                st = self._h.wait(uid, max(left, 0.05))
                break
            except Timeout:
                continue  # one slice; Ctrl-C is handled between slices
        job = self._find(uid)
        if job.signature == "bad":  # a sync server's word, not the owner's: never trusted
            raise JobFailed("job '%s' (%s): BAD SIGNATURE on the status.json %s published: "
                            "do not trust its status (%s)"
                            % (shown_line(job.name), job.short_id, job.target_email,
                               (job.status_signature or {}).get("detail")), job)
        if job.error_kind == "publish_error":  # ran, but its results were not delivered
            # the name is the submitter's text: shown with markers
            raise JobFailed("job '%s' (%s) ended %s, but its results could not be published: %s"
                            % (shown_line(job.name), job.short_id, job.status,
                               job.error_message), job)
        if statuses()[st] != "completed":
            msg = "job '%s' (%s) ended %s" % (shown_line(job.name), job.short_id, job.status)
            if job.error_message or job.reason:
                msg += ": %s" % (job.error_message or job.reason)
            raise JobFailed(msg, job)
        return job

    # -- running, settings, datasets -------------------------------------------------
    def run_jobs(self):
        return self._h.run_cycle()

    def ingest(self):
        return self._h.ingest()

    @property
    def config(self):
        return QueueConfig(self)

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
        return DataSitesCollection(self)


def default_client():
    """The default Client (session.state), opened on first use with the
    identity from the environment or the SyftBox config."""
    c = session.state["client"]
    if c is None or c.closed:
        c = session.state["client"] = Client()
    return c


# QueueConfig(...) without a client uses the default one; config.py cannot
# import this module (it imports config.py).
QueueConfig._default_client = staticmethod(default_client)

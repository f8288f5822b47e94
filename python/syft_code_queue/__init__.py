"""syft_code_queue: submit code to a data owner, who reviews, approves and runs it.

    import syft_code_queue as q
    job = q.submit_job("owner@hospital.org", "./my_analysis", "Mean age")
    q.pending_for_me            # the data owner's queue (also q.pending_for_me())
    q.get_job(job.uid).approve("aggregates only")
    q.run_jobs()                # the owner runs approved jobs (one cycle)
    job.wait_for_completion(); job.show_logs()  # escaped; get_logs() is raw

Identity: the SyftBox client config, or SYFTBOX_EMAIL and SYFTBOX_DATA_DIR,
or q.configure(email=..., data_dir=...).  q.help() prints a short guide.

Importing this package has no side effects: nothing is read or written
until the first call that needs an identity.
"""
from ._scq import (Error, JobNotFound, NotAllowed, InvalidState, InvalidJob,
                   ConfigError, SandboxError, Timeout, ResultsIncomplete)
from .model.errors import JobFailed, OutputWarning
from .model.session import state as _state

__version__ = "0.2.0"

# The package in layers, imports pointing one way (python/tests/test_layers.py):
#   model/      jobs, collections and the Client over _scq; no HTML, no widgets
#   views/      HTML and ipywidgets panels of the model (imports the model)
#   actions.py  the buttons' callbacks and display() (imports model and views)
# _core, _html, _actions and _review are the old import paths, kept; _help is q.help().

_COLLECTIONS = ("jobs_for_me", "jobs_for_others", "pending_for_me", "pending_for_others",
                "my_pending", "my_running", "my_completed", "approved_by_me", "awaiting_release")
_LAZY = {
    "CodeJob": "model.job", "JobCollection": "model.collection", "JobStatus": "model.status",
    "QueueConfig": "model.config", "Client": "model.client",
    "DataSitesCollection": "model.datasites",
}
_OLD_PATHS = ("_core", "_html", "_actions", "_review")  # the modules before the layers
# Client methods also offered as module functions (the data owner's extras).
_CLIENT_FUNCS = ("add_dataset", "remove_dataset", "list_datasets", "datasets", "try_job",
                 "audit_verify", "doctor",
                 "add_runtime", "remove_runtime", "list_runtimes", "publish_runtimes", "runtimes",
                 "init", "ingest", "release", "copy_job_output", "list_output_files", "read_output_file",
                 "read_output_file_bytes", "withhold", "return_for_changes", "vote", "reviewers",
                 "add_reviewer", "remove_reviewer", "pending_for_review", "review_requests",
                 "ping", "keys", "accept_key")
_loaded = []


def _load():
    """Load the model with its Jupyter display, once, on first use: the
    views set _repr_html_ and the actions _ipython_display_ on the model's
    classes (the model imports neither).  Importing the package stays light."""
    if not _loaded:
        from . import actions, views
        views.register()
        actions.register()
        _loaded.append(True)


def configure(email=None, data_dir=None, config_path=None, init=True):
    """Choose the identity used by the module functions and return its Client.

    Any argument left out comes from SYFTBOX_EMAIL / SYFTBOX_DATA_DIR, then
    the SyftBox client config.  With init=True (the default) my datasite and
    queue folders are created if missing (idempotent).  Raises ConfigError.
    """
    _load()
    from .model.client import Client
    c = Client(email=email, data_dir=data_dir, config_path=config_path, init=init)
    _state["client"] = c
    return c


def connect(email=None, data_dir=None, config_path=None, init=True):
    """A Client for another identity, without changing the module's default
    one.  A Client has every module function as a method."""
    _load()
    from .model.client import Client
    return Client(email=email, data_dir=data_dir, config_path=config_path, init=init)


def _client():
    _load()
    from .model.client import default_client
    return default_client()


def client():
    """The Client behind the module functions (opened on first use)."""
    return _client()


# ---- submitting -------------------------------------------------------------

def submit_job(target_email, code_folder, name, description=None, tags=None,
               timeout_seconds=86400, convert_crlf=False, context=None, resubmit_of=None,
               runtime=None, force=False):
    """Submit a folder holding run.sh to target_email; returns the CodeJob.
    convert_crlf=True converts a run.sh saved with Windows line endings (in
    the submitted copy only), which is refused otherwise.  context: what the
    outputs are and which disclosure controls were applied (CONTEXT.md for
    the owner's output check); resubmit_of: the job, returned for changes,
    that this one replaces.  runtime: the owner's runtime to run on
    (runtimes(owner) lists them; default: the owner's default); a
    requirements.txt it does not satisfy is refused unless force=True."""
    return _client().submit_job(target_email, code_folder, name, description, tags,
                                timeout_seconds, convert_crlf, context, resubmit_of,
                                runtime, force)


def submit_python(target_email, script_content, name, description=None, requirements=None,
                  tags=None, timeout_seconds=86400):
    """Submit a Python script (run as `python3 script.py`); returns the CodeJob."""
    return _client().submit_python(target_email, script_content, name, description,
                                   requirements, tags, timeout_seconds)


def submit_bash(target_email, script_content, name, description=None, tags=None,
                timeout_seconds=86400):
    """Submit a bash script (run as `bash ./script.sh`); returns the CodeJob."""
    return _client().submit_bash(target_email, script_content, name, description, tags,
                                 timeout_seconds)


def submit_script(target_email, script_content, name, description=None, requirements=None,
                  tags=None, timeout_seconds=86400, *, language="python", runtime=None,
                  force=False):
    """Submit a script; the seed's argument order (target_email,
    script_content, name, description, requirements, tags); language is
    "python" (default) or "bash", by keyword.  requirements are checked
    against the owner's runtime (runtime=, else its default): refused
    unless force=True when it does not hold them."""
    return _client().submit_script(target_email, script_content, name, description,
                                   requirements, tags, timeout_seconds, language=language,
                                   runtime=runtime, force=force)


# ---- finding jobs -----------------------------------------------------------

def get_job(job_uid):
    """The job with this uid or unique prefix (>= 4 characters), as owner or
    requester.  Raises JobNotFound, or InvalidJob for an ambiguous prefix."""
    return _client().get_job(job_uid)


def my_jobs(status=None, limit=None):
    """Jobs I submitted, newest first (limit=None: all)."""
    return _client().my_jobs(status, limit)


def all_jobs_for_me(status=None, limit=None):
    """Jobs submitted to me, newest first (limit=None: all)."""
    return _client().all_jobs_for_me(status, limit)


# ---- results ----------------------------------------------------------------

def get_job_output(job_uid):
    """Path of the job's output folder, or None if it has none (the job has
    not run, or its results are held).  Raises ResultsIncomplete until every
    published file has synced; warns OutputWarning if outputs were cut or
    left out (see job.output_notes)."""
    return _client().get_job_output(job_uid)


def get_job_logs(job_uid):
    """The job's execution log as raw text, or None if there is none (the job
    has not run, or its results are held).  Raises ResultsIncomplete until the
    log has fully synced.  Raw: \\r, \\b and escape sequences are kept, and a
    terminal or the Notebook applies them (a job can erase lines).  To read a
    log, use show_job_logs(uid), job.show_logs() or print(escape_log(log))."""
    return _client().get_job_logs(job_uid)


def show_job_logs(job_uid):
    """Print the job's log escaped (escape_log): every line stays visible."""
    return _client().show_job_logs(job_uid)


def escape_log(log):
    """A log (str or bytes) with every control character but newline and tab
    (\\r, \\b, ESC, C1, DEL) and every invisible or bidi format character
    shown as a visible marker, each byte that is not UTF-8 as \\xNN."""
    from .model.text import escape_log as esc
    return esc(log)


def wait_for_completion(job_uid, timeout=600):
    """Wait until the job is finished; returns it when completed, raises
    JobFailed if it ended otherwise and Timeout (a TimeoutError) on timeout.
    A completed job whose log and outputs the owner holds for review is
    returned too (as `scq wait` exits 0): job.results_held is True and
    get_logs() is None until the owner releases them."""
    return _client().wait_for_completion(job_uid, timeout)


# ---- reviewing --------------------------------------------------------------

def review_job(job_uid, full=False, file=None):
    """The review of a job submitted to me: file tree and viewer in Jupyter.
    full=True shows every file whole, file=PATH one file."""
    return _client().review_job(job_uid, full, file)


def inspect_job(job_uid, full=False, file=None):
    """Print a text review: metadata, warnings, every file's name, run.sh
    whole, other files' heads, and the names of the files it leaves out;
    full=True shows every file whole, file=PATH one file whole."""
    return _client().inspect_job(job_uid, full, file)


def list_job_files(job_uid):
    """Relative paths of the job's code files, sorted."""
    return _client().list_job_files(job_uid)


def read_job_file(job_uid, filename):
    """One code file as text, whole; each byte that is not UTF-8 (binary
    content) is the marker \\xNN, never a placeholder."""
    return _client().read_job_file(job_uid, filename)


def read_job_file_bytes(job_uid, filename):
    """Every byte of one code file, as it runs."""
    return _client().read_job_file_bytes(job_uid, filename)


# ---- deciding ---------------------------------------------------------------

def approve(job_uid, reason=None):
    """Approve a pending job submitted to me; returns True."""
    return _client().approve(job_uid, reason)


def reject(job_uid, reason=None):
    """Reject a pending job submitted to me (default reason "Rejected by data
    owner"); returns True."""
    return _client().reject(job_uid, reason)


def cancel(job_uid):
    """Cancel a job (requester: asks the owner; owner: cancels at once)."""
    return _client().cancel(job_uid)


# ---- running (the data owner) -------------------------------------------------

def run_jobs():
    """Run every approved job submitted to me once (one runner cycle) and
    return the counts {started, completed, failed, cancelled, recovered, cleaned}."""
    return _client().run_jobs()


# ---- overview ---------------------------------------------------------------

def status():
    """A summary of my queue as a dict."""
    return _client().status()


def help():  # noqa: A001 (the original's name)
    """Print a short guide."""
    from ._help import print_help
    print_help()


def __getattr__(name):
    if name in _COLLECTIONS:
        return getattr(_client(), name)
    if name in _CLIENT_FUNCS:
        return getattr(_client(), name)
    if name == "datasites":
        return _client().datasites
    if name == "config":
        return _client().config
    if name in ("q", "jobs"):
        import sys
        return sys.modules[__name__]
    if name in _OLD_PATHS:  # pages rendered before call _html.act() after a restart
        import importlib
        return importlib.import_module("." + name, __name__)
    mod = _LAZY.get(name)
    if mod:
        _load()
        import importlib
        return getattr(importlib.import_module("." + mod, __name__), name)
    raise AttributeError("module 'syft_code_queue' has no attribute %r" % name)


def __dir__():
    return sorted(set(globals()) | set(_COLLECTIONS) | set(_LAZY) | set(_CLIENT_FUNCS) |
                  {"datasites", "config", "q", "jobs"})

"""The buttons' callbacks: what a click does, through the model.

A page's HTML button calls act() in the kernel (the classic Notebook's
kernel API; views/page.py has the script).  An ipywidgets panel
(views/widgets.py) gets job_action() and batch_action() as its callbacks.
display() shows an object: the widget panel in a kernel with ipywidgets;
without ipywidgets its HTML (with its own kernel-calling buttons); without
a kernel (plain python, terminal IPython) its text repr.  register() sets
display as the _ipython_display_ of the model's classes and the review;
the package calls it on first use (the model imports no action).
"""
from .model.client import default_client
from .model.collection import JobCollection
from .model.job import CodeJob
from .model.review import CodeReview
from .model.session import client_of_token
from .model.text import visible
from .views import widgets
from .views.escape import Shown

DEFAULT_APPROVE = "Approved via Jupyter interface"


def act(token, uid, action, reason=None):
    """Run one HTML button's action in the kernel (called by the page's JS
    through Jupyter.notebook.kernel.execute, as the client that rendered the
    page) and print a one-line result."""
    client = client_of_token(token) or default_client()
    job = client.get_job(uid)
    if action == "approve":
        job.approve(reason)
    elif action == "reject":
        job.reject(reason)
    elif action == "cancel":
        job.cancel()
    else:
        raise ValueError("unknown action %r" % action)
    print(visible("%s %s: %s" % (job.status, job.short_id, job.name)))


def job_action(job, action, reason):
    """One widget button's action on a job; the message for the status line."""
    reason = (reason or "").strip()
    if action == "approve":
        job.approve(reason or DEFAULT_APPROVE)
        return "approved %s (%s)" % (job.uid, job.name)
    if action == "reject":
        if not reason:
            return "Type a reason first: a reason is required to reject."
        job.reject(reason)
        return "rejected %s (%s)" % (job.uid, job.name)
    if action == "cancel":
        job.cancel()
        return "%s %s (%s)" % ("cancelled" if str(job.status) == "cancelled"
                               else "cancel requested for", job.uid, job.name)
    if action == "review":  # text already shown: say() must not mark it twice
        return Shown(job.review().text())
    if action == "logs":  # the bytes, shown with markers by say() like `scq logs`
        log = job._c()._log_bytes(job.uid)
        return "(no log yet)" if log is None else log.decode("utf-8", "surrogateescape")
    if action == "output":
        return "%s\n%s" % (job.get_output() or "(no output yet)",
                           "\n".join(job.list_output_files()))
    return None


def batch_action(client, verb, jobs, reason):
    """The batch buttons: approve or reject the chosen jobs; the message."""
    coll = JobCollection(jobs, client=client)
    res = getattr(coll, verb + "_all")(reason or DEFAULT_APPROVE)
    return "%s: %s" % (verb, res)


def widget_panel(obj):
    """The ipywidgets panel for a CodeJob, JobCollection or CodeReview, or None."""
    w = widgets.widgets()
    if w is None:
        return None
    if isinstance(obj, CodeReview):
        obj = obj.job
    if isinstance(obj, CodeJob):
        return widgets.job_panel(w, obj, job_action)
    if isinstance(obj, JobCollection):
        return widgets.collection_panel(w, obj, batch_action)
    return None


def _in_kernel():
    try:
        from IPython import get_ipython
    except Exception:  # noqa: BLE001
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def display(obj):
    if not _in_kernel():
        print(repr(obj))
        return
    from IPython.display import HTML, display as ipy_display
    panel = widget_panel(obj)
    if panel is None:
        ipy_display(HTML(obj._repr_html_()))
        return
    if isinstance(obj, CodeReview):
        ipy_display(HTML(obj._repr_html_(buttons=False)))
    ipy_display(panel)


def register():
    """Set display as the _ipython_display_ of the objects with buttons (idempotent)."""
    for cls in (CodeJob, JobCollection, CodeReview):
        cls._ipython_display_ = display

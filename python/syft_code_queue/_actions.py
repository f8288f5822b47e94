"""Buttons that act in the kernel, with ipywidgets when it is installed.

display(obj) in a kernel with ipywidgets shows one widget panel: the card or
table as an HTML widget (rendered with interactive=False: no script, no HTML
buttons), widget buttons whose clicks call the Python methods directly, and
a status line.  After every action the HTML widget is re-rendered, so the
new status shows without re-running the cell.  A review shows its file
viewer as HTML output, then the job's panel.  Without ipywidgets the HTML
output (with its own kernel-calling buttons) is shown; without a kernel
(plain python, terminal IPython) the object's text repr is printed.

Escaping (see _html.py): a widget never gets submitter text as a
description, label or tooltip, since ipywidgets renders descriptions as
HTML.  Descriptions are fixed words; job text goes only into HTML widgets
whose value is built with _html.e().  Uses only the ipywidgets API common to
versions 6, 7 and 8: Button, Text, Checkbox, HTML, HBox, VBox, on_click,
.value, .description, .disabled, .children.
"""
import html

from ._html import e


class _Shown(str):
    """Text whose markers are made already (a review's text)."""

DEFAULT_APPROVE = "Approved via Jupyter interface"


def _widgets():
    try:
        import ipywidgets
    except Exception:  # noqa: BLE001 - any import problem means "not available"
        return None
    return ipywidgets


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
    from ._review import ReviewView
    panel = widget_panel(obj)
    if panel is None:
        ipy_display(HTML(obj._repr_html_()))
        return
    if isinstance(obj, ReviewView):
        ipy_display(HTML(obj._repr_html_(buttons=False)))
    ipy_display(panel)


def _say(box, text):
    box.value = "<pre class='tex2jax_ignore' style='white-space:pre-wrap;margin:0'>%s</pre>" % \
        (html.escape(text, quote=True) if isinstance(text, _Shown) else e(text))


def _act(job, action, reason, out):
    """One button's action; the message for the status line, or None."""
    if action == "approve":
        job.approve(reason.value.strip() or DEFAULT_APPROVE)
        return "approved %s (%s)" % (job.uid, job.name)
    if action == "reject":
        if not reason.value.strip():
            return "Type a reason first: a reason is required to reject."
        job.reject(reason.value.strip())
        return "rejected %s (%s)" % (job.uid, job.name)
    if action == "cancel":
        job.cancel()
        return "%s %s (%s)" % ("cancelled" if str(job.status) == "cancelled"
                               else "cancel requested for", job.uid, job.name)
    if action == "review":  # text already shown: _say must not mark it twice
        return _Shown(job.review().text())
    if action == "logs":  # the bytes, shown with markers by _say like `scq logs`
        log = job._c()._log_bytes(job.uid)
        return "(no log yet)" if log is None else log.decode("utf-8", "surrogateescape")
    if action == "output":
        return "%s\n%s" % (job.get_output() or "(no output yet)",
                           "\n".join(job.list_output_files()))
    return None


def _job_panel(w, job):
    """Card (HTML widget), buttons by status, reason box, status line."""
    from ._html import _action_buttons, job_card
    card = w.HTML(value=job_card(job, interactive=False))
    out = w.HTML(value="")
    reason = w.Text(value="", description="Reason:")
    row = w.HBox(children=[])

    def rebuild():
        me = job.client.email if job.client is not None else None
        buttons = []
        for action, label in _action_buttons(job, me):
            b = w.Button(description=label.split(" ", 1)[-1])  # a fixed word
            b.tooltip = action
            b.on_click(handler(action))
            buttons.append(b)
        wants_reason = any(a in ("approve", "reject") for a, _ in _action_buttons(job, me))
        row.children = ([reason] if wants_reason else []) + buttons

    def handler(action):
        def click(_b):
            try:
                msg = _act(job, action, reason, out)
            except Exception as ex:  # noqa: BLE001 - shown to the user
                msg = "%s: %s" % (type(ex).__name__, ex)
            _say(out, msg)
            if action in ("approve", "reject", "cancel"):
                job._refresh_quiet()
                card.value = job_card(job, interactive=False)
                rebuild()
        return click

    rebuild()
    return w.VBox(children=[card, row, out])


def _collection_panel(w, coll):
    """Table (HTML widget), a checkbox per job awaiting me, batch buttons."""
    from ._html import collection_table
    client = coll._cl
    me = client.email if client is not None else None
    table = w.HTML(value=collection_table(coll, interactive=False))
    out = w.HTML(value="")
    reason = w.Text(value="", description="Reason:")
    awaiting = [j for j in coll if str(j.status) == "pending" and j.target_email == me]
    rows = []

    def label(j):
        return ('<span class="tex2jax_ignore" data-job-uid="%s"><code>%s</code> %s '
                '<i>(%s)</i> &mdash; <b>%s</b></span>' % (
                    e(j.uid), e(j.short_id), e(j.name), e(j.requester_email), e(j.status)))

    for j in awaiting:
        cb = w.Checkbox(value=False, description="select")  # a fixed word, never job text
        cb.job_uid = j.uid
        rows.append((cb, w.HTML(value=label(j)), j))

    def batch(verb):
        def click(_b):
            chosen = [j for cb, _, j in rows if cb.value and not cb.disabled]
            if not chosen:
                _say(out, "Select jobs first.")
                return
            text = reason.value.strip()
            if verb == "reject" and not text:
                _say(out, "Type a reason first: a reason is required to reject.")
                return
            from ._core import JobCollection as JC
            try:
                res = getattr(JC(chosen, client=client), verb + "_all")(text or DEFAULT_APPROVE)
                _say(out, "%s: %s" % (verb, res))
            except Exception as ex:  # noqa: BLE001 - shown to the user
                _say(out, "%s: %s" % (type(ex).__name__, ex))
            # Each shown job re-read (not the query again: decided jobs would
            # drop out of a pending list instead of showing their new status).
            for j in coll:
                j._refresh_quiet()
            table.value = collection_table(coll, interactive=False)
            for cb, lab, j in rows:
                lab.value = label(j)
                cb.disabled = str(j.status) != "pending"
                cb.value = False
        return click

    children = [table]
    if rows:
        ba = w.Button(description="Approve selected")
        ba.on_click(batch("approve"))
        br = w.Button(description="Reject selected")
        br.on_click(batch("reject"))
        children += [w.HBox(children=[cb, lab]) for cb, lab, _ in rows]
        children.append(w.HBox(children=[reason, ba, br]))
    return w.VBox(children=children + [out])


def widget_panel(obj):
    """The ipywidgets panel for a CodeJob, JobCollection or ReviewView, or None."""
    w = _widgets()
    if w is None:
        return None
    from ._core import CodeJob, JobCollection
    from ._review import ReviewView
    if isinstance(obj, ReviewView):
        obj = obj.job
    if isinstance(obj, CodeJob):
        return _job_panel(w, obj)
    if isinstance(obj, JobCollection):
        return _collection_panel(w, obj)
    return None


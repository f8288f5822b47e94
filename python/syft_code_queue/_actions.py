"""Buttons that act in the kernel, with ipywidgets when it is installed.

display(obj) shows obj's HTML and, when ipywidgets can be imported, a row of
widget buttons whose clicks call the Python methods directly (uses only the
ipywidgets API common to versions 6, 7 and 8: Button, Text, Checkbox, HTML,
HBox, VBox, on_click, .value, .description, .disabled).  Without a kernel
(plain python, terminal IPython) the object's text repr is printed instead.
"""
import html

from ._html import visible

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
    ipy_display(HTML(obj._repr_html_()))
    panel = widget_panel(obj)
    if panel is not None:
        ipy_display(panel)


def _say(box, text):
    box.value = "<pre style='white-space:pre-wrap;margin:0'>%s</pre>" % html.escape(
        visible(text))


def _job_buttons(w, job, out, reason):
    """Buttons for one job by status, as seen by the job's client."""
    from ._html import _action_buttons
    me = job.client.email if job.client is not None else None
    buttons = []

    def handler(action):
        def click(_b):
            try:
                if action == "approve":
                    job.approve(reason.value.strip() or DEFAULT_APPROVE)
                    _say(out, "approved %s (%s)" % (job.uid, job.name))
                elif action == "reject":
                    if not reason.value.strip():
                        _say(out, "Type a reason first: a reason is required to reject.")
                        return
                    job.reject(reason.value.strip())
                    _say(out, "rejected %s (%s)" % (job.uid, job.name))
                elif action == "cancel":
                    job.cancel()
                    _say(out, "cancel requested for %s (%s)" % (job.uid, job.name))
                elif action == "review":
                    _say(out, job.review().text())
                elif action == "logs":
                    _say(out, job.get_logs() or "(no log yet)")
                elif action == "output":
                    files = job.list_output_files()
                    _say(out, "%s\n%s" % (job.get_output() or "(no output yet)",
                                          "\n".join(files)))
            except Exception as ex:  # noqa: BLE001 - shown to the user
                _say(out, "%s: %s" % (type(ex).__name__, ex))
        return click

    for action, label in _action_buttons(job, me):
        b = w.Button(description=label.split(" ", 1)[-1])
        b.tooltip = "%s %s" % (action, job.uid)
        b.on_click(handler(action))
        buttons.append(b)
    return buttons


def widget_panel(obj):
    """The ipywidgets panel for a CodeJob, JobCollection or ReviewView, or None."""
    w = _widgets()
    if w is None:
        return None
    from ._core import CodeJob, JobCollection
    from ._html import ReviewView
    out = w.HTML(value="")
    reason = w.Text(value="", description="Reason:")
    if isinstance(obj, ReviewView):
        obj = obj.job
    if isinstance(obj, CodeJob):
        buttons = _job_buttons(w, obj, out, reason)
        if not buttons:
            return None
        return w.VBox(children=[w.HBox(children=[reason] + buttons), out])
    if isinstance(obj, JobCollection):
        client = obj._cl
        me = client.email if client is not None else None
        awaiting = [j for j in obj if str(j.status) == "pending" and j.target_email == me]
        if not awaiting:
            return None
        boxes = []
        for j in awaiting:
            cb = w.Checkbox(value=False, description="%s  %s  (%s)" % (
                j.short_id, visible(j.name), visible(j.requester_email)))
            cb.job_uid = j.uid
            boxes.append((cb, j))

        def batch(verb):
            def click(_b):
                chosen = [j for cb, j in boxes if cb.value]
                if not chosen:
                    _say(out, "Select jobs first.")
                    return
                text = reason.value.strip()
                if verb == "reject" and not text:
                    _say(out, "Type a reason first: a reason is required to reject.")
                    return
                from ._core import JobCollection as JC
                res = getattr(JC(chosen, client=client), verb + "_all")(
                    text or DEFAULT_APPROVE)
                _say(out, "%s: %s" % (verb, res))
                for cb, j in boxes:
                    if j in chosen:
                        cb.disabled = True
            return click
        ba = w.Button(description="Approve selected")
        ba.on_click(batch("approve"))
        br = w.Button(description="Reject selected")
        br.on_click(batch("reject"))
        return w.VBox(children=[cb for cb, _ in boxes] + [w.HBox(children=[reason, ba, br]),
                                                          out])
    return None

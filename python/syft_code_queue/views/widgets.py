"""The ipywidgets panels, when ipywidgets is installed: the card or table
in an HTML widget (rendered with interactive=False: no script, no HTML
buttons), widget buttons, a reason box and a status line.  What a button
does is the caller's: actions.py passes its callbacks in, so this module
builds and re-renders, and never decides.

Escaping: a widget never gets submitter text as a description, label or
tooltip, since ipywidgets renders descriptions as HTML.  Descriptions are
fixed words; job text goes only into HTML widgets whose value is built
with escape.e().  Uses only the ipywidgets API common to versions 6, 7 and
8: Button, Text, Checkbox, HTML, HBox, VBox, on_click, .value,
.description, .disabled, .children.
"""
from .card import job_card
from .escape import e, text_html
from .page import action_buttons
from .table import collection_table

CHANGES = ("approve", "reject", "cancel")  # actions after which the card is re-read


def widgets():
    """The ipywidgets module, or None when it cannot be imported."""
    try:
        import ipywidgets
    except Exception:  # noqa: BLE001 - any import problem means "not available"
        return None
    return ipywidgets


def say(box, text):
    """Show a message (a Shown text, or text to mark) in an HTML widget."""
    box.value = "<pre class='tex2jax_ignore' style='white-space:pre-wrap;margin:0'>%s</pre>" % \
        text_html(text)


def job_panel(w, job, on_action):
    """Card (HTML widget), buttons by status, reason box, status line.
    on_action(job, action, reason) -> the message for the status line."""
    card = w.HTML(value=job_card(job, interactive=False))
    out = w.HTML(value="")
    reason = w.Text(value="", description="Reason:")
    row = w.HBox(children=[])

    def rebuild():
        me = job.client.email if job.client is not None else None
        buttons = []
        for action, label in action_buttons(job, me):
            b = w.Button(description=label.split(" ", 1)[-1])  # a fixed word
            b.tooltip = action
            b.on_click(handler(action))
            buttons.append(b)
        wants_reason = any(a in ("approve", "reject") for a, _ in action_buttons(job, me))
        row.children = ([reason] if wants_reason else []) + buttons

    def handler(action):
        def click(_b):
            try:
                msg = on_action(job, action, reason.value)
            except Exception as ex:  # noqa: BLE001 - shown to the user
                msg = "%s: %s" % (type(ex).__name__, ex)
            say(out, msg)
            if action in CHANGES:
                job._refresh_quiet()
                card.value = job_card(job, interactive=False)
                rebuild()
        return click

    rebuild()
    return w.VBox(children=[card, row, out])


def _label(j):
    return ('<span class="tex2jax_ignore" data-job-uid="%s"><code>%s</code> %s '
            '<i>(%s)</i> &mdash; <b>%s</b></span>' % (
                e(j.uid), e(j.short_id), e(j.name), e(j.requester_email), e(j.status)))


def collection_panel(w, coll, on_batch):
    """Table (HTML widget), a checkbox per job awaiting me, batch buttons.
    on_batch(client, verb, jobs, reason) -> the message for the status line."""
    client = coll._cl
    me = client.email if client is not None else None
    table = w.HTML(value=collection_table(coll, interactive=False))
    out = w.HTML(value="")
    reason = w.Text(value="", description="Reason:")
    awaiting = [j for j in coll if str(j.status) == "pending" and j.target_email == me]
    rows = []
    for j in awaiting:
        cb = w.Checkbox(value=False, description="select")  # a fixed word, never job text
        cb.job_uid = j.uid
        rows.append((cb, w.HTML(value=_label(j)), j))

    def batch(verb):
        def click(_b):
            chosen = [j for cb, _, j in rows if cb.value and not cb.disabled]
            if not chosen:
                say(out, "Select jobs first.")
                return
            text = reason.value.strip()
            if verb == "reject" and not text:
                say(out, "Type a reason first: a reason is required to reject.")
                return
            try:
                say(out, on_batch(client, verb, chosen, text))
            except Exception as ex:  # noqa: BLE001 - shown to the user
                say(out, "%s: %s" % (type(ex).__name__, ex))
            # Each shown job re-read (not the query again: decided jobs would
            # drop out of a pending list instead of showing their new status).
            for j in coll:
                j._refresh_quiet()
            table.value = collection_table(coll, interactive=False)
            for cb, lab, j in rows:
                lab.value = _label(j)
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

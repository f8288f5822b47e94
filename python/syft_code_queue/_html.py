"""HTML for Jupyter: a job card and a collection table, and the escaping
every view uses (the code review and output viewer are in _review.py).

The escaping rule (one path): submitter text (names, descriptions, tags,
e-mails, file names, file contents, reasons, logs, uids) is shown through
the library's one escaper (scq_escape_text, doc/protocol.md "Showing
submitter text"), as scq shows it: text as it is, and a marker in angle
brackets for what would act on a terminal or is invisible: C0 controls and
DEL by name (⟨ESC⟩ ⟨CR⟩ ⟨BS⟩ ⟨NUL⟩), C1 and the library's format characters
as ⟨U+XXXX⟩, each byte that is not UTF-8 as ⟨0xFF⟩, a literal ⟨ as
⟨U+27E8⟩; newline and tab stay (U+2028/2029 are marked too).  It reaches
HTML only through e() (visible(), then html-escaped, quotes included), so
the same value is safe as element text and as a quoted attribute (title,
data-*); text already shown (shown(), warning lines) is only html-escaped,
never marked twice.  Nothing else builds markup from it: no submitter text
in CSS, in <script> (the only data there is JSON from _js(), which escapes
<, > and & as \\u003c etc.), in an ipywidgets description or label (widgets
get fixed labels; job text goes into an HTML widget whose value is built
with e()), or in a comment.  File contents live in escaped <pre> elements.
Format characters also get a warning line (format_warning()) in every
view: cards, tables, review, inspect_job and the output viewer.  Each
rendering uses ids of its own, and its script binds only inside its own
root element.

Bytes (file contents, logs) are shown from the bytes (shown()), so a byte
that is not UTF-8 is never dropped, replaced or hidden behind a
placeholder.  Owner-facing log views (escape_log(), show_logs(), the
widget's and the HTML button's "Logs") are escaped like `scq logs`, so no
renderer (the Notebook's stream output applies \\r and \\b) can erase a
line; get_logs() stays raw.  The file viewers are in _review.py.

Buttons: a click runs the action in the kernel through the classic
Notebook's Jupyter.notebook.kernel when it exists; otherwise it copies the
exact one-line snippet (with the job's full uid) to the clipboard and shows
it.  With ipywidgets installed, _actions.py shows the card or table in an
HTML widget (interactive=False: no script, no HTML buttons) with widget
buttons that call Python directly and re-render it after each action.
"""
import html
import json
import re
import uuid
from datetime import datetime, timezone

from . import _scq

# The library's list of bidi and invisible format characters (scq.h), as a
# regex class (to count them for the warning line); Python never keeps a
# copy of the ranges.
_FORMAT_CLASS = "".join("%s-%s" % (re.escape(chr(a)), re.escape(chr(b)))
                        for a, b in _scq.format_char_ranges())
_FORMAT = re.compile("[%s]" % _FORMAT_CLASS)
_CHUNK = 1 << 20  # bytes per library call: far below its buffer cap


def _bytes(s):
    """A str back to its bytes: bytes decoded with surrogateescape become
    themselves, other lone surrogates their (invalid) UTF-8 form; both are
    then shown as ⟨0xNN⟩."""
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return s.encode("utf-8", "surrogatepass")


def shown(data, multiline=True):
    """(text, markers): str or bytes as scq shows them (the library's
    escaper); multiline=False also marks newline and tab (one-line fields)."""
    if data is None:
        return "", 0
    b = _bytes(data) if isinstance(data, str) else bytes(data)
    out, n, i = [], 0, 0
    while i < len(b):
        k = min(len(b), i + _CHUNK)
        if k < len(b):  # cut on a character boundary
            j = k
            while j > i and k - j < 3 and (b[j] & 0xC0) == 0x80:
                j -= 1
            k = j if j > i else k
        t, m = _scq.escape_text(b[i:k], multiline)
        out.append(t)
        n += m
        i = k
    return "".join(out), n  # U+2028/2029 are in the library's list already


def visible(s, multiline=True):
    """Submitter text with markers for what would act on a terminal or is
    invisible (shown())."""
    return shown("" if s is None else str(s), multiline)[0]


_SURROGATE = re.compile("[\udc80-\udcff]")


def text_of(data):
    """(text, bad): bytes decoded as UTF-8, each byte that is not UTF-8 as
    the four characters \\xNN (bad counts them); a str is returned as is.
    For the read_* APIs; views use shown() on the bytes."""
    if isinstance(data, str):
        return data, 0
    s = bytes(data).decode("utf-8", "surrogateescape")
    bad = len(_SURROGATE.findall(s))
    if bad:
        s = _SURROGATE.sub(lambda m: "\\x%02x" % (ord(m.group()) - 0xdc00), s)
    return s, bad


def escape_log(log):
    """A log (str or bytes) as `scq logs` shows it: every control character
    but newline and tab (CR, BS, ESC, C1, DEL) and every format character
    as a marker (⟨CR⟩, ⟨BS⟩, ⟨ESC⟩, ⟨U+202E⟩), each byte that is not UTF-8 as
    ⟨0xFF⟩.  Printing it cannot erase or recolour a line in a terminal or a
    notebook."""
    return shown(log)[0]


MARKERS_NOTE = ("Markers: \u27e8ESC\u27e9, \u27e8CR\u27e9, \u27e8NUL\u27e9 ... stand for control "
                "characters, \u27e8U+XXXX\u27e9 for invisible or bidi characters, "
                "\u27e80xFF\u27e9 for a byte that is not UTF-8 (scq shows the same).")


def format_chars(*texts):
    """How many bidi/invisible format characters the texts hold (lists and
    None allowed)."""
    n = 0
    for t in texts:
        if isinstance(t, (list, tuple)):
            n += format_chars(*t)
        elif t is not None:
            n += len(_FORMAT.findall(str(t)))
    return n


def format_warning(*texts):
    """The warning line for texts holding format characters, or ""."""
    n = format_chars(*texts)
    if not n:
        return ""
    return ("Warning: %d invisible or bidirectional control character%s (Trojan Source: "
            "text may not read as it runs); shown here as \u27e8U+XXXX\u27e9." %
            (n, "" if n == 1 else "s"))


def job_texts(job):
    """Every submitter-controlled field of a job shown in a view."""
    return [job.name, job.description, job.tags, job.requester_email, job.target_email,
            job.reason, job.error_message, job.uid]


def warn_html(*texts):
    w = format_warning(*texts)
    return '<div class="scq-warn" role="alert">\u26a0 %s</div>' % html.escape(w) if w else ""


def e(s):
    """Escaped text for HTML content and quoted attribute values."""
    return html.escape(visible(s), quote=True)


def _js(obj):
    """JSON safe to embed in <script> (and in HTML)."""
    return (json.dumps(obj, ensure_ascii=True).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


def py_literal(s):
    """A Python string literal for s (JSON strings are valid Python literals)."""
    return json.dumps(str(s), ensure_ascii=True)


# Every root element: MathJax (typeset over outputs and HTML widgets in the
# classic Notebook) must not turn "$...$" in a job's name into math.
_ROOT = "tex2jax_ignore"


def new_id(kind):
    return "scq-%s-%s" % (kind, uuid.uuid4().hex[:12])


def age(t, now=None):
    """'just now', '5m ago', '3h ago', '2 days ago' (t an aware datetime)."""
    if t is None:
        return "unknown"
    now = now or datetime.now(timezone.utc)
    s = int((now - t).total_seconds())
    if s < 60:
        return "just now"
    if s < 3600:
        return "%dm ago" % (s // 60)
    if s < 86400:
        return "%dh ago" % (s // 3600)
    d = s // 86400
    return "%d day%s ago" % (d, "" if d == 1 else "s")


def _refresh_comment(ident):
    import time
    return "<!-- refresh-%d-%s -->" % (int(time.time() * 1000), e(ident))


# ---- actions -------------------------------------------------------------------

_clients = {}


def client_token(client):
    """A key under which the kernel-side action helper finds this client."""
    if client is None:
        return ""
    tok = "c%x" % id(client)
    _clients[tok] = client
    return tok


def act(token, uid, action, reason=None):
    """Run one button's action in the kernel (called by the page's JS through
    Jupyter.notebook.kernel.execute) and print a one-line result."""
    from . import _client
    client = _clients.get(token) or _client()
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


def snippet(uid, action, reason=None):
    """The exact one-line Python for an action (what the copy fallback gives)."""
    call = {"approve": "approve(%s)" % ("" if reason is None else py_literal(reason)),
            "reject": "reject(%s)" % ("" if reason is None else py_literal(reason)),
            "cancel": "cancel()", "review": "review()",
            "logs": "show_logs()", "output": "get_output()"}[action]
    if action == "logs":
        return "q.get_job(%s).show_logs()" % py_literal(uid)
    return "q.get_job(%s).%s" % (py_literal(uid), call)


_CSS = """<style>
.scq-w{font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,sans-serif;font-size:13px;
 color:#1f2937;border:1px solid #e5e7eb;border-radius:8px;padding:10px;margin:4px 0;
 background:#fff;max-width:100%}
.scq-w h3{margin:0 0 4px 0;font-size:15px}.scq-w .scq-muted{color:#6b7280;font-size:12px}
.scq-w .scq-pill{background:#eef2ff;color:#3730a3;border-radius:10px;padding:1px 8px;
 font-size:11px;margin-left:6px}
.scq-w .scq-tag{background:#f3f4f6;border-radius:4px;padding:0 5px;margin-right:3px;font-size:11px}
.scq-w .scq-badge{border-radius:4px;padding:1px 6px;font-size:11px;font-weight:600}
.scq-badge-pending{background:#fef3c7;color:#92400e}.scq-badge-approved{background:#cffafe;color:#155e75}
.scq-badge-running{background:#dbeafe;color:#1e40af}.scq-badge-completed{background:#dcfce7;color:#166534}
.scq-badge-failed{background:#fee2e2;color:#991b1b}.scq-badge-rejected{background:#fee2e2;color:#991b1b}
.scq-badge-timedout{background:#f3e8ff;color:#6b21a8}.scq-badge-cancelled{background:#e5e7eb;color:#374151}
.scq-w button{font-size:12px;margin:1px;padding:2px 8px;border:1px solid #d1d5db;border-radius:4px;
 background:#f9fafb;cursor:pointer}
.scq-w button.scq-on{background:#1f2937;color:#fff}
.scq-w table{border-collapse:collapse;width:100%}.scq-w td,.scq-w th{border-bottom:1px solid #f3f4f6;
 padding:4px 6px;text-align:left;vertical-align:top}
.scq-w tr.scq-sel{background:#eff6ff}.scq-w .scq-scroll{max-height:600px;overflow:auto}
.scq-w pre{white-space:pre-wrap;word-break:break-all;background:#f9fafb;padding:6px;margin:0;
 max-height:500px;overflow:auto;font-size:12px}
.scq-w .scq-files{min-width:180px;max-width:260px;padding-right:8px}
.scq-w .scq-file{display:block;cursor:pointer;padding:1px 4px;border-radius:3px;word-break:break-all}
.scq-w .scq-file.scq-on{background:#e0e7ff}
.scq-w .scq-msg{font-size:12px;color:#374151;white-space:pre-wrap}
.scq-w .scq-warn{background:#fef3c7;color:#92400e;border-radius:4px;padding:2px 6px;margin:3px 0;
 font-size:12px;font-weight:600}
@media (prefers-color-scheme: dark){.scq-w{background:#111827;color:#e5e7eb;border-color:#374151}
 .scq-w pre{background:#1f2937}.scq-w button{background:#1f2937;color:#e5e7eb;border-color:#4b5563}
 .scq-w .scq-tag{background:#374151}.scq-w tr.scq-sel{background:#1e3a8a}}
</style>"""

# One script per rendering, bound to its root element; no globals.  The
# action runs in the kernel when the classic Notebook API is there, else the
# snippet is copied and shown.
_ACTIONS_JS = r"""
function scqRun(root, btn, info) {
  var uid = btn.getAttribute('data-uid'), action = btn.getAttribute('data-action');
  var msg = root.querySelector('.scq-msg');
  function show(t) { if (msg) msg.textContent = t; }
  var reason = null;
  if (action === 'approve') {
    reason = window.prompt('Reason for approving (optional):', 'Approved via Jupyter interface');
    if (reason === null) return;
  } else if (action === 'reject') {
    reason = window.prompt('Reason for rejecting (required):', '');
    if (reason === null) return;
    if (!reason.trim()) { show('A reason is required to reject.'); return; }
  }
  var lit = function (s) { return JSON.stringify(String(s)); };
  var calls = {approve: 'approve(' + (reason === null ? '' : lit(reason)) + ')',
               reject: 'reject(' + lit(reason) + ')', cancel: 'cancel()',
               review: 'review()', logs: 'show_logs()', output: 'get_output()'};
  // show_logs(): the escaped log (a printed raw log would go through the
  // Notebook's stream renderer, which applies \r and \b and can erase rows)
  var snip = 'q.get_job(' + lit(uid) + ').' + calls[action];
  var J = window.Jupyter, k = J && J.notebook && J.notebook.kernel;
  if (k && typeof k.execute === 'function') {
    if (action === 'approve' || action === 'reject' || action === 'cancel') {
      var code = '__import__("syft_code_queue")._html.act(' + lit(info.token) + ', ' + lit(uid) +
                 ', ' + lit(action) + (reason === null ? '' : ', ' + lit(reason)) + ')';
      show('Running ' + action + ' for ' + uid + ' ...');
      k.execute(code, {iopub: {output: function (m) {
        var c = m.content || {};
        if (m.msg_type === 'stream') show(c.text);
        else if (m.msg_type === 'error') show(c.ename + ': ' + c.evalue);
      }}}, {silent: false, store_history: false});
      return;
    }
    if (J.notebook.insert_cell_below) {
      var cell = J.notebook.insert_cell_below('code');
      cell.set_text('import syft_code_queue as q\n' + snip);
      cell.execute();
      return;
    }
  }
  var done = function () { show('Copied; paste and run in a new cell:\n' + snip); };
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(snip).then(done, function () {
      show('Run this in a new cell:\n' + snip); });
  } else { show('Run this in a new cell:\n' + snip); }
}
"""


def _action_buttons(job, me):
    """(action, label) pairs for a job as seen by `me`."""
    st = str(job.status)
    owner = job.target_email == me
    if st == "pending" and owner:
        return [("approve", "\u2713 Approve"), ("reject", "\u2717 Reject"),
                ("review", "\U0001f441 Review")]
    if st in ("pending", "approved") and (owner or job.requester_email == me):
        return [("cancel", "Cancel")]
    if st in ("running", "completed", "failed"):
        return [("logs", "\U0001f4dc Logs"), ("output", "\U0001f4c1 Output")]
    return []


def _buttons_html(job, me):
    return "".join('<button type="button" data-action="%s" data-uid="%s" title="%s">%s</button>'
                   % (a, e(job.uid), e(snippet(job.uid, a)), e(label))
                   for a, label in _action_buttons(job, me))


def _me(obj_client):
    try:
        return obj_client.email if obj_client is not None else None
    except Exception:  # noqa: BLE001 - a closed handle still renders
        return None


def _tags_html(tags, limit=None):
    shown = tags if limit is None else tags[:limit]
    out = "".join('<span class="scq-tag">%s</span>' % e(t) for t in shown)
    if limit is not None and len(tags) > limit:
        out += '<span class="scq-tag">+%d</span>' % (len(tags) - limit)
    return out


def _script(root_id, body, info):
    return ("<script>(function(){var root=document.getElementById(%s);if(!root)return;"
            "var info=%s;%s%s})();</script>" % (_js(root_id), _js(info), _ACTIONS_JS, body))


_BIND_BUTTONS = """
root.querySelectorAll('button[data-action]').forEach(function (b) {
  b.addEventListener('click', function (ev) { ev.stopPropagation(); scqRun(root, b, info); });
});
"""


# ---- job card ----------------------------------------------------------------------

def job_card(job, interactive=True):
    """The card; interactive=False leaves out the buttons and the script
    (for an ipywidgets HTML widget, next to widget buttons)."""
    rid = new_id("job")
    me = _me(job.client)
    st = str(job.status)
    desc = job.description or "No description"
    parts = [_refresh_comment(rid + "-" + (job.uid or "")), _CSS,
             '<div class="scq-w scq-card %s" id="%s" data-job-uid="%s">' % (_ROOT, rid, e(job.uid)),
             warn_html(job_texts(job)),
             '<div><span class="scq-badge scq-badge-%s">%s</span> <h3 style="display:inline">%s'
             '</h3></div>' % (e(st), e(job.status_label), e(job.name)),
             '<div class="scq-muted">%s</div>' % e(desc),
             '<div>%s</div>' % _tags_html(job.tags),
             '<div class="scq-muted">From: %s &bull; To: %s &bull; ID: %s &bull; Created %s</div>'
             % (e(job.requester_email), e(job.target_email), e(job.short_id),
                e(age(job.created_at)))]
    if job.reason or job.error_message:
        parts.append('<div class="scq-muted">%s</div>' %
                     e("Reason: %s" % (job.error_message or job.reason)))
    if st == "pending" and job.target_email != me:
        parts.append('<div class="scq-muted">Awaiting approval</div>')
    if job.results_held:
        parts.append('<div class="scq-muted">Log and outputs held for the data owner\'s review '
                     'until released</div>')
    if not interactive:
        parts.append("</div>")
        return "".join(parts)
    parts.append('<div>%s</div><div class="scq-msg"></div></div>' % _buttons_html(job, me))
    parts.append(_script(rid, _BIND_BUTTONS, {"token": client_token(job.client)}))
    return "".join(parts)


# ---- collection table ---------------------------------------------------------------

def _title(coll, me):
    if coll and all(str(j.status) == "pending" for j in coll):
        if all(j.target_email == me for j in coll):
            return "Jobs Awaiting Your Approval", "Review and approve/reject these jobs"
        if all(j.requester_email == me for j in coll):
            return "Jobs Awaiting Others' Approval", "Jobs you submitted waiting for approval"
        return "Pending Jobs", "Jobs awaiting approval"
    if coll and all(str(j.status) == "completed" for j in coll):
        return "Completed Jobs", "Successfully completed jobs"
    if coll and all(str(j.status) == "running" for j in coll):
        return "Running Jobs", "Currently executing jobs"
    return "Code Jobs", "Manage your code execution jobs"


_TABLE_JS = """
var rows = Array.prototype.slice.call(root.querySelectorAll('tr[data-job-uid]'));
var search = root.querySelector('.scq-search'), status = 'all';
var footer = root.querySelector('.scq-footer');
function selected() { return rows.filter(function (r) {
  var c = r.querySelector('input[type=checkbox]'); return c && c.checked && r.style.display !== 'none'; }); }
function update() {
  var q = (search.value || '').toLowerCase(), vis = 0;
  rows.forEach(function (r) {
    var ok = (status === 'all' || r.getAttribute('data-status') === status) &&
      (!q || r.getAttribute('data-name').indexOf(q) >= 0 || r.getAttribute('data-email').indexOf(q) >= 0);
    r.style.display = ok ? '' : 'none'; if (ok) vis++;
    var c = r.querySelector('input[type=checkbox]');
    r.className = c && c.checked ? 'scq-sel' : '';
  });
  footer.textContent = selected().length + ' job(s) selected \\u2022 ' + vis + ' visible \\u2022 ' + rows.length + ' total';
}
search.addEventListener('input', update);
root.querySelectorAll('button[data-filter]').forEach(function (b) {
  b.addEventListener('click', function () {
    status = b.getAttribute('data-filter');
    root.querySelectorAll('button[data-filter]').forEach(function (o) { o.className = o === b ? 'scq-on' : ''; });
    update(); });
});
root.querySelectorAll('input[type=checkbox]').forEach(function (c) { c.addEventListener('change', update); });
root.querySelectorAll('button[data-batch]').forEach(function (b) {
  b.addEventListener('click', function () {
    var verb = b.getAttribute('data-batch'), sel = selected();
    var msg = root.querySelector('.scq-msg');
    if (!sel.length) { msg.textContent = 'Select jobs first.'; return; }
    var reason = window.prompt('Reason for ' + (verb === 'approve' ? 'approving' : 'rejecting') + ' ' +
      sel.length + ' job(s):', verb === 'approve' ? 'Batch approved via Jupyter interface' : '');
    if (reason === null) return;
    if (verb === 'reject' && !reason.trim()) { msg.textContent = 'A reason is required to reject.'; return; }
    var lit = function (s) { return JSON.stringify(String(s)); };
    var uids = sel.map(function (r) { return r.getAttribute('data-job-uid'); });
    var J = window.Jupyter, k = J && J.notebook && J.notebook.kernel;
    var code = '[__import__("syft_code_queue")._html.act(' + lit(info.token) + ', u, ' + lit(verb) + ', ' +
      lit(reason) + ') for u in ' + JSON.stringify(uids) + ']';
    var snip = '[q.get_job(u).' + verb + '(' + lit(reason) + ') for u in ' + JSON.stringify(uids) + ']';
    if (k && typeof k.execute === 'function') {
      msg.textContent = '';
      k.execute(code, {iopub: {output: function (m) { var c = m.content || {};
        if (m.msg_type === 'stream') msg.textContent += c.text;
        else if (m.msg_type === 'error') msg.textContent += c.ename + ': ' + c.evalue + '\\n'; }}},
        {silent: false, store_history: false});
    } else if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(snip).then(function () {
        msg.textContent = 'Copied; paste and run in a new cell:\\n' + snip; },
        function () { msg.textContent = 'Run this in a new cell:\\n' + snip; });
    } else { msg.textContent = 'Run this in a new cell:\\n' + snip; }
  });
});
""" + _BIND_BUTTONS + "update();"


def _filter_bar(coll, counts, awaiting):
    out = ['<div style="margin:6px 0"><input class="scq-search" type="search" '
           'placeholder="\U0001f50d Search jobs by name or email..." '
           'aria-label="Search jobs" style="width:260px"> ',
           '<button type="button" data-filter="all" class="scq-on">All (%d)</button>' % len(coll)]
    for s in ("pending", "approved", "running", "completed", "failed", "rejected", "timedout",
              "cancelled"):
        if counts.get(s):
            out.append('<button type="button" data-filter="%s">%s (%d)</button>' %
                       (s, s.capitalize(), counts[s]))
    if awaiting:
        out.append(' <button type="button" data-batch="approve">\u2713 Approve Selected</button>'
                   '<button type="button" data-batch="reject">\u2717 Reject Selected</button>')
    out.append("</div>")
    return "".join(out)


def _row(j, me, now, interactive):
    st = str(j.status)
    can_select = interactive and st == "pending" and j.target_email == me
    return ('<tr data-job-uid="%s" data-status="%s" data-name="%s" data-email="%s">'
            '<td>%s</td><td><b>%s</b><div class="scq-muted">%s</div>'
            '<div class="scq-muted">%s</div></td>'
            '<td><span class="scq-badge scq-badge-%s">%s</span></td><td>%s</td><td>%s</td>'
            '<td title="%s">%s</td><td><code>%s</code></td><td>%s</td></tr>' % (
                e(j.uid), e(st), e((j.name or "").lower()),
                e(("%s %s" % (j.requester_email, j.target_email)).lower()),
                '<input type="checkbox" aria-label="select">' if can_select else "",
                e(j.name), e(j.description or "No description"), e(age(j.created_at, now)),
                e(st), e(j.status_label), e(j.requester_email), e(j.target_email), e(", ".join(j.tags)),
                _tags_html(j.tags, 2), e(j.short_id),
                _buttons_html(j, me) if interactive else ""))


def collection_table(coll, interactive=True):
    """The table; interactive=False leaves out search, filters, checkboxes,
    buttons and the script (for an ipywidgets HTML widget)."""
    rid = new_id("jobs")
    client = getattr(coll, "_cl", None) or next((j.client for j in coll if j.client), None)
    me = _me(client)
    if not coll:
        return ('%s%s<div class="scq-w %s" id="%s" style="text-align:center">'
                '<h3>\U0001f4ed No jobs found</h3><div class="scq-muted">Submit a job to get '
                'started: q.submit_job(...)</div></div>' % (_refresh_comment(rid), _CSS, _ROOT,
                                                              rid))
    title, desc = _title(coll, me)
    counts = {}
    for j in coll:
        counts[str(j.status)] = counts.get(str(j.status), 0) + 1
    awaiting = [j for j in coll if str(j.status) == "pending" and j.target_email == me]
    now = datetime.now(timezone.utc)
    out = [_refresh_comment(rid), _CSS,
           '<div class="scq-w scq-table %s" id="%s">' % (_ROOT, rid),
           '<h3>\U0001f527 %s<span class="scq-pill">%d</span></h3>' % (e(title), len(coll)),
           '<div class="scq-muted">%s</div>' % e(desc),
           warn_html([job_texts(j) for j in coll])]
    if interactive:
        out.append(_filter_bar(coll, counts, awaiting))
    out.append('<div class="scq-scroll"><table><thead><tr><th>\u2611</th><th>Job Name</th>'
               '<th>Status</th><th>From</th><th>To</th><th>Tags</th><th>ID</th><th>Actions</th>'
               '</tr></thead><tbody>')
    out += [_row(j, me, now, interactive) for j in coll]
    out.append('</tbody></table></div>')
    if not interactive:
        out.append('</div>')
        return "".join(out)
    out.append('<div class="scq-muted scq-footer">0 jobs selected '
               '&bull; %d total</div><div class="scq-msg"></div></div>' % len(coll))
    out.append(_script(rid, _TABLE_JS, {"token": client_token(client)}))
    return "".join(out)



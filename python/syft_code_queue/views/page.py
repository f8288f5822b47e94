"""What every rendering shares: the style sheet, ids, the buttons' script
and the one-line snippets they copy when there is no kernel to call.

Buttons: a click runs the action in the kernel through the classic
Notebook's Jupyter.notebook.kernel when it exists (approve, reject and
cancel call actions.act() with the page's client token); otherwise it
copies the exact one-line snippet (with the job's full uid) to the
clipboard and shows it.  With ipywidgets installed, actions.py shows the
card or table in an HTML widget (interactive=False: no script, no HTML
buttons) with widget buttons that call Python directly.  Each rendering
uses ids of its own, and its script binds only inside its own root element.
"""
import time
import uuid
from datetime import datetime, timezone

from ..model.text import py_literal
from .escape import e, js

# Every root element: MathJax (typeset over outputs and HTML widgets in the
# classic Notebook) must not turn "$...$" in a job's name into math.
ROOT = "tex2jax_ignore"


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


def refresh_comment(ident):
    return "<!-- refresh-%d-%s -->" % (int(time.time() * 1000), e(ident))


def snippet(uid, action, reason=None):
    """The exact one-line Python for an action (what the copy fallback gives)."""
    call = {"approve": "approve(%s)" % ("" if reason is None else py_literal(reason)),
            "reject": "reject(%s)" % ("" if reason is None else py_literal(reason)),
            "cancel": "cancel()", "review": "review()",
            "logs": "show_logs()", "output": "get_output()"}[action]
    if action == "logs":
        return "q.get_job(%s).show_logs()" % py_literal(uid)
    return "q.get_job(%s).%s" % (py_literal(uid), call)


CSS = """<style>
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
ACTIONS_JS = r"""
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
      var code = '__import__("syft_code_queue.actions", fromlist=["act"]).act(' + lit(info.token) + ', ' + lit(uid) +
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


def action_buttons(job, me):
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


def buttons_html(job, me):
    return "".join('<button type="button" data-action="%s" data-uid="%s" title="%s">%s</button>'
                   % (a, e(job.uid), e(snippet(job.uid, a)), e(label))
                   for a, label in action_buttons(job, me))


def me_of(obj_client):
    try:
        return obj_client.email if obj_client is not None else None
    except Exception:  # noqa: BLE001 - a closed handle still renders
        return None


def tags_html(tags, limit=None):
    shown = tags if limit is None else tags[:limit]
    out = "".join('<span class="scq-tag">%s</span>' % e(t) for t in shown)
    if limit is not None and len(tags) > limit:
        out += '<span class="scq-tag">+%d</span>' % (len(tags) - limit)
    return out


def script(root_id, body, info):
    return ("<script>(function(){var root=document.getElementById(%s);if(!root)return;"
            "var info=%s;%s%s})();</script>" % (js(root_id), js(info), ACTIONS_JS, body))


BIND_BUTTONS = """
root.querySelectorAll('button[data-action]').forEach(function (b) {
  b.addEventListener('click', function (ev) { ev.stopPropagation(); scqRun(root, b, info); });
});
"""

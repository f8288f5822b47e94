"""The collection table (JobCollection's _repr_html_): search, status
filters, checkboxes and batch buttons."""
from datetime import datetime, timezone

from ..model.session import client_token
from ..model.text import job_texts
from .escape import e, warn_html
from .page import BIND_BUTTONS, CSS, ROOT, age, buttons_html, me_of, new_id, \
    refresh_comment, script, tags_html


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


TABLE_JS = """
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
    var code = '[__import__("syft_code_queue.actions", fromlist=["act"]).act(' + lit(info.token) + ', u, ' + lit(verb) + ', ' +
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
""" + BIND_BUTTONS + "update();"


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
                tags_html(j.tags, 2), e(j.short_id),
                buttons_html(j, me) if interactive else ""))


def collection_table(coll, interactive=True):
    """The table; interactive=False leaves out search, filters, checkboxes,
    buttons and the script (for an ipywidgets HTML widget)."""
    rid = new_id("jobs")
    client = getattr(coll, "_cl", None) or next((j.client for j in coll if j.client), None)
    me = me_of(client)
    if not coll:
        return ('%s%s<div class="scq-w %s" id="%s" style="text-align:center">'
                '<h3>\U0001f4ed No jobs found</h3><div class="scq-muted">Submit a job to get '
                'started: q.submit_job(...)</div></div>' % (refresh_comment(rid), CSS, ROOT,
                                                              rid))
    title, desc = _title(coll, me)
    counts = {}
    for j in coll:
        counts[str(j.status)] = counts.get(str(j.status), 0) + 1
    awaiting = [j for j in coll if str(j.status) == "pending" and j.target_email == me]
    now = datetime.now(timezone.utc)
    out = [refresh_comment(rid), CSS,
           '<div class="scq-w scq-table %s" id="%s">' % (ROOT, rid),
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
    out.append(script(rid, TABLE_JS, {"token": client_token(client)}))
    return "".join(out)

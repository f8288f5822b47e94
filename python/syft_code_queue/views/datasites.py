"""The datasites table (DataSitesCollection's _repr_html_, q.datasites)."""
from ..model.status import JobStatus
from .escape import e
from .page import CSS, new_id, refresh_comment


def datasites_html(self):
    """A DataSitesCollection's _repr_html_."""
    rid = new_id("datasites")
    out = [refresh_comment(rid), CSS, '<div class="scq-w" id="%s"><h3>\U0001f310 '
           'Datasites running syft-code-queue<span class="scq-pill">%d</span></h3>'
           '<table><thead><tr><th>#</th><th>Email</th>' % (rid, len(self))]
    out += ["<th>%s</th>" % s.value.capitalize() for s in JobStatus]
    out.append("<th>Total</th><th>Last response</th><th>Runner</th></tr></thead><tbody>")
    for i, r in enumerate(self, 1):
        out.append("<tr><td>%d</td><td>%s%s</td>" % (i, e(r["email"]),
                                                     " (me)" if r["is_me"] else ""))
        out += ["<td>%d</td>" % r["status_counts"][s.value] for s in JobStatus]
        runner = r.get("runner") or {}
        out.append("<td>%d</td><td>%s</td><td>%s</td></tr>" % (
            r["total_jobs"], e(r["last_response"].isoformat() if r["last_response"]
                               else "Never"), e(runner.get("state", "?"))))
    out.append("</tbody></table>")
    for n in getattr(self, "notices", []):  # another datasite's bytes, escaped
        out.append('<div class="scq-warn">%s</div>' % e(n))
    out.append('<div class="scq-muted">q.ping(owner): is its runner alive (no job). '
               'q.datasites.ping(block=True) submits a tiny job to each and reports who '
               'ran it.</div></div>')
    return "".join(out)

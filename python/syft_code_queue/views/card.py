"""The job card (CodeJob's _repr_html_)."""
from ..model.text import job_texts
from ..model.session import client_token
from .escape import e, warn_html
from .page import BIND_BUTTONS, CSS, ROOT, age, buttons_html, me_of, new_id, refresh_comment, \
    script, tags_html


def release_html(job):
    """The owner's release decision: which files were released, which
    withheld and why (every path and reason through e())."""
    d = job.release_decision
    if not d:
        return ""
    rows = []
    if job.release_comment:
        rows.append('<li>%s: %s</li>' % ("Comment" if job.release_state == "returned" else
                                          "Reason", e(job.release_comment)))
    log = d.get("log") if isinstance(d.get("log"), dict) else None
    if log is not None:
        rows.append('<li class="scq-%s">%s the log%s</li>' % (
            "released" if log.get("released") else "withheld",
            "Released" if log.get("released") else "Withheld",
            "" if log.get("released") else ": " + e(log.get("reason"))))
    for p in job.released_files:
        rows.append('<li class="scq-released">Released %s</li>' % e(p))
    for p, why in job.withheld_files.items():
        rows.append('<li class="scq-withheld">Withheld %s: %s</li>' % (e(p), e(why)))
    return ('<div class="scq-release"><div class="scq-muted">%s by %s</div><ul>%s</ul></div>'
            % (e(job.status_label), e(d.get("by")), "".join(rows)))


def job_card(job, interactive=True):
    """The card; interactive=False leaves out the buttons and the script
    (for an ipywidgets HTML widget, next to widget buttons)."""
    rid = new_id("job")
    me = me_of(job.client)
    st = str(job.status)
    desc = job.description or "No description"
    parts = [refresh_comment(rid + "-" + (job.uid or "")), CSS,
             '<div class="scq-w scq-card %s" id="%s" data-job-uid="%s">' % (ROOT, rid, e(job.uid)),
             warn_html(job_texts(job)),
             '<div><span class="scq-badge scq-badge-%s">%s</span> <h3 style="display:inline">%s'
             '</h3></div>' % (e(st), e(job.status_label), e(job.name)),
             '<div class="scq-muted">%s</div>' % e(desc),
             '<div>%s</div>' % tags_html(job.tags),
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
    parts.append(release_html(job))
    if not interactive:
        parts.append("</div>")
        return "".join(parts)
    parts.append('<div>%s</div><div class="scq-msg"></div></div>' % buttons_html(job, me))
    parts.append(script(rid, BIND_BUTTONS, {"token": client_token(job.client)}))
    return "".join(parts)

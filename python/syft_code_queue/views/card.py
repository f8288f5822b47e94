"""The job card (CodeJob's _repr_html_)."""
from ..model.text import job_texts
from ..model.session import client_token
from .escape import e, warn_html
from .page import BIND_BUTTONS, CSS, ROOT, age, buttons_html, me_of, new_id, refresh_comment, \
    script, tags_html


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
    if not interactive:
        parts.append("</div>")
        return "".join(parts)
    parts.append('<div>%s</div><div class="scq-msg"></div></div>' % buttons_html(job, me))
    parts.append(script(rid, BIND_BUTTONS, {"token": client_token(job.client)}))
    return "".join(parts)

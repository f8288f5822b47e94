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


CARD_FLAGS = 20


def _where(f):
    if f["row"] > 0 and f["column"] > 0:
        return "row %d, column %d" % (f["row"], f["column"])
    if f["row"] > 0:
        return "line %d" % f["row"]
    return "column %d" % f["column"] if f["column"] > 0 else "whole file"


def flags_html(job):
    """The output checks of a held job (owner): the first CARD_FLAGS flags,
    every text escaped (file names are the job's).  Flags carry no value of
    any output (doc/protocol.md §11)."""
    try:
        flags = job.output_flags
    except Exception as err:  # the card still shows; the reason is said
        return '<div class="scq-muted">%s</div>' % e("Output checks unavailable: %s" % err)
    if not flags:
        return '<div class="scq-muted">Output checks: no flags</div>'
    rows = "".join('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>'
                   % (e(f["severity"].upper()), e(f["file"]), e(_where(f)), e(f["rule"]),
                      e(f["message"])) for f in flags[:CARD_FLAGS])
    more = len(flags) - CARD_FLAGS
    return ('<div class="scq-flags"><div>Output checks: %d flag(s); they decide nothing</div>'
            '<table>%s</table>%s</div>' % (len(flags), rows, '<div class="scq-muted">%s</div>' % e(
                "%d more: scq review-output %s" % (more, job.short_id)) if more > 0 else ""))


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
        if job.target_email == me:
            parts.append(flags_html(job))
    parts.append(release_html(job))
    if not interactive:
        parts.append("</div>")
        return "".join(parts)
    parts.append('<div>%s</div><div class="scq-msg"></div></div>' % buttons_html(job, me))
    parts.append(script(rid, BIND_BUTTONS, {"token": client_token(job.client)}))
    return "".join(parts)

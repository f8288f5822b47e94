"""The file viewers as HTML: a CodeReview (job.review()) and a job's
JobOutputs (job.output_viewer) as a file tree and viewer.  The files' text
comes shown from model/review.py (markers made); here it is only
html-escaped (esc), and every other submitter text goes through e()."""
from ..model.review import file_name, file_names, line_count, plural, review_warnings
from ..model.session import client_token
from ..model.text import job_texts
from .escape import e, esc
from .page import BIND_BUTTONS, CSS, ROOT, me_of, new_id, refresh_comment, script

VIEWER_JS = """
var files = root.querySelectorAll('.scq-file');
files.forEach(function (f) {
  f.addEventListener('click', function () {
    var k = f.getAttribute('data-k');
    files.forEach(function (o) { o.className = 'scq-file' + (o === f ? ' scq-on' : ''); });
    root.querySelectorAll('.scq-view').forEach(function (v) {
      v.style.display = v.getAttribute('data-k') === k ? '' : 'none'; });
  });
});
""" + BIND_BUTTONS

ICONS = {".py": "\U0001f40d", ".sh": "\U0001f4dc", ".md": "\U0001f4dd", ".json": "\U0001f4cb",
         ".csv": "\U0001f4ca", ".txt": "\U0001f4c4", ".yml": "\u2699", ".yaml": "\u2699"}
LOUD_CSS = ('<style>.scq-w .scq-loud{background:#fee2e2;color:#991b1b;border:2px solid #dc2626;'
            'font-size:13px}</style>')


def _warn_divs(warns):
    return "".join('<div class="scq-warn%s" role="alert">\u26a0 %s</div>' % (
        " scq-loud" if loud else "", esc(w)) for loud, w in warns)


def viewer(rid, title_html, meta_html, files, bottom_html, info, empty_text, warns):
    """files: [(model.review.File, text shown)].  Contents go into escaped <pre> blocks."""
    out = [refresh_comment(rid), CSS, LOUD_CSS,
           '<div class="scq-w scq-viewer %s" id="%s">' % (ROOT, rid), title_html,
           _warn_divs(warns), meta_html]
    if not files:
        out.append('<div class="scq-muted">%s</div>' % e(empty_text))
    else:
        out.append('<div style="display:flex;gap:8px"><div class="scq-files">')
        for i, (f, _) in enumerate(files):
            ext = f.path[f.path.rfind("."):].lower() if "." in f.path else ""
            out.append('<span class="scq-file%s" data-k="f%d" title="%s">%s %s</span>' % (
                " scq-on" if i == 0 else "", i, esc(file_name(f.path)),
                ICONS.get(ext, "\U0001f4c4"), esc(file_name(f.path))))
        out.append('</div><div style="flex:1;min-width:0">')
        for i, (f, text) in enumerate(files):
            extra = "".join(" &bull; %s" % esc(x) for x in
                            (["can run"] if f.runs else []) + ([f.odd] if f.odd else []))
            out.append('<div class="scq-view" data-k="f%d"%s><div class="scq-muted"><b>%s</b> '
                       '&bull; %d lines &bull; %d bytes%s</div><pre>%s</pre></div>' % (
                           i, "" if i == 0 else ' style="display:none"', esc(file_name(f.path)),
                           line_count(f.text), f.size, extra, esc(text)))
        out.append("</div></div>")
    out.append(bottom_html)
    out.append('<div class="scq-msg"></div></div>')
    out.append(script(rid, VIEWER_JS, info))
    return "".join(out)


def review_html(self, buttons=True):
    """A CodeReview's _repr_html_; buttons=False: no HTML approve/reject
    (widget buttons follow)."""
    j = self.job
    rid = new_id("review")
    me = me_of(j.client)
    files, cut = self.embedded()
    notes = []
    left = [f for f in self._files if self.file is not None and f.path != self.file]
    if left:
        notes.append("Not shown here: %s: %s. %s" % (plural(len(left), "file"),
                                                     file_names(left), self.hint()))
    if cut:
        notes.append("Cut in this view: %s: %s. %s" % (plural(len(cut), "file"),
                                                       file_names(cut), self.hint()))
    title = ('<h3>\U0001f50d Code Review: %s<span class="scq-pill">%d files</span></h3>' %
             (e(j.name), len(self._files)))
    meta = ('<div class="scq-muted">\U0001f4e7 %s &rarr; %s &bull; \U0001f3f7 %s &bull; '
            'ID: %s &bull; SHA-256: <code>%s</code></div>' % (
                e(j.requester_email), e(j.target_email),
                e(", ".join(j.tags)) if j.tags else "No tags", e(j.short_id),
                e(j.code_sha256)))
    meta += "".join('<div class="scq-warn" role="note">%s</div>' % esc(n) for n in notes)
    if str(j.status) == "pending" and j.target_email == me and not buttons:
        bottom = ""
    elif str(j.status) == "pending" and j.target_email == me:
        bottom = ('<div style="margin-top:6px">%s</div>' % "".join(
            '<button type="button" data-action="%s" data-uid="%s">%s</button>' %
            (a, e(j.uid), label) for a, label in (("approve", "\u2705 Approve Job"),
                                                  ("reject", "\U0001f6ab Reject Job"))))
    elif str(j.status) == "pending":
        bottom = '<div class="scq-muted">Awaiting approval from job recipient</div>'
    else:
        bottom = '<div class="scq-muted">\U0001f4cb Review only &bull; Job status: %s</div>' \
            % e(j.status)
    return viewer(rid, title, meta, files, bottom, {"token": client_token(j.client)},
                  "\U0001f4c1 No files found", self.warnings())


def outputs_html(self):
    """A JobOutputs' _repr_html_."""
    j = self.job
    rid = new_id("output")
    files = self.read()
    out_dir = j.get_output()
    title = ('<h3>\U0001f4c1 Job Output: %s<span class="scq-pill">%d files</span></h3>' %
             (e(j.name), len(files)))
    meta = '<div class="scq-muted">\U0001f4c2 %s &bull; Status: %s</div>' % (
        e(out_dir or "no output folder"), e(j.status))
    return viewer(rid, title, meta, files, "", {"token": ""},
                  "\U0001f4c1 No Output Available (job status: %s)" % j.status,
                  review_warnings(job_texts(j), [f for f, _ in files], loud_ok=False))

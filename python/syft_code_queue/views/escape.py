"""The one way submitter text reaches HTML (no other module imports html).

The rule: submitter text (names, descriptions, tags, e-mails, file names,
file contents, reasons, logs, uids) is first shown through the library's
escaper (model/text.py: visible(), shown(); the markers ⟨ESC⟩ ⟨U+202E⟩
⟨0xFF⟩ of scq review and scq logs, format characters from
_scq.format_char_ranges), then html-escaped, quotes included, by e().  So
the same value is safe as element text and as a quoted attribute (title,
data-*).  Text already shown (a Shown string, warning lines, a review's
text) is only html-escaped by esc(), never marked twice.  Nothing else
builds markup from it: no submitter text in CSS, in <script> (the only
data there is JSON from js(), which escapes <, > and & as \\u003c etc.), in
an ipywidgets description or label (widgets get fixed labels; job text
goes into an HTML widget whose value is built here), or in a comment.
Format characters also get a warning line (warn_html()) in every view.
"""
import html
import json

from ..model.text import format_warning, visible


class Shown(str):
    """Text whose markers are made already (a review's text, a warning line):
    esc() only, never marked twice."""


def e(s):
    """Escaped text for HTML content and quoted attribute values."""
    return html.escape(visible(s), quote=True)


def esc(t):
    """HTML for text already shown (markers made): html-escaped only."""
    return html.escape(t, quote=True)


def text_html(t):
    """HTML of a message: a Shown text html-escaped, any other text through e()."""
    return esc(t) if isinstance(t, Shown) else e(t)


def js(obj):
    """JSON safe to embed in <script> (and in HTML)."""
    return (json.dumps(obj, ensure_ascii=True).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


def warn_html(*texts):
    """The format-character warning line (text.format_warning) as HTML, or ""."""
    w = format_warning(*texts)
    return '<div class="scq-warn" role="alert">\u26a0 %s</div>' % esc(w) if w else ""

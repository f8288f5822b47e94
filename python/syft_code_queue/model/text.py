"""Submitter text as scq shows it, for terminals and messages (no HTML:
views/escape.py makes HTML of it, and is the only module that does).

The library's one escaper (scq_escape_text, doc/protocol.md "Showing
submitter text") shows text as it is, and a marker in angle brackets for
what would act on a terminal or is invisible: C0 controls and DEL by name
(⟨ESC⟩ ⟨CR⟩ ⟨BS⟩ ⟨NUL⟩), C1 and the library's format characters as
⟨U+XXXX⟩, each byte that is not UTF-8 as ⟨0xFF⟩, a literal ⟨ as ⟨U+27E8⟩;
newline and tab stay (U+2028/2029 are marked too).  Bytes (file contents,
logs) are shown from the bytes, so a byte that is not UTF-8 is never
dropped, replaced or hidden behind a placeholder.
"""
import json
import re

from .._scq import escape_text, format_char_ranges

# The library's list of bidi and invisible format characters (scq.h), as a
# regex class (to count them for the warning line); Python never keeps a
# copy of the ranges.
FORMAT_CLASS = "".join("%s-%s" % (re.escape(chr(a)), re.escape(chr(b)))
                       for a, b in format_char_ranges())
FORMAT = re.compile("[%s]" % FORMAT_CLASS)
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
        t, m = escape_text(b[i:k], multiline)
        out.append(t)
        n += m
        i = k
    return "".join(out), n  # U+2028/2029 are in the library's list already


def visible(s, multiline=True):
    """Submitter text with markers for what would act on a terminal or is
    invisible (shown())."""
    return shown("" if s is None else str(s), multiline)[0]


def shown_line(text):
    """Submitter text for a one-line message: the library's markers."""
    return escape_text(("" if text is None else str(text)).encode("utf-8", "surrogateescape"),
                            False)[0]


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
            n += len(FORMAT.findall(str(t)))
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


def py_literal(s):
    """A Python string literal for s (JSON strings are valid Python literals)."""
    return json.dumps(str(s), ensure_ascii=True)

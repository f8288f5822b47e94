"""The file viewers as text: a job's code files read whole (CodeReview,
job.review(), q.inspect_job) and a finished job's outputs (JobOutputs,
job.output_viewer), and what the views need to show them.  No HTML here:
views/review.py renders both as a file tree and viewer.

Rules (issue 9, item 7; doc/protocol.md "Showing submitter text", as
scq review), kept by every view of the code:
- Every byte that can run can be reviewed.  A file is read whole (the
  manifest's size, never the library's 1 MiB default) and shown from its
  bytes through the library's escaper (text.shown(), as scq review): NUL,
  control characters and bytes that are not UTF-8 are markers (⟨NUL⟩,
  ⟨0xFF⟩), never hidden behind a "binary file" placeholder.
  job.read_file_bytes(path) gives the raw bytes.
- Such bytes in a file that can run (run.sh; a file with an exec bit or a
  "#!" line; a file whose path or name run.sh mentions) get a loud warning
  line; in other files a quiet note.  Other ways run.sh can reach a file are
  not detected, so every file's content is shown escaped the same way.
- Every view says which files it left out or cut (by name, with a count)
  and how to see them: review(full=True), review(file=PATH) /
  q.inspect_job(uid, full=True | file=PATH), read_file_bytes(PATH).
- File names are one-line fields (visible(name, False)): format characters,
  newline and tab in a name are markers (run⟨U+200B⟩.sh never looks like
  run.sh).
Strings built here from submitter text are shown once: text views join
them as they are, HTML only html-escapes them, never marks twice.
"""
import re

from .._scq import JobNotFound, text_flaws
from .text import FORMAT_CLASS, MARKERS_NOTE, format_warning, job_texts, py_literal, shown, \
    text_of, visible

# Characters of file text one HTML rendering embeds (all files together)
# unless full=True; the text view's cut for a file other than run.sh.
_EMBED_CAP = 4 << 20
_HEAD_CHARS = 8192


def file_name(path):
    """A file name as a one-line field (newline and tab are markers too)."""
    return visible(path, False)


# What the library's escaper marks in decoded text (markers_note() says
# what markers are; bytes that are not UTF-8 are counted apart).
_MARKED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u27e8\u2028\u2029%s]" % FORMAT_CLASS)


class File:
    """One file: its bytes, its text as shown (made on first use: a big
    binary file shown whole is about ten times its size), and what it holds."""

    def __init__(self, path, data=b"", size=None, mode=0, error=None):
        self.path, self.mode, self.error = path, mode, error
        self.data = data
        self.size = len(data) if size is None else size
        self.text = text_of(data)[0]  # for counting lines and format chars
        # NUL bytes and bytes that are not UTF-8: the library's count, as scq review
        self.nul, self.bad = text_flaws(data)
        self.markers = bool(self.bad or _MARKED.search(self.text))
        self.runs = False
        self._shown = None

    @property
    def shown(self):
        if self._shown is None:
            self._shown = visible("<unable to read: %s>" % self.error) if self.error else \
                shown(self.data)[0]
        return self._shown

    def head(self, nbytes):
        """The shown text of the first nbytes bytes (on a character boundary)."""
        if self.error or nbytes >= len(self.data):
            return self.shown
        k = nbytes
        while k > 0 and nbytes - k < 3 and (self.data[k] & 0xC0) == 0x80:
            k -= 1
        return shown(self.data[:k or nbytes])[0]

    @property
    def odd(self):
        """What the file holds that a text editor would hide, or ""."""
        parts = []
        if self.nul:
            parts.append("%d NUL byte%s" % (self.nul, "" if self.nul == 1 else "s"))
        if self.bad:
            parts.append("%d byte%s that %s not UTF-8" % (self.bad, "" if self.bad == 1 else "s",
                                                          "is" if self.bad == 1 else "are"))
        return " and ".join(parts)


def order(paths):
    first = [p for p in ("run.sh", "run.py", "run.bash") if p in paths]
    return first + sorted((p for p in paths if p not in first), key=lambda p: (p.lower(), p))


def _mark_runnable(files):
    """Set .runs on run.sh and on each file it may run."""
    script = next((f.text for f in files if f.path == "run.sh"), "")
    for f in files:
        base = f.path.rsplit("/", 1)[-1]
        f.runs = (f.path == "run.sh" or bool(f.mode & 0o111) or f.data[:2] == b"#!" or
                  f.path in script or base in script)


def code_files(job):
    """Every code file of the job, whole, run.sh first, then the files it may
    run, then the rest.  One library call: the manifest is read once."""
    files = []
    for p, size, mode, data in job._c()._h.read_code(job.uid):
        try:
            mode = int(mode or "0", 8)
        except ValueError:
            mode = 0
        if isinstance(data, bytes):
            files.append(File(p, data, mode=mode))
        else:  # the exception of this file: shown in the view, by name
            files.append(File(p, size=size, mode=mode, error=data))
    _mark_runnable(files)
    rank = {p: i for i, p in enumerate(order([f.path for f in files]))}
    return sorted(files, key=lambda f: (f.path != "run.sh", not f.runs, rank[f.path]))


def review_warnings(texts, files, loud_ok=True):
    """[(loud, line)], lines already shown: format characters anywhere, odd
    bytes in each file, and what the markers mean."""
    out = []
    fw = format_warning(texts, [f.path for f in files], [f.text for f in files])
    if fw:
        out.append((False, fw))
    for f in files:
        if not f.odd:
            continue
        if loud_ok and f.runs:
            out.append((True, "WARNING: %s holds %s, shown as \u27e8NUL\u27e9 / \u27e80xFF\u27e9 "
                        "markers. It can run (run.sh, executable, or named in run.sh), and bash "
                        "or python runs these bytes as they are: read every marker before you "
                        "approve." % (file_name(f.path), f.odd)))
        else:
            out.append((False, "Note: %s holds %s (binary or not UTF-8 text), shown as "
                        "\u27e8NUL\u27e9 / \u27e80xFF\u27e9 markers." % (file_name(f.path), f.odd)))
    if any(f.markers for f in files):
        out.append((False, MARKERS_NOTE))
    return out


def _cut(text, n):
    """text cut to at most n characters, never inside a marker (every ⟨ on
    screen starts one)."""
    t = text[:n]
    if t.rfind("\u27e8") > t.rfind("\u27e9"):
        t = t[:t.rfind("\u27e8")]
    return t


def line_count(text):
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def file_names(files):
    return ", ".join(file_name(f.path) for f in files)


def plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


class CodeReview:
    """The review of a job submitted to me: metadata, warnings, every file.

    review() shows run.sh whole and the heads of the other files (the first
    ones run.sh may run), and names the files it leaves out;
    review(full=True) shows every file whole; review(file=PATH) one file
    whole.  text() for terminals; in Jupyter a file tree and viewer (set on
    this class by views.register() and actions.register())."""

    def __init__(self, job, full=False, file=None):
        self.job = job
        self.full = bool(full)
        self.file = None if file is None else str(file)
        self._files = code_files(job)
        self.files = sorted(f.path for f in self._files)
        if self.file is not None and self.file not in self.files:
            raise JobNotFound(visible("job '%s' has no file %s" % (job.uid,
                                                                    py_literal(self.file))))

    def hint(self):
        u = py_literal(self.job.uid)
        return ("q.inspect_job(%s, full=True) shows every file whole; q.inspect_job(%s, "
                "file=\"PATH\") shows one (job.review(full=True) / job.review(file=...) in "
                "Jupyter; job.read_file_bytes(PATH) gives the bytes)." % (u, u))

    def one_hint(self, path):
        return "q.inspect_job(%s, file=%s) shows it whole" % (py_literal(self.job.uid),
                                                              py_literal(path))

    def warnings(self):
        return review_warnings(job_texts(self.job), self._files)

    def _header(self):
        j = self.job
        v = visible
        out = ["Code review: %s (%s)" % (v(j.name, False), v(j.uid, False))]
        out += [("!!! " if loud else "") + w for loud, w in self.warnings()]
        out += ["From: %s  To: %s  Status: %s" % (v(j.requester_email, False),
                                                  v(j.target_email, False), v(j.status)),
                "Description: %s" % v(j.description or "No description"),
                "Tags: %s" % (", ".join(v(t, False) for t in j.tags) or "No tags"),
                "Code SHA-256: %s" % v(j.code_sha256, False), "",
                "Files (%d):" % len(self._files)]
        for f in self._files:
            flags = [plural(f.size, "byte")] + (["can run"] if f.runs else []) + \
                ([f.odd] if f.odd else [])
            out.append("  %s  (%s)" % (file_name(f.path), ", ".join(flags)))
        return out

    def _body(self, f, whole, head_lines):
        if whole or f.path == "run.sh":
            return f.shown.splitlines()
        head = f.head(_HEAD_CHARS)
        n = line_count(f.text)
        if f.size <= _HEAD_CHARS and len(head) <= _HEAD_CHARS and n <= head_lines:
            return head.splitlines()
        cut = _cut(head, _HEAD_CHARS).splitlines()[:head_lines]
        return cut + ["... (%s of %s shown; the file has %s: %s)" % (
            plural(len(cut), "line"), plural(n, "line"), plural(f.size, "byte"),
            self.one_hint(f.path))]

    def text(self, head_lines=20, max_other=5):
        """The review as terminal text (every submitter byte shown, once)."""
        j = self.job
        lines = self._header()
        if self.file is not None:
            show = [f for f in self._files if f.path == self.file]
        elif self.full:
            show = list(self._files)
        else:
            show = [f for f in self._files if f.path == "run.sh"]
            show += [f for f in self._files if f.path != "run.sh"][:max_other]
        whole = self.full or self.file is not None
        for f in show:
            lines += ["", "----- %s -----" % file_name(f.path)] + self._body(f, whole, head_lines)
        left = [f for f in self._files if f not in show]
        if left:
            lines += ["", "Not shown here: %s: %s" % (plural(len(left), "file"), file_names(left)),
                      self.hint()]
        if str(j.status) == "pending":
            lines += ["", "Approve: q.get_job(%s).approve(\"reason\")   Reject: "
                      "q.get_job(%s).reject(\"reason\")" % (py_literal(j.uid),
                                                             py_literal(j.uid))]
        return "\n".join(lines)

    def __repr__(self):
        return self.text()

    def embedded(self):
        """[(file, text shown)] for the HTML view, and the files cut there
        (the view embeds at most _EMBED_CAP characters unless full or file)."""
        files = [f for f in self._files if self.file is None or f.path == self.file]
        out, cut, total = [], [], 0
        for f in files:
            if self.full or self.file is not None:
                text = f.shown
            else:
                room = max(0, _EMBED_CAP - total)
                head = f.head(room)
                text = _cut(head, room)
                if f.size > room or len(text) < len(head):
                    text += "\n... (cut in this view; the file has %s: %s)" % (
                        plural(f.size, "byte"), self.one_hint(f.path))
                    cut.append(f)
            total += len(text)
            out.append((f, text))
        return out, cut


class JobOutputs:
    """The outputs of a finished job: file tree and viewer.  Each file's
    bytes are shown escaped like code; a file cut in the view says so."""

    def __init__(self, job):
        self.job = job
        self.files = job.list_output_files()

    def read(self):
        """[(File, text shown)], at most _EMBED_CAP bytes of all files together."""
        j, files, total = self.job, [], 0
        for p in order(self.files):
            try:
                data, size = j._c()._output_bytes(j.uid, p, max(1, _EMBED_CAP - total))
                f = File(p, data, size=size)
            except Exception as ex:  # noqa: BLE001 - shown in the viewer, by name
                f = File(p, error=ex)
            text = f.shown
            if f.size > len(f.data):
                text += "\n... (cut in this view: %d more bytes; %s.read_output_file_bytes(%s))" \
                    % (f.size - len(f.data), "q.get_job(%s)" % py_literal(j.uid), py_literal(p))
            total += len(f.data)
            files.append((f, text))
        return files

    def text(self):
        j = self.job
        head = ["Output of %s (%s): %s" % (visible(j.name, False), visible(j.uid, False),
                                           visible(j.status))]
        warn = format_warning(job_texts(j), self.files)
        return "\n".join(head + ([warn] if warn else []) + ["  " + file_name(p) for p in self.files])

    def __repr__(self):
        return self.text()

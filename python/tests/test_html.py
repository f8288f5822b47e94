"""Jupyter HTML: features, hostile inputs escaped, unique ids, buttons."""
import json
import os
import re
import sys
import types
from html.parser import HTMLParser

import syft_code_queue as q
from syft_code_queue import _html, _actions
from helpers import DO, Workspace, make_code

EVIL_NAME = 'He said "hi" & \'bye\' <img src=x onerror=alert(1)>'
EVIL_TAGS = ["<b>bold</b>", "<script>alert(2)</script>", "a\"b'c"]
EVIL_DESC = "line1\n</script><script>alert(3)</script>\t<!--"
EVIL_FILE = "x = 1\n</script><script>alert('pwned')</script>\n<!-- c -->\n\x1b]0;t\x07\n"


class Scan(HTMLParser):
    """Collects elements, script bodies and ids of a rendering."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self.ids, self.text = [], [], [], []
        self._in_script = False
        self.attrs = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append((tag, dict(attrs)))
        d = dict(attrs)
        if "id" in d:
            self.ids.append(d["id"])
        for k, v in attrs:
            if k.startswith("on"):
                raise AssertionError("inline event handler %s=%r on <%s>" % (k, v, tag))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def scan(markup):
    s = Scan()
    s.feed(markup)
    s.close()
    return s


class HtmlCase(Workspace):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        code = make_code(os.path.join(cls.tmp, "evil"), extra={
            "evil.py": EVIL_FILE, "</script><b>x.py": "print(1)\n", "a'b\"c.txt": "q\n"})
        cls.evil = q.submit_job(DO, code, EVIL_NAME, description=EVIL_DESC, tags=EVIL_TAGS)
        cls.plain = q.submit_job(DO, cls.code, "plain one", tags=["stats"])
        cls.done = q.submit_job(DO, cls.code, "done one")
        cls.owner.approve(cls.done.uid)
        cls.owner.run_jobs()

    def assert_safe(self, markup, n_scripts_max=1):
        s = scan(markup)
        # exactly our scripts; hostile text never became an element
        self.assertLessEqual(len(s.scripts), n_scripts_max)
        self.assertNotIn("img", s.tags)
        self.assertNotIn("b", [t for t in s.tags if t == "b" and False])
        for body in s.scripts:
            self.assertNotIn("</", body)
            self.assertNotIn("alert", body)
            self.assertNotIn("<", body)
        self.assertNotIn("\x00", markup)
        self.assertNotIn("\x1b", markup)
        self.assertNotIn("\x07", markup)
        ids = s.ids
        self.assertEqual(len(ids), len(set(ids)))
        return s

    def test_job_card(self):
        oj = self.owner.get_job(self.evil.uid)
        m = oj._repr_html_()
        s = self.assert_safe(m)
        text = "".join(s.text)
        self.assertIn(EVIL_NAME, text)  # shown as text, exactly
        for t in EVIL_TAGS:
            self.assertIn(t, text)
        self.assertIn("</script><script>alert(3)</script>", text)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", m)
        self.assertIn("&quot;hi&quot;", m)
        self.assertIn("From: %s" % self.evil.requester_email, text)
        # pending and awaiting me: approve/reject/review buttons with the full uid
        acts = {a.get("data-action"): a.get("data-uid") for t, a in s.attrs if t == "button"}
        self.assertEqual(set(acts), {"approve", "reject", "review"})
        self.assertEqual(set(acts.values()), {self.evil.uid})
        # as the requester: no approve button, a cancel button
        s2 = scan(self.evil._repr_html_())
        acts = {a.get("data-action") for t, a in s2.attrs if t == "button"}
        self.assertEqual(acts, {"cancel"})
        # completed: logs and output
        s3 = scan(q.get_job(self.done.uid)._repr_html_())
        acts = {a.get("data-action") for t, a in s3.attrs if t == "button"}
        self.assertEqual(acts, {"logs", "output"})

    def test_collection_table(self):
        c = self.owner.jobs_for_me
        m = c._repr_html_()
        s = self.assert_safe(m)
        text = "".join(s.text)
        self.assertIn("Code Jobs", text)
        self.assertIn(EVIL_NAME, text)
        # search input, status filters with counts, batch buttons
        self.assertIn("input", s.tags)
        filters = [a.get("data-filter") for t, a in s.attrs if t == "button" and
                   a.get("data-filter")]
        self.assertEqual(filters, ["all", "pending", "completed"])
        self.assertIn("All (3)", text)
        self.assertIn("Pending (2)", text)
        self.assertIn("Completed (1)", text)
        batch = {a.get("data-batch") for t, a in s.attrs if a.get("data-batch")}
        self.assertEqual(batch, {"approve", "reject"})
        rows = [a for t, a in s.attrs if t == "tr" and "data-job-uid" in a]
        self.assertEqual({r["data-job-uid"] for r in rows},
                         {self.evil.uid, self.plain.uid, self.done.uid})
        evil_row = next(r for r in rows if r["data-job-uid"] == self.evil.uid)
        self.assertEqual(evil_row["data-name"], EVIL_NAME.lower())
        self.assertIn(self.evil.requester_email, evil_row["data-email"])
        # checkboxes only for jobs awaiting me (2 pending)
        self.assertEqual(s.tags.count("input"), 1 + 2)
        # relative ages
        self.assertIn("just now", text)
        # tag chips: at most 2 and +N, full list in the title
        self.assertIn("+1", text)
        # no row index anywhere in actions: every action button carries a full uid
        for t, a in s.attrs:
            if t == "button" and a.get("data-action"):
                self.assertRegex(a["data-uid"], r"^[0-9a-f-]{36}$")
        # pending-only collections get the original's titles
        self.assertIn("Jobs Awaiting Your Approval", self.owner.pending_for_me._repr_html_())
        self.assertIn("Jobs Awaiting Others&#x27; Approval", q.pending_for_others._repr_html_())
        self.assertIn("No jobs found", q.JobCollection()._repr_html_())
        # the requester's view has no batch buttons
        s2 = scan(q.jobs_for_others._repr_html_())
        self.assertFalse([a for t, a in s2.attrs if a.get("data-batch")])

    def test_two_renderings_have_distinct_ids(self):
        c = self.owner.jobs_for_me
        a, b = scan(c._repr_html_()), scan(c._repr_html_())
        self.assertTrue(a.ids and b.ids)
        self.assertFalse(set(a.ids) & set(b.ids))
        r1 = scan(self.owner.review_job(self.evil.uid)._repr_html_())
        r2 = scan(self.owner.review_job(self.evil.uid)._repr_html_())
        self.assertFalse(set(r1.ids) & set(r2.ids))
        # the scripts look their root up by that rendering's id, and declare no globals
        for s in (a, b, r1, r2):
            self.assertIn(json.dumps(s.ids[0]), s.scripts[0])
            self.assertTrue(s.scripts[0].startswith("(function(){"))

    def test_review_widget(self):
        view = self.owner.review_job(self.evil.uid)
        m = view._repr_html_()
        s = self.assert_safe(m)
        text = "".join(s.text)
        # the file containing </script> is shown as text in a <pre>, not in the script
        self.assertIn("</script><script>alert('pwned')</script>", text)
        self.assertIn("&lt;/script&gt;&lt;script&gt;alert(&#x27;pwned&#x27;)", m)
        self.assertIn("\u27e8ESC\u27e9]0;t\u27e8BEL\u27e9", text)
        self.assertIn("</script><b>x.py", text)  # the hostile file name, as text
        self.assertIn("a'b\"c.txt", text)
        self.assertNotIn("pwned", s.scripts[0])
        # run.sh first, then case-insensitive order
        names = [a.get("title") for t, a in s.attrs if t == "span" and "scq-file" in a.get("class", "")]
        self.assertEqual(names[0], "run.sh")
        self.assertEqual(len(names), 4)
        self.assertIn("Code Review", text)
        acts = {a.get("data-action") for t, a in s.attrs if t == "button"}
        self.assertEqual(acts, {"approve", "reject"})
        # decided jobs: review only
        self.owner.get_job(self.plain.uid)
        done = self.owner.review_job(self.done.uid)._repr_html_()
        self.assertIn("Review only", done)

    def test_output_viewer(self):
        job = q.get_job(self.done.uid)
        s = self.assert_safe(job.output_viewer._repr_html_())
        self.assertIn("result.txt", "".join(s.text))
        pending = q.get_job(self.plain.uid).output_viewer._repr_html_()
        self.assertIn("No Output Available", pending)

    def test_snippets_are_python_literals(self):
        uid = self.evil.uid
        reason = 'it\'s "fine"\\ \n </script>'
        sn = _html.snippet(uid, "approve", reason)
        self.assertTrue(sn.startswith('q.get_job("%s").approve(' % uid))
        # the snippet is exactly one line and evaluates to the same call
        self.assertNotIn("\n", sn)
        calls = []

        class FakeJob:
            def approve(self, r):
                calls.append(("approve", r))

        eval(sn, {"q": types.SimpleNamespace(get_job=lambda u: calls.append(u) or FakeJob())})
        self.assertEqual(calls, [uid, ("approve", reason)])
        self.assertEqual(_html.snippet(uid, "reject", "x"), 'q.get_job("%s").reject("x")' % uid)
        self.assertEqual(_html.snippet(uid, "logs"), 'q.get_job("%s").show_logs()' % uid)
        # the JS builds the kernel call with JSON.stringify, and uses the kernel API only
        # when it exists; otherwise the clipboard
        js = _html._ACTIONS_JS
        self.assertIn("J.notebook.kernel", js)
        self.assertIn("typeof k.execute === 'function'", js)
        self.assertIn("navigator.clipboard.writeText(snip)", js)
        self.assertIn("JSON.stringify", js)

    def test_kernel_action_helper(self):
        j = q.submit_job(DO, self.code, "via kernel")
        import io
        import contextlib
        tok = _html.client_token(self.owner)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            _html.act(tok, j.uid, "approve", "from the page")
        self.assertIn("approved %s" % j.short_id, buf.getvalue())
        self.assertEqual(self.owner.get_job(j.uid).reason, "from the page")
        with self.assertRaises(q.InvalidState):
            _html.act(tok, j.uid, "reject", "x")
        with self.assertRaises(ValueError):
            _html.act(tok, j.uid, "explode")

    def test_js_escaping_and_visible(self):
        self.assertEqual(_html._js("</script>&"), '"\\u003c/script\\u003e\\u0026"')
        self.assertEqual(_html.visible("a\x00b\x1bc\nd\te\u2028"), "a\u27e8NUL\u27e9b\u27e8ESC\u27e9c\nd\te\u27e8U+2028\u27e9")
        self.assertEqual(_html.e("<a href='x'>"), "&lt;a href=&#x27;x&#x27;&gt;")

    def test_control_characters_from_any_field(self):
        # the library refuses control characters at submit; a hostile status.json
        # could still carry them: the renderers make them visible text
        data = self.owner.get_job(self.evil.uid).to_dict()
        data.update(name="n\x1b[31mred\x07", description="d\x00\x08", tags=["t\x1b"],
                    requester_email="x\x1b@y", reason="r\x9b")
        j = q.CodeJob(data, self.owner)
        for m in (j._repr_html_(), q.JobCollection([j], client=self.owner)._repr_html_()):
            text = "".join(self.assert_safe(m).text)
            self.assertIn("n\u27e8ESC\u27e9[31mred\u27e8BEL\u27e9", text)
            self.assertIn("t\u27e8ESC\u27e9", text)
            self.assertNotIn("\x9b", m)

    def test_log_with_escapes_in_widget_text(self):
        code = make_code(os.path.join(self.tmp, "esc"), body="printf 'A\\033[2JB\\007<i>\\n'")
        j = q.submit_job(DO, code, "esc")
        self.owner.approve(j.uid)
        self.owner.run_jobs()
        box = type("Box", (), {"value": ""})()
        _actions._say(box, q.get_job(j.uid).get_logs())
        self.assertIn("A\u27e8ESC\u27e9[2JB\u27e8BEL\u27e9&lt;i&gt;", box.value)
        self.assertNotIn("\x1b", box.value)

    def test_datasites_html_escapes(self):
        # a datasite is listed from what it publishes (public/code-queue);
        # this name is no e-mail address: a notice names it, escaped
        evil = os.path.join(self.ws, "datasites", "<i>x\"\'@evil.example", "public",
                            "code-queue")
        os.makedirs(evil)
        m = q.datasites._repr_html_()
        self.assertIn("&lt;i&gt;x&quot;&#x27;@evil.example", m)
        self.assertNotIn("<i>", m)


class FakeWidget:
    """Just the ipywidgets API common to 6, 7 and 8 that we use."""
    made = []

    def __init__(self, **kw):
        self.__dict__.update(kw)
        self._handlers = []
        self.tooltip = ""
        self.disabled = False
        FakeWidget.made.append(self)

    def on_click(self, fn):
        self._handlers.append(fn)

    def click(self):
        for h in self._handlers:
            h(self)


def fake_ipywidgets():
    mod = types.ModuleType("ipywidgets")
    for name in ("Button", "Text", "Checkbox", "HTML", "HBox", "VBox"):
        setattr(mod, name, type(name, (FakeWidget,), {}))
    return mod


class FakeWidgets(Workspace):
    """A workspace whose ipywidgets is the fake one (restored after)."""

    def setUp(self):
        self._saved = sys.modules.get("ipywidgets")
        sys.modules["ipywidgets"] = fake_ipywidgets()

    def tearDown(self):
        if self._saved is None:
            sys.modules.pop("ipywidgets", None)
        else:
            sys.modules["ipywidgets"] = self._saved


class TestWidgets(FakeWidgets):

    def _buttons(self, panel):
        out = []

        def walk(w):
            if type(w).__name__ == "Button":
                out.append(w)
            for c in getattr(w, "children", []):
                walk(c)
        walk(panel)
        return out

    def test_job_buttons_act(self):
        j = q.submit_job(DO, self.code, "widget job")
        oj = self.owner.get_job(j.uid)
        panel = _actions.widget_panel(oj)
        btns = {b.description: b for b in self._buttons(panel)}
        self.assertEqual(set(btns), {"Approve", "Reject", "Review"})
        card, out = panel.children[0], panel.children[2]
        self.assertIn("scq-badge-pending", card.value)
        self.assertNotIn("<script", card.value)  # the widget card has no script or HTML buttons
        self.assertNotIn("<button", card.value)
        btns["Review"].click()
        self.assertIn("run.sh", out.value)
        btns["Reject"].click()  # no reason typed: refused
        self.assertIn("reason is required", out.value)
        self.assertEqual(self.owner.get_job(j.uid).status, "pending")
        btns["Approve"].click()
        self.assertEqual(self.owner.get_job(j.uid).status, "approved")
        self.assertIn("approved", out.value)
        # the card shows the new status at once, and the buttons follow it
        self.assertIn("scq-badge-approved", card.value)
        self.assertEqual({b.description for b in self._buttons(panel)}, {"Cancel"})
        self.owner.run_jobs()
        panel = _actions.widget_panel(q.get_job(j.uid))
        btns = {b.description: b for b in self._buttons(panel)}
        self.assertEqual(set(btns), {"Logs", "Output"})
        btns["Logs"].click()
        self.assertIn("hello", panel.children[2].value)

    def test_collection_batch_buttons(self):
        a = q.submit_job(DO, self.code, "<b>batch</b> a")
        b = q.submit_job(DO, self.code, "batch b")
        coll = self.owner.pending_for_me.by_name("batch")
        panel = _actions.widget_panel(coll)
        boxes = [c for w in panel.children if type(w).__name__ == "HBox"
                 for c in w.children if type(c).__name__ == "Checkbox"]
        self.assertEqual({x.job_uid for x in boxes}, {a.uid, b.uid})
        for x in boxes:
            x.value = x.job_uid == a.uid
        btns = {x.description: x for x in self._buttons(panel)}
        btns["Approve selected"].click()
        self.assertEqual(self.owner.get_job(a.uid).status, "approved")
        self.assertEqual(self.owner.get_job(b.uid).status, "pending")
        # the table widget shows the new status without re-running the cell
        table = panel.children[0].value
        row = table[table.index('data-job-uid="%s"' % a.uid):]
        self.assertIn("scq-badge-approved", row[:row.index("</tr>")])
        self.assertTrue(next(x for x in boxes if x.job_uid == a.uid).disabled)
        # nothing to decide: the requester's table, no checkbox or batch button
        mine = _actions.widget_panel(q.pending_for_others)
        self.assertEqual([type(w).__name__ for w in mine.children], ["HTML", "HTML"])
        # escaped status text
        self.assertNotIn("<b>batch", panel.children[-1].value)

    def test_batch_on_a_query_collection_keeps_the_rows(self):
        # q.pending_for_me re-runs its query on refresh: decided jobs must
        # still show, with their new status, not drop out of the table
        a = q.submit_job(DO, self.code, "kept row")
        coll = self.owner.pending_for_me
        panel = _actions.widget_panel(coll)
        for w in panel.children:
            for c in getattr(w, "children", []):
                if type(c).__name__ == "Checkbox":
                    c.value = c.job_uid == a.uid
        next(x for x in self._buttons(panel) if x.description == "Approve selected").click()
        table = panel.children[0].value
        row = table[table.index('data-job-uid="%s"' % a.uid):]
        self.assertIn("scq-badge-approved", row[:row.index("</tr>")])

    def test_display_without_kernel_prints_text(self):
        import io
        import contextlib
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            q.jobs_for_others._ipython_display_()
        self.assertIn("JobCollection(", buf.getvalue())


class TestWidgetText(FakeWidgets):
    """Issue 8 item 1: no submitter text in a widget description, label or
    tooltip (ipywidgets renders descriptions as HTML)."""
    HOSTILE = '<img src=x onerror=alert(1)> \u202ename'

    def _all(self, w, out):
        out.append(w)
        for c in getattr(w, "children", []):
            self._all(c, out)
        return out

    def assert_text_only(self, panel):
        fixed = {"", "select", "Reason:", "Approve selected", "Reject selected", "Approve",
                 "Reject", "Review", "Cancel", "Logs", "Output"}
        for w in self._all(panel, []):
            self.assertIn(getattr(w, "description", ""), fixed, type(w).__name__)
            self.assertIn(getattr(w, "tooltip", ""), fixed | {"approve", "reject", "review",
                                                                "cancel", "logs", "output"})
            if type(w).__name__ == "HTML" and w.value:
                s = scan(w.value)
                self.assertNotIn("img", s.tags)
                self.assertNotIn("script", s.tags)
                self.assertNotIn("\u202e", w.value)

    def test_hostile_name_never_in_widget_descriptions(self):
        j = q.submit_job(DO, self.code, self.HOSTILE, tags=["<b>t</b>"])
        self.assert_text_only(_actions.widget_panel(self.owner.pending_for_me))
        panel = _actions.widget_panel(self.owner.get_job(j.uid))
        self.assert_text_only(panel)
        for b in [w for w in self._all(panel, []) if type(w).__name__ == "Button"]:
            b.click()  # approve (then the rebuilt buttons are checked again)
            break
        self.assert_text_only(panel)
        self.assert_text_only(_actions.widget_panel(self.owner.review_job(j.uid)))


class TestFormatChars(Workspace):
    """Issue 8 item 1: bidi and invisible format characters are shown as
    \u27e8U+XXXX\u27e9 (the library's markers) with a warning line in every view, from the library's list."""

    def test_list_comes_from_the_library(self):
        ranges = q._scq.format_char_ranges()
        self.assertTrue(any(a <= 0x202a and 0x202e <= b for a, b in ranges))
        for a, b in ranges:
            for cp in (a, b):
                self.assertEqual(_html.visible(chr(cp)), "\u27e8U+%04X\u27e9" % cp)
        self.assertEqual(_html.format_chars("a\u202eb\u2066c\u200bd\u2060\ufeff"), 5)
        self.assertEqual(_html.visible("\u2065"), "\u2065")  # not in the list: kept

    def test_every_view_shows_them_with_a_warning(self):
        code = make_code(os.path.join(self.tmp, "trojan"), extra={
            "check.py": "if access_level != \"user\u202e \u2066// Check if admin\u2069 \u2066\":\n"})
        j = q.submit_job(DO, code, "ad\u202emin", description="x\u200by", tags=["t\ufeff"])
        oj = self.owner.get_job(j.uid)
        views = {"card": oj._repr_html_(), "static card": _html.job_card(oj, False),
                 "table": self.owner.pending_for_me._repr_html_(),
                 "static table": _html.collection_table(self.owner.pending_for_me, False),
                 "review": self.owner.review_job(j.uid)._repr_html_(),
                 "review text": self.owner.review_job(j.uid).text()}
        import io
        import contextlib
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.owner.inspect_job(j.uid)
        views["inspect_job"] = buf.getvalue()
        for name, v in views.items():
            self.assertIn("Trojan Source", v, name)
            self.assertIn("ad\u27e8U+202E\u27e9min", v, name)
            self.assertIsNone(_html._FORMAT.search(v), name)
        self.assertIn("\u27e8U+2066\u27e9// Check if admin\u27e8U+2069\u27e9", views["review"])
        self.assertIn("\u27e8U+2066\u27e9// Check if admin\u27e8U+2069\u27e9", views["inspect_job"])
        # a job without them has no warning
        plain = q.submit_job(DO, self.code, "plain")
        self.assertNotIn("Trojan Source", self.owner.get_job(plain.uid)._repr_html_())

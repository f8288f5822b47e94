"""The package in layers, imports pointing one way (issue 10, item 8).

    model/      jobs, collections, the Client over _scq: no HTML, no widgets
    views/      HTML and ipywidgets panels (may import the model)
    actions.py  the buttons' callbacks (may import the model and the views)

Read from the sources with ast (every import, at the top or inside a
function), never by importing them.  Fails if the model imports a view or
an action, a view imports an action, a layer imports the package's top
modules (__init__, the old paths _core/_html/_actions), a layer loads a
module by name (importlib, __import__), any two modules import each other
through a circle, a module other than views/escape.py makes HTML out of
text (imports html), or a module is over 400 lines."""
import ast
import importlib.util
import os
import unittest

PKG = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                    "syft_code_queue"))
NAME = "syft_code_queue"
EXTENSION = NAME + "._scq"  # the C extension (python/_scq.c): the bottom, imports nothing here
MAX_LINES = 400
# layer -> the layers it may import
ALLOWED = {"model": {"model", "extension"}, "views": {"model", "views", "extension"},
           "actions": {"model", "views", "actions", "extension"}}


def source(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def modules():
    """{dotted name: path} of every .py file of the package."""
    out = {}
    for root, dirs, files in os.walk(PKG):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for f in files:
            if not f.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(root, f), PKG)[:-3].split(os.sep)
            if rel[-1] == "__init__":
                rel = rel[:-1]
            out[".".join([NAME] + rel)] = os.path.join(root, f)
    return out


def layer(mod):
    """model, views, actions, or None (the top: __init__, old paths, _help)."""
    if mod == EXTENSION:
        return "extension"
    parts = mod.split(".")[1:]
    if not parts:
        return None
    if parts[0] in ("model", "views"):
        return parts[0]
    if parts[0] == "actions":
        return "actions"
    return None


def imports(mod, path, mods):
    """[(line, imported module of the package)] of one module."""
    tree = ast.parse(source(path), path)
    is_pkg = path.endswith("__init__.py")
    here = mod.split(".") if is_pkg else mod.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == NAME or a.name.startswith(NAME + "."):
                    out.append((node.lineno, a.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target != NAME and not target.startswith(NAME + "."):
                continue
            subs = [target + "." + a.name for a in node.names if target + "." + a.name in mods]
            # "from . import views": the module views; "from . import _load": the package
            out += [(node.lineno, s) for s in subs]
            if len(subs) < len(node.names):
                out.append((node.lineno, target))
    return [(ln, t) for ln, t in out if t in mods or t == EXTENSION]


def graph():
    mods = modules()
    imps = {m: imports(m, p, set(mods) | {EXTENSION}) for m, p in mods.items()}
    imps[EXTENSION] = []
    return mods, imps


def _checker():
    """scripts/check-layers.py, whose cycles() finds the library's link
    cycles: the same search serves the package's imports."""
    path = os.path.join(os.path.dirname(PKG), "..", "scripts", "check-layers.py")
    spec = importlib.util.spec_from_file_location("check_layers", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


cycles = _checker().cycles


class TestLayers(unittest.TestCase):

    def setUp(self):
        self.mods, self.imps = graph()

    def test_the_layers_exist(self):
        for m in ("model", "views", "actions"):
            self.assertIn("%s.%s" % (NAME, m), self.mods, "no %s layer in %s" % (m, PKG))
        self.assertIn(NAME + ".views.escape", self.mods)

    def test_imports_point_one_way(self):
        bad = []
        for m, imps in sorted(self.imps.items()):
            lay = layer(m)
            if lay in (None, "extension"):
                continue
            for ln, t in imps:
                if layer(t) not in ALLOWED[lay]:
                    bad.append("%s:%d (%s) imports %s (%s)" % (
                        self.mods[m], ln, lay, t, layer(t) or "the package's top"))
        self.assertEqual(bad, [], "\n".join(bad))

    def test_no_import_circle(self):
        edges = {m: sorted({t for _, t in imps}) for m, imps in self.imps.items()}
        found = cycles(edges)
        self.assertEqual(found, [], "import circles:\n" + "\n".join(" -> ".join(c) for c in found))

    def test_no_module_loaded_by_name_in_a_layer(self):
        bad = []
        for m, p in sorted(self.mods.items()):
            if layer(m) is None:
                continue
            for node in ast.walk(ast.parse(source(p), p)):
                names = []
                if isinstance(node, ast.Name):
                    names = [node.id]
                elif isinstance(node, ast.Attribute):
                    names = [node.attr]
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if {"__import__", "import_module", "importlib"} & set(names):
                    bad.append("%s:%d" % (p, node.lineno))
        self.assertEqual(bad, [], "a layer loads a module by name: %s" % bad)

    def test_model_has_no_html_or_widgets(self):
        bad = []
        for m, p in sorted(self.mods.items()):
            if layer(m) != "model":
                continue
            for node in ast.walk(ast.parse(source(p), p)):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                else:
                    continue
                for n in names:
                    if n.split(".")[0] in ("html", "ipywidgets", "IPython"):
                        bad.append("%s:%d imports %s" % (p, node.lineno, n))
        self.assertEqual(bad, [], "\n".join(bad))

    def test_one_module_makes_html_of_text(self):
        # every submitter text reaches HTML through views/escape.py (e(), esc())
        users = []
        for m, p in sorted(self.mods.items()):
            for node in ast.walk(ast.parse(source(p), p)):
                if isinstance(node, ast.Import) and any(a.name == "html" for a in node.names) or \
                        isinstance(node, ast.ImportFrom) and node.module == "html" \
                        and not node.level:
                    users.append(m)
        self.assertEqual(sorted(set(users)), [NAME + ".views.escape"])

    def test_modules_are_short(self):
        long = ["%s: %d lines" % (p, n) for p, n in
                ((p, source(p).count("\n")) for p in self.mods.values())
                if n > MAX_LINES]
        self.assertEqual(long, [], "over %d lines: %s" % (MAX_LINES, long))

    def test_the_pages_kernel_call_reaches_actions_act(self):
        # views name the action only in their script's text (a call the
        # kernel runs), never in an import: that text must name actions.act
        import re
        import syft_code_queue as q
        from syft_code_queue import actions
        from syft_code_queue.views import page, table
        for js in (page.ACTIONS_JS, table.TABLE_JS):
            calls = re.findall(r'__import__\("([\w.]+)", fromlist=\["act"\]\)\.act\(', js)
            self.assertTrue(calls, js[:200])
            for mod in calls:
                self.assertIs(__import__(mod, fromlist=["act"]).act, actions.act)
        self.assertIs(q._html.act, actions.act)  # what pages rendered before call

    def test_the_checker_sees_a_circle_and_a_wrong_way_import(self):
        # the checker itself can fail: a made-up package with both faults
        self.assertEqual(cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}),
                         [["a", "b", "c"]])
        self.assertNotIn("views", ALLOWED["model"])
        self.assertNotIn("actions", ALLOWED["views"])


if __name__ == "__main__":
    unittest.main()

"""The old import path of the HTML (syft_code_queue._html), kept for code
that imports it and for pages rendered before, whose buttons call
_html.act().  New code: syft_code_queue.views (escaping: views/escape.py,
the markers: model/text.py) and syft_code_queue.actions."""
from . import _load
from .actions import act  # noqa: F401
from .model.session import client_token  # noqa: F401
from .model.text import FORMAT as _FORMAT, FORMAT_CLASS as _FORMAT_CLASS  # noqa: F401
from .model.text import MARKERS_NOTE, escape_log, format_chars, format_warning, job_texts  # noqa: F401
from .model.text import py_literal, shown, text_of, visible  # noqa: F401
from .views.card import job_card  # noqa: F401
from .views.escape import e, js as _js, warn_html  # noqa: F401
from .views.page import ACTIONS_JS as _ACTIONS_JS, BIND_BUTTONS as _BIND_BUTTONS  # noqa: F401
from .views.page import CSS as _CSS, ROOT as _ROOT, age, new_id, snippet  # noqa: F401
from .views.table import collection_table  # noqa: F401

_load()

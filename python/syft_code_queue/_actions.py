"""The old import path of the buttons (syft_code_queue._actions), kept for
code that imports it.  New code: syft_code_queue.actions and
syft_code_queue.views.widgets."""
from . import _load
from .actions import DEFAULT_APPROVE, display, job_action, widget_panel  # noqa: F401
from .views.escape import Shown as _Shown  # noqa: F401
from .views.widgets import say as _say  # noqa: F401

_load()


def _act(job, action, reason, out=None):
    """The old name of actions.job_action; reason a Text widget or None."""
    return job_action(job, action, getattr(reason, "value", reason))

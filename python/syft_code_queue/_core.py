"""The old import path of the model (syft_code_queue._core, before the
package was cut into model/, views/ and actions.py), kept for code that
imports it.  New code: syft_code_queue.model.*."""
from . import _load
from .model.client import DEFAULT_REJECT_REASON, Client, default_client  # noqa: F401
from .model.collection import JobCollection  # noqa: F401
from .model.config import QueueConfig  # noqa: F401
from .model.job import CodeJob  # noqa: F401
from .model.status import JobStatus  # noqa: F401

_load()

"""The old import path of the file viewers (syft_code_queue._review), kept
for code that imports it: another name of model/review.py, the same module
object (so a setting changed through it, such as _EMBED_CAP, holds).  The
HTML of the viewers is views/review.py."""
import sys

from . import _load
from .model import review

_load()
sys.modules[__name__] = review

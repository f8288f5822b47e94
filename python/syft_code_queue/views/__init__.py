"""The views: HTML and ipywidgets panels of the model's objects.

They import the model, never the actions: a panel's buttons get their
callbacks from actions.py.  register() sets _repr_html_ on the model's
classes (the model imports no view); the package calls it on first use.

    escape.py     the one way submitter text reaches HTML (e(), esc(), js())
    page.py       style sheet, ids, the buttons' script, snippets
    card.py       the job card
    table.py      the collection table
    review.py     the file viewers (code review, outputs)
    datasites.py  the datasites table
    widgets.py    the ipywidgets panels (callbacks passed in)
"""
from ..model.collection import JobCollection
from ..model.datasites import DataSitesCollection
from ..model.job import CodeJob
from ..model.review import CodeReview, JobOutputs
from .card import job_card
from .datasites import datasites_html
from .review import outputs_html, review_html
from .table import collection_table


def register():
    """Set the Jupyter HTML of each model class (idempotent)."""
    CodeJob._repr_html_ = job_card
    JobCollection._repr_html_ = collection_table
    DataSitesCollection._repr_html_ = datasites_html
    CodeReview._repr_html_ = review_html
    JobOutputs._repr_html_ = outputs_html

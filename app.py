"""The interactive page: ``solara run app.py`` from the project root, or ``hedgesim viz``."""

from hedgesim.viz.page import Page
from model.model import warm_up

warm_up()  # load the compiled year once, when the server starts, not at a user's first Step

__all__ = ["Page"]

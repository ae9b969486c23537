"""The interactive page for ``solara run app.py`` from the project root; ``hedgesim viz`` serves
the same page from ``hedgesim/viz/app.py``, behind its Host and Origin check."""

from hedgesim.viz.app import Page

__all__ = ["Page"]

"""The interactive page: ``solara run app.py`` from the project root, or ``hedgesim viz``."""

from hedgesim.viz.page import make_page

page = make_page()

"""The page as ``hedgesim viz`` serves it. Solara serves the folders ``public/`` and ``assets/``
beside the app's folder, so the app lives here, where that folder is the package's own (which
has neither), not at the root of a checkout, whose parent folder is anyone's."""

from hedgesim.model.model import warm_up
from hedgesim.viz.page import Page

warm_up()  # load the compiled year once, when the server starts, not at a user's first Step

__all__ = ["Page"]

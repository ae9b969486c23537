"""The hedgesim model: world state, schedule and interaction mechanisms. ``HedgeModel`` and
``Simulation`` are loaded when first used, so that reading records (``model.records``) does not
import Mesa."""

from importlib import import_module
from typing import Any

__all__ = ["HedgeModel", "Simulation"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'model' has no attribute {name!r}")
    return getattr(import_module("hedgesim.model.model"), name)

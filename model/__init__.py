"""The hedgesim model: world state, schedule and interaction mechanisms."""

from model.model import HedgeModel

__all__ = ["HedgeModel"]

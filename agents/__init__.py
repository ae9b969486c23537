"""The agents: great powers and small states, and their decision rules."""

from agents.great_power import GreatPower
from agents.small_state import SmallState

__all__ = ["GreatPower", "SmallState"]

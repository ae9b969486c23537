"""The agents, as the project's layout keeps them: great powers and small states live in
``hedgesim.model.agents`` beside the model that schedules them (as in Mesa's examples) and are
re-exported here."""

from hedgesim.model.agents import GreatPower, SmallState, StateAgent

__all__ = ["GreatPower", "SmallState", "StateAgent"]

"""What great powers and small states share as Mesa agents: they are views on the world."""

from __future__ import annotations

import mesa

from model.world import World


class StateAgent(mesa.Agent):
    """A state whose attributes live in the model's world arrays at ``index``; the arrays are
    what the vectorised step updates, the agent is what users and the page see."""

    names_field = ""  # the World field that holds this kind of state's names

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def world(self) -> World:
        return self.model.world

    @property
    def name(self) -> str:
        return getattr(self.world, self.names_field)[self.index]

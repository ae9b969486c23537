"""Great powers: the Mesa agent users see, and how a great power chooses its stance.

Toward the leading other power a great power balances (arms, stands against it), bandwagons
(aligns with it) or hedges, as middle powers such as India do (Waltz 1979; Tessman 2012).
"""

from __future__ import annotations

import numpy as np

from agents.state import StateAgent
from model.world import ADAPTIVE, Strategy, World, clip
from scenarios.params import Params

HOSTILITY = np.array([1.0, 0.0, 0.5])  # of a balancing, bandwagoning, hedging stance


class GreatPower(StateAgent):
    """A great power; its attributes are views into the model's world arrays."""

    names_field = "gp_names"

    @property
    def capability(self) -> float:
        return float(self.world.gp_cap[self.index])

    @property
    def revisionism(self) -> float:
        return float(self.world.revisionism[self.index])

    @property
    def stance(self) -> Strategy:
        return Strategy(int(self.world.gp_stance[self.index]))

    @property
    def threat_from(self) -> dict[str, float]:
        """Threat this power reads from each small state's alignment and its drift."""
        return dict(zip(self.world.names, self.world.gp_threat[:, self.index].tolist(), strict=True))

    def __repr__(self) -> str:
        return f"GreatPower({self.name}, {self.stance.name.lower()})"


def choose_stance(w: World, p: Params, gumbel: np.ndarray, reconsider: np.ndarray) -> None:
    """Adaptive great powers choose a stance toward the strongest other power: the stronger and
    the more revisionist balance, the weak bandwagon, and a leader in decline invites hedging.
    The stance sets hostility, which tells small states who is whose rival."""
    if w.n_great < 2:
        return
    others = np.where(np.eye(w.n_great, dtype=bool), -np.inf, w.gp_cap[None, :])
    leader = np.argmax(others, axis=1)
    ratio = w.gp_cap / w.gp_cap[leader]
    decline = clip(-10.0 * w.gp_growth[leader], 0.0, 1.0)
    utility = np.stack([
        p.choice_w_strength * np.minimum(ratio, 1.0) + p.choice_w_aggression * w.revisionism,
        p.choice_w_strength * (1.0 - np.minimum(ratio, 1.0)),
        p.choice_w_decline * decline + p.choice_w_threat * 0.5,
    ], axis=1)
    chosen = np.argmax(utility / p.choice_noise + gumbel, axis=1)
    adaptive = w.gp_policy == ADAPTIVE
    w.gp_stance = np.where(adaptive & reconsider, chosen, w.gp_stance).astype(np.int8)
    stance_hostility = np.zeros_like(w.hostility)
    stance_hostility[np.arange(w.n_great), leader] = HOSTILITY[w.gp_stance]
    fixed_rows = ~adaptive
    stance_hostility[fixed_rows] = np.maximum(stance_hostility[fixed_rows],
                                              w.base_hostility[fixed_rows])
    w.hostility = np.maximum(stance_hostility, stance_hostility.T)
    np.fill_diagonal(w.hostility, 0.0)

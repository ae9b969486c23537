"""Great powers: the Mesa agent users see, and how a great power chooses its stance.

Toward the leading other power a great power balances (arms, stands against it), bandwagons
(aligns with it) or hedges, as middle powers such as India do (Waltz 1979; Tessman 2012).
"""

from __future__ import annotations

import numpy as np

from agents.state import StateAgent
from model.codes import Strategy
from model.compiled import compiled
from model.world import State, clip
from scenarios.params import Coefficients
from scenarios.schema import ADAPTIVE

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
        return f"GreatPower({self.name}, {self.stance})"


@compiled
def choose_stance(w: State, p: Coefficients, gumbel: np.ndarray, reconsider: np.ndarray) -> None:
    """Adaptive great powers choose a stance toward the strongest other power: the stronger and
    the more revisionist balance, the weak bandwagon, and a leader in decline invites hedging.
    The stance sets hostility, which tells small states who is whose rival."""
    g = w.gp_cap.shape[0]
    if g < 2:
        return
    leader = np.empty(g, dtype=np.int64)
    for i in range(g):  # the strongest other power (the first, if tied)
        leader[i] = 0 if i else 1
        for k in range(g):
            if k != i and w.gp_cap[k] > w.gp_cap[leader[i]]:
                leader[i] = k
    utility = np.empty(3)
    for i in range(g):
        if w.gp_policy[i] != ADAPTIVE or not reconsider[i]:
            continue
        ratio = min(w.gp_cap[i] / w.gp_cap[leader[i]], 1.0)
        decline = clip(-10.0 * w.gp_growth[leader[i]], 0.0, 1.0)
        utility[Strategy.BALANCE] = p.choice_w_strength * ratio + p.choice_w_aggression * w.revisionism[i]
        utility[Strategy.BANDWAGON] = p.choice_w_strength * (1.0 - ratio)
        utility[Strategy.HEDGE] = p.choice_w_decline * decline + p.choice_w_threat * 0.5
        top = -np.inf
        for k in range(3):
            score = utility[k] / p.choice_noise + gumbel[i, k]
            if score > top:
                top, w.gp_stance[i] = score, k
    stance = np.zeros_like(w.hostility)
    for i in range(g):
        stance[i, leader[i]] = HOSTILITY[w.gp_stance[i]]
        if w.gp_policy[i] != ADAPTIVE:
            for k in range(g):
                stance[i, k] = max(stance[i, k], w.base_hostility[i, k])
    for i in range(g):
        for k in range(g):
            w.hostility[i, k] = 0.0 if i == k else max(stance[i, k], stance[k, i])

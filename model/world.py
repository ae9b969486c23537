"""The world's state as arrays, so that a step is a handful of vectorised operations.

Axes: ``g`` great powers, ``s`` small states, ``c`` dependency channels (trade, energy, credit),
``p`` partners (the great powers first, then middle powers or blocs, then the rest of the
world). Pairwise arrays are indexed ``[s, g]``. The Mesa agents are views into these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from scenarios.schema import CHANNELS, STRATEGIES


class Strategy(IntEnum):
    """What a state is doing; for great powers, toward the leading other power."""

    BALANCE = 0
    BANDWAGON = 1
    HEDGE = 2


ADAPTIVE = -1  # policy code of a state that chooses its strategy each year


class EndCause(IntEnum):
    """How a small state's existence ended (Fazal 2007)."""

    NONE = 0
    CONQUERED = 1
    ABSORBED = 2


def clip(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """np.clip without its Python-level dispatch, which dominates a step on small worlds."""
    return np.minimum(np.maximum(x, low), high)


def policy_code(policy: str) -> int:
    return ADAPTIVE if policy == "adaptive" else STRATEGIES.index(policy)


@dataclass
class World:
    """Every state variable of the model (ODD: entities and state variables)."""

    start_year: int
    gp_names: list[str]
    names: list[str]
    partner_names: list[str]
    # great powers [g]
    gp_cap: np.ndarray
    gp_growth: np.ndarray
    revisionism: np.ndarray
    resolve: np.ndarray
    openness: np.ndarray
    gp_arming: np.ndarray
    gp_policy: np.ndarray
    gp_stance: np.ndarray
    hostility: np.ndarray  # [g, h] stance of g toward h
    # small states [s] and [s, g]
    focal: np.ndarray
    cap: np.ndarray
    growth: np.ndarray
    arming: np.ndarray
    policy: np.ndarray
    proximity: np.ndarray
    regime_fear: np.ndarray
    alignment: np.ndarray
    alliance: np.ndarray
    bases: np.ndarray
    assurance: np.ndarray
    binding: np.ndarray
    dependency: np.ndarray  # [s, c, p], each row sums to 1 (last partner is the rest of world)
    schedules: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    # dynamic state, initialised in __post_init__
    step: int = 0
    reach: np.ndarray | None = None  # proximity ** reach_decay, cached by mechanisms.reach

    def __post_init__(self) -> None:
        n, g = self.proximity.shape
        self.strategy = np.where(self.policy >= 0, self.policy, Strategy.HEDGE).astype(np.int8)
        self.orientation = np.zeros(n)
        self.alive = np.ones(n, dtype=bool)
        self.territory = np.ones(n)
        self.end_step = np.full(n, -1)
        self.end_cause = np.zeros(n, dtype=np.int8)
        self.threat = np.zeros((n, g))
        self.gp_threat = np.zeros((n, g))
        self.credibility = np.zeros((n, g))
        self.coercion_memory = np.zeros((n, g))
        self.drift = np.zeros((n, g))
        self.rival_gap = self.rival_alignment() - self.alignment
        self.concessions = np.zeros(n)
        self.welfare = np.ones(n)
        self.autonomy = np.ones(n)
        self.wars = np.zeros(n, dtype=np.int32)
        self.coercions = np.zeros(n, dtype=np.int32)
        self.first_war_step = np.full(n, -1)
        self.at_war = np.zeros((n, g), dtype=bool)
        self.coerced = np.zeros((n, g), dtype=bool)
        self.base_hostility = self.hostility.copy()
        self.autonomy_sum = np.zeros(n)

    @property
    def n_small(self) -> int:
        return len(self.names)

    @property
    def n_great(self) -> int:
        return len(self.gp_names)

    @property
    def year(self) -> int:
        return self.start_year + self.step

    def rival_alignment(self) -> np.ndarray:
        """[s, g]: how far each small state is aligned with the rivals of each great power."""
        return clip(self.alignment @ self.hostility.T, 0.0, 1.0)


def _per(entity: dict, name: str, keys: list[str]) -> list[float]:
    values = entity.get(name, {})
    return [float(values.get(k, 0.0)) for k in keys]


def build_world(scenario) -> World:
    """Arrays from a concrete scenario (a generic scenario is drawn before it comes here)."""
    gps, states = scenario.great_powers, scenario.small_states
    gp_names = [gp["name"] for gp in gps]
    partners = [*gp_names, *scenario.partners, "rest of world"]
    def gp_attr(key: str) -> np.ndarray:
        return np.array([float(gp[key]) for gp in gps])

    def state_attr(key: str) -> np.ndarray:
        return np.array([float(s[key]) for s in states])

    def pair(key: str) -> np.ndarray:
        return np.array([_per(s, key, gp_names) for s in states]).reshape(len(states), len(gps))

    dependency = np.zeros((len(states), len(CHANNELS), len(partners)))
    for i, s in enumerate(states):
        for c, channel in enumerate(CHANNELS):
            shares = _per(s, channel, partners[:-1])
            dependency[i, c, :-1] = shares
            dependency[i, c, -1] = 1.0 - sum(shares)
    hostility = np.array([_per(gp, "hostility", gp_names) for gp in gps])
    hostility = np.maximum(hostility, hostility.T)
    return World(
        start_year=scenario.start_year,
        gp_names=gp_names,
        names=[s["name"] for s in states],
        partner_names=partners,
        gp_cap=gp_attr("capability"),
        gp_growth=gp_attr("growth"),
        revisionism=gp_attr("revisionism"),
        resolve=gp_attr("resolve"),
        openness=gp_attr("openness"),
        gp_arming=gp_attr("arming"),
        gp_policy=np.array([policy_code(gp["stance"]) for gp in gps]),
        gp_stance=np.array([max(policy_code(gp["stance"]), 0) for gp in gps], dtype=np.int8),
        hostility=hostility,
        focal=np.array([bool(s["focal"]) for s in states]),
        cap=state_attr("capability"),
        growth=state_attr("growth"),
        arming=state_attr("arming"),
        policy=np.array([policy_code(s["strategy"]) for s in states]),
        proximity=pair("proximity"),
        regime_fear=pair("regime_fear"),
        alignment=pair("alignment"),
        alliance=pair("alliance"),
        bases=pair("bases"),
        assurance=pair("assurance"),
        binding=pair("binding"),
        dependency=dependency,
        schedules={i: [(int(e["from"]), STRATEGIES.index(e["strategy"])) for e in s["schedule"]]
                   for i, s in enumerate(states) if s.get("schedule")},
    )

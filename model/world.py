"""The world's state as arrays, so that a year is a handful of compiled array operations.

Axes: ``g`` great powers, ``s`` small states, ``c`` dependency channels (trade, energy, credit),
``p`` partners (the great powers first, then middle powers or blocs, then the rest of the
world). Pairwise arrays are indexed ``[s, g]``. ``State`` holds every state variable; the
compiled step (model/model.py) updates its arrays in place, and the Mesa agents are views on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from hedgesim.model.codes import Strategy
from hedgesim.model.compiled import compiled, compiled_exact
from hedgesim.scenarios.schema import CHANNELS, PAIRS, STRATEGIES, Entities, policy_code


class State(NamedTuple):
    """Every state variable of the model (ODD: entities and state variables). The arrays keep
    their identity for the whole run: mechanisms update them in place."""

    # great powers [g]
    gp_cap: np.ndarray  # capability (share of world capability, COW CINC)
    gp_growth: np.ndarray  # yearly log growth of capability
    revisionism: np.ndarray  # how aggressive its intentions are, in [0, 1]
    resolve: np.ndarray  # will to honour its guarantees
    openness: np.ndarray  # willingness to take on clients
    gp_arming: np.ndarray  # offensive capability
    gp_policy: np.ndarray  # fixed stance code, or ADAPTIVE
    gp_stance: np.ndarray  # current stance (Strategy) toward the leading other power
    hostility: np.ndarray  # [g, h] rivalry of g and h, symmetric
    base_hostility: np.ndarray  # [g, h] the scenario's rivalries, which fixed stances keep
    # small states [s]
    focal: np.ndarray
    cap: np.ndarray  # capability
    growth: np.ndarray
    arming: np.ndarray  # instrument: arming above (> 0.5) or below the norm
    policy: np.ndarray  # fixed strategy code, or ADAPTIVE
    strategy: np.ndarray  # current strategy (Strategy)
    orientation: np.ndarray  # the government's own tilt between the powers
    alive: np.ndarray
    territory: np.ndarray  # share of the initial territory still held
    end_step: np.ndarray  # step in which the state ended, or -1
    end_cause: np.ndarray  # EndCause
    concessions: np.ndarray  # autonomy conceded under coercion, in [0, 1]
    welfare: np.ndarray
    autonomy: np.ndarray
    autonomy_sum: np.ndarray
    constraint_sum: np.ndarray  # [s, 4] autonomy's parts summed over the years (autonomy_parts)
    wars: np.ndarray  # wars fought
    coercions: np.ndarray  # years with a coercion episode
    first_war_step: np.ndarray
    # small state and great power [s, g]
    proximity: np.ndarray  # geography (1 = shared border)
    reach: np.ndarray  # proximity ** reach_decay: share of a power's strength that arrives
    regime_fear: np.ndarray  # domestic fear of a power (regime change)
    alignment: np.ndarray  # instrument: political alignment
    alliance: np.ndarray  # instrument: formal alliance
    bases: np.ndarray  # instrument: foreign bases hosted
    assurance: np.ndarray  # instrument: assurance signalled
    binding: np.ndarray  # instrument: institutional enmeshment of the power
    threat: np.ndarray  # the state's threat perception of each power
    gp_threat: np.ndarray  # each power's threat perception of the state
    credibility: np.ndarray  # credibility of the power's guarantee to the state now
    coercion_memory: np.ndarray
    drift: np.ndarray  # the power's memory of the state's moves toward its rivals
    rival_gap: np.ndarray  # last year's alignment with the power's rivals, less with the power
    at_war: np.ndarray
    coerced: np.ndarray
    war_chance: np.ndarray  # this year's chance that the power attacks the state (war_onset)
    war_starts: np.ndarray  # wars the power has started against the state (fight_war)
    coercion_chance: np.ndarray  # this year's chance that the power coerces the state (coercion)
    grievance: np.ndarray  # the power's memory of its disputes with the state (remember_disputes)
    # small state, channel, partner [s, c, p]; each [s, c] row sums to 1
    dependency: np.ndarray


@dataclass
class World:
    """Who is who (names, the start year, histories to follow) and the ``State``; reading a
    state variable of the world reads it from the state."""

    start_year: int
    gp_names: list[str]
    names: list[str]
    partner_names: list[str]
    state: State
    schedules: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    step: int = 0

    if TYPE_CHECKING:  # each state variable is a property (``_state_variable``)
        def __getattr__(self, name: str) -> np.ndarray: ...

    @property
    def n_small(self) -> int:
        return len(self.names)

    @property
    def n_great(self) -> int:
        return len(self.gp_names)

    @property
    def year(self) -> int:
        return self.start_year + self.step


def _state_variable(name: str) -> property:
    """``World.<name>``: the State's array, read as an attribute (a property, not a lookup that
    fails first: records read a dozen a run). It cannot be rebound: mechanisms update the
    arrays in place, and the agents are views on them."""
    def refuse(world: World, value: Any) -> None:
        raise AttributeError(f"World.{name} is an array of its State: update it in place")

    return property(attrgetter(f"state.{name}"), refuse)


for _name in State._fields:
    setattr(World, _name, _state_variable(_name))


@compiled
def clip(x, low, high):
    """np.clip, which numba compiles only for arrays; this works on scalars too."""
    return np.minimum(np.maximum(x, low), high)


# Reductions of one short row, written as loops: numba's array methods cost more than the
# arithmetic on a row of ten, and the step takes thousands of them.


@compiled
def largest(x: np.ndarray) -> float:
    out = x[0]
    for v in x[1:]:
        out = max(out, v)
    return out


@compiled
def leading(x: np.ndarray) -> int:
    """Index of the largest entry (the first, if tied), as np.argmax."""
    out = 0
    for k in range(1, x.shape[0]):
        if x[k] > x[out]:
            out = k
    return out


@compiled
def total(x: np.ndarray) -> float:
    out = 0.0
    for v in x:
        out += v
    return out


@compiled
def row_max(x: np.ndarray) -> np.ndarray:
    """Maximum of each row (0 for an empty row)."""
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        if x.shape[1]:
            out[i] = largest(x[i])
    return out


@compiled
def rival_sum(x: np.ndarray, hostility: np.ndarray) -> np.ndarray:
    """[s, g]: ``x`` [s, h] summed over the rivals h of each great power g, weighted by their
    rivalry: ``x @ hostility`` (rivalry is symmetric). Great powers settle into few rivalries,
    about one each, and then a loop over the rival pairs costs less than the matrix product's
    call; with more, the product (BLAS) is faster."""
    n, g = x.shape[0], hostility.shape[1]
    pairs = 0
    for h in range(hostility.shape[0]):
        for j in range(g):
            pairs += hostility[h, j] != 0.0
    if pairs > g:
        return x @ hostility
    out = np.zeros((n, g))
    for h in range(hostility.shape[0]):
        for j in range(g):
            weight = hostility[h, j]
            if weight != 0.0:
                for i in range(n):
                    out[i, j] += weight * x[i, h]
    return out


@compiled
def clip_unit(x: np.ndarray) -> np.ndarray:
    """``x`` clipped to [0, 1] in place (an array ``clip`` would allocate two more), returned."""
    flat = x.reshape(x.size)
    for k in range(flat.size):
        flat[k] = min(max(flat[k], 0.0), 1.0)
    return x


@compiled
def rival_alignment(w: State) -> np.ndarray:
    """[s, g]: how far each small state is aligned with the rivals of each great power."""
    return clip_unit(rival_sum(w.alignment, w.hostility))


@compiled_exact
def rest_of_world(dependency: np.ndarray) -> np.ndarray:
    """A copy of ``dependency`` [s, c, p] whose last partner, the rest of the world, takes
    what the named ones leave in each channel: 1 minus their sum, added as Python's ``sum``
    adds floats (Neumaier's compensated sum, as CPython 3.12 does), so that a world drawn into
    arrays and the same world read from its tables are equal to the bit."""
    out = dependency.copy()
    n, channels, k = dependency.shape
    for i in range(n):
        for c in range(channels):
            total, compensation = 0.0, 0.0
            if k > 1:
                total = dependency[i, c, 0]
            for q in range(1, k - 1):
                x = dependency[i, c, q]
                t = total + x
                if abs(total) >= abs(x):
                    compensation += (total - t) + x
                else:
                    compensation += (x - t) + total
                total = t
            if compensation != 0.0 and math.isfinite(compensation):
                total += compensation
            out[i, c, k - 1] = 1.0 - total
    return out


def _per(entity: dict, name: str, keys: list[str]) -> list[float]:
    values = entity.get(name, {})
    return [float(values.get(k, 0.0)) for k in keys]


def entities(scenario) -> Entities:
    """The arrays of a concrete scenario's entity tables."""
    gps, states = scenario.great_powers, scenario.small_states
    gp_names = [gp["name"] for gp in gps]
    partners = [*gp_names, *scenario.partners, "rest of world"]
    n, g = len(states), len(gps)
    dependency = np.zeros((n, len(CHANNELS), len(partners)))
    for i, s in enumerate(states):
        for c, channel in enumerate(CHANNELS):
            dependency[i, c, :-1] = _per(s, channel, partners[:-1])
    return Entities(
        gp_names=gp_names, names=[s["name"] for s in states], partners=partners,
        gp={**{k: np.array([float(gp[k]) for gp in gps])
               for k in ("capability", "growth", "revisionism", "resolve", "openness", "arming")},
            "policy": np.array([policy_code(gp["stance"]) for gp in gps], dtype=np.int64)},
        hostility=np.array([_per(gp, "hostility", gp_names) for gp in gps]).reshape(g, g),
        small={**{k: np.array([float(s[k]) for s in states])
                  for k in ("capability", "growth", "arming")},
               "focal": np.array([bool(s["focal"]) for s in states], dtype=np.bool_),
               "policy": np.array([policy_code(s["strategy"]) for s in states], dtype=np.int64)},
        pair={k: np.array([_per(s, k, gp_names) for s in states]).reshape(n, g) for k in PAIRS},
        dependency=dependency,
        schedules={i: [(int(e["from"]), STRATEGIES.index(e["strategy"])) for e in s["schedule"]]
                   for i, s in enumerate(states) if s.get("schedule")})


def build_world(scenario, drawn: Entities | None = None) -> World:
    """The world of a scenario (its entity tables, or ``drawn`` entities: a generic draw, or
    the tables' arrays made once by the caller), with the dtypes the compiled step is built for.
    The world owns its arrays: ``drawn`` is copied, never changed, so it can seed many runs."""
    e = drawn if drawn is not None else entities(scenario)
    n, g = len(e.names), len(e.gp_names)
    hostility = np.maximum(e.hostility, e.hostility.T)
    gp, small, pair = ({k: v.copy() for k, v in part.items()} for part in (e.gp, e.small, e.pair))

    policy = small["policy"]

    def zeros(dtype: type = np.float64) -> np.ndarray:
        return np.zeros((n, g), dtype=dtype)

    state = State(
        gp_cap=gp["capability"], gp_growth=gp["growth"],
        revisionism=gp["revisionism"], resolve=gp["resolve"],
        openness=gp["openness"], gp_arming=gp["arming"],
        gp_policy=gp["policy"], gp_stance=np.maximum(gp["policy"], 0).astype(np.int8),
        hostility=hostility, base_hostility=hostility.copy(),
        focal=small["focal"], cap=small["capability"], growth=small["growth"],
        arming=small["arming"],
        policy=policy, strategy=np.where(policy >= 0, policy, Strategy.HEDGE).astype(np.int8),
        orientation=np.zeros(n), alive=np.ones(n, dtype=np.bool_), territory=np.ones(n),
        end_step=np.full(n, -1, dtype=np.int64), end_cause=np.zeros(n, dtype=np.int8),
        concessions=np.zeros(n), welfare=np.ones(n), autonomy=np.ones(n),
        autonomy_sum=np.zeros(n), constraint_sum=np.zeros((n, 4)), wars=np.zeros(n, dtype=np.int64),
        coercions=np.zeros(n, dtype=np.int64), first_war_step=np.full(n, -1, dtype=np.int64),
        proximity=pair["proximity"],
        reach=pair["proximity"] ** scenario.params["reach_decay"],
        regime_fear=pair["regime_fear"], alignment=pair["alignment"],
        alliance=pair["alliance"], bases=pair["bases"], assurance=pair["assurance"],
        binding=pair["binding"],
        threat=zeros(), gp_threat=zeros(), credibility=zeros(), coercion_memory=zeros(),
        drift=zeros(), rival_gap=zeros(), at_war=zeros(np.bool_), coerced=zeros(np.bool_),
        war_chance=zeros(), coercion_chance=zeros(), war_starts=zeros(np.int64),
        grievance=pair["grievance"],
        dependency=rest_of_world(e.dependency),
    )
    return World(start_year=scenario.start_year, gp_names=e.gp_names, names=e.names,
                 partner_names=e.partners, state=state, schedules=e.schedules)

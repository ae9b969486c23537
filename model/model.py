"""HedgeModel: the Mesa model and its yearly schedule (ODD: process overview and scheduling)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import mesa
import numpy as np

from hedgesim.model import mechanisms as m
from hedgesim.model.agents import (
    GreatPower,
    SmallState,
    adopt_instruments,
    choose_stance,
    decide,
    gumbel,
    threat_and_rival,
)
from hedgesim.model.compiled import borrowed, cache_dir, compiled, entry_point
from hedgesim.model.records import model_row, year_table, yearly_collector
from hedgesim.model.world import State, World, build_world, rival_alignment
from hedgesim.scenarios.loader import Scenario, draw_generic_entities, load_scenario
from hedgesim.scenarios.params import Coefficients, Params

DRAW_CHUNK = 1 << 21  # uniforms drawn at once at most (24 MB with their bits), unless one year needs more


@compiled
def midpoints(bits: np.ndarray) -> np.ndarray:
    """Uniforms in (0, 1) from 32 random bits each: the midpoints of 2^32 equal cells."""
    out = np.empty(bits.shape[0])
    for k in range(bits.shape[0]):
        out[k] = (bits[k] + 0.5) * 2.0 ** -32
    return out


def streams(rng: np.random.Generator | np.random.SeedSequence | int | None, first: int = 0
            ) -> list[np.random.Generator]:
    """The world's and the years' random streams, the same as
    ``np.random.default_rng(rng).spawn(2)``, from the ``first`` on (1: the years' alone, all a
    concrete world needs). Only the streams asked for are made, and no parent when ``rng`` is
    an int: child k of ``SeedSequence(rng)`` is ``SeedSequence(rng, spawn_key=(k,))``, as
    ``SeedSequence.spawn`` makes it. Each SeedSequence costs tens of µs, and a concrete
    world's run takes under half a millisecond."""
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return [np.random.Generator(np.random.PCG64(np.random.SeedSequence(rng, spawn_key=(k,))))
                for k in range(first, 2)]
    if isinstance(rng, np.random.Generator):  # as Generator.spawn makes its children
        bits = rng.bit_generator
        return [np.random.Generator(type(bits)(s)) for s in bits.seed_seq.spawn(2)[first:]]
    seeds = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)
    return [np.random.Generator(np.random.PCG64(s)) for s in seeds.spawn(2)[first:]]


def uniforms(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` uniform draws, two from each 64-bit output of ``rng``'s bit generator: half the
    cost of ``rng.random``'s 53-bit draws, which were the largest single cost of a year. A chance
    is realised to within 2.3e-10, which matters only for chances below about 1e-8 a year."""
    return midpoints(rng.bit_generator.random_raw((size + 1) // 2).view(np.uint32))[:size]


# The year's random draws, in the order they are cut from its row of uniforms: each one's name
# and shape ("s": one per small state, "g": one per great power). The row's size and each draw's
# slice follow from this table; a new draw is a line appended at the end (one put anywhere else
# would move the numbers of every draw after it, and so every seed's run).
DRAWS: tuple[tuple[str, tuple[int | str, ...]], ...] = (
    ("u", (3, "s", "g")),  # abandonment, coercion (then concession), war onset (then allies joining)
    ("v", (5, "s")),  # turnover, review, war won, state ended, absorption
    ("noise", ("s", 3)),  # the small states' choice noise (agents.gumbel)
    ("gp_review", ("g",)),  # the great powers' review
    ("gp_gumbel", ("g", 3)),  # the great powers' choice noise, made Gumbel
    ("tilt", (2, "s")),  # a new government's tilt (mechanisms.normal_tilt)
    ("order", ("s",)),  # the activation order, ranked: random, or the states' own when all move at once
)
# Each draw's size as count · n^a · g^b for n small states and g great powers: (count, a, b).
DRAW_TERMS = tuple((int(np.prod([d for d in shape if isinstance(d, int)])), shape.count("s"),
                    shape.count("g")) for _, shape in DRAWS)


class Draws(NamedTuple):
    """A year's random numbers (``DRAWS``), all cut from one row of uniforms (``year_draws``).
    They are drawn in full whatever the states do, so strategy arms run on the same seed see the
    same events (common random numbers). A draw that decides an event also decides what follows
    from it (``mechanisms.recycled``)."""

    u: np.ndarray
    v: np.ndarray
    noise: np.ndarray
    gp_review: np.ndarray
    gp_gumbel: np.ndarray
    tilt: np.ndarray
    order: np.ndarray


@compiled
def draw_starts(n: int, g: int) -> np.ndarray:
    """Where each of ``DRAWS`` starts in the year's row, and (last) where the row ends."""
    starts = np.zeros(len(DRAW_TERMS) + 1, np.int64)
    for k in range(len(DRAW_TERMS)):
        count, a, b = DRAW_TERMS[k]
        starts[k + 1] = starts[k] + count * n ** a * g ** b
    return starts


def year_size(n: int, g: int) -> int:
    """How many uniforms a year of ``n`` small states and ``g`` great powers draws: an even
    number, so that drawing T years at once gives the same numbers as drawing them one by one."""
    size = sum(count * n ** a * g ** b for count, a, b in DRAW_TERMS)
    return size + size % 2


@compiled
def year_draws(u: np.ndarray, n: int, g: int, shuffle: bool) -> Draws:
    """The year's ``Draws`` from its row of uniforms, as ``DRAWS`` lays them out: the order is
    the ranking of n uniforms (a uniformly random permutation), the great powers' choice noise
    Gumbel (``gumbel``); a tilt is made standard normal only where a new government takes office
    (``domestic_turnover``). Views on the row, not copies: nothing writes to a draw."""
    at = draw_starts(n, g)
    order = np.argsort(u[at[6]:at[7]]) if shuffle else np.arange(n)
    return Draws(u[at[0]:at[1]].reshape(3, n, g), u[at[1]:at[2]].reshape(5, n),
                 u[at[2]:at[3]].reshape(n, 3), u[at[3]:at[4]], gumbel(u[at[4]:at[5]].reshape(g, 3)),
                 u[at[5]:at[6]].reshape(2, n), order)


@compiled
def perceive(w: State, p: Coefficients) -> None:
    """Threats each way and the autonomy they leave, as seen at the start of a run, and each
    state's alignment with every power's rivals, from which its first drift is measured."""
    rival_align = rival_alignment(w)
    w.rival_gap[:] = rival_align - w.alignment
    w.threat[:] = m.threat_perception(w, p)
    w.gp_threat[:] = m.alignment_threat(w, p, rival_align)
    w.autonomy[:] = m.autonomy(w, m.autonomy_parts(w, p, m.leverage(w, p, m.dependency_on(w, p))))


@compiled
def advance(w: State, p: Coefficients, d: Draws, step: int, groups: np.ndarray) -> int:
    """One year (ODD: process overview and scheduling): powers shift and choose stances; small
    states perceive threats, choose and move their instruments, group after group (``groups``
    cuts ``d.order`` into the groups that move one after another); great powers read alignments;
    guarantees are tested; coercion and war happen; outcomes are booked. Returns the number of
    war onsets."""
    m.power_shift(w, p)
    choose_stance(w, p, d.gp_gumbel, d.gp_review < p.reconsider_rate)
    w.threat[:] = m.threat_perception(w, p)
    threats, rival_ws = threat_and_rival(w)
    reconsider = m.domestic_turnover(w, p, d.v[0], d.tilt)
    for i in range(reconsider.shape[0]):
        reconsider[i] = reconsider[i] or d.v[1, i] < p.reconsider_rate
    for k in range(len(groups) - 1):
        group = d.order[groups[k]:groups[k + 1]]
        decide(w, p, group, reconsider, d.noise, threats, rival_ws)
        adopt_instruments(w, p, group, threats, rival_ws)
    m.follow_patron(w, p)

    rival_align = rival_alignment(w)
    m.perceive_drift(w, p, rival_align)
    w.gp_threat[:] = m.alignment_threat(w, p, rival_align)
    m.credible_guarantees(w, p, d.u[0])
    dep = m.dependency_on(w, p)
    lev, cost = m.leverage(w, p, dep), m.restraint(w, p, dep)
    motive = m.war_motive(w, p)
    odds = m.war_odds(w, m.expected_support(w, w.credibility))
    history = m.dispute_propensity(w, p)
    m.coercion(w, p, motive, odds, cost, lev, history, d.u[1])
    hazard = m.war_hazard(p, motive, odds, cost, history)
    attacker = m.war_onset(w, hazard, d.u[2])
    m.fight_war(w, p, step, attacker, w.credibility, hazard, d.u[2], d.v[2], d.v[3])
    m.remember_disputes(w, p)

    parts = m.autonomy_parts(w, p, lev)
    w.autonomy[:] = m.autonomy(w, parts)
    m.absorption(w, p, step, lev, d.v[4])
    m.welfare(w, p, lev)
    m.recover(w, p)
    onsets = 0
    for i in range(attacker.shape[0]):
        w.autonomy_sum[i] += w.autonomy[i]
        for k in range(parts.shape[1]):
            w.constraint_sum[i, k] += parts[i, k]
        onsets += attacker[i] >= 0
    return onsets


@compiled
def follow_schedule(w: State, schedule: np.ndarray, year: int) -> None:
    """States with a history to follow take the strategy their schedule gives for ``year``
    (``schedule`` rows: state, first year, strategy; in order of first year within a state)."""
    for r in range(schedule.shape[0]):
        if year >= schedule[r, 1]:
            w.strategy[schedule[r, 0]] = schedule[r, 2]


@compiled
def run_years(w: State, p: Coefficients, draws: np.ndarray, first: int, start_year: int,
              groups: np.ndarray, shuffle: bool, schedule: np.ndarray) -> tuple[int, int]:
    """Years ``first``, ``first + 1``, ... one per row of ``draws``, until the rows run out or no
    small state is left: the whole horizon in one compiled call (the engine's batch path) or
    one year (a Mesa step). Returns the war onsets and the years run."""
    w, p = borrowed(w), borrowed(p)  # held by the caller throughout
    n, g = w.reach.shape
    onsets, years = 0, 0
    for t in range(draws.shape[0]):
        follow_schedule(w, schedule, start_year + first + t)
        onsets += advance(w, p, year_draws(draws[t], n, g, shuffle), first + t, groups)
        years += 1
        if not w.alive.any():
            break
    return onsets, years


class Snapshot(NamedTuple):
    """A ``Simulation`` as one year left it (``Simulation.snapshot``)."""

    arrays: tuple[np.ndarray, ...]
    step: int
    events: dict[str, Any]
    war_onsets: int


class Simulation:
    """The model without Mesa's objects: a world, its coefficients and its random stream. The
    engine runs it for whole horizons at once; ``HedgeModel`` steps it a year at a time for the
    page and the Python API. Both call ``run_years``, so a seed gives the same outcomes either way.

    All randomness comes from ``rng`` (an int, a ``SeedSequence`` or a ``Generator``, as Mesa
    takes it): the world of a generic scenario is drawn from one child stream, the yearly events
    from another, and every year draws the same random numbers whatever the states do, so
    strategy arms run on the same seed are paired (common random numbers). ``replicate`` starts
    the same setting on another seed.
    """

    def __init__(self, scenario: Scenario | str = "generic", *, strategy: str | None = None,
                 overrides: Mapping[str, Any] | None = None, steps: int | None = None,
                 rng: np.random.Generator | np.random.SeedSequence | int | None = 0) -> None:
        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        if overrides:
            scenario = scenario.with_overrides(dict(overrides))
        self.spec = scenario.with_strategy(strategy)
        self.params = self.spec.params
        self.horizon = steps if steps is not None else self.spec.steps
        self.coefs = self.params.coefficients()
        # compiled entry points by function, found at first use and shared with replicates,
        # whose arguments have the same types (``entry_point``)
        self.entries: dict[Callable, Callable] = {}
        self._begin(rng)
        self.groups = activation_groups(self.params, self.world.n_small)
        self.shuffle = len(self.groups) > 2  # the order matters only between groups

    def _begin(self, rng: np.random.Generator | np.random.SeedSequence | int | None) -> None:
        """The world at its start on the seed ``rng``: drawn (a generic world, straight into
        arrays: its tables are ``Scenario.concretise``) or built from the scenario's tables."""
        drawn = None
        if self.spec.generic:
            world_rng, self.events = streams(rng)
            drawn = draw_generic_entities(self.spec, world_rng)
        else:
            self.events = streams(rng, 1)[0]
        self.world: World = build_world(self.spec, drawn)
        self.schedule = np.array([(i, start, strategy) for i, entries in self.world.schedules.items()
                                  for start, strategy in entries], dtype=np.int64).reshape(-1, 3)
        self.war_onsets = 0
        self.call(perceive, self.world.state, self.coefs)

    def call(self, function: Callable, *args: Any) -> Any:
        """``function(*args)`` through its compiled entry point (``entry_point``), found once
        for this simulation and its replicates: numba's dispatch would type the State's 45
        arrays at every call, tens of µs each, which a sweep's short runs feel."""
        entry = self.entries.get(function)
        if entry is None:
            entry = self.entries[function] = entry_point(function, *args)
        return entry(*args)

    def replicate(self, rng: np.random.Generator | np.random.SeedSequence | int | None
                  ) -> Simulation:
        """The same setting from its start on the seed ``rng``, as ``Simulation(scenario,
        rng=rng)`` would make it: a generic world drawn afresh, a concrete one copied from this
        simulation's (which must not have started), so that a thousand seeds build it once."""
        if self.world.step and not self.spec.generic:
            raise ValueError("only a simulation that has not started can be replicated")
        twin = copy.copy(self)
        if self.spec.generic:
            twin._begin(rng)
            return twin
        twin.events = streams(rng, 1)[0]
        twin.world = copy.copy(self.world)
        twin.world.state = State._make([a.copy() for a in self.world.state])
        return twin

    def snapshot(self) -> Snapshot:
        """Everything a year leaves behind: the state's arrays, the year reached, the random
        stream's position and the onsets so far. ``restore`` puts it back, so that a run can be
        stepped back and run on again to the same years (the page's time slider)."""
        return Snapshot(tuple(a.copy() for a in self.world.state), self.world.step,
                        self.events.bit_generator.state, self.war_onsets)

    def restore(self, snap: Snapshot) -> None:
        """Return to ``snap``, copying into the state's own arrays (they keep their identity:
        the agents are views on them)."""
        for mine, saved in zip(self.world.state, snap.arrays, strict=True):
            np.copyto(mine, saved)
        self.world.step = snap.step
        self.events.bit_generator.state = snap.events
        self.war_onsets = snap.war_onsets

    @property
    def running(self) -> bool:
        return self.world.step < self.horizon and bool(self.world.alive.any())

    def advance(self, years: int) -> None:
        """Run up to ``years`` more years (fewer at the horizon or once no state is left)."""
        w = self.world
        years = min(years, self.horizon - w.step)
        if years <= 0 or not w.alive.any():
            return
        size = year_size(w.n_small, w.n_great)
        # a few years' draws at a time, so memory does not grow with the horizon; a year's
        # size is even, so the numbers are those of drawing every year at once
        chunk = max(1, DRAW_CHUNK // size)
        while years > 0:
            k = min(years, chunk)
            draws = uniforms(self.events, k * size).reshape(k, size)
            onsets, done = self.call(run_years, w.state, self.coefs, draws, w.step, w.start_year,
                                     self.groups, self.shuffle, self.schedule)
            self.war_onsets += onsets
            w.step += done
            years = 0 if done < k else years - k
            del draws  # before the next chunk is drawn: one chunk in memory at a time

    def run(self) -> Simulation:
        """Run to the horizon (or until no small state is left), in one compiled call."""
        self.advance(self.horizon)
        return self

    @property
    def polarity(self) -> float:
        return float(self.call(m.polarity, self.world.state))


class HedgeModel(mesa.Model):
    """Small states choosing to balance, bandwagon or hedge between rival great powers.

    One step is one year of a ``Simulation``; the agents are views on its world's arrays, and
    ``datacollector`` (Mesa's DataCollector) keeps the yearly series of ``model.records``, so
    ``mesa.batch_run(HedgeModel, parameters=...)`` works as for any Mesa model. ``rng`` is an
    int, a ``SeedSequence`` or a ``Generator``, as Mesa takes it.
    """

    def __init__(self, scenario: Scenario | str = "generic", *, strategy: str | None = None,
                 overrides: Mapping[str, Any] | None = None, steps: int | None = None,
                 rng: np.random.Generator | np.random.SeedSequence | int | None = 0,
                 collect: bool = True) -> None:
        super().__init__(rng=rng)
        self.sim = Simulation(scenario, strategy=strategy, overrides=overrides, steps=steps,
                              rng=self.rng)
        for g in range(self.world.n_great):
            GreatPower(self, g)
        for s in range(self.world.n_small):
            SmallState(self, s)
        self.great_powers = self.agents_by_type[GreatPower]
        self.small_states = self.agents_by_type[SmallState]
        self._year: tuple[int, dict, dict] | None = None
        self.datacollector = yearly_collector(self) if collect else None
        self.running = True
        self.collect()

    world = property(lambda self: self.sim.world)
    coefs = property(lambda self: self.sim.coefs)
    params = property(lambda self: self.sim.params)
    spec = property(lambda self: self.sim.spec)
    horizon = property(lambda self: self.sim.horizon)
    groups = property(lambda self: self.sim.groups)
    war_onsets = property(lambda self: self.sim.war_onsets)
    polarity = property(lambda self: self.sim.polarity)

    def step(self) -> None:
        """One year: great powers shift and choose stances, small states assess their threats,
        choose a strategy and move their instruments, then guarantees, coercion and war
        (``advance``); then the year is collected."""
        self.sim.advance(1)
        self.running = self.sim.running
        self.collect()

    def collect(self) -> None:
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def _this_year(self) -> tuple[int, dict, dict]:
        if self._year is None or self._year[0] != self.world.step:
            self._year = (self.world.step, model_row(self.world, self.polarity),
                          year_table(self.sim))
        return self._year

    def year_row(self) -> dict[str, float]:
        """This year's world aggregates (``model.records.model_row``), computed once a year."""
        return self._this_year()[1]

    def year_table(self) -> dict[str, np.ndarray]:
        """This year's per-state columns (``model.records.year_table``), computed once a year."""
        return self._this_year()[2]

    def run(self) -> HedgeModel:
        """Run to the horizon (or until no small state is left)."""
        while self.running:
            self.step()
        return self


def activation_groups(params: Params, n: int) -> np.ndarray:
    """Bounds of the groups the year's random order is cut into (as np.array_split cuts it):
    everyone at once under synchronous activation, else up to ``activation_groups`` groups that
    move one after another, each seeing the moves of the groups before it."""
    k = 1 if params.activation == "synchronous" else max(min(params.activation_groups, n), 1)
    sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    return np.cumsum([0, *sizes])


def warm_up() -> Path:
    """Compile the year now, or load it from the cache, rather than in the first run (``make
    setup``, the page's server and the sweep's worker server call it). Returns the cache
    folder."""
    HedgeModel("generic", steps=1, overrides={"generic.n_small": 3}).run()
    return cache_dir()

"""HedgeModel: the Mesa model and its yearly schedule (ODD: process overview and scheduling)."""

from __future__ import annotations

import ctypes
from collections.abc import Mapping
from typing import Any, NamedTuple

import mesa
import numpy as np

from agents.great_power import GreatPower, choose_stance
from agents.small_state import SmallState, adopt_instruments, decide, scheduled_strategy, threat_and_rival
from model import mechanisms as m
from model.compiled import compiled, entry_point
from model.world import State, World, build_world, rival_alignment
from scenarios.loader import Scenario, load_scenario
from scenarios.params import Coefficients, Params


def keep_freed_arrays() -> None:
    """A year allocates arrays of [states, powers]. glibc gives freed blocks above 128 kB back to
    the system and the next year faults them in again page by page, which made a world of 10,000
    states cost nearly twice as much per state as one of 1,000; keep such blocks (up to 32 MB) in
    the heap instead. Elsewhere than glibc nothing changes."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
    libc.mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD: freed heap kept before it is given back


keep_freed_arrays()


@compiled
def midpoints(bits: np.ndarray) -> np.ndarray:
    """Uniforms in (0, 1) from 32 random bits each: the midpoints of 2^32 equal cells."""
    out = np.empty(bits.shape[0])
    for k in range(bits.shape[0]):
        out[k] = (bits[k] + 0.5) * 2.0 ** -32
    return out


def uniforms(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` uniform draws, two from each 64-bit output of ``rng``'s bit generator: half the
    cost of ``rng.random``'s 53-bit draws, which were the largest single cost of a year. A chance
    is realised to within 2.3e-10, which matters only for chances below about 1e-8 a year."""
    return midpoints(rng.bit_generator.random_raw((size + 1) // 2).view(np.uint32))[:size]


class Draws(NamedTuple):
    """A year's random numbers. They are drawn in full whatever the states do, so strategy arms
    run on the same seed see the same events (common random numbers). A draw that decides an
    event also decides what follows from it (``mechanisms.recycled``)."""

    u: np.ndarray  # [3, s, g] abandonment, coercion (then concession), war onset (then allies joining)
    v: np.ndarray  # [5, s] turnover, review, war won, state ended, absorption
    noise: np.ndarray  # [s, 3] uniforms for the small states' choice noise (agents.small_state.gumbel)
    gp_review: np.ndarray  # [g] great powers' review
    gp_gumbel: np.ndarray  # [g, 3] great powers' choice noise
    order: np.ndarray  # [s] activation order: random, or the states' own when all move at once
    tilt: np.ndarray  # [s] a new government's tilt

    @classmethod
    def of_year(cls, rng: np.random.Generator, n: int, g: int, shuffle: bool) -> Draws:
        pairs, states = 3 * n * g, 8 * n
        u = uniforms(rng, pairs + states + g)
        return cls(u[:pairs].reshape(3, n, g), u[pairs:pairs + 5 * n].reshape(5, n),
                   u[pairs + 5 * n:pairs + states].reshape(n, 3), u[pairs + states:],
                   rng.gumbel(size=(g, 3)), rng.permutation(n) if shuffle else np.arange(n),
                   rng.standard_normal(n))


@compiled
def perceive(w: State, p: Coefficients) -> None:
    """Threats each way and the autonomy they leave, as seen at the start of a run."""
    w.threat[:] = m.threat_perception(w, p)
    w.gp_threat[:] = m.alignment_threat(w, p, rival_alignment(w))
    w.autonomy[:] = m.autonomy(w, p, m.leverage(w, p, m.dependency_on(w, p)))


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
    reconsider = m.domestic_turnover(w, p, d.v[0], d.tilt) | (d.v[1] < p.reconsider_rate)
    for k in range(len(groups) - 1):
        group = d.order[groups[k]:groups[k + 1]]
        decide(w, p, group, reconsider, d.noise, threats, rival_ws)
        adopt_instruments(w, p, group, threats, rival_ws)
    m.follow_patron(w, p)

    rival_align = rival_alignment(w)
    m.perceive_drift(w, p, rival_align)
    w.gp_threat[:] = m.alignment_threat(w, p, rival_align)
    w.credibility[:] = m.guarantee_credibility(w, p) * ~m.abandonment(w, p, d.u[0])
    dep = m.dependency_on(w, p)
    lev, cost = m.leverage(w, p, dep), m.restraint(w, p, dep)
    motive = m.war_motive(w, p)
    odds = m.war_odds(w, m.expected_support(w, w.credibility))
    m.coercion(w, p, motive, odds, cost, lev, d.u[1])
    hazard = m.war_hazard(p, motive, odds, cost)
    attacker = m.war_onset(w, hazard, d.u[2])
    m.fight_war(w, p, step, attacker, w.credibility, hazard, d.u[2], d.v[2], d.v[3])

    w.autonomy[:] = m.autonomy(w, p, lev)
    m.absorption(w, p, step, lev, d.v[4])
    w.autonomy[:] = np.where(w.alive, w.autonomy, 0.0)
    m.welfare(w, p, lev)
    m.recover(w, p)
    w.autonomy_sum[:] += w.autonomy
    return int((attacker >= 0).sum())


class HedgeModel(mesa.Model):
    """Small states choosing to balance, bandwagon or hedge between rival great powers.

    One step is one year. All randomness comes from ``rng`` (an integer seed): the world of a
    generic scenario is drawn from one child stream, the yearly events from another, and every
    year draws the same random numbers whatever the states do, so strategy arms run on the same
    seed are paired (common random numbers).
    """

    def __init__(self, scenario: Scenario | str = "generic", *, strategy: str | None = None,
                 overrides: Mapping[str, Any] | None = None, steps: int | None = None,
                 rng: int | str | None = 0, observer: Any = None) -> None:
        super().__init__(rng=int(rng) if rng is not None and str(rng).strip() else None)
        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        if overrides:
            scenario = scenario.with_overrides(dict(overrides))
        world_rng, self.events = self.rng.spawn(2)
        self.spec = scenario.with_strategy(strategy).concretise(world_rng)
        self.params = self.spec.params
        self.horizon = steps if steps is not None else self.spec.steps
        self.world: World = build_world(self.spec)
        for g in range(self.world.n_great):
            GreatPower(self, g)
        for s in range(self.world.n_small):
            SmallState(self, s)
        self.great_powers = self.agents_by_type[GreatPower]
        self.small_states = self.agents_by_type[SmallState]
        self.coefs = self.params.coefficients()
        self.groups = activation_groups(self.params, self.world.n_small)
        self.observer = observer
        self.war_onsets = 0
        self.compiled_year: Any = None  # ``advance``'s compiled entry point, found at the first step
        self.running = True
        perceive(self.world.state, self.coefs)
        if observer is not None:
            observer.observe(self)

    def step(self) -> None:
        """One year: the year's draws, the states' histories, then ``advance``."""
        w = self.world
        shuffle = len(self.groups) > 2  # the order matters only between groups
        draws = Draws.of_year(self.events, w.n_small, w.n_great, shuffle)
        scheduled_strategy(w)
        year = (w.state, self.coefs, draws, w.step, self.groups)
        if self.compiled_year is None:
            self.compiled_year = entry_point(advance, *year)
        self.war_onsets += self.compiled_year(*year)
        w.step += 1
        self.running = w.step < self.horizon and bool(w.alive.any())
        if self.observer is not None:
            self.observer.observe(self)

    def run(self) -> HedgeModel:
        """Run to the horizon (or until no small state is left)."""
        while self.running:
            self.step()
        return self

    @property
    def polarity(self) -> float:
        return float(m.polarity(self.world.state))


def activation_groups(params: Params, n: int) -> np.ndarray:
    """Bounds of the groups the year's random order is cut into (as np.array_split cuts it):
    everyone at once under synchronous activation, else up to ``activation_groups`` groups that
    move one after another, each seeing the moves of the groups before it."""
    k = 1 if params.activation == "synchronous" else max(min(params.activation_groups, n), 1)
    sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    return np.cumsum([0, *sizes])

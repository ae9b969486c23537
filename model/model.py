"""HedgeModel: the Mesa model and its yearly schedule (ODD: process overview and scheduling)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np

from agents.great_power import GreatPower, choose_stance
from agents.small_state import SmallState, adopt_instruments, decide, scheduled_strategy
from model import mechanisms as m
from model.world import World, build_world
from scenarios.loader import Scenario, load_scenario


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
        self.observer = observer
        self.war_onsets = 0
        self.running = True
        self._perceive()
        if observer is not None:
            observer.observe(self)

    def _perceive(self) -> None:
        w, p = self.world, self.params
        w.threat = m.threat_perception(w, p)
        w.gp_threat = m.alignment_threat(w, p)
        w.autonomy = m.autonomy(w, p, m.leverage(w, p))

    def _activation_groups(self, order: np.ndarray) -> list[slice | np.ndarray]:
        """Everyone at once, or the random order cut into groups that move one after another."""
        if self.params.activation == "synchronous":
            return [slice(None)]
        groups = np.array_split(order, min(self.params.activation_groups, len(order)))
        return [np.sort(group) for group in groups]

    def step(self) -> None:
        """One year: powers shift and choose stances; small states perceive threats, choose and
        move their instruments; great powers read alignments; guarantees are tested; coercion and
        war happen; outcomes are booked."""
        w, p, r = self.world, self.params, self.events
        n, g = w.n_small, w.n_great
        u = r.random((5, n, g))
        v = r.random((5, n))
        gumbel = r.gumbel(size=(n, 3))
        gp_gumbel, gp_review = r.gumbel(size=(g, 3)), r.random(g)
        order = r.permutation(n)

        m.power_shift(w, p)
        choose_stance(w, p, gp_gumbel, gp_review < p.reconsider_rate)
        w.threat = m.threat_perception(w, p)
        reconsider = m.domestic_turnover(w, p, v[0], r.standard_normal(n)) | (
            v[1] < p.reconsider_rate)
        scheduled_strategy(w)
        for group in self._activation_groups(order):
            decide(w, p, group, reconsider, gumbel)
            adopt_instruments(w, p, group)
        m.follow_patron(w, p)

        m.perceive_drift(w, p)
        w.gp_threat = m.alignment_threat(w, p)
        w.credibility = m.guarantee_credibility(w, p) * ~m.abandonment(w, p, u[0])
        lev = m.leverage(w, p)
        motive, cost = m.war_motive(w, p), m.restraint(w, p)
        odds = m.war_odds(w, p, m.expected_support(w, p, w.credibility))
        m.coercion(w, p, motive, odds, cost, lev, u[1], u[2])
        attacker = m.war_onset(w, p, motive, odds, cost, u[3])
        self.war_onsets += int((attacker >= 0).sum())
        m.fight_war(w, p, attacker, w.credibility, u[4], v[2], v[3])

        w.autonomy = m.autonomy(w, p, lev)
        m.absorption(w, p, lev, v[4])
        w.autonomy[~w.alive] = 0.0
        m.welfare(w, p, lev)
        m.recover(w, p)
        w.autonomy_sum += w.autonomy
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
        return m.polarity(self.world)

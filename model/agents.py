"""The agents: great powers and small states as Mesa agents, and the decision rules each
follows (model.py beside agents.py, as in Mesa's examples).

The agents are views on the world's arrays (``World``): what users and the page see. The rules
are compiled functions over all states at once, which the year (``model.advance``) calls. A
great power chooses its stance toward the leading other power: it balances (arms, stands
against it), bandwagons (aligns with it) or hedges, as middle powers such as India do (Waltz
1979; Tessman 2012). A small state chooses a strategy (or follows a fixed one, or its
history's schedule) and then moves its instruments toward that strategy's portfolio. Survival
and autonomy are never set here: they follow from the instruments through the mechanisms in
model/mechanisms.py.
"""

from __future__ import annotations

import mesa
import numpy as np

from hedgesim.model import mechanisms as m
from hedgesim.model.codes import Strategy
from hedgesim.model.compiled import compiled, vector_log
from hedgesim.model.world import State, World, clip, leading, total
from hedgesim.scenarios.params import Coefficients, Instrument
from hedgesim.scenarios.schema import ADAPTIVE


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


class SmallState(StateAgent):
    """A small state; its attributes are views into the model's world arrays."""

    names_field = "names"

    @property
    def alive(self) -> bool:
        return bool(self.world.alive[self.index])

    @property
    def focal(self) -> bool:
        return bool(self.world.focal[self.index])

    @property
    def strategy(self) -> Strategy:
        return Strategy(int(self.world.strategy[self.index]))

    @property
    def capability(self) -> float:
        return float(self.world.cap[self.index])

    @property
    def autonomy(self) -> float:
        return float(self.world.autonomy[self.index])

    def _by_power(self, values: np.ndarray) -> dict[str, float]:
        return dict(zip(self.world.gp_names, values[self.index].tolist(), strict=True))

    @property
    def threat(self) -> dict[str, float]:
        """Threat this state perceives from each great power."""
        return self._by_power(self.world.threat)

    @property
    def alignment(self) -> dict[str, float]:
        return self._by_power(self.world.alignment)

    @property
    def alliance(self) -> dict[str, float]:
        return self._by_power(self.world.alliance)

    def __repr__(self) -> str:
        return f"SmallState({self.name}, {self.strategy}, alive={self.alive})"

    # What a small state does. The model's year does all of it for every state at once in
    # compiled code (model.model.advance); these run the same rules for this state alone, to
    # explore one state's reasoning from Python or the page.

    def assess_threats(self) -> dict[str, float]:
        """Walt's balance of threat, read anew: the threat this state perceives from each power."""
        w = self.world
        w.threat[self.index] = m.threat_perception(w.state, self.model.coefs)[self.index]
        return self.threat

    def choose_strategy(self) -> Strategy:
        """Choose a strategy by the adaptive rule, as a reconsidering adaptive state does, with
        choice noise from the model's ``rng``."""
        w, idx = self.world.state, np.array([self.index])
        threats, rival_ws = threat_and_rival(w)
        noise = self.model.rng.random((w.cap.shape[0], 3))
        w.strategy[idx] = choose_strategy(w, self.model.coefs, idx, noise, threats, rival_ws)
        return self.strategy

    def move_instruments(self) -> None:
        """Move alignment, alliances, bases, arming, assurance, binding and partners part of the
        way toward the current strategy's portfolio."""
        w = self.world.state
        threats, rival_ws = threat_and_rival(w)
        adopt_instruments(w, self.model.coefs, np.array([self.index]), threats, rival_ws)


@compiled
def threat_and_rival(w: State) -> tuple[np.ndarray, np.ndarray]:
    """The most threatening power T of each state, and the weight of each other power as T's
    rival at that state (its hostility to T times its local strength, the strongest scaled to 1).
    Read once a year, after threat perception: the powers' capabilities and rivalries and the
    states' threats stay fixed while the states choose and move."""
    n, g = w.reach.shape
    threat = np.empty(n, dtype=np.int64)
    rival_w = np.empty((n, g))
    for i in range(n):
        threat[i] = leading(w.threat[i])
        top = 0.0
        for j in range(g):
            rival_w[i, j] = w.hostility[threat[i], j] * m.local_power(w.gp_cap[j], w.reach[i, j])
            top = max(top, rival_w[i, j])
        for j in range(g):
            rival_w[i, j] = rival_w[i, j] / top if top > 0 else 0.0
    return threat, rival_w


@compiled
def gumbel(u: np.ndarray) -> np.ndarray:
    """Gumbel noise from uniforms, as numpy's ``Generator.gumbel`` makes it (-log(-log(1 - u)),
    with numpy's vectorised log): drawn as uniforms for everyone (common random numbers) and
    turned into noise only for the states that choose."""
    out = 1.0 - u
    vector_log(out)
    out *= -1.0
    vector_log(out)
    return -out


@compiled
def choose_strategy(w: State, p: Coefficients, idx: np.ndarray, noise: np.ndarray,
                    threats: np.ndarray, rival_ws: np.ndarray) -> np.ndarray:
    """Adaptive choice by balance-of-threat reasoning with bounded rationality (logit noise,
    ``noise`` [s, 3] uniforms): Walt's four hypotheses, dependency and commitments, Tessman's
    declining leader, and the government's own tilt. ``threats`` and ``rival_ws`` come from
    ``threat_and_rival``. Returns a strategy code per state in ``idx``."""
    dependency_on_power = m.leverage(w, p, m.dependency_on(w, p, idx))
    clients = m.clients(w)
    leader = np.argmax(w.gp_cap)
    decline = clip(-10.0 * w.gp_growth[leader], 0.0, 1.0)
    shocks = gumbel(noise[idx])
    utility = np.empty(3)
    chosen = np.empty(idx.shape[0], dtype=np.int8)
    for r in range(idx.shape[0]):
        i = idx[r]
        threat, rival_w = threats[i], rival_ws[i]
        rival = leading(rival_w)
        lp_t = m.local_power(w.gp_cap[threat], w.reach[i, threat])
        lp_r = m.local_power(w.gp_cap[rival], w.reach[i, rival])
        support = (rival_w[rival] > 0) * (w.openness[rival] * w.resolve[rival]) * lp_r / (
            lp_r + lp_t + m.EPS) / (1.0 + p.overstretch * clients[rival])
        defence = m.defence(w.cap[i], w.arming[i])
        strength = defence / (defence + lp_t + m.EPS)
        aggression = clip(w.revisionism[threat] + w.coercion_memory[i, threat], 0.0, 1.0)
        x_threat = w.threat[i, threat]
        dependency = dependency_on_power[r, threat]
        commitment = w.alliance[i, threat]
        victory = w.at_war[i, threat] * (1.0 - strength)
        tilt = w.orientation[i]
        utility[Strategy.BALANCE] = (
            p.choice_w_strength * strength + p.choice_w_support * support
            + p.choice_w_aggression * aggression + p.choice_w_threat * x_threat
            - p.choice_w_dependency * dependency - p.choice_w_commitment * commitment
            - p.choice_w_victory * victory + tilt)
        utility[Strategy.BANDWAGON] = (
            p.choice_w_dependency * dependency + p.choice_w_commitment * commitment
            + p.choice_w_victory * victory + p.choice_w_threat * x_threat * (1.0 - strength) - tilt)
        utility[Strategy.HEDGE] = p.choice_w_threat * (1.0 - x_threat) + p.choice_w_decline * decline
        top = -np.inf
        for k in range(3):
            score = utility[k] / p.choice_noise + shocks[r, k]
            if score > top:
                top, chosen[r] = score, k
    return chosen


@compiled
def decide(w: State, p: Coefficients, idx: np.ndarray, reconsider: np.ndarray, noise: np.ndarray,
           threats: np.ndarray, rival_ws: np.ndarray) -> None:
    """Adaptive states in ``idx`` that reconsider (after turnover or on review) choose anew."""
    chooses = np.empty(idx.shape[0], dtype=np.bool_)
    for r in range(idx.shape[0]):
        chooses[r] = (w.policy[idx[r]] == ADAPTIVE) & reconsider[idx[r]] & w.alive[idx[r]]
    choosers = idx[chooses]
    if choosers.size:
        w.strategy[choosers] = choose_strategy(w, p, choosers, noise, threats, rival_ws)


@compiled
def adopt_instruments(w: State, p: Coefficients, idx: np.ndarray, threats: np.ndarray,
                      rival_ws: np.ndarray) -> None:
    """Move each state's instruments part of the way toward its strategy's portfolio: alignment,
    alliances (granted only as fast as the patron accepts), bases, arming, assurance, binding,
    and its partners across trade, energy and credit (diversification). A portfolio aims each
    instrument at the threat and at its rivals (weighted by ``rival_ws``), as
    ``threat_and_rival`` reads them. The dead do not move."""
    level = p.portfolio
    for r in range(idx.shape[0]):
        i = idx[r]
        if not w.alive[i]:
            continue
        s, threat = w.strategy[i], threats[i]
        pace = level[s, Instrument.PACE]
        rate = p.adjust_rate * pace
        align_t, align_r = level[s, Instrument.ALIGN_THREAT], level[s, Instrument.ALIGN_RIVAL]
        ally_t, ally_r = level[s, Instrument.ALLIANCE_THREAT], level[s, Instrument.ALLIANCE_RIVAL]
        bases_t, bases_r = level[s, Instrument.BASES_THREAT], level[s, Instrument.BASES_RIVAL]
        assurance, binding = level[s, Instrument.ASSURANCE], level[s, Instrument.BINDING]
        for j in range(rival_ws.shape[1]):
            on, rival_w = j == threat, rival_ws[i, j]
            gap = ally_t * on + ally_r * rival_w - w.alliance[i, j]
            w.alignment[i, j] += rate * (align_t * on + align_r * rival_w - w.alignment[i, j])
            w.bases[i, j] += rate * (bases_t * on + bases_r * rival_w - w.bases[i, j])
            w.alliance[i, j] += (p.accession_rate * w.openness[j] if gap > 0 else p.exit_rate * pace) * gap
            w.assurance[i, j] += rate * (assurance - w.assurance[i, j])
            w.binding[i, j] += rate * (binding - w.binding[i, j])
        w.arming[i] += rate * (level[s, Instrument.ARMING] - w.arming[i])
    diversify(w, p, idx, threats, rival_ws)


@compiled
def diversify(w: State, p: Coefficients, idx: np.ndarray, threats: np.ndarray,
              rival_ws: np.ndarray) -> None:
    """Mechanism 4, the small state's side: shift trade, energy and credit toward the strategy's
    partner profile: the threat's share, the rival's share, the rest spread over everyone else
    (middle powers, blocs, the rest of the world)."""
    g, n_partners = rival_ws.shape[1], w.dependency.shape[2]
    mobility = (1.0, p.energy_mobility, p.credit_mobility)
    profile = np.empty(n_partners)
    for r in range(idx.shape[0]):
        i = idx[r]
        s, threat = w.strategy[i], threats[i]
        pace = p.portfolio[s, Instrument.PACE] * w.alive[i]
        if pace == 0.0:
            continue
        share_threat = p.portfolio[s, Instrument.TRADE_THREAT]
        share_rival = p.portfolio[s, Instrument.TRADE_RIVAL]
        rivals, others = max(total(rival_ws[i]), m.EPS), n_partners - g
        named = 0.0  # the shares of the threat and its rivals
        for j in range(g):
            profile[j] = share_threat * (j == threat) + share_rival * (rival_ws[i, j] / rivals)
            named += profile[j]
            others += j != threat and rival_ws[i, j] == 0
        rest = clip(1.0 - named, 0.0, 1.0) / others  # spread over everyone else
        spread = 0.0
        for j in range(n_partners):
            profile[j] = rest if j >= g else profile[j] + rest * (j != threat and rival_ws[i, j] == 0)
            spread += profile[j]
        for k in range(n_partners):
            profile[k] /= spread
        for c in range(3):
            rate = p.diversification_rate * pace * mobility[c]
            for k in range(n_partners):
                w.dependency[i, c, k] += rate * (profile[k] - w.dependency[i, c, k])

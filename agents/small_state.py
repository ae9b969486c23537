"""Small states: the Mesa agent users see, and the decision rules every small state follows.

A small state chooses a strategy (or follows a fixed one, or its history's schedule) and then
moves its instruments toward that strategy's portfolio. Survival and autonomy are never set
here: they follow from the instruments through the mechanisms in model/mechanisms.py.
"""

from __future__ import annotations

import numpy as np

from agents.state import StateAgent
from model import mechanisms as m
from model.compiled import compiled, compiled_inline, vector_log
from model.world import ADAPTIVE, State, Strategy, World, clip, leading, total
from scenarios.params import Coefficients, Instrument


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
        return f"SmallState({self.name}, {self.strategy.name.lower()}, alive={self.alive})"


@compiled
def threat_and_rival(w: State, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The most threatening power T of each state in ``idx``, and the weight of each other power
    as T's rival at that state (its hostility to T times its local strength, the strongest
    scaled to 1). Taken for a group at once: a compiled call handed the State costs more than
    the rule does for one state."""
    k, g = idx.shape[0], w.gp_cap.shape[0]
    threat = np.empty(k, dtype=np.int64)
    rival_w = np.empty((k, g))
    for r in range(k):
        i = idx[r]
        threat[r] = leading(w.threat[i])
        top = 0.0
        for j in range(g):
            rival_w[r, j] = w.hostility[threat[r], j] * m.local_power(w.gp_cap[j], w.reach[i, j])
            top = max(top, rival_w[r, j])
        for j in range(g):
            rival_w[r, j] = rival_w[r, j] / top if top > 0 else 0.0
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
def choose_strategy(w: State, p: Coefficients, idx: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Adaptive choice by balance-of-threat reasoning with bounded rationality (logit noise,
    ``noise`` [s, 3] uniforms): Walt's four hypotheses, dependency and commitments, Tessman's
    declining leader, and the government's own tilt. Returns a strategy code per state in ``idx``."""
    dependency_on_power = m.leverage(w, p, m.dependency_on(w, p, idx))
    clients = m.clients(w)
    leader = np.argmax(w.gp_cap)
    decline = clip(-10.0 * w.gp_growth[leader], 0.0, 1.0)
    threats, rival_ws = threat_and_rival(w, idx)
    shocks = gumbel(noise[idx])
    utility = np.empty(3)
    chosen = np.empty(idx.shape[0], dtype=np.int8)
    for r in range(idx.shape[0]):
        i, threat, rival_w = idx[r], threats[r], rival_ws[r]
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


def scheduled_strategy(w: World) -> None:
    """States with a history to follow take the strategy their schedule gives for this year."""
    for i, schedule in w.schedules.items():
        for start, strategy in schedule:
            if w.year >= start:
                w.strategy[i] = strategy


@compiled
def decide(w: State, p: Coefficients, idx: np.ndarray, reconsider: np.ndarray,
           noise: np.ndarray) -> None:
    """Adaptive states in ``idx`` that reconsider (after turnover or on review) choose anew."""
    chooses = np.empty(idx.shape[0], dtype=np.bool_)
    for r in range(idx.shape[0]):
        chooses[r] = w.policy[idx[r]] == ADAPTIVE and reconsider[idx[r]] and w.alive[idx[r]]
    choosers = idx[chooses]
    if choosers.size:
        w.strategy[choosers] = choose_strategy(w, p, choosers, noise)


@compiled_inline
def _portfolio_target(t: np.ndarray, instrument: int, on_threat: bool, rival_w: float) -> float:
    """Target of an instrument toward one power: the strategy's level aimed at the threat
    (column ``instrument``) if it is the threat, and at its rivals (the next column)."""
    return t[instrument] * on_threat + t[instrument + 1] * rival_w


@compiled
def adopt_instruments(w: State, p: Coefficients, idx: np.ndarray) -> None:
    """Move each state's instruments part of the way toward its strategy's portfolio: alignment,
    alliances (granted only as fast as the patron accepts), bases, arming, assurance, binding,
    and its partners across trade, energy and credit (diversification). The dead do not move."""
    threats, rival_ws = threat_and_rival(w, idx)
    targets = p.portfolio[w.strategy[idx].astype(np.int64)]
    pace = targets[:, Instrument.PACE] * w.alive[idx]
    for r in range(idx.shape[0]):
        i = idx[r]
        if not w.alive[i]:
            continue
        t, rival_w = targets[r], rival_ws[r]
        rate = p.adjust_rate * pace[r]
        for j in range(rival_w.shape[0]):
            on = j == threats[r]
            alignment = _portfolio_target(t, Instrument.ALIGN_THREAT, on, rival_w[j])
            bases = _portfolio_target(t, Instrument.BASES_THREAT, on, rival_w[j])
            gap = _portfolio_target(t, Instrument.ALLIANCE_THREAT, on, rival_w[j]) - w.alliance[i, j]
            w.alignment[i, j] += rate * (alignment - w.alignment[i, j])
            w.bases[i, j] += rate * (bases - w.bases[i, j])
            w.alliance[i, j] += (p.accession_rate * w.openness[j] if gap > 0 else p.exit_rate * pace[r]) * gap
            w.assurance[i, j] += rate * (t[Instrument.ASSURANCE] - w.assurance[i, j])
            w.binding[i, j] += rate * (t[Instrument.BINDING] - w.binding[i, j])
        w.arming[i] += rate * (t[Instrument.ARMING] - w.arming[i])
    diversify(w, p, idx, targets[:, Instrument.TRADE_THREAT], targets[:, Instrument.TRADE_RIVAL],
              pace, threats, rival_ws)


@compiled
def diversify(w: State, p: Coefficients, idx: np.ndarray, share_threat: np.ndarray,
              share_rival: np.ndarray, pace: np.ndarray, threats: np.ndarray,
              rival_ws: np.ndarray) -> None:
    """Mechanism 4, the small state's side: shift trade, energy and credit toward the strategy's
    partner profile: the threat's share, the rival's share, the rest spread over everyone else
    (middle powers, blocs, the rest of the world)."""
    g, n_partners = rival_ws.shape[1], w.dependency.shape[2]
    mobility = (1.0, p.energy_mobility, p.credit_mobility)
    profile = np.empty(n_partners)
    for r in range(idx.shape[0]):
        if pace[r] == 0.0:
            continue
        i = idx[r]
        threat = threats[r]
        rivals, others = max(total(rival_ws[r]), m.EPS), n_partners - g
        named = 0.0  # the shares of the threat and its rivals
        for j in range(g):
            profile[j] = share_threat[r] * (j == threat) + share_rival[r] * (rival_ws[r, j] / rivals)
            named += profile[j]
            others += j != threat and rival_ws[r, j] == 0
        rest = clip(1.0 - named, 0.0, 1.0) / others  # spread over everyone else
        spread = 0.0
        for j in range(n_partners):
            profile[j] = rest if j >= g else profile[j] + rest * (j != threat and rival_ws[r, j] == 0)
            spread += profile[j]
        for k in range(n_partners):
            profile[k] /= spread
        for c in range(3):
            rate = p.diversification_rate * pace[r] * mobility[c]
            for k in range(n_partners):
                w.dependency[i, c, k] += rate * (profile[k] - w.dependency[i, c, k])

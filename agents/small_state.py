"""Small states: the Mesa agent users see, and the decision rules every small state follows.

A small state chooses a strategy (or follows a fixed one, or its history's schedule) and then
moves its instruments toward that strategy's portfolio. Survival and autonomy are never set
here: they follow from the instruments through the mechanisms in model/mechanisms.py.
"""

from __future__ import annotations

import numpy as np

from agents.state import StateAgent
from model import mechanisms as m
from model.compiled import compiled
from model.world import ADAPTIVE, State, Strategy, World, clip, pick, row_max
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
    scaled to 1)."""
    threat = np.argmax(w.threat[idx], axis=1)
    rivalry = w.hostility[threat] * m.local_power(w)[idx]
    top = row_max(rivalry)[:, None]
    return threat, np.where(top > 0, rivalry / np.where(top > 0, top, 1.0), 0.0)


@compiled
def choose_strategy(w: State, p: Coefficients, idx: np.ndarray, gumbel: np.ndarray) -> np.ndarray:
    """Adaptive choice by balance-of-threat reasoning with bounded rationality (logit noise):
    Walt's four hypotheses, dependency and commitments, Tessman's declining leader, and the
    government's own tilt. Returns a strategy code per state in ``idx``."""
    threat, rival_w = threat_and_rival(w, idx)
    lp = m.local_power(w)[idx]
    lp_t = pick(lp, threat)
    rival = np.argmax(rival_w, axis=1)
    has_rival = row_max(rival_w) > 0
    clients = w.alliance[w.alive].sum(axis=0)
    lp_r = pick(lp, rival)
    support = has_rival * (w.openness * w.resolve)[rival] * lp_r / (lp_r + lp_t + m.EPS) / (
        1.0 + p.overstretch * clients[rival])
    defence = m.defence(w)[idx]
    strength = defence / (defence + lp_t + m.EPS)
    aggression = clip(w.revisionism[threat] + pick(w.coercion_memory[idx], threat), 0.0, 1.0)
    x_threat = pick(w.threat[idx], threat)
    dependency = pick(m.leverage(w, p, idx), threat)
    commitment = pick(w.alliance[idx], threat)
    victory = pick(w.at_war[idx], threat) * (1.0 - strength)
    leader = np.argmax(w.gp_cap)
    decline = clip(-10.0 * w.gp_growth[leader], 0.0, 1.0)
    tilt = w.orientation[idx]
    utility = np.empty((len(idx), 3))
    utility[:, Strategy.BALANCE] = (
        p.choice_w_strength * strength + p.choice_w_support * support
        + p.choice_w_aggression * aggression + p.choice_w_threat * x_threat
        - p.choice_w_dependency * dependency - p.choice_w_commitment * commitment
        - p.choice_w_victory * victory + tilt)
    utility[:, Strategy.BANDWAGON] = (
        p.choice_w_dependency * dependency + p.choice_w_commitment * commitment
        + p.choice_w_victory * victory + p.choice_w_threat * x_threat * (1.0 - strength) - tilt)
    utility[:, Strategy.HEDGE] = p.choice_w_threat * (1.0 - x_threat) + p.choice_w_decline * decline
    return np.argmax(utility / p.choice_noise + gumbel, axis=1)


def scheduled_strategy(w: World) -> None:
    """States with a history to follow take the strategy their schedule gives for this year."""
    for i, schedule in w.schedules.items():
        for start, strategy in schedule:
            if w.year >= start:
                w.strategy[i] = strategy


@compiled
def decide(w: State, p: Coefficients, idx: np.ndarray, reconsider: np.ndarray,
           gumbel: np.ndarray) -> None:
    """Adaptive states in ``idx`` that reconsider (after turnover or on review) choose anew."""
    adaptive = idx[((w.policy == ADAPTIVE) & reconsider & w.alive)[idx]]
    if adaptive.size:
        w.strategy[adaptive] = choose_strategy(w, p, adaptive, gumbel[adaptive]).astype(np.int8)


@compiled
def _portfolio_target(t: np.ndarray, instrument: int, on_threat: np.ndarray,
                      rival_w: np.ndarray) -> np.ndarray:
    """[state, power] target of an instrument aimed at the threat (column ``instrument``) and at
    its rivals (the next column)."""
    return t[:, instrument][:, None] * on_threat + t[:, instrument + 1][:, None] * rival_w


@compiled
def adopt_instruments(w: State, p: Coefficients, idx: np.ndarray) -> None:
    """Move each state's instruments part of the way toward its strategy's portfolio: alignment,
    alliances (granted only as fast as the patron accepts), bases, arming, assurance, binding,
    and its partners across trade, energy and credit (diversification). The dead do not move."""
    t = p.portfolio[w.strategy[idx].astype(np.int64)]
    threat, rival_w = threat_and_rival(w, idx)
    on_threat = np.eye(w.gp_cap.shape[0])[threat]
    alive = w.alive[idx]
    pace = t[:, Instrument.PACE] * alive
    rate = (p.adjust_rate * pace)[:, None]
    alignment = _portfolio_target(t, Instrument.ALIGN_THREAT, on_threat, rival_w)
    bases = _portfolio_target(t, Instrument.BASES_THREAT, on_threat, rival_w)
    gap = _portfolio_target(t, Instrument.ALLIANCE_THREAT, on_threat, rival_w) - w.alliance[idx]
    w.alignment[idx] += rate * (alignment - w.alignment[idx])
    w.bases[idx] += rate * (bases - w.bases[idx])
    w.alliance[idx] += np.where(gap > 0, p.accession_rate * w.openness[None, :] * alive[:, None],
                                p.exit_rate * pace[:, None]) * gap
    w.assurance[idx] += rate * (t[:, Instrument.ASSURANCE][:, None] - w.assurance[idx])
    w.binding[idx] += rate * (t[:, Instrument.BINDING][:, None] - w.binding[idx])
    w.arming[idx] += rate[:, 0] * (t[:, Instrument.ARMING] - w.arming[idx])
    diversify(w, p, idx, t[:, Instrument.TRADE_THREAT], t[:, Instrument.TRADE_RIVAL], pace,
              on_threat, rival_w)


@compiled
def diversify(w: State, p: Coefficients, idx: np.ndarray, share_threat: np.ndarray,
              share_rival: np.ndarray, pace: np.ndarray, on_threat: np.ndarray,
              rival_w: np.ndarray) -> None:
    """Mechanism 4, the small state's side: shift trade, energy and credit toward the strategy's
    partner profile: the threat's share, the rival's share, the rest spread over everyone else
    (middle powers, blocs, the rest of the world)."""
    k, g, n_partners = len(idx), w.gp_cap.shape[0], w.dependency.shape[2]
    rival_share = rival_w / np.maximum(rival_w.sum(axis=1), m.EPS)[:, None]
    profile = np.zeros((k, n_partners))
    profile[:, :g] = share_threat[:, None] * on_threat + share_rival[:, None] * rival_share
    others = np.ones((k, n_partners))
    others[:, :g] = ((on_threat + rival_w) == 0) * 1.0
    rest = clip(1.0 - profile.sum(axis=1), 0.0, 1.0)[:, None]
    profile += rest * others / others.sum(axis=1)[:, None]
    profile /= profile.sum(axis=1)[:, None]
    mobility = np.array([1.0, p.energy_mobility, p.credit_mobility])
    rate = p.diversification_rate * pace[:, None, None] * mobility[None, :, None]
    w.dependency[idx] += rate * (profile[:, None, :] - w.dependency[idx])

"""The mechanisms of THEORY.md, one function each, vectorised over every small state at once.

Each function reads the world's ``State`` ``w`` and the ``Coefficients`` ``p`` and returns arrays
(or updates in place the state it names); the equations, parameters and sources are in
docs/ODD.md under the function's name. They are compiled with numba, so that a year of the model
costs compiled loops rather than hundreds of small numpy calls, and they are called the same way
from Python (tests, the recorder, the page). No function here reads a strategy: strategies act
only through the instruments they set (agents/).
"""

from __future__ import annotations

import numpy as np

from model.compiled import compiled
from model.world import EndCause, State, Strategy, clip, rival_alignment, row_any, row_max
from scenarios.params import Coefficients

EPS = 1e-9


@compiled
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@compiled
def local_power(w: State) -> np.ndarray:
    """[s, g] strength a great power can bring to bear at each small state: its capability times
    its reach there (loss of strength with distance, Boulding 1962)."""
    return w.gp_cap[None, :] * w.reach


@compiled
def threat_perception(w: State, p: Coefficients) -> np.ndarray:
    """Mechanism 1 (Walt): a small state's threat from each great power is the weighted geometric
    mean of aggregate power, proximity, offensive capability and perceived intentions."""
    power = w.gp_cap[None, :] / (w.gp_cap[None, :] + w.cap[:, None])
    intent = clip(w.revisionism[None, :] + w.coercion_memory + w.regime_fear, 0.0, 1.0)
    total = max(p.threat_w_power + p.threat_w_proximity + p.threat_w_offense + p.threat_w_intent, EPS)
    logs = (p.threat_w_power * np.log(np.maximum(power, 1e-3))
            + p.threat_w_proximity * np.log(np.maximum(w.proximity, 1e-3))
            + p.threat_w_offense * np.log(np.maximum(w.gp_arming, 1e-3))[None, :]
            + p.threat_w_intent * np.log(np.maximum(intent, 1e-3)))
    return np.exp(logs / total)


@compiled
def perceive_drift(w: State, p: Coefficients) -> None:
    """Mechanism 2, its dynamic part: a great power remembers each year's move of a small state
    toward its rivals and away from itself; defections and drifts are the dangerous moments."""
    gap = rival_alignment(w) - w.alignment
    w.drift[:] = p.drift_memory * w.drift + np.maximum(gap - w.rival_gap, 0.0)
    w.rival_gap[:] = gap


@compiled
def rival_bases(w: State) -> np.ndarray:
    """[s, g]: how far each small state hosts the bases of each great power's rivals."""
    return clip(w.bases @ w.hostility.T, 0.0, 1.0)


@compiled
def effective_assurance(w: State, rival_align: np.ndarray, rival_base: np.ndarray) -> np.ndarray:
    """Mechanism 7: assurance is believed only as far as the state's deeds do not contradict it
    (its alignment with and bases of the power's rivals: ``rival_alignment``, ``rival_bases``)."""
    return w.assurance * (1.0 - rival_align) * (1.0 - rival_base)


@compiled
def polarity(w: State) -> float:
    """Bloc polarity: how committed the living small states are to one great power (mean of
    their strongest alignment); 1 means a world of tight blocs (seed 000)."""
    if not w.alive.any():
        return 0.0
    return row_max(w.alignment[w.alive]).mean()


@compiled
def alignment_threat(w: State, p: Coefficients) -> np.ndarray:
    """Mechanism 2: a great power's threat from each small state, from its alignment with the
    power's rivals, the rivals' bases, its formal alliances with them (entrapment), the drift of
    its alignment, and bloc pressure on the non-aligned; assurance discounts it."""
    rival_align, rival_base = rival_alignment(w), rival_bases(w)
    raw = (p.gp_w_alignment * rival_align + p.gp_w_bases * rival_base
           + p.entrapment * clip(w.alliance @ w.hostility.T, 0.0, 1.0)
           + p.gp_w_drift * w.drift
           + p.bloc_pressure * polarity(w) * (1.0 - w.alignment) * row_max(w.hostility)[None, :])
    raw = raw * w.proximity * (1.0 - p.assurance_effect * effective_assurance(w, rival_align,
                                                                              rival_base))
    return 1.0 - np.exp(-raw)


@compiled
def guarantee_credibility(w: State, p: Coefficients) -> np.ndarray:
    """Mechanism 3: a guarantee protects only as far as it is formal, the patron is resolved and
    locally strong against the powers hostile to it, and not thinned over too many clients."""
    lp = local_power(w)
    adversary = lp @ w.hostility.T
    share = lp / (lp + adversary + EPS)
    clients = w.alliance[w.alive].sum(axis=0)
    return w.alliance * w.resolve[None, :] * share / (1.0 + p.overstretch * clients[None, :])


@compiled
def abandonment(w: State, p: Coefficients, u: np.ndarray) -> np.ndarray:
    """Mechanism 3: great powers make deals behind their junior partners' backs; the less
    aligned (more ambiguous) the partner, the likelier (seed 001)."""
    return u < p.abandonment_rate * (2.0 - w.alignment)


@compiled
def dependency_on(w: State, p: Coefficients, rows: np.ndarray | None = None) -> np.ndarray:
    """[s, partner] dependency across trade, energy and credit, weighted by channel (all states,
    or those in ``rows``)."""
    total = max(p.w_trade + p.w_energy + p.w_credit, EPS)
    dep = w.dependency if rows is None else w.dependency[rows]
    return (p.w_trade / total * dep[:, 0] + p.w_energy / total * dep[:, 1]
            + p.w_credit / total * dep[:, 2])


@compiled
def leverage(w: State, p: Coefficients, rows: np.ndarray | None = None) -> np.ndarray:
    """Mechanism 4: a great power's coercive leverage is the state's dependency on it, lowered
    when the rest of its ties are spread widely (diversification; Hirschman 1945)."""
    dep = dependency_on(w, p, rows)
    on_gp = dep[:, : w.gp_cap.shape[0]]
    rest = np.maximum(1.0 - on_gp, EPS)
    hhi_rest = ((dep**2).sum(axis=1)[:, None] - on_gp**2) / rest**2
    return on_gp * (1.0 - p.substitutability * (1.0 - clip(hhi_rest, 0.0, 1.0)))


@compiled
def restraint(w: State, p: Coefficients) -> np.ndarray:
    """Mechanisms 4 and 7: what a great power loses by attacking: shared trade
    (interdependence), third partners' reaction (active cover), and the institutions it is
    bound in, which restrain it only as far as it is not bent on overturning them."""
    dep = dependency_on(w, p)
    g = w.gp_cap.shape[0]
    cover = dep[:, g:-1].sum(axis=1)
    return (p.interdependence_cost * dep[:, :g] + p.cover_cost * cover[:, None]
            + p.binding_cost * w.binding * (1.0 - w.revisionism[None, :]))


@compiled
def alliance_obligations(w: State, p: Coefficients) -> np.ndarray:
    """Mechanism 5: the autonomy an alliance costs (obligations, pressure to follow)."""
    return p.obligation_weight * clip(w.alliance.sum(axis=1), 0.0, 1.0)


@compiled
def follow_patron(w: State, p: Coefficients) -> None:
    """Mechanism 5: allies are pulled toward their patron's line (Belarus in the Union State)."""
    pull = p.patron_pull * w.alliance * w.alive[:, None]
    w.alignment[:] += pull * (1.0 - w.alignment)


@compiled
def defence(w: State) -> np.ndarray:
    """Mechanism 6: a small state's own strength at home, raised by its arming."""
    return w.cap * (0.5 + w.arming)


@compiled
def war_odds(w: State, support: np.ndarray) -> np.ndarray:
    """Mechanism 6: [s, g] chance that great power g wins a war on s, against the state's own
    defence and the support [s, g] its allies would bring against g."""
    lp = local_power(w)
    return lp / (lp + defence(w)[:, None] + support + EPS)


@compiled
def expected_support(w: State, credibility: np.ndarray) -> np.ndarray:
    """[s, g]: allied strength expected against an attack by g (credible guarantees only)."""
    return (credibility * local_power(w)) @ w.hostility


@compiled
def power_shift(w: State, p: Coefficients) -> None:
    """Mechanism 8: great powers rise and decline (balancers arm), small states grow and arm."""
    arming = p.gp_arming_boost * (w.gp_stance == Strategy.BALANCE.value)
    w.gp_cap[:] = w.gp_cap * np.exp(w.gp_growth + arming)
    w.cap[:] = np.where(w.alive, w.cap * np.exp(w.growth + p.arming_effect * (w.arming - 0.5)), w.cap)


@compiled
def domestic_turnover(w: State, p: Coefficients, u: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Mechanism 9: governments change; a new one brings its own tilt between the powers."""
    turnover = w.alive & (u < p.turnover_rate)
    w.orientation[:] = np.where(turnover, z * p.orientation_spread, w.orientation)
    return turnover


@compiled
def war_motive(w: State, p: Coefficients) -> np.ndarray:
    """Why a great power would fight: insecurity (its threat from the state) and territorial or
    hegemonic aims, which a state already in its camp satisfies; both weigh as much as the power
    is revisionist (a status-quo power contains a threat rather than invading it)."""
    aims = p.revisionism_weight * w.proximity * (1.0 - w.alignment)
    return w.revisionism[None, :] * (w.gp_threat + aims)


@compiled
def coercion(w: State, p: Coefficients, motive: np.ndarray, odds: np.ndarray, cost: np.ndarray,
             lev: np.ndarray, u: np.ndarray, u_concede: np.ndarray) -> None:
    """Coercion short of war, drawn from ``coercion_hazard``: a state concedes as far as it is
    dependent or weak, losing autonomy and welfare, and remembers who coerced it."""
    hazard = coercion_hazard(p, motive, odds, cost, lev)
    w.coerced[:] = w.alive[:, None] & (u < hazard) & (w.proximity > 0)
    conceded = w.coerced & (u_concede < np.maximum(lev, odds))
    w.coercions[:] += row_any(w.coerced)
    w.concessions[:] = clip(w.concessions + p.concession_size * conceded.sum(axis=1), 0.0, 1.0)
    w.welfare[:] *= np.exp(-p.coercion_loss * (lev * w.coerced).sum(axis=1))
    w.coercion_memory[:] = np.maximum(w.coercion_memory, 0.5 * w.coerced)
    w.alignment[:] += 0.5 * p.concession_size * conceded * (1.0 - w.alignment)


@compiled
def war_hazard(p: Coefficients, motive: np.ndarray, odds: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """[s, g] yearly chance of war: rises with its expected value (motive times the odds of
    winning, which credible guarantees and deterrence lower) and falls with its cost."""
    return _sigmoid(p.war_intercept + p.war_slope * (odds * motive - cost))


@compiled
def coercion_hazard(p: Coefficients, motive: np.ndarray, odds: np.ndarray, cost: np.ndarray,
                    lev: np.ndarray) -> np.ndarray:
    """[s, g] yearly chance of coercion: rises with motive and with the leverage or military
    edge that makes coercion work, falls (less than war) with its cost."""
    return _sigmoid(p.coercion_intercept + p.coercion_slope * (motive * 0.5 * (lev + odds) - 0.5 * cost))


@compiled
def war_onset(w: State, p: Coefficients, motive: np.ndarray, odds: np.ndarray, cost: np.ndarray,
              u: np.ndarray) -> np.ndarray:
    """War onset: a stochastic event drawn from ``war_hazard``. Returns the attacker per state
    (the one with the highest hazard among those who attack), or -1."""
    hazard = war_hazard(p, motive, odds, cost)
    attacked = w.alive[:, None] & (u < hazard) & (w.proximity > 0)
    attacker = np.argmax(np.where(attacked, hazard, -1.0), axis=1)
    return np.where(row_any(attacked), attacker, -1)


@compiled
def fight_war(w: State, p: Coefficients, step: int, attacker: np.ndarray,
              credibility: np.ndarray, u_ally: np.ndarray, u_win: np.ndarray,
              u_end: np.ndarray) -> None:
    """War outcome: allies come as far as their guarantee is credible now; a defeated state
    loses territory and capability, and may cease to exist (Fazal 2007)."""
    w.at_war[:] = False
    at_war = attacker >= 0
    if not at_war.any():
        return
    a = np.where(at_war, attacker, 0)
    joins = (u_ally < credibility) * w.hostility[a]  # allies hostile to the attacker
    support = (joins * local_power(w)).sum(axis=1)
    odds = war_odds(w, support[:, None])
    lost = np.zeros_like(at_war)
    for s in np.flatnonzero(at_war):
        w.at_war[s, a[s]] = True
        lost[s] = u_win[s] < odds[s, a[s]]
    loss = np.where(lost, p.war_territory_loss, np.where(at_war, 0.25 * p.war_territory_loss, 0.0))
    w.territory[:] *= 1.0 - loss
    w.cap[:] *= 1.0 - loss
    w.welfare[:] *= np.where(at_war, 1.0 - p.war_welfare_loss, 1.0)
    w.concessions[:] = np.where(lost, clip(w.concessions + p.concession_size, 0.0, 1.0), w.concessions)
    w.coercion_memory[:] = np.where(w.at_war, 1.0, w.coercion_memory)
    w.wars[:] += at_war
    w.first_war_step[:] = np.where(at_war & (w.first_war_step < 0), step, w.first_war_step)
    _end(w, step, lost & (u_end < p.conquest_rate * w.revisionism[a]), EndCause.CONQUERED.value)


@compiled
def absorption(w: State, p: Coefficients, step: int, lev: np.ndarray, u: np.ndarray) -> None:
    """Peaceful absorption: a state with almost no autonomy left can be absorbed by the power
    that holds it, the more so the more revisionist that power is (Fazal 2007)."""
    holder = np.argmax(lev + w.alliance + w.bases, axis=1)
    lack = clip((p.absorption_threshold - w.autonomy) / max(p.absorption_threshold, EPS), 0.0, 1.0)
    hazard = p.absorption_rate * lack * w.revisionism[holder]
    _end(w, step, w.alive & (u < hazard), EndCause.ABSORBED.value)


@compiled
def _end(w: State, step: int, ended: np.ndarray, cause: int) -> None:
    w.alive[:] = w.alive & ~ended
    w.end_step[:] = np.where(ended, step, w.end_step)
    w.end_cause[:] = np.where(ended, cause, w.end_cause)


@compiled
def autonomy(w: State, p: Coefficients, lev: np.ndarray) -> np.ndarray:
    """Autonomy in [0, 1]: no partner with decisive leverage, no foreign bases, no binding
    obligations, no coerced concessions (THEORY.md outcomes). Zero once the state is gone."""
    free = ((1.0 - row_max(lev))
            * (1.0 - clip(w.bases.sum(axis=1), 0.0, 1.0))
            * (1.0 - alliance_obligations(w, p))
            * (1.0 - w.concessions))
    return np.where(w.alive, clip(free, 0.0, 1.0), 0.0)


@compiled
def welfare(w: State, p: Coefficients, lev: np.ndarray) -> None:
    """Welfare: a patron's subsidies to aligned dependants, less the cost of arming above the
    norm (coercion and war losses are booked where they happen)."""
    subsidy = p.subsidy_rate * (w.alignment * lev).sum(axis=1)
    burden = p.arming_cost * np.maximum(w.arming - 0.5, 0.0)
    w.welfare[:] = np.where(w.alive, w.welfare * np.exp(subsidy - burden), w.welfare)


@compiled
def recover(w: State, p: Coefficients) -> None:
    """Memories of coercion and coerced concessions fade."""
    w.coercion_memory[:] *= 1.0 - p.coercion_memory_decay
    w.concessions[:] *= 1.0 - p.concession_decay

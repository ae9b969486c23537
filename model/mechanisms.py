"""The mechanisms of docs/theory.md, one function each, over every small state at once.

Each function reads the world's ``State`` ``w`` and the ``Coefficients`` ``p`` and returns arrays
(or updates in place the state it names); the equations, parameters and sources are in
docs/ODD.md under the function's name. They are compiled with numba and written as loops over
states and powers (one pass per mechanism rather than an array operation per term), working out
an event's consequences only where it happens. They are called the same way from Python (tests,
the recorder, the page). No function here reads a strategy: strategies act only through the
instruments they set (agents/).
"""

from __future__ import annotations

import numpy as np

from hedgesim.model.codes import EndCause, Strategy
from hedgesim.model.compiled import compiled, vector_exp, vector_log
from hedgesim.model.world import State, clip, clip_unit, largest, rival_sum, row_max, total
from hedgesim.scenarios.params import Coefficients

EPS = 1e-9
Num = float | np.ndarray  # the functions that take it work on a pair and on whole arrays alike


@compiled
def chance(log_odds: np.ndarray) -> np.ndarray:
    """[s, g] yearly probability of events from their log-odds (the logistic function), with
    numpy's vectorised exponential: the event happens where the year's uniform draw is below it."""
    out = -log_odds
    vector_exp(out)
    flat = out.reshape(out.size)
    for k in range(flat.size):
        flat[k] = 1.0 / (1.0 + flat[k])
    return out


@compiled
def recycled(u: float, p: float) -> float:
    """A fresh uniform from a draw ``u`` already spent on an event of probability ``p`` (it
    happened iff u < p): where u lies on its side of p is uniform and independent of whether the
    event happened (Devroye 1986), so one draw decides an event and what follows from it,
    and the year needs fewer random numbers."""
    return u / p if u < p else (u - p) / (1.0 - p)


@compiled
def local_power(capability: Num, reach: Num) -> Num:
    """Strength a great power can bring to bear at a small state: its capability times its
    reach there (loss of strength with distance, Boulding 1962). Scalars, or [g] and [s, g]."""
    return capability * reach


@compiled
def threat_perception(w: State, p: Coefficients) -> np.ndarray:
    """Mechanism 1 (Walt): a small state's threat from each great power is the weighted geometric
    mean of aggregate power, proximity, offensive capability and perceived intentions (each
    floored at 0.001, so that a missing source weighs heavily but finitely)."""
    weights = np.array([p.threat_w_power, p.threat_w_proximity, p.threat_w_offense, p.threat_w_intent])
    weights /= max(weights.sum(), EPS)
    n, g = w.reach.shape
    offense = np.maximum(w.gp_arming, 1e-3)  # a power's, the same at every state
    vector_log(offense)
    logs = np.empty((n, g, 3))
    for i in range(n):
        for j in range(g):
            logs[i, j, 0] = max(w.gp_cap[j] / (w.gp_cap[j] + w.cap[i]), 1e-3)
            logs[i, j, 1] = max(w.proximity[i, j], 1e-3)
            logs[i, j, 2] = max(clip(w.revisionism[j] + w.coercion_memory[i, j] + w.regime_fear[i, j],
                                     0.0, 1.0), 1e-3)
    vector_log(logs)
    threat = np.empty((n, g))
    for i in range(n):
        for j in range(g):
            threat[i, j] = (weights[0] * logs[i, j, 0] + weights[1] * logs[i, j, 1]
                            + weights[2] * offense[j] + weights[3] * logs[i, j, 2])
    vector_exp(threat)
    return threat


@compiled
def perceive_drift(w: State, p: Coefficients, rival_align: np.ndarray) -> None:
    """Mechanism 2, its dynamic part: a great power remembers each year's move of a small state
    toward its rivals (``rival_align``, from ``rival_alignment``) and away from itself;
    defections and drifts are the dangerous moments."""
    n, g = w.reach.shape
    for i in range(n):
        for j in range(g):
            gap = rival_align[i, j] - w.alignment[i, j]
            w.drift[i, j] = p.drift_memory * w.drift[i, j] + max(gap - w.rival_gap[i, j], 0.0)
            w.rival_gap[i, j] = gap


@compiled
def rival_bases(w: State) -> np.ndarray:
    """[s, g]: how far each small state hosts the bases of each great power's rivals."""
    return clip_unit(rival_sum(w.bases, w.hostility))


@compiled
def local_powers(w: State) -> np.ndarray:
    """[s, g] ``local_power`` of every great power at every small state."""
    n, g = w.reach.shape
    out = np.empty((n, g))
    for i in range(n):
        for j in range(g):
            out[i, j] = local_power(w.gp_cap[j], w.reach[i, j])
    return out


@compiled
def effective_assurance(assurance: Num, rival_align: Num, rival_base: Num) -> Num:
    """Mechanism 7: assurance is believed only as far as the state's deeds do not contradict it
    (its alignment with and bases of the power's rivals: ``rival_alignment``, ``rival_bases``).
    Scalars or [s, g] arrays."""
    return assurance * (1.0 - rival_align) * (1.0 - rival_base)


@compiled
def polarity(w: State) -> float:
    """Bloc polarity: how committed the living small states are to one great power (mean of
    their strongest alignment); 1 means a world of tight blocs (E-IR 2024)."""
    committed, living = 0.0, 0
    for i in range(w.cap.shape[0]):
        if w.alive[i]:
            committed += largest(w.alignment[i])
            living += 1
    return committed / living if living else 0.0


@compiled
def alignment_threat(w: State, p: Coefficients, rival_align: np.ndarray) -> np.ndarray:
    """Mechanism 2: a great power's threat from each small state, from its alignment with the
    power's rivals (``rival_align``, from ``rival_alignment``), the rivals' bases, its formal
    alliances with them (entrapment), the drift of its alignment, and bloc pressure on the
    non-aligned; assurance discounts it."""
    rival_base = rival_bases(w)
    entangled = rival_sum(w.alliance, w.hostility)
    bloc = p.bloc_pressure * polarity(w)
    hostile = row_max(w.hostility)
    n, g = w.reach.shape
    out = np.empty((n, g))
    for i in range(n):
        for j in range(g):
            raw = (p.gp_w_alignment * rival_align[i, j] + p.gp_w_bases * rival_base[i, j]
                   + p.entrapment * clip(entangled[i, j], 0.0, 1.0)
                   + p.gp_w_drift * w.drift[i, j]
                   + bloc * (1.0 - w.alignment[i, j]) * hostile[j])
            assured = effective_assurance(w.assurance[i, j], rival_align[i, j], rival_base[i, j])
            out[i, j] = -raw * w.proximity[i, j] * (1.0 - p.assurance_effect * assured)
    vector_exp(out)
    return 1.0 - out


@compiled
def clients(w: State) -> np.ndarray:
    """[g]: each great power's living clients, counted by the strength of their alliances."""
    out = np.zeros(w.gp_cap.shape[0])
    for i in range(w.cap.shape[0]):
        if w.alive[i]:
            for j in range(out.shape[0]):
                out[j] += w.alliance[i, j]
    return out


@compiled
def guarantee_credibility(w: State, p: Coefficients) -> np.ndarray:
    """Mechanism 3: a guarantee protects only as far as it is formal, the patron is resolved and
    locally strong against the powers hostile to it, and not thinned over too many clients."""
    lp = local_powers(w)
    adversary = rival_sum(lp, w.hostility)
    thinning = 1.0 + p.overstretch * clients(w)
    n, g = w.reach.shape
    out = np.empty((n, g))
    for i in range(n):
        for j in range(g):
            share = lp[i, j] / (lp[i, j] + adversary[i, j] + EPS)
            out[i, j] = w.alliance[i, j] * w.resolve[j] * share / thinning[j]
    return out


@compiled
def abandonment(w: State, p: Coefficients, u: np.ndarray) -> np.ndarray:
    """Mechanism 3: great powers make deals behind their junior partners' backs; the less
    aligned (more ambiguous) the partner, the likelier (Ngo 2024)."""
    out = np.empty(u.shape, dtype=np.bool_)
    n, g = u.shape
    for i in range(n):
        for j in range(g):
            out[i, j] = u[i, j] < p.abandonment_rate * (2.0 - w.alignment[i, j])
    return out


@compiled
def credible_guarantees(w: State, p: Coefficients, u: np.ndarray) -> None:
    """Mechanism 3 for the year: each guarantee's credibility, nil where the patron abandons
    the client this year (``guarantee_credibility``, ``abandonment``)."""
    credibility, abandoned = guarantee_credibility(w, p), abandonment(w, p, u)
    n, g = u.shape
    for i in range(n):
        for j in range(g):
            w.credibility[i, j] = 0.0 if abandoned[i, j] else credibility[i, j]


@compiled
def dependency_on(w: State, p: Coefficients, rows: np.ndarray | None = None) -> np.ndarray:
    """[s, partner] dependency across trade, energy and credit, weighted by channel (all states,
    or those in ``rows``)."""
    total = max(p.w_trade + p.w_energy + p.w_credit, EPS)
    weight = (p.w_trade / total, p.w_energy / total, p.w_credit / total)
    idx = np.arange(w.cap.shape[0]) if rows is None else rows
    out = np.empty((idx.shape[0], w.dependency.shape[2]))
    for r in range(idx.shape[0]):
        d = w.dependency[idx[r]]
        for k in range(out.shape[1]):
            out[r, k] = weight[0] * d[0, k] + weight[1] * d[1, k] + weight[2] * d[2, k]
    return out


@compiled
def leverage(w: State, p: Coefficients, dep: np.ndarray) -> np.ndarray:
    """Mechanism 4: a great power's coercive leverage is the state's dependency on it (``dep``,
    from ``dependency_on``), lowered when the rest of its ties are spread widely
    (diversification; Hirschman 1945)."""
    out = np.empty((dep.shape[0], w.gp_cap.shape[0]))
    for r in range(dep.shape[0]):
        concentration = 0.0
        for k in range(dep.shape[1]):
            concentration += dep[r, k] ** 2
        for j in range(out.shape[1]):
            on = dep[r, j]
            hhi_rest = (concentration - on**2) / max(1.0 - on, EPS) ** 2
            out[r, j] = on * (1.0 - p.substitutability * (1.0 - clip(hhi_rest, 0.0, 1.0)))
    return out


@compiled
def restraint(w: State, p: Coefficients, dep: np.ndarray) -> np.ndarray:
    """Mechanisms 4 and 7: what a great power loses by attacking: shared trade (interdependence,
    ``dep`` from ``dependency_on``), third partners' reaction (active cover), and the
    institutions it is bound in, which restrain it only as far as it is not bent on overturning
    them."""
    n, g = w.reach.shape
    out = np.empty((n, g))
    for i in range(n):
        cover = total(dep[i, g:-1])
        for j in range(g):
            out[i, j] = (p.interdependence_cost * dep[i, j] + p.cover_cost * cover
                         + p.binding_cost * w.binding[i, j] * (1.0 - w.revisionism[j]))
    return out


@compiled
def alliance_obligations(w: State, p: Coefficients) -> np.ndarray:
    """Mechanism 5: the autonomy an alliance costs (obligations, pressure to follow)."""
    out = np.empty(w.cap.shape[0])
    for i in range(out.shape[0]):
        out[i] = p.obligation_weight * clip(total(w.alliance[i]), 0.0, 1.0)
    return out


@compiled
def follow_patron(w: State, p: Coefficients) -> None:
    """Mechanism 5: allies are pulled toward their patron's line (Belarus in the Union State)."""
    n, g = w.reach.shape
    for i in range(n):
        if w.alive[i]:
            for j in range(g):
                w.alignment[i, j] += p.patron_pull * w.alliance[i, j] * (1.0 - w.alignment[i, j])


@compiled
def defence(capability: Num, arming: Num) -> Num:
    """Mechanism 6: a small state's own strength at home, raised by its arming. Scalars or [s]."""
    return capability * (0.5 + arming)


@compiled
def war_odds(w: State, support: np.ndarray) -> np.ndarray:
    """Mechanism 6: [s, g] chance that great power g wins a war on s, against the state's own
    defence and the support [s, g] its allies would bring against g."""
    n, g = w.reach.shape
    out = np.empty((n, g))
    for i in range(n):
        own = defence(w.cap[i], w.arming[i])
        for j in range(g):
            lp = local_power(w.gp_cap[j], w.reach[i, j])
            out[i, j] = lp / (lp + own + support[i, j] + EPS)
    return out


@compiled
def expected_support(w: State, credibility: np.ndarray) -> np.ndarray:
    """[s, g]: allied strength expected against an attack by g (credible guarantees only)."""
    lp = local_powers(w)
    lp *= credibility
    return rival_sum(lp, w.hostility)


@compiled
def power_shift(w: State, p: Coefficients) -> None:
    """Mechanism 8: great powers rise and decline (balancers arm), small states grow and arm."""
    for j in range(w.gp_cap.shape[0]):
        arming = p.gp_arming_boost if w.gp_stance[j] == Strategy.BALANCE.value else 0.0
        w.gp_cap[j] *= np.exp(w.gp_growth[j] + arming)
    for i in range(w.cap.shape[0]):
        if w.alive[i]:
            w.cap[i] *= np.exp(w.growth[i] + p.arming_effect * (w.arming[i] - 0.5))


@compiled
def normal_tilt(u1: float, u2: float) -> float:
    """A standard normal draw from two uniforms (Box and Muller 1958)."""
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@compiled
def domestic_turnover(w: State, p: Coefficients, u: np.ndarray, tilt: np.ndarray) -> np.ndarray:
    """Mechanism 9: governments change; a new one brings its own tilt between the powers,
    normal with spread ``orientation_spread`` (``normal_tilt`` of the state's two uniforms in
    ``tilt`` [2, s], worked out only where a government changes)."""
    turnover = np.empty(u.shape[0], dtype=np.bool_)
    for i in range(u.shape[0]):
        turnover[i] = w.alive[i] and u[i] < p.turnover_rate
        if turnover[i]:
            w.orientation[i] = normal_tilt(tilt[0, i], tilt[1, i]) * p.orientation_spread
    return turnover


@compiled
def war_motive(w: State, p: Coefficients) -> np.ndarray:
    """Why a great power would fight: insecurity (its threat from the state) and territorial or
    hegemonic aims, which a state already in its camp satisfies; both weigh as much as the power
    is revisionist (a status-quo power contains a threat rather than invading it). With
    ``policing`` (under trial, off by default), a patron also polices its own ally as far as the
    ally drifts away from it, whatever its aims (mechanism 2)."""
    n, g = w.reach.shape
    out = np.empty((n, g))
    for i in range(n):
        for j in range(g):
            aims = p.revisionism_weight * w.proximity[i, j] * (1.0 - w.alignment[i, j])
            police = p.policing * w.alliance[i, j] * w.drift[i, j]
            out[i, j] = w.revisionism[j] * (w.gp_threat[i, j] + aims) + police
    return out


@compiled
def dispute_propensity(w: State, p: Coefficients) -> np.ndarray:
    """[s, g] what a pair's history of disputes adds to the log-odds of the next, coercion or
    war: ``grievance_weight · log(1 + grievance)``. Rivalry has a momentum of its own, whatever
    the balance of motive and odds (Diehl & Goertz 2000), with diminishing returns as disputes
    repeat (their ritualisation: Senese & Vasquez 2005). Under trial, off by default."""
    out = np.empty(w.grievance.shape)
    n, g = out.shape
    for i in range(n):
        for j in range(g):
            out[i, j] = p.grievance_weight * np.log1p(w.grievance[i, j])
    return out


@compiled
def coercion(w: State, p: Coefficients, motive: np.ndarray, odds: np.ndarray, cost: np.ndarray,
             lev: np.ndarray, history: np.ndarray, u: np.ndarray) -> None:
    """Coercion short of war, drawn from ``coercion_hazard``: a state concedes as far as it is
    dependent or weak (decided by the rest of the episode's draw, ``recycled``), losing autonomy
    and welfare, and remembers who coerced it."""
    hazard = coercion_hazard(p, motive, odds, cost, lev, history)
    n, g = w.reach.shape
    # bound once, as numba would count a reference to them at every pair of the loop
    episode, alignment = w.coerced, w.alignment
    chance = w.coercion_chance
    for i in range(n):
        coerced, conceded, loss = False, 0, 0.0
        for j in range(g):
            exposed = w.alive[i] and w.proximity[i, j] > 0
            chance[i, j] = hazard[i, j] if exposed else 0.0
            hit = exposed and u[i, j] < hazard[i, j]
            episode[i, j] = hit
            if hit:
                coerced, loss = True, loss + lev[i, j]
                w.coercion_memory[i, j] = max(w.coercion_memory[i, j], 0.5)
                if recycled(u[i, j], hazard[i, j]) < max(lev[i, j], odds[i, j]):
                    conceded += 1
                    alignment[i, j] += 0.5 * p.concession_size * (1.0 - alignment[i, j])
        if coerced:
            w.coercions[i] += 1
            w.concessions[i] = clip(w.concessions[i] + p.concession_size * conceded, 0.0, 1.0)
            w.welfare[i] *= np.exp(-p.coercion_loss * loss)


@compiled
def war_log_odds(p: Coefficients, motive: Num, odds: Num, cost: Num, history: Num) -> Num:
    """Log-odds of war in a year (of a pair, or [s, g]): rises with its expected value (motive
    times the odds of winning, which credible guarantees and deterrence lower) and with the
    pair's history of disputes (``dispute_propensity``), and falls with its cost."""
    return p.war_intercept + p.war_slope * (odds * motive - cost) + history


@compiled
def war_hazard(p: Coefficients, motive: np.ndarray, odds: np.ndarray, cost: np.ndarray,
               history: np.ndarray) -> np.ndarray:
    """[s, g] yearly chance of war, from ``war_log_odds``."""
    out = np.empty(motive.shape)
    n, g = motive.shape
    for i in range(n):
        for j in range(g):
            out[i, j] = war_log_odds(p, motive[i, j], odds[i, j], cost[i, j], history[i, j])
    return chance(out)


@compiled
def coercion_log_odds(p: Coefficients, motive: Num, odds: Num, cost: Num, lev: Num,
                      history: Num) -> Num:
    """Log-odds of a coercion episode in a year (of a pair, or [s, g]): rises with motive and
    with the leverage or military edge that makes coercion work, and with the pair's history of
    disputes (``dispute_propensity``); falls (less than war) with its cost."""
    return (p.coercion_intercept + p.coercion_slope * (motive * 0.5 * (lev + odds) - 0.5 * cost)
            + history)


@compiled
def coercion_hazard(p: Coefficients, motive: np.ndarray, odds: np.ndarray, cost: np.ndarray,
                    lev: np.ndarray, history: np.ndarray) -> np.ndarray:
    """[s, g] yearly chance of a coercion episode, from ``coercion_log_odds``."""
    out = np.empty(motive.shape)
    n, g = motive.shape
    for i in range(n):
        for j in range(g):
            out[i, j] = coercion_log_odds(p, motive[i, j], odds[i, j], cost[i, j], lev[i, j],
                                          history[i, j])
    return chance(out)


@compiled
def war_onset(w: State, hazard: np.ndarray, u: np.ndarray) -> np.ndarray:
    """War onset: a stochastic event drawn from ``war_hazard``. Returns the attacker per state
    (the one with the highest hazard among those who attack), or -1. Each pair's chance of
    being the attack this year, under that rule, is kept in ``war_chance``: the power's hazard
    times the chance that no power ahead of it (a higher hazard, or an equal one listed
    earlier) attacks."""
    n, g = w.reach.shape
    attacker = np.full(n, -1)
    chance = w.war_chance
    for i in range(n):
        top = -1.0
        for j in range(g):
            exposed = w.alive[i] and w.proximity[i, j] > 0
            if exposed and u[i, j] < hazard[i, j] and hazard[i, j] > top:
                top, attacker[i] = hazard[i, j], j
        for j in range(g):
            chance[i, j] = 0.0
            if w.alive[i] and w.proximity[i, j] > 0:
                chance[i, j] = hazard[i, j]
                for k in range(g):
                    ahead = hazard[i, k] > hazard[i, j] or (hazard[i, k] == hazard[i, j] and k < j)
                    if k != j and ahead and w.proximity[i, k] > 0:
                        chance[i, j] *= 1.0 - hazard[i, k]
    return attacker


@compiled
def fight_war(w: State, p: Coefficients, step: int, attacker: np.ndarray, credibility: np.ndarray,
              hazard: np.ndarray, u: np.ndarray, u_win: np.ndarray, u_end: np.ndarray) -> None:
    """War outcome: allies hostile to the attacker come as far as their guarantee is credible now
    (decided by the rest of their own war draw ``u`` against ``hazard``, ``recycled``); a
    defeated state loses territory and capability, and may cease to exist (Fazal 2007)."""
    w.at_war[:] = False
    at_war = attacker >= 0
    if not at_war.any():
        return
    a = np.where(at_war, attacker, 0)
    support = np.zeros(hazard.shape)  # [s, g]: allies' strength against the attacker only
    for s in np.flatnonzero(at_war):
        for j in range(hazard.shape[1]):
            if recycled(u[s, j], hazard[s, j]) < credibility[s, j]:
                support[s, a[s]] += w.hostility[a[s], j] * local_power(w.gp_cap[j], w.reach[s, j])
    odds = war_odds(w, support)
    lost = np.zeros_like(at_war)
    for s in np.flatnonzero(at_war):
        w.at_war[s, a[s]] = True
        w.war_starts[s, a[s]] += 1
        lost[s] = u_win[s] < odds[s, a[s]]
    loss = np.where(lost, p.war_territory_loss, np.where(at_war, 0.25 * p.war_territory_loss, 0.0))
    w.territory[:] *= 1.0 - loss
    w.cap[:] *= 1.0 - loss
    w.welfare[:] *= np.where(at_war, 1.0 - p.war_welfare_loss, 1.0)
    w.concessions[:] = np.where(lost, clip(w.concessions + p.concession_size, 0.0, 1.0), w.concessions)
    w.coercion_memory[:] = np.where(w.at_war, 1.0, w.coercion_memory)
    w.wars[:] += at_war
    w.first_war_step[:] = np.where(at_war & (w.first_war_step < 0), step, w.first_war_step)
    # Conquered: a defeated state the attacker annexes, or one left with no territory at all.
    conquered = lost & ((u_end < p.conquest_rate * w.revisionism[a]) | (w.territory <= 0.0))
    _end(w, step, conquered, EndCause.CONQUERED.value)


@compiled
def remember_disputes(w: State, p: Coefficients) -> None:
    """Dyadic memory: a power's grievance toward a state grows by one with each year it coerces
    or attacks it, and fades by ``grievance_decay`` a year, so that a pair's disputes make the
    next likelier and a decade of peace lets them lapse (enduring rivalries: Diehl & Goertz
    2000; the steps to war: Senese & Vasquez 2005)."""
    n, g = w.grievance.shape
    for i in range(n):
        for j in range(g):
            dispute = 1.0 if (w.coerced[i, j] or w.at_war[i, j]) else 0.0
            w.grievance[i, j] = (1.0 - p.grievance_decay) * w.grievance[i, j] + dispute


@compiled
def absorption(w: State, p: Coefficients, step: int, lev: np.ndarray, u: np.ndarray) -> None:
    """Peaceful absorption: a state with almost no autonomy left can be absorbed by the power
    that holds it, the more so the more revisionist that power is (Fazal 2007)."""
    absorbed = np.zeros(w.cap.shape[0], dtype=np.bool_)
    for i in range(absorbed.shape[0]):
        lack = (p.absorption_threshold - w.autonomy[i]) / max(p.absorption_threshold, EPS)
        if w.alive[i] and lack > 0:
            holder, most = 0, -np.inf  # the power with the most leverage, alliance and bases
            for j in range(lev.shape[1]):
                hold = lev[i, j] + w.alliance[i, j] + w.bases[i, j]
                if hold > most:
                    holder, most = j, hold
            hazard = p.absorption_rate * clip(lack, 0.0, 1.0) * w.revisionism[holder]
            absorbed[i] = u[i] < hazard
    _end(w, step, absorbed, EndCause.ABSORBED.value)


@compiled
def _end(w: State, step: int, ended: np.ndarray, cause: int) -> None:
    for i in range(ended.shape[0]):
        if ended[i]:
            w.alive[i] = False
            w.end_step[i] = step
            w.end_cause[i] = cause
            w.autonomy[i] = 0.0  # an ended state has none


@compiled
def autonomy_parts(w: State, p: Coefficients, lev: np.ndarray) -> np.ndarray:
    """[s, 4] what autonomy is the absence of (docs/theory.md outcomes), each in [0, 1]: the
    largest partner's leverage, foreign bases, binding alliance obligations and coerced
    concessions (``AUTONOMY_PARTS``); zeros once the state is gone."""
    obligations = alliance_obligations(w, p)
    out = np.zeros((w.cap.shape[0], 4))
    for i in range(out.shape[0]):
        if w.alive[i]:
            out[i, 0] = largest(lev[i])
            out[i, 1] = clip(total(w.bases[i]), 0.0, 1.0)
            out[i, 2] = obligations[i]
            out[i, 3] = w.concessions[i]
    return out


@compiled
def autonomy(w: State, parts: np.ndarray) -> np.ndarray:
    """Autonomy in [0, 1]: no partner with decisive leverage, no foreign bases, no binding
    obligations, no coerced concessions, from ``autonomy_parts``. Zero once the state is gone."""
    out = np.zeros(w.cap.shape[0])
    for i in range(out.shape[0]):
        if w.alive[i]:
            free = ((1.0 - parts[i, 0])
                    * (1.0 - parts[i, 1])
                    * (1.0 - parts[i, 2])
                    * (1.0 - parts[i, 3]))
            out[i] = clip(free, 0.0, 1.0)
    return out


@compiled
def welfare(w: State, p: Coefficients, lev: np.ndarray) -> None:
    """Welfare: a patron's subsidies to aligned dependants, less the cost of arming above the
    norm (coercion and war losses are booked where they happen)."""
    for i in range(w.cap.shape[0]):
        if w.alive[i]:
            subsidy = 0.0
            for j in range(lev.shape[1]):
                subsidy += w.alignment[i, j] * lev[i, j]
            subsidy *= p.subsidy_rate
            burden = p.arming_cost * max(w.arming[i] - 0.5, 0.0)
            w.welfare[i] *= np.exp(subsidy - burden)


@compiled
def recover(w: State, p: Coefficients) -> None:
    """Memories of coercion and coerced concessions fade."""
    memory = w.coercion_memory.reshape(w.coercion_memory.size)
    for k in range(memory.size):
        memory[k] *= 1.0 - p.coercion_memory_decay
    for i in range(w.concessions.shape[0]):
        w.concessions[i] *= 1.0 - p.concession_decay

"""Each mechanism moves the way its theory says (docs/theory.md; docs/ODD.md)."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from scipy import stats

from hedgesim.model import mechanisms as m
from hedgesim.model.agents import gumbel
from hedgesim.model.world import rival_alignment, rival_sum
from tests.helpers import small_model

NEAR, FAR = 0, 1


def alignment_threat(w, p):
    return m.alignment_threat(w, p, rival_alignment(w))


def leverage(w, p):
    return m.leverage(w, p, m.dependency_on(w, p))


def restraint(w, p):
    return m.restraint(w, p, m.dependency_on(w, p))


def test_alignment_with_the_rival_raises_the_neighbours_threat():
    model = small_model()
    w, p = model.world.state, model.coefs
    before = alignment_threat(w, p)[0, NEAR]
    w.alignment[0, FAR] = 0.9
    assert alignment_threat(w, p)[0, NEAR] > before


def test_rival_bases_raise_the_neighbours_threat():
    model = small_model()
    w, p = model.world.state, model.coefs
    before = alignment_threat(w, p)[0, NEAR]
    w.bases[0, FAR] = 0.8
    assert alignment_threat(w, p)[0, NEAR] > before


def test_a_clients_drift_away_from_its_patron_raises_the_patrons_threat():
    model = small_model(alignment={"Near": 0.8, "Far": 0.0}, alliance={"Near": 1.0})
    w, p = model.world.state, model.coefs
    before = alignment_threat(w, p)[0, NEAR]
    w.alignment[0] = [0.6, 0.2]  # the client drifts, still closer to its patron than to the rival
    m.perceive_drift(w, p, rival_alignment(w))
    drifted = alignment_threat(w, p)[0, NEAR]
    assert drifted > before
    # the same position reached without a move (no drift) is read as less threatening
    steady = small_model(alignment={"Near": 0.6, "Far": 0.2}, alliance={"Near": 1.0})
    assert alignment_threat(steady.world.state, steady.coefs)[0, NEAR] < drifted


def test_assurance_lowers_threat_unless_deeds_contradict_it():
    model = small_model()
    w, p = model.world.state, model.coefs
    before = alignment_threat(w, p)[0, NEAR]
    w.assurance[0, NEAR] = 1.0
    assured = alignment_threat(w, p)[0, NEAR]
    assert assured < before
    w.bases[0, FAR] = 1.0
    assert m.effective_assurance(w.assurance, rival_alignment(w), m.rival_bases(w))[0, NEAR] == 0.0


def test_walts_sources_of_threat_each_raise_perceived_threat():
    def threat_after(change) -> float:
        model = small_model()
        change(model.world.state)
        return m.threat_perception(model.world.state, model.coefs)[0, NEAR]

    base = threat_after(lambda w: None)
    assert threat_after(lambda w: w.gp_cap.__setitem__(NEAR, 0.2)) > base  # aggregate power
    assert threat_after(lambda w: w.proximity.__setitem__((0, NEAR), 0.3)) < base  # proximity
    assert threat_after(lambda w: w.gp_arming.__setitem__(NEAR, 0.9)) > base  # offensive capability
    assert threat_after(lambda w: w.revisionism.__setitem__(NEAR, 0.95)) > base  # intentions
    assert threat_after(lambda w: w.regime_fear.__setitem__((0, NEAR), 0.3)) > base  # domestic fears


def test_a_credible_guarantee_lowers_war_hazard():
    model = small_model(alliance={"Far": 1.0})
    w, p = model.world.state, model.coefs
    motive, cost = m.war_motive(w, p), restraint(w, p)
    credible = m.guarantee_credibility(w, p)
    assert credible[0, FAR] > 0
    history = m.dispute_propensity(w, p)
    with_guarantee = m.war_hazard(p, motive, m.war_odds(w, m.expected_support(w, credible)),
                                  cost, history)[0, NEAR]
    none = m.war_hazard(p, motive, m.war_odds(w, m.expected_support(w, 0 * credible)),
                        cost, history)[0, NEAR]
    assert with_guarantee < none


def test_credibility_needs_resolve_and_thins_with_clients():
    model = small_model(alliance={"Far": 1.0})
    w, p = model.world.state, model.coefs
    full = m.guarantee_credibility(w, p)[0, FAR]
    w.resolve[FAR] = 0.2
    assert m.guarantee_credibility(w, p)[0, FAR] < full
    p = p._replace(overstretch=1.0)
    assert m.guarantee_credibility(w, p)[0, FAR] < full


def test_ambiguity_makes_abandonment_likelier():
    model = small_model(alignment={"Near": 0.0, "Far": 1.0})
    w, p = model.world.state, model.coefs
    # between the aligned client's chance (rate x 1) and the ambiguous one's (rate x 2)
    u = np.full((1, 2), 1.5 * p.abandonment_rate)
    assert not m.abandonment(w, p, u)[0, FAR]
    w.alignment[0, FAR] = 0.0
    assert m.abandonment(w, p, u)[0, FAR]


def test_diversification_lowers_leverage():
    model = small_model()
    w, p = model.world.state, model.coefs
    before = leverage(w, p)[0, NEAR]
    spread = w.dependency.copy()
    w.dependency[0, :, NEAR] *= 0.5
    w.dependency[0, :, -1] += spread[0, :, NEAR] * 0.5
    assert leverage(w, p)[0, NEAR] < before
    # the same share on the neighbour, the rest spread over more partners: less leverage still
    model = small_model(trade={"Near": 0.3, "Far": 0.7}, energy={"Near": 0.3, "Far": 0.7},
                        credit={"Near": 0.3, "Far": 0.7})
    concentrated = leverage(model.world.state, model.coefs)[0, NEAR]
    model = small_model(trade={"Near": 0.3, "Far": 0.35, "Bloc": 0.35},
                        energy={"Near": 0.3, "Far": 0.35, "Bloc": 0.35},
                        credit={"Near": 0.3, "Far": 0.35, "Bloc": 0.35})
    assert leverage(model.world.state, model.coefs)[0, NEAR] < concentrated


def test_interdependence_cover_and_binding_raise_the_cost_of_war():
    model = small_model()
    w, p = model.world.state, model.coefs
    base = restraint(w, p)[0, NEAR]
    w.binding[0, NEAR] = 1.0
    bound = restraint(w, p)[0, NEAR]
    assert bound > base
    w.revisionism[NEAR] = 1.0  # an unalterably revisionist power is not restrained by institutions
    assert restraint(w, p)[0, NEAR] < bound
    w.dependency[0, :, NEAR] += 0.2
    w.dependency[0, :, -1] -= 0.2
    assert restraint(w, p)[0, NEAR] > base - 1e-12


def test_arming_deters_by_lowering_the_attackers_odds():
    model = small_model()
    w = model.world.state
    zero = np.zeros_like(w.alignment)
    before = m.war_odds(w, zero)[0, NEAR]
    w.arming[0] = 1.0
    assert m.war_odds(w, zero)[0, NEAR] < before


def test_alliances_bases_concessions_and_dependency_cost_autonomy():
    model = small_model()
    w, p = model.world.state, model.coefs
    base = m.autonomy(w, m.autonomy_parts(w, p, leverage(w, p)))[0]
    for field, value in (("alliance", (0, NEAR, 1.0)), ("bases", (0, NEAR, 0.5))):
        model = small_model()
        w2, p2 = model.world.state, model.coefs
        getattr(w2, field)[value[:2]] = value[2]
        assert m.autonomy(w2, m.autonomy_parts(w2, p2, leverage(w2, p2)))[0] < base
    w.concessions[0] = 0.3
    assert m.autonomy(w, m.autonomy_parts(w, p, leverage(w, p)))[0] < base
    assert (m.autonomy(w, m.autonomy_parts(w, p, leverage(w, p) + 0.2))[0]
            < m.autonomy(w, m.autonomy_parts(w, p, leverage(w, p)))[0])
    parts = m.autonomy_parts(w, p, leverage(w, p))[0]
    assert m.autonomy(w, m.autonomy_parts(w, p, leverage(w, p)))[0] == pytest.approx(
        np.prod(1.0 - parts))


def test_revisionist_aims_are_satisfied_by_alignment_and_insecurity_by_assurance():
    model = small_model()
    w, p = model.world.state, model.coefs
    base = m.war_motive(w, p)[0, NEAR]
    w.alignment[0, NEAR] = 0.9
    assert m.war_motive(w, p)[0, NEAR] < base
    w.revisionism[NEAR] = 0.0
    assert m.war_motive(w, p)[0, NEAR] == 0.0


def test_a_patron_polices_only_an_ally_that_drifts_away_and_only_when_policing_is_on():
    model = small_model(alliance={"Near": 1.0})
    w, p = model.world.state, model.coefs
    w.drift[0, NEAR] = 0.4
    off = m.war_motive(w, p)[0, NEAR]
    on = p._replace(policing=0.6)
    assert m.war_motive(w, on)[0, NEAR] == off + 0.6 * 1.0 * 0.4
    w.strategy[0] = 1 - w.strategy[0]  # the label plays no part
    assert m.war_motive(w, on)[0, NEAR] == off + 0.6 * 0.4
    w.drift[0, NEAR] = 0.0  # a loyal ally
    assert m.war_motive(w, on)[0, NEAR] == m.war_motive(w, p)[0, NEAR]
    w.drift[0, NEAR], w.alliance[0, NEAR] = 0.4, 0.0  # a drifting state that is no ally
    assert m.war_motive(w, on)[0, NEAR] == m.war_motive(w, p)[0, NEAR]


def test_following_the_patron_pulls_allies_toward_it():
    model = small_model(alliance={"Near": 1.0})
    w, p = model.world.state, model.coefs
    before = w.alignment[0, NEAR]
    m.follow_patron(w, p)
    assert w.alignment[0, NEAR] > before


def test_power_shift_follows_growth_and_balancers_arm():
    model = small_model()
    w, p = model.world.state, model.coefs
    w.gp_growth[:] = [0.05, -0.05]
    w.gp_stance[:] = 2  # hedging: no arming boost
    cap = w.gp_cap.copy()
    m.power_shift(w, p)
    assert w.gp_cap[NEAR] > cap[NEAR] and w.gp_cap[FAR] < cap[FAR]
    hedged = w.gp_cap[NEAR]
    model = small_model()
    model.world.gp_growth[:] = [0.05, -0.05]
    model.world.gp_stance[:] = 0  # balancing: arms
    m.power_shift(model.world.state, model.coefs)
    assert model.world.gp_cap[NEAR] > hedged


def test_domestic_turnover_changes_the_governments_tilt_at_its_rate():
    model = small_model()
    w, p = model.world.state, model.coefs
    p = p._replace(turnover_rate=0.0)
    one = np.array([[np.exp(-0.5)], [0.0]])  # uniforms whose normal_tilt is 1
    assert not m.domestic_turnover(w, p, np.array([0.01]), one).any()
    p = p._replace(turnover_rate=0.5)
    assert m.domestic_turnover(w, p, np.array([0.01]), one).all()
    assert w.orientation[0] == pytest.approx(p.orientation_spread)


def test_a_lost_war_costs_territory_and_can_end_the_state():
    model = small_model()
    w, p = model.world.state, model.coefs
    p = p._replace(conquest_rate=1.0)
    w.revisionism[NEAR] = 1.0
    m.fight_war(w, p, 0, np.array([NEAR]), np.zeros((1, 2)), np.zeros((1, 2)), np.ones((1, 2)),
                np.array([0.0]), np.array([0.0]))
    assert not w.alive[0] and w.end_cause[0] == 1 and w.territory[0] < 1.0 and w.wars[0] == 1


def test_absorption_only_below_the_autonomy_threshold():
    model = small_model()
    w, p = model.world.state, model.coefs
    p = p._replace(absorption_rate=1.0)
    w.autonomy[0] = 0.5
    m.absorption(w, p, 0, leverage(w, p), np.array([0.0]))
    assert w.alive[0]
    w.autonomy[0] = 0.0
    m.absorption(w, p, 0, leverage(w, p), np.array([0.0]))
    assert not w.alive[0] and w.end_cause[0] == 2


def test_no_mechanism_reads_a_strategy():
    """Outcomes arise from instruments: the mechanisms never look at what a state calls itself."""
    source = inspect.getsource(m)
    assert "w.strategy" not in source and "policy" not in source


def test_chance_is_the_logistic_function():
    """Events are drawn against ``chance`` of their log-odds (numpy's vectorised exponential
    for big arrays, numba's loop for small ones): it must be the logistic function to rounding,
    rise with the log-odds, and stay in [0, 1], whichever way it was computed."""
    for size in (101, 4001):
        log_odds = np.linspace(-40.0, 40.0, size)
        hazard = m.chance(log_odds)
        exact = np.array([1.0 / (1.0 + math.exp(-x)) for x in log_odds])
        assert np.allclose(hazard, exact, rtol=1e-14, atol=0.0)
        assert np.all(np.diff(hazard) >= 0.0) and hazard[0] >= 0.0 and hazard[-1] <= 1.0


def test_a_recycled_draw_is_a_fresh_uniform():
    """What is left of a draw once it decided an event is uniform whether the event happened or
    not, so one draw can decide an event and what follows from it (concession after coercion,
    allies joining after the war draws)."""
    draws = np.random.default_rng(3).random(60_000)
    for p in (0.02, 0.5, 0.97):
        rest = np.array([m.recycled(u, p) for u in draws])
        for side in (draws < p, draws >= p):
            assert stats.kstest(rest[side], "uniform").pvalue > 1e-3


def test_rival_sum_is_the_product_with_the_rivalry_matrix():
    """Sums over rivals loop over the rival pairs when they are few and call BLAS when many:
    both must be ``x @ hostility`` (symmetric rivalries of random strength)."""
    rng = np.random.default_rng(3)
    pairs = [(a, b) for a in range(10) for b in range(a + 1, 10)]
    for rivalries in (1, 5, 45):  # 2 and 10 non-zero entries: the loop; 90: BLAS
        hostility = np.zeros((10, 10))
        for k in rng.choice(len(pairs), rivalries, replace=False):
            a, b = pairs[k]
            hostility[a, b] = hostility[b, a] = rng.random()
        x = rng.random((50, 10))
        np.testing.assert_allclose(rival_sum(x, hostility), x @ hostility, rtol=1e-14, atol=1e-15)


def test_choice_noise_is_numpys_gumbel_stream():
    """Uniforms turned into noise for the states that choose are the draws numpy's gumbel makes
    (to rounding: the logs are numpy's vectorised ones)."""
    for size in (100, 100_000):  # numba's loop, numpy's vectorised log
        uniforms = np.random.default_rng(7).random(size)
        np.testing.assert_allclose(gumbel(uniforms), np.random.default_rng(7).gumbel(size=size),
                                   rtol=1e-13, atol=1e-15)


def test_the_recorded_chances_are_the_events_frequencies():
    """``war_chance`` is each pair's chance of being the year's attack under the onset rule (the
    drawn power with the highest hazard attacks), ``coercion_chance`` the coercion hazard: over
    many draws of the same year the events come as often as the chances say."""
    model = small_model()
    w, p = model.world.state, model.coefs
    hazard = np.array([[0.30, 0.30]])  # a tie: the power listed first goes ahead
    rng = np.random.default_rng(8)
    draws = 20_000
    attacks = np.zeros(2)
    for u in rng.random((draws, 1, 2)):
        attacker = m.war_onset(w, hazard, u)[0]
        if attacker >= 0:
            attacks[attacker] += 1
    np.testing.assert_allclose(w.war_chance[0], [0.30, 0.30 * 0.70])
    assert stats.binomtest(int(attacks[1]), draws, w.war_chance[0, 1]).pvalue > 1e-3
    assert stats.binomtest(int(attacks[0]), draws, w.war_chance[0, 0]).pvalue > 1e-3
    motive, cost = m.war_motive(w, p), m.restraint(w, p, m.dependency_on(w, p))
    lev = m.leverage(w, p, m.dependency_on(w, p))
    odds = m.war_odds(w, m.expected_support(w, w.credibility))
    history = m.dispute_propensity(w, p)
    m.coercion(w, p, motive, odds, cost, lev, history, np.ones((1, 2)))
    np.testing.assert_allclose(w.coercion_chance,
                               m.coercion_hazard(p, motive, odds, cost, lev, history))


def test_a_pairs_disputes_raise_the_odds_of_the_next_and_fade_with_peace():
    """Dyadic memory: each year of coercion or war adds one to the power's grievance toward the
    state, a year of peace takes away grievance_decay of it, and it raises the log-odds of
    coercion and war by grievance_weight · log(1 + grievance) (off at weight 0); the state's
    strategy label plays no part."""
    model = small_model()
    w, p = model.world.state, model.coefs
    on = p._replace(grievance_weight=0.8, grievance_decay=0.1)
    assert not m.dispute_propensity(w, on).any()
    w.coerced[0, NEAR] = True
    m.remember_disputes(w, on)
    assert w.grievance[0, NEAR] == 1.0 and w.grievance[0, FAR] == 0.0
    w.coerced[0, NEAR] = False
    m.remember_disputes(w, on)
    assert w.grievance[0, NEAR] == pytest.approx(0.9)
    assert m.dispute_propensity(w, on)[0, NEAR] == pytest.approx(0.8 * math.log1p(0.9))
    assert not m.dispute_propensity(w, p).any()  # off by default
    motive, cost = m.war_motive(w, p), m.restraint(w, p, m.dependency_on(w, p))
    odds = m.war_odds(w, m.expected_support(w, w.credibility))
    calm = m.war_hazard(on, motive, odds, cost, 0 * motive)[0, NEAR]
    angry = m.war_hazard(on, motive, odds, cost, m.dispute_propensity(w, on))[0, NEAR]
    assert angry > calm
    w.strategy[0] = 1 - w.strategy[0]
    assert m.dispute_propensity(w, on)[0, NEAR] == pytest.approx(0.8 * math.log1p(0.9))

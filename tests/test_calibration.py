"""The calibrated numbers in the scenario files are the ones the shipped data give (data/)."""

from __future__ import annotations

import math

import pytest

from hedgesim.record import case_inputs as cal
from hedgesim.scenarios.loader import load_scenario

RUSSIA, UKRAINE, BELARUS, CHINA, USA, VIETNAM = 365, 369, 370, 710, 2, 816


def attr(scenario: str, entity: str, field: str) -> float:
    s = load_scenario(scenario)
    for e in (*s.great_powers, *s.small_states):
        if e["name"] == entity:
            return e[field]
    raise KeyError(entity)


@pytest.mark.parametrize(("scenario", "entity", "actor", "year"), [
    ("ukraine", "Russia", RUSSIA, 2004), ("ukraine", "West", "WEST", 2004),
    ("ukraine", "Ukraine", UKRAINE, 2004), ("vietnam", "China", CHINA, 2007),
    ("vietnam", "USA", USA, 2007), ("vietnam", "Vietnam", VIETNAM, 2007),
    ("belarus", "Russia", RUSSIA, 2014), ("belarus", "West", "WEST", 2014),
    ("belarus", "Belarus", BELARUS, 2014),
])
def test_capabilities_are_cinc_of_the_start_year(scenario, entity, actor, year):
    assert attr(scenario, entity, "capability") == pytest.approx(cal.cinc(actor, year), rel=2e-3)


@pytest.mark.parametrize(("scenario", "entity", "actor", "start", "end"), [
    ("ukraine", "Russia", RUSSIA, 2004, 2013), ("ukraine", "Ukraine", UKRAINE, 2004, 2013),
    ("vietnam", "China", CHINA, 2007, 2016), ("vietnam", "Vietnam", VIETNAM, 2007, 2016),
])
def test_growth_reproduces_the_observed_cinc_path(scenario, entity, actor, start, end):
    observed = math.log(cal.cinc(actor, end) / cal.cinc(actor, start)) / (end - start)
    assert attr(scenario, entity, "growth") == pytest.approx(observed, abs=5e-4)


def test_the_ratios_the_brief_quotes():
    assert cal.cinc_ratio(RUSSIA, UKRAINE, 2013) == pytest.approx(5, rel=0.05)
    assert cal.cinc_ratio(CHINA, VIETNAM, 2016) == pytest.approx(25, rel=0.05)


def test_borders_and_alliances_match_cow_and_atop():
    assert cal.contiguity(UKRAINE, RUSSIA, 2004) == 1 and cal.contiguity(VIETNAM, CHINA, 2007) == 1
    assert attr("ukraine", "Ukraine", "proximity")["Russia"] == 1.0
    assert attr("vietnam", "Vietnam", "proximity")["China"] == 1.0
    assert cal.atop(RUSSIA, BELARUS, 2014)["defense"] == 1
    assert attr("belarus", "Belarus", "alliance")["Russia"] == 1.0
    assert not (cal.atop(USA, VIETNAM, 2007) or {}).get("defense")
    assert attr("vietnam", "Vietnam", "alliance") == {}


@pytest.mark.parametrize(("scenario", "state", "actor", "power"), [
    ("ukraine", "Ukraine", RUSSIA, "Russia"), ("ukraine", "Ukraine", "WEST", "West"),
    ("vietnam", "Vietnam", CHINA, "China"), ("vietnam", "Vietnam", USA, "USA"),
    ("belarus", "Belarus", RUSSIA, "Russia"), ("belarus", "Belarus", "WEST", "West"),
])
def test_grievances_follow_the_historical_worlds_rule(scenario, state, actor, power):
    """A case's grievances are the historical worlds' rule applied at its start year."""
    s = load_scenario(scenario)
    small = {"Ukraine": UKRAINE, "Vietnam": VIETNAM, "Belarus": BELARUS}[state]
    given = attr(scenario, state, "grievance").get(power, 0.0)
    assert given == pytest.approx(cal.case_grievance(actor, small, s.start_year), abs=5e-3)


def test_the_grievance_rule_weighs_each_dispute_by_its_age():
    from hedgesim.record.worlds import grievance

    # Russia and Ukraine: disputes in 1992, 1994 and 1996 (GML MIDs)
    assert grievance(RUSSIA, UKRAINE, 1997, decay=0.5) == pytest.approx(0.5 ** 4 + 0.5 ** 2 + 1)
    assert grievance(RUSSIA, UKRAINE, 1992) == 0.0
    assert grievance(UKRAINE, RUSSIA, 2004) == grievance(RUSSIA, UKRAINE, 2004)

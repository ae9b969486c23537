"""Historical worlds: the model's world of a real year, built from that year's observables only.

Each rule below turns an observable into a model attribute (docs/validation.md, "Historical
worlds"); nothing is set per case. What the data do not observe is a model default (the
parameter registry) or a rule from observables:

- **Great powers**: the majors of the year (COW). ``capability`` = CINC; ``growth`` = the log
  slope of CINC over the previous ten years; ``revisionism`` = 1 - exp(-k / 5), k the number of
  MIDs the major originated on side A with hostility >= 4 in the previous ten years (GML): a
  major that used force five times in a decade reads as 0.63; ``hostility`` 1 toward a major it
  has a Thompson-Dreyer strategic rivalry with that year; ``stance`` adaptive; resolve,
  openness and arming at the registry's defaults.
- **Small states**: every non-major member of the system contiguous (COW types 1-3) to at least
  one major that year. ``capability`` = CINC; ``proximity`` to each major = 1.0 (land or river
  border), 0.7 (up to 12 miles of water), 0.5 (up to 24 miles), else 0.1 (the registry's
  default for a distant power); ``alliance`` = 1 with each major it has an ATOP defence pact
  with; ``alignment`` = 0.6 with those majors, 0.3 with majors it has any other ATOP
  obligation with (neutrality, non-aggression, consultation), else 0.1; trade, energy and credit
  shares: ``MAJOR_SHARE`` of each channel split over the majors in proportion to proximity times
  CINC (the gravity of trade: Tinbergen 1962), the rest with the rest of the world (COW has no
  dyadic shares for most of the period); ``grievance`` toward each major = its disputes with it
  before the year (GML MID onsets, either side, any hostility), each weighing
  (1 - grievance_decay)^(years since, less one) (``grievance``: the rule the model's own
  ``remember_disputes`` follows year by year). Every minor chooses its strategy by the adaptive
  rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from hedgesim.record.data import table
from hedgesim.record.panel import FORCE_HOSTILITY, spells
from hedgesim.scenarios.loader import Scenario, parse_scenario
from hedgesim.scenarios.params import BY_NAME
from hedgesim.scenarios.schema import CHANNELS

PROXIMITY = {1: 1.0, 2: 0.7, 3: 0.5}
DISTANT = 0.1
ALLY_ALIGNMENT, OTHER_PACT_ALIGNMENT, NO_PACT_ALIGNMENT = 0.6, 0.3, 0.1
MAJOR_SHARE = 0.5
REVISIONISM_SCALE = 5.0  # MID initiations in ten years that make revisionism 1 - 1/e
LOOKBACK = 10


def state_abbreviations() -> dict[int, str]:
    """Each COW state code's abbreviation (the names of the historical worlds' states)."""
    states = table("states")
    return {int(c): str(a) for c, a in zip(states["ccode"], states["abb"], strict=True)}


def _in_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[(frame["start"] <= year) & (frame["end"] >= year)]


def initiations(major: int, year: int) -> int:
    """MIDs the major originated on side A with use of force, in the ten years before ``year``."""
    mids = table("mids")
    rows = mids[(mids["ccode1"] == major) & (mids["onset"] == 1) & (mids["sidea1"] == 1)
                & (mids["orig1"] == 1) & (mids["hostlev1"] >= FORCE_HOSTILITY)
                & mids["year"].between(year - LOOKBACK, year - 1)]
    return int(rows["dispnum"].nunique())


def cinc_growth(ccode: int, year: int) -> float:
    nmc = table("nmc")
    rows = nmc[(nmc["ccode"] == ccode) & nmc["year"].between(year - LOOKBACK, year)]
    rows = rows[rows["cinc"] > 0]
    if len(rows) < 3:
        return 0.0
    slope = np.polyfit(rows["year"].astype(float), np.log(rows["cinc"].astype(float)), 1)[0]
    return float(np.clip(slope, -0.2, 0.2))


def world_data(year: int, steps: int) -> dict[str, Any]:
    """The scenario data of ``year``'s world (every rule in the module docstring)."""
    names = state_abbreviations()
    majors = sorted(int(c) for c in _in_year(table("majors"), year)["ccode"])
    members = {int(c) for c in _in_year(table("states"), year)["ccode"]}
    majors = [g for g in majors if g in members]
    contiguity = _in_year(table("contiguity"), year)
    contiguity = contiguity[contiguity["conttype"].between(1, 3)]
    near: dict[tuple[int, int], int] = {}
    for a, b, t in zip(contiguity["ccode1"], contiguity["ccode2"], contiguity["conttype"],
                       strict=True):
        for g, m in ((int(a), int(b)), (int(b), int(a))):
            if g in majors and m in members and m not in majors:
                near[(g, m)] = min(int(t), near.get((g, m), 9))
    minors = sorted({m for _, m in near})
    nmc = table("nmc")
    cinc = dict(zip(nmc.loc[nmc["year"] == year, "ccode"].astype(int),
                    nmc.loc[nmc["year"] == year, "cinc"].astype(float), strict=True))
    atop = table("atop")
    atop = atop[atop["year"] == year]
    pacts = {(int(a), int(b)): (int(d), int(n or c or u))
             for a, b, d, n, c, u in zip(atop["ccode1"], atop["ccode2"], atop["defense"],
                                         atop["neutral"], atop["consul"], atop["nonagg"],
                                         strict=True)}
    rivals = spells(table("rivalries"), ["ccode1", "ccode2"], year, year)
    rivalry = {(int(a), int(b)) for a, b in zip(rivals["ccode1"], rivals["ccode2"], strict=True)}

    def pact(a: int, b: int) -> tuple[int, int]:
        return pacts.get((min(a, b), max(a, b)), (0, 0))

    def strength(c: int) -> float:
        return float(np.clip(cinc.get(c, 0.0) or 1e-6, 1e-6, 1.0))

    gp_names = [names[g] for g in majors]
    great_powers = [{
        "name": names[g], "capability": strength(g), "growth": cinc_growth(g, year),
        "revisionism": float(1.0 - np.exp(-initiations(g, year) / REVISIONISM_SCALE)),
        "stance": "adaptive",
        "hostility": {names[h]: 1.0 for h in majors if h != g and ((g, h) in rivalry
                                                                   or (h, g) in rivalry)},
    } for g in majors]
    small_states = []
    for m in minors:
        proximity = {names[g]: PROXIMITY.get(near.get((g, m), 0), DISTANT) for g in majors}
        gravity = {names[g]: proximity[names[g]] * strength(g) for g in majors}
        total = sum(gravity.values())
        shares = {k: MAJOR_SHARE * v / total for k, v in gravity.items()}
        defence = {names[g]: pact(g, m)[0] for g in majors}
        other = {names[g]: pact(g, m)[1] for g in majors}
        small_states.append({
            "name": names[m], "focal": True, "capability": strength(m), "strategy": "adaptive",
            "proximity": proximity,
            "alliance": {k: 1.0 for k, d in defence.items() if d},
            "alignment": {k: ALLY_ALIGNMENT if defence[k] else OTHER_PACT_ALIGNMENT if other[k]
                          else NO_PACT_ALIGNMENT for k in gp_names},
            "grievance": {names[g]: grievance(g, m, year) for g in majors
                          if grievance(g, m, year) > 0},
            **{channel: dict(shares) for channel in CHANNELS},
        })
    return {"scenario": {"name": f"history-{year}", "start_year": year, "steps": steps,
                         "description": f"the majors and their contiguous minors of {year}"},
            "great_power": great_powers, "small_state": small_states}


@cache
def _dispute_years() -> dict[tuple[int, int], np.ndarray]:
    """Per pair of COW codes (each order), the onset year of each of their disputes (GML MIDs)."""
    mids = table("mids")
    onsets = mids[mids["onset"] == 1].drop_duplicates(["dispnum", "ccode1", "ccode2"])
    out: dict[tuple[int, int], list[int]] = {}
    for a, b, y in zip(onsets["ccode1"].astype(int), onsets["ccode2"].astype(int),
                       onsets["year"].astype(int), strict=True):
        out.setdefault((a, b), []).append(y)
    return {k: np.sort(np.array(v)) for k, v in out.items()}


def grievance(a: int, b: int, year: int, decay: float | None = None) -> float:
    """The grievance between two states at the start of ``year``: each of their disputes before
    it weighs (1 - decay)^(year - 1 - its onset year), ``decay`` the registry's
    ``grievance_decay`` unless given. The MID data end in 2010: a later year sees their
    disputes to 2010 only."""
    decay = BY_NAME["grievance_decay"].default if decay is None else decay
    years = _dispute_years().get((a, b), np.array([], dtype=int))
    before = years[years < year]
    return float(((1.0 - decay) ** (year - 1 - before)).sum())


def historical_world(year: int, steps: int) -> Scenario:
    """``world_data`` validated by the scenario loader, as any scenario file is."""
    return parse_scenario(world_data(year, steps), f"<history {year}>")


@dataclass(frozen=True)
class HistoricalYear:
    """The world of a real year as a setting names it (``engine.Setting``): small and picklable,
    so workers build the world themselves (once each, ``load``), as ``hedgesim validate`` runs
    it."""

    year: int

    def load(self) -> Scenario:
        return historical_world(self.year, 1)

"""Calibration numbers for the Ukraine, Vietnam and Belarus scenarios.

Every number a scenario takes from data is computed here from the COW/ATOP extracts the
project ships in data/ (``record.data``), so that a scenario file never carries an
unexplained constant and the provenance table in docs/calibration.md can be regenerated
with ``python -m hedgesim.record.case_inputs``.

Actors are either a COW country code (int) or the name of a bloc (str, see BLOCS):
"WEST" is the USA plus the EU members of that year, "ASEAN_EX_VN" the ASEAN members
of that year other than Vietnam. Bloc capabilities are sums over members.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hedgesim.record.data import table
from hedgesim.record.worlds import REVISIONISM_SCALE, grievance, initiations

USA, RUSSIA, UKRAINE, BELARUS = 2, 365, 369, 370
CHINA, VIETNAM = 710, 816
JAPAN, INDIA, SOUTH_KOREA, AUSTRALIA = 740, 750, 732, 900

# EU membership as (COW code, first calendar year counted, last year counted).
# A state counts for the whole year in which it acceded (2004 and 2007 enlargements,
# Croatia July 2013); the UK counts up to 2019 (left 31 Jan 2020). West Germany (260)
# stands for Germany before unification, united Germany (255) from 1991.
# fmt: off
EU_MEMBERSHIP: tuple[tuple[int, int, int], ...] = (
    (211, 1958, 9999), (220, 1958, 9999), (260, 1958, 1990), (255, 1991, 9999),
    (325, 1958, 9999), (212, 1958, 9999), (210, 1958, 9999),
    (390, 1973, 9999), (205, 1973, 9999), (200, 1973, 2019),
    (350, 1981, 9999), (235, 1986, 9999), (230, 1986, 9999),
    (305, 1995, 9999), (375, 1995, 9999), (380, 1995, 9999),
    (352, 2004, 9999), (316, 2004, 9999), (366, 2004, 9999), (310, 2004, 9999),
    (367, 2004, 9999), (368, 2004, 9999), (338, 2004, 9999), (290, 2004, 9999),
    (317, 2004, 9999), (349, 2004, 9999),
    (355, 2007, 9999), (360, 2007, 9999), (344, 2013, 9999),
)

# ASEAN membership (Brunei 1984, Vietnam 1995, Laos and Myanmar 1997, Cambodia 1999).
ASEAN_MEMBERSHIP: tuple[tuple[int, int, int], ...] = (
    (850, 1967, 9999), (820, 1967, 9999), (840, 1967, 9999), (830, 1967, 9999),
    (800, 1967, 9999), (835, 1984, 9999), (816, 1995, 9999), (812, 1997, 9999),
    (775, 1997, 9999), (811, 1999, 9999),
)

# fmt: on

BLOC_LABELS = {"WEST": "USA + EU members of the year", "ASEAN_EX_VN": "ASEAN excl. Vietnam"}
ATOP_FLAGS = ("defense", "offense", "neutral", "nonagg", "consul")

Actor = int | str


def members(actor: Actor, year: int) -> list[int]:
    """COW codes making up an actor in a year, so blocs follow real membership changes."""
    if isinstance(actor, int):
        return [actor]
    if actor == "WEST":
        return [USA] + [c for c, lo, hi in EU_MEMBERSHIP if lo <= year <= hi]
    if actor == "ASEAN_EX_VN":
        return [c for c, lo, hi in ASEAN_MEMBERSHIP if lo <= year <= hi and c != VIETNAM]
    raise KeyError(f"unknown bloc {actor!r}; known: {sorted(BLOC_LABELS)}")


def _nmc_sum(column: str, codes: list[int], year: int) -> float:
    """Sum an NMC column over codes; NaN if any member lacks a value, to never understate."""
    nmc = table("nmc")
    rows = nmc[(nmc["year"] == year) & nmc["ccode"].isin(codes)]
    values = rows[column]
    if len(rows) != len(codes) or values.isna().any():
        return math.nan
    return float(values.sum())


def cinc(actor: Actor, year: int) -> float:
    """CINC share of world capabilities (NMC), summed over bloc members."""
    return _nmc_sum("cinc", members(actor, year), year)


def cinc_ratio(a: Actor, b: Actor, year: int) -> float:
    """Capability ratio a/b: the asymmetry a small state faces."""
    return cinc(a, year) / cinc(b, year)


def milex(actor: Actor, year: int) -> float:
    """Military expenditure in thousands of current USD (NMC); NaN where missing."""
    return _nmc_sum("milex", members(actor, year), year)


def milex_ratio(a: Actor, b: Actor, year: int) -> float:
    """Military expenditure ratio a/b; NaN if either side is missing in NMC."""
    return milex(a, year) / milex(b, year)


def cinc_growth(actor: Actor, start_year: int, window: int = 10) -> float:
    """Annual log-linear growth of the CINC share over [start_year - window, start_year].

    Bloc composition is held at its start-year membership so enlargement is not
    mistaken for growth.
    """
    codes = members(actor, start_year)
    years = np.arange(start_year - window, start_year + 1)
    shares = np.array([_nmc_sum("cinc", codes, int(y)) for y in years])
    ok = np.isfinite(shares) & (shares > 0)
    if ok.sum() < 3:
        return math.nan
    slope = np.polyfit(years[ok], np.log(shares[ok]), 1)[0]
    return float(slope)


def _contiguity_pair(a: int, b: int, year: int) -> int | None:
    """Closest positive conttype for one unordered pair valid in a year."""
    cont = table("contiguity")
    lo, hi = min(a, b), max(a, b)
    rows = cont[(cont["ccode1"] == lo) & (cont["ccode2"] == hi)]
    types = rows.loc[(rows["start"] <= year) & (rows["end"] >= year), "conttype"]
    types = types[types > 0]
    return int(types.min()) if len(types) else None


def contiguity(a: Actor, b: Actor, year: int) -> int | None:
    """COW direct contiguity type (1 land ... 5 up to 400 miles water) or None.

    For blocs the closest (lowest) type over all member pairs is returned, e.g.
    Ukraine-West is land contiguity through Poland once Poland is in the EU.
    Coverage ends in 2016.
    """
    found = [
        t
        for x in members(a, year)
        for y in members(b, year)
        if x != y and (t := _contiguity_pair(x, y, year)) is not None
    ]
    return min(found) if found else None


def atop(a: int, b: int, year: int) -> dict[str, int] | None:
    """ATOP obligation flags for a dyad-year, or None if the pair has no alliance."""
    data = table("atop")
    lo, hi = min(a, b), max(a, b)
    rows = data[(data["ccode1"] == lo) & (data["ccode2"] == hi) & (data["year"] == year)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {flag: int(row[flag]) for flag in ATOP_FLAGS}


def case_revisionism(actor: Actor, year: int) -> float:
    """A great power's revisionism by the historical worlds' rule (``record.worlds``), its
    members' initiations summed for a bloc."""
    k = sum(initiations(c, year) for c in members(actor, year))
    return float(1.0 - math.exp(-k / REVISIONISM_SCALE))


def case_grievance(actor: Actor, small: int, year: int) -> float:
    """A great power's grievance toward the case's state at its start, by the historical
    worlds' rule (``record.worlds.grievance``); a bloc's is its members' summed."""
    return sum(grievance(c, small, year) for c in members(actor, year))


def trade_total(ccode: int, year: int) -> float:
    """Imports + exports in millions of current USD (COW Trade, ends 2014); NaN if absent."""
    trade = table("trade")
    rows = trade[(trade["ccode"] == ccode) & (trade["year"] == year)]
    if rows.empty:
        return math.nan
    return float(rows["imports"].iloc[0] + rows["exports"].iloc[0])


def _atop_text(flags: dict[str, int] | None) -> str:
    """Compact label of the obligations present, 'none' when the dyad has no alliance."""
    if flags is None:
        return "none"
    on = [k for k, v in flags.items() if v]
    return "+".join(on) if on else "none"


def _label(actor: Actor) -> str:
    """Readable actor name for quantity keys."""
    # fmt: off
    names = {
        USA: "usa", RUSSIA: "russia", UKRAINE: "ukraine", BELARUS: "belarus",
        CHINA: "china", VIETNAM: "vietnam", JAPAN: "japan", INDIA: "india",
        SOUTH_KOREA: "south_korea", AUSTRALIA: "australia",
        "WEST": "west", "ASEAN_EX_VN": "asean_ex_vn",
    }
    # fmt: on
    return names[actor]


# Scenario definitions: (small state, actors whose CINC is reported, years, great powers,
# milex/ATOP partners). Years: start year first, then the end year where useful.
SCENARIOS: dict[str, dict] = {
    "ukraine": {
        "small": UKRAINE,
        "years": (2004, 2013),
        "actors": (RUSSIA, "WEST", UKRAINE),
        "rivals": (RUSSIA, "WEST"),
        "ratio": (RUSSIA, UKRAINE),
        "partners": (RUSSIA, USA),
        "trade_years": (2004, 2013),
    },
    "vietnam": {
        "small": VIETNAM,
        "years": (2007, 2016),
        "actors": (CHINA, USA, VIETNAM, JAPAN, INDIA, SOUTH_KOREA, AUSTRALIA, "ASEAN_EX_VN"),
        "rivals": (CHINA, USA),
        "ratio": (CHINA, VIETNAM),
        "partners": (CHINA, USA, RUSSIA),
        "trade_years": (2007,),
    },
    "belarus": {
        "small": BELARUS,
        "years": (2014,),
        "actors": (RUSSIA, "WEST", BELARUS),
        "rivals": (RUSSIA, "WEST"),
        "ratio": (RUSSIA, BELARUS),
        "partners": (RUSSIA,),
        "trade_years": (2014,),
    },
}

NMC = "COW NMC (cow_nmc.csv)"
MEMBERS_NOTE = {"WEST": "; USA + EU members that year", "ASEAN_EX_VN": "; 9 ASEAN members"}


def calibration_table() -> pd.DataFrame:
    """Every data-derived number the three scenarios use, with its source."""
    rows: list[tuple[str, object, str]] = []
    for name, sc in SCENARIOS.items():
        small, start = sc["small"], sc["years"][0]
        for year in sc["years"]:
            for actor in sc["actors"]:
                note = MEMBERS_NOTE.get(actor, "") if isinstance(actor, str) else ""
                rows.append(
                    (
                        f"{name}.{year}.cinc.{_label(actor)}",
                        cinc(actor, year),
                        f"{NMC} cinc{note}",
                    )
                )
            a, b = sc["ratio"]
            rows.append(
                (
                    f"{name}.{year}.cinc_ratio.{_label(a)}_{_label(b)}",
                    cinc_ratio(a, b, year),
                    f"{NMC} cinc ratio",
                )
            )
        for actor in sc["actors"]:
            rows.append(
                (
                    f"{name}.growth_{start - 10}_{start}.cinc.{_label(actor)}",
                    cinc_growth(actor, start),
                    f"{NMC}; slope of ln(cinc) on year, members fixed at {start}",
                )
            )
        for rival in sc["rivals"]:
            t = contiguity(small, rival, start)
            rows.append(
                (
                    f"{name}.{start}.contiguity.{_label(rival)}",
                    "none" if t is None else t,
                    "COW Direct Contiguity v3.2; closest conttype over bloc members",
                )
            )
        for rival in sc["rivals"]:
            rows.append(
                (
                    f"{name}.{start}.revisionism_by_rule.{_label(rival)}",
                    case_revisionism(rival, start),
                    "1 - exp(-k/5), k its members' MID initiations (side A, hostility >= 4) in the "
                    "ten years before: the historical worlds' rule, NOT what the case file uses "
                    "(docs/calibration.md says why)",
                )
            )
        for rival in sc["rivals"]:
            rows.append(
                (
                    f"{name}.{start}.grievance.{_label(rival)}",
                    case_grievance(rival, small, start),
                    "GML MID 2.1 disputes before the start year, each weighing (1 - "
                    "grievance_decay)^(years since - 1); the historical worlds' rule "
                    "(record.worlds.grievance), summed over bloc members",
                )
            )
        for year in sc["years"]:
            for partner in sc["partners"]:
                rows.append(
                    (
                        f"{name}.{year}.atop.{_label(partner)}",
                        _atop_text(atop(small, partner, year)),
                        "ATOP v5 dyad-years (obligations present)",
                    )
                )
        for year in sc["years"]:
            for partner in sc["partners"]:
                ratio = milex_ratio(partner, small, year)
                src = f"{NMC} milex ratio"
                if math.isnan(ratio):
                    src += "; missing in NMC"
                rows.append(
                    (f"{name}.{year}.milex_ratio.{_label(partner)}_{_label(small)}", ratio, src)
                )
        for year in sc["trade_years"]:
            rows.append(
                (
                    f"{name}.{year}.trade_total_musd",
                    trade_total(small, year),
                    "COW Trade v4 imports+exports, million current USD",
                )
            )
    # Belarus milex is missing 2013-2015 in NMC: give the nearest years on both sides.
    for year in (2012, 2016):
        rows.append(
            (
                f"belarus.{year}.milex_ratio.russia_belarus",
                milex_ratio(RUSSIA, BELARUS, year),
                f"{NMC} milex ratio; nearest year with Belarus milex",
            )
        )
    return pd.DataFrame(rows, columns=["quantity", "value", "source"])


def _fmt(value: object) -> str:
    """Format a table value: 4 significant digits, thousands separators for big numbers."""
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def to_markdown(table: pd.DataFrame) -> str:
    """Render the table as GitHub markdown without needing the tabulate package."""
    lines = ["| quantity | value | source |", "|---|---:|---|"]
    lines += [f"| {q} | {_fmt(v)} | {s} |" for q, v, s in table.itertuples(index=False)]
    return "\n".join(lines)


def main() -> None:
    """Print the calibration table as markdown."""
    print(to_markdown(calibration_table()))


if __name__ == "__main__":
    main()

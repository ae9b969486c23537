"""The historical record the model is held against: every major power and each minor state
directly contiguous to it, 1816-2010, one row per (major G, minor m, year), with m's alignment
class, the observables the model can be built from, and what G did to m.

Rules (docs/validation.md):

- **The panel.** G is a major power that year (COW majors), m a member of the state system that
  year and not a major, and G and m directly contiguous that year (COW contiguity types 1-3: a
  land or river border, or up to 24 miles of water).
- **Alignment class**, from ATOP defence pacts that year: *bandwagon* a pact with G only;
  *balance* a pact with another major but not with G; *both* pacts with G and with another
  major; *non-aligned* no pact with any major.
- **Observables**: the CINC ratio G/m (COW NMC), the contiguity type, whether G has a strategic
  rivalry (Thompson & Dreyer) with a major m is allied to (``rival_patron``) or with any other
  major (``rival_available``: a rival m could turn to), m's trade (imports + exports, COW).
- **Outcomes**: ``force``, the number of MIDs (GML) that begin that year in which G is on side A
  against m with G's hostility level 4 or 5 (use of force or war); ``war``, the number of COW
  inter-state wars between G and m that begin that year.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hedgesim.record.data import table

FIRST, LAST = 1816, 2010
CLASSES = ("bandwagon", "balance", "both", "non-aligned")
ERAS = {"1816-1945": (1816, 1945), "1946-2010": (1946, 2010)}
RATIO_BANDS = (0.0, 10.0, 100.0, 1000.0, np.inf)  # CINC ratio G/m
BAND_LABELS = ("<10", "10-100", "100-1000", ">1000")
OUTCOMES = ("force", "war")
FORCE_HOSTILITY = 4  # GML hostility level: 4 use of force, 5 war


def spells(frame: pd.DataFrame, keys: Sequence[str], first: int, last: int) -> pd.DataFrame:
    """One row per year of each spell (``start``..``end``), clipped to [first, last]."""
    start = frame["start"].clip(lower=first).astype(int)
    end = frame["end"].clip(upper=last).astype(int)
    keep = start <= end
    frame, start, end = frame[keep], start[keep], end[keep]
    lengths = (end - start + 1).to_numpy()
    out = frame.loc[frame.index.repeat(lengths), list(keys)].reset_index(drop=True)
    offsets = np.concatenate([np.arange(n) for n in lengths]) if len(lengths) else []
    out["year"] = np.repeat(start.to_numpy(), lengths) + offsets
    return out.astype({k: "int64" for k in (*keys, "year")}).drop_duplicates(ignore_index=True)


def classify(with_g: pd.Series, with_others: pd.Series) -> pd.Series:
    """The alignment class from defence pacts with G and with other majors."""
    out = np.select([with_g & ~with_others, ~with_g & with_others, with_g & with_others],
                    ["bandwagon", "balance", "both"], "non-aligned")
    return pd.Series(pd.Categorical(out, categories=CLASSES), index=with_g.index)


def build_panel(first: int = FIRST, last: int = LAST) -> pd.DataFrame:
    """The (major, minor, year) panel from the shipped data (``record.data``)."""
    majors = spells(table("majors"), ["ccode"], first, last)
    members = spells(table("states"), ["ccode"], first, last)
    contiguity = table("contiguity")
    contiguity = contiguity[contiguity["conttype"].between(1, 3)]
    pairs = spells(contiguity, ["ccode1", "ccode2", "conttype"], first, last)
    pairs = pairs.sort_values("conttype").drop_duplicates(["ccode1", "ccode2", "year"])
    both_ways = pd.concat([pairs.rename(columns={"ccode1": "major", "ccode2": "minor"}),
                           pairs.rename(columns={"ccode2": "major", "ccode1": "minor"})])
    is_major = set(zip(majors["ccode"], majors["year"], strict=True))
    in_system = set(zip(members["ccode"], members["year"], strict=True))
    rows = both_ways[[(g, y) in is_major and (m, y) in in_system and (m, y) not in is_major
                      and (g, y) in in_system
                      for g, m, y in zip(both_ways["major"], both_ways["minor"], both_ways["year"],
                                         strict=True)]]
    panel = rows.sort_values(["major", "minor", "year"], ignore_index=True)

    # defence pacts of each minor with each major, by year
    atop = table("atop")
    defence = atop[atop["defense"] == 1][["ccode1", "ccode2", "year"]].astype("int64")
    pact = pd.concat([defence.rename(columns={"ccode1": "a", "ccode2": "b"}),
                      defence.rename(columns={"ccode2": "a", "ccode1": "b"})])
    pact = pact[[(b, y) in is_major for b, y in zip(pact["b"], pact["year"], strict=True)]]
    patrons = pact.groupby(["a", "year"])["b"].agg(frozenset)
    allies = [patrons.get((m, y), frozenset()) for m, y in zip(panel["minor"], panel["year"],
                                                                 strict=True)]
    panel["pact_major"] = [g in a for g, a in zip(panel["major"], allies, strict=True)]
    others = [a - {g} for g, a in zip(panel["major"], allies, strict=True)]
    panel["pact_other"] = [bool(o) for o in others]
    panel["alignment"] = classify(panel["pact_major"], panel["pact_other"])

    rivals = spells(table("rivalries"), ["ccode1", "ccode2"], first, last)
    rivalry = set(zip(rivals["ccode1"], rivals["ccode2"], rivals["year"], strict=True))
    rivalry |= {(b, a, y) for a, b, y in rivalry}
    panel["rival_patron"] = [any((g, h, y) in rivalry for h in o)
                             for g, o, y in zip(panel["major"], others, panel["year"], strict=True)]
    rival_majors = {(a, y) for a, b, y in rivalry if (b, y) in is_major}
    panel["rival_available"] = [(g, y) in rival_majors
                                for g, y in zip(panel["major"], panel["year"], strict=True)]

    nmc = table("nmc").set_index(["ccode", "year"])["cinc"]
    panel["cinc_major"] = nmc.reindex(pd.MultiIndex.from_arrays(
        [panel["major"], panel["year"]])).to_numpy(dtype=float)
    panel["cinc_minor"] = nmc.reindex(pd.MultiIndex.from_arrays(
        [panel["minor"], panel["year"]])).to_numpy(dtype=float)
    panel["cinc_ratio"] = panel["cinc_major"] / panel["cinc_minor"]
    trade = table("trade").astype({"ccode": "int64", "year": "int64"})
    trade = trade.set_index(["ccode", "year"])
    total = (trade["imports"].astype(float) + trade["exports"].astype(float))
    panel["trade_minor"] = total.reindex(pd.MultiIndex.from_arrays(
        [panel["minor"], panel["year"]])).to_numpy(dtype=float)

    mids = table("mids")
    force = mids[(mids["onset"] == 1) & (mids["sidea1"] == 1)
                 & (mids["hostlev1"] >= FORCE_HOSTILITY)]
    panel["force"] = _events(panel, force, "dispnum")
    wars = table("wars")
    panel["war"] = _events(panel, wars[wars["onset"] == 1], "warnum")
    panel["era"] = np.where(panel["year"] <= ERAS["1816-1945"][1], "1816-1945", "1946-2010")
    panel["ratio_band"] = ratio_band(panel["cinc_ratio"])
    return panel


def _events(panel: pd.DataFrame, events: pd.DataFrame, key: str) -> np.ndarray:
    """Distinct events per (major = ccode1, minor = ccode2, year) row of the panel."""
    counts = (events.astype({"ccode1": "int64", "ccode2": "int64", "year": "int64"})
              .groupby(["ccode1", "ccode2", "year"])[key].nunique())
    index = pd.MultiIndex.from_arrays([panel["major"], panel["minor"], panel["year"]])
    return counts.reindex(index, fill_value=0).to_numpy(dtype=np.int64)


def ratio_band(ratio: pd.Series) -> pd.Series:
    """The CINC-ratio band of each row (``BAND_LABELS``; "unknown" without NMC data)."""
    bands = pd.cut(ratio, list(RATIO_BANDS), labels=list(BAND_LABELS), right=False)
    return bands.cat.add_categories("unknown").fillna("unknown")

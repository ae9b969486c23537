"""``hedgesim validate``: the model held against the 1816-2010 record.

One design serves both tests. For every window start year (1816, 1821, ...), the world of that
year is built from its observables only (``record.worlds``) and run for the window's
years on ``replicates`` seeds through the engine. Then:

1. **Patterns.** The model's own (major, contiguous minor, year) rows are classed by the
   record's rules, from the model's state (a defence pact: ``alliance > 0.5``), and give the
   same table as ``hedgesim history``: dyad-years per class, force and war onsets per 100
   dyad-years, the ratios between classes, and who allies with whom by capability ratio. Each
   cell is marked inside or outside the record's 95% interval.
2. **Hindcast.** For every real contiguous pair of a window's start year, the model's predicted
   probability that the major uses force (or goes to war) against the minor within the window
   (each replicate's chance from the yearly chances its mechanisms drew, ``war_chance`` and
   ``coercion_chance``, averaged over replicates) is scored against what happened by proper
   scores per era (``experiments.scores``: log score, Brier skill, average precision, ROC AUC,
   dyad-bootstrap intervals), beside baselines fitted on 1816-1945 only: the training era's base
   rate, the record's own history of the pair and the major, and the observables (contiguity
   type, log CINC ratio, alignment class, and all of them with the patron's rivalry). War is
   scored only in windows the COW war data cover. The model's calibrated defaults were fitted
   to the patterns of step 1 (``experiments.calibrate``), never to these rows.

A model force event is a coercion episode or a war onset by the major on the minor that year; a
war event a war onset (``model.mechanisms.coercion`` and ``war_onset``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hedgesim.experiments.analysis import PER, class_ratios, onset_rates
from hedgesim.experiments.engine import Executor, Setting, paired, replicate_seeds, run
from hedgesim.experiments.scores import metrics, pair_history, proper_scores, war_data_last
from hedgesim.experiments.stats import wilson
from hedgesim.record.data import table
from hedgesim.record.panel import (
    ERAS,
    FIRST,
    FORCE_HOSTILITY,
    LAST,
    build_panel,
    classify,
    ratio_band,
    spells,
)
from hedgesim.record.worlds import HistoricalYear, state_abbreviations

WINDOW = 5
REPLICATES = 20
PACT = 0.5  # a model alliance above this is a defence pact
CONTIGUOUS = 0.5  # proximity of COW contiguity types 1-3 (record.worlds.PROXIMITY)
RATIO_PAIRS = (("balance", "non-aligned"), ("bandwagon", "non-aligned"), ("both", "non-aligned"))


def window_starts(first: int = FIRST, last: int = LAST, window: int = WINDOW) -> list[int]:
    return list(range(first, last - window + 2, window))


def settings(overrides: Mapping[str, Any], starts: Sequence[int], window: int) -> list[Setting]:
    return [Setting.of(HistoricalYear(y), "historical", overrides, window) for y in starts]


def model_rows(series: pd.DataFrame, starts: Sequence[int]) -> pd.DataFrame:
    """The model's (replicate, major, minor, year) rows from its yearly series: the row of step
    k >= 1 is year start + k - 1 (its events, and the alliances after its moves), for minors
    alive at its start and majors contiguous to them."""
    frames = []
    for k, group in series.groupby("setting", sort=True):
        majors = [c.removeprefix("gp_capability_") for c in group.columns
                  if c.startswith("gp_capability_") and group[c].notna().any()]
        group = group.sort_values(["replicate", "state", "step"])
        alive_before = group.groupby(["replicate", "state"])["alive"].shift(1, fill_value=True)
        rows = group[(group["step"] >= 1) & alive_before.astype(bool)]
        pacts = np.stack([rows[f"alliance_{g}"].to_numpy(float) > PACT for g in majors], axis=1)
        for j, g in enumerate(majors):
            near = rows[f"proximity_{g}"].to_numpy(float) >= CONTIGUOUS
            with_g = pacts[:, j]
            others = np.delete(pacts, j, axis=1).any(axis=1)
            cap_g = rows[f"gp_capability_{g}"].to_numpy(float)
            frames.append(pd.DataFrame({
                "window": starts[k], "replicate": rows["replicate"].to_numpy(), "major": g,
                "minor": rows["state"].to_numpy(), "year": rows["year"].to_numpy() - 1,
                "pact_major": with_g, "pact_other": others,
                "cinc_ratio": cap_g / rows["capability"].to_numpy(float),
                "force": (rows[f"coerced_{g}"].to_numpy(bool)
                          | rows[f"war_{g}"].to_numpy(bool)).astype(int),
                "war": rows[f"war_{g}"].to_numpy(bool).astype(int),
                # the year's chances (independent draws): force is coercion or war
                "p_force": 1.0 - (1.0 - rows[f"coercion_chance_{g}"].to_numpy(float))
                * (1.0 - rows[f"war_chance_{g}"].to_numpy(float)),
                "p_war": rows[f"war_chance_{g}"].to_numpy(float)})[near])
    out = pd.concat(frames, ignore_index=True)
    out["alignment"] = classify(out["pact_major"], out["pact_other"])
    out["ratio_band"] = ratio_band(out["cinc_ratio"])
    out["era"] = np.where(out["year"] <= ERAS["1816-1945"][1], "1816-1945", "1946-2010")
    return out


def compare(model: pd.DataFrame, record: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Rates side by side: the record's with its interval, the model's with its Monte Carlo
    interval, and whether the model's rate lies inside the record's interval."""
    rec = onset_rates(record, by).set_index(list(by))
    mod = onset_rates(model, by).set_index(list(by))
    out = rec.add_prefix("record_").join(mod.add_prefix("model_"), how="outer")
    for outcome in ("force", "war"):
        rate = out[f"model_{outcome}_rate"]
        out[f"{outcome}_inside"] = (rate >= out[f"record_{outcome}_lo"]) & (
            rate <= out[f"record_{outcome}_hi"])
    share_rec = out["record_dyad_years"] / out["record_dyad_years"].sum()
    share_mod = out["model_dyad_years"] / out["model_dyad_years"].sum()
    out.insert(0, "record_share", share_rec)
    out.insert(1, "model_share", share_mod)
    return out.reset_index()


def behaviour(model: pd.DataFrame, record: pd.DataFrame) -> pd.DataFrame:
    """Who allies with whom: the share of each alignment class within each capability-ratio band
    and by whether the major has a rival the minor could turn to, in the record and in the
    model (Walt: do stronger minors balance more, and is balancing likelier where support is
    available?)."""
    def shares(frame: pd.DataFrame, source: str, by: str) -> pd.DataFrame:
        t = frame.astype({by: str, "alignment": str}).groupby(by)["alignment"].value_counts(
            normalize=True)
        return t.rename(source).reset_index().rename(columns={by: "group"}).assign(by=by)
    parts = [shares(record, "record", by).merge(shares(model, "model", by), how="outer",
                                                on=["by", "group", "alignment"])
             for by in ("ratio_band", "rival_available")]
    return pd.concat(parts, ignore_index=True)[["by", "group", "alignment", "record",
                                                "model"]].fillna(0.0)


# --- who attacks -----------------------------------------------------------------------------

def record_attacks(first: int = FIRST, last: int = LAST) -> pd.DataFrame:
    """The record's force (GML MIDs, hostility 4-5) and war (COW) onsets of a major on side A
    against a minor, every pair, not only contiguous ones: one row per event, its era, and
    whether the two were directly contiguous that year (COW types 1-3)."""
    majors = spells(table("majors"), ["ccode"], first, last)
    is_major = set(zip(majors["ccode"], majors["year"], strict=True))
    direct = table("contiguity")
    direct = spells(direct[direct["conttype"].between(1, 3)], ["ccode1", "ccode2"], first, last)
    near = set(zip(direct["ccode1"], direct["ccode2"], direct["year"], strict=True))
    near |= {(b, a, y) for a, b, y in near}
    mids = table("mids")
    mids = mids[(mids["onset"] == 1) & (mids["sidea1"] == 1)
                & (mids["hostlev1"] >= FORCE_HOSTILITY)]
    wars = table("wars")
    wars = wars[(wars["onset"] == 1) & (wars["sidea1"] == 1)]
    rows = []
    for outcome, events in (("force", mids), ("war", wars)):
        for g, m, y in zip(events["ccode1"].astype(int), events["ccode2"].astype(int),
                           events["year"].astype(int), strict=True):
            if first <= y <= last and (g, y) in is_major and (m, y) not in is_major:
                rows.append((outcome, era_of(y), (g, m, y) in near))
    return pd.DataFrame(rows, columns=["outcome", "era", "contiguous"])


def model_attacks(series: pd.DataFrame) -> pd.DataFrame:
    """The model's force (coercion or war) and war onsets of a great power against a small
    state in the historical worlds, every pair: counts per era and outcome, and how many were
    by a contiguous power (proximity of COW types 1-3)."""
    counts: dict[tuple[str, str], list[int]] = {}
    for _, group in series.groupby("setting", sort=True):
        group = group.sort_values(["replicate", "state", "step"])
        alive_before = group.groupby(["replicate", "state"])["alive"].shift(1, fill_value=True)
        rows = group[(group["step"] >= 1) & alive_before.astype(bool)]
        era = np.asarray([era_of(y - 1) for y in rows["year"].to_numpy()])
        for c in rows.columns:
            if not c.startswith("gp_capability_") or not rows[c].notna().any():
                continue
            g = c.removeprefix("gp_capability_")
            near = rows[f"proximity_{g}"].to_numpy(float) >= CONTIGUOUS
            war = rows[f"war_{g}"].to_numpy(bool)
            for outcome, hit in (("force", war | rows[f"coerced_{g}"].to_numpy(bool)),
                                 ("war", war)):
                for e in np.unique(era[hit]):
                    tally = counts.setdefault((e, outcome), [0, 0])
                    tally[0] += int((hit & (era == e)).sum())
                    tally[1] += int((hit & near & (era == e)).sum())
    return pd.DataFrame([(e, o, n, k) for (e, o), (n, k) in sorted(counts.items())],
                        columns=["era", "outcome", "events", "contiguous"])


def attacker_shares(record: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """Per era and outcome, the share of attacks on minors that a contiguous major starts: the
    record's with its Wilson 95% interval beside the model's, and whether the model's share
    lies inside."""
    rec = record.groupby(["era", "outcome"])["contiguous"].agg(["size", "sum"])
    out = []
    for (era, outcome), r in rec.iterrows():
        lo, hi = wilson(int(r["sum"]), int(r["size"]))
        m = model[(model["era"] == era) & (model["outcome"] == outcome)]
        events = int(m["events"].sum())
        share = float(m["contiguous"].sum() / events) if events else float("nan")
        out.append({"era": era, "outcome": outcome, "record_events": int(r["size"]),
                    "record_share": r["sum"] / r["size"], "record_lo": lo, "record_hi": hi,
                    "model_events": events, "model_share": share,
                    "inside": bool(lo <= share <= hi)})
    return pd.DataFrame(out)


def era_of(year: int) -> str:
    return "1816-1945" if year <= ERAS["1816-1945"][1] else "1946-2010"


# --- the hindcast -------------------------------------------------------------------------

def hindcast_rows(model: pd.DataFrame, record: pd.DataFrame, starts: Sequence[int],
                  window: int, replicates: int, names: Mapping[int, str]) -> pd.DataFrame:
    """One row per real contiguous pair of each window's start year: its start-year
    observables, the record's history of the pair and the major before it (``pair_history``),
    what happened in the window, and the model's predicted probabilities."""
    return pair_history(forecast_rows(model, record, starts, window, replicates, names))


def forecast_rows(model: pd.DataFrame, record: pd.DataFrame, starts: Sequence[int],
                  window: int, replicates: int, names: Mapping[int, str]) -> pd.DataFrame:
    """``hindcast_rows`` without the record's history: what the model's forecasts are scored on."""
    start_rows = record[record["year"].isin(starts)].copy()
    start_rows["window"] = start_rows["year"]
    start_rows["major_name"] = start_rows["major"].map(names)
    start_rows["minor_name"] = start_rows["minor"].map(names)
    span = record.assign(window=record["year"] - (record["year"] - starts[0]) % window)
    happened = span.groupby(["window", "major", "minor"])[["force", "war"]].sum().gt(0)
    start_rows = start_rows.join(happened.add_prefix("observed_"),
                                 on=["window", "major", "minor"])
    # each replicate's chance of an event in the window, 1 - prod(1 - p) over its years, then
    # the mean over replicates: far less noisy than the share of replicates with an event, and
    # never 0 where the pair is exposed
    none = model.assign(**{f"q_{o}": 1.0 - model[f"p_{o}"] for o in ("force", "war")})
    per_run = 1.0 - none.groupby(["window", "major", "minor", "replicate"])[
        ["q_force", "q_war"]].prod()
    predicted = per_run.groupby(["window", "major", "minor"]).sum() / replicates
    predicted.columns = ["force", "war"]
    start_rows = start_rows.join(predicted.add_prefix("model_"),
                                 on=["window", "major_name", "minor_name"])
    for outcome in ("force", "war"):
        start_rows[f"model_{outcome}"] = start_rows[f"model_{outcome}"].fillna(0.0)
        start_rows[f"observed_{outcome}"] = start_rows[f"observed_{outcome}"].astype(float)
    # the war data end before the record does: a window past their end has no war outcome
    start_rows.loc[start_rows["window"] + window - 1 > war_data_last(), "observed_war"] = np.nan
    start_rows["log_ratio"] = np.log(start_rows["cinc_ratio"].clip(lower=1e-3))
    return start_rows.dropna(subset=["log_ratio"]).reset_index(drop=True)


def log_scores(rows: pd.DataFrame) -> dict[str, float]:
    """The model's log score (mean negative log likelihood) of force and of war on the
    ``forecast_rows``, war only where the war data reach: what ``hedgesim calibrate`` ranks the
    settings the record does not rule out by."""
    out = {}
    for outcome in ("force", "war"):
        scored = rows[rows[f"observed_{outcome}"].notna()]
        out[outcome] = metrics(scored[f"observed_{outcome}"].to_numpy(int),
                               scored[f"model_{outcome}"].to_numpy(float), 0.5)["log_score"]
    return out


def reliability(rows: pd.DataFrame, bins: int = 5) -> pd.DataFrame:
    """The model's predicted probability against the observed frequency (scikit-learn's
    calibration curve, quantile bins), per era and outcome."""
    from sklearn.calibration import calibration_curve

    out = []
    for era, group in rows.groupby("era", sort=True):
        for outcome in ("force", "war"):
            group = group[group[f"observed_{outcome}"].notna()]
            y, p = group[f"observed_{outcome}"].to_numpy(int), group[f"model_{outcome}"].to_numpy()
            if y.min() == y.max() or np.unique(p).size < 2:
                continue
            observed, predicted = calibration_curve(y, p, n_bins=bins, strategy="quantile")
            out += [{"era": era, "outcome": outcome, "predicted": a, "observed": b}
                    for a, b in zip(predicted, observed, strict=True)]
    return pd.DataFrame(out)


@dataclass
class Validation:
    """Everything ``hedgesim validate`` computes; ``experiments.report.write_validation`` writes it."""

    replicates: int
    seed: int
    window: int
    overrides: dict[str, Any]
    patterns: pd.DataFrame
    patterns_by_era: pd.DataFrame
    attackers: pd.DataFrame
    ratios: pd.DataFrame
    behaviour: pd.DataFrame
    hindcast: pd.DataFrame
    scores: pd.DataFrame
    reliability: pd.DataFrame


def validate(overrides: Mapping[str, Any] | None = None, *, replicates: int = REPLICATES,
             seed: int = 0, window: int = WINDOW, first: int = FIRST, last: int = LAST,
             executor: Executor | None = None) -> Validation:
    """Run every window's world through the engine and hold the model against the record."""

    overrides = dict(overrides or {})
    starts = window_starts(first, last, window)
    records = run(paired(settings(overrides, starts, window), replicate_seeds(seed, replicates)),
                  executor, series=True, everyone=True)
    failed = records.outcomes["error"].dropna()
    if len(failed):
        raise RuntimeError(f"a historical world failed to run: {failed.iloc[0]}")
    record = build_panel(first, starts[-1] + window - 1)
    names = state_abbreviations()
    model = model_rows(records.series, starts)
    available = record.assign(major=record["major"].map(names)).groupby(["major", "year"])[
        "rival_available"].first()  # the record's rule, read from the same observables
    model["rival_available"] = available.reindex(pd.MultiIndex.from_arrays(
        [model["major"], model["year"]])).astype("boolean").fillna(False).to_numpy(bool)
    ratio_rec = class_ratios(record, RATIO_PAIRS).assign(source="record")
    ratio_mod = class_ratios(model, RATIO_PAIRS).assign(source="model")
    rows = hindcast_rows(model, record, starts, window, replicates, names)
    return Validation(
        replicates=replicates, seed=seed, window=window, overrides=overrides,
        patterns=compare(model, record, ["alignment"]),
        patterns_by_era=compare(model, record, ["era", "alignment"]),
        attackers=attacker_shares(record_attacks(first, starts[-1] + window - 1),
                                  model_attacks(records.series)),
        ratios=pd.concat([ratio_rec, ratio_mod], ignore_index=True),
        behaviour=behaviour(model, record), hindcast=rows,
        scores=proper_scores(rows, {"force": "model_force", "war": "model_war"}, seed),
        reliability=reliability(rows))


__all__ = ["PER", "Validation", "validate"]

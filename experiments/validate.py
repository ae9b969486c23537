"""``hedgesim validate``: the model held against the 1816-2010 record.

One design serves both tests. For every window start year (1816, 1821, ...), the world of that
year is built from its observables only (``scenarios.historical``) and run for the window's
years on ``replicates`` seeds through the engine. Then:

1. **Patterns.** The model's own (major, contiguous minor, year) rows are classed by the
   record's rules, from the model's state (a defence pact: ``alliance > 0.5``), and give the
   same table as ``hedgesim history``: dyad-years per class, force and war onsets per 100
   dyad-years, the ratios between classes, and who allies with whom by capability ratio. Each
   cell is marked inside or outside the record's 95% interval.
2. **Hindcast.** For every real contiguous pair of a window's start year, the model's predicted
   probability that the major uses force (or goes to war) against the minor within the window
   (the share of replicates in which it does) is scored against what happened: ROC AUC with a
   bootstrap interval, Brier score, reliability; beside baselines on the same rows (contiguity
   type, log CINC ratio, alignment class, each alone, and a logistic regression on all of them
   and the patron's rivalry), fitted in-sample per era. The model's calibrated defaults were
   fitted to the patterns of step 1 (``experiments.calibrate``), never to these rows.

A model force event is a coercion episode or a war onset by the major on the minor that year; a
war event a war onset (``model.mechanisms.coercion`` and ``war_onset``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hedgesim.experiments.analysis import PER, class_ratios, onset_rates
from hedgesim.experiments.engine import HISTORY, Executor, Setting, paired, replicate_seeds, run
from hedgesim.scenarios.history import ERAS, FIRST, LAST, build_panel, classify, ratio_band

WINDOW = 5
REPLICATES = 20
PACT = 0.5  # a model alliance above this is a defence pact
CONTIGUOUS = 0.5  # proximity of COW contiguity types 1-3 (scenarios.historical.PROXIMITY)
RATIO_PAIRS = (("balance", "non-aligned"), ("bandwagon", "non-aligned"), ("both", "non-aligned"))
RESAMPLES = 500


def window_starts(first: int = FIRST, last: int = LAST, window: int = WINDOW) -> list[int]:
    return list(range(first, last - window + 2, window))


def settings(overrides: Mapping[str, Any], starts: Sequence[int], window: int) -> list[Setting]:
    return [Setting.of(f"{HISTORY}{y}", "historical", overrides, window) for y in starts]


def model_rows(series: pd.DataFrame, starts: Sequence[int]) -> pd.DataFrame:
    """The model's (replicate, major, minor, year) rows from its yearly series: the row of step
    k >= 1 is year start + k - 1 (its events, and the alliances after its moves), for minors
    alive at its start and majors contiguous to them."""
    frames = []
    for k, group in series.groupby("setting", sort=True):
        majors = [c.removeprefix("war_") for c in group.columns if c.startswith("war_")
                  and group[c].notna().any()]
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
                "war": rows[f"war_{g}"].to_numpy(bool).astype(int)})[near])
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


# --- the hindcast -------------------------------------------------------------------------

def hindcast_rows(model: pd.DataFrame, record: pd.DataFrame, starts: Sequence[int],
                  window: int, replicates: int, names: Mapping[int, str]) -> pd.DataFrame:
    """One row per real contiguous pair of each window's start year: its start-year
    observables, what happened in the window, and the model's predicted probabilities."""
    start_rows = record[record["year"].isin(starts)].copy()
    start_rows["window"] = start_rows["year"]
    start_rows["major_name"] = start_rows["major"].map(names)
    start_rows["minor_name"] = start_rows["minor"].map(names)
    span = record.assign(window=record["year"] - (record["year"] - starts[0]) % window)
    happened = span.groupby(["window", "major", "minor"])[["force", "war"]].sum().gt(0)
    start_rows = start_rows.join(happened.add_prefix("observed_"),
                                 on=["window", "major", "minor"])
    per_run = model.groupby(["window", "major", "minor", "replicate"])[["force", "war"]].max()
    predicted = (per_run.groupby(["window", "major", "minor"]).sum() / replicates)
    start_rows = start_rows.join(predicted.add_prefix("model_"),
                                 on=["window", "major_name", "minor_name"])
    for outcome in ("force", "war"):
        start_rows[f"model_{outcome}"] = start_rows[f"model_{outcome}"].fillna(0.0)
        start_rows[f"observed_{outcome}"] = start_rows[f"observed_{outcome}"].astype(int)
    start_rows["log_ratio"] = np.log(start_rows["cinc_ratio"].clip(lower=1e-3))
    return start_rows.dropna(subset=["log_ratio"]).reset_index(drop=True)


BASELINES = {"contiguity type": ["conttype"], "log CINC ratio": ["log_ratio"],
             "alignment class": ["class_bandwagon", "class_balance", "class_both"],
             "logistic (all)": ["conttype", "log_ratio", "class_bandwagon", "class_balance",
                                "class_both", "rival_patron"]}


def baseline_scores(rows: pd.DataFrame, outcome: str) -> dict[str, np.ndarray]:
    """In-sample logistic fits (statsmodels) of the observed outcome on each baseline's
    observables; a fit that does not converge predicts the base rate."""
    import statsmodels.api as sm

    frame = rows.assign(**{f"class_{c}": (rows["alignment"] == c).astype(float)
                           for c in ("bandwagon", "balance", "both")},
                        rival_patron=rows["rival_patron"].astype(float),
                        conttype=rows["conttype"].astype(float))
    y = frame[f"observed_{outcome}"].to_numpy(float)
    out = {}
    for name, columns in BASELINES.items():
        x = sm.add_constant(frame[columns].to_numpy(float), has_constant="add")
        try:
            with warnings.catch_warnings():  # separation in small eras: the fit still predicts
                warnings.simplefilter("ignore")
                fit = sm.Logit(y, x).fit(disp=0, maxiter=200)
            out[name] = fit.predict(x)
        except (np.linalg.LinAlgError, ValueError, sm.tools.sm_exceptions.PerfectSeparationError):
            out[name] = np.full(len(y), y.mean())
    return out


def rank_auc(y: np.ndarray, p: np.ndarray, axis: int = -1) -> np.ndarray:
    """ROC AUC by the Mann-Whitney identity, vectorised over resamples (scipy's ranks, ties
    averaged): what scikit-learn's ``roc_auc_score`` gives, at a bootstrap's speed."""
    from scipy import stats

    y = np.asarray(y, float)
    ranks = stats.rankdata(p, axis=axis)
    positives = y.sum(axis=axis)
    negatives = y.shape[axis] - positives
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((ranks * y).sum(axis=axis) - positives * (positives + 1) / 2) / (
            positives * negatives)


def auc_interval(y: np.ndarray, p: np.ndarray, seed: int) -> tuple[float, float, float]:
    """ROC AUC (scikit-learn) with a percentile bootstrap interval over rows (scipy)."""
    from scipy import stats
    from sklearn.metrics import roc_auc_score

    if y.min() == y.max():
        return (float("nan"),) * 3
    with warnings.catch_warnings():  # a resample with one class has no AUC: left out
        warnings.simplefilter("ignore")
        ci = stats.bootstrap((y, p), rank_auc, paired=True, vectorized=True,
                             n_resamples=RESAMPLES, method="percentile",
                             rng=np.random.default_rng(seed)).confidence_interval
    return float(roc_auc_score(y, p)), float(ci.low), float(ci.high)


def scores(rows: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Per era and outcome: the model's and each baseline's AUC (with its interval) and Brier
    score on the same rows."""
    from sklearn.metrics import brier_score_loss

    out = []
    for era, group in rows.groupby("era", sort=True):
        for outcome in ("force", "war"):
            y = group[f"observed_{outcome}"].to_numpy(int)
            predictors = {"model": group[f"model_{outcome}"].to_numpy(float),
                          **baseline_scores(group, outcome)}
            for name, p in predictors.items():
                auc, lo, hi = auc_interval(y, p, seed)
                out.append({"era": era, "outcome": outcome, "predictor": name, "rows": len(y),
                            "events": int(y.sum()), "auc": auc, "auc_lo": lo, "auc_hi": hi,
                            "brier": float(brier_score_loss(y, np.clip(p, 0, 1)))})
    return pd.DataFrame(out)


def reliability(rows: pd.DataFrame, bins: int = 5) -> pd.DataFrame:
    """The model's predicted probability against the observed frequency (scikit-learn's
    calibration curve, quantile bins), per era and outcome."""
    from sklearn.calibration import calibration_curve

    out = []
    for era, group in rows.groupby("era", sort=True):
        for outcome in ("force", "war"):
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
    ratios: pd.DataFrame
    behaviour: pd.DataFrame
    hindcast: pd.DataFrame
    scores: pd.DataFrame
    reliability: pd.DataFrame


def validate(overrides: Mapping[str, Any] | None = None, *, replicates: int = REPLICATES,
             seed: int = 0, window: int = WINDOW, first: int = FIRST, last: int = LAST,
             executor: Executor | None = None) -> Validation:
    """Run every window's world through the engine and hold the model against the record."""
    from hedgesim.scenarios.historical import _names

    overrides = dict(overrides or {})
    starts = window_starts(first, last, window)
    records = run(paired(settings(overrides, starts, window), replicate_seeds(seed, replicates)),
                  executor, series=True, everyone=True)
    failed = records.outcomes["error"].dropna()
    if len(failed):
        raise RuntimeError(f"a historical world failed to run: {failed.iloc[0]}")
    record = build_panel(first, starts[-1] + window - 1)
    names = _names()
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
        ratios=pd.concat([ratio_rec, ratio_mod], ignore_index=True),
        behaviour=behaviour(model, record), hindcast=rows, scores=scores(rows, seed),
        reliability=reliability(rows))


__all__ = ["PER", "Validation", "validate"]

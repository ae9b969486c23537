"""``hedgesim calibrate``: history matching of the model's uncertain parameters to the record.

The record's patterns (``hedgesim history``) are the targets: force and war onsets per 100
dyad-years in each alignment class, the classes' shares of dyad-years, and the balance /
non-aligned rate ratios of force and war, each era's apart when a fit spans both (``era_patterns``).
A parameter setting is run on the historical worlds of
the era (``experiments.validate``: every five-year window's world built from its observables, on
the same replicate seeds for every setting) and scored by its implausibility on each target
(Craig et al. 1997; Vernon, Goldstein & Bower 2010):

    I = |observed - model| / sqrt(V_record + V_model + V_discrepancy)

with the record's Poisson (or binomial) variance, the model's Monte Carlo variance from its own
counts, and a model discrepancy of ``DISCREPANCY`` times the observed value. A setting is ruled
out when its second-largest implausibility exceeds ``CUTOFF`` (the second, not the largest, as
Vernon et al. do with many outputs, so that one noisy cell does not rule out a setting).

Waves: the first is a scrambled Sobol design over the prior box (scipy's QMC); each later wave
is a Sobol design over the box spanned by the settings not yet ruled out, padded by ``PAD`` of
each prior range (or, if every setting was ruled out, by the best tenth). The simulator itself
is run at every design point: no emulator, which a model this fast does not need (McCulloch et
al. 2022 template, without their Gaussian-process step). What is left after the last wave is
the non-implausible set.

The record's patterns say how often each class of pair is attacked, not which pair: a setting
can meet every rate and still rank the pairs no better than chance. So every setting's
forecasts are scored too: the log score (mean negative log likelihood, force plus war) of its
probabilities for the record's real pairs of the era (``validate.forecast_rows``), a simulated
likelihood. History matching rules out; the likelihood ranks what is left. The ``ENSEMBLE``
non-implausible settings with the best log scores are run again on ``CONFIRM_REPLICATES``
replicates with seeds the waves did not use: chosen on six replicates, the best are partly the
luckiest (the winner's curse), and the confirmation scores them afresh. The confirmed
non-implausible settings are the ensemble, and the one with the best confirmed log score the
calibrated defaults (docs/validation.md says why this and not the score as a target alone).

Evaluations are written wave by wave and chunk by chunk, each chunk atomically: an interrupted
calibration resumes where it stopped, and gives the same result for any number of workers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hedgesim.experiments.analysis import PER
from hedgesim.experiments.engine import Executor, Item, replicate_seeds, run
from hedgesim.experiments.runner import atomic_write
from hedgesim.experiments.validate import (
    Validation,
    forecast_rows,
    log_scores,
    model_rows,
    settings,
    validate,
    window_starts,
)
from hedgesim.record.panel import CLASSES, ERAS, FIRST, LAST, build_panel
from hedgesim.record.worlds import state_abbreviations
from hedgesim.scenarios.ensemble import Member, identity
from hedgesim.scenarios.loader import InputError
from hedgesim.scenarios.params import CALIBRATED

CUTOFF = 3.0
DISCREPANCY = 0.1  # model discrepancy: a tenth of the observed value (standard deviation)
WAVES = 3
POINTS = 128  # settings per wave (a power of two, as Sobol designs want)
REPLICATES = 6  # runs per window and setting
CHUNK = 16  # settings per resumable chunk
PAD = 0.05
ENSEMBLE = 16  # settings confirmed, and at most as many in the ensemble
CONFIRM_REPLICATES = 20  # the confirmation's runs per window, on seeds the waves did not use
VALIDATION_REPLICATES = 20  # as hedgesim validate's default
RATIO = ("balance", "non-aligned")
WINDOW = 5
MANIFEST = "manifest.json"
ALL_YEARS = "1816-2010"
# How the calibrated defaults are chosen among the confirmed settings the record does not rule out
CHOICE = "best log score of the era's forecasts (force + war)"


def years(era: str) -> tuple[int, int]:
    """First and last year of an era of ``record.panel.ERAS``, or of ``ALL_YEARS``."""
    return ERAS.get(era, (FIRST, LAST))


# --- targets and model outputs ----------------------------------------------------------

def patterns(rows: pd.DataFrame, units: int) -> pd.DataFrame:
    """The calibration targets of a panel (the record's, or the model's rows): per target its
    value and sampling variance. Rates are per 100 dyad-years with Poisson variance; shares have
    binomial variance over ``units`` independent dyads (dyad-years of one pair are not
    independent); a rate ratio is taken on the log scale, with variance 1/a + 1/b."""
    out = []
    total = len(rows)
    for c in CLASSES:
        group = rows[rows["alignment"] == c]
        exposure = len(group) / PER
        for outcome in ("force", "war"):
            events = int(group[outcome].sum())
            rate = events / exposure if exposure else np.nan
            out.append((f"{outcome} rate, {c}", rate, max(events, 1) / max(exposure, 1e-9) ** 2))
        share = len(group) / total
        out.append((f"share, {c}", share, max(share * (1 - share), 1 / units) / units))
    a, b = (rows[rows["alignment"] == c] for c in RATIO)
    for outcome in ("force", "war"):
        ea, eb = int(a[outcome].sum()), int(b[outcome].sum())
        value = np.log((ea + 0.5) / max(len(a), 1) * max(len(b), 1) / (eb + 0.5))
        out.append((f"log {outcome} ratio, {RATIO[0]} / {RATIO[1]}", value,
                    1 / (ea + 0.5) + 1 / (eb + 0.5)))
    return pd.DataFrame(out, columns=["target", "value", "variance"])


def era_patterns(rows: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """``patterns`` per era of the record (``record.panel.ERAS``) when the rows span more than
    one, each target named after its era, since the record's war rates fall three- to fivefold
    after 1945 and a pooled rate hides that; else ``patterns`` of them all. ``keys`` name one
    independent dyad (the record's pair; the model's replicate and pair)."""
    eras = sorted(rows["era"].unique()) if "era" in rows else []
    if len(eras) < 2:
        return patterns(rows, rows.groupby(list(keys)).ngroups)
    parts = []
    for era in eras:
        part = rows[rows["era"] == era]
        table = patterns(part, part.groupby(list(keys)).ngroups)
        parts.append(table.assign(target=era + ": " + table["target"]))
    return pd.concat(parts, ignore_index=True)


def implausibility(record: pd.DataFrame, model: pd.DataFrame) -> pd.Series:
    """Per target: |record - model| over the root of the three variances. A ratio's
    discrepancy is a tenth on the ratio scale (its log's), a rate's or share's a tenth of it."""
    discrepancy = np.where(record["target"].str.startswith("log"), DISCREPANCY,
                           DISCREPANCY * record["value"].abs()) ** 2
    gap = (record["value"] - model["value"]).abs()
    return pd.Series((gap / np.sqrt(record["variance"] + model["variance"] + discrepancy)
                      ).to_numpy(), index=record["target"].to_numpy())


# --- the design ---------------------------------------------------------------------------

def sobol(box: Mapping[str, tuple[float, float]], n: int, seed: int) -> pd.DataFrame:
    from scipy.stats import qmc

    names = list(box)
    # the first n points of the sequence; drawn as a power of two, as Sobol's balance wants
    whole = 1 << max(n - 1, 0).bit_length()
    unit = qmc.Sobol(len(names), scramble=True, rng=np.random.default_rng(seed)).random(whole)[:n]
    low = np.array([box[k][0] for k in names])
    high = np.array([box[k][1] for k in names])
    return pd.DataFrame(qmc.scale(unit, low, high), columns=names)


def focus(evaluated: pd.DataFrame, priors: Mapping[str, tuple[float, float]]
          ) -> dict[str, tuple[float, float]]:
    """The next wave's box: spanned by the settings not ruled out (or the best tenth), padded,
    within the priors."""
    kept = evaluated[evaluated["non_implausible"]]
    if kept.empty:
        kept = evaluated.nsmallest(max(len(evaluated) // 10, 2), "second_largest")
    box = {}
    for k, (low, high) in priors.items():
        pad = PAD * (high - low)
        box[k] = (max(low, kept[k].min() - pad), min(high, kept[k].max() + pad))
    return box


# --- evaluating settings --------------------------------------------------------------------

def simulate_patterns(design: pd.DataFrame, era: str, replicates: int, seed: int,
                      executor: Executor, panel: pd.DataFrame | None
                      ) -> list[tuple[pd.DataFrame, dict[str, float]]]:
    """Each setting of ``design`` run on the historical worlds of ``era`` (the same seeds for
    every setting: common random numbers): its pattern table, and the log scores of its
    forecasts for the record's pairs of the era (``panel``; none without it)."""
    starts = window_starts(*years(era), WINDOW)
    seeds = replicate_seeds(seed, replicates)
    items = [Item(s, sd, (("point", p), ("setting", k), ("replicate", i)))
             for p, params in enumerate(design.to_dict("records"))
             for k, s in enumerate(settings(params, starts, WINDOW))
             for i, sd in enumerate(seeds)]
    records = run(items, executor, series=True, everyone=True)
    failed = records.outcomes["error"].dropna()
    if len(failed):
        raise RuntimeError(f"a historical world failed to run: {failed.iloc[0]}")
    names = state_abbreviations()
    out = []
    for _, part in records.series.groupby("point", sort=True):
        rows = model_rows(part, starts)
        scores = (log_scores(forecast_rows(rows, panel, starts, WINDOW, replicates, names))
                  if panel is not None else {"force": np.nan, "war": np.nan})
        out.append((era_patterns(rows, ["replicate", "major", "minor"]), scores))
    return out


def score(design: pd.DataFrame, model: Sequence[tuple[pd.DataFrame, dict[str, float]]],
          record: pd.DataFrame) -> pd.DataFrame:
    """The design with, per setting, its identity, every target's model value and
    implausibility, the largest and second-largest, whether it is ruled out, and the log scores
    of its forecasts (force, war, and their sum ``log_score``)."""
    rows = []
    for params, (table, scores) in zip(design.to_dict("records"), model, strict=True):
        imp = implausibility(record, table)
        ranked = np.sort(imp.to_numpy())[::-1]
        rows.append({"id": identity(params), **params,
                     **{f"model: {t}": v for t, v in zip(table["target"], table["value"],
                                                         strict=True)},
                     **{f"I: {t}": v for t, v in imp.items()},
                     "largest": ranked[0], "second_largest": ranked[1],
                     "non_implausible": bool(ranked[1] <= CUTOFF),
                     "log_score_force": scores["force"], "log_score_war": scores["war"],
                     "log_score": scores["force"] + scores["war"]})
    return pd.DataFrame(rows)


@dataclass
class Calibration:
    """What ``calibrate`` found for one era: every evaluated setting by wave, the targets, the
    ensemble and the best setting."""

    era: str
    record: pd.DataFrame
    evaluated: pd.DataFrame  # every setting, with its wave
    ensemble: pd.DataFrame
    best: dict[str, float]


def history_match(era: str, out: Path, executor: Executor, *, waves: int = WAVES,
                  points: int = POINTS, replicates: int = REPLICATES, seed: int = 0,
                  priors: Mapping[str, tuple[float, float]] = CALIBRATED,
                  progress: Any = None, targets: pd.DataFrame | None = None,
                  confirm: int = CONFIRM_REPLICATES) -> Calibration:
    """Waves of history matching on ``era``'s record, resuming from what ``out`` holds. With
    ``targets`` (a synthetic record's patterns, ``recover``), those are matched instead, and no
    forecasts are scored; ``confirm``: the confirmation's replicates."""
    out.mkdir(parents=True, exist_ok=True)
    panel = build_panel(*years(era)) if targets is None else None
    record = targets if panel is None else era_patterns(panel, ["major", "minor"])
    waves_done: list[pd.DataFrame] = []
    box = dict(priors)
    for wave in range(1, waves + 1):
        design = sobol(box, points, seed + wave)
        chunks = []
        for start in range(0, points, CHUNK):
            path = out / f"wave-{wave}-{start // CHUNK:03d}.parquet"
            if path.exists():
                try:
                    chunks.append(pd.read_parquet(path))
                    continue
                except (OSError, ValueError):  # damaged: run again
                    path.unlink()
            part = design.iloc[start:start + CHUNK].reset_index(drop=True)
            table = score(part, simulate_patterns(part, era, replicates, seed, executor, panel),
                          record).assign(wave=wave)
            atomic_write(path, lambda tmp, t=table: t.to_parquet(tmp, index=False))
            chunks.append(table)
            if progress:
                progress(era, wave, start + len(part), points)
        evaluated = pd.concat(chunks, ignore_index=True)
        waves_done.append(evaluated)
        box = focus(evaluated, priors)
    evaluated = pd.concat(waves_done, ignore_index=True)
    pool = evaluated[evaluated["non_implausible"]]
    if pool.empty:  # the record rules out every setting tried: the least implausible, as such
        pool = evaluated
    by = "log_score" if pool is not evaluated and pool["log_score"].notna().any() else "second_largest"
    candidates = pool.nsmallest(ENSEMBLE, by)[list(priors)].reset_index(drop=True)
    path = out / "confirm.parquet"
    try:
        confirmed = pd.read_parquet(path)
    except (OSError, ValueError):  # not yet run, or damaged: run it
        confirmed = score(candidates, simulate_patterns(
            candidates, era, confirm, seed + 1, executor, panel), record)
        atomic_write(path, lambda tmp: confirmed.to_parquet(tmp, index=False))
    kept = confirmed[confirmed["non_implausible"]]
    ensemble = (kept if len(kept) else confirmed).sort_values(
        ["log_score", "largest", "id"]).reset_index(drop=True)
    best = {k: float(ensemble.iloc[0][k]) for k in priors}
    return Calibration(era, record, evaluated, ensemble, best)


@dataclass
class Result:
    """``hedgesim calibrate``'s findings: the fit on 1816-1945 and its test on 1946-2010 (the
    validation of its best setting), and the refit on every year with its validation."""

    split: Calibration
    full: Calibration
    split_validation: Validation
    full_validation: Validation
    replicates: int
    seed: int


def calibrate(out: Path, executor: Executor | None = None, *, waves: int = WAVES,
              points: int = POINTS, replicates: int = REPLICATES, seed: int = 0,
              validation_replicates: int = VALIDATION_REPLICATES,
              priors: Mapping[str, tuple[float, float]] = CALIBRATED, progress: Any = None
              ) -> Result:
    """Fit on 1816-1945 and test the best setting on 1946-2010 (``hedgesim validate``'s
    patterns and hindcast, which score both eras), then refit on every year for the shipped
    defaults and ensemble, and validate that. ``priors``: the parameters fitted and their
    ranges (the registry's ``CALIBRATED``, or that with a revision's parameter added to try
    it jointly with the rest)."""
    check_manifest(out, {"waves": waves, "points": points, "replicates": replicates,
                         "seed": seed, "cutoff": CUTOFF, "discrepancy": DISCREPANCY,
                         "window": WINDOW, "priors": {k: list(v) for k, v in priors.items()},
                         "choice": CHOICE})
    with executor or Executor() as ex:
        split = history_match("1816-1945", out / "fit-1816-1945", ex, waves=waves, points=points,
                              replicates=replicates, seed=seed, priors=priors, progress=progress)
        split_validation = validate(split.best, replicates=validation_replicates, seed=seed,
                                    executor=ex)
        full = history_match(ALL_YEARS, out / f"fit-{ALL_YEARS}", ex, waves=waves, points=points,
                             replicates=replicates, seed=seed, priors=priors, progress=progress)
        full_validation = validate(full.best, replicates=validation_replicates, seed=seed,
                                   executor=ex)
    return Result(split, full, split_validation, full_validation, replicates, seed)


# --- parameter recovery ----------------------------------------------------------------------

RECOVERY_ERA = "1816-1945"


def recover(out: Path, executor: Executor | None = None, *, truths: int = 10, waves: int = 2,
            points: int = 32, replicates: int = 2, seed: int = 0, era: str = RECOVERY_ERA,
            priors: Mapping[str, tuple[float, float]] = CALIBRATED, progress: Any = None
            ) -> pd.DataFrame:
    """Parameter recovery (Talts et al. 2018's question, asked of history matching): ``truths``
    settings drawn from the priors (a Sobol design on a seed the fits do not use), each run once
    on ``era``'s historical worlds as a synthetic record, each then history-matched as the real
    record is, at these (reduced) settings, confirming on twice the waves' replicates. Per truth
    and parameter: the truth, the range of the
    settings not ruled out, whether it covers the truth, that range's share of the prior, and the
    best setting's value. Resumable: each fit keeps its folder under ``out``."""
    confirm = 2 * replicates  # the reduced fits confirm on reduced replicates too
    check_manifest(out, {"recover": truths, "waves": waves, "points": points,
                         "replicates": replicates, "confirm": confirm, "seed": seed, "era": era,
                         "cutoff": CUTOFF, "discrepancy": DISCREPANCY, "window": WINDOW,
                         "priors": {k: list(v) for k, v in priors.items()}})
    design = sobol(priors, truths, seed + 7919)
    rows = []
    with executor or Executor() as ex:
        for k, truth in enumerate(design.to_dict("records")):
            [(targets, _)] = simulate_patterns(pd.DataFrame([truth]), era, 1, seed + 104729 + k,
                                               ex, None)
            cal = history_match(era, out / f"truth-{k:02d}", ex, waves=waves, points=points,
                                replicates=replicates, seed=seed, priors=priors,
                                progress=progress, targets=targets, confirm=confirm)
            for r in ranges(cal, priors).to_dict("records"):
                value = truth[r["parameter"]]
                rows.append({"truth": k, **r, "true_value": value,
                             "covered": bool(r["kept_low"] <= value <= r["kept_high"]),
                             "best_error": (r["best"] - value) / (r["prior_high"] - r["prior_low"])})
    return pd.DataFrame(rows)


def recovery_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter, over the truths: how often the non-implausible range covers the truth, its
    median share of the prior (near 1: the record's patterns cannot identify the parameter), and
    the best setting's median absolute error as a share of the prior range."""
    g = table.groupby("parameter", sort=False)
    out = pd.DataFrame({"truths": g.size(), "coverage": g["covered"].mean(),
                        "median_share_of_prior": g["share_of_prior"].median(),
                        "median_abs_best_error": g["best_error"].apply(lambda e: e.abs().median())})
    out["identified"] = out["median_share_of_prior"] < IDENTIFIED
    return out.reset_index()


IDENTIFIED = 0.5  # a parameter counts as identified when its kept range is under half its prior


def check_manifest(out: Path, config: Mapping[str, Any]) -> None:
    """Write the calibration's settings to ``out/manifest.json``, or refuse (``InputError``) a
    folder that holds a calibration made with other settings: resuming must not mix them."""
    path = out / MANIFEST
    text = json.dumps(config, indent=2, sort_keys=True) + "\n"
    if path.exists():
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise InputError(f"{path}: unreadable ({err}); remove the folder to start "
                             f"afresh") from err
        if found != json.loads(text):
            changed = sorted(k for k in {*found, *config} if found.get(k) != json.loads(text).get(k))
            raise InputError(f"{path}: a calibration with other settings ({', '.join(changed)}) "
                             f"is in this folder; use another --out or remove it")
        return
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def ranges(calibration: Calibration, priors: Mapping[str, tuple[float, float]] = CALIBRATED
           ) -> pd.DataFrame:
    """Per parameter: its prior range, the range of the settings not ruled out, the ensemble's
    median and the best setting's value."""
    kept = calibration.evaluated[calibration.evaluated["non_implausible"]]
    return pd.DataFrame([{
        "parameter": k, "prior_low": lo, "prior_high": hi,
        "kept_low": kept[k].min() if len(kept) else np.nan,
        "kept_high": kept[k].max() if len(kept) else np.nan,
        "ensemble_median": calibration.ensemble[k].median(), "best": calibration.best[k],
        "share_of_prior": ((kept[k].max() - kept[k].min()) / (hi - lo)) if len(kept) else np.nan,
    } for k, (lo, hi) in priors.items()])


def members(calibration: Calibration) -> list[Member]:
    return [Member(r["id"], {k: float(r[k]) for k in calibration.best}, float(r["largest"]))
            for r in calibration.ensemble.to_dict("records")]


__all__ = ["ALL_YEARS", "CALIBRATED", "Calibration", "Result", "calibrate", "history_match",
           "members", "ranges", "recover", "recovery_summary"]

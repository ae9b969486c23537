"""The calibration's report (``hedgesim calibrate``): the fit, the plausible settings and
their pairs plot, ``ensemble.toml`` and ``calibrated.toml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from hedgesim.experiments.report import (
    Plot,
    md_table,
    save_all,
    subplots,
    write_csv,
    write_stamped,
    write_text,
)
from hedgesim.experiments.validate_report import SCORE_COLUMNS, formatted_scores, write_validation


def plot_pairs(calibration: Any, priors: dict[str, tuple[float, float]]) -> Figure:
    """Pairs plot of the settings not ruled out (by wave) over the prior box: the diagonal is
    each parameter's histogram, the lower triangle every pair; the ensemble is ringed."""
    names = list(priors)
    kept = calibration.evaluated[calibration.evaluated["non_implausible"]]
    shown = kept if len(kept) else calibration.evaluated.nsmallest(20, "second_largest")
    k = len(names)
    fig, axes = subplots(k, k, figsize=(1.6 * k, 1.6 * k))
    waves = sorted(shown["wave"].unique())
    colours = matplotlib.colormaps["viridis"](np.linspace(0.1, 0.9, max(len(waves), 1)))
    for i, y in enumerate(names):
        for j, x in enumerate(names):
            ax = axes[i, j]
            ax.tick_params(labelsize=6, length=2)
            ax.xaxis.set_major_locator(MaxNLocator(3))
            ax.yaxis.set_major_locator(MaxNLocator(3))
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                ax.hist(shown[x], bins=12, range=priors[x], color="grey")
            else:
                for wave, colour in zip(waves, colours, strict=True):
                    w = shown[shown["wave"] == wave]
                    ax.scatter(w[x], w[y], s=3, color=colour, label=f"wave {wave}")
                ax.scatter(calibration.ensemble[x], calibration.ensemble[y], s=12,
                           facecolors="none", edgecolors="black", linewidths=0.5)
                ax.set_ylim(priors[y])
            ax.set_xlim(priors[x])
            if i < k - 1:
                ax.set_xticklabels([])
            else:
                ax.set_xlabel(x.replace("_", " "), fontsize=7, rotation=35, ha="right")
            if j > 0:
                ax.set_yticklabels([])
            elif i > 0:
                ax.set_ylabel(y.replace("_", " "), fontsize=7, rotation=0, ha="right", va="center")
    status = (f"{len(kept)} of {len(calibration.evaluated)} settings not ruled out" if len(kept)
              else "every setting ruled out: the 20 least implausible shown")
    fig.suptitle(f"history matching on {calibration.era}: {status} (ensemble ringed)",
                 fontsize=9)
    fig.subplots_adjust(wspace=0.08, hspace=0.08, left=0.08, bottom=0.08, right=0.99, top=0.96)
    return fig


def _fit_table(calibration: Any) -> pd.DataFrame:
    """Per target: the record's value, the best setting's and its implausibility."""
    best = calibration.ensemble.iloc[0]
    return pd.DataFrame({
        "target": calibration.record["target"], "record": calibration.record["value"],
        "record_sd": np.sqrt(calibration.record["variance"]),
        "model": [best[f"model: {t}"] for t in calibration.record["target"]],
        "implausibility": [best[f"I: {t}"] for t in calibration.record["target"]]})


def _formatted_patterns(p: pd.DataFrame) -> pd.DataFrame:
    """Pattern rows with the record's rate [95% CI] (onsets) and the model's, inside or not."""
    p = p.copy()
    for outcome in ("force", "war"):
        p[f"record {outcome} /100"] = [
            f"{r[f'record_{outcome}_rate']:.2f} [{r[f'record_{outcome}_lo']:.2f}, "
            f"{r[f'record_{outcome}_hi']:.2f}] ({int(r[f'record_{outcome}_onsets'])})"
            for _, r in p.iterrows()]
        p[f"model {outcome} /100"] = [
            f"{r[f'model_{outcome}_rate']:.2f} ({'inside' if r[f'{outcome}_inside'] else 'OUTSIDE'})"
            for _, r in p.iterrows()]
    return p


def calibration_report(result: Any, priors: dict[str, tuple[float, float]]) -> str:
    """report.md of ``hedgesim calibrate``: the method, the fit on 1816-1945 and its test on
    1946-2010, the refit on every year, the non-implausible ranges."""
    from hedgesim.experiments.calibrate import CUTOFF, DISCREPANCY, ranges

    lines = ["# Calibration: history matching to the 1816-2010 record", "",
             f"{len(result.split.evaluated['wave'].unique())} waves of "
             f"{len(result.split.evaluated) // max(len(result.split.evaluated['wave'].unique()), 1)}"
             f" settings of {len(priors)} parameters, each run on every five-year window's world "
             f"({result.replicates} replicates, seed {result.seed}). A setting is ruled out when "
             f"its second-largest implausibility exceeds {CUTOFF:g} (record variance + the "
             f"model's Monte Carlo variance + a discrepancy of {DISCREPANCY:.0%}). Of the "
             "settings not ruled out, the one whose forecasts for the era's real pairs have the "
             "best log score (force + war, confirmed on fresh seeds) is the best setting. "
             "docs/validation.md says why this method.", ""]
    for title, cal, validation, held_out in (
            ("Fit on 1816-1945, tested on 1946-2010", result.split, result.split_validation,
             "1946-2010"),
            ("Refit on 1816-2010 (the shipped defaults and ensemble)", result.full,
             result.full_validation, None)):
        kept = int(cal.evaluated["non_implausible"].sum())
        by_wave = cal.evaluated.groupby("wave").agg(
            settings=("id", "size"), not_ruled_out=("non_implausible", "sum"),
            least_largest=("largest", "min"), median_second=("second_largest", "median"),
            best_log_score=("log_score", "min")).reset_index()
        lines += [f"## {title}", "",
                  (f"{kept} of {len(cal.evaluated)} settings are not ruled out."
                   if kept else "**Every setting tried is ruled out by the record**: the "
                   "least implausible are reported, and the misfit stands."), "",
                  *md_table(by_wave, list(by_wave.columns)), "",
                  ("The best setting (the best log score among the confirmed non-implausible: "
                   f"force {cal.ensemble.iloc[0]['log_score_force']:.4f}, war "
                   f"{cal.ensemble.iloc[0]['log_score_war']:.4f} on the fit's era) against the "
                   "targets:"), "",
                  *md_table(_fit_table(cal), ["target", "record", "record_sd", "model",
                                              "implausibility"]), "",
                  "Ranges of the settings not ruled out, within the priors:", "",
                  *md_table(ranges(cal, priors), ["parameter", "prior_low", "prior_high",
                                                  "kept_low", "kept_high", "ensemble_median",
                                                  "best"]), "",
                  f"![pairs](pairs-{cal.era}.png)", ""]
        shown = ["alignment", "record force /100", "model force /100", "record war /100",
                 "model war /100"]
        eras = [(held_out, validation.patterns_by_era.query("era == @held_out"))] if held_out \
            else [("1816-2010", validation.patterns)]
        for era, table in eras:
            lines += [f"Validation of the best setting ({validation.replicates} replicates), "
                      f"{era}{' (held out)' if held_out else ''}: onsets per 100 dyad-years, "
                      "record [95% CI] (onsets) and model", "",
                      *md_table(_formatted_patterns(table), shown), ""]
        ratios = validation.ratios
        lines += ["Rate ratios over every year (exact 95% intervals):", "",
                  *md_table(ratios, ["source", "outcome", "ratio", "rate_ratio", "lo", "hi",
                                     "onsets"]), ""]
        sc = validation.scores
        if held_out:
            sc = sc[sc["era"] == held_out]
        lines += ["Hindcast proper scores [95% CI, bootstrap over dyads] beside the baselines "
                  "(fitted on 1816-1945; `fit` says where that is in-sample):", "",
                  *md_table(formatted_scores(sc), SCORE_COLUMNS), ""]
    return "\n".join(lines)


def write_calibration(result: Any, out: Path, priors: dict[str, tuple[float, float]]) -> None:
    """Everything ``hedgesim calibrate`` writes beside its evaluations: report.md, the
    ensemble (ensemble.toml), the best settings as [params] files (calibrated.toml from every
    year, split.toml from 1816-1945), the ranges, the pairs plots and both validations."""
    from hedgesim.experiments.calibrate import members, ranges
    from hedgesim.scenarios.ensemble import ensemble_toml

    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "ensemble.toml", ensemble_toml(members(result.full), {
        "fitted_on": result.full.era, "method": "history matching (hedgesim calibrate)",
        "replicates": result.replicates, "seed": result.seed}))
    for name, cal in (("calibrated", result.full), ("split", result.split)):
        body = "\n".join(f"{k} = {float(f'{v:.6g}')!r}" for k, v in cal.best.items())
        write_text(out / f"{name}.toml", f"# best setting of hedgesim calibrate on {cal.era}\n"
                                         f"[params]\n{body}\n")
        write_csv(out / f"ranges-{cal.era}.csv", ranges(cal, priors))
        write_csv(out / f"evaluations-{cal.era}.csv", cal.evaluated)
    save_all([Plot(plot_pairs, (cal, priors), f"pairs-{cal.era}")
              for cal in (result.full, result.split)], out)
    write_validation(result.split_validation, out / "validation-split")
    write_validation(result.full_validation, out / "validation-full")
    write_stamped(out / "report.md", calibration_report(result, priors))


# --- hedgesim walt --------------------------------------------------------------------------


def write_recovery(table: pd.DataFrame, summary: pd.DataFrame, args: Any, out: Path) -> None:
    """recovery.csv (per truth and parameter) and recovery.md (per parameter) of
    ``hedgesim calibrate --recover``."""
    from hedgesim.experiments.calibrate import IDENTIFIED, RECOVERY_ERA

    write_csv(out / "recovery.csv", table)
    write_csv(out / "recovery-summary.csv", summary)
    write_stamped(out / "recovery.md", "\n".join([
        "# Parameter recovery", "",
        f"`hedgesim calibrate --recover {args.recover} --waves {args.waves} --points "
        f"{args.points} --replicates {args.replicates} --seed {args.seed}`: {args.recover} "
        f"settings drawn from the priors, each run once on the {RECOVERY_ERA} historical worlds "
        "as a synthetic record, then history-matched to that record's patterns as the real one "
        "is. `coverage`: how often the range of the settings not ruled out holds the truth; "
        "`median_share_of_prior`: how much of the prior that range spans (near 1: the patterns "
        f"cannot tell the parameter's values apart; `identified` when under {IDENTIFIED:.0%}); "
        "`median_abs_best_error`: the best setting's distance from the truth as a share of the "
        "prior range.", "",
        *md_table(summary, list(summary.columns)), ""]))

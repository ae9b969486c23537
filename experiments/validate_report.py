"""The validation's report (``hedgesim validate``): the model beside the record, as a
figure and ``report.md``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hedgesim.experiments.report import (
    Plot,
    md_table,
    save_all,
    subplots,
    write_csv,
    write_stamped,
)
from hedgesim.experiments.scores import TEST, TRAIN, war_data_last
from hedgesim.experiments.style import CLASS_COLOURS


def plot_validation(validation: Any) -> Figure:
    """Left: force and war onsets per 100 dyad-years by class, record (with its interval) beside
    the model; right: the hindcast's reliability, predicted against observed."""
    p = validation.patterns.set_index("alignment").reindex(list(CLASS_COLOURS))
    fig, axes = subplots(1, 3, figsize=(14, 3.8))
    for ax, outcome in zip(axes[:2], ("force", "war"), strict=True):
        x = np.arange(len(p))
        rec, mod = p[f"record_{outcome}_rate"], p[f"model_{outcome}_rate"]
        ax.bar(x - 0.2, rec, 0.4, yerr=[rec - p[f"record_{outcome}_lo"],
                                        p[f"record_{outcome}_hi"] - rec],
               capsize=3, color=[CLASS_COLOURS[c] for c in p.index], label="record")
        ax.bar(x + 0.2, mod, 0.4, yerr=[mod - p[f"model_{outcome}_lo"],
                                        p[f"model_{outcome}_hi"] - mod],
               capsize=3, color="white", edgecolor=[CLASS_COLOURS[c] for c in p.index],
               hatch="//", label="model")
        ax.set_xticks(x, list(p.index))
        ax.set_ylabel(f"{outcome} onsets per 100 dyad-years")
        ax.set_title(f"{outcome}: record (solid) and model (hatched)", fontsize=10)
    axes[0].legend(fontsize=8)
    ax = axes[2]
    for (era, outcome), g in validation.reliability.groupby(["era", "outcome"], sort=True):
        ax.plot(g["predicted"], g["observed"], marker="o", label=f"{outcome}, {era}")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
    ax.set_xlabel("model's predicted probability in the window")
    ax.set_ylabel("observed frequency")
    ax.set_title("hindcast reliability", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def validation_report(validation: Any) -> str:
    """report.md of ``hedgesim validate``: the class table beside the record, the ratios, the
    behaviour, and the hindcast scores beside the baselines."""
    v = validation
    p = v.patterns.copy()
    for outcome in ("force", "war"):
        p[f"record {outcome} /100"] = [
            f"{r[f'record_{outcome}_rate']:.2f} [{r[f'record_{outcome}_lo']:.2f}, "
            f"{r[f'record_{outcome}_hi']:.2f}]" for _, r in p.iterrows()]
        p[f"model {outcome} /100"] = [
            f"{r[f'model_{outcome}_rate']:.2f} ({'inside' if r[f'{outcome}_inside'] else 'OUTSIDE'})"
            for _, r in p.iterrows()]
    shown = ["alignment", "record_share", "model_share", "record force /100", "model force /100",
             "record war /100", "model war /100"]
    lines = [
        "# The model held against the record", "",
        f"`hedgesim validate`: {len(v.hindcast['window'].unique())} windows of {v.window} years "
        f"(each world built from its start year's observables, docs/validation.md), "
        f"{v.replicates} replicates each, seed {v.seed}"
        + (f", overrides {v.overrides}" if v.overrides else "") + ". Record intervals: exact "
        "Poisson 95%; the model's cells are marked inside or outside them.", "",
        "## Patterns: onsets per 100 dyad-years by alignment class", "",
        *md_table(p, shown), "",
        "## The same by era", "",
        *md_table(v.patterns_by_era.assign(
            **{"record force": [f"{r.record_force_rate:.2f} [{r.record_force_lo:.2f}, "
                                f"{r.record_force_hi:.2f}]" for r in v.patterns_by_era.itertuples()],
               "record war": [f"{r.record_war_rate:.2f} [{r.record_war_lo:.2f}, "
                              f"{r.record_war_hi:.2f}]" for r in v.patterns_by_era.itertuples()]}),
                  ["era", "alignment", "record force", "model_force_rate", "force_inside",
                   "record war", "model_war_rate", "war_inside"]), "",
        "## Who attacks: the share of attacks on minors started by a contiguous major", "",
        "Every force (MIDs, hostility 4-5, the major on side A) and war (COW) onset of a major "
        "against a minor, contiguous or not, in the record; every coercion or war of a great "
        "power on a small state in the historical worlds. Record: Wilson 95% intervals.", "",
        *md_table(v.attackers, ["era", "outcome", "record_events", "record_share", "record_lo",
                                "record_hi", "model_events", "model_share", "inside"]), "",
        "## Ratios between classes (exact 95% intervals)", "",
        *md_table(v.ratios, ["source", "outcome", "ratio", "rate_ratio", "lo", "hi", "onsets"]),
        "", "## Behaviour: class shares by capability ratio and by whether the major has a "
        "rival (record and model)", "",
        *md_table(v.behaviour, ["by", "group", "alignment", "record", "model"]), "",
        "## Hindcast: the major's force or war against the minor within the window", "",
        "Proper scores on the real pairs of each window's start year (docs/validation.md): the "
        "model's probability is each replicate's chance of an event in the window, from the "
        "yearly chances its mechanisms drew, averaged over replicates. Baselines are logistic "
        f"fits on {TRAIN} only (`fit`: in-sample there, held-out on {TEST}); `constant` is "
        f"{TRAIN}'s base rate. Brier skill is against the era's own base rate (0: no better "
        "than it). Intervals: 95%, bootstrap over dyads. War is scored only in windows that end "
        f"by {war_data_last()}, where the COW war data end. The model's parameters were fitted "
        "by `hedgesim calibrate` as `--params` says; under the shipped defaults they saw every "
        "year, so no era is held out for the model here.", "",
        *md_table(formatted_scores(v.scores), SCORE_COLUMNS), "",
        "![validation](validation.png)", ""]
    return "\n".join(lines)


SCORE_COLUMNS = ["era", "outcome", "predictor", "fit", "rows", "events", "log score",
                 "Brier skill", "AP", "AUC"]


def formatted_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """The proper-score table with each metric and its interval in one cell."""
    def cell(metric: str, digits: int) -> list[str]:
        return [f"{v:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]" for v, lo, hi in
                zip(scores[metric], scores[f"{metric}_lo"], scores[f"{metric}_hi"], strict=True)]

    return scores.assign(**{"log score": cell("log_score", 3), "Brier skill": cell("brier_skill", 3),
                            "AP": cell("ap", 2), "AUC": cell("auc", 2)})


def write_validation(validation: Any, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    v = validation
    tables = {"patterns": v.patterns, "patterns_by_era": v.patterns_by_era,
              "attackers": v.attackers, "ratios": v.ratios,
              "behaviour": v.behaviour, "hindcast": v.hindcast, "scores": v.scores,
              "reliability": v.reliability}
    written = []
    for stem, frame in tables.items():
        plain = frame.astype({c: str for c in frame.columns if frame[c].dtype.name == "category"})
        write_csv(out / f"{stem}.csv", plain)
        written.append(out / f"{stem}.csv")
    written += [out / n for n in save_all([Plot(plot_validation, (v,), "validation")], out)]
    write_stamped(out / "report.md", validation_report(v))
    return [*written, out / "report.md"]


# --- hedgesim calibrate ---------------------------------------------------------------------

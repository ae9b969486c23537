"""The counterfactual's report: its figures and ``report.md``, each claim with its verdict
and the reading of it, from ``experiments.counterfactual``'s results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hedgesim.experiments.counterfactual import (
    ARMS,
    CASES,
    FACTORS,
    SERIES_REPLICATES,
    Counterfactual,
    explain,
    judge_belarus,
)
from hedgesim.experiments.report import (
    Plot,
    fitted_limits,
    km_axes,
    md_table,
    pct,
    pct_interval,
    save_all,
    subplots,
    write_csv,
    write_stamped,
    year_axis,
)
from hedgesim.experiments.style import COLOURS, LINESTYLES


def write_counterfactual(result: Counterfactual, out: Path) -> list[Path]:
    """Write tables, figures and the report into ``out``; the same result gives the same bytes."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {"summary.csv": result.summary, "decomposition.csv": result.decomposition,
              "shapley.csv": result.shapley, "sensitivity.csv": result.sensitivity,
              "mechanisms.csv": result.mechanisms, "tessman_belarus.csv": result.tessman,
              "hazard_ratios.csv": result.hazards,
              **({"ensemble.csv": result.ensemble, "ensemble_claims.csv": result.ensemble_claims,
                  "ensemble_shapley.csv": result.ensemble_shapley}
                 if result.ensemble is not None else {})}
    written = []
    for name, table in tables.items():
        write_csv(out / name, table)
        written.append(out / name)
    plots = [Plot(plot_war_probability, (result.summary, result.replicates), "war_probability"),
             Plot(plot_case_survival, (result.survival,), "survival"),
             Plot(plot_autonomy, (result.autonomy,), "autonomy"),
             Plot(plot_decomposition, (result.shapley,), "decomposition")]
    written += [out / name for name in save_all(plots, out)]
    write_stamped(out / "report.md", counterfactual_report(result))
    return [*written, out / "report.md"]


def plot_war_probability(summary: pd.DataFrame, replicates: int) -> Figure:
    """P(war within the horizon) by case and focal strategy, with its interval."""
    fig, ax = subplots(figsize=(7, 3.8))
    width = 0.8 / len(ARMS)
    for k, arm in enumerate(ARMS):
        rows = summary.set_index("strategy").loc[arm].set_index("scenario").loc[list(CASES)]
        x = np.arange(len(CASES)) + (k - (len(ARMS) - 1) / 2) * width
        err = [rows["attacked"] - rows["attacked_lo"],
               rows["attacked_hi"] - rows["attacked"]]
        ax.bar(x, rows["attacked"], width, yerr=err, capsize=3, label=arm,
               color=COLOURS[arm], edgecolor="black", linewidth=0.5)
    ax.set_xticks(np.arange(len(CASES)), [c.capitalize() for c in CASES])
    ax.set_ylabel(f"P(war within the horizon), 95% CI (n={replicates})")
    ax.set_ylim(0, fitted_limits(summary["attacked_lo"], summary["attacked_hi"])[1])
    ax.legend(title="focal strategy", fontsize=8)
    fig.tight_layout()
    return fig


def plot_case_survival(survival: pd.DataFrame) -> Figure:
    """Kaplan-Meier curves of time to war and to the state's end, by case and strategy."""
    fig, axes = subplots(2, len(CASES), figsize=(10, 8.4), sharey=True)
    for row, event in enumerate(("war", "state end")):
        for col, case in enumerate(CASES):
            ax = axes[row, col]
            km = survival.query("scenario == @case and event == @event")
            km_axes(ax, km.rename(columns={"strategy": "arm"}), "arm")
            ax.set_title(f"{case.capitalize()}: time to {event}", fontsize=10)
            ax.set_xlabel("years")
        axes[row, 0].set_ylim(fitted_limits(survival["lo"], survival["hi"])[0], 1.01)
        axes[row, 0].set_ylabel("Kaplan-Meier: share without the event")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_autonomy(autonomy: pd.DataFrame) -> Figure:
    """Mean autonomy by year, with its 10-90% band, by case and strategy."""
    fig, axes = subplots(1, len(CASES), figsize=(9, 3.6), sharey=True)
    for ax, case in zip(axes, CASES, strict=True):
        for arm in ARMS:
            a = autonomy.query("scenario == @case and strategy == @arm")
            ax.plot(a["year"], a["autonomy"], label=arm, color=COLOURS[arm],
                    linestyle=LINESTYLES[arm], lw=2.2 if arm == "historical" else 1.2)
            ax.fill_between(a["year"], a["q10"], a["q90"], color=COLOURS[arm], alpha=0.12)
        ax.set_title(f"{case.capitalize()}: autonomy (mean, 10-90% band)", fontsize=10)
        ax.set_xlabel("year")
        year_axis(ax)
    axes[0].set_ylim(*fitted_limits(autonomy["q10"], autonomy["q90"]))
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_decomposition(shapley: pd.DataFrame) -> Figure:
    """Each case's gap in P(war) to its donor, split into the components' Shapley values."""
    fig, axes = subplots(1, len(CASES), figsize=(9, 3.6), sharey=True)
    for ax, case in zip(axes, CASES, strict=True):
        s = shapley.query("scenario == @case")
        ax.barh(s["component"], s["contribution"],
                xerr=[s["contribution"] - s["ci_low"], s["ci_high"] - s["contribution"]],
                color="tab:gray", capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(f"{case.capitalize()} − {s['donor'].iloc[0].capitalize()}: war gap",
                     fontsize=10)
        ax.set_xlabel("contribution to the gap in P(war)")
    axes[0].invert_yaxis()
    fig.tight_layout()
    return fig


def counterfactual_report(result: Counterfactual) -> str:
    """The claim-by-claim report (Markdown)."""
    n_sub = int(result.shapley["replicates"].iloc[0])
    s = result.summary.copy()
    s["war (95% CI)"] = [f"{pct(r.attacked)} {pct_interval(r.attacked_lo, r.attacked_hi)}"
                         for r in s.itertuples()]
    s["autonomy (95% CI)"] = [f"{r.autonomy_mean:.3f} [{r.autonomy_mean_lo:.3f}, "
                              f"{r.autonomy_mean_hi:.3f}]" for r in s.itertuples()]
    lines = [
        "# E-IR 2024's counterfactual in the model: Ukraine (war) and Vietnam (peace)", "",
        f"`hedgesim counterfactual --replicates {result.replicates} --seed {result.seed}`. "
        f"Each arm ran on the same {result.replicates} paired seeds (replicate i of every arm "
        f"uses seed i: common random numbers); the decomposition and the sensitivity check on "
        f"the first {n_sub}. War: the neighbour attacks at least once within the horizon. "
        "Intervals: Wilson for proportions (scipy.stats.binomtest), bootstrap (BCa, 2000 "
        "resamples, scipy.stats.bootstrap) for means and paired differences; Kaplan-Meier "
        "bands and Cox hazard ratios from lifelines. Method and criteria: "
        "docs/counterfactual.md.", "",
        "## Strategy arms", "",
        _md(s, ["scenario", "strategy", "war (95% CI)", "survived",
                   "autonomy (95% CI)", "years_to_war", "coercions"]), "",
        "![war probability](war_probability.png)", "",
        "![survival](survival.png) ![autonomy](autonomy.png)", "",
        "Cox hazard ratios (lifelines) of war and of the state's end, arm to arm, over the "
        "horizon (NaN where an arm has no event):", "",
        _md(result.hazards, ["scenario", "event", "comparison", "hazard_ratio", "lo", "hi",
                             "events"]), "",
        "## The claims of E-IR 2024", "",
        "Criteria were fixed before the runs. *Reproduced*: the criterion is met; "
        "*contradicted*: the interval lies wholly on the other side; *inconclusive at n*: it "
        "straddles the line at that number of runs.", "",
    ]
    sens = result.sensitivity
    baseline = sens.iloc[0]
    for c in result.claims:
        col = sens[f"claim_{c.number}"].iloc[1:]
        at_n = baseline[f"claim_{c.number}"]
        relevant = sens.iloc[1:][col != "–"]
        differ = relevant.loc[relevant[f"claim_{c.number}"] != at_n, "variant"]
        if at_n.startswith("inconclusive"):
            robust = (f"underpowered: on these runs the baseline itself is {at_n}, so the "
                      f"variants cannot show a change")
        elif differ.empty:
            robust = (f"the verdict is the same in every variant of {', '.join(c.cases)} "
                      f"({len(relevant)})")
        else:
            robust = "the verdict differs from the baseline's at the same n in " + ", ".join(
                f"{v} ({relevant.set_index('variant').loc[v, f'claim_{c.number}']})"
                for v in differ)
        lines += [f"### {c.number}. {c.text}: **{c.verdict}**",
                  "", f"- Criterion: {c.criterion}.", f"- Evidence: {c.evidence}.",
                  f"- Sensitivity (one-at-a-time variants, n={n_sub}; baseline at that n: "
                  f"{at_n}): {robust}."]
        if c.verdict != "reproduced":
            lines.append(f"- Why: {explain(c, result.mechanisms)}")
        lines.append("")
    lines += [
        "## Mechanisms behind the arms", "",
        f"Means over the years a state lived, first {min(SERIES_REPLICATES, result.replicates)} "
        "replicates. War onset rises with the neighbour's motive (its threat from the state plus "
        "revisionist aims the state's alignment with it does not satisfy) times its odds, and "
        "falls with its cost (shared trade, third partners, institutions).", "",
        _md(result.mechanisms, list(result.mechanisms.columns)), "",
        "## Strategy or structure? The decomposition", "",
        "Each case run with one structural condition of the other case (and with all four), "
        "under each arm; `change` is the paired change in war probability from the case as it "
        "is.", "",
        _md(result.decomposition.query("swapped != 'none'"),
               ["scenario", "strategy", "swapped", "attacked", "change",
                "change_ci_low", "change_ci_high"]), "",
        "Shapley decomposition of each case's war gap to the other case (five players: the "
        "strategy and the four conditions; the residual is every other difference between "
        "the cases):", "",
        _md(result.shapley, ["scenario", "component", "meaning", "contribution", "ci_low",
                                "ci_high", "share_of_gap"]), "",
        "![decomposition](decomposition.png)", "",
        _structure_sentence(result), "",
        "## Sensitivity", "",
        "Each uncertain parameter at either end of its plausible range (entity attributes "
        "given an `uncertain = { field = [low, high] }` range in the scenario files; global "
        "parameters moved as in docs/counterfactual.md), the others at their values:", "",
        _md(sens, list(sens.columns)), "",
        "## Belarus and Tessman's test", "",
        _belarus(result.tessman), "",
    ]
    if result.ensemble is not None:
        e = result.ensemble.assign(
            estimate=result.ensemble["estimate"].map("{:.3f}".format),
            monte_carlo=[pct_interval(a, b) for a, b in zip(result.ensemble["mc_lo"],
                                                   result.ensemble["mc_hi"], strict=True)],
            members_range=[pct_interval(a, b) for a, b in zip(result.ensemble["members_lo"],
                                                     result.ensemble["members_hi"], strict=True)],
            total=[pct_interval(a, b) for a, b in zip(result.ensemble["total_lo"],
                                             result.ensemble["total_hi"], strict=True)],
            from_parameters=result.ensemble["parameter_share"].map("{:.0%}".format))
        members = int(result.ensemble["members"].iloc[0])
        lines += [
            "## Under the calibrated ensemble", "",
            f"The strategy arms under each of {members} parameter settings of the ensemble, "
            f"{int(result.ensemble['runs_per_member'].iloc[0])} paired runs each on the same "
            "seeds: the pooled estimate, its Monte Carlo interval, the members' 2.5-97.5% "
            "range (parameter uncertainty), a total interval, and the share of the variance "
            "from the parameters.", "",
            _md(e, ["scenario", "arm", "outcome", "estimate", "monte_carlo", "members_range",
                    "total", "from_parameters"]), "",
            "Each claim judged under every member (its criterion on that member's runs):", "",
            _md(result.ensemble_claims, list(result.ensemble_claims.columns)), "",
            f"The Shapley decomposition of each case's war gap under every member "
            f"({int(result.ensemble_shapley['runs_per_member'].iloc[0])} paired runs of each "
            "coalition per member): the mean contribution over members, the members' range, "
            "and how many members put it above zero, below it, or neither (bootstrap 95%):", "",
            _md(result.ensemble_shapley, ["scenario", "donor", "component", "mean",
                                          "members_low", "members_high", "above", "below",
                                          "inconclusive"]), ""]
    return "\n".join(lines)


def _structure_sentence(result: Counterfactual) -> str:
    out = []
    for case in CASES:
        s = result.shapley.query("scenario == @case").set_index("component")
        gap = s.loc["gap", "contribution"]
        structure = s.loc[list(FACTORS), "contribution"].sum()
        out.append(
            f"{case.capitalize()} − {s['donor'].iloc[0]}: gap {100 * gap:+.1f} pp, of which the "
            f"strategy {100 * s.loc['strategy', 'contribution']:+.1f} pp, the four structural "
            f"conditions {100 * structure:+.1f} pp, the residual "
            f"{100 * s.loc['residual', 'contribution']:+.1f} pp.")
    return " ".join(out)


def _belarus(tessman: pd.DataFrame) -> str:
    cols = ["strategy", "share_filter_1", "share_filter_2", "share_filter_3", "share_hedger",
            "median_f1_dependency_change", "median_f1_capability_ratio_change",
            "median_f2_rival_alliance_max", "median_f2_arming_max",
            "median_f3_share_years_sustained", "replicates"]
    lines = [
        "Tessman's three filters (Preiherman 2017, figure 1) applied to Belarus's simulated yearly "
        "behaviour toward its leader (Russia), never to its strategy label; shares of runs "
        "passing, with median evidence (`hedgesim tessman belarus`; thresholds in "
        "experiments/tessman.py and docs/counterfactual.md).", "",
        _md(tessman[cols], cols), ""]
    lines += [f"- Expected: {text}: **{'yes' if ok else 'no'}** (majority of runs)."
              for text, ok in judge_belarus(tessman)]
    return "\n".join(lines)


def _md(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    return "\n".join(md_table(frame, list(columns)))


# --- the historical record ------------------------------------------------------------------

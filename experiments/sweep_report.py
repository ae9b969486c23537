"""A sweep's report, ``DIR/report/``: tables (CSV), figures and ``report.md``, from the
analysis tables of ``experiments.analysis``; nothing here computes a statistic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from hedgesim.experiments.analysis import analyse
from hedgesim.experiments.report import (
    Plot,
    fitted_limits,
    interval,
    km_axes,
    md_table,
    readable,
    save_all,
    subplots,
    write_csv,
    write_stamped,
)
from hedgesim.experiments.style import COLOURS, TIE_COLOUR
from hedgesim.experiments.sweep import Study, Sweep
from hedgesim.model.records import AUTONOMY_PARTS


def plot_summary(arms: pd.DataFrame, pairs: pd.DataFrame, study: str) -> Figure:
    """Per arm: survival, war and autonomy with 95% intervals; and the paired differences."""
    fig, axes = subplots(1, 4, figsize=(15, 3.4))
    for ax, (col, label) in zip(axes, [("survived", "survival probability"),
                                       ("attacked", "war probability"),
                                       ("autonomy_mean", "mean autonomy")], strict=False):
        y = arms[col].to_numpy()
        err = np.vstack([y - arms[f"{col}_lo"], arms[f"{col}_hi"] - y])
        ax.bar(arms["arm"], y, color=[COLOURS[a] for a in arms["arm"]], yerr=err, capsize=4,
               edgecolor="black", linewidth=0.5)
        ax.set_ylim(*fitted_limits(arms[f"{col}_lo"], arms[f"{col}_hi"]))
        ax.set_title(f"{label} (axis fitted)")
    ax = axes[3]
    if len(pairs):
        labels = [f"{r.metric}\n{r.comparison}" for r in pairs.itertuples()]
        pos = np.arange(len(pairs))
        ax.errorbar(pairs["difference"], pos, fmt="o", color="k",
                    xerr=[pairs["difference"] - pairs["lo"], pairs["hi"] - pairs["difference"]])
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(pos, labels, fontsize=8)
        ax.invert_yaxis()
    ax.set_title("paired difference (95% CI)")
    fig.suptitle(f"{study}: outcomes per strategy")
    fig.tight_layout()
    return fig




def plot_curves(curves: pd.DataFrame, study: str) -> Figure:
    fig, ax = subplots(figsize=(6, 4.8))
    km_axes(ax, curves, "arm")
    ax.set_xlabel("years")
    ax.set_ylabel("share of focal states surviving")
    ax.set_ylim(fitted_limits(curves["lo"], curves["hi"])[0], 1.01)
    ax.set_title(f"{study}: Kaplan-Meier survival")
    ax.legend()
    return fig


def plot_regime(regime: pd.DataFrame, study: Study, metric: str) -> Figure:
    """Heatmap of the best arm per cell; faded cells have no clear winner (the lead's 95%
    interval includes zero); arms tied exactly are drawn as a tie, not as a win."""
    x, y = study.regime or ("", "")
    cells = regime[regime["metric"] == metric]
    xs = list(pd.unique(cells[x].sort_values()))
    ys = list(pd.unique(cells[y].sort_values()))
    winners = {b if "=" not in b else "tie" for b in cells["best"]}
    arms = [a for a in (*COLOURS, "tie") if a in winners]
    colours = {**COLOURS, "tie": TIE_COLOUR}
    code = {a: i for i, a in enumerate(arms)}
    grid = np.full((len(ys), len(xs)), np.nan)
    fig, ax = subplots(figsize=(1.3 * len(xs) + 2.5, 1.0 * len(ys) + 1.5))
    for _, row in cells.iterrows():
        i, j = ys.index(row[y]), xs.index(row[x])
        tie = "=" in row["best"]
        grid[i, j] = code["tie" if tie else row["best"]]
        label = (f"tie: {row['best'].replace('=', ' = ')}\n{row['value']:.2f}" if tie else
                 f"{row['best']}\n{row['value']:.2f} (+{row['lead']:.2f})")
        ax.text(j, i, label, ha="center", va="center", fontsize=7,
                color="k" if row["clear"] else "0.45")
        if not row["clear"]:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, color="white", alpha=0.55))
    ax.imshow(grid, cmap=ListedColormap([colours[a] for a in arms]), vmin=-0.5,
              vmax=len(arms) - 0.5, origin="lower", aspect="auto")
    ax.set_xticks(range(len(xs)), [_label(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_label(v) for v in ys])
    ax.set_xlabel(readable(x))
    ax.set_ylabel(readable(y, width=30))
    ax.legend(handles=[Patch(color=colours[a], label=a) for a in arms], loc="upper left",
              bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.set_title(f"{study.name}: highest {metric} (faded: no clear winner)")
    return fig


def _label(value: object) -> str:
    return f"{value:g}" if isinstance(value, float | int | np.number) else str(value)


def plot_sensitivity(table: pd.DataFrame, study: Study) -> Figure:
    index, conf = ("ST", "ST_conf") if study.design == "sobol" else ("mu_star", "mu_star_conf")
    outputs = list(dict.fromkeys(table["output"]))
    fig, axes = subplots(1, len(outputs), figsize=(4 * len(outputs), 3), sharey=True,
                         squeeze=False)
    for ax, output in zip(axes[0], outputs, strict=True):
        t = table[table["output"] == output]
        ax.barh([readable(f, width=36) for f in t["factor"]], t[index], xerr=t[conf],
                color=COLOURS["hedge"])
        ax.set_title(output, fontsize=9)
        ax.set_xlabel(index)
    fig.suptitle(f"{study.name}: what drives hedging's advantage ({study.design})")
    fig.tight_layout()
    return fig


def reading(arms: pd.DataFrame, pairs: pd.DataFrame, regime: pd.DataFrame | None,
            sens: pd.DataFrame | None, study: Study) -> list[str]:
    """Plain sentences read off the tables: only what the intervals support."""
    lines = []
    best = arms.sort_values("survived", ascending=False).iloc[0]
    lines.append(f"- Highest pooled survival: **{best['arm']}** "
                 f"({interval(best, 'survived')}); highest mean autonomy: "
                 f"**{arms.sort_values('autonomy_mean', ascending=False).iloc[0]['arm']}**.")
    for p in pairs.itertuples():
        if p.lo > 0:
            verdict = "higher"
        elif p.hi < 0:
            verdict = "lower"
        else:
            verdict = "not clearly different (the interval includes zero)"
        lines.append(f"- {p.metric.capitalize()}, {p.comparison}: {p.difference:+.3f} "
                     f"[{p.lo:+.3f}, {p.hi:+.3f}] over {p.runs} paired runs: hedging's "
                     f"{p.metric} is {verdict}.")
    if regime is not None and len(regime):
        for metric in ("survival", "autonomy"):
            cells = regime[regime["metric"] == metric]
            wins = cells["best"].value_counts()
            clear = cells[cells["clear"]]["best"].value_counts()
            lines.append(f"- Regime map ({metric}): best arm per cell " + ", ".join(
                f"{a} {n}/{len(cells)} (clearly in {clear.get(a, 0)})" for a, n in wins.items())
                + ".")
    if sens is not None and len(sens):
        index = "ST" if study.design == "sobol" else "mu_star"
        for output, t in sens.groupby("output", sort=False):
            top = t.sort_values(index, ascending=False).iloc[0]
            lines.append(f"- Hedging's advantage ({output}) depends most on `{top['factor']}` "
                         f"({index} = {top[index]:.2f} ± {top[f'{index}_conf']:.2f}).")
    return lines


def write_report(results: pd.DataFrame, sweep: Sweep, out: str | Path) -> Path:
    """Write DIR/report/ from the results; returns the path of report.md."""
    folder = Path(out) / "report"
    folder.mkdir(parents=True, exist_ok=True)
    tables = analyse(results, sweep)
    for stem, table in tables.items():
        write_csv(folder / f"{stem}.csv", table)
    lines = [f"# Sweep report: {sweep.name}", ""]
    plots: list[Plot] = []
    if sweep.description:
        lines += [sweep.description, ""]
    n_fail = results.loc[results["error"].notna(), "run"].nunique()
    if (n_done := results["run"].nunique()) < sweep.size():
        lines += [f"**Incomplete: {n_done:,} of the sweep's {sweep.size():,} runs are on disk**; "
                  f"rerun the same `hedgesim sweep` command to finish it.", ""]
    lines += [f"{results['run'].nunique()} runs × {len(sweep.arms)} arms "
              f"({', '.join(sweep.arms)}), base seed {sweep.seed}; every arm of a run uses the "
              f"same seed (paired comparisons). Failed runs: {n_fail}"
              + (" (see failures.csv)." if n_fail else "."), "",
              "Survival and war: share of focal states, Wilson 95% intervals (pooled over focal "
              "states). Autonomy: mean over years, bootstrap 95% interval over runs. Paired "
              "differences: mean over runs of arm − arm, bootstrap 95% interval over runs. "
              "Tables: `by_arm.csv`, `by_cell.csv` (per design point), `paired.csv`, "
              "`paired_by_cell.csv`, `survival_curves.csv` (Kaplan-Meier with 95% bands), "
              "`hazard_ratios.csv` (Cox).", ""]
    for study in sweep.studies:
        if "by_arm" not in tables or not (tables["by_arm"]["study"] == study.name).any():
            lines += [f"## {study.name}", "", "No finished runs.", ""]
            continue
        arms = tables["by_arm"][tables["by_arm"]["study"] == study.name]
        pairs = tables["paired"][tables["paired"]["study"] == study.name] if len(
            tables["paired"]) else tables["paired"]
        if arms.empty:
            lines += [f"## {study.name}", "", "No finished runs.", ""]
            continue
        factors = ", ".join(f"`{f.name}`" for f in study.factors)
        lines += [f"## {study.name}", "",
                  f"Scenario `{Path(study.scenario).stem}`, design {study.design} over "
                  f"{factors}; {study.replicates} replicates per point, {study.steps} years.", ""]
        shown = arms.assign(**{c: [interval(r, c) for _, r in arms.iterrows()]
                               for c in ("survived", "attacked", "autonomy_mean")})
        shown = shown.rename(columns={"survived": "survival", "attacked": "war",
                                      "autonomy_mean": "autonomy",
                                      "years_to_war": "median years to war"})
        lines += [*md_table(shown, ["arm", "runs", "survival", "war", "autonomy",
                                    "median years to war"]), ""]
        parts = [f"{part}_mean" for part, _ in AUTONOMY_PARTS]
        lines += ["What autonomy is the absence of, per arm (each averaged over the years a state "
                  "lived; autonomy is the product of one minus each): an arm's autonomy comes "
                  "from avoiding these, which is how hedging is defined.", "",
                  *md_table(arms.rename(columns=dict(zip(parts, [p for p, _ in AUTONOMY_PARTS],
                                                         strict=True))),
                            ["arm", *(p for p, _ in AUTONOMY_PARTS)]), ""]
        if len(pairs):
            lines += md_table(pairs, ["metric", "comparison", "runs", "difference", "lo", "hi"])
            lines.append("")
        hazards = tables["hazard_ratios"]
        hazards = hazards[hazards["study"] == study.name] if len(hazards) else hazards
        if len(hazards):
            lines += ["Cox hazard ratios (lifelines) of the state's end and of war, arm to arm:",
                      "", *md_table(hazards, ["event", "comparison", "hazard_ratio", "lo", "hi",
                                              "events"]), ""]
        found = tables.get(f"discovery_{study.name}")
        if found is not None and len(found):
            lines += ["**Where hedging does not win** (scenario discovery: a classification "
                      "tree, scikit-learn's CART, over the study's inputs, separating the design "
                      "points where hedging's paired survival difference is at most zero; "
                      "`density`: the share of a region's points where it does not win; "
                      f"`coverage`: the share of all such points the region holds; "
                      f"`discovery_{study.name}.csv`):", "",
                      *md_table(found, ["comparison", "region", "points", "density", "coverage",
                                        "mean_difference"]), ""]
        curves = tables["survival_curves"]
        figures = [Plot(plot_summary, (arms, pairs, study.name), f"summary_{study.name}"),
                   Plot(plot_curves, (curves[curves["study"] == study.name], study.name),
                        f"survival_{study.name}")]
        regime = tables.get(f"regime_{study.name}")
        if regime is not None and len(regime):
            figures += [Plot(plot_regime, (regime, study, metric),
                             f"regime_{study.name}_{metric}") for metric in ("survival", "autonomy")]
        sens = tables.get(f"sensitivity_{study.name}")
        if sens is not None and len(sens):
            figures.append(Plot(plot_sensitivity, (sens, study), f"sensitivity_{study.name}"))
        plots += figures
        lines += ["**Reading.**", "", *reading(arms, pairs, regime, sens, study), ""]
        if "paired_by_member" in tables:
            lines += _members_section(tables["paired_by_member"], sweep, study.name)
        lines += [f"![{plot.stem}.png]({plot.stem}.png)" for plot in figures] + [""]
    lines += ["These are properties of the model under the stated parameters, not forecasts; "
              "with many focal states per world the Wilson intervals are optimistic, the paired "
              "intervals are not.", ""]
    save_all(plots, folder)
    path = folder / "report.md"
    write_stamped(path, "\n".join(lines))
    return path


def _members_section(pairs: pd.DataFrame, sweep: Sweep, study: str) -> list[str]:
    """Under a parameter ensemble: each paired survival difference per member, and how many
    members' intervals lie wholly on one side of zero."""
    rows = pairs[(pairs["study"] == study) & (pairs["metric"] == "survival")]
    if rows.empty:
        return []
    ran = rows["member"].nunique()
    lines = [f"**Under the parameter ensemble** `{Path(sweep.ensemble).name}` "
             f"({len(sweep.members)} members; replicate r runs under member r mod "
             f"{len(sweep.members)}, so the tables above average over them"
             + (f"; with fewer replicates than members, {ran} of them ran" if ran <
                len(sweep.members) else "")
             + "). Paired survival differences per member (`paired_by_member.csv`; "
             "`by_member.csv` has every outcome):", ""]
    wide = rows.assign(cell=[f"{r.difference:+.3f} [{r.lo:+.3f}, {r.hi:+.3f}]"
                             for r in rows.itertuples()]).pivot(
        index="member", columns="comparison", values="cell").reset_index()
    lines += [*md_table(wide, list(wide.columns)), ""]
    for comparison, group in rows.groupby("comparison", sort=False):
        above, below = int((group["lo"] > 0).sum()), int((group["hi"] < 0).sum())
        lines.append(f"- {comparison}: above zero under {above} of {len(group)} members, "
                     f"below under {below}, the rest inconclusive.")
    return [*lines, ""]


# --- the counterfactual's report ---------------------------------------------------------

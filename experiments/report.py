"""``DIR/report/``: the tables of ``analysis`` as CSV, figures as PNG and SVG, and report.md,
which ties them together with a short reading generated from the numbers themselves."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from experiments.analysis import analyse
from experiments.sweep import Study, Sweep

COLOURS = {"balance": "#4C72B0", "bandwagon": "#DD8452", "hedge": "#55A868",
           "adaptive": "#8C8C8C"}
plt.rcParams["svg.hashsalt"] = "hedgesim"  # stable SVG ids: same data, same bytes


def save(fig: plt.Figure, folder: Path, stem: str) -> list[str]:
    """A figure as PNG and SVG, without timestamps, so reruns give identical files."""
    names = []
    for ext in ("png", "svg"):
        fig.savefig(folder / f"{stem}.{ext}", dpi=120, bbox_inches="tight",
                    metadata={"Date": None} if ext == "svg" else {"Software": None})
        names.append(f"{stem}.{ext}")
    plt.close(fig)
    return names


def plot_summary(arms: pd.DataFrame, pairs: pd.DataFrame, study: str) -> plt.Figure:
    """Per arm: survival, war and autonomy with 95% intervals; and the paired differences."""
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.4))
    for ax, (col, label) in zip(axes, [("survival", "survival probability"),
                                       ("war", "war probability"),
                                       ("autonomy", "mean autonomy")], strict=False):
        y = arms[col].to_numpy()
        err = np.vstack([y - arms[f"{col}_lo"], arms[f"{col}_hi"] - y])
        ax.bar(arms["arm"], y, color=[COLOURS[a] for a in arms["arm"]], yerr=err, capsize=4)
        ax.set_ylim(0, 1)
        ax.set_title(label)
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


def plot_curves(curves: pd.DataFrame, study: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6, 4))
    for arm, c in curves.groupby("arm", sort=True):
        ax.step(c["time"], c["survival"], where="post", label=arm, color=COLOURS[arm])
    ax.set_xlabel("years")
    ax.set_ylabel("share of focal states surviving")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{study}: Kaplan-Meier survival")
    ax.legend()
    return fig


def plot_regime(regime: pd.DataFrame, study: Study, metric: str) -> plt.Figure:
    """Heatmap of the best arm per cell; faded cells have no clear winner (the lead's 95%
    interval includes zero)."""
    x, y = study.regime or ("", "")
    cells = regime[regime["metric"] == metric]
    xs, ys = sorted(cells[x].unique()), sorted(cells[y].unique())
    arms = [a for a in COLOURS if a in set(cells["best"])]
    code = {a: i for i, a in enumerate(arms)}
    grid = np.full((len(ys), len(xs)), np.nan)
    fig, ax = plt.subplots(figsize=(1.3 * len(xs) + 2.5, 1.0 * len(ys) + 1.5))
    for _, row in cells.iterrows():
        i, j = ys.index(row[y]), xs.index(row[x])
        grid[i, j] = code[row["best"]]
        ax.text(j, i, f"{row['best']}\n{row['value']:.2f} (+{row['lead']:.2f})", ha="center",
                va="center", fontsize=7, color="k" if row["clear"] else "0.45")
        if not row["clear"]:
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, color="white", alpha=0.55))
    ax.imshow(grid, cmap=ListedColormap([COLOURS[a] for a in arms]), vmin=-0.5,
              vmax=len(arms) - 0.5, origin="lower", aspect="auto")
    ax.set_xticks(range(len(xs)), [_label(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_label(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(handles=[Patch(color=COLOURS[a], label=a) for a in arms], loc="upper left",
              bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.set_title(f"{study.name}: highest {metric} (faded: no clear winner)")
    return fig


def _label(value: object) -> str:
    return f"{value:g}" if isinstance(value, float | int | np.number) else str(value)


def plot_sensitivity(table: pd.DataFrame, study: Study) -> plt.Figure:
    index, conf = ("ST", "ST_conf") if study.design == "sobol" else ("mu_star", "mu_star_conf")
    outputs = list(dict.fromkeys(table["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(4 * len(outputs), 3), sharey=True,
                             squeeze=False)
    for ax, output in zip(axes[0], outputs, strict=True):
        t = table[table["output"] == output]
        ax.barh(t["factor"], t[index], xerr=t[conf], color="#55A868")
        ax.set_title(output, fontsize=9)
        ax.set_xlabel(index)
    fig.suptitle(f"{study.name}: what drives hedging's advantage ({study.design})")
    fig.tight_layout()
    return fig


def md_table(frame: pd.DataFrame, columns: list[str], digits: int = 3) -> list[str]:
    """A Markdown table (no extra dependency)."""
    def fmt(v: object) -> str:
        if isinstance(v, float | np.floating):
            return "–" if np.isnan(v) else f"{v:.{digits}g}" if abs(v) >= 1000 else \
                f"{v:.{digits}f}"
        return str(v)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |"
              for row in frame[columns].itertuples(index=False)]
    return lines


def interval(row: pd.Series, col: str) -> str:
    return f"{row[col]:.2f} [{row[f'{col}_lo']:.2f}, {row[f'{col}_hi']:.2f}]"


def reading(arms: pd.DataFrame, pairs: pd.DataFrame, regime: pd.DataFrame | None,
            sens: pd.DataFrame | None, study: Study) -> list[str]:
    """Plain sentences read off the tables: only what the intervals support."""
    lines = []
    best = arms.sort_values("survival", ascending=False).iloc[0]
    lines.append(f"- Highest pooled survival: **{best['arm']}** "
                 f"({interval(best, 'survival')}); highest mean autonomy: "
                 f"**{arms.sort_values('autonomy', ascending=False).iloc[0]['arm']}**.")
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
        table.to_csv(folder / f"{stem}.csv", index=False, float_format="%.6g")
    lines = [f"# Sweep report: {sweep.name}", ""]
    if sweep.description:
        lines += [sweep.description, ""]
    n_fail = results.loc[results["error"].notna(), "run"].nunique()
    lines += [f"{results['run'].nunique()} runs × {len(sweep.arms)} arms "
              f"({', '.join(sweep.arms)}), base seed {sweep.seed}; every arm of a run uses the "
              f"same seed (paired comparisons). Failed runs: {n_fail}"
              + (" (see failures.csv)." if n_fail else "."), "",
              "Survival and war: share of focal states, Wilson 95% intervals (pooled over focal "
              "states). Autonomy: mean over years, bootstrap 95% interval over runs. Paired "
              "differences: mean over runs of arm − arm, bootstrap 95% interval over runs. "
              "Tables: `by_arm.csv`, `by_cell.csv` (per design point), `paired.csv`, "
              "`paired_by_cell.csv`, `survival_curves.csv`.", ""]
    for study in sweep.studies:
        arms = tables["by_arm"][tables["by_arm"]["study"] == study.name]
        pairs = tables["paired"][tables["paired"]["study"] == study.name]
        if arms.empty:
            lines += [f"## {study.name}", "", "No finished runs.", ""]
            continue
        factors = ", ".join(f"`{f.name}`" for f in study.factors)
        lines += [f"## {study.name}", "",
                  f"Scenario `{Path(study.scenario).stem}`, design {study.design} over "
                  f"{factors}; {study.replicates} replicates per point, {study.steps} years.", ""]
        shown = arms.assign(**{c: [interval(r, c) for _, r in arms.iterrows()]
                               for c in ("survival", "war", "autonomy")})
        lines += [*md_table(shown, ["arm", "runs", "survival", "war", "autonomy",
                                    "years_to_war_median"]), ""]
        if len(pairs):
            lines += md_table(pairs, ["metric", "comparison", "runs", "difference", "lo", "hi"])
            lines.append("")
        figures = save(plot_summary(arms, pairs, study.name), folder, f"summary_{study.name}")
        curves = tables["survival_curves"]
        figures += save(plot_curves(curves[curves["study"] == study.name], study.name), folder,
                        f"survival_{study.name}")
        regime = tables.get(f"regime_{study.name}")
        if regime is not None and len(regime):
            for metric in ("survival", "autonomy"):
                figures += save(plot_regime(regime, study, metric), folder,
                                f"regime_{study.name}_{metric}")
        sens = tables.get(f"sensitivity_{study.name}")
        if sens is not None and len(sens):
            figures += save(plot_sensitivity(sens, study), folder, f"sensitivity_{study.name}")
        lines += ["**Reading.**", "", *reading(arms, pairs, regime, sens, study), ""]
        lines += [f"![{f}]({f})" for f in figures if f.endswith(".png")] + [""]
    lines += ["These are properties of the model under the stated parameters, not forecasts; "
              "with many focal states per world the Wilson intervals are optimistic, the paired "
              "intervals are not.", ""]
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path

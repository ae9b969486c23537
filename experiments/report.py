"""Every report hedgesim writes, in one style: one colour map, one Markdown table writer, one
way to save a figure (PNG and SVG, atomically, the same bytes for the same data), and the
terminal tables of ``run`` and ``demo``. The sweep's ``DIR/report/`` and the counterfactual's
``report.md`` are built here from the analysis tables; nothing here computes a statistic."""

from __future__ import annotations

import math
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from experiments.analysis import SUMMARISED, analyse
from experiments.counterfactual import (
    ARMS,
    CASES,
    FACTORS,
    SERIES_REPLICATES,
    Counterfactual,
    _ci,
    _pct,
)
from experiments.engine import Executor
from experiments.runner import atomic_write
from experiments.style import CLASS_COLOURS, COLOURS, LINESTYLES, TIE_COLOUR
from experiments.sweep import Study, Sweep

matplotlib.rcParams["svg.hashsalt"] = "hedgesim"  # stable SVG ids: same data, same bytes


FORMATS = ("png", "svg")


def save(fig: Figure, folder: Path, stem: str) -> None:
    """A figure as PNG and SVG, without timestamps (reruns give identical files), each written
    to a temporary file and renamed into place, so a full disk leaves no half-written figure."""
    for ext in FORMATS:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=f".{ext}")
        os.close(fd)
        try:
            fig.savefig(tmp, format=ext, dpi=120, bbox_inches="tight",
                        metadata={"Date": None} if ext == "svg" else {"Software": None})
            os.replace(tmp, folder / f"{stem}.{ext}")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


@dataclass(frozen=True)
class Plot:
    """A figure to draw and save: ``draw(*args)`` makes it, ``stem`` names its files."""

    draw: Callable[..., Figure]
    args: tuple[Any, ...]
    stem: str

    @property
    def files(self) -> list[str]:
        return [f"{self.stem}.{ext}" for ext in FORMATS]


def _draw(plot: Plot, folder: Path) -> None:
    # Labels come from users' files (factor levels, names): "$" in them is text, not mathtext
    # that matplotlib could fail to parse after every run has finished.
    with matplotlib.rc_context({"text.parse_math": False}):
        save(plot.draw(*plot.args), folder, plot.stem)


def save_all(plots: Sequence[Plot], folder: Path) -> list[str]:
    """Draw and save figures; returns their files' names in the plots' order. Drawing is about
    a third of a sweep report's time, so two or more figures are drawn on two workers forked
    from this process, which has matplotlib and the tables loaded already; the files are the
    same bytes either way (a test). A fork copies only the thread that forks, so a process with
    other Python threads (a Dask client, say) draws them itself. The native pools of OpenBLAS
    and Arrow are idle here and are made safe across a fork by their own at-fork handlers,
    which is why Python's warning about threads at a fork, which counts them, is silenced for
    this fork alone."""
    workers = min(2, len(plots), os.cpu_count() or 1)
    if workers < 2 or threading.active_count() > 1:
        for plot in plots:
            _draw(plot, folder)
    else:
        try:
            with warnings.catch_warnings(), Executor("processes", workers,
                                                     start="fork") as executor:
                warnings.filterwarnings("ignore", r"This process .* is multi-threaded",
                                        DeprecationWarning)
                for _ in executor.map_unordered(partial(_draw, folder=folder), plots):
                    pass
        finally:  # a worker ended mid-figure (by an error in the other, a signal) left its temporary
            for plot in plots:
                for stray in folder.glob(f".{plot.stem}.*"):
                    stray.unlink(missing_ok=True)
    return [name for plot in plots for name in plot.files]


def subplots(*grid: int, figsize: tuple[float, float], **kwargs: Any) -> tuple[Figure, Any]:
    """A figure and its axes, as ``pyplot.subplots`` gives them, from matplotlib's object API:
    no pyplot, so no backend or figure manager to load (a tenth of a second at import) and
    nothing global to close; figures are freed with their last reference."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*grid, **kwargs)


def write_text(path: Path, text: str) -> None:
    """A text file written atomically (``runner.atomic_write``: complete or absent)."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), sync=False)


def write_csv(path: Path, table: pd.DataFrame) -> None:
    write_text(path, table.to_csv(index=False, float_format="%.6g"))


def md_table(frame: pd.DataFrame, columns: Sequence[str], digits: int = 3,
             pct: Sequence[str] = ()) -> list[str]:
    """A Markdown table: floats to ``digits`` places, ``pct`` columns as percentages."""
    def fmt(column: str, v: object) -> str:
        if column in pct:
            return _pct(float(v))
        if isinstance(v, float | np.floating):
            return "–" if np.isnan(v) else f"{v:.{digits}g}" if abs(v) >= 1000 else \
                f"{v:.{digits}f}"
        return str(v)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(c, v) for c, v in zip(columns, row, strict=True)) + " |"
              for row in frame[list(columns)].itertuples(index=False)]
    return lines


def interval(row: Any, col: str) -> str:
    return f"{row[col]:.2f} [{row[f'{col}_lo']:.2f}, {row[f'{col}_hi']:.2f}]"


def year_axis(ax: Axes) -> None:
    """Whole years on the x axis."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))


# --- the terminal tables of ``run`` and ``demo`` ------------------------------------------

def format_summary(summary: pd.DataFrame, key: str) -> str:
    """A readable table of ``analysis.summarise``: every outcome that has a label
    (model.records.OUTCOMES), estimates with their 95% intervals."""
    table = {key: summary[key].astype(str)}
    for o in SUMMARISED:
        if not o.label:
            continue
        if o.summary == "median_event":
            table[o.label] = summary[o.name].map(lambda v: "-" if math.isnan(v) else f"{v:.0f}")
        elif o.summary != "average":
            table[o.label] = [interval(r, o.name) for _, r in summary.iterrows()]
        else:
            table[o.label] = summary[o.name].map("{:.1f}".format)
    return pd.DataFrame(table).to_string(index=False)


def format_ensemble(spread: pd.DataFrame, key: str) -> str:
    """A readable table of ``analysis.ensemble_summary``: the pooled estimate, its Monte Carlo
    interval, the members' spread and the total interval."""
    labels = {o.name: o.label or o.name for o in SUMMARISED}
    table = pd.DataFrame({
        key: spread[key].astype(str), "outcome": spread["outcome"].map(labels),
        "estimate": spread["estimate"].map("{:.3f}".format),
        "Monte Carlo 95%": [f"[{a:.3f}, {b:.3f}]" for a, b in zip(spread["mc_lo"],
                                                                 spread["mc_hi"], strict=True)],
        "members 2.5-97.5%": [f"[{a:.3f}, {b:.3f}]" for a, b in
                              zip(spread["members_lo"], spread["members_hi"], strict=True)],
        "total 95%": [f"[{a:.3f}, {b:.3f}]" for a, b in zip(spread["total_lo"],
                                                           spread["total_hi"], strict=True)],
        "from parameters": spread["parameter_share"].map(
            lambda v: "-" if math.isnan(v) else f"{v:.0%}")})
    return table.to_string(index=False)


def summary_json(summary: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    """``analysis.summarise`` as JSON: per ``key``, every summarised outcome with its interval
    (``[low, high]``) or its number of events; NaN as null."""
    def num(x: Any) -> float | int | None:
        if isinstance(x, int | np.integer):
            return int(x)
        return None if x is None or math.isnan(float(x)) else float(x)

    out = {}
    for _, r in summary.iterrows():
        entry: dict[str, Any] = {"replicates": int(r["runs"])}
        for o in SUMMARISED:
            entry[o.name] = num(r[o.name])
            if o.summary == "median_event":
                entry[f"{o.name}_events"] = int(r[f"{o.name}_events"])
            elif o.summary != "average":
                entry[f"{o.name}_ci"] = [num(r[f"{o.name}_lo"]), num(r[f"{o.name}_hi"])]
        out[str(r[key])] = entry
    return out


# --- the sweep's report --------------------------------------------------------------------

def plot_summary(arms: pd.DataFrame, pairs: pd.DataFrame, study: str) -> Figure:
    """Per arm: survival, war and autonomy with 95% intervals; and the paired differences."""
    fig, axes = subplots(1, 4, figsize=(15, 3.4))
    for ax, (col, label) in zip(axes, [("survived", "survival probability"),
                                       ("attacked", "war probability"),
                                       ("autonomy_mean", "mean autonomy")], strict=False):
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


def km_axes(ax: Axes, curves: pd.DataFrame, by: str) -> None:
    """Kaplan-Meier steps with their 95% bands, one per ``by`` value, and the number at risk at
    a few times below the axis."""
    at_risk = []
    for arm, c in curves.groupby(by, sort=False):
        ax.step(c["time"], c["survival"], where="post", label=arm, color=COLOURS[arm],
                linestyle=LINESTYLES[arm], lw=1.6 if arm == "historical" else 1.2)
        ax.fill_between(c["time"], c["lo"], c["hi"], step="post", color=COLOURS[arm], alpha=0.12)
        at_risk.append((arm, c))
    ticks = np.linspace(0, max(c["time"].max() for _, c in at_risk), 5).round()
    rows = []
    for arm, c in at_risk:
        counts = [int(c.loc[c["time"] <= t, "at_risk"].iloc[-1]) if (c["time"] <= t).any()
                  else int(c["at_risk"].iloc[0]) for t in ticks]
        rows.append(f"{arm:>10s} " + " ".join(f"{n:>6d}" for n in counts))
    year_axis(ax)
    ax.text(0.0, -0.22, "at risk at " + " ".join(f"{t:>6.0f}" for t in ticks) + "\n"
            + "\n".join(rows), transform=ax.transAxes, va="top", family="monospace", fontsize=6)


def plot_curves(curves: pd.DataFrame, study: str) -> Figure:
    fig, ax = subplots(figsize=(6, 4.8))
    km_axes(ax, curves, "arm")
    ax.set_xlabel("years")
    ax.set_ylabel("share of focal states surviving")
    ax.set_ylim(0, 1.02)
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
    ax.set_xlabel(x)
    ax.set_ylabel(y)
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
        ax.barh(t["factor"], t[index], xerr=t[conf], color="#55A868")
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
        if len(pairs):
            lines += md_table(pairs, ["metric", "comparison", "runs", "difference", "lo", "hi"])
            lines.append("")
        hazards = tables["hazard_ratios"]
        hazards = hazards[hazards["study"] == study.name] if len(hazards) else hazards
        if len(hazards):
            lines += ["Cox hazard ratios (lifelines) of the state's end and of war, arm to arm:",
                      "", *md_table(hazards, ["event", "comparison", "hazard_ratio", "lo", "hi",
                                              "events"]), ""]
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
    write_text(path, "\n".join(lines))
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
    write_text(out / "report.md", counterfactual_report(result))
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
               color=COLOURS[arm])
    ax.set_xticks(np.arange(len(CASES)), [c.capitalize() for c in CASES])
    ax.set_ylabel(f"P(war within the horizon), 95% CI (n={replicates})")
    ax.set_ylim(0, 1)
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
            ax.set_ylim(0, 1.02)
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
        ax.set_ylim(0, 1)
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
    s["war (95% CI)"] = [f"{_pct(r.attacked)} {_ci(r.attacked_lo, r.attacked_hi)}"
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
            lines.append(f"- Why: {_why(c.number, result)}")
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
            monte_carlo=[_ci(a, b) for a, b in zip(result.ensemble["mc_lo"],
                                                   result.ensemble["mc_hi"], strict=True)],
            members_range=[_ci(a, b) for a, b in zip(result.ensemble["members_lo"],
                                                     result.ensemble["members_hi"], strict=True)],
            total=[_ci(a, b) for a, b in zip(result.ensemble["total_lo"],
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


def _why(number: int, result: Counterfactual) -> str:
    """A mechanism-level account of a claim the model does not reproduce, from the mechanism
    table (model/mechanisms.py: ``war_motive``, ``war_odds``, ``restraint``, ``autonomy``)."""
    mech = result.mechanisms.set_index(["scenario", "strategy"])

    def war_side(case: str, a: str, b: str) -> str:
        x, y = mech.loc[(case, a)], mech.loc[(case, b)]
        return (f"{case}, {a} vs {b}: the neighbour's threat from the state "
                f"{x.neighbour_threat_from_state:.2f} vs {y.neighbour_threat_from_state:.2f}, "
                f"the state's alignment with it {x.alignment_with_neighbour:.2f} vs "
                f"{y.alignment_with_neighbour:.2f}, the rival's credibility "
                f"{x.rival_credibility:.2f} vs {y.rival_credibility:.2f}")

    def autonomy_side(case: str, a: str, b: str) -> str:
        x, y = mech.loc[(case, a)], mech.loc[(case, b)]
        return (f"{case}, {a} vs {b}: autonomy {x.autonomy:.2f} vs {y.autonomy:.2f}, largest "
                f"leverage {x.max_leverage:.2f} vs {y.max_leverage:.2f}, foreign bases "
                f"{x.foreign_bases:.2f} vs {y.foreign_bases:.2f}, alliances {x.alliances:.2f} vs "
                f"{y.alliances:.2f}, concessions {x.concessions:.2f} vs {y.concessions:.2f}")

    motive = ("war onset rises with the neighbour's motive (its threat from the state, from the "
              "state's alignment with its rival, the rival's bases, alliances and drift; plus "
              "revisionist aims that alignment with it satisfies) times its odds of winning, "
              "less the cost of war; ")
    if number == 1:
        return motive + war_side("ukraine", "historical", "hedge") + (
            "; how high the level is depends above all on the neighbour's revisionism and the "
            "war intercept (see the sensitivity table).")
    if number == 2:
        return motive + war_side("ukraine", "hedge", "historical") + "."
    if number == 3:
        return motive + war_side("vietnam", "historical", "bandwagon") + (
            "; a hedger is never fully in the neighbour's camp, so the revisionist part of the "
            "motive stays, and the risk that remains is set by China's revisionism (see the "
            "decomposition).")
    if number == 4:
        return motive + war_side("vietnam", "balance", "historical") + "."
    return ("autonomy falls with the largest partner's leverage, foreign bases, alliance "
            "obligations and coerced concessions; "
            + "; ".join(autonomy_side(c, "bandwagon", o) for c in CASES
                        for o in ("balance", "hedge"))
            + "; and " + "; ".join(war_side(c, "bandwagon", "balance") for c in CASES) + ".")


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
    t = tessman.set_index("strategy")

    def share(arm: str, col: str) -> float:
        return float(t.loc[arm, col])

    expected = [
        ("under its own strategy Belarus is a strategic hedger (passes all three filters)",
         share("historical", "share_hedger") >= 0.5),
        ("a bandwagoning Belarus fails filter one", share("bandwagon", "share_filter_1") < 0.5),
        ("a balancing Belarus fails filter two", share("balance", "share_filter_2") < 0.5),
    ]
    lines = [
        "Tessman's three filters (Preiherman 2017, figure 1) applied to Belarus's simulated yearly "
        "behaviour toward its leader (Russia), never to its strategy label; shares of runs "
        "passing, with median evidence (`hedgesim tessman belarus`; thresholds in "
        "experiments/tessman.py and docs/counterfactual.md).", "",
        _md(tessman[cols], cols), ""]
    lines += [f"- Expected: {text}: **{'yes' if ok else 'no'}** (majority of runs)."
              for text, ok in expected]
    return "\n".join(lines)


def _md(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    return "\n".join(md_table(frame, list(columns)))


# --- the historical record ------------------------------------------------------------------

def rate_text(frame: pd.DataFrame, outcome: str) -> list[str]:
    return [f"{r[f'{outcome}_rate']:.2f} [{r[f'{outcome}_lo']:.2f}, {r[f'{outcome}_hi']:.2f}]"
            for _, r in frame.iterrows()]


def format_rates(rates: pd.DataFrame, keys: Sequence[str]) -> str:
    """Onset rates per 100 dyad-years with their exact Poisson intervals, for the terminal."""
    shown = rates[list(keys)].astype(str).assign(
        **{"dyad-years": rates["dyad_years"],
           "force onsets": rates["force_onsets"], "force /100": rate_text(rates, "force"),
           "war onsets": rates["war_onsets"], "war /100": rate_text(rates, "war")})
    return shown.to_string(index=False)


def plot_rates(by_class: pd.DataFrame, by_era: pd.DataFrame, title: str) -> Figure:
    """Force and war onsets per 100 dyad-years by alignment class, overall and by era, with
    exact Poisson 95% intervals."""
    fig, axes = subplots(1, 2, figsize=(11, 3.8), sharey=False)
    groups = [("all years", by_class), *((era, g) for era, g in by_era.groupby("era", sort=True))]
    for ax, outcome in zip(axes, ("force", "war"), strict=True):
        width = 0.8 / len(groups)
        for k, (label, frame) in enumerate(groups):
            frame = frame.set_index("alignment").reindex(list(CLASS_COLOURS)).dropna(
                subset=["dyad_years"])
            x = np.array([list(CLASS_COLOURS).index(c) for c in frame.index]) + (
                k - (len(groups) - 1) / 2) * width
            y = frame[f"{outcome}_rate"].to_numpy(dtype=float)
            err = [y - frame[f"{outcome}_lo"], frame[f"{outcome}_hi"] - y]
            ax.bar(x, y, width, yerr=err, capsize=3, label=label,
                   color=[CLASS_COLOURS[c] for c in frame.index], alpha=(1.0, 0.55, 0.3)[k % 3],
                   edgecolor="black", linewidth=0.4)
        ax.set_xticks(range(len(CLASS_COLOURS)), list(CLASS_COLOURS))
        ax.set_ylabel(f"{outcome} onsets per 100 dyad-years (95% CI)")
        ax.set_title({"force": "use of force (MID hostility >= 4) by the major",
                      "war": "inter-state war (COW)"}[outcome], fontsize=10)
    axes[0].legend(fontsize=8, title="solid: all years; paler: by era", title_fontsize=7)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def write_history(panel: pd.DataFrame, tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """The panel (Parquet and CSV), every table (CSV and Parquet), the figure and report.md."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, frame in {"panel": panel, **tables}.items():
        plain = frame.astype({c: str for c in frame.columns if frame[c].dtype.name == "category"})
        write_csv(out / f"{stem}.csv", plain)
        atomic_write(out / f"{stem}.parquet", lambda tmp, t=plain: t.to_parquet(tmp, index=False),
                     sync=False)
        written += [out / f"{stem}.csv", out / f"{stem}.parquet"]
    title = (f"Majors and their contiguous minors, {int(panel['year'].min())}-"
             f"{int(panel['year'].max())}: {len(panel):,} dyad-years")
    written += [out / n for n in save_all([Plot(plot_rates, (tables["rates_by_class"],
                                                             tables["rates_by_era"], title),
                                                 "history")], out)]
    lines = [f"# The historical record: {title}", "",
             "Rules: docs/validation.md. Rates per 100 dyad-years, exact (Garwood) Poisson 95% "
             "intervals; rate ratios with exact conditional (Clopper-Pearson) intervals.", "",
             "## By alignment class", "",
             *md_table(tables["rates_by_class"], list(tables["rates_by_class"].columns)), "",
             "## Ratios between classes", "",
             *md_table(tables["ratios"], list(tables["ratios"].columns)), "",
             "## By era", "", *md_table(tables["rates_by_era"], list(tables["rates_by_era"].columns)),
             "", "## By capability ratio (CINC major / minor)", "",
             *md_table(tables["rates_by_band"], list(tables["rates_by_band"].columns)), "",
             "![rates](history.png)", ""]
    write_text(out / "report.md", "\n".join(lines))
    return [*written, out / "report.md"]


# --- the model held against the record ------------------------------------------------------

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
    sc = v.scores.assign(auc=[f"{a:.2f} [{lo:.2f}, {hi:.2f}]" for a, lo, hi in
                              zip(v.scores["auc"], v.scores["auc_lo"], v.scores["auc_hi"],
                                  strict=True)])
    lines = [
        "# The model held against the record", "",
        f"`hedgesim validate`: {len(v.hindcast['window'].unique())} windows of {v.window} years "
        f"(each world built from its start year's observables, docs/validation.md), "
        f"{v.replicates} replicates each, seed {v.seed}"
        + (f", overrides {v.overrides}" if v.overrides else "") + ". Record intervals: exact "
        "Poisson 95%; the model's cells are marked inside or outside them.", "",
        "## Patterns: onsets per 100 dyad-years by alignment class", "",
        *md_table(p, shown), "",
        "## Ratios between classes (exact 95% intervals)", "",
        *md_table(v.ratios, ["source", "outcome", "ratio", "rate_ratio", "lo", "hi", "onsets"]),
        "", "## Behaviour: class shares by capability ratio and by whether the major has a "
        "rival (record and model)", "",
        *md_table(v.behaviour, ["by", "group", "alignment", "record", "model"]), "",
        "## Hindcast: the major's force or war against the minor within the window", "",
        "Baselines are logistic fits on the same rows, in-sample per era (which favours them); "
        "the model's defaults are calibrated to the record's base rates by class on every year "
        "(`hedgesim calibrate`), not to these rows; its held-out test is calibrate's split fit.",
        "",
        *md_table(sc, ["era", "outcome", "predictor", "rows", "events", "auc", "brier"]), "",
        "![validation](validation.png)", ""]
    return "\n".join(lines)


def write_validation(validation: Any, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    v = validation
    tables = {"patterns": v.patterns, "patterns_by_era": v.patterns_by_era, "ratios": v.ratios,
              "behaviour": v.behaviour, "hindcast": v.hindcast, "scores": v.scores,
              "reliability": v.reliability}
    written = []
    for stem, frame in tables.items():
        plain = frame.astype({c: str for c in frame.columns if frame[c].dtype.name == "category"})
        write_csv(out / f"{stem}.csv", plain)
        written.append(out / f"{stem}.csv")
    written += [out / n for n in save_all([Plot(plot_validation, (v,), "validation")], out)]
    write_text(out / "report.md", validation_report(v))
    return [*written, out / "report.md"]


# --- hedgesim calibrate ---------------------------------------------------------------------

def plot_pairs(calibration: Any, priors: dict[str, tuple[float, float]]) -> Figure:
    """Pairs plot of the settings not ruled out (by wave) over the prior box: the diagonal is
    each parameter's histogram, the lower triangle every pair; the ensemble is ringed."""
    names = list(priors)
    kept = calibration.evaluated[calibration.evaluated["non_implausible"]]
    shown = kept if len(kept) else calibration.evaluated.nsmallest(20, "second_largest")
    k = len(names)
    fig, axes = subplots(k, k, figsize=(1.25 * k, 1.25 * k))
    waves = sorted(shown["wave"].unique())
    colours = matplotlib.colormaps["viridis"](np.linspace(0.1, 0.9, max(len(waves), 1)))
    for i, y in enumerate(names):
        for j, x in enumerate(names):
            ax = axes[i, j]
            ax.tick_params(labelsize=5, length=2)
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
                ax.set_xlabel(x, fontsize=5, rotation=30)
            if j > 0:
                ax.set_yticklabels([])
            elif i > 0:
                ax.set_ylabel(y, fontsize=5, rotation=60, labelpad=12)
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
    from experiments.calibrate import CUTOFF, DISCREPANCY, ranges

    lines = ["# Calibration: history matching to the 1816-2010 record", "",
             f"{len(result.split.evaluated['wave'].unique())} waves of "
             f"{len(result.split.evaluated) // max(len(result.split.evaluated['wave'].unique()), 1)}"
             f" settings of {len(priors)} parameters, each run on every five-year window's world "
             f"({result.replicates} replicates, seed {result.seed}). A setting is ruled out when "
             f"its second-largest implausibility exceeds {CUTOFF:g} (record variance + the "
             f"model's Monte Carlo variance + a discrepancy of {DISCREPANCY:.0%}). "
             "docs/validation.md says why this method.", ""]
    for title, cal, validation, held_out in (
            ("Fit on 1816-1945, tested on 1946-2010", result.split, result.split_validation,
             "1946-2010"),
            ("Refit on 1816-2010 (the shipped defaults and ensemble)", result.full,
             result.full_validation, None)):
        kept = int(cal.evaluated["non_implausible"].sum())
        by_wave = cal.evaluated.groupby("wave").agg(
            settings=("id", "size"), not_ruled_out=("non_implausible", "sum"),
            least_largest=("largest", "min"), median_second=("second_largest", "median")
        ).reset_index()
        lines += [f"## {title}", "",
                  (f"{kept} of {len(cal.evaluated)} settings are not ruled out."
                   if kept else "**Every setting tried is ruled out by the record**: the "
                   "least implausible are reported, and the misfit stands."), "",
                  *md_table(by_wave, list(by_wave.columns)), "",
                  "The best setting (smallest largest implausibility) against the targets:", "",
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
        sc = sc.assign(auc=[f"{a:.2f} [{lo:.2f}, {hi:.2f}]" for a, lo, hi in
                            zip(sc["auc"], sc["auc_lo"], sc["auc_hi"], strict=True)])
        lines += ["Hindcast ROC AUC [95% CI] beside the baselines (in-sample logistic fits):", "",
                  *md_table(sc, ["era", "outcome", "predictor", "rows", "events", "auc",
                                 "brier"]), ""]
    return "\n".join(lines)


def write_calibration(result: Any, out: Path, priors: dict[str, tuple[float, float]]) -> None:
    """Everything ``hedgesim calibrate`` writes beside its evaluations: report.md, the
    ensemble (ensemble.toml), the best settings as [params] files (calibrated.toml from every
    year, split.toml from 1816-1945), the ranges, the pairs plots and both validations."""
    from experiments.calibrate import members, ranges
    from scenarios.ensemble import ensemble_toml

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
    write_text(out / "report.md", calibration_report(result, priors))


# --- hedgesim walt --------------------------------------------------------------------------

def write_walt(table: pd.DataFrame, out: Path, replicates: int, seed: int) -> None:
    """walt.csv and report.md of ``hedgesim walt``."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "walt.csv", table)
    shown = table.assign(
        model=[f"{e:+.3f} [{a:+.3f}, {b:+.3f}] ({v})" for e, a, b, v in zip(
            table["effect"], table["effect_lo"], table["effect_hi"], table["model_verdict"],
            strict=True)],
        record=["–" if t == "–" else f"{t}: {c:+.3f} [{a:+.3f}, {b:+.3f}] ({v})"
                for t, c, a, b, v in zip(table["record_term"], table["record_coef"],
                                         table["record_lo"], table["record_hi"],
                                         table["record_verdict"], strict=True)])
    lines = ["# Walt's four hypotheses, tested", "",
             f"`hedgesim walt --replicates {replicates} --seed {seed}`: generic worlds of adaptive "
             "small states under the calibrated defaults, one input at a low and a high level on "
             "the same seeds; the effect is the paired difference (high − low) in the share of "
             "surviving states that end the run with the strategy named, with a bootstrap 95% "
             "interval over runs. The record: a logistic regression of a minor balancing on its "
             "relative strength, the major's having a rival, and the major's use-of-force "
             "initiations in the ten years before, errors clustered by dyad (coefficients on the "
             "log-odds scale). Method: experiments/walt.py.", "",
             *md_table(shown, ["hypothesis", "text", "outcome", "contrast", "model", "record"]),
             ""]
    write_text(out / "report.md", "\n".join(lines))

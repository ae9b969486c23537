"""What every report hedgesim writes shares, in one style: one way to save a figure (PNG, SVG
and PDF, atomically, the same bytes for the same data) and to draw several at once, one Markdown
table writer, and the terminal tables of ``run`` and ``demo``. Each study's report is a module
of its own beside it (``sweep_report``, ``counterfactual_report``, ``history_report``,
``validate_report``, ``calibrate_report``, ``walt_report``); nothing here computes a statistic."""

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
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from hedgesim.experiments.analysis import SUMMARISED
from hedgesim.experiments.engine import Executor
from hedgesim.experiments.runner import atomic_write
from hedgesim.experiments.style import COLOURS, LINESTYLES

matplotlib.rcParams["svg.hashsalt"] = "hedgesim"  # stable SVG ids: same data, same bytes


FORMATS = ("png", "svg", "pdf")
DPI = 300  # fit to print
# No timestamps or tool versions in the files: the same data give the same bytes.
METADATA = {"png": {"Software": None}, "svg": {"Date": None},
            "pdf": {"CreationDate": None, "Producer": None, "Creator": None}}


def save(fig: Figure, folder: Path, stem: str) -> None:
    """A figure as PNG (300 dpi), SVG and PDF, without timestamps (reruns give identical files),
    each written to a temporary file and renamed into place, so a full disk leaves no
    half-written figure."""
    for ext in FORMATS:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=f".{ext}")
        os.close(fd)
        try:
            fig.savefig(tmp, format=ext, dpi=DPI, bbox_inches="tight", metadata=METADATA[ext])
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


def readable(name: str, width: int = 44) -> str:
    """A parameter's name as an axis shows it: its meaning from the registry, on at most two
    lines of ``width``, with the name itself below (``generic.border_share``,
    ``Russia.revisionism``, ``war_slope``)."""
    import textwrap

    from hedgesim.scenarios.params import BY_NAME
    from hedgesim.scenarios.schema import GENERATOR_FIELDS, GREAT_POWER_FIELDS, SMALL_STATE_FIELDS

    head, _, rest = name.partition(".")
    attribute = rest.partition(".")[0]
    fields = {f.name: f.meaning for f in (*GREAT_POWER_FIELDS, *SMALL_STATE_FIELDS)}
    if name in BY_NAME:
        meaning = BY_NAME[name].meaning
    elif head == "generic":
        meaning = {f.name: f.meaning for f in GENERATOR_FIELDS}.get(rest)
    else:
        meaning = f"{head}: {fields[attribute]}" if attribute in fields else None
    if not meaning:
        return name
    return f"{textwrap.fill(textwrap.shorten(meaning, 2 * width, placeholder='…'), width)}\n({name})"


def fitted_limits(low: Any, high: Any, floor: float = 0.0, ceiling: float = 1.0
                  ) -> tuple[float, float]:
    """Axis limits that fit the data's intervals (``low`` to ``high``) with a margin, within
    the quantity's own bounds: a 0-1 axis flattens the differences a figure is there to show."""
    lo, hi = float(np.nanmin(low)), float(np.nanmax(high))
    pad = max(0.08 * (hi - lo), 0.01)
    return max(floor, lo - pad), min(ceiling, hi + pad)


def subplots(*grid: int, figsize: tuple[float, float], **kwargs: Any) -> tuple[Figure, Any]:
    """A figure and its axes, as ``pyplot.subplots`` gives them, from matplotlib's object API:
    no pyplot, so no backend or figure manager to load (a tenth of a second at import) and
    nothing global to close; figures are freed with their last reference."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*grid, **kwargs)


def write_stamped(path: Path, text: str) -> None:
    """A report (Markdown), ending with what made it: the package version, the model's source
    digest and the git commit (``hedgesim --version``), so that a cited figure can be traced."""
    from hedgesim.model.provenance import provenance

    p = provenance()
    footer = (f"\n\n---\nWritten by hedgesim {p['hedgesim_version']}, model digest "
              f"{p['model_digest']}, commit {p['git_commit'] or 'unknown (not a git checkout)'}.\n")
    write_text(path, text.rstrip("\n") + footer)


def write_text(path: Path, text: str) -> None:
    """A text file written atomically (``runner.atomic_write``: complete or absent)."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), sync=False)


def write_csv(path: Path, table: pd.DataFrame) -> None:
    write_text(path, table.to_csv(index=False, float_format="%.6g"))


def pct(x: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{100 * x:.1f}%"


def pct_interval(low: float, high: float) -> str:
    return f"[{pct(low)}, {pct(high)}]"


def md_table(frame: pd.DataFrame, columns: Sequence[str], digits: int = 3,
             pct: Sequence[str] = ()) -> list[str]:
    """A Markdown table: floats to ``digits`` places, ``pct`` columns as percentages."""
    def fmt(column: str, v: object) -> str:
        if column in pct:
            return pct(float(v))
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


def format_attackers(table: pd.DataFrame, key: str) -> str:
    """``analysis.attackers`` as a readable table: per state, each great power's share of runs
    in which it started a war there [95% interval], and its share of the wars started there."""
    return pd.DataFrame({
        key: table[key].astype(str), "attacker": table["attacker"],
        "attacked by": [f"{r.attacked_by:.2f} [{r.attacked_by_lo:.2f}, {r.attacked_by_hi:.2f}]"
                        for r in table.itertuples()],
        "wars started": table["wars_started"],
        "share of wars": table["share_of_wars"].map(lambda v: "-" if math.isnan(v) else f"{v:.0%}"),
    }).to_string(index=False)


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

"""The historical record's report (``hedgesim history``): rates per 100 dyad-years by
class, ratio and era, as tables, a figure and ``report.md``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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
from hedgesim.experiments.runner import atomic_write
from hedgesim.experiments.style import CLASS_COLOURS


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
    write_stamped(out / "report.md", "\n".join(lines))
    return [*written, out / "report.md"]


# --- the model held against the record ------------------------------------------------------

"""The page's figures, drawn with matplotlib's object API (no pyplot: the server renders for many
sessions at once) with fixed margins (a layout engine doubled the time).

The network of states is a PNG under a transparent SVG layer whose circles carry a
``<title>`` the browser shows on hover; the time series are PNG. Every series figure spans the scenario's own
years and marks the year on view, so a reset starts from empty axes on the right years and the
time slider moves a line across them.
"""

from __future__ import annotations

import base64
import html
import io
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke
from PIL import Image

from hedgesim.experiments.report import fitted_limits
from hedgesim.experiments.style import COLOURS, LINESTYLES
from hedgesim.model import mechanisms as m
from hedgesim.model.model import HedgeModel
from hedgesim.model.records import STRATEGY_NAMES

LAYOUT_SEED = 7
MAX_LABELS = 20  # beyond this many small states, label the focal ones, largest first,
CROWD_LABELS = 10  # and no more than this many, so that labels do not overlap at 200 states
# Figures fill one column of the page (about 480 x 390 px) at 1:1, so text stays readable.
DPI = 90
FIGSIZE = (5.25, 4.3)

ARM_COLOURS, ARM_STYLES = COLOURS, LINESTYLES  # as in every report: historical dashed on top
STRATEGY_COLOURS = {name: COLOURS[name] for name in STRATEGY_NAMES}
GP_COLOURS = ["tab:brown", "tab:cyan", "tab:pink", "tab:olive", "tab:gray"]
PARTNER_COLOUR = "#9a8fbf"
DEAD_COLOUR = "#d0d0d0"
WAR_COLOUR = "tab:red"
COERCION_COLOUR = "gold"
CURSOR_COLOUR = "0.25"
HALO = [withStroke(linewidth=2.5, foreground="white")]  # keeps labels readable over the network


def gp_colour(g: int) -> str:
    return GP_COLOURS[g % len(GP_COLOURS)]


class Blitted(ABC):
    """A figure whose axes never change (limits, ticks, labels, legend: the scenario's years and
    fixed ranges), drawn once; each frame draws only its data over a copy of them, matplotlib's
    blitting. Redrawing a figure whole took about 80 ms on the 2-core machine, a frame takes a
    tenth of that. ``frame`` adds the data's artists to the axes; ``png`` draws and removes them,
    ``figure`` keeps them (for a vector export)."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self._background: Any = None

    @abstractmethod
    def frame(self, *data: Any) -> list[Artist]:
        """Add the data's artists to the axes, in the order they are to be drawn."""

    def png(self, *data: Any) -> bytes:
        if self._background is None:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        for artist in self.frame(*data):
            self.fig.draw_artist(artist)
            artist.remove()
        width, height = self.canvas.get_width_height()
        buf = io.BytesIO()
        Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0,
                         1).save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def figure(self, *data: Any) -> Figure:
        self.frame(*data)
        return self.fig


# --- the network of states ------------------------------------------------------------------

@lru_cache(maxsize=16)
def _layout(n_great: int, n_partners: int, n_small: int, ties: bytes) -> np.ndarray:
    """Node positions: great powers on a circle, partners on a wider one between them, each
    small state pulled toward those it is close to or depends on. Seeded, and cached per world
    so steps do not move it."""
    fixed_n = n_great + n_partners
    weight = np.frombuffer(ties).reshape(n_small, fixed_n)
    graph = nx.Graph()
    graph.add_nodes_from(range(fixed_n + n_small))
    for s, k in zip(*np.nonzero(weight > 0), strict=True):
        graph.add_edge(fixed_n + int(s), int(k), weight=float(weight[s, k]) ** 2)
    angles = np.pi + 2 * np.pi * np.arange(n_great) / n_great
    fixed = {g: (np.cos(a), np.sin(a)) for g, a in enumerate(angles)}
    offset = np.pi / max(n_great, 1) / 2
    for j, a in enumerate(np.pi / 2 + offset + 2 * np.pi * np.arange(n_partners) / max(n_partners, 1)):
        fixed[n_great + j] = (1.35 * np.cos(a), 1.35 * np.sin(a))
    pos = nx.spring_layout(graph, pos=fixed, fixed=list(fixed) or None, seed=LAYOUT_SEED,
                           k=2.0 / np.sqrt(fixed_n + n_small), iterations=60)
    return np.array([pos[i] for i in range(fixed_n + n_small)])


def partners(model: HedgeModel) -> list[str]:
    """The scenario's own partners beyond the great powers (middle powers, blocs); the world's
    last partner, the rest of the world, is not drawn."""
    w = model.world
    return list(w.partner_names[w.n_great:-1])


def layout_ties(model: HedgeModel) -> bytes:
    """What pulls each small state where it is drawn: its proximity to each great power and
    its dependency on each partner, taken once (as the world starts) so states do not move."""
    w = model.world
    n_p = len(partners(model))
    dep = m.dependency_on(w.state, model.coefs)[:, w.n_great:w.n_great + n_p]
    ties = np.hstack([np.asarray(w.proximity, float), np.where(dep > 0.05, dep, 0.0)])
    return np.ascontiguousarray(ties).tobytes()


def layout(model: HedgeModel) -> np.ndarray:
    """Positions of the great powers, then the partners, then the small states, from the ties
    the model kept as it started (``model.ties``: ``layout_ties``)."""
    w = model.world
    return _layout(w.n_great, len(partners(model)), w.n_small, model.ties)


def _labelled(model: HedgeModel) -> np.ndarray:
    """Indices of the small states to label: all of them in a small world, else the focal ones,
    largest first."""
    w = model.world
    if w.n_small <= MAX_LABELS:
        return np.arange(w.n_small)
    order = np.lexsort((-w.cap, ~w.focal))[:CROWD_LABELS]
    return order[w.focal[order]]


def _segments(pos: np.ndarray, first: int, pairs: tuple[np.ndarray, np.ndarray]
              ) -> np.ndarray:
    """Lines from small states (``pos`` from index ``first``) to great powers or partners."""
    s, k = pairs
    return np.stack([pos[first + s], pos[k]], axis=1)


def state_tooltips(model: HedgeModel) -> list[str]:
    """What hovering a small state shows: its strategy, and per great power its threat,
    alignment and dependency, then its dependency on the other partners and its autonomy."""
    w = model.world
    dep = m.dependency_on(w.state, model.coefs)
    names = partners(model)
    out = []
    for s in range(w.n_small):
        status = STRATEGY_NAMES[w.strategy[s]] if w.alive[s] else "gone"
        lines = [f"{w.names[s]}{' (focal)' if w.focal[s] else ''}: {status}"]
        lines += [f"{gp}: threat {w.threat[s, g]:.2f}, alignment {w.alignment[s, g]:.2f}, "
                  f"dependency {dep[s, g]:.2f}" for g, gp in enumerate(w.gp_names)]
        lines += [f"{p}: dependency {dep[s, w.n_great + j]:.2f}" for j, p in enumerate(names)
                  if dep[s, w.n_great + j] > 0]
        lines.append(f"autonomy {w.autonomy[s]:.2f}")
        out.append("\n".join(lines))
    return out


class NetworkFigure(Blitted):
    """The world as a network: who is allied with, hosts bases of, depends on, is coerced or
    attacked by whom, and what each small state is doing. The great powers, the partners, the
    rivalries and the legend are drawn once per run; the ties and the small states each frame."""

    def __init__(self, model: HedgeModel) -> None:
        w = model.world
        self.names = partners(model)
        G, P = w.n_great, len(self.names)
        self.pos = layout(model)
        self.first = G + P  # index of the first small state in ``pos``
        fig = Figure(figsize=FIGSIZE, dpi=DPI)
        self.ax = ax = fig.add_axes((0.0, 0.13, 1.0, 0.8))
        lo, hi = self.pos.min(axis=0), self.pos.max(axis=0)
        pad = 0.12 * np.maximum(hi - lo, 1e-9)
        ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
        ax.set_axis_off()
        self.top = max(float(w.gp_cap.max()), 1e-9)
        for g, h in zip(*np.nonzero(np.triu(w.hostility > 0.5)), strict=True):
            ax.plot(*self.pos[[g, h]].T, color="0.3", lw=1, ls="--", alpha=0.5, zorder=0)
        self.gp_size = 350 + 500 * w.gp_cap / self.top
        ax.scatter(*self.pos[:G].T, s=self.gp_size, marker="s", zorder=2, edgecolors="black",
                   c=[gp_colour(g) for g in range(G)])
        if P:
            ax.scatter(*self.pos[G:self.first].T, s=160, marker="D", zorder=2, c=PARTNER_COLOUR,
                       edgecolors="black", linewidths=0.6)
            for j, name in enumerate(self.names):
                ax.annotate(name, self.pos[G + j], xytext=(0, 8), va="bottom", ha="center",
                            textcoords="offset points", fontsize=7, fontstyle="italic",
                            path_effects=HALO)
        for g, name in enumerate(w.gp_names):
            ax.annotate(name, self.pos[g], xytext=(0, np.sqrt(self.gp_size[g]) / 2 + 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=9,
                        fontweight="bold", path_effects=HALO)
        fig.legend(handles=_legend(bool(P)), loc="lower center", ncol=5, fontsize=7,
                   frameon=False, handlelength=1.5, columnspacing=1.0)
        super().__init__(fig)

    def sizes(self, model: HedgeModel) -> np.ndarray:
        """The small states' marker areas (points²): by capability, smaller in a crowd."""
        w = model.world
        return np.clip(900 * _crowd(w.n_small) * np.sqrt(w.cap / self.top), 10, 400)

    def frame(self, model: HedgeModel) -> list[Artist]:
        w, ax, pos, first = model.world, self.ax, self.pos, self.first
        dep = m.dependency_on(w.state, model.coefs)
        live = w.alive[:, None]
        crowd = _crowd(w.n_small)  # thinner, fainter ties in a crowded world
        layers = [  # (which pairs, widths, colour, style, alpha)
            (live & (dep[:, :first] > 0.05), 6 * crowd * dep[:, :first], "0.55", "solid", 0.35),
            (live & (w.alliance > 0.05), crowd * (0.5 + 1.5 * w.alliance), "0.15", "solid",
             0.6 * crowd),
            (live & (w.bases > 0.05), crowd * (0.5 + 1.5 * w.bases), "0.15", (0, (1, 1.5)),
             0.8 * crowd),
            (w.coerced, np.full(w.coerced.shape, 2.5), COERCION_COLOUR, "solid", 0.9),
            (w.at_war, np.full(w.at_war.shape, 3.5), WAR_COLOUR, "solid", 1.0),
        ]
        out: list[Artist] = []
        for mask, widths, colour, style, alpha in layers:
            pairs = np.nonzero(mask)
            if len(pairs[0]):
                out.append(ax.add_collection(LineCollection(
                    _segments(pos, first, pairs), linewidths=widths[pairs], colors=colour,
                    linestyles=style, alpha=alpha)))
        small, size = pos[first:], self.sizes(model)
        colours = np.where(w.alive, np.asarray(list(STRATEGY_COLOURS.values()))[w.strategy],
                           DEAD_COLOUR)
        out.append(ax.scatter(*small.T, s=size, c=colours,
                              edgecolors=np.where(w.focal, "black", "white"),
                              linewidths=np.where(w.focal, 2.0, 1.0)))
        troubled = w.at_war.any(axis=1) | w.coerced.any(axis=1)
        if troubled.any():
            out.append(ax.scatter(*small[troubled].T, s=40, marker="x",
                                  c=np.where(w.at_war.any(axis=1), WAR_COLOUR,
                                             COERCION_COLOUR)[troubled]))
        for s in _labelled(model):
            out.append(ax.annotate(
                w.names[s], small[s], xytext=(0, np.sqrt(size[s]) / 2 + 1), va="bottom",
                textcoords="offset points", ha="center", fontsize=8 if w.focal[s] else 7,
                fontweight="bold" if w.focal[s] else "normal",
                color="black" if w.alive[s] else "0.6", path_effects=HALO))
        out.append(self.fig.text(0.5, 0.98, f"{model.scenario_title}, {w.year}: "
                                 f"{int(w.alive.sum())} of {w.n_small} small states left",
                                 ha="center", va="top", fontsize=10))
        return out

    def html(self, model: HedgeModel) -> str:
        """The frame as a PNG with a transparent SVG layer over it: a circle on every state
        carrying a ``<title>``, which the browser shows on hover (``state_tooltips``). Drawing
        the whole network as SVG instead took three times as long at 200 states."""
        image = base64.b64encode(self.png(model)).decode()
        width, height = self.canvas.get_width_height()
        xy = self.ax.transData.transform(self.pos)
        xy[:, 1] = height - xy[:, 1]
        w = model.world
        titles = [*(f"{gp}: great power, capability {w.gp_cap[g]:.3f}, revisionism "
                    f"{w.revisionism[g]:.2f}" for g, gp in enumerate(w.gp_names)),
                  *(f"{p}: partner (trade, energy or credit)" for p in self.names),
                  *state_tooltips(model)]
        kinds = ["great"] * w.n_great + ["partner"] * len(self.names) + ["small"] * w.n_small
        points = np.concatenate([np.sqrt(self.gp_size) / 2, np.full(len(self.names), 6.0),
                                 np.sqrt(self.sizes(model)) / 2])
        circles = "".join(
            f'<circle class="{kind}" cx="{x:.1f}" cy="{y:.1f}" r="{max(r * DPI / 72, 5.0):.1f}">'
            f"<title>{html.escape(t)}</title></circle>"
            for (x, y), r, kind, t in zip(xy, points, kinds, titles, strict=True))
        return (f'<div style="position:relative;width:{width}px;height:{height}px">'
                f'<img alt="the network of states" src="data:image/png;base64,{image}" '
                f'width="{width}" height="{height}"/>'
                f'<svg width="{width}" height="{height}" style="position:absolute;left:0;top:0">'
                f'<g fill="transparent" pointer-events="all">{circles}</g></svg></div>')


def _crowd(n_small: int) -> float:
    return min(1.0, np.sqrt(30 / max(n_small, 1)))


def network_figure(model: HedgeModel) -> Figure:
    """``NetworkFigure`` drawn whole, for an export."""
    return NetworkFigure(model).figure(model)


def _legend(with_partners: bool) -> list[Line2D]:
    dot = dict(marker="o", ls="", markersize=8)
    return [
        *(Line2D([], [], color=c, label=s, **dot) for s, c in STRATEGY_COLOURS.items()),
        Line2D([], [], color=DEAD_COLOUR, label="gone", **dot),
        Line2D([], [], color="0.1", lw=2, label="alliance"),
        Line2D([], [], color="0.1", lw=2, ls=(0, (1, 1.5)), label="bases"),
        Line2D([], [], color="0.55", lw=3, alpha=0.5, label="dependency"),
        Line2D([], [], color=COERCION_COLOUR, lw=2.5, label="coerced"),
        Line2D([], [], color=WAR_COLOUR, lw=3.5, label="at war"),
        Line2D([], [], color="black", marker="s", ls="", markerfacecolor="white",
               markersize=9, label="great power"),
        *([Line2D([], [], color="black", marker="D", ls="", markerfacecolor=PARTNER_COLOUR,
                  markersize=7, label="partner")] if with_partners else []),
        Line2D([], [], color="black", marker="o", ls="", markerfacecolor="white",
               markeredgewidth=2, markersize=8, label="focal state"),
    ]


# --- series over the scenario's years -------------------------------------------------------

def _shade(ax: Axes, rows: pd.DataFrame, alpha: float) -> list[Artist]:
    """The years in which the state was coerced (gold) or at war (red), shaded."""
    out = []
    for flag, colour in (("coerced", COERCION_COLOUR), ("at_war", WAR_COLOUR)):
        years = rows.loc[rows[flag].astype(bool), "year"].to_numpy(float)
        if len(years):
            out.append(ax.add_collection(PolyCollection(
                [[(y - 0.5, 0), (y + 0.5, 0), (y + 0.5, 1), (y - 0.5, 1)] for y in years],
                transform=ax.get_xaxis_transform(), facecolors=colour, alpha=alpha, lw=0)))
    return out


def _cursor(ax: Axes, year: int | None) -> list[Artist]:
    return [] if year is None else [ax.axvline(year, color=CURSOR_COLOUR, lw=1, alpha=0.6)]


def _years(ax: Axes, span: tuple[int, int]) -> None:
    """The scenario's own years on the axis, whole years only."""
    ax.set_xlim(span[0] - 0.5, span[1] + 0.5)
    ax.xaxis.get_major_locator().set_params(integer=True)


class FocalFigure(Blitted):
    """One focal state over time: alignment with and threat from each great power, autonomy,
    with the years it was coerced or at war shaded."""

    def __init__(self, state: str, gp_names: Sequence[str], span: tuple[int, int],
                 height: float = FIGSIZE[1]) -> None:
        fig = Figure(figsize=(FIGSIZE[0], height), dpi=DPI)
        fig.subplots_adjust(left=0.12, right=0.98, top=1 - 0.3 / height, bottom=0.45 / height,
                            hspace=0.12)
        self.axes = fig.subplots(3, 1, sharex=True)
        self.state, self.gp_names = state, list(gp_names)
        for ax, label in zip(self.axes, ["alignment", "threat", "autonomy"], strict=True):
            ax.set_ylabel(label, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            ax.set_ylim(-0.02, 1.02)
            _years(ax, span)
        # legends above the axes: a frame's data is drawn over whatever the axes hold
        self.axes[0].legend(handles=[Line2D([], [], color=gp_colour(g), label=gp)
                                     for g, gp in enumerate(gp_names)],
                            fontsize=7, ncol=min(len(gp_names), 5), loc="lower right",
                            bbox_to_anchor=(1.0, 1.0), frameon=False, borderaxespad=0.1)
        self.axes[2].set_xlabel("year (shaded: coerced gold, at war red)", fontsize=8)
        self.axes[0].set_title(state, fontsize=10, loc="left")
        super().__init__(fig)

    def frame(self, series: pd.DataFrame, year: int | None) -> list[Artist]:
        rows = series[series["state"] == self.state] if len(series) else series
        a = self.axes
        out: list[Artist] = [artist for ax in a for artist in _shade(ax, rows, 0.25)]
        for g, gp in enumerate(self.gp_names):
            out += a[0].plot(rows["year"], rows[f"alignment_{gp}"], color=gp_colour(g))
            out += a[1].plot(rows["year"], rows[f"threat_{gp}"], color=gp_colour(g))
        out += a[2].plot(rows["year"], rows["autonomy"], color="black")
        return out + [artist for ax in a for artist in _cursor(ax, year)]


class WorldFigure(Blitted):
    """All small states over time: the shares of strategies among those left, and the share
    coerced or at war (both on fixed 0-1 scales, so the axes are drawn once)."""

    def __init__(self, span: tuple[int, int]) -> None:
        fig = Figure(figsize=FIGSIZE, dpi=DPI)
        fig.subplots_adjust(left=0.12, right=0.98, top=0.93, bottom=0.1, hspace=0.2)
        self.shares, self.events = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        # legends above the axes: a frame's data is drawn over whatever the axes hold
        self.shares.legend(handles=[Patch(color=c, alpha=0.85, label=s)
                                    for s, c in STRATEGY_COLOURS.items()],
                           fontsize=7, ncol=3, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                           frameon=False, borderaxespad=0.1)
        self.events.legend(handles=[Line2D([], [], color=WAR_COLOUR, label="at war"),
                                    Line2D([], [], color=COERCION_COLOUR, label="coerced")],
                           fontsize=7, ncol=2, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                           frameon=False, borderaxespad=0.1)
        self.shares.set_ylim(0, 1)
        self.events.set_ylim(0, 1)
        self.shares.set_ylabel("share of strategies", fontsize=8)
        self.shares.set_title("All small states left", fontsize=10, loc="left")
        self.events.set_ylabel("share of those left", fontsize=8)
        self.events.set_xlabel("year", fontsize=8)
        for ax in (self.shares, self.events):
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            _years(ax, span)
        super().__init__(fig)

    def frame(self, ms: pd.DataFrame, year: int | None) -> list[Artist]:
        out: list[Artist] = []
        if len(ms):
            out += self.shares.stackplot(ms["year"], *(ms[f"share_{s}"] for s in STRATEGY_NAMES),
                                         colors=list(STRATEGY_COLOURS.values()), alpha=0.85,
                                         step="mid")
            left = np.maximum(ms["alive"].to_numpy(float), 1.0)
            out += self.events.step(ms["year"], ms["wars"] / left, where="mid", color=WAR_COLOUR)
            out += self.events.step(ms["year"], ms["coercions"] / left, where="mid",
                                    color=COERCION_COLOUR)
        for ax in (self.shares, self.events):
            out += _cursor(ax, year)
        return out


def focal_figure(series: pd.DataFrame, state: str, gp_names: Sequence[str],
                 span: tuple[int, int], year: int | None, height: float = FIGSIZE[1]) -> Figure:
    """``FocalFigure`` drawn whole, for an export."""
    return FocalFigure(state, gp_names, span, height).figure(series, year)


def world_figure(ms: pd.DataFrame, span: tuple[int, int], year: int | None) -> Figure:
    """``WorldFigure`` drawn whole, for an export."""
    return WorldFigure(span).figure(ms, year)


def compare_figure(runs: Mapping[str, pd.DataFrame], state: str, span: tuple[int, int],
                   year: int | None) -> Figure:
    """One focal state under each strategy on the same seed, side by side: its autonomy, the
    years it was coerced or at war, and each arm's autonomy minus the first arm's."""
    fig = Figure(figsize=(2 * FIGSIZE[0], FIGSIZE[1]))
    fig.subplots_adjust(left=0.07, right=0.99, top=0.9, bottom=0.12, hspace=0.15, wspace=0.08)
    arms = list(runs)
    axes = fig.subplots(2, len(arms), sharex=True, sharey="row", squeeze=False)
    reference = runs[arms[0]].set_index("year")["autonomy"]
    for k, arm in enumerate(arms):
        rows = runs[arm]
        top, diff = axes[0, k], axes[1, k]
        top.plot(rows["year"], rows["autonomy"], color=ARM_COLOURS[arm], lw=2)
        for flag, colour in (("coerced", COERCION_COLOUR), ("at_war", WAR_COLOUR)):
            for y in rows.loc[rows[flag].astype(bool), "year"]:
                top.axvspan(y - 0.5, y + 0.5, color=colour, alpha=0.3, lw=0)
        gone = rows.loc[~rows["alive"].astype(bool), "year"]
        verdict = f"gone in {int(gone.iloc[0])}" if len(gone) else "survives"
        top.set_title(f"{arm}: {verdict}", fontsize=9, color=ARM_COLOURS[arm])
        gap = rows.set_index("year")["autonomy"] - reference
        diff.axhline(0, color="0.5", lw=0.8)
        diff.plot(gap.index, gap.to_numpy(), color=ARM_COLOURS[arm], lw=1.5,
                  ls=ARM_STYLES[arm])
        top.set_ylim(-0.02, 1.02)
        for ax in (top, diff):
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            _years(ax, span)
            _cursor(ax, year)
    axes[0, 0].set_ylabel("autonomy", fontsize=8)
    axes[1, 0].set_ylabel(f"autonomy − {arms[0]}", fontsize=8)
    fig.suptitle(f"{state} under each strategy, same seed (shaded: coerced gold, at war red)",
                 fontsize=10)
    return fig


def replicates_figure(bands: pd.DataFrame, state: str, n: int, span: tuple[int, int]) -> Figure:
    """The distribution over ``n`` paired runs per arm: the share still alive, the share that
    has been at war, and autonomy's median with its 10-90% band (zero once a state is gone)."""
    fig = Figure(figsize=(2 * FIGSIZE[0], FIGSIZE[1]))
    fig.subplots_adjust(left=0.07, right=0.99, top=0.86, bottom=0.14, wspace=0.22)
    alive, war, autonomy = fig.subplots(1, 3, sharex=True)
    for arm, rows in bands.groupby("arm", sort=False):
        style = dict(color=ARM_COLOURS[arm], ls=ARM_STYLES[arm], lw=1.8, label=arm)
        alive.step(rows["year"], rows["alive"], where="post", **style)
        war.step(rows["year"], rows["ever_at_war"], where="post", **style)
        autonomy.plot(rows["year"], rows["autonomy_median"], **style)
        autonomy.fill_between(rows["year"], rows["autonomy_q10"], rows["autonomy_q90"],
                              color=ARM_COLOURS[arm], alpha=0.15, lw=0)
    for ax, title in ((alive, "share alive"), (war, "share ever at war"),
                      (autonomy, "autonomy: median, 10–90%")):
        ax.set_title(f"{title} (axis fitted)", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.set_xlabel("year", fontsize=8)
        _years(ax, span)
    for ax, low, high in ((alive, bands["alive"], bands["alive"]),
                          (war, bands["ever_at_war"], bands["ever_at_war"]),
                          (autonomy, bands["autonomy_q10"], bands["autonomy_q90"])):
        ax.set_ylim(*fitted_limits(low, high))
    alive.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"{state}: {n} runs per strategy on the same seeds", fontsize=10)
    return fig


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def svg(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", dpi=DPI)
    return buf.getvalue()

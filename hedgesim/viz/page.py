"""The interactive page: Mesa's SolaraViz around HedgeModel, with a network of states and plots.

``app.py`` at the project root builds it with ``make_page()``; ``hedgesim viz`` serves it.
Figures are drawn with matplotlib's object API (no pyplot: the server renders for many sessions
at once) and the network's layout is computed once per world with a fixed seed, so that a step
only redraws colours and edges. Fixed margins rather than a layout engine: it halves the time.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patheffects import withStroke
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from experiments.style import COLOURS
from model import mechanisms as m
from model.model import HedgeModel
from model.records import STRATEGY_NAMES, Recorder
from scenarios.loader import BUILTIN_DIR, ScenarioError, builtin_names, load_scenario
from scenarios.params import BY_NAME
from scenarios.schema import POLICIES

# Key parameters offered as sliders (slider step for each); ranges and defaults from the registry.
SLIDERS: dict[str, float] = {
    "war_intercept": 0.5,
    "gp_w_drift": 0.5,
    "assurance_effect": 0.05,
    "abandonment_rate": 0.01,
    "turnover_rate": 0.05,
}
N_SMALL_MAX = 400
DEFAULT_SCENARIO = "generic"
DEFAULT_SEED = 42
LAYOUT_SEED = 7
MAX_LABELS = 20  # beyond this many small states, label the focal ones, largest first
# Figures fill one cell of SolaraViz's grid (about 473 x 390 px) at 1:1, so text stays readable.
DPI = 90
FIGSIZE = (5.25, 4.3)
SELECT_HEIGHT = 0.95  # inches taken by the focal state's drop-down above its figure

STRATEGY_COLOURS = {name: COLOURS[name] for name in STRATEGY_NAMES}  # as in every report
GP_COLOURS = ["tab:brown", "tab:cyan", "tab:pink", "tab:olive", "tab:gray"]
DEAD_COLOUR = "#d0d0d0"
WAR_COLOUR = "tab:red"
COERCION_COLOUR = "gold"
HALO = [withStroke(linewidth=2.5, foreground="white")]  # keeps labels readable over the network


def _gp_colour(g: int) -> str:
    return GP_COLOURS[g % len(GP_COLOURS)]


SCENARIO_DIRS_VAR = "HEDGESIM_SCENARIO_DIRS"  # set by `hedgesim viz --scenario-dir`


def scenario_dirs() -> list[Path]:
    """The folders the page may read scenario files from: the built-in scenarios, the folder
    the server was started in, and any given with ``hedgesim viz --scenario-dir``."""
    extra = [Path(d) for d in os.environ.get(SCENARIO_DIRS_VAR, "").split(os.pathsep) if d]
    return [p.resolve() for p in (BUILTIN_DIR, Path.cwd(), *extra)]


def allowed_file(text: str) -> str:
    """A scenario file the page may open: a .toml file inside ``scenario_dirs`` (links
    resolved). Anything else is refused without being read, and an unusable file's contents are
    never echoed (the page says only that it cannot be used)."""
    path = Path(text).expanduser()
    resolved = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if resolved.suffix != ".toml" or not any(resolved.is_relative_to(d) for d in scenario_dirs()):
        raise ScenarioError(f"{path.name}: the page opens .toml files only from "
                            f"{', '.join(str(d) for d in scenario_dirs())}")
    try:
        load_scenario(str(resolved))
    except ScenarioError:
        raise ScenarioError(f"{path.name}: not a usable scenario file (run `hedgesim run "
                            f"{path.name}` for the details)") from None
    return str(resolved)


class VizModel(HedgeModel):
    """HedgeModel with flat keyword parameters, as SolaraViz passes them when it resets the model,
    and a Recorder for the plots (the focal states' series in whole arrays, cheaper than the
    DataCollector's agent reporters at 200 states).

    A slider left at the registry default keeps the scenario's own value of that parameter. The
    seed arrives as a string once edited; a scenario file or a seed that cannot be used leaves a
    one-line ``notice`` on the page and the model falls back to the built-in scenario or seed 0.
    The scenario is ``scenario_name``, not ``scenario``: SolaraViz's Reset passes a Mesa Scenario
    object under that name to any model whose ``__init__`` takes one.
    """

    def __init__(self, *, scenario_name: str = DEFAULT_SCENARIO, scenario_file: str = "",
                 strategy: str = "historical", n_small: int | None = None,
                 war_intercept: float | None = None, gp_w_drift: float | None = None,
                 assurance_effect: float | None = None, abandonment_rate: float | None = None,
                 turnover_rate: float | None = None, rng: int | str = DEFAULT_SEED) -> None:
        notices = []
        scenario = load_scenario(scenario_name)
        if scenario_file.strip():
            try:
                scenario = load_scenario(allowed_file(scenario_file.strip()))
            except ScenarioError as err:
                notices.append(f"{err} (showing {scenario_name})")
        try:
            seed = int(str(rng).strip())
        except ValueError:
            notices.append(f"seed {rng!r} is not an integer (using 0)")
            seed = 0
        sliders = dict(war_intercept=war_intercept, gp_w_drift=gp_w_drift,
                       assurance_effect=assurance_effect, abandonment_rate=abandonment_rate,
                       turnover_rate=turnover_rate)
        overrides: dict[str, float | int] = {
            name: value for name, value in sliders.items()
            if value is not None and value != BY_NAME[name].default}
        if scenario.generic is not None and n_small is not None:
            overrides["generic.n_small"] = int(n_small)
        super().__init__(scenario, strategy=None if strategy == "historical" else strategy,
                         overrides=overrides, rng=seed, collect=False)
        self.recorder = Recorder()
        self.recorder.observe(self.sim)
        self.scenario_title = scenario.name
        self.notice = "; ".join(notices)

    def step(self) -> None:
        super().step()
        self.recorder.observe(self.sim)


def model_params() -> dict[str, dict]:
    """SolaraViz's inputs for VizModel: scenario, focal strategy, key parameters, seed."""
    generic_n = load_scenario("generic").generic["n_small"]
    params: dict[str, dict] = {
        "scenario_name": {"type": "Select", "value": DEFAULT_SCENARIO, "values": builtin_names(),
                          "label": "Scenario"},
        "scenario_file": {"type": "InputText", "value": "",
                          "label": "or scenario file (.toml path)"},
        "strategy": {"type": "Select", "value": "historical",
                     "values": ["historical", *POLICIES], "label": "Focal strategy"},
        "n_small": {"type": "SliderInt", "value": generic_n, "min": 5, "max": N_SMALL_MAX,
                    "step": 5, "label": "Small states (generic)"},
    }
    for name, step in SLIDERS.items():
        p = BY_NAME[name]
        params[name] = {"type": "SliderFloat", "value": p.default, "min": p.low, "max": p.high,
                        "step": step, "label": name}
    params["rng"] = {"type": "InputText", "value": DEFAULT_SEED, "label": "Random seed"}
    return params


@lru_cache(maxsize=16)
def _layout(n_great: int, n_small: int, proximity: bytes) -> np.ndarray:
    """Node positions, great powers first: the powers on a circle, each small state pulled
    toward the powers it is close to. Seeded, and cached per world so steps do not move it."""
    prox = np.frombuffer(proximity).reshape(n_small, n_great)
    graph = nx.Graph()
    graph.add_nodes_from(range(n_great + n_small))
    for s, g in zip(*np.nonzero(prox > 0), strict=True):
        graph.add_edge(n_great + int(s), int(g), weight=float(prox[s, g]) ** 2)
    angles = np.pi + 2 * np.pi * np.arange(n_great) / n_great
    fixed = {g: (np.cos(a), np.sin(a)) for g, a in enumerate(angles)}
    pos = nx.spring_layout(graph, pos=fixed, fixed=list(fixed), seed=LAYOUT_SEED,
                           k=2.0 / np.sqrt(n_great + n_small), iterations=60)
    return np.array([pos[i] for i in range(n_great + n_small)])


def layout(model: HedgeModel) -> np.ndarray:
    w = model.world
    return _layout(w.n_great, w.n_small, np.ascontiguousarray(w.proximity, float).tobytes())


def _labelled(model: HedgeModel) -> np.ndarray:
    """Indices of the small states to label: all of them in a small world, else the focal ones,
    largest first."""
    w = model.world
    if w.n_small <= MAX_LABELS:
        return np.arange(w.n_small)
    order = np.lexsort((-w.cap, ~w.focal))
    return order[:MAX_LABELS][w.focal[order[:MAX_LABELS]]]


def _segments(pos: np.ndarray, n_great: int, pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    s, g = pairs
    return np.stack([pos[n_great + s], pos[g]], axis=1)


def network_figure(model: HedgeModel) -> Figure:
    """The world as a network: who is allied with, hosts bases of, depends on, is coerced or
    attacked by whom, and what each small state is doing."""
    w, p = model.world, model.params
    G, pos = w.n_great, layout(model)
    fig = Figure(figsize=FIGSIZE)
    ax = fig.add_axes((0.0, 0.13, 1.0, 0.77))
    dep = m.dependency_on(w.state, model.coefs)[:, :G]
    live = w.alive[:, None]
    crowd = min(1.0, np.sqrt(30 / max(w.n_small, 1)))  # thinner, fainter ties in a crowded world
    layers = [  # (which pairs, widths, colour, style, alpha)
        (live & (dep > 0.05), 6 * crowd * dep, "0.55", "solid", 0.35),
        (live & (w.alliance > 0.05), crowd * (0.5 + 1.5 * w.alliance), "0.15", "solid", 0.6 * crowd),
        (live & (w.bases > 0.05), crowd * (0.5 + 1.5 * w.bases), "0.15", (0, (1, 1.5)), 0.8 * crowd),
        (w.coerced, np.full(w.coerced.shape, 2.5), COERCION_COLOUR, "solid", 0.9),
        (w.at_war, np.full(w.at_war.shape, 3.5), WAR_COLOUR, "solid", 1.0),
    ]
    for mask, widths, colour, style, alpha in layers:
        pairs = np.nonzero(mask)
        if len(pairs[0]):
            ax.add_collection(LineCollection(_segments(pos, G, pairs), linewidths=widths[pairs],
                                             colors=colour, linestyles=style, alpha=alpha,
                                             zorder=1))
    for g, h in zip(*np.nonzero(np.triu(w.hostility > 0.5)), strict=True):
        ax.plot(*pos[[g, h]].T, color="0.3", lw=1, ls="--", alpha=0.5, zorder=0)
    small, top = pos[G:], max(float(w.gp_cap.max()), 1e-9)
    colours = np.where(w.alive, np.asarray(list(STRATEGY_COLOURS.values()))[w.strategy],
                       DEAD_COLOUR)
    size = np.clip(900 * crowd * np.sqrt(w.cap / top), 10, 400)
    ax.scatter(*small.T, s=size, c=colours, edgecolors=np.where(w.focal, "black", "white"),
               linewidths=1, zorder=2)
    troubled = w.at_war.any(axis=1) | w.coerced.any(axis=1)
    ax.scatter(*small[troubled].T, s=40, marker="x", zorder=3,
               c=np.where(w.at_war.any(axis=1), WAR_COLOUR, COERCION_COLOUR)[troubled])
    gp_size = 350 + 500 * w.gp_cap / top
    ax.scatter(*pos[:G].T, s=gp_size, marker="s", zorder=2, c=[_gp_colour(g) for g in range(G)],
               edgecolors="black")
    for g, name in enumerate(w.gp_names):
        ax.annotate(name, pos[g], xytext=(0, np.sqrt(gp_size[g]) / 2 + 2), va="bottom",
                    textcoords="offset points", ha="center", fontsize=9, fontweight="bold",
                    zorder=4, path_effects=HALO)
    for s in _labelled(model):
        ax.annotate(w.names[s], small[s], xytext=(0, np.sqrt(size[s]) / 2 + 1), va="bottom",
                    textcoords="offset points", ha="center", fontsize=7, zorder=4,
                    color="black" if w.alive[s] else "0.6", path_effects=HALO)
    ax.margins(0.12)
    ax.set_axis_off()
    fig.suptitle(f"{model.scenario_title}, {w.year}: {int(w.alive.sum())} of {w.n_small} "
                 f"small states left", fontsize=10)
    ax.set_title("  ".join(f"{name} {p[name]:g}" for name in SLIDERS), fontsize=6.5, color="0.35")
    fig.legend(handles=_legend(), loc="lower center", ncol=5, fontsize=7, frameon=False,
               handlelength=1.5, columnspacing=1.0)
    return fig


def _legend() -> list[Line2D]:
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
        Line2D([], [], color="black", marker="o", ls="", markerfacecolor="white",
               markersize=8, label="focal state"),
    ]


def focal_figure(model: VizModel, state: str) -> Figure:
    """One focal state over time: alignment with and threat from each great power, autonomy,
    with the years it was coerced or at war shaded."""
    w = model.world
    series = model.recorder.series()
    rows = series[series["state"] == state]
    height = FIGSIZE[1] - (SELECT_HEIGHT if w.focal.sum() > 1 else 0.0)
    fig = Figure(figsize=(FIGSIZE[0], height))
    fig.subplots_adjust(left=0.12, right=0.98, top=1 - 0.3 / height, bottom=0.45 / height,
                        hspace=0.12)
    axes = fig.subplots(3, 1, sharex=True)
    for g, gp in enumerate(w.gp_names):
        axes[0].plot(rows["year"], rows[f"alignment_{gp}"], color=_gp_colour(g), label=gp)
        axes[1].plot(rows["year"], rows[f"threat_{gp}"], color=_gp_colour(g), label=gp)
    axes[2].plot(rows["year"], rows["autonomy"], color="black")
    for flag, colour in (("coerced", COERCION_COLOUR), ("at_war", WAR_COLOUR)):
        for year in rows.loc[rows[flag].astype(bool), "year"]:
            for ax in axes:
                ax.axvspan(year - 0.5, year + 0.5, color=colour, alpha=0.25, lw=0)
    for ax, label in zip(axes, ["alignment", "threat", "autonomy"], strict=True):
        ax.set_ylabel(label, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    axes[0].set_ylim(-0.02, 1.02)
    axes[2].set_ylim(-0.02, 1.02)
    axes[0].legend(fontsize=7, ncol=min(w.n_great, 5), loc="upper left")
    axes[2].xaxis.get_major_locator().set_params(integer=True)
    axes[2].set_xlabel("year (shaded: coerced gold, at war red)", fontsize=8)
    axes[0].set_title(state, fontsize=10)
    return fig


def world_figure(model: VizModel) -> Figure:
    """All small states over time: the shares of strategies among those left, and how many are
    coerced or at war."""
    ms: pd.DataFrame = model.recorder.model_series()
    fig = Figure(figsize=FIGSIZE)
    fig.subplots_adjust(left=0.12, right=0.98, top=0.93, bottom=0.1, hspace=0.12)
    shares, events = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    shares.stackplot(ms["year"], *(ms[f"share_{s}"] for s in STRATEGY_NAMES),
                     labels=STRATEGY_NAMES, colors=list(STRATEGY_COLOURS.values()), alpha=0.85,
                    step="mid")
    shares.set_ylim(0, 1)
    shares.set_ylabel("share of strategies", fontsize=8)
    shares.set_title("All small states left", fontsize=10)
    shares.legend(fontsize=7, ncol=3, loc="lower left")
    events.step(ms["year"], ms["wars"], where="mid", color=WAR_COLOUR, label="at war")
    events.step(ms["year"], ms["coercions"], where="mid", color=COERCION_COLOUR, label="coerced")
    events.set_ylim(bottom=0)
    for axis in (events.xaxis, events.yaxis):
        axis.get_major_locator().set_params(integer=True)
    events.set_ylabel("small states", fontsize=8)
    events.set_xlabel("year", fontsize=8)
    events.legend(fontsize=7, loc="upper left")
    for ax in (shares, events):
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    return fig


@solara.component
def NetworkView(model: VizModel):
    update_counter.get()
    if model.notice:
        solara.Error(model.notice)
    solara.FigureMatplotlib(network_figure(model), format="png", dpi=DPI,
                            dependencies=[update_counter.value, id(model)])


@solara.component
def FocalView(model: VizModel):
    update_counter.get()
    focal = [model.world.names[s] for s in np.flatnonzero(model.world.focal)]
    chosen = solara.use_reactive(focal[0] if focal else "")
    if not focal:
        solara.Text("This scenario has no focal state.")
        return
    state = chosen.value if chosen.value in focal else focal[0]
    if len(focal) > 1:
        solara.Select("Focal state", values=focal, value=state, on_value=chosen.set)
    solara.FigureMatplotlib(focal_figure(model, state), format="png", dpi=DPI,
                            dependencies=[update_counter.value, id(model), state])


@solara.component
def WorldView(model: VizModel):
    update_counter.get()
    solara.FigureMatplotlib(world_figure(model), format="png", dpi=DPI,
                            dependencies=[update_counter.value, id(model)])


COMPONENTS = [NetworkView, FocalView, WorldView]


def make_page(model: VizModel | solara.Reactive[VizModel] | None = None):
    """The SolaraViz page (``app.py`` calls this with no arguments)."""
    params = model_params()
    if model is None:
        model = VizModel(**{k: v["value"] for k, v in params.items()})
    return SolaraViz(model, components=list(COMPONENTS), model_params=params, name="hedgesim")

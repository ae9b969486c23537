"""The interactive page: Mesa's model controller and step counter around HedgeModel, with a
network of states, its history under a time slider, the focal state under each strategy on the
same seed, and the distribution over paired runs.

``app.py`` at the project root serves ``Page``; ``hedgesim viz`` runs it. The sidebar's inputs
are built here rather than by SolaraViz's ``ModelCreator``, so that each shows its readable name
and the registry's help, only the inputs that apply to the chosen scenario are offered, and the
scenario menu names a loaded file; Reset, Play and Step are Mesa's ``ModelController``.
"""

from __future__ import annotations

import html
import os
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import reacton.ipyvuetify as rv
import solara
import tomli_w
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import force_update, update_counter

from hedgesim.experiments.report import md_table
from hedgesim.model.model import HedgeModel, Snapshot
from hedgesim.model.provenance import provenance
from hedgesim.model.records import Recorder
from hedgesim.scenarios.loader import (
    BUILTIN_DIR,
    Scenario,
    ScenarioError,
    builtin_names,
    load_scenario,
    parameter_table,
    scenario_path,
)
from hedgesim.scenarios.params import BY_NAME
from hedgesim.scenarios.schema import POLICIES
from hedgesim.viz import explore
from hedgesim.viz.figures import (
    FIGSIZE,
    FocalFigure,
    NetworkFigure,
    WorldFigure,
    compare_figure,
    focal_figure,
    layout_ties,
    network_figure,
    png,
    replicates_figure,
    svg,
)

# Key parameters offered as sliders: a readable name and the slider's step (range, default
# and help from the registry, scenarios/params.py).
SLIDERS: dict[str, tuple[str, float]] = {
    "war_intercept": ("Baseline war risk (log-odds)", 0.5),
    "gp_w_drift": ("Great powers' weight on a client's drift", 0.5),
    "assurance_effect": ("Effect of assurances on threat", 0.05),
    "abandonment_rate": ("Chance a patron abandons a client", 0.01),
    "turnover_rate": ("Chance of a new government", 0.05),
}
N_SMALL_MAX = 400
ABOUT = ("One run of the model, year by year: **Step** or **Play** moves it on, **Reset** starts "
         "again from the inputs at the left.")
HOW_TO_READ = (
    "*One run*: the network "
    "of states (great powers large, small states coloured by strategy; lines: alliances, bases, "
    "dependency, coercion and war; hover a state for its numbers), the focal state over time, "
    "and all states. *Side by side*: the focal state under each strategy on the same seed. "
    "*Many runs*: the distribution over paired runs, with bands. Outcomes come from the "
    "mechanisms (docs/ODD.md), never from a strategy's label.")
DEFAULT_SCENARIO = "generic"
DEFAULT_SEED = 0  # as the command line's --seed
DEFAULT_RUNS = 200
SELECT_HEIGHT = 0.95  # inches taken by the focal state's drop-down above its figure
SCENARIO_DIRS_VAR = "HEDGESIM_SCENARIO_DIRS"  # set by `hedgesim viz --scenario-dir`


def scenario_dirs() -> list[Path]:
    """The folders the page may read scenario files from: the built-in scenarios, the folder
    the server was started in, and any given with ``hedgesim viz --scenario-dir``."""
    extra = [Path(d) for d in os.environ.get(SCENARIO_DIRS_VAR, "").split(os.pathsep) if d]
    return [p.resolve() for p in (BUILTIN_DIR, Path.cwd(), *extra)]


def open_file(text: str) -> tuple[Path, Scenario]:
    """A scenario file the page may open, and its scenario: a .toml file inside
    ``scenario_dirs`` (links resolved). Anything else is refused without being read, and an
    unusable file's contents are never echoed (the page says only that it cannot be used)."""
    path = Path(text).expanduser()
    resolved = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if resolved.suffix != ".toml" or not any(resolved.is_relative_to(d) for d in scenario_dirs()):
        raise ScenarioError(f"{path.name}: the page opens .toml files only from "
                            f"{', '.join(str(d) for d in scenario_dirs())}")
    try:
        return resolved, load_scenario(resolved)
    except ScenarioError:
        raise ScenarioError(f"{path.name}: not a usable scenario file (run `hedgesim run "
                            f"{path.name}` for the details)") from None


@lru_cache(maxsize=32)
def _builtin(name: str) -> Scenario:
    return load_scenario(name)


def _seed(text: int | str) -> int | None:
    try:
        seed = int(str(text).strip())
    except ValueError:
        return None
    return seed if seed >= 0 else None


class VizModel(HedgeModel):
    """HedgeModel with flat keyword parameters, as Mesa's Reset passes them, a Recorder for the
    plots (the focal states' series in whole arrays, cheaper than the DataCollector's agent
    reporters at 200 states) and a snapshot of every year, so the run can be stepped back.

    A slider left at the registry default (to within half its step: the browser snaps a
    slider to its steps) keeps the scenario's own value of that parameter. The
    run is replicate 0 of the seed, as ``hedgesim run SCENARIO --seed SEED`` runs it. A scenario
    file or a seed that cannot be used leaves a one-line ``notice`` on the page, and the model
    falls back to the built-in scenario or seed 0. The scenario is ``scenario_name``, not
    ``scenario``: Mesa's Reset passes a Mesa Scenario under that name to any model that takes it.
    """

    def __init__(self, *, scenario_name: str = DEFAULT_SCENARIO, scenario_file: str = "",
                 strategy: str = "historical", n_small: int | None = None,
                 war_intercept: float | None = None, gp_w_drift: float | None = None,
                 assurance_effect: float | None = None, abandonment_rate: float | None = None,
                 turnover_rate: float | None = None, rng: int | str = DEFAULT_SEED,
                 extra: dict[str, Any] | None = None) -> None:
        notices = []
        self.source, scenario = scenario_path(scenario_name), _builtin(scenario_name)
        self.file_name = ""
        if scenario_file.strip():
            try:
                self.source, scenario = open_file(scenario_file.strip())
                self.file_name = self.source.name
            except ScenarioError as err:
                notices.append(f"{err} (showing {scenario_name})")
        seed = _seed(rng)
        if seed is None:
            notices.append(f"seed {rng!r} is not a whole number of at least 0 (using 0)")
            seed = 0
        sliders = dict(war_intercept=war_intercept, gp_w_drift=gp_w_drift,
                       assurance_effect=assurance_effect, abandonment_rate=abandonment_rate,
                       turnover_rate=turnover_rate)
        overrides: dict[str, float | int] = {  # a slider snaps to its steps: within half a
            name: value for name, value in sliders.items()  # step of the default is the default
            if value is not None and abs(value - BY_NAME[name].default) > SLIDERS[name][1] / 2}
        if scenario.generic is not None and n_small is not None:
            overrides["generic.n_small"] = int(n_small)
        for name, value in (extra or {}).items():  # any parameter, set from the page's list
            try:
                scenario.with_overrides({name: value}, where="the page")
            except ScenarioError as err:
                notices.append(f"{err} (not applied)")
                continue
            overrides[name] = value
        self.base, self.overrides, self.seed, self.arm = scenario, overrides, seed, strategy
        super().__init__(scenario, strategy=None if strategy == "historical" else strategy,
                         overrides=overrides, rng=explore.run_seed(seed), collect=False)
        self.ties = layout_ties(self)  # the layout is drawn from the world as it starts
        self.recorder = Recorder()
        self.snapshots: list[Snapshot] = []
        self.remember()
        self.scenario_title = self.file_name or scenario.name
        self.notice = "; ".join(notices)

    def remember(self) -> None:
        """Keep this year: its row of the series and a snapshot to come back to."""
        self.recorder.observe(self.sim)
        self.snapshots.append(self.sim.snapshot())

    @property
    def last_step(self) -> int:
        return len(self.snapshots) - 1

    def step(self) -> None:
        """A year on from the one on view; the years after it that were run before are run
        again (the same seed gives the same years)."""
        self.recorder.forget_after(self.world.step + 1)
        del self.snapshots[self.world.step + 1:]
        super().step()
        self.remember()

    def go_to(self, step: int) -> None:
        """Put the run back (or forward) to a year already run. Mesa's clock (``time``,
        ``steps``) keeps counting the steps taken, as its event schedule needs it to."""
        step = int(np.clip(step, 0, self.last_step))
        self.sim.restore(self.snapshots[step])
        self.running = self.sim.running
        self._year = None

    def series(self) -> pd.DataFrame:
        return self.recorder.series(self.world.step + 1)

    def model_series(self) -> pd.DataFrame:
        return self.recorder.model_series(self.world.step + 1)

    @property
    def span(self) -> tuple[int, int]:
        """The scenario's own years, from its first to its horizon."""
        return self.world.start_year, self.world.start_year + self.horizon

    @property
    def focal_names(self) -> list[str]:
        return [self.world.names[s] for s in np.flatnonzero(self.world.focal)]


# --- the inputs -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Input:
    """One input of the sidebar: VizModel's keyword, its readable label, help and default."""

    name: str
    label: str
    help: str
    default: Any


def inputs() -> dict[str, Input]:
    """Every input the page offers, keyed by VizModel's keyword."""
    generic_n = _builtin("generic").generic["n_small"]
    out = {
        "scenario_name": Input("scenario_name", "Scenario", "a built-in scenario",
                               DEFAULT_SCENARIO),
        "scenario_file": Input("scenario_file", "or scenario file (.toml path)",
                               "a scenario file of your own; it takes precedence", ""),
        "strategy": Input("strategy", "Focal strategy",
                          "historical: the scenario's own, with its schedule; adaptive: "
                          "chosen each year; or a fixed one", "historical"),
        "n_small": Input("n_small", "Small states", "the generic world's number of small states",
                         generic_n),
    }
    for name, (label, _) in SLIDERS.items():
        out[name] = Input(name, label, BY_NAME[name].meaning, BY_NAME[name].default)
    out["rng"] = Input("rng", "Random seed", "the base seed; the run is its replicate 0, as "
                       "`hedgesim run --seed` runs it", DEFAULT_SEED)
    out["extra"] = Input("extra", "More parameters", "any parameter of the scenario", {})
    return out


def defaults() -> dict[str, Any]:
    return {k: i.default for k, i in inputs().items()}


def applies(name: str, chosen: dict[str, Any]) -> bool:
    """Whether an input means anything for the scenario chosen: the world's size only for a
    generic world."""
    if name != "n_small":
        return True
    file = str(chosen.get("scenario_file", "")).strip()
    if file:
        try:
            return open_file(file)[1].generic is not None
        except ScenarioError:
            pass
    return _builtin(chosen["scenario_name"]).generic is not None


def in_effect(model: VizModel, name: str, chosen: float | None = None) -> str:
    """The value a slider's parameter has in the run on view, and whether it was set here;
    with ``chosen`` (the slider's value), what Reset will give it, live, while that differs. A
    slider within half a step of the registry default keeps the scenario's own value."""
    value = model.params[name]
    whence = "set here" if name in model.overrides else "the scenario's"
    now = f"in effect: {value:g} ({whence})"
    if chosen is None:
        return now
    keeps = abs(chosen - BY_NAME[name].default) <= SLIDERS[name][1] / 2
    target = model.base.params[name] if keeps else chosen
    return now if abs(target - value) < 1e-12 else f"on Reset: {target:g}; {now}"


@solara.component
def Help(text: str):
    solara.Text(text, style={"font-size": "0.75em", "color": "#666", "line-height": "1.2"})


def settable(scenario: Scenario) -> list[dict[str, Any]]:
    """Every numeric parameter a scenario has (``hedgesim params``): the entities' attributes
    first (a case's levers: ``Russia.revisionism``, ``West.resolve``, ``Ukraine.trade.Russia``),
    then the model-wide ones."""
    rows = [r for r in parameter_table(scenario) if not r["choices"]
            and isinstance(r["value"], int | float) and not isinstance(r["value"], bool)]
    return sorted(rows, key=lambda r: ("." not in r["name"] or r["name"].startswith("generic."),
                                       r["name"]))


@solara.component
def MoreParameters(chosen: solara.Reactive[dict], model: VizModel):
    """Any parameter of the scenario on view, found by typing part of its name: set a value,
    and it takes effect on Reset, as the sliders' values do (``VizModel(extra=...)``)."""
    rows = {r["name"]: r for r in settable(model.base)}
    picked = solara.use_reactive("")
    value = solara.use_reactive(0.0)
    extra = dict(chosen.value.get("extra") or {})

    def pick(name: str | None) -> None:
        picked.set(name or "")
        if name in rows:
            value.set(float(extra.get(name, rows[name]["value"])))

    def put() -> None:
        if picked.value in rows:
            chosen.set({**chosen.value, "extra": {**extra, picked.value: value.value}})

    def drop(name: str) -> Callable[[], None]:
        return lambda: chosen.set({**chosen.value,
                                   "extra": {k: v for k, v in extra.items() if k != name}})

    rv.Autocomplete(label="Find a parameter (type part of its name)", items=list(rows),
                    v_model=picked.value or None, on_v_model=pick, clearable=True, dense=True)
    if picked.value in rows:
        r = rows[picked.value]
        span = f"[{r['low']:g}, {r['high']:g}]" if r["low"] is not None else ""
        shown = model.overrides.get(picked.value, r["value"])
        Help(f"{r['meaning']} {span}; in the run on view: {shown:g}. Source: {r['source']}.")
        solara.InputFloat("Value", value=value)
        solara.Button("Use this value", on_click=put, outlined=True)
    for name, v in extra.items():
        with solara.Row():
            solara.Text(f"{name} = {v:g}", style={"font-size": "0.85em"})
            solara.Button("remove", on_click=drop(name), text=True, small=True)
    if extra:
        Help("Set here; they take effect on Reset.")


@solara.component
def ParameterPanel(chosen: solara.Reactive[dict], model: VizModel):
    """The scenario, strategy, parameters and seed that Reset builds the next run from."""
    spec = inputs()

    def setter(name: str) -> Callable[[Any], None]:
        return lambda value: chosen.set({**chosen.value, name: value})

    def pick_scenario(value: str) -> None:
        if value in builtin_names():  # a built-in picked from the menu replaces the file
            chosen.set({**chosen.value, "scenario_name": value, "scenario_file": ""})

    names = builtin_names()
    shown = chosen.value["scenario_name"]
    if model.file_name and chosen.value["scenario_file"].strip():
        names, shown = [*names, model.file_name], model.file_name
    solara.Select(spec["scenario_name"].label, values=names, value=shown, on_value=pick_scenario)
    solara.InputText(spec["scenario_file"].label, value=chosen.value["scenario_file"],
                     on_value=setter("scenario_file"))
    Help(spec["scenario_file"].help)
    solara.Select(spec["strategy"].label, values=["historical", *POLICIES],
                  value=chosen.value["strategy"], on_value=setter("strategy"))
    Help(spec["strategy"].help)
    if applies("n_small", chosen.value):
        solara.SliderInt(spec["n_small"].label, value=chosen.value["n_small"], min=5,
                         max=N_SMALL_MAX, step=5, on_value=setter("n_small"))
        Help(spec["n_small"].help)
    for name, (_, step) in SLIDERS.items():
        p = BY_NAME[name]
        solara.SliderFloat(spec[name].label, value=chosen.value[name], min=p.low, max=p.high,
                           step=step, on_value=setter(name), thumb_label="always")
        Help(f"{name}: {p.meaning}. {in_effect(model, name, chosen.value[name])}")
    solara.InputText(spec["rng"].label, value=str(chosen.value["rng"]), on_value=setter("rng"))
    Help(spec["rng"].help)
    solara.Text("Changes take effect on Reset.", style={"font-size": "0.8em"})


@solara.component
def YearView(model: VizModel):
    """The year on view and how far the run has gone."""
    update_counter.get()
    solara.Text(f"Year {model.world.year}: step {model.world.step} of {model.horizon}"
                f"{'' if model.running else ' (ended)'}")


@solara.component
def TimeSlider(model: VizModel):
    """The year on view, over the years run so far, and a step back (mesa#1805)."""
    update_counter.get()
    start = model.world.start_year

    def go(year: int) -> None:
        model.go_to(year - start)
        force_update()

    solara.SliderInt("Year on view", value=start + model.world.step, min=start,
                     max=start + max(model.last_step, 1), on_value=go,
                     disabled=model.last_step == 0)
    with solara.Row():
        solara.Button("Step back", on_click=lambda: go(start + model.world.step - 1),
                      disabled=model.world.step == 0, outlined=True)
        solara.Button("Latest", on_click=lambda: go(start + model.last_step),
                      disabled=model.world.step == model.last_step, outlined=True)
    Help(f"{model.last_step} years run; stepping on from an earlier year runs the later "
         "ones again, to the same result.")


def scenario_toml(model: VizModel) -> str:
    """A scenario file that reproduces the run on view: the scenario's own file with the page's
    parameters set in it, and a header saying which command runs it."""
    data = tomllib.loads(model.source.read_text())
    data["params"] = {**data.get("params", {}),
                      **{k: v for k, v in model.overrides.items() if "." not in k}}
    for name, value in model.overrides.items():  # an entity's attribute, or the generator's
        head, _, rest = name.partition(".")
        if not rest:
            continue
        if head == "generic":
            data["generic"][rest] = value
            continue
        field, _, key = rest.partition(".")
        entity = next(e for kind in ("great_power", "small_state") for e in data.get(kind, [])
                      if e["name"] == head)
        if key:
            entity.setdefault(field, {})[key] = value
        else:
            entity[field] = value
    strategy = f" --strategy {model.arm}" if model.arm != "historical" else ""
    header = (f"# Exported by the hedgesim page: {model.scenario_title}, seed {model.seed}.\n"
              f"# `hedgesim run THIS_FILE{strategy} --seed {model.seed} --replicates 1` runs "
              "the run on view (replicate 0 of the seed).\n")
    p = provenance()
    header += (f"# Made with hedgesim {p['hedgesim_version']}, model digest {p['model_digest']}, "
               f"commit {p['git_commit'] or 'unknown'}.\n")
    return header + tomli_w.dumps(data)


@solara.component
def ExportPanel(model: VizModel):
    """The run's series as CSV, the network and focal figures as PNG and SVG, and the scenario
    as a TOML file that reproduces it."""
    update_counter.get()
    stem = f"{model.scenario_title.removesuffix('.toml')}-{model.world.year}"
    focal = model.focal_names
    solara.FileDownload(lambda: model.series().to_csv(index=False), f"{stem}-focal.csv",
                        label="Focal states' series (CSV)", mime_type="text/csv")
    solara.FileDownload(lambda: model.model_series().to_csv(index=False), f"{stem}-world.csv",
                        label="All states' series (CSV)", mime_type="text/csv")
    solara.FileDownload(lambda: png(network_figure(model)), f"{stem}-network.png",
                        label="Network (PNG)", mime_type="image/png")
    solara.FileDownload(lambda: svg(network_figure(model)), f"{stem}-network.svg",
                        label="Network (SVG)", mime_type="image/svg+xml")
    if focal:
        solara.FileDownload(lambda: svg(_focal(model, focal[0])), f"{stem}-{focal[0]}.svg",
                            label=f"{focal[0]} over time (SVG)", mime_type="image/svg+xml")
    solara.FileDownload(lambda: scenario_toml(model), f"{stem}.toml",
                        label="Scenario (TOML)", mime_type="application/toml")


# --- the views ------------------------------------------------------------------------------

def _focal(model: VizModel, state: str, height: float = FIGSIZE[1]):
    return focal_figure(model.series(), state, model.world.gp_names, model.span, model.world.year,
                        height)


@solara.component
def NetworkView(model: VizModel):
    """The network as inline SVG: hovering a state shows its strategy, threats, alignment and
    dependency."""
    update_counter.get()
    figure = solara.use_memo(lambda: NetworkFigure(model), dependencies=[id(model)])
    if model.notice:
        solara.Error(model.notice)
    solara.HTML(tag="div", unsafe_innerHTML=figure.html(model), classes=["hedgesim-network"])


@solara.component
def FocalView(model: VizModel, chosen: solara.Reactive[str]):
    update_counter.get()
    focal = model.focal_names
    state = chosen.value if chosen.value in focal else (focal[0] if focal else "")
    height = FIGSIZE[1] - (SELECT_HEIGHT if len(focal) > 1 else 0.0)
    figure = solara.use_memo(lambda: FocalFigure(state, model.world.gp_names, model.span, height),
                             dependencies=[id(model), state])
    if not focal:
        solara.Text("This scenario has no focal state.")
        return
    if len(focal) > 1:
        solara.Select("Focal state", values=focal, value=state, on_value=chosen.set)
    solara.Image(figure.png(model.series(), model.world.year))


@solara.component
def WorldView(model: VizModel):
    update_counter.get()
    figure = solara.use_memo(lambda: WorldFigure(model.span), dependencies=[id(model)])
    solara.Image(figure.png(model.model_series(), model.world.year))


@solara.component
def ArmsPicker(arms: solara.Reactive[list[str]]):
    solara.SelectMultiple("Strategies", values=arms.value, all_values=list(explore.ARMS),
                          on_value=lambda v: arms.set([a for a in explore.ARMS if a in v]))


def focal_choice(focal: list[str], chosen: solara.Reactive[str],
                 arms: solara.Reactive[list[str]]) -> str | None:
    """The focal state a comparison shows, with a menu when there are several; None, said on
    the page, when there is no state or no strategy to show."""
    if not focal or not arms.value:
        solara.Text("Choose at least one strategy; the scenario needs a focal state.")
        return None
    state = chosen.value if chosen.value in focal else focal[0]
    if len(focal) > 1:
        solara.Select("Focal state", values=focal, value=state, on_value=chosen.set)
    return state


@solara.component
def SideBySideView(model: VizModel, chosen: solara.Reactive[str], arms: solara.Reactive[list[str]]):
    """The focal state under each chosen strategy on the run's own seed (common random
    numbers: the same events drawn for every arm), up to the year on view."""
    update_counter.get()
    focal = model.focal_names
    runs = solara.use_memo(lambda: explore.side_by_side(model.base, model.overrides, model.seed,
                                                        arms.value),
                           dependencies=[id(model), tuple(arms.value)])
    ArmsPicker(arms)
    state = focal_choice(focal, chosen, arms)
    if state is None:
        return
    year = model.world.year
    upto = {arm: s[(s["state"] == state) & (s["year"] <= year)] for arm, s in runs.items()}
    solara.FigureMatplotlib(compare_figure(upto, state, model.span, year), format="png", dpi=90,
                            dependencies=[update_counter.value, id(model), state,
                                          tuple(arms.value)])
    table = explore.side_by_side_table(upto, state)
    solara.Markdown("\n".join([f"**{literal(state)}, {model.span[0]}–{year}, seed {model.seed}** "
                               "(each arm on the same random numbers)", "",
                               *md_table(table, list(table.columns))]))


def literal(text: str) -> str:
    """A name from a scenario file as plain text inside Markdown, which would pass HTML through
    (a state named ``<img onerror=...>`` would run script) and read its punctuation as markup."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~])", r"\\\1", html.escape(text, quote=False))


@solara.component
def ReplicatesView(model: VizModel, chosen: solara.Reactive[str], arms: solara.Reactive[list[str]]):
    """The distribution over paired runs of each chosen strategy, through the engine: the share
    alive, the share ever at war and autonomy's band, with the outcomes' 95% intervals."""
    focal = model.focal_names
    runs = solara.use_reactive(DEFAULT_RUNS)
    result = solara.use_reactive(None)
    ArmsPicker(arms)
    solara.InputInt(f"Runs per strategy (1 to {explore.MAX_REPLICATES})", value=runs,
                    on_value=runs.set)
    state = focal_choice(focal, chosen, arms)
    if state is None:
        return
    key = (id(model), tuple(arms.value), runs.value)

    def compute() -> None:
        n = int(np.clip(runs.value, 1, explore.MAX_REPLICATES))
        start = time.perf_counter()
        outcomes, series = explore.replicates(model.base, model.overrides, model.seed,
                                            arms.value, n)
        result.set((key, n, outcomes, series, time.perf_counter() - start))

    solara.Button("Run them", on_click=compute, color="primary")
    if result.value is None or result.value[0] != key:
        solara.Text("Runs every chosen strategy on the same seeds (replicates 0, 1, … of the "
                    "seed, as `hedgesim run --replicates N` does).")
        return
    _, n, outcomes, series, seconds = result.value
    years = list(range(model.span[0], model.span[1] + 1))
    bands = explore.replicate_bands(series, state, years)
    solara.FigureMatplotlib(replicates_figure(bands, state, n, model.span), format="png", dpi=90,
                            dependencies=[key, state])
    solara.Markdown(f"{n} runs per strategy in {seconds:.1f} s. {literal(state)}'s outcomes, 95% "
                    "intervals (as `hedgesim run` prints them):")
    solara.Preformatted(explore.replicate_table(outcomes, state, model.seed))


@solara.component
def Page(model: solara.Reactive[VizModel] | None = None):
    """The whole page: Mesa's controls and the inputs in the sidebar, the views in tabs."""
    chosen = solara.use_reactive(defaults())
    first = solara.use_memo(lambda: VizModel(**defaults()) if model is None else None, [])
    own = solara.use_reactive(first)
    model = own if model is None else model
    play = solara.use_reactive(200)
    render = solara.use_reactive(1)
    threads = solara.use_reactive(False)
    focal = solara.use_reactive("")
    arms = solara.use_reactive(list(explore.DEFAULT_ARMS))
    current = model.value

    with solara.AppBar():
        solara.AppBarTitle("hedgesim")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            ModelController(model, model_parameters=chosen, play_interval=play,
                            render_interval=render, use_threads=threads)
            YearView(current)
            solara.SliderInt(f"Play: {play.value} milliseconds per year", value=play, min=50,
                             max=2000, step=50, thumb_label=True)
        with solara.Card("Time"):
            TimeSlider(current)
        with solara.Card("Scenario and parameters"):
            ParameterPanel(chosen, current)
        with solara.Card("More parameters"):
            MoreParameters(chosen, current)
        with solara.Card("Export"):
            ExportPanel(current)
    with solara.Row(style={"align-items": "baseline"}):
        solara.Markdown(ABOUT)
        with solara.Details("How to read it"):
            solara.Markdown(HOW_TO_READ)
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab("One run"), solara.Row(style={"flex-wrap": "wrap"}):
            NetworkView(current)
            with solara.Column(style={"width": f"{FIGSIZE[0] * 90:.0f}px"}):
                FocalView(current, focal)
            with solara.Column(style={"width": f"{FIGSIZE[0] * 90:.0f}px"}):
                WorldView(current)
        with solara.lab.Tab("Side by side"):
            SideBySideView(current, focal, arms)
        with solara.lab.Tab("Many runs"):
            ReplicatesView(current, focal, arms)

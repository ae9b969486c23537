"""The interactive page rendered headless (as Mesa's own visualization tests do): inputs reach the
model on Reset, Step advances it and redraws the views, the run steps back to the same years,
the side-by-side and many-runs views come from the engine on the run's own seeds, hovering a
state has something to show, and the exports reproduce the run."""

from __future__ import annotations

import inspect
import re
import tomllib

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from solara.components.file_download import FileDownloadWidget

from hedgesim import cli
from hedgesim.experiments.engine import run_replicates
from hedgesim.model.model import HedgeModel
from hedgesim.model.records import outcome_columns
from hedgesim.scenarios.loader import BUILTIN_DIR, load_scenario
from hedgesim.scenarios.params import BY_NAME
from hedgesim.viz import OFFLINE_ENV, explore, server_command
from hedgesim.viz.figures import (
    COERCION_COLOUR,
    WAR_COLOUR,
    NetworkFigure,
    _layout,
    focal_figure,
    layout,
    network_figure,
    partners,
    world_figure,
)
from hedgesim.viz.page import (
    SCENARIO_DIRS_VAR,
    SLIDERS,
    Page,
    VizModel,
    applies,
    defaults,
    inputs,
    scenario_toml,
)


def _render(model: solara.Reactive[VizModel]):
    # Sidebar and app-bar content is portalled: AppLayout puts it into the widget tree.
    _, rc = solara.render(solara.AppLayout(children=[Page(model)]), handle_error=False)
    return rc


def _click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def _views(rc) -> list:
    """What the run's tab shows: the network's HTML, then each figure's image."""
    return [*(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets
              if "network of states" in (w.unsafe_innerHTML or "")),
            *(bytes(w.value) for w in rc.find(widgets.Image).widgets)]


def _text(rc) -> str:
    """Every text the page shows: plain text, Markdown and preformatted blocks."""
    parts = [str(w.children) for w in rc.find(v.Html).widgets]
    parts += [str(getattr(w.template, "template", w.template))
              for w in rc.find(v.VuetifyTemplate).widgets]
    return " ".join(parts)


def _tab(rc, name: str) -> None:
    tabs = rc.find(v.Tabs).widget
    names = [t.children[0] for t in rc.find(v.Tab).widgets]
    tabs.v_model = names.index(name)


def _same_state(a: HedgeModel, b: HedgeModel) -> bool:
    return all(map(np.array_equal, a.world.state, b.world.state))


@pytest.fixture
def model() -> solara.Reactive[VizModel]:
    # A Reactive, so that the test sees the model Mesa's controller builds on Reset.
    return solara.reactive(VizModel(n_small=12, rng=1))


def test_inputs_are_the_models_with_readable_names_and_the_registrys_help():
    spec = inputs()
    assert set(spec) == set(inspect.signature(VizModel.__init__).parameters) - {"self"}
    for name, (label, _) in SLIDERS.items():
        assert spec[name].label == label != name
        assert spec[name].help == BY_NAME[name].meaning
        assert defaults()[name] == BY_NAME[name].default


def test_step_advances_the_model_and_redraws(model):
    rc = _render(model)
    assert "Year 2000: step 0 of" in _text(rc)
    before = _views(rc)
    assert len(before) == 3  # network, focal state, all states
    for _ in range(3):
        _click(rc, "Step")
    assert "Year 2003: step 3 of" in _text(rc)
    assert model.value.world.step == 3
    after = _views(rc)
    assert all(a != b for a, b in zip(before, after, strict=True))


def test_reset_builds_the_model_from_the_inputs(model):
    rc = _render(model)
    _click(rc, "Step")
    rc.find(v.Select, label="Scenario").widget.v_model = "vietnam"
    rc.find(v.Select, label="Focal strategy").widget.v_model = "balance"
    rc.find(v.Slider, label=SLIDERS["turnover_rate"][0]).widget.v_model = 0.5
    seed = rc.find(v.TextField, label="Random seed").widget
    seed.v_model = "7"  # the seed box hands the model a string
    seed.fire_event("focusout")  # InputText commits on focus-out or Enter
    _click(rc, "Reset")
    assert "Year 2007: step 0 of" in _text(rc)
    m = model.value
    assert (m.scenario_title, m.params.turnover_rate, m.notice) == ("vietnam", 0.5, "")
    assert set(m.world.strategy[m.world.focal]) == {0}  # balance
    assert m.world.names == ["Vietnam"]
    seeded, unseeded = (VizModel(scenario_name="vietnam", strategy="balance", turnover_rate=0.5,
                                 rng=seed) for seed in (7, 42))
    for _ in range(5):
        _click(rc, "Step")
        seeded.step()
        unseeded.step()
    assert _same_state(m, seeded) and not _same_state(m, unseeded)
    help_text = _text(rc)
    assert "turnover_rate" in help_text and "in effect: 0.5 (set here)" in help_text


def test_only_the_inputs_that_apply_are_offered(model):
    rc = _render(model)
    label = inputs()["n_small"].label
    slider = rc.find(v.Slider, label=label)
    slider.assert_single()
    slider.widget.v_model = 45
    _click(rc, "Reset")
    assert model.value.world.n_small == 45
    rc.find(v.Select, label="Scenario").widget.v_model = "vietnam"
    rc.find(v.Slider, label=label).assert_empty()  # the generic world's size means nothing here
    assert not applies("n_small", {"scenario_name": "ukraine", "scenario_file": ""})
    assert VizModel(scenario_name="ukraine", n_small=45).world.names == ["Ukraine"]


def test_the_scenario_menu_names_a_loaded_file(tmp_path, monkeypatch):
    monkeypatch.setenv(SCENARIO_DIRS_VAR, str(tmp_path))
    path = tmp_path / "mine.toml"
    text = (BUILTIN_DIR / "ukraine.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('name = "ukraine"', 'name = "mine"'), encoding="utf-8")
    m = VizModel(scenario_name="vietnam", scenario_file=f"  {path} ")
    assert (m.scenario_title, m.world.names, m.notice) == ("mine.toml", ["Ukraine"], "")
    rc = _render(solara.reactive(VizModel()))
    rc.find(v.TextField, label=inputs()["scenario_file"].label).widget.v_model = str(path)
    rc.find(v.TextField, label=inputs()["scenario_file"].label).widget.fire_event("focusout")
    _click(rc, "Reset")
    menu = rc.find(v.Select, label="Scenario").widget
    assert menu.v_model == "mine.toml" and "mine.toml" in menu.items


def test_unusable_file_or_seed_leaves_a_notice_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setenv(SCENARIO_DIRS_VAR, str(tmp_path))
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario\n")
    m = VizModel(scenario_name="belarus", scenario_file=str(bad), rng="x")
    assert m.world.names == ["Belarus"]
    assert "bad.toml: not a usable scenario file" in m.notice and "'x'" in m.notice
    rc = _render(solara.reactive(m))
    assert "bad.toml" in rc.find(v.Alert).widget.children[0]
    assert "-1" in VizModel(rng="-1").notice


def test_the_file_box_opens_scenarios_only_from_allowed_folders_and_echoes_nothing(
        tmp_path, monkeypatch):
    """/etc/shadow came back as a TOML error, and a file's values were echoed; now a file outside
    the built-ins, the current folder and --scenario-dir is refused unread, and an unusable one
    is named, never quoted."""
    secret = tmp_path / "secret.toml"
    secret.write_text('[scenario]\nname = "DB_PASSWORD=hunter2"\nstart_year = "hunter2"\n')
    for text in ("/etc/shadow", "/etc/passwd", str(secret), "../../etc/hosts"):
        m = VizModel(scenario_name="vietnam", scenario_file=text)
        assert m.world.names == ["Vietnam"] and "opens .toml files only from" in m.notice
    monkeypatch.setenv(SCENARIO_DIRS_VAR, str(tmp_path))
    m = VizModel(scenario_name="vietnam", scenario_file=str(secret))
    assert "not a usable scenario file" in m.notice and "hunter2" not in m.notice
    link = tmp_path / "link.toml"
    link.symlink_to("/etc/passwd")
    assert "only from" in VizModel(scenario_file=str(link)).notice


def test_slider_at_registry_default_keeps_the_scenario_value():
    default = BY_NAME["war_intercept"].default
    assert VizModel(war_intercept=default).params.war_intercept == default
    assert VizModel(war_intercept=default + 1).params.war_intercept == default + 1
    snapped = round(default / SLIDERS["war_intercept"][1]) * SLIDERS["war_intercept"][1]
    assert VizModel(war_intercept=snapped).overrides == {}  # as the browser's slider sends it


def test_the_page_runs_replicate_zero_of_its_seed():
    """So that ``hedgesim run SCENARIO --seed S`` gives the run on view."""
    page = VizModel(scenario_name="ukraine", rng=5)
    while page.running:
        page.step()
    engine = run_replicates("ukraine", replicates=1, seed=5).outcomes
    for name, values in outcome_columns(page.sim, False).items():
        np.testing.assert_array_equal(engine[name].to_numpy(), values)
    again = HedgeModel("ukraine", rng=explore.run_seed(5), collect=False).run()
    assert _same_state(page, again)


def test_step_back_and_on_gives_the_same_years(model):
    rc = _render(model)
    for _ in range(4):
        _click(rc, "Step")
    m = model.value
    at = [s.arrays for s in m.snapshots]
    _click(rc, "Step back")
    assert "Year 2003: step 3 of" in _text(rc)
    fresh = VizModel(n_small=12, rng=1)
    for _ in range(3):
        fresh.step()
    assert _same_state(m, fresh)
    year = rc.find(v.Slider, label="Year on view").widget
    year.v_model = m.world.start_year + 1
    assert m.world.step == 1 and len(m.series()["year"].unique()) == 2
    _click(rc, "Latest")
    assert m.world.step == 4
    year.v_model = m.world.start_year + 2
    _click(rc, "Step")  # on from year 2: year 3 again, and the later years dropped until rerun
    assert m.world.step == 3 and m.last_step == 3
    _click(rc, "Step")
    for now, then in zip(m.snapshots[4].arrays, at[4], strict=True):
        np.testing.assert_array_equal(now, then)


def test_side_by_side_runs_every_arm_on_the_runs_own_seed():
    m = VizModel(scenario_name="ukraine", strategy="hedge", rng=3)
    for _ in range(6):
        m.step()
    runs = explore.side_by_side(m.base, m.overrides, m.seed, explore.DEFAULT_ARMS)
    own = runs["hedge"]
    mine = m.series()
    np.testing.assert_allclose(own["autonomy"].to_numpy()[:len(mine)], mine["autonomy"])
    table = explore.side_by_side_table({a: s[s["year"] <= m.world.year] for a, s in runs.items()},
                                       "Ukraine")
    assert list(table["arm"]) == list(explore.DEFAULT_ARMS)
    assert table["vs historical"].iloc[0] == 0
    rc = _render(solara.reactive(m))
    _tab(rc, "Side by side")
    assert f"Ukraine, {m.span[0]}–{m.world.year}" in _text(rc)
    before = [w.value for w in rc.find(widgets.Image).widgets]
    _click(rc, "Step")
    assert [w.value for w in rc.find(widgets.Image).widgets] != before


def test_many_runs_are_paired_through_the_engine_and_shows_bands():
    m = VizModel(scenario_name="vietnam", rng=2)
    outcomes, series = explore.replicates(m.base, m.overrides, m.seed, ["historical", "balance"], 30)
    seeds = outcomes.groupby("arm")["seed"].apply(tuple)
    assert seeds["historical"] == seeds["balance"]  # the same seeds in every arm
    first = series[(series["arm"] == "historical") & (series["replicate"] == 0)]
    while m.running:
        m.step()
    np.testing.assert_allclose(first["autonomy"], m.series()["autonomy"])  # replicate 0: the page
    years = list(range(m.span[0], m.span[1] + 1))
    bands = explore.replicate_bands(series, "Vietnam", years)
    assert len(bands) == 2 * len(years)
    assert (bands["autonomy_q10"] <= bands["autonomy_median"]).all()
    assert (bands["autonomy_median"] <= bands["autonomy_q90"]).all()
    assert bands.groupby("arm")["ever_at_war"].apply(lambda s: s.is_monotonic_increasing).all()
    rc = _render(solara.reactive(VizModel(scenario_name="vietnam", rng=2)))
    _tab(rc, "Many runs")
    runs = rc.find(v.TextField, label=f"Runs per strategy (1 to {explore.MAX_REPLICATES})").widget
    runs.v_model = "20"
    runs.fire_event("focusout")
    _click(rc, "Run them")
    text = _text(rc)
    assert "20 runs per strategy" in text and "survival" in text
    assert len(rc.find(widgets.Image).widgets) == 1


def test_hovering_a_state_shows_its_strategy_threat_alignment_and_dependency():
    m = VizModel(scenario_name="vietnam", rng=0)
    page = NetworkFigure(m).html(m)
    titles = re.findall(r"<title>(.*?)</title>", page, re.S)
    assert len(titles) == m.world.n_great + len(m.world.partner_names) - m.world.n_great - 1 + 1
    vietnam = next(t for t in titles if t.startswith("Vietnam"))
    for word in ("hedge", "threat", "alignment", "dependency", "China", "USA", "Japan"):
        assert word in vietnam
    assert any(t.startswith("ASEAN") for t in titles)
    assert "data:image/png;base64," in page


def test_series_start_empty_on_the_scenarios_own_years():
    m = VizModel(scenario_name="vietnam")
    fig = focal_figure(m.series(), "Vietnam", m.world.gp_names, m.span, m.world.year)
    assert fig.axes[0].get_xlim() == (2006.5, 2027.5)
    assert world_figure(m.model_series(), m.span, None).axes[1].get_xlim() == (2006.5, 2027.5)


def test_exports_reproduce_the_run(tmp_path, monkeypatch):
    m = VizModel(n_small=20, war_intercept=-3.0, strategy="hedge", rng=9)
    for _ in range(5):
        m.step()
    text = scenario_toml(m)
    data = tomllib.loads(text)
    assert data["params"]["war_intercept"] == -3.0 and data["generic"]["n_small"] == 20
    assert "--strategy hedge --seed 9 --replicates 1" in text
    path = tmp_path / "exported.toml"
    path.write_text(text)
    again = HedgeModel(load_scenario(path), strategy="hedge", rng=explore.run_seed(9),
                       collect=False)
    for _ in range(5):
        again.step()
    assert _same_state(m, again)
    rc = _render(solara.reactive(m))
    names = {w.filename for w in rc.find(FileDownloadWidget).widgets}
    stem = f"{m.scenario_title}-{m.world.year}"
    assert names == {f"{stem}-focal.csv", f"{stem}-world.csv", f"{stem}-network.png",
                     f"{stem}-network.svg", f"{stem}-{m.focal_names[0]}.svg", f"{stem}.toml"}


def test_layout_is_fixed_per_world_and_seeded():
    a, b = VizModel(n_small=40, rng=3), VizModel(n_small=40, rng=3)
    pos = layout(a)
    for _ in range(10):
        a.step()
    assert layout(a) is pos  # cached: a step does not move the states
    _layout.cache_clear()
    np.testing.assert_array_equal(layout(b), pos)  # recomputed from the seed, the same
    assert pos.shape == (a.world.n_great + len(partners(a)) + a.world.n_small, 2)
    assert not np.array_equal(layout(VizModel(n_small=40, rng=4)), pos)


def _line_colours(fig) -> list[tuple[float, ...]]:
    return [tuple(c.get_edgecolor()[0][:3]) for c in fig.axes[0].collections
            if isinstance(c, LineCollection)]


def test_figures_mark_war_and_coercion():
    m = VizModel(scenario_name="ukraine", rng=0)
    war, coercion = to_rgb(WAR_COLOUR), to_rgb(COERCION_COLOUR)
    quiet = _line_colours(network_figure(m))
    m.world.at_war[0, 0] = True
    m.world.coerced[0, 1] = True
    marked = _line_colours(network_figure(m))
    assert war not in quiet and coercion not in quiet
    assert war in marked and coercion in marked


def test_viz_command_serves_app_offline_on_localhost(monkeypatch):
    calls = []

    class Server:
        def __init__(self, cmd, env, preexec_fn):
            calls.append((cmd, env))
            assert preexec_fn.__name__ == "die_with_parent"  # the server ends with the command

        def wait(self, timeout=None):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr("subprocess.Popen", Server)
    assert cli.main(["viz", "--port", "8123", "--no-open"]) == 0
    (cmd, env), = calls
    assert cmd == server_command("127.0.0.1", 8123, open_browser=False)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and "--no-open" in cmd
    assert all(env[k] == val for k, val in OFFLINE_ENV.items())
    assert cli.main(["viz", "--port", "70000"]) == 2


def test_a_crowded_network_labels_at_most_ten_states():
    from hedgesim.viz.figures import CROWD_LABELS, _labelled

    crowded = VizModel(n_small=200, rng=1)
    assert len(_labelled(crowded)) <= CROWD_LABELS
    small = VizModel(n_small=10, rng=1)
    assert len(_labelled(small)) == 10


def test_any_parameter_set_from_the_page_is_in_effect_and_exported(tmp_path):
    """A case's lever set through ``extra`` is in the run, and the exported scenario file
    carries it; a value the scenario's checks refuse is named in the notice, not applied."""
    m = VizModel(scenario_name="ukraine", extra={"Russia.revisionism": 0.5,
                                                 "Ukraine.trade.Russia": 0.2,
                                                 "war_slope": 1.0})
    russia = m.world.gp_names.index("Russia")
    assert m.world.revisionism[russia] == 0.5 and m.params["war_slope"] == 1.0 and not m.notice
    data = tomllib.loads(scenario_toml(m))
    entity = next(e for e in data["great_power"] if e["name"] == "Russia")
    assert entity["revisionism"] == 0.5 and data["params"]["war_slope"] == 1.0
    state = next(e for e in data["small_state"] if e["name"] == "Ukraine")
    assert state["trade"]["Russia"] == 0.2
    bad = VizModel(scenario_name="ukraine", extra={"Russia.revisionism": 1.5})
    assert "Russia.revisionism" in bad.notice and "not applied" in bad.notice
    assert bad.world.revisionism[russia] == 0.8

"""The interactive page rendered headless (as Mesa's own visualization tests do): inputs reach the
model on Reset, Step advances it and redraws the figures, and the seed box's string is accepted."""

from __future__ import annotations

import inspect

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb

from hedgesim import cli
from hedgesim.viz import OFFLINE_ENV, server_command
from hedgesim.viz.page import (
    COERCION_COLOUR,
    COMPONENTS,
    SCENARIO_DIRS_VAR,
    SLIDERS,
    WAR_COLOUR,
    VizModel,
    _layout,
    focal_figure,
    layout,
    make_page,
    model_params,
    network_figure,
    world_figure,
)
from scenarios.loader import BUILTIN_DIR, builtin_names
from scenarios.params import BY_NAME


def _render(model: solara.Reactive[VizModel]):
    # Sidebar and app-bar content is portalled: AppLayout puts it into the widget tree.
    _, rc = solara.render(solara.AppLayout(children=[make_page(model)]), handle_error=False)
    return rc


def _click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def _images(rc) -> list[bytes]:
    return [w.value for w in rc.find(widgets.Image).widgets]


@pytest.fixture
def model() -> solara.Reactive[VizModel]:
    # A Reactive, so that the test sees the model SolaraViz builds on Reset.
    return solara.reactive(VizModel(n_small=12, rng=1))


def test_page_offers_every_parameter_the_model_takes():
    params = model_params()
    assert set(params) == set(inspect.signature(VizModel.__init__).parameters) - {"self"}
    assert params["scenario_name"]["values"] == builtin_names()
    for name in SLIDERS:
        p = BY_NAME[name]
        assert (params[name]["min"], params[name]["max"], params[name]["value"]) == (
            p.low, p.high, p.default)


def test_step_advances_the_model_and_redraws(model):
    rc = _render(model)
    rc.find(children=["Time: 0.0"]).assert_single()
    before = _images(rc)
    assert len(before) == len(COMPONENTS)
    for _ in range(3):
        _click(rc, "Step")
    rc.find(children=["Time: 3.0"]).assert_single()
    assert model.value.world.step == 3
    after = _images(rc)
    assert all(a != b for a, b in zip(before, after, strict=True))


def test_reset_builds_the_model_from_the_inputs(model):
    rc = _render(model)
    _click(rc, "Step")
    rc.find(v.Select, label="Scenario").widget.v_model = "vietnam"
    rc.find(v.Select, label="Focal strategy").widget.v_model = "balance"
    rc.find(v.Slider, label="turnover_rate").widget.v_model = 0.5
    seed = rc.find(v.TextField, label="Random seed").widget
    seed.v_model = "7"  # the seed box hands the model a string
    seed.fire_event("focusout")  # InputText commits on focus-out or Enter
    _click(rc, "Reset")
    rc.find(children=["Time: 0.0"]).assert_single()
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
    for page, same in zip(m.world.state, seeded.world.state, strict=True):
        np.testing.assert_array_equal(page, same)
    assert not all(map(np.array_equal, m.world.state, unseeded.world.state))


def test_generic_size_slider_reaches_the_world(model):
    rc = _render(model)
    rc.find(v.Slider, label="Small states (generic)").widget.v_model = 45
    _click(rc, "Reset")
    assert model.value.world.n_small == 45
    assert VizModel(scenario_name="ukraine", n_small=45).world.names == ["Ukraine"]


def test_unusable_file_or_seed_leaves_a_notice_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setenv(SCENARIO_DIRS_VAR, str(tmp_path))
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario\n")
    m = VizModel(scenario_name="belarus", scenario_file=str(bad), rng="x")
    assert m.world.names == ["Belarus"]
    assert "bad.toml: not a usable scenario file" in m.notice and "'x'" in m.notice
    _, rc = solara.render(solara.AppLayout(children=[make_page(m)]), handle_error=False)
    assert "bad.toml" in rc.find(v.Alert).widget.children[0]


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


def test_scenario_file_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv(SCENARIO_DIRS_VAR, str(tmp_path))
    path = tmp_path / "mine.toml"
    text = (BUILTIN_DIR / "ukraine.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('name = "ukraine"', 'name = "mine"'), encoding="utf-8")
    m = VizModel(scenario_name="vietnam", scenario_file=f"  {path} ")
    assert (m.scenario_title, m.world.names, m.notice) == ("mine", ["Ukraine"], "")


def test_slider_at_registry_default_keeps_the_scenario_value():
    default = BY_NAME["war_intercept"].default
    assert VizModel(war_intercept=default).params.war_intercept == default
    assert VizModel(war_intercept=default + 1).params.war_intercept == default + 1


def test_layout_is_fixed_per_world_and_seeded():
    a, b = VizModel(n_small=40, rng=3), VizModel(n_small=40, rng=3)
    pos = layout(a)
    for _ in range(3):
        a.step()
    assert layout(a) is pos  # cached: a step does not move the states
    _layout.cache_clear()
    np.testing.assert_array_equal(layout(b), pos)  # recomputed from the seed, the same
    assert pos.shape == (a.world.n_great + a.world.n_small, 2)
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
    m.step()
    assert len(focal_figure(m, "Ukraine").axes) == 3
    assert len(world_figure(m).axes) == 2


def test_viz_command_serves_app_offline_on_localhost(monkeypatch):
    calls = []

    class Server:
        def __init__(self, cmd, env):
            calls.append((cmd, env))

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

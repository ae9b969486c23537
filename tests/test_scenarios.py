"""Scenario files: the built-ins load, and every kind of bad input gives one clear line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from hedgesim.scenarios.loader import BUILTIN_DIR, ScenarioError, builtin_names, load_scenario

UKRAINE = (BUILTIN_DIR / "ukraine.toml").read_text()


def test_builtins_load():
    assert set(builtin_names()) >= {"ukraine", "vietnam", "belarus", "generic"}
    for name in builtin_names():
        scenario = load_scenario(name)
        assert scenario.focal_names or scenario.generic is not None


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("revisionism = 0.8", "revisionism = 1.8", "'revisionism' = 1.8 is out of range"),
    ("revisionism = 0.8", 'revisionism = "high"', "'revisionism' must be a number"),
    ("revisionism = 0.8", "revisionism = 0.8\nfoo = 1", "unknown field 'foo'"),
    ("trade = { Russia = 0.29, West = 0.30 }", "trade = { Russia = 0.79, West = 0.30 }",
     "'trade': shares sum to 1.09, above 1"),
    ("proximity = { Russia = 1.0, West = 0.6 }", "proximity = { Russia = 1.0, Atlantis = 0.6 }",
     "'proximity.Atlantis': no such great power"),
    ('{ from = 2010, strategy = "bandwagon" }', '{ from = 2010, strategy = "appease" }',
     "schedule #3: field 'strategy' must be one of"),
    ('{ from = 2010, strategy = "bandwagon" }', '{ from = 2001, strategy = "bandwagon" }',
     "schedule years must increase"),
    ("steps = 20", "steps = 0", "field 'steps' = 0 is out of range"),
    ("steps = 20", "steps = 20.5", "field 'steps' must be int"),
    ('strategy = "hedge"', 'strategy = "neutral"', "'strategy' must be one of"),
    ("[scenario]", "[scenery]\n[scenario]", "unknown section [scenery]"),
    ("focal = true", "focal = 1", "'focal' must be true or false"),
])
def test_each_validation_error_names_file_entry_and_field(tmp_path, old, new, expected):
    assert old in UKRAINE
    message = _error(tmp_path, UKRAINE.replace(old, new, 1))
    assert expected in message


def test_entry_is_named(tmp_path):
    message = _error(tmp_path, UKRAINE.replace("revisionism = 0.8", "revisionism = -1", 1))
    assert "great_power 'Russia'" in message


def test_not_toml_and_missing_parts(tmp_path):
    assert "not valid TOML" in _error(tmp_path, "[scenario\nname=")
    assert "missing field 'name'" in _error(tmp_path, "[scenario]\nstart_year = 2000\nsteps = 3\n")
    assert "at least one [[great_power]]" in _error(
        tmp_path, '[scenario]\nname = "x"\nstart_year = 2000\nsteps = 3\n')
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario("atlantis")


def test_duplicate_names_and_unknown_params(tmp_path):
    doubled = UKRAINE.replace('name = "West"', 'name = "Russia"', 1)
    assert "used twice" in _error(tmp_path, doubled)
    assert "unknown parameter 'war_slopes'" in _error(
        tmp_path, UKRAINE.replace("steps = 20", "steps = 20\n\n[params]\nwar_slopes = 1", 1))


def test_overrides_are_validated_like_the_file():
    scenario = load_scenario("ukraine")
    assert scenario.with_overrides({"Russia.revisionism": 0.5}).great_powers[0]["revisionism"] == 0.5
    assert scenario.with_overrides({"Ukraine.trade.Russia": 0.1}).small_states[0]["trade"][
        "Russia"] == 0.1
    for bad, expected in (({"Russia.revisionism": 2}, "out of range"),
                          ({"Atlantis.revisionism": 0.1}, "unknown parameter"),
                          ({"Ukraine.trade.Mars": 0.1}, "takes one of"),
                          ({"Ukraine.trade.Russia": 0.9}, "above 1"),
                          ({"activation": "sometimes"}, "must be one of"),
                          ({"war_slope": float("nan")}, "must be a number")):
        with pytest.raises(ScenarioError, match=expected):
            scenario.with_overrides(bad)


def test_toml_is_data_only():
    """Nothing in a scenario executes: the loader uses tomllib and never evaluates strings."""
    data = tomllib.loads(UKRAINE)
    assert isinstance(data["great_power"][0]["name"], str)
    source = (BUILTIN_DIR / "loader.py").read_text()
    assert "eval(" not in source and "exec(" not in source and "import_module" not in source


def test_generic_is_drawn_from_its_seed():
    import numpy as np

    scenario = load_scenario("generic").with_overrides({"generic.n_small": 12})
    a = scenario.concretise(np.random.default_rng(3))
    b = scenario.concretise(np.random.default_rng(3))
    c = scenario.concretise(np.random.default_rng(4))
    assert a.small_states == b.small_states and a.small_states != c.small_states
    assert len(a.small_states) == 12

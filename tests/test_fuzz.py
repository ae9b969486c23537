"""Fuzzing in the suite: mutations of the shipped scenario and sweep files either work or fail
with one line (exit 2, no traceback) and write nothing. Under CI the search is derandomised
(tests/conftest.py), so it is the same every run."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hedgesim.cli import main
from hedgesim.experiments.sweep import load_sweep
from hedgesim.scenarios.loader import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
SWEEPS = sorted((ROOT / "experiments").glob("*.toml"))
NASTY = ["-1", "0", "1e309", "-1e309", "nan", "inf", '"x"', '""', "true", "[]", "{}", "[[1]]",
         "[1, 2, 3]", '{ a = 1 }', "1900", "99999999999999999999", '"\\u001b[31m"',
         '"' + "a" * 5000 + '"', "2020-01-01", '"rest of world"', '"Russia"']


@st.composite
def mutated(draw, files: list[Path]) -> str:
    text = draw(st.sampled_from(files)).read_text(encoding="utf-8")
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "value", "key", "truncate",
                                     "bytes", "header"]))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(st.sampled_from(NASTY))}"
        elif kind == "key" and "=" in lines[i]:
            lines[i] = f"{draw(st.sampled_from(['bogus', 'name', 'focal', 'a.b.c']))} =" + \
                lines[i].split("=", 1)[1]
        elif kind == "truncate":
            lines = lines[:i]
        elif kind == "bytes":
            lines[i] = lines[i][: len(lines[i]) // 2] + draw(st.text(max_size=8))
        else:
            lines.insert(i, draw(st.sampled_from(["[scenario]", "[[small_state]]", "[params]",
                                                  "[[great_power]]", "[generic]", "[[study]]"])))
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=mutated(SCENARIOS))
def test_a_mutated_scenario_runs_or_fails_in_one_line(text, tmp_path_factory, capsys):
    folder = tmp_path_factory.mktemp("fuzz")
    path, out = folder / "s.toml", folder / "out"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    capsys.readouterr()
    code = main(["run", str(path), "--replicates", "1", "--steps", "2", "--workers", "1",
                 "--out", str(out), "--json"])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("hedgesim: error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err and not out.exists()


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=mutated(SWEEPS))
def test_a_mutated_sweep_loads_or_fails_in_one_line(text, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "sweep.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        sweep = load_sweep(path)
    except ScenarioError as err:
        assert "\n" not in str(err) and str(path) in str(err)
        return
    assert next(sweep.runs(), None) is not None  # a valid mutation still makes a design

"""Sweeps: designs, definitions, executors, resume, failures, analysis, Mesa interop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from hedgesim.experiments import analysis, design, engine, runner
from hedgesim.experiments.engine import Executor, replicate_seeds
from hedgesim.experiments.sweep import Factor, Study, load_sweep, parse_sweep
from hedgesim.model.agents import SmallState
from hedgesim.model.model import HedgeModel, Simulation
from hedgesim.model.records import outcomes
from hedgesim.scenarios.ensemble import Member, ensemble_toml, identity
from hedgesim.scenarios.loader import InputError, ScenarioError
from hedgesim.sweeps import sweep_command

ROOT = Path(__file__).resolve().parents[1]


def tiny(replicates: int = 3, n_small: int = 4, steps: int = 8, **study) -> dict:
    """A sweep small enough to run many times in a test."""
    sampled = study.get("design", "grid") != "grid"
    return {
        "sweep": {"name": "tiny", "seed": 7, "replicates": replicates},
        "study": [{"name": "g", "scenario": "generic", "steps": steps,
                   "fixed": {"generic.n_small": n_small},
                   "vary": {"generic.revisionism_mean": ({"low": 0.2, "high": 0.8} if sampled
                                                         else [0.2, 0.8]),
                            "generic.border_share": {"low": 0.1, "high": 0.7,
                                                     **({} if sampled else {"levels": 2})}},
                   "regime": ["generic.revisionism_mean", "generic.border_share"], **study}],
    }


# Designs ---------------------------------------------------------------------------------

def test_grid_is_the_full_factorial_last_factor_fastest():
    assert design.grid([[1, 2], ["a", "b", "c"]]) == [
        (1, "a"), (1, "b"), (1, "c"), (2, "a"), (2, "b"), (2, "c")]


def test_latin_hypercube_puts_one_point_in_each_slice():
    prob = design.problem(["x", "y"], [(0.0, 1.0), (10.0, 20.0)])
    x = design.latin_hypercube(prob, 8, seed=3)
    assert x.shape == (8, 2)
    for j, (low, high) in enumerate(prob["bounds"]):
        slices = np.floor((x[:, j] - low) / (high - low) * 8).astype(int)
        assert sorted(slices) == list(range(8))
    assert np.array_equal(x, design.latin_hypercube(prob, 8, seed=3))


def test_sobol_and_morris_sizes_and_bounds():
    prob = design.problem(["a", "b", "c"], [(0, 1), (2, 3), (-1, 1)])
    s = design.sobol(prob, 8, seed=1)
    m = design.morris(prob, 5, seed=1)
    assert s.shape == (8 * (3 + 2), 3)
    assert m.shape == (5 * (3 + 1), 3)
    for x in (s, m):
        assert np.all(x >= [0, 2, -1]) and np.all(x <= [1, 3, 1])
    # a Morris trajectory moves one factor at a time
    steps = np.diff(m[:4], axis=0)
    assert np.all((steps != 0).sum(axis=1) == 1)


def test_sweep_points_runs_and_seeds():
    sweep = parse_sweep(tiny())
    points = sweep.studies[0].points(sweep.seed)
    assert points.to_dict("list") == {"generic.revisionism_mean": [0.2, 0.2, 0.8, 0.8],
                                      "generic.border_share": [0.1, 0.7, 0.1, 0.7]}
    runs = list(sweep.runs())
    assert len(runs) == 4 * 3 == sweep.size()
    assert [r.seed for r in runs] == replicate_seeds(7, 12)
    spawned = np.random.SeedSequence(7).spawn(12)  # run i's seed: numpy's i-th spawned child's
    assert replicate_seeds(7, 12) == [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1))
                                      for c in spawned]
    assert dict(runs[5].overrides) == {"generic.n_small": 4, "generic.revisionism_mean": 0.2,
                                       "generic.border_share": 0.7}


def test_labelled_levels_set_several_parameters():
    data = tiny()
    data["study"][0]["vary"] = {"population": {
        "adaptive": {}, "all balance": {"generic.share_balance": 1.0},
        "thirds": {"generic.share_balance": 0.34, "generic.share_hedge": 0.33}}}
    del data["study"][0]["regime"]
    runs = list(parse_sweep(data).runs())
    assert [dict(r.params)["population"] for r in runs[::3]] == ["adaptive", "all balance",
                                                                 "thirds"]
    assert dict(runs[6].overrides)["generic.share_hedge"] == 0.33


def test_integer_ranges_in_sampled_designs_are_rounded():
    data = tiny(design="lhs", samples=6)
    data["study"][0]["vary"] = {"generic.n_small": {"low": 2, "high": 9},
                                "generic.border_share": {"low": 0.1, "high": 0.7}}
    data["study"][0]["regime"] = ["generic.n_small", "generic.border_share"]
    data["study"][0]["fixed"] = {}  # n_small is varied here
    points = parse_sweep(data).studies[0].points(7)
    assert points["generic.n_small"].dtype.kind == "i"
    assert points["generic.n_small"].between(2, 9).all()


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["sweep"].update(arms=["hedge", "dither"]), "[sweep]: field 'arms'"),
    (lambda d: d["study"][0]["vary"].update({"no_such_param": [1, 2]}),
     "study 'g': vary 'no_such_param'"),
    (lambda d: d["study"][0]["vary"].update({"generic.n_small": [5, -1]}),
     "study 'g': vary 'generic.n_small'"),
    (lambda d: d["study"][0].update(regime=["generic.revisionism_mean", "war_slope"]),
     "study 'g': field 'regime'"),
    (lambda d: d["study"][0].update(design="sobol", samples=6), "field 'samples'"),
    (lambda d: d["study"][0].update(colour="red"), "study 'g': unknown field 'colour'"),
    (lambda d: d["study"][0].update(scenario="atlantis"), "study 'g': field 'scenario'"),
    (lambda d: d["study"][0]["vary"].update({"generic.n_small": [3, 5]}),
     "'generic.n_small' is both fixed and varied"),
    (lambda d: d["study"][0].update(regime=[[1], [2]]), "study 'g': field 'regime'"),
    (lambda d: d["study"][0]["vary"].update({"lead": {"a": {"war_slope": 1.0}}}),
     "vary 'lead': a factor may not take the name"),
    (lambda d: d["study"][0]["vary"].update(
        {"war_slope": {"low": 1.0, "high": 2.0, "levels": 2**63 - 1}}), "levels = 9,223"),
    (lambda d: d["sweep"].update(description="bell\x07 and \x1b[31m"), "control character"),
])
def test_bad_sweeps_are_one_line_errors_naming_file_entry_field(edit, message):
    data = tiny()
    edit(data)
    with pytest.raises(ScenarioError) as err:
        parse_sweep(data, "my.toml")
    assert str(err.value).startswith("my.toml: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_shipped_sweeps_are_valid():
    for name in ("quick", "full", "population"):
        sweep = load_sweep(ROOT / "experiments" / f"{name}.toml")
        assert sweep.size() == len(list(sweep.runs())) > 0


# Executors, resume, failures -------------------------------------------------------------

def frame(out: Path) -> pd.DataFrame:
    return runner.load_results(out)


def test_results_do_not_depend_on_workers_or_executor(tmp_path):
    """The same rows from every executor; and the Parquet parts that workers pack are, byte
    for byte, the parts this process packs."""
    sweep = parse_sweep(tiny())
    runner.run_sweep(sweep, tmp_path / "w1", Executor("serial"), batch=2)
    runner.run_sweep(sweep, tmp_path / "w2", Executor("processes", 2, serial_below=0), batch=2)
    runner.run_sweep(sweep, tmp_path / "dask", Executor("dask", 2, dask_processes=False), batch=3)
    parts = {w: {p.name: p.read_bytes() for p in (tmp_path / w / "runs").glob("*part-*")}
             for w in ("w1", "w2")}
    assert len(parts["w1"]) == 12 and parts["w1"] == parts["w2"]  # 6 parts, 6 checksums
    one = frame(tmp_path / "w1")
    assert len(one) == 12 * 3 * 4 and one["error"].isna().all()  # runs × arms × focal states
    pd.testing.assert_frame_equal(one, frame(tmp_path / "w2"))
    pd.testing.assert_frame_equal(one, frame(tmp_path / "dask"))
    # common random numbers: every arm of a run has the run's seed
    assert (one.groupby("run")["seed"].nunique() == 1).all()
    # one pandas call loads the dataset
    assert len(pd.read_parquet(tmp_path / "w1" / "runs")) == len(one)


def test_the_union_of_shards_is_the_unsharded_sweep_row_for_row(tmp_path):
    sweep = parse_sweep(tiny())
    whole = tmp_path / "whole"
    runner.run_sweep(sweep, whole)
    for i in range(3):  # shards in their own directories ...
        done = runner.run_sweep(sweep, tmp_path / f"shard{i}", shard=(i, 3))
        assert done.total == 4
    shards = [tmp_path / f"shard{i}" for i in range(3)]
    pd.testing.assert_frame_equal(runner.load_results(*shards), frame(whole))
    for i in (1, 0):  # ... or sharing one
        runner.run_sweep(sweep, tmp_path / "shared", shard=(i, 2))
    pd.testing.assert_frame_equal(frame(tmp_path / "shared"), frame(whole))
    assert runner.load_manifest(*shards)["digest"] == sweep.digest()
    with pytest.raises(InputError, match="I/N"):
        runner.parse_shard("3/3")


def test_rerun_skips_completed_runs_and_a_different_sweep_is_refused(tmp_path):
    sweep = parse_sweep(tiny())
    runner.run_sweep(sweep, tmp_path)
    again = runner.run_sweep(sweep, tmp_path)
    assert again.skipped == again.total == 12
    assert frame(tmp_path)["run"].nunique() == 12
    with pytest.raises(InputError, match="different sweep"):
        runner.run_sweep(parse_sweep(tiny(replicates=4)), tmp_path)


def test_resume_after_kill_9_equals_uninterrupted(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text(textwrap.dedent("""
        [sweep]
        name = "killme"
        seed = 11
        replicates = 40
        [[study]]
        name = "g"
        scenario = "generic"
        steps = 30
        fixed = { "generic.n_small" = 10 }
        vary = { "generic.revisionism_mean" = [0.3, 0.7] }
        """))
    out = tmp_path / "out"
    script = ("import sys; from hedgesim.experiments.runner import run_sweep; "
              "from hedgesim.experiments.sweep import load_sweep; "
              "run_sweep(load_sweep(sys.argv[1]), sys.argv[2], batch=2)")
    proc = subprocess.Popen([sys.executable, "-c", script, str(toml), str(out)], cwd=ROOT)
    deadline = time.time() + 60
    while len(list((out / "runs").glob("part-*.parquet"))) < 3 and time.time() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = runner.completed(out)
    assert 0 < len(partial) < 80, "the kill must land mid-sweep"
    sweep = load_sweep(toml)
    resumed = runner.run_sweep(sweep, out)
    assert resumed.skipped == len(partial)
    runner.run_sweep(sweep, tmp_path / "clean", Executor("processes", 2, serial_below=0))
    pd.testing.assert_frame_equal(frame(out), frame(tmp_path / "clean"))


def test_a_failing_run_is_recorded_and_the_rest_go_on(tmp_path, monkeypatch, capsys):
    sweep = parse_sweep(tiny())
    bad_seed = list(sweep.runs())[4].seed
    real = engine.simulate

    def flaky(setting, seed, **kwargs):
        if seed == bad_seed and setting.arm == "hedge":
            raise FloatingPointError("model blew up")
        return real(setting, seed, **kwargs)

    monkeypatch.setattr(engine, "simulate", flaky)
    toml = tmp_path / "tiny.toml"
    toml.write_text(textwrap.dedent("""
        [sweep]
        name = "tiny"
        seed = 7
        replicates = 3
        [[study]]
        name = "g"
        scenario = "generic"
        steps = 8
        fixed = { "generic.n_small" = 4 }
        regime = ["generic.revisionism_mean", "generic.border_share"]
        [study.vary]
        "generic.revisionism_mean" = [0.2, 0.8]
        "generic.border_share" = { low = 0.1, high = 0.7, levels = 2 }
        """))
    args = type("Args", (), {"sweep": str(toml), "out": str(tmp_path / "out"), "workers": 1,
                             "executor": None, "scheduler": None, "no_report": False,
                             "quiet": True, "shard": None, "ensemble": None})
    assert sweep_command(args) == 1
    assert "1 run(s) failed" in capsys.readouterr().err
    results = frame(tmp_path / "out")
    failed = results[results["error"].notna()]
    assert failed[["run", "arm"]].values.tolist() == [[4, "hedge"]]
    assert "FloatingPointError: model blew up" in failed["error"].iloc[0]
    assert failed["generic.border_share"].iloc[0] == 0.7 and pd.isna(failed["survived"].iloc[0])
    assert results.loc[results["error"].isna(), ["run", "arm"]].drop_duplicates().shape[0] == 35
    report = tmp_path / "out" / "report"
    assert pd.read_csv(report / "failures.csv")["run"].tolist() == [4]
    by_arm = pd.read_csv(report / "by_arm.csv").set_index("arm")
    assert by_arm.loc["hedge", "runs"] == 11 and by_arm.loc["balance", "runs"] == 12


# Analysis ---------------------------------------------------------------------------------

@pytest.fixture
def fixture_table() -> pd.DataFrame:
    """Four runs, two arms, one focal state each (run 3 has four focal states for balance)."""
    rows = []
    hedge = dict(survived=[1, 1, 1, 0], attacked=[0, 0, 1, 1], years=[-1, -1, 4, 3],
                 autonomy=[0.8, 0.6, 0.7, 0.5], lived=[5, 5, 5, 3])
    balance = dict(survived=[1, 0, 0, 0], attacked=[0, 1, 1, 1], years=[-1, 2, 2, 4],
                   autonomy=[0.4, 0.2, 0.3, 0.1], lived=[5, 2, 2, 4])
    for arm, spec in (("hedge", hedge), ("balance", balance)):
        for run in range(4):
            rows.append({"run": run, "seed": 100 + run, "study": "s", "point": run // 2,
                         "arm": arm, "state": "a", "survived": bool(spec["survived"][run]),
                         "attacked": bool(spec["attacked"][run]),
                         "years_to_war": spec["years"][run],
                         "autonomy_mean": spec["autonomy"][run], "welfare_final": 1.0,
                         "coercions": 0, "territory_lost": 0.0,
                         "years_lived": spec["lived"][run], "steps": 5,
                         **{f"{part}_mean": 0.1 for part in ("leverage", "bases",
                                                             "obligations", "concessions")},
                         "error": None, "x": [0.1, 0.1, 0.9, 0.9][run], "y": 1.0})
    return pd.DataFrame(rows)


def test_arm_statistics_by_hand(fixture_table):
    table = analysis.summarise(fixture_table, ["study", "arm"], seed=0).set_index("arm")
    hedge = table.loc["hedge"]
    assert hedge["survived"] == 0.75
    # Wilson 3/4: centre (0.75 + z²/8) / (1 + z²/4), half-width z·sqrt(3/64 + z²/64) / (1 + z²/4)
    assert hedge["survived_lo"] == pytest.approx(0.300642, abs=1e-6)
    assert hedge["survived_hi"] == pytest.approx(0.954413, abs=1e-6)
    assert hedge["attacked"] == 0.5 and hedge["autonomy_mean"] == pytest.approx(0.65)
    assert hedge["years_to_war"] == 3.5 and hedge["years_to_war_events"] == 2
    assert table.loc["balance", "survived"] == 0.25
    assert table.loc["balance", "years_to_war"] == 2.0
    assert hedge["autonomy_mean_lo"] <= 0.65 <= hedge["autonomy_mean_hi"]


def test_pooling_over_focal_states(fixture_table):
    extra = fixture_table[(fixture_table["run"] == 3) & (fixture_table["arm"] == "balance")]
    more = pd.concat([extra.assign(state=name, survived=alive) for name, alive in
                      (("b", True), ("c", True), ("d", False))])
    t = pd.concat([fixture_table, more], ignore_index=True)
    balance = analysis.summarise(t, ["study", "arm"], seed=0).set_index("arm").loc["balance"]
    assert balance["states"] == 7 and balance["runs"] == 4
    assert balance["survived"] == pytest.approx(3 / 7)


def test_paired_differences_by_hand(fixture_table):
    pairs = analysis.paired(fixture_table, ["study"], seed=0,
                            comparisons=[("hedge", "balance")]).set_index("metric")
    assert pairs.loc["survival", "difference"] == 0.5      # per run: 0, 1, 1, 0
    assert pairs.loc["autonomy", "difference"] == pytest.approx(0.4)  # 0.4 in every run
    assert pairs.loc["autonomy", "lo"] == pytest.approx(0.4)
    assert pairs.loc["survival", "lo"] < 0.5 < pairs.loc["survival", "hi"]
    assert pairs.loc["survival", "runs"] == 4


def test_kaplan_meier_curves_by_hand(fixture_table):
    curves = analysis.survival_curves(fixture_table, ["arm"])
    balance = curves[curves["arm"] == "balance"].set_index("time")
    # times 5 (censored), 2, 2, 4: S(2) = 1 - 2/4, S(4) = 0.5 * (1 - 1/2)
    assert balance.loc[2.0, "survival"] == 0.5 and balance.loc[4.0, "survival"] == 0.25
    assert balance.loc[5.0, "survival"] == 0.25 and balance.loc[2.0, "at_risk"] == 4
    assert (balance["lo"] <= balance["survival"]).all() and (balance["survival"] <= balance["hi"]).all()
    hedge = curves[curves["arm"] == "hedge"].set_index("time")["survival"]
    assert hedge.loc[3.0] == pytest.approx(0.75) and hedge.loc[5.0] == pytest.approx(0.75)


def test_hazard_ratio_of_the_arms(fixture_table):
    """Balance ends three states out of four, hedge one: its hazard is clearly higher, and the
    Cox model's ratio is the one lifelines gives for the same data."""
    from lifelines import CoxPHFitter

    ratios = analysis.hazard_ratios(fixture_table, ["study"], pairs=[("balance", "hedge")],
                                    events=["end"]).iloc[0]
    data = pd.DataFrame({"t": fixture_table["years_lived"], "e": ~fixture_table["survived"],
                         "x": (fixture_table["arm"] == "balance").astype(float)})
    expected = np.exp(CoxPHFitter().fit(data, "t", "e").params_["x"])
    assert ratios["hazard_ratio"] == pytest.approx(expected) and ratios["hazard_ratio"] > 1
    assert ratios["lo"] < ratios["hazard_ratio"] < ratios["hi"] and ratios["events"] == 4


def test_regime_map_picks_the_best_arm_per_cell(fixture_table):
    study = Study("s", "generic", "grid", (Factor("x", (0.1, 0.9)), Factor("y", (1.0,))), 0, 2,
                  5, (), ("x", "y"))
    regime = analysis.regime_map(fixture_table, study, seed=0).set_index(["x", "metric"])
    assert regime.loc[(0.1, "autonomy"), "best"] == "hedge"
    assert regime.loc[(0.1, "autonomy"), "lead"] == pytest.approx(0.4)
    assert regime.loc[(0.1, "autonomy"), "clear"]
    assert regime.loc[(0.1, "survival"), "lead"] == 0.5   # runs 0, 1: hedge 1, 1; balance 1, 0
    assert not regime.loc[(0.1, "survival"), "clear"]     # two runs cannot make it clear
    tied = fixture_table.assign(survived=True)
    cell = analysis.regime_map(tied, study, seed=0).set_index(["x", "metric"])
    assert cell.loc[(0.1, "survival"), "best"] == "balance=hedge"
    assert not cell.loc[(0.1, "survival"), "clear"]


def test_report_is_written_and_reproducible(tmp_path):
    from hedgesim.experiments.sweep_report import write_report

    data = tiny(design="lhs", samples=4, replicates=2)
    sweep = parse_sweep(data)
    runner.run_sweep(sweep, tmp_path)
    results = runner.load_results(tmp_path)
    write_report(results, sweep, tmp_path)
    report = tmp_path / "report"
    first = {p.name: p.read_bytes() for p in report.iterdir()}
    write_report(results, sweep, tmp_path)
    assert first == {p.name: p.read_bytes() for p in report.iterdir()}
    assert {"report.md", "by_arm.csv", "paired.csv", "regime_g.csv", "summary_g.png",
            "summary_g.svg", "survival_g.png", "regime_g_survival.svg",
            "hazard_ratios.csv"} <= set(first)
    assert "hedge - balance" in first["report.md"].decode()
    assert not [p for p in report.iterdir() if p.name.startswith(".")]  # no temporary left


def test_figures_drawn_on_forked_workers_are_the_bytes_drawn_here(tmp_path, monkeypatch):
    """save_all draws on two workers forked from a single-threaded process, and in the process
    itself when it has other threads; which it did must not show in the files."""
    from hedgesim.experiments import report as rep
    from hedgesim.experiments.sweep_report import write_report

    data = tiny(design="lhs", samples=4, replicates=2)
    sweep = parse_sweep(data)
    runner.run_sweep(sweep, tmp_path)
    results = runner.load_results(tmp_path)
    pools = []

    class Counted(rep.Executor):
        def __post_init__(self) -> None:
            super().__post_init__()
            pools.append(self.start)

    monkeypatch.setattr(rep, "Executor", Counted)
    files = {}
    for threads in (1, 2):
        monkeypatch.setattr(rep.threading, "active_count", lambda n=threads: n)
        folder = write_report(results, sweep, tmp_path / f"t{threads}").parent
        files[threads] = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert pools == ["fork"], "one pool of forked workers, only where no other thread runs"
    assert sum(name.endswith((".png", ".svg")) for name in files[1]) >= 6
    assert files[1] == files[2]


def test_morris_sensitivity_of_hedging_advantage(tmp_path):
    data = tiny(design="morris", samples=3, replicates=2)
    sweep = parse_sweep(data)
    runner.run_sweep(sweep, tmp_path)
    table = analysis.sensitivity(runner.load_results(tmp_path), sweep.studies[0], seed=0)
    assert set(table["factor"]) == {"generic.revisionism_mean", "generic.border_share"}
    assert len(table) == 2 * 4 and (table["mu_star"] >= 0).all()


# Mesa interop -----------------------------------------------------------------------------

def test_mesa_batch_run_runs_the_model_unmodified():
    """HedgeModel's own DataCollector: batch_run returns the yearly world aggregates and each
    small state's series, and the last year's autonomy is the engine's."""
    rows = mesa.batch_run(HedgeModel,
                          parameters={"scenario": "ukraine", "strategy": ["hedge", "balance"],
                                      "steps": 5}, rng=[1, 2], max_steps=5,
                          data_collection_period=-1, display_progress=False)
    table = pd.DataFrame(rows)
    assert set(table["strategy"]) == {"hedge", "balance"} and set(table["rng"]) == {1, 2}
    assert {"alive", "wars", "share_hedge", "autonomy", "threat_Russia", "state"} <= set(table)
    ours = table[(table["strategy"] == "hedge") & (table["rng"] == 1)
                 & (table["state"] == "Ukraine")]
    engine_run = Simulation("ukraine", strategy="hedge", steps=5, rng=1).run()
    assert ours["autonomy"].iloc[-1] == pytest.approx(outcomes(engine_run)["autonomy_final"].iloc[0])


def test_the_datacollector_keeps_the_documented_series():
    model = HedgeModel("vietnam", rng=3, steps=4).run()
    years = model.datacollector.get_model_vars_dataframe()
    states = model.datacollector.get_agenttype_vars_dataframe(SmallState)
    assert list(years["year"]) == [2007, 2008, 2009, 2010, 2011]
    assert set(states["state"]) == {"Vietnam"} and len(states) == 5
    assert {"strategy", "alignment_China", "leverage_USA", "autonomy"} <= set(states)


# A sweep under a parameter ensemble -----------------------------------------------------------

CALM, WARLIKE = {"war_intercept": -20.0}, {"war_intercept": 5.0}


def _two_members(tmp_path: Path) -> Path:
    """An ensemble whose members differ only in how warlike the world is."""
    path = tmp_path / "ensemble.toml"
    path.write_text(ensemble_toml([Member(identity(CALM), CALM, 1.0),
                                   Member(identity(WARLIKE), WARLIKE, 2.0)], {"fitted_on": "test"}))
    return path


def test_a_sweep_under_an_ensemble_runs_replicate_r_under_member_r_mod_k(tmp_path):
    data = tiny(replicates=4)
    plain = parse_sweep(data, str(tmp_path / "tiny.toml"))
    data["sweep"]["ensemble"] = "ensemble.toml"  # relative to the sweep file
    _two_members(tmp_path)
    sweep = parse_sweep(data, str(tmp_path / "tiny.toml"))
    runs = list(sweep.runs())
    calm, warlike = identity(CALM), identity(WARLIKE)
    assert [r.member for r in runs[:4]] == [calm, warlike, calm, warlike]
    assert [r.seed for r in runs] == [r.seed for r in plain.runs()]  # the same seeds as without
    assert dict(runs[1].overrides)["war_intercept"] == 5.0
    assert sweep.digest() != plain.digest()
    result = runner.run_sweep(sweep, tmp_path / "out")
    assert not result.failed
    records = runner.load_results(tmp_path / "out")
    wars = records.groupby("member")["attacked"].mean()
    assert wars[calm] == 0 and wars[warlike] > 0.5  # the members' parameters reached the runs
    tables = analysis.analyse(records, sweep)
    assert set(tables["by_member"]["member"]) == {calm, warlike}
    assert set(tables["paired_by_member"]["member"]) == {calm, warlike}
    from hedgesim.experiments.sweep_report import write_report

    report = write_report(records, sweep, tmp_path / "out").read_text()
    assert "Under the parameter ensemble" in report and warlike in report


def test_an_ensemble_that_clashes_with_a_study_is_refused_before_any_run(tmp_path):
    data = tiny()
    data["study"][0]["fixed"]["war_intercept"] = -3.0
    data["sweep"]["ensemble"] = str(_two_members(tmp_path))
    with pytest.raises(ScenarioError, match=r"study 'g': sets 'war_intercept', which the "
                                            rf"ensemble .* sets \(member {identity(CALM)}\)"):
        parse_sweep(data, str(tmp_path / "tiny.toml"))
    data = tiny()
    data["sweep"]["ensemble"] = "missing.toml"
    with pytest.raises(ScenarioError, match=r"\[sweep\]: field 'ensemble': .*no such file"):
        parse_sweep(data, str(tmp_path / "tiny.toml"))


def test_the_ensemble_flag_stands_for_the_field(tmp_path):
    path = ROOT / "experiments" / "quick.toml"
    sweep = load_sweep(path, ensemble=_two_members(tmp_path))
    assert [m.params for m in sweep.members] == [CALM, WARLIKE]
    assert sweep.data["sweep"]["ensemble"] == str((tmp_path / "ensemble.toml").resolve())
    with pytest.raises(ScenarioError, match=r"--ensemble nowhere\.toml: no such file"):
        load_sweep(path, ensemble="nowhere.toml")


def test_scenario_discovery_finds_the_region_where_hedging_does_not_win():
    """A region planted in the paired differences (hedging loses where a > 0.6 and b <= 0.4) is
    found as a box over the inputs, with its density and coverage; scattered losses are said to
    be scattered, and a comparison hedging wins everywhere has no region."""
    from hedgesim.experiments.analysis import where_it_does_not

    rng = np.random.default_rng(0)
    params = pd.DataFrame({"point": range(80), "a": rng.random(80), "b": rng.random(80)})
    loses = (params["a"] > 0.6) & (params["b"] <= 0.4)
    cells = pd.concat([
        pd.DataFrame({"point": params["point"], "metric": "survival",
                      "comparison": "hedge - bandwagon",
                      "difference": np.where(loses, -0.05, 0.05)}),
        pd.DataFrame({"point": params["point"], "metric": "survival",
                      "comparison": "hedge - balance", "difference": 0.1})])
    found = where_it_does_not(cells, params, ["a", "b"])
    region = found[found["comparison"] == "hedge - bandwagon"]
    assert len(region) == 1 and region["density"].iloc[0] == 1.0
    assert region["coverage"].iloc[0] == 1.0 and region["points"].iloc[0] == loses.sum()
    assert "a >" in region["region"].iloc[0] and "b ≤" in region["region"].iloc[0]
    assert found.loc[found["comparison"] == "hedge - balance", "region"].iloc[0] == "nowhere"

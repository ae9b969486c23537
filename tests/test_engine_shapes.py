"""The engine over random sweep shapes: several studies with different factors, batches that cut
across them, 1 and 2 workers, sharded and whole, interrupted and resumed — every variant equal,
row for row, to the plain run. And its failures are loud: a folder has one writer, a call whose
runs all fail raises, a script without a main guard is told so."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from hedgesim.cli import main
from hedgesim.experiments import engine, runner
from hedgesim.experiments.engine import Executor, RunsFailed, Setting, paired, replicate_seeds
from hedgesim.experiments.sweep import parse_sweep
from hedgesim.scenarios.loader import InputError

ROOT = Path(__file__).resolve().parents[1]


def two_studies(replicates: int = 3) -> dict:
    """Two studies whose runs carry different keys: a grid over one factor, a Latin hypercube
    over another, and worlds of 2 and 3 great powers (so a batch that spans both has runs of
    both shapes, and records of who attacked with other columns)."""
    return {"sweep": {"name": "two", "seed": 5, "replicates": replicates},
            "study": [{"name": "a", "scenario": "generic", "steps": 6,
                       "fixed": {"generic.n_small": 3},
                       "vary": {"generic.revisionism_mean": [0.2, 0.8]}},
                      {"name": "b", "scenario": "generic", "design": "lhs", "samples": 3,
                       "steps": 6, "fixed": {"generic.n_small": 4, "generic.n_great": 3},
                       "vary": {"generic.border_share": {"low": 0.1, "high": 0.7},
                                "generic.dependency_concentration": {"low": 0.3, "high": 3.0}}}]}


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("plain")
    runner.run_sweep(parse_sweep(two_studies()), out, Executor("serial"), batch=1)
    return runner.load_results(out)


def test_a_batch_that_spans_two_studies_keeps_each_runs_keys(tmp_path, plain):
    """full.toml's crash: a batch of runs from two studies (keys of other names) in one table."""
    sweep = parse_sweep(two_studies())
    assert sweep.size() == 15  # 6 grid runs, then 9 sampled ones
    runner.run_sweep(sweep, tmp_path, Executor("serial"), batch=4)  # runs 4-7 span the boundary
    rows = runner.load_results(tmp_path)
    pd.testing.assert_frame_equal(rows, plain)
    a, b = rows[rows["study"] == "a"], rows[rows["study"] == "b"]
    assert a["generic.revisionism_mean"].notna().all() and a["generic.border_share"].isna().all()
    assert b["generic.border_share"].notna().all() and b["generic.revisionism_mean"].isna().all()


@settings(max_examples=6)
@given(batch=st.integers(1, 9), workers=st.sampled_from([1, 2]), shards=st.integers(1, 3),
       first=st.integers(0, 14))
def test_every_variant_of_a_two_study_sweep_is_the_plain_run(tmp_path_factory, plain, batch,
                                                              workers, shards, first):
    """Batches of any size, 1 or 2 workers, the shards written apart, and a sweep stopped after
    ``first`` runs (here: a shard of the runs below it, done first) and resumed."""
    sweep = parse_sweep(two_studies())
    out = tmp_path_factory.mktemp("variant")
    executor = Executor("processes" if workers > 1 else "serial", workers, serial_below=0)
    early = [r for r in range(sweep.size()) if r < first]
    if early:  # an interrupted sweep leaves whole parts of some runs: a 1-of-N shard of them
        runner.run_sweep(sweep, out / "s0", Executor("serial"), shard=(0, sweep.size()), batch=1)
    dirs = []
    for k in range(shards):
        target = out / ("s0" if k == 0 else f"s{k}")
        done = runner.run_sweep(sweep, target, executor, shard=(k, shards), batch=batch)
        assert not done.failed
        dirs.append(target)
    pd.testing.assert_frame_equal(runner.load_results(*dirs), plain)


def test_a_second_writer_of_the_same_folder_is_refused(tmp_path):
    sweep = parse_sweep(two_studies())
    out = tmp_path / "out"
    runner.run_sweep(sweep, out, Executor("serial"))
    with runner.results_lock(out, (0, 1)), pytest.raises(InputError, match="another hedgesim"):
        runner.run_sweep(sweep, out, Executor("serial"))
    with runner.results_lock(out, (0, 2)):  # another shard of the same sweep may share it
        runner.run_sweep(sweep, out, Executor("serial"), shard=(1, 2))


def test_overlapping_parts_are_read_once(tmp_path, plain):
    """One folder written under two shardings holds some runs twice: each row is kept once."""
    sweep = parse_sweep(two_studies())
    out = tmp_path / "out"
    runner.run_sweep(sweep, out, Executor("serial"), shard=(0, 2))
    for part in (out / "runs").glob("part-*"):  # the same runs as if written again apart
        part.rename(part.with_name(part.name.replace("part-", "part-x")))
    runner.run_sweep(sweep, out, Executor("serial"))
    pd.testing.assert_frame_equal(runner.load_results(out), plain)


def test_a_call_whose_runs_all_fail_raises_naming_the_first_error(monkeypatch, tmp_path, capsys):
    def broken(*args, **kwargs):
        raise ValueError("no such world")

    monkeypatch.setattr(engine, "simulate", broken)
    with pytest.raises(RunsFailed, match="no such world"):
        engine.run_replicates("ukraine", replicates=3)
    # a sweep keeps its failures on disk, for its report, and the command fails naming the first
    sweep = tmp_path / "two.toml"
    sweep.write_text(tomli_w.dumps(two_studies()))
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--workers", "1",
                 "--quiet"]) == 1
    assert "15 run(s) failed" in capsys.readouterr().err


NO_GUARD_SCRIPT = """
from hedgesim import Executor, Setting, paired, replicate_seeds, run

arms = [Setting.of("ukraine", arm) for arm in ("balance", "hedge")]
records = run(paired(arms, replicate_seeds(0, 200)), Executor("processes", 2, serial_below=0))
print("returned", len(records.outcomes))
"""


def test_a_script_without_a_main_guard_is_told_what_to_do(tmp_path):
    """Workers import the script that started them; without a main guard each would start
    workers of its own. The call stops with one message naming the fix; no row of errors."""
    script = tmp_path / "snippet.py"
    script.write_text(textwrap.dedent(NO_GUARD_SCRIPT))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1 and "returned" not in done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("hedgesim.experiments.engine.WorkersCannotStart") and "__main__" in last
    assert done.stderr.count("Traceback") == 1  # the parent's; the workers end quietly
    guarded = tmp_path / "guarded.py"
    guarded.write_text("if __name__ == '__main__':\n"
                       + textwrap.indent(textwrap.dedent(NO_GUARD_SCRIPT), "    "))
    done = subprocess.run([sys.executable, str(guarded)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and "returned 400" in done.stdout, done.stderr


def test_paired_items_of_the_engine_equal_across_executors():
    settings_ = [Setting.of("ukraine", a) for a in ("balance", "hedge")]
    items = paired(settings_, replicate_seeds(3, 40))
    serial = engine.run(items, Executor("serial")).outcomes
    two = engine.run(items, Executor("processes", 2, serial_below=0), batch=7).outcomes
    pd.testing.assert_frame_equal(serial, two)

"""The command line end to end: outputs, determinism, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hedgesim.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_json_has_focal_rates_with_intervals(capsys):
    code, out, _ = run_cli(capsys, "run", "vietnam", "--replicates", "20", "--json")
    assert code == 0
    report = json.loads(out)
    focal = report["focal"]["Vietnam"]
    for key in ("survived", "attacked", "autonomy_mean"):  # model.records.OUTCOMES
        low, high = focal[f"{key}_ci"]
        assert 0.0 <= low <= focal[key] <= high <= 1.0
    assert focal["replicates"] == 20 and focal["years_to_war_events"] >= 0


def test_same_command_same_output_byte_for_byte(capsys):
    argv = ("run", "ukraine", "--replicates", "15", "--seed", "3", "--json",
            "--set", "Russia.revisionism=0.6", "--strategy", "hedge")
    first = run_cli(capsys, *argv)[1]
    assert first == run_cli(capsys, *argv)[1]
    assert json.loads(first)["overrides"] == {"Russia.revisionism": 0.6}


def test_table_and_parquet_output(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "run", "belarus", "--replicates", "5", "--out",
                           str(tmp_path / "res"))
    assert code == 0 and "Belarus" in out and "survival" in out
    outcomes = pd.read_parquet(tmp_path / "res" / "outcomes")
    series = pd.read_parquet(tmp_path / "res" / "series")
    assert len(outcomes) == 5 and {"replicate", "seed", "survived"} <= set(outcomes.columns)
    assert series["step"].max() == 20 and "alignment_Russia" in series.columns
    assert not list((tmp_path / "res").rglob(".*.tmp"))


def test_run_out_streams_its_records_and_resumes(capsys, tmp_path):
    """``run --out`` writes its records a batch at a time; the same command, stopped or not,
    resumes to the same records and table, and the table is the one without --out."""
    argv = ("run", "ukraine", "--replicates", "120", "--seed", "4", "--workers", "1", "--json")
    plain = json.loads(run_cli(capsys, *argv)[1])
    out = tmp_path / "res"
    first = json.loads(run_cli(capsys, *argv, "--out", str(out))[1])
    assert first["focal"] == plain["focal"]
    whole = pd.read_parquet(out / "outcomes").sort_values("item", ignore_index=True)
    parts = sorted((out / "outcomes").glob("part-*.parquet"))
    assert len(parts) > 1, "streamed in batches"
    for part in parts[1::2]:  # as if the run had been stopped with these batches unwritten
        part.unlink()
    again = json.loads(run_cli(capsys, *argv, "--out", str(out))[1])
    assert again["focal"] == plain["focal"]
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "outcomes").sort_values("item", ignore_index=True), whole)
    run_cli(capsys, *argv, "--out", str(tmp_path / "clean"))
    for table in ("series", "model_series"):
        def rows(folder: Path, table: str = table) -> pd.DataFrame:
            return pd.read_parquet(folder / table).sort_values(["item", "step"], ignore_index=True)

        pd.testing.assert_frame_equal(rows(out), rows(tmp_path / "clean"))
    code, _, err = run_cli(capsys, "run", "ukraine", "--replicates", "7", "--out", str(out))
    assert code == 2 and "a different run" in err


@pytest.mark.parametrize(("argv", "expected"), [
    (("run", "atlantis"), "no such scenario"),
    (("run", "ukraine", "--set", "Russia.revisionism=9"), "out of range"),
    (("run", "ukraine", "--set", "nonsense=1"), "unknown parameter"),
    (("run", "ukraine", "--set", "novalue"), "expected NAME=VALUE"),
    (("run", "ukraine", "--replicates", "0"), "--replicates 0"),
    (("run", "ukraine", "--steps", "5000"), "--steps 5000"),
    (("params", "atlantis"), "no such scenario"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, expected):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err


def test_unknown_strategy_is_rejected_by_the_parser(capsys):
    assert main(["run", "ukraine", "--strategy", "appease"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "appease" in err and "--help" in err


def test_scenarios_and_params(capsys):
    code, out, _ = run_cli(capsys, "scenarios")
    assert code == 0 and all(n in out for n in ("ukraine", "vietnam", "belarus", "generic"))
    code, out, _ = run_cli(capsys, "params", "ukraine", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["Russia.revisionism"]["value"] == 0.8 and rows["war_slope"]["source"]
    assert all(r["meaning"] and r["source"] for r in rows.values())
    code, out, _ = run_cli(capsys, "params", "generic", "--json")
    assert "generic.n_small" in {r["name"] for r in json.loads(out)}


def test_console_script_in_a_subprocess(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname = 1\n")
    done = subprocess.run([sys.executable, "-m", "hedgesim.cli", "run", str(bad)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert str(bad) in done.stderr and done.stderr.count("\n") == 1

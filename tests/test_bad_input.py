"""Bad input ends in one line naming the file, entry and field, exit status 2, no traceback,
checked before any work starts and leaving nothing written (issue on reliability)."""

from __future__ import annotations

import re
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from hedgesim.cli import main
from hedgesim.experiments import engine, runner
from hedgesim.experiments.engine import Executor
from hedgesim.experiments.sweep import load_sweep, parse_sweep
from hedgesim.scenarios.loader import ScenarioError, load_scenario, parse_scenario
from tests.helpers import scenario_data, tiny_sweep

ROOT = Path(__file__).resolve().parents[1]
QUICK = str(ROOT / "experiments" / "quick.toml")


def one_line_exit_2(capsys, argv: list[str], expected: str = "") -> str:
    start = time.perf_counter()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("hedgesim: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and expected in err
    assert time.perf_counter() - start < 10, "checked before any work starts"
    return err


@pytest.mark.parametrize(("argv", "expected"), [
    (["run", "ukraine", "--out", "/dev/null/x"], "/dev/null"),
    (["run", "ukraine", "--out", ""], "--out"),
    (["run", "ukraine", "--replicates", "1000000000000"], "--replicates"),
    (["run", "ukraine", "--workers", "0"], "--workers 0"),
    (["run", "ukraine", "--set", "Russia.hostility.Russia=1"], "hostility"),
    (["run", "ukraine", "--set", "Ukraine.focal=false"], "focal"),
    (["run", "ukraine", "--set", "Ukraine.focal=false", "--json"], "focal"),
    (["sweep", QUICK, "--out", "x", "--scheduler", "not a url"], "--scheduler"),
    (["sweep", QUICK, "--out", "x", "--shard", "2/2"], "--shard"),
    (["run"], "--help"),
    (["run", "ukraine", "--strategy", "nonsense"], "--help"),
    (["no-such-command"], "--help"),
    (["run", "generic", "--set", "generic.n_small=100000", "--set", "generic.n_great=50",
      "--replicates", "100000"], "needs about"),
    (["calibrate", "--prior", "activation_groups=1:5"], "not a continuous parameter"),
])
def test_bad_arguments_are_one_line(capsys, argv, expected):
    one_line_exit_2(capsys, argv, expected)


def test_an_existing_file_as_out_is_refused_and_untouched(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x")
    one_line_exit_2(capsys, ["sweep", QUICK, "--out", str(target)], "not a directory")
    assert target.read_text() == "x" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["small_state"][0].update(name="Near"), "already a great power"),
    (lambda d: d["great_power"][1].update(name="rest of world"), "reserved"),
    (lambda d: d["small_state"][0].update(name="Sm\x1b[31mall"), "printable"),
    (lambda d: d["small_state"][0].update(name="Sm\x00all"), "printable"),
    (lambda d: d["partner"][0].update(name="Far"), "already a great power"),
    (lambda d: d["scenario"].update(description="a \x1b]0;title\x07 b"), "control character"),
    (lambda d: d["scenario"].update(name="x\x00"), "control character"),
    (lambda d: d.update(generic={"n_small": 5}), "beside a [generic] table"),
    (lambda d: d.update(great_power=[{"name": f"P{i}"} for i in range(51)]),
     "51 [[great_power]] entries, more than the 50"),
    (lambda d: d["small_state"][0].update(uncertain={"credit.Atlantis": [0.0, 0.5]}),
     "'uncertain.credit.Atlantis': no such partner"),
])
def test_names_that_would_hide_or_garble_an_entity_are_refused(change, expected):
    data = scenario_data()
    change(data)
    with pytest.raises(ScenarioError, match=re.escape(expected)) as err:
        parse_scenario(data, "test.toml")
    assert "\x1b" not in str(err.value) and "\x00" not in str(err.value)


def test_a_path_is_never_read_as_a_built_in_name(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario(tmp_path / "ukraine")
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario("../scenarios/ukraine")


def test_strategy_shares_above_one_are_refused():
    with pytest.raises(ScenarioError, match="above 1"):
        load_scenario("generic").with_overrides({"generic.share_balance": 1.0,
                                                 "generic.share_bandwagon": 1.0,
                                                 "generic.share_hedge": 1.0})


@pytest.mark.parametrize(("text", "expected"), [
    ("x = 1\n" * 200_000, "larger than"),
    ("[params]\n" + "a." * 50_000 + "a = 1\n", "characters"),
    ("steps = " + "[" * 1000 + "1" + "]" * 1000 + "\n", "nested too deeply"),
    ("[scenario\n", "not valid TOML"),
])
def test_oversized_overlong_and_malformed_files_are_one_line(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=expected) as err:
        load_scenario(str(path))
    assert "\n" not in str(err.value)
    with pytest.raises(ScenarioError, match=expected):
        load_sweep(path)


def tiny(**study) -> dict:
    return {"sweep": {"name": "tiny", "seed": 7, "replicates": 2},
            "study": [{"name": "g", "scenario": "generic", "steps": 5,
                       "fixed": {"generic.n_small": 3},
                       "vary": {"generic.revisionism_mean": [0.2, 0.8]}, **study}]}


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda d: d["study"][0]["vary"].update(seed=[1, 2]), "column of the results"),
    (lambda d: d["study"][0]["vary"].update(survived=[1, 2]), "column of the results"),
    (lambda d: d["study"][0].update(name="a/b"), "field 'name'"),
    (lambda d: d["sweep"].update(arms=[["hedge"]]), "field 'arms'"),
    (lambda d: d["study"][0].update(steps=1001), "field 'steps'"),
    (lambda d: d["study"][0].update(design="lhs", samples=2**40,
                                    vary={"generic.revisionism_mean": {"low": 0.1, "high": 0.9},
                                          "generic.border_share": {"low": 0.1, "high": 0.5}}),
     "field 'samples'"),
    (lambda d: d["sweep"].update(replicates=10**9), "field 'replicates'"),
])
def test_bad_sweeps_are_refused_up_front(edit, expected):
    data = tiny()
    edit(data)
    with pytest.raises(ScenarioError, match=expected):
        parse_sweep(data, "s.toml")


def test_a_factor_integer_in_one_study_and_real_in_another_keeps_its_values(tmp_path):
    data = tiny()
    data["study"][0]["vary"] = {"war_slope": [1, 2]}
    data["study"].append({**data["study"][0], "name": "h", "vary": {"war_slope": [0.5, 1.5]}})
    sweep = parse_sweep(data, "s.toml")
    assert sweep.factor_kinds["war_slope"] == "float"
    runner.run_sweep(sweep, tmp_path / "out")
    values = runner.load_results(tmp_path / "out").groupby("study")["war_slope"].unique()
    assert sorted(values["h"]) == [0.5, 1.5] and sorted(values["g"]) == [1.0, 2.0]


def test_one_arm_and_all_failing_sweeps_still_get_a_report(tmp_path, monkeypatch):
    from hedgesim.experiments.sweep_report import write_report

    one_arm = parse_sweep({**tiny(regime=None), "sweep": {**tiny()["sweep"], "arms": ["hedge"]}})
    runner.run_sweep(one_arm, tmp_path / "one")
    assert write_report(runner.load_results(tmp_path / "one"), one_arm, tmp_path / "one").exists()

    def broken(*args, **kwargs):
        raise FloatingPointError("model blew up")

    monkeypatch.setattr(engine, "simulate", broken)
    sweep = parse_sweep(tiny())
    result = runner.run_sweep(sweep, tmp_path / "fail", Executor())
    assert len(result.failed) == 2 * 2 * 3
    report = write_report(runner.load_results(tmp_path / "fail"), sweep, tmp_path / "fail")
    assert "No finished runs" in report.read_text()


def test_a_refused_sweep_leaves_no_manifest(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(textwrap.dedent("""
        [sweep]
        name = "big"
        [[study]]
        name = "g"
        scenario = "generic"
        design = "lhs"
        samples = 1099511627776
        vary = { "generic.revisionism_mean" = { low = 0.1, high = 0.9 }, "war_slope" = { low = 1, high = 2 } }
        """))
    one_line_exit_2(capsys, ["sweep", str(bad), "--out", str(tmp_path / "out")], "samples")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "footer", "no checksum"])
def test_a_damaged_part_is_named_and_run_again(tmp_path, damage):
    """64 flipped bytes inside a part, a truncated or empty one, a broken footer: found by its
    checksum (and Parquet's), removed, run again; the result equals an undamaged sweep's, and
    reading the damaged directory before the rerun refuses it in one line."""
    sweep = parse_sweep(tiny())
    clean, out = tmp_path / "clean", tmp_path / "out"
    runner.run_sweep(sweep, clean)
    runner.run_sweep(sweep, out, batch=1)
    part = sorted((out / "runs").glob("part-*.parquet"))[1]
    data = bytearray(part.read_bytes())
    if damage == "flip":
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(b ^ 0xFF for b in data[middle:middle + 64])
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "empty":
        data = bytearray()
    elif damage == "footer":
        data[-12:-4] = b"\x00" * 8
    else:
        runner.sidecar_of(part).unlink()
    part.write_bytes(bytes(data))
    with pytest.raises(ScenarioError.__mro__[1], match="damaged"):
        runner.load_results(out)
    result = runner.run_sweep(sweep, out)
    assert [d.split(":")[0] for d in result.damaged] == [part.name]
    assert result.skipped == result.total - 1
    pd.testing.assert_frame_equal(runner.load_results(out), runner.load_results(clean))
    assert len(pd.read_parquet(out / "runs")) == len(runner.load_results(clean))


def test_a_full_disk_is_one_line_and_leaves_no_half_written_file(tmp_path, monkeypatch, capsys):
    """The disk fills while the report's figures are written: the command says so in one line
    (exit 1), and no figure is left truncated or half-made (each goes through a temporary file,
    and the figures' workers, ended mid-figure when the other fails, leave none either)."""
    import errno
    import time

    from matplotlib.figure import Figure

    real = Figure.savefig

    def full(self, fname, *args, **kwargs):
        # chosen by name, not by a count, as the figures may be drawn by forked workers, each
        # with its own count: the survival curves hit the full disk while the summary is
        # being written
        if Path(fname).name.startswith(".survival_"):
            time.sleep(0.5)
            Path(fname).write_bytes(b"\x89PNG half")
            raise OSError(errno.ENOSPC, "No space left on device", str(fname))
        if Path(fname).name.startswith(".summary_"):
            time.sleep(2)
        return real(self, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", full)
    out = tmp_path / "out"
    sweep = tiny_sweep(tmp_path, replicates=2)
    assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
    report = out / "report"
    assert not [p for p in report.iterdir() if p.name.startswith(".")]  # no temporary left
    for figure in report.glob("*.png"):
        assert figure.read_bytes() != b"\x89PNG half"
    assert runner.completed(out)  # the runs themselves are safe on disk


def _fills_the_disk_at(first_run: int):
    """``runner.write_part``, except that the part starting at ``first_run`` finds the disk
    full."""
    import errno

    real = runner.write_part

    def full(path, data):
        if path.name.startswith(f"part-{first_run:08d}-"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    return full


def test_a_full_disk_while_parts_are_written_is_one_line_and_keeps_the_parts_before(
        tmp_path, monkeypatch, capsys):
    """A part's write fails (the disk fills): the sweep ends with one line (exit 1), and the
    parts written before it are whole, so the same command resumes from them."""
    real = runner.write_part
    monkeypatch.setattr(runner, "write_part", _fills_the_disk_at(4))
    out = tmp_path / "out"
    sweep = tiny_sweep(tmp_path, replicates=6)
    args = ["sweep", str(sweep), "--out", str(out), "--workers", "1", "--quiet", "--no-report"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
    kept = runner.completed(out)
    assert 0 < len(kept) < 12
    monkeypatch.setattr(runner, "write_part", real)
    assert main(args) == 0
    assert len(runner.completed(out)) == 12


def test_a_write_that_fails_in_a_worker_is_one_line_and_keeps_the_parts(tmp_path, capsys):
    """Workers write their batches' parts. One whose write fails (here a directory stands where
    a part's checksum goes) ends the sweep with one line naming it (exit 1); the failed write
    leaves no temporary file, every part already written is whole (the other worker, ended
    mid-write, may leave a hidden temporary file, which the resumed sweep removes), and once
    the obstacle is gone the same command resumes to the uninterrupted sweep's rows."""
    sweep = tiny_sweep(tmp_path, replicates=400)  # 800 runs: parts of 50 runs on 2 workers
    out = tmp_path / "out"
    # the 7th batch: at most four are in flight, so three have finished before it is sent and
    # the ones after the tenth never are (no race between the workers decides the counts)
    obstacle = runner.sidecar_of(out / "runs" / "part-00000300-00000349.parquet")
    obstacle.mkdir(parents=True)
    args = ["sweep", str(sweep), "--out", str(out), "--workers", "2", "--quiet", "--no-report"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err == f"hedgesim: error: Is a directory ({obstacle})\n"
    kept = runner.completed(out)  # each part checked against its checksum
    assert 300 not in kept and 150 <= len(kept) <= 450
    assert not list((out / "runs").glob("._part-00000300-*.tmp"))
    obstacle.rmdir()
    assert main(args) == 0
    assert not list((out / "runs").glob(".*"))
    runner.run_sweep(load_sweep(sweep), tmp_path / "clean")
    pd.testing.assert_frame_equal(runner.load_results(out), runner.load_results(tmp_path / "clean"))


@pytest.mark.parametrize("text", ["not json", "[]", '{"sweep": {}}'])
def test_a_damaged_manifest_is_one_line_on_resume_and_in_analyze(tmp_path, capsys, text):
    out = tmp_path / "out"
    assert main(["sweep", str(tiny_sweep(tmp_path, replicates=2)), "--out", str(out), "--quiet",
                 "--no-report", "--workers", "1"]) == 0
    capsys.readouterr()
    (out / "manifest.json").write_text(text)
    one_line_exit_2(capsys, ["sweep", str(tiny_sweep(tmp_path, replicates=2)), "--out", str(out)], "manifest")
    one_line_exit_2(capsys, ["analyze", str(out)], "manifest")


def test_a_world_too_big_for_memory_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    """The estimate (model.footprint) against what is left: refused in one line, exit 2."""
    from hedgesim.model import footprint

    monkeypatch.setattr(footprint, "available_bytes", lambda: 200 << 20)
    one_line_exit_2(capsys, ["run", "ukraine", "--replicates", "5"], "needs about")
    one_line_exit_2(capsys, ["sweep", str(tiny_sweep(tmp_path, replicates=2)), "--out", str(tmp_path / "o")],
                    "needs about")
    assert not (tmp_path / "o").exists()


def test_a_level_label_matplotlib_cannot_parse_is_drawn_as_text(tmp_path):
    """Labels are the user's text: "$\\frac{$" is not mathtext to parse after every run."""
    sweep = parse_sweep({**tiny(), "study": [{**tiny()["study"][0], "vary": {
        "generic.revisionism_mean": [0.2, 0.8],
        "generic.border_share": {"$\\frac{$": {"generic.border_share": 0.1},
                                 "b": {"generic.border_share": 0.6}}}}]})
    from hedgesim.experiments.sweep_report import write_report

    runner.run_sweep(sweep, tmp_path / "out", Executor("serial"))
    assert write_report(runner.load_results(tmp_path / "out"), sweep, tmp_path / "out").exists()


def test_a_busy_port_or_an_unknown_host_is_one_line(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_line_exit_2(capsys, ["viz", "--port", str(port), "--no-open"], "cannot listen")
    one_line_exit_2(capsys, ["viz", "--host", "no-such-host.invalid", "--no-open"], "resolved")


def test_version_names_the_package_and_the_model(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("hedgesim ") and "model " in out

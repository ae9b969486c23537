"""Faults while running: a lost worker's runs are run again on a fresh one, a run that keeps
killing its worker is recorded as failed, and SIGTERM ends every process a command started
(issue on reliability)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from hedgesim.experiments import engine, runner
from hedgesim.experiments.engine import Executor, Setting, paired, replicate_seeds
from hedgesim.experiments.sweep import load_sweep
from tests.helpers import tiny_sweep

ROOT = Path(__file__).resolve().parents[1]


def descendants(pid: int) -> set[int]:
    """Every living descendant of ``pid`` (from /proc)."""
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_run_that_kills_its_worker_is_recorded_and_the_others_go_on():
    items = paired([Setting.of("ukraine", "hedge")], replicate_seeds(1, 12))
    tasks = list(engine.batches(items, len(items), 2, batch=2))
    killer = tasks[2].first
    results = list(Executor("processes", 2, serial_below=0).map_unordered(_killing_evaluate(killer), tasks))
    table = pd.concat([r.outcomes for r in results]).sort_values("item", ignore_index=True)
    lost = table[table["error"].notna()]
    assert sorted(lost["item"]) == [killer, killer + 1]
    assert lost["error"].str.startswith("WorkerLost").all()
    assert len(table) == 12 and table.loc[table["error"].isna(), "survived"].notna().all()
    clean = engine.run(items)
    done = table[table["error"].isna()].reset_index(drop=True)
    expected = clean.outcomes[~clean.outcomes["item"].isin(lost["item"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(done[expected.columns], expected, check_dtype=False)


def test_a_sweep_keeps_the_runs_that_kill_their_worker_as_failed_rows(tmp_path, monkeypatch):
    """Workers write their batches' parts (the task's ``finish``); the parent writes the part
    of a batch whose worker kept dying, so the sweep's dataset still has a row for every run
    and names the failure."""
    sweep = load_sweep(tiny_sweep(tmp_path, replicates=6))
    monkeypatch.setattr(engine, "evaluate", _killing_evaluate(killer=6))  # run 2: items 6-8
    result = runner.run_sweep(sweep, tmp_path / "out", Executor("processes", 2, serial_below=0),
                              batch=1)
    assert [(run, arm) for run, arm, _ in result.failed] == [(2, "balance"), (2, "bandwagon"), (2, "hedge")]
    table = runner.load_results(tmp_path / "out")
    assert set(table["run"]) == set(range(12))
    lost = table[table["error"].notna()]
    assert set(lost["run"]) == {2} and lost["error"].str.startswith("WorkerLost").all()
    assert lost["survived"].isna().all() and table["error"].isna().sum() == len(table) - 3


def _killing_evaluate(killer: int):
    from tests.helpers import KillingEvaluate

    return KillingEvaluate(killer)


SWEEP = """
[sweep]
name = "long"
seed = 5
replicates = 400
[[study]]
name = "g"
scenario = "generic"
steps = 40
fixed = { "generic.n_small" = 20 }
vary = { "generic.revisionism_mean" = [0.3, 0.7] }
"""


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 143),
                                           (signal.SIGKILL, -9)])
def test_a_signal_ends_every_process_and_the_sweep_resumes(tmp_path, sig, code):
    """SIGTERM and SIGHUP (a closed terminal) end the command and what it started; so does
    SIGKILL, which the command cannot see: its worker server dies with it and the workers with
    their server (PR_SET_PDEATHSIG), so an immediate resume has no orphan writing beside it."""
    toml = tmp_path / "s.toml"
    toml.write_text(textwrap.dedent(SWEEP))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "hedgesim.cli", "sweep", str(toml), "--out",
                             str(out), "--workers", "2", "--quiet", "--no-report"], cwd=ROOT,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while len(list((out / "runs").glob("part-*.parquet"))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    family = descendants(proc.pid)
    assert family, "the sweep must have started its workers"
    proc.send_signal(sig)
    assert proc.wait(30) == code
    assert code < 0 or "terminated" in proc.stderr.read()
    deadline = time.time() + 20
    while [p for p in family if alive(p)] and time.time() < deadline:
        time.sleep(0.1)
    assert not [p for p in family if alive(p)], "a process the sweep started outlived it"
    sweep = load_sweep(toml)
    partial = runner.completed(out)
    assert 0 < len(partial) < 800
    resumed = runner.run_sweep(sweep, out, Executor("processes", 2, serial_below=0))
    assert resumed.skipped == len(partial)
    runner.run_sweep(sweep, tmp_path / "clean", Executor("processes", 2, serial_below=0))
    pd.testing.assert_frame_equal(runner.load_results(out), runner.load_results(tmp_path / "clean"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_sigterm_to_viz_ends_its_server():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hedgesim.cli", "viz", "--port", str(port),
                             "--no-open"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                break
        except OSError:
            time.sleep(0.3)
    family = descendants(proc.pid)
    assert family
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 143
    time.sleep(1)
    assert not [p for p in family if alive(p)]
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)


def test_sigterm_is_an_exception_the_command_line_turns_into_143(monkeypatch, capsys):
    from hedgesim import cli

    def handler(args):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        return 0

    monkeypatch.setattr(cli, "build_parser", lambda: _parser_with(handler))
    assert cli.main(["x"]) == 143
    assert "terminated" in capsys.readouterr().err


def _parser_with(handler):
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("x")
    parser.set_defaults(handler=handler)
    return parser


def test_an_executor_refuses_what_it_cannot_run():
    for kwargs, message in (({"kind": "threads"}, "executor must be one of"),
                            ({"workers": 0}, "workers must be at least 1"),
                            ({"start": "spawn"}, "start must be forkserver or fork")):
        with pytest.raises(ValueError, match=message):
            Executor(**kwargs)


def test_running_leaves_no_thread_behind():
    """The engine's progress bar starts no monitor thread (tqdm's does, even disabled), so a
    process that has run the model can still fork the report's figure workers."""
    import threading

    before = threading.active_count()
    engine.run(paired([Setting.of("ukraine", "hedge")], replicate_seeds(1, 2)))
    assert threading.active_count() == before


@pytest.mark.slow
def test_ctrl_c_on_a_dask_sweep_is_one_line(tmp_path):
    """Ctrl-C reaches the whole process group: the Dask workers leave it to the command, which
    ends them and says one line (exit 130)."""
    toml = tmp_path / "s.toml"
    toml.write_text(textwrap.dedent(SWEEP))
    out = tmp_path / "out"

    def own_group_with_ctrl_c() -> None:  # as a terminal's foreground job
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()

    proc = subprocess.Popen([sys.executable, "-m", "hedgesim.cli", "sweep", str(toml), "--out",
                             str(out), "--executor", "dask", "--workers", "2", "--quiet",
                             "--no-report"], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            preexec_fn=own_group_with_ctrl_c)
    deadline = time.time() + 120
    while len(list((out / "runs").glob("part-*.parquet"))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    # no traceback from the workers (it was 36 lines); the command's own line last
    assert proc.returncode == 130 and err.endswith("hedgesim: interrupted\n"), err
    assert "Traceback" not in err and err.count("\n") <= 2, err

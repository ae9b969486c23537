"""Loud, bounded, single-writer: the last of the failures a new user met (issue on commands
that work and failures that are loud), each held here."""

from __future__ import annotations

from pathlib import Path

import pytest

from hedgesim.cli import main
from hedgesim.experiments import engine
from hedgesim.experiments.engine import Executor, Setting, paired, replicate_seeds
from tests.helpers import tiny_sweep


def blas_threads(_: object) -> int:
    """The most threads any BLAS in this process may use (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


def test_the_workers_run_blas_on_one_thread():
    with Executor("processes", 2) as pool:
        assert set(pool.map_unordered(blas_threads, range(4))) == {1}


def test_no_more_workers_start_than_there_are_runs(monkeypatch):
    started = []

    def record(self, fn, tasks):
        started.append(self.workers)
        return map(fn, tasks)

    monkeypatch.setattr(Executor, "map_unordered", record)
    items = paired([Setting.of("ukraine", "hedge")], replicate_seeds(0, 2))
    engine.run(items, Executor("dask", 64))
    assert started == [2]


def test_an_output_folder_holding_other_files_is_refused_and_its_own_rewritten(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "report.md").write_text("my own notes")
    assert main(["history", "--out", str(folder)]) == 2
    assert "did not write" in capsys.readouterr().err
    assert (folder / "report.md").read_text() == "my own notes"
    fresh = tmp_path / "history"
    assert main(["history", "--out", str(fresh)]) == 0
    assert main(["history", "--out", str(fresh)]) == 0  # its own files, written again
    assert '"command": "history"' in (fresh / ".hedgesim.json").read_text()


def test_analyze_says_when_a_sweep_is_incomplete(tmp_path, capsys):
    sweep = tiny_sweep(tmp_path, replicates=4)
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--shard", "0/2", "--workers", "1",
                 "--quiet"]) == 0
    capsys.readouterr()
    assert main(["analyze", str(out)]) == 0
    assert "incomplete" in capsys.readouterr().err
    assert "**Incomplete:" in (out / "report" / "report.md").read_text()


def test_temporary_files_are_unguessable_and_never_follow_a_link(tmp_path):
    from hedgesim.experiments.runner import atomic_write

    target = tmp_path / "file.txt"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    names = []

    def write(tmp: Path) -> None:
        names.append(tmp.name)
        assert not tmp.is_symlink()
        tmp.write_text("new")

    atomic_write(target, write)
    atomic_write(target, write)
    assert names[0] != names[1] and target.read_text() == "new"
    assert victim.read_text() == "keep"


@pytest.mark.parametrize("bad", ["\x1b[2J", "\x00"])
def test_control_characters_never_reach_the_terminal(tmp_path, capsys, bad):
    sweep = tmp_path / "s.toml"
    sweep.write_text(tiny_sweep(tmp_path, replicates=2).read_text()
                     .replace('name = "tiny"', f'name = "ti{bad}ny"'.replace("\x00", "\\u0000")
                              .replace("\x1b", "\\u001b")))
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "control character" in err and "\x1b" not in err and "\x00" not in err


def test_the_page_is_served_from_inside_the_package():
    """Solara serves public/ and assets/ beside the app's folder: the package's own, never the
    folder above a checkout."""
    import hedgesim
    from hedgesim.viz import APP

    assert APP.parent.parent == Path(hedgesim.__file__).resolve().parent
    assert not (APP.parent.parent / "public").exists()
    assert not (APP.parent.parent / "assets").exists()


def test_reports_and_exports_name_the_version_the_model_digest_and_the_commit(tmp_path):
    """A cited report can be traced: every report.md ends with what made it, as the page's
    exported scenario file starts with it."""
    from hedgesim.experiments.report import write_stamped
    from hedgesim.model.provenance import provenance
    from hedgesim.viz.page import VizModel, scenario_toml

    p = provenance()
    write_stamped(tmp_path / "report.md", "# A report\n")
    text = (tmp_path / "report.md").read_text()
    assert text.startswith("# A report\n") and p["model_digest"] in text
    assert f"hedgesim {p['hedgesim_version']}" in text
    assert p["model_digest"] in scenario_toml(VizModel(n_small=5))

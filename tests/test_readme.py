"""What the README shows, run as a user runs it: each Python snippet of the README and docs saved
as a script and run from another folder; each command of the README's shell blocks (at reduced
size where it takes minutes), its printed lines checked where the README shows them; the
headline sweep's five studies in miniature, plain and under the ensemble; and the real
experiments/full.toml (slow), whose report must print the README's headline table."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
HEDGESIM = Path(sys.executable).parent / "hedgesim"

# Every command of the README's shell blocks, with what this test runs for it: the same, a
# reduced form (fewer replicates), or None where another test runs it (named).
COMMANDS: dict[str, str | None] = {
    "make demo": "hedgesim demo --replicates 20",
    "make test": None,  # CI's own command (.ci/run)
    "hedgesim run ukraine --strategy hedge --replicates 500": "same",
    "hedgesim run ukraine --replicates 500 --set Russia.revisionism=0.5": "same",
    "hedgesim sweep experiments/quick.toml --out results/quick": "same",
    "hedgesim analyze results/quick": "same",
    "python -c \"import pandas as pd; print(pd.read_parquet('results/quick/runs').head())\"": "same",
    "hedgesim counterfactual --replicates 1000 --out counterfactual-results":
        "hedgesim counterfactual --replicates 40 --out counterfactual-results",
    "hedgesim tessman belarus": "hedgesim tessman belarus --replicates 20",
    "hedgesim viz": None,  # tests/test_browser.py serves and drives the page
}


def fenced(path: Path, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def shell_commands() -> list[tuple[str, list[str]]]:
    """The README's shell commands in order, each with the output lines shown below it."""
    found: list[tuple[str, list[str]]] = []
    for block in fenced(README, "sh"):
        for line in block.splitlines():
            text = line.removeprefix("$ ")
            if re.match(r"(hedgesim|make|python) ", text):
                found.append((re.sub(r"\s+#.*$", "", text).strip(), []))
            elif found and line.strip() and "$ " in block:  # output shown under a prompt
                found[-1][1].append(line.strip())
    return found


def run(command: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    argv = shlex.split(command)
    argv = ([str(HEDGESIM), *argv[1:]] if argv[0] == "hedgesim" else
            [sys.executable, *argv[1:]] if argv[0] == "python" else argv)
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    """A folder of the user's own, with the sweep files and data where the README's relative
    paths look for them."""
    for name in ("experiments", "data"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


def test_every_readme_command_is_known_here():
    assert sorted({c for c, _ in shell_commands()}) == sorted(COMMANDS)


@pytest.mark.slow
def test_the_readme_commands_run_and_print_what_it_shows(user_folder):
    for command, shown in shell_commands():
        runs = COMMANDS[command]
        if runs is None:
            continue
        done = run(command if runs == "same" else runs, user_folder)
        assert done.returncode == 0, f"{command}: {done.stderr[-2000:]}"
        printed = [" ".join(line.split()) for line in done.stdout.splitlines()]
        for line in shown:  # what the README prints under the command, to the digit
            assert " ".join(line.split()) in printed, f"{command}: README shows {line!r}"


@pytest.mark.slow
@pytest.mark.parametrize("path, k", [(p, k) for p in DOCS for k in range(len(fenced(p, "python")))])
def test_each_python_snippet_runs_as_a_script_from_another_folder(tmp_path, path, k):
    script = tmp_path / "snippet.py"
    script.write_text(fenced(path, "python")[k])
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{path.name} snippet {k}: {done.stderr[-3000:]}"


def miniature(tmp_path: Path) -> Path:
    """experiments/full.toml with every study kept, at a fraction of its runs: one replicate,
    few samples, short horizons."""
    data = tomllib.loads((ROOT / "experiments" / "full.toml").read_text())
    data["sweep"]["replicates"] = 1
    for study in data["study"]:
        study["steps"] = 8
        study.pop("replicates", None)
        if "samples" in study:
            study["samples"] = 4 if study["design"] == "sobol" else 3
    path = tmp_path / "full-mini.toml"
    path.write_text(tomli_w.dumps(data))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("ensemble", [False, True])
def test_the_headline_sweep_in_miniature_crosses_its_studies(tmp_path, ensemble):
    """full.toml's five studies, batches spanning their boundaries, two workers; plain and under
    the shipped ensemble, as the README runs them."""
    extra = f" --ensemble {ROOT / 'data' / 'ensemble.toml'}" if ensemble else ""
    done = run(f"hedgesim sweep {miniature(tmp_path)} --out {tmp_path / 'out'} --workers 2 "
               f"--quiet{extra}", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    report = (tmp_path / "out" / "report" / "report.md").read_text()
    for study in ("generic_regimes", "generic_sobol", "ukraine", "vietnam", "belarus"):
        assert f"## {study}" in report


def headline_rows(text: str) -> dict[str, list[str]]:
    """The arms' survival, war and autonomy cells of a table in Markdown."""
    rows = {}
    for arm in ("balance", "bandwagon", "hedge"):
        match = re.search(rf"^\| {arm} \|(?: \d+ \|)? ([^|]+) \| ([^|]+) \| ([^|]+) \|", text, re.M)
        assert match, arm
        rows[arm] = [cell.strip() for cell in match.groups()]
    return rows


@pytest.mark.slow
def test_the_real_headline_sweep_prints_the_readme_table(tmp_path):
    done = run(f"hedgesim sweep {ROOT / 'experiments' / 'full.toml'} --out {tmp_path / 'full'} "
               f"--workers 2 --quiet", tmp_path, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    report = (tmp_path / "full" / "report" / "report.md").read_text()
    regimes = report[report.index("## generic_regimes"):report.index("## generic_sobol")]
    readme = README.read_text(encoding="utf-8")
    shown = readme[readme.index("| generic worlds |"):]
    assert headline_rows(regimes) == headline_rows(shown)

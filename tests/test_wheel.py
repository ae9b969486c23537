"""hedgesim as a library: the wheel installs everything under one namespace (nothing named
``model`` or ``agents`` lands in site-packages), carries its data, scenarios, sweeps and
ensemble, and works from a folder laid out like a Mesa example, with a model.py and an
agents.py of its own. The wheel's runs use numba's pure-Python mode (``NUMBA_DISABLE_JIT``):
the same outcomes without compiling the year afresh for the wheel's own paths."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, capture_output=True, timeout=600)
    (path,) = out.glob("hedgesim-*.whl")
    return path


@pytest.mark.slow
def test_the_wheel_holds_one_namespace_and_the_files_the_commands_read(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert not tops & {"model", "agents", "scenarios", "experiments", "data", "tests"}, tops
    for needed in ("hedgesim/model/model.py", "hedgesim/model/agents.py",
                   "hedgesim/agents/__init__.py", "hedgesim/scenarios/ukraine.toml",
                   "hedgesim/experiments/quick.toml", "hedgesim/data/ensemble.toml",
                   "hedgesim/data/mids.parquet", "hedgesim/viz/app.py"):
        assert needed in names, needed


@pytest.mark.slow
def test_the_installed_package_works_from_a_folder_with_its_own_model_and_agents(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=600)
    user = tmp_path / "my-project"
    user.mkdir()
    (user / "model.py").write_text("raise SystemExit('the user\\'s own model.py was imported')\n")
    (user / "agents.py").write_text("raise SystemExit('the user\\'s own agents.py was imported')\n")
    env = {**os.environ, "PYTHONPATH": str(target), "NUMBA_DISABLE_JIT": "1"}
    env.pop("PYTHONSAFEPATH", None)

    def python(code: str) -> str:
        done = subprocess.run([sys.executable, "-c", code], cwd=user, env=env, text=True,
                              capture_output=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    where = python("import hedgesim, hedgesim.model.model as m; print(hedgesim.__file__, m.__file__)")
    assert all(p.startswith(str(target)) for p in where.split()), where
    python("from hedgesim import HedgeModel; HedgeModel('vietnam', rng=1, steps=2).run()")

    def hedgesim(*args: str) -> str:
        return python(f"import sys; sys.argv = ['hedgesim', *{list(args)!r}]; "
                      f"from hedgesim.cli import main; raise SystemExit(main())")

    assert "per 100 dyad-years" in hedgesim("history", "--out", str(tmp_path / "h"))
    out = hedgesim("run", "ukraine", "--ensemble", "calibrated", "--replicates", "1", "--steps",
                   "3", "--workers", "1")
    assert "parameter uncertainty" in out
    out = hedgesim("sweep", "quick", "--out", str(tmp_path / "q"), "--shard", "0/108",
                   "--workers", "1", "--quiet")
    assert "in " in out and (tmp_path / "q" / "runs").is_dir()

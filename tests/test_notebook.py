"""The tutorial notebook (docs/tutorial.ipynb) runs top to bottom, as a student runs it, and is
the one scripts/make-tutorial.py writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"


def test_the_notebook_is_the_one_its_script_writes(tmp_path):
    before = NOTEBOOK.read_bytes()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make-tutorial.py")], check=True,
                   capture_output=True)
    assert NOTEBOOK.read_bytes() == before, "run scripts/make-tutorial.py and commit the notebook"


@pytest.mark.slow
def test_the_tutorial_runs_top_to_bottom(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs)
    assert "claim 1" in printed and "settings:" in printed and "P(war | hedge)" in printed

"""Traceability: docs/ODD.md names every mechanism and every parameter, and the README's
commands exist."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from hedgesim.model import mechanisms
from hedgesim.scenarios.params import PARAMS, odd_row
from hedgesim.scenarios.schema import GENERATOR_FIELDS, GREAT_POWER_FIELDS, SMALL_STATE_FIELDS

ROOT = Path(__file__).resolve().parents[1]
ODD = (ROOT / "docs" / "ODD.md").read_text()


def test_every_parameter_and_attribute_is_in_the_odd_with_a_source():
    for p in PARAMS:  # the row as the registry gives it: default, range, prior, meaning, source
        assert odd_row(p) in ODD.splitlines(), f"{p.name}: python -m hedgesim.scenarios.params"
        assert p.source.strip(), p.name
    for f in (*GREAT_POWER_FIELDS, *SMALL_STATE_FIELDS, *GENERATOR_FIELDS):
        assert f"`{f.name}`" in ODD and f.source.strip(), f.name


def test_every_mechanism_function_is_described():
    def defined_here(obj: object) -> bool:  # a compiled mechanism is a numba dispatcher
        fn = getattr(obj, "py_func", obj)
        return inspect.isfunction(fn) and fn.__module__ == mechanisms.__name__

    public = [name for name, obj in inspect.getmembers(mechanisms, defined_here)
              if not name.startswith("_")]
    assert len(public) >= 25, public
    for name in public:
        assert re.search(rf"`{name}`", ODD), name


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()

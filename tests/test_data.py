"""The shipped data (data/) are what the raw extracts give, and read the same everywhere."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from hedgesim.record import data

# The raw extracts are not shipped (data/README.md names each source): HEDGESIM_RAW_DATA names
# their folder, by default shared/data beside the checkout. Without them these tests skip.
RAW = Path(os.environ.get("HEDGESIM_RAW_DATA")
           or Path(__file__).resolve().parents[2] / "shared" / "data")
NO_RAW = "no raw extracts: set HEDGESIM_RAW_DATA to their folder (data/README.md lists them)"


def test_every_shipped_table_loads_with_its_declared_columns():
    for name, spec in data.EXTRACTS.items():
        frame = data.table(name)
        assert list(frame.columns) == list(spec.columns.values()), name
        assert len(frame) > 0


@pytest.mark.skipif(not RAW.is_dir(), reason=NO_RAW)
@pytest.mark.parametrize("name", list(data.EXTRACTS))
def test_shipped_files_are_what_the_raw_extracts_give(name, tmp_path):
    derived = data.derive(name, RAW)
    pd.testing.assert_frame_equal(derived, data.table(name))


def test_rebuild_writes_the_same_bytes_twice(tmp_path):
    if not RAW.is_dir():
        pytest.skip(NO_RAW)
    first = {p.name: p.read_bytes() for p in data.rebuild(RAW, tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in data.rebuild(RAW, tmp_path / "b")}
    assert first == second

"""The reference data the project ships, in ``data/`` at the root: compact Parquet extracts of
public peace-science data sets, each with the columns the project uses (data/README.md cites
every source and says how each file is derived).

``table(name)`` reads one shipped file (once per process). ``rebuild(raw, out)`` derives every
file from the raw extracts (the CSV files of peacesciencer 1.2.9's bundled data, as in the
steering repository's ``shared/data``): ``python -m hedgesim.record.data RAW_DIR`` regenerates
``data/``, and a test checks that the shipped files are what the raw extracts give.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
ENV_VAR = "HEDGESIM_DATA"  # another folder of shipped-format files, e.g. a newer release


@dataclass(frozen=True)
class Extract:
    """One shipped file: the raw CSV it comes from, the columns kept (renamed), their types,
    and the rows kept."""

    raw: str
    columns: dict[str, str]  # raw name -> shipped name
    types: dict[str, str]  # shipped name -> pandas dtype
    rows: Callable[[pd.DataFrame], pd.Series] | None = None
    sort: tuple[str, ...] = ()


def _years(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda f: pd.to_datetime(f[column]).dt.year


EXTRACTS: dict[str, Extract] = {
    "nmc": Extract("cow_nmc.csv", {"ccode": "ccode", "year": "year", "milex": "milex",
                                   "milper": "milper", "cinc": "cinc"},
                   {"ccode": "Int16", "year": "Int16", "milex": "float64", "milper": "float64",
                    "cinc": "float64"}, sort=("ccode", "year")),
    "states": Extract("cow_states.csv", {"ccode": "ccode", "stateabb": "abb",
                                         "statenme": "name", "styear": "start",
                                         "endyear": "end"},
                      {"ccode": "Int16", "abb": "string", "name": "string", "start": "Int16",
                       "end": "Int16"}, sort=("ccode", "start")),
    "majors": Extract("cow_majors.csv", {"ccode": "ccode", "styear": "start", "endyear": "end"},
                      {"ccode": "Int16", "start": "Int16", "end": "Int16"},
                      sort=("ccode", "start")),
    "contiguity": Extract("cow_contiguity.csv", {"ccode1": "ccode1", "ccode2": "ccode2",
                                                 "conttype": "conttype", "stdate": "start",
                                                 "enddate": "end"},
                          {"ccode1": "Int16", "ccode2": "Int16", "conttype": "Int8",
                           "start": "Int16", "end": "Int16"},
                          sort=("ccode1", "ccode2", "start")),
    "atop": Extract("atop_alliance_dyad_years.csv",
                    {"ccode1": "ccode1", "ccode2": "ccode2", "year": "year",
                     "atop_defense": "defense", "atop_offense": "offense",
                     "atop_neutral": "neutral", "atop_nonagg": "nonagg",
                     "atop_consul": "consul"},
                    {"ccode1": "Int16", "ccode2": "Int16", "year": "Int16", "defense": "Int8",
                     "offense": "Int8", "neutral": "Int8", "nonagg": "Int8", "consul": "Int8"},
                    sort=("ccode1", "ccode2", "year")),
    "trade": Extract("cow_trade_state_year.csv", {"ccode": "ccode", "year": "year",
                                                  "imports": "imports", "exports": "exports"},
                     {"ccode": "Int16", "year": "Int16", "imports": "float64",
                      "exports": "float64"}, sort=("ccode", "year")),
    "mids": Extract("gml_mid_dyad_years.csv",
                    {"dispnum": "dispnum", "ccode1": "ccode1", "ccode2": "ccode2", "year": "year",
                     "gmlmidonset": "onset", "sidea1": "sidea1", "hostlev1": "hostlev1",
                     "hiact1": "hiact1", "orig1": "orig1", "hostlev": "hostlev"},
                    {"dispnum": "Int32", "ccode1": "Int16", "ccode2": "Int16", "year": "Int16",
                     "onset": "Int8", "sidea1": "Int8", "hostlev1": "Int8", "hiact1": "Int8",
                     "orig1": "Int8", "hostlev": "Int8"},
                    sort=("ccode1", "ccode2", "year", "dispnum")),
    "wars": Extract("cow_war_inter_dyad_years.csv",
                    {"warnum": "warnum", "ccode1": "ccode1", "ccode2": "ccode2", "year": "year",
                     "cowinteronset": "onset", "sidea1": "sidea1", "initiator1": "initiator1",
                     "outcome1": "outcome1"},
                    {"warnum": "Int16", "ccode1": "Int16", "ccode2": "Int16", "year": "Int16",
                     "onset": "Int8", "sidea1": "Int8", "initiator1": "Int8", "outcome1": "Int8"},
                    sort=("ccode1", "ccode2", "year", "warnum")),
    "rivalries": Extract("td_rivalries.csv",
                         {"rivalryno": "rivalry", "rivalryname": "name", "ccode1": "ccode1",
                          "ccode2": "ccode2", "styear": "start", "endyear": "end",
                          "type1": "type1", "type2": "type2", "type3": "type3"},
                         {"rivalry": "Int16", "name": "string", "ccode1": "Int16",
                          "ccode2": "Int16", "start": "Int16", "end": "Int16", "type1": "string",
                          "type2": "string", "type3": "string"}, sort=("rivalry",)),
}
DATES = {"contiguity": ("start", "end")}  # ISO dates in the raw file, years when shipped


def data_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DATA_DIR


@cache
def _read(name: str, directory: str) -> pd.DataFrame:
    if name not in EXTRACTS:
        raise KeyError(f"no shipped table {name!r} (known: {', '.join(EXTRACTS)})")
    return pd.read_parquet(Path(directory) / f"{name}.parquet").astype(EXTRACTS[name].types)


def table(name: str) -> pd.DataFrame:
    """One shipped table (read once per process; do not modify it in place)."""
    return _read(name, str(data_dir()))


def derive(name: str, raw_dir: Path) -> pd.DataFrame:
    """The shipped form of one table, from its raw extract."""
    spec = EXTRACTS[name]
    raw = pd.read_csv(raw_dir / spec.raw)
    for column in DATES.get(name, ()):
        source = next(k for k, v in spec.columns.items() if v == column)
        raw[source] = _years(source)(raw)
    frame = raw[list(spec.columns)].rename(columns=spec.columns)
    if spec.rows is not None:
        frame = frame[spec.rows(frame)]
    frame = frame.astype(spec.types)
    return frame.sort_values(list(spec.sort), kind="stable", ignore_index=True)


def rebuild(raw_dir: Path, out_dir: Path = DATA_DIR) -> list[Path]:
    """Derive every shipped file from the raw extracts in ``raw_dir`` (deterministic bytes)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in EXTRACTS:
        frame = derive(name, raw_dir)
        path = out_dir / f"{name}.parquet"
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp,
                       compression="zstd", store_schema=False)
        os.replace(tmp, path)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description="Regenerate data/ from the raw extracts.")
    parser.add_argument("raw", type=Path, help="folder of the raw CSV extracts (shared/data)")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    for path in rebuild(args.raw, args.out):
        print(f"{path}: {len(pd.read_parquet(path)):,} rows, {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

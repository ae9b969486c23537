"""The batch runner: run a sweep on local processes or Dask, streaming results to Parquet.

Results live in ``DIR/runs/``, a Parquet dataset with one row per (run, strategy arm); load it
with ``pd.read_parquet(DIR / "runs")``. Each finished batch is written to a hidden temporary file
and renamed into place, so a part file is either complete or absent: an interrupted sweep (Ctrl-C,
kill -9, a crash) loses at most the batches in flight, and rerunning the same command skips every
run already on disk. ``DIR/manifest.json`` holds the sweep definition and its digest; a different
sweep pointed at the same DIR is refused.

Work travels as scenario references and override tuples, never as model objects; each worker
loads a scenario once (``_scenario`` cache) and runs a batch of runs per task.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from experiments.runs import run_one
from experiments.sweep import Run, Sweep
from hedgesim.cli import UsageError
from scenarios.loader import Scenario, load_scenario

RUNS_DIR = "runs"
MANIFEST = "manifest.json"
EXECUTORS = ("local", "dask")

# Outcome columns of a row, aggregated over the run's focal states (a calibrated scenario has
# one, a generic world many): shares and means, the earliest war, every state's end year.
OUTCOMES: dict[str, pa.DataType] = {
    "n_focal": pa.int64(),
    "survived": pa.float64(),        # share of focal states that survived to the horizon
    "attacked": pa.float64(),        # share of focal states attacked at least once
    "years_to_war": pa.int64(),      # years to the first war on any focal state, -1 if none
    "autonomy_mean": pa.float64(),   # autonomy averaged over years and focal states
    "autonomy_final": pa.float64(),
    "welfare_final": pa.float64(),
    "coercions": pa.float64(),       # coercion episodes per focal state
    "territory_lost": pa.float64(),
    "wars_total": pa.int64(),        # war onsets in the whole world
    "polarity_final": pa.float64(),
    "steps": pa.int64(),
    "end_years": pa.list_(pa.int64()),  # per focal state: years until it ended, -1 if it survived
    "error": pa.string(),            # the exception of a failed run (its outcomes are null)
}
KEYS: dict[str, pa.DataType] = {
    "run": pa.int64(), "study": pa.string(), "point": pa.int64(), "replicate": pa.int64(),
    "seed": pa.int64(), "arm": pa.string(),
}
KINDS = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}


@dataclass(frozen=True)
class Task:
    """A batch of runs of one study, in the small form that is shipped to workers."""

    scenario: str
    steps: int
    arms: tuple[str, ...]
    study: str
    runs: tuple[Run, ...]


@dataclass
class SweepResult:
    """What a sweep call did: runs in the sweep, runs already done before, failures now."""

    total: int
    skipped: int
    failed: list[tuple[int, str, str]]
    out: Path


def schema(sweep: Sweep) -> pa.Schema:
    """The dataset's columns: keys, every factor of every study, outcomes."""
    fields = {**KEYS, **{n: KINDS[k] for n, k in sweep.factor_kinds.items()}, **OUTCOMES}
    return pa.schema(list(fields.items()))


@lru_cache(maxsize=16)
def _scenario(ref: str) -> Scenario:
    """Each worker parses a scenario file once."""
    return load_scenario(ref)


def aggregate(outcomes: pd.DataFrame, start_year: int) -> dict[str, Any]:
    """One row from the per-focal-state outcomes of one run."""
    war = outcomes.loc[outcomes["attacked"], "years_to_war"]
    ended = outcomes["end_year"].to_numpy()
    return {
        "n_focal": len(outcomes),
        "survived": float(outcomes["survived"].mean()),
        "attacked": float(outcomes["attacked"].mean()),
        "years_to_war": int(war.min()) if len(war) else -1,
        "autonomy_mean": float(outcomes["autonomy_mean"].mean()),
        "autonomy_final": float(outcomes["autonomy_final"].mean()),
        "welfare_final": float(outcomes["welfare_final"].mean()),
        "coercions": float(outcomes["coercions"].mean()),
        "territory_lost": float(outcomes["territory_lost"].mean()),
        "wars_total": int(outcomes["wars_total"].iloc[0]),
        "polarity_final": float(outcomes["polarity_final"].iloc[0]),
        "steps": int(outcomes["steps"].iloc[0]),
        "end_years": np.where(ended >= 0, ended - start_year + 1, -1).tolist(),
        "error": None,
    }


def run_batch(task: Task) -> list[dict[str, Any]]:
    """Run every arm of every run in a batch on the run's seed. A run that raises becomes a row
    with its error and no outcomes; the batch goes on."""
    scenario = _scenario(task.scenario)
    rows = []
    for run in task.runs:
        for arm in task.arms:
            row: dict[str, Any] = {"run": run.run, "study": task.study, "point": run.point,
                                   "replicate": run.replicate, "seed": run.seed, "arm": arm,
                                   **dict(run.params)}
            try:
                result = run_one(scenario, seed=run.seed, strategy=arm, steps=task.steps,
                                 overrides=dict(run.overrides))
                row |= aggregate(result.outcomes, scenario.start_year)
            except Exception as err:  # a failed run is data, not the end of the sweep
                line = traceback.format_exception_only(err)[-1].strip()
                row |= {"error": line}
            rows.append(row)
    return rows


def tasks(sweep: Sweep, runs: list[Run], batch: int) -> Iterator[Task]:
    """Consecutive runs of one study, ``batch`` at a time."""
    for s, study in enumerate(sweep.studies):
        mine = [r for r in runs if r.study == s]
        for i in range(0, len(mine), batch):
            yield Task(study.scenario, study.steps, sweep.arms, study.name,
                       tuple(mine[i:i + batch]))


def prepare(sweep: Sweep, out: Path) -> set[int]:
    """Create DIR or check that it holds this sweep; the runs already on disk."""
    manifest = {"sweep": sweep.data, "path": str(Path(sweep.path).resolve()),
                "digest": sweep.digest()}
    path = out / MANIFEST
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("digest") != manifest["digest"]:
            raise UsageError(f"{out}: holds results of a different sweep ({old.get('path')}, or "
                             f"its scenarios changed); use another --out or remove it")
    elif out.exists() and any(out.iterdir()):
        raise UsageError(f"{out}: exists and is not a sweep directory; use another --out")
    (out / RUNS_DIR).mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # key order is kept: it fixes the order of factors, points and runs
        _atomic_write(path, lambda tmp: tmp.write_text(json.dumps(manifest, indent=1) + "\n"))
    for stale in (out / RUNS_DIR).glob(".*.tmp"):
        stale.unlink()
    return completed(out)


def completed(out: Path) -> set[int]:
    """Run ids with rows on disk (failed ones too: the same seed fails the same way)."""
    parts = sorted((out / RUNS_DIR).glob("part-*.parquet"))
    return {int(r) for p in parts for r in pq.read_table(p, columns=["run"])["run"].to_pylist()}


def _atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_part(out: Path, rows: list[dict[str, Any]], table_schema: pa.Schema) -> None:
    """One finished batch as one Parquet file, complete or absent."""
    ids = [r["run"] for r in rows]
    columns = {f.name: [r.get(f.name) for r in rows] for f in table_schema}
    table = pa.table(columns, schema=table_schema)
    path = out / RUNS_DIR / f"part-{min(ids):08d}-{max(ids):08d}.parquet"
    _atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def _windowed(submit: Callable[[Task], Any], wait_first: Callable[[set], tuple[set, set]],
              work: Iterable[Task], window: int) -> Iterator[list[dict[str, Any]]]:
    """Results as they finish, with at most ``window`` tasks in flight (flat memory)."""
    todo = iter(work)
    pending = {submit(t) for _, t in zip(range(window), todo, strict=False)}
    while pending:
        done, pending = wait_first(pending)
        for future in done:
            yield future.result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.add(submit(nxt))


def _local(work: Iterable[Task], workers: int) -> Iterator[list[dict[str, Any]]]:
    if workers == 1:
        yield from map(run_batch, work)
        return
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["experiments.worker"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        try:
            yield from _windowed(lambda t: pool.submit(run_batch, t),
                                 lambda p: wait(p, return_when=FIRST_COMPLETED),
                                 work, 2 * workers)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _dask(work: Iterable[Task], workers: int, scheduler: str | None,
          processes: bool) -> Iterator[list[dict[str, Any]]]:
    from distributed import Client, LocalCluster
    from distributed import wait as dask_wait

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as err:
            raise UsageError(f"--scheduler {scheduler}: cannot connect ({err})") from None
        cluster = None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        width = sum(client.nthreads().values()) or workers
        yield from _windowed(lambda t: client.submit(run_batch, t, pure=False),
                             lambda p: tuple(map(set, dask_wait(p, return_when="FIRST_COMPLETED"))),
                             work, 2 * width)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_sweep(sweep: Sweep, out: str | Path, *, executor: str = "local",
              workers: int | None = None, scheduler: str | None = None, progress: bool = True,
              batch: int | None = None, dask_processes: bool = True) -> SweepResult:
    """Run every run of ``sweep`` not yet in ``out``; failures are recorded, not raised."""
    if executor not in EXECUTORS:
        raise UsageError(f"--executor: must be one of {', '.join(EXECUTORS)}, not {executor!r}")
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise UsageError(f"--workers: must be at least 1, not {workers}")
    out = Path(out)
    done = prepare(sweep, out)
    runs = sweep.runs()
    pending = [r for r in runs if r.run not in done]
    size = batch or max(1, min(50, -(-len(pending) // (8 * workers))))
    work = tasks(sweep, pending, size)
    stream = (_dask(work, workers, scheduler, dask_processes) if executor == "dask"
              else _local(work, workers))
    table_schema = schema(sweep)
    failed: list[tuple[int, str, str]] = []
    with tqdm(total=len(runs), initial=len(done), unit="run", desc=sweep.name,
              file=sys.stderr, disable=not progress, dynamic_ncols=True) as bar:
        for rows in stream:
            write_part(out, rows, table_schema)
            failed += [(r["run"], r["arm"], r["error"]) for r in rows if r.get("error")]
            bar.update(len({r["run"] for r in rows}))
    return SweepResult(len(runs), len(done), failed, out)


def load_results(out: str | Path) -> pd.DataFrame:
    """The results of a sweep directory, sorted by run and arm."""
    path = Path(out) / RUNS_DIR
    if not path.is_dir() or not any(path.glob("part-*.parquet")):
        raise UsageError(f"{out}: no sweep results here (expected {path}/part-*.parquet)")
    return pd.read_parquet(path).sort_values(["run", "arm"], kind="stable",
                                             ignore_index=True)


def load_manifest(out: str | Path) -> dict[str, Any]:
    path = Path(out) / MANIFEST
    if not path.is_file():
        raise UsageError(f"{out}: no {MANIFEST}; not a sweep directory")
    return json.loads(path.read_text(encoding="utf-8"))

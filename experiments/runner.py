"""The resumable sweep: a sweep's items through the engine, streamed to Parquet.

Results live in ``DIR/runs/``, a Parquet dataset with one row per (run, strategy arm, focal
state): the record of ``model.records.OUTCOMES`` with the run's keys and factors. Load it with
``pd.read_parquet(DIR / "runs")``. Each finished batch is written, by the worker that ran it, to
a hidden temporary file and renamed into place, so a part file is either complete or absent: an
interrupted sweep (Ctrl-C, kill -9, a crash) loses at most the batches in flight, and rerunning
the same command skips every run already on disk. ``DIR/manifest.json`` holds the sweep
definition and its digest; a different sweep pointed at the same DIR is refused.

Each part has its SHA-256 beside it (``_part-….parquet.sha256``, written first; Parquet readers
skip it) and Parquet's own page checksums: a part that is damaged (a truncated or empty file, a
broken footer, flipped bytes) is named, removed and run again on resume, and reading results
refuses it.

``shard=(i, n)`` runs only the runs whose number is i modulo n, for batch schedulers (a Slurm job
array): shards write disjoint parts, into one shared DIR or one DIR each, and the union of the n
shards is the unsharded sweep, row for row.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hedgesim.experiments.engine import Executor, Item, Records, Setting, all_failed, check_memory, stream
from hedgesim.experiments.sweep import MEMBER, RUN_KEYS, Run, Sweep
from hedgesim.model.provenance import provenance
from hedgesim.model.records import ATTACKS, OUTCOMES
from hedgesim.scenarios.loader import InputError

RUNS_DIR = "runs"
CHECKSUM = ".sha256"  # _PART.sha256 beside each part: its SHA-256 ("_": Parquet readers skip it)
MANIFEST = "manifest.json"
LOCK = ".lock-"  # DIR/.lock-I-of-N: held by the command writing shard I of N (``results_lock``)
ARROW = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}
KEYS: dict[str, pa.DataType] = {k: pa.string() if k in ("study", "arm") else pa.int64()
                                 for k in RUN_KEYS}


@dataclass
class SweepResult:
    """What a sweep call did: runs in the sweep (or shard), runs already done, failures now."""

    total: int
    skipped: int
    failed: list[tuple[int, str, str]]
    out: Path
    damaged: list[str] = field(default_factory=list)  # parts found damaged and run again


def schema(sweep: Sweep) -> pa.Schema:
    """The dataset's columns: keys (and the ensemble member, under an ensemble), every factor
    of every study, the record, the error."""
    fields = {**KEYS, **({MEMBER: pa.string()} if sweep.members else {}),
              **{n: ARROW[k] for n, k in sweep.factor_kinds.items()},
              **{o.name: ARROW[o.kind] for o in OUTCOMES}, "error": pa.string()}
    return pa.schema(list(fields.items()))


def items(sweep: Sweep, runs: Iterable[Run]) -> Iterator[Item]:
    """Every arm of every run, on the run's seed, with the run's keys and factors, made as the
    engine asks for them."""
    for r in runs:
        study = sweep.studies[r.study]
        keys = (("run", r.run), ("study", study.name), ("point", r.point),
                ("replicate", r.replicate), *((MEMBER, r.member),) * bool(sweep.members),
                *r.params)
        for arm in sweep.arms:
            yield Item(Setting.of(study.scenario, arm, dict(r.overrides), study.steps), r.seed,
                       keys)


def prepare(sweep: Sweep, out: Path, shard: tuple[int, int], hold: ExitStack
            ) -> tuple[set[int], list[str]]:
    """Create DIR or check that it holds this sweep, then take its lock for this shard
    (``results_lock``, held by ``hold``); the runs already on disk, and the damaged parts
    removed so that their runs are run again."""
    manifest = {"sweep": sweep.data, "path": str(Path(sweep.path).resolve()),
                "digest": sweep.digest(), **provenance()}
    path = out / MANIFEST
    if path.exists():
        old = read_manifest(path)
        if old.get("digest") != manifest["digest"]:
            raise InputError(f"{out}: holds results of a different sweep ({old.get('path')}, or "
                             f"its scenarios changed); use another --out or remove it")
    elif out.exists() and any(p.name != RUNS_DIR and not p.name.startswith(LOCK)
                              for p in out.iterdir()):
        raise InputError(f"{out}: exists and is not a sweep directory; use another --out")
    try:
        (out / RUNS_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{out}: cannot create the results directory ({err.strerror})") from None
    hold.enter_context(results_lock(out, shard))
    if not path.exists():
        # key order is kept: it fixes the order of factors, points and runs
        atomic_write(path, lambda tmp: tmp.write_text(json.dumps(manifest, indent=1) + "\n"))
    k, n = shard
    for stale in (out / RUNS_DIR).glob(".*.tmp"):  # this shard's: others may be writing theirs
        first = re.search(r"part-(\d+)-", stale.name)
        if first is None or int(first.group(1)) % n == k:
            stale.unlink(missing_ok=True)
    return completed(out, repair=True)


@contextmanager
def results_lock(out: Path, shard: tuple[int, int]) -> Iterator[None]:
    """One writer per results folder and shard: an exclusive lock on ``DIR/.lock-I-of-N`` held
    while the sweep runs (the kernel drops it when the process dies, however it dies). A second
    command writing the same runs into the same folder is refused at once; shards of one sweep
    lock apart and may share the folder."""
    path = out / f"{LOCK}{shard[0]}-of-{shard[1]}"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as err:
        raise InputError(f"{path}: cannot be opened ({err.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{out}: another hedgesim command is writing these results; wait "
                             f"for it to end or use another --out") from None
        yield
    finally:
        os.close(fd)


def read_manifest(path: Path) -> dict[str, Any]:
    """A results folder's manifest, or one line naming what is wrong with it."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: not a readable manifest ({err}); remove the folder or use "
                         f"another --out") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("digest"), str):
        raise InputError(f"{path}: not a sweep manifest (no digest); remove the folder or use "
                         f"another --out")
    return manifest


def sidecar_of(part: Path) -> Path:
    return part.with_name(f"_{part.name}{CHECKSUM}")


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damage(part: Path) -> str | None:
    """Why a part cannot be trusted (its checksum file is missing or disagrees, or Parquet
    cannot read it), or None."""
    sidecar = sidecar_of(part)
    if not sidecar.is_file():
        return "no checksum"
    if sidecar.read_text(encoding="utf-8").strip() != checksum(part):
        return "checksum mismatch"
    try:
        pq.read_table(part)
    except (pa.ArrowException, OSError) as err:
        return f"unreadable ({str(err).splitlines()[0]})"
    return None


def completed(out: Path, repair: bool = False, folder: str = RUNS_DIR, key: str = "run"
              ) -> set[int] | tuple[set[int], list[str]]:
    """Run ids (the ``key`` column of ``DIR/folder``'s parts) with rows on disk, failed ones too:
    the same seed fails the same way. With ``repair``, damaged parts are removed (their runs
    will run again) and named too."""
    runs: set[int] = set()
    damaged = []
    for part in sorted((out / folder).glob("part-*.parquet")):
        why = damage(part)
        if why is None:
            runs |= set(pq.read_table(part, columns=[key])[key].to_pylist())
        elif repair:
            damaged.append(f"{part.name}: {why}")
            part.unlink(missing_ok=True)
            sidecar_of(part).unlink(missing_ok=True)
        else:
            raise InputError(f"{part}: damaged ({why}); run the same command again to redo its "
                             f"runs")
    return (runs, damaged) if repair else runs


def atomic_write(path: Path, write: Callable[[Path], Any], sync: bool = True) -> None:
    """Write through a temporary file beside ``path``, then rename: complete or absent (the
    temporary file is removed when the write or the rename fails). With ``sync`` the file and
    then its folder are flushed to the disk, so that a power cut cannot leave it torn."""
    # a name no one can guess, created here (O_EXCL: never through a link planted in its place)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        if sync:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if not sync:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_batch(records: Records, out: Path, table_schema: pa.Schema) -> Records:
    """A task's ``finish``: the batch's Parquet part written where the batch ran, by the worker,
    so that neither its rows nor their writing pass through the sweep's parent (whose work then
    does not grow with the workers'); what travels back is one row per run and arm, its keys
    and error. The table is built column by column (a column the batch lacks is null), a
    quarter of the work of ``pa.Table.from_pandas``; pandas reads it back the same."""
    rows = records.outcomes
    runs = rows.drop_duplicates("item")[["item", "run", "arm", "error"]].reset_index(drop=True)
    write_part(part_path(out / RUNS_DIR, runs["run"]), parquet_bytes(typed(rows, table_schema)))
    return Records(runs)


def typed(rows: pd.DataFrame, table_schema: pa.Schema) -> pa.Table:
    """Rows as a table of ``table_schema``, built column by column (a column the rows lack is
    null): every part of a dataset has the same columns, whatever failed in its batch."""
    return pa.Table.from_arrays(
        [pa.array(rows[f.name].to_numpy(), type=f.type, from_pandas=True) if f.name in rows
         else pa.nulls(len(rows), f.type) for f in table_schema], schema=table_schema)


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer, write_page_checksum=True)
    return buffer.getvalue().to_pybytes()


def part_path(folder: Path, ids: pd.Series) -> Path:
    """A batch's part, named by the first and last of its runs' ids."""
    return folder / f"part-{int(ids.min()):08d}-{int(ids.max()):08d}.parquet"


def write_part(path: Path, data: bytes) -> None:
    """One finished batch's Parquet file, complete or absent, with its checksum."""
    # The checksum first: a part is never without it. It is not flushed on its own: the part's
    # flush of their folder takes both renames to the disk, and a checksum torn by a power cut
    # only marks its part damaged, to be run again (``damage``). Two flushes a part, not four:
    # a worker waits on them.
    sidecar = sidecar_of(path)
    atomic_write(sidecar, lambda tmp: tmp.write_text(hashlib.sha256(data).hexdigest() + "\n"),
                 sync=False)
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


RUN_TABLES = ("outcomes", "series", "model_series")  # a run's records in DIR, a folder each
def run_schema(attackers: Sequence[str]) -> pa.Schema:
    """The columns of a run's outcomes: keys, ``OUTCOMES``, who attacked (``attacks_GP`` for
    the great powers named), the error."""
    return pa.schema([*((k, pa.string() if k == "arm" else pa.int64())
                        for k in ("item", "setting", "replicate", "arm", "seed")),
                      *((o.name, ARROW[o.kind]) for o in OUTCOMES),
                      *((f"{ATTACKS}{gp}", pa.int64()) for gp in attackers),
                      ("error", pa.string())])
RUN_MANIFEST = "run.json"


def run_into(items: Sequence[Item], out: Path, identity: dict[str, Any],
             executor: Executor | None = None, *, batch: int | None = None,
             attackers: Sequence[str] = ()) -> pd.DataFrame:
    """The records of ``items`` (paired settings × seeds, as ``hedgesim run`` makes them),
    streamed into ``DIR/outcomes/``, ``DIR/series/`` and ``DIR/model_series/`` a batch at a time
    (checksummed parts, as a sweep's), so that memory does not grow with the records and an
    interrupted run resumes: the same command skips the runs on disk. ``identity`` is what the
    command was asked (its digest in ``DIR/run.json``); another run into DIR is refused. Returns
    the outcomes, read back in item order."""
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()
    path = out / RUN_MANIFEST
    if path.exists() and read_manifest(path)["digest"] != digest:
        raise InputError(f"{out}: holds the records of a different run; use another --out or "
                         f"remove it")
    for table in RUN_TABLES:
        (out / table).mkdir(parents=True, exist_ok=True)
    with results_lock(out, (0, 1)):
        if not path.exists():
            atomic_write(path, lambda tmp: tmp.write_text(json.dumps(
                {"run": identity, "digest": digest, **provenance()}, indent=1, default=str) + "\n"))
        for table in RUN_TABLES:
            for stale in (out / table).glob(".*.tmp"):
                stale.unlink(missing_ok=True)
        done, _ = completed(out, repair=True, folder="outcomes", key="item")
        for table in RUN_TABLES[1:]:  # a batch's other tables without its outcomes: redone
            for part in (out / table).glob("part-*.parquet"):
                if not (out / "outcomes" / part.name).exists():
                    part.unlink()
                    sidecar_of(part).unlink(missing_ok=True)
        # each item carries its place among all (``item``), so a resumed run's rows are the same
        pending = [replace(item, keys=(*item.keys, ("item", k))) for k, item in enumerate(items)
                   if k not in done]
        write = partial(write_run_batch, out=out.resolve(), table_schema=run_schema(attackers))
        for _ in stream(pending, executor, series=True, batch=batch, finish=write):
            pass
    outcomes = pd.read_parquet(out / "outcomes").sort_values("item", ignore_index=True)
    all_failed(outcomes["error"])
    return outcomes


def write_run_batch(records: Records, out: Path, table_schema: pa.Schema) -> Records:
    """``run_into``'s finish: a batch's three tables as parts named by its items, outcomes last
    (a batch counts as done once its outcomes are on disk); one row per item travels back."""
    items = records.outcomes["item"]
    for table, frame in (("series", records.series), ("model_series", records.model_series)):
        if frame is not None:
            write_part(part_path(out / table, items),
                       parquet_bytes(pa.Table.from_pandas(frame, preserve_index=False)))
    write_part(part_path(out / "outcomes", items),
               parquet_bytes(typed(records.outcomes, table_schema)))
    return Records(records.outcomes.drop_duplicates("item")[["item", "error"]])


def parse_shard(text: str) -> tuple[int, int]:
    """``i/n`` with 0 <= i < n, as a batch scheduler's array index and size."""
    index, sep, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        i, n = -1, 0
    if not sep or not 0 <= i < n:
        raise InputError(f"--shard {text}: expected I/N with 0 <= I < N (e.g. 0/4 ... 3/4)")
    return i, n


def run_sweep(sweep: Sweep, out: str | Path, executor: Executor | None = None, *,
              shard: tuple[int, int] = (0, 1), batch: int | None = None) -> SweepResult:
    """Run every run of ``sweep`` (of its ``shard``) not yet in ``out``; failures are recorded,
    not raised."""
    out = Path(out)
    k, n = shard
    mine = len(range(k, sweep.size(), n))  # the design first
    check_memory([study.largest_world() for study in sweep.studies],
                 min(executor.workers if executor is not None else 1, max(1, mine)))
    write = partial(write_batch, out=out.resolve(), table_schema=schema(sweep))
    failed: list[tuple[int, str, str]] = []
    workers = executor.workers if executor is not None else 1
    with ExitStack() as hold:
        done, damaged = prepare(sweep, out, shard, hold)
        skipped = sum(1 for r in done if r % n == k)
        pending = (r for r in sweep.runs() if r.run % n == k and r.run not in done)
        runs_per_task = batch or max(1, min(50, -(-(mine - skipped) // (8 * workers))))
        # Whole runs in every task: a part holds every arm of its runs, and is named by them.
        # Each batch's part is on disk before its worker reports it done (``write_batch``), so
        # a batch this loop has seen is never lost, whatever ends the sweep.
        for records in stream(items(sweep, pending), executor,
                              total=(mine - skipped) * len(sweep.arms),
                              batch=runs_per_task * len(sweep.arms), finish=write,
                              desc=sweep.name):
            runs = records.outcomes
            bad = runs[runs["error"].notna()]
            failed += list(zip(bad["run"], bad["arm"], bad["error"], strict=True))
    return SweepResult(mine, skipped, failed, out, damaged)


def load_results(*outs: str | Path) -> pd.DataFrame:
    """The results of one or more sweep directories (the shards of one sweep), sorted by run,
    arm and state."""
    paths = [Path(o) / RUNS_DIR for o in outs]
    for out, path in zip(outs, paths, strict=True):
        if not path.is_dir() or not any(path.glob("part-*.parquet")):
            raise InputError(f"{out}: no sweep results here (expected {path}/part-*.parquet)")
    for path in paths:
        completed(path.parent)  # every part checked before it is read
    frames = [pd.read_parquet(p) for p in paths]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    # Parts that overlap (one folder written under two shardings) hold the same rows twice: a
    # run's rows are a function of its seed, so each is kept once.
    frame = frame.drop_duplicates(["run", "arm", "state"], ignore_index=True)
    return frame.sort_values(["run", "arm", "state"], kind="stable", ignore_index=True)


def load_manifest(*outs: str | Path) -> dict[str, Any]:
    """The manifest of a sweep directory; several directories must hold the same sweep."""
    manifests = []
    for out in outs:
        path = Path(out) / MANIFEST
        if not path.is_file():
            raise InputError(f"{out}: no {MANIFEST}; not a sweep directory")
        manifests.append(read_manifest(path))
    if len({m["digest"] for m in manifests}) > 1:
        raise InputError(f"{', '.join(map(str, outs))}: hold results of different sweeps")
    return manifests[0]

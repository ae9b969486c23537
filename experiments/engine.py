"""The one engine every experiment runs through: settings × seeds → records.

``Setting`` names what to run (a scenario, the focal states' strategy arm, overrides, a
horizon); an ``Item`` is one setting on one seed, with the keys its records carry (replicate,
run, study, design point, factors...). ``run`` evaluates items on an executor and returns their
records in item order, whatever the executor or the number of workers; ``stream`` yields them
batch by batch as they finish, for the resumable sweep (experiments/runner.py). A run's records
are ``model.records.OUTCOMES``, one row per (item, small state).

Executors: ``serial`` (this process), ``processes`` (local worker processes) and ``dask`` (Dask
distributed: a LocalCluster, or a running scheduler). Work travels as scenario references and
override tuples, never as model objects; each worker prepares a setting's scenario once.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
from tqdm import tqdm

from hedgesim.experiments.processes import die_with_parent
from hedgesim.model.records import Recorder, outcome_columns
from hedgesim.scenarios.loader import InputError, Scenario, load_scenario

if TYPE_CHECKING:
    from hedgesim.model.model import Simulation

EXECUTORS = ("serial", "processes", "dask")
MAX_BATCH = 50  # items per task at most
MAX_RETRIES = 3  # deaths of a worker on one task before its runs are recorded as failed
SCALAR = (bool, int, float, str, np.generic)  # a key value a column is made of at once
SERIAL_BELOW = 300  # runs: fewer run in this process, as starting local workers takes seconds


class WorkersCannotStart(RuntimeError):
    """The local worker processes died as they started: as a rule a script that runs the
    engine without ``if __name__ == "__main__":``, which every worker re-runs on import."""


class TooBig(InputError):
    """A job that would not fit in this machine's memory (``check_memory``)."""


class RunsFailed(RuntimeError):
    """Every run of a call failed: its first error is named, no table of errors is returned."""


NO_GUARD = ("the worker processes could not start: a script that runs hedgesim on several "
            "workers must do so under `if __name__ == \"__main__\":` (each worker imports the "
            "script), or run on one worker (Executor(\"serial\"), --workers 1)")


class Source(Protocol):
    """A scenario named by something small and hashable that loads it, in the worker that runs
    it (``record.worlds.HistoricalYear``)."""

    def load(self) -> Scenario: ...


@dataclass(frozen=True)
class Setting:
    """One thing to run: a scenario (a built-in name or a .toml path, a ``Source``, or a
    ``Scenario``), the focal states' strategy arm ("historical": the scenario's own), overrides
    and the horizon."""

    scenario: str | Source | Scenario
    arm: str = "historical"
    overrides: tuple[tuple[str, Any], ...] = ()
    steps: int | None = None

    @classmethod
    def of(cls, scenario: str | Source | Scenario, arm: str = "historical",
           overrides: Mapping[str, Any] | None = None, steps: int | None = None) -> Setting:
        return cls(scenario, arm, tuple(sorted((overrides or {}).items())), steps)


@dataclass(frozen=True)
class Item:
    """One setting on one seed; ``keys`` are columns its records carry (always ``replicate``)."""

    setting: Setting
    seed: int
    keys: tuple[tuple[str, Any], ...] = ()


def check_memory(sizes: Iterable[tuple[int, int]], workers: int, rows: int = 0) -> None:
    """Refuse, before any work starts, a job whose largest world (small states, great powers)
    would not fit in the memory left on this machine with ``workers`` processes running it and
    ``rows`` record rows kept (``model.footprint``): one line naming the estimate."""
    from hedgesim.model.footprint import available_bytes, gib, needed_bytes

    n, g = (max(side) for side in zip(*sizes, strict=True))
    need, have = needed_bytes(n, g, workers, rows), available_bytes()
    if need > have:
        kept = f" and {rows:,} record rows kept" if rows else ""
        raise TooBig(f"a world of {n:,} small states and {g} great powers on {workers} worker(s)"
                     f"{kept} needs about {gib(need)} of memory, and {gib(have)} is available: "
                     f"use a smaller world, fewer workers or fewer replicates")


def replicate_seed(base_seed: int, i: int) -> int:
    """The independent 63-bit seed of replicate ``i`` of a base seed: from the i-th child that
    ``SeedSequence(base_seed).spawn`` makes, built on its own (the same ``spawn_key``), so that
    replicate i gets the same seed however the work is split and a sweep need not hold them."""
    child = np.random.SeedSequence(base_seed, spawn_key=(i,))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def replicate_seeds(base_seed: int, n: int) -> list[int]:
    """The seeds of replicates 0..n-1 (``replicate_seed``)."""
    return [replicate_seed(base_seed, i) for i in range(n)]


def paired(settings: Sequence[Setting], seeds: Sequence[int]) -> list[Item]:
    """Every setting on every seed: replicate i of every setting runs on seed i (common random
    numbers), so settings compare pair by pair."""
    return [Item(s, seed, (("setting", k), ("replicate", i)))
            for k, s in enumerate(settings) for i, seed in enumerate(seeds)]


@dataclass
class Records:
    """What a set of runs left: one row per (item, small state), with the item's keys, ``arm``,
    ``seed`` and ``error`` (the exception of a run that failed; its outcomes are missing); and the
    yearly series when asked for."""

    outcomes: pd.DataFrame
    series: pd.DataFrame | None = None
    model_series: pd.DataFrame | None = None

    def by_setting(self, settings: Sequence[Setting]) -> dict[Setting, pd.DataFrame]:
        """The outcomes of ``paired(settings, seeds)`` split by setting, in replicate order."""
        groups = dict(iter(self.outcomes.groupby("setting", sort=True)))
        return {s: groups[k].reset_index(drop=True) for k, s in enumerate(settings)}

    def series_by_setting(self, settings: Sequence[Setting]) -> dict[Setting, pd.DataFrame]:
        if self.series is None:
            raise ValueError("these records were run without series")
        groups = dict(iter(self.series.groupby("setting", sort=True)))
        return {s: groups[k].reset_index(drop=True) for k, s in enumerate(settings)}


# --- evaluating a batch of items (in a worker) ----------------------------------------------

@lru_cache(maxsize=64)
def _scenario(ref: str | Source) -> Scenario:
    """A built-in name or a .toml path, or a source that loads its scenario itself (the world of
    a real year, ``record.worlds.HistoricalYear``)."""
    return load_scenario(ref) if isinstance(ref, str) else ref.load()


@lru_cache(maxsize=512)
def _start(setting: Setting) -> Simulation:
    """A setting's simulation before its first year: its scenario loaded, overridden and given
    its strategy, and its world built, once per process; each seed starts from a copy of it
    (``Simulation.replicate``)."""
    from hedgesim.model.model import Simulation

    return Simulation(_apply(_scenario(setting.scenario), setting), steps=setting.steps)


def _apply(scenario: Scenario, setting: Setting) -> Scenario:
    if setting.overrides:
        scenario = scenario.with_overrides(dict(setting.overrides))
    return scenario.with_strategy(setting.arm)


def simulate(setting: Setting, seed: int, *, series: bool = False, everyone: bool = False,
             light: bool = False) -> tuple[dict[str, np.ndarray], Recorder | None]:
    """One run: the records of its small states (focal ones unless ``everyone``), and its
    yearly series when asked for (the years are then run one at a time, to the same result;
    ``light``: only the columns that are not per great power)."""
    from hedgesim.model.model import Simulation  # here: reading records needs neither Mesa nor the model
    if not isinstance(setting.scenario, Scenario):  # a reference: built once per process
        sim = _start(setting).replicate(seed)
    else:
        sim = Simulation(_apply(setting.scenario, setting), steps=setting.steps, rng=seed)
    recorder = None
    if series:
        recorder = Recorder(everyone=everyone, light=light)
        recorder.observe(sim)
        while sim.running:
            sim.advance(1)
            recorder.observe(sim)
    else:
        sim.run()
    return outcome_columns(sim, everyone), recorder


@dataclass(frozen=True)
class Task:
    """A batch of items, in the small form shipped to workers; ``first`` numbers its items.
    ``finish``, a picklable function of the batch's records, runs where the batch ran, and the
    records it returns are what travels back: a sweep's writes the batch's Parquet part there
    and returns one row per run."""

    items: tuple[Item, ...]
    first: int
    series: bool = False
    everyone: bool = False
    light: bool = False
    finish: Callable[[Records], Records] | None = None


def evaluate(task: Task) -> Records:
    """Run every item of a batch, then the task's ``finish``. A run that raises becomes one row
    with its error and no outcomes; the batch goes on (a failed run is data, not the end of the
    experiment). The batch's records are gathered column by column and made one table at the
    end."""
    tune_allocator()
    runs: list[tuple[dict[str, Any], dict[str, np.ndarray] | None, str | None]] = []
    series, model_series = [], []
    for k, item in enumerate(task.items, start=task.first):
        keys = item_keys(item, k)
        try:
            columns, recorder = simulate(item.setting, item.seed, series=task.series,
                                         everyone=task.everyone, light=task.light)
        except Exception as err:
            runs.append((keys, None, traceback.format_exception_only(err)[-1].strip()))
            continue
        runs.append((keys, columns, None))
        if recorder is not None:
            for kept, table in ((series, recorder.columns()),
                                (model_series, recorder.model_columns())):
                if table:
                    kept.append({**table, **keyed(keys, len(table["step"]))})
    return finished(task, Records(_outcome_table(runs), _table(series) if series else None,
                                  _table(model_series) if model_series else None))


def finished(task: Task, records: Records) -> Records:
    """A batch's records through its task's ``finish``: in the worker for a batch that ran, in
    the parent for one whose worker kept dying (``lost``), so both come back the same way."""
    return records if task.finish is None else task.finish(records)


def _outcome_table(runs: list[tuple[dict[str, Any], dict[str, np.ndarray] | None, str | None]]
                   ) -> pd.DataFrame:
    """The batch's records: each run's keys over its rows, its outcome columns and its error.
    When every run succeeded with the same keys (a batch of one study, as a rule), each key
    column is made at once, repeating the runs' values over their rows."""
    names, kept = list(runs[0][0]), list(runs[0][1] or ())
    # a batch may span two studies with other keys, or worlds with other great powers (their
    # attacks_GP columns): look the columns up only once they agree
    same = all(columns is not None and list(keys) == names and list(columns) == kept
               for keys, columns, _ in runs)
    values = {c: [keys[c] for keys, _, _ in runs] for c in names} if same else {}
    if same and all(isinstance(v, SCALAR) for vs in values.values() for v in vs):
        counts = [len(columns["state"]) for _, columns, _ in runs]
        table = {c: np.repeat(np.array(vs, dtype=object if any(isinstance(v, str) for v in vs)
                                       else None), counts) for c, vs in values.items()}
        outcomes = {c: np.concatenate([columns[c] for _, columns, _ in runs])
                    for c in runs[0][1]}
        return pd.DataFrame({**table, **outcomes,
                             "error": np.full(sum(counts), None, dtype=object)})
    return _table([failure(keys, error) if columns is None else
                   {**keyed(keys, len(columns["state"])), **columns,
                    "error": np.full(len(columns["state"]), None, dtype=object)}
                   for keys, columns, error in runs])


def keyed(keys: dict[str, Any], n: int) -> dict[str, np.ndarray]:
    """An item's keys as columns of ``n`` rows."""
    return {c: np.full(n, v, dtype=object if isinstance(v, str) else None)
            for c, v in keys.items()}


def item_keys(item: Item, k: int) -> dict[str, Any]:
    return {"item": k, **dict(item.keys), "arm": item.setting.arm, "seed": item.seed}


def failure(keys: dict[str, Any], line: str) -> dict[str, np.ndarray]:
    """The one row of a run that failed: its keys and its error."""
    return {**{c: np.array([v], dtype=object) for c, v in keys.items()},
            "error": np.array([line], dtype=object)}


def lost(task: Task, retries: int) -> Records:
    """The records of a task whose runs kept ending their worker process (a crash in compiled
    code, the out-of-memory killer): every run failed, the rest of the work goes on. Other work
    (a figure) has no failure record, so it ends with an error."""
    line = f"WorkerLost: the worker process died running this batch, {retries} times"
    if not isinstance(task, Task):
        raise ChildProcessError(f"{line}: {task!r}")
    return finished(task, Records(_table([failure(item_keys(item, k), line)
                                          for k, item in enumerate(task.items, start=task.first)])))


def _table(parts: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """One table from per-run column arrays; a column a failed run lacks is missing there."""
    names = list(dict.fromkeys(c for part in parts for c in part))
    if all(len(part) == len(names) for part in parts):
        return pd.DataFrame({c: np.concatenate([part[c] for part in parts]) for c in names})
    return pd.concat([pd.DataFrame(part) for part in parts], ignore_index=True)[names]


_TUNED: list[bool] = []


def tune_allocator() -> None:
    """The one process-wide setting the engine makes, once per process that runs the model: a
    year allocates arrays of [states, powers]; glibc gives freed blocks above 128 kB back to the
    system and the next year faults them in again page by page, which made a world of 10,000
    states cost nearly twice as much per state as one of 1,000. Keep such blocks (up to 32 MB)
    in the heap instead. Elsewhere than glibc nothing changes."""
    if _TUNED:
        return
    _TUNED.append(True)
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
    libc.mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD: freed heap kept before it is given back


# --- executors --------------------------------------------------------------------------------

@dataclass
class Executor:
    """Where tasks run: ``serial``, local ``processes`` or ``dask`` (``scheduler``: the address
    of a running Dask scheduler; else a LocalCluster of ``workers``).

    Worker processes (or the Dask client) start at the first task; a local job of fewer than
    ``serial_below`` runs stays in this process, where it finishes sooner (the records are the
    same either way). Local workers ``start`` from a forkserver that has loaded the model (clean
    processes, safe beside threads), or by ``fork``, as copies of this process, for work whose
    code and data are already loaded here (the report's figures). Used as a context manager
    (``with Executor("processes", 2) as ex: ...``) they serve every ``run`` inside the block and
    end with it; otherwise they end after each ``run``."""

    kind: str = "serial"
    workers: int = 1
    scheduler: str | None = None
    dask_processes: bool = True
    progress: bool = False
    serial_below: int = SERIAL_BELOW  # a job of fewer runs stays in this process
    start: str = "forkserver"  # or "fork"

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, not {self.kind!r}")
        if self.start not in ("forkserver", "fork"):
            raise ValueError(f"start must be forkserver or fork, not {self.start!r}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
        self._held = False
        self._backend: tuple[Any, ...] | None = None

    def __enter__(self) -> Executor:
        self._held = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._held = False
        self.close()

    def close(self) -> None:
        """End the worker processes, or close the Dask client (and its LocalCluster)."""
        backend, self._backend = self._backend, None
        for part in backend or ():
            if isinstance(part, ProcessPoolExecutor):
                workers = list((getattr(part, "_processes", None) or {}).values())
                part.shutdown(wait=False, cancel_futures=True)
                for worker in workers:  # a worker mid-batch would otherwise run it out
                    worker.terminate()
                for worker in workers:
                    worker.join(5)
            elif part is not None:
                part.close()

    def map_unordered(self, fn: Callable[[Task], Records], tasks: Iterable[Task]
                      ) -> Iterator[Records]:
        """Results as they finish, with at most two tasks per worker in flight (flat memory).
        ``fn`` is ``evaluate`` for runs; any picklable function of one argument serves."""
        if self.kind == "serial" or (self.kind == "processes" and self.workers == 1):
            yield from map(fn, tasks)
            return
        try:
            if self.kind == "processes":
                yield from self._resilient(fn, tasks)
            else:
                from distributed import wait as dask_wait

                client = self._start_dask()
                width = sum(client.nthreads().values()) or self.workers
                yield from _windowed(lambda t: client.submit(fn, t, pure=False),
                                     lambda p: tuple(map(set, dask_wait(
                                         p, return_when="FIRST_COMPLETED"))), tasks, 2 * width)
        except BaseException:
            self.close()
            raise
        if not self._held:
            self.close()

    def _resilient(self, fn: Callable[[Task], Records], tasks: Iterable[Task]
                   ) -> Iterator[Records]:
        """Tasks on the local pool, surviving the loss of a worker: when one dies, the pool is
        started afresh and the tasks that were in flight run again one at a time, so the one
        that kills its worker is found; after ``MAX_RETRIES`` deaths its runs are recorded as
        failed and the rest go on."""
        todo = iter(tasks)
        suspects: deque[tuple[Task, int]] = deque()
        pending: dict[Any, tuple[Task, int]] = {}
        pool = self._start_pool()
        while True:
            limit = 1 if suspects else 2 * self.workers
            while len(pending) < limit:
                if suspects:
                    task, tries = suspects.popleft()
                else:
                    task, tries = next(todo, None), 0
                    if task is None:
                        break
                pending[pool.submit(fn, task)] = (task, tries)
            if not pending:
                return
            alone = len(pending) == 1
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task, tries = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    if alone and tries + 1 >= MAX_RETRIES:
                        yield lost(task, tries + 1)
                    else:
                        suspects.append((task, tries + 1 if alone else tries))
                    continue
                yield result
            if broken:
                suspects.extend(pending.values())
                pending.clear()
                self.close()
                pool = self._start_pool()

    def _start_pool(self) -> ProcessPoolExecutor:
        """The local pool, started with a probe: workers that die as they start (a script
        without a main guard) end the call with ``WorkersCannotStart``, not with every run
        recorded as lost."""
        if self._backend is None:
            import multiprocessing

            context = multiprocessing.get_context(self.start)
            if self.start == "forkserver":
                context.set_forkserver_preload(["hedgesim.experiments.worker"])
            pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                       initializer=_plain_signals)
            self._backend = (pool,)
            try:
                pool.submit(_ready).result()
            except BrokenProcessPool:
                self.close()
                raise WorkersCannotStart(NO_GUARD) from None
        return self._backend[0]

    def _start_dask(self) -> Any:
        if self._backend is None:
            from distributed import Client, LocalCluster

            # distributed's own callback, interrupted by Ctrl-C mid-wait, can fail inside the
            # event loop (a NameError in utils.sync's cancel) and log a traceback there; errors
            # of the runs come back as exceptions, never through this logger
            logging.getLogger("tornado.application").setLevel(logging.CRITICAL)

            if self.scheduler:
                try:
                    client = Client(self.scheduler, timeout="10s")
                except (OSError, ValueError, TypeError) as err:
                    raise ConnectionError(f"cannot connect to the Dask scheduler "
                                          f"{self.scheduler} ({str(err).splitlines()[0]})") from None
                self._backend = (client, None)
            else:
                # Ctrl-C is the parent's to handle: workers started while SIGINT is ignored
                # keep ignoring it (and their event loops install no handler of their own),
                # and their logs' warnings as the parent cancels their tasks are not shown.
                main = threading.current_thread() is threading.main_thread()
                before = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
                try:
                    cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                           processes=self.dask_processes, dashboard_address=None,
                                           silence_logs=logging.ERROR)
                finally:
                    if main:
                        signal.signal(signal.SIGINT, before)
                # the cluster's scheduler runs in this process and logs the tasks a Ctrl-C
                # cancelled ("Couldn't gather keys"); the runs' own errors come back as records
                # and exceptions, never only through its log
                logging.getLogger("distributed").setLevel(logging.CRITICAL)
                self._backend = (Client(cluster), cluster)
        return self._backend[0]


class Progress(tqdm):
    """tqdm's bar without its monitor thread (which every bar starts, even a disabled one, and
    which only helps bars that set a large ``miniters``): a process with no thread of its own
    can fork, as the report does to draw its figures (``experiments.report.save_all``)."""

    monitor_interval = 0


def _plain_signals() -> None:
    """A worker ends quietly when ``close`` terminates it, and leaves Ctrl-C to the parent,
    which ends the workers: a forked worker would otherwise inherit the CLI's SIGTERM handler
    and print a traceback on the way out. It ends with its parent (``die_with_parent``)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    die_with_parent()


def _ready() -> bool:
    """The probe a new pool runs first: that its workers can start at all."""
    return True


def _bootstrapping() -> bool:
    """Whether this process is a worker still importing the user's script (forkserver and spawn
    import ``__main__`` in every worker): work asked for there comes from a script without a
    main guard, which would otherwise start pools of workers from each worker."""
    import multiprocessing

    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


def _windowed(submit: Callable[[Task], Any], wait_first: Callable[[set], tuple[set, set]],
              work: Iterable[Task], window: int) -> Iterator[Records]:
    todo = iter(work)
    pending = {submit(t) for _, t in zip(range(window), todo, strict=False)}
    while pending:
        done, pending = wait_first(pending)
        for future in done:
            yield future.result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.add(submit(nxt))


# --- running --------------------------------------------------------------------------------

def batches(items: Iterable[Item], total: int, workers: int, *, first: int = 0,
            batch: int | None = None, series: bool = False, everyone: bool = False,
            light: bool = False, finish: Callable[[Records], Records] | None = None
            ) -> Iterator[Task]:
    """Consecutive items, ``batch`` at a time (default: about eight tasks per worker of the
    ``total``), taken from ``items`` only as tasks are sent."""
    size = batch or max(1, min(MAX_BATCH, -(-total // (8 * workers))))
    for k, chunk in enumerate(itertools.batched(items, size)):
        yield Task(chunk, first + k * size, series, everyone, light, finish)


def stream(items: Iterable[Item], executor: Executor | None = None, *, total: int | None = None,
           first: int = 0, batch: int | None = None, series: bool = False,
           everyone: bool = False, light: bool = False,
           finish: Callable[[Records], Records] | None = None, desc: str = "runs"
           ) -> Iterator[Records]:
    """The records of ``items`` batch by batch as they finish (rows carry ``item``: ``first`` +
    the item's position), each through ``finish`` where it ran (``Task``); a progress bar on
    stderr when the executor asks for one. ``items`` may be a generator of ``total`` items (a
    sweep's), drawn on as batches are sent, so that the parent holds a few batches' items
    however long the job."""
    if _bootstrapping():
        raise SystemExit(1)  # a worker importing an unguarded script: end it quietly (NO_GUARD)
    if total is None:
        items = list(items)
        total = len(items)
    executor = executor or Executor()
    if (executor.kind == "processes" and total < executor.serial_below
            and executor._backend is None):
        executor = Executor(progress=executor.progress)  # starting workers would cost more
    elif executor._backend is None and executor.workers > max(1, total):
        executor = replace(executor, workers=max(1, total))  # no more workers than runs
    work = batches(items, total, executor.workers, first=first, batch=batch, series=series,
                   everyone=everyone, light=light, finish=finish)
    with Progress(total=total, unit="run", desc=desc, file=sys.stderr, leave=False,
              disable=not executor.progress, dynamic_ncols=True, delay=1.0) as bar:
        for records in executor.map_unordered(evaluate, work):
            bar.update(records.outcomes["item"].nunique())
            yield records


def run(items: Sequence[Item], executor: Executor | None = None, *, series: bool = False,
        everyone: bool = False, light: bool = False, batch: int | None = None) -> Records:
    """The records of ``items`` in item order: the same whatever the executor and workers
    (``series``, ``everyone``, ``light``: as ``simulate`` takes them)."""
    parts = list(stream(items, executor, series=series, everyone=everyone, light=light,
                        batch=batch))

    def ordered(frames: list[pd.DataFrame | None]) -> pd.DataFrame | None:
        frames = [f for f in frames if f is not None]
        if not frames:
            return None
        return pd.concat(frames, ignore_index=True).sort_values("item", kind="stable",
                                                                 ignore_index=True)

    outcomes = ordered([p.outcomes for p in parts])
    if outcomes is not None:
        all_failed(outcomes["error"])
    return Records(outcomes if outcomes is not None else pd.DataFrame(),
                   ordered([p.series for p in parts]), ordered([p.model_series for p in parts]))


def all_failed(errors: pd.Series) -> None:
    """Raise ``RunsFailed`` naming the first error when every run failed: a table of nothing
    but errors is never returned as if it were results."""
    if len(errors) and errors.notna().all():
        raise RunsFailed(f"every run failed ({len(errors):,} rows); the first: {errors.iloc[0]}")


def run_replicates(scenario: str | Scenario, *, replicates: int, seed: int = 0,
                   strategy: str = "historical", steps: int | None = None,
                   overrides: Mapping[str, Any] | None = None, series: bool = False,
                   executor: Executor | None = None) -> Records:
    """Replicates of one setting on the seeds ``replicate_seeds(seed, replicates)``: the
    engine's shortest form, for the Python API."""
    setting = Setting.of(scenario, strategy or "historical", overrides, steps)
    return run(paired([setting], replicate_seeds(seed, replicates)), executor, series=series)


def run_settings(settings: Sequence[Setting], seeds: Sequence[int], executor: Executor | None = None,
                 *, series: bool = False) -> dict[Setting, pd.DataFrame]:
    """Every setting on the same seeds (paired), per setting its records (or yearly series) in
    replicate order. A failed run is an error here: a paired design has no room for a gap."""
    settings = list(dict.fromkeys(settings))
    records = run(paired(settings, seeds), executor, series=series)
    failed = records.outcomes["error"].dropna()
    if len(failed):
        raise RuntimeError(f"a run failed: {failed.iloc[0]}")
    return records.series_by_setting(settings) if series else records.by_setting(settings)

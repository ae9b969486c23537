"""Engine throughput and memory: the generic world with 30 small states over 50 years.

Prints model runs per second (one run = one strategy arm of one seed) through the engine with 1
and 2 workers (the sweep's path: records streamed to Parquet), the parallel efficiency (2-worker
rate / twice the 1-worker rate), the CPU the 2-worker sweep's parent spends a run (making the
items and taking the workers' reports; the workers write the parts), and as the reference
measured in the same run the rate of bare ``Simulation(...).run()`` calls in a loop (the
engine's overhead is the gap), of two such loops at once on the two workers (what the shared
machine gives two processes at the time: the ceiling of the efficiency) and of the Mesa model
stepped year by year (what the engine's batch path saves). Each round measures all five one
after another, and the medians over rounds are printed, so that a drift of the shared machine's
speed moves the figures and their references alike. The 2 workers are started once before the
rounds (a sweep starts them once, whatever its size); their start-up is printed apart. Then the
peak memory (ru_maxrss of a fresh child process) of sweeps of 1,000 and 10,000 runs (and 100,000
with --full). Targets (issue 13): >= 1,000 runs/s with 2 workers, >= 90% efficiency, flat
memory.

    python benchmarks/bench_sweep.py [--quick | --full]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hedgesim.experiments.engine import Executor, tune_allocator  # noqa: E402
from hedgesim.experiments.runner import run_sweep  # noqa: E402
from hedgesim.experiments.sweep import parse_sweep  # noqa: E402
from hedgesim.model.model import HedgeModel, Simulation  # noqa: E402
from hedgesim.scenarios.loader import load_scenario  # noqa: E402

OVERRIDES = {"generic.n_small": 30}


def sweep(replicates: int, seed: int = 1):
    """One arm (hedge) so that one sweep run is one model run."""
    return parse_sweep({
        "sweep": {"name": "bench", "arms": ["hedge"], "seed": seed, "replicates": replicates},
        "study": [{"name": "g", "scenario": "generic", "steps": 50,
                   "fixed": {"generic.n_small": 30},
                   "vary": {"generic.revisionism_mean": [0.4]}}]})


def bare_rate(n: int, mesa: bool = False) -> float:
    scenario = load_scenario("generic").with_overrides(OVERRIDES).with_strategy("hedge")
    model = HedgeModel if mesa else Simulation
    start = time.perf_counter()
    for seed in range(n):
        m = model(scenario, steps=50, rng=seed, **({"collect": False} if mesa else {}))
        m.run()
    return n / (time.perf_counter() - start)


def pair_rate(n: int, executor: Executor) -> float:
    """Runs a second of two bare loops of ``n`` runs at once, one on each of two workers."""
    start = time.perf_counter()
    list(executor.map_unordered(bare_rate, [n, n]))
    return 2 * n / (time.perf_counter() - start)


def sweep_rate(n: int, executor: Executor, seed: int = 1) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        run_sweep(sweep(n, seed), out, executor)
        return n / (time.perf_counter() - start)


def parent_cpu() -> float:
    """CPU seconds of this process, all its threads (the pool's manager and feeder among them)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_up(workers: int) -> float:
    """Seconds from a fresh pool of ``workers`` to the end of a sweep of one run each."""
    with Executor("processes", workers, serial_below=0) as executor:
        start = time.perf_counter()
        sweep_rate(workers, executor)
        return time.perf_counter() - start


CHILD = """
import resource, sys, tempfile
sys.path.insert(0, {root!r})
from benchmarks.bench_sweep import sweep
from hedgesim.experiments.engine import Executor
from hedgesim.experiments.runner import run_sweep
with tempfile.TemporaryDirectory() as out:
    run_sweep(sweep({n}), out, Executor("processes", 2))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_memory_mb(n: int) -> float:
    """Peak resident memory of the parent of a fresh sweep of ``n`` runs, which holds the run
    list and writes the results (workers hold one batch at a time; as forkserver children they
    are not counted by RUSAGE_CHILDREN)."""
    code = CHILD.format(root=str(ROOT), n=n)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="fewer runs, 1,000 for memory only")
    size.add_argument("--full", action="store_true", help="memory up to 100,000 runs")
    args = parser.parse_args()
    tune_allocator()
    n, rounds = (200, 1) if args.quick else (600, 3)
    start_up(2)  # the worker server's own start, once per process, is not a sweep's cost
    startup = start_up(2)
    figures: dict[str, list[float]] = {"bare": [], "pair": [], "mesa": [], "one": [],
                                       "two": [], "parent": []}
    with Executor("processes", 2, serial_below=0) as two_workers:
        sweep_rate(20, two_workers)  # start the workers
        for r in range(rounds):
            figures["bare"].append(bare_rate(n))
            figures["pair"].append(pair_rate(n, two_workers))
            figures["mesa"].append(bare_rate(n // 3, mesa=True))
            figures["one"].append(sweep_rate(n, Executor("serial"), seed=2 + r))
            before = parent_cpu()
            figures["two"].append(sweep_rate(2 * n, two_workers, seed=2 + r))
            figures["parent"].append((parent_cpu() - before) / (2 * n) * 1e3)
    bare, pair, mesa, one, two, parent = (statistics.median(figures[k]) for k in
                                          ("bare", "pair", "mesa", "one", "two", "parent"))
    print(f"generic world, 30 small states, 50 years; medians of {rounds} rounds")
    print(f"  reference: Mesa model stepped     {mesa:8.1f} runs/s")
    print(f"  reference: bare Simulation loop   {bare:8.1f} runs/s")
    print(f"  reference: two bare loops at once {pair:8.1f} runs/s  ({pair / (2 * bare):.0%} of "
          f"twice one)")
    print(f"  engine, 1 worker (sweep)          {one:8.1f} runs/s  ({one / bare:.0%} of bare)")
    print(f"  engine, 2 workers (sweep)         {two:8.1f} runs/s  (target 1,000: "
          f"{'met' if two >= 1000 else 'NOT met'}; {two / mesa:.1f} times Mesa's)")
    print(f"  parallel efficiency               {two / (2 * one):8.0%}  (target 90%; two bare "
          f"loops: {pair / (2 * bare):.0%})")
    print(f"  parent's CPU, 2-worker sweep      {parent:8.3f} ms a run")
    print(f"  start-up of 2 workers, per sweep  {startup:8.2f} s")
    sizes = (1_000,) if args.quick else (1_000, 10_000, 100_000) if args.full else (1_000, 10_000)
    peaks = {runs: peak_memory_mb(runs) for runs in sizes}
    for runs, mb in peaks.items():
        print(f"  peak memory (parent), {runs:>7,} runs {mb:8.1f} MB  "
              f"({mb / peaks[sizes[0]] - 1:+.1%} of {sizes[0]:,} runs')")


if __name__ == "__main__":
    main()

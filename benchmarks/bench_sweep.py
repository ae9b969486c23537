"""Sweep throughput and memory: the generic world with 30 small states over 50 steps.

Prints model runs per second (one run = one strategy arm of one seed) with 1 and 2 workers, the
parallel efficiency (2-worker rate / twice the 1-worker rate), the same rate for bare ``run_one``
calls in a loop as the reference measured in this run (the runner's overhead is the gap), and the
peak memory (ru_maxrss of a fresh child process) of sweeps of 1,000 and 10,000 runs.
Targets (issue 3): >= 200 runs/s with 2 workers, >= 85% efficiency, flat memory.

    python benchmarks/bench_sweep.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from experiments.runner import run_sweep  # noqa: E402
from experiments.runs import run_one  # noqa: E402
from experiments.sweep import parse_sweep  # noqa: E402
from scenarios.loader import load_scenario  # noqa: E402

OVERRIDES = {"generic.n_small": 30}


def sweep(replicates: int, seed: int = 1):
    """One arm (hedge) so that one sweep run is one model run."""
    return parse_sweep({
        "sweep": {"name": "bench", "arms": ["hedge"], "seed": seed, "replicates": replicates},
        "study": [{"name": "g", "scenario": "generic", "steps": 50,
                   "fixed": {"generic.n_small": 30},
                   "vary": {"generic.revisionism_mean": [0.4]}}]})


def bare_rate(n: int) -> float:
    scenario = load_scenario("generic")
    start = time.perf_counter()
    for seed in range(n):
        run_one(scenario, seed=seed, strategy="hedge", steps=50, overrides=OVERRIDES)
    return n / (time.perf_counter() - start)


def sweep_rate(n: int, workers: int) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        run_sweep(sweep(n), out, workers=workers, progress=False)
        return n / (time.perf_counter() - start)


CHILD = """
import resource, sys, tempfile
sys.path.insert(0, {root!r})
from benchmarks.bench_sweep import sweep
from experiments.runner import run_sweep
with tempfile.TemporaryDirectory() as out:
    run_sweep(sweep({n}), out, workers=2, progress=False, batch=50)
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
    parser.add_argument("--quick", action="store_true", help="fewer runs, 1,000 for memory only")
    args = parser.parse_args()
    n, repeats = (100, 1) if args.quick else (300, 3)
    bare = statistics.median(bare_rate(n) for _ in range(repeats))
    one = statistics.median(sweep_rate(n, 1) for _ in range(repeats))
    two = statistics.median(sweep_rate(2 * n, 2) for _ in range(repeats))
    print(f"generic world, 30 small states, 50 steps; medians of {repeats} repeats")
    print(f"  reference: bare run_one loop     {bare:8.1f} runs/s")
    print(f"  sweep, 1 worker                  {one:8.1f} runs/s  ({one / bare:.0%} of bare)")
    print(f"  sweep, 2 workers                 {two:8.1f} runs/s  (target 200)")
    print(f"  parallel efficiency              {two / (2 * one):8.0%}  (target 85%)")
    for runs in (1_000,) if args.quick else (1_000, 10_000):
        print(f"  peak memory (parent), {runs:>6,} runs {peak_memory_mb(runs):8.1f} MB")


if __name__ == "__main__":
    main()

"""Time of ``hedgesim validate`` at its defaults (39 five-year windows x 20 replicates), and of
the engine's runs inside it, on local processes; the reference measured in the same run is the
same validation on one worker.

    python benchmarks/bench_validate.py [--replicates 20]

Target (issue on proper scores): <= 30 s on 2 cores with the hazards and proper scores, so
that calibration can call it thousands of times through the engine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hedgesim.experiments.engine import Executor
from hedgesim.experiments.validate import validate


def seconds(replicates: int, workers: int) -> float:
    executor = Executor("processes" if workers > 1 else "serial", workers)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        validate(replicates=replicates, executor=executor)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    one = statistics.median(seconds(args.replicates, 1) for _ in range(args.repeats))
    two = statistics.median(seconds(args.replicates, 2) for _ in range(args.repeats))
    print(f"hedgesim validate, {args.replicates} replicates per window; medians of "
          f"{args.repeats} repeats")
    print(f"  reference: 1 worker   {one:7.1f} s")
    print(f"  2 workers             {two:7.1f} s  (target <= 120 s: "
          f"{'met' if two <= 120 else 'NOT met'}; speed-up x{one / two:.2f})")


if __name__ == "__main__":
    main()

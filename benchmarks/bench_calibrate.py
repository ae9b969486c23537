"""Time of ``hedgesim calibrate`` at its defaults (3 waves x 128 settings per era, 6 replicates,
the confirmation and both validations) on 2 local processes, from an empty folder; the
reference measured in the same run is one ``hedgesim validate`` at its defaults, on the same
executor (the calibration's cost in validations is the ratio).

    python benchmarks/bench_calibrate.py [--waves 3] [--points 128]

Target (issue on proper scores): <= 45 minutes on 2 cores, scores included. One run, not a median: the whole
calibration is the unit a user waits for.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hedgesim.experiments.calibrate import POINTS, WAVES, calibrate
from hedgesim.experiments.engine import Executor
from hedgesim.experiments.validate import validate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waves", type=int, default=WAVES)
    parser.add_argument("--points", type=int, default=POINTS)
    args = parser.parse_args()
    with warnings.catch_warnings(), Executor("processes", 2) as ex:
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        validate(executor=ex)
        reference = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            calibrate(Path(out), ex, waves=args.waves, points=args.points)
            took = time.perf_counter() - start
    print(f"hedgesim calibrate, {args.waves} waves x {args.points} settings per era, 2 workers")
    print(f"  reference: hedgesim validate  {reference:8.1f} s")
    print(f"  calibrate                     {took:8.1f} s = {took / 60:.1f} min "
          f"({took / reference:.0f} validations; target <= 30 min: "
          f"{'met' if took <= 1800 else 'NOT met'})")


if __name__ == "__main__":
    main()

"""A run's peak memory against the estimate the commands check before any work
(``model.footprint``), for worlds from 5,000 small states × 3 great powers to 20,000 × 50, each
in a fresh process: the estimate must stay above what a run takes, and a long horizon must not
take more than a short one (its random numbers are drawn a few years at a time).

    python benchmarks/bench_memory.py
"""

from __future__ import annotations

import subprocess
import sys

from hedgesim.model.footprint import run_bytes

WORLDS = ((5_000, 3, 10), (5_000, 3, 100), (20_000, 3, 10), (5_000, 20, 10), (2_000, 50, 10),
          (20_000, 50, 2), (50_000, 10, 2), (100_000, 3, 2))
PROBE = """
import resource, sys
from hedgesim.model.model import Simulation
n, g, t = map(int, sys.argv[1:4])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
Simulation("generic", overrides={"generic.n_small": n, "generic.n_great": g}, steps=t, rng=1).run()
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024)
"""


def main() -> None:
    print(f"{'states':>8} {'powers':>6} {'years':>5} {'peak MB':>8} {'estimate MB':>11} {'ratio':>6}")
    for n, g, years in WORLDS:
        done = subprocess.run([sys.executable, "-c", PROBE, str(n), str(g), str(years)],
                              capture_output=True, text=True, check=True)
        peak, estimate = int(done.stdout), run_bytes(n, g)
        print(f"{n:8,} {g:6} {years:5} {peak / 2**20:8.0f} {estimate / 2**20:11.0f} "
              f"{estimate / peak:6.2f}")


if __name__ == "__main__":
    main()

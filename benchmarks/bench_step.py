"""Cost of a model step per small state, against Mesa's BoltzmannWealth timed in the same run.

The machine is shared and noisy, so both models are timed in alternating rounds and the medians
are compared: the ratio is the figure that travels between machines.

    python benchmarks/bench_step.py [--rounds 5] [--steps 100]
"""

from __future__ import annotations

import argparse
import statistics
import time

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

from hedgesim.experiments.engine import tune_allocator
from hedgesim.model.model import HedgeModel


def hedgesim_cost(n_small: int, steps: int, seed: int) -> float:
    """Seconds per small-state step of the generic world with 10 great powers."""
    model = HedgeModel("generic", steps=steps, rng=seed, collect=False, overrides={
        "generic.n_small": n_small, "generic.n_great": 10, "war_intercept": -20.0,
        "absorption_rate": 0.0})  # nobody dies, so every step costs the full world
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return (time.perf_counter() - start) / (steps * n_small)


def boltzmann_cost(n_agents: int, steps: int, seed: int) -> float:
    """Seconds per agent step of Mesa's own BoltzmannWealth example."""
    model = BoltzmannWealth(BoltzmannScenario(n=n_agents, width=32, height=32, rng=seed))
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return (time.perf_counter() - start) / (steps * n_agents)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    tune_allocator()  # as the engine's workers run

    ours, theirs = [], []
    for r in range(args.rounds):  # alternate, so both see the same load
        ours.append(hedgesim_cost(1000, args.steps, seed=r))
        theirs.append(boltzmann_cost(1000, args.steps, seed=r))
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    ratio = ours_median / theirs_median
    print(f"generic world, 1,000 small states, 10 great powers, {args.steps} steps, "
          f"median of {args.rounds} rounds")
    print(f"  hedgesim        {ours_median * 1e6:8.2f} us per small-state step")
    print(f"  BoltzmannWealth {theirs_median * 1e6:8.2f} us per agent step (mesa.examples, n=1000)")
    print(f"  ratio           {ratio:8.3f}  (target <= 0.200: {'met' if ratio <= 0.2 else 'NOT met'})")

    print("\ngrowth with the number of small states (10 great powers)")
    base = None
    for n in (100, 1000, 10_000):
        steps = max(10, args.steps * 1000 // max(n, 1000))
        cost = statistics.median(hedgesim_cost(n, steps, seed=r) for r in range(3))
        total = cost * n
        base = base or total / n
        print(f"  {n:>6,} states: {cost * 1e6:7.2f} us per state-step, {total * 1e3:8.2f} ms per "
              f"step, per-state cost x{cost / base:5.2f} of the 100-state world")


if __name__ == "__main__":
    main()

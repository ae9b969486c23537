"""How responsive the interactive page is: the time from pressing Step to new views, for the
generic world with 30 and with 200 small states, against the model step alone timed in the same
run. A Step redraws the network (a PNG under an SVG layer of hover titles) and the two series
figures (PNG, blitted: their axes are drawn once per run); the network's layout is computed
once per world. Also timed: the side-by-side runs (four arms on one seed, once per reset) and
the many-runs view (200 paired runs per arm).

    python benchmarks/bench_viz.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

from hedgesim.viz import explore
from hedgesim.viz.figures import FocalFigure, NetworkFigure, WorldFigure, _layout
from hedgesim.viz.page import VizModel


def measure(n_small: int, rounds: int) -> dict[str, float]:
    """Median milliseconds per step for the model and for each view, and the one-off parts."""
    model = VizModel(n_small=n_small, rng=1)
    _layout.cache_clear()
    start = time.perf_counter()
    NetworkFigure(model).html(model)
    layout_ms = (time.perf_counter() - start) * 1000
    state = model.focal_names[0]
    parts: dict[str, list[float]] = {"step": [], "network": [], "focal": [], "world": []}
    focal, world = FocalFigure(state, model.world.gp_names, model.span), WorldFigure(model.span)
    network = NetworkFigure(model)
    draw = {"network": lambda: network.html(model),
            "focal": lambda: focal.png(model.series(), model.world.year),
            "world": lambda: world.png(model.model_series(), model.world.year)}
    for _ in range(rounds):
        start = time.perf_counter()
        model.step()
        parts["step"].append(time.perf_counter() - start)
        for name, figure in draw.items():
            start = time.perf_counter()
            figure()
            parts[name].append(time.perf_counter() - start)
    result = {name: statistics.median(times) * 1000 for name, times in parts.items()}
    result["total"] = sum(result.values())
    result["first layout+draw"] = layout_ms
    start = time.perf_counter()
    explore.side_by_side(model.base, model.overrides, model.seed, explore.ARMS)
    result["side by side (once)"] = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    explore.replicates(model.base, model.overrides, model.seed, explore.ARMS, 200)
    result["many runs 4x200 (once)"] = (time.perf_counter() - start) * 1000
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    results = {n: measure(n, args.rounds) for n in (30, 200)}
    print(f"median ms per Step ({args.rounds} steps; PNG, the network with its hover layer)")
    print(f"{'':>22}" + "".join(f"{f'n_small={n}':>12}" for n in results))
    for key in results[30]:
        print(f"{key:>22}" + "".join(f"{r[key]:>12.1f}" for r in results.values()))
    small, large = results[30], results[200]
    print(f"200 vs 30 states: total x{large['total'] / small['total']:.2f}; "
          f"at 200, drawing is x{(large['total'] - large['step']) / large['step']:.0f} "
          f"the model step")


if __name__ == "__main__":
    main()

"""How responsive the interactive page is: the time from pressing Step to new figures, for the
generic world with 30 and with 200 small states, against the model step alone timed in the same
run (the page redraws three matplotlib figures as PNG; the network's layout is computed once).

    python benchmarks/bench_viz.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from hedgesim.viz.page import DPI, VizModel, _layout, focal_figure, network_figure, world_figure


def _png(fig) -> None:
    fig.savefig(io.BytesIO(), format="png", dpi=DPI)


def measure(n_small: int, rounds: int) -> dict[str, float]:
    """Median milliseconds per step for the model and for each figure, and the layout once."""
    model = VizModel(n_small=n_small, rng=1)
    _layout.cache_clear()
    start = time.perf_counter()
    network_figure(model)
    layout_ms = (time.perf_counter() - start) * 1000
    state = model.world.names[0]
    parts: dict[str, list[float]] = {"step": [], "network": [], "focal": [], "world": []}
    draw = {"network": lambda: network_figure(model), "focal": lambda: focal_figure(model, state),
            "world": lambda: world_figure(model)}
    for _ in range(rounds):
        start = time.perf_counter()
        model.step()
        parts["step"].append(time.perf_counter() - start)
        for name, figure in draw.items():
            start = time.perf_counter()
            _png(figure())
            parts[name].append(time.perf_counter() - start)
    result = {name: statistics.median(times) * 1000 for name, times in parts.items()}
    result["total"] = sum(result.values())
    result["first layout+draw"] = layout_ms
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    results = {n: measure(n, args.rounds) for n in (30, 200)}
    print(f"median ms per Step ({args.rounds} steps; figures rendered to PNG at {DPI} dpi)")
    print(f"{'':>18}" + "".join(f"{f'n_small={n}':>12}" for n in results))
    for key in results[30]:
        print(f"{key:>18}" + "".join(f"{r[key]:>12.1f}" for r in results.values()))
    small, large = results[30], results[200]
    print(f"200 vs 30 states: total x{large['total'] / small['total']:.2f}; "
          f"at 200, drawing is x{(large['total'] - large['step']) / large['step']:.0f} "
          f"the model step")


if __name__ == "__main__":
    main()

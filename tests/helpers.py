"""Small worlds for tests: one great-power pair and a few small states, built in code; and a
tiny sweep file."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from hedgesim.model.model import HedgeModel
from hedgesim.scenarios.loader import parse_scenario


def scenario_data(**state: Any) -> dict[str, Any]:
    """A two-power world with one focal small state; keyword arguments change that state."""
    return {
        "scenario": {"name": "test", "start_year": 2000, "steps": 10},
        "great_power": [
            {"name": "Near", "capability": 0.05, "revisionism": 0.7, "hostility": {"Far": 1.0},
             "stance": "balance"},
            {"name": "Far", "capability": 0.2, "revisionism": 0.2, "stance": "balance"},
        ],
        "partner": [{"name": "Bloc"}],
        "small_state": [{
            "name": "Small", "focal": True, "capability": 0.01, "strategy": "hedge",
            "proximity": {"Near": 1.0, "Far": 0.5}, "alignment": {"Near": 0.3, "Far": 0.3},
            "trade": {"Near": 0.3, "Far": 0.2, "Bloc": 0.1}, "energy": {"Near": 0.5},
            **state,
        }],
    }


def small_model(**state: Any) -> HedgeModel:
    return HedgeModel(parse_scenario(scenario_data(**state), "test.toml"), rng=1)


class KillingEvaluate:
    """The engine's ``evaluate``, except that the task starting at item ``killer`` ends its
    worker process, as a crash in compiled code or the out-of-memory killer would."""

    def __init__(self, killer: int) -> None:
        self.killer = killer

    def __call__(self, task):
        import os

        from hedgesim.experiments.engine import evaluate

        if task.first == self.killer:
            os._exit(1)
        return evaluate(task)


def tiny_sweep(folder: Path, replicates: int) -> Path:
    """A sweep file of two points of a 3-state generic world over 5 years."""
    path = folder / "s.toml"
    path.write_text(textwrap.dedent(f"""
        [sweep]
        name = "tiny"
        seed = 7
        replicates = {replicates}
        [[study]]
        name = "g"
        scenario = "generic"
        steps = 5
        fixed = {{ "generic.n_small" = 3 }}
        vary = {{ "generic.revisionism_mean" = [0.2, 0.8] }}
        """))
    return path

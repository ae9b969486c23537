"""Running the model: one run, and replicates with seeds derived through SeedSequence.

Everything that runs the model (the command line, sweeps, the counterfactual) comes through
``run_one``, so one seed always means one and the same run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from model.model import HedgeModel
from model.records import Recorder, outcomes
from scenarios.loader import Scenario, load_scenario


@dataclass
class RunResult:
    """One run: per-state outcomes, and per-step series when asked for."""

    outcomes: pd.DataFrame
    series: pd.DataFrame | None = None
    model_series: pd.DataFrame | None = None


def replicate_seeds(base_seed: int, n: int) -> list[int]:
    """Independent 63-bit seeds for replicates 0..n-1, derived from one base seed
    (numpy SeedSequence); replicate i gets the same seed however the work is split."""
    children = np.random.SeedSequence(base_seed).spawn(n)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def run_one(scenario: Scenario | str, *, seed: int, strategy: str | None = None,
            steps: int | None = None, overrides: Mapping[str, Any] | None = None,
            series: bool = False, everyone: bool = False) -> RunResult:
    """Run one replicate to the horizon. ``everyone`` records every small state, not only the
    focal ones."""
    if isinstance(scenario, str):
        scenario = load_scenario(scenario)
    recorder = Recorder(everyone=everyone) if series else None
    model = HedgeModel(scenario, strategy=strategy, overrides=overrides, steps=steps, rng=seed,
                       observer=recorder)
    model.run()
    result = RunResult(outcomes(model, everyone=everyone))
    result.outcomes["wars_total"] = model.war_onsets
    result.outcomes["polarity_final"] = model.polarity
    if recorder is not None:
        result.series = recorder.series()
        result.model_series = recorder.model_series()
    return result


def run_replicates(scenario: Scenario | str, *, replicates: int, seed: int,
                   strategy: str | None = None, steps: int | None = None,
                   overrides: Mapping[str, Any] | None = None, series: bool = False,
                   progress: bool = False) -> RunResult:
    """Replicates of one setting; each row carries its replicate index and seed."""
    if isinstance(scenario, str):
        scenario = load_scenario(scenario)
    frames, series_frames, model_frames = [], [], []
    seeds = replicate_seeds(seed, replicates)
    for i, s in enumerate(tqdm(seeds, desc="replicates", disable=None if progress else True, leave=False,
                                        delay=1.0)):
        run = run_one(scenario, seed=s, strategy=strategy, steps=steps, overrides=overrides,
                      series=series)
        frames.append(run.outcomes.assign(replicate=i, seed=s))
        if run.series is not None and run.model_series is not None:
            series_frames.append(run.series.assign(replicate=i))
            model_frames.append(run.model_series.assign(replicate=i))
    return RunResult(pd.concat(frames, ignore_index=True),
                     pd.concat(series_frames, ignore_index=True) if series else None,
                     pd.concat(model_frames, ignore_index=True) if series else None)


def summarise(outcomes_table: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per focal state: survival and war probability with Wilson 95% intervals, mean autonomy
    with a bootstrap 95% interval, and the median years to war among the attacked."""
    from experiments.stats import bootstrap_ci, wilson

    rows = []
    for state, group in outcomes_table.groupby("state", sort=False):
        n = len(group)
        survived, attacked = int(group["survived"].sum()), int(group["attacked"].sum())
        war_years = group.loc[group["attacked"], "years_to_war"]
        rows.append({
            "state": state, "replicates": n,
            "survival_rate": survived / n, "survival_ci": wilson(survived, n),
            "war_probability": attacked / n, "war_ci": wilson(attacked, n),
            "autonomy_mean": float(group["autonomy_mean"].mean()),
            "autonomy_ci": bootstrap_ci(group["autonomy_mean"].to_numpy(), seed=seed),
            "median_years_to_war": float(war_years.median()) if len(war_years) else float("nan"),
            "coercions_mean": float(group["coercions"].mean()),
            "welfare_mean": float(group["welfare_final"].mean()),
        })
    return pd.DataFrame(rows)

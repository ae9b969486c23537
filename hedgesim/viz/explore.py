"""What the page's comparison and many-runs views compute, through the engine every experiment
uses (``experiments.engine``): the same scenario, overrides and seeds as the run on view, one
setting per strategy arm, paired on common random numbers. The page's single run is replicate 0
of its seed (``run_seed``), so the views agree with ``hedgesim run SCENARIO --seed S``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hedgesim.experiments.analysis import summarise
from hedgesim.experiments.engine import Setting, paired, replicate_seeds, run, simulate
from hedgesim.experiments.report import format_summary
from hedgesim.scenarios.loader import Scenario
from hedgesim.scenarios.schema import POLICIES

ARMS = ("historical", *POLICIES)
DEFAULT_ARMS = ("historical", "balance", "bandwagon", "hedge")
MAX_REPLICATES = 1000  # runs per arm the page offers


def run_seed(seed: int) -> int:
    """The seed of replicate 0 of base seed ``seed``, as ``hedgesim run --seed`` derives it."""
    return replicate_seeds(seed, 1)[0]


def side_by_side(scenario: Scenario, overrides: Mapping[str, Any], seed: int,
                 arms: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The focal states' yearly series under each arm, on the one seed of the run on view."""
    return {arm: simulate(Setting.of(scenario, arm, overrides), run_seed(seed), series=True)[1]
            .series() for arm in arms}


def side_by_side_table(runs: Mapping[str, pd.DataFrame], state: str) -> pd.DataFrame:
    """Per arm, what the one run left the state: whether it survived, its years coerced and at
    war, its mean autonomy, and that mean's difference from the first arm's."""
    rows = []
    for arm, series in runs.items():
        s = series[(series["state"] == state) & (series["step"] > 0)]
        rows.append({"arm": arm, "survives": bool(s["alive"].iloc[-1]) if len(s) else True,
                     "years coerced": int(s["coerced"].sum()), "years at war": int(s["at_war"].sum()),
                     "mean autonomy": float(s["autonomy"].mean()) if len(s) else np.nan})
    table = pd.DataFrame(rows)
    table["vs " + table["arm"].iloc[0]] = table["mean autonomy"] - table["mean autonomy"].iloc[0]
    return table


def replicates(scenario: Scenario, overrides: Mapping[str, Any], seed: int, arms: Sequence[str],
             n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` paired runs of every arm (replicates 0..n-1 of ``seed``): the outcomes of their
    focal states and their yearly series."""
    settings = [Setting.of(scenario, arm, overrides) for arm in arms]
    records = run(paired(settings, replicate_seeds(seed, n)), series=True, light=True)
    failed = records.outcomes["error"].dropna()
    if len(failed):
        raise RuntimeError(f"a run failed: {failed.iloc[0]}")
    return records.outcomes, records.series


def replicate_bands(series: pd.DataFrame, state: str, years: Sequence[int]) -> pd.DataFrame:
    """Per arm and year, over the runs: the share of the state alive, the share that has been at
    war, and autonomy's median and 10-90% band. A run that stopped early (no small state left)
    counts the state as gone from then on."""
    s = series[series["state"] == state]
    frames = []
    for arm, rows in s.groupby("arm", sort=False):
        wide = {c: rows.pivot(index="year", columns="replicate", values=c).reindex(years)
                for c in ("alive", "at_war", "autonomy")}
        alive = wide["alive"].astype(float).fillna(0.0)
        war = wide["at_war"].astype(float).fillna(0.0).cummax()
        autonomy = wide["autonomy"].astype(float).fillna(0.0).where(alive > 0, 0.0)
        frames.append(pd.DataFrame({
            "arm": arm, "year": list(years), "alive": alive.mean(axis=1).to_numpy(),
            "ever_at_war": war.mean(axis=1).to_numpy(),
            "autonomy_median": autonomy.median(axis=1).to_numpy(),
            "autonomy_q10": autonomy.quantile(0.1, axis=1).to_numpy(),
            "autonomy_q90": autonomy.quantile(0.9, axis=1).to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def replicate_table(outcomes: pd.DataFrame, state: str, seed: int) -> str:
    """The outcomes of the state per arm, with 95% intervals, as ``hedgesim run`` prints them."""
    return format_summary(summarise(outcomes[outcomes["state"] == state], ["arm"], seed=seed),
                          "arm")

"""Statistics for honest comparisons: Wilson intervals, bootstrap intervals, Kaplan-Meier."""

from __future__ import annotations

import numpy as np
import pandas as pd

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (good at 0 and 1, unlike the normal one)."""
    if n == 0:
        return (float("nan"), float("nan"))
    phat = successes / n
    denom = 1.0 + z**2 / n
    centre = (phat + z**2 / (2 * n)) / denom
    half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap_ci(values: np.ndarray, seed: int = 0, draws: int = 2000,
                 level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean, seeded so reports are reproducible."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (float("nan"), float("nan"))
    if values.size == 1 or np.all(values == values[0]):
        return (float(values[0]), float(values[0]))
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, (draws, values.size))].mean(axis=1)
    tail = (1 - level) / 2
    return (float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail)))


def kaplan_meier(times: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier survival curve: ``times`` to the event or to censoring, ``events`` True
    where the event happened. One row per distinct time with the survival after it."""
    times = np.asarray(times, dtype=float)
    events = np.asarray(events, dtype=bool)
    rows = [{"time": 0.0, "at_risk": int(times.size), "events": 0, "survival": 1.0}]
    survival = 1.0
    for t in np.unique(times):
        at_risk = int((times >= t).sum())
        d = int(((times == t) & events).sum())
        if d:
            survival *= 1.0 - d / at_risk
        rows.append({"time": float(t), "at_risk": at_risk, "events": d, "survival": survival})
    return pd.DataFrame(rows)

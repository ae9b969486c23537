"""The statistics every report uses, from the libraries made for them: Wilson intervals
(scipy.stats.binomtest), bootstrap intervals (scipy.stats.bootstrap, BCa), Kaplan-Meier curves
with confidence bands and Cox hazard ratios (lifelines), exact Poisson intervals for rates."""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95
RESAMPLES = 2000


@lru_cache(maxsize=65536)
def wilson(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval for a proportion (good at 0 and 1, unlike the normal one); cached,
    as a report asks for the same counts many times."""
    if n == 0:
        return (float("nan"), float("nan"))
    ci = stats.binomtest(int(successes), int(n)).proportion_ci(level, method="wilson")
    return (float(ci.low), float(ci.high))


def bootstrap_ci(values: np.ndarray, seed: int = 0, level: float = LEVEL) -> tuple[float, float]:
    """Bootstrap interval of the mean (BCa, seeded so reports are reproducible); a sample with
    no spread has the interval of its value. Cached by the values' bytes: a report bootstraps
    the same sample several times (the counterfactual, 374 calls on 212 samples), and each
    costs milliseconds."""
    return _bootstrap(np.asarray(values, dtype=float).tobytes(), seed, level)


@lru_cache(maxsize=4096)
def _bootstrap(data: bytes, seed: int, level: float) -> tuple[float, float]:
    values = np.frombuffer(data)
    if values.size == 0:
        return (float("nan"), float("nan"))
    if np.all(values == values[0]):
        return (float(values.mean()), float(values.mean()))
    with warnings.catch_warnings():  # BCa warns (and gives NaN) on degenerate resamples
        warnings.simplefilter("ignore")
        ci = stats.bootstrap((values,), np.mean, confidence_level=level, n_resamples=RESAMPLES,
                             method="BCa", rng=np.random.default_rng(seed)).confidence_interval
        if not (np.isfinite(ci.low) and np.isfinite(ci.high)):
            ci = stats.bootstrap((values,), np.mean, confidence_level=level,
                                 n_resamples=RESAMPLES, method="percentile",
                                 rng=np.random.default_rng(seed)).confidence_interval
    return (float(ci.low), float(ci.high))


def poisson_rate_ci(events: int, exposure: float, level: float = LEVEL) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson rate: events per unit of exposure."""
    if exposure <= 0:
        return (float("nan"), float("nan"))
    tail = (1 - level) / 2
    low = stats.chi2.ppf(tail, 2 * events) / 2 if events > 0 else 0.0
    high = stats.chi2.ppf(1 - tail, 2 * events + 2) / 2
    return (float(low / exposure), float(high / exposure))


def kaplan_meier(times: np.ndarray, events: np.ndarray, level: float = LEVEL) -> pd.DataFrame:
    """Kaplan-Meier survival (lifelines) with its confidence band and the number at risk: one row
    per distinct time, after a row for time 0. ``times`` to the event or to censoring,
    ``events`` True where the event happened."""
    from lifelines import KaplanMeierFitter

    times = np.asarray(times, dtype=float)
    events = np.asarray(events, dtype=bool)
    fit = KaplanMeierFitter(alpha=1 - level).fit(times, events)
    table = fit.event_table
    band = fit.confidence_interval_survival_function_
    frame = pd.DataFrame({
        "time": table.index.to_numpy(dtype=float), "at_risk": table["at_risk"].to_numpy(),
        "events": table["observed"].to_numpy(),
        "survival": fit.survival_function_.iloc[:, 0].reindex(table.index).to_numpy(),
        "lo": band.iloc[:, 0].reindex(table.index).to_numpy(),
        "hi": band.iloc[:, 1].reindex(table.index).to_numpy()})
    if frame["time"].iloc[0] > 0:
        frame = pd.concat([pd.DataFrame([{"time": 0.0, "at_risk": times.size, "events": 0,
                                          "survival": 1.0, "lo": 1.0, "hi": 1.0}]), frame],
                          ignore_index=True)
    return frame.astype({"at_risk": int, "events": int})


def hazard_ratio(times: np.ndarray, events: np.ndarray, exposed: np.ndarray,
                 level: float = LEVEL) -> tuple[float, float, float]:
    """Hazard ratio of the ``exposed`` group to the rest, with its interval, from a Cox
    proportional-hazards model (lifelines' CoxPHFitter; Efron ties). NaN where either group has
    no event, as no finite ratio then fits."""
    from lifelines import CoxPHFitter

    frame = pd.DataFrame({"t": np.asarray(times, float), "e": np.asarray(events, bool),
                          "x": np.asarray(exposed, float)})
    if frame.groupby("x")["e"].sum().min() == 0 or frame["x"].nunique() < 2:
        return (float("nan"), float("nan"), float("nan"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = CoxPHFitter(alpha=1 - level).fit(frame, "t", "e")
    ci = fit.confidence_intervals_.loc["x"]
    return (float(np.exp(fit.params_["x"])), float(np.exp(ci.iloc[0])), float(np.exp(ci.iloc[1])))

"""Experimental designs: where in parameter space a sweep runs the model.

Plain functions in SALib's ``sample -> evaluate -> analyze`` style. Samplers take a SALib
``problem`` (names and bounds) and return an array with one row per design point, in [low, high]
of each factor; every sampler is seeded, so a sweep definition always means the same points.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

DESIGNS = ("grid", "lhs", "sobol", "morris")
MORRIS_LEVELS = 4


def problem(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """A SALib problem definition."""
    return {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}


def size(design: str, factors: int, samples: int, levels: Sequence[int]) -> int:
    """How many points a design has, known before any is drawn (to bound a sweep up front)."""
    if design == "grid":
        return int(np.prod(levels, dtype=object)) if levels else 1
    return samples * {"lhs": 1, "sobol": factors + 2, "morris": factors + 1}[design]


def grid(levels: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The full factorial: every combination of every factor's levels, the last factor
    varying fastest."""
    return list(itertools.product(*levels))


def latin_hypercube(prob: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """``n`` points, one in each of ``n`` equal slices of every factor's range."""
    from SALib.sample import latin

    return latin.sample(prob, n, seed=seed)


def sobol(prob: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """Saltelli's scheme for first- and total-order Sobol indices: ``n * (D + 2)`` points
    (``n`` should be a power of two)."""
    from SALib.sample import sobol as saltelli

    return saltelli.sample(prob, n, calc_second_order=False, seed=seed)


def morris(prob: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """``n`` Morris trajectories of ``D + 1`` points each on a 4-level grid (elementary effects)."""
    from SALib.sample import morris as elementary

    return elementary.sample(prob, n, num_levels=MORRIS_LEVELS, seed=seed)


def analyze_sobol(prob: dict[str, Any], y: np.ndarray, seed: int) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of output ``y`` with 95% intervals."""
    from SALib.analyze import sobol as analyzer

    res = analyzer.analyze(prob, np.asarray(y, float), calc_second_order=False, seed=seed)
    return pd.DataFrame({"factor": prob["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
                         "ST": res["ST"], "ST_conf": res["ST_conf"]})


def analyze_morris(prob: dict[str, Any], x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """Morris elementary effects: mu* (overall influence) and sigma (non-linearity and
    interactions) of output ``y``."""
    from SALib.analyze import morris as analyzer

    res = analyzer.analyze(prob, np.asarray(x, float), np.asarray(y, float),
                           num_levels=MORRIS_LEVELS, seed=seed)
    return pd.DataFrame({"factor": prob["names"], "mu_star": res["mu_star"],
                         "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]})

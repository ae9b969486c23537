"""The numbers of a sweep: per-arm statistics, paired differences, survival curves, regime maps
and sensitivity indices, each a plain function from the results table to a table.

The unit of replication is the run (one world, one seed); arms of a run share the seed, so arm
comparisons are paired by run. Rows aggregate a run's focal states: survival and war are pooled
over focal states (``survived * n_focal`` of ``n_focal``) with Wilson intervals, which treat the
focal states of one world as independent; the paired differences bootstrap whole runs and carry no
such assumption.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from experiments import design
from experiments.stats import bootstrap_ci, kaplan_meier, wilson
from experiments.sweep import Study, Sweep

COMPARISONS = (("hedge", "balance"), ("hedge", "bandwagon"))
METRICS = {"survived": "survival", "autonomy_mean": "autonomy"}
REGIME_BINS = 4


def ok_rows(results: pd.DataFrame) -> pd.DataFrame:
    """The rows of runs that finished (failed ones carry an error and no outcomes)."""
    return results[results["error"].isna()]


def arm_stats(group: pd.DataFrame, seed: int) -> dict[str, float]:
    """Survival and war probability (Wilson 95%), mean autonomy (bootstrap 95% over runs) and
    time to war of one arm in one set of runs."""
    n = int(group["n_focal"].sum())
    survived = int(np.rint((group["survived"] * group["n_focal"]).sum()))
    attacked = int(np.rint((group["attacked"] * group["n_focal"]).sum()))
    s_lo, s_hi = wilson(survived, n)
    w_lo, w_hi = wilson(attacked, n)
    a_lo, a_hi = bootstrap_ci(group["autonomy_mean"].to_numpy(), seed=seed)
    war = group.loc[group["years_to_war"] >= 0, "years_to_war"]
    return {
        "runs": len(group), "states": n,
        "survival": survived / n if n else np.nan, "survival_lo": s_lo, "survival_hi": s_hi,
        "war": attacked / n if n else np.nan, "war_lo": w_lo, "war_hi": w_hi,
        "autonomy": float(group["autonomy_mean"].mean()), "autonomy_lo": a_lo,
        "autonomy_hi": a_hi,
        "years_to_war_median": float(war.median()) if len(war) else np.nan,
        "runs_with_war": len(war),
        "welfare": float(group["welfare_final"].mean()),
        "coercions": float(group["coercions"].mean()),
    }


def by_arm(results: pd.DataFrame, keys: Sequence[str], seed: int) -> pd.DataFrame:
    """``arm_stats`` for every arm within each group of ``keys`` (e.g. study, or study and
    design point)."""
    rows = [{**dict(zip([*keys, "arm"], k, strict=True)), **arm_stats(g, seed)}
            for k, g in ok_rows(results).groupby([*keys, "arm"], sort=True)]
    return pd.DataFrame(rows)


def paired(results: pd.DataFrame, keys: Sequence[str], seed: int,
           comparisons: Sequence[tuple[str, str]] = COMPARISONS) -> pd.DataFrame:
    """Per group of ``keys``: the mean over runs of (arm a - arm b) in survival and autonomy,
    each with a bootstrap 95% interval over runs (paired: same run, same seed)."""
    rows = []
    ok = ok_rows(results)
    for key, group in ok.groupby(list(keys), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        for column, metric in METRICS.items():
            wide = group.pivot(index="run", columns="arm", values=column)
            for a, b in comparisons:
                if a not in wide or b not in wide:
                    continue
                diff = (wide[a] - wide[b]).dropna().to_numpy()
                lo, hi = bootstrap_ci(diff, seed=seed)
                rows.append({**dict(zip(keys, key, strict=True)), "metric": metric,
                             "comparison": f"{a} - {b}", "runs": diff.size,
                             "difference": float(diff.mean()) if diff.size else np.nan,
                             "lo": lo, "hi": hi})
    return pd.DataFrame(rows)


def survival_curves(results: pd.DataFrame) -> pd.DataFrame:
    """Kaplan-Meier survival of focal states per study and arm; a state that lived to the
    horizon is censored there."""
    frames = []
    for (study, arm), group in ok_rows(results).groupby(["study", "arm"], sort=True):
        ends = group[["end_years", "steps"]].explode("end_years")
        end = ends["end_years"].astype(int).to_numpy()
        events = end >= 0
        times = np.where(events, end, ends["steps"].astype(int).to_numpy())
        frames.append(kaplan_meier(times, events).assign(study=study, arm=arm))
    return pd.concat(frames, ignore_index=True)[["study", "arm", "time", "at_risk", "events",
                                                 "survival"]]


def regime_cells(results: pd.DataFrame, study: Study) -> pd.DataFrame:
    """The two regime factors as cells: their grid levels, or for a sampled design the middle of
    ``REGIME_BINS`` equal slices of each range."""
    x, y = study.regime or ("", "")
    frame = ok_rows(results[results["study"] == study.name]).copy()
    for name in (x, y):
        factor = next(f for f in study.factors if f.name == name)
        if study.design != "grid":
            edges = np.linspace(factor.low, factor.high, REGIME_BINS + 1)
            mids = (edges[:-1] + edges[1:]) / 2
            index = np.clip(np.searchsorted(edges, frame[name], side="right") - 1, 0,
                            REGIME_BINS - 1)
            frame[name] = mids[index].round(6)
    return frame


def regime_map(results: pd.DataFrame, study: Study, seed: int) -> pd.DataFrame:
    """Per regime cell and metric: the arm with the highest mean, its lead over the runner-up,
    and whether that lead is clear (the paired bootstrap 95% interval excludes zero)."""
    x, y = study.regime or ("", "")
    frame = regime_cells(results, study)
    rows = []
    for (xv, yv), cell in frame.groupby([x, y], sort=True):
        for column, metric in METRICS.items():
            wide = cell.pivot(index="run", columns="arm", values=column)
            means = wide.mean().sort_values(ascending=False, kind="stable")
            best, second = means.index[0], means.index[1]
            lo, hi = bootstrap_ci((wide[best] - wide[second]).dropna().to_numpy(), seed=seed)
            rows.append({x: xv, y: yv, "metric": metric, "best": best,
                         "value": float(means.iloc[0]), "runner_up": second,
                         "lead": float(means.iloc[0] - means.iloc[1]), "lead_lo": lo,
                         "lead_hi": hi, "clear": bool(lo > 0), "runs": len(wide),
                         **{f"mean_{arm}": float(v) for arm, v in means.items()}})
    return pd.DataFrame(rows)


def sensitivity(results: pd.DataFrame, study: Study, seed: int) -> pd.DataFrame:
    """Sobol or Morris indices (SALib) of hedging's advantage at each design point: the mean
    paired difference hedge - balance and hedge - bandwagon in survival and autonomy."""
    ok = ok_rows(results[results["study"] == study.name])
    prob = study.problem()
    n_points = len(study.points(seed))
    rows = []
    for column, metric in METRICS.items():
        wide = ok.pivot(index="run", columns="arm", values=column)
        point = ok.groupby("run")["point"].first()
        for a, b in COMPARISONS:
            if a not in wide or b not in wide:
                continue
            y = (wide[a] - wide[b]).groupby(point).mean().reindex(range(n_points))
            if y.isna().any():  # a design point without any finished run
                continue
            if study.design == "sobol":
                table = design.analyze_sobol(prob, y.to_numpy(), seed)
            else:
                table = design.analyze_morris(prob, study.sample(seed), y.to_numpy(), seed)
            rows.append(table.assign(output=f"{metric}: {a} - {b}"))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def analyse(results: pd.DataFrame, sweep: Sweep) -> dict[str, pd.DataFrame]:
    """Every table of the report, by file stem."""
    seed = sweep.seed
    factor_columns = list(sweep.factor_kinds)
    cells = by_arm(results, ["study", "point"], seed)
    params = results.groupby(["study", "point"], sort=True)[factor_columns].first()
    tables = {
        "by_arm": by_arm(results, ["study"], seed),
        "by_cell": cells.merge(params.reset_index(), on=["study", "point"]),
        "paired": paired(results, ["study"], seed),
        "paired_by_cell": paired(results, ["study", "point"], seed),
        "survival_curves": survival_curves(results),
    }
    for study in sweep.studies:
        if study.regime:
            tables[f"regime_{study.name}"] = regime_map(results, study, seed)
        if study.design in ("sobol", "morris"):
            tables[f"sensitivity_{study.name}"] = sensitivity(results, study, seed)
    failed = results[results["error"].notna()]
    tables["failures"] = failed[["run", "study", "point", "replicate", "seed", "arm",
                                 *factor_columns, "error"]]
    return tables

"""Analysis of run records: summaries, paired differences, survival curves, hazard ratios,
regime maps and sensitivity indices, each a plain function from the records to a table.

Records are ``model.records.OUTCOMES``, one row per (run, arm, small state). The unit of
replication is the run (one world, one seed): arms of a run share the seed, so arm comparisons
are paired by run, and means are bootstrapped over runs. Shares (survival, war) pool the states
of the runs with Wilson intervals, which treat the focal states of one world as independent; the
paired differences and the means carry no such assumption.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from hedgesim.experiments import design
from hedgesim.experiments.stats import bootstrap_ci, hazard_ratio, kaplan_meier, poisson_rate_ci, wilson
from hedgesim.model.records import ATTACKS, OUTCOMES

COMPARISONS = (("hedge", "balance"), ("hedge", "bandwagon"))
METRICS = {"survived": "survival", "autonomy_mean": "autonomy"}
HAZARDS = (("balance", "hedge"), ("bandwagon", "hedge"))
REGIME_BINS = 4
SUMMARISED = [o for o in OUTCOMES if o.summary]


def ok_rows(records: pd.DataFrame) -> pd.DataFrame:
    """The rows of runs that finished (failed ones carry an error and no outcomes)."""
    return records[records["error"].isna()] if "error" in records else records


def summary_of(group: pd.DataFrame, seed: int) -> dict[str, Any]:
    """Every summarised outcome of one set of records (``Outcome.summary``): shares with Wilson
    intervals, means with bootstrap intervals over runs (averages without), medians over the
    records with the event."""
    row: dict[str, Any] = {"runs": group["seed"].nunique(), "states": len(group)}
    for o in SUMMARISED:
        values = group[o.name]
        if o.summary == "share":
            k, n = int(values.astype(bool).sum()), len(values)
            lo, hi = wilson(k, n)
            row |= {o.name: k / n if n else np.nan, f"{o.name}_lo": lo, f"{o.name}_hi": hi}
        elif o.summary in ("mean", "average"):
            per_run = values.astype(float).groupby(group["seed"], sort=False).mean().to_numpy()
            row[o.name] = float(per_run.mean()) if per_run.size else np.nan
            if o.summary == "mean":
                row[f"{o.name}_lo"], row[f"{o.name}_hi"] = bootstrap_ci(per_run, seed=seed)
        else:  # median_event
            events = values[values >= 0]
            row |= {o.name: float(events.median()) if len(events) else np.nan,
                    f"{o.name}_events": len(events)}
    return row


def summarise(records: pd.DataFrame, keys: Sequence[str], seed: int = 0) -> pd.DataFrame:
    """``summary_of`` for every group of ``keys`` (in order of first appearance)."""
    ok = ok_rows(records)
    if not keys:
        return pd.DataFrame([summary_of(ok, seed)])
    rows = [{**dict(zip(keys, k if isinstance(k, tuple) else (k,), strict=True)),
             **summary_of(g, seed)} for k, g in ok.groupby(list(keys), sort=False)]
    return pd.DataFrame(rows)


def attackers(records: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Who attacks, per group of ``keys`` and great power (the records' ``attacks_GP``): the
    share of runs in which the power started a war on the state, with its Wilson 95% interval,
    and its share of all the wars started on the state."""
    ok = ok_rows(records)
    powers = [c for c in ok.columns if c.startswith(ATTACKS)]
    rows = []
    groups = ok.groupby(list(keys), sort=False) if keys else [((), ok)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        total = float(group[powers].to_numpy(float).sum())
        for column in powers:
            started = group[column].to_numpy(float)
            hit = int((started > 0).sum())
            lo, hi = wilson(hit, len(group))
            rows.append({**dict(zip(keys, key, strict=True)),
                         "attacker": column.removeprefix(ATTACKS), "runs": len(group),
                         "attacked_by": hit / len(group), "attacked_by_lo": lo,
                         "attacked_by_hi": hi, "wars_started": int(started.sum()),
                         "share_of_wars": started.sum() / total if total else float("nan")})
    return pd.DataFrame(rows)


def ensemble_summary(records: pd.DataFrame, keys: Sequence[str], member: str,
                     seed: int = 0) -> pd.DataFrame:
    """Per group of ``keys``, for each share or mean of ``OUTCOMES`` over runs that each parameter
    setting of an ensemble (column ``member``) ran on the same seeds: the pooled estimate (the
    mean over members), its Monte Carlo 95% interval (``summary_of`` on the pooled runs), the
    spread of the members' own estimates (2.5th-97.5th percentiles: parameter uncertainty), and
    a total interval from both variances added (between members, and Monte Carlo)."""
    ok = ok_rows(records)
    rows = []
    groups = ok.groupby(list(keys), sort=False) if keys else [((), ok)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        pooled = summary_of(group, seed)
        for o in SUMMARISED:
            if o.summary not in ("share", "mean"):
                continue
            values = group[o.name].astype(float)
            by_member = (values.groupby(group[member]).mean() if o.summary == "share" else
                         values.groupby([group[member], group["seed"]]).mean()
                         .groupby(level=0).mean())
            estimate = float(by_member.mean())
            mc_se = (pooled[f"{o.name}_hi"] - pooled[f"{o.name}_lo"]) / (2 * 1.96)
            between = float(by_member.var(ddof=1)) if len(by_member) > 1 else 0.0
            half = 1.96 * np.sqrt(between + mc_se ** 2)
            share = o.summary == "share"  # a share's interval is clipped to [0, 1]
            rows.append({**dict(zip(keys, key, strict=True)), "outcome": o.name,
                         "members": len(by_member), "runs_per_member": group["seed"].nunique(),
                         "estimate": estimate, "mc_lo": pooled[f"{o.name}_lo"],
                         "mc_hi": pooled[f"{o.name}_hi"],
                         "members_lo": float(by_member.quantile(0.025)),
                         "members_hi": float(by_member.quantile(0.975)),
                         "total_lo": max(estimate - half, 0.0) if share else estimate - half,
                         "total_hi": min(estimate + half, 1.0) if share else estimate + half,
                         "parameter_share": between / (between + mc_se ** 2)
                         if between + mc_se ** 2 > 0 else np.nan})
    return pd.DataFrame(rows)


def per_run(records: pd.DataFrame, keys: Sequence[str] = ()) -> pd.DataFrame:
    """One row per (run, arm): each outcome's mean over the run's states (shares for the
    booleans), with the run's ``keys`` (design point, factors)."""
    ok = ok_rows(records)
    columns = [o.name for o in OUTCOMES
               if o.kind in ("bool", "int", "float") and o.name != "focal" and o.name in ok]
    group = ok.groupby(["seed", "arm"], sort=False)
    out = group[columns].mean()
    if keys:
        out = out.join(group[list(keys)].first())
    return out.reset_index()


def paired(records: pd.DataFrame, keys: Sequence[str], seed: int,
           comparisons: Sequence[tuple[str, str]] = COMPARISONS) -> pd.DataFrame:
    """Per group of ``keys``: the mean over runs of (arm a - arm b) in survival and autonomy,
    each with a bootstrap 95% interval over runs (paired: same run, same seed)."""
    runs = per_run(records, keys)
    rows = []
    for key, group in runs.groupby(list(keys), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        for column, metric in METRICS.items():
            wide = group.pivot(index="seed", columns="arm", values=column)
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


def durations(records: pd.DataFrame, event: str) -> tuple[np.ndarray, np.ndarray]:
    """Times and event flags for survival analysis: ``end`` (the state's end, censored at the
    run's end) or ``war`` (the first war on it, censored where it ended or the run did)."""
    if event == "end":
        return records["years_lived"].to_numpy(), ~records["survived"].to_numpy(dtype=bool)
    attacked = records["attacked"].to_numpy(dtype=bool)
    return (np.where(attacked, records["years_to_war"], records["years_lived"]), attacked)


def survival_curves(records: pd.DataFrame, keys: Sequence[str],
                    events: Sequence[str] = ("end",)) -> pd.DataFrame:
    """Kaplan-Meier curves with 95% bands and numbers at risk, per group of ``keys`` and
    event."""
    frames = []
    for key, group in ok_rows(records).groupby(list(keys), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        for event in events:
            times, flags = durations(group, event)
            frames.append(kaplan_meier(times, flags).assign(
                **dict(zip(keys, key, strict=True)), event=event))
    frame = pd.concat(frames, ignore_index=True)
    return frame[[*keys, "event", "time", "at_risk", "events", "survival", "lo", "hi"]]


def hazard_ratios(records: pd.DataFrame, keys: Sequence[str],
                  pairs: Sequence[tuple[str, str]] = HAZARDS,
                  events: Sequence[str] = ("end", "war")) -> pd.DataFrame:
    """Cox hazard ratios of arm a to arm b (the state's end, and war), per group of ``keys``:
    the measure the historical record gives for alignment classes."""
    rows = []
    ok = ok_rows(records)
    for key, group in ok.groupby(list(keys), sort=True) if keys else [((), ok)]:
        key = key if isinstance(key, tuple) else (key,)
        for a, b in pairs:
            both = group[group["arm"].isin([a, b])]
            if both["arm"].nunique() < 2:
                continue
            for event in events:
                times, flags = durations(both, event)
                hr, lo, hi = hazard_ratio(times, flags, both["arm"].to_numpy() == a)
                rows.append({**dict(zip(keys, key, strict=True)), "event": event,
                             "comparison": f"{a} / {b}", "hazard_ratio": hr, "lo": lo, "hi": hi,
                             "events": int(flags.sum())})
    return pd.DataFrame(rows)


def regime_cells(runs: pd.DataFrame, regime: tuple[str, str], factors: dict[str, Any],
                 sampled: bool) -> pd.DataFrame:
    """The two regime factors as cells: their grid levels, or for a sampled design the label of
    ``REGIME_BINS`` equal slices of each range ("low–high")."""
    frame = runs.copy()
    for name in regime:
        factor = factors[name]
        if sampled:
            edges = np.linspace(factor.low, factor.high, REGIME_BINS + 1)
            labels = np.array([f"{a:g}–{b:g}" for a, b in zip(edges[:-1].round(4),
                                                                edges[1:].round(4), strict=True)])
            index = np.clip(np.searchsorted(edges, frame[name], side="right") - 1, 0,
                            REGIME_BINS - 1)
            frame[name] = pd.Categorical(labels[index], categories=labels, ordered=True)
    return frame


def regime_map(records: pd.DataFrame, study: Any, seed: int) -> pd.DataFrame:
    """Per regime cell and metric: the arm with the highest mean, its lead over the runner-up,
    and whether that lead is clear (the paired bootstrap 95% interval excludes zero). Arms tied
    exactly are a tie (``best`` names them all)."""
    x, y = study.regime
    runs = per_run(records[records["study"] == study.name], [x, y])
    frame = regime_cells(runs, (x, y), {f.name: f for f in study.factors},
                         study.design != "grid")
    rows = []
    for (xv, yv), cell in frame.groupby([x, y], sort=True, observed=True):
        for column, metric in METRICS.items():
            wide = cell.pivot(index="seed", columns="arm", values=column)
            means = wide.mean().sort_values(ascending=False, kind="stable")
            top = means[means == means.iloc[0]]
            second = means.index[1] if len(top) == 1 else top.index[1]
            lo, hi = bootstrap_ci((wide[means.index[0]] - wide[second]).dropna().to_numpy(),
                                  seed=seed)
            lead = float(means.iloc[0] - means[second])
            rows.append({x: xv, y: yv, "metric": metric, "best": "=".join(sorted(top.index)),
                         "value": float(means.iloc[0]), "runner_up": second, "lead": lead,
                         "lead_lo": lo, "lead_hi": hi, "clear": bool(lo > 0 and len(top) == 1),
                         "runs": len(wide),
                         **{f"mean_{arm}": float(v) for arm, v in means.items()}})
    return pd.DataFrame(rows)


def sensitivity(records: pd.DataFrame, study: Any, seed: int) -> pd.DataFrame:
    """Sobol or Morris indices (SALib) of hedging's advantage at each design point: the mean
    paired difference hedge - balance and hedge - bandwagon in survival and autonomy."""
    runs = per_run(records[records["study"] == study.name], ["point"])
    prob = study.problem()
    n_points = len(study.points(seed))
    rows = []
    for column, metric in METRICS.items():
        wide = runs.pivot(index="seed", columns="arm", values=column)
        point = runs.groupby("seed")["point"].first()
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


DISCOVERY_MIN_POINTS = 8  # design points a tree needs to find a region


def where_it_does_not(paired_by_cell: pd.DataFrame, params: pd.DataFrame,
                      factors: Sequence[str], depth: int = 3) -> pd.DataFrame:
    """Scenario discovery (Bryant & Lempert 2010) for "where does hedging not win?": per
    comparison, a classification tree (scikit-learn's CART) over the study's inputs separates
    the design points where hedging's paired survival difference is at most zero from the rest;
    each leaf where they are the majority is a region, given as its box of input ranges with
    its density (the share of its points where hedging does not win), coverage (the share of
    all such points it holds) and mean difference. ``params``: the inputs per design point."""
    from sklearn.tree import DecisionTreeClassifier

    rows = []
    cells = paired_by_cell[paired_by_cell["metric"] == "survival"]
    for comparison, group in cells.groupby("comparison", sort=False):
        frame = group.merge(params, on="point").dropna(subset=["difference"])
        x = frame[list(factors)].to_numpy(float)
        y = (frame["difference"] <= 0).to_numpy()
        if len(frame) < DISCOVERY_MIN_POINTS or y.all() or not y.any():
            rows.append({"comparison": comparison, "region": "everywhere" if y.all() else
                         "nowhere" if not y.any() else "too few points", "points": len(frame),
                         "density": float(y.mean()) if len(y) else np.nan,
                         "coverage": 1.0 if y.any() else 0.0,
                         "mean_difference": float(frame["difference"].mean())})
            continue
        tree = DecisionTreeClassifier(max_depth=depth, random_state=0,
                                      min_samples_leaf=max(3, len(frame) // 20)).fit(x, y)
        leaves = tree.apply(x)
        found = [leaf for leaf in np.unique(leaves) if y[leaves == leaf].mean() > 0.5]
        for leaf in found:
            inside = leaves == leaf
            rows.append({"comparison": comparison, "region": _box(tree, leaf, factors, x),
                         "points": int(inside.sum()), "density": float(y[inside].mean()),
                         "coverage": float(y[inside].sum() / y.sum()),
                         "mean_difference": float(frame["difference"][inside].mean())})
        if not found:  # the points where it does not win are scattered, not a region
            rows.append({"comparison": comparison,
                         "region": f"no region: {int(y.sum())} scattered point{'s' if y.sum() > 1 else ''}",
                         "points": int(y.sum()), "density": np.nan, "coverage": np.nan,
                         "mean_difference": float(frame["difference"][y].mean())})
    return pd.DataFrame(rows)


def _box(tree: Any, leaf: int, factors: Sequence[str], x: np.ndarray) -> str:
    """The input ranges that lead a tree to ``leaf``, as text ("a > 0.5 and b <= 0.3")."""
    t = tree.tree_
    low = dict.fromkeys(factors, -np.inf)
    high = dict.fromkeys(factors, np.inf)
    parent = {c: (n, True) for n in range(t.node_count) for c in (t.children_left[n],) if c >= 0}
    parent |= {c: (n, False) for n in range(t.node_count) for c in (t.children_right[n],) if c >= 0}
    node = leaf
    while node in parent:
        node, left = parent[node]
        name, cut = factors[t.feature[node]], float(t.threshold[node])
        if left:
            high[name] = min(high[name], cut)
        else:
            low[name] = max(low[name], cut)
    terms = []
    for f in factors:
        if np.isfinite(low[f]) and np.isfinite(high[f]):
            terms.append(f"{low[f]:.3g} < {f} ≤ {high[f]:.3g}")
        elif np.isfinite(low[f]):
            terms.append(f"{f} > {low[f]:.3g}")
        elif np.isfinite(high[f]):
            terms.append(f"{f} ≤ {high[f]:.3g}")
    return " and ".join(terms) or "everywhere"


def analyse(records: pd.DataFrame, sweep: Any) -> dict[str, pd.DataFrame]:
    """Every table of a sweep's report, by file stem."""
    seed = sweep.seed
    factor_columns = list(sweep.factor_kinds)
    ok = ok_rows(records)
    tables: dict[str, pd.DataFrame] = {}
    if len(ok):
        cells = summarise(ok, ["study", "point", "arm"], seed)
        params = ok.groupby(["study", "point"], sort=False)[factor_columns].first()
        tables |= {
            "by_arm": summarise(ok, ["study", "arm"], seed),
            "by_cell": cells.merge(params.reset_index(), on=["study", "point"]),
            "paired": paired(ok, ["study"], seed),
            "paired_by_cell": paired(ok, ["study", "point"], seed),
            "survival_curves": survival_curves(ok, ["study", "arm"]),
            "hazard_ratios": hazard_ratios(ok, ["study"]),
        }
        if "member" in ok:  # under a parameter ensemble: each member's own estimates
            tables |= {"by_member": summarise(ok, ["study", "arm", "member"], seed),
                       "paired_by_member": paired(ok, ["study", "member"], seed)}
        for study in sweep.studies:
            if not (ok["study"] == study.name).any():
                continue
            if study.regime and ok.loc[ok["study"] == study.name, "arm"].nunique() > 1:
                tables[f"regime_{study.name}"] = regime_map(ok, study, seed)
            if study.design in ("sobol", "morris"):
                tables[f"sensitivity_{study.name}"] = sensitivity(ok, study, seed)
            mine_params = params.loc[study.name]
            names = [f.name for f in study.factors
                     if pd.api.types.is_numeric_dtype(mine_params[f.name])]
            if names and ok.loc[ok["study"] == study.name, "arm"].nunique() > 1:
                mine = tables["paired_by_cell"]
                tables[f"discovery_{study.name}"] = where_it_does_not(
                    mine[mine["study"] == study.name],
                    mine_params.reset_index()[["point", *names]], names)
    failed = records[records["error"].notna()] if "error" in records else records.iloc[:0]
    tables["failures"] = failed.drop_duplicates(["run", "arm"])[
        ["run", "study", "point", "replicate", "seed", "arm", *factor_columns, "error"]]
    return tables


# --- onset rates of a (major, minor, year) panel: the record's, or the model's ---------------

PER = 100  # rates per 100 dyad-years


def onset_rates(panel: pd.DataFrame, by: Sequence[str], outcomes: Sequence[str] = ("force", "war"),
                ) -> pd.DataFrame:
    """Per group of ``by``: dyad-years, and for each outcome the onsets, the rate per 100
    dyad-years and its exact (Garwood) Poisson 95% interval."""
    rows = []
    for key, group in panel.groupby(list(by), sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        exposure = len(group) / PER
        row: dict[str, Any] = {**dict(zip(by, key, strict=True)), "dyad_years": len(group)}
        for outcome in outcomes:
            events = int(group[outcome].sum())
            lo, hi = poisson_rate_ci(events, exposure)
            row |= {f"{outcome}_onsets": events, f"{outcome}_rate": events / exposure,
                    f"{outcome}_lo": lo, f"{outcome}_hi": hi}
        rows.append(row)
    return pd.DataFrame(rows)


def rate_ratio(events: tuple[int, int], exposure: tuple[float, float]
               ) -> tuple[float, float, float]:
    """Ratio of two Poisson rates with its exact 95% interval (conditional on the total, the
    first count is binomial: Clopper-Pearson, transformed)."""
    (a, b), (ea, eb) = events, exposure
    if a + b == 0 or ea <= 0 or eb <= 0:
        return (float("nan"), float("nan"), float("nan"))
    ci = stats.binomtest(a, a + b).proportion_ci(method="exact")

    def ratio(p: float) -> float:
        return p / (1 - p) * eb / ea if p < 1 else float("inf")

    return ((a / ea) / (b / eb) if b else float("inf"), ratio(ci.low), ratio(ci.high))


def class_ratios(panel: pd.DataFrame, pairs: Sequence[tuple[str, str]],
                 outcomes: Sequence[str] = ("force", "war"), column: str = "alignment",
                 by: Sequence[str] = ()) -> pd.DataFrame:
    """Rate ratios between alignment classes (e.g. balance / non-aligned), per group of ``by``."""
    rows = []
    groups = panel.groupby(list(by), sort=True, observed=True) if by else [((), panel)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for a, b in pairs:
            ga, gb = group[group[column] == a], group[group[column] == b]
            for outcome in outcomes:
                rr, lo, hi = rate_ratio((int(ga[outcome].sum()), int(gb[outcome].sum())),
                                        (len(ga) / PER, len(gb) / PER))
                rows.append({**dict(zip(by, key, strict=True)), "outcome": outcome,
                             "ratio": f"{a} / {b}", "rate_ratio": rr, "lo": lo, "hi": hi,
                             "onsets": f"{int(ga[outcome].sum())} / {int(gb[outcome].sum())}"})
    return pd.DataFrame(rows)

"""``hedgesim walt``: Walt's four hypotheses (1987) tested on the calibrated model, and where the
record can speak, in the historical panel.

Each hypothesis is a designed experiment in generic worlds where every small state chooses for
itself (``adaptive``): one input at a low and a high level, everything else at the calibrated
defaults, the two levels on the same seeds (common random numbers). The effect is the paired
difference, high minus low, in the share of small states that end the run balancing (or, for
the fourth, bandwagoning), with a bootstrap interval over runs. The behaviour comes from the
adaptive choice rule and the dynamics it feeds (``agents.small_state.choose_strategy``); no rule
reads the hypothesis.

1. Stronger states balance more: the small states' mean capability.
2. Likely allied support encourages balancing: how much a patron's support thins with each
   client (``overstretch``; none makes support likelier).
3. Aggressive powers provoke balancing: the great powers' mean revisionism.
4. In war, states bandwagon with the side near victory: no input is set; within the baseline
   runs, the states attacked are compared with those never attacked (an observational contrast
   inside the model, paired by run).

The record's relation (``record.panel.build_panel``): a logistic regression of a minor
balancing (a defence pact with another major, not with its neighbour) on the minor's relative
strength (minus the log CINC ratio), on whether the major has a rival to turn to, and on the
major's aggressiveness (its use-of-force initiations in the ten years before), with standard
errors clustered by dyad (statsmodels). The record has no wartime alignment switches at this
resolution, so the fourth has no record relation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedgesim.experiments.engine import Executor, Setting, paired, replicate_seeds, run
from hedgesim.experiments.stats import bootstrap_ci

REPLICATES = 200
STEPS = 30
WORLD = {"generic.n_small": 30}


@dataclass(frozen=True)
class Hypothesis:
    number: int
    text: str
    factor: str | None  # None: an observational contrast within the baseline runs
    low: float = 0.0
    high: float = 0.0
    strategy: str = "balance"  # the strategy whose share is the outcome
    record_term: str | None = None  # the record regression's term, if the record can speak


HYPOTHESES = (
    Hypothesis(1, "stronger states balance more", "generic.small_capability_mean", 0.001, 0.02,
               record_term="relative_strength"),
    Hypothesis(2, "likely allied support encourages balancing", "overstretch", 0.5, 0.0,
               record_term="rival_available"),
    Hypothesis(3, "aggressive powers provoke balancing", "generic.revisionism_mean", 0.2, 0.8,
               record_term="major_initiations"),
    Hypothesis(4, "in war, states bandwagon with the side near victory", None,
               strategy="bandwagon"),
)


def settings(hypotheses: Sequence[Hypothesis] = HYPOTHESES) -> list[Setting]:
    """The baseline and each hypothesis's low and high levels."""
    out = [Setting.of("generic", "adaptive", WORLD, STEPS)]
    for h in hypotheses:
        if h.factor:
            out += [Setting.of("generic", "adaptive", {**WORLD, h.factor: level}, STEPS)
                    for level in (h.low, h.high)]
    return out


def shares(records: pd.DataFrame, strategy: str, where: pd.Series | None = None) -> pd.Series:
    """Per run (seed): the share of living small states following ``strategy`` at the end."""
    ok = records[records["survived"].astype(bool)]
    if where is not None:
        ok = ok[where.loc[ok.index]]
    return (ok["strategy_final"] == strategy).groupby(ok["seed"]).mean()


def model_effects(records: pd.DataFrame, seed: int,
                  hypotheses: Sequence[Hypothesis] = HYPOTHESES) -> pd.DataFrame:
    """Each hypothesis's effect in the model with its bootstrap 95% interval over runs."""
    by_setting = {k: g for k, g in records.groupby("setting", sort=True)}
    rows, k = [], 1
    for h in hypotheses:
        if h.factor:
            low, high = shares(by_setting[k], h.strategy), shares(by_setting[k + 1], h.strategy)
            k += 2
            contrast = f"{h.factor} {h.high:g} vs {h.low:g}"
        else:
            base = by_setting[0]
            attacked = base["attacked"].astype(bool)
            high, low = shares(base, h.strategy, attacked), shares(base, h.strategy, ~attacked)
            contrast = "attacked vs never attacked (same runs)"
        diff = (high - low).dropna()
        lo, hi = bootstrap_ci(diff.to_numpy(), seed=seed)
        rows.append({"hypothesis": h.number, "text": h.text, "outcome": f"share {h.strategy}",
                     "contrast": contrast, "runs": len(diff), "low_level": float(low.mean()),
                     "high_level": float(high.mean()), "effect": float(diff.mean()),
                     "effect_lo": lo, "effect_hi": hi})
    return pd.DataFrame(rows)


def record_relations(hypotheses: Sequence[Hypothesis] = HYPOTHESES) -> pd.DataFrame:
    """The record's logistic regression of balancing on the three observables, with standard
    errors clustered by dyad: per hypothesis its term's coefficient, interval and p-value."""
    import statsmodels.api as sm

    from hedgesim.record.panel import build_panel
    from hedgesim.record.worlds import initiations

    panel = build_panel()
    counts = {(g, y): initiations(g, y) for g, y in panel[["major", "year"]].drop_duplicates()
              .itertuples(index=False)}
    x = pd.DataFrame({
        "relative_strength": -np.log(panel["cinc_ratio"].clip(lower=1e-3)),
        "rival_available": panel["rival_available"].astype(float),
        "major_initiations": [counts[(g, y)] for g, y in zip(panel["major"], panel["year"],
                                                              strict=True)]})
    keep = x.notna().all(axis=1).to_numpy()
    y = (panel["alignment"] == "balance").astype(float).to_numpy()[keep]
    groups = pd.factorize(panel["major"].astype(str) + "-" + panel["minor"].astype(str))[0][keep]
    fit = sm.Logit(y, sm.add_constant(x[keep])).fit(disp=0, cov_type="cluster",
                                                    cov_kwds={"groups": groups})
    ci = fit.conf_int()
    rows = []
    for h in hypotheses:
        term = h.record_term
        rows.append({"hypothesis": h.number, "record_term": term or "–",
                     "record_coef": float(fit.params[term]) if term else np.nan,
                     "record_lo": float(ci.loc[term, 0]) if term else np.nan,
                     "record_hi": float(ci.loc[term, 1]) if term else np.nan,
                     "record_p": float(fit.pvalues[term]) if term else np.nan,
                     "record_rows": int(keep.sum())})
    return pd.DataFrame(rows)


def verdict(low: float, high: float) -> str:
    if np.isnan(low):
        return "–"
    return "supports" if low > 0 else "contradicts" if high < 0 else "inconclusive"


def walt(replicates: int = REPLICATES, seed: int = 0, executor: Executor | None = None
         ) -> pd.DataFrame:
    """Every hypothesis: the model's effect and the record's relation, each with a verdict."""
    records = run(paired(settings(), replicate_seeds(seed, replicates)), executor).outcomes
    failed = records["error"].dropna()
    if len(failed):
        raise RuntimeError(f"a run failed: {failed.iloc[0]}")
    out = model_effects(records, seed).merge(record_relations(), on="hypothesis")
    out["model_verdict"] = [verdict(a, b) for a, b in zip(out["effect_lo"], out["effect_hi"],
                                                          strict=True)]
    out["record_verdict"] = [verdict(a, b) for a, b in zip(out["record_lo"], out["record_hi"],
                                                           strict=True)]
    return out


__all__ = ["HYPOTHESES", "Hypothesis", "walt"]

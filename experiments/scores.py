"""Proper scores for the hindcast: the model's probabilities for real (major, minor, window)
rows beside baselines fitted on the training era only, each scored on each era by log score,
Brier score, Brier skill against the era's base rate, average precision and ROC AUC
(scikit-learn's metrics), with intervals from a bootstrap over dyads (a pair's rows are
resampled together, since they are not independent).

The record's own history is one baseline (``pair_history``): what was known before each year
about the pair and the major — years since the pair's last dispute, the pair's disputes in the
prior 5 and 10 years, a dispute ongoing the year before, a Thompson-Dreyer rivalry between
them, and the major's uses of force against anyone in the prior 5 years. A baseline is fitted
on the training era's rows (logistic regression, statsmodels) and predicts both eras; its
score on the training era is in-sample and labelled so (``fit``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from hedgesim.record.data import table
from hedgesim.record.panel import FORCE_HOSTILITY

TRAIN, TEST = "1816-1945", "1946-2010"
RESAMPLES = 1000  # dyad bootstrap resamples
NEVER = 200.0  # years since the pair's last dispute when it never had one (the record's span)
CLIP = 1e-6  # a forecast of exactly 0 or 1 has an infinite log score: kept off the bounds

HISTORY_FEATURES = ["log_years_since", "disputes_5", "disputes_10", "ongoing", "rivalry", "major_force_5"]
BASELINES: dict[str, list[str]] = {
    "constant": [],
    "record history": HISTORY_FEATURES,
    "contiguity type": ["conttype"],
    "log CINC ratio": ["log_ratio"],
    "alignment class": ["class_bandwagon", "class_balance", "class_both"],
    "logistic (observables)": ["conttype", "log_ratio", "class_bandwagon", "class_balance",
                               "class_both", "rival_patron"],
}


def war_data_last() -> int:
    """The last year the COW war data cover: war is scored only in windows that end by then."""
    return int(table("wars")["year"].max())


def pair_history(pairs: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` (columns major, minor, year: COW codes) with the record's history as known at
    the start of each year: only years before it (and the rivalry the year before)."""
    mids = table("mids").astype({"ccode1": "int64", "ccode2": "int64", "year": "int64"})
    both = pd.concat([mids, mids.rename(columns={"ccode1": "ccode2", "ccode2": "ccode1"})])
    onsets = both[both["onset"] == 1].groupby(["ccode1", "ccode2"])["year"].apply(np.sort)
    active = set(zip(both["ccode1"], both["ccode2"], both["year"], strict=True))
    force = mids[(mids["sidea1"] == 1) & (mids["hostlev1"] >= FORCE_HOSTILITY)
                 & (mids["onset"] == 1)].groupby("ccode1")["year"].apply(np.sort)
    rivals = table("rivalries")
    rivalry = {(a, b): (s, e) for a, b, s, e in zip(rivals["ccode1"], rivals["ccode2"],
                                                     rivals["start"], rivals["end"], strict=True)}
    rivalry |= {(b, a): span for (a, b), span in rivalry.items()}
    empty = np.array([], dtype="int64")

    def prior(years: np.ndarray, y: int, span: int) -> int:
        return int(np.searchsorted(years, y) - np.searchsorted(years, y - span))

    rows = []
    for g, m, y in zip(pairs["major"], pairs["minor"], pairs["year"], strict=True):
        seen = onsets.get((g, m), empty)
        before = seen[seen < y]
        start, end = rivalry.get((g, m), (None, None))
        used = force.get(g, empty)
        rows.append((NEVER if not len(before) else float(y - before[-1]),
                     prior(seen, y, 5), prior(seen, y, 10), (g, m, y - 1) in active,
                     start is not None and start <= y - 1 <= end, prior(used, y, 5)))
    history = pd.DataFrame(rows, columns=["years_since", "disputes_5", "disputes_10", "ongoing",
                                          "rivalry", "major_force_5"], index=pairs.index)
    history["log_years_since"] = np.log1p(history["years_since"])
    return pairs.join(history.astype({"ongoing": float, "rivalry": float}))


def features(rows: pd.DataFrame) -> pd.DataFrame:
    """The baselines' observables as numbers."""
    return rows.assign(**{f"class_{c}": (rows["alignment"] == c).astype(float)
                          for c in ("bandwagon", "balance", "both")},
                       rival_patron=rows["rival_patron"].astype(float),
                       conttype=rows["conttype"].astype(float))


def fitted_on(rows: pd.DataFrame, train: str) -> np.ndarray:
    """The rows the baselines are fitted on: the ``train`` era's, or every row where the
    validation does not reach back to it (then every score of theirs is in-sample)."""
    mask = (rows["era"] == train).to_numpy()
    return mask if mask.any() else np.ones(len(rows), dtype=bool)


def fitted_baselines(rows: pd.DataFrame, outcome: str, train: str = TRAIN
                     ) -> dict[str, np.ndarray]:
    """Each baseline fitted (logistic, statsmodels) on the ``train`` era's rows and predicting
    every row; a fit that fails predicts the training base rate."""
    import statsmodels.api as sm

    frame = features(rows)
    fit_on = fitted_on(frame, train)
    y = frame[f"observed_{outcome}"].to_numpy(float)
    base = y[fit_on].mean()
    out = {}
    for name, columns in BASELINES.items():
        if not columns:
            out[name] = np.full(len(frame), base)
            continue
        x = sm.add_constant(frame[columns].to_numpy(float), has_constant="add")
        try:
            with warnings.catch_warnings():  # separation in a small era: the fit still predicts
                warnings.simplefilter("ignore")
                fit = sm.Logit(y[fit_on], x[fit_on]).fit(disp=0, maxiter=200)
            out[name] = fit.predict(x)
        except (np.linalg.LinAlgError, ValueError, sm.tools.sm_exceptions.PerfectSeparationError):
            out[name] = np.full(len(frame), base)
    return out


def metrics(y: np.ndarray, p: np.ndarray, base_rate: float) -> dict[str, float]:
    """Log score (mean negative log likelihood), Brier score, Brier skill against the constant
    ``base_rate``, average precision and ROC AUC (scikit-learn's)."""
    from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

    p = np.clip(p, CLIP, 1 - CLIP)
    brier = brier_score_loss(y, p)
    reference = brier_score_loss(y, np.full(len(y), np.clip(base_rate, CLIP, 1 - CLIP)))
    both = 0 < y.sum() < len(y)
    return {"log_score": float(log_loss(y, p, labels=[0, 1])), "brier": float(brier),
            "brier_skill": float(1 - brier / reference) if reference > 0 else float("nan"),
            "ap": float(average_precision_score(y, p)) if both else float("nan"),
            "auc": float(roc_auc_score(y, p)) if both else float("nan")}


def weighted_metrics(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """``metrics`` for many resamples at once: row ``b`` of ``w`` [B, n] holds how often each
    row is drawn, the base rate is the resample's own. The same numbers as scikit-learn's
    metrics with ``sample_weight`` (a test holds them equal), in whole arrays, as a bootstrap
    of thousands of resamples needs."""
    p = np.clip(p, CLIP, 1 - CLIP)
    total, events = w.sum(axis=1), w @ y
    rate = events / total
    loss = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    brier = w @ (p - y) ** 2 / total
    with np.errstate(invalid="ignore", divide="ignore"):
        reference = rate * (1 - rate)  # the Brier score of the resample's own base rate
        skill = np.where(reference > 0, 1 - brier / reference, np.nan)
        # ranks: rows in order of p, tied rows as one group
        order = np.argsort(p, kind="stable")
        ps, ys, ws = p[order], y[order], w[:, order]
        starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])
        pos = np.add.reduceat(ws * ys, starts, axis=1)
        neg = np.add.reduceat(ws * (1 - ys), starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        auc = (pos * (below + 0.5 * neg)).sum(axis=1) / (events * (total - events))
        # average precision: thresholds from the highest p down, a tie group at once
        tp, fp = np.cumsum(pos[:, ::-1], axis=1), np.cumsum(neg[:, ::-1], axis=1)
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall_step = np.diff(tp, axis=1, prepend=0.0) / events[:, None]
        ap = (recall_step * precision).sum(axis=1)
    some = (events > 0) & (events < total)
    return {"log_score": w @ loss / total, "brier": brier, "brier_skill": skill,
            "ap": np.where(some, ap, np.nan), "auc": np.where(some, auc, np.nan)}


def dyad_bootstrap(rows: pd.DataFrame, y: np.ndarray, p: np.ndarray, seed: int,
                   resamples: int = RESAMPLES) -> dict[str, tuple[float, float]]:
    """Percentile 95% intervals of each metric over resamples of the pairs (all rows of a
    resampled pair come with it); the base rate is the resample's own."""
    rng = np.random.default_rng(seed)
    codes, pairs = pd.MultiIndex.from_arrays([rows["major"], rows["minor"]]).factorize()
    drawn = rng.integers(0, len(pairs), (resamples, len(pairs)))
    counts = np.zeros((resamples, len(pairs)))
    np.add.at(counts, (np.arange(resamples)[:, None], drawn), 1.0)
    spread = weighted_metrics(y.astype(float), p, counts[:, codes])
    return {name: (float(np.nanpercentile(v, 2.5)), float(np.nanpercentile(v, 97.5)))
            for name, v in spread.items()}


def proper_scores(rows: pd.DataFrame, model: Mapping[str, str], seed: int = 0,
                  resamples: int = RESAMPLES, train: str = TRAIN) -> pd.DataFrame:
    """Per era and outcome, the model (its probability column per outcome in ``model``) and every
    baseline on the same rows: each metric with its dyad-bootstrap interval, and whether the
    predictor's fit saw that era (``fit``: "in-sample" or "held-out"; the model's parameters
    are whatever ``hedgesim validate --params`` gave it, and say so themselves)."""
    out = []
    for outcome, column in model.items():
        scored_rows = rows[rows[f"observed_{outcome}"].notna()].reset_index(drop=True)
        predictors = {"model": scored_rows[column].to_numpy(float),
                      **fitted_baselines(scored_rows, outcome, train)}
        seen = set(scored_rows.loc[fitted_on(scored_rows, train), "era"])
        for era, index in scored_rows.groupby("era", sort=True).indices.items():
            group = scored_rows.iloc[index]
            y = group[f"observed_{outcome}"].to_numpy(int)
            for name, p in predictors.items():
                scored = metrics(y, p[index], y.mean())
                spread = dyad_bootstrap(group, y, p[index], seed, resamples)
                out.append({"era": era, "outcome": outcome, "predictor": name,
                            "fit": "-" if name == "model" else
                            ("in-sample" if era in seen else "held-out"),
                            "rows": len(y), "events": int(y.sum()),
                            **{k: v for m, value in scored.items()
                               for k, v in ((m, value), (f"{m}_lo", spread[m][0]),
                                            (f"{m}_hi", spread[m][1]))}})
    return pd.DataFrame(out)


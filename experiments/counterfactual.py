"""Seed 000's counterfactual put to the model: Ukraine (war) against Vietnam (peace).

A ``sample → evaluate → analyze`` pipeline. ``settings`` name what to run (a case, a strategy
arm, structural overrides), ``simulate`` runs them on one list of paired seeds (common random
numbers: every arm of replicate i uses seed i), and the analysis functions turn outcomes into the
summary, the structural decomposition, the claim-by-claim verdicts and the sensitivity check.
Nothing here reads a strategy label to decide an outcome; arms differ only in the strategy the
focal state follows, and the model's mechanisms do the rest.
"""

from __future__ import annotations

import functools
import itertools
import math
import multiprocessing
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from experiments.runs import replicate_seeds, run_one, summarise
from experiments.stats import bootstrap_ci, kaplan_meier
from scenarios.loader import Scenario, load_scenario
from scenarios.params import BY_NAME
from scenarios.schema import CHANNELS, STRATEGIES

CASES = ("ukraine", "vietnam")
ARMS = ("historical", *STRATEGIES)
FACTORS = ("capability", "dependency", "rival", "revisionism")
FACTOR_MEANING = {
    "capability": "capability ratio to the neighbour (level and growth)",
    "dependency": "trade, energy and credit shares with the neighbour and its rival",
    "rival": "the rival's resolve and openness, and its proximity",
    "revisionism": "the neighbour's revisionism",
}
# The Shapley decomposition of each case's gap: the strategy player switches the base case's
# historical path to the strategy the donor case stands for in seed 000 (Vietnam hedges; Ukraine
# balances, its historical path being mostly balancing).
DONOR_STRATEGY = {"ukraine": "balance", "vietnam": "hedge"}
# Decomposition and sensitivity settings run on the first N // SUBSAMPLE of the paired seeds.
SUBSAMPLE = 4
SERIES_REPLICATES = 100  # replicates whose yearly series feed the autonomy figure
CHUNK = 50  # seeds per worker task

# Pre-stated criteria for the claims (fixed before looking at results; see docs/counterfactual.md).
LIKELY_WAR = 0.20  # "war likely": Wilson lower bound of the war probability over the horizon
PEACE = 0.10  # "keeps the peace": Wilson upper bound of the war probability over the horizon
# Global parameters of uncertain value and how far the sensitivity check moves them: a shift of
# the log-odds (one unit: odds times e either way) or a factor (half to one and a half).
GLOBAL_SHIFTS = {"war_intercept": 1.0}
GLOBAL_FACTORS = {"gp_w_drift": (0.5, 1.5), "interdependence_cost": (0.5, 1.5)}

OUTCOME_COLUMNS = ["state", "survived", "end_year", "end_cause", "attacked", "years_to_war",
                   "coercions", "autonomy_mean", "autonomy_final", "welfare_final", "steps"]


@dataclass(frozen=True)
class Roles:
    """Who is who in a case: the focal small state, its great-power neighbour (the closest great
    power; ties go to the stronger) and the neighbour's rival (the power it is most hostile to)."""

    state: str
    neighbour: str
    rival: str


def roles(scenario: Scenario) -> Roles:
    state = next(s for s in scenario.small_states if s["focal"])
    gps = {g["name"]: g for g in scenario.great_powers}
    neighbour = max(gps, key=lambda g: (state["proximity"].get(g, 0.0), gps[g]["capability"]))
    others = [g for g in gps if g != neighbour]
    hostility = gps[neighbour]["hostility"]
    rival = max(others, key=lambda g: (hostility.get(g, 0.0), gps[g]["capability"]))
    return Roles(state["name"], neighbour, rival)


def _entity(scenario: Scenario, name: str) -> dict[str, Any]:
    return next(e for e in (*scenario.great_powers, *scenario.small_states) if e["name"] == name)


def factor_overrides(recipient: Scenario, donor: Scenario, factor: str) -> dict[str, float]:
    """Overrides giving ``recipient`` the donor's value of one structural condition, expressed
    relative to each case's own roles (Ukraine gets Vietnam's China-Vietnam capability ratio)."""
    r, d = roles(recipient), roles(donor)
    rs, rn = _entity(recipient, r.state), _entity(recipient, r.neighbour)
    ds, dn, dr = (_entity(donor, n) for n in (d.state, d.neighbour, d.rival))
    if factor == "capability":
        return {f"{r.state}.capability": rn["capability"] * ds["capability"] / dn["capability"],
                f"{r.state}.growth": rn["growth"] + ds["growth"] - dn["growth"]}
    if factor == "rival":
        return {f"{r.rival}.resolve": dr["resolve"], f"{r.rival}.openness": dr["openness"],
                f"{r.state}.proximity.{r.rival}": ds["proximity"].get(d.rival, 0.0)}
    if factor == "revisionism":
        return {f"{r.neighbour}.revisionism": dn["revisionism"]}
    if factor == "dependency":
        # The donor's shares with neighbour and rival; the recipient's other partners keep their
        # proportion to the rest of the world in what is left.
        out: dict[str, float] = {}
        for channel in CHANNELS:
            old, new = rs[channel], ds[channel]
            take = {r.neighbour: new.get(d.neighbour, 0.0), r.rival: new.get(d.rival, 0.0)}
            old_gp = old.get(r.neighbour, 0.0) + old.get(r.rival, 0.0)
            scale = (1.0 - sum(take.values())) / (1.0 - old_gp) if old_gp < 1.0 else 0.0
            out |= {f"{r.state}.{channel}.{k}": v for k, v in take.items()}
            out |= {f"{r.state}.{channel}.{k}": v * scale for k, v in old.items() if k not in take}
        return out
    raise ValueError(f"unknown structural factor {factor!r}")


def swap(recipient: Scenario, donor: Scenario, factors: Iterable[str]) -> dict[str, float]:
    """Overrides giving ``recipient`` the donor's values of several structural conditions."""
    out: dict[str, float] = {}
    for factor in factors:
        out |= factor_overrides(recipient, donor, factor)
    return out


@dataclass(frozen=True)
class Setting:
    """One thing to run: a case, the focal state's strategy arm, and overrides."""

    case: str
    strategy: str
    overrides: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, case: str, strategy: str, overrides: Mapping[str, Any] | None = None) -> Setting:
        return cls(case, strategy, tuple(sorted((overrides or {}).items())))


@functools.cache
def _scenario(case: str) -> Scenario:
    return load_scenario(case)


def _run_chunk(task: tuple[Setting, int, tuple[int, ...], bool]
               ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Worker: one setting on a block of seeds; replicate numbers start at ``first``."""
    setting, first, seeds, series = task
    strategy = None if setting.strategy == "historical" else setting.strategy
    frames, series_frames = [], []
    for i, seed in enumerate(seeds, start=first):
        run = run_one(_scenario(setting.case), seed=seed, strategy=strategy,
                      overrides=dict(setting.overrides), series=series)
        frames.append(run.outcomes[OUTCOME_COLUMNS].assign(replicate=i, seed=seed))
        if run.series is not None:
            series_frames.append(run.series.assign(replicate=i))
    return (pd.concat(frames, ignore_index=True),
            pd.concat(series_frames, ignore_index=True) if series_frames else None)


def evaluate(settings: Sequence[Setting], seeds: Sequence[int], *, jobs: int = 1,
             progress: bool = False, series: bool = False) -> dict[Setting, pd.DataFrame]:
    """Run every setting on the same seeds (paired arms), in ``jobs`` processes. The result does
    not depend on ``jobs``: each replicate is one seed's run, collected in a fixed order."""
    settings = list(dict.fromkeys(settings))
    tasks = [(s, i, tuple(seeds[i:i + CHUNK]), series)
             for s in settings for i in range(0, len(seeds), CHUNK)]
    bar = tqdm(total=len(settings) * len(seeds), disable=not progress, unit="run",
               desc="simulating", leave=False)
    with bar:
        if jobs > 1:
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                results = [_tick(bar, r, t) for r, t in zip(pool.map(_run_chunk, tasks), tasks,
                                                            strict=True)]
        else:
            results = [_tick(bar, _run_chunk(t), t) for t in tasks]
    out: dict[Setting, pd.DataFrame] = {}
    for setting in settings:
        parts = [r for r, t in zip(results, tasks, strict=True) if t[0] == setting]
        if series:
            out[setting] = pd.concat([p[1] for p in parts if p[1] is not None], ignore_index=True)
        else:
            out[setting] = pd.concat([p[0] for p in parts], ignore_index=True)
    return out


def _tick(bar: tqdm, result: Any, task: tuple) -> Any:
    bar.update(len(task[2]))
    return result


# --- analysis ---------------------------------------------------------------------------------

def paired_difference(a: pd.DataFrame, b: pd.DataFrame, column: str,
                      seed: int = 0) -> tuple[float, float, float]:
    """Mean of the per-replicate difference a − b with a bootstrap 95% interval; the arms must
    have run on the same seeds (paired), which is checked rather than assumed."""
    if not np.array_equal(a["seed"].to_numpy(), b["seed"].to_numpy()):
        raise ValueError("paired difference of arms run on different seeds")
    diff = a[column].to_numpy(dtype=float) - b[column].to_numpy(dtype=float)
    low, high = bootstrap_ci(diff, seed=seed)
    return float(diff.mean()), low, high


def summary_row(outcome: pd.DataFrame, seed: int = 0) -> dict[str, Any]:
    """The summary columns for one arm, from ``experiments.runs.summarise``."""
    s = summarise(outcome, seed=seed).iloc[0]
    return {"replicates": int(s["replicates"]),
            "war_probability": s["war_probability"],
            "war_ci_low": s["war_ci"][0], "war_ci_high": s["war_ci"][1],
            "survival_rate": s["survival_rate"],
            "survival_ci_low": s["survival_ci"][0], "survival_ci_high": s["survival_ci"][1],
            "autonomy_mean": s["autonomy_mean"],
            "autonomy_ci_low": s["autonomy_ci"][0], "autonomy_ci_high": s["autonomy_ci"][1],
            "median_years_to_war": s["median_years_to_war"],
            "coercions_mean": s["coercions_mean"], "welfare_mean": s["welfare_mean"]}


def summary_table(results: Mapping[Setting, pd.DataFrame], seed: int = 0) -> pd.DataFrame:
    rows = [{"scenario": case, "strategy": arm,
             **summary_row(results[Setting.of(case, arm)], seed)}
            for case in CASES for arm in ARMS]
    return pd.DataFrame(rows)


def decomposition_settings() -> list[Setting]:
    """Everything the decomposition needs: each case with each single structural condition of
    the other case (and all of them) under every arm, and every subset of conditions crossed with
    the strategy switch for the Shapley decomposition."""
    out = []
    for base, donor in (CASES, CASES[::-1]):
        b, d = _scenario(base), _scenario(donor)
        for arm in ARMS:
            for swapped in ("none", *FACTORS, "all"):
                out.append(Setting.of(base, arm, swap(b, d, _factors(swapped))))
        for subset in _subsets(("strategy", *FACTORS)):
            arm = DONOR_STRATEGY[donor] if "strategy" in subset else "historical"
            out.append(Setting.of(base, arm, swap(b, d, [f for f in subset if f != "strategy"])))
    return out


def _factors(swapped: str) -> tuple[str, ...]:
    return {"none": (), "all": FACTORS}.get(swapped, (swapped,))


def _subsets(players: Sequence[str]) -> list[tuple[str, ...]]:
    return [c for k in range(len(players) + 1) for c in itertools.combinations(players, k)]


def decomposition_table(results: Mapping[Setting, pd.DataFrame], seed: int = 0) -> pd.DataFrame:
    """War probability of each case given one (or every) structural condition of the other case,
    per strategy arm, and the paired change from the unswapped case."""
    rows = []
    for base, donor in (CASES, CASES[::-1]):
        b, d = _scenario(base), _scenario(donor)
        for arm in ARMS:
            ref = results[Setting.of(base, arm)]
            for swapped in ("none", *FACTORS, "all"):
                out = results[Setting.of(base, arm, swap(b, d, _factors(swapped)))]
                s = summary_row(out, seed)
                change = paired_difference(out, ref, "attacked", seed)
                rows.append({"scenario": base, "donor": donor, "strategy": arm,
                             "swapped": swapped, "replicates": s["replicates"],
                             "war_probability": s["war_probability"],
                             "war_ci_low": s["war_ci_low"], "war_ci_high": s["war_ci_high"],
                             "change": change[0], "change_ci_low": change[1],
                             "change_ci_high": change[2],
                             "survival_rate": s["survival_rate"],
                             "autonomy_mean": s["autonomy_mean"]})
    return pd.DataFrame(rows)


def shapley_table(results: Mapping[Setting, pd.DataFrame], seed: int = 0) -> pd.DataFrame:
    """Shapley decomposition of each case's war-probability gap to the other case.

    Players: the strategy (the case's historical path → the donor's strategy) and the four
    structural conditions (own value → donor's). The value of a coalition is the war indicator
    of the case run with that coalition switched; a player's contribution to the gap is its
    Shapley value with the sign turned (what the case's own value of it adds to the case's war
    probability), so contributions plus the residual add up to the gap. Shapley values are
    linear in the values, so they are computed per replicate and averaged, with a bootstrap
    interval over replicates. The residual is what the five players leave of the gap: every
    other difference between the cases (initial alignments, assurance and bases, third
    partners, the great powers' other traits, the timeline)."""
    players = ("strategy", *FACTORS)
    n = len(players)
    rows = []
    for base, donor in (CASES, CASES[::-1]):
        b, d = _scenario(base), _scenario(donor)

        def value(coalition: Iterable[str], b: Scenario = b, d: Scenario = d,
                  base: str = base, donor: str = donor) -> np.ndarray:
            coalition = tuple(coalition)
            arm = DONOR_STRATEGY[donor] if "strategy" in coalition else "historical"
            out = results[Setting.of(base, arm, swap(b, d, [f for f in coalition
                                                             if f != "strategy"]))]
            return out["attacked"].to_numpy(dtype=float)

        phi = {}
        for player in players:
            others = [p for p in players if p != player]
            phi[player] = sum(
                math.factorial(len(s)) * math.factorial(n - len(s) - 1) / math.factorial(n)
                * (value(s) - value((*s, player))) for s in _subsets(others))
        donor_hist = results[Setting.of(donor, "historical")]
        if not np.array_equal(donor_hist["seed"], results[Setting.of(base, "historical")]["seed"]):
            raise ValueError("Shapley decomposition of cases run on different seeds")
        donor_war = donor_hist["attacked"].to_numpy(dtype=float)
        parts = {**phi, "residual": value(players) - donor_war,
                 "gap": value(()) - donor_war}
        gap = float(parts["gap"].mean())
        for component, per_rep in parts.items():
            low, high = bootstrap_ci(per_rep, seed=seed)
            mean = float(per_rep.mean())
            rows.append({
                "scenario": base, "donor": donor, "component": component,
                "meaning": _component_meaning(component, base, donor),
                "contribution": mean, "ci_low": low, "ci_high": high,
                "share_of_gap": mean / gap if gap else float("nan"),
                "replicates": len(per_rep)})
    return pd.DataFrame(rows)


def _component_meaning(component: str, base: str, donor: str) -> str:
    if component == "strategy":
        return f"{base}'s historical path instead of {DONOR_STRATEGY[donor]} ({donor}'s)"
    if component == "residual":
        return f"{base} with all five switched, minus {donor} historical"
    if component == "gap":
        return f"{base} historical minus {donor} historical"
    return f"{FACTOR_MEANING[component]}: {base}'s instead of {donor}'s"


# --- claims -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """One claim of seed 000, its pre-stated criterion and the verdict: ``reproduced`` when the
    criterion is met, ``contradicted`` when the interval lies wholly on the other side, and
    ``not shown`` when it straddles the line (no detectable effect at this number of runs)."""

    number: int
    text: str
    criterion: str
    verdict: str
    evidence: str


def _verdict(holds: bool, contradicted: bool) -> str:
    return "reproduced" if holds else "contradicted" if contradicted else "not shown"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ci(low: float, high: float) -> str:
    return f"[{_pct(low)}, {_pct(high)}]"


def judge_claims(results: Mapping[Setting, pd.DataFrame], seed: int = 0,
                 overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[Claim]:
    """Seed 000's five claims judged by their pre-stated criteria. ``overrides`` per case selects
    the settings of a sensitivity run (default: the scenarios as they are)."""
    overrides = overrides or {}

    def arm(case: str, strategy: str) -> pd.DataFrame:
        return results[Setting.of(case, strategy, overrides.get(case))]

    def war(case: str, strategy: str) -> dict[str, Any]:
        return summary_row(arm(case, strategy), seed)

    def diff(case: str, a: str, b: str, column: str = "attacked") -> tuple[float, float, float]:
        return paired_difference(arm(case, a), arm(case, b), column, seed)

    def show(case: str, strategy: str) -> str:
        s = war(case, strategy)
        return (f"{case} {strategy}: war {_pct(s['war_probability'])} "
                f"{_ci(s['war_ci_low'], s['war_ci_high'])}")

    def show_diff(label: str, d: tuple[float, float, float], pct: bool = True) -> str:
        if pct:
            return f"{label} {100 * d[0]:+.1f} pp [{100 * d[1]:+.1f}, {100 * d[2]:+.1f}]"
        return f"{label} {d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}]"

    claims = []
    u = [war("ukraine", a) for a in ("historical", "balance")]
    claims.append(Claim(
        1, "Ukraine's balancing made war likely",
        f"the Wilson lower bound of Ukraine's war probability over the horizon is at least "
        f"{_pct(LIKELY_WAR)} both on its historical path and under fixed balancing "
        f"(contradicted: an upper bound below it)",
        _verdict(all(x["war_ci_low"] >= LIKELY_WAR for x in u),
                 any(x["war_ci_high"] < LIKELY_WAR for x in u)),
        f"{show('ukraine', 'historical')}; {show('ukraine', 'balance')}"))
    d2 = diff("ukraine", "hedge", "historical")
    claims.append(Claim(
        2, "hedging would have lowered Ukraine's risk",
        "the 95% interval of the paired difference P(war | hedge) − P(war | historical) for "
        "Ukraine lies below 0", _verdict(d2[2] < 0, d2[1] > 0),
        f"{show('ukraine', 'hedge')}; {show_diff('paired difference', d2)}"))
    v = war("vietnam", "historical")
    claims.append(Claim(
        3, "Vietnam's hedging keeps the peace",
        f"the Wilson upper bound of Vietnam's war probability on its historical (hedging) path "
        f"is at most {_pct(PEACE)} (contradicted: a lower bound above it)",
        _verdict(v["war_ci_high"] <= PEACE, v["war_ci_low"] > PEACE),
        show("vietnam", "historical")))
    d4 = diff("vietnam", "balance", "historical")
    claims.append(Claim(
        4, "balancing would raise Vietnam's risk",
        "the 95% interval of the paired difference P(war | balance) − P(war | historical) for "
        "Vietnam lies above 0", _verdict(d4[1] > 0, d4[2] < 0),
        f"{show('vietnam', 'balance')}; {show_diff('paired difference', d4)}"))
    parts, holds, contradicted = [], True, False
    for case in CASES:
        tests = [diff(case, "bandwagon", "balance"),
                 *(diff(case, "bandwagon", other, "autonomy_mean")
                   for other in ("balance", "hedge"))]
        holds &= all(t[2] < 0 for t in tests)
        contradicted |= any(t[1] > 0 for t in tests)
        parts.append(f"{case}: {show_diff('war bandwagon − balance', tests[0])}; "
                     f"{show_diff('autonomy bandwagon − balance', tests[1], pct=False)}; "
                     f"{show_diff('autonomy bandwagon − hedge', tests[2], pct=False)}")
    claims.append(Claim(
        5, "bandwagoning buys safety at the price of autonomy",
        "in both cases the 95% intervals of the paired differences bandwagon − balance in war "
        "probability, and bandwagon − balance and bandwagon − hedge in mean autonomy, lie below "
        "0 (contradicted: any of them wholly above 0)",
        _verdict(bool(holds), bool(contradicted)), "; ".join(parts)))
    return claims


# --- sensitivity ------------------------------------------------------------------------------

_UNCERTAIN = re.compile(r"^\s*(\w+)\s*=.*#.*uncertain,\s*([-\d.]+)\s*-\s*([-\d.]+)")
_NAME = re.compile(r'^\s*name\s*=\s*"([^"]+)"')


def uncertain_ranges(case: str) -> dict[str, tuple[float, float]]:
    """Entity attributes the scenario file marks ``uncertain, LOW-HIGH`` in its comments."""
    out, entity = {}, None
    for line in Path(_scenario(case).path).read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("[["):
            entity = None
        if (m := _NAME.match(line)) and entity is None:
            entity = m.group(1)
        if (m := _UNCERTAIN.match(line)) and entity is not None:
            out[f"{entity}.{m.group(1)}"] = (float(m.group(2)), float(m.group(3)))
    return out


def sensitivity_variants() -> list[tuple[str, dict[str, dict[str, Any]]]]:
    """One-at-a-time variants: each uncertain parameter at the low and the high end of its
    plausible range, as per-case overrides (a case's own attribute only in that case)."""
    variants: list[tuple[str, dict[str, dict[str, Any]]]] = []
    for case in CASES:
        for name, (low, high) in uncertain_ranges(case).items():
            for value in (low, high):
                variants.append((f"{name}={value:g}", {case: {name: value}}))
    defaults = _scenario(CASES[0]).params
    for name, shift in GLOBAL_SHIFTS.items():
        for value in (defaults[name] - shift, defaults[name] + shift):
            variants.append((f"{name}={value:g}", {c: {name: _clip(name, value)} for c in CASES}))
    for name, factors in GLOBAL_FACTORS.items():
        for factor in factors:
            value = _clip(name, defaults[name] * factor)
            variants.append((f"{name}={value:g}", {c: {name: value} for c in CASES}))
    return variants


def _clip(name: str, value: float) -> float:
    spec = BY_NAME[name]
    return float(np.clip(value, spec.low, spec.high))


def sensitivity_settings(variants: Sequence[tuple[str, dict[str, dict[str, Any]]]]
                         ) -> list[Setting]:
    return [Setting.of(case, arm, over.get(case)) for _, over in variants
            for case in CASES for arm in ARMS]


def sensitivity_table(results: Mapping[Setting, pd.DataFrame],
                      variants: Sequence[tuple[str, dict[str, dict[str, Any]]]],
                      seed: int = 0) -> pd.DataFrame:
    rows = []
    for label, over in variants:
        claims = judge_claims(results, seed, over)
        rows.append({"variant": label, **{f"claim_{c.number}": c.verdict for c in claims}})
    return pd.DataFrame(rows)


# --- survival and autonomy over time ----------------------------------------------------------

def survival_curves(results: Mapping[Setting, pd.DataFrame]) -> pd.DataFrame:
    """Kaplan-Meier curves of the time to the first war and to the state's end, per arm; runs
    without the event are censored at the horizon (or at the state's end, for war)."""
    frames = []
    for case in CASES:
        start = _scenario(case).start_year
        for arm in ARMS:
            out = results[Setting.of(case, arm)]
            war_time = np.where(out["attacked"], out["years_to_war"], out["steps"])
            death_time = np.where(out["survived"], out["steps"], out["end_year"] - start + 1)
            for event, times, flags in (("war", war_time, out["attacked"]),
                                        ("state end", death_time, ~out["survived"])):
                frames.append(kaplan_meier(times, flags.to_numpy()).assign(
                    scenario=case, strategy=arm, event=event))
    return pd.concat(frames, ignore_index=True)


def autonomy_paths(series: Mapping[Setting, pd.DataFrame]) -> pd.DataFrame:
    """Mean autonomy per year and arm over the recorded replicates (zero once a state is gone)."""
    frames = []
    for case in CASES:
        for arm in ARMS:
            s = series[Setting.of(case, arm)]
            g = s.groupby("year")["autonomy"]
            frames.append(pd.DataFrame({"year": g.mean().index, "autonomy": g.mean().to_numpy(),
                                        "q10": g.quantile(0.1).to_numpy(),
                                        "q90": g.quantile(0.9).to_numpy(),
                                        "scenario": case, "strategy": arm}))
    return pd.concat(frames, ignore_index=True)


# --- the pipeline -----------------------------------------------------------------------------

@dataclass
class Counterfactual:
    """Everything the counterfactual computes; ``write`` puts it on disk."""

    replicates: int
    seed: int
    summary: pd.DataFrame
    decomposition: pd.DataFrame
    shapley: pd.DataFrame
    claims: list[Claim]
    sensitivity: pd.DataFrame
    survival: pd.DataFrame
    autonomy: pd.DataFrame
    mechanisms: pd.DataFrame
    tessman: pd.DataFrame


def main_settings() -> list[Setting]:
    return [Setting.of(case, arm) for case in CASES for arm in ARMS]


def run_counterfactual(replicates: int, seed: int, *, jobs: int = 1,
                       progress: bool = False) -> Counterfactual:
    """Sample, evaluate, analyze: the strategy arms on ``replicates`` paired seeds; the
    decomposition, the sensitivity check and the Belarus test on the first replicates // 4."""
    from experiments.tessman import tessman_runs, tessman_summary

    seeds = replicate_seeds(seed, replicates)
    sub_seeds = seeds[: max(1, replicates // SUBSAMPLE)]
    variants = sensitivity_variants()
    main = evaluate(main_settings(), seeds, jobs=jobs, progress=progress)
    sub = {s: df.iloc[: len(sub_seeds)].reset_index(drop=True) for s, df in main.items()}
    extra = [s for s in (*decomposition_settings(), *sensitivity_settings(variants))
             if s not in sub]
    sub |= evaluate(extra, sub_seeds, jobs=jobs, progress=progress)
    series_seeds = seeds[: min(SERIES_REPLICATES, replicates)]
    series = evaluate(main_settings(), series_seeds, jobs=jobs, progress=progress, series=True)
    belarus = tessman_runs("belarus", ARMS, series_seeds, jobs=jobs, progress=progress)
    return Counterfactual(
        replicates=replicates, seed=seed, summary=summary_table(main, seed),
        decomposition=decomposition_table(sub, seed), shapley=shapley_table(sub, seed),
        claims=judge_claims(main, seed), sensitivity=sensitivity_table(sub, variants, seed),
        survival=survival_curves(main), autonomy=autonomy_paths(series),
        mechanisms=mechanism_table(series), tessman=tessman_summary(belarus))


def mechanism_table(series: Mapping[Setting, pd.DataFrame]) -> pd.DataFrame:
    """What each arm does to the quantities war onset responds to (model/mechanisms.py
    ``war_motive``, ``war_odds``, ``restraint``), averaged over the recorded years a state lived:
    the neighbour's threat from the state, the state's alignment with the neighbour (revisionist
    aims are satisfied by a state in its camp), the neighbour's leverage, the rival's
    credibility as a guarantor, and the state's arming; and what autonomy responds to
    (``autonomy``): the largest leverage, foreign bases, alliance commitments, concessions."""
    rows = []
    for case in CASES:
        r = roles(_scenario(case))
        for arm in ARMS:
            s = series[Setting.of(case, arm)]
            s = s[s["alive"] & (s["step"] > 0)]
            lev = s[[c for c in s.columns if c.startswith("leverage_")]].max(axis=1)
            rows.append({
                "scenario": case, "strategy": arm,
                "neighbour_threat_from_state": s[f"gp_threat_{r.neighbour}"].mean(),
                "alignment_with_neighbour": s[f"alignment_{r.neighbour}"].mean(),
                "alignment_with_rival": s[f"alignment_{r.rival}"].mean(),
                "neighbour_leverage": s[f"leverage_{r.neighbour}"].mean(),
                "rival_credibility": s[f"credibility_{r.rival}"].mean(),
                "arming": s["arming"].mean(),
                "max_leverage": lev.mean(),
                "foreign_bases": s[[c for c in s.columns if c.startswith("bases_")]].sum(
                    axis=1).mean(),
                "alliances": s[[c for c in s.columns if c.startswith("alliance_")]].sum(
                    axis=1).mean(),
                "concessions": s["concessions"].mean(),
                "autonomy": s["autonomy"].mean()})
    return pd.DataFrame(rows)


# --- output -----------------------------------------------------------------------------------

COLOURS = {"historical": "black", "balance": "tab:red", "bandwagon": "tab:blue",
           "hedge": "tab:green"}


def write(result: Counterfactual, out: Path) -> list[Path]:
    """Write tables, figures and the report into ``out``; the same result gives the same bytes."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {"summary.csv": result.summary, "decomposition.csv": result.decomposition,
              "shapley.csv": result.shapley, "sensitivity.csv": result.sensitivity,
              "mechanisms.csv": result.mechanisms, "tessman_belarus.csv": result.tessman}
    written = []
    for name, table in tables.items():
        table.to_csv(out / name, index=False, float_format="%.6g")
        written.append(out / name)
    written += _figures(result, out)
    (out / "report.md").write_text(report(result), encoding="utf-8")
    return [*written, out / "report.md"]


def _figures(result: Counterfactual, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "hedgesim"
    written = []

    def save(fig: Any, stem: str) -> None:
        fig.tight_layout()
        fig.savefig(out / f"{stem}.png", dpi=120, metadata={"Software": None})
        fig.savefig(out / f"{stem}.svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
        written.extend([out / f"{stem}.png", out / f"{stem}.svg"])

    fig, ax = plt.subplots(figsize=(7, 3.8))
    width = 0.8 / len(ARMS)
    for k, arm in enumerate(ARMS):
        rows = result.summary.set_index("strategy").loc[arm].set_index("scenario").loc[list(CASES)]
        x = np.arange(len(CASES)) + (k - (len(ARMS) - 1) / 2) * width
        err = [rows["war_probability"] - rows["war_ci_low"],
               rows["war_ci_high"] - rows["war_probability"]]
        ax.bar(x, rows["war_probability"], width, yerr=err, capsize=3, label=arm,
               color=COLOURS[arm])
    ax.set_xticks(np.arange(len(CASES)), [c.capitalize() for c in CASES])
    ax.set_ylabel(f"P(war within the horizon), 95% CI (n={result.replicates})")
    ax.set_ylim(0, 1)
    ax.legend(title="focal strategy", fontsize=8)
    save(fig, "war_probability")

    fig, axes = plt.subplots(2, len(CASES), figsize=(9, 6), sharey=True)
    for row, event in enumerate(("war", "state end")):
        for col, case in enumerate(CASES):
            ax = axes[row, col]
            for arm in ARMS:
                km = result.survival.query("scenario == @case and strategy == @arm "
                                           "and event == @event")
                ax.step(km["time"], km["survival"], where="post", label=arm, color=COLOURS[arm])
            ax.set_title(f"{case.capitalize()}: time to {event}", fontsize=10)
            ax.set_xlabel("years")
            ax.set_ylim(0, 1.02)
        axes[row, 0].set_ylabel("Kaplan-Meier: share without the event")
    axes[0, 0].legend(fontsize=8)
    save(fig, "survival")

    fig, axes = plt.subplots(1, len(CASES), figsize=(9, 3.6), sharey=True)
    for ax, case in zip(axes, CASES, strict=True):
        for arm in ARMS:
            a = result.autonomy.query("scenario == @case and strategy == @arm")
            ax.plot(a["year"], a["autonomy"], label=arm, color=COLOURS[arm])
            ax.fill_between(a["year"], a["q10"], a["q90"], color=COLOURS[arm], alpha=0.12)
        ax.set_title(f"{case.capitalize()}: autonomy (mean, 10-90% band)", fontsize=10)
        ax.set_xlabel("year")
        ax.set_ylim(0, 1)
    axes[0].legend(fontsize=8)
    save(fig, "autonomy")

    fig, axes = plt.subplots(1, len(CASES), figsize=(9, 3.6), sharey=True)
    for ax, case in zip(axes, CASES, strict=True):
        s = result.shapley.query("scenario == @case")
        ax.barh(s["component"], s["contribution"],
                xerr=[s["contribution"] - s["ci_low"], s["ci_high"] - s["contribution"]],
                color="tab:gray", capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(f"{case.capitalize()} − {s['donor'].iloc[0].capitalize()}: war gap",
                     fontsize=10)
        ax.set_xlabel("contribution to the gap in P(war)")
    axes[0].invert_yaxis()
    save(fig, "decomposition")
    return written


def _table(df: pd.DataFrame, columns: Sequence[str], pct: Sequence[str] = ()) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in df.iterrows():
        cells = []
        for c in columns:
            v = row[c]
            if c in pct:
                cells.append(_pct(v))
            elif isinstance(v, float | np.floating):
                cells.append("–" if np.isnan(v) else f"{v:.3f}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(result: Counterfactual) -> str:
    """The claim-by-claim report (Markdown)."""
    n_sub = int(result.shapley["replicates"].iloc[0])
    s = result.summary.copy()
    s["war (95% CI)"] = [f"{_pct(r.war_probability)} {_ci(r.war_ci_low, r.war_ci_high)}"
                         for r in s.itertuples()]
    s["autonomy (95% CI)"] = [f"{r.autonomy_mean:.3f} [{r.autonomy_ci_low:.3f}, "
                              f"{r.autonomy_ci_high:.3f}]" for r in s.itertuples()]
    lines = [
        "# Seed 000's counterfactual in the model: Ukraine (war) and Vietnam (peace)", "",
        f"`hedgesim counterfactual --replicates {result.replicates} --seed {result.seed}`. "
        f"Each arm ran on the same {result.replicates} paired seeds (replicate i of every arm "
        f"uses seed i: common random numbers); the decomposition and the sensitivity check on "
        f"the first {n_sub}. War: the neighbour attacks at least once within the horizon. "
        "Intervals: Wilson for proportions, bootstrap (percentile, 2000 draws) for means and "
        "paired differences. Method and criteria: docs/counterfactual.md.", "",
        "## Strategy arms", "",
        _table(s, ["scenario", "strategy", "war (95% CI)", "survival_rate",
                   "autonomy (95% CI)", "median_years_to_war", "coercions_mean"]), "",
        "![war probability](war_probability.png)", "",
        "![survival](survival.png) ![autonomy](autonomy.png)", "",
        "## The claims of seed 000", "",
        "Criteria were fixed before the runs. *Reproduced*: the criterion is met; "
        "*contradicted*: the interval lies wholly on the other side; *not shown*: it "
        "straddles the line.", "",
    ]
    sens = result.sensitivity
    for c in result.claims:
        col = sens[f"claim_{c.number}"]
        differ = sens.loc[col != c.verdict, "variant"]
        robust = ("the verdict is the same in every variant" if differ.empty else
                  f"the verdict differs in {', '.join(differ)}")
        lines += [f"### {c.number}. {c.text}: **{c.verdict}**",
                  "", f"- Criterion: {c.criterion}.", f"- Evidence: {c.evidence}.",
                  f"- Sensitivity ({len(sens)} one-at-a-time variants, n={n_sub}): {robust}."]
        if c.verdict != "reproduced":
            lines.append(f"- Why: {_why(c.number, result)}")
        lines.append("")
    lines += [
        "## Mechanisms behind the arms", "",
        f"Means over the years a state lived, first {min(SERIES_REPLICATES, result.replicates)} "
        "replicates. War onset rises with the neighbour's motive (its threat from the state plus "
        "revisionist aims the state's alignment with it does not satisfy) times its odds, and "
        "falls with its cost (shared trade, third partners, institutions).", "",
        _table(result.mechanisms, list(result.mechanisms.columns)), "",
        "## Strategy or structure? The decomposition", "",
        "Each case run with one structural condition of the other case (and with all four), "
        "under each arm; `change` is the paired change in war probability from the case as it "
        "is.", "",
        _table(result.decomposition.query("swapped != 'none'"),
               ["scenario", "strategy", "swapped", "war_probability", "change",
                "change_ci_low", "change_ci_high"]), "",
        "Shapley decomposition of each case's war gap to the other case (five players: the "
        "strategy and the four conditions; the residual is every other difference between "
        "the cases):", "",
        _table(result.shapley, ["scenario", "component", "meaning", "contribution", "ci_low",
                                "ci_high", "share_of_gap"]), "",
        "![decomposition](decomposition.png)", "",
        _structure_sentence(result), "",
        "## Sensitivity", "",
        "Each uncertain parameter at either end of its plausible range (entity attributes "
        "marked `uncertain, LOW-HIGH` in the scenario files; global parameters moved as in "
        "docs/counterfactual.md), the others at their values:", "",
        _table(sens, list(sens.columns)), "",
        "## Belarus and Tessman's test", "",
        _belarus(result.tessman), "",
    ]
    return "\n".join(lines)


def _why(number: int, result: Counterfactual) -> str:
    """A mechanism-level account of a claim the model does not reproduce, from the mechanism
    table (model/mechanisms.py: ``war_motive``, ``war_odds``, ``restraint``, ``autonomy``)."""
    mech = result.mechanisms.set_index(["scenario", "strategy"])

    def war_side(case: str, a: str, b: str) -> str:
        x, y = mech.loc[(case, a)], mech.loc[(case, b)]
        return (f"{case}, {a} vs {b}: the neighbour's threat from the state "
                f"{x.neighbour_threat_from_state:.2f} vs {y.neighbour_threat_from_state:.2f}, "
                f"the state's alignment with it {x.alignment_with_neighbour:.2f} vs "
                f"{y.alignment_with_neighbour:.2f}, the rival's credibility "
                f"{x.rival_credibility:.2f} vs {y.rival_credibility:.2f}")

    def autonomy_side(case: str, a: str, b: str) -> str:
        x, y = mech.loc[(case, a)], mech.loc[(case, b)]
        return (f"{case}, {a} vs {b}: autonomy {x.autonomy:.2f} vs {y.autonomy:.2f}, largest "
                f"leverage {x.max_leverage:.2f} vs {y.max_leverage:.2f}, foreign bases "
                f"{x.foreign_bases:.2f} vs {y.foreign_bases:.2f}, alliances {x.alliances:.2f} vs "
                f"{y.alliances:.2f}, concessions {x.concessions:.2f} vs {y.concessions:.2f}")

    motive = ("war onset rises with the neighbour's motive (its threat from the state, from the "
              "state's alignment with its rival, the rival's bases, alliances and drift; plus "
              "revisionist aims that alignment with it satisfies) times its odds of winning, "
              "less the cost of war; ")
    if number == 1:
        return motive + war_side("ukraine", "historical", "hedge") + (
            "; how high the level is depends above all on the neighbour's revisionism and the "
            "war intercept (see the sensitivity table).")
    if number == 2:
        return motive + war_side("ukraine", "hedge", "historical") + "."
    if number == 3:
        return motive + war_side("vietnam", "historical", "bandwagon") + (
            "; a hedger is never fully in the neighbour's camp, so the revisionist part of the "
            "motive stays, and the risk that remains is set by China's revisionism (see the "
            "decomposition).")
    if number == 4:
        return motive + war_side("vietnam", "balance", "historical") + "."
    return ("autonomy falls with the largest partner's leverage, foreign bases, alliance "
            "obligations and coerced concessions; "
            + "; ".join(autonomy_side(c, "bandwagon", o) for c in CASES
                        for o in ("balance", "hedge"))
            + "; and " + "; ".join(war_side(c, "bandwagon", "balance") for c in CASES) + ".")


def _structure_sentence(result: Counterfactual) -> str:
    out = []
    for case in CASES:
        s = result.shapley.query("scenario == @case").set_index("component")
        gap = s.loc["gap", "contribution"]
        structure = s.loc[list(FACTORS), "contribution"].sum()
        out.append(
            f"{case.capitalize()} − {s['donor'].iloc[0]}: gap {100 * gap:+.1f} pp, of which the "
            f"strategy {100 * s.loc['strategy', 'contribution']:+.1f} pp, the four structural "
            f"conditions {100 * structure:+.1f} pp, the residual "
            f"{100 * s.loc['residual', 'contribution']:+.1f} pp.")
    return " ".join(out)


def _belarus(tessman: pd.DataFrame) -> str:
    cols = ["strategy", "share_filter_1", "share_filter_2", "share_filter_3", "share_hedger",
            "median_f1_dependency_change", "median_f1_capability_ratio_change",
            "median_f2_rival_alliance_max", "median_f2_arming_max",
            "median_f3_share_years_sustained", "replicates"]
    t = tessman.set_index("strategy")

    def share(arm: str, col: str) -> float:
        return float(t.loc[arm, col])

    expected = [
        ("under its own strategy Belarus is a strategic hedger (passes all three filters)",
         share("historical", "share_hedger") >= 0.5),
        ("a bandwagoning Belarus fails filter one", share("bandwagon", "share_filter_1") < 0.5),
        ("a balancing Belarus fails filter two", share("balance", "share_filter_2") < 0.5),
    ]
    lines = [
        "Tessman's three filters (seed 002, figure 1) applied to Belarus's simulated yearly "
        "behaviour toward its leader (Russia), never to its strategy label; shares of runs "
        "passing, with median evidence (`hedgesim tessman belarus`; thresholds in "
        "experiments/tessman.py and docs/counterfactual.md).", "",
        _table(tessman[cols], cols), ""]
    lines += [f"- Expected: {text}: **{'yes' if ok else 'no'}** (majority of runs)."
              for text, ok in expected]
    return "\n".join(lines)

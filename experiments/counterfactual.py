"""E-IR 2024's counterfactual put to the model: Ukraine (war) against Vietnam (peace).

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hedgesim.experiments.analysis import durations, ensemble_summary, hazard_ratios, summary_of
from hedgesim.experiments.engine import Executor, Setting, replicate_seeds, run_settings
from hedgesim.experiments.report import pct, pct_interval
from hedgesim.experiments.stats import bootstrap_ci, kaplan_meier
from hedgesim.scenarios.ensemble import Member
from hedgesim.scenarios.loader import Scenario, load_scenario
from hedgesim.scenarios.params import BY_NAME
from hedgesim.scenarios.schema import CHANNELS, STRATEGIES

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
# historical path to the strategy the donor case stands for in E-IR 2024 (Vietnam hedges; Ukraine
# balances, its historical path being mostly balancing).
DONOR_STRATEGY = {"ukraine": "balance", "vietnam": "hedge"}
# Decomposition and sensitivity settings run on the first N // SUBSAMPLE of the paired seeds;
# under a parameter ensemble, each member's Shapley decomposition on the first
# N // ENSEMBLE_SHAPLEY_SUBSAMPLE (64 settings per member, so a sixteenth keeps it to minutes).
SUBSAMPLE = 4
ENSEMBLE_SHAPLEY_SUBSAMPLE = 16
# Cox hazard ratios of war and of the state's end between arms, as the record gives them.
HAZARD_PAIRS = (("balance", "hedge"), ("bandwagon", "hedge"), ("historical", "hedge"))
SERIES_REPLICATES = 100  # replicates whose yearly series feed the autonomy figure

# Pre-stated criteria for the claims (fixed before looking at results; see docs/counterfactual.md).
LIKELY_WAR = 0.20  # "war likely": Wilson lower bound of the war probability over the horizon
PEACE = 0.10  # "keeps the peace": Wilson upper bound of the war probability over the horizon
# Global parameters of uncertain value and how far the sensitivity check moves them: a shift of
# the log-odds (one unit: odds times e either way) or a factor (half to one and a half).
GLOBAL_SHIFTS = {"war_intercept": 1.0}
GLOBAL_FACTORS = {"gp_w_drift": (0.5, 1.5), "interdependence_cost": (0.5, 1.5)}



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


@functools.cache
def _scenario(case: str) -> Scenario:
    return load_scenario(case)


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
    """The summary of one arm (``experiments.analysis.summary_of``)."""
    row = summary_of(outcome, seed)
    return {"replicates": row.pop("runs"), **{k: v for k, v in row.items() if k != "states"}}


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
    return out + shapley_settings()


def shapley_settings(params: Mapping[str, Any] | None = None) -> list[Setting]:
    """Every coalition of the Shapley decomposition, in both cases (``params``: model-wide
    parameters every setting also takes, as an ensemble member's)."""
    out = []
    for base, donor in (CASES, CASES[::-1]):
        b, d = _scenario(base), _scenario(donor)
        for subset in _subsets(("strategy", *FACTORS)):
            out.append(_coalition(base, donor, b, d, subset, params))
    return out


def _coalition(base: str, donor: str, b: Scenario, d: Scenario, coalition: Iterable[str],
               params: Mapping[str, Any] | None = None) -> Setting:
    """``base`` run with the players in ``coalition`` switched to ``donor``'s values."""
    coalition = tuple(coalition)
    arm = DONOR_STRATEGY[donor] if "strategy" in coalition else "historical"
    return Setting.of(base, arm, {**swap(b, d, [f for f in coalition if f != "strategy"]),
                                  **(params or {})})


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
                             "attacked": s["attacked"],
                             "attacked_lo": s["attacked_lo"], "attacked_hi": s["attacked_hi"],
                             "change": change[0], "change_ci_low": change[1],
                             "change_ci_high": change[2],
                             "survived": s["survived"],
                             "autonomy_mean": s["autonomy_mean"]})
    return pd.DataFrame(rows)


def shapley_table(results: Mapping[Setting, pd.DataFrame], seed: int = 0,
                  params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Shapley decomposition of each case's war-probability gap to the other case.

    Players: the strategy (the case's historical path → the donor's strategy) and the four
    structural conditions (own value → donor's). The value of a coalition is the war indicator
    of the case run with that coalition switched; a player's contribution to the gap is its
    Shapley value with the sign turned (what the case's own value of it adds to the case's war
    probability), so contributions plus the residual add up to the gap. Shapley values are
    linear in the values, so they are computed per replicate and averaged, with a bootstrap
    interval over replicates. The residual is what the five players leave of the gap: every
    other difference between the cases (initial alignments, assurance and bases, third
    partners, the great powers' other traits, the timeline). ``params``: the model-wide
    parameters the runs took (``shapley_settings``)."""
    players = ("strategy", *FACTORS)
    n = len(players)
    rows = []
    for base, donor in (CASES, CASES[::-1]):
        b, d = _scenario(base), _scenario(donor)

        def value(coalition: Iterable[str], b: Scenario = b, d: Scenario = d,
                  base: str = base, donor: str = donor) -> np.ndarray:
            out = results[_coalition(base, donor, b, d, coalition, params)]
            return out["attacked"].to_numpy(dtype=float)

        phi = {}
        for player in players:
            others = [p for p in players if p != player]
            phi[player] = sum(
                math.factorial(len(s)) * math.factorial(n - len(s) - 1) / math.factorial(n)
                * (value(s) - value((*s, player))) for s in _subsets(others))
        donor_hist = results[_coalition(donor, base, d, b, (), params)]
        if not np.array_equal(donor_hist["seed"], results[_coalition(base, donor, b, d, (),
                                                                     params)]["seed"]):
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
    """One claim of E-IR 2024 about ``cases``, its pre-stated criterion and the verdict:
    ``reproduced`` when the criterion is met, ``contradicted`` when the interval lies wholly on
    the other side, and ``inconclusive at n = N`` when it straddles the line (no decision at
    this number of runs)."""

    number: int
    text: str
    criterion: str
    verdict: str
    evidence: str
    cases: tuple[str, ...] = CASES


@dataclass(frozen=True)
class Arms:
    """The strategy arms a claim is judged on: one setting's runs per case and arm."""

    results: Mapping[Setting, pd.DataFrame]
    seed: int
    overrides: Mapping[str, Mapping[str, Any]]

    def runs(self, case: str, strategy: str) -> pd.DataFrame:
        return self.results[Setting.of(case, strategy, self.overrides.get(case))]

    def war(self, case: str, strategy: str) -> dict[str, Any]:
        return summary_row(self.runs(case, strategy), self.seed)

    def diff(self, case: str, a: str, b: str, column: str = "attacked") -> tuple[float, float, float]:
        return paired_difference(self.runs(case, a), self.runs(case, b), column, self.seed)

    def show(self, case: str, strategy: str) -> str:
        s = self.war(case, strategy)
        return (f"{case} {strategy}: war {pct(s['attacked'])} "
                f"{pct_interval(s['attacked_lo'], s['attacked_hi'])}")


def _show_diff(label: str, d: tuple[float, float, float], pct: bool = True) -> str:
    if pct:
        return f"{label} {100 * d[0]:+.1f} pp [{100 * d[1]:+.1f}, {100 * d[2]:+.1f}]"
    return f"{label} {d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}]"


# What a judge returns: whether the criterion holds, whether it is contradicted, the evidence.
Judgement = tuple[bool, bool, str]


@dataclass(frozen=True)
class ClaimSpec:
    """A claim as declared: its text, the criterion fixed before the runs, the judge that applies
    the criterion to the arms, and the mechanism-level reading of a verdict the model does not
    reproduce (from ``mechanism_table``: model/mechanisms.py's ``war_motive``, ``war_odds``,
    ``restraint`` and ``autonomy``)."""

    number: int
    text: str
    criterion: str
    cases: tuple[str, ...]
    judge: Callable[[Arms], Judgement]
    why: Callable[[pd.DataFrame], str]


MOTIVE = ("war onset rises with the neighbour's motive (its threat from the state, from the "
          "state's alignment with its rival, the rival's bases, alliances and drift; plus "
          "revisionist aims that alignment with it satisfies) times its odds of winning, "
          "less the cost of war; ")


def war_side(mech: pd.DataFrame, case: str, a: str, b: str) -> str:
    x, y = mech.loc[(case, a)], mech.loc[(case, b)]
    return (f"{case}, {a} vs {b}: the neighbour's threat from the state "
            f"{x.neighbour_threat_from_state:.2f} vs {y.neighbour_threat_from_state:.2f}, "
            f"the state's alignment with it {x.alignment_with_neighbour:.2f} vs "
            f"{y.alignment_with_neighbour:.2f}, the rival's credibility "
            f"{x.rival_credibility:.2f} vs {y.rival_credibility:.2f}")


def autonomy_side(mech: pd.DataFrame, case: str, a: str, b: str) -> str:
    x, y = mech.loc[(case, a)], mech.loc[(case, b)]
    return (f"{case}, {a} vs {b}: autonomy {x.autonomy:.2f} vs {y.autonomy:.2f}, largest "
            f"leverage {x.max_leverage:.2f} vs {y.max_leverage:.2f}, foreign bases "
            f"{x.foreign_bases:.2f} vs {y.foreign_bases:.2f}, alliances {x.alliances:.2f} vs "
            f"{y.alliances:.2f}, concessions {x.concessions:.2f} vs {y.concessions:.2f}")


def _ukraine_war_likely(a: Arms) -> Judgement:
    u = [a.war("ukraine", s) for s in ("historical", "balance")]
    return (all(x["attacked_lo"] >= LIKELY_WAR for x in u), any(x["attacked_hi"] < LIKELY_WAR for x in u),
            f"{a.show('ukraine', 'historical')}; {a.show('ukraine', 'balance')}")


def _hedging_lowers_ukraines_risk(a: Arms) -> Judgement:
    d = a.diff("ukraine", "hedge", "historical")
    return d[2] < 0, d[1] > 0, f"{a.show('ukraine', 'hedge')}; {_show_diff('paired difference', d)}"


def _vietnam_at_peace(a: Arms) -> Judgement:
    v = a.war("vietnam", "historical")
    return v["attacked_hi"] <= PEACE, v["attacked_lo"] > PEACE, a.show("vietnam", "historical")


def _balancing_raises_vietnams_risk(a: Arms) -> Judgement:
    d = a.diff("vietnam", "balance", "historical")
    return d[1] > 0, d[2] < 0, f"{a.show('vietnam', 'balance')}; {_show_diff('paired difference', d)}"


def _bandwagoning_trades_autonomy_for_safety(a: Arms) -> Judgement:
    parts, holds, contradicted = [], True, False
    for case in CASES:
        tests = [a.diff(case, "bandwagon", "balance"),
                 *(a.diff(case, "bandwagon", other, "autonomy_mean") for other in ("balance", "hedge"))]
        holds &= all(t[2] < 0 for t in tests)
        contradicted |= any(t[1] > 0 for t in tests)
        parts.append(f"{case}: {_show_diff('war bandwagon − balance', tests[0])}; "
                     f"{_show_diff('autonomy bandwagon − balance', tests[1], pct=False)}; "
                     f"{_show_diff('autonomy bandwagon − hedge', tests[2], pct=False)}")
    return bool(holds), bool(contradicted), "; ".join(parts)


CLAIMS: tuple[ClaimSpec, ...] = (
    ClaimSpec(
        1, "Ukraine's balancing made war likely",
        f"the Wilson lower bound of Ukraine's war probability over the horizon is at least "
        f"{pct(LIKELY_WAR)} both on its historical path and under fixed balancing "
        f"(contradicted: an upper bound below it)", ("ukraine",), _ukraine_war_likely,
        lambda mech: MOTIVE + war_side(mech, "ukraine", "historical", "hedge") + (
            "; how high the level is depends above all on the neighbour's revisionism and the "
            "war intercept (see the sensitivity table).")),
    ClaimSpec(
        2, "hedging would have lowered Ukraine's risk",
        "the 95% interval of the paired difference P(war | hedge) − P(war | historical) for "
        "Ukraine lies below 0", ("ukraine",), _hedging_lowers_ukraines_risk,
        lambda mech: MOTIVE + war_side(mech, "ukraine", "hedge", "historical") + "."),
    ClaimSpec(
        3, "Vietnam's hedging keeps the peace",
        f"the Wilson upper bound of Vietnam's war probability on its historical (hedging) path "
        f"is at most {pct(PEACE)} (contradicted: a lower bound above it)", ("vietnam",),
        _vietnam_at_peace,
        lambda mech: MOTIVE + war_side(mech, "vietnam", "historical", "bandwagon") + (
            "; a hedger is never fully in the neighbour's camp, so the revisionist part of the "
            "motive stays, and the risk that remains is set by China's revisionism (see the "
            "decomposition).")),
    ClaimSpec(
        4, "balancing would raise Vietnam's risk",
        "the 95% interval of the paired difference P(war | balance) − P(war | historical) for "
        "Vietnam lies above 0", ("vietnam",), _balancing_raises_vietnams_risk,
        lambda mech: MOTIVE + war_side(mech, "vietnam", "balance", "historical") + "."),
    ClaimSpec(
        5, "bandwagoning buys safety at the price of autonomy",
        "in both cases the 95% intervals of the paired differences bandwagon − balance in war "
        "probability, and bandwagon − balance and bandwagon − hedge in mean autonomy, lie below "
        "0 (contradicted: any of them wholly above 0)", CASES,
        _bandwagoning_trades_autonomy_for_safety,
        lambda mech: (
            "autonomy falls with the largest partner's leverage, foreign bases, alliance "
            "obligations and coerced concessions; "
            + "; ".join(autonomy_side(mech, c, "bandwagon", o) for c in CASES
                        for o in ("balance", "hedge"))
            + "; and " + "; ".join(war_side(mech, c, "bandwagon", "balance") for c in CASES)
            + ".")),
)


def judge_claims(results: Mapping[Setting, pd.DataFrame], seed: int = 0,
                 overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[Claim]:
    """E-IR 2024's claims (``CLAIMS``) judged by their pre-stated criteria. ``overrides`` per
    case selects the settings of a sensitivity run (default: the scenarios as they are)."""
    arms = Arms(results, seed, overrides or {})
    n = len(arms.runs(CASES[0], "historical"))
    claims = []
    for spec in CLAIMS:
        holds, contradicted, evidence = spec.judge(arms)
        verdict = "reproduced" if holds else "contradicted" if contradicted else f"inconclusive at n = {n}"
        claims.append(Claim(spec.number, spec.text, spec.criterion, verdict, evidence, spec.cases))
    return claims


def explain(claim: Claim, mechanisms: pd.DataFrame) -> str:
    """The declared reading of a claim's verdict, from the mechanism table."""
    spec = next(c for c in CLAIMS if c.number == claim.number)
    return spec.why(mechanisms.set_index(["scenario", "strategy"]))


# What Preiherman 2017 leads one to expect of Belarus under Tessman's three filters: the
# expectation, the arm, the share of runs it reads, and whether a majority of runs should pass.
BELARUS_EXPECTED: tuple[tuple[str, str, str, bool], ...] = (
    ("under its own strategy Belarus is a strategic hedger (passes all three filters)",
     "historical", "share_hedger", True),
    ("a bandwagoning Belarus fails filter one", "bandwagon", "share_filter_1", False),
    ("a balancing Belarus fails filter two", "balance", "share_filter_2", False),
)


def judge_belarus(tessman: pd.DataFrame) -> list[tuple[str, bool]]:
    """Each of ``BELARUS_EXPECTED`` judged on the Tessman summary: met when the majority of runs
    does what it expects."""
    t = tessman.set_index("strategy")
    return [(text, (float(t.loc[arm, column]) >= 0.5) == passes)
            for text, arm, column, passes in BELARUS_EXPECTED]


# --- sensitivity ------------------------------------------------------------------------------

def uncertain_ranges(case: str) -> dict[str, tuple[float, float]]:
    """The judgements the case's scenario file marks ``uncertain``, with their ranges."""
    return _scenario(case).uncertain_ranges()


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
    """Each claim re-judged in each variant, beside the baseline judged on the same number of
    runs (a verdict that differs from the baseline's at the same n is the variant's doing, not
    the sample's). A variant that changes none of a claim's cases leaves it out ("–")."""
    rows = [{"variant": "baseline (same n)",
             **{f"claim_{c.number}": c.verdict for c in judge_claims(results, seed)}}]
    for label, over in variants:
        claims = judge_claims(results, seed, over)
        rows.append({"variant": label, **{f"claim_{c.number}": c.verdict if set(over) & set(
            c.cases) else "–" for c in claims}})
    return pd.DataFrame(rows)


# --- survival and autonomy over time ----------------------------------------------------------

def survival_curves(results: Mapping[Setting, pd.DataFrame]) -> pd.DataFrame:
    """Kaplan-Meier curves of the time to the first war and to the state's end, per arm, with
    95% bands; runs without the event are censored at the horizon (or at the state's end, for
    war)."""
    frames = []
    for case in CASES:
        for arm in ARMS:
            out = results[Setting.of(case, arm)]
            for event, label in (("war", "war"), ("end", "state end")):
                times, flags = durations(out, event)
                frames.append(kaplan_meier(times, flags).assign(
                    scenario=case, strategy=arm, event=label))
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
    """Everything the counterfactual computes; ``experiments.report.write_counterfactual``
    puts it on disk."""

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
    hazards: pd.DataFrame
    ensemble: pd.DataFrame | None = None  # ``ensemble_arms``, when run with a parameter ensemble
    ensemble_claims: pd.DataFrame | None = None  # ``ensemble_verdicts``
    ensemble_shapley: pd.DataFrame | None = None  # ``ensemble_shapley``


def main_settings() -> list[Setting]:
    return [Setting.of(case, arm) for case in CASES for arm in ARMS]


def run_counterfactual(replicates: int, seed: int, executor: Executor | None = None,
                       members: Sequence[Member] = ()) -> Counterfactual:
    """Sample, evaluate, analyze: the strategy arms on ``replicates`` paired seeds; the
    decomposition, the sensitivity check and the Belarus test on the first replicates // 4;
    with ``members`` (a parameter ensemble), the strategy arms under every member on those
    first replicates // 4 as well, and each member's Shapley decomposition on the first
    replicates // 16."""
    from hedgesim.experiments.tessman import tessman_runs, tessman_summary

    seeds = replicate_seeds(seed, replicates)
    sub_seeds = seeds[: max(1, replicates // SUBSAMPLE)]
    variants = sensitivity_variants()
    series_seeds = seeds[: min(SERIES_REPLICATES, replicates)]
    with executor or Executor() as ex:  # one set of workers for every phase
        main = run_settings(main_settings(), seeds, ex)
        sub = {s: df.iloc[: len(sub_seeds)].reset_index(drop=True) for s, df in main.items()}
        extra = [s for s in (*decomposition_settings(), *sensitivity_settings(variants))
                 if s not in sub]
        sub |= run_settings(extra, sub_seeds, ex)
        series = run_settings(main_settings(), series_seeds, ex, series=True)
        belarus = tessman_runs("belarus", ARMS, series_seeds, ex)
        under = run_settings(ensemble_settings(members), sub_seeds, ex) if members else {}
        shapley_seeds = seeds[: max(1, replicates // ENSEMBLE_SHAPLEY_SUBSAMPLE)]
        under_shapley = run_settings([s for m in members for s in shapley_settings(m.params)],
                                     shapley_seeds, ex) if members else {}
    return Counterfactual(
        replicates=replicates, seed=seed, summary=summary_table(main, seed),
        decomposition=decomposition_table(sub, seed), shapley=shapley_table(sub, seed),
        claims=judge_claims(main, seed), sensitivity=sensitivity_table(sub, variants, seed),
        survival=survival_curves(main), autonomy=autonomy_paths(series),
        mechanisms=mechanism_table(series), tessman=tessman_summary(belarus),
        hazards=hazard_ratios(pd.concat([df.assign(scenario=s.scenario) for s, df in main.items()],
                                        ignore_index=True), ["scenario"], HAZARD_PAIRS),
        ensemble=ensemble_arms(under, members, seed) if members else None,
        ensemble_claims=ensemble_verdicts(under, members, seed) if members else None,
        ensemble_shapley=ensemble_shapley(under_shapley, members, seed) if members else None)


def ensemble_settings(members: Sequence[Member]) -> list[Setting]:
    """The strategy arms of both cases under every member of a parameter ensemble."""
    return [Setting.of(case, arm, m.params) for m in members for case in CASES for arm in ARMS]


def ensemble_arms(results: Mapping[Setting, pd.DataFrame], members: Sequence[Member],
                  seed: int = 0) -> pd.DataFrame:
    """Per case and arm, war and autonomy under the ensemble: pooled over members, with the
    Monte Carlo interval, the members' spread and the total interval
    (``analysis.ensemble_summary``)."""
    frames = [results[Setting.of(case, arm, m.params)].assign(scenario=case, member=m.id)
              for m in members for case in CASES for arm in ARMS]
    table = ensemble_summary(pd.concat(frames, ignore_index=True), ["scenario", "arm"], "member",
                             seed)
    return table[table["outcome"].isin(["attacked", "autonomy_mean"])].reset_index(drop=True)


def ensemble_verdicts(results: Mapping[Setting, pd.DataFrame], members: Sequence[Member],
                      seed: int = 0) -> pd.DataFrame:
    """Each claim judged under every member (its criterion, on that member's runs): how many
    members reproduce it, contradict it, or leave it inconclusive."""
    rows = []
    for m in members:
        for claim in judge_claims(results, seed, {case: m.params for case in CASES}):
            rows.append({"claim": claim.number, "text": claim.text, "member": m.id,
                         "verdict": claim.verdict.split(" at n")[0]})
    table = pd.DataFrame(rows)
    counts = table.groupby(["claim", "text"])["verdict"].value_counts().unstack(fill_value=0)
    return counts.reindex(columns=["reproduced", "contradicted", "inconclusive"],
                          fill_value=0).reset_index()


def ensemble_shapley(results: Mapping[Setting, pd.DataFrame], members: Sequence[Member],
                     seed: int = 0) -> pd.DataFrame:
    """Each case's Shapley decomposition under every member (``shapley_table`` on that
    member's runs), summarised per component: the mean over members (each weighs the same),
    the members' range, and how many put the contribution above zero, below it, or neither
    (by its bootstrap interval)."""
    table = pd.concat([shapley_table(results, seed, m.params).assign(member=m.id)
                       for m in members], ignore_index=True)
    g = table.groupby(["scenario", "donor", "component"], sort=False)
    out = g["contribution"].agg(mean="mean", members_low="min", members_high="max")
    out["above"] = g["ci_low"].apply(lambda lo: int((lo > 0).sum()))
    out["below"] = g["ci_high"].apply(lambda hi: int((hi < 0).sum()))
    out["inconclusive"] = g.size() - out["above"] - out["below"]
    out["members"] = g.size()
    out["runs_per_member"] = g["replicates"].first()
    return out.reset_index()


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

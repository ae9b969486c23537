"""Tessman's three filters for strategic hedging (Preiherman 2017, figure 1), applied to simulated
behaviour.

The filters read only the yearly series a ``Recorder`` keeps (dependency, capability, alliances,
bases, arming, alignment); they never read the strategy label, so a state is called a hedger for
what it does, as Preiherman (Preiherman 2017) calls Belarus one from its record.

The leader is the great power the state is most asymmetrically tied to and most threatened by:
the largest sum of leverage and perceived threat in the first recorded year (Russia for Belarus
and Ukraine, China for Vietnam). Its rivals are the other great powers (or those given).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hedgesim.experiments.engine import Executor, Setting, run_settings
from hedgesim.scenarios.ensemble import Member
from hedgesim.scenarios.loader import load_scenario

# Filter one: the behaviour must improve the state's lot against the leader by a margin that is
# more than drift. A tenth of the starting dependency is about what Belarus's 30-30-30 target asks
# of its exports to Russia in a decade (42% → 30% is more than a quarter; Preiherman 2017), and a tenth
# more capability relative to the leader is the same relative step on the military route.
DEPENDENCY_DROP = 0.10  # relative fall of weighted trade/energy/credit dependency on the leader
CAPABILITY_GAIN = 0.10  # relative rise of the state's capability over the leader's
# Filter two: direct confrontation. An explicit alliance with a rival is a formal commitment of a
# quarter or more (ATOP-style coding: a consultation pact scores 0.2-0.4, a defence pact 0.7-1);
# a rival's bases above a token presence (0.1: a radar or port call scores below); arming more
# than 40% above the norm (0.5), beyond growth with the economy (E-IR 2024 on Vietnam); alignment
# with a rival more than a tenth above alignment with the leader is siding against it.
ALLIANCE_MAX = 0.25
BASES_MAX = 0.10
ARMING_MAX = 0.70
ALIGNMENT_MARGIN = 0.10
# Filter three: a line sustained at the top, not a spell: the filter-one gain present and
# confrontation avoided in at least three years in four, with no year undoing more than a
# quarter of the required gain (a change of course).
PERSISTENCE = 0.75
REVERSAL = 0.25
MIN_YEARS = 5  # fewer years of behaviour than this cannot show a sustained line


@dataclass(frozen=True)
class Filter:
    """One filter's verdict and the numbers behind it."""

    passed: bool
    evidence: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """Tessman's test for one state in one run."""

    state: str
    leader: str
    rivals: tuple[str, ...]
    filters: tuple[Filter, Filter, Filter]

    @property
    def hedger(self) -> bool:
        return all(f.passed for f in self.filters)


Columns = Mapping[str, np.ndarray] | pd.DataFrame  # one state's yearly series, column by column
# the series' columns the filters read (per great power: one column each, ``kind_GP``)
READ = ("state", "capability", "arming")
READ_PER_POWER = ("dependency_", "gp_capability_", "leverage_", "threat_", "alliance_", "bases_",
                  "alignment_")


def great_powers(series: Columns) -> list[str]:
    return [c.removeprefix("dependency_") for c in series if c.startswith("dependency_")]


def leader_of(series: Columns) -> str:
    """The great power with the most leverage plus threat over the state in the first year."""
    return max(great_powers(series), key=lambda g: float(
        np.asarray(series[f"leverage_{g}"])[0] + np.asarray(series[f"threat_{g}"])[0]))


def classify(series: Columns, leader: str | None = None,
             rivals: Sequence[str] | None = None) -> Verdict:
    """Apply the three filters to one state's yearly series (rows in time order, the first the
    initial state; only the years it was alive count): a table, or its columns as arrays."""
    alive = np.asarray(series["alive"], dtype=bool)

    def column(name: str) -> np.ndarray:
        return np.asarray(series[name])[alive]

    lived = {c: column(c) for c in series if c in READ or c.startswith(READ_PER_POWER)}
    leader = leader or leader_of(lived)
    rivals = tuple(rivals if rivals is not None else
                   (g for g in great_powers(series) if g != leader))
    state = str(lived["state"][0])
    dep = lived[f"dependency_{leader}"].astype(float)
    ratio = (lived["capability"] / lived[f"gp_capability_{leader}"]).astype(float)
    # Gains relative to the start, in units of the filter-one threshold (1 = just enough).
    coping = (1.0 - dep / dep[0]) / DEPENDENCY_DROP if dep[0] > 0 else np.zeros_like(dep)
    compete = (ratio / ratio[0] - 1.0) / CAPABILITY_GAIN
    years = len(dep) - 1  # the years of behaviour, after the initial state
    if years < MIN_YEARS:
        short = Filter(False, {"years_alive": float(years)})
        return Verdict(state, leader, rivals, (short, short, short))

    one = Filter(bool(coping[-1] >= 1.0 or compete[-1] >= 1.0), {
        "dependency_start": dep[0], "dependency_end": dep[-1],
        "dependency_change": dep[-1] / dep[0] - 1.0 if dep[0] > 0 else 0.0,
        "capability_ratio_start": ratio[0], "capability_ratio_end": ratio[-1],
        "capability_ratio_change": ratio[-1] / ratio[0] - 1.0})

    def worst(prefix: str) -> np.ndarray:
        cols = [lived[f"{prefix}_{r}"][1:] for r in rivals]
        return np.fmax.reduce(cols, axis=0) if cols else np.zeros(years)  # NaN skipped

    alliance, bases = worst("alliance"), worst("bases")
    lean = worst("alignment") - lived[f"alignment_{leader}"][1:]
    arming = lived["arming"][1:]
    calm = ((alliance <= ALLIANCE_MAX) & (bases <= BASES_MAX) & (arming <= ARMING_MAX)
            & (lean <= ALIGNMENT_MARGIN))
    two = Filter(bool(calm.all()), {
        "rival_alliance_max": float(alliance.max()), "rival_bases_max": float(bases.max()),
        "arming_max": float(arming.max()), "rival_lean_max": float(lean.max()),
        "confrontation_years": float((~calm).sum())})

    # Filter three follows the route of filter one that got further.
    gain = coping if coping[-1] >= compete[-1] else compete
    held = (gain[1:] > 0) & calm
    backslide = float(np.max(np.maximum(gain[:-1] - gain[1:], 0.0)))
    three = Filter(bool(held.mean() >= PERSISTENCE and backslide <= REVERSAL), {
        "route_competing": float(gain is compete), "share_years_sustained": float(held.mean()),
        "largest_reversal": backslide})
    return Verdict(state, leader, rivals, (one, two, three))


def verdict_rows(series: pd.DataFrame,
                 rivals_by_leader: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Tessman's verdict per (replicate, state) of a multi-run series table; a leader's rivals
    come from ``rivals_by_leader`` when given, else they are all other great powers."""
    rows = []
    keys = ["replicate", "state"] if "replicate" in series.columns else ["state"]
    # in the order of groupby(keys, sort=True), each group's years in order; the groups are
    # cut from whole columns (a table per group costs milliseconds, a slice microseconds)
    series = series.sort_values([*keys, "step"], kind="stable")
    columns = {c: series[c].to_numpy() for c in series.columns}
    starts = np.flatnonzero(np.r_[True, np.any([columns[k][1:] != columns[k][:-1]
                                                  for k in keys], axis=0), True])
    for lo, hi in itertools.pairwise(starts):
        group = {c: a[lo:hi] for c, a in columns.items()}
        leader = leader_of(group)
        v = classify(group, leader, (rivals_by_leader or {}).get(leader))
        key = tuple(group[k][0] for k in keys)
        row = dict(zip(keys, key, strict=True))
        row |= {"leader": v.leader, "hedger": v.hedger}
        for i, f in enumerate(v.filters, start=1):
            row[f"filter_{i}"] = f.passed
            row |= {f"f{i}_{k}": val for k, val in f.evidence.items()}
        rows.append(row)
    return pd.DataFrame(rows)


def tessman_runs(scenario: str, strategies: Sequence[str], seeds: Sequence[int],
                 executor: Executor | None = None, members: Sequence[Member] = ()
                 ) -> pd.DataFrame:
    """Simulate ``scenario`` under each strategy arm ("historical": its own) on the same seeds
    and classify every focal state in every run; under a parameter ensemble (``members``), every
    arm under every member on those seeds, each row naming its ``member``."""
    spec = load_scenario(scenario)
    hostile = {(g["name"], k) for g in spec.great_powers for k, h in g["hostility"].items()
               if h > 0}
    hostile |= {(b, a) for a, b in hostile}  # hostility is mutual (model/world.py)
    rivals = {g: tuple(sorted(b for a, b in hostile if a == g)) for g, _ in hostile}
    runs = [(Setting.of(scenario, s, m.params if m else None), {"member": m.id} if m else {})
            for s in dict.fromkeys(strategies) for m in (members or [None])]
    series = run_settings([setting for setting, _ in runs], seeds, executor, series=True)
    return pd.concat([verdict_rows(series[setting], rivals).assign(
        scenario=spec.name, strategy=setting.arm, **member) for setting, member in runs],
        ignore_index=True)


def tessman_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Share of runs passing each filter, the median evidence (over the runs long enough to
    judge), and how many runs ended too soon to show a sustained line, per strategy arm and
    state (and per ensemble member, where the rows name one)."""
    evidence = [c for c in rows.columns if c[:2] in ("f1", "f2", "f3") and c[2] == "_"
                and not c.endswith("_years_alive")]
    rows = rows.assign(too_short=rows.get("f1_years_alive", pd.Series(np.nan, rows.index)).notna())
    keys = ["scenario", "strategy", *(["member"] if "member" in rows else []), "state", "leader"]
    g = rows.groupby(keys, sort=False)
    out = g[["filter_1", "filter_2", "filter_3", "hedger"]].mean().add_prefix("share_")
    out = out.join(g[evidence].median().add_prefix("median_"))
    out = out.join(g["too_short"].sum().rename("runs_too_short"))
    return out.join(g.size().rename("replicates")).reset_index()

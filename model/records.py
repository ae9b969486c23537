"""What a run leaves behind, declared once: the outcome record of each small state, and the
yearly series.

Kept apart from the model (as Agents.jl keeps data collection apart): the model exposes its
state; ``OUTCOMES`` says what is read from it at the end of a run, ``year_table`` what is read
each year. The engine's tables, the Parquet schema of a sweep, the summary statistics and the command
line's tables are all derived from these two declarations, so a new outcome is one line here
(and its test).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hedgesim.model.codes import EndCause, Strategy

if TYPE_CHECKING:
    from hedgesim.model.model import HedgeModel, Simulation
    from hedgesim.model.world import World

STRATEGY_NAMES = [str(s) for s in Strategy]
END_CAUSES = [c.name.lower() for c in EndCause]
_STRATEGY_LABELS, _END_LABELS = np.asarray(STRATEGY_NAMES), np.asarray(END_CAUSES)  # indexed by code
KINDS = ("bool", "int", "float", "str")


@dataclass(frozen=True)
class Outcome:
    """One column of the per-(run, arm, state) record.

    ``summary`` says how a set of records summarises it: ``share`` (a proportion, with a Wilson
    interval), ``mean`` (with a bootstrap interval over runs), ``average`` (a mean over runs
    without an interval) or ``median_event`` (the median over the records where it is not -1);
    ``label`` is its heading in the command line's tables (empty: not shown there)."""

    name: str
    kind: str
    meaning: str
    value: Callable[[World, Simulation], np.ndarray]
    summary: str = ""
    label: str = ""


# What autonomy is the absence of, in the order of ``mechanisms.autonomy_parts``.
AUTONOMY_PARTS = (("leverage", "the largest partner's economic leverage over it"),
                  ("bases", "foreign bases it hosts (total, at most 1)"),
                  ("obligations", "its binding alliance obligations"),
                  ("concessions", "the autonomy it conceded under coercion"))


def _years_lived(w: World, sim: Simulation) -> np.ndarray:
    return np.where(w.end_step >= 0, w.end_step + 1, max(w.step, 1))


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("state", "str", "the small state's name", lambda w, s: np.asarray(w.names)),
    Outcome("focal", "bool", "whether the scenario reports on it", lambda w, s: w.focal),
    Outcome("survived", "bool", "neither conquered nor absorbed by the end of the run",
            lambda w, s: w.alive, "share", "survival"),
    Outcome("attacked", "bool", "attacked at least once",
            lambda w, s: w.wars > 0, "share", "war"),
    Outcome("autonomy_mean", "float", "autonomy averaged over the years run (0 once gone)",
            lambda w, s: w.autonomy_sum / max(w.step, 1), "mean", "autonomy"),
    *(Outcome(f"{part}_mean", "float", f"{meaning}, averaged over the years it lived (a part of "
              f"what autonomy is the absence of: model.mechanisms.autonomy_parts)",
              lambda w, s, k=k: w.constraint_sum[:, k] / _years_lived(w, s), "average")
      for k, (part, meaning) in enumerate(AUTONOMY_PARTS)),
    Outcome("years_to_war", "int", "years to the first war on it, -1 if none",
            lambda w, s: np.where(w.first_war_step >= 0, w.first_war_step + 1, -1),
            "median_event", "years to war"),
    Outcome("coercions", "int", "years with a coercion episode",
            lambda w, s: w.coercions, "average", "coercions"),
    Outcome("welfare_final", "float", "welfare at the end (1 at the start)",
            lambda w, s: w.welfare, "average"),
    Outcome("years_lived", "int", "years it existed in the run (the run's length if it survived)",
            _years_lived),
    Outcome("end_year", "int", "calendar year in which it ended, -1 if it survived",
            lambda w, s: np.where(w.end_step >= 0, w.start_year + w.end_step, -1)),
    Outcome("end_cause", "str", "how it ended: none, conquered or absorbed",
            lambda w, s: _END_LABELS[w.end_cause]),
    Outcome("wars", "int", "wars fought", lambda w, s: w.wars),
    Outcome("territory_lost", "float", "share of its initial territory lost",
            lambda w, s: 1.0 - w.territory, "average"),
    Outcome("autonomy_final", "float", "autonomy at the end", lambda w, s: w.autonomy),
    Outcome("strategy_final", "str", "its strategy at the end",
            lambda w, s: _STRATEGY_LABELS[w.strategy]),
    Outcome("steps", "int", "years the run lasted", lambda w, s: np.full(w.n_small, w.step)),
    Outcome("wars_total", "int", "war onsets in the whole world during the run",
            lambda w, s: np.full(w.n_small, s.war_onsets)),
    Outcome("polarity_final", "float", "the great powers' polarity at the end",
            lambda w, s: np.full(w.n_small, s.polarity)),
)
OUTCOME_NAMES = [o.name for o in OUTCOMES]


ATTACKS = "attacks_"  # attacks_GP: the wars great power GP started against the state


def outcome_columns(sim: Simulation, everyone: bool = False) -> dict[str, np.ndarray]:
    """The record of each small state (focal ones unless ``everyone``) as column arrays:
    ``OUTCOMES``, then who attacked it, ``attacks_GP`` per great power."""
    w = sim.world
    keep = slice(None) if everyone else np.flatnonzero(w.focal)
    return {**{o.name: np.asarray(o.value(w, sim))[keep] for o in OUTCOMES},
            **{f"{ATTACKS}{gp}": w.state.war_starts[keep, g] for g, gp in enumerate(w.gp_names)}}


def outcomes(model: HedgeModel | Simulation, everyone: bool = False) -> pd.DataFrame:
    """The records of a finished model (a ``HedgeModel`` or a ``Simulation``) as a table."""
    return pd.DataFrame(outcome_columns(getattr(model, "sim", model), everyone))


# --- the yearly series -----------------------------------------------------------------------

def state_columns(world: World) -> dict[str, np.ndarray]:
    """The yearly series columns that are not per great power, each [s]: read straight from
    the state, so they cost little to keep (``Recorder(light=True)``)."""
    w, st = world, world.state
    n = len(w.names)
    return {
        "step": np.full(n, w.step), "year": np.full(n, w.year), "state": np.asarray(w.names),
        "alive": st.alive, "strategy": _STRATEGY_LABELS[st.strategy],
        "autonomy": st.autonomy, "welfare": st.welfare, "capability": st.cap,
        "territory": st.territory, "arming": st.arming, "concessions": st.concessions,
        "at_war": st.at_war.any(axis=1), "coerced": st.coerced.any(axis=1),
    }


def pair_columns(sim: Simulation) -> dict[str, np.ndarray]:
    """The yearly series columns per (small state, great power), each [s, g], by kind:
    ``by_great_power`` names one column per power. They may be views on the world's arrays:
    take rows of them (a copy) before the year moves on."""
    from hedgesim.model import mechanisms as m  # here: reading records needs no compiled model

    st, p = sim.world.state, sim.coefs
    dep = sim.call(m.dependency_on, st, p, None)
    return {
        "threat": st.threat, "gp_threat": st.gp_threat, "alignment": st.alignment,
        "alliance": st.alliance, "bases": st.bases, "credibility": st.credibility,
        "leverage": sim.call(m.leverage, st, p, dep), "dependency": dep,
        "energy": st.dependency[:, 1], "credit": st.dependency[:, 2], "trade": st.dependency[:, 0],
        "gp_capability": st.gp_cap[None, :].repeat(len(st.alive), 0), "war": st.at_war,
        "coerced": st.coerced, "proximity": st.proximity,
        "war_chance": st.war_chance, "coercion_chance": st.coercion_chance,
        "grievance": st.grievance,
    }


def by_great_power(columns: dict[str, np.ndarray], gp_names: list[str]) -> dict[str, np.ndarray]:
    """[rows, g] columns as one column per great power, ``kind_GP``, power after power."""
    return {f"{kind}_{gp}": v[:, g] for g, gp in enumerate(gp_names)
            for kind, v in columns.items()}


def year_table(sim: Simulation) -> dict[str, np.ndarray]:
    """Every yearly series column, each [s]: ``state_columns`` and ``pair_columns``, one
    column per great power. The columns may be views on the world's arrays: take rows of them
    (a copy) before the year moves on."""
    return state_columns(sim.world) | by_great_power(pair_columns(sim), sim.world.gp_names)


def model_row(world: World, polarity: float) -> dict[str, float]:
    """The world's yearly aggregates: living states, wars, coercions, polarity, strategy shares."""
    st = world.state
    alive = int(st.alive.sum())
    counts = np.bincount(st.strategy[st.alive], minlength=3) / max(alive, 1)
    return {"step": world.step, "year": world.year, "alive": alive,
            "wars": int(st.at_war.any(axis=1).sum()),
            "coercions": int(st.coerced.any(axis=1).sum()), "polarity": polarity,
            **{f"share_{name}": float(c) for name, c in zip(STRATEGY_NAMES, counts, strict=True)}}


class Recorder:
    """Observes a ``Simulation`` each year and keeps one row per (year, small state), focal ones
    only unless ``everyone``: the engine's way of keeping series, in whole arrays (one table is
    made at the end, and the per-power columns are named once, not every year)."""

    def __init__(self, everyone: bool = False, light: bool = False) -> None:
        self.everyone = everyone
        self.light = light  # ``state_columns`` only, and no world rows: a fraction of the cost
        self.years: list[dict[str, np.ndarray]] = []
        self.pairs: list[dict[str, np.ndarray]] = []  # ``pair_columns`` of each year, unless light
        self.model_rows: list[dict[str, float]] = []
        self.gp_names: list[str] = []

    def observe(self, sim: Simulation) -> None:
        w = sim.world
        keep = np.arange(w.n_small) if self.everyone else np.flatnonzero(w.focal)
        self.years.append({k: v[keep] for k, v in state_columns(w).items()})  # copies
        if not self.light:
            self.gp_names = w.gp_names
            self.pairs.append({k: v[keep] for k, v in pair_columns(sim).items()})
            self.model_rows.append(model_row(w, sim.polarity))

    def columns(self, years: int | None = None) -> dict[str, np.ndarray]:
        """The first ``years`` years observed (all of them by default), column by column."""
        def stacked(kept: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
            return {k: np.concatenate([year[k] for year in kept]) for k in kept[0]}

        columns = stacked(self.years[:years])
        if self.pairs:
            columns |= by_great_power(stacked(self.pairs[:years]), self.gp_names)
        return columns

    def model_columns(self, years: int | None = None) -> dict[str, np.ndarray]:
        kept = self.model_rows[:years]
        return {k: np.array([row[k] for row in kept]) for k in kept[0]} if kept else {}

    def series(self, years: int | None = None) -> pd.DataFrame:
        return pd.DataFrame(self.columns(years))

    def model_series(self, years: int | None = None) -> pd.DataFrame:
        return pd.DataFrame(self.model_columns(years))

    def forget_after(self, years: int) -> None:
        """Keep the first ``years`` years only (a run stepped back and run on again)."""
        del self.years[years:], self.pairs[years:], self.model_rows[years:]


def yearly_collector(model: HedgeModel):
    """Mesa's DataCollector for a ``HedgeModel``: ``model_row`` as model reporters and
    ``year_table``'s columns as the small states' reporters. The year's table is computed once
    per year (``HedgeModel.year_table`` and ``year_row``) and each agent reads its own row of it."""
    from mesa import DataCollector

    from hedgesim.model.agents import SmallState

    row, table = model.year_row(), model.year_table()
    model_reporters = {k: (lambda mdl, k=k: mdl.year_row()[k]) for k in row if k != "step"}
    agent_reporters = {k: (lambda a, k=k: a.model.year_table()[k][a.index]) for k in table
                       if k not in ("step", "state")}
    agent_reporters["state"] = "name"
    return DataCollector(model_reporters=model_reporters,
                         agenttype_reporters={SmallState: agent_reporters})

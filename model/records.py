"""What a run leaves behind: per-step series (optional) and per-state outcomes.

Kept apart from the model (as Agents.jl keeps data collection apart): the model exposes its
state, a ``Recorder`` observes it, and ``outcomes`` reads the final state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model import mechanisms as m
from model.world import EndCause, Strategy

if TYPE_CHECKING:
    from model.model import HedgeModel

STRATEGY_NAMES = [s.name.lower() for s in Strategy]
END_CAUSES = [c.name.lower() for c in EndCause]


class Recorder:
    """Observes a model each year and keeps one row per (year, small state), focal ones only
    unless ``everyone``; columns per great power are suffixed with its name."""

    def __init__(self, everyone: bool = False) -> None:
        self.everyone = everyone
        self.frames: list[pd.DataFrame] = []
        self.model_rows: list[dict[str, float]] = []

    def observe(self, model: HedgeModel) -> None:
        w, p = model.world, model.coefs
        keep = slice(None) if self.everyone else np.flatnonzero(w.focal)
        names = np.asarray(w.names)[keep]
        dep = m.dependency_on(w.state, p)
        lev = m.leverage(w.state, p, dep)
        columns: dict[str, object] = {
            "step": w.step, "year": w.year, "state": names, "alive": w.alive[keep],
            "strategy": np.asarray(STRATEGY_NAMES)[w.strategy[keep]],
            "autonomy": w.autonomy[keep], "welfare": w.welfare[keep], "capability": w.cap[keep],
            "territory": w.territory[keep], "arming": w.arming[keep],
            "concessions": w.concessions[keep], "at_war": w.at_war[keep].any(axis=1),
            "coerced": w.coerced[keep].any(axis=1),
        }
        for g, gp in enumerate(w.gp_names):
            columns |= {
                f"threat_{gp}": w.threat[keep, g], f"gp_threat_{gp}": w.gp_threat[keep, g],
                f"alignment_{gp}": w.alignment[keep, g], f"alliance_{gp}": w.alliance[keep, g],
                f"bases_{gp}": w.bases[keep, g], f"credibility_{gp}": w.credibility[keep, g],
                f"leverage_{gp}": lev[keep, g], f"dependency_{gp}": dep[keep, g],
                f"energy_{gp}": w.dependency[keep, 1, g], f"credit_{gp}": w.dependency[keep, 2, g],
                f"trade_{gp}": w.dependency[keep, 0, g], f"gp_capability_{gp}": w.gp_cap[g],
            }
        self.frames.append(pd.DataFrame(columns))
        counts = np.bincount(w.strategy[w.alive], minlength=3) / max(int(w.alive.sum()), 1)
        self.model_rows.append({
            "step": w.step, "year": w.year, "alive": int(w.alive.sum()),
            "wars": int(w.at_war.any(axis=1).sum()), "coercions": int(w.coerced.any(axis=1).sum()),
            "polarity": model.polarity,
            **{f"share_{name}": float(c) for name, c in zip(STRATEGY_NAMES, counts, strict=True)},
        })

    def series(self) -> pd.DataFrame:
        return pd.concat(self.frames, ignore_index=True)

    def model_series(self) -> pd.DataFrame:
        return pd.DataFrame(self.model_rows)


def outcomes(model: HedgeModel, everyone: bool = False) -> pd.DataFrame:
    """One row per small state (focal ones unless ``everyone``): survival and how it ended, war,
    coercion, losses, autonomy and welfare over the horizon."""
    w = model.world
    keep = slice(None) if everyone else np.flatnonzero(w.focal)
    steps = max(w.step, 1)
    first_war = w.first_war_step[keep]
    return pd.DataFrame({
        "state": np.asarray(w.names)[keep],
        "focal": w.focal[keep],
        "survived": w.alive[keep],
        "end_year": np.where(w.end_step[keep] >= 0, w.start_year + w.end_step[keep], -1),
        "end_cause": np.asarray(END_CAUSES)[w.end_cause[keep]],
        "attacked": w.wars[keep] > 0,
        "years_to_war": np.where(first_war >= 0, first_war + 1, -1),
        "wars": w.wars[keep],
        "coercions": w.coercions[keep],
        "territory_lost": 1.0 - w.territory[keep],
        "autonomy_mean": w.autonomy_sum[keep] / steps,
        "autonomy_final": w.autonomy[keep],
        "welfare_final": w.welfare[keep],
        "strategy_final": np.asarray(STRATEGY_NAMES)[w.strategy[keep]],
        "steps": steps,
    })

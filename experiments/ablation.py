"""Ablation: what each mechanism contributes to the model's forecasts of the record (as Turchin
et al. 2013, "War, space, and the evolution of Old World complex societies", *PNAS* 110(41),
switch each of their model's mechanisms off in turn). Each mechanism is switched off by the
parameters that carry it (``ABLATIONS``), the rest left as given, and the model is validated
again on the same seeds; the table gives each one's change of log score and AUC, per era and
outcome, against the model with everything on. A mechanism whose removal leaves the held-out
scores unchanged is not one the record can see.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hedgesim.experiments.engine import Executor
from hedgesim.experiments.validate import REPLICATES, validate

# mechanism -> (the parameters that switch it off, what it is: model/mechanisms.py)
ABLATIONS: dict[str, tuple[dict[str, float], str]] = {
    "memory": ({"grievance_weight": 0.0},
               "a pair's disputes raise the odds of the next (dispute_propensity)"),
    "aims": ({"revisionism_weight": 0.0},
             "revisionist aims a state outside the power's camp frustrates (war_motive)"),
    "threat": ({"gp_w_alignment": 0.0, "gp_w_bases": 0.0, "entrapment": 0.0, "bloc_pressure": 0.0},
               "a power's threat from a state's ties to its rivals (alignment_threat)"),
    "drift": ({"gp_w_drift": 0.0}, "a power's memory of a state's drift toward its rivals "
                                   "(perceive_drift)"),
    "binding": ({"binding_cost": 0.0}, "institutional binding raises the cost of aggression "
                                       "(restraint)"),
    "assurance": ({"assurance_effect": 0.0}, "assurance discounts a power's threat "
                                             "(effective_assurance)"),
    "dependency": ({"interdependence_cost": 0.0, "cover_cost": 0.0},
                   "shared trade and third partners raise the cost of aggression (restraint)"),
}


def ablate(overrides: Mapping[str, Any] | None = None, *, replicates: int = REPLICATES,
           seed: int = 0, executor: Executor | None = None) -> pd.DataFrame:
    """The model's log score and AUC per era and outcome with everything on (``overrides``
    given), and with each of ``ABLATIONS`` switched off, on the same seeds; ``d_log_score``
    above 0 and ``d_auc`` below 0 say the mechanism helps the forecasts."""
    overrides = dict(overrides or {})
    rows = []
    with executor or Executor() as ex:
        variants = {"none (all on)": ({}, "the model as given"), **ABLATIONS}
        for name, (off, meaning) in variants.items():
            scores = validate({**overrides, **off}, replicates=replicates, seed=seed,
                              executor=ex).scores
            model = scores[scores["predictor"] == "model"]
            rows += [{"switched_off": name, "meaning": meaning, "era": r.era,
                      "outcome": r.outcome, "log_score": r.log_score, "auc": r.auc}
                     for r in model.itertuples()]
    table = pd.DataFrame(rows)
    full = table[table["switched_off"] == "none (all on)"].set_index(["era", "outcome"])
    keys = pd.MultiIndex.from_frame(table[["era", "outcome"]])
    table["d_log_score"] = table["log_score"].to_numpy() - full["log_score"].reindex(keys).to_numpy()
    table["d_auc"] = table["auc"].to_numpy() - full["auc"].reindex(keys).to_numpy()
    return table

"""Every model-wide parameter, with its meaning, default, range and theoretical source.

One table, read by the model, the scenario loader, `hedgesim params` and docs/ODD.md, so a
parameter is defined in exactly one place. Entity attributes (a great power's revisionism, a
small state's capability) are parameters too, addressed as ``entity.attribute``; they are
declared in ``scenarios/schema.py``.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, replace
from enum import IntEnum
from functools import lru_cache
from typing import Any

import numpy as np

WALT = "Walt 1987, The Origins of Alliances (balance of threat)"
SEED000 = "E-IR 2024 (Vietnam vs Ukraine)"
SEED001 = "Ngo 2024 (deterrence, assurance, active cover)"
SEED002 = "Preiherman 2017 (Belarus; Tessman 2012)"
KUIK = "Kuik 2008; Dong 2015 (hedging as a portfolio)"


@dataclass(frozen=True)
class Param:
    """One parameter: what it means, its default, the values it may take and where it comes from."""

    name: str
    default: Any
    low: float | None
    high: float | None
    meaning: str
    source: str
    choices: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        if self.choices:
            return "choice"
        return "int" if isinstance(self.default, int) and not isinstance(self.default, bool) else "float"


def _p(name: str, default: Any, low: float | None, high: float | None, meaning: str, source: str,
       choices: tuple[str, ...] = ()) -> Param:
    return Param(name, default, low, high, meaning, source, choices)


PARAMS: tuple[Param, ...] = (
    # Schedule
    _p("activation", "synchronous", None, None,
       "how small states update: all on one snapshot, or in random order seeing earlier movers",
       "Mesa pd_grid example; Huberman & Glance 1993", ("synchronous", "random")),
    _p("activation_groups", 32, 1, 10_000,
       "with random activation, the number of groups the random order is cut into "
       "(exact random order when a world has at most this many small states)", "implementation"),
    # 1. Threat perception of a small state (Walt)
    _p("threat_w_power", 1.0, 0.0, 5.0, "weight of aggregate power in threat perception", WALT),
    _p("threat_w_proximity", 1.0, 0.0, 5.0, "weight of geographic proximity", WALT),
    _p("threat_w_offense", 0.5, 0.0, 5.0, "weight of offensive capability (the power's arming)", WALT),
    _p("threat_w_intent", 1.5, 0.0, 5.0, "weight of perceived intentions", WALT),
    _p("coercion_memory_decay", 0.25, 0.0, 1.0,
       "share of the memory of coercion and war that fades each year", WALT + ", hypothesis 3"),
    # 2. A great power's threat perception of a small state
    _p("gp_w_alignment", 1.0, 0.0, 5.0, "weight of the small state's alignment with the rival",
       SEED000),
    _p("gp_w_bases", 1.5, 0.0, 5.0, "weight of the rival's bases on its territory (red lines)",
       SEED000),
    _p("gp_w_drift", 0.846, 0.0, 10.0,
       "weight of the drift of alignment away from the power (defections are the dangerous moments)",
       SEED000 + "; docs/theory.md, mechanism 2 (Hungary 1956, Czechoslovakia 1968, Ukraine 2014)"),
    _p("policing", 0.0, 0.0, 10.0,
       "a patron's motive to use force against its own ally as far as the ally drifts away "
       "(policing its sphere), whatever its aims",
       "docs/theory.md, mechanism 2 (Hungary 1956, Czechoslovakia 1968, Afghanistan 1979); "
       "under trial, off at 0 (docs/validation.md)"),
    _p("grievance_weight", 0.0, 0.0, 5.0,
       "how much a power's grievance toward a state (its remembered disputes with it) raises "
       "the log-odds of coercion and war, as grievance_weight · log(1 + grievance)",
       "Diehl & Goertz 2000 (enduring rivalries); Senese & Vasquez 2005 (steps to war); "
       "under trial, off at 0 (docs/validation.md)"),
    _p("grievance_decay", 0.1, 0.0, 1.0,
       "share of a power's grievance that fades in a year of peace with the state",
       "Diehl & Goertz 2000: a rivalry ends after about ten years without a dispute"),
    _p("drift_memory", 0.6, 0.0, 0.99, "share of last year's perceived drift that is remembered",
       SEED000),
    _p("bloc_pressure", 2.51, 0.0, 5.0,
       "how much bloc polarity makes a power read non-alignment as hostility",
       SEED000 + " (bipolarity leaves no room for manoeuvre)"),
    # 3. Guarantees
    _p("accession_rate", 0.0245, 0.0, 1.0,
       "share of a sought alliance that a willing patron grants each year "
       "(the lag is the window of vulnerability)", SEED000 + "; docs/theory.md, mechanism 3"),
    _p("abandonment_rate", 0.1, 0.0, 1.0,
       "yearly chance that a patron makes a deal behind a fully aligned client's back "
       "(rises with the client's ambiguity)", SEED001 + " (US-China rapprochement)"),
    _p("overstretch", 0.05, 0.0, 1.0, "how fast a patron's credibility thins with each client",
       "Snyder 1984, The security dilemma in alliance politics"),
    # 4. Economic dependency
    _p("w_trade", 0.4, 0.0, 1.0, "weight of the trade channel in leverage", SEED002),
    _p("w_energy", 0.4, 0.0, 1.0, "weight of the energy channel in leverage", SEED002),
    _p("w_credit", 0.2, 0.0, 1.0, "weight of the credit channel in leverage", SEED002),
    _p("substitutability", 0.5, 0.0, 1.0,
       "how much a diversified remainder lowers a partner's leverage",
       "Hirschman 1945, National Power and the Structure of Foreign Trade"),
    _p("diversification_rate", 0.08, 0.0, 1.0,
       "share of the gap to the target partner profile closed each year (trade; energy and credit "
       "move slower)", SEED002 + " (the 30-30-30 export target)"),
    _p("energy_mobility", 0.3, 0.0, 1.0, "speed of energy re-sourcing relative to trade", SEED002),
    _p("credit_mobility", 0.7, 0.0, 1.0, "speed of credit re-sourcing relative to trade", SEED002),
    _p("exit_rate", 0.1, 0.0, 1.0,
       "share of an alliance a state that no longer wants it sheds each year (treaties persist)",
       "Leeds 2003 (alliance reliability)"),
    _p("interdependence_cost", 2.28, 0.0, 10.0,
       "how much shared trade raises a power's cost of war", "Oneal & Russett 1997; docs/theory.md 4"),
    _p("cover_cost", 1.0, 0.0, 10.0,
       "how much ties to third partners (middle powers, blocs) raise the cost of aggression",
       SEED001 + " (active cover)"),
    _p("binding_cost", 2.49, 0.0, 10.0,
       "how much institutional enmeshment of a power raises its cost of aggression (none for a "
       "fully revisionist power)", KUIK + "; Schweller 1994"),
    _p("subsidy_rate", 0.01, 0.0, 0.1,
       "yearly welfare gain from a patron's discounted energy and credit, per unit of alignment",
       "Schweller 1994 (bandwagoning for profit); " + SEED002),
    # 5. Alliance commitments
    _p("obligation_weight", 0.4, 0.0, 1.0, "autonomy lost to a full alliance's obligations",
       SEED002 + " (Union State, CSTO)"),
    _p("patron_pull", 0.1, 0.0, 1.0,
       "yearly pull of an ally's alignment toward its patron (pressure to follow)", SEED002),
    _p("entrapment", 1.31, 0.0, 5.0,
       "threat a power reads from its rival's formal allies (entrapment in the patron's rivalry)",
       "Snyder 1984; docs/theory.md, mechanism 5"),
    # 6. Deterrence
    _p("arming_effect", 0.04, 0.0, 0.5,
       "yearly capability growth per unit of arming above the norm", SEED001 + " (deterrence)"),
    _p("arming_cost", 0.02, 0.0, 0.2, "yearly welfare cost per unit of arming", SEED000),
    _p("reach_decay", 1.0, 0.0, 5.0,
       "how fast a power's usable strength falls with distance (exponent on proximity)",
       "Boulding 1962, loss-of-strength gradient"),
    # 7. Assurance
    _p("assurance_effect", 0.63, 0.0, 1.0,
       "share of a power's perceived threat that full, credible assurance removes", SEED001),
    # 8. Power shifts
    _p("gp_arming_boost", 0.02, 0.0, 0.2,
       "extra yearly capability growth of a great power that balances", "Waltz 1979"),
    # 9. Domestic turnover
    _p("turnover_rate", 0.2, 0.0, 1.0, "yearly chance of a change of government",
       "docs/theory.md, mechanism 9 (Ukraine's alternation after 2004)"),
    _p("orientation_spread", 0.5, 0.0, 3.0,
       "spread of a new government's tilt between the great powers", "docs/theory.md, mechanism 9"),
    # Coercion and war
    _p("war_intercept", -4.49, -20.0, 5.0,
       "log-odds of war onset per year when there is nothing to gain and nothing to lose",
       "Bremer 1992 (rarity of dyadic war)"),
    _p("war_slope", 1.94, 0.0, 20.0, "how steeply war hazard rises with its expected value",
       "Fearon 1995; Bueno de Mesquita 1981 (expected utility of war)"),
    _p("revisionism_weight", 0.0559, 0.0, 5.0, "weight of a power's revisionist aims in its motive",
       "Schweller 1994; " + WALT),
    _p("coercion_intercept", -3.34, -20.0, 5.0, "log-odds of a coercion episode per year at zero value",
       "docs/theory.md (coercion short of war)"),
    _p("coercion_slope", 5.12, 0.0, 20.0, "how steeply coercion hazard rises with leverage and motive",
       "Hirschman 1945; Drezner 1999"),
    _p("concession_size", 0.15, 0.0, 1.0, "autonomy conceded in one successful coercion episode",
       "docs/theory.md (coerced concessions)"),
    _p("concession_decay", 0.1, 0.0, 1.0, "share of past concessions recovered each year",
       "docs/theory.md"),
    _p("coercion_loss", 0.02, 0.0, 0.5, "welfare lost in a coercion episode per unit of leverage",
       "Drezner 1999"),
    _p("war_territory_loss", 0.2, 0.0, 1.0, "share of territory a defeated state loses",
       "Correlates of War territorial change data (typical losses)"),
    _p("conquest_rate", 0.35, 0.0, 1.0,
       "chance that a lost war ends the state (regime replaced, state absorbed), scaled by the "
       "attacker's revisionism", "Fazal 2007, State Death"),
    _p("war_welfare_loss", 0.15, 0.0, 1.0, "welfare lost in a war", "Collier 1999"),
    _p("absorption_rate", 0.05, 0.0, 1.0,
       "yearly chance of peaceful absorption at zero autonomy next to a revisionist patron",
       "Fazal 2007; " + SEED002 + " (Union State)"),
    _p("absorption_threshold", 0.2, 0.0, 1.0, "autonomy below which absorption can happen",
       "Fazal 2007"),
    # Small states' choice (bounded rationality)
    _p("adjust_rate", 0.35, 0.0, 1.0, "share of the gap to the chosen instruments closed each year",
       "Simon 1955 (bounded rationality); " + KUIK),
    _p("reconsider_rate", 0.3, 0.0, 1.0,
       "yearly chance that a government without turnover re-examines its strategy",
       "Simon 1955"),
    _p("choice_noise", 0.3, 0.01, 5.0, "temperature of the logit choice among strategies",
       "McFadden 1974; bounded rationality"),
    _p("choice_w_strength", 3.38, 0.0, 10.0, "stronger states balance more", WALT + ", hypothesis 1"),
    _p("choice_w_support", 3.9, 0.0, 10.0, "likely allied support encourages balancing",
       WALT + ", hypothesis 2"),
    _p("choice_w_aggression", 2.0, 0.0, 10.0,
       "the more aggressive a power seems, the more others balance", WALT + ", hypothesis 3"),
    _p("choice_w_victory", 2.0, 0.0, 10.0, "in war, states bandwagon with the side near victory",
       WALT + ", hypothesis 4"),
    _p("choice_w_dependency", 1.5, 0.0, 10.0, "dependency on the threat discourages balancing",
       SEED002),
    _p("choice_w_commitment", 1.0, 0.0, 10.0, "existing commitments to a power favour staying with it",
       SEED002),
    _p("choice_w_decline", 1.0, 0.0, 10.0, "a declining system leader invites hedging",
       "Tessman 2012"),
    _p("choice_w_threat", 1.5, 0.0, 10.0, "a high threat pushes a state off the fence", WALT),
)

# Hedging is a portfolio of instruments, not a label (Kuik 2008; Dong 2015). Each strategy sets
# targets for the instruments toward the most threatening power T and its strongest rival R, and
# a pace: hedgers move without sharp shifts that would confront anyone (Kuik 2008; Preiherman 2017:
# Belarus never crosses Moscow's red lines). The mechanisms read only the instruments.
INSTRUMENTS = ("pace", "align_threat", "align_rival", "alliance_threat", "alliance_rival", "bases_threat",
               "bases_rival", "arming", "assurance", "binding", "trade_threat", "trade_rival")
Instrument = IntEnum("Instrument", [name.upper() for name in INSTRUMENTS], start=0)
PORTFOLIOS: dict[str, dict[str, float]] = {
    "balance": dict(pace=1.0, align_threat=0.0, align_rival=0.8, alliance_threat=0.0, alliance_rival=1.0,
                    bases_threat=0.0, bases_rival=0.5, arming=0.8, assurance=0.1, binding=0.1,
                    trade_threat=0.1, trade_rival=0.6),
    "bandwagon": dict(pace=1.0, align_threat=0.8, align_rival=0.0, alliance_threat=1.0, alliance_rival=0.0,
                      bases_threat=0.5, bases_rival=0.0, arming=0.3, assurance=0.9, binding=0.5,
                      trade_threat=0.7, trade_rival=0.1),
    "hedge": dict(pace=0.4, align_threat=0.3, align_rival=0.3, alliance_threat=0.0, alliance_rival=0.0,
                  bases_threat=0.0, bases_rival=0.0, arming=0.55, assurance=0.9, binding=0.8,
                  trade_threat=0.25, trade_rival=0.25),
}
_PORTFOLIO_SOURCES = {
    "balance": "Waltz 1979; " + WALT + " (external and internal balancing)",
    "bandwagon": "Schweller 1994; " + WALT + " (alignment, subordinate role)",
    "hedge": KUIK + "; " + SEED000 + " (Four No's); " + SEED001 + " (deterrence, assurance, cover)",
}
PARAMS += tuple(
    _p(f"{strategy}_{instrument}", value, 0.0, 1.0,
       f"{strategy} portfolio: target for {instrument.replace('_', ' ')}",
       _PORTFOLIO_SOURCES[strategy])
    for strategy, targets in PORTFOLIOS.items() for instrument, value in targets.items()
)

# The parameters ``hedgesim calibrate`` fits to the 1816-2010 record, with their prior ranges:
# narrower than the declared ranges, which bound what the model accepts, these bound what the
# theory allows (a yearly war hazard between about 1 in 20,000 and 1 in 20 at zero value; weights
# from none to a few times the unit of the terms they weigh). `hedgesim params` marks them.
CALIBRATED: dict[str, tuple[float, float]] = {
    "war_intercept": (-10.0, -3.0), "war_slope": (0.0, 10.0),
    "coercion_intercept": (-8.0, -1.0), "coercion_slope": (0.0, 10.0),
    "revisionism_weight": (0.0, 3.0), "gp_w_drift": (0.0, 8.0), "bloc_pressure": (0.0, 3.0),
    "entrapment": (0.0, 3.0), "binding_cost": (0.0, 3.0), "interdependence_cost": (0.0, 3.0),
    "assurance_effect": (0.0, 1.0), "abandonment_rate": (0.0, 0.2),
    "accession_rate": (0.02, 0.5), "choice_w_strength": (0.0, 5.0),
    "choice_w_support": (0.0, 5.0),
}

CALIBRATED_SOURCE = "value calibrated to the 1816-2010 record (hedgesim calibrate; docs/validation.md)"
PARAMS = tuple(replace(p, source=f"{p.source}; {CALIBRATED_SOURCE}") if p.name in CALIBRATED else p
               for p in PARAMS)
BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
NUMERIC = tuple(p for p in PARAMS if not p.choices)

# What the compiled step reads: every numeric parameter (floats stay floats and counts stay
# integers, so one compiled step serves every setting) and the portfolio table.
Coefficients = namedtuple("Coefficients", [*(p.name for p in NUMERIC), "portfolio"])


def odd_row(p: Param) -> str:
    """The parameter's row in docs/ODD.md's table (tests/test_docs.py keeps the two equal;
    ``python -m hedgesim.scenarios.params`` prints the table)."""
    span = " / ".join(p.choices) if p.choices else f"[{p.low:g}, {p.high:g}]"
    if p.name in CALIBRATED:
        span += "; calibrated, prior [{:g}, {:g}]".format(*CALIBRATED[p.name])
    return f"| `{p.name}` | {p.default} | {span} | {p.meaning} | {p.source} |"


class Params(dict[str, Any]):
    """Parameter values with attribute access, so scenario code reads ``p.war_slope``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as err:
            raise AttributeError(name) from err

    @classmethod
    def defaults(cls) -> Params:
        return cls({p.name: p.default for p in PARAMS})

    def coefficients(self) -> Coefficients:
        """The values as the compiled step takes them, with the [strategy, instrument] table of
        portfolio targets."""
        return _coefficients(tuple(self[name] for name in _NUMERIC_NAMES))


_NUMERIC_NAMES = tuple(p.name for p in NUMERIC)
_PORTFOLIO_AT = tuple(tuple(_NUMERIC_NAMES.index(f"{s}_{i}") for i in INSTRUMENTS)
                      for s in PORTFOLIOS)
_INTEGER = tuple(p.kind == "int" for p in NUMERIC)


@lru_cache(maxsize=256)
def _coefficients(values: tuple[Any, ...]) -> Coefficients:
    """``Params.coefficients`` of these numeric values, made once per setting: a sweep runs
    thousands of seeds of one setting, and the conversion cost a twentieth of a run. The
    portfolio table is shared: nothing writes to it."""
    numbers = [int(v) if integer else float(v) for v, integer in zip(values, _INTEGER, strict=True)]
    portfolio = np.array([[numbers[k] for k in row] for row in _PORTFOLIO_AT])
    return Coefficients(*numbers, portfolio)


if __name__ == "__main__":
    print("| parameter | default | range | meaning | source |\n|---|---|---|---|---|")
    print("\n".join(odd_row(p) for p in PARAMS))

"""The attributes a scenario may give each entity: meaning, default, range and source.

Entity attributes are parameters too: ``hedgesim run ukraine --set Russia.revisionism=0.6`` or
``--set Ukraine.trade.Russia=0.2`` address them, and sweeps vary them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STRATEGIES = ("balance", "bandwagon", "hedge")
POLICIES = ("adaptive", *STRATEGIES)
CHANNELS = ("trade", "energy", "credit")
ADAPTIVE = -1  # policy code of a state that chooses its strategy each year


def policy_code(policy: str) -> int:
    """A strategy or stance as the model's arrays hold it: its index, or ADAPTIVE."""
    return ADAPTIVE if policy == "adaptive" else STRATEGIES.index(policy)


@dataclass
class Entities:
    """A world's entities as arrays, before the model makes them a ``State``: what a concrete
    scenario's entity tables say (``model.world.entities``), or what the generic generator drew
    (``scenarios.loader.draw_generic_entities``), without the tables in between."""

    gp_names: list[str]
    names: list[str]
    partners: list[str]  # great powers, then middle powers or blocs, then the rest of the world
    gp: dict[str, np.ndarray]  # capability, growth, revisionism, resolve, openness, arming, policy
    hostility: np.ndarray  # [g, g]
    small: dict[str, np.ndarray]  # focal, capability, growth, arming, policy
    pair: dict[str, np.ndarray]  # [s, g]: proximity, regime_fear, alignment, alliance, bases, ...
    # [s, c, p] shares; the last partner's, the rest of the world's, is what the others leave
    # (``model.world.rest_of_world``, when the world is built)
    dependency: np.ndarray
    schedules: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


PAIRS = ("proximity", "regime_fear", "alignment", "alliance", "bases", "assurance", "binding",
         "grievance")


@dataclass(frozen=True)
class Field:
    """One attribute of an entity. ``per`` says what a mapping is keyed by, if it is one."""

    name: str
    default: float | str | bool
    low: float | None
    high: float | None
    meaning: str
    source: str
    per: str | None = None  # None, "great_power" or "partner" (great powers, partners)
    choices: tuple[str, ...] = ()


GREAT_POWER_FIELDS: tuple[Field, ...] = (
    Field("capability", 0.1, 1e-6, 1.0, "share of world material capability",
          "COW NMC CINC (Singer, Bremer & Stuckey 1972)"),
    Field("growth", 0.0, -0.2, 0.2, "yearly log growth of capability (power shift)",
          "COW NMC trend; Gilpin 1981"),
    Field("revisionism", 0.3, 0.0, 1.0, "how aggressive the power's intentions are",
          "Schweller 1994; Walt 1987 (perceived intentions)"),
    Field("resolve", 0.7, 0.0, 1.0, "will to fight for a protected state", "Schelling 1966"),
    Field("openness", 0.5, 0.0, 1.0, "willingness to grant alliance membership when asked",
          "E-IR 2024 (NATO's open door without a credible guarantee)"),
    Field("arming", 0.5, 0.0, 1.0, "military effort, the offensive capability others fear",
          "Walt 1987 (offensive capability)"),
    Field("stance", "adaptive", None, None,
          "toward the leading other power: adaptive, or a fixed balance/bandwagon/hedge", "Waltz 1979",
          choices=POLICIES),
    Field("hostility", 0.0, 0.0, 1.0, "initial hostility toward each other great power",
          "Thompson 2001 (strategic rivalries)", per="great_power"),
)

SMALL_STATE_FIELDS: tuple[Field, ...] = (
    Field("focal", False, None, None, "whether outcomes are reported for this state", "scenario"),
    Field("capability", 0.005, 1e-6, 1.0, "share of world material capability", "COW NMC CINC"),
    Field("growth", 0.0, -0.2, 0.2, "yearly log growth of capability", "COW NMC trend"),
    Field("arming", 0.5, 0.0, 1.0, "defence effort (0.5 is the norm)", "SIPRI milex, seeds"),
    Field("strategy", "adaptive", None, None, "adaptive, or a fixed balance/bandwagon/hedge",
          "docs/theory.md", choices=POLICIES),
    Field("proximity", 0.1, 0.0, 1.0,
          "closeness to each great power (1 land border, less across water or distance)",
          "COW Direct Contiguity v3.2", per="great_power"),
    Field("regime_fear", 0.0, 0.0, 1.0, "domestic fear of regime change sponsored by each power",
          "E-IR 2024 (Vietnam fears US regime change)", per="great_power"),
    Field("alignment", 0.0, 0.0, 1.0, "initial political-military alignment with each power",
          "ATOP v5; UNGA voting", per="great_power"),
    Field("alliance", 0.0, 0.0, 1.0, "initial formal alliance commitment with each power",
          "ATOP v5 (Leeds et al. 2002)", per="great_power"),
    Field("bases", 0.0, 0.0, 1.0, "initial foreign bases of each power on its territory",
          "seeds; public record", per="great_power"),
    Field("assurance", 0.0, 0.0, 1.0, "initial assurance signalled to each power", "Ngo 2024",
          per="great_power"),
    Field("binding", 0.0, 0.0, 1.0, "initial institutional enmeshment of each power", "Kuik 2008",
          per="great_power"),
    Field("grievance", 0.0, 0.0, 100.0,
          "each power's grievance toward the state at the start: its past disputes with it, "
          "each weighing (1 - grievance_decay)^years since",
          "GML MID 2.1 (Gibler, Miller & Little 2016); Diehl & Goertz 2000", per="great_power"),
    Field("trade", 0.0, 0.0, 1.0, "trade share with each partner (the rest is rest of world)",
          "published trade shares (docs/calibration.md)", per="partner"),
    Field("energy", 0.0, 0.0, 1.0, "energy import share from each partner", "published figures",
          per="partner"),
    Field("credit", 0.0, 0.0, 1.0, "external credit share from each partner", "published figures",
          per="partner"),
)

# The generic world's generator: its parameters, addressed as ``generic.NAME``.
GENERATOR_FIELDS: tuple[Field, ...] = (
    Field("n_great", 2, 2, 50, "number of great powers", "Waltz 1979 (polarity)"),
    Field("n_small", 20, 1, 100_000, "number of small states", "scenario design"),
    Field("n_partners", 2, 0, 20, "number of middle-power or bloc partners", "Ngo 2024"),
    Field("focal_share", 1.0, 0.0, 1.0, "share of small states reported as focal", "scenario design"),
    Field("gp_capability_mean", 0.15, 0.01, 0.5, "mean capability of a great power", "COW NMC"),
    Field("gp_growth_sd", 0.02, 0.0, 0.1, "spread of great powers' growth rates", "COW NMC"),
    Field("revisionism_mean", 0.4, 0.0, 1.0, "mean revisionism of great powers", "Schweller 1994"),
    Field("small_capability_mean", 0.005, 1e-5, 0.05, "mean capability of a small state", "COW NMC"),
    Field("border_share", 0.3, 0.0, 1.0, "chance that a small state borders a given great power",
          "COW Direct Contiguity"),
    Field("share_balance", 0.0, 0.0, 1.0, "share of non-focal small states that always balance",
          "E-IR 2024 (what happens when everyone balances)"),
    Field("share_bandwagon", 0.0, 0.0, 1.0, "share of non-focal small states that always bandwagon",
          "E-IR 2024"),
    Field("share_hedge", 0.0, 0.0, 1.0, "share of non-focal small states that always hedge "
          "(the rest choose adaptively)", "E-IR 2024"),
    Field("dependency_concentration", 1.0, 0.05, 20.0,
          "Dirichlet concentration of trade shares (low: dependent on one partner)",
          "COW Trade v4 (dispersion of partner shares)"),
)

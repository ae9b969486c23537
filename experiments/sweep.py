"""Sweep definitions: which scenario, which strategy arms, which parameters vary and how.

A sweep is TOML data (``load_sweep``) or the same data as a Python dict (``parse_sweep``)::

    [sweep]
    name = "quick"
    arms = ["balance", "bandwagon", "hedge"]   # the default
    seed = 1
    replicates = 20                             # default for every study
    ensemble = "../data/ensemble.toml"          # optional: replicate r under member r mod K

    [[study]]
    name = "generic"
    scenario = "generic"                        # a built-in name or a .toml path
    design = "grid"                             # grid | lhs | sobol | morris
    steps = 30
    regime = ["generic.revisionism_mean", "generic.border_share"]
    fixed = { "generic.n_small" = 10 }
    [study.vary]
    "generic.revisionism_mean" = [0.2, 0.5, 0.8]                      # grid levels
    "generic.border_share" = { low = 0.1, high = 0.7, levels = 3 }    # evenly spaced levels
    # a factor whose levels each set several parameters (grid only):
    population = { "all balance" = { "generic.share_balance" = 1.0 }, "adaptive" = {} }

Sampled designs (lhs, sobol, morris) take ``{ low = , high = }`` ranges and ``samples``.
Every error is one ``ScenarioError`` line naming the file, the entry and the field.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hedgesim.experiments import design
from hedgesim.experiments.engine import replicate_seed
from hedgesim.model.records import OUTCOME_NAMES
from hedgesim.scenarios.ensemble import Member, ensemble_path, read_ensemble
from hedgesim.scenarios.loader import (
    Scenario,
    ScenarioError,
    builtin_or_path,
    check_text,
    load_scenario,
    read_toml,
)
from hedgesim.scenarios.schema import POLICIES, STRATEGIES

SWEEP_FIELDS = {"name", "description", "arms", "seed", "replicates", "ensemble"}
STUDY_FIELDS = {"name", "scenario", "design", "samples", "replicates", "steps", "regime",
                "fixed", "vary"}
RANGE_FIELDS = {"low", "high", "levels"}
# Bounds on every size, checked before any work starts (docs/sweeps.md).
# The shipped sweeps, by name (``hedgesim sweep quick``): the .toml files beside this module.
BUILTIN_SWEEPS = {p.stem: p for p in Path(__file__).resolve().parent.glob("*.toml")}
MAX_REPLICATES = 100_000
MAX_STEPS = 1000  # as `hedgesim run --steps` and a scenario's steps
MAX_SAMPLES = 1 << 20
MAX_RUNS = 10_000_000
# The keys of a run's rows in a sweep's dataset (typed in experiments/runner.py), and every
# column a factor may not be named after: those, the engine's and the outcome record's.
RUN_KEYS = ("run", "study", "point", "replicate", "seed", "arm")
MEMBER = "member"  # the key of a sweep run under a parameter ensemble: the member's id
# and the columns of a regime map's table (experiments.analysis.regime_table), beside its two factors
REGIME_COLUMNS = ("metric", "best", "value", "runner_up", "lead", "lead_lo", "lead_hi", "clear", "runs")
RESERVED = {*RUN_KEYS, MEMBER, "item", "setting", "error", *OUTCOME_NAMES, *REGIME_COLUMNS}


@dataclass(frozen=True)
class Factor:
    """One varied parameter. ``values`` are grid levels; ``low``/``high`` a sampled range;
    ``levels`` maps each label of a composite factor to the overrides it stands for."""

    name: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False
    levels: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()

    @property
    def kind(self) -> str:
        """The column type of the factor in the results: "int", "float" or "str"."""
        if self.levels or any(isinstance(v, str) for v in self.values):
            return "str"
        return "int" if self.integer else "float"

    def overrides(self, value: Any) -> dict[str, Any]:
        """The scenario overrides that setting this factor to ``value`` stands for."""
        if self.levels:
            return dict(dict(self.levels)[value])
        return {self.name: value}


@dataclass(frozen=True)
class Study:
    """One scenario swept over one design; its points times its replicates are its runs."""

    name: str
    scenario: str
    design: str
    factors: tuple[Factor, ...]
    samples: int
    replicates: int
    steps: int
    fixed: tuple[tuple[str, Any], ...]
    regime: tuple[str, str] | None

    def largest_world(self) -> tuple[int, int]:
        """The most small states and great powers any of its runs has (``Scenario.world_size``
        with every factor that sets them at its highest), for the memory check."""
        scenario = load_scenario(self.scenario).with_overrides(dict(self.fixed))
        n, g = scenario.world_size()
        for f in self.factors:
            for name, value in [(f.name, f.high), *((f.name, v) for v in f.values),
                                *(item for _, overrides in f.levels for item in overrides)]:
                if name == "generic.n_small" and value is not None:
                    n = max(n, int(value))
                elif name == "generic.n_great" and value is not None:
                    g = max(g, int(value))
        return n, g

    def problem(self) -> dict[str, Any]:
        return design.problem([f.name for f in self.factors],
                              [(f.low, f.high) for f in self.factors])

    def sample(self, seed: int) -> np.ndarray:
        """The raw design matrix of a sampled design (what SALib's analyzers expect)."""
        sampler = {"lhs": design.latin_hypercube, "sobol": design.sobol,
                   "morris": design.morris}[self.design]
        return sampler(self.problem(), self.samples, seed)

    def points(self, seed: int) -> pd.DataFrame:
        """One row per design point with each factor's value (integers rounded)."""
        names = [f.name for f in self.factors]
        if self.design == "grid":
            return pd.DataFrame(design.grid([f.values for f in self.factors]), columns=names)
        frame = pd.DataFrame(self.sample(seed), columns=names)
        for f in self.factors:
            if f.integer:
                frame[f.name] = frame[f.name].round().astype(int)
        return frame


@dataclass(frozen=True)
class Run:
    """One run: a design point and a replicate, with its seed; every arm runs on that seed."""

    run: int
    study: int
    point: int
    replicate: int
    seed: int
    params: tuple[tuple[str, Any], ...]
    overrides: tuple[tuple[str, Any], ...]
    member: str = ""  # the ensemble member it runs under (replicate mod the members)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep. ``data`` is the definition as given; its digest identifies results."""

    name: str
    description: str
    arms: tuple[str, ...]
    seed: int
    studies: tuple[Study, ...]
    data: dict[str, Any]
    path: str
    members: tuple[Member, ...] = ()  # a parameter ensemble (``[sweep] ensemble``), if any
    ensemble: str = ""  # its file

    @property
    def factor_kinds(self) -> dict[str, str]:
        """Every varied factor of every study and its column type (a factor that is an integer
        in one study and a real number in another is a real number)."""
        kinds: dict[str, str] = {}
        for study in self.studies:
            for f in study.factors:
                kinds[f.name] = "float" if {kinds.get(f.name, f.kind), f.kind} == {
                    "int", "float"} else kinds.get(f.name, f.kind)
        return kinds

    def digest(self) -> str:
        """A hash of the definition and of the scenario files it uses, so a changed sweep or a
        recalibrated scenario is not mixed with old results."""
        h = hashlib.sha256(json.dumps(self.data).encode())
        for study in self.studies:
            h.update(Path(load_scenario(study.scenario).path).read_bytes())
        if self.ensemble:
            h.update(Path(self.ensemble).read_bytes())
        return h.hexdigest()

    def size(self) -> int:
        """The number of runs, without making them."""
        return sum(len(study.points(self.seed)) * study.replicates for study in self.studies)

    def runs(self) -> Iterator[Run]:
        """Every run in a fixed order (study, point, replicate), made as they are asked for, so
        that a sweep of any size holds only the runs in flight; run i gets seed i of the base
        seed's SeedSequence, whatever executes it. Under an ensemble of K members, replicate r
        runs under member r mod K: the sweep averages over the parameters' uncertainty as over
        chance, at no extra cost, and every member meets every point."""
        i = 0
        for s, study in enumerate(self.studies):
            points = study.points(self.seed)
            factors = {f.name: f for f in study.factors}
            for p, row in enumerate(points.itertuples(index=False)):
                params = tuple((name, _plain(v)) for name, v in zip(points.columns, row,
                                                                    strict=True))
                overrides: dict[str, Any] = dict(study.fixed)
                for name, value in params:
                    overrides |= factors[name].overrides(value)
                for r in range(study.replicates):
                    member = self.members[r % len(self.members)] if self.members else None
                    ours = tuple(overrides.items())
                    yield Run(i, s, p, r, replicate_seed(self.seed, i), params,
                              (*member.params.items(), *ours) if member else ours,
                              member.id if member else "")
                    i += 1


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones (for TOML-like overrides and JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def load_sweep(path: str | Path, ensemble: str | Path | None = None) -> Sweep:
    """A sweep from a TOML file; ``ensemble`` (a path from here) stands in for the file's
    ``[sweep] ensemble``, and is kept in the sweep's data, so its digest and its report say so."""
    path = builtin_or_path(path, BUILTIN_SWEEPS)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such sweep file (built-ins: "
                            f"{', '.join(sorted(BUILTIN_SWEEPS))}; or give a .toml file)")
    data = read_toml(path)
    if ensemble is not None:
        ensemble = ensemble_path(ensemble)
        if not ensemble.is_file():
            raise ScenarioError(f"--ensemble {ensemble}: no such file")
        if isinstance(data.get("sweep"), dict):  # else parse_sweep names the problem
            data["sweep"] = {**data["sweep"], "ensemble": str(ensemble.resolve())}
    return parse_sweep(data, str(path))


def parse_sweep(data: dict[str, Any], path: str = "<sweep>") -> Sweep:
    """Validate a sweep's data; scenario paths are taken relative to the sweep file."""
    for key in data:
        if key not in ("sweep", "study"):
            raise ScenarioError(f"{path}: unknown section [{key}] (allowed: sweep, study)")
    head = data.get("sweep")
    if not isinstance(head, dict):
        raise ScenarioError(f"{path}: [sweep] must be a table")
    _known(path, "[sweep]", head, SWEEP_FIELDS)
    name = check_text(path, "[sweep]", "name", _typed(path, "[sweep]", head, "name", str, None))
    arms = head.get("arms", list(STRATEGIES))
    if (not isinstance(arms, list) or not arms or not all(isinstance(a, str) for a in arms)
            or len(set(arms)) != len(arms) or any(a not in POLICIES for a in arms)):
        raise ScenarioError(f"{path}: [sweep]: field 'arms' must be a list of distinct "
                            f"strategies from {', '.join(POLICIES)}, not {arms!r}")
    seed = _typed(path, "[sweep]", head, "seed", int, 0)
    if seed < 0:
        raise ScenarioError(f"{path}: [sweep]: field 'seed' must be >= 0")
    replicates = _typed(path, "[sweep]", head, "replicates", int, 10)
    if not 1 <= replicates <= MAX_REPLICATES:
        raise ScenarioError(f"{path}: [sweep]: field 'replicates' must be between 1 and "
                            f"{MAX_REPLICATES:,}")
    entries = data.get("study")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict)
                                                               for e in entries):
        raise ScenarioError(f"{path}: needs at least one [[study]] table")
    base = Path(path).parent
    studies = tuple(_study(path, i, e, replicates, base) for i, e in enumerate(entries))
    names = [s.name for s in studies]
    if len(set(names)) != len(names):
        raise ScenarioError(f"{path}: study names must be distinct, not {names!r}")
    kinds: dict[str, set[bool]] = {}
    for study in studies:
        for f in study.factors:
            kinds.setdefault(f.name, set()).add(f.kind == "str")
    mixed = sorted(n for n, k in kinds.items() if len(k) > 1)
    if mixed:
        raise ScenarioError(f"{path}: factor {mixed[0]!r} is labelled in one study and numeric "
                            f"in another; give it one kind")
    total = sum(s.replicates * design.size(s.design, len(s.factors), s.samples,
                                           [len(f.values) for f in s.factors]) for s in studies)
    if total > MAX_RUNS:
        raise ScenarioError(f"{path}: {total:,} runs, more than the {MAX_RUNS:,} a sweep may have "
                            f"(fewer samples, levels or replicates; or split it into sweeps)")
    ensemble, members = _ensemble(path, head, studies)
    description = check_text(path, "[sweep]", "description",
                             _typed(path, "[sweep]", head, "description", str, ""))
    return Sweep(name=name, description=description,
                 arms=tuple(arms), seed=seed, studies=studies, data=data, path=path,
                 members=members, ensemble=ensemble)


def _ensemble(path: str, head: dict[str, Any], studies: tuple[Study, ...]
              ) -> tuple[str, tuple[Member, ...]]:
    """The ensemble file (relative to the sweep file) and its members, none of whose
    parameters a study also sets (which value would hold would be a guess)."""
    if "ensemble" not in head:
        return "", ()
    ref = _typed(path, "[sweep]", head, "ensemble", str, None)
    file = Path(ref) if Path(ref).is_absolute() else Path(path).parent / ref
    try:
        members = tuple(read_ensemble(file))
    except ScenarioError as err:
        raise ScenarioError(f"{path}: [sweep]: field 'ensemble': {err}") from None
    for study in studies:
        set_here = {n for n, _ in study.fixed}
        for f in study.factors:
            set_here |= {n for _, ov in f.levels for n, _ in ov} if f.levels else {f.name}
        for m in members:
            if clash := sorted(set(m.params) & set_here):
                raise ScenarioError(f"{path}: study {study.name!r}: sets {clash[0]!r}, which the "
                                    f"ensemble {ref} sets (member {m.id}); drop one")
    return str(file.resolve()), members


def _known(path: str, entry: str, table: dict[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise ScenarioError(f"{path}: {entry}: unknown field {key!r} (allowed: "
                                f"{', '.join(sorted(allowed))})")


def _typed(path: str, entry: str, table: dict[str, Any], key: str, kind: type,
           default: Any) -> Any:
    if key not in table:
        if default is None:
            raise ScenarioError(f"{path}: {entry}: missing field {key!r}")
        return default
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ScenarioError(f"{path}: {entry}: field {key!r} must be {kind.__name__}, "
                            f"not {value!r}")
    return value


def _study(path: str, index: int, data: dict[str, Any], replicates: int, base: Path) -> Study:
    label = data.get("name", f"#{index + 1}")
    entry = f"study {label!r}"
    _known(path, entry, data, STUDY_FIELDS)
    name = _typed(path, entry, data, "name", str, None)
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
        raise ScenarioError(f"{path}: {entry}: field 'name' must be 1-64 letters, digits, '_', "
                            f"'.' or '-' (it names the report's files)")
    ref = _typed(path, entry, data, "scenario", str, None)
    if ref.endswith(".toml") and not Path(ref).is_absolute():
        ref = str((base / ref).resolve())
    try:
        scenario = load_scenario(ref)
    except ScenarioError as err:
        raise ScenarioError(f"{path}: {entry}: field 'scenario': {err}") from None
    kind = _typed(path, entry, data, "design", str, "grid")
    if kind not in design.DESIGNS:
        raise ScenarioError(f"{path}: {entry}: field 'design' must be one of "
                            f"{', '.join(design.DESIGNS)}, not {kind!r}")
    samples = _typed(path, entry, data, "samples", int, 0 if kind == "grid" else None)
    reps = _typed(path, entry, data, "replicates", int, replicates)
    steps = _typed(path, entry, data, "steps", int, scenario.steps)
    for key, value, low, high in (("samples", samples, 0 if kind == "grid" else 2, MAX_SAMPLES),
                                  ("replicates", reps, 1, MAX_REPLICATES),
                                  ("steps", steps, 1, MAX_STEPS)):
        if not low <= value <= high:
            raise ScenarioError(f"{path}: {entry}: field {key!r} must be between {low} and "
                                f"{high:,}, not {value:,}")
    if kind == "sobol" and samples & (samples - 1):
        raise ScenarioError(f"{path}: {entry}: field 'samples' must be a power of two for "
                            f"design 'sobol', not {samples}")
    fixed = data.get("fixed", {})
    if not isinstance(fixed, dict):
        raise ScenarioError(f"{path}: {entry}: field 'fixed' must be a table")
    _check_overrides(path, f"{entry}: fixed", scenario, fixed)
    vary = data.get("vary", {})
    if not isinstance(vary, dict) or not vary:
        raise ScenarioError(f"{path}: {entry}: field 'vary' must be a non-empty table")
    with_fixed = scenario.with_overrides(fixed) if fixed else scenario
    for n in vary:
        if n in RESERVED or n.startswith("mean_"):
            raise ScenarioError(f"{path}: {entry}: vary {n!r}: a factor may not take the name of "
                                f"a column of the results ({', '.join(sorted(RESERVED))})")
    factors = tuple(_factor(path, f"{entry}: vary {n!r}", with_fixed, kind, n, v)
                    for n, v in vary.items())
    if kind != "grid" and len(factors) < 2:
        raise ScenarioError(f"{path}: {entry}: design {kind!r} needs at least two factors")
    for f in factors:  # a parameter set twice: which value holds would be a guess
        varied = {n for _, ov in f.levels for n, _ in ov} if f.levels else {f.name}
        if clash := sorted(varied & set(fixed)):
            raise ScenarioError(f"{path}: {entry}: {clash[0]!r} is both fixed and varied; "
                                f"drop one")
    regime = data.get("regime")
    if regime is not None:
        if (not isinstance(regime, list) or len(regime) != 2
                or not all(isinstance(r, str) for r in regime) or len(set(regime)) != 2
                or any(r not in vary for r in regime)):
            raise ScenarioError(f"{path}: {entry}: field 'regime' must name two different "
                                f"factors of 'vary', not {regime!r}")
        regime = (regime[0], regime[1])
    return Study(name=name, scenario=ref, design=kind, factors=factors, samples=samples,
                 replicates=reps, steps=steps, fixed=tuple(fixed.items()), regime=regime)


def _check_overrides(path: str, entry: str, scenario: Scenario, overrides: dict[str, Any]) -> None:
    """Apply overrides to the scenario only to validate them; errors name the sweep file."""
    try:
        scenario.with_overrides(overrides, where="")
    except ScenarioError as err:
        detail = str(err).removeprefix(f"{scenario.path}: ").strip()
        raise ScenarioError(f"{path}: {entry}: {detail}") from None


def _factor(path: str, entry: str, scenario: Scenario, kind: str, name: str,
            spec: Any) -> Factor:
    if isinstance(spec, dict) and spec and all(isinstance(v, dict) for v in spec.values()):
        if kind != "grid":
            raise ScenarioError(f"{path}: {entry}: labelled levels need design 'grid'")
        for label, overrides in spec.items():
            _check_overrides(path, f"{entry}: level {label!r}", scenario, overrides)
        return Factor(name, values=tuple(spec),
                      levels=tuple((k, tuple(v.items())) for k, v in spec.items()))
    if isinstance(spec, dict):
        _known(path, entry, spec, RANGE_FIELDS)
        low, high = spec.get("low"), spec.get("high")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                   for v in (low, high)) or low >= high:
            raise ScenarioError(f"{path}: {entry}: needs numbers low < high, not "
                                f"low={low!r}, high={high!r}")
        integer = isinstance(low, int) and isinstance(high, int)
        _check_overrides(path, entry, scenario, {name: low})
        _check_overrides(path, entry, scenario, {name: high})
        if kind != "grid":
            if "levels" in spec:
                raise ScenarioError(f"{path}: {entry}: field 'levels' is for design 'grid'")
            return Factor(name, low=float(low), high=float(high), integer=integer)
        levels = spec.get("levels")
        if not isinstance(levels, int) or isinstance(levels, bool) or levels < 2:
            raise ScenarioError(f"{path}: {entry}: a range in a grid needs levels >= 2")
        if levels > MAX_RUNS:  # checked before the levels are made
            raise ScenarioError(f"{path}: {entry}: levels = {levels:,}, more than the "
                                f"{MAX_RUNS:,} runs a sweep may have")
        values = np.linspace(low, high, levels)
        values = np.unique(values.round()).astype(int) if integer else values.round(10)
        return Factor(name, values=tuple(_plain(v) for v in values), low=low, high=high,
                      integer=integer)
    if kind != "grid":
        raise ScenarioError(f"{path}: {entry}: design {kind!r} needs a range "
                            f"{{ low = , high = }}")
    if not isinstance(spec, list) or not spec or len(set(map(repr, spec))) != len(spec):
        raise ScenarioError(f"{path}: {entry}: grid levels must be a non-empty list of distinct "
                            f"values, a range {{ low, high, levels }} or a table of labelled "
                            f"levels")
    for value in spec:
        _check_overrides(path, entry, scenario, {name: value})
    integer = all(isinstance(v, int) and not isinstance(v, bool) for v in spec)
    return Factor(name, values=tuple(spec), integer=integer)

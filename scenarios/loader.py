"""Scenario files: load, validate, override, and draw the generic world.

A scenario is TOML data and nothing else. Every problem is reported as one ``ScenarioError``
line naming the file, the entry and the field, which the command line prints with exit status 2.
"""

from __future__ import annotations

import copy
import hashlib
import math
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from hedgesim.scenarios.params import BY_NAME, CALIBRATED, PARAMS, Param, Params
from hedgesim.scenarios.schema import (
    ADAPTIVE,
    CHANNELS,
    GENERATOR_FIELDS,
    GREAT_POWER_FIELDS,
    PAIRS,
    POLICIES,
    SMALL_STATE_FIELDS,
    STRATEGIES,
    Entities,
    Field,
    policy_code,
)

BUILTIN_DIR = Path(__file__).resolve().parent
RESERVED_NAME = "rest of world"  # the last partner of every world (model/world.py)
SECTIONS = {"scenario", "params", "great_power", "partner", "small_state", "generic"}
HEADER = {"name": str, "description": str, "start_year": int, "steps": int}
HEADER_RANGE = {"start_year": (1800, 2200), "steps": (1, 1000)}


class InputError(ValueError):
    """Input that cannot be used (a file, an entry, a field, an argument, an output path); its
    message is the one line users see, naming where the problem is."""


class ScenarioError(InputError):
    """A scenario, sweep or override that cannot be used."""


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: entities as plain dicts of checked values, parameters filled in."""

    name: str
    description: str
    start_year: int
    steps: int
    params: Params
    great_powers: tuple[dict[str, Any], ...]
    partners: tuple[str, ...]
    small_states: tuple[dict[str, Any], ...]
    generic: dict[str, Any] | None = None
    path: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)

    def uncertain_ranges(self) -> dict[str, tuple[float, float]]:
        """Every judgement the scenario marks uncertain, by override name (``Russia.revisionism``),
        with its plausible range."""
        return {f"{e['name']}.{key}": bounds for e in (*self.great_powers, *self.small_states)
                for key, bounds in e.get("uncertain", {}).items()}

    def source_digest(self) -> str:
        """SHA-256 of its file: results of a changed scenario are never mixed with old ones."""
        return hashlib.sha256(Path(self.path).read_bytes()).hexdigest()

    def great_power_names(self) -> list[str]:
        """The great powers of every world it makes, in the world's order."""
        if self.generic is not None:
            return generic_names(int(self.generic["n_great"]))
        return [g["name"] for g in self.great_powers]

    def world_size(self) -> tuple[int, int]:
        """Its small states and great powers: a generic world's as drawn, a concrete one's."""
        if self.generic is not None:
            return int(self.generic["n_small"]), int(self.generic["n_great"])
        return len(self.small_states), len(self.great_powers)

    @property
    def focal_names(self) -> list[str]:
        return [s["name"] for s in self.small_states if s["focal"]]

    def with_strategy(self, strategy: str | None) -> Scenario:
        """The focal states follow ``strategy`` (None or "historical": the scenario's own)."""
        if strategy in (None, "historical"):
            return self
        if strategy not in POLICIES:
            raise ScenarioError(f"--strategy: unknown strategy {strategy!r}; "
                                f"choose from {', '.join(POLICIES)}")
        states = tuple({**s, "strategy": strategy, "schedule": []} if s["focal"] else s
                       for s in self.small_states)
        generic = {**self.generic, "focal_strategy": strategy} if self.generic else None
        return replace(self, small_states=states, generic=generic)

    def with_overrides(self, overrides: dict[str, Any], where: str = "--set") -> Scenario:
        """Set parameters and entity attributes by name (``war_slope``, ``Russia.revisionism``,
        ``Ukraine.trade.Russia``, ``generic.n_small``), validated like the file."""
        params = Params(self.params)
        gps = [copy.deepcopy(g) for g in self.great_powers]
        states = [copy.deepcopy(s) for s in self.small_states]
        generic = dict(self.generic) if self.generic is not None else None
        entities = {e["name"]: (e, GREAT_POWER_FIELDS) for e in gps}
        entities.update({e["name"]: (e, SMALL_STATE_FIELDS) for e in states})
        gp_names = [g["name"] for g in gps]
        for name, value in overrides.items():
            entry = f"{where} {name}"
            head, _, rest = name.partition(".")
            if not rest:
                params[name] = _check_param(self.path, entry, name, value)
            elif head == "generic" and generic is not None:
                spec = _field(self.path, entry, GENERATOR_FIELDS, rest)
                generic[rest] = _check_value(self.path, entry, rest, spec, value)
            elif head in entities:
                entity, fields = entities[head]
                key, _, sub = rest.partition(".")
                spec = _field(self.path, entry, fields, key)
                if spec.per:
                    keys = gp_names if spec.per == "great_power" else [*gp_names, *self.partners]
                    if sub == head:
                        keys = [k for k in keys if k != head]
                    if sub not in keys:
                        raise ScenarioError(f"{self.path}: {entry}: {key} takes one of "
                                            f"{', '.join(keys)} after the dot")
                    entity.setdefault(key, {})[sub] = _check_value(self.path, entry, key, spec,
                                                                   value)
                else:
                    entity[key] = _check_value(self.path, entry, key, spec, value)
                    if key == "strategy":
                        entity["schedule"] = []
            else:
                raise ScenarioError(f"{self.path}: {entry}: unknown parameter "
                                    f"(see `hedgesim params {self.name}`)")
        scenario = replace(self, params=params, great_powers=tuple(gps), small_states=tuple(states),
                           generic=generic, overrides={**self.overrides, **overrides})
        _check_shares(scenario)
        return scenario

    def concretise(self, rng: np.random.Generator) -> Scenario:
        """A generic scenario drawn into concrete entities; a concrete one unchanged."""
        return self if self.generic is None else draw_generic(self, rng)


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.toml"))


def builtin_or_path(name_or_path: str | Path, builtins: dict[str, Path]) -> Path:
    """A built-in file by its name (a bare word: ``ukraine``, ``quick``), else the path given,
    which is never read as a name (``../scenarios/ukraine`` is a path)."""
    path = Path(name_or_path)
    if not path.suffix and len(path.parts) == 1 and str(path) in builtins:
        return builtins[str(path)]
    return path


def scenario_path(name_or_path: str | Path) -> Path:
    """The file of a built-in scenario by name, or of a scenario file by path."""
    path = builtin_or_path(name_or_path, {p.stem: p for p in BUILTIN_DIR.glob("*.toml")})
    if not path.is_file():
        raise ScenarioError(f"{name_or_path}: no such scenario (built-ins: "
                            f"{', '.join(builtin_names())}; or give a .toml file)")
    return path


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    path = scenario_path(name_or_path)
    return parse_scenario(read_toml(path), str(path))


# A concrete world's entities, at most as many as a generic world may draw.
MAX_ENTITIES = {section: int({f.name: f.high for f in GENERATOR_FIELDS}[count])
                for section, count in (("great_power", "n_great"), ("partner", "n_partners"),
                                       ("small_state", "n_small"))}
MAX_FILE_BYTES = 1 << 20  # 1 MiB: far above any real scenario or sweep
MAX_LINE = 4096  # characters: a key nested thousands deep is refused before it is parsed


def check_text(path: str, entry: str, key: str, value: str) -> str:
    """Text that is printed back to a terminal holds no control character but newlines and tabs
    (an ESC would drive the terminal, a NUL cut the line)."""
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
        raise ScenarioError(f"{path}: {entry}: field {key!r} holds a control character")
    return value


def read_toml(path: Path) -> dict[str, Any]:
    """A scenario or sweep file's data, refused in one line if it is too large, has a line too
    long or nesting too deep to be a real one, or is not TOML (its content is never echoed)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(f"{path}: {size:,} bytes, larger than the {MAX_FILE_BYTES:,} a "
                                f"scenario or sweep file may have")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not valid TOML: not UTF-8 text") from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot be read ({err.strerror})") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE:
            raise ScenarioError(f"{path}: line {number} has {len(line):,} characters, more than "
                                f"the {MAX_LINE:,} allowed")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: not valid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML: nested too deeply") from None


def check_params(params: dict[str, Any], where: str) -> dict[str, Any]:
    """A table of model-wide parameters (a ``[params]`` file, an ensemble member), each name and
    value checked as in a scenario file; errors name ``where``."""
    for name in params:
        if name not in BY_NAME:
            raise ScenarioError(f"{where}: unknown parameter {name!r} (see `hedgesim params`)")
    probe = {"scenario": {"name": "probe", "start_year": 2000, "steps": 1}, "params": params,
             "great_power": [{"name": "A"}, {"name": "B"}],
             "small_state": [{"name": "s", "focal": True}]}
    parse_scenario(probe, where)
    return dict(params)


def parse_scenario(data: dict[str, Any], path: str) -> Scenario:
    """Validate a scenario's data; every error names the file, the entry and the field."""
    for key in data:
        if key not in SECTIONS:
            raise ScenarioError(f"{path}: unknown section [{key}] (allowed: "
                                f"{', '.join(sorted(SECTIONS))})")
    header = _table(path, "[scenario]", data.get("scenario"))
    for key in header:
        if key not in HEADER:
            raise ScenarioError(f"{path}: [scenario]: unknown field {key!r}")
    for key, kind in HEADER.items():
        if key not in header and key != "description":
            raise ScenarioError(f"{path}: [scenario]: missing field {key!r}")
        value = header.get(key, "")
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ScenarioError(f"{path}: [scenario]: field {key!r} must be {kind.__name__}")
        if isinstance(value, str):
            check_text(path, "[scenario]", key, value)
        if key in HEADER_RANGE and not HEADER_RANGE[key][0] <= value <= HEADER_RANGE[key][1]:
            low, high = HEADER_RANGE[key]
            raise ScenarioError(f"{path}: [scenario]: field {key!r} = {value} is out of range "
                                f"[{low}, {high}]")
    params = Params.defaults()
    for name, value in _table(path, "[params]", data.get("params", {})).items():
        params[name] = _check_param(path, "[params]", name, value)
    gp_list = _entries(path, data, "great_power")
    partner_list = _entries(path, data, "partner")
    for section, entries in (("great_power", gp_list), ("partner", partner_list),
                             ("small_state", _entries(path, data, "small_state"))):
        if len(entries) > MAX_ENTITIES[section]:
            raise ScenarioError(f"{path}: {len(entries):,} [[{section}]] entries, more than the "
                                f"{MAX_ENTITIES[section]:,} a world may have")
        if entries and "generic" in data:
            raise ScenarioError(f"{path}: [[{section}]] beside a [generic] table: a scenario is "
                                f"either a random world ([generic]) or a concrete one, not both")
    gp_names = [g["name"] for g in gp_list]
    partners = tuple(p["name"] for p in partner_list)
    for entry in partner_list:
        extra = set(entry) - {"name", "description"}
        if extra:
            raise ScenarioError(f"{path}: partner {entry['name']!r}: unknown field "
                                f"{sorted(extra)[0]!r}")
    state_names = [e["name"] for e in _entries(path, data, "small_state")]
    taken = {**dict.fromkeys(partners, "a partner"), **dict.fromkeys(gp_names, "a great power")}
    for kind, names in (("partner", partners), ("small_state", state_names)):
        for name in names:
            owner = taken.get(name)
            if owner and not (kind == "partner" and owner == "a partner"):
                raise ScenarioError(f"{path}: {kind} {name!r}: the name is already {owner}'s; "
                                    f"names must be unique across the scenario")
    gps = tuple(_entity(path, "great_power", e, GREAT_POWER_FIELDS, gp_names, partners)
                for e in gp_list)
    states = tuple(_entity(path, "small_state", e, SMALL_STATE_FIELDS, gp_names, partners)
                   for e in _entries(path, data, "small_state"))
    generic = None
    if "generic" in data:
        generic_data = _table(path, "[generic]", data["generic"])
        generic = {f.name: _check_value(path, "[generic]", f.name, f,
                                        generic_data.get(f.name, f.default))
                   for f in GENERATOR_FIELDS}
        for key in generic_data:
            _field(path, "[generic]", GENERATOR_FIELDS, key)
        _check_generic_shares(path, "[generic]", generic)
    elif not gps or not states:
        raise ScenarioError(f"{path}: a scenario needs at least one [[great_power]] and one "
                            f"[[small_state]] (or a [generic] table)")
    scenario = Scenario(name=header["name"], description=header.get("description", ""),
                        start_year=header["start_year"], steps=header["steps"], params=params,
                        great_powers=gps, partners=partners, small_states=states,
                        generic=generic, path=path)
    _check_shares(scenario)
    return scenario


def _table(path: str, entry: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(f"{path}: {entry} must be a table")
    return value


def _entries(path: str, data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    entries = data.get(section, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ScenarioError(f"{path}: [[{section}]] must be an array of tables")
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        name = entry.get("name")
        if (not isinstance(name, str) or not name or "." in name or not name.isprintable()
                or name != name.strip() or len(name) > 64):
            raise ScenarioError(f"{path}: {section} #{i + 1}: field 'name' must be a non-empty "
                                f"printable string of at most 64 characters, without dots or "
                                f"surrounding spaces")
        if name == RESERVED_NAME:
            raise ScenarioError(f"{path}: {section} #{i + 1}: field 'name': {name!r} is "
                                f"reserved for the rest of the world")
        if name in seen:
            raise ScenarioError(f"{path}: {section} {name!r}: the name is used twice")
        seen.add(name)
    return entries


def _field(path: str, entry: str, fields: tuple[Field, ...], key: str) -> Field:
    for f in fields:
        if f.name == key:
            return f
    raise ScenarioError(f"{path}: {entry}: unknown field {key!r} (allowed: "
                        f"{', '.join(f.name for f in fields)})")


def _check_number(path: str, entry: str, key: str, value: Any, low: float | None,
                  high: float | None, integer: bool) -> float | int:
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or (not integer and not _finite(value)):
        kind = "an integer" if integer else "a number"
        raise ScenarioError(f"{path}: {entry}: field {key!r} must be {kind}, not {shown(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ScenarioError(f"{path}: {entry}: field {key!r} = {value} is out of range "
                            f"[{low}, {high}]")
    return value if integer else float(value)


def _finite(value: float | int) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def shown(value: Any, limit: int = 60) -> str:
    """A value as an error message quotes it: escaped, and cut if long."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_param(path: str, entry: str, name: str, value: Any) -> Any:
    spec: Param | None = BY_NAME.get(name)
    if spec is None:
        raise ScenarioError(f"{path}: {entry}: unknown parameter {name!r} "
                            f"(see `hedgesim params`)")
    if spec.choices:
        if value not in spec.choices:
            raise ScenarioError(f"{path}: {entry}: field {name!r} must be one of "
                                f"{', '.join(spec.choices)}, not {shown(value)}")
        return value
    return _check_number(path, entry, name, value, spec.low, spec.high, spec.kind == "int")


def _check_value(path: str, entry: str, key: str, spec: Field, value: Any) -> Any:
    if spec.choices:
        if value not in spec.choices:
            raise ScenarioError(f"{path}: {entry}: field {key!r} must be one of "
                                f"{', '.join(spec.choices)}, not {shown(value)}")
        return value
    if isinstance(spec.default, bool):
        if not isinstance(value, bool):
            raise ScenarioError(f"{path}: {entry}: field {key!r} must be true or false")
        return value
    return _check_number(path, entry, key, value, spec.low, spec.high,
                         isinstance(spec.default, int))


def _entity(path: str, section: str, data: dict[str, Any], fields: tuple[Field, ...],
            gp_names: list[str], partners: tuple[str, ...]) -> dict[str, Any]:
    entry = f"{section} {data['name']!r}"
    entity: dict[str, Any] = {"name": data["name"], "schedule": []}
    for key, value in data.items():
        if key == "name":
            continue
        if key == "schedule" and section == "small_state":
            entity["schedule"] = _schedule(path, entry, value)
            continue
        if key == "uncertain":
            continue  # checked below, against the values it brackets
        spec = _field(path, entry, fields, key)
        if spec.per:
            keys = _keys(spec, section, data["name"], gp_names, partners)
            table = _table(path, f"{entry}: field {key!r}", value)
            for k, v in table.items():
                if k not in keys:
                    raise ScenarioError(f"{path}: {entry}: field '{key}.{k}': no such "
                                        f"{spec.per.replace('_', ' ')} here (known: "
                                        f"{', '.join(keys)})")
                _check_value(path, entry, f"{key}.{k}", spec, v)
            entity[key] = {k: float(v) for k, v in table.items()}
        else:
            entity[key] = _check_value(path, entry, key, spec, value)
    for spec in fields:
        if spec.name not in entity:
            entity[spec.name] = {} if spec.per else spec.default
    entity["uncertain"] = _uncertain(path, entry, data.get("uncertain", {}), fields, entity,
                                     lambda spec: _keys(spec, section, data["name"], gp_names,
                                                        partners))
    return entity


def _keys(spec: Field, section: str, name: str, gp_names: list[str], partners: tuple[str, ...]
          ) -> list[str]:
    """The entities a per-entity field of ``name`` may be keyed by (never a power itself)."""
    keys = gp_names if spec.per == "great_power" else [*gp_names, *partners]
    return [k for k in keys if not (spec.per == "great_power" and section == "great_power"
                                    and k == name)]


def _uncertain(path: str, entry: str, value: Any, fields: tuple[Field, ...],
               entity: dict[str, Any], keys: Callable[[Field], list[str]]
               ) -> dict[str, tuple[float, float]]:
    """``uncertain = { revisionism = [0.5, 0.95], "credit.West" = [0.1, 0.5] }``: the plausible
    range of a judgement, which the sensitivity checks move it across. Each range lies inside the
    field's declared range and brackets the value given."""
    out = {}
    for key, bounds in _table(path, f"{entry}: field 'uncertain'", value).items():
        name, _, sub = key.partition(".")
        spec = _field(path, f"{entry}: field 'uncertain'", fields, name)
        where = f"{entry}: field 'uncertain.{key}'"
        if (spec.per is None) == bool(sub) or isinstance(spec.default, str | bool):
            raise ScenarioError(f"{path}: {where}: must name a numeric field"
                                + (" and one of its keys (e.g. credit.West)" if spec.per else ""))
        if sub and sub not in keys(spec):
            raise ScenarioError(f"{path}: {where}: no such {spec.per.replace('_', ' ')} here "
                                f"(known: {', '.join(keys(spec))})")
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)):
            raise ScenarioError(f"{path}: {where}: must be [low, high], not {bounds!r}")
        low, high = (_check_number(path, where, key, b, spec.low, spec.high, False) for b in bounds)
        current = entity[name].get(sub, 0.0) if sub else entity[name]
        if not low <= current <= high:
            raise ScenarioError(f"{path}: {where}: [{low:g}, {high:g}] must bracket the value "
                                f"{current:g}")
        out[key] = (float(low), float(high))
    return out


def _schedule(path: str, entry: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ScenarioError(f"{path}: {entry}: field 'schedule' must be a non-empty array of "
                            f"{{from = YEAR, strategy = ...}}")
    steps = []
    for i, item in enumerate(value):
        where = f"{entry}: schedule #{i + 1}"
        if not isinstance(item, dict) or set(item) != {"from", "strategy"}:
            raise ScenarioError(f"{path}: {where}: needs exactly 'from' and 'strategy'")
        _check_number(path, where, "from", item["from"], 1800, 2200, True)
        if item["strategy"] not in STRATEGIES:
            raise ScenarioError(f"{path}: {where}: field 'strategy' must be one of "
                                f"{', '.join(STRATEGIES)}, not {item['strategy']!r}")
        steps.append(dict(item))
    if [s["from"] for s in steps] != sorted(s["from"] for s in steps):
        raise ScenarioError(f"{path}: {entry}: schedule years must increase")
    return steps


def _check_generic_shares(path: str, entry: str, generic: dict[str, Any]) -> None:
    total = generic["share_balance"] + generic["share_bandwagon"] + generic["share_hedge"]
    if total > 1.0 + 1e-9:
        raise ScenarioError(f"{path}: {entry}: share_balance + share_bandwagon + share_hedge = "
                            f"{total:g}, above 1 (the rest choose adaptively)")


def _check_shares(scenario: Scenario) -> None:
    """What a whole scenario must satisfy: a focal state to report on, shares that fit."""
    if scenario.small_states and not any(s["focal"] for s in scenario.small_states):
        raise ScenarioError(f"{scenario.path}: no small state is focal: set focal = true on at "
                            f"least one (outcomes are reported for the focal states)")
    if scenario.generic is not None:
        _check_generic_shares(scenario.path, "--set generic", scenario.generic)
    for state in scenario.small_states:
        for channel in CHANNELS:
            total = sum(state.get(channel, {}).values())
            if total > 1.0 + 1e-9:
                raise ScenarioError(f"{scenario.path}: small_state {state['name']!r}: field "
                                    f"{channel!r}: shares sum to {total:.3g}, above 1 (the rest "
                                    f"of the world takes what is left)")


def _clip(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """``np.clip`` without its error-state bookkeeping, which cost a fifth of drawing a world."""
    return np.minimum(np.maximum(x, low), high)


_GP_LOW = np.array([0.4, 0.2, 0.3])  # a drawn power's resolve, openness and arming
_GP_SPAN = np.array([0.9, 0.8, 0.7]) - _GP_LOW
_POLICY_BY_CUT = np.array([*(policy_code(s) for s in STRATEGIES), ADAPTIVE], dtype=np.int64)


def _rivals(n: int) -> np.ndarray:
    """Every pair of n great powers rivals at 0.5."""
    hostility = np.full((n, n), 0.5)
    np.fill_diagonal(hostility, 0.0)
    return hostility


def generic_names(n_great: int) -> list[str]:
    """A generic world's great powers: GP1, GP2, ..."""
    return [f"GP{i + 1}" for i in range(n_great)]


def draw_generic_entities(scenario: Scenario, rng: np.random.Generator) -> Entities:
    """A random world of great powers and small states from the generator's distributions, as
    arrays (the engine builds the world from them directly; ``draw_generic`` makes tables)."""
    g = scenario.generic or {}
    n_great, n_small, n_partners = g["n_great"], g["n_small"], g["n_partners"]
    gp_names = generic_names(n_great)
    partners = [f"MP{i + 1}" for i in range(n_partners)]
    cap = rng.gamma(4.0, g["gp_capability_mean"] / 4.0, n_great)
    growth = rng.normal(0.0, g["gp_growth_sd"], n_great)
    mean = min(max(g["revisionism_mean"], 0.01), 0.99)
    revisionism = rng.beta(4 * mean, 4 * (1 - mean), n_great)
    # uniform on [low, high) as rng.uniform computes it (low + span * u), without its
    # broadcasting of list bounds; rows of the transposed draw made contiguous: the compiled
    # year is typed by array layout
    resolve, openness, arming = np.ascontiguousarray(
        (_GP_LOW + _GP_SPAN * rng.random((n_great, 3))).T)
    small_cap = _clip(rng.lognormal(np.log(g["small_capability_mean"]) - 0.5, 1.0, n_small),
                      1e-6, 1.0)
    border = rng.random((n_small, n_great)) < g["border_share"]
    proximity = np.where(border, 1.0, rng.uniform(0.05, 0.5, (n_small, n_great)))
    alignment = rng.uniform(0.0, 0.3, (n_small, n_great))
    names = [*gp_names, *partners]
    shares = rng.dirichlet(np.full(len(names) + 1, g["dependency_concentration"]),
                           (n_small, len(CHANNELS)))
    focal = rng.random(n_small) < g["focal_share"]
    focal[0] = True
    u = rng.random(n_small)
    balance = g["share_balance"]
    cuts = np.array([balance, balance + g["share_bandwagon"],
                     balance + g["share_bandwagon"] + g["share_hedge"]])
    # the first share whose cumulative cut lies above u, else adaptive
    codes = _POLICY_BY_CUT[np.searchsorted(cuts, u, side="right")]
    if focal_strategy := g.get("focal_strategy"):
        codes[focal] = policy_code(focal_strategy)
    zeros = np.zeros((n_small, n_great))
    return Entities(
        gp_names=gp_names, names=[f"S{i + 1}" for i in range(n_small)],
        partners=[*names, RESERVED_NAME],
        gp={"capability": _clip(cap, 1e-6, 1.0), "growth": _clip(growth, -0.2, 0.2),
            "revisionism": revisionism, "resolve": resolve, "openness": openness,
            "arming": arming, "policy": np.full(n_great, ADAPTIVE, dtype=np.int64)},
        hostility=_rivals(n_great),
        small={"focal": focal, "capability": small_cap, "growth": np.zeros(n_small),
               "arming": np.full(n_small, 0.5), "policy": codes},
        pair={"proximity": proximity, "alignment": alignment,
              **{k: zeros.copy() for k in PAIRS if k not in ("proximity", "alignment")}},
        dependency=shares)  # the rest of the world's share is what the others leave (build_world)


def draw_generic(scenario: Scenario, rng: np.random.Generator) -> Scenario:
    """The drawn world (``draw_generic_entities``) as a concrete scenario's entity tables."""
    e = draw_generic_entities(scenario, rng)
    strategies = ["adaptive", *STRATEGIES]
    gps = tuple({
        "name": name, "capability": float(e.gp["capability"][i]),
        "growth": float(e.gp["growth"][i]), "revisionism": float(e.gp["revisionism"][i]),
        "resolve": float(e.gp["resolve"][i]), "openness": float(e.gp["openness"][i]),
        "arming": float(e.gp["arming"][i]), "stance": "adaptive",
        "hostility": {o: 0.5 for o in e.gp_names if o != name}, "schedule": [],
    } for i, name in enumerate(e.gp_names))
    named = e.partners[:-1]
    states = tuple({
        "name": name, "focal": bool(e.small["focal"][i]),
        "capability": float(e.small["capability"][i]), "growth": 0.0, "arming": 0.5,
        "strategy": strategies[int(e.small["policy"][i]) + 1],
        "proximity": dict(zip(e.gp_names, e.pair["proximity"][i].tolist(), strict=True)),
        "regime_fear": {},
        "alignment": dict(zip(e.gp_names, e.pair["alignment"][i].tolist(), strict=True)),
        "alliance": {}, "bases": {}, "assurance": {}, "binding": {}, "grievance": {}, "schedule": [],
        **{c: dict(zip(named, e.dependency[i, k, :-1].tolist(), strict=True))
           for k, c in enumerate(CHANNELS)},
    } for i, name in enumerate(e.names))
    return replace(scenario, great_powers=gps, partners=tuple(named[len(e.gp_names):]),
                   small_states=states, generic=None)


def parameter_table(scenario: Scenario) -> list[dict[str, Any]]:
    """Every parameter a scenario has, with its value here, default, range, meaning and source."""
    rows = [{"name": p.name, "value": scenario.params[p.name], "default": p.default,
             "low": p.low, "high": p.high, "choices": list(p.choices), "meaning": p.meaning,
             "source": p.source, "calibrated_prior": list(CALIBRATED.get(p.name, ())) or None}
            for p in PARAMS]
    if scenario.generic is not None:
        rows += [{"name": f"generic.{f.name}", "value": scenario.generic[f.name],
                  "default": f.default, "low": f.low, "high": f.high, "choices": [],
                  "meaning": f.meaning, "source": f.source} for f in GENERATOR_FIELDS]
    gp_names = [g["name"] for g in scenario.great_powers]
    for fields, entities in ((GREAT_POWER_FIELDS, scenario.great_powers),
                             (SMALL_STATE_FIELDS, scenario.small_states)):
        for entity in entities:
            for f in fields:
                keys = ([] if not f.per else gp_names if f.per == "great_power"
                        else [*gp_names, *scenario.partners])
                names = [(f"{entity['name']}.{f.name}.{k}", entity[f.name].get(k, 0.0))
                         for k in keys if k != entity["name"]] if f.per else [
                             (f"{entity['name']}.{f.name}", entity[f.name])]
                rows += [{"name": n, "value": v, "default": f.default, "low": f.low,
                          "high": f.high, "choices": list(f.choices), "meaning": f.meaning,
                          "source": f.source} for n, v in names]
    return rows

"""Parameter ensembles: plausible settings of the calibrated parameters, as ``hedgesim
calibrate`` writes them and ``--ensemble FILE`` reads them.

An ensemble file is TOML::

    [ensemble]
    fitted_on = "1816-2010"
    method = "history matching ..."

    [[member]]
    id = "3f2a9c0d1e4b"          # the setting's seed-independent identity (a digest of its values)
    largest_implausibility = 2.4
    [member.params]
    war_intercept = -6.1
    ...

Each member's parameters are checked against the registry as a scenario's ``[params]`` are,
and an error names the file, the member and the field.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hedgesim.scenarios.loader import ScenarioError, builtin_or_path, check_params, read_toml
from hedgesim.scenarios.params import BY_NAME

MAX_MEMBERS = 1000
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "ensemble.toml"


@dataclass(frozen=True)
class Member:
    """One plausible setting: its identity and the values it gives the calibrated parameters."""

    id: str
    params: dict[str, float]
    largest_implausibility: float


def identity(params: Mapping[str, float]) -> str:
    """A setting's seed-independent name: a digest of its values, rounded to 6 significant
    figures, so that the same setting has the same name wherever it is written."""
    text = json.dumps({k: float(f"{params[k]:.6g}") for k in sorted(params)})
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def ensemble_path(name_or_path: str | Path) -> Path:
    """An ensemble file, or the shipped one by its name, ``calibrated``."""
    return builtin_or_path(name_or_path, {"calibrated": SHIPPED})


def read_ensemble(path: str | Path) -> list[Member]:
    """The members of an ensemble file (or of ``calibrated``, the shipped one), every value
    checked (one-line ``ScenarioError``)."""
    path = ensemble_path(path)
    if not path.is_file():
        raise ScenarioError(f"--ensemble {path}: no such file")
    data = read_toml(path)
    extra = set(data) - {"ensemble", "member"}
    if extra:
        raise ScenarioError(f"{path}: unknown table(s) {sorted(extra)}; expected [ensemble] and "
                            f"[[member]]")
    members = data.get("member")
    if not isinstance(members, list) or not members:
        raise ScenarioError(f"{path}: no [[member]] entries")
    if len(members) > MAX_MEMBERS:
        raise ScenarioError(f"{path}: {len(members)} members, at most {MAX_MEMBERS}")
    out = []
    for k, member in enumerate(members, start=1):
        where = f"{path}: member #{k}"
        if not isinstance(member, dict) or not isinstance(member.get("params"), dict):
            raise ScenarioError(f"{where}: needs a [member.params] table")
        unknown = set(member) - {"id", "params", "largest_implausibility"}
        if unknown:
            raise ScenarioError(f"{where}: unknown field(s) {sorted(unknown)}")
        params = member["params"]
        for name, value in params.items():
            if name in BY_NAME and (BY_NAME[name].choices or isinstance(value, bool)
                                    or not isinstance(value, int | float)):
                raise ScenarioError(f"{where}: params: field {name!r} must be a number")
        check_params(params, f"{where}: params")
        values = {n: float(v) for n, v in params.items()}
        given = member.get("id", identity(values))
        if given != identity(values):
            raise ScenarioError(f"{where}: field 'id' {given!r} is not the identity of its "
                                f"params ({identity(values)}): the values were changed")
        imp = member.get("largest_implausibility", float("nan"))
        if isinstance(imp, bool) or not isinstance(imp, int | float):
            raise ScenarioError(f"{where}: field 'largest_implausibility' must be a number")
        out.append(Member(given, values, float(imp)))
    return out


def ensemble_toml(members: Sequence[Member], header: Mapping[str, Any]) -> str:
    """An ensemble file's text (``read_ensemble`` reads it back to the same members)."""
    lines = ["[ensemble]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in header.items()]
    for m in members:
        lines += ["", "[[member]]", f'id = "{m.id}"',
                  f"largest_implausibility = {m.largest_implausibility:.6g}", "[member.params]"]
        lines += [f"{k} = {float(f'{v:.6g}')!r}" for k, v in m.params.items()]
    return "\n".join(lines) + "\n"

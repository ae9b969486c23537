"""The code's structure, read from its imports: no import circle (type-only imports aside), and
no import that runs back up the layers scenario → model → agents → record → experiments → command line
and page. A change that breaks either fails here, before it spreads."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The folders at the top of the repository install as these packages (pyproject.toml), from the
# lowest layer up; everything else of hedgesim (the command line, the page) stands above them.
LAYERS = {"hedgesim.data": "data", "hedgesim.scenarios": "scenarios", "hedgesim.model": "model",
          "hedgesim.agents": "agents", "hedgesim.record": "record", "hedgesim.experiments": "experiments"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] in LAYERS.values():
        parts = ["hedgesim", *parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module's imports of the package's modules, at any depth of its code, except those
    under ``if TYPE_CHECKING:``."""
    files = [p for folder in (*LAYERS.values(), "hedgesim") for p in (ROOT / folder).rglob("*.py")]
    modules = {module_name(p): p for p in files}
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
        found = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hedgesim"):
                found |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules
                          else node.module for a in node.names}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("hedgesim")}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def layer(module: str) -> int:
    for rank, package in enumerate(LAYERS):
        if module == package or module.startswith(f"{package}."):
            return rank
    return len(LAYERS)


def test_no_import_runs_back_up_a_layer():
    up = sorted((a, b) for a, targets in imports().items() for b in targets if layer(b) > layer(a))
    assert not up, up


def test_no_import_circle():
    graph, state, path, circles = imports(), {}, [], []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                circles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not circles, circles

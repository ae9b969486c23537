"""hedgesim: do small states that hedge survive more often, and keep more autonomy, than those
that balance or bandwagon, and where does the answer flip?

The names below are loaded when first used, so that the command line starts without importing
the model (``hedgesim --help`` need not compile anything)."""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Executor": "hedgesim.experiments.engine", "Item": "hedgesim.experiments.engine",
    "Setting": "hedgesim.experiments.engine", "paired": "hedgesim.experiments.engine",
    "replicate_seeds": "hedgesim.experiments.engine", "run": "hedgesim.experiments.engine",
    "run_replicates": "hedgesim.experiments.engine", "HedgeModel": "hedgesim.model.model",
    "Simulation": "hedgesim.model.model", "load_scenario": "hedgesim.scenarios.loader",
}
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'hedgesim' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)

"""Scenarios: the built-in worlds, their parameters, and the loader that validates them."""

from hedgesim.scenarios.loader import Scenario, ScenarioError, builtin_names, load_scenario
from hedgesim.scenarios.params import PARAMS, Params

__all__ = ["PARAMS", "Params", "Scenario", "ScenarioError", "builtin_names", "load_scenario"]

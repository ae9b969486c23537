"""Scenarios: the built-in worlds, their parameters, and the loader that validates them."""

from scenarios.loader import Scenario, ScenarioError, builtin_names, load_scenario
from scenarios.params import PARAMS, Params

__all__ = ["PARAMS", "Params", "Scenario", "ScenarioError", "builtin_names", "load_scenario"]

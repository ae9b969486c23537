"""What the sweep's local worker server loads before it forks workers: the runner, and the
compiled model from its cache, so that every worker starts warm instead of loading it at its
first task (model/compiled.py)."""

from experiments import runner  # noqa: F401  (imported for the workers it forks)
from model.compiled import warm_up

warm_up()

"""What the engine's local worker server loads before it forks workers: the engine, the
allocator setting (``engine.tune_allocator``) and the compiled model from its cache, so that
every worker starts warm instead of loading it at its first task (model/compiled.py)."""

from experiments import engine
from model.model import warm_up

engine.tune_allocator()
warm_up()

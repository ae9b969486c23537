"""What the engine's local worker server loads before it forks workers: the engine, the
allocator setting (``engine.tune_allocator``) and the compiled model from its cache, so that
every worker starts warm instead of loading it at its first task (model/compiled.py). The
server ends with the process that started it (``processes.die_with_parent``), and so, in turn, do
its workers. Their BLAS runs on one thread: the year's matrix products are small, the workers
already use every core, and OpenBLAS's dispatch to its threads took a quarter of a run's time
at 50 great powers."""

from threadpoolctl import threadpool_limits

from hedgesim.experiments import engine
from hedgesim.experiments.processes import die_with_parent
from hedgesim.model.model import warm_up

die_with_parent()
engine.tune_allocator()
warm_up()  # loads the BLAS that the compiled year calls, which the limit then reaches
threadpool_limits(1, user_api="blas")

"""hedgesim: do small states that hedge survive more often, and keep more autonomy, than those
that balance or bandwagon, and where does the answer flip?"""

from experiments.engine import Executor, Item, Setting, paired, replicate_seeds, run, run_replicates
from model.model import HedgeModel, Simulation
from scenarios.loader import load_scenario

__all__ = ["Executor", "HedgeModel", "Item", "Setting", "Simulation", "load_scenario", "paired",
           "replicate_seeds", "run", "run_replicates"]
__version__ = "0.1.0"

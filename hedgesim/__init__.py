"""hedgesim: do small states that hedge survive more often, and keep more autonomy, than those
that balance or bandwagon, and where does the answer flip?"""

from experiments.runs import run_one, run_replicates
from model.model import HedgeModel
from scenarios.loader import load_scenario

__all__ = ["HedgeModel", "load_scenario", "run_one", "run_replicates"]
__version__ = "0.1.0"

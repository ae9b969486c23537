"""Write docs/tutorial.ipynb from the cells below (run after editing them; CI executes the
notebook: tests/test_notebook.py)."""

from pathlib import Path

import nbformat

CELLS = [
    ("markdown", """# hedgesim in twenty minutes

A walk from one run of the model to a sweep, a figure, the Ukraine–Vietnam counterfactual and
the calibrated ensemble. Run it top to bottom (about two minutes after the model is compiled;
the first import compiles it, about two minutes, once).

hedgesim asks how small states survive between rival great powers: by **balancing** (aligning
with the rival of the power that threatens them), **bandwagoning** (aligning with that power) or
**hedging** (keeping ties with both). Strategies act only through the instruments they set;
outcomes emerge from the mechanisms (docs/ODD.md)."""),
    ("markdown", """## 1. One run of the Mesa model

`HedgeModel` is a Mesa model: agents with methods named for what a state does, a
`datacollector`, and `rng` as Mesa takes it. Vietnam from 2007, hedging between China and the
USA:"""),
    ("code", """from hedgesim import HedgeModel
from hedgesim.agents import SmallState

model = HedgeModel("vietnam", strategy="hedge", rng=0).run()
vietnam = model.small_states[0]
print("strategy:", vietnam.strategy, "| autonomy at the end:", round(float(vietnam.autonomy), 3))
series = model.datacollector.get_agenttype_vars_dataframe(SmallState)  # per year and state
series.head()"""),
    ("markdown", """## 2. Many runs, on paired seeds

One run is one draw of chance. `run_replicates` runs a setting on many seeds through the engine
every command uses; each replicate's seed comes from the base seed (numpy `SeedSequence`), so
the same call gives the same table. *survived*: neither conquered nor absorbed; *attacked*: at
war at least once; *autonomy_mean*: autonomy averaged over the years."""),
    ("code", """from hedgesim import Executor, run_replicates

with Executor("serial", 1) as serial:
    ukraine = {arm: run_replicates("ukraine", replicates=200, seed=0, strategy=arm,
                                   executor=serial).outcomes
               for arm in ("balance", "bandwagon", "hedge")}
{arm: out[["survived", "attacked", "autonomy_mean"]].mean().round(3).to_dict()
 for arm, out in ukraine.items()}"""),
    ("markdown", """Because every arm ran on the same seeds, the arms can be compared run by run (a
*paired* difference), which is far more precise than comparing two averages:"""),
    ("code", """from hedgesim.experiments.stats import bootstrap_ci

diff = (ukraine["hedge"]["attacked"].to_numpy(float) - ukraine["balance"]["attacked"].to_numpy(float))
lo, hi = bootstrap_ci(diff, seed=0)
print(f"P(war | hedge) - P(war | balance) = {diff.mean():+.3f}  [95% CI {lo:+.3f}, {hi:+.3f}]")"""),
    ("markdown", """## 3. A small sweep

A sweep varies parameters over a design and runs every strategy arm at every point. Here the
great powers' revisionism and how many small states border them, in small generic worlds, with
the built-in `quick` sweep (the same file `hedgesim sweep quick` runs)."""),
    ("code", """import tempfile
from pathlib import Path

from hedgesim.experiments.runner import load_results, run_sweep
from hedgesim.experiments.sweep import load_sweep

sweep = load_sweep("quick")
out = Path(tempfile.mkdtemp()) / "quick"
with Executor("serial", 1) as serial:
    run_sweep(sweep, out, serial)
runs = load_results(out)
runs.groupby("arm")[["survived", "attacked", "autonomy_mean"]].mean().round(3)"""),
    ("markdown", """## 4. A figure

Survival by arm across the revisionism of the great powers, with the share of runs as the
estimate (the sweep's report, `hedgesim analyze`, adds intervals, regime maps and scenario
discovery):"""),
    ("code", """from matplotlib.figure import Figure

from hedgesim.experiments.style import COLOURS, LINESTYLES

by = runs.groupby(["generic.revisionism_mean", "arm"])["survived"].mean().unstack()
fig = Figure(figsize=(5, 3.2))
ax = fig.subplots()
for arm in by:
    ax.plot(by.index, by[arm], label=arm, color=COLOURS[arm], linestyle=LINESTYLES[arm], marker="o")
ax.set_xlabel("great powers' mean revisionism")
ax.set_ylabel("share of small states surviving")
ax.legend()
fig"""),
    ("markdown", """## 5. The Ukraine–Vietnam counterfactual

An essay in *E-International Relations* (2024) argues that Ukraine's balancing brought war while
Vietnam's hedging kept the peace. The counterfactual runs both cases under every strategy on
the same seeds, judges the essay's five claims against criteria fixed before the runs, and
splits each case's gap in war probability into strategy and structure (a Shapley
decomposition). 100 replicates here (`hedgesim counterfactual` runs 1000):"""),
    ("code", """from hedgesim.experiments.counterfactual import run_counterfactual

with Executor("serial", 1) as serial:
    result = run_counterfactual(100, seed=0, executor=serial)
for claim in result.claims:
    print(f"claim {claim.number} ({claim.text}): {claim.verdict}")
result.summary[["scenario", "strategy", "attacked", "attacked_lo", "attacked_hi"]].round(3)"""),
    ("markdown", """## 6. The calibrated ensemble: parameter uncertainty

The calibration to the 1816–2010 record (`hedgesim calibrate`) leaves a set of parameter
settings the record does not rule out, not one. Running a case under each shows how much the
answer depends on parameters the record cannot pin down, beside the Monte Carlo error of one
setting:"""),
    ("code", """from hedgesim import Setting, paired, replicate_seeds, run
from hedgesim.scenarios.ensemble import SHIPPED, read_ensemble

members = read_ensemble(SHIPPED)
settings = [Setting.of("ukraine", "historical", m.params) for m in members]
with Executor("serial", 1) as serial:
    records = run(paired(settings, replicate_seeds(0, 100)), serial)
war = records.outcomes.groupby("setting")["attacked"].mean()
print(f"Ukraine's P(war) on its historical path across {len(members)} settings: "
      f"{war.min():.2f} to {war.max():.2f} (each from 100 runs)")"""),
    ("markdown", """## Where next

- `docs/ODD.md`: every mechanism with its equation and source; `hedgesim params ukraine` lists
  every parameter.
- `docs/validation.md`: how the model fares against the 1816–2010 record, and what it cannot do
  yet (it does not tell *which* small states get attacked better than a constant forecast).
- `hedgesim viz`: the interactive page."""),
]


def main() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(text) if kind == "markdown"
                else nbformat.v4.new_code_cell(text) for kind, text in CELLS]
    for k, cell in enumerate(nb.cells):  # stable ids: the same cells give the same file
        cell["id"] = f"cell-{k:02d}"
    path = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"
    nbformat.write(nb, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

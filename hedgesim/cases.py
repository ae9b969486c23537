"""``hedgesim counterfactual`` and ``hedgesim tessman``: E-IR 2024's counterfactual and Tessman's
test of hedging from the command line, through the engine."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hedgesim.cli import add_executor_options, check_counts, check_out, executor_from, out_dir
from hedgesim.scenarios.loader import load_scenario
from hedgesim.scenarios.schema import POLICIES

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_REPLICATES = 1000
DEFAULT_TESSMAN_REPLICATES = 100
MAX_REPLICATES = 100_000


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "counterfactual", help="Ukraine (war) vs Vietnam (peace): strategy or structure?",
        description="Run the ukraine and vietnam scenarios under their historical strategy and "
                    "each fixed strategy on paired seeds, decompose the war gap into strategy "
                    "and structure, and judge E-IR 2024's claims (report.md in --out).")
    p.add_argument("--replicates", type=int, default=DEFAULT_REPLICATES,
                   help=f"paired runs per arm (default {DEFAULT_REPLICATES}); the decomposition "
                        f"and sensitivity check use a quarter of them")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument("--out", type=out_dir, default=Path("counterfactual-results"),
                   help="output directory (default counterfactual-results/)")
    p.add_argument("--ensemble", type=Path, metavar="FILE",
                   help="also run the strategy arms under every member of a parameter ensemble "
                        "(`calibrated`: the shipped data/ensemble.toml) on a quarter of the "
                        "replicates, and judge each claim under each member")
    add_executor_options(p)
    p.set_defaults(handler=counterfactual_command)

    t = subparsers.add_parser(
        "tessman", help="Tessman's three filters for strategic hedging on simulated behaviour",
        description="Simulate SCENARIO and apply Tessman's filters (Preiherman 2017, figure 1) to each "
                    "focal state's yearly behaviour; report the share of runs passing each "
                    "filter with the median evidence.")
    t.add_argument("scenario", metavar="SCENARIO", help="built-in scenario name or .toml path")
    t.add_argument("--strategy", action="append", metavar="STRATEGY",
                   help="historical (the scenario's own, default) or one of "
                        f"{', '.join(POLICIES)}; repeat to compare")
    t.add_argument("--replicates", type=int, default=DEFAULT_TESSMAN_REPLICATES,
                   help=f"runs per strategy (default {DEFAULT_TESSMAN_REPLICATES})")
    t.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    t.add_argument("--ensemble", type=Path, metavar="FILE",
                   help="run every strategy under every member of a parameter ensemble "
                        "(`calibrated`: the shipped data/ensemble.toml) on the same seeds, and "
                        "report the spread of each filter's pass rate across members beside the "
                        "pooled figures")
    add_executor_options(t)
    t.add_argument("--json", action="store_true", help="print JSON records instead of a table")
    t.set_defaults(handler=tessman_command)



def counterfactual_command(args: argparse.Namespace) -> int:
    from hedgesim.experiments.counterfactual import run_counterfactual
    from hedgesim.experiments.counterfactual_report import write_counterfactual
    from hedgesim.scenarios.ensemble import read_ensemble

    check_counts(args, MAX_REPLICATES)
    members = read_ensemble(args.ensemble) if args.ensemble is not None else []
    check_out(args.out, owner="counterfactual")
    result = run_counterfactual(args.replicates, args.seed, executor_from(args), members)
    write_counterfactual(result, args.out)
    for claim in result.claims:
        print(f"claim {claim.number} ({claim.text}): {claim.verdict}")
    if result.ensemble_claims is not None:
        for r in result.ensemble_claims.itertuples(index=False):
            print(f"  under the ensemble, claim {r.claim}: reproduced in {r.reproduced}, "
                  f"contradicted in {r.contradicted}, inconclusive in {r.inconclusive} of "
                  f"{len(members)} members")
    print(f"wrote {args.out}/report.md, summary.csv, decomposition.csv and figures")
    return 0


def tessman_command(args: argparse.Namespace) -> int:
    from hedgesim.experiments.engine import replicate_seeds
    from hedgesim.experiments.tessman import MIN_YEARS, tessman_runs, tessman_summary
    from hedgesim.scenarios.ensemble import read_ensemble

    check_counts(args, MAX_REPLICATES)
    spec = load_scenario(args.scenario)
    strategies = list(dict.fromkeys(args.strategy or ["historical"]))
    for strategy in strategies:
        spec.with_strategy(strategy)  # one-line error for an unknown strategy
    members = read_ensemble(args.ensemble) if args.ensemble is not None else []
    seeds = replicate_seeds(args.seed, args.replicates)
    rows = tessman_runs(args.scenario, strategies, seeds, executor_from(args), members)
    summary = tessman_summary(rows.drop(columns="member", errors="ignore"))
    spread = tessman_summary(rows) if members else None
    if args.json:
        records = json.loads(summary.to_json(orient="records", double_precision=6))
        if spread is not None:
            per_member = json.loads(spread.to_json(orient="records", double_precision=6))
            print(json.dumps({"pooled": records, "by_member": per_member}, indent=2))
        else:
            print(json.dumps(records, indent=2))
        return 0
    for r in summary.itertuples(index=False):
        row = r._asdict()
        print(f"{row['state']} under {row['strategy']} (leader {row['leader']}, "
              f"{row['replicates']} runs): strategic hedger in {_pct(row['share_hedger'])}")
        for i, name in enumerate(("copes without / competes with the leader",
                                  "avoids direct confrontation", "sustained line"), start=1):
            evidence = ", ".join(f"{k.removeprefix(f'median_f{i}_')} {_num(v)}"
                                 for k, v in row.items() if k.startswith(f"median_f{i}_")
                                 and not np.isnan(v))
            print(f"  filter {i} ({name}): passed in {_pct(row[f'share_filter_{i}'])}; "
                  f"median {evidence}")
        if row["runs_too_short"]:
            print(f"  {row['runs_too_short']} run(s) ended within {MIN_YEARS} years: too short to "
                  f"show a sustained line (counted as failing every filter)")
        if spread is not None:
            mine = spread[(spread["strategy"] == row["strategy"]) & (spread["state"] == row["state"])]
            shares = ", ".join(f"filter {i} {_span(mine[f'share_filter_{i}'])}" for i in (1, 2, 3))
            print(f"  across the {len(mine)} members of {args.ensemble} ({args.replicates} runs "
                  f"each, same seeds): strategic hedger in {_span(mine['share_hedger'])}; {shares}")
    return 0


def _span(shares: pd.Series) -> str:
    """The range of a share across ensemble members, with its median."""
    return f"{_pct(shares.min())}–{_pct(shares.max())} (median {_pct(shares.median())})"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _num(x: float) -> str:
    return f"{x:.3g}"

"""``hedgesim validate``: the model held against the 1816-2010 record (docs/validation.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hedgesim.cli import UsageError, add_executor_options, check_out, executor_from, out_dir
from hedgesim.scenarios.loader import ScenarioError, check_params, read_toml

MAX_REPLICATES = 1000


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="hold the model against the 1816-2010 record: patterns "
                                        "by alignment class and a hindcast of real dyad-years",
                       description="Build the world of every window's start year from its "
                                   "observables, run it, and compare the model's onset rates by "
                                   "alignment class with the record's; score the model's "
                                   "predicted probabilities of force and war against what "
                                   "happened, beside simple baselines.")
    p.add_argument("--params", type=Path, default=None, metavar="FILE",
                   help="a TOML file with a [params] table of model-wide parameters to use")
    p.add_argument("--replicates", type=int, default=20, help="runs per window (default 20)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument("--window", type=int, default=5, help="years per window (default 5)")
    p.add_argument("--out", type=out_dir, default=Path("validation-results"),
                   help="where to write report.md, the tables and the figure")
    p.add_argument("--ablate", action="store_true",
                   help="also switch each mechanism off in turn and report what it does to the "
                        "log score and AUC of the forecasts (ablation.csv)")
    add_executor_options(p)
    p.set_defaults(handler=validate_command)


def read_params(path: Path) -> dict[str, Any]:
    """A [params] table of model-wide parameters, each checked against the registry."""
    if not path.is_file():
        raise UsageError(f"--params {path}: no such file")
    data = read_toml(path)
    extra = set(data) - {"params"}
    if extra or not isinstance(data.get("params"), dict):
        raise ScenarioError(f"{path}: expected one [params] table, not {sorted(data) or 'nothing'}")
    return check_params(data["params"], f"{path}: [params]")


def validate_command(args: argparse.Namespace) -> int:
    from hedgesim.experiments.validate import validate
    from hedgesim.experiments.validate_report import SCORE_COLUMNS, formatted_scores, write_validation

    if not 1 <= args.replicates <= MAX_REPLICATES:
        raise UsageError(f"--replicates {args.replicates}: must be between 1 and {MAX_REPLICATES}")
    if not 1 <= args.window <= 20:
        raise UsageError(f"--window {args.window}: must be between 1 and 20")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be zero or positive")
    check_out(args.out, owner="validate")
    overrides = read_params(args.params) if args.params else {}
    result = validate(overrides, replicates=args.replicates, seed=args.seed, window=args.window,
                      executor=executor_from(args))
    p = result.patterns
    print("onsets per 100 dyad-years by alignment class: record [95% CI] and model")
    for _, r in p.iterrows():
        print(f"  {r['alignment']:>11s}  force {r['record_force_rate']:5.2f} "
              f"[{r['record_force_lo']:.2f}, {r['record_force_hi']:.2f}] model "
              f"{r['model_force_rate']:5.2f} {'inside' if r['force_inside'] else 'OUTSIDE'}   "
              f"war {r['record_war_rate']:5.2f} [{r['record_war_lo']:.2f}, "
              f"{r['record_war_hi']:.2f}] model {r['model_war_rate']:5.2f} "
              f"{'inside' if r['war_inside'] else 'OUTSIDE'}")
    print("\nthe same by era")
    for _, r in result.patterns_by_era.iterrows():
        print(f"  {r['era']} {r['alignment']:>11s}  force {r['record_force_rate']:5.2f} "
              f"[{r['record_force_lo']:.2f}, {r['record_force_hi']:.2f}] model "
              f"{r['model_force_rate']:5.2f} {'inside' if r['force_inside'] else 'OUTSIDE'}   "
              f"war {r['record_war_rate']:5.2f} [{r['record_war_lo']:.2f}, "
              f"{r['record_war_hi']:.2f}] model {r['model_war_rate']:5.2f} "
              f"{'inside' if r['war_inside'] else 'OUTSIDE'}")
    print("\nwho attacks: the share of attacks on minors started by a contiguous major, record "
          "[95% CI] (events) and model (events)")
    for _, r in result.attackers.iterrows():
        print(f"  {r['era']} {r['outcome']:>5s}  {r['record_share']:.2f} [{r['record_lo']:.2f}, "
              f"{r['record_hi']:.2f}] ({r['record_events']})  model {r['model_share']:.2f} "
              f"({r['model_events']}) {'inside' if r['inside'] else 'OUTSIDE'}")
    print("\nhindcast, proper scores [95% CI, bootstrap over dyads]; baselines fitted on "
          "1816-1945 (fit: where that is in-sample)")
    table = formatted_scores(result.scores)[SCORE_COLUMNS]
    print(table.to_string(index=False))
    write_validation(result, args.out)
    if args.ablate:
        from hedgesim.experiments.ablation import ablate
        from hedgesim.experiments.report import write_csv

        table = ablate(overrides, replicates=args.replicates, seed=args.seed,
                       executor=executor_from(args))
        write_csv(args.out / "ablation.csv", table)
        print("\nablation: each mechanism switched off in turn, the change of the model's log "
              "score (above 0: worse without it) and AUC (below 0: worse without it)")
        shown = table.assign(d_log_score=table["d_log_score"].map("{:+.4f}".format),
                             d_auc=table["d_auc"].map("{:+.3f}".format))
        wide = shown.pivot_table(index="switched_off", columns=["era", "outcome"],
                                 values=["d_log_score", "d_auc"], aggfunc="first", sort=False)
        print(wide.to_string())
    print(f"\nwrote {args.out}/report.md, the tables (CSV) and validation.png/.svg")
    return 0

"""``hedgesim walt``: Walt's four hypotheses as designed experiments on the calibrated model,
beside the record's relation (experiments/walt.py, docs/validation.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from hedgesim.cli import add_executor_options, check_counts, check_out, executor_from, out_dir

MAX_REPLICATES = 10_000


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "walt", help="Walt's four hypotheses tested on the calibrated model and in the record",
        description="For each of Walt's hypotheses, run generic worlds of adaptive small states "
                    "with one input low and high on the same seeds and report the paired effect "
                    "on the share that balances (or bandwagons) with a bootstrap interval; "
                    "beside it, the same relation in the 1816-2010 panel where the record can "
                    "speak.")
    p.add_argument("--replicates", type=int, default=200,
                   help="paired runs per level (default 200)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument("--out", type=out_dir, default=Path("walt-results"),
                   help="where walt.csv and report.md go (default walt-results/)")
    add_executor_options(p)
    p.set_defaults(handler=walt_command)


def walt_command(args: argparse.Namespace) -> int:
    from hedgesim.experiments.walt import walt
    from hedgesim.experiments.walt_report import write_walt

    check_counts(args, MAX_REPLICATES)
    check_out(args.out, owner="walt")
    table = walt(args.replicates, args.seed, executor_from(args))
    for r in table.itertuples(index=False):
        record = ("record: no relation at this resolution" if r.record_term == "–" else
                  f"record: {r.record_term} {r.record_coef:+.3f} [{r.record_lo:+.3f}, "
                  f"{r.record_hi:+.3f}] ({r.record_verdict})")
        print(f"{r.hypothesis}. {r.text}\n   model: {r.outcome}, {r.contrast}: "
              f"{r.effect:+.3f} [{r.effect_lo:+.3f}, {r.effect_hi:+.3f}] ({r.model_verdict})"
              f"\n   {record}")
    write_walt(table, args.out, args.replicates, args.seed)
    print(f"wrote {args.out}/report.md and walt.csv")
    return 0

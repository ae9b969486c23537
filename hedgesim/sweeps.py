"""``hedgesim sweep`` and ``hedgesim analyze``: run a sweep into a directory (or one shard of it),
and report on it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hedgesim.cli import add_executor_options, check_out, executor_from, out_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    sweep = sub.add_parser("sweep", help="run a parameter sweep (resumable) and report on it",
                           description="Run every strategy arm over a sweep's design points "
                                       "and replicates; results stream to DIR/runs/ (Parquet). "
                                       "Rerun the same command to resume.")
    sweep.add_argument("sweep", help="a sweep file (.toml) or a built-in sweep: quick, full or population")
    sweep.add_argument("--out", type=out_dir, required=True, metavar="DIR", help="results directory")
    add_executor_options(sweep)
    sweep.add_argument("--shard", metavar="I/N", default=None,
                       help="run only shard I of N (0 <= I < N), e.g. a Slurm array's "
                            "$SLURM_ARRAY_TASK_ID/N; then `hedgesim analyze` the union")
    sweep.add_argument("--ensemble", type=Path, metavar="FILE", default=None,
                       help="run under a parameter ensemble (hedgesim calibrate's "
                            "ensemble.toml, or `calibrated`: the shipped one): replicate r under member "
                            "r mod K, as the sweep file's [sweep] ensemble = FILE would")
    sweep.add_argument("--no-report", action="store_true", help="skip the analysis at the end")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(handler=sweep_command)

    analyze = sub.add_parser("analyze", help="write DIR/report/ from a sweep's results",
                             description="Tables (CSV), figures (PNG, SVG) and report.md, in the "
                                         "first DIR; several DIRs are the shards of one sweep.")
    analyze.add_argument("dirs", nargs="+", metavar="DIR",
                         help="directories written by `hedgesim sweep` (the same sweep)")
    analyze.set_defaults(handler=analyze_command)


def sweep_command(args: argparse.Namespace) -> int:
    from hedgesim.experiments.runner import parse_shard, run_sweep
    from hedgesim.experiments.sweep import load_sweep

    check_out(Path(args.out))
    sweep = load_sweep(args.sweep, ensemble=args.ensemble)
    shard = parse_shard(args.shard) if args.shard else (0, 1)
    executor = executor_from(args, progress=not args.quiet)
    result = run_sweep(sweep, args.out, executor, shard=shard)
    for part in result.damaged:
        print(f"hedgesim: {part}: damaged, removed and run again", file=sys.stderr)
    where = f" (shard {shard[0]}/{shard[1]})" if args.shard else ""
    print(f"{result.total} runs in {args.out}{where} ({result.skipped} already done before)")
    if args.shard:
        print(f"when every shard is done: hedgesim analyze {args.out} (or the shards' DIRs)")
    elif not args.no_report:
        print(f"report: {_report([Path(args.out)])}")
    if result.failed:
        runs = sorted({run for run, _, _ in result.failed})
        print(f"hedgesim: {len(runs)} run(s) failed (first: run {result.failed[0][0]}, "
              f"{result.failed[0][2]}); see {args.out}/report/failures.csv", file=sys.stderr)
        return 1
    return 0


def analyze_command(args: argparse.Namespace) -> int:
    print(f"report: {_report([Path(d) for d in args.dirs])}")
    return 0


def _report(dirs: list[Path]) -> Path:
    from hedgesim.experiments.runner import load_manifest, load_results
    from hedgesim.experiments.sweep import parse_sweep
    from hedgesim.experiments.sweep_report import write_report

    manifest = load_manifest(*dirs)
    sweep = parse_sweep(manifest["sweep"], manifest["path"])
    results = load_results(*dirs)
    if (done := results["run"].nunique()) < sweep.size():
        print(f"hedgesim: incomplete: {done:,} of {sweep.size():,} runs on disk; the report says "
              f"so (rerun the same `hedgesim sweep` to finish)", file=sys.stderr)
    return write_report(results, sweep, dirs[0])

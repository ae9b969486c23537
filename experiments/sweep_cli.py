"""``hedgesim sweep`` and ``hedgesim analyze``: run a sweep into a directory, and report on it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.runner import EXECUTORS, load_manifest, load_results, run_sweep
from experiments.sweep import load_sweep, parse_sweep


def add_parser(sub: argparse._SubParsersAction) -> None:
    sweep = sub.add_parser("sweep", help="run a parameter sweep (resumable) and report on it",
                           description="Run every strategy arm over a sweep's design points "
                                       "and replicates; results stream to DIR/runs/ (Parquet). "
                                       "Rerun the same command to resume.")
    sweep.add_argument("sweep", help="sweep definition (.toml), e.g. experiments/quick.toml")
    sweep.add_argument("--out", required=True, metavar="DIR", help="results directory")
    sweep.add_argument("--workers", type=int, default=None, metavar="N",
                       help="worker processes (default: all cores)")
    sweep.add_argument("--executor", choices=EXECUTORS, default=None,
                       help="local processes (default) or Dask distributed")
    sweep.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="a running Dask scheduler, e.g. tcp://host:8786 (implies dask; "
                            "default: an in-process LocalCluster)")
    sweep.add_argument("--no-report", action="store_true", help="skip the analysis at the end")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(handler=sweep_command)

    analyze = sub.add_parser("analyze", help="write DIR/report/ from a sweep's results",
                             description="Tables (CSV), figures (PNG, SVG) and report.md.")
    analyze.add_argument("dir", metavar="DIR", help="a directory written by `hedgesim sweep`")
    analyze.set_defaults(handler=analyze_command)


def sweep_command(args: argparse.Namespace) -> int:
    sweep = load_sweep(args.sweep)
    executor = args.executor or ("dask" if args.scheduler else "local")
    result = run_sweep(sweep, args.out, executor=executor, workers=args.workers,
                       scheduler=args.scheduler, progress=not args.quiet)
    print(f"{result.total} runs in {args.out} ({result.skipped} already done before)")
    if not args.no_report:
        print(f"report: {_report(Path(args.out))}")
    if result.failed:
        runs = sorted({run for run, _, _ in result.failed})
        print(f"hedgesim: {len(runs)} run(s) failed (first: run {result.failed[0][0]}, "
              f"{result.failed[0][2]}); see {args.out}/report/failures.csv", file=sys.stderr)
        return 1
    return 0


def analyze_command(args: argparse.Namespace) -> int:
    print(f"report: {_report(Path(args.dir))}")
    return 0


def _report(out: Path) -> Path:
    from experiments.report import write_report

    manifest = load_manifest(out)
    sweep = parse_sweep(manifest["sweep"], manifest["path"])
    return write_report(load_results(out), sweep, out)

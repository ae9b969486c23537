"""``hedgesim calibrate``: history matching of the uncertain parameters to the record
(docs/validation.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hedgesim.cli import UsageError, add_executor_options, check_out, executor_from, out_dir

MAX_WAVES, MAX_POINTS, MAX_REPLICATES, MAX_TRUTHS = 10, 4096, 100, 1000
# experiments.calibrate's defaults, named here so that building the parser imports nothing heavy
# (tests/test_calibrate.py checks they agree)
WAVES, POINTS, REPLICATES = 3, 128, 6


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate", help="fit the uncertain parameters to the 1816-2010 record (history "
                          "matching), test out of sample, write the ensemble",
        description="History matching: waves of Sobol designs over the priors of the "
                    "parameters `hedgesim params` marks as calibrated, each setting run on the "
                    "historical worlds and ruled out where its implausibility against the "
                    "record's patterns exceeds 3. Fits on 1816-1945 and tests on 1946-2010, "
                    "then refits on every year. Resumes an interrupted run in --out.")
    p.add_argument("--waves", type=int, default=WAVES, help=f"waves (default {WAVES})")
    p.add_argument("--points", type=int, default=POINTS,
                   help=f"settings per wave, a power of two (default {POINTS})")
    p.add_argument("--replicates", type=int, default=REPLICATES,
                   help=f"runs per window and setting (default {REPLICATES})")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument("--out", type=out_dir, default=Path("calibration-results"),
                   help="where evaluations, ensemble.toml, calibrated.toml and report.md go "
                        "(default calibration-results/)")
    p.add_argument("--prior", action="append", default=[], metavar="NAME=LOW:HIGH",
                   help="also fit NAME over [LOW, HIGH] (or refit a calibrated one over another "
                        "range): to try a revision's parameter jointly with the rest; repeatable")
    p.add_argument("--recover", type=int, default=0, metavar="N",
                   help="instead of fitting the record: parameter recovery on N synthetic "
                        "records made from known settings (1816-1945 worlds), each fitted at "
                        "--waves/--points/--replicates; writes recovery.csv and recovery.md")
    add_executor_options(p)
    p.set_defaults(handler=calibrate_command)


def parse_priors(items: list[str]) -> dict[str, tuple[float, float]]:
    """The calibrated parameters' priors, with ``NAME=LOW:HIGH`` items added or replacing
    theirs; each checked against the registry's declared range."""
    from hedgesim.scenarios.params import BY_NAME, CALIBRATED

    priors = dict(CALIBRATED)
    for item in items:
        name, sep, span = item.partition("=")
        low, colon, high = span.partition(":")
        try:
            bounds = (float(low), float(high)) if sep and colon else None
        except ValueError:
            bounds = None
        if bounds is None:
            raise UsageError(f"--prior {item}: expected NAME=LOW:HIGH with two numbers")
        param = BY_NAME.get(name)
        if param is None or param.choices or param.kind != "float":
            raise UsageError(f"--prior {item}: {name!r} is not a continuous parameter "
                             f"(see hedgesim params); history matching fits real numbers")
        if not bounds[0] < bounds[1]:
            raise UsageError(f"--prior {item}: LOW must be below HIGH")
        if bounds[0] < param.low or bounds[1] > param.high:
            raise UsageError(f"--prior {item}: outside {name}'s declared range "
                             f"[{param.low:g}, {param.high:g}]")
        priors[name] = bounds
    return priors


def calibrate_command(args: argparse.Namespace) -> int:
    from hedgesim.experiments.calibrate import calibrate
    from hedgesim.experiments.calibrate_report import write_calibration

    for flag, value, top in (("--waves", args.waves, MAX_WAVES),
                             ("--points", args.points, MAX_POINTS),
                             ("--replicates", args.replicates, MAX_REPLICATES)):
        if not 1 <= value <= top:
            raise UsageError(f"{flag} {value}: must be between 1 and {top}")
    if args.points & (args.points - 1) or args.points < 2:
        raise UsageError(f"--points {args.points}: must be a power of two (Sobol designs)")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be zero or positive")
    if not 0 <= args.recover <= MAX_TRUTHS:
        raise UsageError(f"--recover {args.recover}: must be between 0 and {MAX_TRUTHS}")
    priors = parse_priors(args.prior)
    check_out(args.out, owner="calibrate")
    if args.recover:
        return recover_command(args, priors)

    def progress(era: str, wave: int, done: int, total: int) -> None:
        print(f"\r{era}: wave {wave}, {done}/{total} settings", end="", file=sys.stderr,
              flush=True)

    result = calibrate(args.out, executor_from(args, progress=False), waves=args.waves,
                       points=args.points, replicates=args.replicates, seed=args.seed,
                       priors=priors, progress=progress)
    print(file=sys.stderr)
    write_calibration(result, args.out, priors)
    for cal in (result.split, result.full):
        kept = int(cal.evaluated["non_implausible"].sum())
        best = cal.ensemble.iloc[0]
        print(f"{cal.era}: {kept} of {len(cal.evaluated)} settings not ruled out; the best "
              f"(log score force {best['log_score_force']:.4f}, war {best['log_score_war']:.4f} "
              f"on the fit's years) has largest implausibility {best['largest']:.2f}")
    v = result.split_validation.scores
    held = v[v["era"] == "1946-2010"]
    for outcome in ("force", "war"):
        row = held[(held["outcome"] == outcome)].set_index("predictor")
        print(f"held out 1946-2010, {outcome}: model log score {row.loc['model', 'log_score']:.3f}"
              f" (constant {row.loc['constant', 'log_score']:.3f}, record history "
              f"{row.loc['record history', 'log_score']:.3f}), AUC {row.loc['model', 'auc']:.2f} "
              f"(best baseline {row['auc'].drop('model').max():.2f})")
    print(f"wrote {args.out}/report.md, ensemble.toml, calibrated.toml, pairs plots and "
          f"validations")
    return 0


def recover_command(args: argparse.Namespace, priors: dict[str, tuple[float, float]]) -> int:
    from hedgesim.experiments.calibrate import recover, recovery_summary
    from hedgesim.experiments.calibrate_report import write_recovery

    def progress(era: str, wave: int, done: int, total: int) -> None:
        print(f"\rrecovery: wave {wave}, {done}/{total} settings", end="", file=sys.stderr,
              flush=True)

    table = recover(args.out, executor_from(args, progress=False), truths=args.recover,
                    waves=args.waves, points=args.points, replicates=args.replicates,
                    seed=args.seed, priors=priors, progress=progress)
    print(file=sys.stderr)
    summary = recovery_summary(table)
    write_recovery(table, summary, args, args.out)
    for r in summary.itertuples(index=False):
        print(f"{r.parameter}: covered in {r.coverage:.0%} of {r.truths}, kept range "
              f"{r.median_share_of_prior:.0%} of the prior (median), "
              f"{'identified' if r.identified else 'not identified'}")
    print(f"wrote {args.out}/recovery.md and recovery.csv")
    return 0

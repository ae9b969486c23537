"""The core subcommands: ``run``, ``scenarios``, ``params`` and ``demo``."""

from __future__ import annotations

import argparse
import json
import math
import shutil
import textwrap
from pathlib import Path
from typing import Any

from hedgesim.cli import UsageError, add_executor_options, check_out, executor_from, out_dir
from hedgesim.scenarios.loader import builtin_names, load_scenario, parameter_table
from hedgesim.scenarios.schema import POLICIES

DEMO_SCENARIOS = ("ukraine", "vietnam", "belarus")
MAX_REPLICATES = 100_000  # per arm; a sweep takes more runs, in batches it can resume


def add_parser(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run a scenario's replicates and summarise the focal states")
    run.add_argument("scenario", help="a built-in name (see `hedgesim scenarios`) or a .toml file")
    run.add_argument("--strategy", choices=[*POLICIES, "historical"],
                     help="the focal states' strategy (default: the scenario's own)")
    run.add_argument("--replicates", type=int, default=100, help="replicates (default 100)")
    run.add_argument("--steps", type=int, help="years to simulate (default: the scenario's)")
    run.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="NAME=VALUE", help="override a parameter (see `hedgesim params`)")
    run.add_argument("--ensemble", type=Path, metavar="FILE",
                     help="run every member of a parameter ensemble (hedgesim calibrate's "
                          "ensemble.toml, or `calibrated`: the shipped one) on the same seeds, and report "
                          "parameter uncertainty beside Monte Carlo error")
    run.add_argument("--out", type=out_dir, help="write outcomes and per-step series as Parquet here")
    run.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    add_executor_options(run)
    run.set_defaults(handler=cmd_run)

    scenarios = sub.add_parser("scenarios", help="list the built-in scenarios")
    scenarios.set_defaults(handler=cmd_scenarios)

    params = sub.add_parser("params", help="list every parameter of a scenario",
                            description="Every parameter a scenario has (model-wide, each "
                                        "entity's attributes, the generic generator's), with "
                                        "its value, range, meaning and source.")
    params.add_argument("scenario", nargs="?", default="generic",
                        help="a built-in name or a .toml file (default generic)")
    params.add_argument("--json", action="store_true", help="print JSON records instead")
    params.set_defaults(handler=cmd_params)

    demo = sub.add_parser("demo", help="every built-in case under every strategy",
                          description="The three calibrated cases, each under its historical "
                                      "strategy and each fixed one, on paired seeds.")
    demo.add_argument("--replicates", type=int, default=300,
                      help="paired replicates per arm (default 300)")
    demo.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    add_executor_options(demo)
    demo.set_defaults(handler=cmd_demo)


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs; values become int, float or bool where they look like one."""
    overrides: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--set {item}: expected NAME=VALUE")
        overrides[name.strip()] = _value(text.strip())
    return overrides


def _value(text: str) -> Any:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _check_counts(args: argparse.Namespace) -> None:
    if not 1 <= args.replicates <= MAX_REPLICATES:
        raise UsageError(f"--replicates {args.replicates}: must be between 1 and "
                         f"{MAX_REPLICATES:,}")
    if getattr(args, "steps", None) is not None and not 1 <= args.steps <= 1000:
        raise UsageError(f"--steps {args.steps}: must be between 1 and 1000")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be zero or positive")


def cmd_run(args: argparse.Namespace) -> int:
    from hedgesim.experiments.analysis import attackers, ensemble_summary, summarise
    from hedgesim.experiments.engine import Setting, check_memory, paired, replicate_seeds, run
    from hedgesim.experiments.report import (
        format_attackers,
        format_ensemble,
        format_summary,
        summary_json,
    )
    from hedgesim.experiments.runner import run_into
    from hedgesim.model.provenance import provenance
    from hedgesim.scenarios.ensemble import read_ensemble

    _check_counts(args)
    overrides = parse_overrides(args.overrides)
    scenario = load_scenario(args.scenario).with_overrides(overrides)
    scenario = scenario.with_strategy(args.strategy)
    if args.out is not None:
        check_out(args.out, owner="run")
    members = read_ensemble(args.ensemble) if args.ensemble is not None else []
    for m in members:
        if clash := sorted(set(m.params) & set(overrides)):
            raise UsageError(f"--set {clash[0]}: the ensemble {args.ensemble} sets it (member "
                             f"{m.id}); drop one")
    arm = args.strategy or "historical"
    settings = ([Setting.of(args.scenario, arm, {**overrides, **m.params}, args.steps)
                 for m in members] or [Setting.of(args.scenario, arm, overrides, args.steps)])
    executor = executor_from(args)
    runs = args.replicates * len(settings)
    n_small, _ = scenario.world_size()
    focal = n_small if scenario.generic is not None else len(scenario.focal_names)
    check_memory([scenario.world_size()], min(executor.workers, runs), rows=runs * focal)
    items = paired(settings, replicate_seeds(args.seed, args.replicates))
    if args.out is None:
        outcomes = run(items, executor).outcomes
    else:  # streamed to disk as it runs, and resumed by the same command
        identity = {"scenario": args.scenario, "source": scenario.source_digest(),
                    "strategy": arm, "replicates": args.replicates, "seed": args.seed,
                    "steps": args.steps, "overrides": overrides,
                    "ensemble": [m.params for m in members]}
        outcomes = run_into(items, args.out, identity, executor,
                            attackers=scenario.great_power_names())
    if members:  # which member ran each record
        outcomes["member"] = [members[k].id for k in outcomes["setting"]]
    summary = summarise(outcomes, ["state"], seed=args.seed)
    who = attackers(outcomes, ["state"])
    spread = (ensemble_summary(outcomes, ["state"], "member", seed=args.seed)
              if members else None)
    report = {
        "scenario": scenario.name, "strategy": args.strategy or "historical",
        "replicates": args.replicates, "seed": args.seed,
        "steps": args.steps or scenario.steps, "overrides": scenario.overrides,
        "focal": summary_json(summary, "state"),
        "attackers": {state: {r.attacker: {"attacked_by": r.attacked_by,
                                           "attacked_by_ci": [r.attacked_by_lo, r.attacked_by_hi],
                                           "wars_started": int(r.wars_started),
                                           "share_of_wars": None if math.isnan(r.share_of_wars)
                                           else float(r.share_of_wars)}
                              for r in rows.itertuples()}
                      for state, rows in who.groupby("state", sort=False)},
        "model": {"war_onsets_mean": float(outcomes.groupby("replicate")["wars_total"]
                                           .first().mean())},
        **provenance(),
    }
    if spread is not None:
        report["ensemble"] = {"file": str(args.ensemble), "members": [m.id for m in members],
                              "uncertainty": json.loads(spread.to_json(orient="records"))}
    if args.json:
        print(json.dumps(report, indent=2, allow_nan=False))
    else:
        print(f"{scenario.name}: {scenario.description}")
        print(f"strategy: {report['strategy']}, {args.replicates} replicates, "
              f"{report['steps']} years from {scenario.start_year}, seed {args.seed}\n")
        print(format_summary(summary, "state"))
        print("\nwho attacks: the share of runs in which each great power started a war on the "
              "state [95% CI], and its share of all wars started there")
        print(format_attackers(who, "state"))
        if spread is not None:
            print(f"\nparameter uncertainty: {len(members)} members of {args.ensemble}, "
                  f"{args.replicates} runs each on the same seeds")
            print(format_ensemble(spread, "state"))
        if args.out is not None:
            print(f"\nwrote {args.out}/outcomes/, series/ and model_series/ (Parquet datasets)")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    for name in builtin_names():
        scenario = load_scenario(name)
        focal = ", ".join(scenario.focal_names) or "drawn at random"
        print(f"{name:10s} {scenario.start_year}, {scenario.steps} years; focal: {focal}")
        print(f"{'':10s} {scenario.description}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    rows = parameter_table(load_scenario(args.scenario))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(shutil.get_terminal_size((120, 20)).columns, 100)
    indent = " " * 72
    for row in rows:
        span = ("|".join(row["choices"]) if row["choices"]
                else f"[{row['low']:g}, {row['high']:g}]" if row["low"] is not None else "")
        head = f"{row['name']:34s} {row['value']!s:>12.12s}  {span:22s} "
        prior = row.get("calibrated_prior")
        meaning = row["meaning"] + (" [calibrated to the record; prior {:g} to {:g}]".format(
            *prior) if prior else "")
        for text in (meaning, f"source: {row['source']}"):
            print(textwrap.fill(text, width, initial_indent=head, subsequent_indent=indent))
            head = indent
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: each built-in case under its own strategy and each fixed one, all arms of
    all cases through the engine in one go."""
    from hedgesim.experiments.analysis import summarise
    from hedgesim.experiments.engine import Setting, paired, replicate_seeds, run
    from hedgesim.experiments.report import format_summary

    _check_counts(args)
    print(f"hedgesim demo: {args.replicates} replicates per arm, seed {args.seed}; "
          f"95% intervals in brackets\n")
    arms = ("historical", "balance", "bandwagon", "hedge")
    settings = [Setting.of(name, arm) for name in DEMO_SCENARIOS for arm in arms]
    records = run(paired(settings, replicate_seeds(args.seed, args.replicates)), executor_from(args))
    summary = summarise(records.outcomes, ["setting"], seed=args.seed)
    summary["arm"] = [settings[k].arm for k in summary["setting"]]
    for i, name in enumerate(DEMO_SCENARIOS):
        scenario = load_scenario(name)
        print(f"== {name}: {scenario.description}")
        print(format_summary(summary.iloc[i * len(arms):(i + 1) * len(arms)], "arm"))
        print()
    print("Same seeds in every arm (common random numbers). Try: hedgesim run ukraine "
          "--strategy hedge --replicates 1000")
    return 0

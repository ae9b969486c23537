"""The ``hedgesim`` command line. Each subcommand lives with the code it drives and registers
itself here through ``add_parser(subparsers)``; bad input ends in one line and exit status 2."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from scenarios.loader import ScenarioError

COMMANDS: list[str] = [
    "hedgesim.commands",
    "experiments.sweep_cli",
    "experiments.counterfactual_cli",
    "hedgesim.viz",
]


class UsageError(ValueError):
    """Bad input found after parsing: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="hedgesim",
        description="Small states between great powers: balance, bandwagon or hedge?")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args) or 0
    except (ScenarioError, UsageError) as err:
        print(f"hedgesim: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("hedgesim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

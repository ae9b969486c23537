"""The ``hedgesim`` command line. Each subcommand lives with the code it drives and registers
itself here through ``add_parser(subparsers)``; bad input ends in one line and exit status 2."""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

# A command's own runs use one BLAS thread, as the engine's workers do (experiments/worker.py):
# set before numpy and SciPy load their OpenBLAS, which reads it then. A user's setting stands.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from hedgesim.scenarios.loader import InputError

if TYPE_CHECKING:
    from hedgesim.experiments.engine import Executor

COMMANDS: list[str] = ["hedgesim.commands", "hedgesim.sweeps", "hedgesim.cases", "hedgesim.history",
                       "hedgesim.validate", "hedgesim.calibrate", "hedgesim.walt",
                       "hedgesim.viz"]


class UsageError(InputError):
    """Bad arguments found after parsing: printed as one line, exit status 2."""


def check_counts(args: argparse.Namespace, max_replicates: int) -> None:
    """``--replicates`` and ``--seed`` of a command that runs replicates, checked before any
    work starts."""
    if not 1 <= args.replicates <= max_replicates:
        raise UsageError(f"--replicates {args.replicates}: must be between 1 and "
                         f"{max_replicates:,}")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be zero or positive")


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """The engine's executor, the same options for every command that runs the model."""
    parser.add_argument("--workers", "--jobs", dest="workers", type=int, default=None, metavar="N",
                        help="worker processes (default: all cores; 1 runs in this process); "
                             "results do not depend on it")
    parser.add_argument("--executor", choices=("local", "dask"), default=None,
                        help="local processes (default) or Dask distributed")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="a running Dask scheduler, e.g. tcp://host:8786 (implies dask; "
                             "default: an in-process LocalCluster)")


def executor_from(args: argparse.Namespace, progress: bool = True) -> Executor:
    """The executor the options ask for, checked before any work starts."""
    from hedgesim.experiments.engine import Executor

    workers = args.workers if args.workers is not None else os.cpu_count() or 1
    if workers < 1:
        raise UsageError(f"--workers {workers}: must be at least 1")
    if args.executor == "dask" or args.scheduler:
        if args.scheduler and not re.fullmatch(r"(tcp|tls|inproc|ucx)://[^\s/]+(:\d+)?/?",
                                               args.scheduler):
            raise UsageError(f"--scheduler {args.scheduler}: expected an address such as "
                             f"tcp://host:8786")
        return Executor("dask", workers, args.scheduler, progress=progress)
    return Executor("processes" if workers > 1 else "serial", workers, progress=progress)


class Parser(argparse.ArgumentParser):
    """argparse with the project's one-line errors: the problem, then where to find help."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("hedgesim").strip()
        print(f"hedgesim: error: {command + ': ' if command else ''}{message} "
              f"(see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(2)


def out_dir(text: str) -> Path:
    """argparse's type for an output directory: the text as given (Path('') would be '.')."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a directory, not ''")
    return Path(text)


OUT_MARK = ".hedgesim.json"  # in an output folder: the command that writes it, and provenance
_CLAIMED: list[tuple[Path, str]] = []  # output folders this process writes, marked at the end


def check_out(path: Path, flag: str = "--out", owner: str | None = None) -> Path:
    """An output directory that can be written, checked before any work starts: not empty, not
    an existing file, under a directory this process may write in. With ``owner`` (the command's
    name) an existing folder must be empty or one that command wrote before (``OUT_MARK``), whose
    files it may write again: never someone else's files of the same names."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{flag} {path}: exists and is not a directory")
    if owner is not None and path.is_dir() and any(p.name != OUT_MARK for p in path.iterdir()):
        try:
            mark = json.loads((path / OUT_MARK).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            mark = None
        if not isinstance(mark, dict) or mark.get("command") != owner:
            raise UsageError(f"{flag} {path}: holds files that `hedgesim {owner}` did not write; "
                             f"use an empty or new folder")
    if owner is not None:
        _CLAIMED.append((path, owner))
    parent = path
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{flag} {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: {parent} is not writable")
    return path


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = Parser(
        prog="hedgesim",
        description="Small states between great powers: balance, bandwagon or hedge?")
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        importlib.import_module(module).add_parser(sub)
    return parser


def version_line() -> str:
    """``hedgesim --version``: the package version, the model's source digest and, in a
    checkout, the git commit (as every output records them)."""
    from hedgesim.model.provenance import provenance

    p = provenance()
    commit = f", commit {p['git_commit']}" if p["git_commit"] else ""
    return f"hedgesim {p['hedgesim_version']} (model {p['model_digest']}{commit})"


class VersionAction(argparse.Action):
    """``--version``, worked out only when asked for (it may ask git)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(version_line())
        parser.exit()


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that every ``finally`` and ``with`` on the way out
    runs: the engine's workers, a Dask cluster and the page's server end with the command."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
        signal.signal(signal.SIGHUP, _terminate)  # a closed terminal ends the work as SIGTERM does
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, or a one-line usage error (Parser.error)
        return int(done.code or 0)
    handler: Callable[[argparse.Namespace], int] = args.handler
    _CLAIMED.clear()
    try:
        return handler(args) or 0
    except BrokenPipeError:  # e.g. piped into `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (InputError, ConnectionError) as err:  # a Dask scheduler that cannot be reached
        print(f"hedgesim: error: {err}", file=sys.stderr)
        return 2
    except RuntimeError as err:  # every run failed, or the workers could not start
        from hedgesim.experiments.engine import RunsFailed, WorkersCannotStart

        if not isinstance(err, RunsFailed | WorkersCannotStart):
            raise
        print(f"hedgesim: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # a full disk, a folder removed under us: said, not a traceback
        path = getattr(err, "filename2", None) or getattr(err, "filename", None)  # a rename's target
        where = f" ({path})" if path else ""
        print(f"hedgesim: error: {err.strerror or err}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hedgesim: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("hedgesim: terminated", file=sys.stderr)
        return 143
    finally:
        mark_outputs()


def mark_outputs() -> None:
    """Each output folder the command wrote gets ``OUT_MARK``: the command, the package version,
    the model's digest and the commit, so a result names what made it."""
    from hedgesim.model.provenance import provenance

    for path, owner in _CLAIMED:
        if path.is_dir():
            (path / OUT_MARK).write_text(json.dumps({"command": owner, **provenance()}, indent=1)
                                         + "\n", encoding="utf-8")


def run() -> NoReturn:
    """The console script: a command, then the exit. Before it, every object the command's
    imports and work made is frozen out of the collector's sight (``gc.freeze``): otherwise
    the interpreter's exit runs full collections over the million objects of scipy, pandas,
    lifelines and matplotlib, a third of a second that ``hedgesim analyze`` spent doing nothing.
    Only the process's end is changed; ``main`` called from Python leaves the collector alone."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()

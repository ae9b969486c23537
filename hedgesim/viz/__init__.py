"""``hedgesim viz``: serve the interactive page (``app.py``, built in ``hedgesim.viz.page``).

This module only starts the server, so that the command line does not pay for importing Solara
and Mesa's visualization on every command.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

from hedgesim.cli import UsageError
from hedgesim.experiments.processes import die_with_parent

APP = Path(__file__).resolve().parent / "app.py"

# Settings under which the page makes no request beyond the server (checked with strace and in the
# browser test): no telemetry (it calls api.ipify.org and api.mixpanel.com at start), the
# front-end served from the solara-assets package, and a cache miss failing locally instead of
# going to the CDN.
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "MPLBACKEND": "Agg",
    "SOLARA_THEME_SHOW_BANNER": "False",  # the "runs on Solara" badge covered a corner
    "SOLARA_THEME_TITLE": "hedgesim",
}


def server_command(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
                   app: Path = APP) -> list[str]:
    """The ``solara run`` command line for the page, behind the Host and Origin check of
    ``hedgesim.viz.serve`` (run it with ``OFFLINE_ENV``)."""
    command = [sys.executable, "-m", "hedgesim.viz.serve", "run", str(app), "--host", host,
               "--port", str(port), "--production", "--no-check-version"]
    return command if open_browser else [*command, "--no-open"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "viz", help="serve the interactive page (Mesa SolaraViz) on localhost",
        description="Serve the interactive page: pick a scenario and parameters, step the model, "
                    "watch the network of states and the plots. Works offline.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--no-open", action="store_true", help="do not open a web browser")
    parser.add_argument("--scenario-dir", action="append", default=[], type=Path, metavar="DIR",
                        help="a folder the page may open scenario files from (besides the "
                             "built-ins and the current folder); repeat for more")
    parser.set_defaults(handler=run)


def check_address(host: str, port: int) -> None:
    """That the server can listen at ``host``:``port``, before it is started: a name that does
    not resolve or a port already taken is one line, not the server's own traceback."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as err:
        raise UsageError(f"--host {host}: cannot be resolved ({err})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as err:
            raise UsageError(f"--host {host} --port {port}: cannot listen there "
                             f"({err.strerror}); choose another --port") from None


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UsageError(f"--port: {args.port} is not a port number (1-65535)")
    for folder in args.scenario_dir:
        if not folder.is_dir():
            raise UsageError(f"--scenario-dir {folder}: not a directory")
    check_address(args.host, args.port)
    command = server_command(args.host, args.port, not args.no_open)
    dirs = os.pathsep.join(str(d.resolve()) for d in args.scenario_dir)
    server = subprocess.Popen(command, env={**os.environ, **OFFLINE_ENV,
                                            "HEDGESIM_SCENARIO_DIRS": dirs},
                              preexec_fn=die_with_parent)
    try:
        return server.wait()
    finally:  # any way out of here (SIGTERM, Ctrl-C, an error) ends the server too
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

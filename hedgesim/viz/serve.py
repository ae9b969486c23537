"""Serve the page with ``solara run``, behind a check of every request's Host and Origin.

A page on localhost can be reached from a web page elsewhere by DNS rebinding: a name the
attacker controls is pointed at 127.0.0.1, and the browser then sends that name as the Host
(and the attacker's page as the Origin of a WebSocket). Requests whose Host, or Origin when
there is one, is not this machine's address or the one the server was bound to are refused
(HTTP 403; a WebSocket is closed before it opens). The check wraps Solara's Starlette app
before the server starts, so no request passes unchecked.

    python -m hedgesim.viz.serve run app.py --host 127.0.0.1 --port 8765 ...   (as ``solara run``)
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

LOCAL = frozenset({"127.0.0.1", "localhost", "::1"})
# host[:port] and nothing else: no user part ("evil.example@127.0.0.1"), no path
AUTHORITY = re.compile(r"(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-]+)(?::(\d{1,5}))?")

Scope = dict[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]],
                Awaitable[None]]


def hostname(value: str) -> str:
    """The host of a Host header or an Origin ("[::1]:8765" -> "::1")."""
    return (urlsplit(value if "//" in value else f"//{value}").hostname or "").lower()


def authority(value: str, default_port: int | None) -> tuple[str, int | None] | None:
    """A Host header ("127.0.0.1:8765") or an Origin ("http://127.0.0.1:8765") as (host, port),
    read strictly; None for anything else, an opaque ``null`` Origin included."""
    scheme, sep, rest = value.partition("://")
    if sep:
        if scheme.lower() not in ("http", "https", "ws", "wss"):
            return None
        value = rest
    match = AUTHORITY.fullmatch(value)
    if match is None:
        return None
    host = match.group(1).strip("[]").lower()
    port = int(match.group(2)) if match.group(2) else default_port
    return host, port


def guarded(inner: ASGI, allowed: frozenset[str], port: int | None = None) -> ASGI:
    """``inner`` behind the Host and Origin check: both must name an allowed host and, when the
    server's ``port`` is known, that port. An Origin of ``null`` (a sandboxed frame, a file) is
    refused with every other foreign one."""
    def ours(value: str, default_port: int | None) -> bool:
        parsed = authority(value, default_port)
        return (parsed is not None and parsed[0] in allowed
                and (port is None or parsed[1] in (port, None)))

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope.get("headers", [])}
            origin = headers.get("origin")
            if not ours(headers.get("host", ""), None) or (
                    origin is not None and not ours(origin, None)):
                if scope["type"] == "http":
                    await send({"type": "http.response.start", "status": 403,
                                "headers": [(b"content-type", b"text/plain")]})
                    await send({"type": "http.response.body", "body": b"forbidden host\n"})
                else:
                    await receive()  # websocket.connect
                    await send({"type": "websocket.close", "code": 1008})
                return
        await inner(scope, receive, send)
    return app


def main(argv: list[str]) -> None:
    # Solara registers the app when its server module is imported, from the variable `solara
    # run` would set; set it first, as the server is imported here to be wrapped.
    os.environ["SOLARA_APP"] = argv[argv.index("run") + 1]
    from solara.__main__ import main as solara_main
    from solara.server import starlette as server

    bound = argv[argv.index("--host") + 1] if "--host" in argv else "127.0.0.1"
    port = int(argv[argv.index("--port") + 1]) if "--port" in argv else None
    server.app.middleware_stack = guarded(server.app.build_middleware_stack(),
                                          LOCAL | {hostname(bound)}, port)
    sys.argv = ["solara", *argv]
    solara_main()


if __name__ == "__main__":
    main(sys.argv[1:])

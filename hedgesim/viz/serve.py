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
import sys
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

LOCAL = frozenset({"127.0.0.1", "localhost", "::1"})

Scope = dict[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]],
                Awaitable[None]]


def hostname(value: str) -> str:
    """The host of a Host header or an Origin ("[::1]:8765" -> "::1")."""
    return (urlsplit(value if "//" in value else f"//{value}").hostname or "").lower()


def guarded(inner: ASGI, allowed: frozenset[str]) -> ASGI:
    """``inner`` behind the Host and Origin check."""
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope.get("headers", [])}
            origin = headers.get("origin")
            if hostname(headers.get("host", "")) not in allowed or (
                    origin and origin != "null" and hostname(origin) not in allowed):
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
    server.app.middleware_stack = guarded(server.app.build_middleware_stack(),
                                          LOCAL | {hostname(bound)})
    sys.argv = ["solara", *argv]
    solara_main()


if __name__ == "__main__":
    main(sys.argv[1:])

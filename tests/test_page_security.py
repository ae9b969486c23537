"""The page's server answers only requests addressed to this machine: a foreign Host header or
a WebSocket from a foreign Origin (DNS rebinding) is refused (issue on reliability)."""

from __future__ import annotations

import base64
import http.client
import os
import socket
from urllib.parse import urlparse

import pytest

from hedgesim.viz.serve import guarded, hostname


def status(url: str, host: str, path: str = "/") -> int:
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host)
    conn.endheaders()
    code = conn.getresponse().status
    conn.close()
    return code


def websocket_status(url: str, origin: str) -> int:
    parsed = urlparse(url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /jupyter/api/kernels/test/channels HTTP/1.1\r\n"
               f"Host: 127.0.0.1:{parsed.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n")
    with socket.create_connection((parsed.hostname, parsed.port), timeout=30) as sock:
        sock.sendall(request.encode())
        return int(sock.recv(1024).split(b" ")[1])


@pytest.mark.browser
def test_a_foreign_host_or_origin_is_refused(solara_server):
    port = urlparse(solara_server).port
    assert status(solara_server, f"127.0.0.1:{port}") == 200
    assert status(solara_server, f"localhost:{port}") == 200
    assert status(solara_server, f"evil.example:{port}") == 403
    assert status(solara_server, "attacker.test") == 403
    assert websocket_status(solara_server, "http://evil.example") != 101


def answers(kind: str, headers: list[tuple[bytes, bytes]], allowed: frozenset[str],
            port: int | None = None) -> list:
    """What the guard sends for one request: "inner" when it passes it on. Run in a thread of
    its own, as Playwright's event loop may be running in this one."""
    import asyncio
    import threading

    sent: list = []

    async def inner(scope, receive, send):
        sent.append("inner")

    async def send(message):
        sent.append(message.get("status") or message["type"])

    async def receive():
        return {"type": "websocket.connect"}

    app = guarded(inner, allowed, port)
    worker = threading.Thread(target=asyncio.run,
                              args=(app({"type": kind, "headers": headers}, receive, send),))
    worker.start()
    worker.join()
    return sent


def test_the_guard_reads_hosts_as_browsers_send_them():
    assert hostname("127.0.0.1:8765") == "127.0.0.1" and hostname("[::1]:80") == "::1"
    assert hostname("http://Evil.Example:80") == "evil.example" and hostname("") == ""
    local = frozenset({"127.0.0.1"})
    for headers, expected in (([(b"host", b"127.0.0.1:1")], "inner"),
                              ([(b"host", b"evil:1")], 403),
                              ([(b"host", b"127.0.0.1:1"), (b"origin", b"http://evil")], 403)):
        assert answers("http", headers, local)[0] == expected
    assert answers("websocket", [(b"host", b"127.0.0.1:1"), (b"origin", b"http://evil")],
                   local) == ["websocket.close"]


def test_null_origins_user_parts_and_other_ports_are_refused():
    """A sandboxed frame on any site sends ``Origin: null``; a Host with a user part names
    another host to a lax reader; a server on another port of this machine is not this page."""
    local = frozenset({"127.0.0.1", "localhost", "::1"})

    def outcome(kind: str, headers: list[tuple[bytes, bytes]]) -> object:
        sent = answers(kind, headers, local, 8765)
        return sent[0] if kind == "http" else sent

    host = (b"host", b"127.0.0.1:8765")
    assert outcome("http", [host]) == "inner"
    assert outcome("http", [(b"host", b"[::1]:8765")]) == "inner"
    assert outcome("websocket", [host, (b"origin", b"http://localhost:8765")]) == ["inner"]
    assert outcome("websocket", [host, (b"origin", b"null")]) == ["websocket.close"]
    assert outcome("websocket", [host, (b"origin", b"http://127.0.0.1:9999")]) == ["websocket.close"]
    assert outcome("http", [(b"host", b"evil.example@127.0.0.1:8765")]) == 403
    assert outcome("http", [(b"host", b"127.0.0.1:9999")]) == 403
    assert outcome("http", [(b"host", b"127.0.0.1:8765/x")]) == 403


def test_names_shown_in_markdown_are_literal_text():
    from hedgesim.viz.page import literal

    shown = literal("<img src=x onerror=alert(1)>")
    assert "<" not in shown and ">" not in shown and "&lt;img" in shown
    assert literal("a_b*c[d](e)") == r"a\_b\*c\[d\]\(e\)"

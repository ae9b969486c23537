"""Processes that end with the one that started them."""

from __future__ import annotations

import ctypes
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (prctl's PR_SET_PDEATHSIG),
    so that a command killed however it is (SIGKILL included) leaves nothing running: the
    engine's worker server dies with the command and the workers with their server, the page's
    server with ``hedgesim viz``. Elsewhere than Linux nothing changes."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)

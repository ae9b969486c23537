"""Shared fixtures. Browser tests (``@pytest.mark.browser``) drive Debian's headless Chromium
against a Solara server on a free localhost port; they skip when the browser is missing, except
under CI (CI=true), where they must run."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from hypothesis import settings

from hedgesim.viz import OFFLINE_ENV, server_command

# Property tests: a fixed, derandomised search under CI (the same examples every run, so the
# suite cannot pass or fail by chance); a fresh random search locally, where finding new
# counterexamples is the point. HYPOTHESIS_PROFILE=ci reproduces CI's examples locally.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI") == "true" else "dev"))

ROOT = Path(__file__).resolve().parents[1]  # the page is served from the project root
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT = 90.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} missing (run scripts/ensure-chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def solara_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page served by ``solara run app.py`` (as ``hedgesim viz`` serves it); yields its URL."""
    port = _free_port()
    env = {**os.environ, **OFFLINE_ENV}
    env.pop("PYTEST_CURRENT_TEST", None)
    log_path = tmp_path_factory.mktemp("solara") / "server.log"
    url = f"http://127.0.0.1:{port}/"
    with log_path.open("w+") as log:
        proc = subprocess.Popen(server_command(port=port, open_browser=False), cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            start = time.monotonic()
            while not _serving(url):
                if proc.poll() is not None:
                    pytest.fail(f"solara exited {proc.returncode}:\n{log_path.read_text()}")
                if time.monotonic() - start > SERVER_START_TIMEOUT:
                    pytest.fail(f"solara not ready after {SERVER_START_TIMEOUT:.0f}s:\n"
                                f"{log_path.read_text()}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing and CI=true: the browser tests must run")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, solara_server: str):
    """A fresh browser tab on the page; fails the test if any request left localhost."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    tab.goto(solara_server)
    tab.get_by_role("button", name="Step", exact=True).wait_for(timeout=60_000)
    yield tab
    context.close()
    remote = [u for u in requests if not u.startswith(("data:", "blob:"))
              and urlparse(u).hostname not in ("127.0.0.1", "localhost")]
    assert requests and not remote, f"requests that left localhost: {remote}"

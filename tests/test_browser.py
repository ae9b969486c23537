"""The page end to end in headless Chromium: switch the scenario, move a slider, reset, step, and
see the step counter and the plots change; the ``page`` fixture fails the test if any request
left localhost."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser


def _digest(image: Locator) -> str:
    return hashlib.sha1(image.screenshot()).hexdigest()


def test_scenario_slider_reset_and_steps(page: Page, tmp_path: Path):
    plots = page.locator(".vue-grid-item img")  # FigureMatplotlib: <img src="blob:...">
    expect(plots).to_have_count(3, timeout=30_000)  # none: SolaraViz's grid is not rendering

    focal_choice = page.locator(".v-select").filter(has_text="Focal state")
    expect(focal_choice).to_have_count(1)  # the generic world has many focal states
    page.locator(".v-select").filter(has_text="Scenario").click()
    page.get_by_role("option", name="ukraine", exact=True).click()
    turnover = page.get_by_role("slider", name="turnover_rate")
    start = float(turnover.get_attribute("aria-valuenow"))
    turnover.focus()
    turnover.press("ArrowRight")
    expect(turnover).not_to_have_attribute("aria-valuenow", str(start))
    seed = page.get_by_label("Random seed")
    seed.fill("7")
    seed.press("Enter")
    page.get_by_role("button", name="Reset").click()

    network = plots.nth(0)
    expect(page.get_by_text("Time: 0.0")).to_be_visible()
    expect(focal_choice).to_have_count(0, timeout=30_000)  # ukraine has one (a loaded machine is slow)
    expect(page.locator(".v-alert")).to_have_count(0, timeout=30_000)
    before = [_digest(plots.nth(i)) for i in range(3)]
    for year in (1, 2, 3):
        page.get_by_role("button", name="Step").click()
        expect(page.get_by_text(f"Time: {year}.0")).to_be_visible(timeout=15_000)
    page.wait_for_timeout(500)  # the last figures arrive after the counter
    after = [_digest(plots.nth(i)) for i in range(3)]
    assert before[0] != after[0] and before[1] != after[1] and before[2] != after[2]
    assert network.bounding_box()["width"] > 300
    page.screenshot(path=tmp_path / "page.png", full_page=True)

"""Playwright plumbing for the supporter pages' browser tests: Debian's Chromium, screenshots."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}


def require_chromium() -> None:
    """Skip outside CI when Debian's Chromium is missing; in CI its absence is a failure."""
    if Path(CHROMIUM).exists():
        return
    if IN_CI:
        pytest.fail(f"CI=true and {CHROMIUM} is missing (.ci/run installs it)", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-core)")


# Module scope, not session: while Playwright's sync API is open it keeps an event loop running
# in the main thread, and every later test that calls asyncio.run() would fail.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

"""Playwright with Debian's Chromium (no downloaded browser; no background network)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from tests.support.tools import require

CHROMIUM = Path("/usr/lib/chromium/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    exe = CHROMIUM if CHROMIUM.exists() else Path("/usr/bin/chromium")
    require(exe.exists(), "Debian's chromium package")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(exe), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()

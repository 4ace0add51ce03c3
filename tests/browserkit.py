"""What the two real-browser suites share (``tests/browser``: the widget panels in JupyterLab;
``tests/web``: the decks, the site and the app view): Debian's Chromium driven by Playwright
(never ``playwright install``), a free local port, and the opt-in switch that skips a suite
unless its environment variable is set."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = os.environ.get("CNNVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def enabled(variable: str) -> bool:
    """Whether the environment variable ``variable`` switches a suite on (1/true/yes/on)."""
    return os.environ.get(variable, "").strip().lower() in {"1", "true", "yes", "on"}


def skip_unless(items, folder: Path, variable: str, reason: str) -> None:
    """Mark every collected test under ``folder`` as skipped with ``reason`` unless
    ``variable`` is set (for ``pytest_collection_modifyitems``)."""
    if enabled(variable):
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if Path(str(item.fspath)).is_relative_to(folder):
            item.add_marker(skip)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def chromium() -> Iterator:
    """Headless Debian Chromium through Playwright, closed on every path; a clear failure
    when the browser or the Python package is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium (`make chromium`, or `apt-get update && apt-get install -y chromium`); never `playwright install`"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright Python package is missing: pip install -e '.[test]'")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()

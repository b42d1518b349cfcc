"""Where the browser tests find Debian's Chromium, and where screenshots go.

A missing browser fails the browser tests with the command that installs it; it never skips
them (`make test` installs it first: .ci/chromium).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
INSTALL = "apt-get install chromium fonts-noto-cjk (or: make browser)"


def require_chromium() -> str:
    """CHROMIUM, or a failed test saying how to install it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Debian's Chromium is not installed at {CHROMIUM}: {INSTALL}",
                    pytrace=False)
    return CHROMIUM


# For the modules' pytestmark: the test fails (never skips) when the browser is missing.
needs_chromium = pytest.mark.usefixtures("chromium")

"""Shared fixtures: the sample feeds live in shared/ beside the repository clone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
SAMPLES = SHARED / "samples" / "feeds"
# The samples' scoring day; ID numbers of the samples are all born before it.
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"sample feeds not found at {SAMPLES}")
    return SAMPLES

"""Shared paths: the samples live in ../shared beside the project clone."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[3]
SAMPLES = PROJECT / ".." / "shared" / "samples" / "feeds"


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    return SAMPLES

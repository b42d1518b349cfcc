"""Shared fixtures: the sample feeds (points.tests.samples knows where they are)."""

from __future__ import annotations

from pathlib import Path

import pytest

from points.tests.samples import samples_dir


@pytest.fixture(scope="session")
def samples() -> Path:
    return samples_dir()

"""Shared fixtures: the sample feeds (points.tests.samples knows where they are)."""

from __future__ import annotations

from pathlib import Path

import pytest

from points.tests.samples import AS_OF, samples_dir

# The samples' scoring day; ID numbers of the samples are all born before it.
TODAY = AS_OF


@pytest.fixture(scope="session")
def samples() -> Path:
    return samples_dir()

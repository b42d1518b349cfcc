"""Shared fixtures of the records tests: where the samples are, and how to import them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from points.feeds import Record, feed_files, read_file
from xinjumin.accounts.tests.personas import world  # noqa: F401  (pytest fixture)

# xinjumin/records/tests/conftest.py -> the repository root is parents[3]; shared/ is
# beside the repository (../shared), in this clone and in CI's.
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
FEEDS = SHARED / "samples" / "feeds"


def records_in(*paths: Path) -> list[Record]:
    """The valid rows of feed files (or directories), in file and row order."""
    out = []
    for path in feed_files(paths):
        out.extend(r for _, r in read_file(path) if isinstance(r, Record))
    return out


def by_key(records: Any) -> list[Record]:
    return sorted(records, key=lambda r: r.key)


@pytest.fixture
def feeds_dir() -> Path:
    if not FEEDS.is_dir():
        pytest.fail(f"the shared samples are missing: {FEEDS}")
    return FEEDS

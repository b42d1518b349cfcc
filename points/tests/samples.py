"""Where the shared sample feeds are: the one module that knows it.

The samples (``shared/samples/feeds``, described by its README.md) sit beside the repository,
in every clone and in CI's: ``<repository>/../shared``, the repository being the directory
that holds the ``points`` and ``xinjumin`` packages. Every test (engine, apps, API, browser)
and the bench take the paths from here; nothing else names the path, and never an absolute
one. No Django here, so the engine's tests import it too.

Missing samples are a broken checkout, not an optional extra: ``samples_dir()`` fails the
test (or the collection) with the path it looked at, it never skips.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
SHARED = REPOSITORY.parent / "shared"
SAMPLES = SHARED / "samples" / "feeds"
JSONL = SAMPLES / "jsonl"
CSV = SAMPLES / "csv"
INVALID = SAMPLES / "invalid"
EXPECTED_SCORES = SAMPLES / "expected_scores.csv"
# Types of feeds.md that the shared samples do not hold yet (the two added for the service
# scenarios and for the platform's own decisions, domain §8.1 / §9.1): the sample tests
# check every other type, and fail once a sample of one of these appears (then remove it
# here, and its types are checked like the others).
NOT_IN_SAMPLES = frozenset({"union_membership", "record_override"})
# The day expected_scores.csv is computed for (its README); every sample ID number is born
# before it.
AS_OF = dt.date(2026, 12, 1)


def samples_dir() -> Path:
    """SAMPLES, or a failed test naming the path when the shared samples are not there."""
    if not (JSONL.is_dir() and CSV.is_dir() and EXPECTED_SCORES.is_file()):
        pytest.fail(f"the shared sample feeds are missing: {SAMPLES} (shared/ must sit "
                    f"beside the repository {REPOSITORY})", pytrace=False)
    return SAMPLES


def expected_rows() -> list[dict[str, str]]:
    """The rows of expected_scores.csv, as strings, in file order."""
    with (samples_dir() / EXPECTED_SCORES.name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def expected_by_id() -> dict[str, dict[str, str]]:
    """The rows of expected_scores.csv by ID number."""
    return {row["id_number"]: row for row in expected_rows()}

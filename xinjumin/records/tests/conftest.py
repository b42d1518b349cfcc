"""Shared fixtures of the records tests: the samples (points.tests.samples knows where they
are), and how to import them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from points.feeds import Record, feed_files, read_file
from points.tests.samples import samples_dir
from tests.personas import ADULT_HS_ID, ADULT_YZ_ID, CHILD_YZ_ID
from xinjumin.records.services import records_ingest


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
    return samples_dir()


def family_records() -> None:
    """A marriage, a guardianship, a diploma in two versions, a lease and two complexes'
    rents (one of them the lease's), ingested for the personas."""
    records_ingest(rows=[
        {"source": "PSB", "type": "marriage", "record_id": "M-1", "id_number": ADULT_HS_ID,
         "spouse_id_number": ADULT_YZ_ID, "since": "2012-01-01"},
        {"source": "PSB", "type": "guardianship", "record_id": "G-1", "id_number":
         ADULT_YZ_ID, "child_id_number": CHILD_YZ_ID, "since": "2015-05-01"},
        {"source": "EDU", "type": "diploma", "record_id": "D-1", "id_number": ADULT_YZ_ID,
         "level": "bachelor", "issued_on": "2010-07-01"},
        {"source": "EDU", "type": "diploma", "record_id": "D-1", "version": 2, "id_number":
         ADULT_YZ_ID, "level": "master", "issued_on": "2013-07-01"},
        {"source": "HOUSING", "type": "lease", "record_id": "L-1", "id_number": ADULT_HS_ID,
         "district": "330203", "complex_id": "C-9", "monthly_rent": 2000,
         "start": "2024-01-01"},
        {"source": "HOUSING", "type": "complex_rent", "record_id": "CR-9", "complex_id":
         "C-9", "district": "330203", "year": 2026, "average_rent": 3100},
        {"source": "HOUSING", "type": "complex_rent", "record_id": "CR-8", "complex_id":
         "C-8", "district": "330203", "year": 2026, "average_rent": 3100},
    ], today=dt.date(2026, 11, 1))

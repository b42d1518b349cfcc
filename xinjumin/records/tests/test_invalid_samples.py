"""Every file of samples/feeds/invalid: the bad rows are rejected with the reason its
README gives (row, field, code), nothing of them is stored, the valid rows beside them are
applied."""

from __future__ import annotations

import re

import pytest

from points.feeds import current_records
from points.feeds.tests.test_samples import INVALID
from points.tests.samples import SAMPLES as FEEDS
from xinjumin.records.models import ImportBatch, RecordVersion, RowRejection, SourceRecord
from xinjumin.records.selectors import live_records
from xinjumin.records.services import records_import_file

from .conftest import by_key, records_in

pytestmark = pytest.mark.django_db

# The README in words -> (row, field, code) as the platform reports it: the parser's table
# of points.feeds, plus what only the platform sees (row 0 = the whole file; a conflict
# needs the stored first version).
EXPECTED = {
    **{name: (row, field or "", code) for name, (row, field, code) in INVALID.items()},
    "bom_gbk_encoded.csv": (0, "", "bom_not_utf8"),
    "duplicate_record_conflict.jsonl": (2, "version", "conflict"),
}


def _readme() -> dict[str, int]:
    """{file: row} as the README states it ("line N", or 0 for "the whole file")."""
    out = {}
    for m in re.finditer(r"^- `([^`]+)`: (?:line (\d+)|the whole file)",
                         (FEEDS / "invalid" / "README.md").read_text(), re.M):
        out[m.group(1)] = int(m.group(2) or 0)
    return out


def test_every_invalid_file_is_covered() -> None:
    readme = _readme()
    files = {p.name for p in (FEEDS / "invalid").iterdir() if p.name != "README.md"}
    assert set(readme) == files == set(EXPECTED)
    assert {name: row for name, (row, _, _) in EXPECTED.items()} == readme


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_file(name: str) -> None:
    row, field, code = EXPECTED[name]
    path = FEEDS / "invalid" / name
    batch = records_import_file(path=path)
    rejections = list(RowRejection.objects.filter(batch=batch))
    assert [(r.row, r.field, r.code) for r in rejections] == [(row, field, code)]
    r = rejections[0]
    assert r.message and r.message_en and r.message != r.message_en
    assert re.search(r"[\u4e00-\u9fff]", r.message)  # Chinese first, English beside it
    # The valid rows of the file are applied, and nothing else is stored.
    expected = by_key(current_records(records_in(path))) if row else []
    assert by_key(live_records()) == expected
    applied = batch.created + batch.updated + batch.retracted
    assert SourceRecord.objects.count() + RecordVersion.objects.count() == applied
    if row == 0:
        assert batch.status == ImportBatch.Status.FAILED and batch.rows == 0
    else:
        assert batch.rejected + batch.conflict == 1
        assert batch.rows == len(records_in(path)) + (code != "conflict")
    if code == "conflict":  # the first content stays
        first = records_in(path)[0]
        assert live_records() and by_key(live_records())[0] == first

"""Importing the shared samples: the stored current records are exactly what the pure
version rules (points.feeds.versions.current_records) give over the same files; nothing
personal is in clear in the database; exports read back equal."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from points.feeds import current_records, read_paths
from points.feeds.record import Record
from xinjumin.core import crypto
from xinjumin.people.selectors import id_number_hash
from xinjumin.records.codec import content_digest, dumps, stored_fields
from xinjumin.records.export import records_export_jsonl, records_export_parquet
from xinjumin.records.models import ImportBatch, RecordVersion, SourceRecord
from xinjumin.records.pipeline import Preparer
from xinjumin.records.selectors import live_records
from xinjumin.records.services import records_import_file

from .conftest import by_key, records_in

pytestmark = pytest.mark.django_db


def _import_dir(directory: Path, chunk_size: int = 5000) -> list[ImportBatch]:
    return [records_import_file(path=p, chunk_size=chunk_size)
            for p in sorted(directory.iterdir())]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_current_records_equal_the_pure_rules(feeds_dir: Path, fmt: str) -> None:
    batches = _import_dir(feeds_dir / fmt, chunk_size=7)  # many chunks per file
    expected = by_key(current_records(records_in(feeds_dir / fmt)))
    assert len(expected) > 800
    assert by_key(live_records()) == expected
    assert all(b.status == "done" and b.rejected == 0 and b.conflict == 0 for b in batches)
    # Retractions are kept as the current version (so a lower version stays ignored).
    assert SourceRecord.objects.filter(op="retract").count() == sum(b.retracted
                                                                    for b in batches)
    # Every accepted version is in the history (superseded ones in RecordVersion, the
    # current one in SourceRecord, never both), and the batch counts add up.
    applied = sum(b.created + b.updated + b.retracted for b in batches)
    assert RecordVersion.objects.count() + SourceRecord.objects.count() == applied
    assert RecordVersion.objects.count() > 0  # the samples have corrections
    current = {(s, r): v for s, r, v in SourceRecord.objects.values_list(
        "source", "record_id", "version")}
    assert all(v < current[(s, r)] for s, r, v in RecordVersion.objects.values_list(
        "source", "record_id", "version"))
    assert sum(b.rows for b in batches) == len(records_in(feeds_dir / fmt))


def test_jsonl_and_csv_samples_store_the_same(feeds_dir: Path) -> None:
    _import_dir(feeds_dir / "jsonl")
    again = _import_dir(feeds_dir / "csv")
    # The CSV files say the same as the JSON Lines files: a replay.
    assert sum(b.created + b.updated + b.retracted + b.conflict + b.rejected
               for b in again) == 0
    assert by_key(live_records()) == by_key(current_records(records_in(feeds_dir / "jsonl")))


_ID_RE = re.compile(r"\d{17}[\dX]")


def _all_text_in_database() -> str:
    chunks = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            cols = [c.name for c in connection.introspection.get_table_description(cur, table)]
            quoted = ", ".join(connection.ops.quote_name(c) for c in cols)
            cur.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cur.fetchall():
                chunks.extend(str(v) for v in row if v is not None)
    return "\n".join(chunks)


def test_no_id_number_in_clear_in_the_database(feeds_dir: Path) -> None:
    _import_dir(feeds_dir / "jsonl")
    records_import_file(path=feeds_dir / "invalid" / "bad_id_check_character.jsonl")
    records_import_file(path=feeds_dir / "invalid" / "future_birth_date.jsonl")
    numbers = set()
    for r in records_in(feeds_dir / "jsonl"):
        numbers.update(v for v in (r.id_number, r.get("child_id_number"),
                                   r.get("spouse_id_number")) if v)
    assert len(numbers) > 50
    text = _all_text_in_database()
    assert SourceRecord.objects.count() > 800
    leaked = numbers & set(_ID_RE.findall(text))
    assert not leaked, f"{len(leaked)} ID numbers in clear"
    # Nor the rejected rows' numbers (their messages are masked).
    raw = (feeds_dir / "invalid" / "future_birth_date.jsonl").read_text()
    assert _ID_RE.search(raw).group(0) not in text  # type: ignore[union-attr]


def test_export_reads_back_equal(feeds_dir: Path, tmp_path: Path) -> None:
    _import_dir(feeds_dir / "jsonl")
    expected = by_key(current_records(records_in(feeds_dir / "jsonl")))
    counts = records_export_parquet(out_dir=tmp_path / "pq", chunk_size=50)
    assert sum(counts.values()) == len(expected)
    back = [r for _, _, r in read_paths([tmp_path / "pq"]) if isinstance(r, Record)]
    assert by_key(back) == expected
    records_export_jsonl(out_dir=tmp_path / "jl", chunk_size=50)
    back = [r for _, _, r in read_paths([tmp_path / "jl"]) if isinstance(r, Record)]
    assert by_key(back) == expected


def test_command_prints_counts_and_rejections_and_fails(feeds_dir: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    call_command("feeds", "import", str(feeds_dir / "jsonl" / "lease.jsonl"))
    out = capsys.readouterr().out
    assert "lease.jsonl" in out and "created=45" in out and "retracted=1" in out
    with pytest.raises(SystemExit) as exc:
        call_command("feeds", "import", str(feeds_dir / "invalid" / "negative_hours.jsonl"))
    assert exc.value.code == 1
    out = capsys.readouterr().out
    assert "row 2" in out and "VS000002" in out and "field=hours" in out
    assert "应大于 0" in out and "greater than 0" in out


def test_bulk_form_equals_the_plain_form(feeds_dir: Path) -> None:
    """The bulk-load path (pipeline.Preparer: one pass of the C JSON encoder, cached MAC
    and cipher) stores what the plain functions of codec give, for every sample record."""
    records = [r for _, _, r in read_paths([feeds_dir / "jsonl"]) if isinstance(r, Record)]
    prepared = Preparer()(list(enumerate(records)))
    assert len(prepared) == len(records) > 800
    for (_, p), r in zip(prepared, records, strict=True):
        fields, linked = stored_fields(r)
        assert (p.fields, p.digest) == (dumps(fields), content_digest(r))
        assert p.linked_hash == (id_number_hash(linked) if linked else "")
        assert [crypto.decrypt(v) if v else "" for v in (p.id_number, p.linked_id_number)] == [
            r.id_number or "", linked]


def test_an_import_leaves_the_garbage_collector_as_it_found_it(feeds_dir: Path) -> None:
    before = (gc.get_threshold(), gc.get_freeze_count())
    records_import_file(path=feeds_dir / "jsonl" / "lease.jsonl")
    assert (gc.get_threshold(), gc.get_freeze_count()) == before

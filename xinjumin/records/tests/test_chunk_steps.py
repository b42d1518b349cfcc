"""The steps of one import chunk (services._Chunk), each seen through records_ingest with
the rows in one chunk: decide (several versions, a retraction, an identity change, a
replay and a conflict against what is stored), write_history, touched, add_counts, and a
chunk retried after a concurrent import stored one of its keys first."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from points.identifiers import id_check_character
from xinjumin.people.selectors import id_number_hash
from xinjumin.records import services
from xinjumin.records.models import ImportBatch, RecordVersion, RowRejection, SourceRecord
from xinjumin.records.services import records_ingest
from xinjumin.records.signals import records_changed

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 1)


def _id(first17: str) -> str:
    return first17 + id_check_character(first17)


ANNA, BO, CHEN, DAN, EVA = (_id(f) for f in (
    "33020419850310123", "36042619910101007", "33021219880808456", "33020319900202789",
    "33020519920303123"))


def diploma(version: int = 1, level: str = "bachelor", op: str = "upsert",
            id_number: str = ANNA, record_id: str = "D-1") -> dict[str, Any]:
    return {"source": "EDU", "type": "diploma", "record_id": record_id, "version": version,
            "op": op, "id_number": id_number, "level": level, "issued_on": "2010-07-01"}


def marriage(version: int, spouse: str) -> dict[str, Any]:
    return {"source": "PSB", "type": "marriage", "record_id": "M-1", "version": version,
            "id_number": ANNA, "spouse_id_number": spouse, "since": "2012-01-01"}


def ingest(rows: list[dict[str, Any]], **kw: Any) -> tuple[ImportBatch, list[str]]:
    batch, result = records_ingest(rows=rows, today=TODAY, **kw)
    return batch, [o["outcome"] for o in result]


def versions(record_id: str = "D-1") -> list[tuple[int, str, str]]:
    """RecordVersion rows in the order written: (version, op, level)."""
    return [(v.version, v.op, v.fields.get("level", "")) for v in
            RecordVersion.objects.filter(record_id=record_id).order_by("pk")]


def test_several_versions_of_a_key_in_one_chunk() -> None:
    assert ingest([diploma()])[1] == ["created"]
    stored = SourceRecord.objects.get(record_id="D-1")
    batch, got = ingest([diploma(2, "master"), diploma(3, "doctor"), diploma(2, "master")])
    assert got == ["updated", "updated", "ignored"]
    now = SourceRecord.objects.get(record_id="D-1")
    assert (now.version, now.fields["level"], now.batch.pk) == (3, "doctor", batch.pk)
    assert now.first_received_at == stored.first_received_at < now.received_at
    # write_history: the stored version moved first, then the one superseded in the chunk
    assert versions() == [(1, "upsert", "bachelor"), (2, "upsert", "master")]
    assert (batch.rows, batch.updated, batch.ignored) == (3, 2, 1)


def test_a_retraction_inside_one_chunk() -> None:
    batch, got = ingest([diploma(), diploma(2, op="retract"), diploma(2, op="retract"),
                         diploma(1), diploma(3, "master")])
    assert got == ["created", "retracted", "unchanged", "ignored", "updated"]
    assert versions() == [(1, "upsert", "bachelor"), (2, "retract", "bachelor")]
    now = SourceRecord.objects.get(record_id="D-1")
    assert (now.version, now.op, now.fields["level"]) == (3, "upsert", "master")
    assert batch.counts() == {"created": 1, "updated": 1, "unchanged": 1, "ignored": 1,
                              "conflict": 0, "retracted": 1, "rejected": 0}


def test_an_identity_change_inside_one_chunk_keeps_the_first() -> None:
    lease = {"source": "HOUSING", "type": "lease", "record_id": "H-1", "id_number": DAN,
             "district": "330212", "complex_id": "C-1", "monthly_rent": 2000,
             "start": "2024-01-01"}
    public_rental = {"source": "HOUSING", "type": "public_rental", "record_id": "H-1",
                     "version": 2, "id_number": DAN, "district": "330212",
                     "start": "2024-01-01"}
    batch, result = records_ingest(rows=[diploma(), diploma(2, id_number=BO), lease,
                                         public_rental], today=TODAY)
    assert [o["outcome"] for o in result] == ["created", "identity_change", "created",
                                              "identity_change"]
    assert [e["code"] for o in result[1::2] for e in o["errors"]] == ["identity_change"] * 2
    now = SourceRecord.objects.get(record_id="D-1")
    assert (now.version, now.subject_hash) == (1, id_number_hash(ANNA))
    assert SourceRecord.objects.get(record_id="H-1").type == "lease"
    assert (batch.created, batch.rejected, batch.rows) == (2, 2, 4)
    assert list(RowRejection.objects.filter(batch=batch).values_list("row", "field")) == [
        (1, "id_number"), (3, "id_number")]


def test_a_replay_and_a_conflict_against_what_is_stored() -> None:
    ingest([diploma(), diploma(record_id="D-2")])
    before = list(SourceRecord.objects.order_by("pk").values_list("pk", "digest",
                                                                  "received_at"))
    batch, got = ingest([diploma(), diploma(level="master", record_id="D-2")])
    assert got == ["unchanged", "conflict"]
    assert list(SourceRecord.objects.order_by("pk").values_list(
        "pk", "digest", "received_at")) == before
    assert RecordVersion.objects.count() == 0
    assert (batch.unchanged, batch.conflict, batch.rejected) == (1, 1, 0)
    assert RowRejection.objects.get(batch=batch).code == "conflict"


def test_touched_names_everyone_a_chunk_may_change(
        django_capture_on_commit_callbacks: Any) -> None:
    lease = {"source": "HOUSING", "type": "lease", "record_id": "L-1", "id_number": DAN,
             "district": "330212", "complex_id": "C-1", "monthly_rent": 2000,
             "start": "2024-01-01"}
    rent = {"source": "HOUSING", "type": "complex_rent", "record_id": "CR-1",
            "complex_id": "C-1", "district": "330212", "year": 2026, "average_rent": 3100}
    ingest([marriage(1, BO), lease])
    calls: list[set[str]] = []

    def receiver(sender: Any, subject_hashes: set[str], **kw: Any) -> None:
        calls.append(set(subject_hashes))

    records_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            # The stored marriage names BO; v2 (superseded in this chunk) CHEN, v3 EVA;
            # a rent figure of the complex DAN rents in.
            _, got = ingest([marriage(2, CHEN), marriage(3, EVA), rent])
    finally:
        records_changed.disconnect(receiver)
    assert got == ["updated", "updated", "created"]
    assert calls == [{id_number_hash(n) for n in (ANNA, BO, CHEN, DAN, EVA)}]


def test_counts_add_up_over_chunks() -> None:
    rows = [diploma(), diploma(record_id="D-2"), {"source": "EDU"}, diploma(),
            diploma(level="master"), diploma(2, "master")]
    batch, got = ingest(rows, chunk_size=2)
    assert got == ["created", "created", "rejected", "unchanged", "conflict", "updated"]
    stored = ImportBatch.objects.get(pk=batch.pk)
    for b in (batch, stored):
        assert (b.rows, b.created, b.unchanged, b.conflict, b.updated, b.rejected) == (
            6, 2, 1, 1, 1, 1)


def test_a_chunk_retried_after_a_concurrent_import_reports_each_row_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another import stores D-1 between this chunk's SELECT and its INSERT: the chunk is
    rolled back and run again, and its rows are counted and reported once. (Here the other
    import shares the test's connection, so it is rolled back too and the retry creates.)"""
    real = services.select_current
    raced: list[int] = []

    def select_then_lose_the_race(keys: Any) -> Any:
        found = real(keys)
        if not raced:
            raced.append(1)
            records_ingest(rows=[diploma()], today=TODAY)  # the other import
        return found

    monkeypatch.setattr(services, "select_current", select_then_lose_the_race)
    batch, result = records_ingest(rows=[diploma(), diploma(record_id="D-2")], today=TODAY)
    assert raced == [1]
    assert [(o["row"], o["outcome"]) for o in result] == [(0, "created"), (1, "created")]
    assert (batch.rows, batch.created) == (2, 2)
    assert ImportBatch.objects.get(pk=batch.pk).created == 2
    assert SourceRecord.objects.count() == 2

"""feeds.md "Versions" through records_ingest (the API path) and records_import_file:
replay, correction, lower version, conflict, retraction and revival, identity change,
API key scope, and the records_changed signal per committed chunk."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.personas import ADULT_HS_ID, ADULT_YZ_ID, CHILD_YZ_ID
from xinjumin.people.selectors import id_number_hash
from xinjumin.records.models import RecordVersion, RowRejection, SourceRecord
from xinjumin.records.selectors import engine_records_for
from xinjumin.records.services import records_import_file, records_ingest
from xinjumin.records.signals import records_changed

pytestmark = pytest.mark.django_db


def lease(version: int = 1, rent: str = "1800.00", op: str = "upsert",
          record_id: str = "LS-1", id_number: str = ADULT_YZ_ID, **extra: Any) -> dict:
    row = {"source": "HOUSING", "type": "lease", "record_id": record_id, "version": version,
           "op": op, "id_number": id_number, "district": "330212", "complex_id": "C-1",
           "monthly_rent": rent, "start": "2024-03-01"}
    row.update(extra)
    return row


def outcomes(rows: list[dict], **kw: Any) -> list[str]:
    return [o["outcome"] for o in records_ingest(rows=rows, **kw)[1]]


def current() -> SourceRecord:
    return SourceRecord.objects.get(source="HOUSING", record_id="LS-1")


def history(record_id: str = "LS-1") -> list[tuple[int, str, str | None]]:
    """Every accepted version, oldest first: the superseded ones (RecordVersion) and the
    current one (SourceRecord), as (version, op, monthly_rent)."""
    rows = [(v.version, v.op, v.fields.get("monthly_rent"))
            for v in RecordVersion.objects.filter(record_id=record_id).order_by("version")]
    now = SourceRecord.objects.get(record_id=record_id)
    assert all(v < now.version for v, _, _ in rows)  # the current version is stored once
    return [*rows, (now.version, now.op, now.fields.get("monthly_rent"))]


def test_replay_changes_nothing() -> None:
    assert outcomes([lease(), lease(record_id="LS-2")]) == ["created", "created"]
    before = list(SourceRecord.objects.values_list("pk", "version", "digest", "received_at"))
    assert outcomes([lease(rent="1800"), lease(record_id="LS-2")]) == ["unchanged"] * 2
    assert list(SourceRecord.objects.values_list("pk", "version", "digest",
                                                 "received_at")) == before
    assert RecordVersion.objects.count() == 0  # nothing superseded
    assert history("LS-1") == [(1, "upsert", "1800.00")]


def test_higher_version_replaces_and_keeps_history() -> None:
    outcomes([lease()])
    first = current()
    assert outcomes([lease(version=2, rent="2100.50")]) == ["updated"]
    now = current()
    assert (now.version, now.fields["monthly_rent"]) == (2, "2100.50")
    assert now.first_received_at == first.first_received_at
    assert [(v.version, v.fields["monthly_rent"]) for v in RecordVersion.objects.filter(
        record_id="LS-1")] == [(1, "1800.00")]
    assert history() == [(1, "upsert", "1800.00"), (2, "upsert", "2100.50")]
    (record,) = engine_records_for(id_numbers=[ADULT_YZ_ID])[:1]
    assert record.get("monthly_rent") == Decimal("2100.50")


def test_lower_version_is_ignored() -> None:
    outcomes([lease(version=3, rent="2500")])
    assert outcomes([lease(version=2, rent="1000")]) == ["ignored"]
    assert (current().version, current().fields["monthly_rent"]) == (3, "2500.00")
    assert history() == [(3, "upsert", "2500.00")]


def test_same_version_other_content_is_a_conflict_and_the_first_stays() -> None:
    batch, result = records_ingest(rows=[lease(), lease(rent="999")])
    assert [o["outcome"] for o in result] == ["created", "conflict"]
    assert result[1]["errors"][0]["code"] == "conflict"
    assert current().fields["monthly_rent"] == "1800.00"
    assert (batch.created, batch.conflict) == (1, 1)
    rejection = RowRejection.objects.get(batch=batch)
    assert (rejection.row, rejection.record_id, rejection.code) == (1, "LS-1", "conflict")


def test_retract_then_revive() -> None:
    outcomes([lease()])
    assert outcomes([lease(version=2, op="retract")]) == ["retracted"]
    assert current().op == "retract"
    assert engine_records_for(id_numbers=[ADULT_YZ_ID]) == []
    # A replayed retraction (payload left out) is unchanged; a lower upsert is ignored.
    assert outcomes([{"source": "HOUSING", "type": "lease", "record_id": "LS-1",
                      "version": 2, "op": "retract", "id_number": ADULT_YZ_ID}]) == [
        "unchanged"]
    assert outcomes([lease(version=1)]) == ["ignored"]
    assert outcomes([lease(version=3, rent="1900")]) == ["updated"]
    (record,) = engine_records_for(id_numbers=[ADULT_YZ_ID])
    assert (record.version, record.op, record.get("monthly_rent")) == (3, "upsert",
                                                                       Decimal("1900.00"))
    assert [op for _, op, _ in history()] == ["upsert", "retract", "upsert"]
    assert RecordVersion.objects.count() == 2


def test_a_record_cannot_change_its_subject() -> None:
    outcomes([lease()])
    batch, result = records_ingest(rows=[lease(version=2, id_number=ADULT_HS_ID)])
    assert result[0]["outcome"] == "identity_change"
    assert batch.rejected == 1
    assert current().version == 1
    assert engine_records_for(id_numbers=[ADULT_HS_ID]) == []


def test_bad_row_rejected_whole_good_rows_applied() -> None:
    batch, result = records_ingest(rows=[lease(record_id="A"), lease(record_id="B",
                                                                     start="2024-02-30"),
                                         lease(record_id="C")])
    assert [o["outcome"] for o in result] == ["created", "rejected", "created"]
    assert result[1]["errors"][0]["code"] == "impossible_date"
    assert result[1]["row"] == 1 and result[1]["record_id"] == "B"
    assert set(SourceRecord.objects.values_list("record_id", flat=True)) == {"A", "C"}
    assert batch.rejected == 1 and batch.source == "HOUSING"


def test_api_key_scope() -> None:
    diploma = {"source": "EDU", "type": "diploma", "record_id": "D-1", "id_number":
               ADULT_YZ_ID, "level": "bachelor", "issued_on": "2010-07-01"}
    batch, result = records_ingest(rows=[lease(), diploma],
                                   source_scope=("HOUSING", {"lease"}), api_key_id=7)
    assert [o["outcome"] for o in result] == ["created", "rejected"]
    assert result[1]["errors"][0]["code"] == "type_not_allowed"
    assert list(SourceRecord.objects.values_list("type", flat=True)) == ["lease"]
    assert batch.api_key_id == 7 and batch.channel == "api"


def test_signal_once_per_committed_chunk(django_capture_on_commit_callbacks: Any,
                                         tmp_path: Path) -> None:
    calls: list[set[str]] = []

    def receiver(sender: Any, subject_hashes: set[str], **kw: Any) -> None:
        calls.append(set(subject_hashes))

    records_changed.connect(receiver)
    try:
        marriage = {"source": "PSB", "type": "marriage", "record_id": "M-1",
                    "id_number": ADULT_YZ_ID, "spouse_id_number": ADULT_HS_ID,
                    "since": "2012-01-01"}
        guardianship = {"source": "PSB", "type": "guardianship", "record_id": "G-1",
                        "id_number": ADULT_HS_ID, "child_id_number": CHILD_YZ_ID,
                        "since": "2015-05-01"}
        with django_capture_on_commit_callbacks(execute=True):
            records_ingest(rows=[marriage, guardianship, lease(), lease(start="bad")],
                           chunk_size=2)
        h = id_number_hash
        assert calls == [{h(ADULT_YZ_ID), h(ADULT_HS_ID), h(CHILD_YZ_ID)}, {h(ADULT_YZ_ID)}]
        calls.clear()
        with django_capture_on_commit_callbacks(execute=True):
            records_ingest(rows=[lease()], chunk_size=2)  # a replay touches nobody
        assert calls == []
    finally:
        records_changed.disconnect(receiver)


def test_gbk_csv_and_xlsx(tmp_path: Path) -> None:
    header = "source,type,record_id,version,op,id_number,district,complex_id,unit," \
             "monthly_rent,start,end\n"
    path = tmp_path / "lease.csv"
    path.write_bytes((header + f"HOUSING,lease,LS-1,1,,{ADULT_YZ_ID},330212,C-1,3幢201,"
                      "1800,2024-03-01,\n").encode("gbk"))
    batch = records_import_file(path=path, today=dt.date(2026, 11, 1))
    assert batch.created == 1 and current().fields["unit"] == "3幢201"
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "lease"
    ws.append(["source", "record_id", "version", "id_number", "district", "complex_id",
               "monthly_rent", "start"])
    ws.append(["HOUSING", "LS-1", 2, ADULT_YZ_ID, "330212", "C-1", 1950, "2024-03-01"])
    wb.save(tmp_path / "upload.xlsx")
    batch = records_import_file(path=tmp_path / "upload.xlsx", channel="upload")
    assert (batch.channel, batch.updated) == ("upload", 1)
    assert current().fields["monthly_rent"] == "1950.00"

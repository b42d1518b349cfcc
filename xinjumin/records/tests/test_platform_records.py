"""The records only the platform writes (domain.md §9.1), and the two types feeds.md added
(union_membership, record_override) through storage, export and the columnar read.

Records of source XJM and record ids starting `XJM-` are the platform's own: a department
(API key: records_ingest with a source scope, POST /feeds/records) and an operator's file
(records_import_file: `xjm feeds import`, the back-office upload) get a row-level rejection
"platform_record"; the platform's services write them through records_ingest without a
scope."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from points import RecordIndex, evaluate_person, load_profile
from points.population import load_current
from tests.client import Client
from tests.personas import ADULT_YZ_ID
from xinjumin.api.credentials import api_key_create
from xinjumin.records import columnar
from xinjumin.records.export import records_export_jsonl, records_export_parquet
from xinjumin.records.models import RowRejection, SourceRecord
from xinjumin.records.selectors import engine_records_for
from xinjumin.records.services import records_import_file, records_ingest

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 1)
KEY = ["source", "record_id"]


def permit(record_id: str = "P-1", **extra: Any) -> dict[str, Any]:
    return {"source": "PSB", "type": "residence_permit", "record_id": record_id,
            "id_number": ADULT_YZ_ID, "permit_no": "P1", "district": "330212",
            "issued_on": "2020-03-09", "count_start": "2020-03-09", **extra}


def override(record_id: str = "XJM-O-1", target: str = "P-1", **extra: Any) -> dict[str, Any]:
    return {"source": "XJM", "type": "record_override", "record_id": record_id,
            "id_number": ADULT_YZ_ID, "target_source": "PSB", "target_record_id": target,
            "effect": "disregard", "from": "2026-06-01", "until": "2026-08-31",
            "case_no": "C-2026-0001", **extra}


def union(record_id: str = "U-1") -> dict[str, Any]:
    return {"source": "UNION", "type": "union_membership", "record_id": record_id,
            "id_number": ADULT_YZ_ID, "district": "330212", "start": "2024-03-01"}


def stored() -> set[tuple[str, str]]:
    return set(SourceRecord.objects.values_list("source", "record_id"))


def test_a_department_may_not_send_the_platforms_records() -> None:
    rows = [permit(), permit("XJM-P-P1"), override()]
    batch, result = records_ingest(rows=rows, source_scope=("PSB", {"residence_permit"}),
                                   today=TODAY)
    assert [o["outcome"] for o in result] == ["created", "rejected", "rejected"]
    prefix, source = result[1]["errors"][0], result[2]["errors"][0]
    assert (prefix["code"], prefix["field"]) == ("platform_record", "record_id")
    assert (source["code"], source["field"]) == ("platform_record", "source")
    for error in (prefix, source):  # Chinese first, then English, naming the record
        assert "平台" in error["message"] and "platform" in error["message_en"]
    assert "XJM-P-P1" in prefix["message"] and "XJM-" in prefix["message_en"]
    assert "XJM-O-1" in source["message"]
    assert stored() == {("PSB", "P-1")}
    assert batch.rejected == 2 and batch.created == 1
    assert set(RowRejection.objects.filter(batch=batch).values_list("row", "code")) == {
        (1, "platform_record"), (2, "platform_record")}


def test_even_a_key_of_source_xjm_sends_nothing() -> None:
    # api_key_create accepts any source of feeds.md; the rows are refused all the same
    _, result = records_ingest(rows=[override()], source_scope=("XJM", {"record_override"}),
                               today=TODAY)
    assert result[0]["outcome"] == "rejected"
    assert result[0]["errors"][0]["code"] == "platform_record"
    assert stored() == set()


def test_a_retraction_of_a_platform_record_is_refused_too() -> None:
    records_ingest(rows=[permit("XJM-P-P1")], today=TODAY)  # the platform issued it
    _, result = records_ingest(rows=[{**permit("XJM-P-P1"), "version": 2, "op": "retract"}],
                               source_scope=("PSB", {"residence_permit"}), today=TODAY)
    assert result[0]["errors"][0]["code"] == "platform_record"
    assert SourceRecord.objects.get(record_id="XJM-P-P1").op == "upsert"


def test_an_operators_file_import_may_not_carry_them(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        permit(), permit("XJM-P-P1"), override(), union()]) + "\n", encoding="utf-8")
    batch = records_import_file(path=path, today=TODAY)
    assert (batch.created, batch.rejected) == (2, 2)
    assert stored() == {("PSB", "P-1"), ("UNION", "U-1")}
    assert list(RowRejection.objects.filter(batch=batch).order_by("row")
                .values_list("row", "code", "field")) == [
        (2, "platform_record", "record_id"), (3, "platform_record", "source")]


def test_the_platform_writes_them_without_a_scope() -> None:
    _, result = records_ingest(rows=[permit(), permit("XJM-P-P1"), override()], today=TODAY)
    assert [o["outcome"] for o in result] == ["created"] * 3
    assert stored() == {("PSB", "P-1"), ("PSB", "XJM-P-P1"), ("XJM", "XJM-O-1")}


def test_the_api_refuses_them_row_by_row() -> None:
    key = api_key_create(name="PSB 人口系统", source="PSB",
                         record_types=["residence_permit"]).key
    response = Client(headers={"X-API-Key": key}).post(
        "/api/v1/feeds/records", json.dumps({"records": [permit(), permit("XJM-P-P1")]}),
        content_type="application/json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(r["record_id"], r["outcome"]) for r in results] == [
        ("P-1", "created"), ("XJM-P-P1", "rejected")]
    assert results[1]["errors"][0]["code"] == "platform_record"


def test_an_override_invalid_by_the_format_is_rejected_by_field() -> None:
    _, result = records_ingest(rows=[
        override("XJM-O-2", **{"until": "2026-05-31"}),  # until before from
        override("XJM-O-3", target_source="XJM"),  # an override of an override
        override("XJM-O-4", effect="ignore"),
        {**override("XJM-O-5"), "source": "PSB"},  # only the platform sends the type
        {**union(), "end": "2024-02-29"},  # a spell ending before it starts
    ], today=TODAY)
    assert [(o["errors"][0]["field"], o["errors"][0]["code"]) for o in result] == [
        ("until", "order_reversed"), ("target_source", "unknown_code"),
        ("effect", "unknown_code"), ("source", "wrong_source"), ("end", "order_reversed")]
    assert stored() == set()


def test_stored_exported_and_read_in_columns(tmp_path: Path) -> None:
    records_ingest(rows=[permit(), override(), union(), override("XJM-O-9", until=None)],
                   today=TODAY)
    records_export_jsonl(out_dir=tmp_path / "jsonl")
    lines = (tmp_path / "jsonl" / "record_override.jsonl").read_text().splitlines()
    assert json.loads(lines[0]) == {**override(), "version": 1, "op": "upsert"}
    assert "until" not in json.loads(lines[1])
    records_export_parquet(out_dir=tmp_path / "parquet")
    exported = load_current(tmp_path / "parquet", strict=False)
    population = columnar.read_population()
    for name in ("record_override", "union_membership"):
        want = exported[name].collect().sort(KEY)
        got = population.frames[name].collect().sort(KEY)
        assert got.schema == want.schema and got.equals(want), name
    frame = population.frames["record_override"].collect().sort("record_id")
    assert frame.schema["from"] == pl.Date and frame.schema["until"] == pl.Date
    assert frame["until"].to_list() == [dt.date(2026, 8, 31), None]
    assert population.frames["union_membership"].collect()["start"].to_list() == [
        dt.date(2024, 3, 1)]


def test_the_subjects_records_bring_the_overrides_of_them() -> None:
    records_ingest(rows=[permit(), override()], today=TODAY)
    index = RecordIndex(engine_records_for(id_numbers=[ADULT_YZ_ID]), live=True)
    rules = load_profile("ningbo-2021")
    during = evaluate_person(index, ADULT_YZ_ID, dt.date(2026, 7, 1), "330212", rules)
    after = evaluate_person(index, ADULT_YZ_ID, dt.date(2026, 9, 1), "330212", rules)
    assert (during.item("permit").points, during.item("permit").record_ids) == (0, ())
    assert after.item("permit").record_ids == ("PSB:P-1",)

"""Department systems send records over the API (POST /feeds/records, X-API-Key): one
result per record, a key's types only, replays unchanged, conflicts rejected, retries with
an Idempotency-Key answered once."""

from __future__ import annotations

import json
from typing import Any

from tests.api.conftest import API, assert_error
from tests.client import Client
from tests.personas import ADULT_YZ_ID
from xinjumin.records.models import ImportBatch, RowRejection, SourceRecord

URL = f"{API}/feeds/records"
ID = ADULT_YZ_ID


def _si(record_id: str = "SI-1", version: int = 1, last_month: str = "2026-10") -> dict:
    return {"source": "HRSS", "type": "social_insurance_period", "record_id": record_id,
            "version": version, "id_number": ID, "employer_uscc": "91350100M000100Y43",
            "district": "330212", "first_month": "2024-01", "last_month": last_month}


def _employment() -> dict:
    return {"source": "HRSS", "type": "employment", "record_id": "EMP-1", "id_number": ID,
            "kind": "contract", "district": "330212", "start": "2024-01-01"}


def _diploma() -> dict:
    return {"source": "EDU", "type": "diploma", "record_id": "DIP-1", "id_number": ID,
            "level": "bachelor", "issued_on": "2010-07-01"}


def _post(key: str, records: list[dict], **headers: str) -> Any:
    return Client(headers={"X-API-Key": key, **headers}).post(
        URL, json.dumps({"records": records}), content_type="application/json")


def test_allowed_records_are_applied_and_a_foreign_type_is_rejected_in_its_result(world, hrss_key):
    response = _post(hrss_key, [_si(), _diploma(), _employment()])
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["index"], r["record_id"], r["outcome"]) for r in body["results"]] == [
        (0, "SI-1", "created"), (1, "DIP-1", "rejected"), (2, "EMP-1", "created")]
    error = body["results"][1]["errors"][0]
    assert error["code"] == "type_not_allowed" and error["field"] == "type"
    assert "diploma" in error["message"] and "diploma" in error["message_en"]
    assert body["counts"]["created"] == 2 and body["counts"]["rejected"] == 1
    stored = set(SourceRecord.objects.values_list("source", "record_id"))
    assert stored == {("HRSS", "SI-1"), ("HRSS", "EMP-1")}
    batch = ImportBatch.objects.get(pk=body["batch_id"])
    assert (batch.channel, batch.source, batch.rows) == ("api", "HRSS", 3)
    assert RowRejection.objects.filter(batch=batch, row=1, code="type_not_allowed").exists()


def test_replay_is_unchanged_a_correction_updates_and_a_conflict_is_rejected(world, hrss_key):
    assert _post(hrss_key, [_si()]).json()["results"][0]["outcome"] == "created"
    replay = _post(hrss_key, [_si()]).json()
    assert replay["results"][0]["outcome"] == "unchanged"
    conflict = _post(hrss_key, [_si(last_month="2026-09")]).json()["results"][0]
    assert conflict["outcome"] == "conflict"
    assert conflict["errors"][0]["code"] == "conflict"
    assert conflict["errors"][0]["field"] == "version"
    assert SourceRecord.objects.get(record_id="SI-1").fields["last_month"] == "2026-10"
    update = _post(hrss_key, [_si(version=2, last_month="2026-09")]).json()
    assert update["results"][0]["outcome"] == "updated"
    assert SourceRecord.objects.get(record_id="SI-1").fields["last_month"] == "2026-09"


def test_invalid_record_is_rejected_by_field_and_writes_nothing_of_it(world, hrss_key):
    bad = {**_si("SI-BAD"), "id_number": ID[:-1] + ("0" if ID[-1] != "0" else "1")}
    body = _post(hrss_key, [bad, _si("SI-OK")]).json()
    outcome = body["results"][0]
    assert outcome["outcome"] == "rejected" and outcome["errors"][0]["field"] == "id_number"
    assert outcome["errors"][0]["message"] and outcome["errors"][0]["message_en"]
    assert ID not in json.dumps(body, ensure_ascii=False)
    assert list(SourceRecord.objects.values_list("record_id", flat=True)) == ["SI-OK"]


def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(world, hrss_key):
    first = _post(hrss_key, [_si()], **{"Idempotency-Key": "k-1"}).json()
    again = _post(hrss_key, [_si()], **{"Idempotency-Key": "k-1"}).json()
    assert again == first and again["results"][0]["outcome"] == "created"
    assert ImportBatch.objects.count() == 1
    other = _post(hrss_key, [_si("SI-2")], **{"Idempotency-Key": "k-1"})
    assert_error(other, 409, "idempotency_key_reused")
    assert not SourceRecord.objects.filter(record_id="SI-2").exists()


def test_only_a_department_key_may_send_and_the_batch_is_bounded(world, hrss_key):
    staff = world.client("city_admin").post(URL, json.dumps({"records": [_si()]}),
                                             content_type="application/json")
    assert_error(staff, 401)
    empty = _post(hrss_key, [])
    assert "records" in assert_error(empty, 400, "invalid_input")["fields"]
    assert not SourceRecord.objects.exists()

"""GET /me/score is read from what is stored and served from the per-process cache, and a
new record that changes the stored score changes the answer at once (never stale).

Persona: 张伟明 of the suite's world (tests/personas.py), with a few department records sent
through the real ingestion.
"""

from __future__ import annotations

import json

import pytest

from tests.client import Client
from tests.personas import ADULT_YZ_ID, World
from xinjumin.api.credentials import api_key_create
from xinjumin.api.score_cache import cache_clear
from xinjumin.records.services import records_ingest
from xinjumin.scoring.models import StoredScore

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/score"


RECORDS = [
    {"source": "PSB", "type": "residence_registration", "record_id": "RR-CACHE",
     "id_number": ADULT_YZ_ID, "district": "330212", "arrived_on": "2023-03-01",
     "registered_on": "2023-03-02"},
    {"source": "PSB", "type": "residence_permit", "record_id": "RP-CACHE",
     "id_number": ADULT_YZ_ID, "permit_no": "NB2023000123", "district": "330212",
     "issued_on": "2023-09-10", "count_start": "2023-03-02"},
    {"source": "EDU", "type": "diploma", "record_id": "DIP-CACHE", "id_number": ADULT_YZ_ID,
     "level": "junior_college", "issued_on": "2012-07-01"},
]


@pytest.fixture
def resident_client(world: World, django_capture_on_commit_callbacks) -> Client:  # type: ignore[no-untyped-def]
    cache_clear()
    with django_capture_on_commit_callbacks(execute=True):  # the re-score after the import
        _batch, outcomes = records_ingest(rows=RECORDS)
    assert [o["outcome"] for o in outcomes] == ["created"] * len(RECORDS), outcomes
    return world.client("resident_yz")


def _refs(body: dict) -> set[str]:
    return {r["ref"] for c in body["categories"] for i in c["items"] for r in i["records"]}


def test_a_repeated_read_is_the_same_body_with_two_queries(
        resident_client, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    first = resident_client.get(URL)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["common"] and _refs(body), body  # explained: the records behind items
    # the token with its user and own resident (authentication), then the current stored
    # score's id (the cache's own layer)
    with django_assert_max_num_queries(2):
        again = resident_client.get(URL)
    assert again.content == first.content


def test_a_new_record_changes_the_answer_at_once(
        resident_client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    before = resident_client.get(URL).json()
    stored_before = StoredScore.objects.get(is_current=True, resident__isnull=False,
                                            resident_id=before["resident_id"]).pk
    key = api_key_create(name="血站", source="BLOOD", record_types=["blood_donation"]).key
    record = {"source": "BLOOD", "type": "blood_donation", "record_id": "CACHE-TEST-1",
              "id_number": ADULT_YZ_ID, "donated_on": "2026-03-01",
              "kind": "whole_blood"}
    with django_capture_on_commit_callbacks(execute=True):
        sent = Client(headers={"X-API-Key": key}).post(
            "/api/v1/feeds/records", json.dumps({"records": [record]}),
            content_type="application/json")
    assert sent.json()["results"][0]["outcome"] == "created", sent.content
    stored_after = StoredScore.objects.get(is_current=True,
                                           resident_id=before["resident_id"]).pk
    assert stored_after != stored_before  # re-scored and stored as a new current row
    after = resident_client.get(URL).json()
    assert "BLOOD:CACHE-TEST-1" in _refs(after) and "BLOOD:CACHE-TEST-1" not in _refs(before)
    assert ADULT_YZ_ID not in json.dumps(after)

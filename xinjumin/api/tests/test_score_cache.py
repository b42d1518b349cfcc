"""GET /me/score is read from what is stored and served from the per-process cache, and a
new record that changes the stored score changes the answer at once (never stale).

Persona: the demo resident 李明华 (xinjumin.demo.personas), with the demo department
records sent through the real ingestion by `load_demo`.
"""

from __future__ import annotations

import json

import pytest

from tests.client import Client
from xinjumin.api.credentials import api_key_create, api_token_issue
from xinjumin.api.score_cache import cache_clear
from xinjumin.demo import personas
from xinjumin.demo.load import load_demo
from xinjumin.people.selectors import resident_by_id_number
from xinjumin.scoring.models import StoredScore

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/score"


@pytest.fixture
def resident_client(db) -> Client:  # type: ignore[no-untyped-def]
    cache_clear()
    load_demo(target=3)
    resident = resident_by_id_number(id_number=personas.RESIDENT_ID_NUMBER)
    token = api_token_issue(user=resident.account, kind="resident").token
    return Client(headers={"Authorization": f"Bearer {token}"})


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
              "id_number": personas.RESIDENT_ID_NUMBER, "donated_on": "2026-03-01",
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
    assert personas.RESIDENT_ID_NUMBER not in json.dumps(after)

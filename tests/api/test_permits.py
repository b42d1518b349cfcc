"""The permit journey through the API: eligibility naming what is missing, an application
issued at once (a retry makes no second case or permit), a clerk at the counter applying
with a claim that the PSB reviewer verifies, the endorsement window, bad input."""

from __future__ import annotations

from tests.api.conftest import API, assert_error
from xinjumin.cases.models import Case
from xinjumin.records.models import SourceRecord
from xinjumin.records.services import records_ingest

PERMITS = f"{API}/permits"


def _post(client, path, body, key):
    return client.post(path, body, content_type="application/json",
                       headers={"Idempotency-Key": key})


def _records(id_number, *, registered_on="2023-03-02", employment=True):
    rows = [{"source": "PSB", "type": "residence_registration", "record_id": "REG-API-1",
             "id_number": id_number, "district": "330212", "arrived_on": "2023-03-01",
             "registered_on": registered_on}]
    if employment:
        rows.append({"source": "HRSS", "type": "employment", "record_id": "EMP-API-1",
                     "id_number": id_number, "kind": "contract", "district": "330212",
                     "start": "2023-04-01"})
    records_ingest(rows=rows)


def test_the_permit_journey_for_a_resident(world):
    resident = world.client("resident_yz")
    me = resident.get(f"{PERMITS}/me").json()
    assert me["permits"] == [] and not me["eligibility"]["eligible"]
    assert me["eligibility"]["registration"]["detail"].startswith("没有有效的居住登记")
    url = f"{PERMITS}/residents/{world.adult_yz.pk}/apply"
    refused = _post(resident, url, {}, "apply-000001")
    assert "registration" in assert_error(refused, 400, "invalid")["fields"]
    assert not Case.objects.exists()

    _records(world.adult_yz.id_number)
    first = _post(resident, url, {}, "apply-000002")
    assert first.status_code == 201, first.content
    case = first.json()
    assert (case["kind"], case["status"], case["decided_by_role"]) == (
        "permit", "accepted", "system")
    again = _post(resident, url, {}, "apply-000002")
    assert again.status_code == 201 and again.json()["id"] == case["id"]
    assert SourceRecord.objects.filter(type="residence_permit").count() == 1
    permits = resident.get(f"{PERMITS}/me").json()["permits"]
    assert [(p["status"], p["origin"], p["count_start"]) for p in permits] == [
        ("valid", "platform", "2023-03-02")]
    assert permits[0]["endorsement_opens"] < permits[0]["next_anniversary"]
    # the window is not open yet: the dates it opens and closes are named
    early = _post(resident, f"{PERMITS}/residents/{world.adult_yz.pk}/endorse", {},
                  "endorse-0001")
    assert "permit" in assert_error(early, 400, "invalid")["fields"]
    assert "签注时间为" in early.json()["fields"]["permit"]


def test_a_clerk_applies_at_the_counter_and_the_psb_reviewer_verifies_the_claim(world):
    _records(world.adult_yz.id_number, registered_on="2026-11-02", employment=False)
    clerk = world.client("window_yz")
    url = f"{PERMITS}/residents/{world.adult_yz.pk}/apply"
    bad = _post(clerk, url, {"claims": ["astronaut"]}, "counter-0001")
    assert "claims" in assert_error(bad, 400, "invalid")["fields"]
    sent = _post(clerk, url, {"claims": ["talent", "study"], "statement": "人才引进"},
                 "counter-0001")
    assert sent.status_code == 201, sent.content
    case = sent.json()
    assert (case["status"], case["assisted"], case["department"]) == ("open", True, "PSB")
    psb = world.client("psb_reviewer_yz")
    queue = psb.get(f"{API}/cases/queue").json()
    assert [c["id"] for c in queue["cases"]] == [case["id"]]
    assert world.client("reviewer_yz").get(f"{API}/cases/queue").json()["cases"] == []
    decided = psb.post(f"{API}/cases/{case['id']}/act",
                       {"action": "accept", "reasons": "人才认定书与就读证明已核验"},
                       content_type="application/json")
    assert decided.status_code == 200, decided.content
    mine = world.client("resident_yz").get(f"{PERMITS}/me").json()["permits"]
    assert [(p["status"], p["count_start"]) for p in mine] == [("valid", "2026-11-02")]


def test_a_permit_case_cannot_be_submitted_as_a_plain_case(world):
    sent = world.client("resident_yz").post(
        f"{API}/cases/me", {"kind": "permit", "department": "PSB"},
        content_type="application/json", headers={"Idempotency-Key": "plain-00001"})
    assert "kind" in assert_error(sent, 400, "invalid")["fields"]
    assert not Case.objects.exists()

"""The evidence journey through the API, end to end: the resident submits (a retry makes no
second case), the reviewer finds it first in the queue, asks for material (the clock
stops), the resident supplies it, the reviewer decides with reasons; the resident reads
status, history, deadline and the decider's role; two decisions at once, scope, bad
input."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import API, assert_error
from xinjumin.cases.models import Case

CASES = f"{API}/cases"
# what the evidence shows: the record an accepted evidence case becomes (cases.decisions)
SHOWN = {"record": {"type": "social_insurance_period", "employer_uscc": "91350100M000100Y43",
                    "district": "330212", "first_month": "2021-01", "last_month": "2022-12"}}
EVIDENCE = {"kind": "evidence", "department": "HRSS", "item_key": "social_insurance",
            "statement": "外省社保缴费记录未归集, 附缴费证明"}


def _post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", headers=headers)


def test_the_evidence_journey_end_to_end(world):
    resident, reviewer = world.client("resident_yz"), world.client("reviewer_yz")
    first = _post(resident, f"{CASES}/me", EVIDENCE, **{"Idempotency-Key": "tap-000000001"})
    assert first.status_code == 201, first.content
    case = first.json()
    again = _post(resident, f"{CASES}/me", EVIDENCE, **{"Idempotency-Key": "tap-000000001"})
    assert again.json()["id"] == case["id"] and Case.objects.count() == 1
    assert (case["status"], case["status_label"], case["actions"]) == (
        "open", "待审核", ["withdraw"])
    assert case["deadlines"][0]["reason"] == "submitted"

    queue = reviewer.get(f"{CASES}/queue").json()
    assert [c["id"] for c in queue["cases"]] == [case["id"]] and queue["counts"]["open"] == 1
    assert queue["cases"][0]["actions"] == ["ask", "accept", "refuse"]
    asked = _post(reviewer, f"{CASES}/{case['id']}/act",
                  {"action": "ask", "reasons": "请补充2024年缴费证明"})
    assert asked.json()["status"] == "waiting"
    supplied = _post(resident, f"{CASES}/{case['id']}/act", {"action": "supply"})
    assert supplied.json()["status"] == "open"
    decided = _post(reviewer, f"{CASES}/{case['id']}/act",
                    {"action": "accept", "reasons": "证明有效, 予以采纳", "decision": SHOWN,
                     "reasons_en": "The certificate is valid"})
    assert decided.status_code == 200, decided.content

    mine = resident.get(f"{CASES}/{case['id']}").json()
    assert (mine["status"], mine["decided_by_role"], mine["reasons"], mine["actions"]) == (
        "accepted", "reviewer", "证明有效, 予以采纳", [])
    assert [(e["action"], e["actor_role"]) for e in mine["events"]] == [
        ("submit", "resident"), ("ask", "reviewer"), ("supply", "resident"),
        ("accept", "reviewer")]
    assert "审核员" not in resident.get(f"{CASES}/{case['id']}").content.decode()  # no names
    assert [c["status"] for c in resident.get(f"{CASES}/me").json()] == ["accepted"]


def test_two_reviewers_deciding_at_once_one_is_told(world):
    resident = world.client("resident_yz")
    case = _post(resident, f"{CASES}/me", EVIDENCE, **{"Idempotency-Key": "tap-000000002"}
                 ).json()
    first = _post(world.client("reviewer_yz"), f"{CASES}/{case['id']}/act",
                  {"action": "accept", "reasons": "采纳", "decision": SHOWN})
    second = _post(world.client("reviewer2_yz"), f"{CASES}/{case['id']}/act",
                   {"action": "refuse", "reasons": "不予采纳"})
    assert first.status_code == 200
    # the second read the case after the first decided: the table has no step from there
    assert_error(second, 409, "case_action_not_allowed")
    assert Case.objects.get(pk=case["id"]).status == "accepted"


def test_cases_stay_within_their_owner_and_scope(world):
    case = _post(world.client("resident_yz"), f"{CASES}/me", EVIDENCE,
                 **{"Idempotency-Key": "tap-000000003"}).json()
    for who in ("resident_hs", "window_hs"):
        assert_error(world.client(who).get(f"{CASES}/{case['id']}"), 404, "not_found")
    # what each may do with it: the clerk may withdraw it for him, the district admin
    # only reads it
    assert world.client("window_yz").get(f"{CASES}/{case['id']}").json()["actions"] == [
        "withdraw"]
    assert world.client("district_admin_yz").get(f"{CASES}/{case['id']}").json()[
        "actions"] == []
    assert_error(_post(world.client("window_hs"), f"{CASES}/{case['id']}/act",
                       {"action": "withdraw"}), 404)
    assert world.client("window_hs").get(f"{CASES}/queue").json()["total"] == 0
    assert_error(world.client("resident_yz").get(f"{CASES}/queue"), 403, "forbidden")
    assert_error(_post(world.client("window_yz"), f"{CASES}/me", EVIDENCE,
                       **{"Idempotency-Key": "tap-000000004"}), 403, "forbidden")


def test_bad_submissions_get_field_errors_and_write_nothing(world):
    resident = world.client("resident_yz")
    body = assert_error(_post(resident, f"{CASES}/me", {**EVIDENCE, "department": "NOPE"},
                              **{"Idempotency-Key": "tap-000000005"}), 400)
    assert "department" in body["fields"]
    body = assert_error(_post(resident, f"{CASES}/me", EVIDENCE,
                              **{"Idempotency-Key": "short"}), 400)
    assert "client_key" in body["fields"]
    assert_error(_post(resident, f"{CASES}/me", EVIDENCE), 400)  # no key at all
    assert not Case.objects.exists()


def test_listing_a_residents_cases_costs_the_same_queries_for_one_or_many(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinjumin.cases.services import case_act, case_submit

    resident = world.client("resident_yz")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert resident.get(f"{CASES}/me").status_code == 200
        return len(ctx.captured_queries)

    def one(key: str) -> None:
        case = case_submit(kind="evidence", resident=world.adult_yz,
                           by=world.users["resident_yz"], client_key=key, department="HRSS")
        case_act(case=case, action="refuse", actor=world.users["reviewer_yz"], reasons="否")

    one("list-case-01")
    queries()  # the token's first use writes its last-used time
    first = queries()
    for n in range(2, 5):
        one(f"list-case-0{n}")
    assert queries() == first


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_evidence_files_and_an_accepted_record_through_the_api(world,
                                                               django_capture_on_commit_callbacks):
    """The resident uploads a certificate (a file that only claims to be a PDF is refused),
    the reviewer opens it (audited) and accepts it with the record it shows; the score's
    explanation then cites that record with the case number."""
    from xinjumin.audit.models import AuditEvent
    from xinjumin.records.services import records_ingest

    records_ingest(rows=[{"source": "PSB", "type": "residence_registration",
                          "record_id": "RR-EV", "id_number": world.adult_yz.id_number,
                          "district": "330212", "arrived_on": "2023-03-01",
                          "registered_on": "2023-03-02"}])
    resident, reviewer = world.client("resident_yz"), world.client("reviewer_yz")
    case = _post(resident, f"{CASES}/me", {"kind": "evidence", "department": "HRSS",
                                           "item_key": "skill"},
                 **{"Idempotency-Key": "ev-0000001"}).json()
    url = f"{CASES}/{case['id']}/evidence"
    fake = resident.post(url, {"file": SimpleUploadedFile("证书.pdf", b"<html>hi</html>")})
    assert "file" in assert_error(fake, 400, "invalid")["fields"]
    sent = resident.post(url, {"file": SimpleUploadedFile("证书.pdf", PDF)})
    assert sent.status_code == 201, sent.content
    [item] = sent.json()["evidence"]
    assert (item["content_type"], item["size"]) == ("application/pdf", len(PDF))
    opened = reviewer.get(f"{url}/{item['id']}")
    assert opened.status_code == 200 and opened.content == PDF
    assert opened["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="evidence.viewed").count() == 1
    assert world.client("resident_hs").get(f"{url}/{item['id']}").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        decided = _post(reviewer, f"{CASES}/{case['id']}/act", {
            "action": "accept", "reasons": "证书真实有效",
            "decision": {"record": {"type": "skill_certificate", "kind": "level", "level": 3,
                                    "issued_on": "2020-06-01"}}})
    assert decided.status_code == 200, decided.content
    score = resident.get(f"{API}/me/score").json()
    skill = next(i for c in score["categories"] for i in c["items"] if i["key"] == "skill")
    assert skill["points"] == "8.00"
    assert [r["case_no"] for r in skill["records"]] == [case["number"]]

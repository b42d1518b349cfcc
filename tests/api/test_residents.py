"""Residents for staff: scope (404 across districts), masking, the audited full ID number,
registration with field-level errors and idempotency."""

from __future__ import annotations

from points.identifiers import id_check_character
from tests.api.conftest import API, assert_error
from tests.personas import ADULT_YZ_ID, SPOUSE_YZ_ID
from xinjumin.audit.models import AuditEvent
from xinjumin.people.models import Resident

VALID_FIRST17 = "34122119950612003"
VALID_ID = VALID_FIRST17 + id_check_character(VALID_FIRST17)


def _wrong_check(value: str) -> str:
    return value[:17] + ("0" if value[17] != "0" else "1")


def test_clerk_lists_only_own_district_masked_and_audited(world):
    response = world.client("window_yz").get(f"{API}/residents")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    assert {item["district"]["code"] for item in body["items"]} == {"330212"}
    text = response.content.decode()
    for number in (ADULT_YZ_ID, SPOUSE_YZ_ID):
        assert number not in text
    assert world.adult_yz.name not in text
    haishu = world.client("window_hs").get(f"{API}/residents").json()
    assert haishu["total"] == 1 and haishu["items"][0]["id"] == world.adult_hs.pk
    event = AuditEvent.objects.filter(action="resident.search", actor="window_yz").get()
    assert sorted(event.detail["ids"]) == sorted(item["id"] for item in body["items"])


def test_search_by_full_id_number_finds_exactly_one(world):
    response = world.client("city_admin").post(f"{API}/residents/search",
                                                 {"q": ADULT_YZ_ID},
                                                 content_type="application/json")
    assert [item["id"] for item in response.json()["items"]] == [world.adult_yz.pk]
    event = AuditEvent.objects.filter(action="resident.search").latest("seq")
    assert ADULT_YZ_ID not in str(event.detail)


def test_haishu_clerk_gets_404_for_a_yinzhou_resident(world):
    before = AuditEvent.objects.filter(action="resident.read").count()
    response = world.client("window_hs").get(f"{API}/residents/{world.adult_yz.pk}")
    assert_error(response, 404, "not_found")
    missing = world.client("window_hs").get(f"{API}/residents/999999")
    assert missing.json() == response.json()  # existence is not revealed
    assert AuditEvent.objects.filter(action="resident.read").count() == before


def test_clerk_reads_a_resident_in_scope_and_the_read_is_audited(world):
    response = world.client("window_yz").get(f"{API}/residents/{world.adult_yz.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id_number"] == world.adult_yz.masked_id_number
    assert body["id_number"] != ADULT_YZ_ID
    assert body["street"] == {"code": "330212001", "name": "下应街道"}
    event = AuditEvent.objects.filter(action="resident.read").latest("seq")
    assert (event.actor, event.object_id, event.actor_district) == (
        "window_yz", str(world.adult_yz.pk), "330212")
    assert event.request_id == response["X-Request-ID"]


def test_full_id_number_is_shown_to_the_clerk_and_audited(world):
    response = world.client("window_yz").get(
        f"{API}/residents/{world.adult_yz.pk}/id-number")
    assert response.status_code == 200
    assert response.json() == {"id": world.adult_yz.pk, "id_number": ADULT_YZ_ID}
    event = AuditEvent.objects.filter(action="resident.read_full_id").get()
    assert event.actor == "window_yz" and event.object_id == str(world.adult_yz.pk)
    assert ADULT_YZ_ID not in str(event.detail)
    other = world.client("window_hs").get(f"{API}/residents/{world.adult_yz.pk}/id-number")
    assert_error(other, 404)
    assert AuditEvent.objects.filter(action="resident.read_full_id").count() == 1


def test_separated_admins_read_no_residents(world):
    for username in ("audit_admin", "system_admin", "security_admin"):
        assert_error(world.client(username).get(f"{API}/residents"), 403, "forbidden")
        assert_error(world.client(username).get(f"{API}/residents/{world.adult_yz.pk}"), 404)


def test_resident_reads_own_child_but_not_a_stranger(world):
    client = world.client("resident_yz")
    child = client.get(f"{API}/residents/{world.child_yz.pk}")
    assert child.status_code == 200 and child.json()["id"] == world.child_yz.pk
    assert_error(client.get(f"{API}/residents/{world.spouse_yz.pk}"), 404)
    assert_error(world.client("window_yz").get(f"{API}/me"), 403, "forbidden")


def _create(world, payload, **headers):  # type: ignore[no-untyped-def]
    return world.client("window_yz", **headers).post(
        f"{API}/residents", payload, content_type="application/json")


def test_clerk_registers_a_resident_in_own_district(world):
    response = _create(world, {"id_number": VALID_ID, "name": "许文博", "phone": "15912345678",
                                "street": "330212006", "arrived_on": "2024-03-01"})
    assert response.status_code == 201, response.content
    created = Resident.objects.get(pk=response.json()["id"])
    assert (created.id_number, created.district_id, created.street_id) == (
        VALID_ID, "330212", "330212006")
    assert created.birth_date.isoformat() == "1995-06-12"
    assert response.json()["id_number"] == created.masked_id_number
    event = AuditEvent.objects.filter(action="resident.create", object_id=str(created.pk)).get()
    assert event.actor == "window_yz"


def test_bad_input_gives_field_errors_and_writes_nothing(world):
    before = (Resident.objects.count(), AuditEvent.objects.filter(
        action="resident.create").count())
    cases = [
        ({"id_number": _wrong_check(VALID_ID), "name": "许文博"}, "id_number"),
        # 1995-02-30 does not exist
        ({"id_number": "34122119950230003" + id_check_character("34122119950230003"),
          "name": "许文博"}, "id_number"),
        ({"id_number": VALID_ID, "name": "许文博", "phone": "1381234567"}, "phone"),
        ({"id_number": VALID_ID, "name": "许文博", "arrived_on": "2024-13-01"}, "arrived_on"),
        ({"name": "许文博"}, "id_number"),
    ]
    for payload, field in cases:
        body = assert_error(_create(world, payload), 400)
        assert field in body["fields"], (payload, body)
        assert body["message"] != body["message_en"]
    after = (Resident.objects.count(), AuditEvent.objects.filter(
        action="resident.create").count())
    assert after == before


def test_clerk_cannot_register_in_another_district(world):
    response = _create(world, {"id_number": VALID_ID, "name": "许文博", "district": "330203"})
    body = assert_error(response, 403, "out_of_scope")
    assert "district" in body["fields"]
    assert list(Resident.objects.filter(district_id="330203")) == [world.adult_hs]
    refused = AuditEvent.objects.filter(action="resident.read_refused").order_by("-seq")[0]
    assert refused.detail["purpose"] == "resident_create"
    assert refused.detail["reason"] == "scope"
    assert_error(world.client("city_admin").post(
        f"{API}/residents", {"id_number": VALID_ID, "name": "许文博"},
        content_type="application/json"), 403, "forbidden")


def test_idempotency_key_replays_and_refuses_a_different_body(world):
    payload = {"id_number": VALID_ID, "name": "许文博"}
    first = _create(world, payload, **{"Idempotency-Key": "create-1"})
    again = _create(world, payload, **{"Idempotency-Key": "create-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Resident.objects.filter(name="许文博").count() == 1
    changed = _create(world, {**payload, "name": "许文"}, **{"Idempotency-Key": "create-1"})
    body = assert_error(changed, 409, "idempotency_key_reused")
    assert "Idempotency-Key" in body["fields"]
    # Without the key the same body is a duplicate ID number, not a replay.
    duplicate = assert_error(_create(world, payload), 400)
    assert "id_number" in duplicate["fields"]

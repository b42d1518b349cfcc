"""Refused reads through the API are audited like the back office's: "resident.read_refused"
with the actor, the purpose and the id asked for, never personal data in clear; the answer
is the same 404 whether the resident exists or not."""

from __future__ import annotations

from django.db import connection

from tests.api.conftest import API, assert_error
from tests.personas import ADULT_YZ_ID, World
from xinjumin.audit.models import AuditEvent
from xinjumin.audit.services import audit_verify_chain

REFUSED = "resident.read_refused"


def _refusals():  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(action=REFUSED).order_by("seq")


def test_another_districts_clerk_is_refused_and_audited(world: World):
    client = world.client("window_hs")
    target = world.adult_yz.pk
    detail = client.get(f"{API}/residents/{target}")
    full_id = client.get(f"{API}/residents/{target}/id-number")
    missing = client.get(f"{API}/residents/999999")
    for response in (detail, full_id, missing):
        assert_error(response, 404, "not_found")
    assert detail.content == missing.content  # existence is not revealed
    events = list(_refusals())
    refused = ("window_hs", "330203", {"purpose": "read", "reason": "scope"})
    assert [(e.actor, e.actor_district, e.detail) for e in events] == [refused] * 3
    assert [e.object_id for e in events] == [str(target), str(target), "999999"]
    assert [e.request_id for e in events] == [
        r["X-Request-ID"] for r in (detail, full_id, missing)]
    assert not AuditEvent.objects.filter(action="resident.read", object_id=str(target)).exists()


def test_records_read_refused_is_audited(world: World):
    response = world.client("window_hs").get(f"{API}/residents/{world.adult_yz.pk}/records")
    assert_error(response, 404, "not_found")
    event = _refusals().get()
    assert (event.actor, event.detail["purpose"]) == ("window_hs", "records")


def test_a_resident_asking_for_someone_else_is_refused_and_audited(world: World):
    client = world.client("resident_yz")
    # the spouse is an adult: not theirs to read (their child under 18 would be)
    assert_error(client.get(f"{API}/residents/{world.spouse_yz.pk}"), 404, "not_found")
    event = _refusals().get()
    assert (event.actor, event.actor_role, event.object_id) == (
        world.users["resident_yz"].username, "resident", str(world.spouse_yz.pk))
    assert client.get(f"{API}/residents/{world.adult_yz.pk}").status_code == 200  # their own
    assert _refusals().count() == 1


def test_a_separated_admin_is_refused_and_audited(world: World):
    response = world.client("system_admin").get(f"{API}/residents/{world.adult_yz.pk}")
    assert_error(response, 404, "not_found")
    assert _refusals().get().actor == "system_admin"


def test_an_id_number_typed_as_the_id_is_stored_masked(world: World):
    assert ADULT_YZ_ID.isdigit()  # a path integer (an X check character would not be)
    response = world.client("window_hs").get(f"{API}/residents/{ADULT_YZ_ID}")
    assert_error(response, 404, "not_found")
    event = _refusals().get()
    assert ADULT_YZ_ID not in event.object_id and ADULT_YZ_ID not in str(event.detail)
    assert event.object_id.startswith(ADULT_YZ_ID[:4]) and "*" in event.object_id


def test_refusal_is_committed_under_atomic_requests(transactional_db, world,
                                                    monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    response = world.client("window_hs").get(f"{API}/residents/{world.adult_yz.pk}")
    assert_error(response, 404, "not_found")
    assert _refusals().get().request_id == response["X-Request-ID"]
    assert audit_verify_chain(store=False).ok

"""A 404 under /staff/ is the back office's own page (inside its layout, the way back to the
resident search), and a clerk's refused attempt to open a resident is audited, also when
the request's transaction is rolled back (ATOMIC_REQUESTS)."""

from __future__ import annotations

from django.db import connection

from tests.personas import ADULT_YZ_ID, World
from xinjumin.audit.models import AuditEvent
from xinjumin.audit.services import audit_verify_chain

REFUSED = "resident.read_refused"


def _refusals(**filters):  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(action=REFUSED, **filters)


def test_another_districts_resident_is_the_back_office_404_and_audited(world: World):
    client = world.staff_client("window_hs")
    response = client.get(f"/staff/residents/{world.adult_yz.pk}/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="bo-not-found"' in html and "页面不存在" in html
    assert 'class="bo-nav"' in html  # the back office's menu, not the portal's frame
    assert 'data-testid="back-to-search"' in html and 'href="/staff/residents/"' in html
    assert 'data-testid="scope"' in html and "海曙区 330203" in html
    assert "张伟明" not in html and ADULT_YZ_ID not in html
    assert "no-store" in response["Cache-Control"]
    event = _refusals().get()
    assert (event.actor, event.actor_role, event.actor_district) == (
        "window_hs", "window_staff", "330203")
    assert (event.object_type, event.object_id) == ("resident", str(world.adult_yz.pk))
    assert event.detail == {"purpose": "read", "reason": "scope"}
    assert event.request_id == response["X-Request-ID"]
    assert not AuditEvent.objects.filter(action="resident.read",
                                         object_id=str(world.adult_yz.pk)).exists()


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_resident_that_does_not_exist_gets_the_same_page(world: World):
    client = world.staff_client("window_hs")
    other = client.get(f"/staff/residents/{world.adult_yz.pk}/").content.decode()
    missing = client.get("/staff/residents/999999/").content.decode()
    assert _main(other) == _main(missing)
    assert list(_refusals().values_list("object_id", flat=True).order_by("seq")) == [
        str(world.adult_yz.pk), "999999"]


def test_every_refused_door_of_the_back_office_is_audited(world: World):
    clerk = world.staff_client("window_hs")
    assert clerk.post(f"/staff/residents/{world.adult_yz.pk}/full-id/").status_code == 404
    assert clerk.get(f"/staff/residents/{world.adult_yz.pk}/records/").status_code == 404
    assert clerk.get(f"/staff/residents/{world.adult_yz.pk}/score/").status_code == 404
    sysadmin = world.staff_client("system_admin")  # 三员分立: no resident data at all
    for tab in ("", "records/", "score/"):
        response = sysadmin.get(f"/staff/residents/{world.adult_hs.pk}/{tab}")
        assert response.status_code == 404, tab
        assert 'data-testid="bo-not-found"' in response.content.decode(), tab
    purposes = sorted((e.actor, e.detail["purpose"]) for e in _refusals())
    assert purposes == [("system_admin", "read"), ("system_admin", "records"),
                        ("system_admin", "score"), ("window_hs", "full_id"),
                        ("window_hs", "records"), ("window_hs", "score")]
    assert not AuditEvent.objects.filter(action="resident.read").exists()


def test_unknown_staff_path_is_the_back_office_404_in_english_too(world: World):
    client = world.staff_client("window_yz")
    client.cookies["django_language"] = "en"
    response = client.get("/staff/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="bo-not-found"' in html and 'lang="en"' in html
    assert "Page not found" in html and "Back to residents" in html
    assert not _refusals().exists()  # no resident was asked for


def test_anonymous_staff_404_links_to_the_staff_login(client, db):
    response = client.get("/staff/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="bo-not-found"' in html and 'href="/staff/login/"' in html
    assert 'class="bo-nav"' not in html


def test_portal_404_stays_the_portal_page(client, db):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="portal"' in html and "bo-not-found" not in html


def test_refusal_survives_the_rollback_of_an_atomic_request(transactional_db, world,
                                                            monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    before = AuditEvent.objects.count()
    response = world.staff_client("window_hs").get(f"/staff/residents/{world.adult_yz.pk}/")
    assert response.status_code == 404
    assert 'data-testid="bo-not-found"' in response.content.decode()
    event = _refusals().get()  # once: rolled back with the view, written again after
    assert (event.actor, event.object_id) == ("window_hs", str(world.adult_yz.pk))
    assert event.request_id == response["X-Request-ID"]
    assert AuditEvent.objects.count() == before + 1
    assert audit_verify_chain(store=False).ok
    # a read that is allowed commits as before, once
    world.staff_client("window_yz").get(f"/staff/residents/{world.adult_yz.pk}/")
    assert AuditEvent.objects.filter(action="resident.read").count() == 1
    assert ADULT_YZ_ID not in str(list(_refusals().values()))

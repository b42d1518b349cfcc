"""三员分立 through the admin pages (HTTP): the audit admin reads the audit trail and
nothing else; the system admin reads neither audit nor personal data; the security admin
manages accounts only; resident pages show masked values and are scoped by district."""

from __future__ import annotations

import pytest

from tests.personas import ADULT_HS_ID, ADULT_YZ_ID, staff_login
from xinjumin.audit.models import AuditEvent
from xinjumin.audit.selectors import audit_events

PAGES = {
    "audit": "/admin/audit/auditevent/",
    "accounts": "/admin/accounts/user/",
    "residents": "/admin/people/resident/",
}
ALLOWED = {
    "audit_admin": {"audit"},
    "security_admin": {"accounts"},
    "system_admin": set(),
    "window_yz": set(),  # window staff read residents in the back office, not here
    "district_admin_yz": {"residents"},
    "city_admin": {"residents"},
}


@pytest.mark.parametrize("persona", sorted(ALLOWED))
@pytest.mark.parametrize("page", sorted(PAGES))
def test_admin_pages_follow_separated_powers(client, world, persona, page):
    staff_login(client, world.users[persona])
    response = client.get(PAGES[page])
    if page in ALLOWED[persona]:
        assert response.status_code == 200
        assert response.context["cl"].result_count > 0
    else:
        assert response.status_code == 403
        assert b"result_list" not in response.content


@pytest.mark.parametrize("persona", ["audit_admin", "security_admin", "window_yz"])
def test_password_only_session_opens_no_admin_page(client, world, persona):
    client.force_login(world.users[persona])  # no TOTP verification in this session
    for url in PAGES.values():
        response = client.get(url)
        # The OTP admin site sends an unverified session to its login form (which asks for
        # the TOTP token); no page content is served.
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        assert b"result_list" not in response.content


def test_audit_events_are_read_only_even_for_the_audit_admin(client, world):
    staff_login(client, world.users["audit_admin"])
    event = AuditEvent.objects.order_by("seq").first()
    page = client.get(f"/admin/audit/auditevent/{event.seq}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert page.context["has_change_permission"] is False
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    client.post(f"/admin/audit/auditevent/{event.seq}/delete/", {"post": "yes"})
    client.post("/admin/audit/auditevent/add/", {"action": "forged"})
    # Only the two refusals were written (accounts.admin_base audits them).
    assert list(AuditEvent.objects.filter(seq__gt=last).values_list("action", flat=True)
                ) == ["admin.refused", "admin.refused"]
    assert not AuditEvent.objects.filter(action="forged").exists()


def test_audit_selector_filters_for_the_audit_admin(world):
    auditor = world.users["audit_admin"]
    creates = audit_events(user=auditor, action="resident.create")
    assert creates.count() == 4 and {e.object_type for e in creates} == {"resident"}
    assert audit_events(user=auditor, action="account.").count() == \
        AuditEvent.objects.filter(action__startswith="account.").count() > 0
    assert audit_events(user=auditor, object_id=world.adult_yz.pk).filter(
        action="resident.create").count() == 1
    assert audit_events(user=world.users["system_admin"], action="resident.create").count() == 0


def test_resident_list_is_masked_and_scoped(client, world):
    staff_login(client, world.users["district_admin_yz"])
    page = client.get(PAGES["residents"]).content.decode()
    assert world.adult_yz.masked_id_number in page and "张*" in page
    assert ADULT_YZ_ID not in page and "13800000001" not in page
    assert world.adult_hs.masked_id_number not in page and ADULT_HS_ID not in page


def test_resident_page_in_scope_is_audited_out_of_scope_is_not_found(client, world):
    staff_login(client, world.users["district_admin_yz"])
    own = client.get(f"/admin/people/resident/{world.adult_yz.pk}/change/")
    assert own.status_code == 200 and ADULT_YZ_ID not in own.content.decode()
    assert world.adult_yz.masked_id_number in own.content.decode()
    assert AuditEvent.objects.filter(action="resident.read", object_id=str(world.adult_yz.pk),
                                     actor="district_admin_yz",
                                     detail__purpose="admin").exists()
    other = client.get(f"/admin/people/resident/{world.adult_hs.pk}/change/", follow=True)
    assert ADULT_HS_ID not in other.content.decode()
    assert world.adult_hs.masked_id_number not in other.content.decode()
    assert not AuditEvent.objects.filter(action="resident.read",
                                         object_id=str(world.adult_hs.pk)).exists()


def test_admin_search_by_full_id_number_finds_exact_match_only(client, world):
    staff_login(client, world.users["city_admin"])
    found = client.get(PAGES["residents"], {"q": ADULT_HS_ID})
    assert found.context["cl"].result_count == 1
    partial = client.get(PAGES["residents"], {"q": ADULT_HS_ID[:12]})
    assert partial.context["cl"].result_count == 0


def test_security_admin_changes_role_through_the_service(client, world):
    staff_login(client, world.users["security_admin"])
    clerk = world.users["window_yz"]
    response = client.post(f"/admin/accounts/user/{clerk.pk}/change/", {
        "role": "reviewer", "district": "330212", "street": "", "department": "EDU",
        "display_name": "审核员", "is_active": "on",
    })
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert (clerk.role, clerk.department) == ("reviewer", "EDU")
    assert AuditEvent.objects.filter(action="account.update", object_id=str(clerk.pk),
                                     actor="security_admin").count() == 1
    # A scoped role without a district is refused with a field error, nothing changes.
    bad = client.post(f"/admin/accounts/user/{clerk.pk}/change/", {
        "role": "district_admin", "district": "", "street": "", "department": "",
        "display_name": "", "is_active": "on",
    })
    assert bad.status_code == 200 and "district" in bad.context["adminform"].form.errors
    clerk.refresh_from_db()
    assert clerk.role == "reviewer"

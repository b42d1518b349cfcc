"""The authorization matrix of the Django admin (issue #11, point 1; the audit of point 4).

Every model registered with the admin (django.contrib.admin.site._registry, so a model
registered later is covered at once, and fails until DECISIONS says who reads it), for
every staff persona of tests/personas.py: the changelist and every object page are either
refused (403, audited "admin.refused") or show exactly the rows of the persona's scope,
computed here from the personas' own districts and streets, not by the code under test;
an object outside the scope answers 404 (audited). Lists, searches and object views of
personal data leave "admin.list", "admin.search" and "admin.view" events, a search term
never in clear. Sessions are TOTP-verified as django-otp's login leaves them
(tests.personas.staff_client); one test goes through the admin's own login form.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from points import mask_id_number, mask_name, mask_phone
from tests.client import Client
from tests.personas import (
    ADULT_HS_ID,
    ADULT_HS_PHONE,
    ADULT_YZ_ID,
    PASSWORD,
    STAFF,
    World,
    current_token,
    staff_client,
)
from xinjumin.accounts.admin_base import SEARCH_HASH_PURPOSE, ScopedAdmin
from xinjumin.audit.models import AuditEvent
from xinjumin.audit.services import audit_verify_chain
from xinjumin.core.crypto import keyed_hash
from xinjumin.people.models import Employer, Resident
from xinjumin.records.models import ImportBatch
from xinjumin.records.services import records_ingest
from xinjumin.scoring.models import ScoreRun, StoredScore
from xinjumin.scoring.services import score_explain

CITY, DISTRICT, SYSTEM, SECURITY, AUDIT = ("city_admin", "district_admin", "system_admin",
                                           "security_admin", "audit_admin")
# Who reads each model's pages (the table of xinjumin/accounts/admin_base.py). Window staff
# and reviewers read residents, records and scores in the back office: no admin page.
DECISIONS: dict[str, frozenset[str]] = {
    "people.resident": frozenset({DISTRICT, CITY}),
    "scoring.storedscore": frozenset({DISTRICT, CITY}),
    "people.employer": frozenset({CITY}),
    "records.importbatch": frozenset({CITY}),
    "scoring.indicatorsystem": frozenset({CITY}),
    "scoring.scorerun": frozenset({CITY, SYSTEM}),
    "geo.district": frozenset({SYSTEM, CITY}),
    "geo.street": frozenset({SYSTEM, CITY}),
    "geo.complex": frozenset({SYSTEM, CITY}),
    "geo.building": frozenset({SYSTEM, CITY}),
    "accounts.user": frozenset({SECURITY}),
    "audit.auditevent": frozenset({AUDIT}),
    "audit.auditcheck": frozenset({AUDIT}),
    "axes.accessattempt": frozenset({SECURITY}),
    "axes.accesslog": frozenset({SECURITY}),
    "axes.accessfailurelog": frozenset({SECURITY}),
}
# Personal data: lists, searches and views are audit events.
AUDITED = {"people.resident", "scoring.storedscore", "people.employer",
           "records.importbatch", "accounts.user", "audit.auditevent",
           "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
REGISTERED = sorted(m._meta.label_lower for m in admin.site._registry)


def _registered(label: str) -> tuple[type[Model], ScopedAdmin]:
    for model, model_admin in admin.site._registry.items():
        if model._meta.label_lower == label:
            return model, model_admin  # type: ignore[return-value]
    raise LookupError(label)


def _resident_visible(persona: str, resident: Resident | None) -> bool:
    """The scope of domain.md §2, from the persona's own district and street."""
    role, district, street, _ = STAFF[persona]
    if resident is None:
        return False
    if role == CITY:
        return True
    return resident.district_id == district and street in (None, resident.street_id)


def _visible(persona: str, label: str, obj: Model) -> bool:
    """Whether `obj` is in the persona's scope (given that its role reads the model)."""
    if label == "people.resident":
        return _resident_visible(persona, obj)  # type: ignore[arg-type]
    if label == "scoring.storedscore":
        return _resident_visible(persona, Resident.objects.filter(
            id_hash=obj.subject_hash).first())  # type: ignore[attr-defined]
    return True  # models of unscoped roles only: the whole table


def _urls(model: type[Model]) -> tuple[str, str]:
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return reverse(f"{name}_changelist"), name


def _events(action: str, persona: str, label: str) -> Any:
    return AuditEvent.objects.filter(action=action, actor=persona, object_type=label)


def _donation(n: int, id_number: str) -> dict[str, Any]:
    return {"source": "BLOOD", "type": "blood_donation", "record_id": f"BDADM{n:03d}",
            "version": 1, "op": "upsert", "id_number": id_number,
            "donated_on": "2024-06-25", "kind": "whole_blood"}


@pytest.fixture
def admin_world(world: World) -> World:
    """The personas, and a row of every registered model: both residents' stored scores
    (a blood donation each, sensitive health data), an import batch with a rejected row,
    an employer, a re-score run, a chain check and a failed staff login."""
    batch, _ = records_ingest(rows=[_donation(1, ADULT_YZ_ID), _donation(2, ADULT_HS_ID),
                                    {**_donation(3, ADULT_HS_ID), "donated_on": "someday"}],
                              channel="api")
    assert batch.rejected == 1
    for id_number in (ADULT_YZ_ID, ADULT_HS_ID):
        score_explain(id_number=id_number)
    assert StoredScore.objects.filter(is_current=True).count() == 2
    Employer.objects.create(uscc="91330212MA2AAAAA1X", name="宁波测试有限公司",
                            district_id="330212")
    ScoreRun.objects.create(kind=ScoreRun.Kind.SUBJECTS, as_of=dt.date(2026, 12, 1),
                            rule_set_hash="0" * 64, started_at=timezone.now(), count=2)
    audit_verify_chain()
    # A failed staff login (by a name no persona logs in with: a login resets attempts).
    Client().post("/staff/login/", {"username": "ghost_clerk", "password": "wrong",
                                    "token": "000000"}, REMOTE_ADDR="10.9.8.6")
    assert AccessAttempt.objects.filter(username="ghost_clerk").exists()
    when = timezone.now()
    AccessLog.objects.create(username="window_hs", ip_address="10.9.8.5", user_agent="pytest",
                             attempt_time=when, path_info="/staff/login/")
    AccessFailureLog.objects.create(username="ghost_clerk", ip_address="10.9.8.6",
                                    user_agent="pytest", attempt_time=when,
                                    path_info="/staff/login/", locked_out=False)
    return world


def test_every_registered_model_has_a_decision_and_the_scoped_base():
    assert set(REGISTERED) == set(DECISIONS), "decide who reads the new model's pages"
    for label in REGISTERED:
        _model, model_admin = _registered(label)
        assert isinstance(model_admin, ScopedAdmin), label
        assert model_admin.audited is (label in AUDITED), label
    assert not admin.site.is_registered(Group)
    assert not admin.site.is_registered(TOTPDevice)  # TOTP secrets are never shown


@pytest.mark.parametrize("label", REGISTERED)
def test_admin_pages_are_refused_or_in_scope(admin_world, label):
    model, _ = _registered(label)
    changelist, name = _urls(model)
    objects = list(model._default_manager.order_by("pk"))
    assert objects, f"admin_world has no {label}"
    if label not in ("people.resident", "scoring.storedscore"):
        objects = objects[:1]
    for persona, (role, *_rest) in STAFF.items():
        client = staff_client(admin_world.users[persona])
        allowed = role in DECISIONS[label]
        expected = {o.pk for o in model._default_manager.all() if _visible(persona, label, o)}
        response = client.get(changelist)
        if not allowed:
            assert response.status_code == 403, (label, persona)
            assert b"result_list" not in response.content
            assert _events("admin.refused", persona, label).filter(
                detail__page="list", detail__reason="power").exists(), (label, persona)
        else:
            assert response.status_code == 200, (label, persona)
            cl = response.context["cl"]
            assert len(expected) <= cl.list_per_page  # all on the first page
            assert {o.pk for o in cl.result_list} == expected, (label, persona)
            if label in AUDITED:
                event = _events("admin.list", persona, label).get()
                assert event.detail["rows"] == cl.result_count == len(expected)
            else:
                assert not _events("admin.list", persona, label).exists()
        for obj in objects:
            url = reverse(f"{name}_change", args=[quote(obj.pk)])
            page = client.get(url)
            refusals = _events("admin.refused", persona, label).filter(
                object_id=str(obj.pk)[:64], detail__page="view")
            if not allowed:
                assert page.status_code == 403, (label, persona, obj.pk)
                assert refusals.filter(detail__reason="power").exists()
            elif not _visible(persona, label, obj):
                assert page.status_code == 404, (label, persona, obj.pk)
                assert refusals.filter(detail__reason="scope").exists()
            else:
                assert page.status_code == 200, (label, persona, obj.pk)
                assert page.context["has_change_permission"] is (
                    label == "accounts.user" and role == SECURITY)
                viewed = _events("admin.view", persona, label).filter(object_id=str(obj.pk))
                assert viewed.exists() is (label in AUDITED), (label, persona)


def test_the_yinzhou_clerk_neither_lists_nor_opens_a_haishu_residents_score(admin_world):
    score = StoredScore.objects.get(subject_hash=admin_world.adult_hs.id_hash, is_current=True)
    assert score.items["city"].get("blood", 0) > 0  # the breakdown names a blood donation
    clerk = staff_client(admin_world.users["window_yz"])
    listed = clerk.get("/admin/scoring/storedscore/")
    opened = clerk.get(f"/admin/scoring/storedscore/{score.pk}/change/")
    assert (listed.status_code, opened.status_code) == (403, 403)
    for response in (listed, opened):
        assert score.subject_hash[:12].encode() not in response.content
    refused = _events("admin.refused", "window_yz", "scoring.storedscore")
    assert refused.filter(detail__page="list").count() == 1
    assert refused.filter(detail__page="view", object_id=str(score.pk)).count() == 1
    # Nor through the resident pages, nor by a 鄞州 district admin: their scope ends there.
    assert clerk.get(f"/admin/people/resident/{admin_world.adult_hs.pk}/change/"
                     ).status_code == 403
    district_admin = staff_client(admin_world.users["district_admin_yz"])
    own = StoredScore.objects.get(subject_hash=admin_world.adult_yz.id_hash, is_current=True)
    page = district_admin.get("/admin/scoring/storedscore/")
    assert [o.pk for o in page.context["cl"].result_list] == [own.pk]
    assert district_admin.get(f"/admin/scoring/storedscore/{score.pk}/change/"
                              ).status_code == 404
    assert district_admin.get(f"/admin/scoring/storedscore/{score.pk}/history/"
                              ).status_code == 404
    assert _events("admin.refused", "district_admin_yz", "scoring.storedscore").filter(
        object_id=str(score.pk), detail__reason="scope").count() == 2
    filtered = district_admin.get("/admin/scoring/storedscore/", {"home_district": "330203"})
    assert filtered.status_code == 200 and filtered.context["cl"].result_count == 0


@pytest.mark.parametrize(("term", "masked"), [
    (ADULT_HS_ID, mask_id_number(ADULT_HS_ID)),
    (ADULT_HS_PHONE, mask_phone(ADULT_HS_PHONE)),
    ("李海燕", mask_name("李海燕")),
])
def test_an_admin_search_is_audited_and_its_term_never_kept_in_clear(admin_world, term,
                                                                    masked):
    client = staff_client(admin_world.users["city_admin"])
    found = client.get("/admin/people/resident/", {"q": term})
    assert found.context["cl"].result_count == 1
    event = _events("admin.search", "city_admin", "people.resident").get()
    assert event.detail["rows"] == 1 and event.detail["q_masked"] == masked
    assert event.detail["q_hash"] == keyed_hash(term, purpose=SEARCH_HASH_PURPOSE)
    assert not _events("admin.list", "city_admin", "people.resident").exists()
    everything = json.dumps(list(AuditEvent.objects.values_list("object_id", "detail")),
                            ensure_ascii=False)
    assert term not in everything


def test_an_out_of_scope_search_finds_nothing_and_is_audited(admin_world):
    client = staff_client(admin_world.users["district_admin_yz"])
    found = client.get("/admin/people/resident/", {"q": ADULT_HS_ID})
    assert found.status_code == 200 and found.context["cl"].result_count == 0
    event = _events("admin.search", "district_admin_yz", "people.resident").get()
    assert event.detail["rows"] == 0
    assert event.detail["q_masked"] == mask_id_number(ADULT_HS_ID)


def test_the_audit_admins_searches_and_views_of_the_trail_are_events_too(admin_world):
    client = staff_client(admin_world.users["audit_admin"])
    client.get("/admin/audit/auditevent/", {"q": "window_yz"})
    searched = _events("admin.search", "audit_admin", "audit.auditevent").get()
    assert searched.detail["q_masked"] == mask_name("window_yz")
    first = AuditEvent.objects.order_by("seq").first()
    assert client.get(f"/admin/audit/auditevent/{first.seq}/change/").status_code == 200
    assert _events("admin.view", "audit_admin", "audit.auditevent").filter(
        object_id=str(first.seq)).exists()


def test_an_object_view_of_a_resident_is_audited_through_the_one_door(admin_world):
    client = staff_client(admin_world.users["district_admin_yz"])
    resident = admin_world.adult_yz
    page = client.get(f"/admin/people/resident/{resident.pk}/change/")
    assert page.status_code == 200 and ADULT_YZ_ID not in page.content.decode()
    assert _events("admin.view", "district_admin_yz", "people.resident").filter(
        object_id=str(resident.pk)).count() == 1
    assert AuditEvent.objects.filter(action="resident.read", actor="district_admin_yz",
                                     object_id=str(resident.pk),
                                     detail__purpose="admin").count() == 1
    other = client.get(f"/admin/people/resident/{admin_world.adult_hs.pk}/change/")
    assert other.status_code == 404
    assert AuditEvent.objects.filter(action="resident.read_refused", actor="district_admin_yz",
                                     object_id=str(admin_world.adult_hs.pk)).exists()


def test_an_id_number_typed_into_an_object_url_is_refused_and_kept_masked(admin_world):
    client = staff_client(admin_world.users["city_admin"])
    response = client.get(f"/admin/people/resident/{ADULT_HS_ID}/change/")
    assert response.status_code == 404
    refused = _events("admin.refused", "city_admin", "people.resident").get()
    assert refused.object_id == mask_id_number(ADULT_HS_ID)
    assert ADULT_HS_ID not in json.dumps(list(AuditEvent.objects.values_list(
        "object_id", "detail")))


@pytest.mark.parametrize("page", ["add", "delete"])
def test_nobody_adds_or_deletes_and_the_attempt_is_audited(admin_world, page):
    client = staff_client(admin_world.users["city_admin"])
    resident = admin_world.adult_hs
    url = ("/admin/people/resident/add/" if page == "add"
           else f"/admin/people/resident/{resident.pk}/delete/")
    before = Resident.objects.count()
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Resident.objects.count() == before
    assert _events("admin.refused", "city_admin", "people.resident").filter(
        detail__page=page, detail__reason="power").count() == 2


def test_autocomplete_searches_no_personal_data(admin_world):
    client = staff_client(admin_world.users["city_admin"])
    response = client.get("/admin/autocomplete/", {
        "app_label": "scoring", "model_name": "storedscore", "field_name": "resident",
        "term": "李"})
    assert response.status_code == 403 and "李".encode() not in response.content
    assert _events("admin.refused", "city_admin", "people.resident").filter(
        detail__page="autocomplete").exists()


def test_a_batch_shows_its_rejected_rows_to_the_city_admin_only(admin_world):
    batch = ImportBatch.objects.get(rejected=1)
    url = f"/admin/records/importbatch/{batch.pk}/change/"
    page = staff_client(admin_world.users["city_admin"]).get(url)
    assert page.status_code == 200 and b"someday" in page.content
    for persona in ("district_admin_yz", "system_admin", "window_yz"):
        assert staff_client(admin_world.users[persona]).get(url).status_code == 403


def test_resident_accounts_get_no_admin_page(admin_world):
    client = Client()
    client.force_login(admin_world.users["resident_hs"])
    response = client.get("/admin/scoring/storedscore/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_through_the_admin_login_with_its_totp_step(admin_world):
    """The admin's own login form (password and TOTP code): the clerk is in, and refused."""
    clerk = admin_world.users["window_yz"]
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {
        "username": clerk.username, "password": PASSWORD,
        "otp_device": clerk.totpdevice_set.get().persistent_id,
        "otp_token": current_token(clerk), "next": "/admin/"}, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/scoring/storedscore/").status_code == 403
    assert client.get("/admin/people/resident/").status_code == 403

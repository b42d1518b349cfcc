"""The back office through the HTTP client, with fixed personas: staff login (password +
TOTP, lockout), scope of the resident list and detail, search, full ID on demand, audit
viewer, role-based menus (三员分立)."""

from __future__ import annotations

from django.test import override_settings

from tests.client import Client
from tests.personas import (
    ADULT_HS_ID,
    ADULT_YZ_ID,
    NOBODY_ID,
    PASSWORD,
    World,
    current_token,
    staff_client,
)
from xinjumin.audit.models import AuditEvent

HTMX = {"HTTP_HX_REQUEST": "true"}


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)  # retry at once after the wrong token
def test_staff_login_needs_password_and_totp_then_shows_role_and_scope(world: World):
    client = Client()
    clerk = world.users["window_yz"]
    response = client.post("/staff/login/", {"username": "window_yz",
                                              "password": PASSWORD, "token": "000000"})
    html = response.content.decode()
    assert response.status_code == 401
    assert 'data-testid="login-error"' in html and "用户名、密码或动态口令错误" in html
    assert client.get("/staff/")["Location"].startswith("/staff/login/")
    response = client.post("/staff/login/", {"username": "window_yz",
                                              "password": PASSWORD,
                                              "token": current_token(clerk)})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    html = client.get("/staff/").content.decode()
    assert "窗口工作人员" in html and "鄞州区 330212" in html
    assert 'href="/staff/residents/"' in html and 'href="/staff/audit/"' not in html


def test_wrong_password_gets_the_same_answer_as_a_wrong_code(world: World):
    response = Client().post("/staff/login/", {"username": "window_yz",
                                                "password": "not-the-password", "token": "1"})
    html = response.content.decode()
    assert response.status_code == 401
    assert 'data-testid="login-error"' in html and "用户名、密码或动态口令错误" in html
    assert 'id="id_password-error"' not in html and 'id="id_token-error"' not in html


@override_settings(AXES_LOCKOUT_CALLABLE="xinjumin.backoffice.lockout.axes_lockout_response")
def test_five_failures_lock_the_account_and_say_so(world: World):
    client = Client()
    for _ in range(5):
        client.post("/staff/login/", {"username": "window_yz", "password": "wrong-one",
                                      "token": "123456"})
    response = client.post("/staff/login/", {"username": "window_yz",
                                              "password": PASSWORD,
                                              "token": current_token(world.users["window_yz"])})
    html = response.content.decode()
    assert response.status_code == 403
    assert "账户已锁定" in html and "登录失败次数过多" in html
    assert client.get("/staff/")["Location"].startswith("/staff/login/")


def test_a_resident_session_does_not_open_the_back_office(world: World):
    client = Client()
    client.force_login(world.adult_yz.account if hasattr(world.adult_yz, "account") else
                       _resident_user(world))
    assert client.get("/staff/residents/")["Location"].startswith("/staff/login/")


def _resident_user(world: World):  # type: ignore[no-untyped-def]
    from xinjumin.accounts.services import resident_account_for

    return resident_account_for(world.adult_yz)


def test_clerk_list_shows_only_own_district_with_masked_numbers(world: World):
    html = world.staff_client("window_yz").get("/staff/residents/").content.decode()
    assert "张伟明" in html and "王丽" in html and "张小雨" in html
    assert "李海燕" not in html
    assert "3302**********0017" in html and ADULT_YZ_ID not in html
    assert "138****0001" in html
    other = world.staff_client("window_hs").get("/staff/residents/").content.decode()
    assert "李海燕" in other and "张伟明" not in other
    assert "海曙区 330203" in other


def test_search_by_exact_id_number_finds_one_person(world: World):
    client = world.staff_client("window_yz")
    html = client.post("/staff/residents/", {"q": ADULT_YZ_ID}).content.decode()
    assert "张伟明" in html and "王丽" not in html and "共 1 人" in html
    assert ADULT_YZ_ID not in html.replace(f'value="{ADULT_YZ_ID}"', "")  # only echoed in the box
    wrong_check = ADULT_YZ_ID[:-1] + ("0" if ADULT_YZ_ID[-1] != "0" else "1")
    for wrong in (NOBODY_ID, wrong_check, ADULT_HS_ID):
        html = client.post("/staff/residents/", {"q": wrong}).content.decode()
        assert "张伟明" not in html and "李海燕" not in html
        assert 'data-testid="no-results"' in html


def test_search_by_name_and_live_search_partial(world: World):
    client = world.staff_client("window_yz")
    response = client.post("/staff/residents/", {"q": "张"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html and 'id="results"' in html
    assert "张伟明" in html and "张小雨" in html and "王丽" not in html


def test_clerk_of_another_district_gets_404_for_the_detail(world: World):
    url = f"/staff/residents/{world.adult_yz.pk}/"
    before = AuditEvent.objects.filter(action="resident.read").count()
    assert world.staff_client("window_hs").get(url).status_code == 404
    assert world.staff_client("window_hs").post(url + "full-id/").status_code == 404
    assert AuditEvent.objects.filter(action="resident.read").count() == before
    response = world.staff_client("window_yz").get(url)
    html = response.content.decode()
    assert "张伟明" in html and "3302**********0017" in html and ADULT_YZ_ID not in html
    assert "王*" in html and "张*雨" in html
    assert "no-store" in response["Cache-Control"]
    read = AuditEvent.objects.filter(action="resident.read").latest("seq")
    assert read.actor == "window_yz" and read.object_id == str(world.adult_yz.pk)


def test_full_id_is_shown_on_demand_and_audited(world: World):
    client = world.staff_client("window_yz")
    response = client.post(f"/staff/residents/{world.adult_yz.pk}/full-id/", **HTMX)
    html = response.content.decode()
    assert ADULT_YZ_ID in html and "<html" not in html
    event = AuditEvent.objects.filter(action="resident.read_full_id").latest("seq")
    assert event.actor == "window_yz" and event.object_id == str(world.adult_yz.pk)


def test_audit_viewer_is_for_the_audit_admin_only(world: World):
    world.staff_client("window_yz").get(f"/staff/residents/{world.adult_yz.pk}/")
    assert world.staff_client("window_yz").get("/staff/audit/").status_code == 404
    assert world.staff_client("system_admin").get("/staff/audit/").status_code == 404
    auditor = world.staff_client("audit_admin")
    html = auditor.get("/staff/audit/").content.decode()
    assert "resident.read" in html and "window_yz" in html
    assert 'data-testid="audit-table"' in html
    filtered = auditor.get("/staff/audit/", {"action": "resident.create"}).content.decode()
    assert "resident.create" in filtered and "resident.read<" not in filtered
    assert "<form" in html and 'method="post"' not in html.split("</header>")[1].split(
        "audit-table")[0].replace('action="/staff/logout/" method="post"', "")


def test_audit_admin_sees_only_the_audit_viewer(world: World):
    client = world.staff_client("audit_admin")
    html = client.get("/staff/").content.decode()
    assert 'href="/staff/audit/"' in html and 'href="/staff/residents/"' not in html
    assert client.get("/staff/residents/").status_code == 404
    assert client.get(f"/staff/residents/{world.adult_yz.pk}/").status_code == 404


def test_system_admin_sees_no_resident_data(world: World):
    client = world.staff_client("system_admin")
    html = client.get("/staff/").content.decode()
    assert "系统管理员" in html
    assert 'href="/staff/residents/"' not in html and 'href="/staff/audit/"' not in html
    assert client.get("/staff/residents/").status_code == 404
    assert client.post("/staff/residents/", {"q": ADULT_YZ_ID}).status_code == 404


def test_staff_pages_switch_to_english(world: World):
    client = world.staff_client("window_yz")
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    html = client.get("/staff/").content.decode()
    assert '<html lang="en">' in html and "Window staff" in html and "Residents" in html
    assert "Yinzhou 330212" in html and "窗口工作人员" not in html


def test_security_admin_manages_accounts_and_sees_no_residents(world: World):
    from xinjumin.accounts.services import staff_create, staff_totp_device_create

    user = staff_create(username="security", password=PASSWORD, role="security_admin")
    staff_totp_device_create(user=user)
    client = staff_client(user)
    html = client.get("/staff/").content.decode()
    assert "安全管理员" in html and 'href="/admin/accounts/user/"' in html
    assert 'href="/staff/residents/"' not in html and 'href="/staff/audit/"' not in html
    assert client.get("/staff/residents/").status_code == 404


def test_resident_list_is_paginated_through_post(world: World):
    from tests.personas import id_number
    from xinjumin.people.services import resident_create

    for i in range(20):
        name = "测试" + "甲乙"[i // 10] + "一二三四五六七八九十"[i % 10]
        resident_create(id_number=id_number(f"33021219850101{i:03d}"), name=name,
                        district="330212")
    client = world.staff_client("window_yz")
    first = client.get("/staff/residents/").content.decode()
    assert "共 23 人" in first and "第 1 / 2 页" in first
    second = client.post("/staff/residents/", {"q": "", "page": "2"}, **HTMX).content.decode()
    assert "第 2 / 2 页" in second and second.count("<tr>") == 1 + 3  # header + 3 rows
    assert "李海燕" not in first + second

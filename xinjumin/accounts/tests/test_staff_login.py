"""Staff accounts: creation with password rules, TOTP enrolment, and login with password
(django-axes lockout after 5 failures) plus a TOTP token; one answer for every failed
login, so that no answer tells that the password was right."""

from __future__ import annotations

import base64
import io
import os
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.client import Client
from tests.personas import PASSWORD, current_token, login_request
from xinjumin.accounts.models import User
from xinjumin.accounts.services import (
    LOGIN_FAILED_EN,
    LOGIN_FAILED_ZH,
    staff_authenticate,
    staff_create,
    staff_update,
)
from xinjumin.audit.models import AuditEvent
from xinjumin.core.errors import DomainError


def _error(call) -> DomainError:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_password_and_totp_log_staff_in(world):
    clerk = world.users["window_yz"]
    user = staff_authenticate(request=login_request(), username="window_yz", password=PASSWORD,
                              token=current_token(clerk))
    assert user.pk == clerk.pk and user.otp_device.user_id == clerk.pk
    assert AuditEvent.objects.filter(action="auth.staff_login", actor="window_yz").count() == 1


def test_totp_is_required(world):
    for token in ("", "000000"):
        err = _error(lambda t=token: staff_authenticate(
            request=login_request(), username="window_yz", password=PASSWORD, token=t))
        assert (err.code, err.status, err.fields) == ("login_failed", 401, {})
    assert AuditEvent.objects.filter(action="auth.staff_login_failed",
                                     detail__reason="totp").count() == 2
    assert not AuditEvent.objects.filter(action="auth.staff_login").exists()


def test_no_enrolled_device_no_login(world):
    TOTPDevice.objects.filter(user=world.users["window_yz"]).delete()
    err = _error(lambda: staff_authenticate(request=login_request(), username="window_yz",
                                            password=PASSWORD, token="123456"))
    assert (err.code, err.status, err.fields) == ("login_failed", 401, {})
    assert AuditEvent.objects.filter(action="auth.staff_login_failed",
                                     detail__reason="totp_not_enrolled").count() == 1


def _failures(world) -> dict[str, DomainError]:  # type: ignore[no-untyped-def]
    """What the service answers for each way a staff login can fail."""
    def attempt(username: str, password: str, token: str) -> DomainError:
        return _error(lambda: staff_authenticate(request=login_request(username),
                                                 username=username, password=password,
                                                 token=token))

    clerk = world.users["window_yz"]
    answers = {
        "unknown user": attempt("nobody_here", PASSWORD, current_token(clerk)),
        "wrong password": attempt("window_yz", "wrong-password", current_token(clerk)),
        "wrong totp": attempt("window_yz", PASSWORD, "000000"),
        "missing totp": attempt("window_yz", PASSWORD, ""),
        "resident account": attempt(world.users["resident_yz"].username, "", ""),
    }
    world.users["reviewer_yz"].is_active = False
    world.users["reviewer_yz"].save(update_fields=["is_active"])
    answers["inactive"] = attempt("reviewer_yz", PASSWORD, current_token(world.users[
        "reviewer_yz"]))
    TOTPDevice.objects.filter(user=world.users["district_admin_yz"]).delete()
    answers["no totp device"] = attempt("district_admin_yz", PASSWORD, "123456")
    return answers


def test_every_failed_login_gets_the_one_answer(world):
    answers = _failures(world)
    for kind, e in answers.items():
        assert (e.code, e.status, e.message, e.message_en, e.fields) == (
            "login_failed", 401, LOGIN_FAILED_ZH, LOGIN_FAILED_EN, {}), kind
    # the audit trail keeps what was wrong, for the security admin
    reasons = AuditEvent.objects.filter(action="auth.staff_login_failed").values_list(
        "detail__reason", flat=True)
    assert set(reasons) == {"password", "totp", "totp_not_enrolled"}


def test_five_wrong_passwords_lock_the_account(world):
    clerk = world.users["window_yz"]
    codes = [_error(lambda: staff_authenticate(request=login_request(), username="window_yz",
                                               password="wrong-password", token="")).code
             for _ in range(5)]
    assert codes == ["login_failed"] * 4 + ["locked_out"]
    # Locked: even the right password and token are refused.
    err = _error(lambda: staff_authenticate(request=login_request(), username="window_yz",
                                            password=PASSWORD, token=current_token(clerk)))
    assert (err.code, err.status) == ("locked_out", 403)
    assert err.message.startswith("登录失败次数过多")
    # Another account is not affected.
    other = world.users["window_hs"]
    assert staff_authenticate(request=login_request("window_hs"), username="window_hs",
                              password=PASSWORD, token=current_token(other)).pk == other.pk


def test_every_kind_of_failure_counts_towards_the_lockout(world):
    clerk = world.users["window_yz"]
    tries = [("wrong-password", current_token(clerk)), (PASSWORD, "000000"), (PASSWORD, ""),
             ("wrong-password", ""), (PASSWORD, "999999")]
    codes = [_error(lambda pw=pw, t=t: staff_authenticate(
        request=login_request(), username="window_yz", password=pw, token=t)).code
        for pw, t in tries]
    assert codes == ["login_failed"] * 4 + ["locked_out"]
    err = _error(lambda: staff_authenticate(request=login_request(), username="window_yz",
                                            password=PASSWORD, token=current_token(clerk)))
    assert err.code == "locked_out"


def test_an_account_without_totp_device_counts_towards_the_lockout(world):
    TOTPDevice.objects.filter(user=world.users["window_yz"]).delete()
    codes = [_error(lambda: staff_authenticate(request=login_request(), username="window_yz",
                                               password=PASSWORD, token="123456")).code
             for _ in range(5)]
    assert codes == ["login_failed"] * 4 + ["locked_out"]


def _page(response) -> str:  # type: ignore[no-untyped-def]
    """The page without what differs from one request to the next: the CSRF tokens."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"',
                  'name="csrfmiddlewaretoken" value="…"', html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": "…"', html)


@override_settings(AXES_FAILURE_LIMIT=100, OTP_TOTP_THROTTLE_FACTOR=0)
def test_the_login_page_answers_every_failure_byte_for_byte_alike(world):
    clerk = world.users["window_yz"]
    world.users["reviewer_yz"].is_active = False
    world.users["reviewer_yz"].save(update_fields=["is_active"])
    TOTPDevice.objects.filter(user=world.users["district_admin_yz"]).delete()
    posts = {
        "wrong password": ("window_yz", "wrong-password", current_token(clerk)),
        "wrong totp": ("window_yz", PASSWORD, "000000"),
        "missing totp": ("window_yz", PASSWORD, ""),
        "unknown user": ("nobody_here", PASSWORD, "123456"),
        "inactive": ("reviewer_yz", PASSWORD, current_token(world.users["reviewer_yz"])),
        "no totp device": ("district_admin_yz", PASSWORD, "123456"),
        "resident account": (world.users["resident_yz"].username, "x", "123456"),
    }
    pages = {}
    for kind, (username, password, token) in posts.items():
        response = Client().post("/staff/login/", {"username": username,
                                                  "password": password, "token": token})
        assert response.status_code == 401, kind
        assert not response.cookies.get("sessionid"), kind  # nobody was logged in
        # the page keeps the username typed (whoever it names), never the password or code
        pages[kind] = _page(response).replace(f'value="{username}"', 'value="…"')
    reference = pages["wrong password"]
    for kind, html in pages.items():
        assert html == reference, kind
    assert LOGIN_FAILED_ZH in reference and 'data-testid="login-error"' in reference
    assert "aria-invalid" not in reference  # no field is singled out
    assert PASSWORD not in reference and "000000" not in reference


def test_the_login_page_answers_in_english_too(world):
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post("/staff/login/", {"username": "window_yz", "password": PASSWORD,
                                             "token": "000000"})
    assert response.status_code == 401
    assert LOGIN_FAILED_EN in response.content.decode()


def test_resident_account_cannot_use_staff_login(world):
    err = _error(lambda: staff_authenticate(request=login_request("resident-1"),
                                            username=world.users["resident_yz"].username,
                                            password="", token=""))
    assert err.code == "login_failed"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "1234567890123"}, "password"),
        ({"role": "resident"}, "role"),
        ({"district": None}, "district"),
        ({"district": "339999"}, "district"),
        ({"street": "330203001"}, "street"),  # a 海曙 street for a 鄞州 clerk
        ({"role": "city_admin"}, "district"),  # city-wide roles carry no district
        ({"username": "window_yz"}, "username"),  # taken
        ({"username": "resident-9"}, "username"),
    ],
)
def test_staff_create_rejects_bad_input_and_writes_nothing(world, kwargs, field):
    args = {"username": "new_clerk", "password": PASSWORD, "role": "window_staff",
            "district": "330212"} | kwargs
    users, events = User.objects.count(), AuditEvent.objects.count()
    err = _error(lambda: staff_create(**args))
    assert err.code == "invalid_account" and field in err.fields
    assert " / " in err.fields[field]  # Chinese first, then English
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)


def test_staff_update_changes_scope_audited_and_not_own_role(world):
    security = world.users["security_admin"]
    clerk = world.users["window_yz"]
    staff_update(user=clerk, role="district_admin", district="330203", actor=security)
    clerk.refresh_from_db()
    assert (clerk.role, clerk.district_id) == ("district_admin", "330203")
    event = AuditEvent.objects.get(action="account.update", object_id=str(clerk.pk))
    assert event.detail["before"]["district"] == "330212" and event.actor == "security_admin"
    err = _error(lambda: staff_update(user=security, role="city_admin", actor=security))
    assert "role" in err.fields


def test_create_staff_command_prints_otpauth_uri_and_qr(world, monkeypatch):
    monkeypatch.setenv("XJM_TEST_STAFF_PW", PASSWORD)
    out = io.StringIO()
    call_command("create_staff", "clerk_cixi", "--role", "window_staff", "--district", "330282",
                 "--password-env", "XJM_TEST_STAFF_PW", stdout=out)
    text = out.getvalue()
    user = User.objects.get(username="clerk_cixi")
    assert (user.role, user.district_id, user.is_staff) == ("window_staff", "330282", True)
    assert user.check_password(os.environ["XJM_TEST_STAFF_PW"])
    device = TOTPDevice.objects.get(user=user)
    secret = base64.b32encode(device.bin_key).decode()
    uri = next(line for line in text.splitlines() if line.startswith("otpauth://totp/"))
    assert "clerk_cixi" in uri and f"secret={secret}" in uri
    assert any(block in text for block in "█▀▄")  # the terminal QR code
    assert device.confirmed
    # --reset-totp replaces the device.
    call_command("create_staff", "clerk_cixi", "--reset-totp", "--no-qr", stdout=io.StringIO())
    assert TOTPDevice.objects.filter(user=user).get().pk != device.pk
    with pytest.raises(CommandError):
        call_command("create_staff", "bad", "--role", "window_staff",
                     "--password-env", "XJM_TEST_STAFF_PW", stdout=io.StringIO())

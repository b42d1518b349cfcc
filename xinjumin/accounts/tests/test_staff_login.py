"""Staff accounts: creation with password rules, TOTP enrolment, and login with password
(django-axes lockout after 5 failures) plus a TOTP token."""

from __future__ import annotations

import base64
import io
import os

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinjumin.accounts.models import User
from xinjumin.accounts.services import staff_authenticate, staff_create, staff_update
from xinjumin.accounts.tests.personas import PASSWORD, current_token, login_request
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
        assert (err.code, err.status) == ("totp_invalid", 401) and "token" in err.fields
    assert AuditEvent.objects.filter(action="auth.staff_login_failed",
                                     detail__reason="totp").count() == 2
    assert not AuditEvent.objects.filter(action="auth.staff_login").exists()


def test_no_enrolled_device_no_login(world):
    TOTPDevice.objects.filter(user=world.users["window_yz"]).delete()
    err = _error(lambda: staff_authenticate(request=login_request(), username="window_yz",
                                            password=PASSWORD, token="123456"))
    assert (err.code, err.status) == ("totp_not_enrolled", 403)


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


def test_wrong_totp_tokens_count_as_failures(world):
    codes = [_error(lambda: staff_authenticate(request=login_request(), username="window_yz",
                                               password=PASSWORD, token="000000")).code
             for _ in range(5)]
    assert codes[-1] == "locked_out" and set(codes[:4]) == {"totp_invalid"}


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

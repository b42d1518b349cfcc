"""Logging in through the API: SMS code → resident token, password + TOTP → staff token,
session + CSRF, logout; every refusal in the error format."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.api.conftest import API, assert_error
from tests.client import Client
from tests.personas import ADULT_YZ_ID, ADULT_YZ_PHONE, PASSWORD
from xinjumin.accounts.sms import sms_outbox_latest
from xinjumin.api.models import ApiToken
from xinjumin.audit.models import AuditEvent
from xinjumin.demo.logins import totp_now


def _sms_login(client: Client) -> dict:
    sent = client.post(f"{API}/auth/sms-code", {"phone": ADULT_YZ_PHONE},
                       content_type="application/json")
    assert sent.status_code == 202, sent.content
    code = re.search(r"\d{6}", sms_outbox_latest(phone=ADULT_YZ_PHONE)).group()
    response = client.post(f"{API}/auth/resident-token",
                           {"phone": ADULT_YZ_PHONE, "code": code},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def test_resident_logs_in_with_sms_code_and_reads_own_masked_data(world):
    body = _sms_login(Client())
    assert body["token_type"] == "Bearer"
    assert body["account"]["role"] == "resident"
    me = Client(headers={"Authorization": f"Bearer {body['token']}"}).get(f"{API}/me")
    assert me.status_code == 200
    data = me.json()
    assert data["resident"]["id"] == world.adult_yz.pk
    assert data["resident"]["district"]["code"] == "330212"
    assert ADULT_YZ_ID not in me.content.decode()
    assert data["resident"]["id_number"] == world.adult_yz.masked_id_number
    assert ADULT_YZ_PHONE not in me.content.decode()
    links = {(link["relation"], link["resident_id"]) for link in data["household"]}
    assert links == {("spouse", world.spouse_yz.pk), ("child", world.child_yz.pk)}


def test_token_is_stored_hashed_and_expires_in_eight_hours(world):
    body = _sms_login(Client())
    record = ApiToken.objects.get(user=world.users["resident_yz"])
    assert record.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    with connection.cursor() as cur:
        cur.execute("SELECT token_hash FROM api_apitoken")
        assert body["token"] not in {row[0] for row in cur.fetchall()}
    lifetime = record.expires_at - record.created_at
    assert timedelta(hours=7, minutes=59) < lifetime <= timedelta(hours=8, seconds=1)


def test_wrong_sms_code_is_a_field_error(world):
    client = Client()
    client.post(f"{API}/auth/sms-code", {"phone": ADULT_YZ_PHONE},
                content_type="application/json")
    sent = re.search(r"\d{6}", sms_outbox_latest(phone=ADULT_YZ_PHONE)).group()
    wrong = f"{(int(sent) + 1) % 10**6:06d}"
    response = client.post(f"{API}/auth/resident-token",
                           {"phone": ADULT_YZ_PHONE, "code": wrong},
                           content_type="application/json")
    body = assert_error(response, 400, "sms_code_wrong")
    assert "code" in body["fields"]
    assert not ApiToken.objects.exists()


def test_malformed_phone_for_sms_code_is_400_on_the_phone_field(world):
    response = Client().post(f"{API}/auth/sms-code", {"phone": "12345"},
                             content_type="application/json")
    body = assert_error(response, 400, "phone_invalid")
    assert "phone" in body["fields"]


def test_missing_field_says_required_in_chinese_first(world):
    response = Client().post(f"{API}/auth/resident-token", {"phone": "13800000001"},
                             content_type="application/json")
    body = assert_error(response, 400, "invalid_input")
    assert body["fields"] == {"code": "必填 / required"}


def test_staff_token_needs_password_and_totp(world):
    device = TOTPDevice.objects.get(user=world.users["window_yz"])
    good = Client().post(f"{API}/auth/staff-token",
                         {"username": "window_yz", "password": PASSWORD,
                          "totp": totp_now(device)}, content_type="application/json")
    assert good.status_code == 200, good.content
    assert good.json()["account"] == {"username": "window_yz",
                                      "display_name": "陈静",
                                      "role": "window_staff", "district": "330212"}
    token = good.json()["token"]
    listed = Client(headers={"Authorization": f"Bearer {token}"}).get(f"{API}/residents")
    assert listed.status_code == 200 and listed.json()["total"] == 3
    assert AuditEvent.objects.filter(action="auth.staff_login", actor="window_yz").exists()
    wrong_password = Client().post(f"{API}/auth/staff-token",
                                   {"username": "window_yz", "password": "not-it-at-all",
                                    "totp": totp_now(device)}, content_type="application/json")
    assert_error(wrong_password, 401, "login_failed")
    # The code just used cannot be replayed; any other wrong code is refused as well.
    bad = Client().post(f"{API}/auth/staff-token",
                        {"username": "window_yz", "password": PASSWORD,
                         "totp": totp_now(device)}, content_type="application/json")
    assert bad.content == wrong_password.content  # the same answer: no hint the password was right
    assert ApiToken.objects.filter(user=world.users["window_yz"]).count() == 1


def test_logout_revokes_the_token(world):
    token = world.token("window_yz")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get(f"{API}/residents").status_code == 200
    out = client.post(f"{API}/auth/logout", content_type="application/json")
    assert out.status_code == 204
    assert ApiToken.objects.get(user=world.users["window_yz"]).revoked_at is not None
    assert_error(client.get(f"{API}/residents"), 401, "not_authenticated")


def test_expired_and_unknown_tokens_are_401_in_the_error_format(world):
    token = world.token("window_yz")
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = Client(headers={"Authorization": f"Bearer {token}"}).get(f"{API}/residents")
    assert_error(expired, 401, "not_authenticated")
    assert "Bearer" in expired["WWW-Authenticate"]
    unknown = Client(headers={"Authorization": "Bearer xjt_not-a-real-token"}).get(f"{API}/me")
    assert_error(unknown, 401, "not_authenticated")
    nothing = Client().get(f"{API}/residents/1")
    assert_error(nothing, 401)


def test_machine_key_reaches_no_personal_data(world, hrss_key):
    client = Client(headers={"X-API-Key": hrss_key})
    assert_error(client.get(f"{API}/residents/{world.adult_yz.pk}"), 401)
    assert_error(client.get(f"{API}/me"), 401)


def test_session_works_for_htmx_and_unsafe_methods_need_csrf(world):
    clerk = world.users["window_yz"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    # Staff sessions count only after the second factor.
    assert_error(client.get(f"{API}/residents"), 401)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=clerk).persistent_id
    session.save()
    listed = client.get(f"{API}/residents")
    assert listed.status_code == 200 and listed.json()["total"] == 3
    payload = {"id_number": "11010519491231002X", "name": "赵四"}
    refused = client.post(f"{API}/residents", payload, content_type="application/json")
    assert_error(refused, 403, "csrf_failed")
    csrf = get_random_string(32)  # what the portal page would have set as its cookie
    client.cookies["csrftoken"] = csrf
    created = client.post(f"{API}/residents", payload, content_type="application/json",
                          headers={"X-CSRFToken": csrf})
    assert created.status_code == 201, created.content
    assert created.json()["district"]["code"] == "330212"


def test_resident_session_reads_me_without_a_token(world):
    client = Client()
    client.force_login(world.users["resident_yz"])
    response = client.get(f"{API}/me")
    assert response.status_code == 200
    assert response.json()["resident"]["id"] == world.adult_yz.pk


def _staff_token(username: str, password: str, totp: str):  # type: ignore[no-untyped-def]
    return Client().post(f"{API}/auth/staff-token",
                         {"username": username, "password": password, "totp": totp},
                         content_type="application/json")


@override_settings(AXES_FAILURE_LIMIT=100, OTP_TOTP_THROTTLE_FACTOR=0)
def test_every_failed_staff_token_gets_the_same_answer_byte_for_byte(world):
    clerk = TOTPDevice.objects.get(user=world.users["window_yz"])
    city = world.users["city_admin"]
    city.is_active = False
    city.save(update_fields=["is_active"])
    TOTPDevice.objects.filter(user=world.users["window_hs"]).delete()
    pw = PASSWORD
    answers = {
        "unknown user": _staff_token("no_such_clerk", pw, "123456"),
        "wrong password": _staff_token("window_yz", "not-it-at-all", totp_now(clerk)),
        "wrong totp": _staff_token("window_yz", pw, "000000"),
        "empty totp": _staff_token("window_yz", pw, ""),
        "inactive": _staff_token("city_admin", pw,
                                 totp_now(TOTPDevice.objects.get(user=city))),
        "no totp device": _staff_token("window_hs", pw, "123456"),
        "resident account": _staff_token(world.users["resident_yz"].username, pw, "123456"),
    }
    reference = answers["wrong password"]
    body = assert_error(reference, 401, "login_failed")
    assert body["fields"] == {}
    for kind, response in answers.items():
        assert (response.status_code, response["Content-Type"], response.content) == (
            401, reference["Content-Type"], reference.content), kind
    assert not ApiToken.objects.exists()


def test_every_kind_of_failed_staff_token_counts_towards_the_lockout(world):
    device = TOTPDevice.objects.get(user=world.users["window_yz"])
    pw = PASSWORD
    tries = [("wrong-password", totp_now(device)), (pw, "000000"), (pw, ""),
             ("wrong-password", "000000"), (pw, "999999")]
    codes = [_staff_token("window_yz", password, totp).json()["code"]
             for password, totp in tries]
    assert codes == ["login_failed"] * 4 + ["locked_out"]
    locked = _staff_token("window_yz", pw, totp_now(device))
    assert_error(locked, 403, "locked_out")
    assert not ApiToken.objects.exists()

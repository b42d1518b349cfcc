"""Logging in cannot be taken over, flooded, out-guessed or turned against a clerk
(issue #11, points 2, 4 and the login parts of 6).

- The local SMS outbox (every login code, readable) never runs in production: settings
  refuse it (even with XJM_ALLOW_LOCAL_SMS), the outbox is not routed there, and the deploy
  check refuses it too; development and tests keep it.
- Every failed login step is an audit event: a wrong, dead or expired SMS code; a wrong
  staff password, a wrong TOTP code, a locked-out account (one answer for all of these).
- Codes requested from one client address are limited (a counter row per address and
  window, a conditional UPDATE): no race passes the limit; the address is the one the
  trusted proxy reports, and X-Forwarded-For is not believed from anyone else.
- A code allows 5 tries, however many guesses race (each try is taken by a conditional
  UPDATE before the code is compared).
- Staff lockout is per username and client address; a lockout ends the account's sessions
  and API tokens, once per lockout.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.checks import run_checks
from django.db import connection
from django.test import RequestFactory, override_settings
from django.urls import resolve

from tests.client import Client
from tests.personas import ADULT_YZ_PHONE, PASSWORD, World, current_token, staff_client
from tests.test_production_settings import PRODUCTION
from xinjumin.accounts.models import SmsAddressWindow, SmsCode, UserSession
from xinjumin.accounts.services import (
    LOGIN_FAILED_EN,
    LOGIN_FAILED_ZH,
    sms_code_login,
    sms_code_request,
)
from xinjumin.accounts.sms import LocalOutboxBackend, sms_outbox_latest
from xinjumin.api.models import ApiToken
from xinjumin.audit.models import AuditEvent
from xinjumin.core.addresses import client_address
from xinjumin.core.checks import check_sms_backend
from xinjumin.core.errors import DomainError
from xinjumin.people.services import resident_create

API = "/api/v1"
GATEWAY = "tests.security.gateways.OperatorGateway"
LOCAL = "xinjumin.accounts.sms.LocalOutboxBackend"
ATTACKER, CLERK_DESK = "198.51.100.66", "192.0.2.10"


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except DomainError as error:
        return error.code


def _number(i: int) -> str:
    return f"1370000{i:04d}"


# --- 1. the local SMS outbox never runs in production ----------------------------------

def _production(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("XJM_", "DATABASE_URL", "SECRET_KEY", "REDIS_URL", "SMS_"))}
    base.update(env, DJANGO_SETTINGS_MODULE="xinjumin.settings")
    return subprocess.run([sys.executable, "-c", code], env=base, capture_output=True,
                          text=True, timeout=120, check=False)


START = "import django; django.setup(); print('STARTED')"
ROUTE = ("import django; django.setup()\n"
         "from django.urls import Resolver404, resolve\n"
         "try:\n    resolve('/dev/sms-outbox/'); print('ROUTED')\n"
         "except Resolver404:\n    print('NOT ROUTED')\n")


ALLOW_REFUSED = "XJM_ALLOW_LOCAL_SMS is not accepted"


@pytest.mark.parametrize(("env", "message"), [
    ({"SMS_BACKEND": LOCAL, "XJM_ALLOW_LOCAL_SMS": "true"}, ALLOW_REFUSED),
    ({"SMS_BACKEND": GATEWAY, "XJM_ALLOW_LOCAL_SMS": "true"}, ALLOW_REFUSED),
    ({"SMS_BACKEND": LOCAL}, "SMS_BACKEND must name a real gateway"),
    ({}, "SMS_BACKEND must name a real gateway"),
])
def test_production_refuses_to_start_with_the_local_outbox(env: dict[str, str],
                                                          message: str) -> None:
    settings_env = {k: v for k, v in PRODUCTION.items()
                    if k not in ("SMS_BACKEND", "XJM_ALLOW_LOCAL_SMS")}
    done = _production({**settings_env, **env}, START)
    assert done.returncode != 0 and "STARTED" not in done.stdout
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr


def test_the_outbox_is_not_routed_in_production() -> None:
    settings_env = {k: v for k, v in PRODUCTION.items() if k != "XJM_ALLOW_LOCAL_SMS"}
    done = _production({**settings_env, "SMS_BACKEND": GATEWAY}, ROUTE)
    assert done.returncode == 0, done.stderr[-1500:]
    assert done.stdout.strip() == "NOT ROUTED"
    # ...and is routed here (tests), as in development, so the check above can fail
    assert resolve("/dev/sms-outbox/").url_name == "sms_outbox"


class _RenamedOutbox(LocalOutboxBackend):
    """The outbox under another name: still the outbox."""


def test_the_deploy_check_refuses_the_local_outbox() -> None:
    assert [e.id for e in run_checks(include_deployment_checks=True)
            if e.id.startswith("xjm.")] == ["xjm.E010"]
    assert "xjm.E010" not in [e.id for e in run_checks(include_deployment_checks=False)]
    with override_settings(SMS_BACKEND=f"{__name__}._RenamedOutbox"):
        assert [e.id for e in check_sms_backend(None)] == ["xjm.E010"]
    with override_settings(SMS_BACKEND="tests.security.gateways.NoSuchGateway"):
        assert [e.id for e in check_sms_backend(None)] == ["xjm.E011"]
    with override_settings(SMS_BACKEND=GATEWAY):
        assert check_sms_backend(None) == []


def test_the_outbox_page_is_refused_outside_development_and_tests(world: World) -> None:
    client = Client()
    client.post(f"{API}/auth/sms-code", {"phone": ADULT_YZ_PHONE},
                content_type="application/json")
    assert client.post("/dev/sms-outbox/", {"phone": ADULT_YZ_PHONE}).status_code == 200
    with override_settings(XJM_ENV="production"):
        assert client.post("/dev/sms-outbox/", {"phone": ADULT_YZ_PHONE}).status_code == 404
        assert "/dev/sms-outbox/" not in client.get("/login/").content.decode()


# --- 2. every failed login step is audited ---------------------------------------------

def _failures(action: str) -> list[str]:
    return [e.detail["reason"] for e in AuditEvent.objects.filter(action=action).order_by("seq")]


def test_wrong_expired_and_dead_sms_codes_are_audited(world: World, client: Client) -> None:
    client.post(f"{API}/auth/sms-code", {"phone": ADULT_YZ_PHONE},
                content_type="application/json")
    code = re.search(r"\d{6}", sms_outbox_latest(phone=ADULT_YZ_PHONE)).group()
    wrong = "000000" if code != "000000" else "111111"
    answers = [client.post(f"{API}/auth/resident-token", {"phone": ADULT_YZ_PHONE, "code": c},
                           content_type="application/json").json()["code"]
               for c in ["12ab", wrong, wrong, wrong, wrong, wrong, code]]
    assert answers == ["sms_code_invalid"] + ["sms_code_wrong"] * 4 + [
        "sms_code_attempts_exceeded"] * 2
    assert _failures("auth.resident_login_failed") == (
        ["format"] + ["wrong"] * 5 + ["attempts_exceeded"])
    event = AuditEvent.objects.filter(action="auth.resident_login_failed").order_by("seq").last()
    assert event.detail["phone"] == "138****0001" and ADULT_YZ_PHONE not in str(event.detail)
    assert event.object_id == str(SmsCode.objects.get().pk)
    # no code at all (an unknown number) is a failed step too
    assert _outcome(lambda: sms_code_login(phone="13700000009", code="123456")) == (
        "sms_code_expired")
    assert _failures("auth.resident_login_failed")[-1] == "expired"


def test_every_failed_staff_login_step_is_audited_with_one_answer(world: World) -> None:
    clerk = world.users["window_yz"]
    client = Client(REMOTE_ADDR=ATTACKER)

    def token_request(password: str, totp: str) -> Any:
        return client.post(f"{API}/auth/staff-token",
                           {"username": "window_yz", "password": password, "totp": totp},
                           content_type="application/json")

    wrong_password = token_request("not-the-password", current_token(clerk))
    wrong_totp = token_request(PASSWORD, "000000")
    for answer in (wrong_password, wrong_totp):
        assert answer.status_code == 401
        assert answer.json()["message"] == LOGIN_FAILED_ZH
        assert answer.json()["message_en"] == LOGIN_FAILED_EN
    assert wrong_password.json() == wrong_totp.json()
    for _ in range(3):
        token_request("not-the-password", "")
    locked = token_request(PASSWORD, current_token(clerk))
    assert locked.status_code == 403 and locked.json()["code"] == "locked_out"
    reasons = _failures("auth.staff_login_failed")
    assert reasons[:2] == ["password", "totp"] and reasons[-1] == "locked_out"
    assert {e.detail["address"] for e in
            AuditEvent.objects.filter(action="auth.staff_login_failed")} == {ATTACKER}


# --- 3. codes per client address --------------------------------------------------------

def _ask(client: Client, phone: str, **extra: Any) -> Any:
    return client.post(f"{API}/auth/sms-code", {"phone": phone},
                       content_type="application/json", **extra)


def test_codes_from_one_address_are_limited(db: None, settings: Any) -> None:
    limit = settings.SMS_CODE_MAX_PER_ADDRESS
    client = Client(REMOTE_ADDR=ATTACKER)
    assert [_ask(client, _number(i)).status_code for i in range(limit)] == [202] * limit
    refused = _ask(client, _number(limit))
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "sms_address_rate_limited"
    assert "请" in body["message"] and "try again in" in body["message_en"]
    assert "try again in" in body["fields"]["phone"]
    assert 0 < int(refused["Retry-After"]) <= settings.SMS_CODE_ADDRESS_WINDOW_SECONDS
    assert SmsCode.objects.count() == limit  # the refused request stored nothing
    # X-Forwarded-For from a client that is no trusted proxy is not believed
    spoofed = _ask(client, _number(limit + 1), HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert spoofed.status_code == 429
    # another address is not concerned
    assert _ask(Client(REMOTE_ADDR=CLERK_DESK), _number(limit + 2)).status_code == 202


@override_settings(XJM_TRUSTED_PROXIES=["10.0.0.0/8"], SMS_CODE_MAX_PER_ADDRESS=2)
def test_behind_the_trusted_proxy_the_limit_is_per_client(db: None) -> None:
    proxy = Client(REMOTE_ADDR="10.0.0.2")

    def via_proxy(i: int, forwarded: str) -> int:
        return _ask(proxy, _number(i), HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [via_proxy(i, f"1.2.3.{i}, 203.0.113.5") for i in range(3)] == [202, 202, 429]
    assert via_proxy(3, "203.0.113.6") == 202  # another client behind the same proxy


def test_the_client_address() -> None:
    def address(remote: str, forwarded: str | None = None) -> str:
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))

    assert address("198.51.100.1", "203.0.113.5") == "198.51.100.1"
    with override_settings(XJM_TRUSTED_PROXIES=["10.0.0.0/8", "fd00::/8"]):
        assert address("198.51.100.1", "203.0.113.5") == "198.51.100.1"  # not a proxy
        assert address("10.0.0.2", "6.6.6.6, 203.0.113.5") == "203.0.113.5"
        assert address("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.9") == "203.0.113.5"
        assert address("fd00::1", "[2001:db8::7]:443") == "2001:db8::7"
        assert address("10.0.0.2", "not an address") == "10.0.0.2"
        assert address("10.0.0.2") == "10.0.0.2"
    assert address("garbage") == ""


def _nested_at(prefix: str, calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls interleaved on one connection: when a call is about to run a statement
    starting with `prefix`, the next call runs first, entirely up to its own such
    statement, and so on. Every call has thus read before any has written: the
    deterministic form of a race (SQLite serialises writers, so threads cannot race)."""
    pending = list(calls[1:])
    results: list[Any] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.startswith(prefix) and pending:
            results.append(_outcome(pending.pop(0)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        results.append(_outcome(calls[0]))
    return results


@override_settings(SMS_CODE_MAX_PER_ADDRESS=3)
def test_interleaved_requests_cannot_pass_the_address_limit(db: None) -> None:
    calls = [lambda i=i: sms_code_request(phone=_number(i), address=ATTACKER)
             for i in range(7)]
    results = _nested_at('UPDATE "accounts_smsaddresswindow"', calls)
    assert sorted(results, key=str) == [None] * 3 + ["sms_address_rate_limited"] * 4
    assert SmsAddressWindow.objects.get().count == 3 and SmsCode.objects.count() == 3


def _race(threads: int, call: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(threads, timeout=20)
    results: list[Any] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(_outcome(lambda: call(i)))
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert len(results) == threads
    return results


def _needs_concurrent_writers() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads race only with concurrent writers (PostgreSQL); "
                    "the interleaved test covers SQLite")


@override_settings(SMS_CODE_MAX_PER_ADDRESS=4)
def test_racing_requests_cannot_pass_the_address_limit(transactional_db: None) -> None:
    _needs_concurrent_writers()
    results = _race(12, lambda i: sms_code_request(phone=_number(i), address=ATTACKER))
    assert results.count(None) == 4 and results.count("sms_address_rate_limited") == 8
    assert SmsAddressWindow.objects.get().count == 4 and SmsCode.objects.count() == 4


# --- 4. five tries per code, however many guesses race ---------------------------------

PHONE = "13500000005"


def _code_for_phone() -> str:
    resident_create(id_number="11010519491231002X", name="王芳", district="330212",
                    phone=PHONE, actor="test-setup")
    sms_code_request(phone=PHONE, address=CLERK_DESK)
    return re.search(r"(\d{6})", sms_outbox_latest(phone=PHONE)).group(1)


def _wrong(code: str, i: int) -> str:
    return f"{(int(code) + 1 + i) % 10**6:06d}"


def _tries_compared() -> int:
    return _failures("auth.resident_login_failed").count("wrong")


def test_interleaved_guesses_get_five_tries(db: None) -> None:
    code = _code_for_phone()
    calls = [lambda i=i: sms_code_login(phone=PHONE, code=_wrong(code, i)) for i in range(8)]
    results = _nested_at('UPDATE "accounts_smscode"', calls)
    assert _tries_compared() == 5
    assert SmsCode.objects.get().attempts == 5
    assert results.count("sms_code_wrong") == 4
    assert results.count("sms_code_attempts_exceeded") == 4
    assert _outcome(lambda: sms_code_login(phone=PHONE, code=code)) == (
        "sms_code_attempts_exceeded")


def test_racing_guesses_get_five_tries(transactional_db: None) -> None:
    _needs_concurrent_writers()
    code = _code_for_phone()
    results = _race(16, lambda i: sms_code_login(phone=PHONE, code=_wrong(code, i)))
    assert _tries_compared() == 5 and SmsCode.objects.get().attempts == 5
    assert results.count("sms_code_wrong") == 4
    assert results.count("sms_code_attempts_exceeded") == 12
    assert _outcome(lambda: sms_code_login(phone=PHONE, code=code)) == (
        "sms_code_attempts_exceeded")


def test_the_right_code_still_works_on_the_fifth_try(db: None) -> None:
    code = _code_for_phone()
    for i in range(4):
        assert _outcome(lambda i=i: sms_code_login(phone=PHONE, code=_wrong(code, i))) == (
            "sms_code_wrong")
    assert sms_code_login(phone=PHONE, code=code).resident.phone_hash
    assert SmsCode.objects.get().attempts == 5


# --- 5. staff lockout: per username and address; it ends sessions and tokens ------------

def _staff_login(client: Client, password: str, token: str) -> int:
    return client.post("/staff/login/", {"username": "window_yz", "password": password,
                                         "token": token}).status_code


def test_a_lockout_from_one_address_does_not_lock_the_clerk_out(world: World) -> None:
    clerk = world.users["window_yz"]
    attacker = Client(REMOTE_ADDR=ATTACKER)
    assert [_staff_login(attacker, "guess", "123456") for _ in range(5)] == [401] * 4 + [403]
    # locked from that address, even with the right password and code...
    assert _staff_login(attacker, PASSWORD, current_token(clerk)) == 403
    # ...and a forged X-Forwarded-For changes nothing without a trusted proxy
    attacker.defaults["HTTP_X_FORWARDED_FOR"] = "203.0.113.99"
    assert _staff_login(attacker, PASSWORD, current_token(clerk)) == 403
    # the clerk, at the desk, logs in
    desk = Client(REMOTE_ADDR=CLERK_DESK)
    assert _staff_login(desk, PASSWORD, current_token(clerk)) == 302
    assert desk.get("/staff/").status_code == 200


@override_settings(XJM_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_the_trusted_proxy_the_lockout_is_per_client(world: World) -> None:
    clerk = world.users["window_yz"]
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER)
    for _ in range(5):
        _staff_login(attacker, "guess", "123456")
    assert _staff_login(attacker, PASSWORD, current_token(clerk)) == 403
    desk = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=CLERK_DESK)
    assert _staff_login(desk, PASSWORD, current_token(clerk)) == 302


def test_a_lockout_ends_the_accounts_sessions_and_tokens_once(world: World) -> None:
    clerk = world.users["window_yz"]
    session = staff_client(clerk)
    api = world.client("window_yz")
    other = world.client("window_hs")  # another account is not concerned
    resident = f"{API}/residents/{world.adult_yz.pk}"
    assert session.get("/staff/").status_code == 200
    assert api.get(resident).status_code == 200
    assert UserSession.objects.filter(user_id=clerk.pk).count() == 1
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(5):
        _staff_login(attacker, "guess", "123456")
    assert session.get("/staff/").status_code == 302  # back to the login page
    assert api.get(resident).status_code == 401
    assert not ApiToken.objects.filter(user=clerk, revoked_at__isnull=True).exists()
    assert ApiToken.objects.filter(user=world.users["window_hs"],
                                   revoked_at__isnull=True).count() == 1
    assert other.get(f"{API}/residents/{world.adult_hs.pk}").status_code == 200
    ended = AuditEvent.objects.get(action="account.locked_out")
    assert ended.object_id == str(clerk.pk)
    assert ended.detail == {"username": "window_yz", "address": ATTACKER,
                                 "sessions_ended": 1, "tokens_revoked": 1}
    # the clerk logs in again at the desk; the guesser's further failures from the
    # locked-out address do not end that new session
    desk = Client(REMOTE_ADDR=CLERK_DESK)
    assert _staff_login(desk, PASSWORD, current_token(clerk)) == 302
    for _ in range(3):
        assert _staff_login(attacker, "guess", "123456") == 403
    assert desk.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="account.locked_out").count() == 1


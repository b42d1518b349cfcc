"""Resident login by SMS code: delivery, single use, expiry, attempts, rate limits and
not revealing which numbers belong to residents. Time is passed in as `now`."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from tests.personas import ADULT_YZ_PHONE
from xinjumin.accounts.models import SmsCode, SmsMessage, User
from xinjumin.accounts.services import sms_code_login, sms_code_request
from xinjumin.accounts.sms import get_sms_backend, sms_outbox_latest
from xinjumin.audit.models import AuditEvent
from xinjumin.core.errors import DomainError

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ADDRESS = "10.0.0.1"
UNKNOWN_PHONE = "13712345678"


def _code_sent_to(phone: str) -> str:
    body = sms_outbox_latest(phone=phone)
    assert body is not None and body.startswith("【宁波新居民】")
    return re.search(r"验证码为 (\d{6})", body).group(1)


def _error(call) -> DomainError:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_code_logs_resident_in_once_and_creates_account(world):
    User.objects.filter(resident=world.adult_yz).delete()
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=T0)
    code = _code_sent_to(ADULT_YZ_PHONE)
    assert "5 分钟内有效" in sms_outbox_latest(phone=ADULT_YZ_PHONE)
    stored = SmsCode.objects.get()
    assert code not in stored.code_hash and stored.expires_at == T0 + dt.timedelta(minutes=5)

    user = sms_code_login(phone=ADULT_YZ_PHONE, code=code, now=T0 + dt.timedelta(seconds=30))
    assert user.role == "resident" and user.resident == world.adult_yz
    assert not user.has_usable_password()
    assert AuditEvent.objects.filter(action="auth.resident_login", object_id=str(user.pk),
                                     actor=user.username).count() == 1
    # Single use: the same code cannot log in again.
    err = _error(lambda: sms_code_login(phone=ADULT_YZ_PHONE, code=code,
                                        now=T0 + dt.timedelta(seconds=31)))
    assert err.code == "sms_code_expired" and "code" in err.fields
    # A second login (new code) reuses the same account.
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=T0 + dt.timedelta(minutes=2))
    again = sms_code_login(phone=ADULT_YZ_PHONE, code=_code_sent_to(ADULT_YZ_PHONE),
                           now=T0 + dt.timedelta(minutes=2, seconds=5))
    assert again.pk == user.pk and User.objects.filter(resident=world.adult_yz).count() == 1


def test_code_expires_after_ttl(world):
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=T0)
    code = _code_sent_to(ADULT_YZ_PHONE)
    err = _error(lambda: sms_code_login(phone=ADULT_YZ_PHONE, code=code,
                                        now=T0 + dt.timedelta(seconds=300)))
    assert err.code == "sms_code_expired" and err.message.startswith("验证码已失效")
    assert SmsCode.objects.get().used_at is None


def test_wrong_tries_kill_the_code(world):
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=T0)
    code = _code_sent_to(ADULT_YZ_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    codes = [_error(lambda: sms_code_login(phone=ADULT_YZ_PHONE, code=wrong, now=T0)).code
             for _ in range(5)]
    assert codes == ["sms_code_wrong"] * 4 + ["sms_code_attempts_exceeded"]
    assert SmsCode.objects.get().attempts == 5
    # Even the right code is dead now.
    err = _error(lambda: sms_code_login(phone=ADULT_YZ_PHONE, code=code, now=T0))
    assert err.code == "sms_code_attempts_exceeded"
    assert not AuditEvent.objects.filter(action="auth.resident_login").exists()


def test_right_code_after_four_wrong_tries_still_works(world):
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=T0)
    code = _code_sent_to(ADULT_YZ_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        err = _error(lambda: sms_code_login(phone=ADULT_YZ_PHONE, code=wrong, now=T0))
        assert err.message == f"验证码错误, 还可尝试 {left} 次"
    assert sms_code_login(phone=ADULT_YZ_PHONE, code=code, now=T0).resident == world.adult_yz


def test_only_the_latest_code_counts(world):
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=T0)
    first = _code_sent_to(ADULT_YZ_PHONE)
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=T0 + dt.timedelta(seconds=61))
    second = _code_sent_to(ADULT_YZ_PHONE)
    later = T0 + dt.timedelta(seconds=62)
    if first != second:
        assert _error(lambda: sms_code_login(phone=ADULT_YZ_PHONE, code=first,
                                             now=later)).code == "sms_code_wrong"
    assert sms_code_login(phone=ADULT_YZ_PHONE, code=second, now=later).resident_id


def test_resend_interval_and_hourly_limit(world):
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=T0)
    err = _error(lambda: sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE,
                                          now=T0 + dt.timedelta(seconds=20)))
    assert (err.code, err.status, err.retry_after) == ("sms_rate_limited", 429, 40)
    assert err.message == "验证码发送过于频繁, 请 40 秒后再试" and "phone" in err.fields
    for minute in (1, 2, 3, 4):  # five codes in the hour in all
        sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE,
                         now=T0 + dt.timedelta(minutes=minute))
    err = _error(lambda: sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE,
                                          now=T0 + dt.timedelta(minutes=10)))
    assert err.status == 429 and err.retry_after == 50 * 60  # when the first leaves the hour
    assert "50 分钟" in err.message and "50 minutes" in err.message_en
    assert SmsMessage.objects.count() == 5
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE,
                     now=T0 + dt.timedelta(minutes=60, seconds=1))
    assert SmsMessage.objects.count() == 6


def test_unknown_phone_gets_same_answer_no_sms_and_same_limits(world):
    assert sms_code_request(address=ADDRESS, phone=UNKNOWN_PHONE, now=T0) is None
    assert SmsMessage.objects.count() == 0
    assert SmsCode.objects.count() == 1  # kept for the rate limit
    err = _error(lambda: sms_code_request(address=ADDRESS, phone=UNKNOWN_PHONE,
                                          now=T0 + dt.timedelta(seconds=5)))
    assert err.code == "sms_rate_limited"
    # Guessing a code for the unknown number answers exactly like a wrong code.
    err = _error(lambda: sms_code_login(phone=UNKNOWN_PHONE, code="123456", now=T0))
    assert err.code == "sms_code_wrong"
    assert not User.objects.filter(role="resident").exclude(
        resident__in=[world.adult_yz, world.adult_hs]).exists()


@pytest.mark.parametrize("bad", ["1380000000", "23800000001", "1280000000a", "", "138000000012"])
def test_malformed_phone_is_a_field_error(world, bad):
    err = _error(lambda: sms_code_request(address=ADDRESS, phone=bad, now=T0))
    assert err.code == "phone_invalid" and err.status == 400
    assert set(err.fields) == {"phone"} and err.message.startswith("手机号码格式不正确")
    assert SmsCode.objects.count() == 0


def test_code_must_be_six_digits(world):
    err = _error(lambda: sms_code_login(phone=ADULT_YZ_PHONE, code="12ab", now=T0))
    assert err.code == "sms_code_invalid" and set(err.fields) == {"code"}


def test_disabled_account_cannot_log_in(world):
    User.objects.filter(resident=world.adult_yz).update(is_active=False)
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=T0)
    err = _error(lambda: sms_code_login(phone=ADULT_YZ_PHONE, code=_code_sent_to(ADULT_YZ_PHONE),
                                        now=T0))
    assert (err.code, err.status) == ("account_disabled", 403)


def test_outbox_is_encrypted_at_rest(world):
    sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=T0)
    code = _code_sent_to(ADULT_YZ_PHONE)
    with connection.cursor() as cur:
        cur.execute("SELECT phone, body FROM accounts_smsmessage")
        phone_raw, body_raw = cur.fetchone()
    assert ADULT_YZ_PHONE not in phone_raw and code not in body_raw
    assert "验证码" not in body_raw


def test_backend_is_chosen_by_setting(world):
    class Recording:
        sent: list[tuple[str, str]] = []

        def send(self, *, phone: str, body: str) -> str:
            self.sent.append((phone, body))
            return "rec-1"

    import sys
    import types

    module = types.ModuleType("xjm_test_sms_backend")
    module.Recording = Recording
    sys.modules["xjm_test_sms_backend"] = module
    with override_settings(SMS_BACKEND="xjm_test_sms_backend.Recording"):
        assert isinstance(get_sms_backend(), Recording)
        sms_code_request(address=ADDRESS, phone=ADULT_YZ_PHONE, now=timezone.now())
    assert Recording.sent and Recording.sent[0][0] == ADULT_YZ_PHONE
    assert SmsMessage.objects.count() == 0

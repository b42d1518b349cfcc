"""The resident portal through the HTTP client: home, language, login by SMS code, my
information (masked), demo outbox."""

from __future__ import annotations

import re

from django.test import override_settings

from tests.client import Client
from tests.personas import (
    ADULT_HS_PHONE,
    ADULT_YZ_ID,
    ADULT_YZ_PHONE,
    CHILD_YZ_ID,
    SPOUSE_YZ_ID,
    UNKNOWN_PHONE,
    World,
)
from xinjumin.accounts.models import SmsMessage
from xinjumin.accounts.sms import sms_outbox_latest

HTMX = {"HTTP_HX_REQUEST": "true"}


class SilentGateway:
    """A stand-in for a real SMS gateway: the demo outbox must then not exist."""

    name = "silent"

    def send(self, *, phone: str, body: str) -> str:
        return "silent-1"


def _code_from_outbox(phone: str) -> str:
    body = sms_outbox_latest(phone=phone)
    assert body is not None, "no SMS in the local outbox"
    return re.search(r"\d{6}", body).group(0)


def _log_in(client: Client, phone: str = ADULT_YZ_PHONE):  # type: ignore[no-untyped-def]
    client.post("/login/code/", {"phone": phone}, **HTMX)
    return client.post("/login/", {"phone": phone, "code": _code_from_outbox(phone)})


def test_home_explains_the_platform_in_chinese(db):
    html = Client().get("/").content.decode()
    assert '<html lang="zh-CN">' in html
    for topic in ("来甬登记", "居住证", "积分应用", "手机号登录"):
        assert topic in html
    assert 'href="/login/"' in html
    assert "/static/vendor/htmx/htmx.min.js" in html  # served locally, no CDN
    assert "https://" not in html


def test_english_switch_changes_the_page_language(db):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in with your phone number" in html
    assert "手机号登录" not in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "手机号登录" in client.get("/").content.decode()


def test_send_code_answers_with_a_countdown_and_writes_the_sms(world: World):
    response = Client().post("/login/code/", {"phone": ADULT_YZ_PHONE}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # only the phone block is swapped in
    assert 'data-countdown="60"' in html
    assert "验证码已发送" in html
    assert SmsMessage.objects.count() == 1
    assert "验证码" in sms_outbox_latest(phone=ADULT_YZ_PHONE)


def test_send_code_does_not_reveal_an_unknown_number(world: World):
    known = Client().post("/login/code/", {"phone": ADULT_YZ_PHONE}, **HTMX)
    unknown = Client().post("/login/code/", {"phone": UNKNOWN_PHONE}, **HTMX)
    assert unknown.status_code == known.status_code == 200
    strip = lambda html: html.replace(ADULT_YZ_PHONE, "").replace(UNKNOWN_PHONE, "")  # noqa: E731
    assert strip(unknown.content.decode()) == strip(known.content.decode())
    assert sms_outbox_latest(phone=UNKNOWN_PHONE) is None


def test_malformed_phone_is_a_field_error_in_chinese(world: World):
    response = Client().post("/login/code/", {"phone": "12345"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_phone-error"' in html
    assert "应为 11 位手机号码" in html
    assert 'aria-invalid="true"' in html
    assert SmsMessage.objects.count() == 0


def test_second_code_within_a_minute_is_refused_with_when_to_retry(world: World):
    client = Client()
    client.post("/login/code/", {"phone": ADULT_YZ_PHONE}, **HTMX)
    response = client.post("/login/code/", {"phone": ADULT_YZ_PHONE}, **HTMX)
    assert response.status_code == 429
    html = response.content.decode()
    assert "后再试" in html and 'id="id_phone-error"' in html
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60 and f'data-countdown="{wait}"' in html
    assert SmsMessage.objects.count() == 1


def test_send_code_without_javascript_renders_the_whole_login_page(world: World):
    response = Client().post("/login/", {"phone": ADULT_YZ_PHONE, "action": "send"})
    html = response.content.decode()
    assert "<html" in html and "验证码已发送" in html
    assert SmsMessage.objects.count() == 1


def test_login_with_the_code_shows_my_information_masked(world: World):
    client = Client()
    response = _log_in(client)
    assert response.status_code == 302 and response["Location"] == "/me/"
    response = client.get("/me/")
    html = response.content.decode()
    assert "3302**********0017" in html
    assert ADULT_YZ_ID not in html
    assert "138****0001" in html and ADULT_YZ_PHONE not in html
    assert "张*明" in html and "张伟明" not in html
    assert "鄞州区" in html and "下应街道" in html and "下应新村" in html
    assert "2023-03-01" in html and "2023-03-02" in html
    # household: spouse and child, masked
    assert "王*" in html and SPOUSE_YZ_ID not in html and "4115**********002X" in html
    assert "张*雨" in html and CHILD_YZ_ID not in html
    assert "no-store" in response["Cache-Control"]


def test_wrong_code_is_a_field_error_and_logs_nobody_in(world: World):
    client = Client()
    client.post("/login/code/", {"phone": ADULT_YZ_PHONE}, **HTMX)
    real = _code_from_outbox(ADULT_YZ_PHONE)
    wrong = f"{(int(real) + 1) % 1_000_000:06d}"
    response = client.post("/login/", {"phone": ADULT_YZ_PHONE, "code": wrong})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_code-error"' in html and "验证码错误, 还可尝试 4 次" in html
    assert client.get("/me/")["Location"].startswith("/login/")


def test_code_is_single_use(world: World):
    client = Client()
    client.post("/login/code/", {"phone": ADULT_YZ_PHONE}, **HTMX)
    code = _code_from_outbox(ADULT_YZ_PHONE)
    assert client.post("/login/", {"phone": ADULT_YZ_PHONE, "code": code}).status_code == 302
    again = Client().post("/login/", {"phone": ADULT_YZ_PHONE, "code": code})
    assert again.status_code == 400 and "验证码已失效" in again.content.decode()


def test_my_information_needs_a_resident_login(world: World):
    assert Client().get("/me/")["Location"] == "/login/?next=/me/"
    staff = world.staff_client("window_yz")
    assert staff.get("/me/")["Location"] == "/login/?next=/me/"


def test_each_resident_sees_only_their_own_information(world: World):
    client = Client()
    _log_in(client, ADULT_HS_PHONE)
    html = client.get("/me/").content.decode()
    assert "李*燕" in html and "海曙区" in html
    assert "张*明" not in html and "3302**********0017" not in html


def test_logout_ends_the_session(world: World):
    client = Client()
    _log_in(client)
    response = client.post("/logout/")
    assert response["Location"] == "/"
    assert client.get("/me/").status_code == 302


def test_demo_outbox_shows_the_latest_code_to_a_typed_number(world: World):
    client = Client()
    client.post("/login/code/", {"phone": ADULT_YZ_PHONE}, **HTMX)
    page = client.get("/dev/sms-outbox/").content.decode()
    assert "演示短信发件箱" in page and "演示环境" in page
    html = client.post("/dev/sms-outbox/", {"phone": ADULT_YZ_PHONE}).content.decode()
    assert _code_from_outbox(ADULT_YZ_PHONE) in html
    assert "138****0001" in html
    other = client.post("/dev/sms-outbox/", {"phone": ADULT_HS_PHONE}).content.decode()
    assert _code_from_outbox(ADULT_YZ_PHONE) not in other


@override_settings(SMS_BACKEND="xinjumin.portal.tests.test_portal.SilentGateway")
def test_demo_outbox_does_not_exist_with_a_real_gateway(world: World):
    client = Client()
    assert client.get("/dev/sms-outbox/").status_code == 404
    assert "/dev/sms-outbox/" not in client.get("/login/").content.decode()

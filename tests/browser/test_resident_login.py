"""A resident logs in on a phone-sized Chromium: asks for a code, reads it from the local
SMS outbox, logs in and sees their masked ID number (never the full one)."""

from __future__ import annotations

import re

import pytest

from tests.browser.chromium import SCREENSHOTS, needs_chromium
from tests.personas import ADULT_YZ_ID, ADULT_YZ_PHONE
from xinjumin.accounts.sms import sms_outbox_latest

pytestmark = [pytest.mark.browser, needs_chromium]

MASKED_ID = "3302**********0017"


def test_resident_logs_in_with_an_sms_code_and_sees_the_masked_id(phone_page, live_server):
    page = phone_page
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    # the local stylesheet is applied (no CDN): the header is the service blue
    header_bg = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    assert header_bg == "rgb(11, 79, 156)", (
        "xjm.css did not load: settings need STATICFILES_DIRS = [BASE_DIR / 'xinjumin' / 'static']")

    page.get_by_label("手机号码").fill(ADULT_YZ_PHONE)
    page.locator("#send-code").click()
    # data-counting: xjm.js has started the countdown (htmx:load comes after the swap
    # settles, so the new button is briefly in the page before the script sees it)
    page.wait_for_selector("#send-code[data-countdown][data-counting]")
    button = page.locator("#send-code")
    assert button.is_disabled()
    assert re.fullmatch(r"\d+ 秒后重新获取", button.inner_text().strip())
    assert "验证码已发送" in page.locator("#phone-block").inner_text()

    body = sms_outbox_latest(phone=ADULT_YZ_PHONE)
    assert body is not None
    code = re.search(r"验证码为 (\d{6})", body).group(1)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).last.click()
    page.wait_for_url(f"{live_server.url}/me/")

    assert page.get_by_test_id("masked-id").inner_text() == MASKED_ID
    html = page.content()
    assert ADULT_YZ_ID not in html
    assert ADULT_YZ_PHONE not in html
    assert "张*明" in html and "鄞州区" in html
    # nothing is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.outside_requests == []  # works offline
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "browser-resident-me-375.png"), full_page=True)


def test_wrong_code_shows_a_field_error_in_chinese(phone_page, live_server):
    page = phone_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("手机号码").fill(ADULT_YZ_PHONE)
    page.locator("#send-code").click()
    page.wait_for_selector("#send-code[data-countdown]")
    code = re.search(r"(\d{6})", sms_outbox_latest(phone=ADULT_YZ_PHONE)).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("短信验证码").fill(wrong)
    page.keyboard.press("Enter")  # Enter logs in (the hidden default button)
    page.wait_for_selector("#id_code-error")
    assert "验证码错误" in page.locator("#id_code-error").inner_text()
    assert page.get_by_label("短信验证码").get_attribute("aria-invalid") == "true"
    assert page.url == f"{live_server.url}/login/"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "browser-login-error-375.png"), full_page=True)

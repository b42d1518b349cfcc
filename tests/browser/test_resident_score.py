"""A resident on a phone-sized Chromium logs in with the SMS code, opens 我的积分 from 我的
信息 and reads the explanation of an item: points, the rule in words, the record's date
and department, and what would raise an item below its maximum."""

from __future__ import annotations

import re

import pytest

from tests.browser.chromium import SCREENSHOTS, needs_chromium
from xinjumin.accounts.sms import sms_outbox_latest
from xinjumin.portal.tests.personas import ZHANG_ID, ZHANG_PHONE
from xinjumin.records.services import records_ingest

pytestmark = [pytest.mark.browser, needs_chromium]

RECORDS = [
    {"source": "PSB", "type": "residence_registration", "record_id": "RR-ZWM", "version": 1,
     "id_number": ZHANG_ID, "district": "330212", "arrived_on": "2023-03-01",
     "registered_on": "2023-03-02"},
    {"source": "PSB", "type": "residence_permit", "record_id": "RP-ZWM",
     "id_number": ZHANG_ID, "permit_no": "NB2023000123", "district": "330212",
     "issued_on": "2023-09-10", "count_start": "2023-03-02"},
    {"source": "EDU", "type": "diploma", "record_id": "DIP-ZWM", "id_number": ZHANG_ID,
     "level": "junior_college", "issued_on": "2012-07-01"},
]


def _login(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login/")
    page.get_by_label("手机号码").fill(ZHANG_PHONE)
    page.locator("#send-code").click()
    page.wait_for_selector("#send-code[data-countdown]")
    code = re.search(r"验证码为 (\d{6})", sms_outbox_latest(phone=ZHANG_PHONE)).group(1)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).last.click()
    page.wait_for_url(f"{base}/me/")


def test_resident_reads_the_explanation_of_their_score(phone_page, live_server):
    _batch, outcomes = records_ingest(rows=RECORDS)
    assert [o["outcome"] for o in outcomes] == ["created"] * 3, outcomes
    page = phone_page
    _login(page, live_server.url)
    page.get_by_test_id("score-link").click()
    page.wait_for_url(f"{live_server.url}/me/score/")
    assert page.get_by_test_id("score").is_visible()
    assert page.locator("#id_district").input_value() == "330212"

    education = page.locator('details[data-item="education"]')
    summary = education.locator("summary")
    assert "8.00" in summary.inner_text() and "10.00" in summary.inner_text()
    rule = education.locator(".item-rule")
    assert not rule.is_visible()  # closed until the resident opens it
    summary.click()
    assert rule.is_visible() and "取最高学历" in rule.inner_text()
    record = education.locator(".record-list li").first
    assert record.is_visible()
    assert "2012-07-01" in record.inner_text() and "教育局" in record.inner_text()
    assert "学历" in record.inner_text()
    hint = education.locator(".hint")
    assert hint.is_visible() and "证明材料" in hint.inner_text()

    permit = page.locator('details[data-item="permit"]')
    permit.locator("summary").click()
    assert "2023-09-10" in permit.locator(".record-list").inner_text()
    assert "公安局" in permit.locator(".record-list").inner_text()

    html = page.content()
    assert ZHANG_ID not in html
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.outside_requests == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "browser-resident-score-375.png"), full_page=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "browser-resident-score-top-375.png"))
    permit.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "browser-resident-score-item-375.png"))

    # another district: the selector swaps the result in place (htmx)
    page.select_option("#id_district", "330226")
    page.wait_for_selector("#cat-district:has-text('宁海县')")
    assert page.locator('details[data-item="patrol"]').count() == 1
    page.screenshot(path=str(SCREENSHOTS / "browser-resident-score-ninghai-375.png"),
                    full_page=False)

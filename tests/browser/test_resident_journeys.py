"""A resident on a phone-sized Chromium: declares residence, choosing the home district →
complex → building and room (htmx fills each list), reads the certificate with its QR
code and checks it on the public page; applies for a residence permit, reading each
condition first, and is issued one at once. Every page passes axe-core's WCAG 2.1 AA
rules; screenshots go to the browser tests' screenshot folder."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.chromium import SCREENSHOTS, needs_chromium
from tests.browser.steps import ADULT_YZ_RECORDS, htmx_settled, resident_login
from xinjumin.records.services import records_ingest
from xinjumin.registrations.models import Registration

pytestmark = [pytest.mark.browser, needs_chromium]


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_resident_declares_residence_and_checks_the_certificate(phone_page, live_server):
    page = phone_page
    resident_login(page, live_server.url)
    page.goto(f"{live_server.url}/")
    assert "您还没有有效的居住登记" in page.get_by_test_id("todo").inner_text()
    assert_accessible(page, "首页 (待办事项)")
    _shot(page, "resident-home-todo.png")
    page.get_by_test_id("registration-link").click()
    page.wait_for_url(f"{live_server.url}/me/registration/")
    assert_accessible(page, "来甬登记")
    page.get_by_test_id("registration-submit").click()  # nothing filled in: named errors
    assert page.locator("#id_arrived_on-error").is_visible()
    assert page.locator("#id_unit-error").is_visible()
    assert_accessible(page, "来甬登记 with errors")
    arrived = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    page.locator("#id_arrived_on").fill(arrived)
    # htmx fills each list from the choice before it
    htmx_settled(page, lambda: page.locator("#id_district").select_option("330203"))
    expect(page.locator("#id_complex")).to_be_disabled()  # no complex in 海曙 here
    htmx_settled(page, lambda: page.locator("#id_district").select_option("330212"))
    expect(page.locator("#id_complex")).to_be_enabled()
    htmx_settled(page, lambda: page.locator("#id_complex").select_option("YZ-XY-0001"))
    expect(page.locator("#id_unit")).to_be_enabled()
    page.locator("#id_unit").select_option(label="12 幢 301 室")
    _shot(page, "resident-registration-form.png")
    page.get_by_test_id("registration-submit").click()
    page.wait_for_selector("[data-testid=certificate]")
    reg = Registration.objects.get()
    assert page.get_by_test_id("certificate-number").inner_text() == reg.number
    assert page.locator("[data-testid=certificate] svg").count() == 1  # the QR code
    assert_accessible(page, "登记凭证")
    _shot(page, "resident-registration-certificate.png")

    page.goto(f"{live_server.url}/verify/?n={reg.number}&c={reg.verification_code}")
    result = page.get_by_test_id("verify-result")
    assert "凭证有效" in result.inner_text() and "张*明" in result.inner_text()
    assert reg.resident.id_number not in page.content()
    assert_accessible(page, "登记凭证核验")
    _shot(page, "public-verify.png")
    page.goto(f"{live_server.url}/verify/?n={reg.number}&c=AAAAAAAA")
    assert "没有找到该凭证" in page.get_by_test_id("verify-result").inner_text()


def test_resident_reads_the_conditions_and_is_issued_a_permit(phone_page, live_server):
    rows = [r for r in ADULT_YZ_RECORDS if r["type"] in ("residence_registration", "lease")]
    records_ingest(rows=rows)
    page = phone_page
    resident_login(page, live_server.url)
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("permit-link").click()
    page.wait_for_url(f"{live_server.url}/me/permit/")
    conditions = page.get_by_test_id("eligibility")
    assert "居住登记满 6 个月" in conditions.inner_text()
    assert "合法稳定住所" in conditions.inner_text()
    assert_accessible(page, "居住证 (申领条件)")
    _shot(page, "resident-permit-conditions.png")
    page.get_by_test_id("apply").click()
    page.wait_for_selector("[data-testid=permit]")
    assert "有效" in page.get_by_test_id("permit-status").inner_text()
    assert "至" in page.get_by_test_id("endorsement-window").inner_text()
    assert "即时发证" in page.locator(".notice").first.inner_text()
    assert_accessible(page, "居住证")
    _shot(page, "resident-permit.png")
    page.goto(f"{live_server.url}/me/cases/")
    case = page.get_by_test_id("case").first
    assert "居住证申领" in case.inner_text() and "系统自动办理" in case.inner_text()
    assert_accessible(page, "我的办件")
    _shot(page, "resident-cases.png")

"""In Chromium: a clerk of 海曙 who opens a 鄞州 resident's URL sees the back office's own 404
page (its menu, the way back to the resident search; WCAG 2.1 AA by axe-core) and the
refused attempt is in the audit trail; the portal's footer leads a resident on a phone to
the API documentation, served locally."""

from __future__ import annotations

import pytest
from django_otp.oath import totp

from tests.browser.a11y import assert_accessible
from tests.browser.chromium import SCREENSHOTS, needs_chromium
from xinjumin.accounts.services import staff_create, staff_totp_device_create
from xinjumin.audit.models import AuditEvent
from xinjumin.people.models import Resident

pytestmark = [pytest.mark.browser, needs_chromium]

PASSWORD = "Haishu-Counter-2026!"
SHOTS = SCREENSHOTS


def _haishu_clerk() -> str:
    """A window clerk of 海曙 330203 of this test's own; returns the current TOTP code."""
    user = staff_create(username="haishu.window", password=PASSWORD, role="window_staff",
                        district="330203", display_name="海曙窗口")
    device, _uri = staff_totp_device_create(user=user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_clerk_of_haishu_opening_a_yinzhou_resident_sees_the_back_office_404(
        desk_page, browser_world, live_server):
    page, base = desk_page, live_server.url
    resident = Resident.objects.filter(district_id="330212").order_by("pk").first()
    assert resident is not None, "the personas have residents in 鄞州"
    code = _haishu_clerk()
    page.goto(f"{base}/staff/login/")
    page.get_by_label("用户名").fill("haishu.window")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("动态口令").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{base}/staff/")

    answer = page.goto(f"{base}/staff/residents/{resident.pk}/")
    assert answer is not None and answer.status == 404
    not_found = page.get_by_test_id("bo-not-found")
    assert not_found.is_visible()
    assert page.get_by_role("heading", name="页面不存在").is_visible()
    assert page.locator(".bo-nav").is_visible()  # inside the back office, its menu
    assert "海曙区 330203" in page.get_by_test_id("scope").inner_text()
    assert resident.name not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert_accessible(page, "back-office 404")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "browser-staff-404-1366.png"), full_page=True)

    event = AuditEvent.objects.get(action="resident.read_refused")
    assert (event.actor, event.object_id) == ("haishu.window", str(resident.pk))

    page.get_by_test_id("back-to-search").click()  # the way back
    page.wait_for_url(f"{base}/staff/residents/")
    assert page.get_by_label("姓名、身份证号或手机号").is_visible()


def test_the_portal_footer_leads_to_the_api_docs(phone_page, live_server):
    page, base = phone_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/login/")
    link = page.locator("footer").get_by_role("link", name="接口文档 (API)")
    link.scroll_into_view_if_needed()
    assert link.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, "portal login with its footer")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "browser-portal-footer-390.png"), full_page=True)
    link.click()
    page.wait_for_url(f"{base}/api/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for()  # Swagger UI read the local schema
    assert "xinjumin API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.outside_requests == []

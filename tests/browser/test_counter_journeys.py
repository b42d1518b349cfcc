"""A window clerk of 鄞州 at a 1366x900 counter screen registers 王丽, who is present: the
identity document checked, her home chosen district → complex → room (htmx), recorded as
assisted; then applies for her permit with the recruited-talent claim the clerk checked,
which goes to the PSB reviewers' queue. The page passes axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.chromium import SCREENSHOTS, needs_chromium
from tests.browser.steps import htmx_settled, staff_login
from xinjumin.cases.models import Case
from xinjumin.records.services import records_ingest
from xinjumin.registrations.models import Registration

pytestmark = [pytest.mark.browser, needs_chromium]


def test_a_clerk_registers_a_resident_present_and_applies_for_her_permit(desk_page,
                                                                          browser_world,
                                                                          live_server):
    spouse = browser_world.spouse_yz
    records_ingest(rows=[{"source": "HOUSING", "type": "lease", "record_id": "LS-WL",
                          "id_number": spouse.id_number, "district": "330212",
                          "complex_id": "YZ-XY-0001", "unit": "12-301",
                          "monthly_rent": "2300.00", "start": "2023-03-01"}])
    page = desk_page
    staff_login(page, live_server.url, browser_world.users["window_yz"])
    page.goto(f"{live_server.url}/staff/residents/{spouse.pk}/counter/")
    assert_accessible(page, "登记与居住证")
    page.locator("#id_document").select_option("id_card")
    page.locator("#id_arrived_on").fill((dt.date.today() - dt.timedelta(days=2)).isoformat())
    htmx_settled(page, lambda: page.locator("#id_complex").select_option("YZ-XY-0001"))
    expect(page.locator("#id_unit")).to_be_enabled()
    page.locator("#id_unit").select_option(label="12 幢 301 室")
    page.get_by_test_id("counter-declare").click()
    page.wait_for_selector("[data-testid=counter-registration]")
    reg = Registration.objects.get(resident=spouse)
    assert (reg.channel, reg.assisted, reg.document_checked) == ("counter", True, "id_card")
    assert reg.number in page.get_by_test_id("counter-registration").inner_text()
    assert "居住登记满 6 个月" in page.locator(".conditions").inner_text()  # registered today

    page.get_by_label("引进人才(免 6 个月居住登记)").check()
    page.get_by_test_id("counter-apply").click()
    page.wait_for_selector(".notice-info")
    case = Case.objects.get(resident=spouse, kind="permit")
    assert (case.status, case.assisted, case.department) == ("open", True, "PSB")
    assert case.number in page.locator(".notice-info").first.inner_text()
    # the application is with the reviewers: no second one is offered
    assert case.number in page.get_by_test_id("counter-open-case").inner_text()
    assert page.get_by_test_id("counter-apply").count() == 0
    assert_accessible(page, "登记与居住证 (已受理)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "counter-registration-permit.png"), full_page=True)

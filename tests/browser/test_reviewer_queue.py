"""An HRSS reviewer of 鄞州 at a 1366x900 screen works the queue: the cases earliest
deadline first with counts, a case opened with its file (every view audited), the
evidence accepted with the record it shows (type chosen, its fields filled in by htmx);
the resident's score then cites the case. Pages pass axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.chromium import SCREENSHOTS, needs_chromium
from tests.browser.steps import ADULT_YZ_RECORDS, htmx_settled, staff_login
from xinjumin.audit.models import AuditEvent
from xinjumin.cases.evidence import evidence_add
from xinjumin.cases.models import Case
from xinjumin.cases.services import case_submit
from xinjumin.records.models import SourceRecord
from xinjumin.records.services import records_ingest

pytestmark = [pytest.mark.browser, needs_chromium]
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_reviewer_accepts_evidence_with_the_record_it_shows(desk_page, browser_world,
                                                              live_server):
    world = browser_world
    records_ingest(rows=[r for r in ADULT_YZ_RECORDS if r["type"] == "residence_registration"])
    by = world.users["resident_yz"]
    later = case_submit(kind="objection", resident=world.adult_yz, by=by,
                        client_key="queue-0002", department="HRSS", item_key="employment")
    case = case_submit(kind="evidence", resident=world.spouse_yz, by=world.users["window_yz"],
                       client_key="queue-0001", department="HRSS", item_key="skill",
                       statement="外省职业技能等级证书")
    Case.objects.filter(pk=later.pk).update(due_on=case.due_on.replace(year=case.due_on.year
                                                                          + 1))
    evidence_add(case=case, by=world.users["window_yz"], name="证书.pdf", data=PDF)
    page = desk_page
    staff_login(page, live_server.url, world.users["reviewer_yz"])
    page.goto(f"{live_server.url}/staff/cases/")
    rows = page.get_by_test_id("queue").locator("tbody tr")
    assert rows.count() == 2
    assert case.number in rows.nth(0).inner_text()  # the earlier deadline first
    assert "2" in page.get_by_test_id("queue-counts").inner_text()
    assert_accessible(page, "待办案件")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "reviewer-queue.png"), full_page=True)

    page.get_by_role("link", name=case.number).click()
    link = page.get_by_test_id("case-files").get_by_role("link", name="证书.pdf")
    opened = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert opened.ok and opened.body() == PDF  # with the reviewer's own session
    assert opened.headers["content-type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="evidence.viewed").count() == 1
    page.locator("#id_reasons").fill("证书真实有效, 予以采纳")
    htmx_settled(page, lambda: page.locator("#id_record_type").select_option(
        "skill_certificate"))
    page.locator("#id_record_kind").select_option("level")
    page.locator("#id_record_level").fill("3")
    page.locator("#id_record_issued_on").fill("2020-06-01")
    assert_accessible(page, "案件办理")
    page.screenshot(path=str(SCREENSHOTS / "reviewer-case.png"), full_page=True)
    page.get_by_test_id("act-accept").click()
    expect(page.locator("h1 .badge")).to_have_text("已采纳")
    record = SourceRecord.objects.get(record_id=f"XJM-E-{case.number}")
    assert (record.source, record.fields["level"]) == ("HRSS", 3)

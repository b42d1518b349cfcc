"""A window clerk of 鄞州 at a 1366x900 counter screen reads 张伟明's department records with
every field and code in words (学历层次: 大专(高职), never `issued_on` or `junior_college`),
in Chinese and in English, and his score tab shows the same items, with the same points, as
the resident reads on his phone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.chromium import SCREENSHOTS, needs_chromium
from tests.browser.steps import (
    ADULT_YZ_RECORDS,
    ingest_adult_yz_records,
    resident_login,
    staff_login,
)

pytestmark = [pytest.mark.browser, needs_chromium]

# every field name and code of the records the clerk reads (feeds.md), none of which may show
FIELD_NAMES = sorted({k for r in ADULT_YZ_RECORDS for k in r} - {"source", "type", "version"})
CODES = ["junior_college", "residence_registration", "residence_permit", "admin_penalty",
         "volunteer_service", "lease", "diploma", "fine"]
HAN = re.compile(r"[\u3400-\u9fff]")


def _fields(section: Any) -> dict[str, str]:
    """The current fields of a department's records, label → value."""
    out = {}
    for dl in section.locator("td > dl.record-fields").all():
        labels = dl.locator("dt").all_inner_texts()
        values = dl.locator("dd").all_inner_texts()
        out.update(zip(labels, values, strict=True))
    return out


def _items(page: Any) -> list[tuple[str, str, str]]:
    """(key, name, points) of every score item on the page, in order."""
    return [(d.get_attribute("data-item") or "",
             d.locator(".item-name").inner_text().strip(),
             d.locator(".item-points strong").inner_text().strip())
            for d in page.locator("#score-result details.score-item").all()]


def _words_only(text: str, *, english: bool) -> None:
    for name in FIELD_NAMES + CODES:
        if english and "_" not in name:
            continue  # an English word too ("district", "unit", "hours", "fine")
        assert not re.search(rf"\b{name}\b", text), f"raw {name!r} shown to the clerk"


def test_clerk_reads_records_in_words_and_the_residents_own_score(desk_page, browser_world,
                                                                  live_server):
    ingest_adult_yz_records()
    page, base, w = desk_page, live_server.url, browser_world
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    staff_login(page, base, w.users["window_yz"])

    page.goto(f"{base}/staff/residents/{w.adult_yz.pk}/records/")
    edu = page.locator('section[data-department="EDU"]')
    assert "教育局" in edu.locator("h2").inner_text()
    row = edu.locator("tbody tr").first
    assert row.locator("td").first.inner_text().startswith("学历")
    assert _fields(edu) == {"学历层次": "大专(高职)", "毕业(发证)日期": "2012-07-01"}
    psb = _fields(page.locator('section[data-department="PSB"]'))
    assert psb["居住证号码"] == "NB2023000123" and psb["发证区县"] == "鄞州区"
    assert psb["处罚种类"] == "罚款", psb
    housing = _fields(page.locator('section[data-department="HOUSING"]'))
    assert housing["月租金"] == "2,300.00 元", housing
    main = page.locator("main").inner_text()
    _words_only(main, english=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert_accessible(page, "records tab")
    page.screenshot(path=str(SCREENSHOTS / "browser-clerk-records-1366.png"), full_page=True)

    # the version history, opened, reads in words too
    edu.locator("details summary").first.click()
    history = edu.locator("details ol").first.inner_text()
    assert "大专(高职)" in history
    _words_only(history, english=False)

    # the same tab in English: labels and codes in English words
    page.get_by_role("button", name="EN").click()
    page.wait_for_selector("html[lang=en]")
    edu = page.locator('section[data-department="EDU"]')
    fields_en = _fields(edu)
    assert fields_en.get("level of education") == "junior college", fields_en
    for label, value in fields_en.items():
        assert not HAN.search(label + value), (label, value)
    _words_only(page.locator("main").inner_text(), english=True)
    assert_accessible(page, "records tab (English)")
    page.screenshot(path=str(SCREENSHOTS / "browser-clerk-records-en-1366.png"),
                    full_page=True)
    page.get_by_role("button", name="中文").click()
    page.wait_for_selector("html[lang=zh-CN]")

    page.get_by_role("link", name="积分", exact=True).click()
    page.wait_for_url(f"{base}/staff/residents/{w.adult_yz.pk}/score/")
    page.get_by_test_id("score").wait_for()
    clerk_items = _items(page)
    clerk_total = page.get_by_test_id("score").inner_text()
    assert_accessible(page, "score tab")
    page.screenshot(path=str(SCREENSHOTS / "browser-clerk-score-1366.png"))
    page.locator('details[data-item="education"] summary').click()
    page.locator('details[data-item="education"]').scroll_into_view_if_needed()
    assert "大专(高职)" in page.locator('details[data-item="education"] .record-summary') \
        .inner_text()
    page.screenshot(path=str(SCREENSHOTS / "browser-clerk-score-item-1366.png"))

    # the resident, on his phone in the same browser, reads the same items and points
    phone = page.context.browser.new_context(viewport={"width": 390, "height": 844},
                                             device_scale_factor=2, locale="zh-CN",
                                             is_mobile=True, has_touch=True)
    try:
        mine = phone.new_page()
        resident_login(mine, base)
        mine.goto(f"{base}/me/score/")
        mine.get_by_test_id("score").wait_for()
        assert mine.get_by_test_id("score").inner_text() == clerk_total
        assert _items(mine) == clerk_items
        mine.screenshot(path=str(SCREENSHOTS / "browser-resident-score-390.png"))
    finally:
        phone.close()

    assert len(clerk_items) >= 19
    assert dict((k, p) for k, _n, p in clerk_items)["education"] == "8.00"
    assert page.outside_requests == []

"""A resident on a phone-sized Chromium logs in with the SMS code, opens 我的积分 from 我的
信息 and reads the explanation of an item: points, the rule in words, the record's own values,
date and department, and what would raise an item below its maximum. A date before the
indicator system took effect answers with a message in the result area; in English every
item, category, rule and record reads in English, without codes or formulas. Every page
and every htmx-swapped result passes axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import re

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.chromium import SCREENSHOTS, needs_chromium
from tests.browser.steps import ingest_adult_yz_records, resident_login
from tests.personas import ADULT_YZ_ID

pytestmark = [pytest.mark.browser, needs_chromium]

BEFORE_POINTS = "2020-01-01"  # the indicator system took effect on 2021-09-08
HAN = re.compile(r"[\u3400-\u9fff]")
# codes, field names and formulas that the resident must never read, in either language
RAW = ["junior_college", "volunteer_service", "admin_penalty", "issued_on", "count_start",
       "min(", "max("]
CODE_WORD = re.compile(r"\b[a-z][a-z_]{2,}\b")  # "lease", "fine": no English words in 中文


def _shot(page, name: str, *, full_page: bool = True) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


def test_resident_reads_the_explanation_of_their_score(phone_page, live_server):
    ingest_adult_yz_records()
    page = phone_page
    page.goto(f"{live_server.url}/login/")
    assert_accessible(page, "resident login")
    resident_login(page, live_server.url)
    assert_accessible(page, "我的信息")
    page.get_by_test_id("score-link").click()
    page.wait_for_url(f"{live_server.url}/me/score/")
    assert page.get_by_test_id("score").is_visible()
    assert page.locator("#id_district").input_value() == "330212"
    assert_accessible(page, "我的积分")

    education = page.locator('details[data-item="education"]')
    summary = education.locator("summary")
    assert "8.00" in summary.inner_text() and "10.00" in summary.inner_text()
    rule = education.locator(".item-rule")
    assert not rule.is_visible()  # closed until the resident opens it
    summary.click()
    assert rule.is_visible() and "学历取最高一项" in rule.inner_text()
    assert "大专(高职) 8 分" in rule.inner_text()
    record = education.locator(".record-list li").first
    assert record.is_visible()
    assert "2012-07-01" in record.inner_text() and "教育局" in record.inner_text()
    # the record's own value: which diploma
    assert "大专(高职)" in record.locator(".record-summary").inner_text()
    hint = education.locator(".hint")
    assert hint.is_visible() and "证明材料" in hint.inner_text()

    permit = page.locator('details[data-item="permit"]')
    permit.locator("summary").click()
    assert "2023-09-10" in permit.locator(".record-list").inner_text()
    assert "公安局" in permit.locator(".record-list").inner_text()
    assert "NB2023000123" in permit.locator(".record-summary").inner_text()

    housing = page.locator('details[data-item="housing"]')
    housing.locator("summary").click()
    lease = housing.locator(".record-summary").inner_text()
    # the lease in words, with its rent
    assert "租住" in lease and "月租 2,300.00 元" in lease, lease

    volunteer = page.locator('details[data-item="volunteer"]')
    volunteer.locator("summary").click()
    assert "6.5" in volunteer.locator(".record-summary").inner_text()  # how many hours
    penalty = page.locator('details[data-item="admin_penalty"]')
    penalty.locator("summary").click()
    assert "罚款" in penalty.locator(".record-summary").inner_text()  # which penalty

    result = page.locator("#score-result").inner_text()
    for raw in RAW:
        assert raw not in result, f"{raw!r} shown to the resident"
    assert CODE_WORD.findall(result) == []
    html = page.content()
    assert ADULT_YZ_ID not in html
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.outside_requests == []
    _shot(page, "browser-resident-score-375.png")
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "browser-resident-score-top-375.png", full_page=False)
    education.scroll_into_view_if_needed()
    _shot(page, "browser-resident-score-item-375.png", full_page=False)
    page.locator('details[data-item="housing"]').scroll_into_view_if_needed()
    _shot(page, "browser-resident-score-housing-375.png", full_page=False)
    penalty.scroll_into_view_if_needed()
    _shot(page, "browser-resident-score-penalty-375.png", full_page=False)

    # another district: the selector swaps the result in place (htmx)
    page.select_option("#id_district", "330226")
    page.wait_for_selector("#cat-district:has-text('宁海县')")
    assert page.locator('details[data-item="patrol"]').count() == 1
    assert_accessible(page, "我的积分, htmx-swapped result (宁海县)")
    _shot(page, "browser-resident-score-ninghai-375.png", full_page=False)


def test_a_date_before_the_indicator_system_answers_in_the_result_area(phone_page,
                                                                        live_server):
    ingest_adult_yz_records()
    page = phone_page
    resident_login(page, live_server.url)
    page.goto(f"{live_server.url}/me/score/")
    page.get_by_test_id("score").wait_for()

    page.get_by_text("按其他日期计算").click()
    page.get_by_label("计算日期").fill(BEFORE_POINTS)
    page.get_by_role("button", name="查看积分").click()
    error = page.get_by_test_id("score-error")
    error.wait_for()
    # inside the area the form swaps, announced (role=alert), and the old score is gone
    assert page.locator("#score-result [data-testid=score-error][role=alert]").count() == 1
    text = error.inner_text()
    assert "积分制度自 2021-09-08 起实施" in text and BEFORE_POINTS in text, text
    assert "请选择 2021-09-08 或之后的日期" in text, text
    assert page.get_by_test_id("score").count() == 0
    assert f"as_of={BEFORE_POINTS}" in page.url  # the answer can be bookmarked and reloaded
    assert error.is_visible() and error.bounding_box()["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page, "我的积分, date before the indicator system")
    error.scroll_into_view_if_needed()
    _shot(page, "browser-resident-score-too-early-375.png", full_page=False)

    # a valid date shows the score again, and the message goes
    page.get_by_label("计算日期").fill("2024-06-30")
    page.get_by_role("button", name="查看积分").click()
    page.get_by_test_id("score").wait_for()
    assert page.get_by_test_id("score-error").count() == 0
    assert "2024-06-30" in page.locator("#score-result .facts").inner_text()
    assert_accessible(page, "我的积分 as of 2024-06-30")


def test_in_english_every_item_rule_and_record_reads_in_english(phone_page, live_server):
    ingest_adult_yz_records()
    page = phone_page
    resident_login(page, live_server.url)
    page.goto(f"{live_server.url}/me/score/")
    page.get_by_role("button", name="EN").click()
    page.wait_for_selector("html[lang=en]")
    page.get_by_test_id("score").wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == "My score"
    assert_accessible(page, "My score (English)")

    names = page.locator(".score-item .item-name").all_inner_texts()
    assert len(names) >= 19
    for name in names:
        assert name.strip() and not HAN.search(name), f"item name {name!r}"
    categories = [h.inner_text() for h in page.locator(".category-head > span:first-child")
                  .all()]
    assert "Base items" in categories and "Deductions" in categories, categories
    for category in categories:
        assert not HAN.search(category), f"category {category!r}"
    for details in page.locator("details.score-item").all():
        details.locator("summary").click()
    rules = page.locator(".item-rule").all_inner_texts()
    assert len(rules) == len(names)
    for rule in rules:
        assert not HAN.search(rule), f"rule {rule!r}"
    summaries = page.locator(".record-summary").all_inner_texts()
    assert any("junior college" in s for s in summaries), summaries
    for summary in summaries:
        assert not HAN.search(summary), f"record {summary!r}"
    result = page.locator("#score-result").inner_text()
    for raw in RAW:
        assert raw not in result, f"{raw!r} shown to the resident"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page, "My score (English), every item open", expand=False)
    _shot(page, "browser-resident-score-en-375.png")
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "browser-resident-score-en-top-375.png", full_page=False)
    page.locator('details[data-item="admin_penalty"]').scroll_into_view_if_needed()
    _shot(page, "browser-resident-score-en-penalty-375.png", full_page=False)
    page.locator('details[data-item="education"]').scroll_into_view_if_needed()
    _shot(page, "browser-resident-score-en-item-375.png", full_page=False)

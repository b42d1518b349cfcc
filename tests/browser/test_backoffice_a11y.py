"""Every back-office page a window clerk, a city admin and the audit admin can open passes
axe-core's WCAG 2.1 AA rules, on a 1366x900 counter screen: the staff login (and its error),
the home page, resident search (empty and with the htmx-swapped results), a resident's
detail, records and score tabs, the feed upload (and an upload's result), the indicator list
and a version's detail, the audit trail, and the back office's own 404."""

from __future__ import annotations

import json

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.chromium import SCREENSHOTS, needs_chromium
from tests.browser.steps import ingest_adult_yz_records, staff_login
from tests.personas import ADULT_HS_ID
from xinjumin.scoring.models import IndicatorSystem

pytestmark = [pytest.mark.browser, needs_chromium]

# one good row and one that is rejected (a date that does not exist)
UPLOAD = [
    {"source": "EDU", "type": "diploma", "record_id": "DIP-LHY", "id_number": ADULT_HS_ID,
     "level": "bachelor", "issued_on": "2010-07-01"},
    {"source": "EDU", "type": "diploma", "record_id": "DIP-BAD", "id_number": ADULT_HS_ID,
     "level": "bachelor", "issued_on": "2010-02-30"},
]


def _logout(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{base}/staff/login/")


def test_every_back_office_page_passes_axe(desk_page, browser_world, live_server, tmp_path):
    ingest_adult_yz_records()
    page, base, w = desk_page, live_server.url, browser_world
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(name: str) -> None:
        page.wait_for_load_state("networkidle")
        assert_accessible(page, name)
        slug = "-".join(name.replace(",", "").split()[:4])
        page.screenshot(path=str(SCREENSHOTS / f"browser-a11y-{slug}-1366.png"), full_page=True)

    # the staff login, and the answer to a wrong password
    page.goto(f"{base}/staff/login/")
    check("staff login")
    page.get_by_label("用户名").fill(w.users["window_yz"].username)
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_label("动态口令").fill("000000")
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_selector('[data-testid="login-error"]')
    check("staff login, failed")

    # a window clerk of 鄞州
    staff_login(page, base, w.users["window_yz"])
    check("clerk home")
    page.get_by_role("link", name="居民查询").first.click()
    page.wait_for_url(f"{base}/staff/residents/")
    check("resident search")
    page.get_by_label("姓名、身份证号或手机号").fill("张")
    page.wait_for_selector("#results table")
    check("resident search, htmx results")
    page.get_by_role("link", name="张伟明").click()
    page.wait_for_url(f"{base}/staff/residents/{w.adult_yz.pk}/")
    check("resident detail")
    page.goto(f"{base}/staff/residents/{w.adult_yz.pk}/records/")
    check("resident records tab")
    page.goto(f"{base}/staff/residents/{w.adult_yz.pk}/score/")
    page.get_by_test_id("score").wait_for()
    check("resident score tab")
    page.goto(f"{base}/staff/residents/{w.adult_yz.pk}/score/?as_of=2020-01-01")
    page.get_by_test_id("score-error").wait_for()
    check("resident score tab, date before the indicator system")
    page.goto(f"{base}/staff/residents/{w.adult_hs.pk}/")  # 海曙: outside the clerk's scope
    check("back-office 404")
    _logout(page, base)

    # a city admin: feed upload and the indicator systems
    staff_login(page, base, w.users["city_admin"])
    page.goto(f"{base}/staff/feeds/upload/")
    check("feed upload")
    upload = tmp_path / "edu.jsonl"
    upload.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in UPLOAD) + "\n",
                      encoding="utf-8")
    page.get_by_label("数据文件", exact=True).set_input_files(str(upload))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_selector('[data-testid="error-report"]')
    check("feed upload, finished with a rejected row")
    page.goto(f"{base}/staff/indicators/")
    check("indicator list")
    version = IndicatorSystem.objects.order_by("pk").first()
    assert version is not None, "the migrations publish the city's indicator system"
    page.goto(f"{base}/staff/indicators/{version.pk}/")
    check("indicator detail")
    _logout(page, base)

    # the audit admin: the audit trail (it now holds the reads above)
    staff_login(page, base, w.users["audit_admin"])
    page.goto(f"{base}/staff/audit/")
    page.wait_for_selector("table")
    check("audit trail")

    assert page.outside_requests == []

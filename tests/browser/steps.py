"""Steps the browser tests share: a resident's and a staff member's login through the real
forms, and 张伟明's department records (the score pages' tests read them)."""

from __future__ import annotations

import re
from typing import Any

from tests.personas import ADULT_YZ_ID, ADULT_YZ_PHONE, PASSWORD, current_token
from xinjumin.accounts.models import User
from xinjumin.accounts.sms import sms_outbox_latest
from xinjumin.records.services import records_ingest

# 张伟明's department records: registration and permit (PSB), a junior-college diploma (EDU),
# a registered lease (HOUSING), volunteer hours (VOLUNTEER) and a fine (PSB).
ADULT_YZ_RECORDS: list[dict[str, Any]] = [
    {"source": "PSB", "type": "residence_registration", "record_id": "RR-ZWM", "version": 1,
     "id_number": ADULT_YZ_ID, "district": "330212", "arrived_on": "2023-03-01",
     "registered_on": "2023-03-02"},
    {"source": "PSB", "type": "residence_permit", "record_id": "RP-ZWM",
     "id_number": ADULT_YZ_ID, "permit_no": "NB2023000123", "district": "330212",
     "issued_on": "2023-09-10", "count_start": "2023-03-02"},
    {"source": "EDU", "type": "diploma", "record_id": "DIP-ZWM", "id_number": ADULT_YZ_ID,
     "level": "junior_college", "issued_on": "2012-07-01"},
    {"source": "HOUSING", "type": "lease", "record_id": "LS-ZWM", "id_number": ADULT_YZ_ID,
     "district": "330212", "complex_id": "YZ-XY-0001", "unit": "12-301",
     "monthly_rent": 2300.00, "start": "2023-03-01"},
    {"source": "VOLUNTEER", "type": "volunteer_service", "record_id": "VS-ZWM",
     "id_number": ADULT_YZ_ID, "served_on": "2024-05-12", "hours": 6.5},
    {"source": "PSB", "type": "admin_penalty", "record_id": "AP-ZWM",
     "id_number": ADULT_YZ_ID, "kind": "fine", "decided_on": "2024-11-03"},
]


def ingest_adult_yz_records() -> None:
    """Ingest ADULT_YZ_RECORDS as a department system would (re-scored after commit)."""
    _batch, outcomes = records_ingest(rows=ADULT_YZ_RECORDS)
    assert [o["outcome"] for o in outcomes] == ["created"] * len(ADULT_YZ_RECORDS), outcomes


def resident_login(page: Any, base: str) -> None:
    """Log 张伟明 in with the code the local SMS gateway wrote to its outbox."""
    page.goto(f"{base}/login/")
    page.get_by_label("手机号码").fill(ADULT_YZ_PHONE)
    page.locator("#send-code").click()
    page.wait_for_selector("#send-code[data-countdown]")
    body = sms_outbox_latest(phone=ADULT_YZ_PHONE)
    assert body is not None
    code = re.search(r"验证码为 (\d{6})", body)
    assert code is not None, body
    page.get_by_label("短信验证码").fill(code.group(1))
    page.get_by_role("button", name="登录", exact=True).last.click()
    page.wait_for_url(f"{base}/me/")


def staff_login(page: Any, base: str, staff: User) -> None:
    """Log in through the staff login form (password and the current TOTP code)."""
    page.goto(f"{base}/staff/login/")
    page.get_by_label("用户名").fill(staff.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("动态口令").fill(current_token(staff))
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{base}/staff/")


def htmx_settled(page: Any, action: Any) -> None:
    """Do `action` (a callable) and wait until the htmx swap it causes has settled (its new
    elements processed, so the next choice in them sends its own request)."""
    before = page.evaluate(
        "() => { if (!window.__xjmSettled) { window.__xjmSettled = {n: 0};"
        " document.body.addEventListener('htmx:afterSettle', () => window.__xjmSettled.n++); }"
        " return window.__xjmSettled.n; }")
    action()
    page.wait_for_function(f"() => window.__xjmSettled.n > {before}", timeout=15_000)

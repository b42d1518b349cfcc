"""我的积分 through the HTTP client: the sample feeds imported, a resident reads items,
rules, records and hints; another person's data are masked; district selector; errors."""

from __future__ import annotations

import json
import re

import pytest
from django.db import transaction

from points.tests.samples import SAMPLES, expected_by_id
from tests.client import Client
from xinjumin.accounts.services import resident_account_for
from xinjumin.people.services import resident_create

AS_OF = "2026-12-01"
EXPECTED = expected_by_id()
SPOUSE_HOME = "500236199712304659"  # housing 10 from the spouse's home; no diploma
FROZEN = next(i for i, r in EXPECTED.items() if r["frozen"] == "true")


def _spouses_of(id_number: str) -> set[str]:
    rows = [json.loads(line) for line in
            (SAMPLES / "jsonl" / "marriage.jsonl").read_text(encoding="utf-8").splitlines()]
    return ({r["spouse_id_number"] for r in rows if r["id_number"] == id_number}
            | {r["id_number"] for r in rows if r.get("spouse_id_number") == id_number})


@pytest.fixture(scope="module")
def samples(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from points.feeds.readers import feed_files
    from xinjumin.records.services import records_import_file

    with django_db_blocker.unblock(), transaction.atomic():
        for path in feed_files([SAMPLES / "jsonl"]):
            assert records_import_file(path=path).rejected == 0
        yield
        transaction.set_rollback(True)


def _resident_client(id_number: str, name: str = "赵家明", district: str = "330212"
                     ) -> Client:
    resident = resident_create(id_number=id_number, name=name, district=district)
    client = Client()
    client.force_login(resident_account_for(resident))
    return client


@pytest.mark.django_db
def test_resident_reads_items_rules_records_and_hints(samples):
    client = _resident_client(SPOUSE_HOME)
    response = client.get("/me/score/", {"as_of": AS_OF, "district": "330212"})
    html = response.content.decode()
    assert response.status_code == 200
    row = EXPECTED[SPOUSE_HOME]
    assert f'data-testid="score">{row["score_330212"]}<' in html
    assert f'data-testid="common">{row["common"]} ' in html
    assert 'data-item="education"' in html and "学历取最高一项" in html
    assert "未查询到学历记录: 可提交学历证明材料" in html
    assert "公安局" in html and "居住证" in html  # a record's department and type
    assert 'data-item="housing"' in html and f"<strong>{row['housing']}</strong>" in html
    # the spouse's home: masked, no address
    assert "3413**********2762" in html
    assert not any(full in html for full in _spouses_of(SPOUSE_HOME) | {SPOUSE_HOME})
    assert '<option value="330212" selected>' in html


@pytest.mark.django_db
def test_district_selector_shows_that_districts_layer(samples):
    client = _resident_client(SPOUSE_HOME)
    html = client.get("/me/score/", {"as_of": AS_OF, "district": "330226"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert html.startswith('<div id="score-result"')  # htmx: only the result is swapped
    assert f'data-testid="score">{EXPECTED[SPOUSE_HOME]["score_330226"]}<' in html
    assert "宁海县个性分" in html and 'data-item="patrol"' in html


@pytest.mark.django_db
def test_frozen_score_shows_the_freeze_notice(samples):
    html = _resident_client(FROZEN).get("/me/score/", {"as_of": AS_OF}).content.decode()
    assert 'data-testid="freeze-notice"' in html
    assert f"积分已冻结至 {EXPECTED[FROZEN]['frozen_until']}" in html


@pytest.mark.django_db
def test_unknown_district_is_a_field_error(samples):
    response = _resident_client(SPOUSE_HOME).get("/me/score/", {"district": "330204"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_district-error"' in html and 'data-testid="score"' not in html


@pytest.mark.django_db
def test_without_department_data_only_age_counts_and_strangers_are_sent_to_login(world):
    client = Client()
    client.force_login(resident_account_for(world.adult_yz))
    html = client.get("/me/score/").content.decode()
    # born 1990-03-15: 36 → age 15; nothing else is known yet
    assert 'data-item="age"' in html and "<strong>15.00</strong>" in html
    assert 'data-testid="common">15.00 ' in html
    assert "未查询到有效居住证: 可申领居住证或按时签注" in html
    assert Client().get("/me/score/")["Location"].startswith("/login/")
    me = client.get("/me/").content.decode()
    assert 'href="/me/score/"' in me


@pytest.mark.django_db
def test_a_date_before_the_indicator_system_is_explained_where_the_result_was(samples):
    """htmx swaps only the result area: the message must be inside it, in plain words."""
    response = _resident_client(SPOUSE_HOME).get("/me/score/", {"as_of": "2020-01-01"},
                                                 HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 400
    assert html.startswith('<div id="score-result"')
    assert 'data-testid="score-error"' in html and 'role="alert"' in html
    assert "积分制度自 2021-09-08 起实施" in html and "请选择 2021-09-08 或之后的日期" in html
    assert 'data-testid="score"' not in html and "指标体系" not in html


@pytest.mark.django_db
def test_a_malformed_date_is_explained_where_the_result_was(samples):
    response = _resident_client(SPOUSE_HOME).get("/me/score/", {"as_of": "2026-13-01"},
                                                 HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="score-error"' in html and "计算日期: 日期格式应为 YYYY-MM-DD" in html


@pytest.mark.django_db
def test_in_english_every_item_rule_and_record_reads_in_english(samples):
    client = _resident_client(SPOUSE_HOME)
    client.cookies["django_language"] = "en"
    html = client.get("/me/score/", {"as_of": AS_OF, "district": "330212"}).content.decode()
    names = re.findall(r'<span class="item-name">([^<]*)</span>', html)
    assert len(names) >= 20 and all(n.strip() for n in names), names
    assert "Education" in names and "Deductions" in html
    assert "the highest diploma counts" in html
    for raw in ("junior_college", "home_ownership", "min(", "max(", "取最高"):
        assert raw not in html, raw

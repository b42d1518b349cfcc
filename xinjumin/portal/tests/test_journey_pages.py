"""The resident's portal pages of the journeys: the home page's to-do list (a report to
confirm, the endorsement window open, a reviewer asking for material), 我的办件 with each
case's status, decider's role and reasons, 来甬登记 answering a report."""

from __future__ import annotations

import datetime as dt

import pytest

from xinjumin.cases.services import case_act, case_submit
from xinjumin.permits.services import permit_apply
from xinjumin.records.services import records_ingest
from xinjumin.registrations.services import registration_report

pytestmark = pytest.mark.django_db


def _client(world, client):
    client.force_login(world.users["resident_yz"])
    return client


def test_the_home_page_says_what_to_do_next(world, client):
    page = _client(world, client).get("/").content.decode()
    assert "您还没有有效的居住登记" in page
    registration_report(reporter_kind="landlord", reporter_name="王房东", reporter_uscc="",
                        id_number=world.adult_yz.id_number, name="张伟明",
                        arrived_on=dt.date.today() - dt.timedelta(days=1),
                        unit=world.adult_yz.unit_id, client_key="home-report")
    case = case_submit(kind="evidence", resident=world.adult_yz,
                       by=world.users["resident_yz"], client_key="home-case-1",
                       department="HRSS")
    case_act(case=case, action="ask", actor=world.users["reviewer_yz"], reasons="请补充证书")
    page = client.get("/").content.decode()
    assert "1 份单位或房东报告的居住登记待您确认" in page
    assert f"案件 {case.number} 需要您补充材料" in page


def test_an_endorsement_due_is_on_the_home_page(world, client):
    who = world.adult_yz.id_number
    records_ingest(rows=[
        {"source": "PSB", "type": "residence_registration", "record_id": "RR-H1",
         "id_number": who, "district": "330212", "arrived_on": "2020-03-01",
         "registered_on": "2020-03-02"},
        {"source": "PSB", "type": "residence_permit", "record_id": "RP-H1", "id_number": who,
         "permit_no": "3302122000000001", "district": "330212",
         "issued_on": (dt.date.today() - dt.timedelta(days=350)).isoformat(),
         "count_start": "2020-03-02"}])
    page = _client(world, client).get("/").content.decode()
    assert "居住证签注已开放" in page


def test_my_cases_show_status_decider_role_and_reasons(world, client):
    records_ingest(rows=[
        {"source": "PSB", "type": "residence_registration", "record_id": "RR-C1",
         "id_number": world.adult_yz.id_number, "district": "330212",
         "arrived_on": "2023-03-01", "registered_on": "2023-03-02"},
        {"source": "HOUSING", "type": "lease", "record_id": "LS-C1",
         "id_number": world.adult_yz.id_number, "district": "330212",
         "complex_id": "YZ-XY-0001", "monthly_rent": "2300.00", "start": "2023-03-01"}])
    permit_apply(resident=world.adult_yz, by=world.users["resident_yz"],
                 client_key="cases-apply-1")
    refused = case_submit(kind="objection", resident=world.adult_yz,
                          by=world.users["resident_yz"], client_key="cases-obj-1",
                          department="HRSS")
    case_act(case=refused, action="refuse", actor=world.users["reviewer_yz"],
             reasons="原记录无误")
    page = _client(world, client).get("/me/cases/").content.decode()
    assert "居住证申领" in page and "系统自动办理" in page
    assert "部门审核员" in page and "原记录无误" in page
    assert "审核员 林芳" not in page  # the role, never the name

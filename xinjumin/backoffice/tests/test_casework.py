"""The back office's 待办案件: the queue earliest deadline first within the reviewer's
department and district (never a case they are excluded from), its counts and filters, a
page's queries the same for 3 cases or 60, a decision taken on the case page, a file
opened in scope only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinjumin.cases.evidence import evidence_add
from xinjumin.cases.models import Case
from xinjumin.cases.services import case_submit
from xinjumin.records.models import SourceRecord

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%%EOF\n"


def _cases(world, n: int, *, department: str = "HRSS") -> list[Case]:
    made = []
    for i in range(n):
        made.append(case_submit(kind="evidence" if i % 2 else "objection",
                                resident=world.adult_yz if i % 3 else world.spouse_yz,
                                by=world.users["window_yz"],
                                client_key=f"bo-{department}-{i:04d}",
                                department=department, item_key="skill"))
    for i, case in enumerate(made):  # deadlines in the reverse order of submission
        Case.objects.filter(pk=case.pk).update(due_on=dt.date(2027, 1, 1)
                                               - dt.timedelta(days=i))
    return made


def _numbers(html: str) -> list[str]:
    return re.findall(r">(C\d{8}-[0-9A-F]{8})</a>", html)


def test_the_queue_is_the_reviewers_earliest_deadline_first_with_counts(world):
    made = _cases(world, 4)
    _cases(world, 1, department="PSB")  # another department's
    excluded = made[0]
    Case.objects.filter(pk=excluded.pk).update(excluded_reviewer=world.users["reviewer_yz"])
    html = world.staff_client("reviewer_yz").get("/staff/cases/").content.decode()
    numbers = _numbers(html)
    expected = sorted(made[1:], key=lambda c: Case.objects.get(pk=c.pk).due_on)
    assert numbers == [c.number for c in expected]
    assert "共 3 件" in html
    only = world.staff_client("reviewer_yz").get("/staff/cases/", {"kind": "evidence"})
    assert len(_numbers(only.content.decode())) == 2  # made[1], made[3]
    clerk = world.staff_client("window_yz").get("/staff/cases/").content.decode()
    assert len(_numbers(clerk)) == 5  # the whole district's
    assert world.staff_client("window_hs").get("/staff/cases/").content.decode().count(
        "C2026") == 0


def test_a_page_costs_the_same_queries_for_few_cases_or_many(world):
    client = world.staff_client("reviewer_yz")
    _cases(world, 3)
    client.get("/staff/cases/")
    with CaptureQueriesContext(connection) as few:
        client.get("/staff/cases/")
    _cases_more = [case_submit(kind="review", resident=world.adult_yz,
                               by=world.users["resident_yz"], client_key=f"bo-more-{i:04d}",
                               department="HRSS") for i in range(57)]
    assert len(_cases_more) == 57
    with CaptureQueriesContext(connection) as many:
        response = client.get("/staff/cases/")
    assert len(_numbers(response.content.decode())) == 50  # a page
    assert len(many.captured_queries) == len(few.captured_queries)
    page2 = client.get("/staff/cases/", {"page": 2}).content.decode()
    assert len(_numbers(page2)) == 10


def test_a_decision_on_the_case_page_writes_the_record_and_a_file_opens_in_scope(world):
    [case] = _cases(world, 1)  # an objection (i = 0)
    evidence = case_submit(kind="evidence", resident=world.adult_yz,
                           by=world.users["resident_yz"], client_key="bo-ev-0001",
                           department="HRSS", item_key="skill")
    item = evidence_add(case=evidence, by=world.users["resident_yz"], name="a.pdf", data=PDF)
    reviewer = world.staff_client("reviewer_yz")
    url = f"/staff/cases/{evidence.pk}/"
    refused = reviewer.post(url, {"action": "accept", "reasons": "属实"})
    assert refused.status_code == 400 and "record" in refused.content.decode()
    accepted = reviewer.post(url, {"action": "accept", "reasons": "属实",
                                   "record_type": "skill_certificate", "record_kind": "level",
                                   "record_level": "2", "record_issued_on": "2019-05-01"})
    assert accepted.status_code == 302
    assert SourceRecord.objects.get(record_id=f"XJM-E-{evidence.number}").fields["level"] == 2
    opened = reviewer.get(f"/staff/cases/{evidence.pk}/files/{item.pk}/")
    assert opened.status_code == 200 and opened.content == PDF
    assert world.staff_client("window_hs").get(
        f"/staff/cases/{evidence.pk}/files/{item.pk}/").status_code == 404
    assert case.pk  # the objection stays in the queue

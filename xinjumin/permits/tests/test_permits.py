"""Residence permits through the services: eligibility naming what is missing, an
application issued at once or verified by a PSB reviewer, endorsement in the window and
late, the daily job (the score follows each step), a PSB feed's permit continued by the
platform, `xjm permits show / daily`."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from xinjumin.audit.models import AuditEvent
from xinjumin.cases.models import Case
from xinjumin.cases.services import case_act
from xinjumin.cases.workdays import OFFICE_ZONE
from xinjumin.core.errors import DomainError
from xinjumin.permits.selectors import permit_best, permit_eligibility, permits_of
from xinjumin.permits.services import permit_apply, permit_endorse_apply, permits_daily
from xinjumin.records.models import SourceRecord
from xinjumin.records.services import records_ingest
from xinjumin.scoring.tests.reading import score_for

pytestmark = pytest.mark.django_db
D = dt.date


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=OFFICE_ZONE)


def department_records(id_number: str, *, registered_on: str = "2023-03-02",
                       employment: bool = True, district: str = "330212") -> None:
    rows = [{"source": "PSB", "type": "residence_registration", "record_id": f"REG-{id_number}",
             "id_number": id_number, "district": district, "arrived_on": "2023-03-01",
             "registered_on": registered_on}]
    if employment:
        rows.append({"source": "HRSS", "type": "employment", "record_id": f"EMP-{id_number}",
                     "id_number": id_number, "kind": "contract", "district": district,
                     "start": "2023-04-01"})
    _, outcomes = records_ingest(rows=rows)
    assert {o["outcome"] for o in outcomes} == {"created"}, outcomes


def permit_points(id_number: str, day: dt.date) -> str:
    return score_for(id_number=id_number, as_of=day)["items"]["permit"]


def issue(world, when: str = "2026-03-10T09:00", key: str = "apply-0001") -> Case:
    department_records(world.adult_yz.id_number)
    return permit_apply(resident=world.adult_yz, by=world.users["resident_yz"],
                        client_key=key, now=at(when))


def test_eligibility_names_each_condition_missing(world):
    who = world.adult_yz.id_number
    nothing = permit_eligibility(who, D(2026, 3, 10))
    assert not nothing.eligible
    assert [c.key for c in nothing.missing] == ["registration", "employment", "residence",
                                                "study"]
    department_records(who, registered_on="2026-01-05", employment=False)
    early = permit_eligibility(who, D(2026, 3, 10))
    assert early.registration.detail.zh == "自 2026-01-05 起居住登记, 2026-07-05 满 6 个月"
    exempt = permit_eligibility(who, D(2026, 3, 10), ("talent", "study"))
    assert exempt.eligible and not exempt.verifiable
    with pytest.raises(DomainError) as refused:
        permit_apply(resident=world.adult_yz, by=world.users["resident_yz"],
                     client_key="apply-0001", now=at("2026-03-10T09:00"))
    assert set(refused.value.fields) == {"registration", "employment", "residence", "study"}
    assert "2026-07-05 满 6 个月" in refused.value.fields["registration"]
    assert not Case.objects.exists()


def test_an_application_shown_by_department_data_is_issued_at_once_and_scores(world):
    case = issue(world)
    again = permit_apply(resident=world.adult_yz, by=world.users["resident_yz"],
                         client_key="apply-0001", now=at("2026-03-10T09:01"))
    assert again.pk == case.pk  # a double tap: one case, one permit
    assert (case.kind, case.status, case.department) == ("permit", "accepted", "PSB")
    assert list(case.events.values_list("action", "actor_role")) == [
        ("submit", "resident"), ("accept", "system")]
    views = permits_of(world.adult_yz.id_number, D(2026, 3, 10))
    assert len(views) == 1
    view = views[0]
    assert view.record.record_id == f"XJM-P-{view.permit_no}"
    assert view.permit_no.startswith("33021226X")
    assert (view.status, view.origin, view.dates.issued_on, view.dates.count_start) == (
        "valid", "platform", D(2026, 3, 10), D(2023, 3, 2))
    assert (view.next_anniversary, view.endorsement_opens) == (D(2027, 3, 10), D(2027, 2, 8))
    # 5 + 0.25 × 36 full months since the registration
    assert permit_points(world.adult_yz.id_number, D(2026, 3, 10)) == "14.00"
    assert AuditEvent.objects.filter(action="permit.issued").count() == 1
    with pytest.raises(DomainError) as held:
        permit_apply(resident=world.adult_yz, by=world.users["resident_yz"],
                     client_key="apply-0002", now=at("2026-04-01T09:00"))
    assert "已持有居住证" in held.value.fields["permit"]


def test_a_claim_goes_to_the_psb_reviewer_who_issues_within_15_days(world):
    department_records(world.adult_yz.id_number, registered_on="2026-01-05", employment=False)
    case = permit_apply(resident=world.adult_yz, by=world.users["window_yz"],
                        client_key="apply-0001", claims=["talent", "study"],
                        now=at("2026-03-10T09:00"))
    assert (case.status, case.assisted, case.due_on) == ("open", True, D(2026, 3, 25))
    assert permit_best(world.adult_yz.id_number, D(2026, 3, 10)) is None
    with pytest.raises(DomainError):  # an HRSS reviewer does not decide a PSB case
        case_act(case=case, action="accept", actor=world.users["reviewer_yz"], reasons="核验")
    case = case_act(case=case, action="accept", actor=world.users["psb_reviewer_yz"],
                    reasons="人才引进证明与学籍证明已核验", now=at("2026-03-12T10:00"))
    assert case.status == "accepted"
    view = permit_best(world.adult_yz.id_number, D(2026, 3, 12))
    assert view is not None and view.dates.issued_on == D(2026, 3, 12)
    assert view.dates.count_start == D(2026, 1, 5)


def test_endorsed_in_the_window_the_daily_job_leaves_it_valid(world):
    issue(world)
    who = world.users["resident_yz"]
    with pytest.raises(DomainError) as early:
        permit_endorse_apply(resident=world.adult_yz, by=who, client_key="endorse-01",
                             now=at("2027-01-05T09:00"))
    assert "2027-02-08 至 2027-03-09" in early.value.fields["permit"]
    case = permit_endorse_apply(resident=world.adult_yz, by=who, client_key="endorse-01",
                                now=at("2027-02-20T09:00"))
    assert (case.kind, case.status) == ("endorsement", "accepted")
    assert permits_daily(day=D(2027, 3, 10)).suspended == 0
    view = permit_best(world.adult_yz.id_number, D(2027, 3, 10))
    assert view is not None
    assert (view.status, view.dates.last_endorsed_on, view.dates.count_start,
            view.record.version) == ("valid", D(2027, 2, 20), D(2023, 3, 2), 2)
    assert view.next_anniversary == D(2028, 3, 10)


def test_not_endorsed_suspended_at_the_anniversary_points_gone_then_restored_late(world):
    issue(world)
    id_number = world.adult_yz.id_number
    assert permits_daily(day=D(2027, 3, 9)).suspended == 0
    run = permits_daily(day=D(2027, 3, 10))
    assert (run.suspended, run.records) == (1, 1)
    assert permits_daily(day=D(2027, 3, 10)).suspended == 0  # run again: nothing more
    view = permit_best(id_number, D(2027, 3, 10))
    assert view is not None and (view.status, view.dates.suspended_on) == (
        "suspended", D(2027, 3, 10))
    assert permit_points(id_number, D(2027, 3, 9)) == "17.00"  # 5 + 0.25 × 48 months
    assert permit_points(id_number, D(2027, 3, 10)) == "0.00"
    case = permit_endorse_apply(resident=world.adult_yz, by=world.users["resident_yz"],
                                client_key="endorse-01", now=at("2027-04-01T09:00"))
    assert case.status == "accepted"
    view = permit_best(id_number, D(2027, 4, 1))
    assert view is not None and (view.status, view.dates.count_start) == (
        "valid", D(2027, 4, 1))
    assert permit_points(id_number, D(2027, 4, 1)) == "5.00"
    assert permit_points(id_number, D(2027, 6, 1)) == "5.50"  # 2 full months since 04-01


def test_a_holder_who_no_longer_qualifies_is_not_endorsed(world):
    issue(world)
    records_ingest(rows=[{"source": "HRSS", "type": "employment", "version": 2,
                          "record_id": f"EMP-{world.adult_yz.id_number}", "op": "retract",
                          "id_number": world.adult_yz.id_number}])
    with pytest.raises(DomainError) as refused:
        permit_endorse_apply(resident=world.adult_yz, by=world.users["resident_yz"],
                             client_key="endorse-01", now=at("2027-02-20T09:00"))
    assert {"employment", "residence"} <= set(refused.value.fields)
    assert not Case.objects.filter(kind="endorsement").exists()


def test_a_psb_feeds_permit_is_continued_by_the_platform_and_set_aside(world):
    who = world.adult_hs.id_number
    records_ingest(rows=[{"source": "PSB", "type": "residence_permit", "record_id": "P-HS-1",
                          "id_number": who, "permit_no": "3302032200000001",
                          "district": "330203", "issued_on": "2022-06-01",
                          "count_start": "2022-09-03", "last_endorsed_on": "2025-05-20"}])
    run = permits_daily(day=D(2026, 6, 3))  # two days late: suspended from the anniversary
    assert (run.suspended, run.records) == (1, 2)
    continuation = SourceRecord.objects.get(source="PSB", record_id="XJM-C-P-HS-1")
    override = SourceRecord.objects.get(source="XJM", type="record_override")
    assert continuation.fields["suspended_on"] == "2026-06-01"
    assert override.fields == {"target_source": "PSB", "target_record_id": "P-HS-1",
                               "effect": "disregard", "from": "2026-06-01",
                               "case_no": "XJM-DAILY-20260603"}
    views = permits_of(who, D(2026, 6, 3))
    assert [(v.origin, v.status) for v in views] == [("platform", "suspended")]
    before = permits_of(who, D(2026, 5, 31))
    assert [(v.origin, v.status) for v in before] == [("psb", "valid"), ("platform", "valid")]
    assert permits_daily(day=D(2026, 6, 4)).suspended == 0


def test_the_command_line_shows_the_best_permit_and_runs_the_daily_job(world):
    issue(world)
    out = io.StringIO()
    call_command("permits", "show", world.adult_yz.id_number, "--as-of", "2027-03-10",
                 stdout=out)
    shown = json.loads(out.getvalue())
    assert {k: shown[k] for k in ("status", "issued_on", "count_start", "next_anniversary",
                                  "endorsement_opens")} == {
        "status": "valid", "issued_on": "2026-03-10", "count_start": "2023-03-02",
        "next_anniversary": "2028-03-10", "endorsement_opens": "2027-02-08"}
    out = io.StringIO()
    call_command("permits", "daily", "--date", "2027-03-10", stdout=out)
    assert json.loads(out.getvalue())["suspended"] == 1
    out = io.StringIO()
    call_command("permits", "show", world.adult_yz.id_number, "--as-of", "2027-03-10",
                 "--format", "csv", stdout=out)
    header, row = out.getvalue().splitlines()
    assert dict(zip(header.split(","), row.split(","), strict=True))["status"] == "suspended"
    with pytest.raises(CommandError, match=r"校验码|check"):
        call_command("permits", "show", "110105194912310021")
    with pytest.raises(CommandError, match="没有居住证"):
        call_command("permits", "show", world.adult_hs.id_number)


def test_a_continuation_refused_never_sets_the_psb_permit_aside(world):
    who, other = world.adult_hs.id_number, world.adult_yz.id_number
    records_ingest(rows=[{"source": "PSB", "type": "residence_permit", "record_id": "P-HS-2",
                          "id_number": who, "permit_no": "3302032200000002",
                          "district": "330203", "issued_on": "2022-06-01",
                          "count_start": "2022-09-03", "last_endorsed_on": "2025-05-20"},
                         # the continuation's id already holds someone else's record
                         {"source": "PSB", "type": "residence_permit",
                          "record_id": "XJM-C-P-HS-2", "id_number": other,
                          "permit_no": "X1", "district": "330212", "issued_on": "2026-01-01",
                          "count_start": "2026-01-01"}])
    run = permits_daily(day=D(2026, 6, 3))
    assert (run.suspended, run.failed, run.records) == (0, 1, 0)
    assert not SourceRecord.objects.filter(type="record_override").exists()
    [view] = permits_of(who, D(2026, 6, 3))
    assert (view.origin, view.record.record_id) == ("psb", "P-HS-2")

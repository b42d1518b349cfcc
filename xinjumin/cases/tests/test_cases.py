"""Cases: submission (routing, deadline, the client key), the state machine's steps
(conditional, who may act, reasons), the stopped clock, loaded calendar years, queues."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from xinjumin.audit.models import AuditEvent
from xinjumin.cases import machine
from xinjumin.cases.models import Case, CaseDeadline, CaseEvent
from xinjumin.cases.selectors import case_for, case_queue, resident_cases
from xinjumin.cases.services import calendar_year_load, case_act, case_submit
from xinjumin.cases.workdays import OFFICE_ZONE
from xinjumin.core.errors import DomainError

pytestmark = pytest.mark.django_db
# what the evidence shows: the record an accepted evidence case becomes (cases.decisions)
SHOWN = {"record": {"type": "social_insurance_period", "employer_uscc": "91350100M000100Y43",
                    "district": "330212", "first_month": "2021-01", "last_month": "2022-12"}}


def at(text: str) -> dt.datetime:
    """Office time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=OFFICE_ZONE)


def submit(world, *, kind=Case.Kind.EVIDENCE, key="key-00000001", by="resident_yz",
           resident=None, when="2026-12-04T18:30", **extra):
    return case_submit(kind=kind, resident=resident or world.adult_yz, by=world.users[by],
                       client_key=key, department="HRSS", item_key="social_insurance",
                       now=at(when), **extra)


def test_a_submission_is_routed_and_gets_its_working_day_deadline(world):
    # Friday 18:30: counts as made on Monday 12-07; ten working days later is 12-21
    case = submit(world)
    assert (case.status, case.district_id, case.department) == ("open", "330212", "HRSS")
    assert case.due_on == dt.date(2026, 12, 21) and not case.due_provisional
    assert not case.assisted and case.number.startswith("C20261204-")
    assert [(d.due_on, d.reason) for d in case.deadlines.all()] == [
        (dt.date(2026, 12, 21), "submitted")]
    assert AuditEvent.objects.filter(action="case.submitted", object_id=str(case.pk)).count() == 1
    objection = submit(world, kind=Case.Kind.OBJECTION, key="key-00000002")
    assert objection.due_on == dt.date(2026, 12, 14)  # five working days


def test_the_same_client_key_returns_the_same_case(world):
    first = submit(world)
    again = submit(world)
    assert again.pk == first.pk and Case.objects.count() == 1
    assert AuditEvent.objects.filter(action="case.submitted").count() == 1
    with pytest.raises(DomainError) as err:
        submit(world, kind=Case.Kind.OBJECTION)
    assert "client_key" in err.value.fields
    # the database itself keeps one case per key
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(**{f.attname: getattr(first, f.attname)
                               for f in Case._meta.concrete_fields if f.name != "id"}
                            | {"number": "C-OTHER"})


def test_a_case_number_already_taken_is_drawn_again(world, monkeypatch):
    draws = iter(["aaaaaaaa", "aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr("xinjumin.cases.services.secrets.token_hex", lambda n: next(draws))
    first = submit(world, key="key-number-01")
    second = submit(world, key="key-number-02")
    assert (first.number, second.number) == ("C20261204-AAAAAAAA", "C20261204-BBBBBBBB")
    assert Case.objects.count() == 2


def test_a_clerk_submits_for_a_resident_as_assisted(world):
    case = submit(world, by="window_yz")
    assert case.assisted and case.submitted_by == world.users["window_yz"]
    for n, who in enumerate(("reviewer_yz", "window_hs", "resident_hs")):
        with pytest.raises(DomainError) as err:
            submit(world, by=who, key=f"key-refused-{n}")
        assert err.value.status == 403, who
    with pytest.raises(DomainError):  # another resident's key does not reveal their case
        submit(world, by="window_hs", key="key-00000001")


def test_a_guardian_submits_and_acts_for_their_child_only(world):
    from xinjumin.accounts.services import resident_account_for

    case = submit(world, resident=world.child_yz, key="key-child-001")
    assert not case.assisted and case.resident == world.child_yz
    assert case_for(world.users["resident_yz"], case.pk) == case
    spouse = resident_account_for(world.spouse_yz)  # a parent, not the recorded guardian
    assert case_for(spouse, case.pk) is None
    with pytest.raises(DomainError) as err:
        case_submit(kind=Case.Kind.EVIDENCE, resident=world.child_yz, by=spouse,
                    client_key="key-child-002", department="HRSS")
    assert err.value.status == 403
    with pytest.raises(DomainError):
        case_act(case=case, action="withdraw", actor=spouse)
    case = case_act(case=case, action="withdraw", actor=world.users["resident_yz"])
    assert case.status == "withdrawn"


@pytest.mark.parametrize("change, field", [
    ({"kind": "appeal"}, "kind"), ({"key": "short"}, "client_key"),
    ({"department": "NOPE"}, "department"), ({"statement": "字" * 2001}, "statement"),
    ({"record_source": "HRSS"}, "record_id"),
])
def test_bad_submissions_name_the_field_and_write_nothing(world, change, field):
    args = {"kind": Case.Kind.EVIDENCE, "key": "key-00000001"} | change
    department = args.pop("department", "HRSS")
    with pytest.raises(DomainError) as err:
        case_submit(kind=args.pop("kind"), resident=world.adult_yz,
                    by=world.users["resident_yz"], client_key=args.pop("key"),
                    department=department, now=at("2026-12-04T10:00"), **args)
    assert field in err.value.fields and err.value.message
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_asking_for_material_stops_the_clock_and_moves_the_deadline(world):
    case = submit(world)
    reviewer = world.users["reviewer_yz"]
    case = case_act(case=case, action="ask", actor=reviewer, reasons="请补充社保缴费证明",
                    now=at("2026-12-09T10:00"))
    assert case.status == "waiting" and case.waiting_since == at("2026-12-09T10:00")
    # waited 12-09, 12-10, 12-11 (working days before the Monday it resumed)
    case = case_act(case=case, action="supply", actor=world.users["resident_yz"],
                    now=at("2026-12-14T09:00"))
    assert (case.status, case.waited_days, case.due_on) == ("open", 3, dt.date(2026, 12, 24))
    assert [(d.due_on, d.reason, d.waited_days) for d in case.deadlines.all()] == [
        (dt.date(2026, 12, 21), "submitted", 0), (dt.date(2026, 12, 24), "resumed", 3)]
    case = case_act(case=case, action="accept", actor=reviewer, reasons="材料齐全, 予以采纳",
                    reasons_en="The evidence is complete", decision=SHOWN,
                    now=at("2026-12-15T11:00"))
    assert (case.status, case.decided_by, case.reasons) == (
        "accepted", reviewer, "材料齐全, 予以采纳")
    assert [(e.action, e.from_status, e.to_status, e.actor_role) for e in case.events.all()] == [
        ("submit", "", "open", "resident"), ("ask", "open", "waiting", "reviewer"),
        ("supply", "waiting", "open", "resident"), ("accept", "open", "accepted", "reviewer")]


def test_of_two_decisions_at_once_one_wins_and_the_other_is_told(world):
    case = submit(world)
    stale = Case.objects.get(pk=case.pk)  # the second clerk's page, loaded before
    case_act(case=case, action="accept", actor=world.users["reviewer_yz"], reasons="采纳",
             decision=SHOWN)
    with pytest.raises(DomainError) as err:
        case_act(case=stale, action="refuse", actor=world.users["reviewer2_yz"],
                 reasons="不予采纳")
    assert err.value.code == "case_changed" and err.value.status == 409
    case.refresh_from_db()
    assert (case.status, case.decided_by) == ("accepted", world.users["reviewer_yz"])
    assert case.events.count() == 2


def test_steps_outside_the_table_and_actors_outside_the_case_are_refused(world):
    case = submit(world)
    with pytest.raises(DomainError) as err:  # nothing to supply: nobody asked
        case_act(case=case, action="supply", actor=world.users["resident_yz"])
    assert err.value.code == "case_action_not_allowed"
    for who in ("resident_hs", "window_hs", "district_admin_yz", "city_admin"):
        with pytest.raises(DomainError) as err:
            case_act(case=case, action="accept", actor=world.users[who], reasons="采纳")
        assert err.value.status == 404, who
    with pytest.raises(DomainError) as err:
        case_act(case=case, action="refuse", actor=world.users["reviewer_yz"], reasons="  ")
    assert "reasons" in err.value.fields
    case.refresh_from_db()
    assert case.status == "open"


def test_an_objection_never_goes_to_who_decided_what_is_objected_to(world):
    decider = world.users["reviewer_yz"]
    case = submit(world, kind=Case.Kind.OBJECTION, excluded_reviewer=decider)
    with pytest.raises(DomainError):
        case_act(case=case, action="accept", actor=decider, reasons="维持")
    assert case.pk not in [c.pk for c in case_queue(user=decider).cases]
    other = world.users["reviewer2_yz"]
    assert [c.pk for c in case_queue(user=other).cases] == [case.pk]
    case = case_act(case=case, action="refuse", actor=other, reasons="原记录无误")
    assert case.status == "refused"


def test_a_resident_withdraws_an_undecided_case_only(world):
    case = submit(world)
    case = case_act(case=case, action="withdraw", actor=world.users["resident_yz"])
    assert case.status == "withdrawn" and case.decided_by is None
    with pytest.raises(DomainError):
        case_act(case=case, action="withdraw", actor=world.users["resident_yz"])
    assert machine.actions(Case.Kind.EVIDENCE, "withdrawn") == []


def test_a_year_without_an_official_schedule_gives_a_provisional_deadline(world):
    # Monday 2026-12-28: the tenth working day lies in 2027, which the package lacks
    case = submit(world, when="2026-12-28T10:00")
    assert (case.due_on, case.due_provisional) == (dt.date(2027, 1, 11), True)
    with pytest.raises(DomainError) as err:
        calendar_year_load(year=2026, days={}, actor="test")
    assert "year" in err.value.fields
    with pytest.raises(DomainError) as err:
        calendar_year_load(year=2027, days={"2027-13-01": False}, actor="test")
    assert "days" in err.value.fields
    # a case whose provisional days lie in 2028 keeps its deadline (and no new row)
    later = submit(world, key="key-2028-0001", when="2027-12-27T10:00")
    moved = calendar_year_load(year=2027, days={"2027-01-01": False}, actor="test",
                               now=at("2026-12-29T09:00"))
    assert [c.pk for c in moved] == [case.pk]
    assert [d.reason for d in CaseDeadline.objects.filter(case=later)] == ["submitted"]
    case.refresh_from_db()
    assert (case.due_on, case.due_provisional) == (dt.date(2027, 1, 12), False)
    assert [d.reason for d in CaseDeadline.objects.filter(case=case)] == [
        "submitted", "calendar"]


def test_queues_are_sorted_by_deadline_scoped_and_count_the_overdue(world):
    late = submit(world, key="key-late-0001", when="2026-11-02T10:00")
    soon = submit(world, kind=Case.Kind.OBJECTION, key="key-soon-0001")
    later = submit(world, key="key-later-001")
    elsewhere = submit(world, resident=world.adult_hs, by="resident_hs", key="key-hs-00001")
    today = dt.date(2026, 12, 7)
    queue = case_queue(user=world.users["reviewer_yz"], today=today)
    assert [c.pk for c in queue.cases] == [late.pk, soon.pk, later.pk]
    assert queue.counts["overdue"] == 1 and queue.counts["objection"] == 1
    assert [c.pk for c in case_queue(user=world.users["reviewer_yz"], overdue=True,
                                     today=today).cases] == [late.pk]
    assert [c.pk for c in case_queue(user=world.users["window_hs"], today=today).cases] == [
        elsewhere.pk]
    assert case_queue(user=world.users["resident_yz"], today=today).cases == []
    # waiting for the resident, the clock is stopped: past its deadline, never overdue
    case_act(case=late, action="ask", actor=world.users["reviewer_yz"], reasons="请补充")
    waiting = case_queue(user=world.users["reviewer_yz"], today=today)
    assert waiting.counts["overdue"] == 0 and waiting.counts["waiting"] == 1
    assert case_queue(user=world.users["reviewer_yz"], overdue=True, today=today).cases == []
    assert case_for(world.users["resident_hs"], late.pk) is None
    assert case_for(world.users["resident_yz"], late.pk) == late
    assert case_for(world.users["district_admin_yz"], elsewhere.pk) is None
    assert [c.pk for c in resident_cases(world.adult_yz)] == [later.pk, soon.pk, late.pk]


def test_xjm_cases_list_gives_the_undecided_cases_by_deadline(world):
    import csv
    import io
    import json

    from django.core.management import call_command

    late = submit(world, key="key-late-0001", when="2026-11-02T10:00")  # due 2026-11-16
    fresh = case_submit(kind=Case.Kind.OBJECTION, resident=world.adult_hs,
                        by=world.users["resident_hs"], client_key="key-fresh-001",
                        department="HRSS")
    done = submit(world, key="key-done-0001")
    case_act(case=done, action="withdraw", actor=world.users["resident_yz"])

    def run(*args: str) -> str:
        out = io.StringIO()
        call_command("cases", "list", *args, stdout=out)
        return out.getvalue()

    rows = json.loads(run())
    assert [r["number"] for r in rows] == [late.number, fresh.number]
    assert (rows[0]["overdue"], rows[1]["overdue"]) == (True, False)
    assert world.adult_yz.name not in run() and "id_number" not in rows[0]
    assert [r["number"] for r in json.loads(run("--overdue"))] == [late.number]
    assert [r["number"] for r in json.loads(run("--district", "330203"))] == [fresh.number]
    assert len(json.loads(run("--all"))) == 3
    table = list(csv.DictReader(io.StringIO(run("--format", "csv"))))
    assert [(r["number"], r["status"]) for r in table] == [
        (late.number, "open"), (fresh.number, "open")]


def test_xjm_calendar_loads_a_year_and_shows_it(world, tmp_path):
    import io
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    case = submit(world, when="2026-12-28T10:00")
    assert case.due_provisional
    with pytest.raises(CommandError, match="2027"):
        call_command("calendar", "show", "2027")
    bad = tmp_path / "bad.json"
    bad.write_text('{"2028-01-01": false}', encoding="utf-8")
    with pytest.raises(CommandError, match="days"):
        call_command("calendar", "load", "2027", str(bad))
    good = tmp_path / "2027.json"
    good.write_text('{"2027-01-01": false}', encoding="utf-8")
    out = io.StringIO()
    call_command("calendar", "load", "2027", str(good), stdout=out)
    assert "1 open cases' deadlines changed" in out.getvalue()
    case.refresh_from_db()
    assert (case.due_on, case.due_provisional) == (dt.date(2027, 1, 12), False)
    shown = io.StringIO()
    call_command("calendar", "show", "2027", stdout=shown)
    assert json.loads(shown.getvalue()) == {"2027-01-01": False}
    shown = io.StringIO()
    call_command("calendar", "show", "2026", stdout=shown)  # the package's year
    assert json.loads(shown.getvalue())["2026-10-01"] is False

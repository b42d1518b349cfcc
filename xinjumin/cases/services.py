"""Services for cases: submit, act (the state machine's steps), the loaded calendar years.

Each service owns its transaction and its audit event. A submission carries the client's
request key: the same key again returns the case it made (a double tap, a retry), kept by
the database (case_one_per_client_key). A step is a conditional UPDATE on the status it
starts from: of two people acting at once, one wins and the other gets `case_changed`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from points import SOURCES
from xinjumin.accounts.roles import Role
from xinjumin.audit.services import audit_record
from xinjumin.cases import machine
from xinjumin.cases.models import Case, CaseDeadline, CaseEvent, WorkingCalendarYear
from xinjumin.cases.selectors import acts_for, may_act, working_calendar
from xinjumin.cases.workdays import (
    OFFICE_ZONE,
    Calendar,
    Deadline,
    calendar_deadline,
    package_schedule,
    working_deadline,
)
from xinjumin.core.errors import DomainError, NotFound

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
STATEMENT_MAX = 2_000
REASONS_MAX = 2_000
NUMBER_TRIES = 5
SYSTEM_ROLE = "system"  # a decision the platform takes itself (CaseEvent.actor_role)


# What accepting a case does beyond the case, by kind (a permit application issues the
# permit): registered by the app that owns the kind (its AppConfig.ready), called inside
# the decision's transaction with (case, actor or None for the system, now); an error
# undoes the decision.
ON_ACCEPT: dict[str, Callable[[Case, Any, dt.datetime], None]] = {}
# ... and what refusing one does (a reopened objection refused withdraws its override)
ON_REFUSE: dict[str, Callable[[Case, Any, dt.datetime], None]] = {}


def case_deadline(kind: str, submitted_at: dt.datetime, calendar: Calendar, *,
                  waited: int = 0) -> Deadline:
    """A case's deadline: working days (domain.md §7.9), or calendar days for a permit
    application (§6), a stopped clock's days added (working or calendar days alike)."""
    if kind in machine.CALENDAR_DAYS:
        return Deadline(calendar_deadline(submitted_at.astimezone(OFFICE_ZONE).date(),
                                          machine.CALENDAR_DAYS[kind] + waited), False)
    return working_deadline(submitted_at, machine.DAYS[kind], calendar, waited=waited)


def _days_waited(kind: str, since: dt.datetime, now: dt.datetime, calendar: Calendar) -> int:
    start, end = since.astimezone(OFFICE_ZONE).date(), now.astimezone(OFFICE_ZONE).date()
    if kind in machine.CALENDAR_DAYS:
        return (end - start).days
    return calendar.working_days(start, end)


def _invalid(fields: dict[str, str]) -> DomainError:
    return DomainError("invalid", "提交的内容有误, 请按提示修改",
                       "Some fields need correcting", fields)


def _number(now: dt.datetime) -> str:
    """A case number a person can read out: C, the office date, 8 random hex digits
    (10,000 cases a day draw a taken number about once in 80 days: drawn again)."""
    return f"C{now.astimezone(OFFICE_ZONE):%Y%m%d}-{secrets.token_hex(4).upper()}"


def case_submit(*, kind: str, resident: Any, by: Any, client_key: str, department: str,
                item_key: str = "", record_source: str = "", record_id: str = "",
                statement: str = "", excluded_reviewer: Any = None,
                detail: dict[str, Any] | None = None,
                accepted_at_once: tuple[str, str] | None = None,
                now: dt.datetime | None = None) -> Case:
    """Open a case for `resident`, submitted by `by` (the resident's account, a guardian's,
    or a window clerk's of the resident's district: then recorded as assisted) and
    routed to `department`'s reviewers in the resident's district, with its deadline in
    working days. The same `client_key` again returns the case it made. Audited
    "case.submitted".

    `accepted_at_once` = (reasons, reasons_en): the platform decides it at once (every
    condition shown by department data): the case is accepted by the system in the same
    transaction, its ON_ACCEPT effect run, audited "case.accept"."""
    now = now or timezone.now()
    fields: dict[str, str] = {}
    if kind not in Case.Kind.values:
        fields["kind"] = f"应为 / one of: {', '.join(Case.Kind.values)}"
    if not CLIENT_KEY.match(client_key or ""):
        fields["client_key"] = "8–64 位字母、数字、- 或 _ / 8–64 letters, digits, - or _"
    if department not in SOURCES:
        fields["department"] = f"应为 / one of: {', '.join(SOURCES)}"
    if len(statement) > STATEMENT_MAX:
        fields["statement"] = f"最多 {STATEMENT_MAX} 字 / at most {STATEMENT_MAX} characters"
    if bool(record_source) != bool(record_id):
        fields["record_id"] = "记录来源与编号须同时填写 / give both the source and the id"
    if fields:
        raise _invalid(fields)
    assisted = by.role != Role.RESIDENT
    if not acts_for(by, resident.pk, resident.district_id):
        raise DomainError("forbidden", "无权为该居民提交", "You may not submit for this resident",
                          status=403)
    existing = Case.objects.filter(resident=resident, client_key=client_key).first()
    if existing is not None:
        return _same_submission(existing, kind)
    deadline = case_deadline(kind, now, working_calendar())
    for _ in range(NUMBER_TRIES):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    number=_number(now), kind=kind, resident=resident,
                    district_id=resident.district_id, department=department,
                    item_key=item_key, record_source=record_source, record_id=record_id,
                    excluded_reviewer=excluded_reviewer, statement=statement,
                    detail=detail or {},
                    submitted_at=now, submitted_by=by, assisted=assisted,
                    client_key=client_key, due_on=deadline.due_on,
                    due_provisional=deadline.provisional)
                CaseDeadline.objects.create(case=case, due_on=deadline.due_on,
                                            provisional=deadline.provisional,
                                            reason=CaseDeadline.Reason.SUBMITTED, set_at=now)
                CaseEvent.objects.create(case=case, at=now, action="submit",
                                         to_status=Case.Status.OPEN, actor=by,
                                         actor_role=by.role)
                audit_record(action="case.submitted", object_type="case", object_id=case.pk,
                             actor=by, detail={"number": case.number, "kind": kind,
                                               "department": department,
                                               "assisted": assisted})
                if accepted_at_once is not None:
                    _accept_at_once(case, accepted_at_once, now)
            return case
        except IntegrityError:
            # the same key submitted at the same moment (another request won the race),
            # or the number drawn was taken: draw another
            existing = Case.objects.filter(resident=resident, client_key=client_key).first()
            if existing is not None:
                return _same_submission(existing, kind)
    raise RuntimeError(f"no free case number in {NUMBER_TRIES} draws")


def _accept_at_once(case: Case, reasons: tuple[str, str], now: dt.datetime) -> None:
    step = machine.step(case.kind, case.status, machine.Action.ACCEPT)
    assert step is not None
    Case.objects.filter(pk=case.pk).update(status=step.to_status, decided_at=now,
                                           closed_at=now, reasons=reasons[0],
                                           reasons_en=reasons[1])
    CaseEvent.objects.create(case=case, at=now, action=step.action,
                             from_status=step.from_status, to_status=step.to_status,
                             actor=None, actor_role=SYSTEM_ROLE, reasons=reasons[0],
                             reasons_en=reasons[1])
    audit_record(action="case.accept", object_type="case", object_id=case.pk, actor=SYSTEM_ROLE,
                 detail={"number": case.number, "from": step.from_status,
                         "to": step.to_status, "by": SYSTEM_ROLE})
    effect = ON_ACCEPT.get(case.kind)
    if effect is not None:
        effect(Case.objects.select_related("resident").get(pk=case.pk), None, now)
    case.refresh_from_db()


def _same_submission(case: Case, kind: str) -> Case:
    if case.kind != kind:
        raise _invalid({"client_key": "该请求键已用于另一项申请 / this key was used for "
                                      "another submission"})
    return case


def case_act(*, case: Case, action: str, actor: Any, reasons: str = "",
             reasons_en: str = "", decision: dict[str, Any] | None = None,
             now: dt.datetime | None = None) -> Case:
    """Take `case` through one step of its kind's transition table, as `actor`; `reasons`
    (Chinese, required for a reviewer's step; `reasons_en` optional) are what the resident
    reads. Asking for material stops the clock; supplying it adds the working days it
    waited to the deadline (a CaseDeadline row says so). `decision`: what an acceptance
    puts into the records (cases.decisions: the record accepted evidence becomes; from
    when an upheld objection sets a record aside), kept on the case (detail["decision"])
    and applied by its kind's ON_ACCEPT in the same transaction: an error there (a field
    of the record) undoes the step. Audited "case.<action>"."""
    now = now or timezone.now()
    step = machine.step(case.kind, case.status, action)
    if step is None:
        raise DomainError("case_action_not_allowed",
                          f"案件当前状态为“{Case.Status(case.status).label}”, 不能进行此操作",
                          f"This case is {case.status}: the action is not possible", status=409)
    if not may_act(case, action, actor):
        raise NotFound("案件", "case")
    fields: dict[str, str] = {}
    if action in machine.NEEDS_REASONS and not reasons.strip():
        fields["reasons"] = "请写明理由 / give the reasons"
    if len(reasons) > REASONS_MAX or len(reasons_en) > REASONS_MAX:
        fields["reasons"] = f"最多 {REASONS_MAX} 字 / at most {REASONS_MAX} characters"
    if fields:
        raise _invalid(fields)
    updates: dict[str, Any] = {"status": step.to_status, "updated_at": now}
    deadline = None
    if action == machine.Action.ASK:
        updates["waiting_since"] = now
    elif action == machine.Action.SUPPLY and case.waiting_since is not None:
        calendar = working_calendar()
        waited = case.waited_days + _days_waited(case.kind, case.waiting_since, now, calendar)
        deadline = case_deadline(case.kind, case.submitted_at, calendar, waited=waited)
        updates.update(waiting_since=None, waited_days=waited, due_on=deadline.due_on,
                       due_provisional=deadline.provisional)
    if step.to_status in machine.FINAL_STATUSES:
        updates["closed_at"] = now
    if step.to_status in machine.FINAL_STATUSES and action in machine.BY_REVIEWER:
        updates.update(decided_by=actor, decided_at=now, reasons=reasons.strip(),
                       reasons_en=reasons_en.strip())
    if decision is not None and step.to_status == Case.Status.ACCEPTED:
        updates["detail"] = {**case.detail, "decision": decision}
    with transaction.atomic():
        won = Case.objects.filter(pk=case.pk, status=step.from_status).update(**updates)
        if not won:
            raise DomainError("case_changed", "该案件刚被他人处理, 请刷新后查看",
                              "Someone else has just acted on this case: reload it",
                              status=409)
        if deadline is not None:
            CaseDeadline.objects.create(case=case, due_on=deadline.due_on,
                                        provisional=deadline.provisional,
                                        reason=CaseDeadline.Reason.RESUMED,
                                        waited_days=updates["waited_days"], set_at=now)
        CaseEvent.objects.create(case=case, at=now, action=action,
                                 from_status=step.from_status, to_status=step.to_status,
                                 actor=actor, actor_role=actor.role, reasons=reasons.strip(),
                                 reasons_en=reasons_en.strip())
        audit_record(action=f"case.{action}", object_type="case", object_id=case.pk,
                     actor=actor, detail={"number": case.number, "from": step.from_status,
                                          "to": step.to_status})
        effects = {Case.Status.ACCEPTED: ON_ACCEPT, Case.Status.REFUSED: ON_REFUSE}
        effect = effects.get(step.to_status, {}).get(case.kind)
        if effect is not None:  # on a fresh copy: an error leaves the caller's case as it was
            effect(Case.objects.select_related("resident").get(pk=case.pk), actor, now)
    case.refresh_from_db()
    return case


def calendar_year_load(*, year: int, days: dict[str, bool], actor: Any,
                       now: dt.datetime | None = None) -> list[Case]:
    """Load the official holiday schedule of `year` (the days that differ from
    Monday–Friday) and recompute the provisional deadlines of the open cases (a
    CaseDeadline row, reason "calendar", for each one that changes). Refused for a year the
    package covers. Returns the cases whose deadline changed. Audited
    "calendar.loaded"."""
    now = now or timezone.now()
    fields: dict[str, str] = {}
    if package_schedule(year) is not None:
        fields["year"] = "该年份已有官方安排 / this year's schedule is already known"
    parsed: dict[dt.date, bool] = {}
    for text, working in days.items():
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            fields["days"] = f"日期格式应为 YYYY-MM-DD / dates as YYYY-MM-DD: {text[:20]}"
            break
        if day.year != year or not isinstance(working, bool):
            fields["days"] = f"{text} 不属于 {year} 年或取值不是真/假 / not in {year} or " \
                             "not true/false"
            break
        parsed[day] = working
    if fields:
        raise _invalid(fields)
    moved: list[Case] = []
    with transaction.atomic():
        WorkingCalendarYear.objects.update_or_create(
            year=year, defaults={"days": {d.isoformat(): w for d, w in sorted(parsed.items())}})
        calendar = working_calendar()
        for case in (Case.objects.select_for_update()
                     .filter(status__in=machine.OPEN_STATUSES, due_provisional=True)):
            deadline = case_deadline(case.kind, case.submitted_at, calendar,
                                     waited=case.waited_days)
            if (deadline.due_on, deadline.provisional) == (case.due_on, case.due_provisional):
                continue  # its provisional days lie in another year
            Case.objects.filter(pk=case.pk).update(due_on=deadline.due_on,
                                                   due_provisional=deadline.provisional)
            CaseDeadline.objects.create(case=case, due_on=deadline.due_on,
                                        provisional=deadline.provisional,
                                        reason=CaseDeadline.Reason.CALENDAR,
                                        waited_days=case.waited_days, set_at=now)
            moved.append(case)
        audit_record(action="calendar.loaded", object_type="calendar_year", object_id=year,
                     actor=actor, detail={"days": len(parsed), "cases": len(moved)})
    return moved

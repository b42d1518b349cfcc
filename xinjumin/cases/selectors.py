"""Selectors for cases: the working calendar, queues by role and district, a resident's
cases. They read and never write."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xinjumin.accounts.roles import Role, role_can
from xinjumin.cases import machine
from xinjumin.cases.models import Case, WorkingCalendarYear
from xinjumin.cases.workdays import OFFICE_ZONE, Calendar


def working_calendar() -> Calendar:
    """The calendar with the years an admin loaded (WorkingCalendarYear) before the
    package's."""
    loaded = {row.year: {dt.date.fromisoformat(d): bool(w) for d, w in row.days.items()}
              for row in WorkingCalendarYear.objects.all()}
    return Calendar(loaded=loaded)


def office_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(OFFICE_ZONE).date()


def cases_in_scope(user: Any) -> QuerySet[Case]:
    """The cases `user` works on: a reviewer, those routed to their department in their
    district (never one they are excluded from); a window clerk or district admin, their
    district's; the city admin, all; anyone else, none."""
    cases = Case.objects.all()
    if user.role == Role.REVIEWER:
        return cases.filter(district_id=user.district_id, department=user.department
                            ).exclude(excluded_reviewer_id=user.pk)
    if user.role in (Role.WINDOW_STAFF, Role.DISTRICT_ADMIN):
        return cases.filter(district_id=user.district_id)
    if user.role == Role.CITY_ADMIN:
        return cases
    return cases.none()


@dataclass(frozen=True)
class Queue:
    cases: list[Case]
    counts: dict[str, int]  # open, waiting, overdue, and per kind among the open ones
    total: int  # matching the filters (the page shows at most `limit`)


def case_queue(*, user: Any, kind: str = "", status: str = "", overdue: bool = False,
               today: dt.date | None = None, limit: int = 100) -> Queue:
    """`user`'s queue, earliest deadline first (then the earliest submitted): undecided
    cases unless `status` names one; `overdue`: past their deadline and undecided."""
    today = today or office_today()
    scope = cases_in_scope(user)
    undecided = Q(status__in=machine.OPEN_STATUSES)
    late = undecided & Q(due_on__lt=today)
    counts = scope.aggregate(
        open=Count("pk", filter=Q(status=Case.Status.OPEN)),
        waiting=Count("pk", filter=Q(status=Case.Status.WAITING)),
        overdue=Count("pk", filter=late),
        **{k: Count("pk", filter=undecided & Q(kind=k)) for k in Case.Kind.values})
    chosen = scope.filter(status=status) if status else scope.filter(undecided)
    if kind:
        chosen = chosen.filter(kind=kind)
    if overdue:
        chosen = chosen.filter(late)
    rows = list(chosen.select_related("resident", "district")
                .order_by("due_on", "submitted_at", "pk")[:limit])
    return Queue(rows, counts, chosen.count() if len(rows) == limit else len(rows))


def cases_listed(*, district: str = "", overdue: bool = False, undecided: bool = True,
                 today: dt.date | None = None) -> list[Case]:
    """Cases for operations (`xjm cases list`), earliest deadline first: undecided ones
    (or all), of one district (or all), only the overdue ones with `overdue`."""
    cases = Case.objects.all()
    if district:
        cases = cases.filter(district_id=district)
    if undecided or overdue:
        cases = cases.filter(status__in=machine.OPEN_STATUSES)
    if overdue:
        cases = cases.filter(due_on__lt=today or office_today())
    return list(cases.order_by("due_on", "submitted_at", "pk"))


def case_overdue(case: Case, today: dt.date | None = None) -> bool:
    return case.status in machine.OPEN_STATUSES and case.due_on < (today or office_today())


def resident_cases(resident: Any) -> list[Case]:
    """A resident's cases, newest first."""
    return list(Case.objects.filter(resident=resident).order_by("-submitted_at", "-pk"))


def case_for(user: Any, pk: int) -> Case | None:
    """One case as `user` may see it: their own (a resident) or in their scope; else
    None."""
    if user.role == Role.RESIDENT:
        return Case.objects.filter(pk=pk, resident_id=user.resident_id).first()
    if not role_can(user.role, "resident_read"):
        return None
    return cases_in_scope(user).filter(pk=pk).first()

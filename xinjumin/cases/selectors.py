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
from xinjumin.people.models import Guardianship


def working_calendar() -> Calendar:
    """The calendar with the years an admin loaded (WorkingCalendarYear) before the
    package's."""
    loaded = {row.year: {dt.date.fromisoformat(d): bool(w) for d, w in row.days.items()}
              for row in WorkingCalendarYear.objects.all()}
    return Calendar(loaded=loaded)


def office_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(OFFICE_ZONE).date()


def residents_spoken_for(user: Any) -> set[int]:
    """The residents a resident account acts for: its own and the children it is the
    guardian of (empty for staff)."""
    if user.role != Role.RESIDENT or not user.resident_id:
        return set()
    children = Guardianship.objects.filter(guardian_id=user.resident_id)
    return {user.resident_id, *children.values_list("child_id", flat=True)}


def acts_for(user: Any, resident_id: int, district_id: str,
             spoken_for: set[int] | None = None) -> bool:
    """Whether `user` acts for the resident: themself or their guardian (`spoken_for`:
    residents_spoken_for(user), when already known), or a window clerk of the district."""
    if user.role == Role.RESIDENT:
        return resident_id in (residents_spoken_for(user) if spoken_for is None
                               else spoken_for)
    return role_can(user.role, "resident_assist") and user.district_id == district_id


def may_act(case: Case, action: str, actor: Any, spoken_for: set[int] | None = None) -> bool:
    """Whether `actor` may take `action` on `case` (the table aside): a resident's side
    by whoever acts for the resident; a reviewer's by the case's department's reviewers
    in its district, never the one it excludes."""
    if action in machine.BY_SYSTEM:
        return False
    if action in machine.BY_RESIDENT:
        return acts_for(actor, case.resident_id, case.district_id, spoken_for)
    return (role_can(actor.role, "review") and actor.district_id == case.district_id
            and actor.department == case.department
            and actor.pk != case.excluded_reviewer_id)


def case_actions(case: Case, user: Any, spoken_for: set[int] | None = None) -> list[str]:
    """What `user` may do with `case` now, in the table's order (`spoken_for`: as for
    acts_for; a list of cases passes it once)."""
    if spoken_for is None:
        spoken_for = residents_spoken_for(user)
    return [a for a in machine.actions(case.kind, case.status)
            if may_act(case, a, user, spoken_for)]


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


ORDER = ("due_on", "submitted_at", "pk")


def _late(today: dt.date) -> Q:
    """Past the deadline with the clock running (a case waiting for the resident has its
    clock stopped: never overdue)."""
    return Q(status=Case.Status.OPEN, due_on__lt=today)


def case_queue(*, user: Any, kind: str = "", status: str = "", overdue: bool = False,
               today: dt.date | None = None, limit: int = 100, offset: int = 0) -> Queue:
    """`user`'s queue, earliest deadline first (then the earliest submitted): undecided
    cases unless `status` names one; `overdue`: past their deadline and undecided; the
    `limit` cases from `offset` (a page), with their residents."""
    today = today or office_today()
    scope = cases_in_scope(user)
    undecided = Q(status__in=machine.OPEN_STATUSES)
    late = _late(today)
    chosen = Q(status=status) if status else undecided
    if kind:
        chosen &= Q(kind=kind)
    if overdue:
        chosen &= late
    # the counts and the filtered total from one grouped pass over the queue's covering
    # index (case_counts_department / case_counts), two sums a row: on 100,000 open cases
    # of a district 0.35 s (two counts through the table) → 0.23 s (nine filtered counts
    # on the index) → 0.03 s, bench/bench_queue.py
    groups = list(scope.order_by().values("status", "kind").annotate(
        n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today))))
    open_ = [g for g in groups if g["status"] == Case.Status.OPEN]
    counts = {"open": sum(g["n"] for g in open_),
              "waiting": sum(g["n"] for g in groups if g["status"] == Case.Status.WAITING),
              "overdue": sum(g["late"] for g in open_),
              **{k: sum(g["n"] for g in groups
                        if g["kind"] == k and g["status"] in machine.OPEN_STATUSES)
                 for k in Case.Kind.values}}
    picked = [g for g in groups
              if (g["status"] == status if status else g["status"] in machine.OPEN_STATUSES)
              and (not kind or g["kind"] == kind)]
    total = sum(g["late"] if overdue else g["n"] for g in picked
                if not overdue or g["status"] == Case.Status.OPEN)
    rows = list(scope.filter(chosen).select_related("decided_by", "resident")
                .defer("resident__id_number", "resident__phone", "detail")
                .order_by(*ORDER)[offset:offset + limit])
    return Queue(rows, counts, total)


def cases_listed(*, district: str = "", overdue: bool = False, undecided: bool = True,
                 today: dt.date | None = None) -> list[Case]:
    """Cases for operations (`xjm cases list`), earliest deadline first: undecided ones
    (or all), of one district (or all), only the overdue ones with `overdue`."""
    cases = Case.objects.all()
    if district:
        cases = cases.filter(district_id=district)
    if overdue:
        cases = cases.filter(_late(today or office_today()))
    elif undecided:
        cases = cases.filter(status__in=machine.OPEN_STATUSES)
    return list(cases.order_by(*ORDER))


def case_overdue(case: Case, today: dt.date | None = None) -> bool:
    """The case's side of _late."""
    return case.status == Case.Status.OPEN and case.due_on < (today or office_today())


def resident_cases(resident: Any) -> list[Case]:
    """A resident's cases, newest first."""
    return list(Case.objects.filter(resident=resident).select_related("decided_by")
                .order_by("-submitted_at", "-pk"))


def case_for(user: Any, pk: int) -> Case | None:
    """One case as `user` may see it: a resident's own or their child's, or one in a
    staff member's scope; else None."""
    if user.role == Role.RESIDENT:
        return Case.objects.filter(pk=pk, resident_id__in=residents_spoken_for(user)).first()
    if not role_can(user.role, "resident_read"):
        return None
    return cases_in_scope(user).filter(pk=pk).first()

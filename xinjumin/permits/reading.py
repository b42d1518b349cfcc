"""The residence permit's precise reading (domain.md §6), as pure functions of dates.

A permit issued on day i has anniversaries i + k years (k ≥ 1; 29 February → 28 February
in other years). Each anniversary A must be endorsed in its window, the 30 days before it
(A − 30 days to A − 1). An endorsement covers the first anniversary whose window has not
begun before it: the anniversary still due is the first A with A − 30 days after the last
endorsement (or any A, never endorsed). Not endorsed by A → suspended from A
(`suspended_on` = A). A late endorsement on day e lifts the suspension and moves where
residence time counts from (`last_endorsed_on` = `count_start` = e).

Status at D: `ended` if ended on or before D − 1 (`ended_on` is the last day in force),
else `suspended` if suspended on or before D and not lifted by an endorsement in
[suspended_on, D], else `valid` (issued on or before D). The scoring engine reads the same
fields the same way (points.measures.city.permit_valid).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WINDOW_DAYS = 30
ISSUE_DAYS = 15  # calendar days from accepting an application (domain.md §6)


class Status:
    VALID = "valid"
    SUSPENDED = "suspended"
    ENDED = "ended"
    NOT_YET = "not_yet_issued"


# the best permit of several: valid before suspended before ended (then the latest issued)
STATUS_RANK = {Status.VALID: 0, Status.SUSPENDED: 1, Status.ENDED: 2, Status.NOT_YET: 3}


@dataclass(frozen=True)
class PermitDates:
    """The dated fields of a `residence_permit` record (feeds.md)."""

    issued_on: dt.date
    count_start: dt.date
    last_endorsed_on: dt.date | None = None
    suspended_on: dt.date | None = None
    ended_on: dt.date | None = None


def anniversary(issued_on: dt.date, k: int) -> dt.date:
    """The k-th anniversary of issue (29 February → 28 February in other years)."""
    year = issued_on.year + k
    try:
        return issued_on.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 2, 28)


def next_anniversary(issued_on: dt.date, day: dt.date) -> dt.date:
    """The first anniversary after `day`."""
    k = max(1, day.year - issued_on.year)
    while anniversary(issued_on, k) <= day:
        k += 1
    while k > 1 and anniversary(issued_on, k - 1) > day:
        k -= 1
    return anniversary(issued_on, k)


def window_opens(due: dt.date) -> dt.date:
    """The first day of the endorsement window of anniversary `due`."""
    return due - dt.timedelta(days=WINDOW_DAYS)


def due_anniversary(p: PermitDates) -> dt.date:
    """The anniversary the permit must be endorsed for next: the first one whose window
    opens after the last endorsement (the first anniversary, never endorsed)."""
    if p.last_endorsed_on is None:
        return anniversary(p.issued_on, 1)
    # window_opens(A) > e  ⇔  A > e + 30 days
    return next_anniversary(p.issued_on, p.last_endorsed_on + dt.timedelta(days=WINDOW_DAYS))


def suspension_lifted(p: PermitDates, day: dt.date) -> bool:
    return (p.suspended_on is not None and p.last_endorsed_on is not None
            and p.suspended_on <= p.last_endorsed_on <= day)


def status_at(p: PermitDates, day: dt.date) -> str:
    if p.ended_on is not None and p.ended_on < day:
        return Status.ENDED
    if p.issued_on > day:
        return Status.NOT_YET
    if p.suspended_on is not None and p.suspended_on <= day and not suspension_lifted(p, day):
        return Status.SUSPENDED
    return Status.VALID


def suspension_due(p: PermitDates, day: dt.date) -> dt.date | None:
    """The anniversary from which the daily job of `day` suspends the permit, or None: an
    anniversary on or before `day` passed without an endorsement, while the permit was in
    force and not already suspended."""
    due = due_anniversary(p)
    if due > day or (p.ended_on is not None and p.ended_on < due):
        return None
    if status_at(p, day) == Status.SUSPENDED:
        return None
    if p.suspended_on is not None and p.suspended_on >= due:
        return None  # suspended at it already (and lifted since: a later endorsement)
    return due


class Endorsement:
    """How an endorsement on day e reads: in the window, late, or too early."""

    IN_WINDOW = "in_window"
    LATE = "late"
    TOO_EARLY = "too_early"


def endorsement_kind(p: PermitDates, day: dt.date) -> tuple[str, dt.date]:
    """(kind, anniversary due) of an endorsement granted on `day`."""
    due = due_anniversary(p)
    if day < window_opens(due):
        return Endorsement.TOO_EARLY, due
    if day < due:
        return Endorsement.IN_WINDOW, due
    return Endorsement.LATE, due


def endorsed(p: PermitDates, day: dt.date) -> PermitDates:
    """The permit after an endorsement granted on `day` (not too early): in the window it
    keeps `count_start`; late, it is suspended from the anniversary missed (if the daily job
    has not done so yet) and restored on `day`, residence time counting from `day`."""
    kind, due = endorsement_kind(p, day)
    if kind == Endorsement.TOO_EARLY:
        raise ValueError(f"the endorsement window opens on {window_opens(due)}")
    if kind == Endorsement.IN_WINDOW:
        return PermitDates(p.issued_on, p.count_start, day, p.suspended_on, p.ended_on)
    suspended = p.suspended_on if p.suspended_on is not None and p.suspended_on >= due else due
    return PermitDates(p.issued_on, day, day, suspended, p.ended_on)

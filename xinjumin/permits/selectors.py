"""Reading residence permits (domain.md §6) from the records: a person's permits, issued on
the platform (record ids `XJM-…`, domain.md §9.1) or received in a PSB feed, each read as
of a date; the best of them; the eligibility for one. Selectors read and never write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from points import PLATFORM_RECORD_PREFIX, Record, RecordIndex
from xinjumin.permits import reading
from xinjumin.permits.eligibility import Eligibility, eligibility
from xinjumin.permits.reading import PermitDates, Status
from xinjumin.records.selectors import engine_records_for


@dataclass(frozen=True)
class PermitView:
    permit_no: str
    status: str
    district: str
    dates: PermitDates
    next_anniversary: dt.date
    endorsement_opens: dt.date  # the window of the anniversary due next
    due_anniversary: dt.date
    origin: str  # "platform" (an XJM- record) or "psb" (a PSB feed's record)
    record: Record  # the live record it is read from

    @property
    def ref(self) -> str:
        return f"{self.record.source}:{self.record.record_id}"

    def as_json(self) -> dict[str, Any]:
        d = self.dates

        def iso(v: dt.date | None) -> str | None:
            return v.isoformat() if v else None

        return {"permit_no": self.permit_no, "status": self.status,
                "district": self.district, "issued_on": iso(d.issued_on),
                "count_start": iso(d.count_start), "last_endorsed_on": iso(d.last_endorsed_on),
                "suspended_on": iso(d.suspended_on), "ended_on": iso(d.ended_on),
                "next_anniversary": iso(self.next_anniversary),
                "endorsement_opens": iso(self.endorsement_opens),
                "endorsement_due": iso(self.due_anniversary), "origin": self.origin,
                "record": self.ref}


def permit_dates(r: Record) -> PermitDates:
    issued, start = r.date("issued_on"), r.date("count_start")
    assert issued is not None and start is not None  # required by feeds.md
    return PermitDates(issued, start, r.date("last_endorsed_on"), r.date("suspended_on"),
                       r.date("ended_on"))


def permit_view(r: Record, day: dt.date) -> PermitView:
    d = permit_dates(r)
    due = reading.due_anniversary(d)
    return PermitView(
        permit_no=str(r.get("permit_no")), status=reading.status_at(d, day),
        district=str(r.get("district")), dates=d,
        next_anniversary=reading.next_anniversary(d.issued_on, day),
        endorsement_opens=reading.window_opens(due), due_anniversary=due,
        origin="platform" if r.record_id.startswith(PLATFORM_RECORD_PREFIX) else "psb", record=r)


def records_in_force(id_number: str, day: dt.date) -> list[Record]:
    """The person's live records (and their family's) with those an override in force at
    `day` sets aside left out (as the engine reads them: points.RecordIndex)."""
    records = engine_records_for(id_numbers=[id_number])
    gone = RecordIndex(records, live=True).disregarded(day)
    return [r for r in records if r.key not in gone]


def permits_of(id_number: str, day: dt.date,
               records: list[Record] | None = None) -> list[PermitView]:
    """The person's permits as of `day`, the best first: valid before suspended before
    ended, then the latest issued."""
    records = records_in_force(id_number, day) if records is None else records
    views = [permit_view(r, day) for r in records
             if r.type == "residence_permit" and r.id_number == id_number]
    views.sort(key=lambda v: (reading.STATUS_RANK[v.status], -v.dates.issued_on.toordinal(),
                              v.permit_no))
    return views


def permit_best(id_number: str, day: dt.date) -> PermitView | None:
    views = permits_of(id_number, day)
    return views[0] if views else None


def permit_eligibility(id_number: str, day: dt.date, claims: tuple[str, ...] = (),
                       records: list[Record] | None = None) -> Eligibility:
    records = records_in_force(id_number, day) if records is None else records
    return eligibility(records, id_number, day, claims)


def holds_permit(views: list[PermitView]) -> PermitView | None:
    """The permit that stands in the way of a new one: any not ended."""
    return next((v for v in views if v.status in (Status.VALID, Status.SUSPENDED)), None)


def permit_case_open(resident: Any) -> Any:
    """The resident's permit application or endorsement still in a reviewer's hands."""
    from xinjumin.cases.machine import OPEN_STATUSES
    from xinjumin.cases.models import Case

    return (Case.objects.filter(resident=resident, status__in=OPEN_STATUSES,
                                kind__in=(Case.Kind.PERMIT, Case.Kind.ENDORSEMENT))
            .order_by("-submitted_at").first())

"""`xjm cases list [--district CODE] [--overdue] [--all] [--format json|csv]`: the undecided
cases (every case with --all), earliest deadline first. No personal data: a resident is
named by the platform's internal id."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinjumin.cases.selectors import case_overdue, cases_listed, office_today

FIELDS = ("number", "kind", "status", "district", "department", "item_key", "resident_id",
          "submitted_at", "assisted", "due_on", "due_provisional", "overdue", "waited_days",
          "decided_at")


class Command(BaseCommand):
    help = "List cases for operations (undecided by default), earliest deadline first."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="the cases, earliest deadline first")
        listing.add_argument("--district", default="", help="a district code, e.g. 330212")
        listing.add_argument("--overdue", action="store_true",
                             help="only undecided cases past their deadline")
        listing.add_argument("--all", action="store_true", help="decided ones too")
        listing.add_argument("--format", default="json", choices=["json", "csv"])

    def handle(self, *args: Any, **opts: Any) -> None:
        today = office_today()
        rows = [_row(c, today) for c in cases_listed(
            district=opts["district"], overdue=opts["overdue"], undecided=not opts["all"],
            today=today)]
        if opts["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _row(case: Any, today: Any) -> dict[str, Any]:
    return {"number": case.number, "kind": case.kind, "status": case.status,
            "district": case.district_id, "department": case.department,
            "item_key": case.item_key, "resident_id": case.resident_id,
            "submitted_at": case.submitted_at.isoformat(), "assisted": case.assisted,
            "due_on": case.due_on.isoformat(), "due_provisional": case.due_provisional,
            "overdue": case_overdue(case, today), "waited_days": case.waited_days,
            "decided_at": case.decided_at.isoformat() if case.decided_at else ""}

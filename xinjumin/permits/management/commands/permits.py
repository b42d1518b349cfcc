"""`xjm permits daily [--date D]`: the daily suspension job; `xjm permits show ID_NUMBER
[--as-of D] [--format json|csv]`: the resident's best permit (valid before suspended before
ended), issued on the platform or received in a PSB feed."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from points import IdentifierError, parse_id_number
from xinjumin.cases.selectors import office_today
from xinjumin.core.cli_args import iso_date
from xinjumin.permits.selectors import permit_best
from xinjumin.permits.services import permits_daily


class Command(BaseCommand):
    help = "Residence permits: the daily suspension job; a resident's best permit."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        daily = sub.add_parser("daily", help="suspend the permits not endorsed by their "
                                             "anniversary")
        daily.add_argument("--date", type=iso_date, default=None,
                           help="the day to run for (YYYY-MM-DD; default today)")
        show = sub.add_parser("show", help="a resident's best permit")
        show.add_argument("id_number")
        show.add_argument("--as-of", type=iso_date, default=None, dest="as_of")
        show.add_argument("--format", default="json", choices=["json", "csv"])

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "daily":
            run = permits_daily(day=opts["date"])
            self.stdout.write(json.dumps({"date": run.day.isoformat(),
                                          "suspended": run.suspended,
                                          "records": run.records, "failed": run.failed,
                                          "seconds": run.seconds}))
            return
        try:
            id_number = parse_id_number(opts["id_number"]).value
        except IdentifierError as e:
            raise CommandError(f"身份证号码有误: {e.message} / invalid ID number: "
                               f"{e.message_en}") from e
        day = opts["as_of"] or office_today()
        view = permit_best(id_number, day)
        if view is None:
            raise CommandError("该居民没有居住证记录 / no residence permit on record")
        row = view.as_json()
        if opts["format"] == "json":
            self.stdout.write(json.dumps(row, ensure_ascii=False, indent=2))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow({k: "" if v is None else v for k, v in row.items()})

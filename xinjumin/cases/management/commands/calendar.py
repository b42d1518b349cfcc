"""`xjm calendar load YEAR FILE` / `xjm calendar show YEAR`: the official holiday schedule
of a year the chinese-calendar package does not cover yet (published each November by the
State Council). FILE is JSON, {"YYYY-MM-DD": true (a working day) | false (a rest day)} for
the days that differ from Monday–Friday, as `show` prints them. Loading recomputes the
provisional deadlines of the open cases (services.calendar_year_load)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinjumin.cases.selectors import working_calendar
from xinjumin.cases.services import calendar_year_load
from xinjumin.core.errors import DomainError


class Command(BaseCommand):
    help = "Load or show a year's official holiday schedule (working days for deadlines)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load a year's schedule from a JSON file")
        load.add_argument("year", type=int)
        load.add_argument("file", type=Path)
        show = sub.add_parser("show", help="the days of a year that differ from Mon–Fri")
        show.add_argument("year", type=int)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "show":
            calendar = working_calendar()
            schedule = calendar.schedule(opts["year"])
            if schedule is None:
                raise CommandError(f"{opts['year']} 年尚无官方安排 / no official schedule for "
                                   f"{opts['year']} yet: load it with xjm calendar load")
            self.stdout.write(json.dumps({d.isoformat(): w for d, w in sorted(schedule.items())},
                                         indent=1))
            return
        try:
            days = json.loads(opts["file"].read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取 / cannot read {opts['file']}: {exc}") from None
        if not isinstance(days, dict):
            raise CommandError('应为 {"YYYY-MM-DD": true|false} / expected an object of dates')
        try:
            moved = calendar_year_load(year=opts["year"], days=days, actor="cli")
        except DomainError as exc:
            detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.message} / {exc.message_en} ({detail})") from None
        self.stdout.write(f"loaded {opts['year']}: {len(days)} days; "
                          f"{len(moved)} open cases' deadlines changed")

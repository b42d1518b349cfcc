"""Working days and case deadlines, as domain.md §7.9 "Precise reading" counts them.

- A day is a working day by the official schedule of its year: the State Council's
  holidays and shifted working days (调休). ``chinese-calendar`` carries the schedules it
  knows (2004 to its latest release); a year it does not cover yet can be given by an
  admin, once the schedule is published each November: ``Calendar(loaded={year: {day:
  is_working_day}})``. A year with neither: Monday to Friday are working days, and every deadline
  that counts a day of it is **provisional**.
- N working days from a submission count from the next working day: a submission on a
  rest day, or at 17:00 or later, counts as made on the next working day. The deadline is
  the end of the N-th working day after that day.
- A stopped clock (the case waits for the resident) adds the working days it waited: the
  working days from the day it stopped up to the day before it resumed.
- The permit's 15 days are calendar days.

Pure functions over dates; nothing here reads the database (the loaded schedules are
passed in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar

#: Local time of the offices (domain.md §3: every district is in Ningbo).
OFFICE_ZONE = ZoneInfo("Asia/Shanghai")
#: A submission at this hour or later counts as made on the next working day.
OFFICE_CLOSES = dt.time(17, 0)
#: The most working days a deadline may count (a year and a half of them): a bound that
#: keeps a wrong count from running for ever.
MAX_DAYS = 400


@cache
def package_schedule(year: int) -> Mapping[dt.date, bool] | None:
    """The days of ``year`` that ``chinese-calendar`` knows to differ from Monday–Friday
    (holidays on weekdays: False; shifted working weekends: True), or None when the
    package does not cover the year."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return None
    days: dict[dt.date, bool] = {}
    day = dt.date(year, 1, 1)
    while day.year == year:
        official = chinese_calendar.is_workday(day)
        if official != (day.weekday() < 5):
            days[day] = official
        day += dt.timedelta(days=1)
    return days


@dataclass(frozen=True)
class Deadline:
    """The last working day (``due_on``, due at its end) and whether a day counted lies in
    a year without an official schedule (``provisional``)."""

    due_on: dt.date
    provisional: bool


@dataclass(frozen=True)
class Calendar:
    """Working days: ``loaded`` schedules (by year: the days that differ from
    Monday–Friday, as ``package_schedule`` gives them) before the package's; Monday–Friday
    for a year with neither (provisional)."""

    loaded: Mapping[int, Mapping[dt.date, bool]] = field(default_factory=dict)

    def schedule(self, year: int) -> Mapping[dt.date, bool] | None:
        """The official schedule of ``year`` (None: not published yet)."""
        if year in self.loaded:
            return self.loaded[year]
        return package_schedule(year)

    def official(self, year: int) -> bool:
        """Whether ``year`` has an official schedule here."""
        return self.schedule(year) is not None

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day (by the weekday rule when its year has no
        official schedule)."""
        schedule = self.schedule(day.year) or {}
        return schedule.get(day, day.weekday() < 5)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day after ``day``."""
        for _ in range(MAX_DAYS):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {MAX_DAYS} days after {day}")

    def working_days(self, start: dt.date, end: dt.date) -> int:
        """How many working days d have start ≤ d < end (0 when end ≤ start)."""
        count, day = 0, start
        while day < end:
            count += self.is_working_day(day)
            day += dt.timedelta(days=1)
        return count


def counts_from(submitted_at: dt.datetime, calendar: Calendar) -> dt.date:
    """The working day a submission counts as made on: its own day when that is a working
    day and the submission came before 17:00 office time, else the next working day."""
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must carry its time zone")
    local = submitted_at.astimezone(OFFICE_ZONE)
    day = local.date()
    if calendar.is_working_day(day) and local.time() < OFFICE_CLOSES:
        return day
    return calendar.next_working_day(day)


def working_deadline(submitted_at: dt.datetime, days: int, calendar: Calendar, *,
                     waited: int = 0) -> Deadline:
    """The end of the N-th working day after the day the submission counts as made on,
    plus ``waited`` working days of a stopped clock (``Calendar.working_days`` of the
    wait). Provisional when a day from the submission to the deadline lies in a year
    without an official schedule."""
    if days < 1 or waited < 0 or days + waited > MAX_DAYS:
        raise ValueError(f"days must be 1…{MAX_DAYS} and waited ≥ 0")
    made_on = counts_from(submitted_at, calendar)
    due = made_on
    for _ in range(days + waited):
        due = calendar.next_working_day(due)
    start = submitted_at.astimezone(OFFICE_ZONE).date()
    provisional = any(not calendar.official(y) for y in range(start.year, due.year + 1))
    return Deadline(due, provisional)


def calendar_deadline(submitted_on: dt.date, days: int) -> dt.date:
    """``days`` calendar days after the submission day (the permit's 15 days)."""
    if days < 1:
        raise ValueError("days must be ≥ 1")
    return submitted_on + dt.timedelta(days=days)

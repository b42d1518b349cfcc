"""Deadlines in working days (domain.md §7.9 "Precise reading"), across National Day and
the Spring Festival of 2026 with their shifted working days, after office hours, on rest
days, with a stopped clock, and into a year the calendar package does not cover."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinjumin.cases.workdays import (
    OFFICE_ZONE,
    Calendar,
    calendar_deadline,
    counts_from,
    package_schedule,
    working_deadline,
)

CAL = Calendar()


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute),
                               OFFICE_ZONE)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_national_day_week_is_skipped_and_the_shifted_saturday_counts() -> None:
    # 2026: 25 Sep (Mid-Autumn) and 1–7 Oct are holidays; Saturday 10 Oct is a working day
    assert not CAL.is_working_day(d("2026-10-01")) and not CAL.is_working_day(d("2026-10-05"))
    assert CAL.is_working_day(d("2026-10-10"))
    # made on Monday 28 Sep: 29, 30 Sep, 8, 9, 10 Oct
    assert working_deadline(at("2026-09-28"), 5, CAL).due_on == d("2026-10-10")


def test_after_17_00_counts_from_the_next_working_day() -> None:
    assert counts_from(at("2026-09-30", 16, 59), CAL) == d("2026-09-30")
    assert counts_from(at("2026-09-30", 17, 0), CAL) == d("2026-10-08")
    # made on 8 Oct: 9, 10, 12, 13, 14, 15, 16, 19, 20, 21 Oct
    assert working_deadline(at("2026-09-30", 17, 0), 10, CAL).due_on == d("2026-10-21")


def test_spring_festival_with_its_working_saturdays() -> None:
    # 2026: 15–23 Feb off, Saturdays 14 and 28 Feb working days
    assert CAL.is_working_day(d("2026-02-14")) and CAL.is_working_day(d("2026-02-28"))
    # made on Friday 13 Feb: 14, 24, 25, 26, 27 Feb
    assert working_deadline(at("2026-02-13", 9), 5, CAL).due_on == d("2026-02-27")
    # ten days reach the working Saturday 28 Feb: …, 27, 28 Feb, 2, 3, 4, 5 Mar
    assert working_deadline(at("2026-02-13", 9), 10, CAL).due_on == d("2026-03-05")


def test_a_rest_day_submission_counts_as_made_on_the_next_working_day() -> None:
    assert counts_from(at("2026-02-22", 9), CAL) == d("2026-02-24")
    assert working_deadline(at("2026-02-22", 9), 1, CAL).due_on == d("2026-02-25")


def test_office_time_is_ningbo_time() -> None:
    utc = dt.UTC
    # 08:30 UTC is 16:30 in Ningbo, 09:30 UTC is 17:30
    assert counts_from(dt.datetime(2026, 9, 28, 8, 30, tzinfo=utc), CAL) == d("2026-09-28")
    assert counts_from(dt.datetime(2026, 9, 28, 9, 30, tzinfo=utc), CAL) == d("2026-09-29")
    with pytest.raises(ValueError):
        counts_from(dt.datetime(2026, 9, 28, 9, 30), CAL)


def test_a_stopped_clock_adds_the_working_days_it_waited() -> None:
    # stopped on Tuesday 29 Sep, resumed on Friday 9 Oct: 29, 30 Sep and 8 Oct waited
    waited = CAL.working_days(d("2026-09-29"), d("2026-10-09"))
    assert waited == 3
    plain = working_deadline(at("2026-09-28"), 5, CAL).due_on
    moved = working_deadline(at("2026-09-28"), 5, CAL, waited=waited).due_on
    assert (plain, moved) == (d("2026-10-10"), d("2026-10-14"))
    assert CAL.working_days(d("2026-10-09"), d("2026-10-09")) == 0


def test_a_year_without_a_schedule_is_provisional_until_one_is_loaded() -> None:
    assert package_schedule(2026) is not None and package_schedule(2099) is None
    late = at("2099-12-28")
    weekdays = working_deadline(late, 5, CAL)
    # 29, 30, 31 Dec 2099, then Friday 1 and Monday 4 Jan 2100: weekends only
    assert weekdays.provisional and weekdays.due_on == d("2100-01-04")
    # 2099 published with no day off a weekday; 2100 with New Year and a shifted Saturday
    loaded = Calendar(loaded={2099: {},
                              2100: {d("2100-01-01"): False, d("2100-01-02"): True}})
    official = working_deadline(late, 5, loaded)
    # 1 Jan 2100 off, Saturday 2 Jan worked: 29, 30, 31 Dec, 2, 4 Jan
    assert official.due_on == d("2100-01-04") and not official.provisional
    assert working_deadline(late, 4, loaded).due_on == d("2100-01-02")
    within = working_deadline(at("2026-09-28"), 5, CAL)
    assert not within.provisional


def test_the_permits_fifteen_days_are_calendar_days() -> None:
    assert calendar_deadline(d("2026-09-28"), 15) == d("2026-10-13")


def test_bad_counts_are_refused() -> None:
    for days, waited in ((0, 0), (5, -1), (401, 0)):
        with pytest.raises(ValueError):
            working_deadline(at("2026-09-28"), days, CAL, waited=waited)


@given(st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 6, 30),
                    timezones=st.just(OFFICE_ZONE)),
       st.integers(1, 20), st.integers(0, 10))
def test_the_deadline_is_the_n_th_working_day_after_the_day_it_counts_from(
        submitted: dt.datetime, days: int, waited: int) -> None:
    deadline = working_deadline(submitted, days, CAL, waited=waited)
    made_on = counts_from(submitted, CAL)
    assert CAL.is_working_day(made_on) and made_on >= submitted.date()
    assert CAL.is_working_day(deadline.due_on)
    after = made_on + dt.timedelta(days=1)
    assert CAL.working_days(after, deadline.due_on + dt.timedelta(days=1)) == days + waited
    years = range(submitted.year, deadline.due_on.year + 1)
    assert deadline.provisional == any(package_schedule(y) is None for y in years)

"""The permit's precise reading (domain.md §6), and the daily job's vectorised form of it
held equal to the reading itself."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinjumin.permits import reading
from xinjumin.permits.daily import suspension_candidates
from xinjumin.permits.reading import Endorsement, PermitDates, Status

D = dt.date


def test_anniversaries_of_29_february_fall_on_28_february_in_common_years():
    assert reading.anniversary(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert reading.anniversary(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert reading.next_anniversary(D(2024, 2, 29), D(2025, 2, 27)) == D(2025, 2, 28)
    assert reading.next_anniversary(D(2024, 2, 29), D(2025, 2, 28)) == D(2026, 2, 28)


def test_the_next_anniversary_is_the_first_after_the_day():
    issued = D(2022, 6, 1)
    assert reading.next_anniversary(issued, D(2022, 6, 1)) == D(2023, 6, 1)
    assert reading.next_anniversary(issued, D(2023, 5, 31)) == D(2023, 6, 1)
    assert reading.next_anniversary(issued, D(2023, 6, 1)) == D(2024, 6, 1)


def test_the_window_is_the_30_days_before_the_anniversary():
    p = PermitDates(D(2026, 3, 10), D(2023, 3, 2))
    assert reading.due_anniversary(p) == D(2027, 3, 10)
    assert reading.window_opens(D(2027, 3, 10)) == D(2027, 2, 8)
    assert reading.endorsement_kind(p, D(2027, 2, 7)) == (Endorsement.TOO_EARLY, D(2027, 3, 10))
    assert reading.endorsement_kind(p, D(2027, 2, 8))[0] == Endorsement.IN_WINDOW
    assert reading.endorsement_kind(p, D(2027, 3, 9))[0] == Endorsement.IN_WINDOW
    assert reading.endorsement_kind(p, D(2027, 3, 10))[0] == Endorsement.LATE


def test_an_endorsement_in_the_window_keeps_count_start_and_covers_that_anniversary():
    p = reading.endorsed(PermitDates(D(2026, 3, 10), D(2023, 3, 2)), D(2027, 2, 20))
    assert (p.last_endorsed_on, p.count_start, p.suspended_on) == (D(2027, 2, 20),
                                                                   D(2023, 3, 2), None)
    assert reading.due_anniversary(p) == D(2028, 3, 10)
    assert reading.suspension_due(p, D(2027, 3, 10)) is None


def test_not_endorsed_the_permit_is_suspended_from_the_anniversary_and_a_late_one_restores_it():
    p = PermitDates(D(2026, 3, 10), D(2023, 3, 2))
    assert reading.suspension_due(p, D(2027, 3, 9)) is None
    assert reading.suspension_due(p, D(2027, 3, 10)) == D(2027, 3, 10)
    assert reading.suspension_due(p, D(2027, 5, 1)) == D(2027, 3, 10)  # a late first run
    suspended = PermitDates(p.issued_on, p.count_start, None, D(2027, 3, 10))
    assert reading.status_at(suspended, D(2027, 3, 10)) == Status.SUSPENDED
    assert reading.status_at(suspended, D(2027, 3, 9)) == Status.VALID
    assert reading.suspension_due(suspended, D(2027, 4, 1)) is None  # already
    late = reading.endorsed(suspended, D(2027, 4, 1))
    assert (late.last_endorsed_on, late.count_start, late.suspended_on) == (
        D(2027, 4, 1), D(2027, 4, 1), D(2027, 3, 10))
    assert reading.status_at(late, D(2027, 4, 1)) == Status.VALID
    assert reading.status_at(late, D(2027, 3, 31)) == Status.SUSPENDED
    # the anniversaries stay those of issue: the next one is due in 2028
    assert reading.due_anniversary(late) == D(2028, 3, 10)
    assert reading.suspension_due(late, D(2028, 3, 10)) == D(2028, 3, 10)


def test_a_late_endorsement_before_the_job_ran_records_the_suspension_it_lifts():
    p = reading.endorsed(PermitDates(D(2026, 3, 10), D(2023, 3, 2)), D(2027, 3, 12))
    assert (p.suspended_on, p.last_endorsed_on, p.count_start) == (
        D(2027, 3, 10), D(2027, 3, 12), D(2027, 3, 12))


def test_an_ended_permit_is_ended_from_the_day_after_its_last_day():
    p = PermitDates(D(2026, 3, 10), D(2023, 3, 2), ended_on=D(2026, 8, 1))
    assert reading.status_at(p, D(2026, 8, 1)) == Status.VALID
    assert reading.status_at(p, D(2026, 8, 2)) == Status.ENDED
    assert reading.suspension_due(p, D(2027, 3, 10)) is None
    with pytest.raises(ValueError):
        reading.endorsed(PermitDates(D(2026, 3, 10), D(2023, 3, 2)), D(2026, 12, 1))


_days = st.integers(min_value=0, max_value=3000)
BASE = D(2018, 1, 1)


@st.composite
def permits(draw: st.DrawFn) -> PermitDates:
    issued = BASE + dt.timedelta(days=draw(_days))
    after = st.one_of(st.none(), st.integers(min_value=0, max_value=2500).map(
        lambda n: issued + dt.timedelta(days=n)))
    return PermitDates(issued, issued, draw(after), draw(after), draw(after))


@settings(max_examples=300, deadline=None)
@given(st.lists(permits(), min_size=1, max_size=30), _days)
def test_the_daily_jobs_vectorised_rule_is_the_reading(items, n):
    day = BASE + dt.timedelta(days=n + 365)
    frame = pl.DataFrame({
        "i": list(range(len(items))),
        "issued_on": [p.issued_on for p in items],
        "last_endorsed_on": [p.last_endorsed_on for p in items],
        "suspended_on": [p.suspended_on for p in items],
        "ended_on": [p.ended_on for p in items],
    }, schema={"i": pl.Int64, "issued_on": pl.Date, "last_endorsed_on": pl.Date,
               "suspended_on": pl.Date, "ended_on": pl.Date})
    got = dict(suspension_candidates(frame, day).select("i", "due").iter_rows())
    want = {i: due for i, p in enumerate(items)
            if (due := reading.suspension_due(p, day)) is not None}
    assert got == want

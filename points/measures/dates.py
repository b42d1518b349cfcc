"""Calendar arithmetic of domain §7.8, shared by every measure (and mirrored in Polars)."""

from __future__ import annotations

import calendar
import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def add_months(d: dt.date, n: int) -> dt.date:
    """Add n months (n may be negative), keeping the day clamped to the month's end."""
    index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def full_months(start: dt.date, end: dt.date) -> int:
    """The largest k ≥ 0 with add_months(start, k) <= end (0 when start > end)."""
    if start > end:
        return 0
    k = (end.year - start.year) * 12 + (end.month - start.month)
    while k > 0 and add_months(start, k) > end:
        k -= 1
    return k


def full_years(start: dt.date, end: dt.date) -> int:
    """Full months // 12."""
    return full_months(start, end) // 12


def within(d: dt.date | None, as_of: dt.date, months: int | None) -> bool:
    """d is in (as_of − months, as_of] (no window: d <= as_of)."""
    if d is None or d > as_of:
        return False
    return months is None or d > add_months(as_of, -months)


def in_force(start: dt.date | None, end: dt.date | None, as_of: dt.date) -> bool:
    """start <= as_of and (no end or end >= as_of); end is the last day in force."""
    return start is not None and start <= as_of and (end is None or end >= as_of)


def month_index(month: str) -> int:
    """'YYYY-MM' → a month counter (year × 12 + month − 1)."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1

"""How long audit events are kept (domain.md §13): at least 6 months, credit-query logs 10
years. The policy is this table: the first row whose action prefix matches an event's
action gives its retention in months ("" matches every action).

A lawful purge (audit.services.audit_purge) removes only the oldest events, a prefix of
the chain: it stops at the first event still within its retention, so an event is never
removed before its time, whatever the date asked for.
"""

from __future__ import annotations

import calendar
import datetime as dt

# (action prefix, months kept, why). Keep the longest retentions first.
RETENTION: tuple[tuple[str, int, str], ...] = (
    ("credit.", 120, "征信查询记录保存 10 年 / credit-query logs: 10 years (domain.md §13)"),
    ("", 6, "审计记录至少保存 6 个月 / audit events: at least 6 months (domain.md §13)"),
)
MIN_MONTHS = min(months for _, months, _ in RETENTION)


def retention_months(action: str) -> int:
    """Months an event of `action` is kept."""
    for prefix, months, _ in RETENTION:
        if action.startswith(prefix):
            return months
    return max(months for _, months, _ in RETENTION)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (the month's last day when
    that month is shorter)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def longer_retentions(now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """(prefix, keep events of it from) for every prefix kept longer than the minimum."""
    return [(prefix, months_before(now, months)) for prefix, months, _ in RETENTION
            if prefix and months > MIN_MONTHS]

"""Calendar arithmetic of domain §7.8 as Polars expressions (mirrors points.measures.dates).

Dates are ``pl.Date`` columns; D (the as-of date) is a Python date, so everything that
depends on D alone is computed once in Python.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from points.measures.dates import add_months

__all__ = ["add_months", "add_months_expr", "full_months", "in_force", "month_index",
           "within"]


def full_months(start: pl.Expr, end: pl.Expr | dt.date) -> pl.Expr:
    """The largest k ≥ 0 with add_months(start, k) ≤ end (0 when start > end), closed form:
    k = calendar-month difference, minus one when the clamped day would pass end's day."""
    end = pl.lit(end) if isinstance(end, dt.date) else end
    k = ((end.dt.year().cast(pl.Int64) - start.dt.year().cast(pl.Int64)) * 12
         + end.dt.month().cast(pl.Int64) - start.dt.month().cast(pl.Int64))
    day = pl.min_horizontal(start.dt.day().cast(pl.Int64),
                            end.dt.month_end().dt.day().cast(pl.Int64))
    k = k - (day > end.dt.day().cast(pl.Int64)).cast(pl.Int64)
    return pl.when(start > end).then(0).otherwise(pl.max_horizontal(k, 0))


def add_months_expr(d: pl.Expr, n: int) -> pl.Expr:
    """add_months for a constant n (Polars clamps "Nmo" offsets to the month's end)."""
    return d.dt.offset_by(f"{n}mo")


def within(d: pl.Expr, as_of: dt.date, months: int | None) -> pl.Expr:
    """d in (add_months(D, −months), D]; no window: d ≤ D."""
    cond = d <= pl.lit(as_of)
    if months is not None:
        cond = cond & (d > pl.lit(add_months(as_of, -months)))
    return cond


def in_force(start: pl.Expr, end: pl.Expr, as_of: dt.date) -> pl.Expr:
    """start ≤ D and (no end or end ≥ D)."""
    return (start <= pl.lit(as_of)) & (end.is_null() | (end >= pl.lit(as_of)))


def month_index(month: pl.Expr) -> pl.Expr:
    """'YYYY-MM' → year × 12 + month − 1."""
    return (month.str.slice(0, 4).cast(pl.Int64) * 12
            + month.str.slice(5, 2).cast(pl.Int64) - 1)

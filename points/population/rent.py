"""Rent subsidy figure of domain §7.8 / §8.2 (鄞州 330212 by default), vectorised.

``rent_facts`` gathers, per person at D, what the figure needs from the records; the
amount and the eligibility are computed by ``rent_columns`` from those facts and the
person's score (mirrors ``points.evaluate.rent_subsidy_figure``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from points.population import measures as m
from points.population.dates import in_force
from points.population.load import Frames, empty_frame

ID = m.ID
DEFAULT_DISTRICT = "330212"


def _frame(frames: Frames, name: str) -> pl.LazyFrame:
    lf = frames.get(name)
    return empty_frame(name) if lf is None else lf


def rent_facts(frames: Frames, as_of: dt.date, district: str = DEFAULT_DISTRICT
               ) -> pl.LazyFrame:
    """Per ID: ``rent:average`` (the complex's average rent in fen for D's year, else the
    latest earlier year, of the lease in ``district`` in force at D with the latest start),
    ``rent:lease``, ``rent:permit`` (a valid permit), ``rent:home`` (self or spouse owns),
    ``rent:public`` (public rental in force)."""
    lease = (_frame(frames, "lease")
             .filter((pl.col("district") == district)
                     & in_force(pl.col("start"), pl.col("end"), as_of))
             .group_by(ID).agg(complex_id=pl.col("complex_id").sort_by(
                 ["start", "record_id"]).last()))
    rents = (_frame(frames, "complex_rent").filter(pl.col("year") <= as_of.year)
             .group_by("complex_id").agg(avg=(pl.col("average_rent") * 100).cast(pl.Int64)
                                         .sort_by("year").last()))
    lease = lease.join(rents, on="complex_id", how="left").select(
        ID, pl.col("avg").alias("rent:average"), pl.lit(True).alias("rent:lease"))
    spec = m.Spec("permit", {"record_type": "residence_permit"}, "permit", False, None, as_of)
    flags = {
        "rent:permit": m.permit(frames, spec).select(ID),
        "rent:home": m.home_owners(frames, "home_ownership", as_of),
        "rent:public": m.in_force_ids(frames, "public_rental", as_of),
    }
    parts = [lease] + [lf.unique().with_columns(pl.lit(True).alias(name))
                       for name, lf in flags.items()]
    out = parts[0]
    for p in parts[1:]:
        out = out.join(p, on=ID, how="full", coalesce=True)
    return out


def rent_columns(district: str = DEFAULT_DISTRICT, share: Decimal = Decimal("0.40"),
                 threshold: Decimal = Decimal(60)) -> list[pl.Expr]:
    """``rent_subsidy_<district>`` (fen, half-up) and ``rent_subsidy_eligible``; expects
    ``score_<district>``, ``frozen_<district>``, ``is_minor`` and the facts columns."""
    share_h, threshold_h = m.hundredths(share), m.hundredths(threshold)
    avg = pl.col("rent:average")
    amount = (avg * share_h + 50) // 100
    flag = [pl.col(c).fill_null(False) for c in
            ("rent:lease", "rent:permit", "rent:home", "rent:public")]
    eligible = ((pl.col(f"score_{district}") >= threshold_h) & flag[0] & flag[1] & ~flag[2]
                & ~flag[3] & ~pl.col(f"frozen_{district}"))
    minor = pl.col("is_minor")
    return [amount.alias(f"rent_subsidy_{district}"),
            pl.when(minor).then(None).otherwise(eligible.fill_null(False))
            .alias("rent_subsidy_eligible")]

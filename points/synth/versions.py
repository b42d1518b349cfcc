"""Replays, corrections and retractions added to a type's rows."""

from __future__ import annotations

import polars as pl

from points.feeds.schema import TYPES, Kind
from points.synth.rng import Rng

CORRECTION = {  # the field a correction changes (dates move earlier: never past a later date)
    "residence_registration": "arrived_on", "residence_permit": "count_start",
    "marriage": "since", "employment": "start", "skill_certificate": "issued_on",
    "shortage_post": "start", "diploma": "issued_on", "lease": "start",
    "home_ownership": "start", "public_rental": "start", "dormitory": "start",
    "complex_rent": "average_rent", "insured_employees": "insured_count",
    "patent": "granted_on", "award": "awarded_on", "volunteer_service": "hours",
    "blood_donation": "donated_on", "donor": "on", "admin_penalty": "decided_on",
    "false_material": "found_on", "dishonesty_listing": "listed_on",
    "criminal_conviction": "convicted_on", "district_item": "on",
}


def with_versions(df: pl.DataFrame, name: str, rng: Rng) -> pl.DataFrame:
    """Add replays (1 %), corrections (1.5 %, half arriving before the original) and
    retractions (0.5 %, half of them later restored by a version 3)."""
    r = pl.col("_r")
    df = df.with_columns(_r=rng.u("ver-" + name), version=pl.lit(1, pl.Int64),
                         op=pl.lit("upsert"), _slot=pl.lit(1))
    field = CORRECTION.get(name)
    kind = TYPES[name].by_name[field].kind if field else None
    extra = [df.filter(r < 0.01).with_columns(_slot=pl.lit(2)),
             df.filter((r >= 0.025) & (r < 0.03)).with_columns(version=2, op=pl.lit("retract"),
                                                               _slot=pl.lit(3)),
             df.filter((r >= 0.025) & (r < 0.0275)).with_columns(version=3, _slot=pl.lit(4))]
    if field:
        change = (pl.col(field) - rng.int("cor", 1, 30) if kind == Kind.DATE
                  else pl.col(field) + (1000 if kind in (Kind.MONEY, Kind.HOURS) else 1))
        extra.append(df.filter((r >= 0.01) & (r < 0.025)).with_columns(
            change.alias(field), version=2,
            _slot=pl.when(r < 0.0175).then(0).otherwise(3)))
    return pl.concat([df, *extra], how="diagonal_relaxed").sort("_key", "_slot")


"""Record builders: residence registrations and permits, guardianships, marriages."""

from __future__ import annotations

import polars as pl

from points.synth.frames import pick
from points.synth.people import with_id
from points.synth.places import NONRESIDENT_ORIGINS, STREET_WEIGHTS
from points.synth.rng import Rng


def registrations(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    reg = pl.col("reg")
    late = pl.when(rng.u("late") < 0.9).then(rng.int("arr", 0, 3)).otherwise(rng.int("arr2", 4, 40))
    cur = P.with_columns(
        registered_on=reg, arrived_on=reg - late,
        ended_on=pl.when((rng.u("ended") < 0.03) & (reg < d))
        .then(reg + ((d - reg) * rng.u("end-at")).cast(pl.Int64)),
        complex_id=pl.when(rng.u("cx?") < 0.9).then("complex_id"),
        unit=pl.when(rng.u("unit?") < 0.85).then("unit"))
    moved = (P.filter((rng.u("moved", "idx") < 0.07) & (reg < d - 400))
             .with_columns(_key=pl.col("_key") + 1, street=rng.choice("street2", STREET_WEIGHTS))
             .with_columns(district=pl.col("street").str.slice(0, 6),
                           complex_id=pl.format("{}-{}", "street", pl.lit("0001")),
                           ended_on=reg - rng.int("gap", 1, 30))
             .with_columns(registered_on=pl.col("ended_on") - rng.int("stay", 100, 2000))
             .with_columns(arrived_on=pl.col("registered_on") - rng.int("arr3", 0, 3)))
    return pl.concat([cur, moved], how="diagonal_relaxed")


def permits(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = (pick(P, rng, "permit", 0.8, ~pl.col("kid") & (pl.col("reg") <= d - 183))
          .with_columns(issued_on=pl.col("reg") + 183 + rng.int("iss", 0, 90))
          .filter(pl.col("issued_on") <= d)
          .with_columns(kk=(d - pl.col("issued_on")) // 365, r=rng.u("pstate")))
    iss, kk, r = pl.col("issued_on"), pl.col("kk"), pl.col("r")
    susp, late = (r >= 0.85) & (r < 0.92) & (kk >= 1), (r >= 0.92) & (r < 0.97) & (kk >= 2)
    late_on = iss + 365 + rng.int("late-end", 5, 60)
    return df.with_columns(
        last_endorsed_on=pl.when((r < 0.85) & (kk >= 1)).then(iss + kk * 365 - rng.int("e", 1, 25))
        .when(susp & (kk >= 2)).then(iss + (kk - 1) * 365 - 10).when(late).then(late_on),
        suspended_on=pl.when(susp).then(iss + kk * 365).when(late).then(iss + 365),
        ended_on=pl.when(r >= 0.97).then(iss + ((d - iss) * rng.u("pend")).cast(pl.Int64)),
        count_start=pl.when(late).then(late_on).otherwise("reg"),
        permit_no=pl.concat_str("district", (iss.cast(pl.Int32).cast(pl.Date).dt.year() % 100)
                                .cast(pl.String).str.zfill(2),
                                (pl.col("idx") % 10**8).cast(pl.String).str.zfill(8)))


def household(P: pl.DataFrame, slot: int, name: str) -> pl.DataFrame:
    return P.filter(pl.col("slot") == slot).select(
        hh=pl.col("idx") // 4, **{name: "id_number", name + "_birth": "birth"})


def guardianships(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    kids = (P.filter("kid").with_columns(hh=pl.col("idx") // 4)
            .join(household(P, 0, "g0"), on="hh")
            .join(household(P, 1, "g1"), on="hh", how="left"))
    rows = [kids.select("_key", id_number="g0", child_id_number="id_number", since="birth"),
            kids.filter(pl.col("couple") & pl.col("g1").is_not_null()).select(
                _key=pl.col("_key") + 1, id_number="g1", child_id_number="id_number",
                since="birth")]
    return pl.concat(rows)


def spouse_pairs(P: pl.DataFrame, rng: Rng, d: int) -> pl.DataFrame:
    """Marriages: couples of a household, and residents married to non-residents."""
    pairs = (P.filter((pl.col("slot") == 0) & pl.col("couple")).with_columns(hh=pl.col("idx") // 4)
             .join(household(P, 1, "sp"), on="hh")
             .with_columns(sb=pl.max_horizontal("birth", "sp_birth")))
    lone = ((pl.col("slot") >= 2) | ~pl.col("couple")) & ~pl.col("kid") & (pl.col("age") >= 22)
    other = pick(P, rng, "nonres", 0.3, lone).with_columns(
        sb=pl.col("birth") + rng.int("sp-age", -1500, 1500))
    other = with_id(other, "sp", rng.choice("sp-addr", NONRESIDENT_ORIGINS), pl.col("sb"),
                    (pl.col("idx") % 499) * 2 + pl.when(pl.col("male")).then(2).otherwise(1)
                    ).with_columns(own=True)
    df = pl.concat([pairs.with_columns(own=False), other], how="diagonal_relaxed")
    since = pl.min_horizontal(pl.col("sb") + 22 * 365 + rng.int("wed", 0, 3000), d - 1)
    return df.with_columns(since=since).with_columns(ended_on=pl.when(rng.u("div") < 0.05).then(
        pl.col("since") + ((d - pl.col("since")) * rng.u("div-at")).cast(pl.Int64)))


def marriages(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    return spouse_pairs(P, rng, d).rename({"sp": "spouse_id_number"})


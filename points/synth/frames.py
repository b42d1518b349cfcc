"""What the record builders share: their signature, one row per (person, k), sampling,
month arithmetic, dated stints."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from points.synth.rng import Rng

#: persons of a chunk, the randomness, D as a day number, the employer pool → rows of one
#: record type (dates as day numbers, helper columns allowed: ``write.finish`` drops them)
Builder = Callable[[pl.DataFrame, Rng, int, pl.Series], pl.DataFrame]


def explode(df: pl.DataFrame, n: pl.Expr) -> pl.DataFrame:
    """One row per (person, k) for k in 0..n-1; ``_key`` becomes person*64 + k."""
    return (df.with_columns(k=pl.int_ranges(0, n)).explode("k")
            .filter(pl.col("k").is_not_null()).with_columns(_key=pl.col("idx") * 64 + pl.col("k")))


def pick(df: pl.DataFrame, rng: Rng, stream: str, p: float, where: pl.Expr | None = None
         ) -> pl.DataFrame:
    cond = rng.u(stream, "idx") < p
    return df.filter(cond if where is None else cond & where)


def month(day: pl.Expr) -> pl.Expr:
    """Month index (year*12 + month-1) of a day number."""
    date = day.cast(pl.Int32).cast(pl.Date)
    return date.dt.year().cast(pl.Int64) * 12 + date.dt.month().cast(pl.Int64) - 1


def month_str(m: pl.Expr) -> pl.Expr:
    return pl.format("{}-{}", m // 12, (m % 12 + 1).cast(pl.String).str.zfill(2))


def stint(df: pl.DataFrame, rng: Rng, d: int, name: str, lo: int, hi: int, p_end: float
          ) -> pl.DataFrame:
    """start within [d-hi, d-lo]; an end (on or after start) with probability p_end."""
    df = df.with_columns(start=d - rng.int(name + "-s", lo, hi))
    return df.with_columns(end=pl.when(rng.u(name + "-e?") < p_end).then(
        pl.col("start") + ((d - pl.col("start")) * rng.u(name + "-e")).cast(pl.Int64)))


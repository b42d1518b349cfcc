"""Record builders: homes (own and a non-resident spouse's), leases, public rentals,
dormitories, and the complex rents (not per person)."""

from __future__ import annotations

import polars as pl

from points.synth.family import spouse_pairs
from points.synth.frames import stint
from points.synth.places import COMPLEXES, FIRST_YEAR_RENT, STREET_WEIGHTS
from points.synth.rng import Rng


def _housing_state(P: pl.DataFrame, rng: Rng, state: str) -> pl.DataFrame:
    r = rng.u("house", "idx")
    bounds = {"own": (0, 0.07), "lease": (0.07, 0.52), "dorm": (0.52, 0.70),
              "public": (0.70, 0.73)}[state]
    return P.filter(~pl.col("kid") & (r >= bounds[0]) & (r < bounds[1]))


def homes(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    own = stint(_housing_state(P, rng, "own"), rng, d, "ho", 30, 5000, 0.03)
    spouses = spouse_pairs(P, rng, d).filter(pl.col("own") & (rng.u("sp-own", "idx") < 0.2))
    spouses = stint(spouses.with_columns(id_number="sp", _key=pl.col("_key") + 1),
                    rng, d, "hs", 30, 5000, 0.0)
    df = pl.concat([own, spouses], how="diagonal_relaxed")
    return df.with_columns(complex_id=pl.when(rng.u("ho-cx") < 0.7).then("complex_id"))


def _base_rent(street: pl.Expr, complex_no: pl.Expr, rng: Rng) -> pl.Expr:
    """Market rent (fen) of a complex, a pure function of its code."""
    key = street.cast(pl.Int64) % 10**7 * 100 + complex_no
    return (rng.int("rent", 800, 5000, key)) * 100


def leases(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = stint(_housing_state(P, rng, "lease"), rng, d, "ls", 10, 1500, 0.0)
    rent = _base_rent(pl.col("street"), pl.col("complex_no"), rng) * rng.int("ls-r", 80, 120) // 100
    return df.with_columns(monthly_rent=rent // 100 * 100, end=pl.when(rng.u("ls-e?") < 0.6).then(
        pl.col("start") + 365 * rng.int("ls-y", 1, 3) - 1))


def public_rentals(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    return stint(_housing_state(P, rng, "public"), rng, d, "pr", 10, 2000, 0.1)


def dormitories(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = stint(_housing_state(P, rng, "dorm"), rng, d, "dm", 10, 2000, 0.1)
    return df.with_columns(employer_uscc=pool.gather(df.select(rng.h("dm-e") % len(pool))
                                                     .to_series()))


def complex_rents(rng: Rng, year: int) -> pl.DataFrame:
    years = list(range(FIRST_YEAR_RENT, year + 1))
    df = pl.DataFrame({"street": list(STREET_WEIGHTS)}).join(
        pl.DataFrame({"complex_no": list(range(1, COMPLEXES + 1))}), how="cross").join(
        pl.DataFrame({"year": years}), how="cross").with_row_index("_key")
    rent = (_base_rent(pl.col("street"), pl.col("complex_no"), rng)
            * (100 + 3 * (pl.col("year") - FIRST_YEAR_RENT)) // 100)
    return df.with_columns(
        _key=pl.col("_key").cast(pl.Int64) * 64 + 2**40, district=pl.col("street").str.slice(0, 6),
        complex_id=pl.format("{}-{}", "street", pl.col("complex_no").cast(pl.String).str.zfill(4)),
        average_rent=rent // 50 * 50)


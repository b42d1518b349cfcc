"""Identities and persons: ID numbers (GB 11643), employer credit codes (GB 32100), and
chunks of persons (households of four slots, ages, homes, registration dates)."""

from __future__ import annotations

import polars as pl

from points.identifiers import USCC_ALPHABET, uscc_check_character
from points.synth.places import COMPLEXES, DISTRICTS, ORIGINS, STREET_WEIGHTS
from points.synth.rng import Rng


def with_id(df: pl.DataFrame, name: str, addr: pl.Expr, birth: pl.Expr, seq: pl.Expr
            ) -> pl.DataFrame:
    """Add an 18-character ID number column (check character vectorised: GB 11643, the
    rule of ``points.identifiers.id_check_character``)."""
    first17 = pl.concat_str(addr, birth.cast(pl.Int32).cast(pl.Date).dt.strftime("%Y%m%d"),
                            seq.cast(pl.String).str.zfill(3))
    df = df.with_columns(_f17=first17)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    f17 = pl.col("_f17")
    total = pl.sum_horizontal([f17.str.slice(i, 1).cast(pl.Int64) * w
                               for i, w in enumerate(weights)])
    check = (total % 11).replace_strict(dict(enumerate("10X98765432")), return_dtype=pl.String)
    return df.with_columns(pl.concat_str(f17, check).alias(name)).drop("_f17")


def employers(n: int, seed: int) -> pl.Series:
    """A pool of valid unified social credit codes (``uscc_check_character`` per code)."""
    rng = Rng(seed)
    alpha = dict(enumerate(USCC_ALPHABET))
    body = pl.DataFrame({"_key": pl.int_range(n, eager=True)}).select(pl.concat_str(
        rng.choice("uscc-kind", {"91": 9, "92": 1}), rng.choice("uscc-d", DISTRICTS),
        *[(rng.h(f"uscc{i}") % 31).replace_strict(alpha, return_dtype=pl.String)
          for i in range(9)]).alias("b"))["b"]
    return pl.Series("uscc", [b + uscc_check_character(b) for b in body])


def _ages(rng: Rng, key: pl.Expr) -> pl.Expr:
    """Adult ages 16–70, most 20–45 (a peaked sum of two uniforms)."""
    r = rng.u("age-band", key)
    young = rng.int("age-a", 10, 22, key) + rng.int("age-b", 10, 23, key)
    return (pl.when(r < 0.03).then(rng.int("age-t", 16, 19, key))
            .when(r < 0.85).then(young).otherwise(rng.int("age-o", 46, 70, key)))


def person_chunk(lo: int, hi: int, rng: Rng, d: int, offsets: pl.DataFrame
                 ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One chunk of persons; ``offsets`` carries ID sequence numbers across chunks."""
    idx = pl.col("idx")
    hh = (idx // 4) * 4 + 3_000_000_000
    df = pl.DataFrame({"idx": pl.int_range(lo, hi, dtype=pl.Int64, eager=True)}).with_columns(
        slot=idx % 4, _key=idx * 64, couple=rng.u("couple", hh) < 0.55,
        street=rng.choice("street", STREET_WEIGHTS, hh), complex_no=rng.int("cx", 1, COMPLEXES, hh),
        male=rng.u("male", idx) < 0.54, head_age=_ages(rng, idx - idx % 4))
    slot = pl.col("slot")
    minor = ((slot == 2) & (rng.u("kid", idx) < 0.35)) | ((slot == 3) & (rng.u("kid", idx) < 0.12))
    child_age = pl.max_horizontal(0, pl.min_horizontal(rng.int("kid-age", 0, 17, idx),
                                                        pl.col("head_age") - 20))
    df = df.with_columns(kid=minor, age=pl.when(minor).then(child_age).otherwise(_ages(rng, idx)))
    df = df.with_columns(
        birth=(d - pl.col("age") * 36525 // 100 - rng.int("bday", 3, 364, idx)).cast(pl.Int32))
    df = (df.with_columns(rank=pl.int_range(pl.len()).over("birth", "male"))
          .join(offsets, on=["birth", "male"], how="left")
          .with_columns(s=pl.col("rank") + pl.col("off").fill_null(0)))
    new_off = (pl.concat([offsets, df.group_by("birth", "male").agg(off=pl.len().cast(pl.Int64))])
               .group_by("birth", "male").agg(pl.col("off").sum()))
    k = len(ORIGINS)
    addr = ((rng.h("addr", pl.col("birth") + 200_000) + pl.col("s")) % k).replace_strict(
        dict(enumerate(ORIGINS)), return_dtype=pl.String)
    seq = (pl.col("s") // k) * 2 + pl.when(pl.col("male")).then(1).otherwise(2)
    years = rng.u("reg", idx).pow(1.6) * 11
    reg = pl.when(rng.u("future", idx) < 0.003).then(d + rng.int("fut", 1, 60, idx)).otherwise(
        pl.max_horizontal(d - (years * 365).cast(pl.Int64), pl.col("birth") + 1))
    df = with_id(df, "id_number", addr, pl.col("birth"), seq).with_columns(
        district=pl.col("street").str.slice(0, 6),
        complex_id=pl.format("{}-{}", "street", pl.col("complex_no").cast(pl.String).str.zfill(4)),
        unit=pl.format("{}-{}-{}0{}", rng.int("bld", 1, 30, hh), rng.int("un", 1, 4, hh),
                       rng.int("fl", 1, 18, hh), rng.int("rm", 1, 4, hh)),
        reg=reg.cast(pl.Int64),
        worker=(~minor) & (pl.col("age") <= 62) & (rng.u("worker", idx) < 0.82))
    return df.drop("rank", "off", "s"), new_off


"""Record builders: social insurance, employment, diplomas, skills, shortage posts,
insured employees of one's own business and trade-union membership."""

from __future__ import annotations

import polars as pl

from points.synth.frames import explode, month, month_str, pick, stint
from points.synth.places import PROVINCE
from points.synth.rng import Rng


def insurance(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    cur = month(pl.lit(d))
    df = explode(P.filter("worker"), rng.int("si-n", 1, 4, "idx")).sort("_key")
    step = rng.int("si-len", 3, 40) + pl.when(rng.u("si-g") < 0.6).then(0).otherwise(
        rng.int("si-gap", 1, 8))
    end0 = cur - pl.when(rng.u("si-cur", "idx") < 0.8).then(0).otherwise(
        rng.int("si-e", 1, 24, "idx"))
    df = df.with_columns(step=step, length=rng.int("si-len", 3, 40)).with_columns(
        last_month=end0 - (pl.col("step").cum_sum() - pl.col("step")).over("idx"),
        floor=pl.max_horizontal(month(pl.col("birth")) + 16 * 12, month(pl.col("reg")) - 36))
    df = df.with_columns(first_month=pl.max_horizontal(
        pl.col("last_month") - pl.col("length") + 1, "floor")).filter(
        pl.col("last_month") >= pl.col("first_month"))
    extra = (df.filter((pl.col("k") == 0) & (rng.u("si-2nd", "idx") < 0.08))
             .with_columns(_key=pl.col("_key") + 10,
                           first_month=pl.min_horizontal(pl.col("first_month") + 2, "last_month"))
             .with_columns(last_month=pl.min_horizontal(pl.col("first_month") + 6, "last_month")))
    df = pl.concat([df, extra])
    df = df.with_columns(
        first_month=month_str(pl.col("first_month")), last_month=month_str(pl.col("last_month")),
        district=pl.when(rng.u("si-d") < 0.9).then("district").otherwise(
            rng.choice("si-prov", PROVINCE)))
    return df.with_columns(employer_uscc=pool.gather(df.select(rng.h("emp") % len(pool))
                                                     .to_series()))


def employment(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = explode(pick(P, rng, "emp", 0.85, pl.col("worker")), rng.int("em-n", 1, 3, "idx"))
    gap = pl.when(rng.u("em-g") < 0.5).then(rng.int("em-gs", 1, 32)).otherwise(
        rng.int("em-gl", 33, 300))
    df = df.sort("_key").with_columns(length=rng.int("em-len", 90, 1500), gap=gap).with_columns(
        start=d - rng.int("em-s0", 30, 2000, "idx")
        - (pl.col("length") + pl.col("gap")).cum_sum().over("idx")
        + pl.col("length") + pl.col("gap"))
    r = rng.u("em-end", "idx")
    last_end = (pl.when(r < 0.4).then(None).when(r < 0.75).then(d + rng.int("em-f", 1, 900))
                .otherwise(pl.col("start")
                           + ((d - pl.col("start")) * rng.u("em-p")).cast(pl.Int64)))
    df = df.with_columns(end=pl.when(pl.col("k") == 0).then(last_end)
                         .otherwise(pl.col("start") + pl.col("length")),
                         kind=rng.choice("em-kind", {"contract": 80, "registration": 12,
                                                     "business_licence": 6, "land_contract": 2}))
    return df.filter(pl.col("start") >= pl.col("birth") + 16 * 365)


def diplomas(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    years = {"below_high_school": 16, "high_school": 18, "junior_college": 21, "bachelor": 22,
             "master": 25, "doctor": 28}
    df = explode(pick(P, rng, "dip", 0.65, ~pl.col("kid")),
                 1 + (rng.u("dip2", "idx") < 0.08).cast(pl.Int64))
    df = df.with_columns(level=rng.choice("dip-l", {"below_high_school": 15, "high_school": 30,
                         "junior_college": 25, "bachelor": 22, "master": 6, "doctor": 2}))
    age = pl.col("level").replace_strict(years, return_dtype=pl.Int64)
    return df.with_columns(issued_on=pl.col("birth") + age * 365 + rng.int("dip-d", 0, 300)
                           ).filter(pl.col("issued_on") <= d)


def skills(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = pick(P, rng, "skill", 0.22, ~pl.col("kid")).with_columns(
        kind=rng.choice("sk-k", {"level": 60, "title": 25, "special": 15}))
    return df.with_columns(
        level=pl.when(pl.col("kind") == "level").then(
            rng.choice("sk-l", {5: 30, 4: 30, 3: 20, 2: 12, 1: 8})),
        title=pl.when(pl.col("kind") == "title").then(
            rng.choice("sk-t", {"junior": 50, "intermediate": 35, "senior": 15})),
        issued_on=pl.max_horizontal(d - rng.int("sk-d", 30, 4000), pl.col("birth") + 18 * 365)
    ).filter(pl.col("issued_on") <= d)


def shortage(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = stint(pick(P, rng, "short", 0.04, pl.col("worker")), rng, d, "sp", 30, 1500, 0.2)
    return df.with_columns(occupation_code=rng.choice("sp-o", ("4-10-01-02", "4-01-02-01",
                                                               "6-18-01-01", "2-02-07-04")))


def insured(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = explode(pick(P, rng, "biz", 0.02, pl.col("worker")), rng.int("bz-n", 1, 2, "idx"))
    df = df.with_columns(b=rng.h("bz-u") % len(pool), idx2=pl.col("_key"))
    df = df.with_columns(business_uscc=pool.gather(df["b"]))
    df = (df.with_columns(j=pl.int_ranges(0, rng.int("bz-r", 1, 3))).explode("j")
          .with_columns(_key=pl.col("_key") + 8 * pl.col("j") + 4))
    return df.with_columns(as_of=d - 30 - 91 * pl.col("j") - rng.int("bz-d", 0, 20),
                           insured_count=rng.int("bz-c", 0, 30))



def unions(P: pl.DataFrame, rng: Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    """Trade-union membership in one's district (no points: the union scenarios, §8.1)."""
    return stint(pick(P, rng, "union", 0.12, pl.col("worker")), rng, d, "um", 30, 3000, 0.1)

"""Synthetic population of new residents, as department feeds (docs: feeds.md).

``generate(n, seed, out_dir)`` writes every record type of ``points.feeds.schema`` for ``n``
invented residents over the ten districts of domain §3: ages, permits, overlapping insurance
periods with two employers, employment spells with gaps, diplomas, skills, homes, spouses and
children, the rare bonus and deduction records, district items (patrol in 330226), plus
replays, corrections (sometimes arriving first) and retractions. ID numbers and credit codes
verify (GB 11643 / GB 32100).

Generation is columnar (Polars expressions over a chunk of person indices, no per-person
Python) and deterministic: every random draw is a pure hash of (seed, stream, person, k), so
the output does not depend on the chunk size. Memory is bounded by one chunk; Parquet files
are appended chunk by chunk (one file per record type), JSON Lines / CSV for small runs.
"""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from points.feeds.schema import TYPES, Kind
from points.feeds.writers import arrow_schema
from points.identifiers import USCC_ALPHABET, uscc_check_character

EPOCH = dt.date(1970, 1, 1)
CHUNK = 250_000  # persons per chunk (a multiple of 4: households never straddle chunks)
DISTRICT_WEIGHTS = {  # relative share of new residents
    "330203": 8, "330205": 6, "330206": 12, "330211": 6, "330212": 16,
    "330213": 5, "330225": 5, "330226": 6, "330281": 14, "330282": 22,
}
DISTRICTS = tuple(DISTRICT_WEIGHTS)
STREETS = {
    "330203": ("001", "004", "009", "100"), "330205": ("001", "006", "007", "103"),
    "330206": ("002", "004", "006", "009"), "330211": ("001", "002", "003", "004"),
    "330212": ("001", "002", "006", "110"), "330213": ("001", "002", "003", "100"),
    "330225": ("001", "002", "101", "102"), "330226": ("001", "002", "101", "111"),
    "330281": ("001", "002", "004", "103"), "330282": ("002", "004", "107", "121"),
}
STREET_WEIGHTS = {d + s: w for d, w in DISTRICT_WEIGHTS.items() for s in STREETS[d]}
COMPLEXES = 40  # per street
ORIGINS = (  # address codes of first registration (Ningbo's own old codes included)
    "340102", "341221", "341222", "341226", "341321", "411627", "411323", "411621",
    "421023", "421127", "431121", "430524", "500236", "510722", "510921", "511621",
    "522422", "522425", "530381", "520221", "620523", "360732", "361121", "320721",
    "331082", "330204", "330227", "330283", "350583", "450881",
)
NONRESIDENT_ORIGINS = ("110105", "310115", "440305", "370203")
PROVINCE = ("330106", "330110", "330302", "330402", "330602", "330782")
FIRST_YEAR_RENT = 2020


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


# ---- deterministic randomness --------------------------------------------------------

_M = 0xFFFFFFFF


def _mix(x: pl.Series) -> pl.Series:
    """A 32-bit integer hash (Wellons' lowbias32) on UInt64 values < 2**32: no overflow.
    Eager Series arithmetic (an expression would repeat ``x`` at every step)."""
    x = x ^ (x // 65536)
    x = (x * 0x7FEB352D) & _M
    x = x ^ (x // 32768)
    x = (x * 0x846CA68B) & _M
    return x ^ (x // 65536)


def _hash(k: pl.Series, salt: int) -> pl.Series:
    k = k.cast(pl.UInt64)
    return _mix(_mix((k & _M) ^ salt) ^ (k // 2**32) ^ (salt >> 7))


class _Rng:
    def __init__(self, seed: int) -> None:
        self.seed = seed

    def h(self, stream: str, key: pl.Expr | str = "_key") -> pl.Expr:
        """Uniform UInt64 in [0, 2**32) from (seed, stream, key)."""
        salt = zlib.crc32(f"{self.seed}:{stream}".encode())
        k = pl.col(key) if isinstance(key, str) else key
        return k.map_batches(lambda s: _hash(s, salt), return_dtype=pl.UInt64)

    def u(self, stream: str, key: pl.Expr | str = "_key") -> pl.Expr:
        """Uniform float in [0, 1) (floats only steer the generator, never points)."""
        return self.h(stream, key) / 2**32

    def int(self, stream: str, lo: int, hi: int, key: pl.Expr | str = "_key") -> pl.Expr:
        """Uniform Int64 in [lo, hi]."""
        return (self.h(stream, key) % (hi - lo + 1)).cast(pl.Int64) + lo

    def choice(self, stream: str, values: dict | tuple, key: pl.Expr | str = "_key"
               ) -> pl.Expr:
        """Weighted choice among ``values`` (a tuple: equal weights)."""
        weights = values if isinstance(values, dict) else dict.fromkeys(values, 1)
        x = self.h(stream, key) % sum(weights.values())
        expr: Any = None
        acc = 0
        for v, w in weights.items():
            acc += w
            expr = (pl.when(x < acc).then(pl.lit(v)) if expr is None
                    else expr.when(x < acc).then(pl.lit(v)))
        return expr.otherwise(pl.lit(v))


# ---- identifiers ---------------------------------------------------------------------

def _with_id(df: pl.DataFrame, name: str, addr: pl.Expr, birth: pl.Expr, seq: pl.Expr
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


def _employers(n: int, seed: int) -> pl.Series:
    """A pool of valid unified social credit codes (``uscc_check_character`` per code)."""
    rng = _Rng(seed)
    alpha = dict(enumerate(USCC_ALPHABET))
    body = pl.DataFrame({"_key": pl.int_range(n, eager=True)}).select(pl.concat_str(
        rng.choice("uscc-kind", {"91": 9, "92": 1}), rng.choice("uscc-d", DISTRICTS),
        *[(rng.h(f"uscc{i}") % 31).replace_strict(alpha, return_dtype=pl.String)
          for i in range(9)]).alias("b"))["b"]
    return pl.Series("uscc", [b + uscc_check_character(b) for b in body])


# ---- persons -------------------------------------------------------------------------

def _ages(rng: _Rng, key: pl.Expr) -> pl.Expr:
    """Adult ages 16–70, most 20–45 (a peaked sum of two uniforms)."""
    r = rng.u("age-band", key)
    young = rng.int("age-a", 10, 22, key) + rng.int("age-b", 10, 23, key)
    return (pl.when(r < 0.03).then(rng.int("age-t", 16, 19, key))
            .when(r < 0.85).then(young).otherwise(rng.int("age-o", 46, 70, key)))


def _persons(lo: int, hi: int, rng: _Rng, d: int, offsets: pl.DataFrame
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
    df = _with_id(df, "id_number", addr, pl.col("birth"), seq).with_columns(
        district=pl.col("street").str.slice(0, 6),
        complex_id=pl.format("{}-{}", "street", pl.col("complex_no").cast(pl.String).str.zfill(4)),
        unit=pl.format("{}-{}-{}0{}", rng.int("bld", 1, 30, hh), rng.int("un", 1, 4, hh),
                       rng.int("fl", 1, 18, hh), rng.int("rm", 1, 4, hh)),
        reg=reg.cast(pl.Int64),
        worker=(~minor) & (pl.col("age") <= 62) & (rng.u("worker", idx) < 0.82))
    return df.drop("rank", "off", "s"), new_off


def _explode(df: pl.DataFrame, n: pl.Expr) -> pl.DataFrame:
    """One row per (person, k) for k in 0..n-1; ``_key`` becomes person*64 + k."""
    return (df.with_columns(k=pl.int_ranges(0, n)).explode("k")
            .filter(pl.col("k").is_not_null()).with_columns(_key=pl.col("idx") * 64 + pl.col("k")))


def _pick(df: pl.DataFrame, rng: _Rng, stream: str, p: float, where: pl.Expr | None = None
          ) -> pl.DataFrame:
    cond = rng.u(stream, "idx") < p
    return df.filter(cond if where is None else cond & where)


def _ago(rng: _Rng, stream: str, d: int, lo: int, hi: int) -> pl.Expr:
    return d - rng.int(stream, lo, hi)


def _money(fen: pl.Expr) -> pl.Expr:
    return pl.format("{}.{}", fen // 100, (fen % 100).cast(pl.String).str.zfill(2))


def _month(day: pl.Expr) -> pl.Expr:
    """Month index (year*12 + month-1) of a day number."""
    date = day.cast(pl.Int32).cast(pl.Date)
    return date.dt.year().cast(pl.Int64) * 12 + date.dt.month().cast(pl.Int64) - 1


def _month_str(m: pl.Expr) -> pl.Expr:
    return pl.format("{}-{}", m // 12, (m % 12 + 1).cast(pl.String).str.zfill(2))


# ---- record builders: persons chunk -> rows of one type (dates as day numbers) --------

def _registrations(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
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


def _permits(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = (_pick(P, rng, "permit", 0.8, ~pl.col("kid") & (pl.col("reg") <= d - 183))
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


def _household(P: pl.DataFrame, slot: int, name: str) -> pl.DataFrame:
    return P.filter(pl.col("slot") == slot).select(
        hh=pl.col("idx") // 4, **{name: "id_number", name + "_birth": "birth"})


def _guardianships(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    kids = (P.filter("kid").with_columns(hh=pl.col("idx") // 4)
            .join(_household(P, 0, "g0"), on="hh")
            .join(_household(P, 1, "g1"), on="hh", how="left"))
    rows = [kids.select("_key", id_number="g0", child_id_number="id_number", since="birth"),
            kids.filter(pl.col("couple") & pl.col("g1").is_not_null()).select(
                _key=pl.col("_key") + 1, id_number="g1", child_id_number="id_number",
                since="birth")]
    return pl.concat(rows)


def _spouses(P: pl.DataFrame, rng: _Rng, d: int) -> pl.DataFrame:
    """Marriages: couples of a household, and residents married to non-residents."""
    pairs = (P.filter((pl.col("slot") == 0) & pl.col("couple")).with_columns(hh=pl.col("idx") // 4)
             .join(_household(P, 1, "sp"), on="hh")
             .with_columns(sb=pl.max_horizontal("birth", "sp_birth")))
    lone = ((pl.col("slot") >= 2) | ~pl.col("couple")) & ~pl.col("kid") & (pl.col("age") >= 22)
    other = _pick(P, rng, "nonres", 0.3, lone).with_columns(
        sb=pl.col("birth") + rng.int("sp-age", -1500, 1500))
    other = _with_id(other, "sp", rng.choice("sp-addr", NONRESIDENT_ORIGINS), pl.col("sb"),
                     (pl.col("idx") % 499) * 2 + pl.when(pl.col("male")).then(2).otherwise(1)
                     ).with_columns(own=True)
    df = pl.concat([pairs.with_columns(own=False), other], how="diagonal_relaxed")
    since = pl.min_horizontal(pl.col("sb") + 22 * 365 + rng.int("wed", 0, 3000), d - 1)
    return df.with_columns(since=since).with_columns(ended_on=pl.when(rng.u("div") < 0.05).then(
        pl.col("since") + ((d - pl.col("since")) * rng.u("div-at")).cast(pl.Int64)))


def _marriages(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    return _spouses(P, rng, d).rename({"sp": "spouse_id_number"})


def _insurance(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    cur = _month(pl.lit(d))
    df = _explode(P.filter("worker"), rng.int("si-n", 1, 4, "idx")).sort("_key")
    step = rng.int("si-len", 3, 40) + pl.when(rng.u("si-g") < 0.6).then(0).otherwise(
        rng.int("si-gap", 1, 8))
    end0 = cur - pl.when(rng.u("si-cur", "idx") < 0.8).then(0).otherwise(
        rng.int("si-e", 1, 24, "idx"))
    df = df.with_columns(step=step, length=rng.int("si-len", 3, 40)).with_columns(
        last_month=end0 - (pl.col("step").cum_sum() - pl.col("step")).over("idx"),
        floor=pl.max_horizontal(_month(pl.col("birth")) + 16 * 12, _month(pl.col("reg")) - 36))
    df = df.with_columns(first_month=pl.max_horizontal(
        pl.col("last_month") - pl.col("length") + 1, "floor")).filter(
        pl.col("last_month") >= pl.col("first_month"))
    extra = (df.filter((pl.col("k") == 0) & (rng.u("si-2nd", "idx") < 0.08))
             .with_columns(_key=pl.col("_key") + 10,
                           first_month=pl.min_horizontal(pl.col("first_month") + 2, "last_month"))
             .with_columns(last_month=pl.min_horizontal(pl.col("first_month") + 6, "last_month")))
    df = pl.concat([df, extra])
    df = df.with_columns(
        first_month=_month_str(pl.col("first_month")), last_month=_month_str(pl.col("last_month")),
        district=pl.when(rng.u("si-d") < 0.9).then("district").otherwise(
            rng.choice("si-prov", PROVINCE)))
    return df.with_columns(employer_uscc=pool.gather(df.select(rng.h("emp") % len(pool))
                                                     .to_series()))


def _employment(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = _explode(_pick(P, rng, "emp", 0.85, pl.col("worker")), rng.int("em-n", 1, 3, "idx"))
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


def _diplomas(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    years = {"below_high_school": 16, "high_school": 18, "junior_college": 21, "bachelor": 22,
             "master": 25, "doctor": 28}
    df = _explode(_pick(P, rng, "dip", 0.65, ~pl.col("kid")),
                  1 + (rng.u("dip2", "idx") < 0.08).cast(pl.Int64))
    df = df.with_columns(level=rng.choice("dip-l", {"below_high_school": 15, "high_school": 30,
                         "junior_college": 25, "bachelor": 22, "master": 6, "doctor": 2}))
    age = pl.col("level").replace_strict(years, return_dtype=pl.Int64)
    return df.with_columns(issued_on=pl.col("birth") + age * 365 + rng.int("dip-d", 0, 300)
                           ).filter(pl.col("issued_on") <= d)


def _skills(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = _pick(P, rng, "skill", 0.22, ~pl.col("kid")).with_columns(
        kind=rng.choice("sk-k", {"level": 60, "title": 25, "special": 15}))
    return df.with_columns(
        level=pl.when(pl.col("kind") == "level").then(
            rng.choice("sk-l", {5: 30, 4: 30, 3: 20, 2: 12, 1: 8})),
        title=pl.when(pl.col("kind") == "title").then(
            rng.choice("sk-t", {"junior": 50, "intermediate": 35, "senior": 15})),
        issued_on=pl.max_horizontal(d - rng.int("sk-d", 30, 4000), pl.col("birth") + 18 * 365)
    ).filter(pl.col("issued_on") <= d)


def _stint(df: pl.DataFrame, rng: _Rng, d: int, name: str, lo: int, hi: int, p_end: float
           ) -> pl.DataFrame:
    """start within [d-hi, d-lo]; an end (on or after start) with probability p_end."""
    df = df.with_columns(start=d - rng.int(name + "-s", lo, hi))
    return df.with_columns(end=pl.when(rng.u(name + "-e?") < p_end).then(
        pl.col("start") + ((d - pl.col("start")) * rng.u(name + "-e")).cast(pl.Int64)))


def _housing_state(P: pl.DataFrame, rng: _Rng, state: str) -> pl.DataFrame:
    r = rng.u("house", "idx")
    bounds = {"own": (0, 0.07), "lease": (0.07, 0.52), "dorm": (0.52, 0.70),
              "public": (0.70, 0.73)}[state]
    return P.filter(~pl.col("kid") & (r >= bounds[0]) & (r < bounds[1]))


def _shortage(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = _stint(_pick(P, rng, "short", 0.04, pl.col("worker")), rng, d, "sp", 30, 1500, 0.2)
    return df.with_columns(occupation_code=rng.choice("sp-o", ("4-10-01-02", "4-01-02-01",
                                                               "6-18-01-01", "2-02-07-04")))


def _homes(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    own = _stint(_housing_state(P, rng, "own"), rng, d, "ho", 30, 5000, 0.03)
    spouses = _spouses(P, rng, d).filter(pl.col("own") & (rng.u("sp-own", "idx") < 0.2))
    spouses = _stint(spouses.with_columns(id_number="sp", _key=pl.col("_key") + 1),
                     rng, d, "hs", 30, 5000, 0.0)
    df = pl.concat([own, spouses], how="diagonal_relaxed")
    return df.with_columns(complex_id=pl.when(rng.u("ho-cx") < 0.7).then("complex_id"))


def _base_rent(street: pl.Expr, complex_no: pl.Expr, rng: _Rng) -> pl.Expr:
    """Market rent (fen) of a complex, a pure function of its code."""
    key = street.cast(pl.Int64) % 10**7 * 100 + complex_no
    return (rng.int("rent", 800, 5000, key)) * 100


def _leases(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = _stint(_housing_state(P, rng, "lease"), rng, d, "ls", 10, 1500, 0.0)
    rent = _base_rent(pl.col("street"), pl.col("complex_no"), rng) * rng.int("ls-r", 80, 120) // 100
    return df.with_columns(monthly_rent=rent // 100 * 100, end=pl.when(rng.u("ls-e?") < 0.6).then(
        pl.col("start") + 365 * rng.int("ls-y", 1, 3) - 1))


def _public_rentals(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    return _stint(_housing_state(P, rng, "public"), rng, d, "pr", 10, 2000, 0.1)


def _dormitories(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = _stint(_housing_state(P, rng, "dorm"), rng, d, "dm", 10, 2000, 0.1)
    return df.with_columns(employer_uscc=pool.gather(df.select(rng.h("dm-e") % len(pool))
                                                     .to_series()))


def _complex_rents(rng: _Rng, year: int) -> pl.DataFrame:
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


def _insured(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    df = _explode(_pick(P, rng, "biz", 0.02, pl.col("worker")), rng.int("bz-n", 1, 2, "idx"))
    df = df.with_columns(b=rng.h("bz-u") % len(pool), idx2=pl.col("_key"))
    df = df.with_columns(business_uscc=pool.gather(df["b"]))
    df = (df.with_columns(j=pl.int_ranges(0, rng.int("bz-r", 1, 3))).explode("j")
          .with_columns(_key=pl.col("_key") + 8 * pl.col("j") + 4))
    return df.with_columns(as_of=d - 30 - 91 * pl.col("j") - rng.int("bz-d", 0, 20),
                           insured_count=rng.int("bz-c", 0, 30))


EVENTS = {  # record type → (share of adults, max records each, date field, max days ago, codes)
    "patent": (0.004, 3, "granted_on", 3650, {"kind": {"invention": 2, "utility": 5,
                                                        "design": 3}}),
    "award": (0.006, 2, "awarded_on", 3000, {"level": {"national": 1, "provincial": 3,
                                                        "city": 8, "district": 15}}),
    "volunteer_service": (0.10, 10, "served_on", 2000, {}),
    "blood_donation": (0.03, 5, "donated_on", 4000, {"kind": {"whole_blood": 85,
                                                               "platelet": 15}}),
    "donor": (0.005, 1, "on", 3000, {"kind": {"stem_cell_registered": 5,
                                              "organ_registered": 3, "stem_cell_donated": 1}}),
    "admin_penalty": (0.02, 2, "decided_on", 2500, {"kind": {"fine": 9, "detention": 1}}),
    "false_material": (0.001, 1, "found_on", 2000, {}),
    "dishonesty_listing": (0.002, 1, "listed_on", 3000, {}),
    "criminal_conviction": (0.001, 1, "convicted_on", 3650, {}),
}


def _events(name: str):
    share, most, field, days, codes = EVENTS[name]

    def build(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
        df = _explode(_pick(P, rng, name, share, ~pl.col("kid")),
                      rng.int(name + "-n", 1, most, "idx"))
        df = df.with_columns((d - rng.int(name + "-d", 1, days)).alias(field),
                             *[rng.choice(f"{name}-{c}", v).alias(c) for c, v in codes.items()])
        on = pl.col(field)
        if name == "volunteer_service":
            df = df.with_columns(hours=rng.int("vs-h", 2, 16) * 50)
        elif name == "dishonesty_listing":
            df = df.with_columns(lifted_on=pl.when(rng.u("dl-l?") < 0.3).then(
                on + ((d - on) * rng.u("dl-l")).cast(pl.Int64)))
        elif name == "criminal_conviction":
            df = df.with_columns(sentence_start=on + rng.int("cc-s", 0, 60)).with_columns(
                sentence_end=pl.col("sentence_start") + rng.int("cc-e", 90, 2500))
        return df
    return build


def _district_items(P: pl.DataFrame, rng: _Rng, d: int, pool: pl.Series) -> pl.DataFrame:
    adults = ~pl.col("kid")
    common = _pick(P, rng, "di", 0.04, adults).with_columns(
        item=rng.choice("di-i", {"courage": 10, "public_post": 20, "party_member": 20,
                                 "festival_stay": 35, "charity": 15}),
        on=d - rng.int("di-d", 1, 2500))
    common = common.with_columns(end=pl.when(
        ((pl.col("item") == "public_post") & (rng.u("di-e?") < 0.5))
        | ((pl.col("item") == "party_member") & (rng.u("di-e?") < 0.1)))
        .then(pl.col("on") + ((d - pl.col("on")) * rng.u("di-e")).cast(pl.Int64)))
    patrol = _explode(_pick(P, rng, "patrol", 0.15, adults & (pl.col("district") == "330226")),
                      rng.int("pt-n", 2, 10, "idx")).with_columns(
        _key=pl.col("_key") + 16, item=pl.lit("patrol"), on=d - rng.int("pt-d", 0, 540),
        hours=rng.int("pt-h", 2, 16) * 50)
    veteran = _pick(P, rng, "vet", 0.02, adults & (pl.col("district") == "330213")).with_columns(
        _key=pl.col("_key") + 40, item=pl.lit("veteran"), on=d - rng.int("vt-d", 1, 3000))
    return pl.concat([common, patrol, veteran], how="diagonal_relaxed")


BUILDERS = {
    "residence_registration": _registrations, "residence_permit": _permits,
    "guardianship": _guardianships, "marriage": _marriages,
    "social_insurance_period": _insurance, "employment": _employment,
    "skill_certificate": _skills, "shortage_post": _shortage, "diploma": _diplomas,
    "lease": _leases, "home_ownership": _homes, "public_rental": _public_rentals,
    "dormitory": _dormitories, "insured_employees": _insured,
    **{name: _events(name) for name in EVENTS}, "district_item": _district_items,
}
PREFIX = {name: "".join(w[0] for w in name.split("_")).upper()[:3] + "-" for name in TYPES}
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


def _versions(df: pl.DataFrame, name: str, rng: _Rng) -> pl.DataFrame:
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


def _finish(df: pl.DataFrame, name: str) -> pl.DataFrame:
    """Columns of the type in feeds.md order with their feeds types; no helper columns."""
    spec = TYPES[name]
    source = pl.lit(spec.sources[0])
    if spec.source_by:
        fld, by = spec.source_by
        source = pl.col(fld).replace_strict(dict(by), return_dtype=pl.String)
    cols = {"source": source, "type": pl.lit(name),
            "record_id": pl.concat_str(pl.lit(PREFIX[name]),
                                       pl.col("_key").cast(pl.String).str.zfill(11))}
    for f in spec.field_order:
        if f in cols or f in ("version", "op"):
            continue
        kind = spec.by_name[f].kind if f in spec.by_name else Kind.ID_NUMBER
        col = pl.col(f) if f in df.columns else pl.lit(None)
        if kind == Kind.DATE:
            col = col.cast(pl.Int32).cast(pl.Date)
        elif kind in (Kind.MONEY, Kind.HOURS):
            col = _money(col.cast(pl.Int64)).cast(pl.Decimal(12, 2))
        elif kind == Kind.INT:
            col = col.cast(pl.Int64)
        else:
            col = col.cast(pl.String)
        cols[f] = col
    return df.select(**{f: cols[f] if f in cols else pl.col(f) for f in spec.field_order})


class _Writer:
    """Appends chunks: one Parquet file per type (streamed row groups), or JSONL / CSV."""

    def __init__(self, out_dir: Path, fmt: str) -> None:
        if fmt not in ("parquet", "jsonl", "csv"):
            raise ValueError(f"unknown format {fmt!r}: parquet, jsonl or csv")
        self.out_dir, self.fmt = out_dir, fmt
        self.parquet: dict[str, pq.ParquetWriter] = {}
        self.counts: dict[str, int] = dict.fromkeys(TYPES, 0)

    def write(self, name: str, df: pl.DataFrame) -> None:
        path = self.out_dir / f"{name}.{self.fmt}"
        first = self.counts[name] == 0 and name not in self.parquet
        if self.fmt == "parquet":
            if name not in self.parquet:
                self.parquet[name] = pq.ParquetWriter(path, arrow_schema(name),
                                                      compression="zstd")
            self.parquet[name].write_table(df.to_arrow().cast(arrow_schema(name)))
        else:
            with path.open("w" if first else "a", encoding="utf-8", newline="") as fh:
                if self.fmt == "jsonl":
                    df.write_ndjson(fh)
                else:
                    df.write_csv(fh, include_header=first)
        self.counts[name] += df.height

    def close(self) -> None:
        for w in self.parquet.values():
            w.close()
        for name, n in self.counts.items():  # every type has a file, even when empty
            path = self.out_dir / f"{name}.{self.fmt}"
            if n == 0 and not path.exists():
                empty = pl.from_arrow(arrow_schema(name).empty_table())
                assert isinstance(empty, pl.DataFrame)
                self.write(name, empty)
                if name in self.parquet:
                    self.parquet.pop(name).close()


def generate(n: int, seed: int, out_dir: Path, fmt: str = "parquet",
             as_of: dt.date = dt.date(2026, 12, 1), chunk: int = CHUNK) -> dict:
    """Write ``n`` synthetic residents' records (every feeds.md type) into ``out_dir``.

    Deterministic: the same (n, seed, as_of) gives the same rows whatever ``chunk`` is.
    Returns ``{"residents": n, "records": total, "by_type": {type: rows}}``.
    """
    if chunk % 4:
        raise ValueError("chunk must be a multiple of 4 (households stay in one chunk)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng, d = _Rng(seed), _days(as_of)
    pool = _employers(max(500, n // 20), seed)
    writer = _Writer(out_dir, fmt)
    writer.write("complex_rent", _finish(_versions(_complex_rents(rng, as_of.year),
                                                   "complex_rent", rng), "complex_rent"))
    offsets = pl.DataFrame(schema={"birth": pl.Int32, "male": pl.Boolean, "off": pl.Int64})
    try:
        for lo in range(0, n, chunk):
            persons, offsets = _persons(lo, min(n, lo + chunk), rng, d, offsets)
            for name, build in BUILDERS.items():
                rows = build(persons, rng, d, pool)
                writer.write(name, _finish(_versions(rows, name, rng), name))
    finally:
        writer.close()
    return {"residents": n, "records": sum(writer.counts.values()),
            "by_type": dict(writer.counts)}

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

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from points.feeds.schema import TYPES, Kind
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


def _mix(x: pl.Expr) -> pl.Expr:
    """A 32-bit integer hash (Wellons' lowbias32) on UInt64 values < 2**32: no overflow."""
    x = x.xor(x // 65536)
    x = (x * 0x7FEB352D) & _M
    x = x.xor(x // 32768)
    x = (x * 0x846CA68B) & _M
    return x.xor(x // 65536)


class _Rng:
    def __init__(self, seed: int) -> None:
        self.seed = seed

    def h(self, stream: str, key: pl.Expr | str = "_key") -> pl.Expr:
        """Uniform UInt64 in [0, 2**32) from (seed, stream, key)."""
        salt = zlib.crc32(f"{self.seed}:{stream}".encode())
        k = (pl.col(key) if isinstance(key, str) else key).cast(pl.UInt64)
        return _mix(_mix((k & _M).xor(salt)).xor(k // 2**32).xor(salt >> 7))

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
        expr, acc = None, 0
        for v, w in weights.items():
            acc += w
            expr = (pl.when(x < acc).then(pl.lit(v)) if expr is None
                    else expr.when(x < acc).then(pl.lit(v)))
        return expr.otherwise(pl.lit(v))


# ---- identifiers ---------------------------------------------------------------------

def _id_number(addr: pl.Expr, birth: pl.Expr, seq: pl.Expr) -> pl.Expr:
    """18-character ID numbers (check character vectorised, same rule as identifiers)."""
    first17 = pl.concat_str(addr, birth.cast(pl.Date).dt.strftime("%Y%m%d"),
                            seq.cast(pl.String).str.zfill(3))
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(first17.str.slice(i, 1).cast(pl.Int64) * w for i, w in enumerate(weights))
    check = (total % 11).replace_strict(dict(enumerate("10X98765432")), return_dtype=pl.String)
    return pl.concat_str(first17, check)


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
    child_age = pl.min_horizontal(rng.int("kid-age", 0, 17, idx), pl.col("head_age") - 20)
    df = df.with_columns(kid=minor, age=pl.when(minor).then(child_age).otherwise(_ages(rng, idx)))
    df = df.with_columns(
        birth=(d - pl.col("age") * 36525 // 100 - rng.int("bday", 1, 364, idx)).cast(pl.Int32))
    df = (df.with_columns(rank=pl.int_range(pl.len()).over("birth", "male"))
          .join(offsets, on=["birth", "male"], how="left")
          .with_columns(s=pl.col("rank") + pl.col("off").fill_null(0)))
    new_off = (pl.concat([offsets, df.group_by("birth", "male").agg(off=pl.len().cast(pl.Int64))])
               .group_by("birth", "male").agg(pl.col("off").sum()))
    k = len(ORIGINS)
    addr = ((_mix(pl.col("birth").cast(pl.UInt64)) + pl.col("s")) % k).replace_strict(
        dict(enumerate(ORIGINS)), return_dtype=pl.String)
    seq = (pl.col("s") // k) * 2 + pl.when(pl.col("male")).then(1).otherwise(2)
    years = rng.u("reg", idx).pow(1.6) * 11
    reg = pl.when(rng.u("future", idx) < 0.003).then(d + rng.int("fut", 1, 60, idx)).otherwise(
        pl.max_horizontal(d - (years * 365).cast(pl.Int64), pl.col("birth") + 1))
    df = df.with_columns(
        id_number=_id_number(addr, pl.col("birth"), seq), district=pl.col("street").str.slice(0, 6),
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

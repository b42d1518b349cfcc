"""Deterministic randomness: every draw is a pure hash of (seed, stream, key).

A Polars expression per draw, so a whole chunk of persons is drawn at once and the
result does not depend on how the persons are chunked."""

from __future__ import annotations

import zlib
from typing import Any

import polars as pl

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


class Rng:
    """Draws for one seed; ``key`` (a column name or an expression) says whose draw it is."""

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


"""Rows in feeds.md form, written chunk by chunk (Parquet, JSON Lines or CSV)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from points.feeds.schema import TYPES, Kind
from points.feeds.writers import arrow_schema

PREFIX = {name: "".join(w[0] for w in name.split("_")).upper()[:3] + "-" for name in TYPES}


def _money(fen: pl.Expr) -> pl.Expr:
    return pl.format("{}.{}", fen // 100, (fen % 100).cast(pl.String).str.zfill(2))


def finish(df: pl.DataFrame, name: str) -> pl.DataFrame:
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


class Writer:
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


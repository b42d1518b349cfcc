"""Department records → current records per type, as Polars LazyFrames.

Parquet files are scanned lazily (one record type per file: its ``type`` column or its file
name); small JSON Lines / CSV / .xlsx files go through the feed readers
(``points.feeds.readers``: rows the platform would reject are left out) and become frames
with the same column types as Parquet (feeds.md: strings, date32, int64, decimal(12,2)).

Version semantics (feeds.md "Versions", the rules of ``points.feeds.versions``), vectorised
per (source, record_id) in arrival order (file order, then row order):

- a row whose ``type`` or ``id_number`` differs from the key's first row is rejected;
- the highest version wins; of several rows at that version the first to arrive stays
  (identical replays, or a conflict whose first row stays);
- a retraction at the winning version removes the record.

With ``strict=False`` (the default for Parquet bulk loads) the first two checks are
skipped: ingestion has already rejected identity changes and same-version conflicts, so
any row at the highest version is the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path

import polars as pl

from points.feeds.readers import feed_files, read_file
from points.feeds.record import Record
from points.feeds.schema import TYPES
from points.feeds.writers import arrow_schema

Frames = dict[str, pl.LazyFrame]
KEY = ("source", "record_id")


def empty_frame(type_name: str) -> pl.LazyFrame:
    """A frame with the type's columns (and ``pid`` when it has a subject), no rows."""
    lf = pl.from_arrow(arrow_schema(type_name).empty_table()).lazy()  # type: ignore[union-attr]
    return lf.with_columns(pid=pid()) if TYPES[type_name].has_subject else lf


def _parquet_type(path: Path) -> str:
    if path.stem in TYPES:
        return path.stem
    first = pl.scan_parquet(path).select("type").head(1).collect()
    if first.height == 0:
        raise ValueError(f"{path}: empty Parquet file whose name is not a record type")
    return str(first["type"][0])


def records_frame(records: Iterable[Record], type_name: str) -> pl.DataFrame:
    """Records of one type → a frame with the Parquet column types (arrival order kept)."""
    schema = arrow_schema(type_name)
    columns: dict[str, list] = {name: [] for name in schema.names}
    for r in records:
        row = {"source": r.source, "type": r.type, "record_id": r.record_id,
               "version": r.version, "op": r.op, "id_number": r.id_number, **r.fields}
        for name, values in columns.items():
            values.append(row.get(name))
    import pyarrow as pa

    table = pa.table({n: pa.array(v, type=schema.field(n).type) for n, v in columns.items()},
                     schema=schema)
    return pl.from_arrow(table)  # type: ignore[return-value]


def pid(column: str = "id_number") -> pl.Expr:
    """ID number → Int64 person key (its first 17 digits: the check character follows from
    them), so that grouping and joining run on integers, not strings."""
    return pl.col(column).str.slice(0, 17).cast(pl.Int64, strict=False)


def current(lf: pl.LazyFrame, *, strict: bool = True) -> pl.LazyFrame:
    """Apply version semantics (see the module docstring) to one type's rows in arrival
    order; returns the live upserts (plus ``pid``, see ``pid``).

    Only keys seen more than once need the window logic: single rows are kept as they are
    (unless retracted), which keeps bulk loads fast."""
    key = list(KEY)
    names = lf.collect_schema().names()
    lf = lf.with_row_index("_row")
    # a 64-bit hash finds the keys seen more than once (a collision only sends a row
    # through the exact path below)
    dup = pl.struct(key).hash(20211).is_duplicated()
    single = lf.filter(~dup)
    multi = lf.filter(dup)
    if strict:
        same = pl.lit(True)
        for c in ("type", "id_number"):
            if c in names:
                value = pl.col(c).fill_null("")
                same = same & (value == value.sort_by("_row").first().over(key))
        multi = multi.filter(same)
    multi = multi.filter(pl.col("version") == pl.col("version").max().over(key))
    if strict:
        multi = multi.filter(pl.col("_row") == pl.col("_row").min().over(key))
    else:
        multi = multi.unique(subset=key, keep="any")
    out = pl.concat([single, multi]).filter(pl.col("op") != "retract").drop("_row")
    return out.with_columns(pid=pid()) if "id_number" in names else out


def load_current(paths_or_dir: str | PathLike[str] | Iterable[str | PathLike[str]], *,
                 strict: bool | None = None) -> Frames:
    """Load feed files (a directory, one file, or several) → ``{type: LazyFrame}`` of the
    current records of every type of feeds.md (an empty frame for a type without files).

    ``strict``: check identity changes and same-version conflicts (default: yes unless
    every file is Parquet; see the module docstring)."""
    if isinstance(paths_or_dir, (str, PathLike)):
        paths_or_dir = [paths_or_dir]
    files = feed_files(paths_or_dir)
    raw: dict[str, list[pl.LazyFrame]] = {}
    pending: dict[str, list[Record]] = {}
    for path in files:
        if path.suffix == ".parquet":
            name = _parquet_type(path)
            raw.setdefault(name, []).append(
                pl.scan_parquet(path).select(arrow_schema(name).names))
        else:
            for _, result in read_file(path):
                if isinstance(result, Record):
                    pending.setdefault(result.type, []).append(result)
    for name, recs in pending.items():
        raw.setdefault(name, []).append(records_frame(recs, name).lazy())
    if strict is None:
        strict = any(p.suffix != ".parquet" for p in files)
    return frames_from(raw, strict=strict)


def frames_from(raw: Mapping[str, Iterable[pl.LazyFrame | pl.DataFrame]], *,
                strict: bool = True) -> Frames:
    """Per type, concatenate frames in arrival order and apply version semantics."""
    out: Frames = {}
    for name in TYPES:
        parts = [f.lazy() for f in raw.get(name, ())]
        lf = pl.concat(parts, how="vertical_relaxed") if parts else empty_frame(name)
        out[name] = current(lf, strict=strict)
    return out


def frames_from_records(records: Iterable[Record]) -> Frames:
    """In-memory records (any types, arrival order) → current frames (strict)."""
    by_type: dict[str, list[Record]] = {}
    for r in records:
        by_type.setdefault(r.type, []).append(r)
    return frames_from({t: [records_frame(rs, t)] for t, rs in by_type.items()}, strict=True)

"""Department records → current records per type, as Polars LazyFrames.

Parquet files are scanned lazily (one record type per file: its ``type`` column or its file
name); JSON Lines / CSV / .xlsx files go through the feed readers (``points.feeds.readers``:
rows the platform would reject are left out and counted), a chunk of rows at a time, and
become frames with the same column types as Parquet (feeds.md: strings, date32, int64,
decimal(12,2)).

Version semantics are those of ingestion and of the one-person path
(``points.feeds.versions``), applied vectorised by ``points.population.versions`` in
arrival order (files in name order, rows in file order): identity changes and same-version
conflicts are rejected (the first row stays) and reported (``load_checked``), replays
change nothing, the highest version wins and a retraction at it removes the record.
``strict=False`` skips the two checks, for files already decided (the platform's export).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import polars as pl

from points.feeds.readers import FileError, feed_files, read_file
from points.feeds.record import Record
from points.feeds.schema import TYPES
from points.feeds.writers import arrow_schema
from points.population.versions import Part, VersionReport, apply_versions, report

Frames = dict[str, pl.LazyFrame]
KEY = ("source", "record_id")
OVERRIDE = "record_override"


def empty_frame(type_name: str) -> pl.LazyFrame:
    """A frame with the type's columns (and ``pid`` when it has a subject), no rows."""
    lf = pl.from_arrow(arrow_schema(type_name).empty_table()).lazy()  # type: ignore[union-attr]
    return lf.with_columns(pid=pid()) if TYPES[type_name].has_subject else lf


def _parquet_type(path: Path) -> str:
    if path.stem in TYPES:
        return path.stem
    first = pl.scan_parquet(path).select("type").head(1).collect()
    if first.height == 0 or first["type"][0] not in TYPES:
        raise FileError("unknown_type",
                        "Parquet 文件的 type 列与文件名都不是记录类型名称 (如 lease.parquet)",
                        "neither the Parquet file's type column nor its name is a record type "
                        "(such as lease.parquet)", path)
    return str(first["type"][0])


def records_frame(records: Iterable[Record], type_name: str,
                  rows: Iterable[int] | None = None) -> pl.DataFrame:
    """Records of one type → a frame with the Parquet column types (arrival order kept);
    with ``rows``, also ``_row`` (Int64: where each record is in its file)."""
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
    df: pl.DataFrame = pl.from_arrow(table)  # type: ignore[assignment]
    return df if rows is None else df.with_columns(_row=pl.Series(list(rows), dtype=pl.Int64))


def pid(column: str = "id_number") -> pl.Expr:
    """ID number → Int64 person key (its first 17 digits: the check character follows from
    them), so that grouping and joining run on integers, not strings."""
    return pl.col(column).str.slice(0, 17).cast(pl.Int64, strict=False)


@dataclass(frozen=True)
class Loaded:
    """``load_checked``'s result: the current records (``frames``, as ``load_current``),
    what the version rules rejected (``report``), how many rows the feed readers rejected
    (``invalid_rows``: JSON Lines, CSV and .xlsx; Parquet rows are not validated) and the
    files read, in arrival order."""

    frames: Frames
    report: VersionReport
    invalid_rows: int
    files: tuple[Path, ...]


#: Rows of one type read from a JSON Lines / CSV / .xlsx file before they become a frame.
CHUNK = 100_000


def _parquet_part(path: Path, file: int) -> tuple[str, Part]:
    name = _parquet_type(path)
    lf = (pl.scan_parquet(path).with_row_index("_row", offset=1)
          .select(*arrow_schema(name).names, pl.col("_row").cast(pl.Int64)))
    return name, Part(file, lf)


def _read_parts(path: Path, file: int) -> tuple[list[tuple[str, Part]], int]:
    """A JSON Lines / CSV / .xlsx file → its parts (a chunk of one type each), and the
    number of rows the reader rejected."""
    out: list[tuple[str, Part]] = []
    pending: dict[str, tuple[list[Record], list[int]]] = {}
    invalid = 0

    def flush(name: str) -> None:
        recs, rows = pending.pop(name)
        out.append((name, Part(file, records_frame(recs, name, rows).lazy())))

    for row, result in read_file(path):
        if not isinstance(result, Record):
            invalid += 1
            continue
        recs, rows = pending.setdefault(result.type, ([], []))
        recs.append(result)
        rows.append(row)
        if len(recs) >= CHUNK:
            flush(result.type)
    for name in list(pending):
        flush(name)
    return out, invalid


def load_checked(paths_or_dir: str | PathLike[str] | Iterable[str | PathLike[str]], *,
                 strict: bool = True, drop: Mapping[str, Sequence[str]] | None = None
                 ) -> Loaded:
    """Load feed files (a directory, one file, or several) → ``Loaded``: per type of
    feeds.md its current records, collected (an empty frame for a type without files),
    and the report of the rows the version rules rejected (see the module docstring).

    Every file is read three times: its key columns (which keys are repeated), the rows of
    the repeated keys whole (about 5 %: deciding them compares every field), then the
    records in force, one type at a time, only the columns kept. ``drop``: columns to
    leave out of a type's frame (those no measure reads:
    ``points.population.prepare.unused_columns``), except the record keys while there are
    overrides.
    Raises ``FileError`` for a file rejected whole."""
    files, parts, invalid = _parts(paths_or_dir)
    versioned = apply_versions(parts, files, check=strict, read_repeated=True)
    frames: Frames = {}
    rejected = []
    keep: set[str] = set()
    # the overrides first: while any is current, every type keeps the record keys they
    # name (points.population.overrides leaves the disregarded records out at D)
    for name in sorted(TYPES, key=lambda n: n != OVERRIDE):
        plan = versioned.plans.get(name)
        live = _with_pid(name, empty_frame(name) if plan is None else plan.live)
        gone = [c for c in (drop or {}).get(name, ())
                if c in live.collect_schema().names() and c not in keep]
        if plan is None:
            frames[name] = live.drop(gone)
            continue
        done, bad = pl.collect_all([live.drop(gone), plan.rejected])
        frames[name] = done.lazy()
        rejected.append(bad)
        if name == OVERRIDE and done.height:
            keep.update(KEY)
    frames = {name: frames[name] for name in TYPES}
    return Loaded(frames, report(rejected, [str(f) for f in files]), invalid, tuple(files))


def load_current(paths_or_dir: str | PathLike[str] | Iterable[str | PathLike[str]], *,
                 strict: bool = True) -> Frames:
    """Load feed files → ``{type: LazyFrame}`` of the current records of every type of
    feeds.md (an empty frame for a type without files), version rules applied and the
    rejected rows left out (``load_checked`` reports them). The key columns are read here,
    the rest when the frames are collected."""
    files, parts, _ = _parts(paths_or_dir)
    plans = apply_versions(parts, files, check=strict).plans
    return {name: _with_pid(name, plans[name].live if name in plans else empty_frame(name))
            for name in TYPES}


def _parts(paths_or_dir: str | PathLike[str] | Iterable[str | PathLike[str]]
           ) -> tuple[list[Path], dict[str, list[Part]], int]:
    """The feed files in arrival order, their parts by type, and the rows the readers
    rejected."""
    if isinstance(paths_or_dir, (str, PathLike)):
        paths_or_dir = [paths_or_dir]
    files = feed_files(paths_or_dir)
    parts: dict[str, list[Part]] = {}
    invalid = 0
    for i, path in enumerate(files):
        if path.suffix == ".parquet":
            found = [_parquet_part(path, i)]
        else:
            found, bad = _read_parts(path, i)
            invalid += bad
        for name, part in found:
            parts.setdefault(name, []).append(part)
    return files, parts, invalid


def _with_pid(name: str, lf: pl.LazyFrame) -> pl.LazyFrame:
    if "pid" in lf.collect_schema().names() or not TYPES[name].has_subject:
        return lf
    return lf.with_columns(pid=pid())


def frames_from_records(records: Iterable[Record]) -> Frames:
    """In-memory records (any types, arrival order) → current frames (version rules
    applied, rejected rows left out)."""
    by_type: dict[str, tuple[list[Record], list[int]]] = {}
    for row, r in enumerate(records, 1):
        recs, rows = by_type.setdefault(r.type, ([], []))
        recs.append(r)
        rows.append(row)
    parts = {t: [Part(0, records_frame(recs, t, rows).lazy())]
             for t, (recs, rows) in by_type.items()}
    plans = apply_versions(parts).plans
    return {name: _with_pid(name, plans[name].live if name in plans else empty_frame(name))
            for name in TYPES}

"""Export the current records in the exchange format (feeds.md), streamed in chunks.

Parquet: one file per type `<type>.parquet` with points.feeds.writers.arrow_schema, written
row group by row group, so that points.population.load_current(dir) can score the whole
city. Each ID number is decrypted once per person (cached by its keyed hash).
"""

from __future__ import annotations

from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import Any

from django.db.models import F, TextField
from django.db.models.functions import Cast

from points import FIELD_ORDER, TYPES, arrow_schema, jsonl_line
from xinjumin.core import crypto
from xinjumin.records.codec import LINKED_FIELD_OF_TYPE, record_from_row, typed_fields
from xinjumin.records.models import SourceRecord

EXPORT_CHUNK = 50_000
_CACHE_MAX = 2_000_000


class _Plain:
    """Decrypted ID numbers by keyed hash (bounded)."""

    def __init__(self) -> None:
        self._d: dict[str, str] = {}

    def get(self, digest: str, stored: str) -> str | None:
        if not stored:
            return None
        value = self._d.get(digest)
        if value is None:
            if len(self._d) >= _CACHE_MAX:
                self._d.clear()
            value = self._d[digest] = crypto.decrypt(stored)
        return value


def _chunks(size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Every live record by primary key, `size` at a time (keyset pagination: one pass
    over the table, whatever its size)."""
    last = 0
    base = SourceRecord.objects.filter(op="upsert").annotate(
        raw_id=Cast(F("id_number"), output_field=TextField()),
        raw_linked=Cast(F("linked_id_number"), output_field=TextField()),
    ).order_by("pk")
    while True:
        rows = list(base.filter(pk__gt=last).values_list(
            "pk", "type", "source", "record_id", "version", "op", "subject_hash", "raw_id",
            "linked_hash", "raw_linked", "fields")[:size])
        if not rows:
            return
        last = rows[-1][0]
        yield rows


class _ParquetType:
    """The Parquet file of one type, written a row group at a time."""

    def __init__(self, out: Path, type_name: str, chunk_size: int) -> None:
        import pyarrow.parquet as pq

        self.type_name, self.chunk_size = type_name, chunk_size
        self.schema = arrow_schema(type_name)
        self.header = FIELD_ORDER[type_name]
        self.linked_name = LINKED_FIELD_OF_TYPE.get(type_name)
        self.writer = pq.ParquetWriter(out / f"{type_name}.parquet", self.schema,
                                       compression="zstd")
        self.rows: list[dict[str, Any]] = []
        self.count = 0

    def add(self, values: dict[str, Any]) -> None:
        self.rows.append(values)
        if len(self.rows) >= self.chunk_size:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if not self.rows:
            return
        arrays = []
        for i, name in enumerate(self.header):
            target = self.schema.field(i).type
            column = [row.get(name) for row in self.rows]
            if pa.types.is_string(target) or pa.types.is_integer(target):
                arrays.append(pa.array(column, type=target))
            else:  # dates and decimals are stored as strings
                arrays.append(pa.array(column, type=pa.string()).cast(target))
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.count += len(self.rows)
        self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


def records_export_parquet(*, out_dir: str | PathLike[str],
                           chunk_size: int = EXPORT_CHUNK) -> dict[str, int]:
    """Write the live records as `<type>.parquet` files (every type, empty ones too) in
    `out_dir`, in one streamed pass; return {type: rows}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plain = _Plain()
    files = {name: _ParquetType(out, name, chunk_size) for name in TYPES}
    try:
        for rows in _chunks(chunk_size):
            for (_, type_name, source, record_id, version, op, sh, sid, lh, slk,
                 stored) in rows:
                f = files[type_name]
                values = dict(stored)
                values.update(source=source, type=type_name, record_id=record_id,
                              version=version, op=op, id_number=plain.get(sh, sid))
                if f.linked_name:
                    values[f.linked_name] = plain.get(lh, slk)
                f.add(values)
    finally:
        for f in files.values():
            f.close()
    return {name: f.count for name, f in files.items()}


def records_export_jsonl(*, out_dir: str | PathLike[str],
                         chunk_size: int = EXPORT_CHUNK) -> dict[str, int]:
    """Write the live records as `<type>.jsonl` files in `out_dir`; return {type: rows}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plain = _Plain()
    counts = dict.fromkeys(TYPES, 0)
    handles = {name: (out / f"{name}.jsonl").open("w", encoding="utf-8") for name in TYPES}
    try:
        for rows in _chunks(chunk_size):
            for (_, type_name, source, record_id, version, op, sh, sid, lh, slk,
                 stored) in rows:
                linked = plain.get(lh, slk) or ""
                record = record_from_row(source, type_name, record_id, version, op,
                                         plain.get(sh, sid),
                                         typed_fields(type_name, stored, linked))
                handles[type_name].write(jsonl_line(record) + "\n")
                counts[type_name] += 1
    finally:
        for fh in handles.values():
            fh.close()
    return counts

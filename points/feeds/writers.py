"""Export Records in the exchange format: JSON Lines, CSV, Parquet and .xlsx.

Columns and keys follow FIELD_ORDER (the order of the samples); absent fields are omitted
in JSON Lines, empty in CSV and .xlsx, null in Parquet. Money and hours are written as
numbers with their decimals kept exactly (JSON numbers, CSV text, Parquet decimal(12,2)).
Everything written reads back through points.feeds.readers into equal Records.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import IO, Any

from .record import Record
from .schema import DECIMAL_KINDS, FIELD_ORDER, TYPES, Kind

Dest = str | PathLike[str] | IO[str]


def _envelope(record: Record) -> dict[str, Any]:
    values: dict[str, Any] = {
        "source": record.source, "type": record.type, "record_id": record.record_id,
        "version": record.version, "op": record.op,
    }
    if record.id_number is not None:
        values["id_number"] = record.id_number
    return values


def _ordered(record: Record) -> Iterator[tuple[str, Any]]:
    """(name, value) of the present fields, in FIELD_ORDER (unknown names last)."""
    values = _envelope(record)
    values.update(record.fields)
    order = FIELD_ORDER.get(record.type, ())
    for name in order:
        if name in values and values[name] is not None:
            yield name, values[name]
    for name, value in values.items():
        if name not in order and value is not None:
            yield name, value


def _json_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return f'"{value.isoformat()}"'
    return json.dumps(value, ensure_ascii=False)


def jsonl_line(record: Record) -> str:
    """One record as a compact JSON object (no newline), as in the samples."""
    return "{" + ",".join(
        f"{json.dumps(name)}:{_json_value(value)}" for name, value in _ordered(record)
    ) + "}"


class _Output:
    """A path (opened and closed here) or an open text stream (left open)."""

    def __init__(self, dest: Dest, newline: str | None = None) -> None:
        self._own = not hasattr(dest, "write")
        self.stream: IO[str] = (
            Path(dest).open("w", encoding="utf-8", newline=newline)  # type: ignore[arg-type]
            if self._own else dest  # type: ignore[assignment]
        )

    def __enter__(self) -> IO[str]:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        if self._own:
            self.stream.close()


def write_jsonl(records: Iterable[Record], dest: Dest) -> int:
    """Write records as JSON Lines (UTF-8); return how many were written."""
    n = 0
    with _Output(dest) as out:
        for record in records:
            out.write(jsonl_line(record))
            out.write("\n")
            n += 1
    return n


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _single_type(records: list[Record], type_name: str | None) -> str:
    types = {r.type for r in records}
    if type_name is not None:
        types.add(type_name)
    if len(types) != 1:
        raise ValueError(f"one record type per file, got {sorted(types) or 'none'}; "
                         "pass type_name for an empty file")
    (name,) = types
    if name not in TYPES:
        raise ValueError(f"unknown record type {name!r}")
    return name


def _row(record: Record, header: tuple[str, ...]) -> list[Any]:
    values = _envelope(record)
    values.update(record.fields)
    unknown = set(values) - set(header)
    if unknown:
        raise ValueError(f"{record.type} {record.record_id}: fields not in the format: "
                         f"{sorted(unknown)}")
    return [values.get(name) for name in header]


def write_csv(records: Iterable[Record], dest: Dest, *, type_name: str | None = None) -> int:
    """Write records of one type as CSV (UTF-8, no BOM, header in FIELD_ORDER, "\\n" line
    ends as in the samples); return how many were written."""
    records = list(records)
    name = _single_type(records, type_name)
    header = FIELD_ORDER[name]
    with _Output(dest, newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for record in records:
            writer.writerow([_cell(v) for v in _row(record, header)])
    return len(records)


def csv_text(records: Iterable[Record], *, type_name: str | None = None) -> str:
    """The CSV of write_csv as a string."""
    buf = io.StringIO()
    write_csv(records, buf, type_name=type_name)
    return buf.getvalue()


def arrow_schema(type_name: str) -> Any:
    """The Parquet/Arrow schema of a record type (feeds.md: strings, date32, int64,
    decimal(12,2))."""
    import pyarrow as pa

    spec = TYPES[type_name]
    kinds: dict[str, Any] = {f.name: f.kind for f in spec.fields}
    kinds["version"] = Kind.INT
    columns = []
    for name in FIELD_ORDER[type_name]:
        kind = kinds.get(name)
        if kind is Kind.DATE:
            arrow_type = pa.date32()
        elif kind is Kind.INT:
            arrow_type = pa.int64()
        elif kind in DECIMAL_KINDS:
            arrow_type = pa.decimal128(12, 2)
        else:
            arrow_type = pa.string()
        columns.append(pa.field(name, arrow_type, nullable=name not in ("source", "type")))
    return pa.schema(columns)


def write_parquet(records: Iterable[Record], dest: str | PathLike[str], *,
                  type_name: str | None = None, row_group_size: int = 100_000) -> int:
    """Write records of one type as a Parquet file; return how many were written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = list(records)
    name = _single_type(records, type_name)
    schema = arrow_schema(name)
    header = FIELD_ORDER[name]
    rows = [_row(r, header) for r in records]
    columns = [pa.array([row[i] for row in rows], type=schema.field(i).type)
               for i in range(len(header))]
    pq.write_table(pa.Table.from_arrays(columns, schema=schema), Path(dest),
                   row_group_size=row_group_size)
    return len(records)


def write_xlsx(records: Iterable[Record], dest: str | PathLike[str]) -> int:
    """Write records as an .xlsx workbook, one sheet per type (named after it, columns in
    FIELD_ORDER, every value as text so Excel changes nothing); return how many."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    def text(ws: Any, value: Any) -> Any:
        if (v := _cell(value)) == "":
            return None
        cell = WriteOnlyCell(ws, value=v)
        cell.data_type = "s"  # text starting with "=" stays text, never a formula
        return cell

    by_type: dict[str, list[Record]] = {}
    for r in records:
        by_type.setdefault(r.type, []).append(r)
    wb = openpyxl.Workbook(write_only=True)
    for name in sorted(by_type):
        ws = wb.create_sheet(title=name)
        header = FIELD_ORDER[name]
        ws.append(list(header))
        for r in by_type[name]:
            ws.append([text(ws, v) for v in _row(r, header)])
    wb.save(Path(dest))
    return sum(len(v) for v in by_type.values())

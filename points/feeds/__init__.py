"""The department feed format (../shared/docs/feeds.md): schema, validation, files, versions.

    from points.feeds import read_file, current_records, Record, RowError

    records = []
    for row, result in read_file("lease.csv"):
        if isinstance(result, Record):
            records.append(result)
        else:
            report(result)          # list[RowError] for that row
    live = current_records(records)
"""

from .parse import RowError, RowParser, parse_batch, parse_row
from .readers import (
    FileError,
    RowResult,
    detect_csv_encoding,
    feed_files,
    read_csv,
    read_file,
    read_jsonl,
    read_parquet,
    read_paths,
    read_xlsx,
)
from .record import Record
from .schema import FIELD_ORDER, SOURCES, TYPES, FieldSpec, Kind, TypeSpec
from .versions import Outcome, RecordStore, current_records, decide
from .writers import (
    arrow_schema,
    csv_text,
    jsonl_line,
    write_csv,
    write_jsonl,
    write_parquet,
    write_xlsx,
)

__all__ = [
    "FIELD_ORDER",
    "SOURCES",
    "TYPES",
    "FieldSpec",
    "FileError",
    "Kind",
    "Outcome",
    "Record",
    "RecordStore",
    "RowError",
    "RowParser",
    "RowResult",
    "TypeSpec",
    "arrow_schema",
    "csv_text",
    "current_records",
    "decide",
    "detect_csv_encoding",
    "feed_files",
    "jsonl_line",
    "parse_batch",
    "parse_row",
    "read_csv",
    "read_file",
    "read_jsonl",
    "read_parquet",
    "read_paths",
    "read_xlsx",
    "write_csv",
    "write_jsonl",
    "write_parquet",
    "write_xlsx",
]

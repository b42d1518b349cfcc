"""Read feed files into a stream of validated rows.

Every reader yields `(row, result)` pairs, where `result` is a `Record` or the list of
`RowError`s of a rejected row, and `row` is where the row is in the file: the physical
line for JSON Lines and CSV (1-based; the CSV header is line 1), the sheet row for .xlsx,
the 1-based data row for Parquet. Files are streamed, never loaded whole.

Problems of the file as a whole (an encoding that cannot be trusted, a missing header, an
unreadable file) raise `FileError` when the reader is called, before any row is yielded.

    for row, result in read_file("lease.csv"):
        if isinstance(result, Record): ...
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import Any

from .parse import RowError, RowParser
from .record import Record
from .schema import ENVELOPE, STRING_KINDS, TYPES, Kind

RowResult = tuple[int, Record | list[RowError]]
"""(row, Record or the RowErrors of a rejected row)."""

FEED_SUFFIXES = (".jsonl", ".csv", ".xlsx", ".parquet")
_CHUNK = 1 << 20
_BOM = codecs.BOM_UTF8


class FileError(Exception):
    """A whole file was rejected; nothing in it was read."""

    def __init__(self, code: str, message: str, message_en: str,
                 path: str | PathLike[str] | None = None) -> None:
        super().__init__(f"{path}: {message_en}" if path else message_en)
        self.code = code
        self.message = message
        self.message_en = message_en
        self.path = str(path) if path is not None else None


def _parser(today: dt.date | None) -> RowParser:
    return RowParser(today)


def _open_binary(path: Path) -> Any:
    try:
        return path.open("rb")
    except OSError as e:
        raise FileError("unreadable", f"无法读取文件: {e.strerror}",
                        f"cannot read the file: {e.strerror}", path) from None


# ---- JSON Lines ---------------------------------------------------------------------------

def read_jsonl(path: str | PathLike[str], *, today: dt.date | None = None) -> Iterator[RowResult]:
    """Read a JSON Lines file (UTF-8, one object per line; blank lines are skipped).

    A line that is not valid JSON is rejected on its own; the other lines go on.
    """
    path = Path(path)
    f = _open_binary(path)
    return _jsonl_rows(f, _parser(today))


def _jsonl_rows(f: Any, parser: RowParser) -> Iterator[RowResult]:
    decoder = json.JSONDecoder(parse_float=Decimal)
    # The C scanner itself: decode() without its two regex passes per line.
    scan = decoder.scan_once  # type: ignore[attr-defined]
    parse = parser.parse
    with f:
        for lineno, raw_line in enumerate(f, 1):
            if lineno == 1 and raw_line.startswith(_BOM):
                raw_line = raw_line[3:]
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError:
                yield lineno, [RowError(lineno, None, None, "invalid_encoding",
                                        f"第 {lineno} 行不是有效的 UTF-8 文本",
                                        f"line {lineno} is not valid UTF-8 text")]
                continue
            try:
                obj, end = scan(line, 0)
                if end < len(line) and not line[end:].isspace():
                    raise ValueError("extra data after the JSON value")
            except (StopIteration, ValueError):
                if not line.strip():
                    continue
                try:
                    obj = decoder.decode(line)  # for the error message; or leading space
                except ValueError as e:
                    error = e
                else:
                    yield lineno, parse(obj, row=lineno)
                    continue
                yield lineno, [RowError(
                    lineno, None, None, "invalid_json",
                    f"第 {lineno} 行不是有效的 JSON ({error}), 请检查该行是否完整",
                    f"line {lineno} is not valid JSON ({error}); check that the line is complete",
                )]
                continue
            yield lineno, parse(obj, row=lineno)


# ---- CSV ----------------------------------------------------------------------------------

def _is_encoded(path: Path, encoding: str, skip: int = 0) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with _open_binary(path) as f:
        f.read(skip)
        try:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_csv_encoding(path: str | PathLike[str]) -> str:
    """'utf-8-sig' (UTF-8, with or without a byte-order mark) or 'gbk'.

    GBK only when the bytes are not valid UTF-8 and there is no BOM; a file with a UTF-8
    BOM that is not valid UTF-8 is rejected whole (FileError), never guessed.
    """
    path = Path(path)
    with _open_binary(path) as f:
        bom = f.read(3) == _BOM
    if _is_encoded(path, "utf-8", 3 if bom else 0):
        return "utf-8-sig"
    if bom:
        raise FileError(
            "bom_not_utf8",
            "文件以 UTF-8 字节顺序标记 (BOM) 开头, 但内容不是有效的 UTF-8 (可能是 GBK); "
            "请以 UTF-8 重新导出, 或去掉 BOM 后以 GBK 发送",
            "the file starts with a UTF-8 byte-order mark but is not valid UTF-8 (perhaps "
            "GBK); export it again as UTF-8, or send it as GBK without the mark",
            path,
        )
    if _is_encoded(path, "gbk"):
        return "gbk"
    raise FileError("unknown_encoding",
                    "文件既不是有效的 UTF-8 也不是有效的 GBK 文本; 请以 UTF-8 导出",
                    "the file is neither valid UTF-8 nor valid GBK text; export it as UTF-8",
                    path)


def _check_header(header: list[str], path: Path) -> list[str]:
    names = [h.strip() for h in header]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise FileError("duplicate_column", f"表头中的列名重复: {', '.join(dupes)}",
                        f"the header repeats column names: {', '.join(dupes)}", path)
    return names


def read_csv(path: str | PathLike[str], *, today: dt.date | None = None) -> Iterator[RowResult]:
    """Read a CSV file: RFC 4180, a header row of field names, UTF-8 (BOM allowed) or GBK.

    An empty cell is an absent field; rows whose cells are all empty are skipped.
    """
    path = Path(path)
    encoding = detect_csv_encoding(path)
    f = path.open(encoding=encoding, newline="")
    reader = csv.reader(f, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        f.close()
        raise FileError("empty_file", "文件为空, 缺少表头行", "the file is empty: no header row",
                        path) from None
    except csv.Error as e:
        f.close()
        raise FileError("invalid_csv", f"表头行无法解析: {e}", f"cannot read the header: {e}",
                        path) from None
    return _csv_rows(f, reader, _check_header(header, path), _parser(today))


def _csv_rows(f: Any, reader: Any, header: list[str], parser: RowParser) -> Iterator[RowResult]:
    parse = parser.parse
    width = len(header)
    line = reader.line_num
    with f:
        while True:
            start = line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                line = reader.line_num
                yield start, [RowError(start, None, None, "invalid_csv",
                                       f"第 {start} 行无法解析 (CSV 引号或分隔符错误): {e}",
                                       f"line {start} cannot be read (CSV quoting): {e}")]
                continue
            line = reader.line_num
            if len(cells) != width:
                if not any(c.strip() for c in cells):
                    continue
                yield start, [RowError(
                    start, None, None, "wrong_column_count",
                    f"第 {start} 行有 {len(cells)} 列, 表头有 {width} 列",
                    f"line {start} has {len(cells)} cells but the header has {width} columns",
                )]
                continue
            raw = dict(zip(header, cells))  # noqa: B905 (lengths checked above)
            if not any(cells):
                continue
            yield start, parse(raw, row=start)


# ---- .xlsx and Parquet (typed cells) --------------------------------------------------------

def _coerce_cell(kind: Kind | None, value: Any) -> Any:
    """Undo what spreadsheets do to typed cells: numbers where codes were meant."""
    if value is None or type(value) is str:
        return value
    if kind in STRING_KINDS and kind is not Kind.ID_NUMBER and kind is not Kind.MONTH:
        if type(value) is int:
            return str(value)
        if type(value) is float and value.is_integer():
            return str(int(value))
    elif (kind is Kind.INT or kind is None) and type(value) is float and value.is_integer():
        return int(value)
    return value


def _kinds(type_name: str | None) -> dict[str, Kind | None]:
    kinds: dict[str, Kind | None] = {name: Kind.CODE for name in ENVELOPE}
    kinds["version"] = Kind.INT
    kinds["record_id"] = Kind.IDENTIFIER
    spec = TYPES.get(type_name or "")
    if spec:
        kinds.update({f.name: f.kind for f in spec.fields})
    return kinds


def read_xlsx(path: str | PathLike[str], *, today: dt.date | None = None) -> Iterator[RowResult]:
    """Read an .xlsx workbook: one sheet per record type, named after the type.

    The first row of a sheet holds the field names; `type` may be left out (it is the sheet
    name). Rows are numbered as in the sheet. Empty sheets are skipped; a non-empty sheet
    not named after a type rejects the file.
    """
    import openpyxl

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise FileError("invalid_xlsx", f"无法读取 Excel 文件: {e}",
                        f"cannot read the Excel workbook: {e}", path) from None
    for ws in wb.worksheets:
        if ws.title not in TYPES and _has_values(ws):
            wb.close()
            raise FileError(
                "unknown_sheet",
                f"工作表 {ws.title!r} 不是记录类型名称; 每个工作表应以记录类型命名 (如 lease)",
                f"sheet {ws.title!r} is not a record type; name each sheet after its type "
                "(such as lease)", path)
    return _xlsx_rows(wb, _parser(today))


def _has_values(ws: Any) -> bool:
    """Whether a sheet has any non-empty cell (stops at the first one found)."""
    return any(
        any(c is not None and c != "" for c in row) for row in ws.iter_rows(values_only=True)
    )


def _xlsx_rows(wb: Any, parser: RowParser) -> Iterator[RowResult]:
    try:
        for ws in wb.worksheets:
            if ws.title not in TYPES:
                continue
            rows = ws.iter_rows(values_only=True)
            header_row = next(rows, None)
            if header_row is None:
                continue
            header = [str(h).strip() if h is not None else "" for h in header_row]
            kinds = _kinds(ws.title)
            col_kinds = [kinds.get(h) for h in header]
            for index, cells in enumerate(rows, 2):
                if all(c is None or (type(c) is str and not c.strip()) for c in cells):
                    continue
                raw = {h: _coerce_cell(k, c) for h, k, c in zip(header, col_kinds, cells,
                                                               strict=False) if h}
                yield index, parser.parse(raw, row=index, type_hint=ws.title)
    finally:
        wb.close()


def read_parquet(path: str | PathLike[str], *, today: dt.date | None = None,
                 batch_size: int = 65_536) -> Iterator[RowResult]:
    """Read a Parquet file of one record type (its `type` column, or else its file name).

    Strings, date32, integers and decimal(·,2) columns; null is absent. Rows are numbered
    from 1 in file order. With a `type` column, the first valid row fixes the file's type
    and rows of another type are rejected (type_mismatch).
    """
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises ArrowInvalid, OSError, ...
        raise FileError("invalid_parquet", f"无法读取 Parquet 文件: {e}",
                        f"cannot read the Parquet file: {e}", path) from None
    names = pf.schema_arrow.names
    type_hint = None
    if "type" not in names:
        if path.stem not in TYPES:
            raise FileError(
                "unknown_type",
                "Parquet 文件没有 type 列, 文件名也不是记录类型名称 (如 lease.parquet)",
                "the Parquet file has no type column and its name is not a record type "
                "(such as lease.parquet)", path)
        type_hint = path.stem
    return _parquet_rows(pf, _parser(today), type_hint, batch_size)


def _parquet_rows(pf: Any, parser: RowParser, type_hint: str | None,
                  batch_size: int) -> Iterator[RowResult]:
    index = 0
    for batch in pf.iter_batches(batch_size=batch_size):
        for raw in batch.to_pylist():
            index += 1
            result = parser.parse(raw, row=index, type_hint=type_hint)
            if type_hint is None and isinstance(result, Record):
                type_hint = result.type  # one type per file: the first valid row's
            yield index, result


# ---- any file, many files -----------------------------------------------------------------

_READERS = {".jsonl": read_jsonl, ".csv": read_csv, ".xlsx": read_xlsx,
            ".parquet": read_parquet}


def read_file(path: str | PathLike[str], *, today: dt.date | None = None) -> Iterator[RowResult]:
    """Read one feed file, chosen by its suffix (.jsonl, .csv, .xlsx, .parquet).

    Returns a lazy iterator of (row, Record | list[RowError]); raises FileError at once for
    a file rejected whole or of an unknown kind.
    """
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise FileError("unknown_file_kind",
                        f"不支持的文件类型 {path.suffix!r}; 请使用 {', '.join(FEED_SUFFIXES)}",
                        f"unsupported file kind {path.suffix!r}; use {', '.join(FEED_SUFFIXES)}",
                        path)
    return reader(path, today=today)


def feed_files(paths_or_dirs: Iterable[str | PathLike[str]]) -> list[Path]:
    """The feed files named: a directory stands for its .jsonl/.csv/.xlsx/.parquet files
    (not recursive), sorted by name; files are kept in the order given."""
    files: list[Path] = []
    for p in paths_or_dirs:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(c for c in p.iterdir()
                                if c.is_file() and c.suffix.lower() in FEED_SUFFIXES))
        else:
            files.append(p)
    return files


def read_paths(paths_or_dirs: Iterable[str | PathLike[str]], *,
               today: dt.date | None = None) -> Iterator[tuple[Path, int, Record | list[RowError]]]:
    """Read many files (see feed_files) one after the other: (path, row, result).

    A FileError stops the iteration at the file it concerns; to go on past rejected files,
    loop over feed_files() and call read_file() for each.
    """
    for path in feed_files(paths_or_dirs):
        for row, result in read_file(path, today=today):
            yield path, row, result

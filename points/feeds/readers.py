"""Read feed files into a stream of validated rows.

Every reader yields `(row, result)` pairs, where `result` is a `Record` or the list of
`RowError`s of a rejected row, and `row` is where the row is in the file: the physical
line for JSON Lines and CSV (1-based; the CSV header is line 1), the sheet row for .xlsx,
the 1-based data row for Parquet. Files are streamed, never loaded whole.

Problems of the file as a whole (an encoding that cannot be trusted, a missing header, an
unreadable file) raise `FileError` when the reader is called, before any row is yielded;
an .xlsx or Parquet file whose data turn out damaged further on raises it while reading
(the rows before stay yielded).

Memory stays bounded whatever the file (the limits below): a line of JSON Lines or CSV is
read up to LINE_MAX_BYTES (a longer one is a rejected row, line_too_long); an .xlsx is
checked before anything is unpacked (its parts' declared sizes and compression ratios,
then one streaming pass over its XML: no DOCTYPE or entities, rows of at most
XLSX_MAX_COLUMNS cells, cells of at most CELL_MAX_CHARS characters, the shared strings
that openpyxl keeps in memory bounded); a Parquet file's row groups are checked likewise
from its metadata, its text cells cut to CELL_MAX_CHARS (they are then rejected as too
long by the field's check).

    for row, result in read_file("lease.csv"):
        if isinstance(result, Record): ...
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import partial
from os import PathLike
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from .parse import RowError, RowParser
from .record import Record
from .schema import ENVELOPE, STRING_KINDS, TYPES, Kind

RowResult = tuple[int, Record | list[RowError]]
"""(row, Record or the RowErrors of a rejected row)."""

FEED_SUFFIXES = (".jsonl", ".csv", ".xlsx", ".parquet")
_CHUNK = 1 << 20
_BOM = codecs.BOM_UTF8
_MIB = 1 << 20

# ---- limits (memory bounded whatever the file) ----
LINE_MAX_BYTES = _MIB  # one JSON Lines / CSV line (a record takes well under 4 KB)
CELL_MAX_CHARS = 32_767  # one cell's text (Excel's own limit)
XLSX_MAX_PARTS = 1_000  # members of the zip archive
XLSX_MAX_PART_BYTES = 512 * _MIB  # one member, unpacked (worksheets are streamed)
XLSX_MAX_TOTAL_BYTES = 1024 * _MIB  # all members, unpacked
XLSX_MAX_SHARED_BYTES = 64 * _MIB  # xl/sharedStrings.xml, unpacked: openpyxl holds it all
XLSX_MAX_SHARED_STRINGS = 1_000_000  # entries of the shared strings table
XLSX_MAX_OTHER_BYTES = 16 * _MIB  # any other part that is read whole (styles, workbook)
XLSX_MAX_RATIO = 100  # unpacked / packed size of a member of more than 1 MiB
XLSX_MAX_COLUMNS = 256  # cells in a row, and the last column used (a feed has ~13)
XLSX_MAX_ROWS = 1_048_576  # rows in a sheet (Excel's own limit)
PARQUET_MAX_ROW_GROUP_BYTES = 512 * _MIB  # one row group, uncompressed
PARQUET_MAX_RATIO = 200  # uncompressed / compressed size of a row group of more than 1 MiB
PARQUET_CELL_MAX_CHARS = 1_024  # a text cell is cut there (no field is longer than 64)


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


def _line_too_long(lineno: int, unit: tuple[str, str] = ("字节", "bytes")
                   ) -> list[RowError]:
    return [RowError(lineno, None, None, "line_too_long",
                     f"第 {lineno} 行超过 {LINE_MAX_BYTES} {unit[0]}, 未读取; 一条记录远小于此",
                     f"line {lineno} is longer than {LINE_MAX_BYTES} {unit[1]} and was not "
                     "read; a record is far shorter")]


def _skip_rest_of_line(readline: Any, newline: Any) -> None:
    """Read on, in bounded pieces, to the end of an overlong line."""
    while True:
        rest = readline(LINE_MAX_BYTES + 1)
        if not rest or rest.endswith(newline):
            return


def _jsonl_rows(f: Any, parser: RowParser) -> Iterator[RowResult]:
    decoder = json.JSONDecoder(parse_float=Decimal)
    # The C scanner itself: decode() without its two regex passes per line.
    scan = decoder.scan_once  # type: ignore[attr-defined]
    parse = parser.parse
    readline = f.readline
    with f:
        for lineno, raw_line in enumerate(iter(partial(readline, LINE_MAX_BYTES + 1), b""), 1):
            if len(raw_line) > LINE_MAX_BYTES and not raw_line.endswith(b"\n"):
                _skip_rest_of_line(readline, b"\n")
                yield lineno, _line_too_long(lineno)
                continue
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
            except (StopIteration, ValueError, RecursionError):
                if not line.strip():
                    continue
                try:
                    obj = decoder.decode(line)  # for the error message; or leading space
                except RecursionError:
                    error = ValueError("nested too deeply")
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
    overlong: list[int] = []
    reader = csv.reader(_bounded_lines(f, overlong), strict=True)
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
    if overlong:
        f.close()
        raise FileError("line_too_long", f"表头行超过 {LINE_MAX_BYTES} 个字符",
                        f"the header is longer than {LINE_MAX_BYTES} characters", path)
    return _csv_rows(f, reader, _check_header(header, path), _parser(today), overlong)


def _bounded_lines(f: IO[str], overlong: list[int]) -> Iterator[str]:
    """The physical lines of a text file, each read up to LINE_MAX_BYTES characters; an
    overlong line is skipped to its end, noted in `overlong` (its line number) and given
    as an empty line."""
    readline = f.readline
    for lineno, line in enumerate(iter(partial(readline, LINE_MAX_BYTES + 1), ""), 1):
        if len(line) > LINE_MAX_BYTES and line[-1] not in "\r\n":
            _skip_rest_of_line(readline, ("\n", "\r"))
            overlong.append(lineno)
            line = "\n"
        yield line


def _csv_rows(f: Any, reader: Any, header: list[str], parser: RowParser,
              overlong: list[int]) -> Iterator[RowResult]:
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
                while overlong and overlong[0] <= line:
                    overlong.pop(0)
                yield start, [RowError(start, None, None, "invalid_csv",
                                       f"第 {start} 行无法解析 (CSV 引号或分隔符错误): {e}",
                                       f"line {start} cannot be read (CSV quoting): {e}")]
                continue
            line = reader.line_num
            if overlong and overlong[0] <= line:  # the row has an overlong line
                del overlong[:]
                yield start, _line_too_long(start, ("个字符", "characters"))
                continue
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


class _XmlRefused(Exception):
    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.args3 = (code, message, message_en)


_COLUMN_RE = re.compile(r"[A-Z]{1,3}")


def _column(ref: str) -> int:
    """The 1-based column of a cell reference ("AB12" -> 28); 0 if unreadable."""
    m = _COLUMN_RE.match(ref)
    n = 0
    for ch in m.group() if m else "":
        n = n * 26 + ord(ch) - 64
    return n


class _PartScan:
    """One streaming pass (expat, constant memory) over an XML part of a workbook: no
    DOCTYPE (so no entities), rows of at most XLSX_MAX_COLUMNS cells, no cell text over
    CELL_MAX_CHARS, at most XLSX_MAX_SHARED_STRINGS shared strings; the last row and
    column used."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.max_row = self.max_col = 0
        self.strings = 0
        self._row = self._col = self._cells = 0
        self._text = 0  # characters of the current cell / string (rich text runs summed)
        self._in_string = False
        p = self._parser = expat.ParserCreate()
        p.StartDoctypeDeclHandler = self._doctype
        p.EntityDeclHandler = self._doctype
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._chars

    def _doctype(self, *_: Any) -> None:
        raise _XmlRefused("xlsx_doctype",
                          f"Excel 文件的部件 {self.name} 含有 DOCTYPE 或实体声明, 不予读取",
                          f"the workbook part {self.name} has a DOCTYPE or entity "
                          "declaration; it is not read")

    def _end(self, tag: str) -> None:
        if tag.rpartition(":")[2] in ("si", "is"):
            self._in_string = False

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        if not self._in_string:
            self._text = 0
        if local == "row":
            r = attrs.get("r")
            self._row = int(r) if r and r.isdigit() and len(r) <= 8 else self._row + 1
            self._col = self._cells = 0
            if self._row > XLSX_MAX_ROWS:
                raise _XmlRefused(
                    "xlsx_too_many_rows",
                    f"工作表 {self.name} 超过 {XLSX_MAX_ROWS} 行",
                    f"the sheet {self.name} has more than {XLSX_MAX_ROWS} rows")
            self.max_row = max(self.max_row, self._row)
        elif local == "c":
            ref = attrs.get("r")
            self._col = _column(ref) if ref else self._col + 1
            self._cells += 1
            if self._cells > XLSX_MAX_COLUMNS or self._col > XLSX_MAX_COLUMNS:
                raise _XmlRefused(
                    "xlsx_row_too_wide",
                    f"工作表 {self.name} 第 {self._row} 行超过 {XLSX_MAX_COLUMNS} 列",
                    f"row {self._row} of the sheet {self.name} has more than "
                    f"{XLSX_MAX_COLUMNS} columns")
            self.max_col = max(self.max_col, self._col)
        elif local == "si" or local == "is":
            self._in_string, self._text = True, 0
            self.strings += local == "si"
            if self.strings > XLSX_MAX_SHARED_STRINGS:
                raise _XmlRefused(
                    "xlsx_too_many_strings",
                    f"Excel 文件的共享字符串超过 {XLSX_MAX_SHARED_STRINGS} 个",
                    f"the workbook has more than {XLSX_MAX_SHARED_STRINGS} shared strings")

    def _chars(self, data: str) -> None:
        self._text += len(data)
        if self._text > CELL_MAX_CHARS:
            raise _XmlRefused(
                "xlsx_cell_too_long",
                f"Excel 文件的部件 {self.name} 中有超过 {CELL_MAX_CHARS} 个字符的单元格",
                f"the workbook part {self.name} has a cell of more than {CELL_MAX_CHARS} "
                "characters")

    def feed(self, stream: IO[bytes]) -> None:
        parse = self._parser.Parse
        while chunk := stream.read(_CHUNK):
            parse(chunk, False)
        parse(b"", True)


def _xlsx_refused(path: Path, code: str, zh: str, en: str) -> FileError:
    return FileError(code, zh, en, path)


def check_xlsx(path: str | PathLike[str]) -> dict[str, tuple[int, int]]:
    """Check an .xlsx before anything in it is unpacked, then scan its XML as a stream
    (see the module's limits); raise FileError if it goes beyond them. Returns, per
    worksheet part, (last row, last column) actually used."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except Exception as e:  # BadZipFile, OSError, NotImplementedError (a version), EOFError...
        raise FileError("invalid_xlsx", f"无法读取 Excel 文件: {e}",
                        f"cannot read the Excel workbook: {e}", path) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > XLSX_MAX_PARTS:
            raise _xlsx_refused(path, "xlsx_too_many_parts",
                                f"Excel 文件含有 {len(infos)} 个部件, 最多 {XLSX_MAX_PARTS} 个",
                                f"the workbook has {len(infos)} parts, at most "
                                f"{XLSX_MAX_PARTS}")
        if any(not info.filename for info in infos):  # damaged: zipfile fails on it later
            raise FileError("invalid_xlsx", "无法读取 Excel 文件: 有部件没有名称",
                            "cannot read the Excel workbook: a part has no name", path)
        total = 0
        for info in infos:
            size, packed, name = info.file_size, info.compress_size, info.filename
            total += size
            lower = name.lower()
            if "worksheets/" in lower:
                most = XLSX_MAX_PART_BYTES
            elif lower.endswith("sharedstrings.xml"):
                most = XLSX_MAX_SHARED_BYTES
            else:
                most = XLSX_MAX_OTHER_BYTES
            if size > most:
                raise _xlsx_refused(
                    path, "xlsx_too_large",
                    f"Excel 文件的部件 {name} 解压后为 {size} 字节, 最多 {most} 字节",
                    f"the workbook part {name} unpacks to {size} bytes, at most {most}")
            if size > _MIB and size > XLSX_MAX_RATIO * max(packed, 1):
                raise _xlsx_refused(
                    path, "xlsx_compression_ratio",
                    f"Excel 文件的部件 {name} 压缩比过高 ({size} / {packed} 字节, 最多 "
                    f"{XLSX_MAX_RATIO} 倍), 疑为压缩炸弹",
                    f"the workbook part {name} is compressed too much ({size} / {packed} "
                    f"bytes, at most {XLSX_MAX_RATIO} times): a suspected zip bomb")
        if total > XLSX_MAX_TOTAL_BYTES:
            raise _xlsx_refused(path, "xlsx_too_large",
                                f"Excel 文件解压后共 {total} 字节, 最多 "
                                f"{XLSX_MAX_TOTAL_BYTES} 字节",
                                f"the workbook unpacks to {total} bytes, at most "
                                f"{XLSX_MAX_TOTAL_BYTES}")
        sheets: dict[str, tuple[int, int]] = {}
        for info in infos:
            if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            scan = _PartScan(info.filename)
            try:
                with zf.open(info) as stream:
                    scan.feed(stream)
            except _XmlRefused as e:
                raise FileError(*e.args3, path) from None
            except Exception as e:  # ExpatError, BadZipFile, zlib.error...: a broken part
                raise FileError("invalid_xlsx", f"无法读取 Excel 文件的部件 {info.filename}: {e}",
                                f"cannot read the workbook part {info.filename}: {e}",
                                path) from None
            sheets[info.filename] = (scan.max_row, scan.max_col)
    return sheets


def read_xlsx(path: str | PathLike[str], *, today: dt.date | None = None) -> Iterator[RowResult]:
    """Read an .xlsx workbook: one sheet per record type, named after the type.

    The first row of a sheet holds the field names; `type` may be left out (it is the sheet
    name). Rows are numbered as in the sheet. Empty sheets are skipped; a non-empty sheet
    not named after a type rejects the file. The file is checked first (check_xlsx).
    """
    import openpyxl

    path = Path(path)
    used = check_xlsx(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise FileError("invalid_xlsx", f"无法读取 Excel 文件: {e}",
                        f"cannot read the Excel workbook: {e}", path) from None
    for ws in wb.worksheets:
        if ws.title not in TYPES and _has_values(ws, used):
            wb.close()
            raise FileError(
                "unknown_sheet",
                f"工作表 {ws.title!r} 不是记录类型名称; 每个工作表应以记录类型命名 (如 lease)",
                f"sheet {ws.title!r} is not a record type; name each sheet after its type "
                "(such as lease)", path)
    return _xlsx_rows(wb, _parser(today), used)


def _has_values(ws: Any, used: dict[str, tuple[int, int]]) -> bool:
    """Whether a sheet has any non-empty cell (stops at the first one found)."""
    return any(
        any(c is not None and c != "" for c in row) for row in _sheet_rows(ws, used)
    )


def _sheet_rows(ws: Any, used: dict[str, tuple[int, int]]) -> Iterator[tuple[Any, ...]]:
    """A sheet's rows (values) up to the last row and column it really uses (check_xlsx),
    not those its dimension claims."""
    part = str(getattr(ws, "_worksheet_path", "")).lstrip("/")
    max_row, max_col = used.get(part, (0, 0))
    if not max_row or not max_col:
        return iter(())
    return ws.iter_rows(values_only=True, max_row=max_row, max_col=max_col)


def _xlsx_rows(wb: Any, parser: RowParser,
               used: dict[str, tuple[int, int]]) -> Iterator[RowResult]:
    try:
        yield from _xlsx_sheets(wb, parser, used)
    except FileError:
        raise
    except Exception as e:  # openpyxl on a cell it cannot convert (a damaged workbook)
        raise FileError("invalid_xlsx", f"Excel 文件的内容无法读取: {e}",
                        f"the workbook's content cannot be read: {e}") from None
    finally:
        wb.close()


def _xlsx_sheets(wb: Any, parser: RowParser,
                 used: dict[str, tuple[int, int]]) -> Iterator[RowResult]:
    for ws in wb.worksheets:
        if ws.title not in TYPES:
            continue
        rows = _sheet_rows(ws, used)
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


def read_parquet(path: str | PathLike[str], *, today: dt.date | None = None,
                 batch_size: int = 8_192) -> Iterator[RowResult]:
    """Read a Parquet file of one record type (its `type` column, or else its file name).

    Strings, date32, integers and decimal(·,2) columns; null is absent. Rows are numbered
    from 1 in file order. With a `type` column, the first valid row fixes the file's type
    and rows of another type are rejected (type_mismatch).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        pf = pq.ParquetFile(path)
        _check_parquet(pf, path)
        # text columns stay dictionary-encoded as read: a repeated value is decoded once
        text = [f.name for f in pf.schema_arrow
                if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        if text:
            pf = pq.ParquetFile(path, read_dictionary=text)
    except FileError:
        raise
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


def _check_parquet(pf: Any, path: Path) -> None:
    """Each row group within PARQUET_MAX_ROW_GROUP_BYTES uncompressed and
    PARQUET_MAX_RATIO times its compressed size, from the file's metadata (before any
    data is read)."""
    meta = pf.metadata
    for i in range(meta.num_row_groups):
        rg = meta.row_group(i)
        size = rg.total_byte_size
        packed = sum(rg.column(j).total_compressed_size for j in range(rg.num_columns))
        if size > PARQUET_MAX_ROW_GROUP_BYTES:
            raise FileError(
                "parquet_too_large",
                f"Parquet 文件的第 {i + 1} 个行组解压后为 {size} 字节, 最多 "
                f"{PARQUET_MAX_ROW_GROUP_BYTES} 字节",
                f"row group {i + 1} of the Parquet file is {size} bytes uncompressed, at "
                f"most {PARQUET_MAX_ROW_GROUP_BYTES}", path)
        if size > _MIB and size > PARQUET_MAX_RATIO * max(packed, 1):
            raise FileError(
                "parquet_compression_ratio",
                f"Parquet 文件的第 {i + 1} 个行组压缩比过高 ({size} / {packed} 字节, 最多 "
                f"{PARQUET_MAX_RATIO} 倍)",
                f"row group {i + 1} of the Parquet file is compressed too much ({size} / "
                f"{packed} bytes, at most {PARQUET_MAX_RATIO} times)", path)


def _bounded_batch(batch: Any) -> Any:
    """The batch with every text value cut to PARQUET_CELL_MAX_CHARS (dictionary-encoded
    columns: their dictionary), so that no row decodes into more than a few kilobytes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = list(batch.columns)
    changed = False
    for i, col in enumerate(columns):
        t = col.type
        values = col.dictionary if pa.types.is_dictionary(t) else col
        vt = values.type
        if not (pa.types.is_string(vt) or pa.types.is_large_string(vt)) or not len(values):
            continue
        longest = pc.max(pc.utf8_length(values)).as_py()
        if longest is None or longest <= PARQUET_CELL_MAX_CHARS:
            continue
        cut = pc.utf8_slice_codeunits(values, 0, PARQUET_CELL_MAX_CHARS)
        columns[i] = (pa.DictionaryArray.from_arrays(col.indices, cut)
                      if pa.types.is_dictionary(t) else cut)
        changed = True
    if not changed:
        return batch
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _parquet_rows(pf: Any, parser: RowParser, type_hint: str | None,
                  batch_size: int) -> Iterator[RowResult]:
    index = 0
    batches = pf.iter_batches(batch_size=batch_size)
    while True:
        try:
            batch = next(batches, None)
            if batch is None:
                return
            raws = _bounded_batch(batch).to_pylist()
        except Exception as e:  # a damaged data page: pyarrow raises OSError, ArrowInvalid...
            raise FileError("invalid_parquet",
                            f"Parquet 文件第 {index + 1} 行起的数据无法读取: {e}",
                            f"the Parquet file cannot be read from row {index + 1} on: {e}",
                            None) from None
        for raw in raws:
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

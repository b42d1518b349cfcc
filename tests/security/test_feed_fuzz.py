"""Fuzzing every feed reader and every identifier parser of points (hypothesis).

Any bytes give records or row-level errors (or a FileError, the documented refusal of a
file as a whole), never another exception; whatever comes out as a Record is within the
limits of feeds.md (version range, no control character in its identifiers). Each test is
bounded (200 examples) so that CI stays fast.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points.feeds import TYPES, FileError, Record, RowError, RowParser, read_file, write_xlsx
from points.feeds.schema import ENVELOPE, VERSION_MAX, Kind
from points.feeds.values import VALIDATORS, IdNumberChecker, Invalid
from points.identifiers import (
    IdentifierError,
    control_character,
    is_valid_id_number,
    parse_id_number,
    parse_uscc,
)
from tests.personas import ADULT_YZ_ID

TODAY = dt.date(2026, 11, 1)
FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FIELD_NAMES = sorted({*ENVELOPE, *(f.name for t in TYPES.values() for f in t.fields)})
TYPE_NAMES = sorted(TYPES)

# text that reaches the awkward corners: controls, separators, bidi, digits of other
# scripts, surrogates are not valid in UTF-8 files so codec="utf-8"
nasty_text = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from([
    "", " ", "\x00", "D\x00-1", "\u202e", "\u2028", "١٢٣", "²", "ß", "ﬁ", "9" * 40,
    "2147483648", "-1", "1e999", "NaN", "Infinity", "2100-12-31", "2101-01-01",
    "1899-12-31", "0000-00-00", "2026-02-30", "=HYPERLINK(\"x\")", ADULT_YZ_ID,
    ADULT_YZ_ID.lower() + "\x00", "91350100M000100Y43", "EDU", "diploma", "upsert",
])
json_scalars = (st.none() | st.booleans() | st.integers() | nasty_text
                | st.decimals(allow_nan=True, allow_infinity=True)
                | st.floats(allow_nan=True, allow_infinity=True))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(nasty_text, inner, max_size=3), max_leaves=6)
field_names = st.sampled_from(FIELD_NAMES) | nasty_text


@st.composite
def raw_rows(draw: st.DrawFn) -> dict[str, Any]:
    """A row that is close to valid often enough to reach the field checks."""
    type_name = draw(st.sampled_from(TYPE_NAMES))
    spec = TYPES[type_name]
    row: dict[str, Any] = {"source": draw(st.sampled_from(spec.sources) | nasty_text),
                           "type": draw(st.just(type_name) | nasty_text),
                           "record_id": draw(nasty_text), "id_number": ADULT_YZ_ID}
    for name in draw(st.lists(field_names, max_size=8)):
        row[name] = draw(json_values)
    return row


def _check(results: Iterator[tuple[int, Record | list[RowError]]]) -> None:
    for row, result in results:
        assert isinstance(row, int)
        if isinstance(result, Record):
            assert 1 <= result.version <= VERSION_MAX
            assert control_character(result.record_id) is None
            for f in TYPES[result.type].fields:
                value = result.fields.get(f.name)
                if f.kind is Kind.IDENTIFIER and value is not None and not f.multiline:
                    assert control_character(value) is None, (f.name, value)
        else:
            assert isinstance(result, list) and result
            for e in result:
                assert isinstance(e, RowError) and e.code and e.message and e.message_en
                assert len(e.message) < 2000 and len(e.message_en) < 2000


def _read(data: bytes, suffix: str, name: str = "feed") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}{suffix}"
        path.write_bytes(data)
        try:
            _check(read_file(path, today=TODAY))
        except FileError as e:
            assert e.code and e.message and e.message_en


# ---- row validation ------------------------------------------------------------------------

@FUZZ
@given(raw_rows())
def test_any_row_gives_a_record_or_row_errors(raw: dict[str, Any]) -> None:
    parser = RowParser(TODAY)
    _check([(1, parser.parse(raw, row=1))])
    _check([(2, parser.parse(raw, row=2))])  # again: through the memoised fast path


@FUZZ
@given(json_values)
def test_any_json_value_as_a_row(value: Any) -> None:
    _check([(1, RowParser(TODAY).parse(value, row=1))])


# ---- readers ---------------------------------------------------------------------------------

@FUZZ
@given(st.binary(max_size=2000))
def test_jsonl_any_bytes(data: bytes) -> None:
    _read(data, ".jsonl")


@FUZZ
@given(st.lists(raw_rows() | json_values, max_size=5), st.binary(max_size=40))
def test_jsonl_rows_with_noise(rows: list[Any], noise: bytes) -> None:
    lines = [json.dumps(r, default=str).encode() for r in rows]
    _read(b"\n".join(lines) + b"\n" + noise, ".jsonl")


@FUZZ
@given(st.binary(max_size=2000))
def test_csv_any_bytes(data: bytes) -> None:
    _read(data, ".csv")


@FUZZ
@given(st.lists(field_names, min_size=1, max_size=8),
       st.lists(st.lists(nasty_text, max_size=9), max_size=5),
       st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
def test_csv_header_and_cells(header: list[str], rows: list[list[str]], encoding: str) -> None:
    import csv

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    _read(out.getvalue().encode(encoding, errors="replace"), ".csv")


def _xlsx_bytes(records: list[Record]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.xlsx"
        write_xlsx(records, path)
        return path.read_bytes()


VALID_XLSX = _xlsx_bytes([Record("EDU", "diploma", "D-1", 1, "upsert", ADULT_YZ_ID,
                                 {"level": "bachelor", "issued_on": dt.date(2010, 7, 1)})])


@FUZZ
@given(st.binary(max_size=2000))
def test_xlsx_any_bytes(data: bytes) -> None:
    _read(data, ".xlsx")


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(VALID_XLSX) - 1), st.integers(0, 255)),
                min_size=1, max_size=8))
def test_xlsx_damaged_bytes(flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID_XLSX)
    for at, value in flips:
        data[at] = value
    _read(bytes(data), ".xlsx")


def test_xlsx_with_a_nameless_part_is_refused_as_damaged() -> None:
    # a name starting with NUL reads as "" (zipfile cuts names at NUL), on which zipfile's
    # own ZipInfo.is_dir() raised IndexError (a hypothesis example found it)
    name = b"[Content_Types].xml"
    assert name in VALID_XLSX
    _read(VALID_XLSX.replace(name, b"\x00" + name[1:]), ".xlsx")


cell_values = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | nasty_text
               | st.floats(allow_nan=False, allow_infinity=False)
               | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
               | st.datetimes(dt.datetime(1900, 1, 2), dt.datetime(9999, 12, 31)))


@FUZZ
@given(st.sampled_from([*TYPE_NAMES, "Sheet", "\u202e"]), st.lists(field_names, max_size=8),
       st.lists(st.lists(cell_values, max_size=9), max_size=4))
def test_xlsx_typed_cells(title: str, header: list[str], rows: list[list[Any]]) -> None:
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = openpyxl.Workbook()
    ws = wb.active
    try:
        ws.title = title
        ws.append(header)
        for r in rows:
            ws.append(r)
    except (IllegalCharacterError, ValueError):  # openpyxl refuses to write it: no file
        return
    out = io.BytesIO()
    wb.save(out)
    _read(out.getvalue(), ".xlsx")


@FUZZ
@given(st.dictionaries(st.sampled_from(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                                        "xl/workbook.xml", "xl/styles.xml"]),
                       st.binary(max_size=300) | nasty_text.map(str.encode), max_size=2))
def test_xlsx_parts_replaced(parts: dict[str, bytes]) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(VALID_XLSX)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, parts.pop(name, None) or src.read(name))
        for name, data in parts.items():
            dst.writestr(name, data)
    _read(out.getvalue(), ".xlsx")


@FUZZ
@given(st.binary(max_size=2000))
def test_parquet_any_bytes(data: bytes) -> None:
    _read(data, ".parquet", "diploma")


parquet_columns = st.sampled_from([
    ("int64", st.integers(-2**63, 2**63 - 1)),
    ("string", nasty_text),
    ("date32", st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    ("decimal", st.decimals(min_value=Decimal("-9999999999.99"),
                            max_value=Decimal("9999999999.99"), places=2)),
    ("bool", st.booleans()),
    ("double", st.floats()),
])


@FUZZ
@given(st.lists(st.tuples(field_names, parquet_columns), min_size=1, max_size=6,
                unique_by=lambda c: c[0]), st.integers(0, 4), st.data())
def test_parquet_typed_columns(columns: list[Any], n: int, data: st.DataObject) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"int64": pa.int64(), "string": pa.string(), "date32": pa.date32(),
             "decimal": pa.decimal128(12, 2), "bool": pa.bool_(), "double": pa.float64()}
    arrays = {}
    for name, (kind, values) in columns:
        arrays[name] = pa.array([data.draw(st.none() | values) for _ in range(n)],
                                type=types[kind])
    out = io.BytesIO()
    pq.write_table(pa.table(arrays), out)
    _read(out.getvalue(), ".parquet", "diploma")


# ---- identifier parsers ------------------------------------------------------------------------

id_like = nasty_text | st.text("0123456789Xx \x00\t", min_size=14, max_size=20) | \
    st.builds(lambda s, i, c: s[:i] + c + s[i:], st.just(ADULT_YZ_ID), st.integers(0, 18),
              st.characters(codec="utf-8"))


@FUZZ
@given(id_like)
def test_id_number_parser(raw: str) -> None:
    try:
        parsed = parse_id_number(raw, today=TODAY)
    except IdentifierError as e:
        assert e.code.startswith("id_") and e.message and e.message_en
        assert not is_valid_id_number(raw, today=TODAY)
        return
    assert len(parsed.value) == 18 and parsed.value.isascii()
    assert control_character(raw) is None
    assert parsed.birth_date <= TODAY


@FUZZ
@given(id_like)
def test_id_number_checker_agrees_with_the_parser(raw: str) -> None:
    check = IdNumberChecker(TODAY)
    try:
        value = check("id_number", raw)
    except Invalid as e:
        assert e.code.startswith("id_")
        assert not is_valid_id_number(raw, today=TODAY)
        return
    assert value == parse_id_number(raw, today=TODAY).value


@FUZZ
@given(nasty_text | st.text("0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZ\x00", min_size=17,
                             max_size=19))
def test_uscc_parser(raw: str) -> None:
    try:
        value = parse_uscc(raw)
    except IdentifierError as e:
        assert e.code.startswith("uscc_") and e.message and e.message_en
        return
    assert len(value) == 18 and control_character(raw) is None


@FUZZ
@given(st.sampled_from([(t, f) for t in TYPE_NAMES for f in TYPES[t].fields]), json_values)
def test_every_field_validator(type_field: tuple[str, Any], value: Any) -> None:
    """Codes, keys, districts, streets, dates, months, money, hours, integers,
    identifiers, USCCs, ID numbers: a typed value or Invalid."""
    _, spec = type_field
    check = IdNumberChecker(TODAY) if spec.kind is Kind.ID_NUMBER else VALIDATORS[spec.kind]
    try:
        check(spec.name, value, spec)
    except Invalid as e:
        assert e.code and e.message and e.message_en and len(e.message) < 2000

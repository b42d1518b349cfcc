"""One feed file can neither take the platform down nor void a batch (issue #11, point 3).

- An .xlsx zip bomb (3 MB that unpacks to 3.3 GB) is refused before anything is unpacked,
  with the memory of the reading process bounded (peak RSS measured in a subprocess).
- Overlong lines, wide rows, DOCTYPEs, oversized Parquet cells: refused or rejected row by
  row, memory bounded.
- A version beyond the database's integer is a row error; the other rows of the batch are
  stored (file, service and API).
- Every limit of feeds.md ("Limits") is checked at its edges, with its reason.
- Control characters are refused in identifiers (NUL in record_id, ID numbers, codes).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from points.feeds import FileError, Record, parse_row, read_file, write_xlsx
from points.feeds.readers import LINE_MAX_BYTES
from tests.api.conftest import API, hrss_key  # noqa: F401 (a fixture)
from tests.client import Client
from tests.personas import ADULT_YZ_ID
from xinjumin.records.models import ImportBatch, RowRejection, SourceRecord
from xinjumin.records.services import records_import_file, records_ingest

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 1)
ID = ADULT_YZ_ID
USCC = "91350100M000100Y43"

# ---- building files ----------------------------------------------------------------------


def _diploma(record_id: str = "D-1", **extra: Any) -> dict[str, Any]:
    return {"source": "EDU", "type": "diploma", "record_id": record_id, "id_number": ID,
            "level": "bachelor", "issued_on": "2010-07-01", **extra}


def _small_xlsx(path: Path) -> Path:
    write_xlsx([Record("EDU", "diploma", "D-1", 1, "upsert", ID,
                       {"level": "bachelor", "issued_on": dt.date(2010, 7, 1)})], path)
    return path


def _repeated_deflate(chunk: bytes, times: int) -> tuple[bytes, int, int]:
    """Raw deflate data of `chunk` repeated `times` times, made without compressing it
    all: each copy is a full-flushed block (the same bytes), then an empty final block.
    Returns (data, crc32, size)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    return block * times + c.flush(zlib.Z_FINISH), crc, len(chunk) * times


def _zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip archive written by hand from already deflated members (name, data, crc,
    size), so that a member of gigabytes never exists unpacked."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in members:
        offset = out.tell()
        raw = name.encode()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc,
                              len(data), size, len(raw), 0) + raw + data)
        central.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0,
                                  0x21, crc, len(data), size, len(raw), 0, 0, 0, 0, 0,
                                  offset) + raw)
    cd = central.getvalue()
    out.write(cd + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members),
                               len(members), len(cd), out.tell(), 0))
    path.write_bytes(out.getvalue())
    return path


def _deflated(data: bytes) -> tuple[bytes, int, int]:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(), zlib.crc32(data), len(data)


def _xlsx_with(path: Path, replace: dict[str, tuple[bytes, int, int]]) -> Path:
    """A real workbook (write_xlsx) with some of its parts replaced or added."""
    small = _small_xlsx(path.with_suffix(".small.xlsx"))
    members = []
    with zipfile.ZipFile(small) as zf:
        names = zf.namelist()
        for name in names:
            members.append((name, *replace.pop(name, _deflated(zf.read(name)))))
    members += [(name, *value) for name, value in replace.items()]
    return _zip(path, members)


def _bomb_xlsx(path: Path) -> Path:
    """The probe's bomb: about 3 MB that unpacks to 3.3 GB of shared strings."""
    chunk = b"<si><t>" + b"A" * (1 << 20) + b"</t></si>"
    data, crc, size = _repeated_deflate(chunk, 3300)
    return _xlsx_with(path, {"xl/sharedStrings.xml": (data, crc, size)})


PEAK = r'''
import json, sys
from points.feeds import FileError, read_file
outcome = {"rows": 0}
try:
    for row, result in read_file(sys.argv[1]):
        outcome["rows"] += 1
        outcome.setdefault("codes", []).extend(
            [] if not isinstance(result, list) else [e.code for e in result])
except FileError as e:
    outcome["file_error"] = e.code
# VmHWM: this process's own peak (ru_maxrss would carry the parent's over from fork)
with open("/proc/self/status") as f:
    outcome["peak_mb"] = next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
print(json.dumps(outcome))
'''
def _read_in_child(path: Path) -> dict[str, Any]:
    """read_file(path) in a fresh interpreter: its outcome and its peak RSS in MB (Linux)."""
    done = subprocess.run([sys.executable, "-c", PEAK, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory: pytest.TempPathFactory) -> float:
    """The peak RSS of reading a one-row workbook: the interpreter, openpyxl, pyarrow."""
    return _read_in_child(_small_xlsx(tmp_path_factory.mktemp("x") / "one.xlsx"))["peak_mb"]


# ---- .xlsx ---------------------------------------------------------------------------------

def test_the_zip_bomb_xlsx_is_refused_before_unpacking_with_memory_bounded(tmp_path, baseline_mb):
    bomb = _bomb_xlsx(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 5_000_000
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo("xl/sharedStrings.xml").file_size > 3_000_000_000
    got = _read_in_child(bomb)
    assert got["file_error"] in ("xlsx_too_large", "xlsx_compression_ratio")
    assert got["rows"] == 0
    assert got["peak_mb"] < baseline_mb + 50, got


def test_a_bomb_member_within_the_sizes_is_refused_by_its_compression_ratio(tmp_path):
    data, crc, size = _repeated_deflate(b"<row/>" * 1000, 5000)  # 30 MB, ratio ~1000
    path = _xlsx_with(tmp_path / "ratio.xlsx", {"xl/worksheets/sheet1.xml": (data, crc, size)})
    with pytest.raises(FileError) as e:
        read_file(path)
    assert e.value.code == "xlsx_compression_ratio"
    assert "压缩" in e.value.message and "compressed too much" in e.value.message_en


def test_a_member_that_unpacks_beyond_its_declared_size_is_not_read_past_it(tmp_path):
    """zipfile stops at the declared size (and the CRC then fails): a lying header
    cannot make it unpack more than the checks allowed."""
    path = _small_xlsx(tmp_path / "lie.xlsx")
    raw = bytearray(path.read_bytes())
    sheet = b"xl/worksheets/sheet1.xml"
    for sig, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = -1
        while (i := raw.find(sig, i + 1)) != -1:
            name_at = i + (30 if sig == b"PK\x03\x04" else 46)
            if raw[name_at:name_at + len(sheet)] == sheet:
                raw[i + at:i + at + 4] = struct.pack("<I", 10)  # declared: 10 bytes
    path.write_bytes(bytes(raw))
    with pytest.raises(FileError) as e:
        read_file(path)
    assert e.value.code == "invalid_xlsx"


def _sheet(rows: str, head: str = "") -> tuple[bytes, int, int]:
    return _deflated(
        (head + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         f"<sheetData>{rows}</sheetData></worksheet>").encode())


def test_a_row_of_more_cells_than_a_feed_has_is_refused(tmp_path):
    cells = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(300))
    path = _xlsx_with(tmp_path / "wide.xlsx",
                      {"xl/worksheets/sheet1.xml": _sheet(f'<row r="1">{cells}</row>')})
    with pytest.raises(FileError) as e:
        read_file(path)
    assert e.value.code == "xlsx_row_too_wide"


def test_a_cell_far_to_the_right_is_refused(tmp_path):
    path = _xlsx_with(tmp_path / "far.xlsx", {"xl/worksheets/sheet1.xml": _sheet(
        '<row r="1"><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>')})
    with pytest.raises(FileError) as e:
        read_file(path)
    assert e.value.code == "xlsx_row_too_wide"


def test_a_doctype_with_entities_is_refused(tmp_path):
    head = ('<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')
    path = _xlsx_with(tmp_path / "lol.xlsx", {"xl/worksheets/sheet1.xml": _sheet(
        '<row r="1"><c t="inlineStr"><is><t>&b;</t></is></c></row>', head)})
    with pytest.raises(FileError) as e:
        read_file(path)
    assert e.value.code == "xlsx_doctype"


def test_an_oversized_cell_is_refused(tmp_path):
    path = _xlsx_with(tmp_path / "cell.xlsx", {"xl/worksheets/sheet1.xml": _sheet(
        f'<row r="1"><c t="inlineStr"><is><t>{"x" * 40_000}</t></is></c></row>')})
    with pytest.raises(FileError) as e:
        read_file(path)
    assert e.value.code == "xlsx_cell_too_long"


def test_a_claimed_dimension_of_the_whole_sheet_costs_nothing(tmp_path):
    """A sheet claiming A1:XFD1048576 is read as the two rows it has (openpyxl would
    otherwise yield a million padded rows)."""
    path = _small_xlsx(tmp_path / "dim.xlsx")
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    text = parts[sheet].decode()
    if "<dimension" in text:
        start = text.index("<dimension")
        text = text[:start] + '<dimension ref="A1:XFD1048576"/>' + \
            text[text.index("/>", start) + 2:]
    else:
        text = text.replace("<sheetData", '<dimension ref="A1:XFD1048576"/><sheetData', 1)
    parts[sheet] = text.encode()
    _zip(path, [(n, *_deflated(d)) for n, d in parts.items()])
    got = list(read_file(path, today=TODAY))
    assert len(got) == 1 and isinstance(got[0][1], Record)


# ---- JSON Lines, CSV, Parquet ---------------------------------------------------------------

def test_an_overlong_jsonl_line_is_a_rejected_row_and_memory_stays_bounded(tmp_path, baseline_mb):
    path = tmp_path / "long.jsonl"
    with path.open("w") as f:
        f.write(json.dumps(_diploma("D-1")) + "\n")
        f.write('{"record_id": "' + "x" * (200 * LINE_MAX_BYTES) + '"}\n')
        f.write(json.dumps(_diploma("D-2")) + "\n")
    got = list(read_file(path, today=TODAY))
    assert [row for row, _ in got] == [1, 2, 3]
    assert isinstance(got[0][1], Record) and isinstance(got[2][1], Record)
    assert [e.code for e in got[1][1]] == ["line_too_long"]
    peak = _read_in_child(path)
    assert peak["codes"] == ["line_too_long"] and peak["peak_mb"] < baseline_mb + 30, peak


def test_deeply_nested_json_is_a_rejected_row(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 200_000 + "]" * 200_000 + "\n" + json.dumps(_diploma()) + "\n")
    got = list(read_file(path, today=TODAY))
    assert got[0][1][0].code == "invalid_json" and isinstance(got[1][1], Record)


def test_an_overlong_csv_line_is_a_rejected_row(tmp_path, baseline_mb):
    header = ",".join(_diploma())
    row = ",".join(_diploma().values())
    path = tmp_path / "long.csv"
    with path.open("w") as f:
        f.write(f"{header}\n{row}\n")
        f.write("," * (50 * LINE_MAX_BYTES) + "\n")  # 50 million empty cells
        f.write(row.replace("D-1", "D-2") + "\n")
    got = list(read_file(path, today=TODAY))
    assert [row for row, _ in got] == [2, 3, 4]
    assert [e.code for e in got[1][1]] == ["line_too_long"]
    assert isinstance(got[2][1], Record) and got[2][1].record_id == "D-2"
    peak = _read_in_child(path)
    assert peak["peak_mb"] < baseline_mb + 30, peak


def _parquet_bomb(path: Path, value: str, n: int = 20_000) -> Path:
    """One long value, dictionary-encoded, referenced by every one of n rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    huge = pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array([value]))
    plain = {k: pa.array([v] * n) for k, v in _diploma().items() if k != "record_id"}
    pq.write_table(pa.table({"record_id": huge, **plain}), path, compression="zstd")
    return path


def test_a_parquet_dictionary_bomb_is_refused_by_its_compression_ratio(tmp_path, baseline_mb):
    path = _parquet_bomb(tmp_path / "diploma.parquet", "x" * (64 << 20))  # 1.3 TB decoded
    assert path.stat().st_size < 1_000_000
    got = _read_in_child(path)
    assert got["file_error"] == "parquet_compression_ratio" and got["rows"] == 0
    assert got["peak_mb"] < baseline_mb + 100, got


def test_a_parquet_long_value_in_every_row_is_cut_to_rejected_rows(tmp_path, baseline_mb):
    """An 8 MB value that does not compress, in 20,000 rows: 160 GB if decoded per row."""
    import base64
    import os

    value = base64.b64encode(os.urandom(6 << 20)).decode()
    got = _read_in_child(_parquet_bomb(tmp_path / "diploma.parquet", value))
    assert got.get("file_error") is None and got["rows"] == 20_000
    assert set(got["codes"]) == {"too_long"}
    assert got["peak_mb"] < baseline_mb + 200, got


# ---- integers beyond the database's range: a row error, the batch stored ---------------------

@pytest.mark.django_db
def test_a_version_of_2_to_the_63_is_a_row_error_and_the_other_rows_store(tmp_path):
    path = tmp_path / "v.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        _diploma("D-1"), _diploma("D-2", version=2**63), _diploma("D-3", version=2**31),
        _diploma("D-4", version=2**31 - 1)]) + "\n")
    batch = records_import_file(path=path, today=TODAY)
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.created, batch.rejected) == (2, 2)
    assert set(SourceRecord.objects.values_list("record_id", "version")) == {
        ("D-1", 1), ("D-4", 2**31 - 1)}
    reasons = {r.row: (r.field, r.code) for r in RowRejection.objects.filter(batch=batch)}
    assert reasons == {2: ("version", "invalid_version"), 3: ("version", "invalid_version")}


@pytest.mark.django_db
def test_a_record_built_with_a_huge_version_is_rejected_not_a_database_error():
    huge = Record("EDU", "diploma", "D-9", 2**63, "upsert", ID,
                  {"level": "bachelor", "issued_on": dt.date(2010, 7, 1)})
    _batch, outcomes = records_ingest(rows=[huge, _diploma("D-1")], today=TODAY)
    assert [o["outcome"] for o in outcomes] == ["rejected", "created"]
    assert outcomes[0]["errors"][0]["code"] == "invalid_version"


@pytest.mark.django_db
def test_the_api_answers_a_huge_version_with_a_row_error_not_a_500(world, hrss_key):  # noqa: F811
    si = {"source": "HRSS", "type": "social_insurance_period", "id_number": ID,
          "employer_uscc": USCC, "district": "330212", "first_month": "2024-01",
          "last_month": "2026-10"}
    records = [dict(si, record_id="SI-1"), dict(si, record_id="SI-2", version=2**63),
               dict(si, record_id="SI-3", version=10**30)]
    response = Client(headers={"X-API-Key": hrss_key}).post(
        f"{API}/feeds/records", json.dumps({"records": records}),
        content_type="application/json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["created", "rejected", "rejected"]
    assert results[1]["errors"][0]["field"] == "version"
    assert results[1]["errors"][0]["code"] == "invalid_version"
    assert SourceRecord.objects.filter(record_id="SI-1").exists()


# ---- every limit of feeds.md, at its edges ----------------------------------------------------

BASES: dict[str, dict[str, Any]] = {
    "diploma": _diploma(),
    "complex_rent": {"source": "HOUSING", "type": "complex_rent", "record_id": "CR-1",
                     "complex_id": "C-1", "district": "330203", "year": 2026,
                     "average_rent": "3100.00"},
    "volunteer_service": {"source": "VOLUNTEER", "type": "volunteer_service",
                          "record_id": "VS-1", "id_number": ID, "served_on": "2025-05-01",
                          "hours": "4.00"},
    "insured_employees": {"source": "SAMR", "type": "insured_employees", "record_id": "IE-1",
                          "id_number": ID, "business_uscc": USCC, "as_of": "2026-01-01",
                          "insured_count": 10},
    "lease": {"source": "HOUSING", "type": "lease", "record_id": "L-1", "id_number": ID,
              "district": "330203", "complex_id": "C-1", "monthly_rent": "2000.00",
              "start": "2024-01-01"},
    "social_insurance_period": {"source": "HRSS", "type": "social_insurance_period",
                                "record_id": "SI-1", "id_number": ID, "employer_uscc": USCC,
                                "district": "330212", "first_month": "2024-01",
                                "last_month": "2026-10"},
    "residence_permit": {"source": "PSB", "type": "residence_permit", "record_id": "RP-1",
                         "id_number": ID, "permit_no": "P-1", "district": "330212",
                         "issued_on": "2020-01-01", "count_start": "2020-01-01"},
    "shortage_post": {"source": "HRSS", "type": "shortage_post", "record_id": "SP-1",
                      "id_number": ID, "occupation_code": "6-01", "start": "2024-01-01"},
    "residence_registration": {"source": "PSB", "type": "residence_registration",
                               "record_id": "RR-1", "id_number": ID, "district": "330212",
                               "arrived_on": "2020-01-01", "registered_on": "2020-01-01"},
}

# (type, field, value, accepted, code when refused)
EDGES = [
    ("diploma", "version", 1, True, None),
    ("diploma", "version", 0, False, "invalid_version"),
    ("diploma", "version", 2_147_483_647, True, None),
    ("diploma", "version", 2_147_483_648, False, "invalid_version"),
    ("diploma", "version", "2147483648", False, "invalid_version"),
    ("diploma", "version", 2**63, False, "invalid_version"),
    ("diploma", "version", "9" * 5000, False, "invalid_version"),
    ("complex_rent", "year", 1948, False, "out_of_range"),
    ("complex_rent", "year", 1949, True, None),
    ("complex_rent", "year", 2100, True, None),
    ("complex_rent", "year", 2101, False, "out_of_range"),
    ("diploma", "issued_on", "1899-12-31", False, "out_of_range"),
    ("diploma", "issued_on", "1900-01-01", True, None),
    ("diploma", "issued_on", "2100-12-31", True, None),
    ("diploma", "issued_on", "2101-01-01", False, "out_of_range"),
    ("diploma", "issued_on", dt.date(2101, 1, 1), False, "out_of_range"),
    ("diploma", "issued_on", "9999-12-31", False, "out_of_range"),
    ("social_insurance_period", "first_month", "1899-12", False, "out_of_range"),
    ("social_insurance_period", "last_month", "2101-01", False, "out_of_range"),
    ("lease", "monthly_rent", "0.00", True, None),
    ("lease", "monthly_rent", "-0.01", False, "negative"),
    ("lease", "monthly_rent", "99999999.99", True, None),
    ("lease", "monthly_rent", "100000000.00", False, "too_large"),
    ("lease", "monthly_rent", 100_000_000, False, "too_large"),
    ("complex_rent", "average_rent", "9999999999.99", False, "too_large"),
    ("volunteer_service", "hours", "0", False, "not_positive"),
    ("volunteer_service", "hours", "0.01", True, None),
    ("volunteer_service", "hours", "1000", True, None),
    ("volunteer_service", "hours", "1000.00", True, None),
    ("volunteer_service", "hours", "1000.01", False, "too_large"),
    ("insured_employees", "insured_count", -1, False, "out_of_range"),
    ("insured_employees", "insured_count", 0, True, None),
    ("insured_employees", "insured_count", 1_000_000, True, None),
    ("insured_employees", "insured_count", 1_000_001, False, "out_of_range"),
    # identifiers without control characters
    ("diploma", "record_id", "D\x00-1", False, "control_character"),
    ("diploma", "record_id", "D-\x1f1", False, "control_character"),
    ("diploma", "record_id", "D-\x851", False, "control_character"),
    ("diploma", "record_id", "D-\u202e1", False, "control_character"),
    ("diploma", "record_id", "D-\n1", False, "control_character"),
    ("residence_permit", "permit_no", "P\x00-1", False, "control_character"),
    ("lease", "complex_id", "C\x7f-1", False, "control_character"),
    ("shortage_post", "occupation_code", "6\x00-01", False, "control_character"),
    ("residence_registration", "unit", "3号\n2单元", True, None),  # an address: lines allowed
    ("residence_registration", "unit", "3号\x002单元", False, "control_character"),
    ("diploma", "id_number", ID[:9] + "\x00" + ID[9:], False, "id_characters"),
    ("diploma", "id_number", ID[:17] + "\u00b2", False, "id_characters"),
    ("insured_employees", "business_uscc", USCC[:5] + "\x00" + USCC[5:], False,
     "uscc_characters"),
]


@pytest.mark.parametrize(("type_name", "field", "value", "accepted", "code"), EDGES,
                         ids=[f"{t}.{f}={v!r:.30}" for t, f, v, *_ in EDGES])
def test_each_limit_of_the_format(type_name, field, value, accepted, code):
    raw = dict(BASES[type_name], **{field: value})
    result = parse_row(raw, row=7, today=TODAY)
    if accepted:
        assert isinstance(result, Record), result
        return
    assert isinstance(result, list), result
    [error] = [e for e in result if e.field == field]
    assert error.code == code and error.row == 7
    assert error.message and error.message_en and error.message != error.message_en
    assert len(error.message) < 400 and len(error.message_en) < 400


def test_the_same_limits_hold_on_the_fast_path_and_the_full_one():
    """RowParser's fast path (strings, memoised) and its full check agree: a value
    refused once is refused again, whatever was validated before it."""
    from points.feeds import RowParser

    parser = RowParser(TODAY)
    unit = dict(BASES["residence_registration"], unit="3号\n2单元")
    assert isinstance(parser.parse(unit, row=1), Record)
    # the same text in a field that allows no line break, after it was cached for unit
    complex_id = dict(BASES["residence_registration"], complex_id="3号\n2单元")
    result = parser.parse(complex_id, row=2)
    assert isinstance(result, list) and result[0].code == "control_character"


@pytest.mark.django_db
def test_nul_in_record_id_is_refused_and_never_reaches_the_database():
    _batch, outcomes = records_ingest(rows=[_diploma("D\x00-1"), _diploma("D-2")], today=TODAY)
    assert [o["outcome"] for o in outcomes] == ["rejected", "created"]
    assert outcomes[0]["errors"][0]["code"] == "control_character"
    assert list(SourceRecord.objects.values_list("record_id", flat=True)) == ["D-2"]
    assert "\x00" not in "".join(RowRejection.objects.values_list("message_en", flat=True))


@pytest.mark.django_db
def test_an_unknown_field_named_with_nul_is_stored_written_out(tmp_path):
    """Reasons are stored as text PostgreSQL accepts (no NUL), cut to a bounded size."""
    path = tmp_path / "k.jsonl"
    path.write_text(json.dumps(_diploma("D-1", **{"x\x00y" * 40: 1})) + "\n"
                    + json.dumps(_diploma("D-2")) + "\n")
    batch = records_import_file(path=path, today=TODAY)
    assert (batch.status, batch.created, batch.rejected) == ("done", 1, 1)
    rejection = RowRejection.objects.get(batch=batch)
    assert rejection.code == "unknown_field" and "\x00" not in rejection.field
    assert "\x00" not in rejection.message and len(rejection.field) <= 64


def test_a_row_of_a_million_unknown_fields_has_a_bounded_list_of_reasons():
    raw = dict(_diploma(), **{f"f{i}": 1 for i in range(100_000)})
    result = parse_row(raw, row=1, today=TODAY)
    assert isinstance(result, list) and len(result) == 50
    assert result[-1].code == "too_many_errors" and "99951" in result[-1].message_en

"""Readers: encodings, line numbers, .xlsx sheets and Parquet columns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from points.feeds import (
    FileError,
    Record,
    RowError,
    detect_csv_encoding,
    read_file,
    read_paths,
)

from .conftest import TODAY

HEADER = ("source,type,record_id,version,op,id_number,district,street,complex_id,unit,"
          "arrived_on,registered_on,ended_on\n")
ROW = ("PSB,residence_registration,RR000001,1,upsert,341221199001010132,330212,330212001,"
       "330212001-0001,3号2单元501室,2025-03-01,2025-03-02,\n")


def results(path: Path) -> list[tuple[int, Record | list[RowError]]]:
    return list(read_file(path, today=TODAY))


def test_gbk_without_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "rr.csv"
    path.write_bytes((HEADER + ROW).encode("gbk"))
    assert detect_csv_encoding(path) == "gbk"
    [(row, record)] = results(path)
    assert row == 2 and isinstance(record, Record)
    assert record.fields["unit"] == "3号2单元501室"


def test_utf8_with_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "rr.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + ROW).encode("utf-8"))
    [(_, record)] = results(path)
    assert isinstance(record, Record) and record.source == "PSB"


def test_bom_with_gbk_is_rejected_before_any_row(tmp_path: Path) -> None:
    path = tmp_path / "rr.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + ROW).encode("gbk"))
    with pytest.raises(FileError) as info:
        read_file(path)
    assert info.value.code == "bom_not_utf8"


def test_bytes_that_are_neither_utf8_nor_gbk(tmp_path: Path) -> None:
    path = tmp_path / "rr.csv"
    path.write_bytes(HEADER.encode() + b"\xff\xff\xff\n")
    with pytest.raises(FileError) as info:
        read_file(path)
    assert info.value.code == "unknown_encoding"


def test_csv_line_numbers_count_physical_lines(tmp_path: Path) -> None:
    quoted = ROW.replace("3号2单元501室", '"3号\n2单元"').replace("RR000001", "RR000002")
    bad = ROW.replace("2025-03-01", "2025-02-30").replace("RR000001", "RR000003")
    path = tmp_path / "rr.csv"
    path.write_text(HEADER + ROW + "\n" + quoted + bad + "a,b\n" + ",,,,,,,,,,,,\n",
                    encoding="utf-8")
    got = results(path)
    assert [row for row, _ in got] == [2, 4, 6, 7]
    assert isinstance(got[1][1], Record) and got[1][1].fields["unit"] == "3号\n2单元"
    assert [(e.field, e.code) for e in got[2][1]] == [("arrived_on", "impossible_date")]  # type: ignore
    assert [e.code for e in got[3][1]] == ["wrong_column_count"]  # type: ignore


def test_unknown_column_only_matters_when_filled(tmp_path: Path) -> None:
    path = tmp_path / "rr.csv"
    path.write_text(HEADER.rstrip("\n") + ",nickname\n" + ROW.rstrip("\n") + ",\n"
                    + ROW.rstrip("\n") + ",x\n", encoding="utf-8")
    got = results(path)
    assert isinstance(got[0][1], Record)
    assert [(e.field, e.code) for e in got[1][1]] == [("nickname", "unknown_field")]  # type: ignore


def test_empty_and_duplicate_header(tmp_path: Path) -> None:
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileError) as info:
        read_file(empty)
    assert info.value.code == "empty_file"
    dup = tmp_path / "d.csv"
    dup.write_text("source,source\n", encoding="utf-8")
    with pytest.raises(FileError) as info:
        read_file(dup)
    assert info.value.code == "duplicate_column"


def test_jsonl_bad_lines_are_rejected_alone(tmp_path: Path, samples: Path) -> None:
    good = (samples / "jsonl" / "lease.jsonl").read_bytes().splitlines()[0]
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\n".join([good, b"", b"[1, 2]", b"\xff\xfe", good + b" {}", good]))
    got = [(row, r if isinstance(r, Record) else [e.code for e in r]) for row, r in
           results(path)]
    assert [row for row, _ in got] == [1, 3, 4, 5, 6]
    assert got[1][1] == ["not_an_object"]
    assert got[2][1] == ["invalid_encoding"]
    assert got[3][1] == ["invalid_json"]
    assert isinstance(got[4][1], Record)


def test_unknown_file_kind(tmp_path: Path) -> None:
    with pytest.raises(FileError) as info:
        read_file(tmp_path / "x.xls")
    assert info.value.code == "unknown_file_kind"


def test_xlsx_two_sheets_with_excel_typed_cells(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "lease"  # no type column: taken from the sheet name
    ws.append(["source", "record_id", "version", "id_number", "district", "complex_id",
               "monthly_rent", "start", "end"])
    ws.append(["HOUSING", "LS1", 1, "341221199001010132", 330212, "c-1", 1800.5,
               dt.datetime(2025, 3, 1), None])
    ws.append(["HOUSING", "LS2", 1, "341221199001010132", 330212, "c-1", 1800.125,
               "2025-03-01", None])
    ws2 = wb.create_sheet("social_insurance_period")
    ws2.append(["source", "type", "record_id", "id_number", "employer_uscc", "district",
                "first_month", "last_month"])
    ws2.append(["HRSS", "social_insurance_period", "S1", "341221199001010132",
                "91350100M000100Y43", "330106", dt.datetime(2025, 1, 1), "2025-06"])
    ws2.append(["HRSS", "lease", "S2", "341221199001010132",
                "91350100M000100Y43", "330106", "2025-01", "2025-06"])
    wb.create_sheet("Sheet2")  # empty sheets are skipped
    path = tmp_path / "feeds.xlsx"
    wb.save(path)

    got = results(path)
    assert [row for row, _ in got] == [2, 3, 2, 3]
    lease = got[0][1]
    assert isinstance(lease, Record)
    assert lease.type == "lease" and lease.fields["district"] == "330212"
    assert lease.fields["monthly_rent"] == Decimal("1800.50")
    assert lease.fields["start"] == dt.date(2025, 3, 1)
    assert [e.code for e in got[1][1]] == ["too_many_decimals"]  # type: ignore
    si = got[2][1]
    assert isinstance(si, Record) and si.fields["first_month"] == "2025-01"
    assert [e.code for e in got[3][1]] == ["type_mismatch"]  # type: ignore


def test_xlsx_sheet_not_named_after_a_type(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "租赁"
    wb.active.append(["source"])
    wb.active.append(["HOUSING"])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(FileError) as info:
        read_file(tmp_path / "x.xlsx")
    assert info.value.code == "unknown_sheet"


def test_parquet_typed_columns_and_type_from_file_name(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "source": ["HOUSING", "HOUSING"],
        "record_id": ["LS1", "LS2"],
        "version": pa.array([1, 2], pa.int64()),
        "id_number": ["341221199001010132", "341221199001010132"],
        "district": ["330212", "330212"],
        "complex_id": ["c-1", "c-1"],
        "monthly_rent": pa.array([Decimal("1800.00"), Decimal("-1.00")], pa.decimal128(12, 2)),
        "start": pa.array([dt.date(2025, 3, 1), dt.date(2025, 3, 1)], pa.date32()),
        "end": pa.array([None, None], pa.date32()),
    })
    pq.write_table(table, tmp_path / "lease.parquet")
    got = results(tmp_path / "lease.parquet")
    assert got[0] == (1, Record("HOUSING", "lease", "LS1", 1, "upsert", "341221199001010132", {
        "district": "330212", "complex_id": "c-1", "monthly_rent": Decimal("1800.00"),
        "start": dt.date(2025, 3, 1)}))
    assert got[1][0] == 2 and [e.code for e in got[1][1]] == ["negative"]  # type: ignore
    pq.write_table(table, tmp_path / "other.parquet")
    with pytest.raises(FileError) as info:
        read_file(tmp_path / "other.parquet")
    assert info.value.code == "unknown_type"


def test_read_paths_mixes_files_and_directories(tmp_path: Path, samples: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a feed")
    (tmp_path / "b.csv").write_text(HEADER + ROW, encoding="utf-8")
    (tmp_path / "a.jsonl").write_bytes((samples / "jsonl" / "donor.jsonl").read_bytes())
    got = list(read_paths([tmp_path, samples / "csv" / "award.csv"], today=TODAY))
    assert [p.name for p in dict.fromkeys(p for p, _, _ in got)] == ["a.jsonl", "b.csv",
                                                                    "award.csv"]


def test_parquet_holds_one_type(tmp_path: Path, samples: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from points.feeds import write_parquet

    leases = [r for _, r in results(samples / "jsonl" / "lease.jsonl") if isinstance(r, Record)][:2]
    write_parquet(leases, tmp_path / "x.parquet")
    table = pq.read_table(tmp_path / "x.parquet")
    types = table.column("type").to_pylist()
    types[1] = "dormitory"
    table = table.set_column(table.schema.get_field_index("type"), "type", pa.array(types))
    pq.write_table(table, tmp_path / "x.parquet")
    got = results(tmp_path / "x.parquet")
    assert isinstance(got[0][1], Record)
    assert [e.code for e in got[1][1]] == ["type_mismatch"]  # type: ignore


def test_xlsx_values_on_an_unnamed_sheet_reject_the_file(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "lease"
    notes = wb.create_sheet("说明")
    notes["C7"] = "填表说明"
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(FileError) as info:
        read_file(tmp_path / "x.xlsx")
    assert info.value.code == "unknown_sheet"

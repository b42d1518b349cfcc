"""Row validation: the envelope, field kinds and cross-field rules of feeds.md."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from points.feeds import Record, RowError, RowParser, parse_batch, parse_row

from .conftest import TODAY

ID = "341221199001010132"
LEASE = {
    "source": "HOUSING", "type": "lease", "record_id": "LS000001", "version": 1,
    "op": "upsert", "id_number": ID, "district": "330212", "complex_id": "330212001-0001",
    "monthly_rent": Decimal("1800"), "start": "2025-03-01",
}


def parse(raw: dict[str, Any], **kw: Any) -> Record | list[RowError]:
    return parse_row(raw, row=7, today=TODAY, **kw)


def codes(result: Record | list[RowError]) -> set[tuple[str | None, str]]:
    assert isinstance(result, list), result
    return {(e.field, e.code) for e in result}


def test_a_valid_row_becomes_a_typed_record() -> None:
    record = parse(LEASE)
    assert isinstance(record, Record)
    assert record == Record("HOUSING", "lease", "LS000001", 1, "upsert", ID, {
        "district": "330212", "complex_id": "330212001-0001",
        "monthly_rent": Decimal("1800.00"), "start": dt.date(2025, 3, 1),
    })
    assert str(record.fields["monthly_rent"]) == "1800.00"


def test_csv_strings_give_the_same_record_and_empty_cells_are_absent() -> None:
    raw = {k: str(v) for k, v in LEASE.items()} | {"unit": "", "end": ""}
    assert parse(raw) == parse(LEASE)


def test_version_and_op_default() -> None:
    raw = {k: v for k, v in LEASE.items() if k not in ("version", "op")}
    record = parse(raw)
    assert isinstance(record, Record)
    assert (record.version, record.op) == (1, "upsert")


@pytest.mark.parametrize("version", [0, -1, "0", "1.5", Decimal("1.5"), Decimal("1.0"), True,
                                     False, "one", 1.0])
def test_bad_versions_are_rejected(version: Any) -> None:
    assert codes(parse(LEASE | {"version": version})) == {("version", "invalid_version")}


def test_json_money_keeps_its_digits() -> None:
    raw = json.loads(json.dumps(LEASE, default=str).replace('"1800"', "1800.125"),
                     parse_float=Decimal)
    assert codes(parse(raw)) == {("monthly_rent", "too_many_decimals")}
    assert isinstance(parse(LEASE | {"monthly_rent": "1800.50"}), Record)
    assert isinstance(parse(LEASE | {"monthly_rent": 1800}), Record)
    assert isinstance(parse(LEASE | {"monthly_rent": Decimal("1800.100")}), Record)


@pytest.mark.parametrize("rent,code", [
    ("-1", "negative"), ("12,5", "invalid_number"), ("1e3", "invalid_number"),
    ("NaN", "invalid_number"), (1800.125, "too_many_decimals"), ([1], "wrong_type"),
    (True, "wrong_type"), ("10000000000", "too_large"),
])
def test_bad_money(rent: Any, code: str) -> None:
    assert codes(parse(LEASE | {"monthly_rent": rent})) == {("monthly_rent", code)}


def test_zero_rent_is_money_but_zero_hours_is_not() -> None:
    assert isinstance(parse(LEASE | {"monthly_rent": "0"}), Record)
    raw = {"source": "VOLUNTEER", "type": "volunteer_service", "record_id": "V1",
           "id_number": ID, "served_on": "2026-03-01", "hours": "0"}
    assert codes(parse(raw)) == {("hours", "not_positive")}
    assert parse(raw | {"hours": "2.5"}).fields["hours"] == Decimal("2.50")  # type: ignore


@pytest.mark.parametrize("value,code", [
    ("2025-02-30", "impossible_date"), ("2025-2-3", "invalid_date"),
    ("20250301", "invalid_date"), ("2025-03-01T00:00", "invalid_date"), (20250301, "wrong_type"),
])
def test_bad_dates(value: Any, code: str) -> None:
    assert codes(parse(LEASE | {"start": value})) == {("start", code)}


def test_unknown_and_missing_fields_are_all_reported() -> None:
    raw = {k: v for k, v in LEASE.items() if k not in ("monthly_rent", "start")}
    result = parse(raw | {"nickname": "x"})
    assert codes(result) == {("monthly_rent", "missing_field"), ("start", "missing_field"),
                             ("nickname", "unknown_field")}
    assert all(e.row == 7 and e.record_id == "LS000001" for e in result)  # type: ignore


def test_envelope_problems() -> None:
    assert codes(parse(LEASE | {"source": "MOON"})) == {("source", "unknown_source")}
    assert codes(parse(LEASE | {"type": "spaceship"})) == {("type", "unknown_type")}
    assert codes(parse(LEASE | {"record_id": "x" * 65})) == {("record_id", "too_long")}
    assert codes(parse(LEASE | {"record_id": ""})) == {("record_id", "missing_field")}
    assert codes(parse(LEASE | {"record_id": 5})) == {("record_id", "wrong_type")}
    assert codes(parse(LEASE | {"op": "delete"})) == {("op", "invalid_op")}
    assert codes(parse(LEASE | {"id_number": None})) == {("id_number", "missing_field")}
    assert isinstance(parse(LEASE | {"record_id": "x" * 64}), Record)
    assert codes(parse_row([1, 2], row=3)) == {(None, "not_an_object")}  # type: ignore


def test_fifteen_digit_id_numbers_are_converted() -> None:
    record = parse(LEASE | {"id_number": "341221900101013"})
    assert isinstance(record, Record)
    assert record.id_number == "341221199001010132"
    lower_x = parse(LEASE | {"id_number": "34122119971011652x"})
    assert isinstance(lower_x, Record) and lower_x.id_number == "34122119971011652X"


def test_future_birth_date_depends_on_today() -> None:
    raw = LEASE | {"id_number": "341221203001010131"}
    assert codes(parse(raw)) == {("id_number", "id_birth_date_future")}
    assert isinstance(parse_row(raw, row=1, today=dt.date(2031, 1, 1)), Record)


def test_complex_rent_has_no_subject() -> None:
    raw = {"source": "HOUSING", "type": "complex_rent", "record_id": "CR1", "complex_id": "c1",
           "district": "330212", "year": 2024, "average_rent": "3000.5"}
    record = parse(raw)
    assert isinstance(record, Record) and record.id_number is None
    assert record.fields["average_rent"] == Decimal("3000.50")
    assert isinstance(parse(raw | {"id_number": ""}), Record)
    assert codes(parse(raw | {"id_number": ID})) == {("id_number", "field_not_allowed")}
    assert codes(parse(raw | {"year": "2024.0"})) == {("year", "not_integer")}


def test_retract_may_leave_the_payload_out_but_what_is_there_is_checked() -> None:
    bare = {k: LEASE[k] for k in ("source", "type", "record_id", "id_number")}
    record = parse(bare | {"op": "retract", "version": 2})
    assert isinstance(record, Record) and record.op == "retract" and record.fields == {}
    assert codes(parse(bare | {"op": "retract", "start": "2025-02-30"})) == {
        ("start", "impossible_date")}
    assert codes(parse(bare | {"op": "retract", "nickname": "x"})) == {
        ("nickname", "unknown_field")}
    assert codes(parse(bare)) >= {("monthly_rent", "missing_field")}


def test_districts() -> None:
    si = {"source": "HRSS", "type": "social_insurance_period", "record_id": "S1",
          "id_number": ID, "employer_uscc": "91350100M000100Y43", "district": "330106",
          "first_month": "2025-01", "last_month": "2025-01"}
    assert isinstance(parse(si), Record)  # any Zhejiang county for contributions
    assert codes(parse(si | {"district": "330100"})) == {("district", "unknown_district")}
    assert codes(parse(si | {"district": "320106"})) == {("district", "unknown_district")}
    assert codes(parse(si | {"first_month": "2025-13"})) == {("first_month", "invalid_month")}
    assert codes(parse(LEASE | {"district": "330106"})) == {("district", "unknown_district")}


def test_employment_source_depends_on_kind() -> None:
    emp = {"source": "HRSS", "type": "employment", "record_id": "E1", "id_number": ID,
           "kind": "contract", "district": "330212", "start": "2025-01-01"}
    assert isinstance(parse(emp), Record)
    assert isinstance(parse(emp | {"source": "SAMR", "kind": "business_licence"}), Record)
    assert codes(parse(emp | {"source": "SAMR"})) == {("source", "wrong_source")}
    assert codes(parse(emp | {"kind": "business_licence"})) == {("source", "wrong_source")}


def test_skill_level_and_title_rules() -> None:
    sk = {"source": "HRSS", "type": "skill_certificate", "record_id": "K1", "id_number": ID,
          "kind": "level", "level": 3, "issued_on": "2020-01-01"}
    assert isinstance(parse(sk), Record)
    assert codes(parse(sk | {"level": None})) == {("level", "missing_field")}
    assert codes(parse(sk | {"level": 0})) == {("level", "out_of_range")}
    assert codes(parse(sk | {"title": "senior"})) == {("title", "field_not_allowed")}
    title = sk | {"kind": "title", "level": None, "title": "senior"}
    assert isinstance(parse(title), Record)
    assert codes(parse(title | {"title": None})) == {("title", "missing_field")}
    assert codes(parse(title | {"title": "master"})) == {("title", "unknown_code")}
    assert isinstance(parse(sk | {"kind": "special", "level": None}), Record)


def test_district_items_and_patrol_hours() -> None:
    di = {"source": "DISTRICT", "type": "district_item", "record_id": "D1", "id_number": ID,
          "district": "330212", "item": "courage", "on": "2025-01-01"}
    assert isinstance(parse(di), Record)
    assert isinstance(parse(di | {"item": "yinzhou_blood_hero"}), Record)  # a district's own
    assert codes(parse(di | {"item": "Bad Item"})) == {("item", "unknown_code")}
    assert codes(parse(di | {"item": "patrol"})) == {("hours", "missing_field")}
    assert isinstance(parse(di | {"item": "patrol", "hours": "3.5"}), Record)
    assert codes(parse(di | {"end": "2024-12-31"})) == {("end", "order_reversed")}


def test_street_must_lie_in_the_district() -> None:
    rr = {"source": "PSB", "type": "residence_registration", "record_id": "R1",
          "id_number": ID, "district": "330212", "street": "330212001",
          "arrived_on": "2025-03-01", "registered_on": "2025-03-02"}
    assert isinstance(parse(rr), Record)
    assert codes(parse(rr | {"street": "330203001"})) == {("street", "not_within")}
    assert codes(parse(rr | {"street": "33021200"})) == {("street", "invalid_street")}


def test_surrounding_space_is_ignored_and_whitespace_cells_are_absent() -> None:
    raw = {k: f" {v} " for k, v in LEASE.items()} | {"unit": "  ", "complex_id": " c 1 "}
    record = parse(raw)
    assert isinstance(record, Record)
    assert record.fields["complex_id"] == "c 1" and "unit" not in record.fields
    assert record.record_id == "LS000001"


def test_identifiers_are_at_most_64_characters() -> None:
    assert codes(parse(LEASE | {"complex_id": "c" * 65})) == {("complex_id", "too_long")}


def test_messages_are_bilingual_chinese_first() -> None:
    (error,) = parse(LEASE | {"monthly_rent": "1800.125"})  # type: ignore[misc]
    assert error.message.startswith("字段 monthly_rent 最多两位小数")
    assert error.message_en.startswith("monthly_rent has at most 2 decimals")


def test_unhashable_values_do_not_crash() -> None:
    assert codes(parse(LEASE | {"type": ["lease"]})) == {("type", "unknown_type")}
    assert codes(parse(LEASE | {"source": ["HOUSING"]})) == {("source", "unknown_source")}
    assert codes(parse(LEASE | {"district": ["330212"]})) == {("district", "wrong_type")}


def test_batch_indexes_rows() -> None:
    results = parse_batch([LEASE, LEASE | {"op": "x"}], today=TODAY)
    assert isinstance(results[0][1], Record)
    assert [(i, e.row) for i, errs in results[1:] for e in errs] == [(1, 1)]  # type: ignore


def test_fast_and_full_paths_agree() -> None:
    parser = RowParser(TODAY)
    for raw in (LEASE, LEASE | {"unit": "3-1-501", "end": "2026-01-01"}):
        assert parser.parse(raw, row=1) == parser._full(raw, 1, None)

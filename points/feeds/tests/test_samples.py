"""The shared sample feeds: valid ones parse, invalid ones are rejected as documented."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from points.feeds import (
    FIELD_ORDER,
    TYPES,
    FileError,
    Outcome,
    Record,
    RecordStore,
    read_file,
    read_paths,
)
from points.tests.samples import NOT_IN_SAMPLES

from .conftest import TODAY

SAMPLED = sorted(set(TYPES) - NOT_IN_SAMPLES)


def _records(path: Path) -> list[Record]:
    out = []
    for row, result in read_file(path, today=TODAY):
        assert isinstance(result, Record), (path.name, row, result)
        out.append(result)
    return out


def test_every_type_has_a_sample(samples: Path) -> None:
    assert NOT_IN_SAMPLES < set(TYPES)
    assert {p.stem for p in (samples / "jsonl").glob("*.jsonl")} == set(SAMPLED)
    assert {p.stem for p in (samples / "csv").glob("*.csv")} == set(SAMPLED)


@pytest.mark.parametrize("type_name", SAMPLED)
def test_jsonl_and_csv_samples_parse_to_identical_records(samples: Path, type_name: str) -> None:
    from_jsonl = _records(samples / "jsonl" / f"{type_name}.jsonl")
    from_csv = _records(samples / "csv" / f"{type_name}.csv")
    assert from_jsonl, type_name
    assert from_jsonl == from_csv
    assert {r.type for r in from_jsonl} == {type_name}


@pytest.mark.parametrize("type_name", SAMPLED)
def test_field_order_is_the_sample_header(samples: Path, type_name: str) -> None:
    with (samples / "csv" / f"{type_name}.csv").open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert tuple(header) == FIELD_ORDER[type_name]


def test_read_paths_reads_a_directory_in_name_order(samples: Path) -> None:
    seen = [(p.name, row) for p, row, _ in read_paths([samples / "jsonl"], today=TODAY)]
    names = [name for name, _ in seen]
    assert names == sorted(names)
    assert len(seen) == sum(
        1 for p in (samples / "jsonl").glob("*.jsonl") for line in p.open() if line.strip()
    )


# file -> (line, field, code) of the one rejected row, as invalid/README.md describes it
INVALID = {
    "bad_id_check_character.jsonl": (2, "id_number", "id_check_character"),
    "impossible_birth_date.jsonl": (1, "id_number", "id_birth_date_impossible"),
    "future_birth_date.jsonl": (1, "id_number", "id_birth_date_future"),
    "wrong_length_id.csv": (2, "id_number", "id_length"),
    "unknown_field.jsonl": (1, "nickname", "unknown_field"),
    "missing_field.jsonl": (1, "monthly_rent", "missing_field"),
    "wrong_source_for_type.jsonl": (1, "source", "wrong_source"),
    "negative_hours.jsonl": (2, "hours", "not_positive"),
    "month_range_reversed.jsonl": (1, "last_month", "order_reversed"),
    "bad_district_code.jsonl": (1, "district", "unknown_district"),
    "version_zero.jsonl": (1, "version", "invalid_version"),
    "malformed_json_line.jsonl": (2, None, "invalid_json"),
    "bad_credit_code.jsonl": (1, "employer_uscc", "uscc_check_character"),
    "impossible_date.csv": (2, "start", "impossible_date"),
    "money_three_decimals.jsonl": (1, "monthly_rent", "too_many_decimals"),
    "unknown_code_value.jsonl": (1, "level", "unknown_code"),
    "end_before_start.jsonl": (1, "end", "order_reversed"),
    "bad_op.jsonl": (1, "op", "invalid_op"),
    "skill_level_out_of_range.jsonl": (1, "level", "out_of_range"),
}


def test_the_invalid_table_covers_the_readme(samples: Path) -> None:
    files = {p.name for p in (samples / "invalid").iterdir() if p.suffix != ".md"}
    assert files == set(INVALID) | {"bom_gbk_encoded.csv", "duplicate_record_conflict.jsonl"}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_sample_rejects_exactly_the_described_row(samples: Path, name: str) -> None:
    line, field, code = INVALID[name]
    results = list(read_file(samples / "invalid" / name, today=TODAY))
    rejected = [(row, r) for row, r in results if not isinstance(r, Record)]
    assert [row for row, _ in rejected] == [line]
    errors = rejected[0][1]
    assert [(e.row, e.field, e.code) for e in errors] == [(line, field, code)]
    assert errors[0].message and errors[0].message_en
    assert all(isinstance(r, Record) for row, r in results if row != line)


def test_bom_with_gbk_is_rejected_whole(samples: Path) -> None:
    with pytest.raises(FileError) as info:
        read_file(samples / "invalid" / "bom_gbk_encoded.csv", today=TODAY)
    assert info.value.code == "bom_not_utf8"
    assert "UTF-8" in info.value.message
    assert info.value.path and info.value.path.endswith("bom_gbk_encoded.csv")


def test_same_version_with_other_content_is_a_conflict(samples: Path) -> None:
    records = _records(samples / "invalid" / "duplicate_record_conflict.jsonl")
    store = RecordStore()
    assert store.apply_all(records) == [Outcome.CREATED, Outcome.CONFLICT]
    (live,) = store.live()
    assert str(live.fields["monthly_rent"]) == "1800.00"

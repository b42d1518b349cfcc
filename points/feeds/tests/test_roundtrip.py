"""Writers -> readers give back the same Records, for records generated from the schema."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points.feeds import (
    TYPES,
    Kind,
    Record,
    read_file,
    write_csv,
    write_jsonl,
    write_parquet,
    write_xlsx,
)
from points.feeds.schema import DISTRICTS, RuleKind
from points.identifiers import USCC_ALPHABET, id_check_character, uscc_check_character

from .conftest import TODAY

dates = st.dates(dt.date(1995, 1, 1), dt.date(2035, 12, 31))


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    birth = draw(st.dates(dt.date(1930, 1, 1), TODAY))
    first17 = f"{draw(st.sampled_from(['330212', '341221', '110105']))}" \
              f"{birth:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + id_check_character(first17)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    first17 = "".join(draw(st.lists(st.sampled_from(USCC_ALPHABET), min_size=17, max_size=17)))
    return first17 + uscc_check_character(first17)


identifiers = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S")),
                      min_size=1, max_size=64)
cents = st.integers(0, 99_999_999).map(lambda c: Decimal(c).scaleb(-2))


def value_of(spec: Any) -> st.SearchStrategy[Any]:
    kind = spec.kind
    return {
        Kind.CODE: st.sampled_from(spec.codes or ("x",)),
        Kind.KEY: st.sampled_from(spec.codes) | st.from_regex(r"[a-z][a-z0-9_]{0,20}",
                                                              fullmatch=True),
        Kind.DATE: dates,
        Kind.MONTH: dates.map(lambda d: f"{d:%Y-%m}"),
        Kind.DISTRICT: st.sampled_from(DISTRICTS),
        Kind.COUNTY: st.tuples(st.integers(1, 99), st.integers(1, 99)).map(
            lambda t: f"33{t[0]:02d}{t[1]:02d}"),
        Kind.STREET: st.integers(0, 999).map(lambda n: f"330212{n:03d}"),
        Kind.MONEY: cents,
        Kind.HOURS: st.integers(1, 100_000).map(lambda c: Decimal(c).scaleb(-2)),
        Kind.INT: st.integers(spec.min or 0, spec.max or 10**6),
        Kind.IDENTIFIER: identifiers,
        Kind.ID_NUMBER: id_numbers(),
        Kind.USCC: usccs(),
    }[kind]


@st.composite
def records_of(draw: st.DrawFn, type_name: str) -> Record:
    spec = TYPES[type_name]
    fields: dict[str, Any] = {}
    for f in spec.fields:
        if f.required or draw(st.booleans()):
            fields[f.name] = draw(value_of(f))
    # Repair what the cross-field rules forbid. Date rules chain (arrived_on ≤
    # registered_on ≤ ended_on), so a swap can break an earlier rule: sweep until stable.
    for _ in range(len(spec.rules) + 1):
        swapped = False
        for rule in spec.rules:
            a, b = fields.get(rule.field), fields.get(rule.other)
            if rule.kind is RuleKind.NOT_BEFORE and a is not None and b is not None and a < b:
                fields[rule.field], fields[rule.other] = b, a
                swapped = True
        if not swapped:
            break
    for rule in spec.rules:
        a, b = fields.get(rule.field), fields.get(rule.other)
        if rule.kind is RuleKind.REQUIRED_IF and b == rule.value and a is None:
            fields[rule.field] = draw(value_of(spec.by_name[rule.field]))
        elif rule.kind is RuleKind.ONLY_IF and b != rule.value:
            fields.pop(rule.field, None)
        elif rule.kind is RuleKind.PREFIX and a is not None and b is not None:
            fields[rule.field] = b + a[6:]
    source = spec.sources[0]
    if spec.source_by:
        by_field, mapping = spec.source_by
        source = mapping[fields[by_field]]
    return Record(
        source=source, type=type_name, record_id=draw(identifiers),
        version=draw(st.integers(1, 10**6)), op=draw(st.sampled_from(("upsert", "retract"))),
        id_number=draw(id_numbers()) if spec.has_subject else None, fields=fields,
    )


def read_back(path: Path) -> list[Record]:
    out = []
    for row, result in read_file(path, today=TODAY):
        assert isinstance(result, Record), (row, result)
        out.append(result)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(TYPES)).flatmap(
    lambda t: st.lists(records_of(t), min_size=1, max_size=5)))
def test_jsonl_csv_parquet_round_trip(records: list[Record]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        write_jsonl(records, d / "r.jsonl")
        write_csv(records, d / "r.csv")
        write_parquet(records, d / "r.parquet")
        assert read_back(d / "r.jsonl") == records
        assert read_back(d / "r.csv") == records
        assert read_back(d / "r.parquet") == records


def test_xlsx_round_trip_of_all_samples(samples: Path, tmp_path: Path) -> None:
    records = [r for p in sorted((samples / "jsonl").glob("*.jsonl")) for r in read_back(p)]
    write_xlsx(records, tmp_path / "all.xlsx")
    back = read_back(tmp_path / "all.xlsx")

    def key(r: Record) -> tuple[str, str, int]:
        return (r.type, r.record_id, r.version)

    assert sorted(back, key=key) == sorted(records, key=key)


def test_samples_are_written_back_byte_for_byte(samples: Path, tmp_path: Path) -> None:
    for path in sorted((samples / "jsonl").glob("*.jsonl")):
        records = read_back(path)
        write_jsonl(records, tmp_path / path.name)
        assert (tmp_path / path.name).read_text("utf-8") == path.read_text("utf-8")
        write_csv(records, tmp_path / f"{path.stem}.csv")
        assert (tmp_path / f"{path.stem}.csv").read_text("utf-8") == \
            (samples / "csv" / f"{path.stem}.csv").read_text("utf-8")


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text(samples: Path, tmp_path: Path) -> None:
    """A spreadsheet cell starting with "=" is written as text: opened in Excel it does not
    run, and read back it is the same value."""
    import dataclasses
    import zipfile

    first = read_back(next(iter(sorted((samples / "jsonl").glob("*.jsonl")))))[0]
    record = dataclasses.replace(first, record_id='=HYPERLINK("http://x","y")')
    write_xlsx([record], tmp_path / "f.xlsx")
    with zipfile.ZipFile(tmp_path / "f.xlsx") as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in s or b"<f " in s for s in sheets)
    assert read_back(tmp_path / "f.xlsx") == [record]

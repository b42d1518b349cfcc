"""The fast paths of the validator accept exactly what the full checks accept."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from points.feeds import Record, RowParser
from points.feeds.values import IdNumberChecker, Invalid
from points.identifiers import IdentifierError, id_check_character, parse_id_number
from points.tests.samples import JSONL, samples_dir

from .conftest import TODAY


@st.composite
def id_like(draw: st.DrawFn) -> str:
    ymd = (f"{draw(st.integers(1850, 2100)):04d}{draw(st.integers(0, 13)):02d}"
           f"{draw(st.integers(0, 32)):02d}")
    first17 = f"{draw(st.integers(0, 999999)):06d}{ymd}{draw(st.integers(0, 999)):03d}"
    check = draw(st.sampled_from("0123456789Xx") | st.just(id_check_character(first17)))
    return first17 + check


@settings(max_examples=500)
@given(id_like() | st.text("0123456789Xx ", max_size=19))
def test_id_number_quick_accept_agrees_with_parse_id_number(raw: str) -> None:
    try:
        expected: str | None = parse_id_number(raw, today=TODAY).value
    except IdentifierError:
        expected = None
    try:
        got: str | None = IdNumberChecker(TODAY)("id_number", raw)
    except Invalid:
        got = None
    assert got == expected


def _sample_rows() -> list[dict[str, Any]]:
    samples_dir()
    rows = []
    for path in sorted(JSONL.glob("*.jsonl")):
        lines = path.read_text("utf-8").splitlines()
        rows += [json.loads(line, parse_float=Decimal) for line in lines[:3]]
    return rows


ROWS = _sample_rows()
TRICKY = st.sampled_from([
    None, "", " ", " x ", "0", "1", "01", "-1", "1.5", "1.005", "1e3", "NaN", True, False, 0, 1,
    -1, 1.5, Decimal("1.5"), Decimal("1800.125"), Decimal("-0"), "2025-02-30", "2025-03-01",
    "2025-13", "2025-06", "330212", "330299", "330106", "330212001", "upsert", "retract",
    "delete", "level", "title", "patrol", "junior", "HRSS", "SAMR", "x" * 64, "x" * 65,
    ["lease"], {"a": 1}, "341221199001010132", "341221900101013", "91350100M000100Y43",
])


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ROWS), st.data())
def test_fast_path_agrees_with_full_check(row: dict[str, Any], data: st.DataObject) -> None:
    raw = dict(row)
    names = [*sorted(raw), "level", "title", "hours", "end", "nickname", "street"]
    for _ in range(data.draw(st.integers(1, 3))):
        raw[data.draw(st.sampled_from(names))] = data.draw(TRICKY)
    parser = RowParser(TODAY)
    fast = parser.parse(raw, row=1)
    full = parser._full(raw, 1, None)
    assert fast == full
    assert isinstance(fast, Record) or fast  # a rejection always says why


def test_sample_rows_found() -> None:
    assert len(ROWS) >= 3

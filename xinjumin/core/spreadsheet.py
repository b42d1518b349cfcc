"""Cells of the files the platform hands out for a spreadsheet (CSV, xlsx) never run.

A text cell that starts with = + - @ (also their full-width forms, which spreadsheets
accept as well), a tab or a carriage return is taken by Excel, WPS or LibreOffice as a
formula (=HYPERLINK(…), @SUM(…), DDE): such a text is written with a single quote in
front (OWASP "CSV injection"), which the spreadsheet shows as text. Numbers (int, float,
Decimal) stay numbers, whatever their sign. Every CSV or xlsx export goes through
`spreadsheet_cell` / `spreadsheet_row`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def spreadsheet_cell(value: Any) -> Any:
    """`value` as a spreadsheet should receive it: a text that would run is quoted."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def spreadsheet_row(values: Iterable[Any]) -> list[Any]:
    return [spreadsheet_cell(v) for v in values]

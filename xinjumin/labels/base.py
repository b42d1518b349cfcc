"""The two-language label and the small formatting rules every label module shares."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

HERE = Path(__file__).resolve().parent


class Label(NamedTuple):
    """A word or sentence in Chinese and in English (Chinese first)."""

    zh: str
    en: str

    def in_(self, lang: str) -> str:
        """English when ``lang`` starts with "en" (and the English is not empty), else
        Chinese."""
        return self.en if is_en(lang) and self.en else self.zh


def is_en(lang: str) -> bool:
    return lang.lower().startswith("en")


@cache
def data_file(name: str) -> dict[str, Any]:
    """A YAML data file of this package, read once (``records.yaml``, ``items.yaml``)."""
    data = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def label_of(raw: Any) -> Label | None:
    """A ``{zh: ..., en: ...}`` mapping of a data file as a Label (None when absent)."""
    if not isinstance(raw, dict):
        return None
    return Label(str(raw.get("zh") or ""), str(raw.get("en") or ""))


def num(value: Decimal | int | str) -> str:
    """A number without trailing zeros: 5, 0.25, 12.5."""
    return format(Decimal(value).normalize(), "f")


def points_en(value: Decimal | int) -> str:
    """"1 point", "0.25 points", "5 points"."""
    return f"{num(value)} point" + ("" if Decimal(value) == 1 else "s")


def period(months: int) -> Label:
    """A period of months in words: 3 年 / 3 years, 18 个月 / 18 months."""
    if months % 12 == 0:
        years = months // 12
        return Label(f"{years} 年", f"{years} year" + ("" if years == 1 else "s"))
    return Label(f"{months} 个月", f"{months} month" + ("" if months == 1 else "s"))


def join(labels: list[Label]) -> Label:
    """Several labels as one list: 甲、乙 / a, b."""
    return Label("、".join(x.zh for x in labels), ", ".join(x.en or x.zh for x in labels))


def lower_first(text: str) -> str:
    """"Blood donation" → "blood donation" inside a sentence ("ID number" stays)."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def a(text: str) -> str:
    """"a lease", "an award" (by the first letter, which is right for our words)."""
    return ("an " if text[:1].lower() in "aeiou" and text[:1] else "a ") + text

"""Validators for single field values, one per `Kind` (points.feeds.schema).

Each validator takes (field name, raw value, FieldSpec) and returns the typed value of
record.py, or raises `Invalid` with a stable code and a bilingual message (Chinese first)
that says what was wrong and what to do. Raw values come from JSON (str, int, Decimal
because JSON is read with parse_float=Decimal, bool), CSV (str), .xlsx (str, int, float,
datetime) or Parquet (str, int, Decimal, date). Absent values never reach a validator.

Verified identifiers and dates are memoised in bounded dictionaries: feeds repeat the same
people, employers and days over and over, and this is the hot path of bulk loads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from operator import mul
from typing import Any

from points.identifiers import (
    ID_CHECK,
    ID_WEIGHTS,
    IdentifierError,
    control_character,
    parse_id_number,
    parse_uscc,
)

from .schema import (
    DATE_MAX,
    DATE_MIN,
    DISTRICTS,
    HOURS_MAX,
    IDENTIFIER_MAX,
    MONEY_MAX,
    FieldSpec,
    Kind,
)

CACHE_MAX = 200_000
CENT = Decimal("0.01")
_INT_DIGITS_MAX = 30  # longer digit strings are out of every range (and slow to convert)
_SHOWN_MAX = 80  # characters of a wrong value quoted back in a message
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INT_RE = re.compile(r"[+-]?[0-9]+")
_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_LINE_BREAKS = {10: 32, 13: 32}  # str.translate: LF and CR as spaces
_DISTRICTS = frozenset(DISTRICTS)


class Invalid(ValueError):
    """A field value that does not validate."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en


def shown(value: Any) -> str:
    """A wrong value as quoted in a message: its repr, cut to 80 characters (a message
    never carries a whole oversized cell)."""
    try:
        text = str(value) if type(value) is Decimal else repr(value)
    except ValueError:  # an integer of more digits than Python converts
        return "<a number too long to show>"
    if len(text) <= _SHOWN_MAX:
        return text
    return f"{text[:_SHOWN_MAX]}… ({len(value) if isinstance(value, str | bytes) else len(text)})"


def _type_error(name: str, value: Any, expected_zh: str, expected_en: str) -> Invalid:
    return Invalid(
        "wrong_type",
        f"字段 {name} 应为{expected_zh}, 收到 {shown(value)}",
        f"{name} must be {expected_en}, got {shown(value)}",
    )


def _text(name: str, value: Any) -> str:
    if type(value) is str:
        return value
    raise _type_error(name, value, "字符串", "a string")


# ---- dates and months ---------------------------------------------------------------------

_date_cache: dict[str, dt.date] = {}


def _date_from_str(name: str, s: str) -> dt.date:
    d = _date_cache.get(s)
    if d is not None:
        return d
    if not (len(s) == 10 and s[4] == "-" and s[7] == "-" and s[:4].isdigit()
            and s[5:7].isdigit() and s[8:].isdigit() and s.isascii()):
        raise Invalid(
            "invalid_date",
            f"字段 {name} 应为 YYYY-MM-DD 格式的日期, 收到 {shown(s)}",
            f"{name} must be a date written YYYY-MM-DD, got {shown(s)}",
        )
    try:
        d = dt.date(int(s[:4]), int(s[5:7]), int(s[8:]))
    except ValueError:
        raise Invalid(
            "impossible_date",
            f"字段 {name} 的日期 {s} 不存在, 请核对年月日",
            f"{name}: the date {s} does not exist; check year, month and day",
        ) from None
    _check_date_range(name, d)
    if len(_date_cache) >= CACHE_MAX:
        _date_cache.clear()
    _date_cache[s] = d
    return d


def _check_date_range(name: str, d: dt.date) -> dt.date:
    if DATE_MIN <= d <= DATE_MAX:
        return d
    raise Invalid(
        "out_of_range",
        f"字段 {name} 的日期 {d.isoformat()} 超出允许范围 ({DATE_MIN} 到 {DATE_MAX})",
        f"{name}: the date {d.isoformat()} is outside the allowed range "
        f"({DATE_MIN} to {DATE_MAX})",
    )


def check_date(name: str, value: Any, spec: FieldSpec | None = None) -> dt.date:
    """A calendar date: 'YYYY-MM-DD' that exists, or a date (a midnight datetime) object."""
    if type(value) is str:
        return _date_from_str(name, value)
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0) or value.tzinfo is not None:
            raise _type_error(name, value, "不含时间的日期", "a date without a time of day")
        return _check_date_range(name, value.date())
    if isinstance(value, dt.date):
        return _check_date_range(name, value)
    raise _type_error(name, value, " YYYY-MM-DD 格式的日期", "a date written YYYY-MM-DD")


def check_month(name: str, value: Any, spec: FieldSpec | None = None) -> str:
    """A month 'YYYY-MM' (Excel may turn it into the first day of the month: accepted)."""
    if isinstance(value, dt.date):
        if value.day != 1 or (isinstance(value, dt.datetime) and value.time() != dt.time(0)):
            raise _type_error(name, value, " YYYY-MM 格式的月份", "a month written YYYY-MM")
        _check_month_range(name, value.year)
        return f"{value.year:04d}-{value.month:02d}"
    s = _text(name, value)
    if (len(s) == 7 and s[4] == "-" and s[:4].isdigit() and s[5:].isdigit() and s.isascii()
            and 1 <= int(s[5:]) <= 12 and int(s[:4]) >= 1):
        _check_month_range(name, int(s[:4]))
        return s
    raise Invalid(
        "invalid_month",
        f"字段 {name} 应为 YYYY-MM 格式的月份 (月份 01-12), 收到 {shown(s)}",
        f"{name} must be a month written YYYY-MM (month 01-12), got {shown(s)}",
    )


def _check_month_range(name: str, year: int) -> None:
    """Months within the years of the date range (feeds.md "Limits")."""
    if DATE_MIN.year <= year <= DATE_MAX.year:
        return
    lo, hi = f"{DATE_MIN.year}-01", f"{DATE_MAX.year}-12"
    raise Invalid(
        "out_of_range",
        f"字段 {name} 的月份超出允许范围 ({lo} 到 {hi}), 年份为 {year}",
        f"{name}: the month is outside the allowed range ({lo} to {hi}), its year is {year}",
    )


# ---- numbers ------------------------------------------------------------------------------

def _to_decimal(name: str, value: Any) -> Decimal:
    if type(value) is Decimal:
        d = value
    elif type(value) is int:
        return Decimal(value)
    elif type(value) is str:
        if not _DECIMAL_RE.fullmatch(value):
            raise Invalid(
                "invalid_number",
                f"字段 {name} 应为数字 (如 1800 或 1800.50), 收到 {shown(value)}",
                f"{name} must be a number such as 1800 or 1800.50, got {shown(value)}",
            )
        d = Decimal(value)
    elif type(value) is float:
        # Only from .xlsx or a caller's dict: repr() is the shortest exact form of the float,
        # so 1800.125 stays 1800.125 (and is rejected below) instead of being rounded.
        try:
            d = Decimal(repr(value))
        except InvalidOperation:
            d = Decimal("NaN")
    else:
        raise _type_error(name, value, "数字", "a number")
    if not d.is_finite():
        raise Invalid("invalid_number", f"字段 {name} 应为有限的数字",
                      f"{name} must be a finite number")
    return d


def _check_decimal(name: str, value: Any, positive: bool,
                   most: Decimal = MONEY_MAX) -> Decimal:
    d = _to_decimal(name, value)
    if positive and d <= 0:
        raise Invalid(
            "not_positive",
            f"字段 {name} 应大于 0, 收到 {d}",
            f"{name} must be greater than 0, got {d}",
        )
    if d < 0:
        raise Invalid(
            "negative",
            f"字段 {name} 不能为负数, 收到 {d}",
            f"{name} must not be negative, got {d}",
        )
    if d > most:
        raise Invalid(
            "too_large",
            f"字段 {name} 过大 (最大 {most}), 收到 {shown(d)}",
            f"{name} is too large (at most {most}), got {shown(d)}",
        )
    q = d.quantize(CENT)
    if q != d:
        raise Invalid(
            "too_many_decimals",
            f"字段 {name} 最多两位小数, 收到 {d}; 请四舍五入到分",
            f"{name} has at most 2 decimals, got {d}; round it to the cent",
        )
    return q


# The usual spelling, "1800.00", needs none of the checks of _check_decimal.
_CENTS = re.compile(r"[0-9]{1,8}\.[0-9]{2}").fullmatch  # at most MONEY_MAX


def check_money(name: str, value: Any, spec: FieldSpec | None = None) -> Decimal:
    """Yuan, 0 to MONEY_MAX, at most 2 decimals; returned with exactly 2 decimal places."""
    if type(value) is str and _CENTS(value):
        return Decimal(value)
    return _check_decimal(name, value, positive=False)


def check_hours(name: str, value: Any, spec: FieldSpec | None = None) -> Decimal:
    """Hours, > 0 and at most HOURS_MAX, at most 2 decimals; returned with exactly 2
    decimal places."""
    if type(value) is str and _CENTS(value):
        d = Decimal(value)
        if d and d <= HOURS_MAX:
            return d
    return _check_decimal(name, value, positive=True, most=HOURS_MAX)


def check_int(name: str, value: Any, spec: FieldSpec | None = None,
              lo: int | None = None, hi: int | None = None) -> int:
    """An integer (a JSON integer or a string of digits; not 1.5, not true)."""
    if type(value) is int:
        n = value
    elif type(value) is str and _INT_RE.fullmatch(value):
        if len(value) > _INT_DIGITS_MAX:  # far outside any limit: not converted at all
            raise Invalid(
                "out_of_range",
                f"字段 {name} 的整数过大 ({len(value)} 位数字)",
                f"{name} is an integer far too large ({len(value)} digits)",
            )
        n = int(value)
    else:
        raise Invalid(
            "not_integer",
            f"字段 {name} 应为整数, 收到 {shown(value)}",
            f"{name} must be an integer, got {shown(value)}",
        )
    if spec is not None:
        lo, hi = spec.min, spec.max
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        zh = f" {lo} 到 {hi} " if hi is not None else f"不小于 {lo} "
        en = f"from {lo} to {hi}" if hi is not None else f"at least {lo}"
        raise Invalid(
            "out_of_range",
            f"字段 {name} 应为{zh}的整数, 收到 {shown(n)}",
            f"{name} must be an integer {en}, got {shown(n)}",
        )
    return n


# ---- codes --------------------------------------------------------------------------------

def check_code(name: str, value: Any, spec: FieldSpec | None = None) -> str:
    """One of the listed values of the field."""
    s = _text(name, value)
    codes = spec.codes if spec else ()
    if s in codes:
        return s
    raise Invalid(
        "unknown_code",
        f"字段 {name} 的值 {shown(s)} 不在允许的取值中: {', '.join(codes)}",
        f"{name} {shown(s)} is not one of the allowed values: {', '.join(codes)}",
    )


def check_key(name: str, value: Any, spec: FieldSpec | None = None) -> str:
    """A listed value or a district's own key (lower-case letters, digits, underscores)."""
    s = _text(name, value)
    if (spec and s in spec.codes) or _KEY_RE.fullmatch(s):
        return s
    raise Invalid(
        "unknown_code",
        f"字段 {name} 的值 {shown(s)} 无效: 应为 {', '.join(spec.codes if spec else ())} "
        "或区县自定义的小写英文键 (a-z, 0-9, _)",
        f"{name} {shown(s)} is invalid: use one of {', '.join(spec.codes if spec else ())} or a "
        "district's own lower-case key (a-z, 0-9, _)",
    )


def check_district(name: str, value: Any, spec: FieldSpec | None = None) -> str:
    """One of the ten Ningbo district codes of domain §3."""
    s = _text(name, value)
    if s in _DISTRICTS:
        return s
    raise Invalid(
        "unknown_district",
        f"字段 {name} 的区县代码 {shown(s)} 不是宁波市的十个区县代码之一 ({', '.join(DISTRICTS)})",
        f"{name} {shown(s)} is not one of the ten Ningbo district codes ({', '.join(DISTRICTS)})",
    )


def check_county(name: str, value: Any, spec: FieldSpec | None = None) -> str:
    """Any Zhejiang county-level code 33xxxx (not a province or city code ending in 00)."""
    s = _text(name, value)
    if (len(s) == 6 and s.isdigit() and s.isascii() and s[:2] == "33" and s[2:4] != "00"
            and s[4:] != "00"):
        return s
    raise Invalid(
        "unknown_district",
        f"字段 {name} 应为浙江省的县级行政区划代码 (33xxxx), 收到 {shown(s)}",
        f"{name} must be a Zhejiang county-level code (33xxxx), got {shown(s)}",
    )


def check_street(name: str, value: Any, spec: FieldSpec | None = None) -> str:
    """A 9-digit street/town code."""
    s = _text(name, value)
    if len(s) == 9 and s.isdigit() and s.isascii():
        return s
    raise Invalid(
        "invalid_street",
        f"字段 {name} 应为 9 位街道(乡镇)代码, 收到 {shown(s)}",
        f"{name} must be a 9-digit street or town code, got {shown(s)}",
    )


def check_identifier(name: str, value: Any, spec: FieldSpec | None = None) -> str:
    """A string of 1 to 64 characters, without control characters (line breaks allowed
    in a multiline field: an address's unit)."""
    s = _text(name, value)
    if not s:  # absent values never come here (RowParser drops them); a caller's might
        raise Invalid("missing_field", f"字段 {name} 为空", f"{name} is empty")
    # a multiline field's line breaks are spaces here (same positions)
    checked = s.translate(_LINE_BREAKS) if spec is not None and spec.multiline else s
    if (len(s) <= IDENTIFIER_MAX and not (s[0].isspace() or s[-1].isspace())
            and control_character(checked) is None):
        return s
    if len(s) <= IDENTIFIER_MAX and control_character(checked.strip()) is not None:
        raise control_error(name, s.strip(), control_character(checked.strip()) or 0)
    if s.strip() != s:  # only seen by RowParser's fast path, which then strips and retries
        raise Invalid("surrounding_space", f"字段 {name} 首尾有空白",
                      f"{name} has surrounding space")
    raise Invalid(
        "too_long",
        f"字段 {name} 最多 {IDENTIFIER_MAX} 个字符, 实际 {len(s)} 个",
        f"{name} has at most {IDENTIFIER_MAX} characters, this one has {len(s)}",
    )


def control_error(name: str, s: str, at: int | None = None) -> Invalid:
    """The error of an identifier with a control character (NUL, a line break, ...) at
    position `at` (default: the first one)."""
    at = (control_character(s) or 0) if at is None else at
    return Invalid(
        "control_character",
        f"字段 {name} 含有控制字符 (第 {at + 1} 个字符 {s[at]!r}), 标识不能含有控制字符",
        f"{name} contains a control character ({s[at]!r} at position {at + 1}); "
        "identifiers may not contain control characters",
    )


# ---- identifiers (memoised: verifying a check character is the slowest step) ----------------

def _from_identifier_error(name: str, e: IdentifierError) -> Invalid:
    return Invalid(e.code, f"字段 {name}: {e.message}", f"{name}: {e.message_en}")


_ID_WEIGHT_OF_ZEROS = sum(ID_WEIGHTS) * ord("0")


class IdNumberChecker:
    """Verifies resident ID numbers as of `today` (for the future-birth-date rule).

    points.identifiers.parse_id_number is the authority. A canonical 18-character number
    that passes the same checks (digits, real birth date from 1900 to today, check
    character) is accepted here without calling it, because bulk loads see millions of
    distinct people; anything else goes to parse_id_number, which converts or explains.
    """

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self._cache: dict[str, str | IdentifierError] = {}
        self._births: dict[str, bool] = {}

    def _quick_accept(self, s: str) -> bool:
        if not (len(s) == 18 and s.isascii() and s[:17].isdigit()):
            return False
        total = sum(map(mul, s.encode("ascii")[:17], ID_WEIGHTS)) - _ID_WEIGHT_OF_ZEROS
        if ID_CHECK[total % 11] != s[17]:
            return False
        ymd = s[6:14]
        ok = self._births.get(ymd)
        if ok is None:
            try:
                birth = dt.date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
                ok = 1900 <= birth.year and birth <= self.today
            except ValueError:
                ok = False
            if len(self._births) >= CACHE_MAX:
                self._births.clear()
            self._births[ymd] = ok
        return ok

    def __call__(self, name: str, value: Any, spec: FieldSpec | None = None) -> str:
        s = _text(name, value)
        hit = self._cache.get(s)
        if hit is None:
            if self._quick_accept(s):
                hit = s
            else:
                try:
                    hit = parse_id_number(s, today=self.today).value
                except IdentifierError as e:
                    hit = e
            if len(self._cache) >= CACHE_MAX:
                self._cache.clear()
            self._cache[s] = hit
        if type(hit) is str:
            return hit
        raise _from_identifier_error(name, hit)  # type: ignore[arg-type]


_uscc_cache: dict[str, str | IdentifierError] = {}


def check_uscc(name: str, value: Any, spec: FieldSpec | None = None) -> str:
    """A unified social credit code with a valid check character, upper-cased."""
    s = _text(name, value)
    hit = _uscc_cache.get(s)
    if hit is None:
        try:
            hit = parse_uscc(s)
        except IdentifierError as e:
            hit = e
        if len(_uscc_cache) >= CACHE_MAX:
            _uscc_cache.clear()
        _uscc_cache[s] = hit
    if type(hit) is str:
        return hit
    raise _from_identifier_error(name, hit)  # type: ignore[arg-type]


Validator = Callable[[str, Any, FieldSpec], Any]

VALIDATORS: dict[Kind, Validator] = {
    Kind.CODE: check_code,
    Kind.KEY: check_key,
    Kind.DATE: check_date,
    Kind.MONTH: check_month,
    Kind.DISTRICT: check_district,
    Kind.COUNTY: check_county,
    Kind.STREET: check_street,
    Kind.MONEY: check_money,
    Kind.HOURS: check_hours,
    Kind.INT: check_int,
    Kind.IDENTIFIER: check_identifier,
    Kind.USCC: check_uscc,
    # Kind.ID_NUMBER depends on `today`: see IdNumberChecker.
}

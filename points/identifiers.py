"""Identifiers of domain.md §4: resident ID numbers (GB 11643) and unified social credit
codes (GB 32100).

Plain functions with no framework imports: the feed validator, the Django models and the
forms all call these. Errors carry a Chinese message first and an English one second, since
they are shown to people.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# Control characters, refused in every identifier (feeds.md "Limits"): C0, DEL and C1,
# the Unicode line and paragraph separators, and the bidirectional embeddings, overrides
# and isolates (which make a printed identifier read differently from what it is).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def control_character(value: str) -> int | None:
    """The 0-based position of the first control character in `value`, or None."""
    found = _CONTROL.search(value)
    return found.start() if found else None


class IdentifierError(ValueError):
    """An identifier that does not verify; `message` is Chinese, `message_en` English."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A verified 18-character resident ID number."""

    value: str
    birth_date: dt.date
    male: bool

    @property
    def address_code(self) -> str:
        return self.value[:6]


def _refuse_control(raw: str, code: str, zh: str, en: str) -> None:
    at = control_character(raw or "")
    if at is not None:
        raise IdentifierError(
            code, f"{zh}含有控制字符 (第 {at + 1} 个字符 {raw[at]!r}), 请删除后重新发送",
            f"{en} contains a control character ({raw[at]!r} at position {at + 1}); "
            "remove it and send again")


def id_check_character(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def _birth_date(digits: str, raw: str) -> dt.date:
    try:
        return dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdentifierError(
            "id_birth_date_impossible",
            f"身份证号码中的出生日期 {digits[0:4]}-{digits[4:6]}-{digits[6:8]} 不存在",
            f"the birth date {digits[0:4]}-{digits[4:6]}-{digits[6:8]} in the ID number "
            "does not exist",
        ) from None


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Verify an ID number and return it normalised (upper-case X, 15 digits converted).

    Raises IdentifierError saying which rule failed: length, characters, birth date
    (impossible or in the future) or check character.
    """
    _refuse_control(raw, "id_characters", "身份证号码", "an ID number")
    value = (raw or "").strip().upper()
    if len(value) == 15:
        if not (value.isdigit() and value.isascii()):
            raise IdentifierError(
                "id_characters", "15 位身份证号码只能由数字组成",
                "a 15-digit ID number may contain digits only",
            )
        # Legacy numbers: birth year without the century (all were issued for 19xx births).
        first17 = value[:6] + "19" + value[6:]
        value = first17 + id_check_character(first17)
    if len(value) != 18:
        raise IdentifierError(
            "id_length",
            f"身份证号码应为 18 位, 实际为 {len(value)} 位",
            f"an ID number has 18 characters, this one has {len(value)}",
        )
    if (not value.isascii() or not value[:17].isdigit()
            or not (value[17].isdigit() or value[17] == "X")):
        raise IdentifierError(
            "id_characters", "身份证号码前 17 位应为数字, 最后一位为数字或 X",
            "the first 17 characters must be digits and the last a digit or X",
        )
    birth = _birth_date(value[6:14], value)
    today = today or dt.date.today()  # noqa: DTZ011
    if birth > today:
        raise IdentifierError(
            "id_birth_date_future",
            f"身份证号码中的出生日期 {birth.isoformat()} 晚于今天",
            f"the birth date {birth.isoformat()} in the ID number is in the future",
        )
    if birth.year < 1900:
        raise IdentifierError(
            "id_birth_date_impossible",
            f"身份证号码中的出生日期 {birth.isoformat()} 早于 1900 年",
            f"the birth date {birth.isoformat()} in the ID number is before 1900",
        )
    expected = id_check_character(value[:17])
    if value[17] != expected:
        raise IdentifierError(
            "id_check_character",
            "身份证号码校验位错误, 请核对号码",
            "the ID number's check character is wrong; check the number",
        )
    return IdNumber(value=value, birth_date=birth, male=int(value[16]) % 2 == 1)


def is_valid_id_number(raw: str, *, today: dt.date | None = None) -> bool:
    try:
        parse_id_number(raw, today=today)
    except IdentifierError:
        return False
    return True


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def parse_uscc(raw: str) -> str:
    """Verify a unified social credit code and return it upper-cased."""
    _refuse_control(raw, "uscc_characters", "统一社会信用代码", "the unified social credit code")
    value = (raw or "").strip().upper()
    if len(value) != 18:
        raise IdentifierError(
            "uscc_length",
            f"统一社会信用代码应为 18 位, 实际为 {len(value)} 位",
            f"a unified social credit code has 18 characters, this one has {len(value)}",
        )
    bad = sorted({c for c in value if c not in USCC_ALPHABET})
    if bad:
        raise IdentifierError(
            "uscc_characters",
            f"统一社会信用代码含有不允许的字符: {''.join(bad)}",
            f"the unified social credit code contains characters not allowed: {''.join(bad)}",
        )
    if value[17] != uscc_check_character(value[:17]):
        raise IdentifierError(
            "uscc_check_character",
            "统一社会信用代码校验位错误, 请核对代码",
            "the unified social credit code's check character is wrong; check the code",
        )
    return value


def age_in_full_years(birth: dt.date, on: dt.date) -> int:
    """Completed years of age on `on`, read as domain.md §7.8 reads full years (full
    months // 12, months added with the day clamped to the month's end): someone born on
    29 February turns a year older on 28 February in a common year."""
    years = on.year - birth.year
    last_day = calendar.monthrange(on.year, birth.month)[1]
    if on < dt.date(on.year, birth.month, min(birth.day, last_day)):
        years -= 1
    return years


def mask_id_number(value: str) -> str:
    """3302**********123X: the first four and last four characters stay visible."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张*明 / 王*: the family name and, for three or more characters, the last one."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]

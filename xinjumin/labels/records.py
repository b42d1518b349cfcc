"""Department records in words: departments, record types, field labels, codes and values.

The words are data (``records.yaml``); the field kinds and their order come from the
exchange format itself (``points.feeds.schema``), so a field is labelled and formatted the
same way wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from points import ENVELOPE, FIELD_ORDER, TYPES, Kind, mask_id_number
from xinjumin.labels.base import Label, data_file, is_en, label_of, num
from xinjumin.labels.places import district_name, street_name

#: The envelope fields' kinds (the payload's come from points.feeds.schema).
ENVELOPE_KINDS: Mapping[str, Kind] = {
    "source": Kind.CODE, "type": Kind.CODE, "record_id": Kind.IDENTIFIER,
    "version": Kind.INT, "op": Kind.CODE, "id_number": Kind.ID_NUMBER,
}


def _data() -> dict[str, Any]:
    return data_file("records.yaml")


# ---- look-ups that say when a label is missing (used by the completeness test) --------

def find_department(source: str) -> Label | None:
    return label_of(_data()["departments"].get(source))


def find_record_type(type_: str) -> Label | None:
    return label_of(_data()["types"].get(type_))


def find_field_label(type_: str, field: str) -> Label | None:
    own = (_data()["type_fields"].get(type_) or {}).get(field)
    return label_of(own) or label_of(_data()["fields"].get(field))


#: Payload fields whose codes are source codes (an override names its target's department).
SOURCE_FIELDS = frozenset({"source", "target_source"})


def find_code_label(type_: str, field: str, code: str) -> Label | None:
    code = str(code)
    if field in SOURCE_FIELDS:
        return find_department(code)
    if field == "type":
        return find_record_type(code)
    envelope = (_data()["envelope_codes"].get(field) or {}).get(code)
    if envelope is not None:
        return label_of(envelope)
    return label_of(((_data()["codes"].get(type_) or {}).get(field) or {}).get(code))


# ---- the labels ----------------------------------------------------------------------

def department(source: str) -> Label:
    """The sending department of a feeds.md source code (the code itself when unknown)."""
    return find_department(source) or Label(source, source)


def record_type(type_: str) -> Label:
    """公安局's 居住证 / residence permit … (the type code itself when unknown)."""
    return find_record_type(type_) or Label(type_, type_)


def record_date_field(type_: str) -> str:
    """The field shown as the record's date ("" for an unknown type)."""
    return str((_data()["types"].get(type_) or {}).get("date") or "")


def record_end_field(type_: str) -> str | None:
    """The field that ends the record (end, ended_on, last_month…), None when it has none."""
    end = (_data()["types"].get(type_) or {}).get("end")
    return str(end) if end else None


def field_label(type_: str, field: str) -> Label:
    """A field of a record type in words (the field name itself when unknown)."""
    return find_field_label(type_, field) or Label(field, field)


def code_label(type_: str, field: str, code: str) -> Label:
    """A code of a CODE field in words: admin_penalty kind fine → 罚款 / fine."""
    return find_code_label(type_, field, code) or Label(str(code), str(code))


# ---- values --------------------------------------------------------------------------

def field_kind(type_: str, field: str) -> Kind | None:
    """The field's kind in the exchange format (None for a field the format lacks)."""
    if field in ENVELOPE_KINDS:
        return ENVELOPE_KINDS[field]
    spec = TYPES.get(type_)
    fs = spec.by_name.get(field) if spec else None
    if fs is not None:
        return fs.kind
    if field.endswith("id_number"):
        return Kind.ID_NUMBER
    return None


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _money(value: object, lang: str) -> str:
    d = _decimal(value)
    if d is None:
        return str(value)
    return f"CNY {d:,.2f}" if is_en(lang) else f"{d:,.2f} 元"


def hours_text(value: object, lang: str) -> str:
    """12 小时 / 12 hours."""
    d = _decimal(value)
    if d is None:
        return str(value)
    if is_en(lang):
        return f"{num(d)} hour" + ("" if d == 1 else "s")
    return f"{num(d)} 小时"


def _int_text(type_: str, field: str, value: object, lang: str) -> str:
    coded = find_code_label(type_, field, str(value))
    if coded is not None:
        return coded.in_(lang)
    if field == "year":
        return str(value) if is_en(lang) else f"{value} 年"
    if field == "insured_count":
        if is_en(lang):
            return f"{value} " + ("person" if str(value) == "1" else "people")
        return f"{value} 人"
    return str(value)


def value_text(type_: str, field: str, value: object, lang: str) -> str:
    """A field's value in words: codes by name, dates 2025-02-01, months 2025-02, money
    200.00 元 / CNY 200.00, hours 12 小时 / 12 hours, districts by name, booleans 是/否,
    ID numbers masked, credit codes and identifiers as they are ("" for no value)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return Label("是", "yes").in_(lang) if value else Label("否", "no").in_(lang)
    kind = field_kind(type_, field)
    if kind is Kind.ID_NUMBER:
        return mask_id_number(str(value))
    if kind in (Kind.CODE, Kind.KEY):
        return code_label(type_, field, str(value)).in_(lang)
    if kind in (Kind.DISTRICT, Kind.COUNTY):
        return district_name(str(value), lang)
    if kind is Kind.STREET:
        return street_name(str(value), lang)
    if kind is Kind.MONEY:
        return _money(value, lang)
    if kind is Kind.HOURS:
        return hours_text(value, lang)
    if kind is Kind.INT:
        return _int_text(type_, field, value, lang)
    if isinstance(value, Decimal):
        return num(value)
    return _iso(value)


def record_fields(type_: str, fields: Mapping[str, object], lang: str
                  ) -> list[tuple[str, str]]:
    """(label, value in words) of each field that has a value, in the type's field order of
    the exchange format (fields it does not list come last, in their given order)."""
    order = FIELD_ORDER.get(type_, ENVELOPE)
    names = [f for f in order if f in fields] + [f for f in fields if f not in order]
    out = []
    for name in names:
        text = value_text(type_, name, fields[name], lang)
        if text:
            out.append((field_label(type_, name).in_(lang), text))
    return out

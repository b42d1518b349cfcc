"""Validate one raw row of a department feed into a `Record`, or say why not.

A raw row is a mapping of field name to raw value, as it comes from JSON (parsed with
parse_float=Decimal so money keeps its exact digits), CSV (all strings), .xlsx or Parquet.
Absent means: key missing, None, or a string that is empty after stripping whitespace (an
empty CSV cell). All problems of a row are collected, not just the first one.

    result = parse_row({"source": "EDU", ...}, row=3)
    if isinstance(result, Record): ...
    else: for error in result: print(error.row, error.field, error.code, error.message)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .record import Record
from .schema import (
    ENVELOPE,
    OPS,
    RECORD_ID_MAX,
    SOURCES,
    TYPES,
    Kind,
    RuleKind,
    TypeSpec,
)
from .values import VALIDATORS, IdNumberChecker, Invalid, Validator, check_int

_SOURCES = frozenset(SOURCES)
_ENVELOPE = frozenset(ENVELOPE)


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row was rejected.

    `row` is the physical line in a JSONL/CSV file (1-based; the CSV header is line 1), the
    sheet row in .xlsx, the row index in Parquet, or the index in an API batch. `field` is
    None for problems of the row as a whole. `code` is stable snake_case for programs;
    `message` (Chinese) and `message_en` are for people.
    """

    row: int
    record_id: str | None
    field: str | None
    code: str
    message: str
    message_en: str


def _absent(value: Any) -> bool:
    return value is None or (type(value) is str and not value)


class RowParser:
    """Validates rows as of a given day (ID numbers with a later birth date are rejected).

    Build one per file or batch and call `parse` for each row; it keeps the compiled
    per-type validators and the memoised identifier checks.
    """

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or dt.date.today()  # noqa: DTZ011 (the server's local day, as identifiers.py)
        self._check_id = IdNumberChecker(self.today)
        self._compiled: dict[str, tuple[tuple[str, Validator, bool, Any], ...]] = {
            name: tuple(
                (f.name, self._validator(f.kind), f.required, f) for f in spec.fields
            )
            for name, spec in TYPES.items()
        }

    def _validator(self, kind: Kind) -> Validator:
        return self._check_id if kind is Kind.ID_NUMBER else VALIDATORS[kind]

    def parse(self, raw: Mapping[str, Any], *, row: int,
              type_hint: str | None = None) -> Record | list[RowError]:
        """Validate one raw row; return the Record or every problem found.

        `type_hint` is the type implied by where the row came from (an .xlsx sheet name, a
        Parquet file of one type): used when the row has no `type`, and a row whose `type`
        differs from it is rejected.
        """
        if not isinstance(raw, Mapping):
            return [RowError(row, None, None, "not_an_object",
                             "每一行应为一个 JSON 对象 ({...})",
                             "each row must be a JSON object ({...})")]
        # Strip strings once; empty means absent.
        values: dict[str, Any] = {}
        for k, v in raw.items():
            if type(v) is str:
                v = v.strip()
                if not v:
                    continue
            elif v is None:
                continue
            values[k] = v
        errors: list[RowError] = []
        record_id = self._record_id(values, row, errors)

        def err(field: str | None, code: str, zh: str, en: str) -> None:
            errors.append(RowError(row, record_id, field, code, zh, en))

        source = values.get("source")
        if source is None:
            err("source", "missing_field", "缺少必填字段 source (发送部门)",
                "the required field source (sending department) is missing")
        elif source not in _SOURCES:
            err("source", "unknown_source",
                f"未知的发送部门 source {source!r}, 应为: {', '.join(SOURCES)}",
                f"unknown source {source!r}; use one of: {', '.join(SOURCES)}")
            source = None
        type_name = values.get("type", type_hint)
        spec = TYPES.get(type_name) if type(type_name) is str else None
        if type_name is None:
            err("type", "missing_field", "缺少必填字段 type (记录类型)",
                "the required field type (record type) is missing")
        elif spec is None:
            err("type", "unknown_type", f"未知的记录类型 type {type_name!r}",
                f"unknown record type {type_name!r}; see the list of types in the format")
        elif type_hint is not None and type_name != type_hint:
            err("type", "type_mismatch",
                f"记录类型 {type_name} 与所在的工作表/文件 ({type_hint}) 不一致",
                f"record type {type_name} differs from its sheet/file ({type_hint})")
        elif source is not None and source not in spec.sources:
            err("source", "wrong_source",
                f"部门 {source} 不能发送 {type_name} 记录 (只有 {', '.join(spec.sources)} 可以)",
                f"{source} may not send {type_name} records (only {', '.join(spec.sources)})")

        version = values.get("version", 1)
        try:
            version = check_int("version", version, lo=1)
        except Invalid as e:
            err("version", "invalid_version", e.message, e.message_en)
        op = values.get("op", "upsert")
        if op not in OPS:
            err("op", "invalid_op", f"字段 op 应为 upsert 或 retract, 收到 {op!r}",
                f"op must be upsert or retract, got {op!r}")
        id_number = values.get("id_number")
        if spec is not None and not spec.has_subject:
            if id_number is not None:
                err("id_number", "field_not_allowed",
                    f"{type_name} 记录没有主体, 不能填写 id_number",
                    f"a {type_name} record has no subject: leave id_number out")
        elif id_number is None:
            err("id_number", "missing_field", "缺少必填字段 id_number (身份证号码)",
                "the required field id_number (resident ID number) is missing")
        else:
            try:
                id_number = self._check_id("id_number", id_number)
            except Invalid as e:
                err("id_number", e.code, e.message, e.message_en)
        if spec is None:
            return errors
        fields = self._payload(spec, values, op == "retract", err)
        self._cross_field(spec, fields, source, op == "retract", err)
        if errors:
            return errors
        return Record(source, spec.name, record_id, version, op,  # type: ignore[arg-type]
                      id_number, fields)

    @staticmethod
    def _record_id(values: dict[str, Any], row: int, errors: list[RowError]) -> str | None:
        rid = values.get("record_id")
        if rid is None:
            errors.append(RowError(row, None, "record_id", "missing_field",
                                   "缺少必填字段 record_id (记录编号)",
                                   "the required field record_id is missing"))
        elif type(rid) is not str:
            errors.append(RowError(row, None, "record_id", "wrong_type",
                                   f"字段 record_id 应为字符串, 收到 {rid!r}",
                                   f"record_id must be a string, got {rid!r}"))
        elif len(rid) > RECORD_ID_MAX:
            errors.append(RowError(row, None, "record_id", "too_long",
                                   f"字段 record_id 最多 {RECORD_ID_MAX} 个字符, 实际 {len(rid)} 个",
                                   f"record_id has at most {RECORD_ID_MAX} characters, "
                                   f"this one has {len(rid)}"))
        else:
            return rid
        return None

    def _payload(self, spec: TypeSpec, values: dict[str, Any], retract: bool,
                 err: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, check, required, fspec in self._compiled[spec.name]:
            value = values.get(name)
            if value is None:
                if required and not retract:
                    err(name, "missing_field", f"缺少必填字段 {name}",
                        f"the required field {name} is missing")
                continue
            try:
                fields[name] = check(name, value, fspec)
            except Invalid as e:
                err(name, e.code, e.message, e.message_en)
        by_name = spec.by_name
        for k in values:
            if k not in by_name and k not in _ENVELOPE:
                err(k, "unknown_field",
                    f"字段 {k} 不属于 {spec.name} 记录的格式, 请删除该字段",
                    f"{k} is not a field of {spec.name} records; remove it")
        return fields

    @staticmethod
    def _cross_field(spec: TypeSpec, fields: dict[str, Any], source: str | None,
                     retract: bool, err: Any) -> None:
        if spec.source_by is not None and source is not None:
            by_field, mapping = spec.source_by
            value = fields.get(by_field)
            if value is not None and mapping.get(value, source) != source:
                err("source", "wrong_source",
                    f"{spec.name} ({by_field}={value}) 只能由 {mapping[value]} 发送, 不能由 {source}",
                    f"{spec.name} with {by_field} {value} is sent by {mapping[value]}, "
                    f"not {source}")
        for rule in spec.rules:
            a = fields.get(rule.field)
            b = fields.get(rule.other)
            if rule.kind is RuleKind.NOT_BEFORE:
                if a is not None and b is not None and a < b:
                    err(rule.field, "order_reversed",
                        f"字段 {rule.field} ({a}) 早于 {rule.other} ({b}), 请核对",
                        f"{rule.field} ({a}) is before {rule.other} ({b}); check both")
            elif rule.kind is RuleKind.REQUIRED_IF:
                if a is None and b == rule.value and not retract:
                    err(rule.field, "missing_field",
                        f"{rule.other} 为 {rule.value} 时必须填写 {rule.field}",
                        f"{rule.field} is required when {rule.other} is {rule.value}")
            elif rule.kind is RuleKind.ONLY_IF:
                if a is not None and b is not None and b != rule.value:
                    err(rule.field, "field_not_allowed",
                        f"{rule.other} 为 {b} 时不能填写 {rule.field} (仅用于 {rule.value})",
                        f"{rule.field} is only for {rule.other} {rule.value}, not {b}; "
                        "leave it out")
            elif rule.kind is RuleKind.PREFIX:
                if a is not None and b is not None and not a.startswith(b):
                    err(rule.field, "not_within",
                        f"字段 {rule.field} ({a}) 不属于 {rule.other} {b}",
                        f"{rule.field} {a} is not within {rule.other} {b}")


_parsers: dict[dt.date | None, RowParser] = {}


def parse_row(raw: Mapping[str, Any], *, row: int, today: dt.date | None = None,
              type_hint: str | None = None) -> Record | list[RowError]:
    """Validate one raw row into a Record, or return the list of its RowErrors.

    `row` is reported back in errors (line number, sheet row or batch index); `today`
    (default: the current day) is the day against which birth dates must not be in the
    future. For many rows, a RowParser built once is a little faster.
    """
    parser = _parsers.get(today)
    if parser is None or (today is None and parser.today != dt.date.today()):  # noqa: DTZ011
        if len(_parsers) > 8:
            _parsers.clear()
        parser = _parsers[today] = RowParser(today)
    return parser.parse(raw, row=row, type_hint=type_hint)

"""Validate one raw row of a department feed into a `Record`, or say why not.

A raw row is a mapping of field name to raw value, as it comes from JSON (parsed with
parse_float=Decimal so money keeps its exact digits), CSV (all strings), .xlsx or Parquet.
Absent means: key missing, None, or a string that is empty after stripping whitespace (an
empty CSV cell). All problems of a row are collected, not just the first one.

    result = parse_row({"source": "EDU", ...}, row=3)
    if isinstance(result, Record): ...
    else: for error in result: print(error.row, error.field, error.code, error.message)

Speed: a valid row takes the fast path (`RowParser._fast`), which memoises validated
string values per field kind (feeds repeat the same days, districts, codes and people).
Any doubt sends the row to `RowParser._full`, which checks everything and reports all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from points.identifiers import control_character

from .record import Record
from .rules import check_rules
from .schema import (
    ENVELOPE,
    OPS,
    RECORD_ID_MAX,
    SOURCES,
    TYPES,
    VERSION_MAX,
    Kind,
    RuleKind,
    TypeSpec,
)
from .values import (
    VALIDATORS,
    IdNumberChecker,
    Invalid,
    Validator,
    check_int,
    control_error,
    shown,
)

_SOURCES = frozenset(SOURCES)
_ENVELOPE = frozenset(ENVELOPE)
_CACHE_MAX = 100_000
ROW_MAX_ERRORS = 50  # reasons kept for one rejected row (the last one says how many more)

# Record is a frozen dataclass; its generated __init__ pays for the frozen check on every
# field. The fast path sets the slots directly (same object, about twice as fast).
_new = object.__new__
_SET = tuple(getattr(Record, n).__set__ for n in
             ("source", "type", "record_id", "version", "op", "id_number", "fields"))


def _record(source: str, type_: str, record_id: str, version: int, op: str,
            id_number: str | None, fields: dict[str, Any]) -> Record:
    r = _new(Record)
    s0, s1, s2, s3, s4, s5, s6 = _SET
    s0(r, source), s1(r, type_), s2(r, record_id), s3(r, version)
    s4(r, op), s5(r, id_number), s6(r, fields)
    return r


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row was rejected.

    `row` is the physical line in a JSONL/CSV file (1-based; the CSV header is line 1), the
    sheet row in .xlsx, the 1-based data row in Parquet, or the index in an API batch.
    `field` is None for problems of the row as a whole. `code` is stable snake_case for
    programs; `message` (Chinese) and `message_en` are for people.
    """

    row: int
    record_id: str | None
    field: str | None
    code: str
    message: str
    message_en: str


class RowParser:
    """Validates rows as of a given day (ID numbers with a later birth date are rejected).

    Build one per file or batch and call `parse` for each row; it keeps the compiled
    per-type validators and the memoised checks.
    """

    def __init__(self, today: dt.date | None = None) -> None:
        # The server's local day, as in points.identifiers.
        self.today = today or dt.date.today()  # noqa: DTZ011
        self._check_id = IdNumberChecker(self.today)
        caches: dict[Any, dict[str, Any]] = {}
        self._compiled: dict[str, tuple[tuple[str, Validator, bool, Any, dict], ...]] = {
            name: tuple(
                (f.name, self._validator(f.kind), f.required, f,
                 caches.setdefault((f.kind, f.codes, f.min, f.max, f.multiline), {}))
                for f in spec.fields
            )
            for name, spec in TYPES.items()
        }
        # Date-order rules are checked inline on the fast path; the others through
        # check_rules (only skill_certificate, employment, district_item and
        # residence_registration have any).
        self._order_rules = {
            name: tuple((r.field, r.other) for r in spec.rules if r.kind is RuleKind.NOT_BEFORE)
            for name, spec in TYPES.items()
        }
        self._other_rules = {
            name: bool(spec.source_by) or any(r.kind is not RuleKind.NOT_BEFORE
                                              for r in spec.rules)
            for name, spec in TYPES.items()
        }
        self._allowed = {
            name: _ENVELOPE | spec.by_name.keys() for name, spec in TYPES.items()
        }
        self._id_cache: dict[str, str] = {}

    def _validator(self, kind: Kind) -> Validator:
        return self._check_id if kind is Kind.ID_NUMBER else VALIDATORS[kind]

    def parse(self, raw: Mapping[str, Any], *, row: int,
              type_hint: str | None = None) -> Record | list[RowError]:
        """Validate one raw row; return the Record or every problem found.

        `type_hint` is the type implied by where the row came from (an .xlsx sheet name, a
        Parquet file of one type): used when the row has no `type`, and a row whose `type`
        differs from it is rejected.
        """
        if type(raw) is dict:
            try:
                record = self._fast(raw, type_hint)
            except (Invalid, TypeError):  # TypeError: an unhashable value (a JSON list)
                record = None
            if record is not None:
                return record
        return self._full(raw, row, type_hint)

    def _fast(self, raw: dict[str, Any], type_hint: str | None) -> Record | None:
        """The common case of a valid row, checked with as little work as possible.

        Returns None (or raises Invalid) at the first doubt; `_full` then checks the row
        again and reports every problem. Both accept the same rows and build equal Records.
        """
        type_name = raw.get("type")
        if type_name is None or type_name == "":
            type_name = type_hint
        spec = TYPES.get(type_name)  # type: ignore[arg-type]
        if spec is None or (type_hint is not None and type_name != type_hint):
            return None
        type_name = spec.name
        source = raw.get("source")
        if source not in spec.sources or not self._allowed[type_name].issuperset(raw):
            return None
        record_id = raw.get("record_id")
        if (type(record_id) is not str or not 0 < len(record_id) <= RECORD_ID_MAX
                or record_id[0].isspace() or record_id[-1].isspace()
                or control_character(record_id) is not None):
            return None
        version = raw.get("version")
        if version is None or version == "":
            version = 1
        elif (type(version) is str and version.isdigit() and version.isascii()
              and len(version) <= 10):
            version = int(version)
        elif type(version) is not int:
            return None
        op = raw.get("op")
        if op is None or op == "":
            op = "upsert"
        if version < 1 or version > VERSION_MAX or (op != "upsert" and op != "retract"):
            return None
        retract = op == "retract"
        id_number = raw.get("id_number")
        if spec.has_subject:
            if type(id_number) is not str or not id_number:
                return None
            checked = self._id_cache.get(id_number)
            if checked is None:
                checked = self._check_id("id_number", id_number)
                if len(self._id_cache) >= _CACHE_MAX:
                    self._id_cache.clear()
                self._id_cache[id_number] = checked
            id_number = checked
        elif id_number is not None and id_number != "":
            return None
        fields: dict[str, Any] = {}
        for name, check, required, fspec, cache in self._compiled[type_name]:
            value = raw.get(name)
            if value is None or value == "":
                if required and not retract:
                    return None
                continue
            if type(value) is str:
                typed = cache.get(value)
                if typed is None:
                    typed = check(name, value, fspec)
                    if len(cache) >= _CACHE_MAX:
                        cache.clear()
                    cache[value] = typed
                fields[name] = typed
            else:
                fields[name] = check(name, value, fspec)
        for later, earlier in self._order_rules[type_name]:
            a = fields.get(later)
            if a is not None:
                b = fields.get(earlier)
                if b is not None and a < b:
                    return None
        if self._other_rules[type_name] and check_rules(spec, fields, raw, source, retract):
            return None
        return _record(source, type_name, record_id, version, op, id_number, fields)

    def _full(self, raw: Any, row: int, type_hint: str | None) -> Record | list[RowError]:
        """Check everything and collect every problem of the row."""
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
        record_id = _record_id(values, row, errors)

        def err(field: str | None, code: str, zh: str, en: str) -> None:
            errors.append(RowError(row, record_id, field, code, zh, en))

        source = values.get("source")
        if source is None:
            err("source", "missing_field", "缺少必填字段 source (发送部门)",
                "the required field source (sending department) is missing")
        elif type(source) is not str or source not in _SOURCES:
            err("source", "unknown_source",
                f"未知的发送部门 source {shown(source)}, 应为: {', '.join(SOURCES)}",
                f"unknown source {shown(source)}; use one of: {', '.join(SOURCES)}")
            source = None
        type_name = values.get("type", type_hint)
        spec = TYPES.get(type_name) if type(type_name) is str else None
        if type_name is None:
            err("type", "missing_field", "缺少必填字段 type (记录类型)",
                "the required field type (record type) is missing")
        elif spec is None:
            err("type", "unknown_type", f"未知的记录类型 type {shown(type_name)}",
                f"unknown record type {shown(type_name)}; see the list of types in the format")
        elif type_hint is not None and type_name != type_hint:
            err("type", "type_mismatch",
                f"记录类型 {type_name} 与所在的工作表/文件 ({type_hint}) 不一致",
                f"record type {type_name} differs from its sheet/file ({type_hint})")
            spec = None  # which fields to expect is unclear: report the envelope only
        elif source is not None and source not in spec.sources:
            err("source", "wrong_source",
                f"部门 {source} 不能发送 {type_name} 记录 (只有 {', '.join(spec.sources)} 可以)",
                f"{source} may not send {type_name} records (only {', '.join(spec.sources)})")

        version = values.get("version", 1)
        try:
            version = check_int("version", version, lo=1, hi=VERSION_MAX)
        except Invalid as e:
            err("version", "invalid_version", e.message, e.message_en)
        op = values.get("op", "upsert")
        if op not in OPS:
            err("op", "invalid_op", f"字段 op 应为 upsert 或 retract, 收到 {shown(op)}",
                f"op must be upsert or retract, got {shown(op)}")
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
            return _capped(errors)
        retract = op == "retract"
        fields = self._payload(spec, values, retract, err)
        for problem in check_rules(spec, fields, values, source, retract):
            err(*problem)
        if errors:
            return _capped(errors)
        return Record(source, spec.name, record_id, version, op,  # type: ignore[arg-type]
                      id_number, fields)

    def _payload(self, spec: TypeSpec, values: dict[str, Any], retract: bool,
                 err: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, check, required, fspec, _ in self._compiled[spec.name]:
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
                name = k if type(k) is str and len(k) <= 64 and k.isprintable() else shown(k)
                err(k, "unknown_field",
                    f"字段 {name} 不属于 {spec.name} 记录的格式, 请删除该字段",
                    f"{name} is not a field of {spec.name} records; remove it")
        return fields


def _capped(errors: list[RowError]) -> list[RowError]:
    """At most ROW_MAX_ERRORS reasons for one row, the last of them saying how many more
    there were (a row of a million unknown fields is one row, not a million reasons)."""
    if len(errors) <= ROW_MAX_ERRORS:
        return errors
    more = len(errors) - ROW_MAX_ERRORS + 1
    first = errors[0]
    return [*errors[:ROW_MAX_ERRORS - 1], RowError(
        first.row, first.record_id, None, "too_many_errors",
        f"该行还有 {more} 个错误未列出", f"this row has {more} more errors, not listed")]


def _record_id(values: dict[str, Any], row: int, errors: list[RowError]) -> str | None:
    rid = values.get("record_id")
    if rid is None:
        errors.append(RowError(row, None, "record_id", "missing_field",
                               "缺少必填字段 record_id (记录编号)",
                               "the required field record_id is missing"))
    elif type(rid) is not str:
        errors.append(RowError(row, None, "record_id", "wrong_type",
                               f"字段 record_id 应为字符串, 收到 {shown(rid)}",
                               f"record_id must be a string, got {shown(rid)}"))
    elif len(rid) > RECORD_ID_MAX:
        errors.append(RowError(row, None, "record_id", "too_long",
                               f"字段 record_id 最多 {RECORD_ID_MAX} 个字符, 实际 {len(rid)} 个",
                               f"record_id has at most {RECORD_ID_MAX} characters, "
                               f"this one has {len(rid)}"))
    elif control_character(rid) is not None:
        e = control_error("record_id", rid)
        errors.append(RowError(row, None, "record_id", e.code, e.message, e.message_en))
    else:
        return rid
    return None


_parsers: dict[dt.date | None, RowParser] = {}


def parse_row(raw: Mapping[str, Any], *, row: int, today: dt.date | None = None,
              type_hint: str | None = None) -> Record | list[RowError]:
    """Validate one raw row into a Record, or return the list of its RowErrors.

    `row` is reported back in errors (line number, sheet row or batch index); `today`
    (default: the current day) is the day against which birth dates must not be in the
    future. For many rows, build a RowParser once and call its `parse`.
    """
    parser = _parsers.get(today)
    if parser is None or (today is None and parser.today != dt.date.today()):  # noqa: DTZ011
        if len(_parsers) > 8:
            _parsers.clear()
        parser = _parsers[today] = RowParser(today)
    return parser.parse(raw, row=row, type_hint=type_hint)


def parse_batch(rows: Iterable[Any], *, today: dt.date | None = None,
                start: int = 0) -> list[tuple[int, Record | list[RowError]]]:
    """Validate an API batch: (index, Record or RowErrors) per row, indexes from `start`."""
    parser = RowParser(today)
    return [(i, parser.parse(raw, row=i)) for i, raw in enumerate(rows, start)]

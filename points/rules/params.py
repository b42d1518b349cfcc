"""Typed, dated parameter values of a rule file (used by ``points.rules.load``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from points.rules.model import QUARTER, DatedValue, Parameter, ParamSpec

if TYPE_CHECKING:
    from points.rules.load import _Ctx

PERIOD_RE = re.compile(r"^(\d+)([ym])$")


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _points(ctx: _Ctx, path: str, value: Any) -> Decimal | None:
    d = _as_decimal(value)
    if d is None:
        ctx.err(path, f"应为分值(数字), 实际为 {value!r}",
                f"expected points (a number), got {value!r}")
        return None
    if d % QUARTER != 0:
        ctx.err(path, f"分值 {d} 不是 0.25 的整数倍, 请改为 0.25 的倍数",
                f"points {d} are not a multiple of 0.25; use a multiple of 0.25")
        return None
    return d


def _convert(ctx: _Ctx, path: str, spec: ParamSpec, value: Any) -> Any:
    t = spec.type
    if t == "points":
        return _points(ctx, path, value)
    if t == "decimal":
        d = _as_decimal(value)
        if d is None or d <= 0:
            ctx.err(path, f"应为正数, 实际为 {value!r}",
                    f"expected a positive number, got {value!r}")
        return d
    if t == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            ctx.err(path, f"应为非负整数, 实际为 {value!r}",
                    f"expected a whole number ≥ 0, got {value!r}")
            return None
        return value
    if t == "period":
        m = PERIOD_RE.match(str(value))
        if not m:
            ctx.err(path, f"期间应写作 \"3y\"(年) 或 \"36m\"(月), 实际为 {value!r}",
                    f"write a period as \"3y\" (years) or \"36m\" (months), got {value!r}")
            return None
        return int(m.group(1)) * (12 if m.group(2) == "y" else 1)
    if t == "tiers":
        if not isinstance(value, Mapping) or not value:
            ctx.err(path, "应为 键: 分值 的映射表", "expected a table of key: points")
            return None
        return {str(k): _points(ctx, f"{path}.{k}", v) for k, v in value.items()}
    if t == "dates":
        if not isinstance(value, list) or not all(isinstance(v, dt.date) for v in value):
            ctx.err(path, "应为日期列表 (YYYY-MM-DD)", "expected a list of dates (YYYY-MM-DD)")
            return None
        if list(value) != sorted(set(value)):
            ctx.err(path, "日期列表应按时间递增且不重复",
                    "list the dates in increasing order, no repeats")
        return tuple(value)
    if t == "str":
        if not isinstance(value, str) or not value:
            ctx.err(path, f"应为文字, 实际为 {value!r}", f"expected a text value, got {value!r}")
        return value
    if t == "strs":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            ctx.err(path, "应为文字列表", "expected a list of text values")
            return None
        return tuple(value)
    if t == "filter":
        if not isinstance(value, Mapping):
            ctx.err(path, "筛选条件应为 字段: 值 的映射", "a filter is a table of field: value(s)")
            return None
        return {str(k): tuple(str(x) for x in (v if isinstance(v, list) else [v]))
                for k, v in value.items()}
    raise AssertionError(t)


def _parameter(ctx: _Ctx, path: str, name: str, spec: ParamSpec, raw: Any,
               start: dt.date, reference: str) -> Parameter | None:
    if isinstance(raw, list) and raw and all(isinstance(v, Mapping) for v in raw):
        values: list[DatedValue] = []
        for i, entry in enumerate(raw):
            p = f"{path}[{i}]"
            unknown = set(entry) - {"from", "value", "reference"}
            if unknown:
                ctx.err(p, f"未知字段 {sorted(unknown)}; 只允许 from, value, reference",
                        f"unknown fields {sorted(unknown)}; only from, value, reference")
            if "from" not in entry or not isinstance(entry["from"], dt.date):
                ctx.err(p, "分时段参数的每个取值都需要生效日期 from (YYYY-MM-DD)",
                        "each value of a dated parameter needs a `from` date (YYYY-MM-DD)")
                continue
            if "value" not in entry:
                ctx.err(p, "缺少 value", "missing `value`")
                continue
            if not entry.get("reference"):
                ctx.err(p, "每个取值都需要政策依据 reference", "each value needs a `reference`")
            values.append(DatedValue(_convert(ctx, f"{p}.value", spec, entry["value"]),
                                     entry["from"], str(entry.get("reference", ""))))
        for a, b in pairwise(values):
            if b.from_ <= a.from_:
                ctx.err(path, f"生效日期应严格递增且不重叠: {a.from_} 之后是 {b.from_}",
                        f"`from` dates must strictly increase, no overlap: {b.from_} "
                        f"follows {a.from_}")
        return Parameter(name, tuple(values)) if values else None
    return Parameter(name, (DatedValue(_convert(ctx, path, spec, raw), start, reference),))

"""Load and validate a rule-set YAML file into ``points.rules.model``.

Errors are public API: each ``RuleError`` names the file, the key path
(``items.age.measure.base``) and says what is wrong and what to do, in Chinese then
English. ``validate_file`` collects every error; ``load_rule_set`` raises
``RuleSetError`` with all of them.

YAML numbers are read as exact ``Decimal`` (never float); unquoted ISO dates as dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from points.rules.model import (
    DISTRICT_CODES,
    MEASURE_KINDS,
    Category,
    DatedValue,
    DistrictLayer,
    Freeze,
    Item,
    Measure,
    Parameter,
    RuleSet,
)
from points.rules.params import PERIOD_RE, _parameter, _points

TOP_KEYS = {"id", "name", "effective_from", "reference", "status", "categories", "items",
            "district_template", "districts", "notes"}
ITEM_KEYS = {"category", "max", "name_zh", "name_en", "description_zh", "reference",
             "measure", "freeze", "notes"}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class RuleError:
    """One problem in a rule file: where (file, key path) and what to do (zh, en)."""

    file: str
    path: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message_zh} / {self.message_en}"


class RuleSetError(ValueError):
    """A rule file that does not validate; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RuleError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class _DecimalLoader(yaml.SafeLoader):
    """SafeLoader that reads floats as Decimal, exactly as written."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    return Decimal(loader.construct_scalar(node).replace("_", ""))  # type: ignore[arg-type]


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def content_hash(data: Any) -> str:
    """sha256 of the canonical JSON of the parsed content (comments/layout don't count)."""
    text = json.dumps(_canonical(data), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Ctx:
    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[RuleError] = []

    def err(self, path: str, zh: str, en: str) -> None:
        self.errors.append(RuleError(self.file, path, zh, en))


def _measure(ctx: _Ctx, path: str, raw: Any, start: dt.date, reference: str,
             district: bool) -> Measure | None:
    if not isinstance(raw, Mapping) or "kind" not in raw:
        ctx.err(path, "缺少 measure.kind (计分方式)",
                "missing measure.kind (how the item is scored)")
        return None
    kind = raw["kind"]
    spec = MEASURE_KINDS.get(kind)
    if spec is None:
        ctx.err(f"{path}.kind", f"未知的计分方式 {kind!r}; 可用: {', '.join(MEASURE_KINDS)}",
                f"unknown measure kind {kind!r}; use one of: {', '.join(MEASURE_KINDS)}")
        return None
    if spec.district_only and not district:
        ctx.err(f"{path}.kind", f"计分方式 {kind} 只能用于区县个性分",
                f"measure kind {kind} is for district items only")
    params: dict[str, Parameter] = {}
    for name, value in raw.items():
        if name == "kind":
            continue
        if name not in spec.params:
            ctx.err(f"{path}.{name}",
                    f"{kind} 没有参数 {name!r}; 可用: {', '.join(spec.params) or '无'}",
                    f"{kind} has no parameter {name!r}; allowed: "
                    f"{', '.join(spec.params) or 'none'}")
            continue
        p = _parameter(ctx, f"{path}.{name}", name, spec.params[name], value, start, reference)
        if p is not None:
            params[name] = p
    for name, pspec in spec.params.items():
        if name in params:
            continue
        if pspec.default is not None:
            params[name] = Parameter(name, (DatedValue(pspec.default, start, reference),))
        elif pspec.required:
            ctx.err(f"{path}.{name}", f"{kind} 缺少必填参数 {name}",
                    f"{kind} needs the parameter {name}; add it")
    return Measure(kind, params)


def _freeze(ctx: _Ctx, path: str, raw: Any) -> Freeze | None:
    if raw is None:
        return None
    if isinstance(raw, Mapping) and set(raw) == {"duration"}:
        m = PERIOD_RE.match(str(raw["duration"]))
        if m:
            return Freeze(duration_months=int(m.group(1)) * (12 if m.group(2) == "y" else 1))
    if isinstance(raw, Mapping) and raw == {"while_in_force": True}:
        return Freeze(while_in_force=True)
    ctx.err(path, "冻结应写作 {duration: 6m} 或 {while_in_force: true}",
            "write a freeze as {duration: 6m} or {while_in_force: true}")
    return None


def _item(ctx: _Ctx, path: str, key: str, raw: Any, start: dt.date,
          categories: Mapping[str, Category] | None) -> Item | None:
    if not KEY_RE.match(str(key)):
        ctx.err(path, f"指标键 {key!r} 应为小写字母、数字和下划线",
                f"item key {key!r} must be lower-case letters, digits and underscores")
    if not isinstance(raw, Mapping):
        ctx.err(path, "指标应为映射", "an item must be a mapping")
        return None
    for unknown in sorted(set(raw) - ITEM_KEYS):
        ctx.err(f"{path}.{unknown}",
                f"指标没有字段 {unknown!r}; 可用: {', '.join(sorted(ITEM_KEYS))}",
                f"an item has no field {unknown!r}; allowed: {', '.join(sorted(ITEM_KEYS))}")
    district = categories is None
    category = "district" if district else raw.get("category")
    if district and raw.get("category", "district") != "district":
        ctx.err(f"{path}.category", "区县指标的类别只能是 district",
                "a district item's category can only be district")
    if not district and category not in (categories or {}):
        ctx.err(f"{path}.category", f"未知类别 {category!r}; 可用: {', '.join(categories or {})}",
                f"unknown category {category!r}; use one of: {', '.join(categories or {})}")
    for required in ("name_zh", "description_zh", "reference", "measure"):
        if not raw.get(required):
            ctx.err(f"{path}.{required}", f"缺少 {required}", f"missing {required}; add it")
    cap_ok = not district and categories and isinstance(category, str) \
        and category in categories and categories[category].cap is None
    if "max" not in raw or (raw["max"] is None and not cap_ok):
        ctx.err(f"{path}.max", "缺少指标上限 max (只有不封顶类别的指标可写 null)",
                "missing the item cap `max` (only items of an uncapped category may use null)")
    max_ = _points(ctx, f"{path}.max", raw["max"]) if raw.get("max") is not None else None
    reference = str(raw.get("reference", ""))
    measure = _measure(ctx, f"{path}.measure", raw.get("measure"), start, reference, district)
    if measure is None:
        return None
    return Item(key=str(key), category=str(category), max=max_,
                name_zh=str(raw.get("name_zh", "")), name_en=str(raw.get("name_en", "")),
                description_zh=str(raw.get("description_zh", "")), reference=reference,
                measure=measure, freeze=_freeze(ctx, f"{path}.freeze", raw.get("freeze")))


def _cap(ctx: _Ctx, path: str, raw: Any, allow_null: bool) -> Decimal | None:
    if not isinstance(raw, Mapping) or "cap" not in raw:
        ctx.err(f"{path}.cap", "缺少上限 cap", "missing the cap `cap`; add it")
        return None
    if raw["cap"] is None:
        if not allow_null:
            ctx.err(f"{path}.cap", "区县层必须有上限", "a district layer needs a cap")
        return None
    return _points(ctx, f"{path}.cap", raw["cap"])


def _layer(ctx: _Ctx, path: str, code: str, raw: Mapping[str, Any], start: dt.date,
           base: DistrictLayer | None, base_raw: Mapping[str, Any]) -> DistrictLayer:
    for unknown in sorted(set(raw) - {"cap", "items", "drop", "notes"}):
        ctx.err(f"{path}.{unknown}", f"区县层没有字段 {unknown!r}; 可用: cap, items, drop",
                f"a district layer has no field {unknown!r}; allowed: cap, items, drop")
    cap = _cap(ctx, path, raw, False) if base is None or "cap" in raw else base.cap
    merged: dict[str, Any] = dict(base_raw)
    for key in raw.get("drop") or []:
        if key not in merged:
            ctx.err(f"{path}.drop", f"不能删除模板中没有的指标 {key!r}",
                    f"cannot drop {key!r}: the template has no such item")
        merged.pop(key, None)
    for key, override in (raw.get("items") or {}).items():
        if key in merged and isinstance(override, Mapping):
            merged[key] = {**merged[key], **override}
        else:
            merged[key] = override
    items = [_item(ctx, f"{path}.items.{k}", k, v, start, None) for k, v in merged.items()]
    return DistrictLayer(code, cap or Decimal(0), tuple(i for i in items if i is not None))


def _parse(ctx: _Ctx, data: Any) -> RuleSet | None:
    if not isinstance(data, Mapping):
        ctx.err("", "规则文件应为 YAML 映射", "a rule file must be a YAML mapping")
        return None
    for unknown in sorted(set(data) - TOP_KEYS):
        ctx.err(unknown, f"未知字段 {unknown!r}; 可用: {', '.join(sorted(TOP_KEYS))}",
                f"unknown field {unknown!r}; allowed: {', '.join(sorted(TOP_KEYS))}")
    for required in ("id", "name", "effective_from", "reference", "categories", "items",
                     "district_template"):
        if required not in data:
            ctx.err(required, f"缺少 {required}", f"missing {required}; add it")
    start = data.get("effective_from")
    if "effective_from" in data and not isinstance(start, dt.date):
        ctx.err("effective_from", "生效日期应为 YYYY-MM-DD", "effective_from must be YYYY-MM-DD")
    if not isinstance(start, dt.date):
        start = dt.date.min
    categories: dict[str, Category] = {}
    for n, (key, raw) in enumerate((data.get("categories") or {}).items()):
        cap = _cap(ctx, f"categories.{key}", raw, True)
        name = raw.get("name_zh", key) if isinstance(raw, Mapping) else key
        categories[str(key)] = Category(str(key), str(name), cap, n)
    items = [_item(ctx, f"items.{k}", k, v, start, categories)
             for k, v in (data.get("items") or {}).items()]
    template_raw = data.get("district_template") or {}
    template = _layer(ctx, "district_template", "template", template_raw, start, None, {})
    template_items = template_raw.get("items") or {} if isinstance(template_raw, Mapping) else {}
    districts: dict[str, DistrictLayer] = {}
    overrides = data.get("districts") or {}
    for code in overrides:
        if str(code) not in DISTRICT_CODES:
            ctx.err(f"districts.{code}",
                    f"区县代码 {code} 不是宁波十个区县之一: {', '.join(DISTRICT_CODES)}",
                    f"district code {code} is not one of the ten: {', '.join(DISTRICT_CODES)}")
    for code in DISTRICT_CODES:
        raw = overrides.get(code, overrides.get(int(code))) or {}
        districts[code] = _layer(ctx, f"districts.{code}", code, raw, start, template,
                                 template_items)
    if ctx.errors:
        return None
    return RuleSet(
        id=str(data["id"]), name=str(data["name"]), effective_from=start,
        reference=str(data["reference"]), content_hash=content_hash(data),
        categories=tuple(categories.values()), items=tuple(i for i in items if i),
        template=template, districts=districts, status=str(data.get("status", "active")),
        source=ctx.file,
    )


def parse_yaml(text: str) -> Any:
    """YAML text → data, numbers with a point read as exact Decimal (never float);
    raises yaml.YAMLError."""
    return yaml.load(text, Loader=_DecimalLoader)  # noqa: S506 - SafeLoader subclass


def _read(ctx: _Ctx, text: str) -> Any:
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        ctx.err("", f"YAML 语法错误: {exc}", f"YAML syntax error: {exc}")
        return None


def validate_text(text: str, *, file: str = "<text>") -> tuple[RuleSet | None, list[RuleError]]:
    """Parse and validate YAML text; returns the rule set (None on errors) and the errors."""
    ctx = _Ctx(file)
    data = _read(ctx, text)
    rule_set = _parse(ctx, data) if not ctx.errors else None
    return rule_set, ctx.errors


def _read_file(path: Path) -> tuple[str | None, list[RuleError]]:
    try:
        return path.read_text(encoding="utf-8"), []
    except OSError as exc:
        return None, [RuleError(str(path), "", f"无法读取文件: {exc.strerror}",
                                f"cannot read the file: {exc.strerror}")]


def validate_file(path: str | Path) -> list[RuleError]:
    """Every problem in a rule file (empty list = valid)."""
    text, errors = _read_file(Path(path))
    return errors if text is None else validate_text(text, file=str(path))[1]


def load_rule_set(path: str | Path) -> RuleSet:
    """Load a rule-set YAML file; raises ``RuleSetError`` listing every problem."""
    text, errors = _read_file(Path(path))
    rule_set = None
    if text is not None:
        rule_set, errors = validate_text(text, file=str(path))
    if rule_set is None:
        raise RuleSetError(errors)
    return rule_set

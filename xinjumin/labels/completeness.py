"""What the labels lack: every source, type, field and code of the exchange format
(points.feeds.schema) and every item key of a rule set must have Chinese and English words.

Each function returns the missing entries as readable strings (empty when complete), so a
test failure lists all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from points import DISTRICT_CODES, OPS, SOURCES, TYPES, RuleSet, TypeSpec
from xinjumin.labels.base import Label
from xinjumin.labels.items import find_category_en, find_item_en
from xinjumin.labels.records import (
    find_code_label,
    find_department,
    find_field_label,
    find_record_type,
    record_date_field,
    record_end_field,
)
from xinjumin.labels.summaries import SUMMARIES


def _incomplete(label: Label | None) -> bool:
    return label is None or not label.zh.strip() or not label.en.strip()


def missing_departments() -> list[str]:
    return [f"department {s}" for s in SOURCES if _incomplete(find_department(s))]


Types = Mapping[str, TypeSpec]


def missing_record_types(types: Types = TYPES) -> list[str]:
    """A name for every type, and its date (and end) field among the type's fields."""
    out = []
    for name, spec in types.items():
        if _incomplete(find_record_type(name)):
            out.append(f"record type {name}")
        fields = set(spec.field_order)
        if record_date_field(name) not in fields:
            out.append(f"record type {name}: date field {record_date_field(name)!r}")
        end = record_end_field(name)
        if end is not None and end not in fields:
            out.append(f"record type {name}: end field {end!r}")
    return out


def missing_field_labels(types: Types = TYPES) -> list[str]:
    return [f"field {t}.{f}" for t, spec in types.items() for f in spec.field_order
            if _incomplete(find_field_label(t, f))]


def missing_code_labels(types: Types = TYPES) -> list[str]:
    out = [f"code source={s}" for s in SOURCES if _incomplete(find_code_label("", "source", s))]
    out += [f"code type={t}" for t in types if _incomplete(find_code_label("", "type", t))]
    out += [f"code op={o}" for o in OPS if _incomplete(find_code_label("", "op", o))]
    for t, spec in types.items():
        for fs in spec.fields:
            out += [f"code {t}.{fs.name}={c}" for c in fs.codes
                    if _incomplete(find_code_label(t, fs.name, c))]
    return out


def missing_summaries(types: Types = TYPES) -> list[str]:
    return [f"record summary {t}" for t in types if t not in SUMMARIES]


def item_keys(rule_set: RuleSet) -> list[str]:
    """Every item key of a rule set: city items, the district template, every district."""
    keys = [i.key for i in rule_set.items] + [i.key for i in rule_set.template.items]
    for code in DISTRICT_CODES:
        keys += [i.key for i in rule_set.layer(code).items]
    return list(dict.fromkeys(keys))


def missing_item_names(rule_sets: Iterable[RuleSet]) -> list[str]:
    out = []
    for rs in rule_sets:
        out += [f"item {rs.id}:{k}" for k in item_keys(rs) if find_item_en(k) is None]
        out += [f"category {rs.id}:{c.key}" for c in rs.categories
                if find_category_en(c.key) is None]
    return out


def missing_labels(rule_sets: Iterable[RuleSet] = ()) -> list[str]:
    """Everything above at once."""
    return (missing_departments() + missing_record_types() + missing_field_labels()
            + missing_code_labels() + missing_summaries() + missing_item_names(rule_sets))

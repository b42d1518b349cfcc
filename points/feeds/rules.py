"""Cross-field rules of a record type (TypeSpec.rules and TypeSpec.source_by)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .schema import RuleKind, TypeSpec

Problem = tuple[str, str, str, str]
"""(field, code, message, message_en)"""


def check_rules(spec: TypeSpec, fields: Mapping[str, Any], values: Mapping[str, Any],
                source: str | None, retract: bool) -> list[Problem]:
    """The cross-field problems of a row (an empty list when there are none).

    `fields` holds the valid typed values; `values` the raw ones (to tell a missing field
    from a present but invalid one, which is reported by its own validator).
    """
    problems: list[Problem] = []
    if spec.source_by is not None and source is not None:
        by_field, mapping = spec.source_by
        value = fields.get(by_field)
        if value is not None and mapping.get(value, source) != source:
            problems.append((
                "source", "wrong_source",
                f"{spec.name} ({by_field}={value}) 只能由 {mapping[value]} 发送, 不能由 {source}",
                f"{spec.name} with {by_field} {value} is sent by {mapping[value]}, not {source}",
            ))
    for rule in spec.rules:
        a = fields.get(rule.field)
        b = fields.get(rule.other)
        kind = rule.kind
        if kind is RuleKind.NOT_BEFORE:
            if a is not None and b is not None and a < b:
                problems.append((
                    rule.field, "order_reversed",
                    f"字段 {rule.field} ({a}) 早于 {rule.other} ({b}), 请核对",
                    f"{rule.field} ({a}) is before {rule.other} ({b}); check both",
                ))
        elif kind is RuleKind.REQUIRED_IF:
            if values.get(rule.field) in (None, "") and b == rule.value and not retract:
                problems.append((
                    rule.field, "missing_field",
                    f"{rule.other} 为 {rule.value} 时必须填写 {rule.field}",
                    f"{rule.field} is required when {rule.other} is {rule.value}",
                ))
        elif kind is RuleKind.ONLY_IF:
            if a is not None and b is not None and b != rule.value:
                problems.append((
                    rule.field, "field_not_allowed",
                    f"{rule.other} 为 {b} 时不能填写 {rule.field} (仅用于 {rule.value})",
                    f"{rule.field} is only for {rule.other} {rule.value}, not {b}; leave it out",
                ))
        elif kind is RuleKind.PREFIX:
            if a is not None and b is not None and not a.startswith(b):
                problems.append((
                    rule.field, "not_within",
                    f"字段 {rule.field} ({a}) 不属于 {rule.other} {b}",
                    f"{rule.field} {a} is not within {rule.other} {b}",
                ))
    return problems

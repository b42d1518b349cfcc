"""Words for people: every item, rule and record in plain Chinese and in English.

One place for the presentation labels both the resident portal and the back office use
(issue #10 §7). Plain Python and data files (``records.yaml``, ``items.yaml``), no models
and no Django: every function takes the language (``"zh-hans"`` or ``"en"``) explicitly.
The English names and every label live outside the rule YAML, so the content hash a score
names does not change when a translation does.
"""

from xinjumin.labels.base import Label
from xinjumin.labels.freezes import freeze_reason
from xinjumin.labels.hints import HINTS, hints_for
from xinjumin.labels.items import category_name, item_name, name_for_key
from xinjumin.labels.places import district_name
from xinjumin.labels.records import (
    code_label,
    department,
    field_label,
    record_date_field,
    record_end_field,
    record_fields,
    record_type,
    value_text,
)
from xinjumin.labels.rules import RULE_TEXTS, rule_label, rule_text
from xinjumin.labels.summaries import record_summary

__all__ = [
    "HINTS", "RULE_TEXTS", "Label", "category_name", "code_label", "department",
    "district_name", "field_label", "freeze_reason", "hints_for", "item_name", "name_for_key",
    "record_date_field", "record_end_field", "record_fields", "record_summary", "record_type",
    "rule_label", "rule_text", "value_text",
]

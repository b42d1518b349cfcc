"""The old shapes of the resident-facing words, kept for the callers not yet moved to
``xinjumin.labels`` (the one place for presentation labels, issue #10 §7): departments,
record types and hints are read from there, returned as the dicts and tuples these callers
expect. New code imports ``xinjumin.labels`` directly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from points.feeds.schema import SOURCES, TYPES
from points.rules.model import Item
from xinjumin import labels

DEPARTMENTS: dict[str, tuple[str, str]] = {
    s: (labels.department(s).zh, labels.department(s).en) for s in SOURCES
}

#: type → (Chinese name, English name, the date field shown)
RECORD_TYPES: dict[str, tuple[str, str, str]] = {
    t: (*labels.record_type(t), labels.record_date_field(t)) for t in TYPES
}
END_FIELDS = ("end", "ended_on", "last_month", "lifted_on", "sentence_end")


def department(source: str) -> dict[str, str]:
    zh, en = labels.department(source)
    return {"code": source, "name_zh": zh, "name_en": en}


def record_type(type_: str) -> tuple[str, str, str]:
    zh, en = labels.record_type(type_)
    return zh, en, labels.record_date_field(type_)


def hints_for(item: Item, points: Decimal, as_of: dt.date, has_records: bool
              ) -> list[dict[str, str]]:
    """What would raise an item below its maximum, as {"zh": ..., "en": ...} dicts."""
    return [h._asdict() for h in labels.hints_for(item, points, as_of, has_records)]

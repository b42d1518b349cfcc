"""What a measure gets (``Context``) and gives back (``MeasureResult``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from points.feeds.record import Record
from points.inputs import PersonInputs, matches
from points.rules.model import Measure


@dataclass(frozen=True)
class Context:
    """One measure evaluated for one person at D; ``district`` set for district items."""

    person: PersonInputs
    measure: Measure
    item_key: str
    district: str | None = None

    @property
    def as_of(self) -> dt.date:
        return self.person.as_of

    def p(self, name: str) -> Any:
        """The parameter's value in force at D."""
        return self.measure.value(name, self.as_of)

    def records(self, type_: str | None = None) -> list[Record]:
        """The subject's records of ``type_`` (default: the measure's record_type); in a
        district layer, ``district_item`` records are limited to this district and item."""
        type_ = type_ or self.p("record_type") or "district_item"
        records = self.person.records(type_)
        if self.district is not None and type_ == "district_item":
            item = self.p("item") or self.item_key
            records = [r for r in records
                       if r.get("district") == self.district and r.get("item") == item]
        return [r for r in records if matches(r, self.p("filter"))]


@dataclass(frozen=True)
class MeasureResult:
    """Raw points (before the item cap), the refs behind them and a plain-words detail.

    ``events``: (ref, date) of counted records (for duration freezes);
    ``in_force``: (ref, first day, last day) of states (for while_in_force freezes)."""

    points: Decimal
    refs: tuple[str, ...] = ()
    detail: str = ""
    events: tuple[tuple[str, dt.date], ...] = ()
    in_force: tuple[tuple[str, dt.date, dt.date], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


ZERO = Decimal(0)
MeasureFn = Callable[[Context], MeasureResult]
REGISTRY: dict[str, MeasureFn] = {}


def measure(kind: str) -> Callable[[MeasureFn], MeasureFn]:
    """Register the evaluator of one measure kind."""
    def register(fn: MeasureFn) -> MeasureFn:
        REGISTRY[kind] = fn
        return fn
    return register

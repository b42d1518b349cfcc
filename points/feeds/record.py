"""The in-memory form of one department record (docs: ../shared/docs/feeds.md).

This is the contract between the feed readers (points.feeds), the rules engine
(points.inputs / points.evaluate) and the platform's ingestion (xinjumin.records).

Field values in `fields` are typed:
- dates: datetime.date; months ("YYYY-MM"): str; money and hours: decimal.Decimal;
- version / year / level / insured_count: int; codes and identifiers: str;
- an absent optional field is simply not in `fields`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Op = Literal["upsert", "retract"]


@dataclass(frozen=True, slots=True)
class Record:
    source: str
    type: str
    record_id: str
    version: int
    op: Op
    id_number: str | None
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """Versions are per (source, record_id)."""
        return (self.source, self.record_id)

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def date(self, name: str) -> dt.date | None:
        value = self.fields.get(name)
        return value if isinstance(value, dt.date) else None

"""A JSON value kept as compact text: cheap to bulk-load (COPY parses no jsonb), decoded
in Python on read. Used for StoredScore's per-district scores and per-item points, which
are read per person, never queried inside the database."""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class CompactJSONField(models.TextField):
    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        if value is None or not isinstance(value, str):
            return value
        return json.loads(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def value_to_string(self, obj: Any) -> str:
        return self.get_prep_value(self.value_from_object(obj)) or ""

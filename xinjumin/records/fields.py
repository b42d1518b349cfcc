"""A JSON object kept as plain text (not PostgreSQL jsonb): payloads are read whole and
never queried inside, and bulk loads skip the jsonb conversion."""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class PayloadField(models.TextField):
    """A dict in Python, its compact JSON text in the database."""

    description = "JSON object stored as text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return {}
        return json.loads(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value else {}
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            return value
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    def value_to_string(self, obj: Any) -> str:
        return self.get_prep_value(self.value_from_object(obj)) or ""

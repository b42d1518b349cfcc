"""A model field that keeps its value encrypted in the database (see core.crypto)."""

from __future__ import annotations

from typing import Any

from django.db import models

from xinjumin.core import crypto


class EncryptedTextField(models.TextField):
    """Plain text in Python, AES-256-GCM ciphertext with its key id in the database."""

    description = "Text encrypted at rest (AES-256-GCM)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

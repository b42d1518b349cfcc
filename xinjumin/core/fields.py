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


class RowIdAutoField(models.BigAutoField):
    """A BigAutoField that SQLite keys by its plain rowid, without AUTOINCREMENT.

    AUTOINCREMENT makes SQLite update sqlite_sequence on every insert (measured: ~3 µs
    of ~16 µs per row of a bulk load) only to promise that the numbers of rows deleted
    at the end of the table are never used again. Tables whose rows are never referred
    to by primary key from elsewhere (department records are named "SOURCE:record_id")
    do not need that promise. PostgreSQL: the same identity column as BigAutoField."""

    def db_type_suffix(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return None
        return super().db_type_suffix(connection)

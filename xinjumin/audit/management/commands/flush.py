"""`xjm flush` that can empty the append-only audit table (development and tests only).

The audit table's triggers refuse DELETE (SQLite) and TRUNCATE (PostgreSQL), so Django's
own flush -- which the test runner calls after every transactional test (pytest-django
`transactional_db`, `live_server`) -- would fail. This override lifts the triggers for the
flush and puts them back afterwards, and sets the chain's checkpoint file aside (it names
a head the emptied table no longer has). In production it refuses: the audit trail is
kept (domain.md §13).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, connections

from xinjumin.audit.checkpoints import checkpoints_set_aside

_triggers = import_module("xinjumin.audit.migrations.0003_keyed_chain")


class _Editor:
    """The slice of a schema editor the migration's up/down functions use."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, sql: str) -> None:
        with self.connection.cursor() as cur:
            cur.execute(sql)


class Command(DjangoFlush):
    help = DjangoFlush.help + " The audit trail is emptied too (refused in production)."

    def handle(self, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("flush would erase the audit trail: refused in production")
        connection = connections[options["database"]]
        editor = _Editor(connection)
        _triggers.triggers_drop(None, editor)
        try:
            super().handle(**options)
        finally:
            _triggers.triggers_create(None, editor)
        if options["database"] == DEFAULT_DB_ALIAS:
            checkpoints_set_aside()

"""`xjm audit verify`: walk the keyed chain against the head checkpointed outside the
database and say whether it is intact, or what was done to it (exit 1 if not).

`xjm audit purge --before DATE`: remove the oldest events written before DATE that are past
their retention (audit.retention: at least 6 months, credit queries 10 years); refused for
a DATE within the minimum retention or a chain that does not verify (exit 1).
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xinjumin.audit.retention import RETENTION
from xinjumin.audit.services import audit_purge, audit_verify_chain
from xinjumin.core.errors import DomainError


def _date(value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--before must be a date YYYY-MM-DD, not {value!r}") from None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class Command(BaseCommand):
    help = ("Audit trail tools. `verify`: check the keyed chain of every audit event and "
            "its checkpoints; `purge --before DATE`: remove events past their retention.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="verify the chain (exit code 1 if broken)")
        verify.add_argument("--no-store", action="store_true",
                            help="do not record the result as an AuditCheck row")
        purge = sub.add_parser("purge", help="remove events past their retention")
        purge.add_argument("--before", required=True, type=_date,
                           help="remove events written before this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "purge":
            self._purge(options["before"])
            return
        report = audit_verify_chain(store=not options.get("no_store", False))
        if report.ok:
            self.stdout.write(f"OK: {report.events_checked} events verified")
            return
        where = f" at event #{report.first_broken_seq}" if report.first_broken_seq else ""
        self.stdout.write(f"BROKEN{where}: {report.reason}")
        sys.exit(1)

    def _purge(self, before: dt.datetime) -> None:
        try:
            result = audit_purge(before=before, actor="cli:audit-purge")
        except DomainError as error:
            self.stderr.write(f"REFUSED: {error.message} / {error.message_en}")
            for prefix, months, why in RETENTION:
                self.stderr.write(f"  {prefix or '*'}: {months} months ({why})")
            sys.exit(1)
        if not result.removed:
            self.stdout.write(f"nothing to remove before {before:%Y-%m-%d}")
            return
        kept = (f"; kept from seq {result.kept_from}" if result.kept_from else "")
        self.stdout.write(f"removed {result.removed} events through seq {result.base_seq} "
                          f"(the chain's new base){kept}")

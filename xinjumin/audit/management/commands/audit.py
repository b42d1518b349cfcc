"""`xjm audit verify`: walk the hash chain and say whether it is intact (exit 1 if not)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinjumin.audit.services import audit_verify_chain


class Command(BaseCommand):
    help = "Audit trail tools. `verify`: check the hash chain of every audit event."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="verify the hash chain (exit code 1 if broken)")
        verify.add_argument("--no-store", action="store_true",
                            help="do not record the result as an AuditCheck row")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify_chain(store=not options.get("no_store", False))
        if report.ok:
            self.stdout.write(f"OK: {report.events_checked} events verified")
            return
        self.stdout.write(f"BROKEN at event #{report.first_broken_seq}: {report.reason}")
        sys.exit(1)

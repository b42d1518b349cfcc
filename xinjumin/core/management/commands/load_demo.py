"""`xjm load_demo`: demo personas and about 200 residents (idempotent; not in production)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Load the demo personas and a demo population (refused when XJM_ENV=production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=200,
                            help="about how many residents (default 200)")

    def handle(self, *args: Any, **options: Any) -> None:
        from xinjumin.demo.load import load_demo

        try:
            report = load_demo(target=options["residents"])
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"demo data loaded: {report.residents_created} residents, "
            f"{report.staff_created} staff accounts and {report.links_created} family links "
            f"created; {report.residents_total} residents in total; "
            f"{report.records_created} department records newly ingested. "
            "Logins: xjm demo_logins")

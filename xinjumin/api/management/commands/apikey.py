"""`xjm apikey create --source HRSS --types social_insurance_period,employment --name ...`
prints a new department API key once; `xjm apikey create-reporter --kind employer --name
... --uscc ...` a reporter's key (an employer, landlord, property manager or agency reporting
the people it houses or hires); `xjm apikey list`; `xjm apikey disable PREFIX`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinjumin.api.credentials import api_key_create, reporter_key_create
from xinjumin.api.models import ApiKey, ReporterKey
from xinjumin.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, list or disable API keys of department systems (X-API-Key)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key and print it once")
        create.add_argument("--source", required=True, help="PSB, HRSS, EDU, HOUSING, ...")
        create.add_argument("--types", required=True,
                            help="comma-separated record types the key may send")
        create.add_argument("--name", required=True, help="who uses the key")
        reporter = sub.add_parser("create-reporter",
                                  help="create a reporter's key (X-Reporter-Key), print it once")
        reporter.add_argument("--kind", required=True,
                              help="employer, landlord, property_manager or agency")
        reporter.add_argument("--name", required=True)
        reporter.add_argument("--uscc", default="", help="unified social credit code")
        sub.add_parser("list", help="list keys (prefixes only)")
        disable = sub.add_parser("disable", help="disable a key by its prefix")
        disable.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            types = [t.strip() for t in options["types"].split(",") if t.strip()]
            try:
                issued = api_key_create(name=options["name"], source=options["source"],
                                        record_types=types)
            except DomainError as exc:
                details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
                raise CommandError(f"{exc.message} / {exc.message_en} ({details})") from exc
            key = issued.record
            self.stdout.write(f"API key for {key.name} ({key.source}: "
                              f"{', '.join(key.record_types)})")
            self.stdout.write("Shown once; store it now / 仅显示一次, 请立即保存:")
            self.stdout.write(issued.key)
        elif action == "create-reporter":
            try:
                made = reporter_key_create(name=options["name"], kind=options["kind"],
                                           uscc=options["uscc"])
            except DomainError as exc:
                details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
                raise CommandError(f"{exc.message} / {exc.message_en} ({details})") from exc
            self.stdout.write(f"Reporter key for {made.record.name} ({made.record.kind})")
            self.stdout.write("Shown once; store it now / 仅显示一次, 请立即保存:")
            self.stdout.write(made.key)
        elif action == "list":
            for key in ApiKey.objects.all():
                state = "active" if key.active else "disabled"
                used = key.last_used_at.isoformat() if key.last_used_at else "never"
                self.stdout.write(f"{key.prefix}  {key.source:<9} {state:<8} last used {used}"
                                  f"  {key.name}  [{', '.join(key.record_types)}]")
            for rkey in ReporterKey.objects.all():
                state = "active" if rkey.active else "disabled"
                used = rkey.last_used_at.isoformat() if rkey.last_used_at else "never"
                self.stdout.write(f"{rkey.prefix}  {'reporter':<9} {state:<8} last used "
                                  f"{used}  {rkey.name}  [{rkey.kind}]")
        else:
            updated = ApiKey.objects.filter(prefix=options["prefix"]).update(active=False)
            updated += ReporterKey.objects.filter(prefix=options["prefix"]).update(
                active=False)
            if not updated:
                raise CommandError(f"no API key with prefix {options['prefix']!r}")
            self.stdout.write(f"disabled {options['prefix']}")

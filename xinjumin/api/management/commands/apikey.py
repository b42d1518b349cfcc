"""`xjm apikey create --source HRSS --types social_insurance_period,employment --name ...`
prints a new department API key once; `xjm apikey list`; `xjm apikey disable PREFIX`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinjumin.api.credentials import api_key_create
from xinjumin.api.models import ApiKey
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
        elif action == "list":
            for key in ApiKey.objects.all():
                state = "active" if key.active else "disabled"
                used = key.last_used_at.isoformat() if key.last_used_at else "never"
                self.stdout.write(f"{key.prefix}  {key.source:<9} {state:<8} last used {used}"
                                  f"  {key.name}  [{', '.join(key.record_types)}]")
        else:
            updated = ApiKey.objects.filter(prefix=options["prefix"]).update(active=False)
            if not updated:
                raise CommandError(f"no API key with prefix {options['prefix']!r}")
            self.stdout.write(f"disabled {options['prefix']}")

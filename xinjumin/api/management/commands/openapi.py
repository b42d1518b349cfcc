"""`xjm openapi` prints the OpenAPI document; `xjm openapi --write` refreshes the committed
copy at xinjumin/api/openapi.json (a test fails when the two differ)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


def openapi_text() -> str:
    """The live schema as stable, diff-friendly JSON."""
    from xinjumin.api.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI document, or --write it to xinjumin/api/openapi.json."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true", help=f"write {COMMITTED}")

    def handle(self, *args: Any, **options: Any) -> None:
        text = openapi_text()
        if options["write"]:
            COMMITTED.write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {COMMITTED}")
        else:
            self.stdout.write(text, ending="")
